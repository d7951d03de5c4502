//! The resident view: what an audience expression sees of a resident (and of a child, for rules
//! about children). Documented for municipalities in `docs/notices.md`; names and identity
//! numbers are deliberately not part of it.
//!
//! [`RESIDENT_FIELDS`] and [`CHILD_FIELDS`] are the schema the audience checker uses; the
//! values are built per resident and evaluation day by [`resident_value`] and [`child_value`].

use std::collections::HashMap;

use cel::common::types::{CelBool, CelInt, CelList, CelMap, CelMapKey, CelString};
use cel::common::value::Val;
use jiff::civil::Date;
use minside_core::lifephase::{age_in_months_on, age_on};
use minside_store::ResidentFacts;

/// The type of a field in the view, for checking expressions before they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    Int,
    String,
    Bool,
    /// A list of children (each with [`CHILD_FIELDS`] but no name).
    Children,
    /// An object with [`CHILD_FIELDS`].
    Child,
    /// An object with [`RESIDENT_FIELDS`].
    Resident,
}

/// `resident.*`: name, type, and what it means.
pub const RESIDENT_FIELDS: &[(&str, FieldType, &str)] = &[
    (
        "age",
        FieldType::Int,
        "age in whole years; -1 when the birth date is unknown",
    ),
    (
        "age_months",
        FieldType::Int,
        "age in whole months; -1 when the birth date is unknown",
    ),
    (
        "birth_date",
        FieldType::String,
        "birth date as YYYY-MM-DD; empty when unknown",
    ),
    (
        "postcode",
        FieldType::String,
        "postcode of the home address; empty without an address",
    ),
    (
        "city",
        FieldType::String,
        "postal place of the home address; empty without an address",
    ),
    (
        "kommunenummer",
        FieldType::String,
        "the municipality's number, e.g. 3203",
    ),
    (
        "moved_in_days",
        FieldType::Int,
        "days since moving in; -1 when not known",
    ),
    (
        "has_address",
        FieldType::Bool,
        "whether the register has a home address",
    ),
    (
        "children",
        FieldType::Children,
        "children the resident has parental responsibility for",
    ),
    ("children_count", FieldType::Int, "how many such children"),
];

/// `child.*` and each element of `resident.children`.
pub const CHILD_FIELDS: &[(&str, FieldType, &str)] = &[
    ("age", FieldType::Int, "age in whole years"),
    ("age_months", FieldType::Int, "age in whole months"),
    ("birth_date", FieldType::String, "birth date as YYYY-MM-DD"),
];

/// The fields of an object type.
pub(crate) fn fields_of(
    t: FieldType,
) -> Option<&'static [(&'static str, FieldType, &'static str)]> {
    match t {
        FieldType::Resident => Some(RESIDENT_FIELDS),
        FieldType::Child => Some(CHILD_FIELDS),
        _ => None,
    }
}

/// A boxed CEL value that may borrow from the facts it was built from.
pub type ViewVal<'v> = Box<dyn Val + 'v>;

fn int<'v>(i: i64) -> ViewVal<'v> {
    Box::new(CelInt::from(i))
}

fn string<'v>(s: impl Into<CelString<'v>>) -> ViewVal<'v> {
    Box::new(s.into())
}

/// The `resident` value on `day`, borrowing texts from `facts`.
pub fn resident_value(facts: &ResidentFacts, day: Date) -> ViewVal<'_> {
    let (age, months, birth) = match facts.birth_date {
        Some(b) => (
            i64::from(age_on(b, day)),
            i64::from(age_in_months_on(b, day)),
            b.to_string(),
        ),
        None => (-1, -1, String::new()),
    };
    let (postcode, city) = match &facts.address {
        Some(a) => (a.postcode.as_str(), a.city.as_str()),
        None => ("", ""),
    };
    let moved_in_days = facts
        .moved_in
        .map(|m| i64::from((day - m).get_days()))
        .filter(|d| *d >= 0)
        .unwrap_or(-1);
    let children: Vec<ViewVal<'_>> = facts
        .children
        .iter()
        .map(|c| child_value(c.birth_date, day))
        .collect();
    let count = i64::try_from(children.len()).unwrap_or(i64::MAX);
    let mut map: HashMap<CelMapKey<'_>, ViewVal<'_>> = HashMap::with_capacity(10);
    map.insert("age".into(), int(age));
    map.insert("age_months".into(), int(months));
    map.insert("birth_date".into(), string(birth));
    map.insert("postcode".into(), string(postcode));
    map.insert("city".into(), string(city));
    map.insert("kommunenummer".into(), string(facts.kommunenummer.as_str()));
    map.insert("moved_in_days".into(), int(moved_in_days));
    map.insert(
        "has_address".into(),
        Box::new(CelBool::from(facts.address.is_some())),
    );
    map.insert("children".into(), Box::new(CelList::from(children)));
    map.insert("children_count".into(), int(count));
    Box::new(CelMap::from(map))
}

