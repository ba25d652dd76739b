//! Parsers for the two files the host writes per stage:
//! `bootstrap/plan/<stage>.steps` and `bootstrap/plan/<stage>.env`.
//! Everything is validated up front so a bad plan fails before any step runs.

use std::collections::HashSet;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Build,
    Improve,
    Jump,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Build => "build",
            Kind::Improve => "improve",
            Kind::Jump => "jump",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Run `script` (relative to ROOT); `interpreter` None means built-in kaem,
    /// otherwise an absolute in-guest path of a program.
    Script {
        script: String,
        interpreter: Option<String>,
    },
    /// Leave this system for the next stage: `kexec` into the next kernel, or
    /// `switch_root` onto the disk with the given `LABEL=` (see jump.rs).
    Jump {
        method: String,
        next: String,
        label: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub kind: Kind,
    pub name: String,
    pub action: Action,
    pub line: usize,
}

/// A parse error carrying the 1-based line number it refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    pub line: usize,
    pub msg: String,
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.msg)
    }
}

fn err<T>(line: usize, msg: impl Into<String>) -> Result<T, PlanError> {
    Err(PlanError {
        line,
        msg: msg.into(),
    })
}

/// Names end up as path components, so they are restricted to a safe set
/// and may not be `.` or `..`.
pub fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._+-".contains(&b))
}

/// Split a line into fields; a field starting with `#` starts a comment.
fn fields(line: &str) -> Vec<&str> {
    line.split([' ', '\t', '\r'])
        .filter(|f| !f.is_empty())
        .take_while(|f| !f.starts_with('#'))
        .collect()
}

fn check_script(line: usize, script: &str) -> Result<(), PlanError> {
    if script.starts_with('/') {
        return err(
            line,
            format!("script '{script}' must be a path relative to the root"),
        );
    }
    if script.split('/').any(|c| c == "..") {
        return err(line, format!("script '{script}' must not contain '..'"));
    }
    Ok(())
}

pub fn parse_steps(text: &str) -> Result<Vec<Step>, PlanError> {
    let mut steps: Vec<Step> = Vec::new();
    let mut names = HashSet::new();
    let mut seen_header = false;
    let mut last_line = 0;
    for (idx, raw) in text.lines().enumerate() {
        let line = idx + 1;
        last_line = line;
        let f = fields(raw);
        if f.is_empty() {
            continue;
        }
        if !seen_header {
            if f.first() == Some(&"bootstrap-steps") && f.len() == 2 {
                if f[1] != "1" {
                    return err(line, format!("unsupported step list version '{}'", f[1]));
                }
                seen_header = true;
                continue;
            }
            return err(line, "expected header 'bootstrap-steps 1'");
        }
        let kind = match f[0] {
            "build" => Kind::Build,
            "improve" => Kind::Improve,
            "jump" => Kind::Jump,
            other => return err(line, format!("unknown step kind '{other}'")),
        };
        let Some(&name) = f.get(1) else {
            return err(line, format!("'{}' step without a name", kind.as_str()));
        };
        if !valid_name(name) {
            return err(line, format!("invalid step name '{name}'"));
        }
        let action = match kind {
            Kind::Jump => {
                let usage = "expected 'jump <name> kexec <next-stage>' or \
                             'jump <name> switch_root <next-stage> LABEL=<label>'";
                let label = match (f.get(2).copied(), f.len()) {
                    (Some("kexec"), 4) => None,
                    (Some("switch_root"), 5) => match f[4].strip_prefix("LABEL=") {
                        Some(l) if !l.is_empty() && l.len() <= 16 => Some(l.to_string()),
                        _ => return err(line, "switch_root needs LABEL=<1 to 16 characters>"),
                    },
                    (Some(m @ ("kexec" | "switch_root")), _) => {
                        return err(line, format!("wrong number of fields for {m}: {usage}"))
                    }
                    (Some(m), _) => return err(line, format!("unknown jump method '{m}'")),
                    (None, _) => return err(line, usage),
                };
                if !valid_name(f[3]) {
                    return err(line, format!("invalid next stage '{}'", f[3]));
                }
                Action::Jump {
                    method: f[2].to_string(),
                    next: f[3].to_string(),
                    label,
                }
            }
            Kind::Build | Kind::Improve => {
                if f.len() < 3 || f.len() > 4 {
                    return err(
                        line,
                        format!(
                            "expected '{} <name> <script> [<interpreter>]'",
                            kind.as_str()
                        ),
                    );
                }
                check_script(line, f[2])?;
                let interpreter = match f.get(3) {
                    None | Some(&"kaem") => None,
                    Some(p) if p.starts_with('/') => Some(p.to_string()),
                    Some(p) => {
                        return err(
                            line,
                            format!("interpreter '{p}' must be 'kaem' or an absolute path"),
                        )
                    }
                };
                Action::Script {
                    script: f[2].to_string(),
                    interpreter,
                }
            }
        };
        if !names.insert(name.to_string()) {
            return err(line, format!("duplicate step name '{name}'"));
        }
        steps.push(Step {
            kind,
            name: name.to_string(),
            action,
            line,
        });
    }
    if !seen_header {
        return err(last_line.max(1), "missing header 'bootstrap-steps 1'");
    }
    Ok(steps)
}

