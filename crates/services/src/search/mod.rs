//! Full-text search over the catalogue: a hand-written inverted index per language (a few
//! hundred services fit in memory many times over, and a search engine crate such as `tantivy`
//! would bring far more than Norwegian folding, stemming and compound splitting need).
//!
//! Each language's index holds the service's texts in that language (bokmål when the service is
//! not translated) and, at half weight, its bokmål texts, so "barnehage" finds kindergartens in
//! English too; the labels of its theme are indexed as well. Terms are folded and stemmed words
//! (`text` module); Norwegian compounds are also indexed by their parts, so "barnehage" finds
//! "barnehageplass", and a query compound is split
//! too, so "barnehageplass" finds "plass i barnehage".
//!
//! A query matches a service when every word (stopwords aside) matches one of its terms:
//! exactly (after stemming), as a compound of its terms, by ASCII skeleton ("bostotte"), or, for
//! the last word while the resident is still typing, as a prefix ("barneh"). The score adds up
//! each word's best match: field weight (title 3, keywords and summary 2, body 1, eligibility and
//! how-to-apply 0.6) times how it matched (exact 1, compound 0.8, prefix 0.7, skeleton 0.6,
//! a term that is only part of a compound in the service 0.6). A word found in several fields
//! adds a fifth of the other fields' weights, and query words that also stand side by side in a
//! field ("nursing home") add half that field's weight.

mod text;

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::lang::Lang;
use crate::model::{Service, ServiceId, Texts};
use crate::theme::ThemeTree;
use text::{fold, is_stopword, skeleton, split_compound, stem, words};

const TITLE: f32 = 3.0;
const SUMMARY: f32 = 2.0;
const KEYWORDS: f32 = 2.0;
const BODY: f32 = 1.0;
const DETAIL: f32 = 0.6;
/// The labels of the service's theme (in the reader's language).
const THEME: f32 = 1.0;
/// Bokmål texts in another language's index.
const OTHER_LANG: f32 = 0.5;
/// A term found only as part of a compound in the service.
const PART: f32 = 0.6;

const EXACT: f32 = 1.0;
const QUERY_COMPOUND: f32 = 0.8;
const PREFIX: f32 = 0.7;
const SKELETON: f32 = 0.6;
/// Shortest last word that is matched as a prefix.
const MIN_PREFIX: usize = 3;
/// A term's weight in a service is its best field's weight plus this share of its other fields'
/// weights (a word in title, summary and body beats one in the title alone).
const OTHER_FIELDS: f32 = 0.2;
/// Two query words that stand side by side in a field as well ("nursing home") add this share of
/// the field's weight.
const PAIR: f32 = 0.5;
/// Field slots for [`OTHER_FIELDS`]: title, summary, keywords, body, eligibility/how-to-apply.
const FIELDS: usize = 5;

/// Per service (by position), the best weight of a term.
type Postings = HashMap<u32, f32>;

#[derive(Debug, Default)]
struct LangIndex {
    terms: BTreeMap<String, Postings>,
    /// "term term" for words side by side in a field.
    pairs: HashMap<String, Postings>,
    /// ASCII skeleton → the terms that have it (only where it differs from the term).
    skeletons: HashMap<String, Vec<String>>,
}

/// The search index over a set of services.
#[derive(Debug)]
pub struct Index {
    ids: Vec<ServiceId>,
    /// In [`Lang::ALL`] order.
    langs: Vec<LangIndex>,
}

fn add(postings: &mut Postings, doc: u32, weight: f32) {
    let w = postings.entry(doc).or_insert(0.0);
    *w = w.max(weight);
}

/// Per service, a term's best weight in each field slot (while building).
type FieldPostings = HashMap<u32, [f32; FIELDS]>;

fn add_field(postings: &mut FieldPostings, doc: u32, slot: usize, weight: f32) {
    let slots = postings.entry(doc).or_insert([0.0; FIELDS]);
    if let Some(w) = slots.get_mut(slot) {
        *w = w.max(weight);
    }
}

