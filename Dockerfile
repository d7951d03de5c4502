# Production image: a static-ish binary on a slim base, running as an unprivileged user.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin minside

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 minside
COPY --from=build /src/target/release/minside /usr/local/bin/minside
COPY config /etc/minside
USER minside
ENV MINSIDE_CONFIG=/etc/minside/production.toml
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/minside"]
CMD ["serve"]
