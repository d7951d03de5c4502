//! The audience checker: walks a compiled CEL expression and refuses what would fail or
//! silently never match at run time: unknown variables and fields, functions outside the
//! allowed set, comparisons of a number with a text, iteration over a non-list, and a result
//! that is not a boolean.

use cel::Program;
use cel::common::ast::{Expr, IdedExpr, LiteralValue, operators};

use crate::view::{FieldType, fields_of};

/// One problem found in an audience expression (an English sentence for caseworkers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AudienceError {
    pub message: String,
}

impl AudienceError {
    pub(crate) fn new(message: String) -> Self {
        Self { message }
    }
}

/// Functions (besides operators and the macros `has`, `all`, `exists`, `exists_one`, `map`,
/// `filter`) an audience may call.
pub const ALLOWED_FUNCTIONS: &[&str] = &[
    "size",
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "int",
    "string",
    "double",
];

/// What the checker knows of a sub-expression's type.
#[derive(Clone, Debug, PartialEq)]
enum Ty {
    Field(FieldType),
    Double,
    Null,
    List(Box<Ty>),
    Map,
    /// Not known before run time.
    Dyn,
}

const BOOL: Ty = Ty::Field(FieldType::Bool);
const INT: Ty = Ty::Field(FieldType::Int);
const STRING: Ty = Ty::Field(FieldType::String);

impl Ty {
    fn describe(&self) -> &'static str {
        match self {
            Ty::Field(FieldType::Int) => "a whole number",
            Ty::Field(FieldType::String) => "a text",
            Ty::Field(FieldType::Bool) => "a boolean",
            Ty::Field(FieldType::Children) | Ty::List(_) => "a list",
            Ty::Field(FieldType::Child | FieldType::Resident) | Ty::Map => "an object",
            Ty::Double => "a decimal number",
            Ty::Null => "null",
            Ty::Dyn => "a value",
        }
    }

    fn is_number(&self) -> bool {
        matches!(self, Ty::Field(FieldType::Int) | Ty::Double)
    }
}

struct Checker<'p> {
    program: &'p Program,
    /// Variables in scope, innermost last.
    scope: Vec<(String, Ty)>,
    errors: Vec<AudienceError>,
    about_child: bool,
}

/// Checks `program` for a rule that is (`about_child`) or is not about a child.
pub(crate) fn check(program: &Program, about_child: bool) -> Result<(), Vec<AudienceError>> {
    let mut checker = Checker {
        program,
        scope: vec![("resident".to_owned(), Ty::Field(FieldType::Resident))],
        errors: Vec::new(),
        about_child,
    };
    if about_child {
        checker
            .scope
            .push(("child".to_owned(), Ty::Field(FieldType::Child)));
    }
    let root = program.expression();
    let ty = checker.walk(root);
    if checker.errors.is_empty() && !matches!(ty, Ty::Dyn) && ty != BOOL {
        checker.error(
            root,
            format!(
                "the audience must be true or false, but it gives {}",
                ty.describe()
            ),
        );
    }
    if checker.errors.is_empty() {
        Ok(())
    } else {
        Err(checker.errors)
    }
}

