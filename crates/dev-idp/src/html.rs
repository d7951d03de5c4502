//! The provider's HTML pages: the login pages (pick a synthetic person and a level, or a demo
//! employee), the error page and the logged-out page. Plain, accessible markup without external assets; texts in
//! bokmål, nynorsk and English (Northern Sami falls back to bokmål).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minside_core::Locale;
use url::Url;

use crate::protocol::Acr;
use crate::{DevEmployee, DevPerson};

/// The page texts in one language.
pub(crate) struct Texts {
    lang: &'static str,
    login_title: &'static str,
    dev_notice: &'static str,
    client_intro: &'static str,
    person_legend: &'static str,
    level_legend: &'static str,
    substantial: &'static str,
    high: &'static str,
    log_in: &'static str,
    cancel: &'static str,
    error_title: &'static str,
    error_hint: &'static str,
    logged_out_title: &'static str,
    logged_out_body: &'static str,
    continue_label: &'static str,
    frame_title: &'static str,
    employee_title: &'static str,
    employee_notice: &'static str,
    employee_legend: &'static str,
    no_roles: &'static str,
}

const NB: Texts = Texts {
    lang: "nb",
    login_title: "Logg inn med testbruker",
    dev_notice: "Dette er en innloggingstjeneste for utvikling, ikke ID-porten. \
                 Alle personene er syntetiske.",
    client_intro: "Tjenesten som ber om innlogging:",
    person_legend: "Velg person",
    level_legend: "Sikkerhetsnivå",
    substantial: "Betydelig",
    high: "Høyt",
    log_in: "Logg inn",
    cancel: "Avbryt",
    error_title: "Innloggingen kunne ikke fullføres",
    error_hint: "Gå tilbake til tjenesten og prøv igjen.",
    logged_out_title: "Du er logget ut",
    logged_out_body: "Du er logget ut av testinnloggingen.",
    continue_label: "Gå videre",
    frame_title: "Utlogging fra tjeneste",
    employee_title: "Logg inn som ansatt",
    employee_notice: "Dette er en innloggingstjeneste for utvikling, ikke kommunens egen. \
                      Alle de ansatte er oppdiktet.",
    employee_legend: "Velg ansatt",
    no_roles: "ingen roller",
};

const NN: Texts = Texts {
    lang: "nn",
    login_title: "Logg inn med testbrukar",
    dev_notice: "Dette er ei innloggingsteneste for utvikling, ikkje ID-porten. \
                 Alle personane er syntetiske.",
    client_intro: "Tenesta som ber om innlogging:",
    person_legend: "Vel person",
    level_legend: "Tryggleiksnivå",
    substantial: "Betydeleg",
    high: "Høgt",
    log_in: "Logg inn",
    cancel: "Avbryt",
    error_title: "Innlogginga kunne ikkje fullførast",
    error_hint: "Gå tilbake til tenesta og prøv igjen.",
    logged_out_title: "Du er logga ut",
    logged_out_body: "Du er logga ut av testinnlogginga.",
    continue_label: "Gå vidare",
    frame_title: "Utlogging frå teneste",
    employee_title: "Logg inn som tilsett",
    employee_notice: "Dette er ei innloggingsteneste for utvikling, ikkje kommunen si eiga. \
                      Alle dei tilsette er oppdikta.",
    employee_legend: "Vel tilsett",
    no_roles: "ingen roller",
};

const EN: Texts = Texts {
    lang: "en",
    login_title: "Log in as a test user",
    dev_notice: "This is a login service for development, not ID-porten. \
                 All people are synthetic.",
    client_intro: "The service asking you to log in:",
    person_legend: "Choose a person",
    level_legend: "Level of assurance",
    substantial: "Substantial",
    high: "High",
    log_in: "Log in",
    cancel: "Cancel",
    error_title: "The login could not be completed",
    error_hint: "Go back to the service and try again.",
    logged_out_title: "You are logged out",
    logged_out_body: "You have been logged out of the test login.",
    continue_label: "Continue",
    frame_title: "Logging out of a service",
    employee_title: "Log in as an employee",
    employee_notice: "This is a login service for development, not the municipality's own. \
                      All employees are made up.",
    employee_legend: "Choose an employee",
    no_roles: "no roles",
};

