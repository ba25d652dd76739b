//! Printing console protocol lines on stdout. Their format is
//! `bootstrap_contract::protocol`, shared with the host tool that parses them.

use bootstrap_contract::protocol::Event;
use std::io::Write;

pub fn print(ev: &Event) {
    let mut out = std::io::stdout().lock();
    // Nothing sensible to do if the console is gone; keep building.
    let _ = writeln!(out, "{ev}");
    let _ = out.flush();
}

/// While a step runs, a `running` line every `every`, but only when the
/// step's log grew since the last one: a step that is busy is not silent to
/// the host, while one that hangs without a word still is (the host stops
/// a guest that prints nothing for its silence timeout). Stops when dropped.
pub struct Heartbeat {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Heartbeat {
    /// `line(secs)` is the event to print after `secs` seconds; `emit`
    /// prints it (`print` outside tests).
    pub fn start(
        every: std::time::Duration,
        log: std::path::PathBuf,
        line: impl Fn(u64) -> Event + Send + 'static,
        emit: impl Fn(&Event) + Send + 'static,
    ) -> Heartbeat {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let size = move || std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
        let thread = std::thread::spawn(move || {
            let t0 = std::time::Instant::now();
            let mut seen = size();
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(every) {
                let now = size();
                if now != seen {
                    seen = now;
                    emit(&line(t0.elapsed().as_secs()));
                }
            }
        });
        Heartbeat {
            stop: Some(tx),
            thread: Some(thread),
        }
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    #[test]
    fn heartbeats_only_while_the_log_grows() {
        let dir = std::env::temp_dir().join(format!("runner-heartbeat-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("step.log");
        std::fs::write(&log, "").unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        let hb = Heartbeat::start(
            Duration::from_millis(50),
            log.clone(),
            |secs| Event::Running {
                stage: "sysa".into(),
                index: 1,
                total: 1,
                name: "x".into(),
                secs,
            },
            move |e| s.lock().unwrap().push(e.to_string()),
        );
        std::thread::sleep(Duration::from_millis(300));
        assert!(
            seen.lock().unwrap().is_empty(),
            "a silent step gets no heartbeat"
        );
        std::fs::write(&log, "cc -c a.c\n").unwrap();
        std::thread::sleep(Duration::from_millis(300));
        drop(hb);
        assert_eq!(seen.lock().unwrap().len(), 1, "one line per growth");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
