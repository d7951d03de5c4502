use serde_json::{Value, json};

use super::*;

fn draft_json() -> Value {
    json!({
        "id": "barnehageplass",
        "theme": "barn-og-familie/barnehage",
        "texts": {
            "nb": {"title": "Søke barnehageplass", "summary": "Søk plass.", "body": "Alle barn."},
            "en": {"title": "Apply for a kindergarten place", "summary": "Apply."}
        },
        "apply_url": "https://www.asker.kommune.no/barnehage/",
        "deadlines": [
            {"label": {"nb": "Hovedopptak", "en": "Main intake"}, "kind": "annual", "month": 3, "day": 1},
            {"label": {"nb": "Ekstra"}, "kind": "fixed", "date": "2025-06-01"},
            {"label": {"nb": "Månedlig"}, "kind": "monthly", "day": 31}
        ],
        "contact": {"unit": "Barnehagekontoret", "phone": "+47 66 90 90 00",
                    "email": "post@asker.kommune.no", "url": "https://www.asker.kommune.no/"},
        "audience": [{"rule": "child_turns", "age": 1, "within_months": 12, "weight": 2.0}],
        "notice_categories": ["barnehage"]
    })
}

fn check(v: Value) -> Result<Service, Vec<FieldError>> {
    let draft: ServiceDraft = serde_json::from_value(v).expect("a draft");
    validate(&draft, &ThemeTree::municipal())
}

fn pointers(v: Value) -> Vec<String> {
    check(v)
        .expect_err("invalid")
        .into_iter()
        .map(|e| e.pointer)
        .collect()
}

/// `v` with `value` at `pointer` (a new member of an object is added).
fn with(mut v: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').expect(pointer);
    match v.pointer_mut(parent).expect(parent) {
        Value::Object(o) => {
            o.insert(key.to_owned(), value);
        }
        Value::Array(a) => a[key.parse::<usize>().expect(key)] = value,
        _ => panic!("{parent} is not a container"),
    }
    v
}

#[test]
fn a_valid_draft_becomes_a_service() {
    let s = check(draft_json()).expect("valid");
    assert_eq!(s.id.as_str(), "barnehageplass");
    assert_eq!(s.theme.to_string(), "barn-og-familie/barnehage");
    assert_eq!(s.texts.en.as_ref().map(|t| t.body.is_none()), Some(true));
    assert_eq!(
        s.deadlines[0].kind,
        DeadlineKind::Annual { month: 3, day: 1 }
    );
    let json = serde_json::to_value(&s).expect("serializes");
    assert_eq!(json["theme"], "barn-og-familie/barnehage");
    assert_eq!(json["deadlines"][1]["kind"], "fixed");
    assert_eq!(json["deadlines"][1]["date"], "2025-06-01");
    assert_eq!(json["audience"][0]["rule"], "child_turns");
}

#[test]
fn slugs_are_checked() {
    for bad in [
        "Barnehage",
        "ba",
        "barne--hage",
        "-barnehage",
        "barnehage-",
        "barne hage",
        "bøtte",
    ] {
        assert_eq!(
            pointers(with(draft_json(), "/id", json!(bad))),
            ["/id"],
            "{bad:?}"
        );
    }
    assert!(check(with(draft_json(), "/id", json!("tt-kort-2"))).is_ok());
}

#[test]
fn bokmal_is_required_and_other_languages_checked() {
    let mut v = draft_json();
    v["texts"].as_object_mut().expect("object").remove("nb");
    assert_eq!(pointers(v), ["/texts/nb"]);
    let v = with(
        draft_json(),
        "/texts/de",
        json!({"title": "T", "summary": "S"}),
    );
    assert_eq!(pointers(v), ["/texts/de"]);
    let v = with(draft_json(), "/texts/nb/body", Value::Null);
    assert_eq!(pointers(v), ["/texts/nb/body"]);
    let v = with(draft_json(), "/texts/en/title", json!("  "));
    assert_eq!(pointers(v), ["/texts/en/title"]);
    let v = with(
        draft_json(),
        "/texts/nb/title",
        json!("x".repeat(MAX_TITLE + 1)),
    );
    assert_eq!(pointers(v), ["/texts/nb/title"]);
}

