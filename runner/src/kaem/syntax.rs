//! Lexing and parsing of kaem scripts into commands (the AST).
//!
//! The whole script is tokenized before anything runs, so a syntax error
//! never leaves a half-executed step. Variables stay unexpanded here: a word
//! is a list of literal and variable parts, expanded at run time.

use crate::plan::valid_var;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Lit(String),
    /// `$NAME`, `${NAME}` or `${NAME:-default}`.
    Var {
        name: String,
        default: Option<Vec<Part>>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub parts: Vec<Part>,
    /// Any quoting at all keeps an empty expansion as an (empty) argument.
    pub quoted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub append: bool,
    pub target: Word,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// Line the command starts on (1-based).
    pub line: usize,
    pub words: Vec<Word>,
    pub redirect: Option<Redirect>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub msg: String,
}

enum Token {
    Word(Word),
    Redirect(bool),
}

struct Lexer {
    s: Vec<char>,
    pos: usize,
    line: usize,
}

impl Lexer {
    fn peek(&self) -> Option<char> {
        self.s.get(self.pos).copied()
    }
    fn peek2(&self) -> Option<char> {
        self.s.get(self.pos + 1).copied()
    }
    fn bump(&mut self) -> Option<char> {
        let c = self.peek();
        self.pos += 1;
        if c == Some('\n') {
            self.line += 1;
        }
        c
    }
    fn err<T>(&self, msg: impl Into<String>) -> Result<T, SyntaxError> {
        Err(SyntaxError {
            line: self.line,
            msg: msg.into(),
        })
    }

    /// Skip blanks and backslash-newline continuations.
    fn skip_blanks(&mut self) {
        loop {
            match (self.peek(), self.peek2()) {
                (Some(' ' | '\t' | '\r'), _) => {
                    self.bump();
                }
                (Some('\\'), Some('\n')) => {
                    self.bump();
                    self.bump();
                }
                _ => return,
            }
        }
    }

    fn name(&mut self) -> String {
        let mut n = String::new();
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == '_' {
                n.push(c);
                self.bump();
            } else {
                break;
            }
        }
        n
    }

    /// After a `$`: a variable reference, or a literal `$`.
    fn dollar(&mut self, parts: &mut Vec<Part>, lit: &mut String) -> Result<(), SyntaxError> {
        match self.peek() {
            Some('{') => {
                self.bump();
                let name = self.name();
                if !valid_var(&name) {
                    return self.err("bad ${...} substitution");
                }
                let default = match (self.peek(), self.peek2()) {
                    (Some('}'), _) => {
                        self.bump();
                        None
                    }
                    (Some(':'), Some('-')) => {
                        self.bump();
                        self.bump();
                        Some(self.default_parts()?)
                    }
                    _ => {
                        return self
                            .err("bad ${...} substitution (only ${VAR} and ${VAR:-default})")
                    }
                };
                flush(parts, lit);
                parts.push(Part::Var { name, default });
            }
            Some('(') => return self.err("command substitution $(...) is not supported"),
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let name = self.name();
                flush(parts, lit);
                parts.push(Part::Var {
                    name,
                    default: None,
                });
            }
            _ => lit.push('$'),
        }
        Ok(())
    }

    /// The `default` of `${VAR:-default}` up to the closing brace.
    fn default_parts(&mut self) -> Result<Vec<Part>, SyntaxError> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        loop {
            match self.peek() {
                None | Some('\n') => return self.err("unterminated ${...}"),
                Some('}') => {
                    self.bump();
                    break;
                }
                Some('\\') if self.peek2().is_some_and(|c| c != '\n') => {
                    self.bump();
                    lit.extend(self.bump());
                }
                Some('$') => {
                    self.bump();
                    self.dollar(&mut parts, &mut lit)?;
                }
                Some(c) => {
                    self.bump();
                    lit.push(c);
                }
            }
        }
        flush(&mut parts, &mut lit);
        Ok(parts)
    }

    fn word(&mut self) -> Result<Word, SyntaxError> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut quoted = false;
        loop {
            match self.peek() {
                None | Some(' ' | '\t' | '\r' | '\n' | '>') => break,
                Some('\\') => {
                    self.bump();
                    match self.bump() {
                        Some('\n') => {} // continuation inside a word
                        Some(c) => lit.push(c),
                        None => lit.push('\\'),
                    }
                }
                Some('\'') => {
                    quoted = true;
                    self.bump();
                    loop {
                        match self.peek() {
                            None | Some('\n') => return self.err("unterminated single quote"),
                            Some('\'') => {
                                self.bump();
                                break;
                            }
                            Some(c) => {
                                self.bump();
                                lit.push(c);
                            }
                        }
                    }
                }
                Some('"') => {
                    quoted = true;
                    self.bump();
                    loop {
                        match self.peek() {
                            None | Some('\n') => return self.err("unterminated double quote"),
                            Some('"') => {
                                self.bump();
                                break;
                            }
                            Some('\\') => {
                                self.bump();
                                match self.peek() {
                                    Some(c @ ('"' | '\\' | '$')) => {
                                        self.bump();
                                        lit.push(c);
                                    }
                                    Some('\n') => {
                                        self.bump();
                                    }
                                    _ => lit.push('\\'),
                                }
                            }
                            Some('$') => {
                                self.bump();
                                self.dollar(&mut parts, &mut lit)?;
                            }
                            Some('`') => {
                                return self.err("command substitution `...` is not supported")
                            }
                            Some(c) => {
                                self.bump();
                                lit.push(c);
                            }
                        }
                    }
                }
                Some('$') => {
                    self.bump();
                    self.dollar(&mut parts, &mut lit)?;
                }
                Some(c @ ('|' | '<' | ';' | '&' | '`')) => {
                    return self.err(format!(
                        "unsupported shell syntax '{c}' (quote it to use it literally)"
                    ))
                }
                Some(c) => {
                    self.bump();
                    lit.push(c);
                }
            }
        }
        flush(&mut parts, &mut lit);
        Ok(Word { parts, quoted })
    }
}