impl Checker<'_> {
    fn error(&mut self, at: &IdedExpr, message: String) {
        let position = self
            .program
            .source_info()
            .offset_for(leftmost(at).id)
            .map(|(start, _)| {
                let source = &self.program.source_info().source;
                let column = source
                    .get(..start as usize)
                    .map_or(0, |prefix| prefix.chars().count())
                    + 1;
                format!(" (column {column})")
            })
            .unwrap_or_default();
        self.errors
            .push(AudienceError::new(format!("{message}{position}")));
    }

    fn lookup(&self, name: &str) -> Option<Ty> {
        self.scope
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.clone())
    }

    fn walk(&mut self, e: &IdedExpr) -> Ty {
        match &e.expr {
            Expr::Unspecified => Ty::Dyn,
            Expr::Literal(l) => match l {
                LiteralValue::Boolean(_) => BOOL,
                LiteralValue::Int(_) | LiteralValue::UInt(_) => INT,
                LiteralValue::Double(_) => Ty::Double,
                LiteralValue::String(_) => STRING,
                LiteralValue::Null => Ty::Null,
                LiteralValue::Bytes(_) => Ty::Dyn,
            },
            Expr::Ident(name) => match self.lookup(name) {
                Some(t) => t,
                None if name == "child" => {
                    self.error(
                        e,
                        "`child` exists only in rules about a child (age of a child, or an event \
                         for the guardians of a child)"
                            .to_owned(),
                    );
                    Ty::Dyn
                }
                None => {
                    self.error(
                        e,
                        format!(
                            "unknown variable `{name}`; use `resident`{}",
                            self.child_hint()
                        ),
                    );
                    Ty::Dyn
                }
            },
            Expr::Select(select) => {
                let operand = self.walk(&select.operand);
                let ty = self.field(e, &select.operand, operand, &select.field);
                if select.test { BOOL } else { ty }
            }
            Expr::Call(call) => self.call(e, &call.func_name, call.target.as_deref(), &call.args),
            Expr::List(list) => {
                let mut elem = None;
                for el in &list.elements {
                    let t = self.walk(el);
                    elem = match elem {
                        None => Some(t),
                        Some(prev) if prev == t => Some(prev),
                        Some(_) => Some(Ty::Dyn),
                    };
                }
                Ty::List(Box::new(elem.unwrap_or(Ty::Dyn)))
            }
            Expr::Map(map) => {
                for entry in &map.entries {
                    if let cel::common::ast::EntryExpr::MapEntry(m) = &entry.expr {
                        self.walk(&m.key);
                        self.walk(&m.value);
                    }
                }
                Ty::Map
            }
            Expr::Struct(s) => {
                self.error(e, format!("unknown type `{}`", s.type_name));
                Ty::Dyn
            }
            Expr::Comprehension(c) => {
                let range = self.walk(&c.iter_range);
                let elem = match &range {
                    Ty::Field(FieldType::Children) => Ty::Field(FieldType::Child),
                    Ty::List(t) => (**t).clone(),
                    Ty::Map | Ty::Field(FieldType::Resident | FieldType::Child) => STRING,
                    Ty::Dyn => Ty::Dyn,
                    other => {
                        let what = other.describe();
                        self.error(&c.iter_range, format!("cannot iterate over {what}"));
                        Ty::Dyn
                    }
                };
                let accu = self.walk(&c.accu_init);
                let depth = self.scope.len();
                self.scope.push((c.iter_var.clone(), elem));
                if let Some(v2) = &c.iter_var2 {
                    self.scope.push((v2.clone(), Ty::Dyn));
                }
                self.scope.push((c.accu_var.clone(), accu));
                self.walk(&c.loop_cond);
                self.walk(&c.loop_step);
                // The iteration variables are out of scope in the result.
                self.scope.truncate(depth);
                let accu = self.walk_accu(&c.accu_var, &c.accu_init);
                self.scope.push((c.accu_var.clone(), accu));
                let result = self.walk(&c.result);
                self.scope.truncate(depth);
                result
            }
        }
    }

    fn walk_accu(&mut self, _name: &str, init: &IdedExpr) -> Ty {
        // The accumulator keeps its initial type (false/true for the quantifiers, a list for
        // `map` and `filter`, a count for `exists_one`).
        match &init.expr {
            Expr::Literal(LiteralValue::Boolean(_)) => BOOL,
            Expr::Literal(LiteralValue::Int(_)) => INT,
            Expr::List(_) => Ty::List(Box::new(Ty::Dyn)),
            _ => Ty::Dyn,
        }
    }

    fn child_hint(&self) -> &'static str {
        if self.about_child { " or `child`" } else { "" }
    }

    /// The type of `operand.field`.
    fn field(&mut self, at: &IdedExpr, operand_expr: &IdedExpr, operand: Ty, field: &str) -> Ty {
        match operand {
            Ty::Field(t @ (FieldType::Resident | FieldType::Child)) => {
                let fields = fields_of(t).unwrap_or_default();
                match fields.iter().find(|(name, _, _)| *name == field) {
                    Some((_, ft, _)) => Ty::Field(*ft),
                    None => {
                        let path = path_of(operand_expr);
                        let known: Vec<&str> = fields.iter().map(|(n, _, _)| *n).collect();
                        self.error(
                            at,
                            format!(
                                "unknown field `{path}.{field}`; known fields: {}",
                                known.join(", ")
                            ),
                        );
                        Ty::Dyn
                    }
                }
            }
            Ty::Map | Ty::Dyn => Ty::Dyn,
            other => {
                let path = path_of(operand_expr);
                self.error(
                    at,
                    format!("`{path}` is {} and has no fields", other.describe()),
                );
                Ty::Dyn
            }
        }
    }

    fn call(
        &mut self,
        e: &IdedExpr,
        name: &str,
        target: Option<&IdedExpr>,
        args: &[IdedExpr],
    ) -> Ty {
        let target_ty = target.map(|t| self.walk(t));
        let arg_tys: Vec<Ty> = args.iter().map(|a| self.walk(a)).collect();
        match name {
            operators::LOGICAL_AND | operators::LOGICAL_OR | operators::LOGICAL_NOT => {
                for (arg, ty) in args.iter().zip(&arg_tys) {
                    if !matches!(ty, Ty::Dyn) && *ty != BOOL {
                        self.error(
                            arg,
                            format!("expected true or false, found {}", ty.describe()),
                        );
                    }
                }
                BOOL
            }
            operators::NOT_STRICTLY_FALSE | operators::IN => BOOL,
            operators::EQUALS
            | operators::NOT_EQUALS
            | operators::LESS
            | operators::LESS_EQUALS
            | operators::GREATER
            | operators::GREATER_EQUALS => {
                if let [a, b] = arg_tys.as_slice() {
                    let comparable = matches!(a, Ty::Dyn | Ty::Null)
                        || matches!(b, Ty::Dyn | Ty::Null)
                        || a.describe() == b.describe()
                        || (a.is_number() && b.is_number());
                    if !comparable {
                        self.error(
                            e,
                            format!("cannot compare {} with {}", a.describe(), b.describe()),
                        );
                    }
                }
                BOOL
            }
            operators::ADD
            | operators::SUBSTRACT
            | operators::MULTIPLY
            | operators::DIVIDE
            | operators::MODULO
            | operators::NEGATE => arg_tys.first().cloned().unwrap_or(Ty::Dyn),
            operators::CONDITIONAL => match arg_tys.as_slice() {
                [_, a, b] if a == b => a.clone(),
                _ => Ty::Dyn,
            },
            operators::INDEX => self.index(e, args, &arg_tys),
            "size" | "int" => INT,
            "string" => STRING,
            "double" => Ty::Double,
            "contains" | "startsWith" | "endsWith" | "matches" => {
                if let Some(t) = target_ty.as_ref().filter(|t| !matches!(t, Ty::Dyn))
                    && *t != STRING
                {
                    self.error(e, format!("`{name}` needs a text, not {}", t.describe()));
                }
                BOOL
            }
            _ => {
                self.error(
                    e,
                    format!(
                        "unknown function `{name}`; allowed: {}",
                        ALLOWED_FUNCTIONS.join(", ")
                    ),
                );
                Ty::Dyn
            }
        }
    }

    fn index(&mut self, e: &IdedExpr, args: &[IdedExpr], tys: &[Ty]) -> Ty {
        match (tys, args) {
            ([Ty::Field(FieldType::Children), _], _) => Ty::Field(FieldType::Child),
            ([Ty::List(elem), _], _) => (**elem).clone(),
            ([obj @ Ty::Field(FieldType::Resident | FieldType::Child), _], [operand, key]) => {
                match &key.expr {
                    Expr::Literal(LiteralValue::String(s)) => {
                        let field: &str = s.inner();
                        self.field(e, operand, obj.clone(), field)
                    }
                    _ => {
                        self.error(
                            e,
                            "an object field must be named, e.g. `resident.age`".to_owned(),
                        );
                        Ty::Dyn
                    }
                }
            }
            ([Ty::Dyn | Ty::Map, _], _) => Ty::Dyn,
            ([other, _], _) => {
                self.error(e, format!("cannot index {}", other.describe()));
                Ty::Dyn
            }
            _ => Ty::Dyn,
        }
    }
}

/// The sub-expression a selection or an infix operation starts with, where its text begins.
fn leftmost(e: &IdedExpr) -> &IdedExpr {
    match &e.expr {
        Expr::Select(s) => leftmost(&s.operand),
        Expr::Call(c) if c.func_name.starts_with('_') || c.func_name == operators::IN => {
            match (c.target.as_deref(), c.args.first()) {
                (Some(t), _) => leftmost(t),
                (None, Some(first)) => leftmost(first),
                (None, None) => e,
            }
        }
        _ => e,
    }
}

/// `resident.children` for a selection chain, `…` for anything else.
fn path_of(e: &IdedExpr) -> String {
    match &e.expr {
        Expr::Ident(name) => name.clone(),
        Expr::Select(s) => format!("{}.{}", path_of(&s.operand), s.field),
        _ => "…".to_owned(),
    }
}
