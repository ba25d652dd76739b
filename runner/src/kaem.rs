//! The built-in kaem-style script interpreter.
//!
//! The whole script is tokenized before anything runs, so a syntax error
//! never leaves a half-executed step. Variables are expanded at run time,
//! command by command, from the script's own environment. An expansion never
//! splits a word; an unquoted word that expands to nothing is dropped.

use crate::pid1::{self, Status};
use crate::plan::valid_var;
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command as Proc, Stdio};

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

/// Where the script's output goes.
pub struct Interp<'a> {
    /// Script name used in messages (the in-guest path).
    pub file: &'a str,
    pub env: Env,
    pub cwd: PathBuf,
    pub log: &'a File,
}

fn find_program(prog: &str, env: &Env, cwd: &Path) -> Option<PathBuf> {
    if prog.contains('/') {
        return Some(cwd.join(prog));
    }
    let path = env.get("PATH").map(String::as_str).unwrap_or("");
    path.split(':').find_map(|dir| {
        let cand = cwd.join(if dir.is_empty() { "." } else { dir }).join(prog);
        let md = std::fs::metadata(&cand).ok()?;
        (md.is_file() && md.permissions().mode() & 0o111 != 0).then_some(cand)
    })
}

impl Interp<'_> {
    fn note(&self, line: usize, msg: &str) {
        let _ = writeln!(&*self.log, "kaem: {}:{}: {}", self.file, line, msg);
    }

    /// Run a parsed script; returns the status that ends it.
    pub fn run(&mut self, cmds: &[Command]) -> Status {
        for c in cmds {
            if let Some(st) = self.run_one(c) {
                return st;
            }
        }
        Status::Exited(0)
    }

    /// Runs one command; Some(status) means the script stops here.
    fn run_one(&mut self, c: &Command) -> Option<Status> {
        let words = expand_words(&c.words, &self.env);
        let mut trace = format!("+ {}", words.join(" "));
        let redirect = c.redirect.as_ref().map(|r| {
            let t = expand(&r.target, &self.env);
            trace.push_str(if r.append { " >> " } else { " > " });
            trace.push_str(&t);
            (r.append, t)
        });
        let _ = writeln!(&*self.log, "{trace}");
        let shown = words.join(" ");
        let fail = |this: &Self, msg: String, code| {
            this.note(c.line, &msg);
            Some(Status::Exited(code))
        };
        if words.is_empty() {
            return fail(self, "command expanded to nothing".into(), 1);
        }
        let out = match &redirect {
            None => None,
            Some((append, t)) => {
                let p = self.cwd.join(t);
                let r = OpenOptions::new()
                    .write(true)
                    .create(true)
                    .append(*append)
                    .truncate(!*append)
                    .open(&p);
                match r {
                    Ok(f) => Some(f),
                    Err(e) => return fail(self, format!("cannot open '{t}': {e}"), 1),
                }
            }
        };
        let args = &words[1..];
        match words[0].as_str() {
            "cd" => {
                if args.len() != 1 {
                    return fail(self, "cd: expected exactly one directory".into(), 1);
                }
                let d = self.cwd.join(&args[0]);
                if !d.is_dir() {
                    return fail(self, format!("cd: '{}': not a directory", args[0]), 1);
                }
                self.cwd = d;
            }
            "export" => {
                for a in args {
                    let (k, v) = match a.split_once('=') {
                        Some((k, v)) => (k, Some(v)),
                        None => (a.as_str(), None),
                    };
                    if !valid_var(k) {
                        return fail(self, format!("export: invalid name '{k}'"), 1);
                    }
                    if let Some(v) = v {
                        self.env.insert(k.to_string(), v.to_string());
                    }
                }
            }
            "unset" => {
                for a in args {
                    self.env.remove(a);
                }
            }
            // The runner always traces and always stops on error.
            "set" => {}
            "echo" => {
                let (nl, rest) = match args.first() {
                    Some(a) if a == "-n" => (false, &args[1..]),
                    _ => (true, args),
                };
                let mut text = rest.join(" ");
                if nl {
                    text.push('\n');
                }
                let r = match &out {
                    Some(f) => (&*f).write_all(text.as_bytes()),
                    None => (&*self.log).write_all(text.as_bytes()),
                };
                if let Err(e) = r {
                    return fail(self, format!("echo: {e}"), 1);
                }
            }
            "exit" => {
                let code = match args {
                    [] => 0,
                    [n] => match n.parse::<i32>() {
                        Ok(n) if (0..=255).contains(&n) => n,
                        _ => return fail(self, format!("exit: bad status '{n}'"), 1),
                    },
                    _ => return fail(self, "exit: too many arguments".into(), 1),
                };
                if code != 0 {
                    self.note(c.line, &format!("exit {code}"));
                }
                return Some(Status::Exited(code));
            }
            prog => return self.spawn(c.line, prog, args, out, &shown),
        }
        None
    }

    fn spawn(
        &self,
        line: usize,
        prog: &str,
        args: &[String],
        out: Option<File>,
        shown: &str,
    ) -> Option<Status> {
        let Some(path) = find_program(prog, &self.env, &self.cwd) else {
            self.note(line, &format!("'{shown}' not found in PATH"));
            return Some(Status::Exited(127));
        };
        let stdout = match out {
            Some(f) => Ok(f),
            None => self.log.try_clone(),
        };
        let pipes = stdout.and_then(|o| Ok((o, self.log.try_clone()?)));
        let (stdout, stderr) = match pipes {
            Ok(p) => p,
            Err(e) => {
                self.note(line, &format!("'{shown}' could not be run: {e}"));
                return Some(Status::Exited(126));
            }
        };
        let mut cmd = Proc::new(&path);
        cmd.arg0(prog)
            .args(args)
            .env_clear()
            .envs(&self.env)
            .current_dir(&self.cwd)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr);
        match pid1::run(&mut cmd) {
            Err(e) => {
                let code = if e.kind() == std::io::ErrorKind::NotFound {
                    127
                } else {
                    126
                };
                self.note(line, &format!("'{shown}' could not be run: {e}"));
                Some(Status::Exited(code))
            }
            Ok(Status::Exited(0)) => None,
            Ok(st) => {
                self.note(line, &format!("'{shown}' {st}"));
                Some(st)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

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

    #[test]
    fn program_lookup_uses_script_path() {
        let e = env(&[("PATH", "/nonexistent:/bin:/usr/bin")]);
        let p = find_program("sh", &e, Path::new("/")).unwrap();
        assert!(p.ends_with("sh") && p.is_file());
        assert!(find_program("sh", &env(&[("PATH", "/nonexistent")]), Path::new("/")).is_none());
        assert_eq!(
            find_program("./configure", &e, Path::new("/src")).unwrap(),
            Path::new("/src/./configure")
        );
    }
}
