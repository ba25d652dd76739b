//! The `when = "..."` condition language of `parts.toml` steps.
//!
//! Grammar (whitespace-insensitive):
//!   expr  := and ( "||" and )*
//!   and   := unary ( "&&" unary )*
//!   unary := "!" unary | "(" expr ")" | atom
//!   atom  := NAME [ ("==" | "!=") VALUE ]
//!   VALUE := NAME | 'text' | "text" | true | false
//! A bare NAME must be a boolean option. Evaluation is three-valued so that
//! `fetch` can ask "could this step run under some mode?" with `mode` unknown.

use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Bool(bool),
    Str(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Str(s) => write!(f, "'{s}'"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cond {
    Flag(String),
    Eq(String, Value),
    Ne(String, Value),
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
}

/// What a condition may refer to: option names with their kind, and for
/// string options the values they may take (empty = any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionKind {
    Bool,
    Str { allowed: Vec<String> },
}

pub type Schema = BTreeMap<String, OptionKind>;

/// Option values; a missing entry means "unknown" during evaluation.
pub type Values = BTreeMap<String, Value>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at character {pos})")]
pub struct ParseError {
    pub pos: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Name(String),
    Quoted(String),
    EqEq,
    NotEq,
    Bang,
    AndAnd,
    OrOr,
    LParen,
    RParen,
}

fn lex(src: &str) -> Result<Vec<(usize, Tok)>, ParseError> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |pos, m: &str| ParseError {
        pos: pos + 1,
        message: m.to_string(),
    };
    while i < b.len() {
        let c = b[i];
        let two = |s: &[u8]| b[i..].starts_with(s);
        if c.is_ascii_whitespace() {
            i += 1;
        } else if two(b"==") {
            out.push((i, Tok::EqEq));
            i += 2;
        } else if two(b"!=") {
            out.push((i, Tok::NotEq));
            i += 2;
        } else if two(b"&&") {
            out.push((i, Tok::AndAnd));
            i += 2;
        } else if two(b"||") {
            out.push((i, Tok::OrOr));
            i += 2;
        } else if c == b'!' {
            out.push((i, Tok::Bang));
            i += 1;
        } else if c == b'(' {
            out.push((i, Tok::LParen));
            i += 1;
        } else if c == b')' {
            out.push((i, Tok::RParen));
            i += 1;
        } else if c == b'\'' || c == b'"' {
            let end = src[i + 1..]
                .find(c as char)
                .ok_or_else(|| err(i, "unterminated quoted value"))?;
            out.push((i, Tok::Quoted(src[i + 1..i + 1 + end].to_string())));
            i += end + 2;
        } else if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.' {
            let start = i;
            while i < b.len()
                && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-' || b[i] == b'.')
            {
                i += 1;
            }
            out.push((start, Tok::Name(src[start..i].to_string())));
        } else {
            return Err(err(i, &format!("unexpected character '{}'", c as char)));
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    i: usize,
    len: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|t| &t.1)
    }
    fn pos(&self) -> usize {
        self.toks.get(self.i).map(|t| t.0).unwrap_or(self.len) + 1
    }
    fn fail<T>(&self, m: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            pos: self.pos(),
            message: m.into(),
        })
    }
    fn expr(&mut self) -> Result<Cond, ParseError> {
        let mut lhs = self.and()?;
        while self.peek() == Some(&Tok::OrOr) {
            self.i += 1;
            lhs = Cond::Or(Box::new(lhs), Box::new(self.and()?));
        }
        Ok(lhs)
    }
    fn and(&mut self) -> Result<Cond, ParseError> {
        let mut lhs = self.unary()?;
        while self.peek() == Some(&Tok::AndAnd) {
            self.i += 1;
            lhs = Cond::And(Box::new(lhs), Box::new(self.unary()?));
        }
        Ok(lhs)
    }
    fn unary(&mut self) -> Result<Cond, ParseError> {
        match self.peek().cloned() {
            Some(Tok::Bang) => {
                self.i += 1;
                Ok(Cond::Not(Box::new(self.unary()?)))
            }
            Some(Tok::LParen) => {
                self.i += 1;
                let e = self.expr()?;
                if self.peek() != Some(&Tok::RParen) {
                    return self.fail("expected ')'");
                }
                self.i += 1;
                Ok(e)
            }
            Some(Tok::Name(name)) => {
                self.i += 1;
                let op = match self.peek() {
                    Some(Tok::EqEq) => true,
                    Some(Tok::NotEq) => false,
                    _ => return Ok(Cond::Flag(name)),
                };
                self.i += 1;
                let value = match self.peek().cloned() {
                    Some(Tok::Name(v)) if v == "true" => Value::Bool(true),
                    Some(Tok::Name(v)) if v == "false" => Value::Bool(false),
                    Some(Tok::Name(v)) | Some(Tok::Quoted(v)) => Value::Str(v),
                    _ => return self.fail("expected a value after the comparison"),
                };
                self.i += 1;
                Ok(if op {
                    Cond::Eq(name, value)
                } else {
                    Cond::Ne(name, value)
                })
            }
            Some(_) => self.fail("expected an option name, '!' or '('"),
            None => self.fail("unexpected end of condition"),
        }
    }
}

impl Cond {
    pub fn parse(src: &str) -> Result<Cond, ParseError> {
        let mut p = Parser {
            toks: lex(src)?,
            i: 0,
            len: src.len(),
        };
        let e = p.expr()?;
        if p.i != p.toks.len() {
            return p.fail("unexpected text after the condition");
        }
        Ok(e)
    }

    /// Every problem with the names and values used, against the declared options.
    pub fn type_errors(&self, schema: &Schema) -> Vec<String> {
        let mut errs = Vec::new();
        self.walk_types(schema, &mut errs);
        errs
    }

