//! `bootstrap boot`: start the system a `run --qemu` finished, from its
//! disk, in QEMU with the serial console on the terminal and QEMU's user
//! network attached. Interactive by default; with `--exec CMD` it logs in
//! on the console as a person would (`guest::login`), runs CMD, prints its
//! output, powers the machine off and exits with CMD's status.
//!
//! The kernel is the disk's own `/boot/vmlinuz` (the one sysa built: ext4,
//! virtio and the serial console are built in, so no initramfs is needed;
//! the root is found by the partition's PARTUUID, which the MBR disk
//! signature fixes).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Args;

use bootstrap::guest::login::{Action, Session};
use bootstrap::guest::{interrupt, qemu};
use bootstrap::image::{disk, target};
use bootstrap::model::stages::Mode;
use bootstrap::util::fsutil;

use super::Global;

#[derive(Args)]
pub struct BootArgs {
    /// The target of a finished `run --qemu` [default: build/qemu in the project]
    #[arg(long, value_name = "DIR")]
    pub target: Option<PathBuf>,
    /// Guest memory.
    #[arg(long, default_value_t = 1024, value_name = "MIB")]
    pub memory: u32,
    /// Log in as root on the console, run CMD, print its output, power
    /// off, and exit with CMD's status.
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,
    /// With --exec: give up (and stop the machine) after this many seconds.
    #[arg(long, default_value_t = 900, value_name = "SECONDS")]
    pub timeout: u64,
    #[arg(long, value_enum, default_value = "tcg")]
    pub accel: qemu::Accel,
}

/// The root partition as the kernel names it without an initramfs: the
/// MBR disk signature (the filesystem UUID's first 8 hex digits) and
/// partition 1.
pub fn root_param() -> String {
    format!("root=PARTUUID={}-01", &target::DISK_UUID[..8])
}

/// What shuts the booted system down cleanly: sysc's system installs a
/// `poweroff` that asks the init for its last stage and the power-off.
pub const POWEROFF: &str = "poweroff";

/// Where a target keeps the generated root password (mode 0600).
pub const ROOT_PASSWORD: &str = "root-password";

