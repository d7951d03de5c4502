//! Turning text into search terms: tokenizing, folding, a light stemmer and compound splitting.
//!
//! Folding choices for Norwegian text (bokmål and nynorsk):
//! - lowercase; accents that are not Norwegian letters are dropped (é→e, ü→u, ö→ø, ä→æ,
//!   and the Sami letters á, č, đ, ŋ, š, ŧ, ž to their base letters);
//! - æ, ø and å stay letters of their own;
//! - the digraphs of old or keyboard-less spelling are read as the letter: `aa`→å, `ae`→æ,
//!   `oe`→ø (so "Aasgaard" finds "Åsgård" and "boetter" finds "bøtter");
//! - plain `o`/`a` typed for `ø`/`å`/`æ` ("bostotte") is not folded; the index instead matches a
//!   term's ASCII skeleton (æ→ae, ø→o, å→a) at a lower score, see [`skeleton`].
//!
//! English text is folded the same way but without the digraph rule.

use crate::lang::Lang;

/// The words of `text`, folded: runs of letters and digits.
pub(crate) fn words(text: &str, lang: Lang) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| fold(w, lang))
        .collect()
}

/// Lowercases and folds one word (see the module doc).
pub(crate) fn fold(word: &str, lang: Lang) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars().flat_map(char::to_lowercase) {
        let folded = match c {
            'á' | 'à' | 'â' | 'ã' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ö' => 'ø',
            'ä' => 'æ',
            'ç' | 'č' => 'c',
            'đ' => 'd',
            'ŋ' | 'ñ' => 'n',
            'š' => 's',
            'ŧ' => 't',
            'ž' => 'z',
            other => other,
        };
        out.push(folded);
    }
    if lang == Lang::En {
        out
    } else {
        out.replace("aa", "å").replace("ae", "æ").replace("oe", "ø")
    }
}

/// Norwegian endings the stemmer strips, longest first: definite and plural forms of nouns
/// (bokmål and nynorsk) and the infinitive -e.
const NO_SUFFIXES: [&str; 9] = ["ende", "ene", "ane", "er", "ar", "en", "et", "a", "e"];

/// The shortest stem the stemmer leaves.
const MIN_STEM: usize = 3;

/// A light stemmer: strips one ending (Norwegian: [`NO_SUFFIXES`]; English: plural -s/-es/-ies)
/// when at least [`MIN_STEM`] characters remain. "barnehagene", "barnehager" and "barnehage" all
/// become "barnehag".
pub(crate) fn stem(word: &str, lang: Lang) -> String {
    let len = word.chars().count();
    let strip = |suffix: &str| {
        (word.ends_with(suffix) && len - suffix.chars().count() >= MIN_STEM)
            .then(|| word[..word.len() - suffix.len()].to_owned())
    };
    if lang == Lang::En {
        if let Some(s) = strip("ies") {
            return s + "y";
        }
        if word.ends_with("ss") || word.ends_with("us") || word.ends_with("is") {
            return word.to_owned();
        }
        return strip("s").unwrap_or_else(|| word.to_owned());
    }
    NO_SUFFIXES
        .iter()
        .find_map(|s| strip(s))
        .unwrap_or_else(|| word.to_owned())
}

/// A term with æ, ø, å written as ASCII (ae, o, a): what someone without Norwegian letters types.
pub(crate) fn skeleton(term: &str) -> String {
    let mut out = String::with_capacity(term.len());
    for c in term.chars() {
        match c {
            'æ' => out.push_str("ae"),
            'ø' => out.push('o'),
            'å' => out.push('a'),
            other => out.push(other),
        }
    }
    out
}

/// The shortest part of a compound.
const MIN_PART: usize = 3;
/// Longer words are not split (bounds the backtracking).
const MAX_COMPOUND: usize = 40;

/// Splits a folded Norwegian word into two or more known parts, returning their terms:
/// "barnehageplass" → ["barnehag", "plass"] when both are `known`. Parts are at least three
/// letters; a linking `s` or `e` may join them ("sykehjemsplass" → "sykehjem" + s + "plass").
/// Longer first parts are tried first. `None` when no split into known parts exists.
pub(crate) fn split_compound(word: &str, known: &dyn Fn(&str) -> bool) -> Option<Vec<String>> {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() < 2 * MIN_PART || chars.len() > MAX_COMPOUND {
        return None;
    }
    let parts = split_from(&chars, 0, known)?;
    (parts.len() >= 2).then_some(parts)
}

