use super::*;
use crate::model::Texts;

fn texts(title: &str, body: Option<&str>, eligibility: Option<&str>) -> Texts {
    Texts {
        title: title.into(),
        summary: format!("{title} summary"),
        body: body.map(Into::into),
        eligibility: eligibility.map(Into::into),
        how_to_apply: None,
        keywords: Vec::new(),
    }
}

fn translations() -> Translations {
    Translations {
        nb: texts(
            "Søke barnehageplass",
            Some("Brødtekst"),
            Some("Barn som fyller 1 år"),
        ),
        nn: None,
        en: Some(texts("Apply for a kindergarten place", Some("Body"), None)),
        se: None,
    }
}

#[test]
fn accept_language_is_ordered_by_quality() {
    use Lang::*;
    for (header, want) in [
        ("nb-NO,nb;q=0.9,en;q=0.5", vec![Nb, En]),
        ("en-GB,en;q=0.9", vec![En]),
        ("no", vec![Nb]),
        ("nn-NO, en;q=0.3", vec![Nn, En]),
        ("en;q=0.2, nn;q=0.8, sme;q=0.5", vec![Nn, Se, En]),
        ("se", vec![Se]),
        ("de-DE,de;q=0.9,*;q=0.1", vec![Nb]),
        ("en, nb", vec![En, Nb]),
        ("en;q=0, nb;q=0.000", vec![]),
        ("en;q=2, nn;q=abc, se;q=1.0", vec![Se]),
        ("", vec![]),
    ] {
        assert_eq!(parse_accept_language(header), want, "{header:?}");
    }
}

#[test]
fn query_parameter_goes_first() {
    assert_eq!(
        wanted_languages(Some("en"), Some("nn,nb;q=0.5")),
        [Lang::En, Lang::Nn, Lang::Nb]
    );
    assert_eq!(wanted_languages(Some("klingon"), Some("nn")), [Lang::Nn]);
    assert_eq!(wanted_languages(None, None), []);
}

#[test]
fn missing_translations_fall_back_to_bokmal() {
    let t = translations();
    assert_eq!(pick(&[Lang::En], &t).0, Lang::En);
    assert_eq!(pick(&[Lang::Nn], &t).0, Lang::Nb, "nn -> nb");
    assert_eq!(pick(&[Lang::Se], &t).0, Lang::Nb, "se -> nb");
    assert_eq!(pick(&[], &t).0, Lang::Nb);
    // A nynorsk reader who also reads English gets bokmål first.
    assert_eq!(pick(&[Lang::Nn, Lang::En], &t).0, Lang::Nb);
    assert_eq!(pick(&[Lang::En, Lang::Nn], &t).0, Lang::En);
    assert_eq!(
        fallback_chain(&[Lang::Se, Lang::En]),
        [Lang::Se, Lang::Nb, Lang::En]
    );
}

#[test]
fn missing_fields_come_from_bokmal_and_say_so() {
    let t = translations();
    let r = resolve(&[Lang::En], &t);
    assert_eq!(r.lang, Lang::En);
    assert_eq!(r.title, "Apply for a kindergarten place");
    assert_eq!(r.body, "Body");
    assert_eq!(r.eligibility, Some("Barn som fyller 1 år"));
    assert_eq!(
        r.fallbacks,
        [FieldFallback {
            field: TextField::Eligibility,
            lang: Lang::Nb
        }]
    );
    assert_eq!(r.how_to_apply, None, "missing everywhere is no fallback");
    let nb = resolve(&[Lang::Nb], &t);
    assert!(nb.fallbacks.is_empty());
    let json = serde_json::to_value(&r).expect("serializes");
    assert_eq!(json["fallbacks"][0]["field"], "eligibility");
    assert_eq!(json["fallbacks"][0]["lang"], "nb");
}
