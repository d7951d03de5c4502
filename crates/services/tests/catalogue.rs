//! The demo catalogue: it validates, is bilingual, and search finds what residents type.

use minside_services::{Index, Lang, Service, ServiceId, demo_catalogue};

fn catalogue() -> Vec<Service> {
    demo_catalogue().expect("the demo catalogue validates")
}

fn ids(hits: &[(ServiceId, f32)]) -> Vec<&str> {
    hits.iter().map(|(id, _)| id.as_str()).collect()
}

fn first(index: &Index, query: &str, lang: Lang) -> String {
    let hits = index.search(query, lang);
    hits.first()
        .map(|(id, _)| id.to_string())
        .unwrap_or_else(|| panic!("{query:?} ({lang}) found nothing"))
}

#[test]
fn at_least_25_services_in_bokmal_and_english() {
    let services = catalogue();
    let bilingual = services.iter().filter(|s| s.texts.en.is_some()).count();
    assert!(bilingual >= 25, "{bilingual} services with nb+en");
    assert!(services.iter().filter(|s| s.texts.nn.is_some()).count() >= 3);
    for s in &services {
        let url = s
            .apply_url
            .as_ref()
            .expect("every demo service has an apply URL");
        assert!(
            url.as_str().starts_with("https://www.asker.kommune.no/"),
            "{url}"
        );
        let body = s.texts.nb.body.as_deref().unwrap_or_default();
        let sentences = body.matches(". ").count() + 1;
        assert!(
            (3..=6).contains(&sentences),
            "{}: {sentences} sentences",
            s.id
        );
    }
}

#[test]
fn real_deadlines_are_there() {
    let services = catalogue();
    let deadline = |id: &str| {
        let s = services.iter().find(|s| s.id.as_str() == id).expect(id);
        serde_json::to_value(&s.deadlines).expect("serializes")
    };
    assert_eq!(deadline("barnehageplass")[0]["month"], 3);
    assert_eq!(deadline("barnehageplass")[0]["day"], 1);
    assert_eq!(deadline("sfo-plass")[0]["month"], 4);
    assert_eq!(deadline("skoleinnskriving")[0]["month"], 1);
    assert_eq!(deadline("bostotte")[0]["kind"], "monthly");
    assert_eq!(deadline("eiendomsskatt").as_array().map(Vec::len), Some(4));
}

#[test]
fn search_finds_services_by_what_residents_type() {
    let index = Index::build(&catalogue());
    for (query, lang, want) in [
        ("barnehageplass", Lang::Nb, "barnehageplass"),
        ("eiendomsskatt", Lang::Nb, "eiendomsskatt"),
        ("SFO", Lang::Nb, "sfo-plass"),
        ("sfo ", Lang::Nb, "sfo-plass"),
        ("skolefritidsordning", Lang::Nb, "sfo-plass"),
        ("sykehjem", Lang::Nb, "sykehjemsplass"),
        ("sykehjemsplass", Lang::Nb, "sykehjemsplass"),
        ("kulturskolen", Lang::Nb, "kulturskole"),
        ("barneh", Lang::Nb, "barnehageplass"),
        ("kindergarten", Lang::En, "barnehageplass"),
        ("Kindergartens ", Lang::En, "barnehageplass"),
        ("nursing home", Lang::En, "sykehjemsplass"),
        ("barnehage", Lang::En, "barnehageplass"),
        ("trygghetsalarm", Lang::Nb, "trygghetsalarm"),
        ("TT-kort", Lang::Nb, "tt-kort"),
        ("bostotte", Lang::Nb, "bostotte"),
        ("BOSTØTTE", Lang::Nb, "bostotte"),
        ("søke plass i barnehage", Lang::Nb, "barnehageplass"),
        ("vannmåler", Lang::Nb, "vann-og-avlop"),
        ("skjenkebevilling", Lang::Nb, "skjenkebevilling"),
        ("søppel", Lang::Nb, "renovasjon"),
        ("sjukeheim", Lang::Nn, "sykehjemsplass"),
    ] {
        assert_eq!(first(&index, query, lang), want, "{query:?} ({lang})");
    }
}

#[test]
fn titles_rank_above_bodies() {
    let index = Index::build(&catalogue());
    let hits = index.search("kjernetid", Lang::Nb);
    assert_eq!(ids(&hits)[0], "redusert-foreldrebetaling");
    // "barnehage" is in the title of the kindergarten service and only in the body of others.
    let hits = index.search("barnehage ", Lang::Nb);
    assert_eq!(ids(&hits)[0], "barnehageplass", "{hits:?}");
    assert!(
        ids(&hits).contains(&"ny-i-asker"),
        "body mentions count too"
    );
}

#[test]
fn unrelated_words_find_nothing() {
    let index = Index::build(&catalogue());
    for query in [
        "fotballbane",
        "xyzzy",
        "kvantefysikk ",
        "i og på",
        "",
        "   ",
    ] {
        assert!(index.search(query, Lang::Nb).is_empty(), "{query:?}");
    }
    // Every word must match: a real word next to nonsense finds nothing.
    assert!(index.search("barnehage kvantefysikk", Lang::Nb).is_empty());
    // "skatt" (tax) does not drag in kindergartens.
    assert!(!ids(&index.search("skatt ", Lang::Nb)).contains(&"barnehageplass"));
}
