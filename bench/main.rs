//! `./x bench`: Satchel's speed and memory against named peers measured in
//! the same run, on the same real servers as the tests (see bench/results.md).
//!
//! cargo bench --bench bench -- [--quick] [--only 1,2,…]
//!   --quick   smaller files and fewer runs, for iterating (not recorded)
//!   --only    just these figures (not recorded)
//!
//! A full run appends its table to bench/results.md.

mod cpu;
#[path = "../tests/e2e/harness.rs"]
#[allow(dead_code)] // the bench drives the window with part of the e2e harness
mod harness;
mod measure;
mod pictures;
mod report;
mod scale;
mod sizes;
use satchel_test_support as support;
mod transfer;
mod window;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::Result;
use report::Row;

/// What a run measures with, full or quick.
pub struct Bench {
    /// Scratch space for the big files (gitignored), removed at the end.
    pub tmp: PathBuf,
    pub runs: usize,
    /// The file of figures 1 and 3.
    pub big: u64,
    /// The largest file of figure 2.
    pub huge: u64,
    /// The raw file of figure 4.
    pub raw: u64,
    pub small_files: usize,
    /// The folder of figure 10, listed and uploaded in the window.
    pub many_files: usize,
    /// Cold starts to take the median of.
    pub starts: usize,
    /// The queue sizes of figure 8.
    pub scale: Vec<usize>,
}

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let only: Option<Vec<u32>> = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(|list| {
            list.split(',')
                .filter_map(|n| n.trim().parse().ok())
                .collect()
        });
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bench = Bench {
        tmp: root.join("target/bench-tmp"),
        runs: if quick { 3 } else { 5 },
        big: if quick { 64 * MIB } else { GIB },
        huge: if quick { 512 * MIB } else { 4 * GIB },
        raw: if quick { 64 * MIB } else { 256 * MIB },
        small_files: 1000,
        many_files: 10_000,
        starts: if quick { 3 } else { 10 },
        scale: if quick {
            vec![1000, 10_000, 30_000]
        } else {
            vec![1000, 10_000, 100_000]
        },
    };
    let wanted = |figure: u32| only.as_ref().is_none_or(|o| o.contains(&figure));
    if let Err(e) = transfer::fresh_dir(&bench.tmp) {
        eprintln!("bench: cannot make {}: {e:#}", bench.tmp.display());
        return ExitCode::FAILURE;
    }

    let started = Instant::now();
    let mut rows = vec![];
    let mut failed = false;
    let mut figure = |number: u32, name: &str, run: &dyn Fn() -> Result<Vec<Row>>| {
        if !wanted(number) {
            return;
        }
        eprintln!("bench: figure {number}, {name}…");
        // The last figure's gigabytes are written back now, not during this
        // one's fsyncs.
        measure::settle();
        match run() {
            Ok(mut new) => {
                eprint!("{}", report::table(&new));
                rows.append(&mut new);
            }
            Err(e) => {
                eprintln!("bench: figure {number} failed: {e:#}");
                rows.push(Row::new(
                    format!("{number}. {name}"),
                    format!("failed: {e:#}"),
                ));
                failed = true;
            }
        }
    };
    figure(1, "big uploads", &|| transfer::upload_big(&bench));
    figure(2, "peak memory", &|| transfer::peak_memory(&bench));
    figure(3, "fetchAndAddUrl", &|| window::fetch_url(&bench));
    figure(4, "addRawFile", &|| window::raw_file(&bench));
    figure(5, "small files", &|| {
        Ok(vec![
            transfer::small_files(&bench)?,
            window::small_files(&bench)?,
        ])
    });
    figure(6, "cold start", &|| window::cold_start(&bench));
    figure(7, "sizes", &|| sizes::sizes(root));
    figure(8, "headless at scale", &|| {
        scale::headless_scale(&bench, &bench.scale)
    });
    figure(9, "pictures", &|| pictures::shrink_photo(&bench));
    figure(10, "10,000 files in the window", &|| {
        window::many_files(&bench)
    });
    let _ = std::fs::remove_dir_all(&bench.tmp);

    let table = report::table(&rows);
    let took = started.elapsed().as_secs();
    let heading = format!(
        "{} — {}, commit {} ({} min {} s)",
        output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        machine(),
        output("git", &["describe", "--always", "--dirty"]),
        took / 60,
        took % 60
    );
    println!("\n{heading}\n\n{table}");
    if quick || only.is_some() {
        println!("(a quick or partial run: not recorded in bench/results.md)");
    } else if let Err(e) = report::record(&root.join("bench/results.md"), &heading, &table, 5) {
        eprintln!("bench: cannot write bench/results.md: {e:#}");
        failed = true;
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// `nproc` and memory, for the record.
fn machine() -> String {
    let memory = measure::status_field("/proc/meminfo", "MemTotal:").unwrap_or(0);
    format!(
        "{} CPUs, {:.0} GiB",
        output("nproc", &[]),
        memory as f64 / f64::from(1 << 20)
    )
}

fn output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|e| format!("({program}: {e})"))
}