fn flush(parts: &mut Vec<Part>, lit: &mut String) {
    if !lit.is_empty() {
        parts.push(Part::Lit(std::mem::take(lit)));
    }
}

fn finish(line: usize, tokens: Vec<Token>) -> Result<Option<Command>, SyntaxError> {
    let mut words = Vec::new();
    let mut redirect = None;
    let n = tokens.len();
    for (i, t) in tokens.into_iter().enumerate() {
        match t {
            Token::Word(w) if redirect.is_none() => words.push(w),
            Token::Word(w) => {
                if let Some(Redirect { target, .. }) = &mut redirect {
                    *target = w;
                }
            }
            Token::Redirect(append) => {
                if i + 2 != n || i == 0 {
                    return Err(SyntaxError {
                        line,
                        msg: "only one trailing '> FILE' or '>> FILE' redirection is supported"
                            .into(),
                    });
                }
                redirect = Some(Redirect {
                    append,
                    target: Word {
                        parts: vec![],
                        quoted: false,
                    },
                });
            }
        }
    }
    if let Some(Redirect { target, .. }) = &redirect {
        if target.parts.is_empty() && !target.quoted {
            return Err(SyntaxError {
                line,
                msg: "redirection without a file name".into(),
            });
        }
    }
    Ok(if words.is_empty() {
        None
    } else {
        Some(Command {
            line,
            words,
            redirect,
        })
    })
}