/// The `child` value (and each element of `resident.children`) on `day`.
pub fn child_value<'v>(birth: Date, day: Date) -> ViewVal<'v> {
    let mut map: HashMap<CelMapKey<'v>, ViewVal<'v>> = HashMap::with_capacity(3);
    map.insert("age".into(), int(i64::from(age_on(birth, day))));
    map.insert(
        "age_months".into(),
        int(i64::from(age_in_months_on(birth, day))),
    );
    map.insert("birth_date".into(), string(birth.to_string()));
    Box::new(CelMap::from(map))
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::audience::{Audience, context};
    use crate::samples;

    /// Evaluates `expr` (which must hold) against the sample parent on `day`.
    fn holds(facts: &ResidentFacts, day: Date, expr: &str) -> bool {
        let audience = Audience::compile(expr, true).expect(expr);
        let ctx = context(
            resident_value(facts, day),
            Some(child_value(date(2021, 6, 1), day)),
        );
        audience.matches(&ctx).expect(expr)
    }

    #[test]
    fn the_view_has_exactly_the_documented_fields() {
        let facts = samples::parent();
        let day = date(2027, 1, 1);
        let count = RESIDENT_FIELDS.len();
        assert!(holds(&facts, day, &format!("size(resident) == {count}")));
        for (name, _, _) in RESIDENT_FIELDS {
            assert!(
                holds(&facts, day, &format!("has(resident.{name})")),
                "{name}"
            );
        }
        let count = CHILD_FIELDS.len();
        assert!(holds(
            &facts,
            day,
            &format!("resident.children.all(c, size(c) == {count})")
        ));
        assert!(holds(&facts, day, &format!("size(child) == {count}")));
    }

    #[test]
    fn values_are_computed_on_the_day() {
        // Born 1990-05-17, postcode 1384 Asker, moved in 2020-01-01, children born 2014-09-10
        // and 2021-06-01.
        let facts = samples::parent();
        let day = date(2027, 5, 17);
        for expr in [
            "resident.age == 37",
            "resident.age_months == 37 * 12",
            "resident.birth_date == '1990-05-17'",
            "resident.postcode == '1384' && resident.city == 'Asker'",
            "resident.kommunenummer == '3203'",
            "resident.moved_in_days == 2693",
            "resident.has_address",
            "resident.children_count == 2",
            "resident.children[0].age == 12 && resident.children[1].age == 5",
            "resident.children[1].age_months == 71",
            "resident.children[1].birth_date == '2021-06-01'",
            "child.age == 5 && child.age_months == 71",
        ] {
            assert!(holds(&facts, day, expr), "{expr}");
        }
    }

    #[test]
    fn unknown_facts_have_sentinels() {
        let mut facts = samples::parent();
        facts.birth_date = None;
        facts.address = None;
        facts.moved_in = None;
        facts.children.clear();
        let day = date(2027, 1, 1);
        for expr in [
            "resident.age == -1 && resident.age_months == -1",
            "resident.birth_date == ''",
            "resident.postcode == '' && resident.city == ''",
            "resident.moved_in_days == -1",
            "!resident.has_address",
            "resident.children_count == 0 && resident.children == []",
        ] {
            assert!(holds(&facts, day, expr), "{expr}");
        }
    }
}
