//! Running parsed commands: builtins, program lookup and spawning, and the
//! one stdout redirection.

use super::expand::{expand, expand_words, Env};
use super::syntax::Command;
use crate::pid1::{self, Status};
use crate::plan::valid_var;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command as Proc, Stdio};

/// A script being run: its environment and working directory, which its
/// builtins change, and the log that receives its trace and output.
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
    use crate::kaem::expand::test_env as env;
    use crate::kaem::syntax::parse;
    use std::fs;

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

    /// A scratch directory that removes itself.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let d = std::env::temp_dir().join(format!("kaem-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&d);
            fs::create_dir_all(&d).unwrap();
            Scratch(d)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    /// Run `script` in `dir`; the final status, the log, and the
    /// interpreter (for its env and cwd afterwards).
    fn run(dir: &Path, script: &str) -> (Status, String, Env, PathBuf) {
        let log_path = dir.join("log");
        let log = File::create(&log_path).unwrap();
        let mut i = Interp {
            file: "/t.kaem",
            env: env(&[("PATH", "/bin:/usr/bin")]),
            cwd: dir.to_path_buf(),
            log: &log,
        };
        let st = i.run(&parse(script).unwrap());
        let text = fs::read_to_string(&log_path).unwrap();
        (st, text, i.env, i.cwd)
    }

    #[test]
    fn builtins_change_the_script_state() {
        let s = Scratch::new("builtins");
        fs::create_dir(s.0.join("sub")).unwrap();
        let (st, log, env, cwd) = run(
            &s.0,
            "set -ex\nexport A=1 B=two=2 C\nexport D=$A$B\nunset A NOPE\ncd sub\n\
             echo in $D > f\necho -n more >> f\n",
        );
        assert_eq!(st, Status::Exited(0), "{log}");
        assert_eq!(env.get("A"), None);
        assert_eq!(env.get("B").map(String::as_str), Some("two=2"));
        assert_eq!(env.get("C"), None);
        assert_eq!(env.get("D").map(String::as_str), Some("1two=2"));
        assert_eq!(cwd, s.0.join("sub"));
        assert_eq!(
            fs::read_to_string(s.0.join("sub/f")).unwrap(),
            "in 1two=2\nmore"
        );
        assert!(log.contains("+ echo in 1two=2 > f\n"), "{log}");
        assert!(log.contains("+ echo -n more >> f\n"), "{log}");
    }

    #[test]
    fn echo_without_redirect_goes_to_the_log() {
        let s = Scratch::new("echo");
        let (st, log, ..) = run(&s.0, "echo a  \"b  c\"\necho -n d\n");
        assert_eq!(st, Status::Exited(0));
        assert_eq!(log, "+ echo a b  c\na b  c\n+ echo -n d\nd");
    }

    #[test]
    fn exit_and_failures_stop_the_script() {
        let s = Scratch::new("stop");
        let cases: &[(&str, Status, &str)] = &[
            (
                "exit 3\necho no\n",
                Status::Exited(3),
                "kaem: /t.kaem:1: exit 3",
            ),
            ("exit\necho no\n", Status::Exited(0), "+ exit\n"),
            ("exit 256\n", Status::Exited(1), "exit: bad status '256'"),
            (
                "cd nowhere\necho no\n",
                Status::Exited(1),
                "'nowhere': not a directory",
            ),
            (
                "export 1X=y\n",
                Status::Exited(1),
                "export: invalid name '1X'",
            ),
            (
                "\n$UNSET\necho no\n",
                Status::Exited(1),
                ":2: command expanded to nothing",
            ),
            (
                "no-such-prog-kaem a\n",
                Status::Exited(127),
                "'no-such-prog-kaem a' not found in PATH",
            ),
            (
                "true\nsh -c 'exit 5'\necho no\n",
                Status::Exited(5),
                "kaem: /t.kaem:2: 'sh -c exit 5' exited with status 5",
            ),
            (
                "sh -c 'kill -TERM $$'\n",
                Status::Signaled(15),
                "killed by signal 15 (SIGTERM)",
            ),
            (
                "echo x > no/such/dir/f\n",
                Status::Exited(1),
                "cannot open 'no/such/dir/f'",
            ),
        ];
        for (script, want, msg) in cases {
            let (st, log, ..) = run(&s.0, script);
            assert_eq!(st, *want, "{script:?}: {log}");
            assert!(log.contains(msg), "{script:?}: {log}");
            assert!(!log.contains("+ echo no"), "{script:?}: {log}");
        }
    }

    #[test]
    fn programs_get_the_script_env_cwd_and_redirect() {
        let s = Scratch::new("spawn");
        fs::create_dir(s.0.join("w")).unwrap();
        let (st, log, ..) = run(
            &s.0,
            "export V=val\ncd w\nsh -c 'echo \"$V $(pwd)\"; echo err >&2' > out\n\
             sh -c 'echo logged'\n",
        );
        assert_eq!(st, Status::Exited(0), "{log}");
        let w = s.0.join("w");
        assert_eq!(
            fs::read_to_string(w.join("out")).unwrap(),
            format!("val {}\n", w.display())
        );
        assert!(log.contains("err\n") && log.contains("logged\n"), "{log}");
    }
}
