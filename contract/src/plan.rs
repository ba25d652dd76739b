//! The two files the host writes per stage and the runner reads before any
//! step runs: the step list `<stage>.steps` and the base environment
//! `<stage>.env` (see [`crate::paths::steps`], [`crate::paths::env`]).
//!
//! ```text
//! bootstrap-steps 1
//! # comment
//! build   <name> <script> [<interpreter>]
//! improve <name> <script> [<interpreter>]
//! jump    <name> kexec <next-stage> [<kernel>]
//! jump    <name> switch_root <next-stage> LABEL=<label>
//! ```
//!
//! A kexec jump's `<kernel>` is the guest path of a kernel the stage built;
//! the runner boots it unless the host laid [`crate::paths::KEXEC_KERNEL`]
//! (the host's kernel, or `--kexec-kernel`), which always wins.
//!
//! The header is the first non-comment line. Fields are separated by runs of
//! blanks; a field starting with `#` starts a comment.

use crate::{err, LineError};
use std::collections::HashSet;
use std::fmt;

pub const HEADER: &str = "bootstrap-steps 1";

/// Ext4 labels are at most 16 bytes.
pub const MAX_LABEL: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Runs a script; what it puts into DESTDIR is recorded and installed.
    Build,
    /// Runs a script; its DESTDIR is discarded.
    Improve,
    /// Leaves this system for the next stage.
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

    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "build" => Some(Kind::Build),
            "improve" => Some(Kind::Improve),
            "jump" => Some(Kind::Jump),
            _ => None,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a jump reaches the next stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// Boot the next kernel with the whole root as its initramfs: the
    /// host-laid one if there is one, else `kernel`.
    Kexec { kernel: Option<String> },
    /// Copy the root onto the ext4 disk with this label and make it `/`.
    SwitchRoot { label: String },
}

impl Method {
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Kexec { .. } => "kexec",
            Method::SwitchRoot { .. } => "switch_root",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Run `script` (relative to the root); `interpreter` None means the
    /// runner's built-in kaem, otherwise an absolute in-guest program run as
    /// `<interpreter> <script>`.
    Script {
        script: String,
        interpreter: Option<String>,
    },
    /// End the stage and continue with stage `next` by `method`.
    Jump { method: Method, next: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub kind: Kind,
    pub name: String,
    pub action: Action,
}

/// One line of the step list, without the newline.
impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.name)?;
        match &self.action {
            Action::Script {
                script,
                interpreter,
            } => {
                write!(f, " {script}")?;
                match interpreter {
                    Some(i) => write!(f, " {i}"),
                    None => Ok(()),
                }
            }
            Action::Jump { method, next } => {
                write!(f, " {} {next}", method.as_str())?;
                match method {
                    Method::SwitchRoot { label } => write!(f, " LABEL={label}"),
                    Method::Kexec { kernel: Some(k) } => write!(f, " {k}"),
                    Method::Kexec { kernel: None } => Ok(()),
                }
            }
        }
    }
}

/// Names end up as path components, so they are restricted to a safe set
/// and may not be `.` or `..`. Stage names follow the same rule.
pub fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._+-".contains(&b))
}

/// Shell-style variable name: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn valid_var(s: &str) -> bool {
    let mut b = s.bytes();
    matches!(b.next(), Some(c) if c.is_ascii_alphabetic() || c == b'_')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// Split a line into fields; a field starting with `#` starts a comment.
fn fields(line: &str) -> Vec<&str> {
    line.split([' ', '\t', '\r'])
        .filter(|f| !f.is_empty())
        .take_while(|f| !f.starts_with('#'))
        .collect()
}

