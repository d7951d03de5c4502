//! Validation: good drafts pass with their typed form, bad ones are refused with a pointer at
//! each problem.

use jiff::civil::date;
use minside_store::{Channel, PhaseKind, RegisterEventKind};
use serde_json::{Value, json};

use super::*;
use crate::rule::{AgeOf, DateSpec, EventRecipients, Trigger};

fn draft(v: Value) -> RuleDraft {
    serde_json::from_value(v).expect("a draft")
}

fn good() -> Value {
    json!({
        "name": "Skolestart",
        "category": "skole",
        "opt_out_allowed": true,
        "trigger": {"kind": "before_date", "date": {"fixed": "2027-03-01"}, "days_before": 14},
        "audience": "resident.children.exists(c, c.age == 5)",
        "content": {
            "nb": {"title": "Søk skoleplass innen {{deadline}}", "body": "Hei {{resident.given_name}}!"},
            "en": {"title": "Apply by {{deadline}}", "body": "{{days_left}} days left"}
        },
        "channels": ["email", "inbox", "email"],
        "priority": 3,
        "valid_from": "2027-01-01",
        "valid_to": "2027-03-01"
    })
}

/// The pointers of the problems of `patch` applied to the good draft.
fn problems(patch: Value) -> Vec<(String, String)> {
    let mut v = good();
    if let (Some(obj), Some(patch)) = (v.as_object_mut(), patch.as_object()) {
        for (k, val) in patch {
            obj.insert(k.clone(), val.clone());
        }
    }
    validate(&draft(v))
        .expect_err("refused")
        .into_iter()
        .map(|e| (e.pointer, e.message))
        .collect()
}

fn pointers(patch: Value) -> Vec<String> {
    problems(patch).into_iter().map(|(p, _)| p).collect()
}

#[test]
fn a_good_draft_becomes_a_typed_rule() {
    let rule = validate(&draft(good())).expect("valid");
    assert_eq!(rule.name, "Skolestart");
    assert_eq!(
        rule.trigger,
        Trigger::BeforeDate {
            date: DateSpec::Fixed(date(2027, 3, 1)),
            days_before: 14
        }
    );
    assert_eq!(rule.channels, [Channel::Email, Channel::Inbox]);
    assert_eq!(rule.priority, 3);
    assert_eq!(rule.valid_to, Some(date(2027, 3, 1)));
    assert!(rule.content.nn.is_none());
    let fields = rule.to_fields();
    assert_eq!(
        fields.trigger,
        json!({"kind": "before_date", "date": {"fixed": "2027-03-01"}, "days_before": 14})
    );
    assert_eq!(fields.content["en"]["title"], "Apply by {{deadline}}");
}

#[test]
fn defaults_fill_in_what_may_be_left_out() {
    let rule = validate(&draft(json!({
        "name": "Velkommen",
        "category": "velkommen",
        "trigger": {"kind": "life_event", "event": "moved_in", "who": "resident"},
        "content": {"nb": {"title": "Velkommen til {{municipality}}", "body": "Hei"}}
    })))
    .expect("valid");
    assert_eq!(rule.audience, "true");
    assert_eq!(rule.priority, 2);
    assert!(rule.channels.is_empty());
    assert_eq!(
        rule.trigger,
        Trigger::LifeEvent {
            event: RegisterEventKind::MovedIn,
            who: EventRecipients::Resident
        }
    );
}

#[test]
fn a_stored_rule_round_trips_through_a_draft() {
    let rule = validate(&draft(good())).expect("valid");
    let fields = rule.to_fields();
    let stored = minside_store::StoredRule {
        id: minside_store::RuleId::new_v7(),
        kommunenummer: minside_core::Kommunenummer::parse("3203").expect("Asker"),
        name: fields.name,
        category: fields.category,
        opt_out_allowed: fields.opt_out_allowed,
        status: minside_store::RuleStatus::Draft,
        trigger: fields.trigger,
        audience: fields.audience,
        content: fields.content,
        channels: fields.channels,
        priority: fields.priority,
        valid_from: fields.valid_from,
        valid_to: fields.valid_to,
        version: 1,
        created_by: "cw".into(),
        created_at: jiff::Timestamp::UNIX_EPOCH,
        updated_by: "cw".into(),
        updated_at: jiff::Timestamp::UNIX_EPOCH,
    };
    assert_eq!(
        validate(&RuleDraft::from(&stored)).expect("still valid"),
        rule
    );
}

#[test]
fn missing_or_empty_nb_texts_are_refused() {
    assert_eq!(
        pointers(json!({"content": {"en": {"title": "a", "body": "b"}}})),
        ["/content/nb"]
    );
    assert_eq!(
        pointers(json!({"content": {"nb": {"title": " ", "body": "b"}}})),
        ["/content/nb/title"]
    );
    assert_eq!(
        pointers(json!({"content": {"nb": {"title": "t"}}})),
        ["/content/nb/body"]
    );
    assert_eq!(
        pointers(json!({"content": {"nb": {"title": "t", "body": "b"}, "se": {}}})),
        ["/content/se"]
    );
    assert_eq!(
        pointers(json!({"content": {"nb": {"title": "t", "body": "b", "ingress": "x"}}})),
        ["/content/nb/ingress"]
    );
    assert_eq!(pointers(json!({"content": "hei"})), ["/content"]);
}

