//! The audience language: a CEL expression over the [resident view](crate::view), compiled and
//! checked when a rule is saved, evaluated per resident by the engine.
//!
//! Checking walks the expression tree ([`check`](crate::check)): every variable and field must
//! exist in the view, only a small set of functions is allowed, comparisons of known types must
//! make sense and the result must be a boolean. The compiled expression is then run against a
//! few sample residents to catch type errors the walk cannot see. An empty audience means
//! everyone.

use std::sync::{Arc, LazyLock};

use cel::{Context, Env, ExecutionError, Program, Value};

use crate::check::{self, AudienceError};
use crate::view::ViewVal;

/// Longest audience source accepted, in characters.
pub const MAX_AUDIENCE_CHARS: usize = 2_000;

/// The one CEL environment: the standard library, without the optional-value syntax.
static ENV: LazyLock<Arc<Env>> =
    LazyLock::new(|| Arc::new(Env::stdlib().with_optional_support(false)));

/// A compiled, checked audience expression.
#[derive(Debug)]
pub struct Audience {
    source: String,
    /// `None`: everyone (the source was empty or `true`).
    program: Option<Program>,
    about_child: bool,
}

/// Why an audience did not say yes or no for one resident.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    #[error("{0}")]
    Execution(#[from] ExecutionError),
    #[error("the audience gave {0}, not true or false")]
    NotBool(&'static str),
}

impl Audience {
    /// Compiles and checks `source` for a rule that is (`about_child`) or is not about a child
    /// (only rules about a child may refer to `child`).
    pub fn compile(source: &str, about_child: bool) -> Result<Audience, Vec<AudienceError>> {
        let trimmed = source.trim();
        if trimmed.chars().count() > MAX_AUDIENCE_CHARS {
            return Err(vec![AudienceError::new(format!(
                "the audience is longer than {MAX_AUDIENCE_CHARS} characters"
            ))]);
        }
        if trimmed.is_empty() || trimmed == "true" {
            return Ok(Audience {
                source: "true".to_owned(),
                program: None,
                about_child,
            });
        }
        let program = ENV.compile(trimmed).map_err(|errors| {
            errors
                .errors
                .iter()
                .map(|e| {
                    AudienceError::new(format!(
                        "syntax error at line {}, column {}: {}",
                        e.pos.0, e.pos.1, e.msg
                    ))
                })
                .collect::<Vec<_>>()
        })?;
        check::check(&program, about_child)?;
        let audience = Audience {
            source: trimmed.to_owned(),
            program: Some(program),
            about_child,
        };
        audience.try_on_samples()?;
        Ok(audience)
    }

    /// The normalized source (`true` for everyone).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the audience is everyone (no expression to run).
    pub fn is_everyone(&self) -> bool {
        self.program.is_none()
    }

    /// Whether the resident (and child) in `ctx` belong to the audience.
    pub fn matches(&self, ctx: &Context<'_, '_>) -> Result<bool, EvalError> {
        let Some(program) = &self.program else {
            return Ok(true);
        };
        match program.execute(ctx)? {
            Value::Bool(b) => Ok(b),
            other => Err(EvalError::NotBool(type_name(&other))),
        }
    }

    /// Runs the expression against sample residents: a type error (a comparison of a number
    /// with a text, an unknown function overload) or a result that is not a boolean refuses
    /// the audience. Errors that depend on the data (an index past the end of a list, a
    /// division by zero) are allowed: such a resident is simply not in the audience.
    fn try_on_samples(&self) -> Result<(), Vec<AudienceError>> {
        for (facts, child) in crate::samples::views(self.about_child) {
            let ctx = context(
                crate::view::resident_value(&facts, crate::samples::DAY),
                child.map(|birth| crate::view::child_value(birth, crate::samples::DAY)),
            );
            match self.matches(&ctx) {
                Ok(_) => {}
                Err(EvalError::NotBool(t)) => {
                    return Err(vec![AudienceError::new(format!(
                        "the audience must be true or false, but it gives {t}"
                    ))]);
                }
                Err(EvalError::Execution(e)) if is_data_dependent(&e) => {}
                Err(EvalError::Execution(e)) => {
                    return Err(vec![AudienceError::new(format!(
                        "the audience cannot be evaluated: {e}"
                    ))]);
                }
            }
        }
        Ok(())
    }
}

/// A context with the `resident` (and, for rules about a child, `child`) variables, built
/// with [`resident_value`](crate::view::resident_value) and
/// [`child_value`](crate::view::child_value). Build it once per resident and evaluate every
/// rule's audience with it.
pub fn context<'v>(resident: ViewVal<'v>, child: Option<ViewVal<'v>>) -> Context<'v, 'v> {
    let mut ctx = Context::with_env(Arc::clone(&ENV));
    ctx.add_variable_as_val("resident", resident);
    if let Some(child) = child {
        ctx.add_variable_as_val("child", child);
    }
    ctx
}

