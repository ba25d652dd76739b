//! The host side of the runner's console protocol (runner/README.md): every
//! line the runner prints starts with `bootstrap: `; the last one is either
//! `bootstrap: done` or `bootstrap: FAILED at <what> (<detail>)`.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Start {
        stage: String,
        index: usize,
        total: usize,
        kind: String,
        name: String,
    },
    Ok {
        stage: String,
        index: usize,
        name: String,
    },
    Skip {
        stage: String,
        index: usize,
        name: String,
    },
    Done,
    /// `what` is a step name or a plan file; `detail` is `log: <path>` or a reason.
    Failed {
        what: String,
        detail: String,
    },
}

pub const PREFIX: &str = "bootstrap: ";

/// Parse one console line; `None` for anything that is not protocol.
pub fn parse(line: &str) -> Option<Event> {
    let rest = line.trim_end().strip_prefix(PREFIX)?;
    if rest == "done" {
        return Some(Event::Done);
    }
    if let Some(f) = rest.strip_prefix("FAILED at ") {
        let (what, detail) = match f.split_once(" (") {
            Some((w, d)) => (w, d.strip_suffix(')').unwrap_or(d)),
            None => (f, ""),
        };
        return Some(Event::Failed {
            what: what.to_string(),
            detail: detail.to_string(),
        });
    }
    // [<stage> <i>/<n>] <verb> ...
    let rest = rest.strip_prefix('[')?;
    let (head, tail) = rest.split_once("] ")?;
    let (stage, pos) = head.split_once(' ')?;
    let (i, n) = pos.split_once('/')?;
    let (index, total) = (i.parse().ok()?, n.parse().ok()?);
    let mut words = tail.split(' ');
    let verb = words.next()?;
    let stage = stage.to_string();
    match verb {
        "start" => {
            let kind = words.next()?.to_string();
            let name = words.next()?.to_string();
            Some(Event::Start {
                stage,
                index,
                total,
                kind,
                name,
            })
        }
        "ok" => Some(Event::Ok {
            stage,
            index,
            name: words.next()?.to_string(),
        }),
        "skip" => Some(Event::Skip {
            stage,
            index,
            name: words.next()?.to_string(),
        }),
        _ => None,
    }
}

/// The in-guest log path of a FAILED detail (`log: /bootstrap/...`), if any.
pub fn failed_log(detail: &str) -> Option<&str> {
    detail.strip_prefix("log: ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_line_kind() {
        assert_eq!(
            parse("bootstrap: [sysa 2/5] start build musl-1.2.3"),
            Some(Event::Start {
                stage: "sysa".into(),
                index: 2,
                total: 5,
                kind: "build".into(),
                name: "musl-1.2.3".into()
            })
        );
        assert_eq!(
            parse("bootstrap: [sysa 2/5] ok musl-1.2.3 (7s)"),
            Some(Event::Ok {
                stage: "sysa".into(),
                index: 2,
                name: "musl-1.2.3".into()
            })
        );
        assert_eq!(
            parse("bootstrap: [sysc 1/1] skip x (already completed)"),
            Some(Event::Skip {
                stage: "sysc".into(),
                index: 1,
                name: "x".into()
            })
        );
        assert_eq!(parse("bootstrap: done\n"), Some(Event::Done));
        let f =
            parse("bootstrap: FAILED at musl-1.2.3 (log: /bootstrap/logs/sysa/02-musl-1.2.3.log)")
                .unwrap();
        assert_eq!(
            f,
            Event::Failed {
                what: "musl-1.2.3".into(),
                detail: "log: /bootstrap/logs/sysa/02-musl-1.2.3.log".into()
            }
        );
        if let Event::Failed { detail, .. } = f {
            assert_eq!(
                failed_log(&detail),
                Some("/bootstrap/logs/sysa/02-musl-1.2.3.log")
            );
        }
        let f = parse("bootstrap: FAILED at /bootstrap/plan/sysa.steps (line 3: unknown kind)")
            .unwrap();
        assert_eq!(
            f,
            Event::Failed {
                what: "/bootstrap/plan/sysa.steps".into(),
                detail: "line 3: unknown kind".into()
            }
        );
    }

    #[test]
    fn ignores_other_lines() {
        for l in [
            "",
            "hello",
            "bootstrap:done",
            "bootstrap: [sysa x/5] start build a",
            "bootstrap: [sysa 1/5] dance a",
            "[    1.23] kernel: x",
        ] {
            assert_eq!(parse(l), None, "{l:?}");
        }
    }
}