#[test]
fn unknown_and_unavailable_placeholders_are_refused() {
    let found = problems(json!({"content": {
        "nb": {"title": "Hei {{resident.name}}", "body": "{{child.given_name}}"},
        "nn": {"title": "t", "body": "{{resident.given_name"}
    }}));
    let ptrs: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        ptrs,
        ["/content/nb/title", "/content/nb/body", "/content/nn/body"]
    );
    assert!(
        found[0]
            .1
            .contains("unknown placeholder `{{resident.name}}`")
    );
    assert!(found[1].1.contains("about a child"));
    assert!(found[2].1.contains("never closed"));
}

#[test]
fn over_long_texts_are_refused() {
    let long = "x".repeat(MAX_TITLE_CHARS + 1);
    assert_eq!(
        pointers(json!({"content": {"nb": {"title": long, "body": "b"}}})),
        ["/content/nb/title"]
    );
    let long = "ø".repeat(MAX_BODY_CHARS + 1);
    assert_eq!(
        pointers(json!({"content": {"nb": {"title": "t", "body": long}}})),
        ["/content/nb/body"]
    );
    assert_eq!(
        pointers(json!({"name": "n".repeat(MAX_NAME_CHARS + 1)})),
        ["/name"]
    );
}

#[test]
fn bad_audiences_point_at_the_audience() {
    for audience in [
        "resident.age >",
        "resident.foo == 1",
        "child.age > 1",
        "resident.age",
    ] {
        assert_eq!(
            pointers(json!({ "audience": audience })),
            ["/audience"],
            "{audience}"
        );
    }
}

#[test]
fn invalid_dates_are_refused() {
    let trig =
        |date: Value| json!({"trigger": {"kind": "before_date", "date": date, "days_before": 3}});
    assert_eq!(
        pointers(trig(json!({"fixed": "2027-02-30"}))),
        ["/trigger/date/fixed"]
    );
    assert_eq!(
        pointers(trig(json!({"fixed": "1. mars"}))),
        ["/trigger/date/fixed"]
    );
    assert_eq!(
        pointers(trig(json!({"annual": {"month": 13, "day": 1}}))),
        ["/trigger/date/annual/month"]
    );
    assert_eq!(
        pointers(trig(json!({"annual": {"month": 4, "day": 31}}))),
        ["/trigger/date/annual/day"]
    );
    assert_eq!(pointers(trig(json!({"weekly": 3}))), ["/trigger/date"]);
    assert_eq!(
        pointers(trig(
            json!({"fixed": "2027-03-01", "annual": {"month": 3, "day": 1}})
        )),
        ["/trigger/date"]
    );
    let leap = validate(&draft({
        let mut v = good();
        v["trigger"] = json!({"kind": "before_date", "date": {"annual": {"month": 2, "day": 29}}});
        v
    }))
    .expect("29 February is an annual date");
    assert!(matches!(
        leap.trigger,
        Trigger::BeforeDate { days_before: 0, .. }
    ));
    assert_eq!(
        pointers(json!({"valid_from": "2027-13-01"})),
        ["/valid_from"]
    );
    assert_eq!(
        pointers(json!({"valid_from": "2027-03-02", "valid_to": "2027-03-01"})),
        ["/valid_to"]
    );
}

#[test]
fn out_of_range_numbers_are_refused() {
    let age = |of: &str, years: i64, months: i64| {
        json!({"trigger": {"kind": "age", "of": of, "years": years, "months": months},
               "content": {"nb": {"title": "t", "body": "b"}}})
    };
    assert_eq!(pointers(age("resident", 121, 0)), ["/trigger/years"]);
    assert_eq!(pointers(age("resident", -1, 0)), ["/trigger/years"]);
    assert_eq!(pointers(age("resident", 5, 12)), ["/trigger/months"]);
    assert_eq!(pointers(age("resident", 0, 0)), ["/trigger/years"]);
    assert_eq!(pointers(age("child", 18, 0)), ["/trigger/years"]);
    assert_eq!(pointers(age("pet", 1, 0)), ["/trigger/of"]);
    assert_eq!(
        pointers(
            json!({"trigger": {"kind": "before_date", "date": {"fixed": "2027-03-01"},
                                     "days_before": 400}})
        ),
        ["/trigger/days_before"]
    );
    assert_eq!(pointers(json!({"priority": 4})), ["/priority"]);
}

