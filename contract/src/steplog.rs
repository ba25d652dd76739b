//! The last line of a finished step's log: its wall time, split into the
//! script's own (the interpreter or shell running it) and the runner's
//! (emptying its directories, recording and installing DESTDIR, removing
//! the build tree, the sync, the completed line). The benchmarks read it to
//! show what the runner costs.

/// A step's times, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    pub script_ms: u64,
    pub runner_ms: u64,
}

fn secs(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// `bootstrap: step NAME completed in T s (script S s, runner R s)`.
pub fn render(name: &str, t: Times) -> String {
    format!(
        "bootstrap: step {name} completed in {} s (script {} s, runner {} s)",
        secs(t.script_ms + t.runner_ms),
        secs(t.script_ms),
        secs(t.runner_ms)
    )
}

fn parse_secs(s: &str) -> Option<u64> {
    let (whole, frac) = s.split_once('.')?;
    if frac.len() != 3 {
        return None;
    }
    Some(whole.parse::<u64>().ok()? * 1000 + frac.parse::<u64>().ok()?)
}

/// The step name and times of a line [`render`] wrote.
pub fn parse(line: &str) -> Option<(String, Times)> {
    let rest = line.strip_prefix("bootstrap: step ")?;
    let (name, rest) = rest.split_once(" completed in ")?;
    let (_, rest) = rest.split_once(" s (script ")?;
    let (script, rest) = rest.split_once(" s, runner ")?;
    let runner = rest.strip_suffix(" s)")?;
    Some((
        name.to_string(),
        Times {
            script_ms: parse_secs(script)?,
            runner_ms: parse_secs(runner)?,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_parses_back() {
        let t = Times {
            script_ms: 12_345,
            runner_ms: 67,
        };
        let l = render("make-4.3", t);
        assert_eq!(
            l,
            "bootstrap: step make-4.3 completed in 12.412 s (script 12.345 s, runner 0.067 s)"
        );
        assert_eq!(parse(&l), Some(("make-4.3".to_string(), t)));
        assert_eq!(parse("bootstrap: step x completed in 3s"), None);
    }
}
