//! A notice's text in the resident's language, and the SMS text made from it (title and link,
//! at most three SMS segments).

use minside_core::Locale;
use serde_json::Value;

/// Longest SMS, in segments.
pub const MAX_SMS_SEGMENTS: usize = 3;

/// A notice's title and body in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeText {
    pub locale: Locale,
    pub title: String,
    pub body: String,
}

impl NoticeText {
    /// The text in `preferred` when the notice has it, else bokmål, else any language it has.
    /// `content` is `{"nb": {"title": .., "body": ..}, "nn": .., "en": ..}`. `None` when no
    /// language has a title.
    pub fn pick(content: &Value, preferred: Option<Locale>) -> Option<NoticeText> {
        let order = preferred
            .into_iter()
            .chain([Locale::Nb, Locale::Nn, Locale::En, Locale::Se]);
        order.into_iter().find_map(|locale| {
            let text = content.get(locale.as_str())?;
            let title = text.get("title")?.as_str()?.trim();
            if title.is_empty() {
                return None;
            }
            let body = text.get("body").and_then(Value::as_str).unwrap_or("");
            Some(NoticeText {
                locale,
                title: title.to_owned(),
                body: body.trim().to_owned(),
            })
        })
    }

    /// The e-mail's last line: where the notice can be read.
    pub fn email_footer(&self, portal_url: &str) -> String {
        match self.locale {
            Locale::Nn => format!("Du kan lese meldinga på MinSide: {portal_url}"),
            Locale::En => format!("You can read this message on MinSide: {portal_url}"),
            Locale::Nb | Locale::Se => format!("Du kan lese meldingen på MinSide: {portal_url}"),
        }
    }
}

fn sms_lead(locale: Locale) -> &'static str {
    match locale {
        Locale::Nn => "Les meir på MinSide:",
        Locale::En => "Read more on MinSide:",
        Locale::Nb | Locale::Se => "Les mer på MinSide:",
    }
}

/// GSM 03.38 basic characters (one septet each).
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
                         ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// GSM 03.38 extension characters (an escape and the character: two septets).
const GSM_EXTENSION: &str = "^{}\\[~]|€\u{c}";

