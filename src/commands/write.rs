//! `bootstrap write IMAGE DEVICE`: an image (the `boot.img` or `disk.img` of
//! `run --bare-metal`) onto a USB stick or disk, checked before (not the
//! running root, nothing mounted, removable unless --force, asked on a
//! terminal) and read back after.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use bootstrap::image::device::{self, human};

#[derive(Args)]
pub struct WriteArgs {
    /// The image to write.
    pub image: PathBuf,
    /// The whole disk to overwrite, e.g. /dev/sdb.
    pub device: PathBuf,
    /// Also write to a disk the kernel does not call removable. Never
    /// overrides the refusal of a mounted device or the running root.
    #[arg(long)]
    pub force: bool,
    /// Do not ask (for scripts; without a terminal it is required).
    #[arg(long)]
    pub yes: bool,
}

pub fn run(a: &WriteArgs) -> Result<ExitCode> {
    let len = std::fs::metadata(&a.image)
        .with_context(|| a.image.display().to_string())?
        .len();
    let f = device::inspect(&a.device)?;
    if let Some(why) = device::refusal(&f, len, a.force) {
        bail!("refusing to write: {why}");
    }
    let what = format!(
        "{}: {}, {}{}",
        f.path.display(),
        f.model,
        human(f.size),
        if f.removable { ", removable" } else { "" }
    );
    eprintln!("bootstrap: {what}");
    if !a.yes {
        if !std::io::stdin().is_terminal() {
            bail!("not asking without a terminal: give --yes to write without confirmation");
        }
        eprint!(
            "Everything on {} will be lost. Write {} ({}) to it? Type yes: ",
            f.path.display(),
            a.image.display(),
            human(len)
        );
        std::io::stderr().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if answer.trim() != "yes" {
            eprintln!("bootstrap: nothing written");
            return Ok(ExitCode::FAILURE);
        }
    }
    let bar = match std::io::stderr().is_terminal() {
        true => ProgressBar::new(len).with_style(
            ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}")
                .expect("a valid template"),
        ),
        false => ProgressBar::hidden(),
    };
    let (written, back) = device::write(&a.image, &f, &|n| bar.set_position(n))
        .with_context(|| format!("{} may hold a partial image now", f.path.display()))?;
    bar.finish_and_clear();
    println!(
        "bootstrap: wrote {} ({len} bytes) to {}",
        a.image.display(),
        f.path.display()
    );
    println!("bootstrap: image     sha256 {written}");
    println!("bootstrap: read back sha256 {back}");
    if written != back {
        eprintln!(
            "bootstrap: FAILED: what {} holds now differs from the image; do not boot it",
            f.path.display()
        );
        return Ok(ExitCode::FAILURE);
    }
    println!(
        "bootstrap: the read-back matches the image; {} is ready",
        f.path.display()
    );
    Ok(ExitCode::SUCCESS)
}