    fn walk_types(&self, schema: &Schema, errs: &mut Vec<String>) {
        let known = || schema.keys().cloned().collect::<Vec<_>>().join(", ");
        match self {
            Cond::Flag(n) => match schema.get(n) {
                None => errs.push(format!("unknown option '{n}' (known: {})", known())),
                Some(OptionKind::Str { .. }) => errs.push(format!(
                    "option '{n}' is a string; compare it with == or !="
                )),
                Some(OptionKind::Bool) => {}
            },
            Cond::Eq(n, v) | Cond::Ne(n, v) => match (schema.get(n), v) {
                (None, _) => errs.push(format!("unknown option '{n}' (known: {})", known())),
                (Some(OptionKind::Bool), Value::Bool(_)) => {}
                (Some(OptionKind::Bool), Value::Str(s)) => {
                    errs.push(format!("option '{n}' is a boolean, not '{s}'"))
                }
                (Some(OptionKind::Str { .. }), Value::Bool(b)) => {
                    errs.push(format!("option '{n}' is a string, not {b}"))
                }
                (Some(OptionKind::Str { allowed }), Value::Str(s)) => {
                    if !allowed.is_empty() && !allowed.contains(s) {
                        errs.push(format!(
                            "option '{n}' is never '{s}' (it is one of: {})",
                            allowed.join(", ")
                        ))
                    }
                }
            },
            Cond::Not(c) => c.walk_types(schema, errs),
            Cond::And(a, b) | Cond::Or(a, b) => {
                a.walk_types(schema, errs);
                b.walk_types(schema, errs);
            }
        }
    }

    /// Kleene three-valued evaluation: `None` when the answer depends on an
    /// option that has no value.
    pub fn eval(&self, values: &Values) -> Option<bool> {
        match self {
            Cond::Flag(n) => match values.get(n)? {
                Value::Bool(b) => Some(*b),
                Value::Str(_) => Some(false),
            },
            Cond::Eq(n, v) => Some(values.get(n)? == v),
            Cond::Ne(n, v) => Some(values.get(n)? != v),
            Cond::Not(c) => c.eval(values).map(|b| !b),
            Cond::And(a, b) => match (a.eval(values), b.eval(values)) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            },
            Cond::Or(a, b) => match (a.eval(values), b.eval(values)) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Schema {
        let mut s = Schema::new();
        s.insert("build_kernel".into(), OptionKind::Bool);
        s.insert(
            "mode".into(),
            OptionKind::Str {
                allowed: vec!["chroot".into(), "qemu".into(), "bare-metal".into()],
            },
        );
        s
    }

    fn vals(mode: Option<&str>, kernel: bool) -> Values {
        let mut v = Values::new();
        if let Some(m) = mode {
            v.insert("mode".into(), Value::Str(m.into()));
        }
        v.insert("build_kernel".into(), Value::Bool(kernel));
        v
    }

    #[test]
    fn parses_precedence_and_parens() {
        let c = Cond::parse("a || b && !c").unwrap();
        assert_eq!(
            c,
            Cond::Or(
                Box::new(Cond::Flag("a".into())),
                Box::new(Cond::And(
                    Box::new(Cond::Flag("b".into())),
                    Box::new(Cond::Not(Box::new(Cond::Flag("c".into()))))
                ))
            )
        );
        let c = Cond::parse("(mode == 'qemu' || mode == bare-metal) && build_kernel").unwrap();
        assert_eq!(c.eval(&vals(Some("qemu"), true)), Some(true));
        assert_eq!(c.eval(&vals(Some("bare-metal"), true)), Some(true));
        assert_eq!(c.eval(&vals(Some("chroot"), true)), Some(false));
        assert_eq!(c.eval(&vals(Some("qemu"), false)), Some(false));
    }

    #[test]
    fn reports_position_of_errors() {
        let e = Cond::parse("mode == ").unwrap_err();
        assert!(e.message.contains("expected a value"), "{e}");
        assert_eq!(e.pos, 9);
        let e = Cond::parse("mode = 'x'").unwrap_err();
        assert!(e.message.contains("unexpected character '='"), "{e}");
        assert_eq!(Cond::parse("(a").unwrap_err().message, "expected ')'");
        assert!(Cond::parse("a b").is_err());
        assert!(Cond::parse("'open").is_err());
        assert!(Cond::parse("").is_err());
    }

    #[test]
    fn type_checks_against_schema() {
        let s = schema();
        assert!(Cond::parse("build_kernel && mode != chroot")
            .unwrap()
            .type_errors(&s)
            .is_empty());
        let errs = Cond::parse("mode").unwrap().type_errors(&s);
        assert!(errs[0].contains("is a string"), "{errs:?}");
        let errs = Cond::parse("mode == vm").unwrap().type_errors(&s);
        assert!(errs[0].contains("never 'vm'"), "{errs:?}");
        let errs = Cond::parse("nosuch || build_kernel == yes")
            .unwrap()
            .type_errors(&s);
        assert_eq!(errs.len(), 2, "{errs:?}");
    }

    #[test]
    fn unknown_mode_is_three_valued() {
        let c = Cond::parse("mode == qemu").unwrap();
        assert_eq!(c.eval(&vals(None, false)), None);
        let c = Cond::parse("mode == qemu && build_kernel").unwrap();
        // false whatever the mode: the kernel is not wanted
        assert_eq!(c.eval(&vals(None, false)), Some(false));
        assert_eq!(c.eval(&vals(None, true)), None);
        let c = Cond::parse("mode == qemu || !build_kernel").unwrap();
        assert_eq!(c.eval(&vals(None, false)), Some(true));
    }
}