/// The fields of a text with their slot and weight.
fn fields(t: &Texts) -> Vec<(&str, usize, f32)> {
    let mut f = vec![
        (t.title.as_str(), 0, TITLE),
        (t.summary.as_str(), 1, SUMMARY),
    ];
    f.extend(t.keywords.iter().map(|k| (k.as_str(), 2, KEYWORDS)));
    f.extend(t.body.as_deref().map(|b| (b, 3, BODY)));
    f.extend(t.eligibility.as_deref().map(|e| (e, 4, DETAIL)));
    f.extend(t.how_to_apply.as_deref().map(|h| (h, 4, DETAIL)));
    f
}

impl LangIndex {
    fn build(services: &[Service], lang: Lang, themes: &ThemeTree) -> LangIndex {
        let mut index = LangIndex::default();
        let mut terms: HashMap<String, FieldPostings> = HashMap::new();
        // Norwegian words and where they occur, for the compound pass.
        let mut norwegian: HashMap<String, FieldPostings> = HashMap::new();
        for (doc, service) in (0u32..).zip(services) {
            let mut sources = Vec::new();
            match service.texts.get(lang) {
                Some(own) => {
                    sources.push((own, lang, 1.0));
                    if lang != Lang::Nb {
                        sources.push((&service.texts.nb, Lang::Nb, OTHER_LANG));
                    }
                }
                None => sources.push((&service.texts.nb, Lang::Nb, 1.0)),
            }
            // The theme's labels are search words too ("sjukeheim" in nynorsk).
            let label_lang = if lang == Lang::Se { Lang::Nb } else { lang };
            if let Some((top, sub)) = themes.get(&service.theme) {
                for label in [sub.label.get(label_lang), top.label.get(label_lang)] {
                    for word in words(label, label_lang) {
                        let term = stem(&word, label_lang);
                        add_field(terms.entry(term).or_default(), doc, 2, THEME);
                    }
                }
            }
            for (texts, text_lang, factor) in sources {
                for (field, slot, weight) in fields(texts) {
                    let weight = weight * factor;
                    let mut previous: Option<String> = None;
                    for word in words(field, text_lang) {
                        let term = stem(&word, text_lang);
                        add_field(terms.entry(term.clone()).or_default(), doc, slot, weight);
                        if text_lang != Lang::En {
                            add_field(norwegian.entry(word).or_default(), doc, slot, weight);
                        }
                        if let Some(p) = previous.replace(term.clone()) {
                            add(
                                index.pairs.entry(format!("{p} {term}")).or_default(),
                                doc,
                                weight,
                            );
                        }
                    }
                }
            }
        }
        let vocabulary: HashSet<String> = terms.keys().cloned().collect();
        let known = |t: &str| vocabulary.contains(t);
        for (word, postings) in norwegian {
            for part in split_compound(&word, &known).unwrap_or_default() {
                let entry = terms.entry(part).or_default();
                for (&doc, slots) in &postings {
                    for (slot, &weight) in slots.iter().enumerate() {
                        add_field(entry, doc, slot, weight * PART);
                    }
                }
            }
        }
        for (term, postings) in terms {
            let combined = postings
                .into_iter()
                .map(|(doc, slots)| {
                    let best = slots.iter().copied().fold(0.0, f32::max);
                    let sum: f32 = slots.iter().sum();
                    (doc, best + OTHER_FIELDS * (sum - best))
                })
                .collect();
            index.terms.insert(term, combined);
        }
        for term in index.terms.keys() {
            let s = skeleton(term);
            if s != *term {
                index.skeletons.entry(s).or_default().push(term.clone());
            }
        }
        index
    }

