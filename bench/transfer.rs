//! Headless uploads (`satchel upload`) against the tools they replace, to
//! the same real servers the tests use: figures 1, 2 and 5.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::measure::{self, mb_per_s, mib, Run};
use crate::report::Row;
use crate::support::{self, ServerProcess};
use crate::Bench;

/// Headers a tus client sends with every request.
const TUS: &str = "Tus-Resumable: 1.0.0";
/// curl waits for `100 Continue` before large bodies; Satchel does not.
const NO_EXPECT: &str = "Expect:";
/// What `--to s3://` and rclone sign with; moto accepts anything.
const AWS_ENV: [(&str, &str); 3] = [
    ("AWS_ACCESS_KEY_ID", "bench"),
    ("AWS_SECRET_ACCESS_KEY", "bench"),
    ("AWS_REGION", "us-east-1"),
];
const BUCKET: &str = "bench";

/// `satchel upload --to DEST FILES…` with its own state and config folders.
pub fn satchel_upload(bench: &Bench, dest: &str, files: &[&Path]) -> Command {
    // A failed run must not leave an interrupted queue in the next one's way.
    let _ = std::fs::remove_dir_all(bench.tmp.join("state"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_satchel"));
    command
        .args(["upload", "--to", dest])
        .args(files)
        .env("XDG_STATE_HOME", bench.tmp.join("state"))
        .env("XDG_CONFIG_HOME", bench.tmp.join("config"))
        .env("XDG_DATA_HOME", bench.tmp.join("data"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
    command
}

/// Figure 1: one big file to each destination, Satchel against its peer.
pub fn upload_big(bench: &Bench) -> Result<Vec<Row>> {
    let size = bench.big;
    let file = bench.tmp.join("big.bin");
    measure::make_file(&file, size)?;
    let mut rows = vec![];

    let out = bench.tmp.join("out");
    let clean_out = || fresh_dir(&out);
    // Satchel syncs each file before naming it; cp leaves it in the page
    // cache, so cp + sync is timed too. The three take turns.
    let runs = measure::interleaved(
        bench.runs,
        clean_out,
        &mut [
            &mut || satchel_upload(bench, out.to_str().unwrap_or_default(), &[&file]),
            &mut || {
                let mut c = Command::new("cp");
                c.arg(&file).arg(out.join("peer.bin"));
                c
            },
            &mut || {
                shell(&format!(
                    "cp '{0}' '{1}' && sync '{1}'",
                    file.display(),
                    out.join("peer.bin").display()
                ))
            },
        ],
        |_| Ok(()),
    )?;
    let (satchel, cp, cp_sync) = (runs[0], runs[1], runs[2]);
    rows.push(compare("folder", size, satchel, "cp", cp));
    rows.push(compare("folder", size, satchel, "cp + sync FILE", cp_sync));
    fresh_dir(&out)?;

    let tus = support::tus_server();
    let url = format!("{}/files/", tus.base());
    let clean = || empty_storage(&tus);
    let runs = measure::interleaved(
        bench.runs,
        clean,
        &mut [
            &mut || satchel_upload(bench, &format!("tus+{url}"), &[&file]),
            &mut || tus_curl(&url, &file, size),
        ],
        |_| Ok(()),
    )?;
    let (satchel, curl) = (runs[0], runs[1]);
    rows.push(compare("tus", size, satchel, "curl, one PATCH", curl));
    drop(tus);

    let post = support::post_server();
    let url = format!("{}/upload", post.base());
    let clean = || empty_storage(&post);
    let runs = measure::interleaved(
        bench.runs,
        clean,
        &mut [
            &mut || satchel_upload(bench, &format!("post+{url}"), &[&file]),
            &mut || {
                let mut c = Command::new("curl");
                c.args(["-sSf", "-o", "/dev/null", "-H", NO_EXPECT, "-F"])
                    .arg(format!("file=@{}", file.display()))
                    .arg(&url);
                c
            },
        ],
        |_| Ok(()),
    )?;
    let (satchel, curl) = (runs[0], runs[1]);
    rows.push(compare("multipart POST", size, satchel, "curl -F", curl));
    drop(post);

    rows.push(s3_multipart(bench, &file, size)?);
    Ok(rows)
}

fn s3_multipart(bench: &Bench, file: &Path, size: u64) -> Result<Row> {
    let s3 = support::s3_server();
    let rclone = |args: &[&str]| {
        let mut c = Command::new("rclone");
        c.arg("--config")
            .arg(bench.tmp.join("rclone.conf"))
            .args(["-q", "--s3-provider", "Other", "--s3-endpoint", &s3.base()])
            .args([
                "--s3-access-key-id",
                "bench",
                "--s3-secret-access-key",
                "bench",
            ])
            .args(args)
            .envs(AWS_ENV)
            // A CA bundle for real AWS makes rclone refuse plain HTTP.
            .env_remove("AWS_CA_BUNDLE");
        c
    };
    std::fs::write(bench.tmp.join("rclone.conf"), "")?;
    measure::run(&mut rclone(&["mkdir", &format!(":s3:{BUCKET}")]))?;
    // moto keeps objects in memory: each run starts from an empty bucket.
    let clean = || measure::run(&mut rclone(&["delete", &format!(":s3:{BUCKET}")])).map(drop);
    // moto is slow (about 15 s a GiB): three runs each keep the bench short.
    let runs = bench.runs.min(3);
    let target = format!(":s3:{BUCKET}/peer/big.bin");
    let runs = measure::interleaved(
        runs,
        clean,
        &mut [
            &mut || {
                let mut c = satchel_upload(bench, &format!("s3://{BUCKET}/satchel/"), &[file]);
                c.args(["--s3-endpoint", &s3.base()]).envs(AWS_ENV);
                c
            },
            &mut || {
                let mut c = rclone(&["copyto"]);
                c.arg(file).arg(&target);
                c
            },
        ],
        |_| Ok(()),
    )?;
    let (satchel, peer) = (runs[0], runs[1]);
    clean()?;
    Ok(compare(
        "S3 multipart",
        size,
        satchel,
        "rclone copyto",
        peer,
    ))
}

/// A tus upload by curl: the creation POST, then every byte in one PATCH.
fn tus_curl(url: &str, file: &Path, size: u64) -> Command {
    shell(&format!(
        "set -e
loc=$(curl -sSf -X POST -H '{TUS}' -H 'Upload-Length: {size}' -o /dev/null -w '%header{{location}}' '{url}')
case $loc in http*) ;; *) loc='{origin}'$loc ;; esac
curl -sSf -o /dev/null -X PATCH -H '{TUS}' -H 'Upload-Offset: 0' -H '{NO_EXPECT}' \
  -H 'Content-Type: application/offset+octet-stream' -T '{file}' \"$loc\"",
        origin = url.trim_end_matches("/files/"),
        file = file.display(),
    ))
}

/// The upload row of a big file: MB/s both ways, peer time / Satchel time.
fn compare(to: &str, size: u64, satchel: Run, peer_name: &str, peer: Run) -> Row {
    let ratio = peer.time.as_secs_f64() / satchel.time.as_secs_f64();
    Row::new(
        format!("1. upload {:.0} MiB to {to}", mib(size)),
        format!(
            "{:.0} MB/s ({:.2} s)",
            mb_per_s(size, satchel.time),
            satchel.time.as_secs_f64()
        ),
    )
    .peer(
        format!(
            "{peer_name}: {:.0} MB/s ({:.2} s)",
            mb_per_s(size, peer.time),
            peer.time.as_secs_f64()
        ),
        ratio,
    )
    .memory(format!("{:.0} MiB peak", mib(satchel.peak_rss)))
    .target("≥ 0.95×", ratio >= 0.95)
}

/// Figure 2: Satchel's peak memory uploading a small, a mid and a huge file
/// to tus (streamed: the same whatever the size).
pub fn peak_memory(bench: &Bench) -> Result<Vec<Row>> {
    let tus = support::tus_server();
    let dest = format!("tus+{}/files/", tus.base());
    let peak = |size: u64| -> Result<Run> {
        let file = bench.tmp.join(format!("rss-{size}.bin"));
        measure::make_file(&file, size)?;
        let run = measure::median_of(
            1,
            || empty_storage(&tus),
            || satchel_upload(bench, &dest, &[&file]),
        )?;
        std::fs::remove_file(&file)?;
        empty_storage(&tus)?;
        Ok(run)
    };
    let idle = peak(1024)?;
    let sizes = [256 << 20, bench.huge];
    let runs: Vec<Run> = sizes.iter().map(|&s| peak(s)).collect::<Result<_>>()?;
    let over = |r: &Run| mib(r.peak_rss.saturating_sub(idle.peak_rss));
    let spread = (over(&runs[0]) - over(&runs[1])).abs();
    let rows = sizes
        .iter()
        .zip(&runs)
        .map(|(&size, run)| {
            let met = over(run) <= 64.0 && spread <= 16.0;
            Row::new(
                format!("2. peak RSS, headless upload of {:.0} MiB", mib(size)),
                format!(
                    "{:.1} MiB over idle ({:.0} MB/s)",
                    over(run),
                    mb_per_s(size, run.time)
                ),
            )
            .memory(format!(
                "{:.0} MiB peak, idle {:.0} MiB",
                mib(run.peak_rss),
                mib(idle.peak_rss)
            ))
            .target("≤ 64 MiB over idle, sizes within 16 MiB", met)
        })
        .collect();
    Ok(rows)
}

/// Figure 5, headless: many small files to tus, against one curl process
/// sending the same files over one connection (tus creation-with-upload).
pub fn small_files(bench: &Bench) -> Result<Row> {
    let dir = bench.tmp.join("small");
    fresh_dir(&dir)?;
    let files: Vec<PathBuf> = (0..bench.small_files)
        .map(|n| {
            let path = dir.join(format!("f{n:04}.bin"));
            std::fs::write(&path, support::content(1024, n as u8)).map(|()| path)
        })
        .collect::<std::io::Result<_>>()?;
    let tus = support::tus_server();
    let url = format!("{}/files/", tus.base());
    let mut config = String::new();
    for (n, path) in files.iter().enumerate() {
        if n > 0 {
            config.push_str("next\n");
        }
        let _ = write!(
            config,
            "url = \"{url}\"\nrequest = \"POST\"\nheader = \"{TUS}\"\nheader = \"Upload-Length: 1024\"\n\
             header = \"Content-Type: application/offset+octet-stream\"\n\
             data-binary = \"@{}\"\noutput = \"/dev/null\"\n",
            path.display()
        );
    }
    let curl_config = bench.tmp.join("small.curl");
    std::fs::write(&curl_config, config)?;
    measure::settle();
    let clean = || empty_storage(&tus);
    // Right after each run, before the storage is emptied for the next:
    // every file stored whole, as data files (not counting tus's .json).
    let check = |side: usize| {
        let whole = std::fs::read_dir(tus.storage.path())?
            .filter_map(|e| e.ok())
            .filter(|e| !e.file_name().to_string_lossy().ends_with(".json"))
            .filter(|e| e.metadata().is_ok_and(|m| m.len() == 1024))
            .count();
        anyhow::ensure!(
            whole == bench.small_files,
            "{} stored {whole} whole files of {}",
            ["satchel", "curl"][side],
            bench.small_files
        );
        Ok(())
    };
    let runs = measure::interleaved(
        bench.runs,
        clean,
        &mut [
            &mut || satchel_upload(bench, &format!("tus+{url}"), &[&dir]),
            &mut || {
                let mut c = Command::new("curl");
                c.args(["-sSf", "-K"]).arg(&curl_config);
                c
            },
        ],
        check,
    )?;
    let (satchel, curl) = (runs[0], runs[1]);
    let rate = |run: &Run| bench.small_files as f64 / run.time.as_secs_f64();
    let ratio = curl.time.as_secs_f64() / satchel.time.as_secs_f64();
    std::fs::remove_dir_all(&dir)?;
    Ok(Row::new(
        format!("5. {} × 1 KiB to tus, headless", bench.small_files),
        format!("{:.0} files/s", rate(&satchel)),
    )
    .peer(
        format!("curl -K, one connection: {:.0} files/s", rate(&curl)),
        ratio,
    )
    .memory(format!("{:.0} MiB peak", mib(satchel.peak_rss)))
    .target("≥ 300 files/s", rate(&satchel) >= 300.0))
}

fn shell(script: &str) -> Command {
    let mut c = Command::new("sh");
    c.arg("-c").arg(script);
    c
}

/// Removes and recreates `dir`.
pub fn fresh_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("emptying {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir)?;
    Ok(())
}

/// Deletes what a server stored, so runs do not fill the disk.
fn empty_storage(server: &ServerProcess) -> Result<()> {
    for entry in std::fs::read_dir(server.storage.path())? {
        let path = entry?.path();
        if path.is_dir() {
            std::fs::remove_dir_all(&path)?;
        } else {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}