fn is_data_dependent(e: &ExecutionError) -> bool {
    matches!(
        e,
        ExecutionError::IndexOutOfBounds(_)
            | ExecutionError::DivisionByZero(_)
            | ExecutionError::RemainderByZero(_)
            | ExecutionError::Overflow(..)
            | ExecutionError::NoSuchKey(_)
    )
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::List(_) => "a list",
        Value::Map(_) | Value::Struct(_) => "an object",
        Value::Int(_) | Value::UInt(_) => "a whole number",
        Value::Float(_) => "a decimal number",
        Value::String(_) => "a text",
        Value::Bool(_) => "a boolean",
        Value::Null => "null",
        _ => "a value of another type",
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::samples;
    use crate::view::{child_value, resident_value};

    fn compile(src: &str) -> Result<Audience, String> {
        Audience::compile(src, false).map_err(|e| {
            e.iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    fn eval(src: &str, about_child: bool) -> bool {
        let audience = Audience::compile(src, about_child).expect("valid audience");
        let facts = samples::parent();
        let day = date(2027, 3, 1);
        let child = about_child.then(|| child_value(date(2021, 6, 1), day));
        audience
            .matches(&context(resident_value(&facts, day), child))
            .expect("evaluates")
    }

    #[test]
    fn empty_and_true_mean_everyone() {
        for src in ["", "  ", "true", " true "] {
            let a = compile(src).expect("valid");
            assert!(a.is_everyone());
            assert_eq!(a.source(), "true");
        }
    }

    #[test]
    fn expressions_over_the_view_evaluate() {
        // The sample parent: 36 years old on 2027-03-01, postcode 1384, children 5 and 12.
        assert!(eval("resident.age >= 18", false));
        assert!(eval("resident.children.exists(c, c.age < 6)", false));
        assert!(!eval("resident.children.all(c, c.age < 6)", false));
        assert!(eval("resident.children.exists_one(c, c.age > 10)", false));
        assert!(eval(
            "resident.children.filter(c, c.age >= 6).size() == 1",
            false
        ));
        assert!(eval("resident.postcode in ['1384', '1385']", false));
        assert!(eval(
            "resident.postcode.startsWith('13') && resident.has_address",
            false
        ));
        assert!(eval("resident.city.matches('^Ask')", false));
        assert!(eval(
            "size(resident.children) == resident.children_count",
            false
        ));
        assert!(eval(
            "has(resident.moved_in_days) && resident.moved_in_days >= 0",
            false
        ));
        assert!(eval("resident.children[0].age_months > 60", false));
        assert!(eval("resident.kommunenummer == '3203'", false));
        assert!(eval("child.age == 5 && resident.age > 30", true));
        assert!(eval(
            "resident.children.map(c, c.age).exists(a, a == 12)",
            false
        ));
    }

    #[test]
    fn bad_expressions_are_refused_with_a_reason() {
        let cases = [
            ("resident.age >", "syntax error at line 1"),
            (
                "resident.shoe_size > 40",
                "unknown field `resident.shoe_size`",
            ),
            (
                "resident.children.exists(c, c.name == 'Ola')",
                "unknown field `c.name`",
            ),
            ("citizen.age > 3", "unknown variable `citizen`"),
            ("child.age > 3", "only in rules about a child"),
            ("resident.age", "must be true or false"),
            ("resident.age > '18'", "cannot compare"),
            (
                "resident.postcode.frobnicate()",
                "unknown function `frobnicate`",
            ),
            (
                "timestamp('2027-01-01T00:00:00Z') > timestamp('2026-01-01T00:00:00Z')",
                "unknown function `timestamp`",
            ),
            ("resident.age.years > 3", "has no fields"),
            ("resident['pid'] == '1'", "unknown field `resident.pid`"),
            ("resident.age.exists(x, x > 1)", "cannot iterate"),
            ("resident.city.matches('(')", "cannot be evaluated"),
            ("resident.children_count + 'x' == 1", "cannot be evaluated"),
        ];
        for (src, expected) in cases {
            let err = compile(src).expect_err(src);
            assert!(err.contains(expected), "{src}: {err}");
        }
    }

    #[test]
    fn positions_are_reported() {
        let err = compile("resident.age > 3 && resident.foo").expect_err("unknown field");
        assert!(err.contains("column 21"), "{err}");
    }

    #[test]
    fn data_dependent_errors_are_allowed_and_count_as_errors_at_run_time() {
        let a = compile("resident.children[1].age > 3").expect("allowed");
        let mut facts = samples::parent();
        facts.children.truncate(1);
        let ctx = context(resident_value(&facts, date(2027, 3, 1)), None);
        assert!(matches!(a.matches(&ctx), Err(EvalError::Execution(_))));
    }

    #[test]
    fn over_long_audiences_are_refused() {
        let src = format!(
            "resident.age > 1{}",
            " ".repeat(10) + &"|| true ".repeat(300)
        );
        assert!(compile(&src).expect_err("too long").contains("longer than"));
    }

    #[test]
    fn compiled_audiences_can_be_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<Audience>();
    }
}