    /// The services one query word matches, with the word's score in each.
    fn word_matches(&self, raw: &str, lang: Lang, typing: bool) -> Postings {
        let mut best = Postings::new();
        let mut merge = |postings: &Postings, factor: f32| {
            for (&doc, &w) in postings {
                add(&mut best, doc, w * factor);
            }
        };
        let mut variants = vec![lang];
        if lang != Lang::Nb {
            variants.push(Lang::Nb);
        }
        for variant in variants {
            let folded = fold(raw, variant);
            let term = stem(&folded, variant);
            if let Some(p) = self.terms.get(&term) {
                merge(p, EXACT);
            }
            if typing {
                for prefix in [&folded, &term] {
                    if prefix.chars().count() < MIN_PREFIX {
                        continue;
                    }
                    for (t, p) in self.terms.range(prefix.clone()..) {
                        if !t.starts_with(prefix.as_str()) {
                            break;
                        }
                        merge(p, PREFIX);
                    }
                }
            }
            for t in self.skeletons.get(&skeleton(&term)).into_iter().flatten() {
                if let Some(p) = self.terms.get(t) {
                    merge(p, SKELETON);
                }
            }
            if variant != Lang::En {
                let known = |t: &str| self.terms.contains_key(t);
                if let Some(parts) = split_compound(&folded, &known) {
                    merge(&self.all_of(&parts), QUERY_COMPOUND);
                }
            }
        }
        best
    }

    /// Services that have every one of `terms`, with the mean of their weights.
    fn all_of(&self, terms: &[String]) -> Postings {
        let mut found: Option<Postings> = None;
        for term in terms {
            let Some(p) = self.terms.get(term) else {
                return Postings::new();
            };
            found = Some(match found {
                None => p.clone(),
                Some(acc) => acc
                    .into_iter()
                    .filter_map(|(doc, w)| p.get(&doc).map(|v| (doc, w + v)))
                    .collect(),
            });
        }
        let n = terms.len().max(1) as f32;
        found
            .unwrap_or_default()
            .into_iter()
            .map(|(doc, w)| (doc, w / n))
            .collect()
    }
}

impl Index {
    /// Indexes `services` in every language.
    pub fn build(services: &[Service]) -> Index {
        let themes = ThemeTree::municipal();
        Index {
            ids: services.iter().map(|s| s.id.clone()).collect(),
            langs: Lang::ALL
                .iter()
                .map(|&lang| LangIndex::build(services, lang, &themes))
                .collect(),
        }
    }

    /// The services matching `query` for a reader of `lang`, best first (ties by id), with
    /// their scores. A query that ends inside a word (no trailing space or punctuation) matches
    /// its last word as a prefix too, for type-ahead. A query of only stopwords finds nothing.
    pub fn search(&self, query: &str, lang: Lang) -> Vec<(ServiceId, f32)> {
        let Some(index) = Lang::ALL
            .iter()
            .position(|&l| l == lang)
            .and_then(|i| self.langs.get(i))
        else {
            return Vec::new();
        };
        let typing = query.chars().last().is_some_and(char::is_alphanumeric);
        let raw: Vec<&str> = query
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let last = raw.len().saturating_sub(1);
        let wanted: Vec<(usize, &str)> = raw
            .iter()
            .enumerate()
            .filter(|(_, w)| !is_stopword(&fold(w, lang)))
            .map(|(i, w)| (i, *w))
            .collect();
        if wanted.is_empty() {
            return Vec::new();
        }
        let mut totals: HashMap<u32, (f32, usize)> = HashMap::new();
        for (i, word) in &wanted {
            for (doc, score) in index.word_matches(word, lang, typing && *i == last) {
                let entry = totals.entry(doc).or_insert((0.0, 0));
                entry.0 += score;
                entry.1 += 1;
            }
        }
        for pair in wanted.windows(2) {
            let [(i, a), (j, b)] = pair else { continue };
            if *j != i + 1 {
                continue;
            }
            let key = format!(
                "{} {}",
                stem(&fold(a, lang), lang),
                stem(&fold(b, lang), lang)
            );
            for (doc, weight) in index.pairs.get(&key).into_iter().flatten() {
                if let Some(total) = totals.get_mut(doc) {
                    total.0 += PAIR * weight;
                }
            }
        }
        let mut hits: Vec<(ServiceId, f32)> = totals
            .into_iter()
            .filter(|(_, (_, n))| *n == wanted.len())
            .filter_map(|(doc, (score, _))| {
                let id = self.ids.get(usize::try_from(doc).ok()?)?;
                Some((id.clone(), score))
            })
            .collect();
        hits.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        hits
    }
}

#[cfg(test)]
mod tests;
