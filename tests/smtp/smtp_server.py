#!/usr/bin/env python3
"""A real SMTP server for MinSide's delivery tests (aiosmtpd).

Every accepted message is written as one JSON line to the log file:
{"message_id", "notice", "to", "subject", "body", "at"} where `notice` is the
X-MinSide-Notice header and `to` the envelope recipients. The line is written (and
flushed) before the server answers 250, so the log is the witness of what was accepted.

Failures on demand:
  --tempfail ADDRESS=N   answer 451 to the first N RCPT attempts for ADDRESS
  --reject-local PART    answer 550 to every recipient whose local part is PART
  --delay-ms N           wait N ms before accepting each message (a slow server)

It listens on 127.0.0.1 (port 0: a free one) and prints `listening 127.0.0.1:PORT` on
stdout when ready. With --exit-on-stdin-eof it stops when its stdin closes, so it never
outlives the test process that started it.
"""

import argparse
import asyncio
import datetime
import email
import email.policy
import json
import logging
import os
import socket
import sys
import threading

from aiosmtpd.smtp import SMTP


class Handler:
    def __init__(self, log_path, tempfail, reject_local, delay_ms):
        self.log = open(log_path, "a", encoding="utf-8")
        self.tempfail = {addr.lower(): n for addr, n in tempfail.items()}
        self.attempts = {}
        self.reject_local = {p.lower() for p in reject_local}
        self.delay = delay_ms / 1000.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        key = address.lower()
        local = key.rsplit("@", 1)[0]
        if local in self.reject_local:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        seen = self.attempts.get(key, 0)
        self.attempts[key] = seen + 1
        if seen < self.tempfail.get(key, 0):
            return "451 4.3.0 Temporary failure, please try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay > 0:
            await asyncio.sleep(self.delay)
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body_part = msg.get_body(preferencelist=("plain",))
        body = body_part.get_content() if body_part is not None else ""
        line = {
            "message_id": str(msg.get("Message-ID", "")),
            "notice": str(msg.get("X-MinSide-Notice", "")),
            "to": list(envelope.rcpt_tos),
            "subject": str(msg.get("Subject", "")),
            "body": body,
            "at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        }
        self.log.write(json.dumps(line, ensure_ascii=False) + "\n")
        self.log.flush()
        return "250 2.0.0 Message accepted for delivery"


def parse_tempfail(values):
    out = {}
    for v in values:
        addr, _, n = v.rpartition("=")
        if not addr or not n.isdigit():
            raise SystemExit(f"--tempfail wants ADDRESS=N, got {v!r}")
        out[addr] = int(n)
    return out


def watch_stdin():
    try:
        sys.stdin.buffer.read()
    finally:
        os._exit(0)


async def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--log", required=True, help="JSON-lines file of accepted messages")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--tempfail", action="append", default=[], metavar="ADDRESS=N")
    ap.add_argument("--reject-local", action="append", default=[], metavar="PART")
    ap.add_argument("--delay-ms", type=int, default=0)
    ap.add_argument("--exit-on-stdin-eof", action="store_true")
    args = ap.parse_args()

    logging.basicConfig(level=logging.WARNING)
    if args.exit_on_stdin_eof:
        threading.Thread(target=watch_stdin, daemon=True).start()

    handler = Handler(args.log, parse_tempfail(args.tempfail), args.reject_local, args.delay_ms)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="minside-test-smtp", ident="MinSide test SMTP"),
        sock=sock,
    )
    host, port = sock.getsockname()[:2]
    print(f"listening {host}:{port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
