//! `boot --exec`: log in on a booted system's serial console as a person
//! would, run one command, read its output and exit status, and power the
//! machine off. Pure: bytes from the console go in ([`Session::feed`]),
//! what to type and what was learned come out, so every turn of the
//! conversation is unit-tested without a VM.
//!
//! The command's output is framed by two marker lines the shell prints.
//! The terminal echoes what we type, so the markers are assembled by
//! `printf` from pieces: the echoed command line never contains a marker.

/// What the session wants done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Type these bytes on the console.
    Send(Vec<u8>),
    /// The command finished: its output (CR LF turned into LF) and status.
    Finished { output: String, status: i32 },
    /// The login was refused (wrong password, unknown user).
    Refused(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for getty's `login:` prompt.
    Login,
    /// User name sent; waiting for `Password:`.
    Password,
    /// Password sent; waiting for a shell prompt.
    Shell,
    /// Command sent; collecting output between the markers.
    Running,
    /// Status read; the power-off command was typed.
    Done,
}

const BEGIN: &str = "BOOTSTRAP-EXEC-BEGIN";
const END: &str = "BOOTSTRAP-EXEC-END";
/// Console bytes kept while waiting for a prompt.
const PROMPT_WINDOW: usize = 4096;

pub struct Session {
    user: String,
    password: String,
    command: String,
    poweroff: String,
    state: State,
    /// Console bytes not yet consumed by the current state.
    buf: Vec<u8>,
}

/// CR LF and lone CR (a serial console's line ends) as LF.
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .replace("\r\n", "\n")
        .replace('\r', "\n")
}

/// The line that runs `command` in a subshell between the two markers.
/// The pieces are joined by printf, so the echo of this line holds neither.
pub fn command_line(command: &str) -> String {
    let (b1, b2) = BEGIN.split_at(9);
    let (e1, e2) = END.split_at(9);
    format!("printf '%s%s\\n' {b1} {b2}; ( {command} ); printf '%s%s %s\\n' {e1} {e2} \"$?\"\n")
}

impl Session {
    /// `poweroff` is the command that shuts the booted system down cleanly.
    pub fn new(user: &str, password: &str, command: &str, poweroff: &str) -> Session {
        Session {
            user: user.into(),
            password: password.into(),
            command: command.into(),
            poweroff: poweroff.into(),
            state: State::Login,
            buf: Vec::new(),
        }
    }

    /// Whether the command has finished (only the power-off is left).
    pub fn finished(&self) -> bool {
        self.state == State::Done
    }