#[test]
fn urls_must_be_http() {
    for bad in [
        "ftp://asker.kommune.no/",
        "javascript:alert(1)",
        "asker.kommune.no",
        "",
    ] {
        assert_eq!(
            pointers(with(draft_json(), "/apply_url", json!(bad))),
            ["/apply_url"]
        );
    }
    let v = with(
        draft_json(),
        "/contact/url",
        json!("mailto:post@asker.kommune.no"),
    );
    assert_eq!(pointers(v), ["/contact/url"]);
    assert!(
        check(with(
            draft_json(),
            "/apply_url",
            json!("http://example.no/x")
        ))
        .is_ok()
    );
}

#[test]
fn dates_must_be_real() {
    let v = with(draft_json(), "/deadlines/1/date", json!("2025-02-30"));
    assert_eq!(pointers(v), ["/deadlines/1/date"]);
    let v = with(draft_json(), "/deadlines/1/date", json!("2025-6-1"));
    assert_eq!(pointers(v), ["/deadlines/1/date"]);
    let v = with(draft_json(), "/deadlines/0/month", json!(2));
    let v = with(v, "/deadlines/0/day", json!(30));
    assert_eq!(pointers(v), ["/deadlines/0/day"], "30 February");
    let v = with(draft_json(), "/deadlines/0/month", json!(2));
    let v = with(v, "/deadlines/0/day", json!(29));
    assert_eq!(
        pointers(v),
        ["/deadlines/0/day"],
        "29 February is not yearly"
    );
    let v = with(draft_json(), "/deadlines/0/month", json!(13));
    assert_eq!(pointers(v), ["/deadlines/0/day"]);
    let v = with(draft_json(), "/deadlines/2/day", json!(32));
    assert_eq!(pointers(v), ["/deadlines/2/day"]);
    let v = with(draft_json(), "/deadlines/2/kind", json!("weekly"));
    assert_eq!(pointers(v), ["/deadlines/2/kind"]);
    let v = with(draft_json(), "/deadlines/1/kind", json!("annual"));
    assert_eq!(
        pointers(v),
        [
            "/deadlines/1/month",
            "/deadlines/1/day",
            "/deadlines/1/date"
        ]
    );
}

#[test]
fn theme_must_exist() {
    assert_eq!(
        pointers(with(draft_json(), "/theme", json!("barn-og-familie/sfo"))),
        ["/theme"]
    );
    assert_eq!(
        pointers(with(draft_json(), "/theme", json!("barnehage"))),
        ["/theme"]
    );
}

#[test]
fn contact_and_audience_are_checked() {
    let v = with(draft_json(), "/contact/phone", json!("ring oss"));
    assert_eq!(pointers(v), ["/contact/phone"]);
    let v = with(draft_json(), "/contact/email", json!("post@asker"));
    assert_eq!(pointers(v), ["/contact/email"]);
    let v = with(draft_json(), "/audience/0/within_months", json!(0));
    assert_eq!(pointers(v), ["/audience/0/within_months"]);
    let v = with(
        draft_json(),
        "/audience/0",
        json!({"rule": "own_age_between", "min": 70, "max": 67}),
    );
    assert_eq!(pointers(v), ["/audience/0/max"]);
    let v = with(
        draft_json(),
        "/audience/0",
        json!({"rule": "property_owner", "weight": 0}),
    );
    assert_eq!(pointers(v), ["/audience/0/weight"]);
    let v = with(
        draft_json(),
        "/audience/0/reason",
        json!({"nb": "fordi {child} bor i {city}", "en": "because of {child}"}),
    );
    assert_eq!(
        pointers(v),
        ["/audience/0/reason/nb"],
        "unknown placeholder"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let v = with(draft_json(), "/id", json!("X"));
    let v = with(v, "/theme", json!("nope/nope"));
    let v = with(v, "/apply_url", json!("ftp://x"));
    assert_eq!(pointers(v), ["/id", "/theme", "/apply_url"]);
}