/// The texts for a locale.
pub(crate) fn texts(locale: Locale) -> &'static Texts {
    match locale {
        Locale::Nn => &NN,
        Locale::En => &EN,
        Locale::Nb | Locale::Se => &NB,
    }
}

/// The first supported language in a space-separated `ui_locales` list, else bokmål.
pub(crate) fn ui_locale(ui_locales: Option<&str>) -> Locale {
    ui_locales
        .into_iter()
        .flat_map(|v| v.split(' '))
        .find_map(|tag| Locale::parse(tag).ok())
        .unwrap_or_default()
}

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;line-height:1.5;max-width:40rem;\
margin:2rem auto;padding:0 1rem;color:#1a1a1a}fieldset{margin:1rem 0;border:1px solid #767676}\
.notice{background:#fff4d6;border-left:4px solid #8a6100;padding:.5rem 1rem}\
label{margin-left:.4rem}button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem}";

fn page(t: &Texts, title: &str, head_extra: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n{head_extra}<style>{STYLE}</style>\n</head>\n<body>\n<main>\n\
         {body}</main>\n</body>\n</html>\n",
        lang = t.lang,
        title = escape(title),
    )
}

/// The login page: choose a person and a level of assurance.
pub(crate) fn login_page(
    t: &Texts,
    action: &str,
    request_id: &str,
    client_id: &str,
    people: &[DevPerson],
    levels: &[Acr],
) -> String {
    let mut body = format!(
        "<h1>{title}</h1>\n<p class=\"notice\">{notice}</p>\n<p>{intro} <strong>{client}</strong></p>\n\
         <form method=\"post\" action=\"{action}\">\n\
         <input type=\"hidden\" name=\"request_id\" value=\"{request_id}\">\n\
         <fieldset>\n<legend>{legend}</legend>\n",
        title = escape(t.login_title),
        notice = escape(t.dev_notice),
        intro = escape(t.client_intro),
        client = escape(client_id),
        action = escape(action),
        request_id = escape(request_id),
        legend = escape(t.person_legend),
    );
    for (i, person) in people.iter().enumerate() {
        body.push_str(&format!(
            "<div><input type=\"radio\" name=\"pid\" id=\"person-{i}\" value=\"{pid}\"{checked}>\
             <label for=\"person-{i}\">{name} ({masked})</label></div>\n",
            pid = escape(person.pid.expose()),
            checked = if i == 0 { " checked" } else { "" },
            name = escape(&person.name),
            masked = escape(&person.pid.masked()),
        ));
    }
    body.push_str(&format!(
        "</fieldset>\n<fieldset>\n<legend>{}</legend>\n",
        escape(t.level_legend)
    ));
    for (i, acr) in levels.iter().enumerate() {
        let label = match acr {
            Acr::Substantial => t.substantial,
            Acr::High => t.high,
        };
        body.push_str(&format!(
            "<div><input type=\"radio\" name=\"acr\" id=\"acr-{i}\" value=\"{value}\"{checked}>\
             <label for=\"acr-{i}\">{label} ({value})</label></div>\n",
            value = acr.as_str(),
            checked = if i == 0 { " checked" } else { "" },
            label = escape(label),
        ));
    }
    body.push_str(&format!(
        "</fieldset>\n<button type=\"submit\">{log_in}</button>\n\
         <button type=\"submit\" name=\"cancel\" value=\"1\">{cancel}</button>\n</form>\n",
        log_in = escape(t.log_in),
        cancel = escape(t.cancel),
    ));
    page(t, t.login_title, "", &body)
}