pub fn run(g: &Global, a: &BootArgs) -> Result<ExitCode> {
    let target_dir = match &a.target {
        Some(t) => t.clone(),
        None => target::default_dir(&g.project_root()?, Mode::Qemu),
    };
    let image = target_dir.join("disk.img");
    if !image.is_file() {
        bail!(
            "{} has no disk.img: `boot` starts the disk of a finished `run --qemu` (chroot targets have none)",
            target_dir.display()
        );
    }
    let _lock = target::take(&target_dir, false)?;
    let root = target_dir.canonicalize()?;
    let work = target::host_work(&root).join("boot");
    fsutil::remove_any(&work)?;
    std::fs::create_dir_all(&work)?;
    // /boot/vmlinuz is a symlink to the release: copy the directory out
    // and let the host resolve it.
    disk::extract_dir(&image, "/boot", &work.join("boot"))
        .with_context(|| format!("reading /boot from {}", image.display()))?;
    let kernel = work.join("boot/vmlinuz");
    if !kernel.is_file() {
        bail!(
            "{} holds no /boot/vmlinuz: the run that made it did not build a kernel",
            image.display()
        );
    }

    let mut cmd = Command::new(qemu::QEMU);
    cmd.args([
        "-accel",
        if a.accel == qemu::Accel::Kvm {
            "kvm"
        } else {
            "tcg"
        },
    ])
    .args(["-m", &a.memory.to_string(), "-smp", "2"])
    .args(["-display", "none", "-no-reboot"])
    .arg("-kernel")
    .arg(&kernel)
    .args([
        "-append",
        &format!(
            "console=ttyS0 {} rootfstype=ext4 ro panic=-1 loglevel=4",
            root_param()
        ),
    ])
    .arg("-drive")
    .arg(format!("file={},format=raw,if=virtio", image.display()))
    .args(["-nic", "user,model=virtio-net-pci"]);

    let Some(exec) = &a.exec else {
        // The console and QEMU's monitor share the terminal: Ctrl-A X quits.
        cmd.args(["-serial", "mon:stdio"]);
        eprintln!(
            "bootstrap: booting {} (Ctrl-A X quits QEMU)",
            image.display()
        );
        let status = cmd.status().context("starting qemu-system-x86_64")?;
        return Ok(if status.success() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    };

    let password_file = root.join(ROOT_PASSWORD);
    let password = std::fs::read_to_string(&password_file)
        .with_context(|| format!("reading the root password from {}", password_file.display()))?;
    cmd.args(["-serial", "stdio", "-monitor", "none"]);
    let log = root.join("boot-console.log");
    interrupt::install_handler()?;
    let r = exec_session(
        cmd,
        Session::new("root", password.trim_end(), exec, POWEROFF),
        &log,
        Duration::from_secs(a.timeout),
    )?;
    print!("{}", r.output);
    std::io::stdout().flush()?;
    Ok(ExitCode::from(u8::try_from(r.status).unwrap_or(1)))
}

/// What `--exec` learned.
pub struct ExecResult {
    pub output: String,
    pub status: i32,
}

/// Run `cmd` (a machine whose console is its stdin/stdout) through the
/// login `session`, logging the console to `log`; stop it on a timeout or
/// Ctrl-C.
pub fn exec_session(
    mut cmd: Command,
    mut session: Session,
    log: &Path,
    timeout: Duration,
) -> Result<ExecResult> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting the machine")?;
    let mut stdin = child.stdin.take().expect("piped");
    let mut stdout = child.stdout.take().expect("piped");
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut console = std::fs::File::create(log)?;
    let start = Instant::now();
    let mut result = None;
    let mut refused = None;
    let failure = loop {
        if let Some(line) = &refused {
            break Some(format!(
                "the login as root was refused ({line}); is the password in the target's {ROOT_PASSWORD} the system's?"
            ));
        }
        if interrupt::interrupted() {
            break Some("interrupted".to_string());
        }
        if start.elapsed() > timeout {
            break Some(format!("no result after {} s", timeout.as_secs()));
        }
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(bytes) => {
                console.write_all(&bytes)?;
                for action in session.feed(&bytes) {
                    match action {
                        Action::Send(b) => {
                            // A machine that is already going down may
                            // have closed its console: not an error.
                            let _ = stdin.write_all(&b).and_then(|_| stdin.flush());
                        }
                        Action::Finished { output, status } => {
                            result = Some(ExecResult { output, status })
                        }
                        Action::Refused(line) => {
                            refused = Some(line);
                        }
                    }
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            // The console closed: the machine is gone.
            Err(mpsc::RecvTimeoutError::Disconnected) => break None,
        }
    };
    if let Some(why) = failure {
        let _ = child.kill();
        let _ = child.wait();
        bail!(
            "the machine was stopped: {why} (console: {})",
            log.display()
        );
    }
    let status = child.wait()?;
    match result {
        Some(r) => {
            if !status.success() {
                eprintln!("bootstrap: warning: QEMU exited with {status} after the power-off");
            }
            Ok(r)
        }
        None => bail!(
            "the machine stopped before the command finished (QEMU: {status}; console: {})",
            log.display()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in machine: a shell script playing getty, login and a shell.
    fn fake_machine(script: &str) -> Command {
        let mut c = Command::new("/bin/sh");
        c.args(["-c", script]);
        c
    }

    const GETTY: &str = r#"
        printf 'boot messages\nbootstrap login: '
        read user
        printf 'Password: '
        read pw
        if [ "$user:$pw" != "root:s3cret" ]; then printf '\nLogin incorrect\n'; sleep 5; exit 1; fi
        printf '\n# '
        read -r line
        sh -c "$line"
        printf '# '
        read off
        [ "$off" = poweroff ] && exit 0
        exit 9
    "#;

    #[test]
    fn a_session_logs_in_runs_and_powers_off() {
        let t = tempfile::tempdir().unwrap();
        let log = t.path().join("console.log");
        let r = exec_session(
            fake_machine(GETTY),
            Session::new("root", "s3cret", "echo hi; echo there; exit 3", POWEROFF),
            &log,
            Duration::from_secs(20),
        )
        .unwrap();
        assert_eq!(r.output, "hi\nthere\n");
        assert_eq!(r.status, 3);
        assert!(std::fs::read_to_string(&log)
            .unwrap()
            .contains("bootstrap login: "));
    }

    #[test]
    fn a_wrong_password_and_a_silent_machine_are_errors() {
        let t = tempfile::tempdir().unwrap();
        let log = t.path().join("console.log");
        let e = exec_session(
            fake_machine(GETTY),
            Session::new("root", "nope", "true", POWEROFF),
            &log,
            Duration::from_secs(20),
        )
        .err()
        .unwrap();
        assert!(
            format!("{e:#}").contains("login as root was refused"),
            "{e:#}"
        );

        let start = Instant::now();
        let e = exec_session(
            fake_machine("sleep 30"),
            Session::new("root", "pw", "true", POWEROFF),
            &log,
            Duration::from_secs(1),
        )
        .err()
        .unwrap();
        assert!(format!("{e:#}").contains("no result after 1 s"), "{e:#}");
        assert!(start.elapsed() < Duration::from_secs(20));
    }

    #[test]
    fn the_root_is_named_by_the_disk_signature() {
        assert_eq!(root_param(), "root=PARTUUID=b0075742-01");
    }
}