/// `KEY=VALUE` lines, no quoting: the value is the rest of the line verbatim.
pub fn parse_env(text: &str) -> Result<Vec<(String, String)>, PlanError> {
    let mut out = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let line = idx + 1;
        let l = raw.trim_start_matches([' ', '\t']);
        let l = l.strip_suffix('\r').unwrap_or(l);
        if l.trim().is_empty() || l.starts_with('#') {
            continue;
        }
        let Some((k, v)) = l.split_once('=') else {
            return err(line, "expected KEY=VALUE");
        };
        if !valid_var(k) {
            return err(line, format!("invalid variable name '{k}'"));
        }
        out.push((k.to_string(), v.to_string()));
    }
    Ok(out)
}

/// Shell-style variable name: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn valid_var(s: &str) -> bool {
    let mut b = s.bytes();
    matches!(b.next(), Some(c) if c.is_ascii_alphabetic() || c == b'_')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_of(text: &str) -> usize {
        parse_steps(text).unwrap_err().line
    }

    #[test]
    fn good_file() {
        let text = "# a comment\n\nbootstrap-steps 1\n\
            build musl bootstrap/recipes/sysa/musl/build.kaem\n\
            \tbuild  tcc+2 bootstrap/recipes/sysa/tcc/build.kaem   kaem # trailing\n\
            improve fix_1.0 bootstrap/recipes/sysa/fix/run.sh /bin/sh\n\
            jump go-b kexec sysb\n\
            jump go-c switch_root sysc LABEL=BOOTSTRAP\n";
        let s = parse_steps(text).unwrap();
        assert_eq!(s.len(), 5);
        assert_eq!(s[0].kind, Kind::Build);
        assert_eq!(s[0].name, "musl");
        assert_eq!(s[0].line, 4);
        assert_eq!(
            s[1].action,
            Action::Script {
                script: "bootstrap/recipes/sysa/tcc/build.kaem".into(),
                interpreter: None
            }
        );
        assert_eq!(
            s[2].action,
            Action::Script {
                script: "bootstrap/recipes/sysa/fix/run.sh".into(),
                interpreter: Some("/bin/sh".into())
            }
        );
        assert_eq!(s[2].kind, Kind::Improve);
        assert_eq!(
            s[3].action,
            Action::Jump {
                method: "kexec".into(),
                next: "sysb".into(),
                label: None
            }
        );
        assert_eq!(
            s[4].action,
            Action::Jump {
                method: "switch_root".into(),
                next: "sysc".into(),
                label: Some("BOOTSTRAP".into())
            }
        );
    }

    #[test]
    fn empty_plan_is_fine() {
        assert!(parse_steps("bootstrap-steps 1\n").unwrap().is_empty());
    }

    #[test]
    fn missing_or_bad_header() {
        assert_eq!(line_of(""), 1);
        assert_eq!(line_of("# only\n\n"), 2);
        assert_eq!(line_of("#c\nbuild a b\n"), 2);
        let e = parse_steps("bootstrap-steps 2\n").unwrap_err();
        assert!(e.msg.contains("version"), "{e}");
    }

    #[test]
    fn malformed_lines_report_their_line() {
        let h = "bootstrap-steps 1\n#x\n";
        assert_eq!(line_of(&format!("{h}frob a b\n")), 3);
        assert_eq!(line_of(&format!("{h}build\n")), 3);
        assert_eq!(line_of(&format!("{h}build a\n")), 3);
        assert_eq!(line_of(&format!("{h}build a b c d\n")), 3);
        assert_eq!(line_of(&format!("{h}build a/b s\n")), 3);
        assert_eq!(line_of(&format!("{h}build .. s\n")), 3);
        assert_eq!(line_of(&format!("{h}build a /abs/s\n")), 3);
        assert_eq!(line_of(&format!("{h}build a x/../s\n")), 3);
        assert_eq!(line_of(&format!("{h}build a s bin/sh\n")), 3);
        assert_eq!(line_of(&format!("{h}jump a\n")), 3);
        assert_eq!(line_of(&format!("{h}jump a reboot\n")), 3);
        assert_eq!(line_of(&format!("{h}jump a kexec sysb extra\n")), 3);
        assert_eq!(line_of(&format!("{h}jump a kexec\n")), 3);
        assert_eq!(line_of(&format!("{h}jump a switch_root sysc\n")), 3);
        assert_eq!(line_of(&format!("{h}jump a switch_root sysc UUID=x\n")), 3);
        assert_eq!(line_of(&format!("{h}jump a switch_root sysc LABEL=\n")), 3);
        assert_eq!(line_of(&format!("{h}jump a kexec ../x\n")), 3);
        assert_eq!(line_of(&format!("{h}build ok s\n\nimprove bad$ s\n")), 5);
    }

    #[test]
    fn duplicate_names() {
        let e = parse_steps("bootstrap-steps 1\nbuild a s\nimprove b s\njump a kexec sysb\n")
            .unwrap_err();
        assert_eq!(e.line, 4);
        assert!(e.msg.contains("duplicate"), "{e}");
    }

    #[test]
    fn env_file() {
        let env =
            parse_env("# c\n\nPATH=/bin:/usr/bin\n  CFLAGS=-O2 -g \nEMPTY=\nA=b=c\n").unwrap();
        assert_eq!(
            env,
            vec![
                ("PATH".into(), "/bin:/usr/bin".into()),
                ("CFLAGS".into(), "-O2 -g ".into()),
                ("EMPTY".into(), "".into()),
                ("A".into(), "b=c".into()),
            ]
        );
        assert_eq!(parse_env("A=1\nnoequals\n").unwrap_err().line, 2);
        assert_eq!(parse_env("1A=x\n").unwrap_err().line, 1);
    }
}