#[test]
fn bad_triggers_point_inside_the_trigger() {
    assert_eq!(pointers(json!({"trigger": null})), ["/trigger"]);
    assert_eq!(
        pointers(json!({"trigger": {"kind": "weekly"}})),
        ["/trigger/kind"]
    );
    assert_eq!(
        pointers(json!({"trigger": {"kind": "campaign", "years": 3}})),
        ["/trigger/years"]
    );
    let event = |event: &str, who: &str| {
        json!({"trigger": {"kind": "life_event", "event": event, "who": who},
               "content": {"nb": {"title": "t", "body": "b"}}})
    };
    assert_eq!(pointers(event("wedding", "resident")), ["/trigger/event"]);
    assert_eq!(pointers(event("birth", "resident")), ["/trigger/who"]);
    assert_eq!(pointers(event("death", "resident")), ["/trigger/who"]);
    assert_eq!(pointers(event("moved_in", "neighbours")), ["/trigger/who"]);
}

#[test]
fn child_rules_may_use_child_in_audience_and_texts() {
    let rule = validate(&draft(json!({
        "name": "Barnehage",
        "category": "barnehage",
        "trigger": {"kind": "age", "of": "child", "years": 1},
        "audience": "child.age_months >= 12 && resident.postcode.startsWith('13')",
        "content": {"nb": {"title": "{{child.given_name}} fyller {{child.age}}", "body": "b"}}
    })))
    .expect("valid");
    assert_eq!(
        rule.trigger,
        Trigger::Age {
            of: AgeOf::Child,
            years: 1,
            months: 0
        }
    );
}

#[test]
fn unknown_channels_and_categories_are_refused() {
    assert_eq!(
        pointers(json!({"channels": ["inbox", "fax"]})),
        ["/channels/1"]
    );
    assert_eq!(pointers(json!({"category": "Barne hage"})), ["/category"]);
    assert_eq!(pointers(json!({"category": ""})), ["/category"]);
}

#[test]
fn every_problem_is_reported_at_once() {
    let found = pointers(json!({
        "name": "",
        "audience": "resident.nope",
        "channels": ["fax"],
        "valid_to": "2027-02-30"
    }));
    assert_eq!(found, ["/name", "/audience", "/channels/0", "/valid_to"]);
}

#[test]
fn plan_phase_rules_name_kinds_and_the_plan() {
    let rule = validate(&draft(json!({
        "name": "Plan nær deg",
        "category": "plan",
        "trigger": {"kind": "plan_phase", "phases": ["oppstart", "horing", "horing"]},
        "audience": "resident.has_address",
        "content": {"nb": {"title": "{{plan.name}} ({{plan.id}})",
                           "body": "{{phase.label}} til {{deadline}}, {{days_left}} dager igjen"}}
    })))
    .expect("valid");
    assert_eq!(
        rule.trigger,
        Trigger::PlanPhase {
            phases: vec![PhaseKind::Oppstart, PhaseKind::Horing]
        }
    );
    assert_eq!(
        rule.to_fields().trigger,
        json!({"kind": "plan_phase", "phases": ["oppstart", "horing"]})
    );
    let plan = |phases: Value, title: &str| {
        json!({"trigger": {"kind": "plan_phase", "phases": phases},
               "audience": "",
               "content": {"nb": {"title": title, "body": "b"}}})
    };
    assert!(
        validate(&draft({
            let mut v = good();
            v["trigger"] = json!({"kind": "plan_phase", "phases": []});
            v["audience"] = json!("");
            v
        }))
        .is_ok(),
        "no kinds: every kind"
    );
    assert_eq!(
        pointers(plan(json!(["horing", "hearing", 3]), "t")),
        ["/trigger/phases/1", "/trigger/phases/2"]
    );
    assert_eq!(pointers(plan(json!("horing"), "t")), ["/trigger/phases"]);
    let child = problems(plan(json!([]), "{{child.given_name}}"));
    assert_eq!(child.len(), 1);
    assert_eq!(child[0].0, "/content/nb/title");
    assert!(child[0].1.contains("about a child"), "{child:?}");
    assert_eq!(
        pointers(json!({"trigger": {"kind": "plan_phase", "radius": 200}})),
        ["/trigger/radius"]
    );
    assert_eq!(
        pointers(json!({"content": {"nb": {"title": "{{plan.name}}", "body": "b"}}})),
        ["/content/nb/title"],
        "plan placeholders only in plan_phase rules"
    );
}

#[test]
fn a_rule_links_to_a_service_by_its_id() {
    let mut v = good();
    v["content"]["service"] = json!("skoleinnskriving");
    let rule = validate(&draft(v)).expect("valid");
    assert_eq!(rule.content.service.as_deref(), Some("skoleinnskriving"));
    assert_eq!(rule.to_fields().content["service"], "skoleinnskriving");
    for bad in [
        json!("Skole innskriving"),
        json!(42),
        json!("a"),
        json!("double--hyphen"),
    ] {
        let mut content = good()["content"].clone();
        content["service"] = bad;
        assert_eq!(
            pointers(json!({ "content": content })),
            vec!["/content/service"]
        );
    }
}
