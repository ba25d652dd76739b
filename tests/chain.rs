//! The default project end to end, for real: `bootstrap run --chroot`
//! through the whole chain (tcc-seed → musl → TinyCC → the userland, Linux
//! built by gcc-seed, sysc's self-hosting rebuild) filling a step cache;
//! what a user gets in the target works; the finished system boots in QEMU
//! through the firmware and the disk's GRUB, from BIOS and from UEFI
//! (`boot --exec`: services, login, DHCP, a clean power-off); `verify`
//! passes and names a changed byte. Then `run --qemu` whose sysa comes
//! entirely from that cache: the stock kernel boots the seed, sysa kexecs
//! into the kernel the chroot run built, and sysb and sysc run on it.
//! (That two runs give the same bytes, with two host compilers and two job
//! counts, is tests/ddc.rs's.)
//!
//! Needs root, qemu-system-x86_64, a Debian cloud kernel in /boot,
//! e2fsprogs, GRUB's images, dosfstools, mtools, OVMF, a host C++ compiler
//! and the pinned sources; skipped with a reason without them, required
//! under CI=true. The first run on a machine builds gcc-seed (about 20
//! minutes on two cores) into ~/.cache/bootstrap/seeds; later runs take it
//! from there.

mod common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Run `script` with `/bin/sh` inside the target, with a clean environment.
fn in_target(target: &Path, script: &str) -> std::process::Output {
    Command::new("chroot")
        .arg(target)
        .args([
            "/usr/bin/env",
            "-i",
            "PATH=/usr/bin:/bin",
            "/bin/sh",
            "-c",
            script,
        ])
        .output()
        .unwrap()
}

