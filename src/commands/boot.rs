//! `bootstrap boot`: start the system a run finished, from its disk (a
//! `run --qemu` target's, or an image of a `run --chroot` target's tree),
//! in QEMU with the serial console on the terminal and QEMU's user network
//! attached. Interactive by default; with `--exec CMD` it logs in
//! on the console as a person would (`guest::login`), runs CMD, prints its
//! output, powers the machine off and exits with CMD's status.
//!
//! The machine boots the way a computer boots the disk: the firmware
//! (SeaBIOS, or OVMF with `--uefi`) runs the disk's GRUB, which reads the
//! finished system's `/boot/grub/grub.cfg` and starts its `/boot/vmlinuz`
//! (the one sysa built: ext4, virtio and the serial console are built in,
//! so no initramfs is needed; the root is found by the partition's
//! PARTUUID, which the MBR disk signature fixes). A disk without a boot
//! loader or without grub.cfg (made before disks had one) gets its kernel
//! from QEMU directly. `--kernel FILE` boots another kernel with a small
//! initramfs: the runner as /init loads that kernel's modules and, told by
//! `bootstrap.boot=`, mounts the disk by its label and execs its /sbin/init.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Args;

use bootstrap::guest::login::{Action, Session};
use bootstrap::guest::{interrupt, qemu};
use bootstrap::image::target::{self, Marker};
use bootstrap::image::{disk, initramfs, kmod, shadow};
use bootstrap::model::stages::Mode;
use bootstrap::seed;
use bootstrap::util::{fsutil, in_root};
use bootstrap_contract::{paths, protocol};

use super::Global;

