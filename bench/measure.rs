//! Timing and memory of child processes: medians of several runs, and the
//! peak resident memory of a process tree sampled from /proc.

use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// What one run of a program cost.
#[derive(Clone, Copy, Debug)]
pub struct Run {
    pub time: Duration,
    /// Peak resident memory of the process (VmHWM), in bytes.
    pub peak_rss: u64,
}

/// The median of `runs`, by time; `peak_rss` is the largest seen.
pub fn median(mut runs: Vec<Run>) -> Run {
    runs.sort_by_key(|r| r.time);
    let peak_rss = runs.iter().map(|r| r.peak_rss).max().unwrap_or(0);
    let time = runs.get(runs.len() / 2).map_or(Duration::ZERO, |r| r.time);
    Run { time, peak_rss }
}

/// Runs `command` to completion, failing with its stderr unless it exits 0,
/// and samples its peak memory every few milliseconds while it runs.
pub fn run(command: &mut Command) -> Result<Run> {
    let described = format!("{command:?}");
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {described}"))?;
    let pid = child.id();
    // Drain the pipes on their own threads so a chatty child never blocks.
    let stdout = child.stdout.take().context("stdout")?;
    let stderr = child.stderr.take().context("stderr")?;
    let out = thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let err = thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let mut peak_rss = 0;
    let status = loop {
        // VmHWM is the process's own high-water mark: a late sample is exact
        // for everything before it.
        peak_rss = peak_rss.max(status_kib(pid, "VmHWM:").unwrap_or(0) * 1024);
        if let Some(status) = child.try_wait()? {
            break status;
        }
        thread::sleep(Duration::from_millis(5));
    };
    let time = started.elapsed();
    let (_out, err) = (
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default(),
    );
    if !status.success() {
        bail!("{described} failed ({status}): {}", err.trim());
    }
    Ok(Run { time, peak_rss })
}

/// Runs `prepare` then times `command`, `count` times, and takes the median.
pub fn median_of(
    count: usize,
    mut prepare: impl FnMut() -> Result<()>,
    mut command: impl FnMut() -> Command,
) -> Result<Run> {
    let mut runs = Vec::with_capacity(count);
    for _ in 0..count {
        prepare()?;
        runs.push(run(&mut command())?);
    }
    Ok(median(runs))
}

/// Times several commands in turns (A B A B …, or A B C A B C …), `count`
/// runs each, with `prepare` before every run and `after(i)` right after a
/// run of command `i` (to check what it did before anything else runs), and
/// takes each one's median. Whatever drifts during a bench (the page cache,
/// other load, the CPU's clock) then weighs on every side alike, so the
/// ratios between them compare like with like.
pub fn interleaved(
    count: usize,
    mut prepare: impl FnMut() -> Result<()>,
    commands: &mut [&mut dyn FnMut() -> Command],
    mut after: impl FnMut(usize) -> Result<()>,
) -> Result<Vec<Run>> {
    let mut runs = vec![Vec::with_capacity(count); commands.len()];
    for _ in 0..count {
        for (i, command) in commands.iter_mut().enumerate() {
            prepare()?;
            runs[i].push(run(&mut command())?);
            after(i)?;
        }
    }
    Ok(runs.into_iter().map(median).collect())
}

/// A `/proc/PID/status` field in KiB (`VmRSS:`, `VmHWM:`).
pub fn status_kib(pid: u32, field: &str) -> Option<u64> {
    status_field(&format!("/proc/{pid}/status"), field)
}

/// A number after `field` in a `/proc` file of `Name: value kB` lines.
pub fn status_field(file: &str, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(file).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..].split_whitespace().next()?.parse().ok()
}

/// The resident memory of `pid` and all its descendants, in bytes (the
/// window's WebKit processes are children of the app).
pub fn tree_rss(pid: u32) -> u64 {
    let mut total = 0;
    let mut pending = vec![pid];
    while let Some(pid) = pending.pop() {
        total += status_kib(pid, "VmRSS:").unwrap_or(0) * 1024;
        pending.extend(children(pid));
    }
    total
}

fn children(pid: u32) -> Vec<u32> {
    let path = format!("/proc/{pid}/task/{pid}/children");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// Writes `size` bytes of incompressible content to `path` (from
/// /dev/urandom, in 1 MiB blocks), unless a file of that size is there.
pub fn make_file(path: &Path, size: u64) -> Result<()> {
    if std::fs::metadata(path).is_ok_and(|m| m.len() == size) {
        return Ok(());
    }
    let mib = size / (1 << 20);
    let status = Command::new("head")
        .arg("-c")
        .arg(size.to_string())
        .arg("/dev/urandom")
        .stdout(std::fs::File::create(path)?)
        .status()
        .with_context(|| format!("writing {mib} MiB to {}", path.display()))?;
    if !status.success() {
        bail!("head failed writing {}", path.display());
    }
    Ok(())
}

/// Writes every dirty page back (`sync`), so the next measurement does not
/// pay for the last one's.
pub fn settle() {
    let _ = Command::new("sync").status();
}

pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / f64::from(1 << 20)
}

/// Megabytes (10^6) per second.
pub fn mb_per_s(bytes: u64, time: Duration) -> f64 {
    bytes as f64 / 1e6 / time.as_secs_f64()
}
