//! A plain front page, so a browser shows what the session is (the resident-facing web client
//! is a separate project; this page is for trying the server and for operators).

use axum::extract::State;
use axum::response::Html;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::extract::{SessionCookie, Tenant};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(home))
}

/// The front page (HTML, Norwegian Bokmål).
#[utoipa::path(get, path = "/", tag = "web",
    responses((status = 200, content_type = "text/html", body = String)))]
async fn home(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    session: Option<SessionCookie>,
) -> Result<Html<String>, ApiError> {
    let body = match session.map(|c| c.session) {
        Some(s) => {
            let resident = state.store().get_resident(s.resident_id).await?;
            format!(
                "<p>Du er logget inn som <strong>{name}</strong> ({pid}), sikkerhetsnivå \
                 <code>{acr}</code>.</p>\
                 <p><a href=\"/api/v1/me/overview\">Hva vet kommunen om meg? (JSON)</a> · \
                 <a href=\"/api/v1/me/access-log\">Hvem har sett opplysningene mine</a> · \
                 <a href=\"/api/v1/me/session\">Økten din</a></p>\
                 <form method=\"post\" action=\"/auth/logout\">\
                 <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
                 <button type=\"submit\">Logg ut</button></form>",
                name = html_escape::encode_text(&resident.name),
                pid = resident.pid.masked(),
                acr = html_escape::encode_text(&s.acr),
                csrf = html_escape::encode_double_quoted_attribute(&s.csrf_token),
            )
        }
        None => "<p>Du er ikke logget inn.</p>\
                 <p><a href=\"/auth/login\">Logg inn med ID-porten</a> · \
                 <a href=\"/auth/login?level=high\">Logg inn på høyt nivå</a></p>"
            .to_owned(),
    };
    Ok(Html(format!(
        "<!doctype html><html lang=\"nb\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Min side – {kommune}</title></head><body><main>\
         <h1>Min side – {kommune}</h1>{body}\
         <p><small><a href=\"/api/v1/openapi.json\">API-beskrivelse (OpenAPI)</a></small></p>\
         </main></body></html>",
        kommune = html_escape::encode_text(&tenant.name),
    )))
}