fn gsm_cost(c: char) -> Option<usize> {
    if GSM_BASIC.contains(c) {
        Some(1)
    } else if GSM_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// How many SMS segments `text` takes: GSM-7 (160 septets alone, 153 per part when
/// concatenated) when every character is in the GSM alphabet, else UCS-2 (70 / 67 UTF-16
/// units). A character is never split over two parts.
pub fn sms_segments(text: &str) -> usize {
    let costs: Vec<usize> = match text.chars().map(gsm_cost).collect::<Option<Vec<_>>>() {
        Some(costs) => costs,
        None => text.chars().map(char::len_utf16).collect(),
    };
    let gsm = text.chars().all(|c| gsm_cost(c).is_some());
    let (single, part) = if gsm { (160, 153) } else { (70, 67) };
    let total: usize = costs.iter().sum();
    if total <= single {
        return 1;
    }
    let mut parts = 1;
    let mut used = 0;
    for cost in costs {
        if used + cost > part {
            parts += 1;
            used = 0;
        }
        used += cost;
    }
    parts
}

/// Typographic characters outside the GSM alphabet replaced by near equivalents, so that a
/// title with curly quotes does not halve the SMS's room.
fn gsm_friendly(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '‘' | '’' | '‚' | '′' => out.push('\''),
            '“' | '”' | '„' | '«' | '»' | '″' => out.push('"'),
            '–' | '—' | '‐' | '‑' => out.push('-'),
            '…' => out.push_str("..."),
            '\u{a0}' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The SMS for a notice: its title and a link to the portal, at most
/// [`MAX_SMS_SEGMENTS`] segments. A long title is cut at a word (or, for one long word, a
/// character) and ends with `...`; the link is always whole.
pub fn sms_text(text: &NoticeText, link: &str) -> String {
    let tail = format!("\n{} {link}", sms_lead(text.locale));
    let title = gsm_friendly(&text.title);
    let whole = format!("{title}{tail}");
    if sms_segments(&whole) <= MAX_SMS_SEGMENTS {
        return whole;
    }
    let fits = |t: &str| sms_segments(&format!("{t}...{tail}")) <= MAX_SMS_SEGMENTS;
    // The longest prefix of whole words that fits.
    let mut best: Option<&str> = None;
    for (i, c) in title.char_indices() {
        if c.is_whitespace() {
            let prefix = title[..i].trim_end();
            if !prefix.is_empty() && fits(prefix) {
                best = Some(prefix);
            } else if !prefix.is_empty() {
                break;
            }
        }
    }
    let cut = match best {
        Some(prefix) => prefix.to_owned(),
        None => {
            let mut cut = String::new();
            for c in title.chars() {
                cut.push(c);
                if !fits(&cut) {
                    cut.pop();
                    break;
                }
            }
            cut
        }
    };
    format!("{}...{tail}", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn text(title: &str) -> NoticeText {
        NoticeText {
            locale: Locale::Nb,
            title: title.to_owned(),
            body: String::new(),
        }
    }

    #[test]
    fn the_preferred_language_wins_then_bokmal() {
        let content = json!({
            "nb": {"title": "Hei", "body": "Tekst"},
            "en": {"title": "Hello", "body": "Text"},
        });
        let en = NoticeText::pick(&content, Some(Locale::En)).expect("en");
        assert_eq!((en.locale, en.title.as_str()), (Locale::En, "Hello"));
        let nn = NoticeText::pick(&content, Some(Locale::Nn)).expect("nb");
        assert_eq!((nn.locale, nn.title.as_str()), (Locale::Nb, "Hei"));
        assert_eq!(
            NoticeText::pick(&content, None).map(|t| t.locale),
            Some(Locale::Nb)
        );
        assert_eq!(NoticeText::pick(&json!({}), None), None);
        let only_nn = json!({"nn": {"title": "Hei på deg"}});
        let t = NoticeText::pick(&only_nn, None).expect("nn");
        assert_eq!((t.locale, t.body.as_str()), (Locale::Nn, ""));
    }

    #[test]
    fn segments_follow_the_gsm_and_ucs2_rules() {
        assert_eq!(sms_segments(&"a".repeat(160)), 1);
        assert_eq!(sms_segments(&"a".repeat(161)), 2);
        assert_eq!(sms_segments(&"æøå".repeat(100)), 2); // Norwegian letters are GSM
        assert_eq!(sms_segments(&"a".repeat(459)), 3);
        assert_eq!(sms_segments(&"a".repeat(460)), 4);
        assert_eq!(sms_segments(&"€".repeat(80)), 1); // two septets each
        assert_eq!(sms_segments(&"€".repeat(81)), 2);
        assert_eq!(sms_segments(&"😀".repeat(35)), 1); // 70 UTF-16 units
        assert_eq!(sms_segments(&"ä😀".repeat(24)), 2);
        assert_eq!(sms_segments(&"Ж".repeat(201)), 3);
        assert_eq!(sms_segments(&"Ж".repeat(202)), 4);
    }

    #[test]
    fn a_short_title_is_kept_whole() {
        let sms = sms_text(&text("Barnehagesøknad for Nora"), "https://minside.no/");
        assert_eq!(
            sms,
            "Barnehagesøknad for Nora\nLes mer på MinSide: https://minside.no/"
        );
        let curly = sms_text(&text("Frist – «søknad» …"), "https://x.no/");
        assert_eq!(sms_segments(&curly), 1, "{curly}");
    }

    #[test]
    fn a_long_title_is_cut_at_a_word_and_the_link_kept() {
        let link = "https://minside.asker.kommune.no/innboks";
        let long = "Søknadsfristen for barnehageplass nærmer seg ".repeat(20);
        let sms = sms_text(&text(&long), link);
        assert!(sms_segments(&sms) <= 3, "{sms}");
        assert!(sms.ends_with(link));
        let title = sms.split('\n').next().expect("title line");
        assert!(title.ends_with("..."), "{title}");
        let kept = title.trim_end_matches("...");
        assert!(long.starts_with(kept) && long[kept.len()..].starts_with(' '));
        assert!(sms.len() > 400, "uses the room: {}", sms.len());
        let word = sms_text(&text(&"x".repeat(1000)), link);
        assert!(sms_segments(&word) <= 3 && word.ends_with(link));
        let emoji = sms_text(&text(&"Hei 😀 ".repeat(100)), link);
        assert!(sms_segments(&emoji) <= 3, "{emoji}");
    }
}