/// The login page of employee clients: choose a demo employee (name, organisation, roles).
pub(crate) fn employee_login_page(
    t: &Texts,
    action: &str,
    request_id: &str,
    client_id: &str,
    employees: &[DevEmployee],
) -> String {
    let mut body = format!(
        "<h1>{title}</h1>\n<p class=\"notice\">{notice}</p>\n<p>{intro} <strong>{client}</strong></p>\n\
         <form method=\"post\" action=\"{action}\">\n\
         <input type=\"hidden\" name=\"request_id\" value=\"{request_id}\">\n\
         <fieldset>\n<legend>{legend}</legend>\n",
        title = escape(t.employee_title),
        notice = escape(t.employee_notice),
        intro = escape(t.client_intro),
        client = escape(client_id),
        action = escape(action),
        request_id = escape(request_id),
        legend = escape(t.employee_legend),
    );
    for (i, e) in employees.iter().enumerate() {
        let roles = if e.roles.is_empty() {
            t.no_roles.to_owned()
        } else {
            e.roles.join(", ")
        };
        body.push_str(&format!(
            "<div><input type=\"radio\" name=\"employee\" id=\"employee-{i}\" value=\"{oid}\"{checked}>\
             <label for=\"employee-{i}\">{name}, {org} ({roles})</label></div>\n",
            oid = escape(&e.oid),
            checked = if i == 0 { " checked" } else { "" },
            name = escape(&e.name),
            org = escape(&e.organisation),
            roles = escape(&roles),
        ));
    }
    body.push_str(&format!(
        "</fieldset>\n<button type=\"submit\">{log_in}</button>\n\
         <button type=\"submit\" name=\"cancel\" value=\"1\">{cancel}</button>\n</form>\n",
        log_in = escape(t.log_in),
        cancel = escape(t.cancel),
    ));
    page(t, t.employee_title, "", &body)
}

/// An error page for errors that cannot be sent back to the client.
pub(crate) fn error_page(t: &Texts, message: &str) -> String {
    let body = format!(
        "<h1>{title}</h1>\n<p>{message}</p>\n<p>{hint}</p>\n",
        title = escape(t.error_title),
        message = escape(message),
        hint = escape(t.error_hint),
    );
    page(t, t.error_title, "", &body)
}

/// The logged-out page: front-channel logout iframes, then on to the client if it asked.
pub(crate) fn logged_out_page(t: &Texts, frames: &[Url], continue_to: Option<&Url>) -> String {
    let mut head = String::new();
    let mut body = format!(
        "<h1>{}</h1>\n<p>{}</p>\n",
        escape(t.logged_out_title),
        escape(t.logged_out_body)
    );
    for frame in frames {
        body.push_str(&format!(
            "<iframe src=\"{}\" title=\"{}\" hidden></iframe>\n",
            escape(frame.as_str()),
            escape(t.frame_title),
        ));
    }
    if let Some(url) = continue_to {
        let url = escape(url.as_str());
        head = format!("<meta http-equiv=\"refresh\" content=\"1;url={url}\">\n");
        body.push_str(&format!(
            "<p><a href=\"{url}\">{}</a></p>\n",
            escape(t.continue_label)
        ));
    }
    page(t, t.logged_out_title, &head, &body)
}

/// An HTML response that is never cached, framed or leaks its URL as a referrer.
pub(crate) fn respond(status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    let set = |v: &'static str| HeaderValue::from_static(v);
    headers.insert(header::CONTENT_TYPE, set("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, set("no-store"));
    headers.insert(header::REFERRER_POLICY, set("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, set("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        set(
            "default-src 'none'; style-src 'unsafe-inline'; frame-src http: https:; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn ui_locales_pick_the_first_supported_language() {
        assert_eq!(ui_locale(None), Locale::Nb);
        assert_eq!(ui_locale(Some("de en nb")), Locale::En);
        assert_eq!(ui_locale(Some("nn-NO")), Locale::Nn);
    }
}
