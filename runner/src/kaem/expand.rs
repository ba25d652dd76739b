//! Expansion of parsed words against the script's environment. An
//! expansion never splits a word; an unquoted word that expands to nothing
//! is dropped.

use super::syntax::{Part, Word};
use std::collections::BTreeMap;

pub type Env = BTreeMap<String, String>;

fn expand_parts(parts: &[Part], env: &Env, out: &mut String) {
    for p in parts {
        match p {
            Part::Lit(s) => out.push_str(s),
            Part::Var { name, default } => match (env.get(name), default) {
                (Some(v), _) if !v.is_empty() => out.push_str(v),
                (_, Some(d)) => expand_parts(d, env, out),
                (Some(v), None) => out.push_str(v),
                (None, None) => {}
            },
        }
    }
}

pub fn expand(word: &Word, env: &Env) -> String {
    let mut s = String::new();
    expand_parts(&word.parts, env, &mut s);
    s
}

/// Expand a command's words, dropping unquoted words that became empty.
pub fn expand_words(words: &[Word], env: &Env) -> Vec<String> {
    words
        .iter()
        .map(|w| (w.quoted, expand(w, env)))
        .filter(|(q, s)| *q || !s.is_empty())
        .map(|(_, s)| s)
        .collect()
}

/// An environment from literal pairs, for the interpreter's tests.
#[cfg(test)]
pub(crate) fn test_env(pairs: &[(&str, &str)]) -> Env {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kaem::syntax::parse;
    use test_env as env;

    fn lit(s: &str) -> Part {
        Part::Lit(s.into())
    }

    fn var(name: &str, default: Option<Vec<Part>>) -> Part {
        Part::Var {
            name: name.into(),
            default,
        }
    }

    fn word(quoted: bool, parts: Vec<Part>) -> Word {
        Word { parts, quoted }
    }

    /// The one command of `text`, expanded with a fixed environment.
    fn one(text: &str) -> Vec<String> {
        let e = env(&[("A", "x y"), ("EMPTY", ""), ("P", "/usr")]);
        let c = parse(text).unwrap();
        assert_eq!(c.len(), 1, "{text:?}");
        expand_words(&c[0].words, &e)
    }

    #[test]
    fn expansion() {
        assert_eq!(
            one("echo $A ${P}/bin pre${P}post"),
            ["echo", "x y", "/usr/bin", "pre/usrpost"]
        );
        assert_eq!(one("echo $UNSET end"), ["echo", "end"]);
        assert_eq!(one("echo \"$UNSET\" end"), ["echo", "", "end"]);
        assert_eq!(
            one("echo ${UNSET:-dflt} ${EMPTY:-e} ${P:-no}"),
            ["echo", "dflt", "e", "/usr"]
        );
        assert_eq!(
            one("echo ${UNSET:-$P/lib} ${UNSET:-${P}x}"),
            ["echo", "/usr/lib", "/usrx"]
        );
        assert_eq!(one("echo ${UNSET:-}z"), ["echo", "z"]);
        assert_eq!(
            one("echo $ a$ $1 cost$"),
            ["echo", "$", "a$", "$1", "cost$"]
        );
        assert_eq!(one("echo \"${A}!\""), ["echo", "x y!"]);
    }

    #[test]
    fn set_but_empty_is_empty_and_takes_the_default() {
        let e = env(&[("E", "")]);
        assert_eq!(expand(&word(false, vec![var("E", None)]), &e), "");
        let d = var("E", Some(vec![lit("d")]));
        assert_eq!(expand(&word(false, vec![d]), &e), "d");
        // A default that itself expands to nothing.
        let d = var("E", Some(vec![var("UNSET", None)]));
        assert_eq!(expand(&word(false, vec![lit("a"), d, lit("b")]), &e), "ab");
    }

    #[test]
    fn values_are_not_expanded_again_or_split() {
        let e = env(&[("A", "$B ${C:-z}"), ("B", "no")]);
        let w = [
            word(false, vec![var("A", None)]),
            word(false, vec![lit("-"), var("A", None), lit("-")]),
        ];
        assert_eq!(expand_words(&w, &e), ["$B ${C:-z}", "-$B ${C:-z}-"]);
    }

    #[test]
    fn nested_defaults_expand_only_when_needed() {
        let e = env(&[("X", "x"), ("Y", "y")]);
        let inner = var("UNSET", Some(vec![var("Y", None), lit("!")]));
        let outer = |name: &str| var(name, Some(vec![lit("<"), inner.clone(), lit(">")]));
        assert_eq!(expand(&word(false, vec![outer("X")]), &e), "x");
        assert_eq!(expand(&word(false, vec![outer("NONE")]), &e), "<y!>");
    }

    #[test]
    fn only_unquoted_empty_words_are_dropped() {
        let e = env(&[("E", "")]);
        let w = [
            word(false, vec![lit("cmd")]),
            word(false, vec![var("UNSET", None)]),
            word(false, vec![var("E", None), var("UNSET", None)]),
            word(true, vec![var("E", None)]),
            // `''` parses to no parts at all but is quoted.
            word(true, vec![]),
            word(false, vec![lit("0")]),
        ];
        assert_eq!(expand_words(&w, &e), ["cmd", "", "", "0"]);
        assert!(expand_words(&w[1..3], &e).is_empty());
    }
}