fn split_from(chars: &[char], start: usize, known: &dyn Fn(&str) -> bool) -> Option<Vec<String>> {
    let len = chars.len();
    if start == len {
        return Some(Vec::new());
    }
    // The whole word is not a part of itself.
    let longest = if start == 0 { len - 1 } else { len };
    for end in (start + MIN_PART..=longest).rev() {
        let part: String = chars[start..end].iter().collect();
        let part_term = stem(&part, Lang::Nb);
        let is_known = known(&part_term) || known(&part);
        if !is_known {
            continue;
        }
        if let Some(mut rest) = split_from(chars, end, known) {
            rest.insert(0, part_term);
            return Some(rest);
        }
        if end + 1 < len
            && matches!(chars[end], 's' | 'e')
            && let Some(mut rest) = split_from(chars, end + 1, known)
        {
            rest.insert(0, part_term);
            return Some(rest);
        }
    }
    None
}

/// Words that never restrict a search.
pub(crate) fn is_stopword(folded: &str) -> bool {
    matches!(
        folded,
        "i" | "og"
            | "på"
            | "for"
            | "til"
            | "av"
            | "en"
            | "et"
            | "ei"
            | "å"
            | "om"
            | "med"
            | "som"
            | "er"
            | "jeg"
            | "eg"
            | "meg"
            | "min"
            | "mitt"
            | "mine"
            | "hvordan"
            | "korleis"
            | "the"
            | "a"
            | "an"
            | "of"
            | "to"
            | "in"
            | "on"
            | "and"
            | "my"
            | "how"
            | "do"
            | "can"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_keeps_norwegian_letters_and_reads_digraphs() {
        assert_eq!(fold("Søknad", Lang::Nb), "søknad");
        assert_eq!(fold("BÅT", Lang::Nb), "båt");
        assert_eq!(fold("Aasgaard", Lang::Nb), "åsgård");
        assert_eq!(fold("Café", Lang::Nb), "cafe");
        assert_eq!(fold("Köln", Lang::Nb), "køln");
        assert_eq!(fold("davvisámegiella", Lang::Nb), "davvisamegiella");
        assert_eq!(fold("shoes", Lang::En), "shoes", "no digraphs in English");
        assert_eq!(
            words("Skolefritidsordning (SFO)", Lang::Nb),
            ["skolefritidsordning", "sfo"]
        );
        assert_eq!(words("TT-kort", Lang::Nb), ["tt", "kort"]);
    }

    #[test]
    fn stemming_joins_inflected_forms() {
        for w in ["barnehage", "barnehagen", "barnehager", "barnehagene"] {
            assert_eq!(stem(w, Lang::Nb), "barnehag", "{w}");
        }
        assert_eq!(stem("tjenester", Lang::Nb), stem("tjeneste", Lang::Nb));
        assert_eq!(
            stem("kulturskolen", Lang::Nb),
            stem("kulturskole", Lang::Nb)
        );
        assert_eq!(stem("sfo", Lang::Nb), "sfo");
        assert_eq!(
            stem("tre", Lang::Nb),
            "tre",
            "short words keep their ending"
        );
        assert_eq!(stem("kindergartens", Lang::En), "kindergarten");
        assert_eq!(stem("facilities", Lang::En), "facility");
        assert_eq!(stem("bus", Lang::En), "bus");
    }

    #[test]
    fn skeletons_spell_norwegian_letters_in_ascii() {
        assert_eq!(skeleton("bostøtt"), "bostott");
        assert_eq!(skeleton("værs"), "vaers");
    }

    #[test]
    fn compounds_split_into_known_parts() {
        let vocab = ["barnehag", "plass", "sykehjem", "skol", "fritid", "ordning"];
        let known = |t: &str| vocab.contains(&t);
        assert_eq!(
            split_compound("barnehageplass", &known),
            Some(vec!["barnehag".to_owned(), "plass".to_owned()])
        );
        assert_eq!(
            split_compound("sykehjemsplass", &known),
            Some(vec!["sykehjem".to_owned(), "plass".to_owned()])
        );
        assert_eq!(
            split_compound("skolefritidsordning", &known),
            Some(vec!["skol".into(), "fritid".into(), "ordning".into()])
        );
        assert_eq!(
            split_compound("barnehage", &known),
            None,
            "one part is no compound"
        );
        assert_eq!(split_compound("eiendomsskatt", &known), None);
    }
}