#[test]
fn the_whole_chain_builds_in_a_chroot_and_qemu_kexecs_into_its_kernel() {
    if !nix::unistd::geteuid().is_root() {
        return skip("chain", "not root (chroot, namespaces and mounts need it)");
    }
    let qemu = Command::new("qemu-system-x86_64").arg("--version").output();
    if !qemu.is_ok_and(|o| o.status.success()) {
        return skip("chain", "qemu-system-x86_64 is not installed");
    }
    let Some(kernel) = cloud_kernel() else {
        return skip("chain", "no /boot/vmlinuz-*-cloud-amd64");
    };
    if let Err(e) = bootstrap::image::disk::check_tools() {
        return skip("chain", &format!("{e:#}"));
    }
    if firmware_boot_prerequisites("chain").is_none() {
        return;
    }
    let distfiles = match pinned_distfiles() {
        Ok(d) => d,
        Err(e) => return skip("chain", &e),
    };
    let runner = static_runner().unwrap();

    let t = tempfile::tempdir().unwrap();
    let proj = project_copy(t.path());
    let cache = t.path().join("cache");
    let run = |mode: &str, target: &PathBuf, extra: &[&str]| {
        let mut args = vec![
            "-C",
            path_str(&proj),
            "run",
            mode,
            "--target",
            path_str(target),
            "--distfiles",
            path_str(&distfiles),
            "--offline",
            "--runner",
            path_str(&runner),
            "--cache",
            path_str(&cache),
        ];
        args.extend(extra);
        bootstrap(&args)
    };

    // The chain with its kernel, in a chroot.
    let c = t.path().join("c");
    let o = run("--chroot", &c, &[]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    let linux = std::fs::read_dir(proj.join("sysa"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .find(|n| n.starts_with("linux-"))
        .unwrap();
    let release = format!("{}-bootstrap", linux.trim_start_matches("linux-"));
    for step in [
        "kit",
        "musl-1.2.3",
        "tcc-stage1",
        "tcc-stage2",
        "check-toolchain",
        linux.as_str(),
        "check-linux",
        "m4-rebuild",
        "hello-2.10",
    ] {
        assert!(
            out.contains(&format!("] ok {step} (")),
            "{step} did not finish:\n{out}"
        );
    }
    assert!(out.contains("bootstrap: done"), "{out}");
    assert!(c.join(format!("boot/vmlinuz-{release}")).is_file());
    // Where the time went: a summary on the terminal and JSON by the logs.
    assert!(
        err.contains("bootstrap: timing: ") && err.contains("slowest: sysa/"),
        "{err}"
    );
    let timing = std::fs::read_to_string(c.join("bootstrap/logs/timing.json")).unwrap();
    assert!(timing.contains("\"name\": \"musl-1.2.3\""), "{timing}");

    // What a user gets from `chroot <target> /bin/sh`: a compiler whose
    // programs run, and the tools a configure script and a Makefile use,
    // working together.
    let script = "set -e\n\
        cd /tmp && mkdir -p u && cd u\n\
        printf '#include <stdio.h>\\nint main(void){puts(\"hello from stage2\");return 0;}\\n' > h.c\n\
        tcc -static -o h h.c && ./h\n\
        printf 'int main(void){return 0;}\\n' > m.c\n\
        printf 'all: m\\nm: m.c\\n\\tcc -c m.c && ld -o m /usr/lib/crt1.o m.o -L/usr/lib -lc\\n' > Makefile\n\
        make >/dev/null && ./m\n\
        echo 'a b c' | awk '{print $2}' | sed 's/b/B/' | grep -x B\n\
        printf 'x\\n' > f1 && printf 'y\\n' > f2 && ! diff f1 f2 > d.diff\n\
        patch f1 < d.diff >/dev/null && cmp f1 f2\n\
        tar -cJf t.tar.xz f1 f2 && tar -tJf t.tar.xz | sort | tr '\\n' ' ' | grep -qx 'f1 f2 '\n\
        ar rc l.a m.o && ar t l.a | grep -qx m.o\n\
        m4 > m4.out <<'E'\ndefine(`X', `ok')X\nE\n\
        grep -qx ok m4.out\n\
        echo tools-ok\n";
    let tools = in_target(&c, script);
    assert_eq!(
        String::from_utf8_lossy(&tools.stdout),
        "hello from stage2\nB\ntools-ok\n",
        "{}",
        String::from_utf8_lossy(&tools.stderr)
    );

    let v = bootstrap(&["-C", path_str(&proj), "verify", "--target", path_str(&c)]);
    let (vout, verr) = text(&v);
    assert!(v.status.success(), "{vout}\n{verr}");
    assert!(vout.contains("verify: identical"), "{vout}");

    // The finished system boots (the chroot tree written to a disk image,
    // our kernel from its /boot): stage 1 checks the root, the supervisor
    // runs every service, root logs in with the password the run made,
    // the logger is restarted when killed, DHCP gives QEMU's address, and
    // the power-off leaves a clean filesystem.
    let services = ["getty-tty1", "getty-ttyS0", "klogd", "syslogd", "udhcpc"];
    let check = "i=0; while [ $i -lt 120 ]; do \
        n=$(sv status /var/service/* | grep -c '^run:'); \
        a=$(ip -4 addr show eth0 | grep -c 'inet '); \
        if [ \"$n\" = 5 ] && [ \"$a\" = 1 ]; then break; fi; sleep 1; i=$((i+1)); done; \
        sv status /var/service/*; ip -4 addr show eth0; \
        p=$(pidof syslogd); kill $p; sleep 3; echo \"syslogd $p -> $(pidof syslogd)\"; \
        logger -t chaintest hello-from-the-test; sleep 1; \
        echo \"logged $(grep -c 'chaintest: hello-from-the-test' /var/log/messages)\"; \
        echo \"release $(uname -r)\"; grep ' / ' /proc/mounts";
    let boot = |extra: &[&str]| {
        let mut args = vec![
            "-C",
            path_str(&proj),
            "boot",
            "--target",
            path_str(&c),
            "--timeout",
            "900",
        ];
        args.extend(extra);
        bootstrap(&args)
    };
    let b = boot(&["--exec", check]);
    let (bout, berr) = text(&b);
    let console =
        std::fs::read_to_string(c.join(".bootstrap-host/boot-console.log")).unwrap_or_default();
    assert!(b.status.success(), "{bout}\n{berr}\nconsole:\n{console}");
    // Through the firmware and the disk's GRUB, as a machine boots it.
    assert!(
        berr.contains("booting the disk's GRUB from legacy BIOS"),
        "{berr}"
    );
    assert!(
        console.contains("bootstrap: starting /boot/vmlinuz (root PARTUUID="),
        "GRUB did not start the system's kernel:\n{console}"
    );
    for s in services {
        assert!(
            bout.contains(&format!("run: /var/service/{s}: (pid ")),
            "{s} is not running:\n{bout}"
        );
    }
    assert!(
        bout.contains("inet 10.0.2.15/24"),
        "no DHCP address:\n{bout}"
    );
    let restarted = bout
        .lines()
        .find_map(|l| l.strip_prefix("syslogd "))
        .and_then(|l| l.split_once(" -> "))
        .unwrap_or_else(|| panic!("no syslogd line:\n{bout}"));
    assert!(
        !restarted.0.is_empty() && !restarted.1.is_empty() && restarted.0 != restarted.1,
        "syslogd was not restarted with a new pid: {restarted:?}\n{bout}"
    );
    assert!(
        bout.contains("logged 1\n"),
        "the logged line is not in /var/log/messages:\n{bout}"
    );
    assert!(bout.contains(&format!("release {release}\n")), "{bout}");
    assert!(
        bout.contains(" / ext4 rw,"),
        "the root is not writable after stage 1:\n{bout}"
    );
    assert!(
        console.contains("BOOTSTRAP: clean"),
        "stage 1 did not check the root:\n{console}"
    );
    assert!(
        console.contains("reboot: Power down"),
        "no clean power-off:\n{console}"
    );
    assert!(!console.contains("can't"), "a stage complained:\n{console}");
    let image = c.join(".bootstrap-host/boot-disk/disk.img");
    let fsck = Command::new(sbin("e2fsck").expect("e2fsck (e2fsprogs)"))
        .args(["-fn", &format!("{}?offset=1048576", image.display())])
        .output()
        .unwrap();
    assert!(
        fsck.status.success(),
        "the disk is not clean after the power-off: {:?}",
        text(&fsck)
    );

    // From UEFI firmware (OVMF) too.
    let b = boot(&["--uefi", "--exec", "echo \"release $(uname -r)\""]);
    let (bout, berr) = text(&b);
    assert!(b.status.success(), "{bout}\n{berr}");
    assert!(berr.contains("booting the disk's GRUB from UEFI"), "{berr}");
    assert!(bout.contains(&format!("release {release}\n")), "{bout}");

    // The same disk started by the stock kernel (`boot --kernel`): an
    // initramfs loads its modules and hands the disk to the same init.
    let b = boot(&[
        "--kernel",
        path_str(&kernel),
        "--runner",
        path_str(&runner),
        "--exec",
        "sv status /var/service/*; echo \"release $(uname -r)\"",
    ]);
    let (bout, berr) = text(&b);
    assert!(b.status.success(), "{bout}\n{berr}");
    assert!(
        bout.contains("run: /var/service/syslogd: (pid ") && !bout.contains(&release),
        "{bout}"
    );
    assert!(
        bout.contains("release ") && bout.contains("-cloud-amd64\n"),
        "{bout}"
    );

    // One changed byte in the chroot target is named, with its step.
    let libc = c.join("usr/lib/libc.a");
    let mut bytes = std::fs::read(&libc).unwrap();
    bytes[1000] ^= 1;
    std::fs::write(&libc, bytes).unwrap();
    let v = bootstrap(&["-C", path_str(&proj), "verify", "--target", path_str(&c)]);
    let (vout, _) = text(&v);
    assert!(!v.status.success());
    assert!(
        vout.contains("sysa/musl-1.2.3: /usr/lib/libc.a: changed on disk since it was installed"),
        "{vout}"
    );

    // The same sysa in QEMU, all of it from the step cache: the guest only
    // kexecs into the kernel the chroot run built; sysb and sysc run on it.
    // sysc's rebuilds were checked above; here sysc only has to run (the
    // cut leaves every sysa key as it was), and its one step comes from the
    // cache too, laid onto the disk, whose state the switch_root keeps.
    keep_steps(&proj, "sysc", &["check-system"]);
    let q = t.path().join("q");
    let o = run(
        "--qemu",
        &q,
        &["--accel", "tcg", "--kernel", path_str(&kernel)],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(err.contains("restored from the step cache"), "{err}");
    assert!(
        err.contains("sysa kexecs into the kernel it builds, /boot/vmlinuz"),
        "{err}"
    );
    // sysb boots our kernel; sysc runs on it after the switch_root.
    assert!(
        out.contains(&format!("bootstrap: booted Linux {release}, stage sysb")),
        "sysb on our kernel:\n{out}"
    );
    assert!(
        out.contains("[sysc 1/1] skip check-system (already completed)"),
        "{out}"
    );
    let restored = std::fs::read_to_string(q.join("root/bootstrap/state/restored")).unwrap();
    assert!(restored.contains("sysa kit "), "{restored}");
    assert!(restored.contains("sysc check-system "), "{restored}");
    // The disk holds our kernel, with the bytes its record has.
    assert!(q.join(format!("root/boot/vmlinuz-{release}")).is_file());
    let v = bootstrap(&[
        "-C",
        path_str(&proj),
        "verify",
        "--partial",
        "--target",
        path_str(&q.join("root")),
    ]);
    assert!(v.status.success(), "{:?}", text(&v));
}