    /// Take console bytes; say what to do next.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Action> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        loop {
            let seen = text(&self.buf);
            let before = self.state;
            match self.state {
                State::Login => {
                    if let Some(at) = seen.rfind("login: ") {
                        // Only the prompt's own bytes are consumed: a
                        // `login:` in boot messages before it is harmless.
                        if seen[at..].trim_end_matches(' ') == "login:" {
                            self.buf.clear();
                            out.push(Action::Send(format!("{}\n", self.user).into_bytes()));
                            self.state = State::Password;
                        }
                    }
                }
                State::Password => {
                    if seen.trim_end().ends_with("login:") {
                        // A new prompt without a password asked: login
                        // could not run (or refused the name at once).
                        let why = seen
                            .lines()
                            .rev()
                            .skip(1)
                            .find(|l| !l.trim().is_empty() && l.trim() != self.user)
                            .unwrap_or("no password prompt");
                        out.push(Action::Refused(why.trim().to_string()));
                        self.buf.clear();
                        self.state = State::Done;
                    } else if seen.trim_end().ends_with("Password:") {
                        self.buf.clear();
                        out.push(Action::Send(format!("{}\n", self.password).into_bytes()));
                        self.state = State::Shell;
                    }
                }
                State::Shell => {
                    if seen.contains("Login incorrect") || seen.trim_end().ends_with("login:") {
                        out.push(Action::Refused(
                            seen.lines()
                                .rev()
                                .find(|l| !l.trim().is_empty())
                                .unwrap_or("")
                                .into(),
                        ));
                        self.buf.clear();
                        self.state = State::Done;
                    } else if seen.ends_with("# ") || seen.ends_with("$ ") {
                        self.buf.clear();
                        out.push(Action::Send(command_line(&self.command).into_bytes()));
                        self.state = State::Running;
                    }
                }
                State::Running => {
                    // A console that does not echo starts with the marker.
                    let seen = format!("\n{seen}");
                    let begin = format!("\n{BEGIN}\n");
                    if let Some(b) = seen.find(&begin) {
                        let body = &seen[b + begin.len()..];
                        // The end marker is at a line start: output that
                        // lacks a final newline puts it mid-line.
                        if let Some(e) = body.find(END) {
                            let rest = &body[e + END.len()..];
                            if let Some(nl) = rest.find('\n') {
                                let status = rest[..nl].trim().parse().unwrap_or(-1);
                                out.push(Action::Finished {
                                    output: body[..e].to_string(),
                                    status,
                                });
                                out.push(Action::Send(format!("{}\n", self.poweroff).into_bytes()));
                                self.buf.clear();
                                self.state = State::Done;
                            }
                        }
                    }
                }
                State::Done => {
                    self.buf.clear();
                }
            }
            if self.state == before {
                // Waiting for a prompt needs only the console's tail.
                if self.state != State::Running && self.buf.len() > PROMPT_WINDOW {
                    self.buf.drain(..self.buf.len() - PROMPT_WINDOW);
                }
                return out;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(a: &[Action]) -> Vec<String> {
        a.iter()
            .filter_map(|a| match a {
                Action::Send(b) => Some(String::from_utf8_lossy(b).into_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn logs_in_runs_the_command_and_powers_off() {
        let mut s = Session::new("root", "pw", "sv status /var/service/*", "poweroff");
        // Boot noise, a `login:` inside a message, then the real prompt in
        // two pieces.
        assert!(s.feed(b"[    1.0] systemd-login: not here\r\n").is_empty());
        assert!(s
            .feed(b"\r\nbootstrap ttyS0\r\n\r\nbootstrap log")
            .is_empty());
        assert_eq!(sent(&s.feed(b"in: ")), ["root\n"]);
        assert!(s.feed(b"root\r\n").is_empty());
        assert_eq!(sent(&s.feed(b"Password: ")), ["pw\n"]);
        let a = s.feed(b"\r\nWelcome\r\n# ");
        assert_eq!(sent(&a), [command_line("sv status /var/service/*")]);
        // The terminal echoes the command line: no marker in it.
        let echo = command_line("sv status /var/service/*").replace('\n', "\r\n");
        assert!(!echo.contains(BEGIN) && !echo.contains(END));
        assert!(s.feed(echo.as_bytes()).is_empty());
        assert!(s
            .feed(b"BOOTSTRAP-EXEC-BEGIN\r\nrun: a: (pid 7) 5s\r\n")
            .is_empty());
        let a = s.feed(b"run: b: (pid 9) 5s\r\nBOOTSTRAP-EXEC-END 3\r\n# ");
        assert_eq!(
            a[0],
            Action::Finished {
                output: "run: a: (pid 7) 5s\nrun: b: (pid 9) 5s\n".into(),
                status: 3
            }
        );
        assert_eq!(sent(&a), ["poweroff\n"]);
        assert!(s.finished());
        assert!(s.feed(b"anything").is_empty());
    }

    #[test]
    fn output_without_a_final_newline_and_an_empty_one() {
        let mut s = Session::new("root", "pw", "printf x", "poweroff");
        s.feed(b"login: ");
        s.feed(b"Password: ");
        s.feed(b"# ");
        let a = s.feed(b"\r\nBOOTSTRAP-EXEC-BEGIN\r\nxBOOTSTRAP-EXEC-END 0\r\n");
        assert_eq!(
            a[0],
            Action::Finished {
                output: "x".into(),
                status: 0
            }
        );
        let mut s = Session::new("u", "pw", "true", "poweroff");
        s.feed(b"login: ");
        s.feed(b"Password: ");
        s.feed(b"$ ");
        let a = s.feed(b"BOOTSTRAP-EXEC-BEGIN\nBOOTSTRAP-EXEC-END 0\n");
        assert_eq!(
            a[0],
            Action::Finished {
                output: String::new(),
                status: 0
            }
        );
    }

    #[test]
    fn a_refused_login_is_reported() {
        let mut s = Session::new("root", "wrong", "true", "poweroff");
        s.feed(b"login: ");
        s.feed(b"Password: ");
        let a = s.feed(b"\r\nLogin incorrect\r\n");
        assert_eq!(a, [Action::Refused("Login incorrect".into())]);
        assert!(s.finished());
    }

    #[test]
    fn a_login_that_cannot_run_is_reported_not_waited_for() {
        let mut s = Session::new("root", "pw", "true", "poweroff");
        s.feed(b"bootstrap login: ");
        let a =
            s.feed(b"root\r\ngetty: ttyS0: can't execute '/bin/login'\r\n\r\nbootstrap login: ");
        assert_eq!(
            a,
            [Action::Refused(
                "getty: ttyS0: can't execute '/bin/login'".into()
            )]
        );
        assert!(s.finished());
    }
}
