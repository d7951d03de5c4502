//! The catalogue's languages and how a resident's wish becomes the texts shown: parsing
//! `Accept-Language` (with q-values) or `?lang=` into an ordered wish list, picking the
//! translation, and filling fields a translation lacks from bokmål (saying so).

use serde::Serialize;

use crate::model::{Texts, Translations};

/// A catalogue language: bokmål, nynorsk, English or Northern Sami.
///
/// This is [`minside_core::Locale`] (which already covers `se`), so the catalogue and the rest of
/// the portal agree on one language type and one serialized form (`"nb"`, `"nn"`, `"en"`, `"se"`).
pub use minside_core::Locale as Lang;

/// The languages a resident asked for, best first, from an `Accept-Language` header.
///
/// Entries are ordered by quality (stable for equal quality); tags are read as
/// [`Lang::parse`] does (`nb-NO`, `no` and `nb` → nb, `nn-NO` → nn, `en-GB` → en, `se`/`sme` →
/// se). `*` stands for "anything", which is bokmål, the catalogue's default. Entries with `q=0`,
/// malformed quality values and unsupported languages are skipped; each language appears once
/// (at its best position). The list may be empty; [`pick`] then gives bokmål.
pub fn parse_accept_language(header: &str) -> Vec<Lang> {
    let mut entries: Vec<(Lang, u16)> = Vec::new();
    for entry in header.split(',') {
        let mut parts = entry.split(';');
        let tag = parts.next().unwrap_or_default().trim();
        let lang = if tag == "*" {
            Lang::Nb
        } else {
            match Lang::parse(tag) {
                Ok(lang) => lang,
                Err(_) => continue,
            }
        };
        let mut quality = Some(1000);
        for param in parts {
            if let Some((name, value)) = param.split_once('=')
                && name.trim().eq_ignore_ascii_case("q")
            {
                quality = parse_quality(value.trim());
            }
        }
        if let Some(q) = quality.filter(|q| *q > 0) {
            entries.push((lang, q));
        }
    }
    // Stable: equal quality keeps header order.
    entries.sort_by_key(|e| std::cmp::Reverse(e.1));
    let mut wanted = Vec::new();
    for (lang, _) in entries {
        if !wanted.contains(&lang) {
            wanted.push(lang);
        }
    }
    wanted
}

/// The wish list of a request: a valid `?lang=` comes first, then the `Accept-Language` header's
/// languages. An invalid `?lang=` is ignored (the header still counts).
pub fn wanted_languages(query_lang: Option<&str>, accept_language: Option<&str>) -> Vec<Lang> {
    let mut wanted: Vec<Lang> = query_lang
        .and_then(|l| Lang::parse(l.trim()).ok())
        .into_iter()
        .collect();
    for lang in accept_language
        .map(parse_accept_language)
        .unwrap_or_default()
    {
        if !wanted.contains(&lang) {
            wanted.push(lang);
        }
    }
    wanted
}

/// Parses an RFC 9110 quality value (`0`, `0.5`, `1.000`) into thousandths.
fn parse_quality(value: &str) -> Option<u16> {
    let (int, frac) = value.split_once('.').unwrap_or((value, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths: u16 = format!("{frac:0<3}").parse().ok()?;
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// The order in which translations are tried for a wish list: each wished language, and right
/// after nynorsk or Northern Sami comes bokmål (their readers read bokmål before English);
/// bokmål always ends the list, since every service has it.
pub fn fallback_chain(wanted: &[Lang]) -> Vec<Lang> {
    let mut chain = Vec::new();
    let push = |lang: Lang, chain: &mut Vec<Lang>| {
        if !chain.contains(&lang) {
            chain.push(lang);
        }
    };
    for &lang in wanted {
        push(lang, &mut chain);
        if matches!(lang, Lang::Nn | Lang::Se) {
            push(Lang::Nb, &mut chain);
        }
    }
    push(Lang::Nb, &mut chain);
    chain
}

/// The translation to show for a wish list (see [`fallback_chain`]) and its language; bokmål
/// when nothing wished is translated.
pub fn pick<'a>(wanted: &[Lang], texts: &'a Translations) -> (Lang, &'a Texts) {
    fallback_chain(wanted)
        .into_iter()
        .find_map(|lang| texts.get(lang).map(|t| (lang, t)))
        .unwrap_or((Lang::Nb, &texts.nb))
}

/// A text field that a translation may leave out (title and summary never fall back).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TextField {
    /// The Markdown body.
    Body,
    /// Who can get the service.
    Eligibility,
    /// How to apply.
    HowToApply,
}

/// A field shown in another language than the rest, so the client can mark it (`lang=` on the
/// element).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FieldFallback {
    /// The field.
    pub field: TextField,
    /// The language it is shown in (bokmål).
    pub lang: Lang,
}

/// A service's texts resolved for a reader: the picked translation, with fields it lacks taken
/// from bokmål and listed in `fallbacks`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ResolvedTexts<'a> {
    /// The language of the title and summary (and of every field not in `fallbacks`).
    pub lang: Lang,
    /// The title.
    pub title: &'a str,
    /// The summary.
    pub summary: &'a str,
    /// The Markdown body.
    pub body: &'a str,
    /// Who can get the service, when the service says.
    pub eligibility: Option<&'a str>,
    /// How to apply, when the service says.
    pub how_to_apply: Option<&'a str>,
    /// Fields taken from bokmål because the picked translation lacks them.
    pub fallbacks: Vec<FieldFallback>,
}

/// Picks the translation (see [`pick`]) and fills its missing body, eligibility or
/// how-to-apply from bokmål, saying which fields were filled.
pub fn resolve<'a>(wanted: &[Lang], texts: &'a Translations) -> ResolvedTexts<'a> {
    let (lang, picked) = pick(wanted, texts);
    let nb = &texts.nb;
    let mut fallbacks = Vec::new();
    let mut field =
        |field: TextField, own: &'a Option<String>, base: &'a Option<String>| -> Option<&'a str> {
            match (own, base) {
                (Some(v), _) => Some(v.as_str()),
                (None, Some(v)) => {
                    fallbacks.push(FieldFallback {
                        field,
                        lang: Lang::Nb,
                    });
                    Some(v.as_str())
                }
                (None, None) => None,
            }
        };
    let body = field(TextField::Body, &picked.body, &nb.body).unwrap_or_default();
    let eligibility = field(TextField::Eligibility, &picked.eligibility, &nb.eligibility);
    let how_to_apply = field(
        TextField::HowToApply,
        &picked.how_to_apply,
        &nb.how_to_apply,
    );
    ResolvedTexts {
        lang,
        title: &picked.title,
        summary: &picked.summary,
        body,
        eligibility,
        how_to_apply,
        fallbacks,
    }
}

#[cfg(test)]
mod tests;