#[derive(Args)]
pub struct BootArgs {
    /// The target of a finished run: `run --qemu`'s disk, or a `run
    /// --chroot` tree written to a disk image [default: build/qemu in the
    /// project if it has a disk, else build/chroot]
    #[arg(long, value_name = "DIR")]
    pub target: Option<PathBuf>,
    /// Guest memory.
    #[arg(long, default_value_t = 1024, value_name = "MIB")]
    pub memory: u32,
    /// Log in as root on the console, run CMD, print its output, power
    /// off, and exit with CMD's status.
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,
    /// With --exec: the root password is the first line of FILE [default:
    /// the one `run` kept in the target]
    #[arg(long, value_name = "FILE")]
    pub root_password_file: Option<PathBuf>,
    /// With --exec: give up (and stop the machine) after this many seconds.
    #[arg(long, default_value_t = 900, value_name = "SECONDS")]
    pub timeout: u64,
    #[arg(long, value_enum, default_value = "tcg")]
    pub accel: qemu::Accel,
    /// Boot this kernel instead of the disk's own, with an initramfs that
    /// loads its virtio, ext4 and network modules and hands the disk to its
    /// /sbin/init (for a disk without /boot/vmlinuz, or to try another
    /// kernel, e.g. a stock Debian one)
    #[arg(long, value_name = "FILE")]
    pub kernel: Option<PathBuf>,
    /// With --kernel: its modules [default: /lib/modules/<its release>]
    #[arg(long, value_name = "DIR", requires = "kernel")]
    pub modules: Option<PathBuf>,
    /// With --kernel: the static runner for the initramfs [default: built
    /// from the project's runner/]
    #[arg(long, value_name = "FILE", requires = "kernel")]
    pub runner: Option<PathBuf>,
    /// Boot the disk from UEFI firmware (OVMF) instead of legacy BIOS
    /// (SeaBIOS).
    #[arg(long, conflicts_with = "kernel")]
    pub uefi: bool,
    /// The disk a chroot target's tree is written to (K, M, G suffixes).
    #[arg(long, default_value = "2G", value_name = "SIZE")]
    pub size: String,
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

/// Debian's OVMF (package ovmf): UEFI firmware for QEMU.
pub const OVMF: &str = "/usr/share/ovmf/OVMF.fd";

/// Does `image` boot on its own: GRUB's code in the MBR and the finished
/// system's grub.cfg on the disk?
fn boots_itself(image: &Path) -> Result<bool> {
    let mut mbr = [0u8; 440];
    std::fs::File::open(image)
        .and_then(|f| std::os::unix::fs::FileExt::read_exact_at(&f, &mut mbr, 0))
        .with_context(|| format!("reading {}", image.display()))?;
    if mbr.iter().all(|b| *b == 0) {
        return Ok(false);
    }
    match disk::read_file(image, "/boot/grub/grub.cfg") {
        Ok(_) => Ok(true),
        Err(e) if e.downcast_ref::<disk::NotInImage>().is_some() => Ok(false),
        Err(e) => Err(e),
    }
}

/// The disk's own kernel, `/boot/vmlinuz` (a link to the release), copied
/// out of `image` into `work`.
fn disk_kernel(image: &Path, work: &Path) -> Result<PathBuf> {
    match disk::extract_dir(image, "/boot", &work.join("boot")) {
        Ok(()) => {}
        // No /boot at all: said below, as for a /boot without a kernel.
        Err(e) if e.downcast_ref::<disk::NotInImage>().is_some() => {}
        Err(e) => return Err(e.context(format!("reading /boot from {}", image.display()))),
    }
    let kernel = work.join("boot/vmlinuz");
    if !kernel.is_file() {
        bail!(
            "{} holds no /boot/vmlinuz (its run built no kernel): give one with --kernel FILE",
            image.display()
        );
    }
    Ok(kernel)
}

/// The initramfs of `boot --kernel`: the runner as /init (told by
/// `bootstrap.boot=` to boot the disk), the kernel's modules for virtio,
/// ext4 and the network card, and the console nodes.
fn boot_initramfs(g: &Global, a: &BootArgs, kernel: &Path, work: &Path) -> Result<PathBuf> {
    let (project, _) = g.load()?;
    let runner = seed::runner::runner_binary(&project, a.runner.as_deref())?;
    let iroot = work.join("initramfs-root");
    target::lay_runner_only(&iroot, &runner)?;
    let n = kmod::add_modules(&iroot, kernel, a.modules.as_deref(), &["virtio_net"])?;
    eprintln!("bootstrap: {n} kernel modules for {}", kernel.display());
    let initrd = work.join("initramfs.cpio.gz");
    initramfs::write_runner_initrd(&iroot, &initrd)?;
    Ok(initrd)
}

/// The disk image to boot for the target `root`, and where the target
/// keeps its root password, by the mode its marker names. A QEMU (or
/// bare-metal) target's is the disk its run made.
/// A chroot target has none: its tree (the host's work directory left out,
/// modes as the steps made them) is written to an image in the host's
/// work directory, again whenever the target's completed steps changed
/// since (a resumed run), else the one made before is booted, with what
/// the system changed on it.
fn disk_of(root: &Path, marker: &Marker, a: &BootArgs) -> Result<(PathBuf, PathBuf)> {
    if marker.mode != Mode::Chroot.as_str() {
        let disk = root.join("disk.img");
        if !disk.is_file() {
            bail!(
                "{} holds a {} run without its disk.img: did the run start? (`run` with this --target makes it)",
                root.display(),
                marker.mode
            );
        }
        return Ok((disk, root.join(shadow::PASSWORD_FILE)));
    }
    let host = target::host_work(root);
    let dir = host.join("boot-disk");
    let image = dir.join("disk.img");
    let stamp = dir.join("built-from");
    let completed = in_root(root, paths::COMPLETED);
    let now = format!(
        "completed steps {}\nsize {}\n",
        fsutil::sha256_file(&completed).with_context(|| format!(
            "{} has no completed steps: did its run start?",
            root.display()
        ))?,
        a.size
    );
    let before = std::fs::read_to_string(&stamp).unwrap_or_default();
    if !image.is_file() || before != now {
        disk::check_tools()?;
        eprintln!(
            "bootstrap: writing the chroot target {} to {} (a {} disk)",
            root.display(),
            image.display(),
            a.size
        );
        std::fs::create_dir_all(&dir)?;
        let _ = std::fs::remove_file(&stamp);
        let host_rel = format!(
            "/{}",
            host.strip_prefix(root).expect("below root").display()
        );
        disk::build_image(
            root,
            &image,
            disk::parse_size(&a.size)?,
            target::DISK_LABEL,
            target::DISK_UUID,
            0,
            disk::Modes::FromTree {
                skip: &[host_rel.as_str()],
            },
        )?;
        fsutil::write_atomic(&stamp, now.as_bytes())?;
    }
    Ok((image, host.join(shadow::PASSWORD_FILE)))
}

pub fn run(g: &Global, a: &BootArgs) -> Result<ExitCode> {
    let target_dir = match &a.target {
        Some(t) => t.clone(),
        None => {
            // build/qemu after `run --qemu`, else build/chroot.
            let project = g.project_root()?;
            let q = target::default_dir(&project, Mode::Qemu);
            match q.join("disk.img").is_file() {
                true => q,
                false => target::default_dir(&project, Mode::Chroot),
            }
        }
    };
    // The marker, not a file that happens to be there, says how the target
    // was made: a chroot target's tree may hold a disk.img of its own.
    let Some(marker) = Marker::read(&target_dir)? else {
        bail!(
            "{} is not the target of a run: `boot` starts what `run --qemu` or `run --chroot` finished (--target DIR)",
            target_dir.display()
        );
    };
    let _lock = target::take(&target_dir, false)?;
    let root = target_dir.canonicalize()?;
    let (image, kept_password) = disk_of(&root, &marker, a)?;
    let work = target::host_work(&root).join("boot");
    fsutil::remove_any(&work)?;
    std::fs::create_dir_all(&work)?;
    let (kernel, initrd): (PathBuf, PathBuf);
    let how = match &a.kernel {
        None if boots_itself(&image)? => {
            let firmware = if a.uefi {
                if !Path::new(OVMF).is_file() {
                    bail!("{OVMF} is missing: install ovmf (apt-get install ovmf) for --uefi");
                }
                eprintln!("bootstrap: booting the disk's GRUB from UEFI firmware (OVMF)");
                Some(Path::new(OVMF))
            } else {
                eprintln!("bootstrap: booting the disk's GRUB from legacy BIOS (SeaBIOS)");
                None
            };
            qemu::Boot::Firmware(firmware)
        }
        None => {
            if a.uefi {
                bail!(
                    "{} has no boot loader or no /boot/grub/grub.cfg (made before disks had \
                     them, or its system is not finished): boot it without --uefi",
                    image.display()
                );
            }
            kernel = disk_kernel(&image, &work)?;
            qemu::Boot::Kernel {
                kernel: &kernel,
                initrd: None,
                append: format!(
                    "console=ttyS0 {} rootfstype=ext4 ro panic=-1 loglevel=4",
                    root_param()
                ),
            }
        }
        Some(k) => {
            initrd = boot_initramfs(g, a, k, &work)?;
            qemu::Boot::Kernel {
                kernel: k,
                initrd: Some(&initrd),
                append: format!(
                    "{} {}",
                    qemu::CMDLINE,
                    protocol::boot_param(target::DISK_LABEL)
                ),
            }
        }
    };
    let vm = |console| qemu::Vm {
        qemu: qemu::QEMU,
        boot: how.clone(),
        disk: Some(&image),
        memory_mib: a.memory,
        cores: 2,
        accel: a.accel,
        net: true,
        console,
    };

    let Some(exec) = &a.exec else {
        eprintln!(
            "bootstrap: booting {} (Ctrl-A X quits QEMU)",
            image.display()
        );
        let status = vm(qemu::Console::Interactive)
            .command()
            .status()
            .context("starting qemu-system-x86_64")?;
        return Ok(if status.success() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    };

    let password_file = match &a.root_password_file {
        Some(f) => f.clone(),
        None => kept_password,
    };
    let password = shadow::read_password(&password_file).with_context(|| {
        format!(
            "reading the root password from {} (--root-password-file names another)",
            password_file.display()
        )
    })?;
    // Beside the host's other work: a chroot target's tree is the system.
    let log = target::host_work(&root).join("boot-console.log");
    interrupt::install_handler()?;
    let r = exec_session(
        vm(qemu::Console::Stdio).command(),
        Session::new("root", &password, exec, POWEROFF),
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
                "the login as root failed: {line} (a wrong password shows as `Login incorrect`: is the one given the system's? the target's {}, or --root-password-file)",
                shadow::PASSWORD_FILE
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
            format!("{e:#}").contains("login as root failed: Login incorrect"),
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