/// Tokenize a whole script into commands.
pub fn parse(text: &str) -> Result<Vec<Command>, SyntaxError> {
    let mut lx = Lexer {
        s: text.chars().collect(),
        pos: 0,
        line: 1,
    };
    let mut cmds = Vec::new();
    let mut tokens = Vec::new();
    let mut start = 1;
    loop {
        lx.skip_blanks();
        if tokens.is_empty() {
            start = lx.line;
        }
        match lx.peek() {
            None | Some('\n') => {
                let eof = lx.bump().is_none();
                if let Some(c) = finish(start, std::mem::take(&mut tokens))? {
                    cmds.push(c);
                }
                if eof {
                    return Ok(cmds);
                }
            }
            Some('#') => {
                while lx.peek().is_some_and(|c| c != '\n') {
                    lx.bump();
                }
            }
            Some('>') => {
                lx.bump();
                let append = lx.peek() == Some('>');
                if append {
                    lx.bump();
                }
                tokens.push(Token::Redirect(append));
            }
            Some(_) => tokens.push(Token::Word(lx.word()?)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // The parser is mostly observed through expansion: what matters is the
    // words a command ends up with.
    use crate::kaem::expand::{expand, expand_words, test_env as env, Env};

    /// Parse and expand every command of `text` with `e`.
    fn words(text: &str, e: &Env) -> Vec<Vec<String>> {
        parse(text)
            .unwrap()
            .iter()
            .map(|c| expand_words(&c.words, e))
            .collect()
    }

    fn one(text: &str) -> Vec<String> {
        let e = env(&[("A", "x y"), ("EMPTY", ""), ("P", "/usr")]);
        let mut w = words(text, &e);
        assert_eq!(w.len(), 1, "{text:?}");
        w.remove(0)
    }

    fn lit(s: &str) -> Part {
        Part::Lit(s.into())
    }

    fn var(name: &str, default: Option<Vec<Part>>) -> Part {
        Part::Var {
            name: name.into(),
            default,
        }
    }

    #[test]
    fn splitting_and_quotes() {
        assert_eq!(one("  cc\t-c   foo.c  "), ["cc", "-c", "foo.c"]);
        assert_eq!(
            one("echo \"a b\" 'c d' e\"f g\"h"),
            ["echo", "a b", "c d", "ef gh"]
        );
        assert_eq!(one("echo '$A \\n' \"$A\""), ["echo", "$A \\n", "x y"]);
        assert_eq!(
            one("echo \"q\\\"q\" \"b\\\\s\" \"\\n\""),
            ["echo", "q\"q", "b\\s", "\\n"]
        );
        assert_eq!(one("echo a\\ b \\$A"), ["echo", "a b", "$A"]);
        assert_eq!(one("echo '' \"\""), ["echo", "", ""]);
    }

    #[test]
    fn words_keep_variables_unexpanded() {
        let c = parse("cc -I$P/include pre${A:-x$B\\}}post \"$Q\" '$R' ''\n").unwrap();
        assert_eq!(c.len(), 1);
        let w = &c[0].words;
        assert_eq!(w.len(), 6);
        assert_eq!(w[0].parts, [lit("cc")]);
        assert_eq!(w[1].parts, [lit("-I"), var("P", None), lit("/include")]);
        assert_eq!(
            w[2].parts,
            [
                lit("pre"),
                var("A", Some(vec![lit("x"), var("B", None), lit("}")])),
                lit("post")
            ]
        );
        assert!(!w[2].quoted);
        assert_eq!(
            (&w[3].parts[..], w[3].quoted),
            (&[var("Q", None)][..], true)
        );
        assert_eq!((&w[4].parts[..], w[4].quoted), (&[lit("$R")][..], true));
        assert_eq!((w[5].parts.is_empty(), w[5].quoted), (true, true));
    }

    #[test]
    fn comments_blank_lines_and_continuation() {
        let e = env(&[]);
        let text = "# header\n\n   \necho a # trailing\necho b#c\nmake \\\n  all \\\n\tinstall\n# x \\\necho last\n";
        let cmds = parse(text).unwrap();
        let lines: Vec<usize> = cmds.iter().map(|c| c.line).collect();
        assert_eq!(lines, [4, 5, 6, 10]);
        assert_eq!(
            words(text, &e),
            vec![
                vec!["echo", "a"],
                vec!["echo", "b#c"],
                vec!["make", "all", "install"],
                vec!["echo", "last"],
            ]
        );
        assert_eq!(words("echo ab\\\ncd\n", &e), vec![vec!["echo", "abcd"]]);
        assert_eq!(words("echo \"ab\\\ncd\"", &e), vec![vec!["echo", "abcd"]]);
    }

    #[test]
    fn redirections() {
        let c = &parse("echo hi > out.txt\necho more >>log\n").unwrap();
        assert_eq!(c.len(), 2);
        let r = c[0].redirect.as_ref().unwrap();
        assert!(!r.append);
        assert_eq!(expand(&r.target, &env(&[])), "out.txt");
        let r = c[1].redirect.as_ref().unwrap();
        assert!(r.append);
        assert_eq!(expand_words(&c[1].words, &env(&[])), ["echo", "more"]);
        assert_eq!(parse("echo '>' \">>\"\n").unwrap()[0].redirect, None);
    }

    #[test]
    fn syntax_errors_have_line_numbers() {
        let line = |t: &str| parse(t).unwrap_err().line;
        assert_eq!(line("echo ok\necho 'open\n"), 2);
        assert_eq!(line("\n\necho \"open\n"), 3);
        assert_eq!(line("echo ${A\n"), 1);
        assert_eq!(line("echo ${A:=x}\n"), 1);
        assert_eq!(line("echo ${:-x}\n"), 1);
        assert_eq!(line("ok\nls | wc\n"), 2);
        assert_eq!(line("echo $(date)\n"), 1);
        assert_eq!(line("a; b\n"), 1);
        assert_eq!(line("echo a > b c\n"), 1);
        assert_eq!(line("echo a >\n"), 1);
        assert_eq!(line("> f\n"), 1);
        assert_eq!(line("echo a > b > c\n"), 1);
    }
}
