use super::*;
use crate::model::Translations;
use crate::validate::{ServiceDraft, validate};

fn service(id: &str, theme: &str, title: &str, summary: &str, body: &str) -> Service {
    let draft: ServiceDraft = serde_json::from_value(serde_json::json!({
        "id": id,
        "theme": theme,
        "texts": {"nb": {"title": title, "summary": summary, "body": body}},
        "contact": {"unit": "Servicetorget"}
    }))
    .expect("draft");
    validate(&draft, &ThemeTree::municipal()).expect("valid")
}

fn ids(hits: &[(ServiceId, f32)]) -> Vec<&str> {
    hits.iter().map(|(id, _)| id.as_str()).collect()
}

fn services() -> Vec<Service> {
    vec![
        service(
            "plass-i-barnehage",
            "barn-og-familie/barnehage",
            "Plass i barnehage",
            "Slik får barnet plass.",
            "Alle barn har rett.",
        ),
        service(
            "sfo",
            "skole-og-utdanning/sfo",
            "Skolefritidsordning (SFO)",
            "Før og etter skoletid.",
            "Åpent hele året.",
        ),
        service(
            "feiing",
            "bygg-bolig-og-eiendom/brann-og-feiing",
            "Feiing av pipe",
            "Feieren kommer på besøk.",
            "Gebyret står på fakturaen.",
        ),
    ]
}

#[test]
fn a_query_compound_finds_its_parts() {
    let index = Index::build(&services());
    assert_eq!(
        ids(&index.search("barnehageplass", Lang::Nb)),
        ["plass-i-barnehage"]
    );
    assert_eq!(
        ids(&index.search("barnehageplassen ", Lang::Nb)),
        ["plass-i-barnehage"]
    );
}

#[test]
fn document_compounds_are_found_by_their_parts() {
    let mut s = services();
    s.push(service(
        "sykehjemsplass",
        "helse-og-omsorg/sykehjem",
        "Søke sykehjemsplass",
        "Når du trenger pleie hele døgnet.",
        "Kommunen har flere sykehjem.",
    ));
    let index = Index::build(&s);
    // "barnehageplass" in no title, yet "plass" finds the kindergarten and the nursing home place.
    assert_eq!(
        ids(&index.search("plass ", Lang::Nb)),
        ["plass-i-barnehage", "sykehjemsplass"]
    );
    assert_eq!(
        ids(&index.search("sykehjem ", Lang::Nb)),
        ["sykehjemsplass"]
    );
    assert_eq!(ids(&index.search("sfo", Lang::Nb)), ["sfo"]);
    assert_eq!(
        ids(&index.search("skolefritidsordningen", Lang::Nb)),
        ["sfo"]
    );
}

#[test]
fn type_ahead_matches_prefixes_only_for_the_last_word() {
    let index = Index::build(&services());
    assert_eq!(
        ids(&index.search("barneh", Lang::Nb)),
        ["plass-i-barnehage"]
    );
    assert!(
        index.search("barneh ", Lang::Nb).is_empty(),
        "a finished word is not a prefix"
    );
    assert!(
        index.search("fe", Lang::Nb).is_empty(),
        "too short to be a prefix"
    );
    assert_eq!(ids(&index.search("fei", Lang::Nb)), ["feiing"]);
}

#[test]
fn ascii_spelling_finds_norwegian_letters() {
    let s = vec![service(
        "bostotte",
        "bygg-bolig-og-eiendom/bolig",
        "Bostøtte",
        "Støtte til boutgifter.",
        "Søk hos Husbanken.",
    )];
    let index = Index::build(&s);
    assert_eq!(ids(&index.search("bostotte ", Lang::Nb)), ["bostotte"]);
    assert_eq!(ids(&index.search("BOSTØTTE ", Lang::Nb)), ["bostotte"]);
    assert_eq!(
        ids(&index.search("soek ", Lang::Nb)),
        ["bostotte"],
        "oe is ø"
    );
    let (_, exact) = index.search("bostøtte ", Lang::Nb)[0].clone();
    let (_, ascii) = index.search("bostotte ", Lang::Nb)[0].clone();
    assert!(exact > ascii, "the right spelling scores higher");
}

#[test]
fn untranslated_services_are_searched_in_bokmal() {
    let index = Index::build(&services());
    assert_eq!(ids(&index.search("feiing", Lang::En)), ["feiing"]);
    assert_eq!(ids(&index.search("feiing", Lang::Se)), ["feiing"]);
    let translations: &Translations = &services()[0].texts;
    assert!(translations.en.is_none());
}