fn check_script(line: usize, script: &str) -> Result<(), LineError> {
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

fn parse_jump(line: usize, f: &[&str]) -> Result<Action, LineError> {
    let usage = "expected 'jump <name> kexec <next-stage> [<kernel>]' or \
                 'jump <name> switch_root <next-stage> LABEL=<label>'";
    let method = match (f.get(2).copied(), f.len()) {
        (Some("kexec"), 4) => Method::Kexec { kernel: None },
        (Some("kexec"), 5) => {
            let k = f[4];
            if !k.starts_with('/') || k.split('/').any(|c| c == "..") {
                return err(
                    line,
                    format!("kexec kernel '{k}' must be an absolute path without '..'"),
                );
            }
            Method::Kexec {
                kernel: Some(k.to_string()),
            }
        }
        (Some("switch_root"), 5) => match f[4].strip_prefix("LABEL=") {
            Some(l) if !l.is_empty() && l.len() <= MAX_LABEL => Method::SwitchRoot {
                label: l.to_string(),
            },
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
    Ok(Action::Jump {
        method,
        next: f[3].to_string(),
    })
}

fn parse_script(line: usize, kind: Kind, f: &[&str]) -> Result<Action, LineError> {
    if f.len() < 3 || f.len() > 4 {
        return err(
            line,
            format!("expected '{kind} <name> <script> [<interpreter>]'"),
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
    Ok(Action::Script {
        script: f[2].to_string(),
        interpreter,
    })
}

/// Parse and validate a whole step list: names valid and unique, scripts
/// relative without `..`, interpreters `kaem` or absolute, jumps complete.
pub fn parse_steps(text: &str) -> Result<Vec<Step>, LineError> {
    let mut steps = Vec::new();
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
            if f[0] == "bootstrap-steps" && f.len() == 2 {
                if f[1] != "1" {
                    return err(line, format!("unsupported step list version '{}'", f[1]));
                }
                seen_header = true;
                continue;
            }
            return err(line, format!("expected header '{HEADER}'"));
        }
        let Some(kind) = Kind::parse(f[0]) else {
            return err(line, format!("unknown step kind '{}'", f[0]));
        };
        let Some(&name) = f.get(1) else {
            return err(line, format!("'{kind}' step without a name"));
        };
        if !valid_name(name) {
            return err(line, format!("invalid step name '{name}'"));
        }
        let action = match kind {
            Kind::Jump => parse_jump(line, &f)?,
            Kind::Build | Kind::Improve => parse_script(line, kind, &f)?,
        };
        if !names.insert(name) {
            return err(line, format!("duplicate step name '{name}'"));
        }
        steps.push(Step {
            kind,
            name: name.to_string(),
            action,
        });
    }
    if !seen_header {
        return err(last_line.max(1), format!("missing header '{HEADER}'"));
    }
    Ok(steps)
}

/// The step list for `steps`: the header, then one line per step. It is
/// read back before it is returned, so whatever the runner would reject (or
/// read differently, like a `kaem` interpreter) is an error here, with the
/// line number in the returned text. Comments may be put before it.
pub fn render_steps(steps: &[Step]) -> Result<String, LineError> {
    let mut text = format!("{HEADER}\n");
    for s in steps {
        text.push_str(&s.to_string());
        text.push('\n');
    }
    let back = parse_steps(&text)?;
    // A field with a line break reads back as more steps; it also makes its
    // own step differ, so the first difference is always found here.
    if let Some(i) = (0..steps.len()).find(|&i| back.get(i) != Some(&steps[i])) {
        return err(
            i + 2,
            format!("step '{}' would not read back as written", steps[i].name),
        );
    }
    Ok(text)
}

/// `KEY=VALUE` lines, no quoting: the value is the rest of the line verbatim
/// (a trailing CR is dropped). `#` comments and blank lines are skipped.
pub fn parse_env(text: &str) -> Result<Vec<(String, String)>, LineError> {
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

/// One `KEY=VALUE` line per entry. Values cannot hold line breaks (there
/// is no quoting); comments may be put before the result.
pub fn render_env(vars: &[(String, String)]) -> Result<String, LineError> {
    let mut text = String::new();
    for (i, (k, v)) in vars.iter().enumerate() {
        if !valid_var(k) {
            return err(i + 1, format!("invalid variable name '{k}'"));
        }
        if v.contains(['\n', '\r']) {
            return err(i + 1, format!("the value of {k} contains a line break"));
        }
        text.push_str(&format!("{k}={v}\n"));
    }
    Ok(text)
}

/// One source a step unpacks in the guest: the distfile, where its tree
/// goes below `SRC` ("." for `SRC` itself), and the tarball inside it that
/// holds the tree, if any (relative to its top directory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestSource {
    pub file: String,
    pub dir: String,
    pub inner: Option<String>,
}

/// The list `LIB/unpack.sh` reads ([`crate::paths::sources_list`]), in order:
///
/// ```text
/// source <distfile> <dir> [<inner>]
/// patch <path relative to RECIPE>
/// ```
///
/// A shell reads it with `read`, so no field may be empty or hold blanks,
/// and every path must stay relative and free of `..`.
pub fn render_sources(sources: &[GuestSource], patches: &[String]) -> Result<String, LineError> {
    let plain = |p: &str| {
        !p.is_empty()
            && !p.starts_with('/')
            && !p.contains(|c: char| c.is_whitespace())
            && p.split('/').all(|c| c != "..")
    };
    let mut text = String::new();
    let mut n = 0;
    for s in sources {
        n += 1;
        let fields = [Some(&s.file), Some(&s.dir), s.inner.as_ref()];
        if let Some(bad) = fields.into_iter().flatten().find(|f| !plain(f)) {
            return err(n, format!("'{bad}' is not a plain relative path"));
        }
        text.push_str(&format!("source {} {}", s.file, s.dir));
        if let Some(i) = &s.inner {
            text.push_str(&format!(" {i}"));
        }
        text.push('\n');
    }
    for p in patches {
        n += 1;
        if !plain(p) {
            return err(n, format!("'{p}' is not a plain relative path"));
        }
        text.push_str(&format!("patch {p}\n"));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_list_renders_in_order_and_refuses_unsafe_paths() {
        let src = |file: &str, dir: &str, inner: Option<&str>| GuestSource {
            file: file.into(),
            dir: dir.into(),
            inner: inner.map(String::from),
        };
        let text = render_sources(
            &[
                src("gcc.orig.tar.gz", ".", Some("gcc-dfsg.tar.xz")),
                src("gmp.tar.xz", "gmp", None),
            ],
            &["patches/01-a.patch".into()],
        )
        .unwrap();
        assert_eq!(
            text,
            "source gcc.orig.tar.gz . gcc-dfsg.tar.xz\nsource gmp.tar.xz gmp\npatch patches/01-a.patch\n"
        );
        for bad in ["../x", "/abs", "a b", "", "a/../../b"] {
            assert!(
                render_sources(&[src("f.tar", bad, None)], &[]).is_err(),
                "{bad:?}"
            );
            assert!(render_sources(&[], &[bad.into()]).is_err(), "{bad:?}");
        }
        let e = render_sources(&[src("f.tar", ".", None)], &["p q".into()]).unwrap_err();
        assert_eq!(e.line, 2);
    }

    fn line_of(text: &str) -> usize {
        parse_steps(text).unwrap_err().line
    }

    fn script(kind: Kind, name: &str, script: &str, interp: Option<&str>) -> Step {
        Step {
            kind,
            name: name.into(),
            action: Action::Script {
                script: script.into(),
                interpreter: interp.map(String::from),
            },
        }
    }

    fn jump(name: &str, method: Method, next: &str) -> Step {
        Step {
            kind: Kind::Jump,
            name: name.into(),
            action: Action::Jump {
                method,
                next: next.into(),
            },
        }
    }

    fn sample() -> Vec<Step> {
        vec![
            script(
                Kind::Build,
                "musl",
                "bootstrap/recipes/sysa/musl/build.kaem",
                None,
            ),
            script(
                Kind::Build,
                "tcc+2",
                "bootstrap/recipes/sysa/tcc/build.kaem",
                None,
            ),
            script(
                Kind::Improve,
                "fix_1.0",
                "bootstrap/recipes/sysa/fix/run.sh",
                Some("/bin/sh"),
            ),
            jump("go-b", Method::Kexec { kernel: None }, "sysb"),
            jump(
                "go-b2",
                Method::Kexec {
                    kernel: Some("/boot/vmlinuz".into()),
                },
                "sysb",
            ),
            jump(
                "go-c",
                Method::SwitchRoot {
                    label: "BOOTSTRAP".into(),
                },
                "sysc",
            ),
        ]
    }

    #[test]
    fn parses_a_hand_written_file() {
        let text = "# a comment\n\nbootstrap-steps 1\n\
            build musl bootstrap/recipes/sysa/musl/build.kaem\n\
            \tbuild  tcc+2 bootstrap/recipes/sysa/tcc/build.kaem   kaem # trailing\n\
            improve fix_1.0 bootstrap/recipes/sysa/fix/run.sh /bin/sh\n\
            jump go-b kexec sysb\n\
            jump go-b2 kexec sysb /boot/vmlinuz\n\
            jump go-c switch_root sysc LABEL=BOOTSTRAP\n";
        assert_eq!(parse_steps(text).unwrap(), sample());
    }

    #[test]
    fn steps_round_trip() {
        let text = render_steps(&sample()).unwrap();
        assert!(text.starts_with("bootstrap-steps 1\nbuild musl "), "{text}");
        assert!(text.contains("\njump go-c switch_root sysc LABEL=BOOTSTRAP\n"));
        assert_eq!(parse_steps(&text).unwrap(), sample());
        // A comment before the header, as the host writes it.
        assert_eq!(
            parse_steps(&format!("# do not edit\n{text}")).unwrap(),
            sample()
        );
        assert_eq!(render_steps(&[]).unwrap(), "bootstrap-steps 1\n");
        assert!(parse_steps("bootstrap-steps 1\n").unwrap().is_empty());
    }

    #[test]
    fn render_refuses_what_would_not_read_back() {
        let mut s = sample();
        s[1].name = "bad name".into();
        assert_eq!(render_steps(&s).unwrap_err().line, 3);
        let mut s = sample();
        s[0] = script(Kind::Build, "a", "x", Some("kaem"));
        let e = render_steps(&s).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.msg.contains("read back"), "{e}");
        let mut s = sample();
        s[5].kind = Kind::Build;
        assert_eq!(render_steps(&s).unwrap_err().line, 7);
        let mut s = sample();
        s[3] = jump(
            "j",
            Method::SwitchRoot {
                label: "L".repeat(17),
            },
            "sysb",
        );
        assert_eq!(render_steps(&s).unwrap_err().line, 5);
        let mut s = sample();
        s[0] = script(Kind::Build, "a", "s\nbuild b t", None);
        assert_eq!(render_steps(&s).unwrap_err().line, 2);
        let mut s = sample();
        s[2].name = "musl".into();
        assert!(render_steps(&s).unwrap_err().msg.contains("duplicate"));
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
        for bad in [
            "frob a b",
            "build",
            "build a",
            "build a b c d",
            "build a/b s",
            "build .. s",
            "build a /abs/s",
            "build a x/../s",
            "build a s bin/sh",
            "jump a",
            "jump a reboot",
            "jump a kexec sysb relative/kernel",
            "jump a kexec sysb /boot/../x",
            "jump a kexec sysb /k extra",
            "jump a kexec",
            "jump a switch_root sysc",
            "jump a switch_root sysc UUID=x",
            "jump a switch_root sysc LABEL=",
            "jump a kexec ../x",
        ] {
            assert_eq!(line_of(&format!("{h}{bad}\n")), 3, "{bad}");
        }
        assert_eq!(line_of(&format!("{h}build ok s\n\nimprove bad$ s\n")), 5);
    }

    #[test]
    fn duplicate_names() {
        let e = parse_steps("bootstrap-steps 1\nbuild a s\nimprove b s\njump a kexec sysb\n")
            .unwrap_err();
        assert_eq!(e.line, 4);
        assert!(e.msg.contains("duplicate"), "{e}");
        assert_eq!(e.to_string(), "line 4: duplicate step name 'a'");
    }

    #[test]
    fn names() {
        for ok in ["a", "musl-1.2.3", "tcc+2", "A_b.c", "..."] {
            assert!(valid_name(ok), "{ok}");
        }
        for bad in ["", ".", "..", "a/b", "a b", "a$", "é"] {
            assert!(!valid_name(bad), "{bad}");
        }
        for ok in ["A", "_x", "PATH", "a1_"] {
            assert!(valid_var(ok), "{ok}");
        }
        for bad in ["", "1A", "A-B", "A=B", "#A"] {
            assert!(!valid_var(bad), "{bad}");
        }
    }

    #[test]
    fn env_file() {
        let env =
            parse_env("# c\n\nPATH=/bin:/usr/bin\n  CFLAGS=-O2 -g \nEMPTY=\nA=b=c\r\n").unwrap();
        let want: Vec<(String, String)> = [
            ("PATH", "/bin:/usr/bin"),
            ("CFLAGS", "-O2 -g "),
            ("EMPTY", ""),
            ("A", "b=c"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(env, want);
        let text = render_env(&want).unwrap();
        assert_eq!(text, "PATH=/bin:/usr/bin\nCFLAGS=-O2 -g \nEMPTY=\nA=b=c\n");
        assert_eq!(parse_env(&text).unwrap(), want);
        assert_eq!(parse_env("").unwrap(), vec![]);
        assert_eq!(parse_env("A=1\nnoequals\n").unwrap_err().line, 2);
        assert_eq!(parse_env("1A=x\n").unwrap_err().line, 1);
    }

    #[test]
    fn env_render_refuses_what_would_not_read_back() {
        let v = |k: &str, val: &str| (k.to_string(), val.to_string());
        assert_eq!(
            render_env(&[v("A", "1"), v("B", "x\ny")]).unwrap_err().line,
            2
        );
        assert_eq!(render_env(&[v("A", "1\r")]).unwrap_err().line, 1);
        assert_eq!(render_env(&[v("#A", "1")]).unwrap_err().line, 1);
        assert_eq!(render_env(&[v("A=B", "1")]).unwrap_err().line, 1);
    }
}
