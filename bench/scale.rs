//! Figure 8: headless uploads at scale. The same 1 KiB files, a thousand,
//! ten thousand and a hundred thousand of them, to a folder: the time per
//! file must not grow with the queue (no save rewrites the whole queue, no
//! step looks at every file per file) and memory must stay bounded.
//!
//! Everything (the files, the destination, Satchel's state) is on a tmpfs
//! when there is one (`/dev/shm`): what is measured is Satchel's own work
//! per file, not the disk's syncs, which figure 5 already pays.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::measure::{self, mib, Run};
use crate::report::Row;
use crate::support;
use crate::transfer::fresh_dir;
use crate::Bench;

/// The most memory the largest run may take.
const MAX_RSS_MIB: f64 = 256.0;
/// How much slower per file the largest run may be than the smallest.
const MAX_SPREAD: f64 = 2.0;

pub fn headless_scale(bench: &Bench, counts: &[usize]) -> Result<Vec<Row>> {
    let shm = Path::new("/dev/shm");
    let base = if shm.is_dir() {
        shm.join(format!("satchel-bench-{}", std::process::id()))
    } else {
        bench.tmp.join("scale")
    };
    let result = measure_all(&base, counts);
    let _ = std::fs::remove_dir_all(&base);
    let runs = result?;
    let per_file = |(count, run): &(usize, Run)| run.time.as_secs_f64() / *count as f64;
    let first = runs.first().map(per_file).unwrap_or(0.0);
    let largest = runs.last().map(|(_, run)| mib(run.peak_rss)).unwrap_or(0.0);
    let where_ = if shm.is_dir() { "tmpfs" } else { "disk" };
    Ok(runs
        .iter()
        .map(|entry| {
            let (count, run) = entry;
            let spread = per_file(entry) / first;
            let met = spread <= MAX_SPREAD && largest <= MAX_RSS_MIB;
            Row::new(
                format!("8. {count} × 1 KiB to a folder ({where_}), headless"),
                format!(
                    "{:.0} files/s, {:.0} µs a file ({:.2}× the {}-file run)",
                    *count as f64 / run.time.as_secs_f64(),
                    per_file(entry) * 1e6,
                    spread,
                    runs[0].0
                ),
            )
            .memory(format!("{:.0} MiB peak", mib(run.peak_rss)))
            .target(
                format!(
                    "time a file within {MAX_SPREAD}× across sizes, ≤ {MAX_RSS_MIB:.0} MiB peak"
                ),
                met,
            )
        })
        .collect())
}

fn measure_all(base: &Path, counts: &[usize]) -> Result<Vec<(usize, Run)>> {
    let mut runs = vec![];
    for &count in counts {
        let files = base.join("files");
        fresh_dir(&files)?;
        write_files(&files, count)?;
        let out = base.join("out");
        let run = measure::median_of(1, || fresh_dir(&out), || upload(base, &files, &out))?;
        let landed = std::fs::read_dir(&out)?.count();
        anyhow::ensure!(landed == count, "{landed} of {count} files landed");
        runs.push((count, run));
    }
    Ok(runs)
}

/// `count` files of 1 KiB, a thousand to a folder (as photos come).
fn write_files(dir: &Path, count: usize) -> Result<()> {
    for n in 0..count {
        let folder = dir.join(format!("d{:03}", n / 1000));
        if n % 1000 == 0 {
            std::fs::create_dir_all(&folder)?;
        }
        let path: PathBuf = folder.join(format!("f{n:06}.bin"));
        std::fs::write(&path, support::content(1024, n as u8))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

fn upload(base: &Path, files: &Path, out: &Path) -> Command {
    let _ = std::fs::remove_dir_all(base.join("state"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_satchel"));
    command
        .args(["upload", "--to"])
        .arg(out)
        // maxFiles is 1000 unless told otherwise.
        .args(["--max-files", "1000000"])
        .arg(files)
        .env("XDG_STATE_HOME", base.join("state"))
        .env("XDG_CONFIG_HOME", base.join("config"))
        .env("XDG_DATA_HOME", base.join("data"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
    command
}
