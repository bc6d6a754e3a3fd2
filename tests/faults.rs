//! The fault suite: uploads to a real tus server while the network, the
//! server, the disk and Satchel itself fail under them, then counts what
//! happened to every file.
//!
//! Faults: connections cut mid-transfer and stalled (through the test
//! proxy), 5xx storms and 429s with Retry-After (injected by the server),
//! the server killed and restarted mid-upload, `satchel upload` killed with
//! SIGKILL at seeded random moments then resumed, corrupt state files, and
//! full disks (small tmpfs mounts, as root) under the spool and a folder
//! destination.
//!
//! S3 (moto) takes resets, 5xx storms and seeded kill -9 runs too (a third
//! as many: each sends 70 MiB).
//!
//! What is counted, at the servers: files that landed (complete, byte for
//! byte), files lost, files landed twice (tus: complete uploads of one name;
//! S3: objects stored more than once), body bytes re-sent that the server
//! had already confirmed (tus: below a confirmed offset, by tus_server.mjs
//! `--stats`; S3: parts already answered 200, by s3_server.py `/__stats`),
//! and uploads that started over: after every scenario no tus upload may be
//! left unfinished and no S3 multipart upload open, and the body bytes a
//! server received for each file may pass its size only by what the faults
//! explain ([`TUS_MARGIN`], [`s3_allowance`]). All but the first must be 0.
//!
//! Each scenario is a test of its own, by name (`cargo test --test faults --
//! stall` runs one); they run one after another over servers started once,
//! and each fails on its own figures. Half the kill -9 runs kill at a random
//! moment, half once a random share of the bytes has gone through; the tus
//! kill scenario fails unless at least [`MID_TRANSFER_KILLS`] of them landed
//! mid-transfer, the S3 one unless one did. SATCHEL_FAULT_SEED
//! replays the kill moments; SATCHEL_FAULT_RUNS sets how many (8). The
//! full-disk scenario mounts tmpfs and needs root: without it the suite
//! fails, unless SATCHEL_FAULT_SKIP_DISK_FULL=1 says to skip it.

use satchel_test_support as support;

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{satchel, tus_stored_bytes};
use satchel_core::{NoEvents, Picker, RetryPolicy, TusDestination, LOCAL_SOURCE};
use support::proxy::{Proxy, STALL_HOLD};
use support::{content, inject, ServerProcess};
use url::Url;

/// A test server's JSON answer to a GET (its figures, its pending faults).
async fn get_json(url: &str) -> serde_json::Value {
    let body = reqwest::get(url).await.unwrap().bytes().await.unwrap();
    serde_json::from_slice(&body).unwrap()
}

/// A tus server that keeps figures of what it was sent and confirmed.
struct Tus {
    server: ServerProcess,
    stats: tempfile::TempDir,
}

impl Tus {
    fn start() -> Tus {
        let stats = tempfile::tempdir().unwrap();
        let arg = format!("--stats={}", stats.path().join("stats.json").display());
        let server = ServerProcess::start("node", &["tus_server.mjs", &arg]);
        Tus { server, stats }
    }

    /// What tus_server.mjs counted; it writes the file as it starts, so a
    /// missing file is a broken test, not "nothing counted".
    fn stats(&self) -> serde_json::Value {
        let path = self.stats.path().join("stats.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("tus_server.mjs kept no stats in {}: {e}", path.display()));
        serde_json::from_str(&text).unwrap()
    }

    /// Bytes PATCHed again below an offset the server had confirmed.
    fn resent(&self) -> u64 {
        self.stats()["resent"].as_u64().unwrap()
    }

    /// PATCH requests the server has seen.
    fn patches(&self) -> u64 {
        self.stats()["patches"].as_u64().unwrap()
    }

    /// Every upload in the server's storage.
    fn uploads(&self) -> Vec<TusUpload> {
        let storage = self.server.storage.path();
        let mut uploads = vec![];
        for entry in std::fs::read_dir(storage).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(".json") else {
                continue;
            };
            // The server may be writing it this very moment: read it again.
            let read = || {
                let text = std::fs::read_to_string(storage.join(&name)).ok()?;
                serde_json::from_str::<serde_json::Value>(&text).ok()
            };
            let Some(info) = (0..40).find_map(|_| {
                read().or_else(|| {
                    std::thread::sleep(std::time::Duration::from_millis(25));
                    None
                })
            }) else {
                // Gone (an upload dropped), or broken for good.
                assert!(
                    !storage.join(&name).exists(),
                    "{name} in the tus store stays unreadable"
                );
                continue;
            };
            uploads.push(TusUpload {
                id: id.to_owned(),
                filename: info["metadata"]["filename"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                size: info["size"].as_u64(),
                data: std::fs::read(storage.join(id)).unwrap_or_default(),
            });
        }
        uploads
    }

    /// Complete uploads in the server's storage, by file name.
    fn landed(&self) -> HashMap<String, Vec<Vec<u8>>> {
        let mut landed: HashMap<String, Vec<Vec<u8>>> = HashMap::new();
        for upload in self.uploads() {
            if upload.complete() {
                landed.entry(upload.filename).or_default().push(upload.data);
            }
        }
        landed
    }

    /// Uploads the server holds that never completed, as "id (name, n of
    /// size bytes)", with the bytes each holds.
    fn unfinished(&self) -> Vec<(String, usize)> {
        self.uploads()
            .into_iter()
            .filter(|u| !u.complete())
            .map(|u| {
                let described = format!(
                    "{} ({}, {} of {:?} bytes)",
                    u.id,
                    u.filename,
                    u.data.len(),
                    u.size
                );
                (described, u.data.len())
            })
            .collect()
    }

    /// PATCH body bytes the server received for each file name, over every
    /// upload of that name.
    fn received(&self) -> HashMap<String, u64> {
        let stats = self.stats();
        let mut by_name: HashMap<String, u64> = HashMap::new();
        for upload in self.uploads() {
            let bytes = stats["received"][&upload.id].as_u64().unwrap_or(0);
            *by_name.entry(upload.filename).or_default() += bytes;
        }
        by_name
    }

    /// Faults asked of the server and not yet served.
    async fn pending_faults(&self) -> u64 {
        let answer = get_json(&format!("{}/__faults", self.server.base())).await;
        answer["pending"].as_u64().unwrap()
    }
}

/// One upload in the tus server's storage.
struct TusUpload {
    id: String,
    filename: String,
    /// The declared length (none while deferred).
    size: Option<u64>,
    data: Vec<u8>,
}

impl TusUpload {
    fn complete(&self) -> bool {
        self.size == Some(self.data.len() as u64)
    }
}

/// Body bytes a tus server may receive for a file beyond its size: what is
/// in flight when a connection is cut or a client killed, before the server
/// tells its offset again. A client that starts a file over sends it whole
/// again, far more than this for the larger files, and leaves an unfinished
/// upload for all of them.
const TUS_MARGIN: u64 = 256 * 1024;

/// Body bytes an S3 server may receive for a file beyond its size after
/// `interruptions` cuts or kills: S3 cannot resume inside a part, so each
/// interruption may cost the parts in flight (8 of 5 MiB here), or a single
/// PUT whole.
fn s3_allowance(size: u64, interruptions: u64) -> u64 {
    let parts_in_flight = 8 * 5 * MIB as u64;
    size.min(parts_in_flight) * interruptions
}

/// Kill -9 runs (tus and S3 together) that must have hit a transfer in the
/// middle: some bytes through, not all.
const MID_TRANSFER_KILLS: u64 = 3;

/// moto, with a bucket, and its own figures.
struct S3 {
    server: ServerProcess,
    http: reqwest::Client,
}

const BUCKET: &str = "faults";

impl S3 {
    /// moto checks no signatures: the bucket is made and read back plainly.
    async fn start() -> S3 {
        let server = support::s3_server();
        let http = reqwest::Client::new();
        let made = http
            .put(format!("{}/{BUCKET}", server.base()))
            .header("content-length", 0)
            .send()
            .await
            .unwrap();
        assert!(made.status().is_success());
        S3 { server, http }
    }

    async fn stats(&self) -> serde_json::Value {
        get_json(&format!("{}/__stats", self.server.base())).await
    }

    async fn resent(&self) -> u64 {
        self.stats().await["resent"].as_u64().unwrap()
    }

    /// Multipart uploads started and neither completed nor aborted, with
    /// how many parts each holds.
    async fn open_uploads(&self) -> Vec<(String, usize)> {
        let base = self.server.base();
        let mut open = vec![];
        for (key, id) in support::open_multipart_uploads(&base, BUCKET).await {
            let parts = support::multipart_parts(&base, BUCKET, &key, &id).await;
            open.push((format!("{key} (upload {id}, {parts} parts)"), parts));
        }
        open
    }

    /// A signed GET: moto refuses anonymous reads of some objects.
    fn signed_get(&self, key: &str) -> Url {
        use rusty_s3::S3Action;
        let bucket = rusty_s3::Bucket::new(
            Url::parse(&self.server.base()).unwrap(),
            rusty_s3::UrlStyle::Path,
            BUCKET,
            "us-east-1",
        )
        .unwrap();
        let credentials = rusty_s3::Credentials::new("test-key", "test-secret");
        bucket
            .get_object(Some(&credentials), key)
            .sign(Duration::from_secs(60))
    }

    async fn pending_faults(&self) -> u64 {
        let answer = get_json(&format!("{}/__faults", self.server.base())).await;
        answer["pending"].as_u64().unwrap()
    }

    /// Checks each file is stored once under `prefix`, byte for byte, and
    /// that the server received no more of it than `interruptions` explain.
    async fn check(
        &self,
        tally: &mut Tally,
        prefix: &str,
        files: &[(String, Vec<u8>)],
        interruptions: u64,
    ) {
        let stats = self.stats().await;
        for (name, data) in files {
            let path = format!("/{BUCKET}/{prefix}{name}");
            let stored = self
                .http
                .get(self.signed_get(&format!("{prefix}{name}")))
                .send();
            let stored = stored.await.unwrap();
            let status = stored.status();
            let body = stored.bytes().await.unwrap();
            let same = status.is_success() && body == data[..];
            if !same {
                let first_diff = body.iter().zip(data.iter()).position(|(a, b)| a != b);
                eprintln!(
                    "s3: {name} was lost ({status}, {} of {} bytes, first difference at {first_diff:?})",
                    body.len(),
                    data.len()
                );
                tally.lost += 1;
                continue;
            }
            tally.uploaded += 1;
            // It reads back, so the server must have counted it stored.
            let times = stats["stored"][&path].as_u64();
            assert!(times.is_some(), "s3_server.py did not count {path} stored");
            if times != Some(1) {
                eprintln!("s3: {name} was stored {times:?} times");
                tally.twice += 1;
            }
            let size = data.len() as u64;
            let received = stats["received"][&path].as_u64().unwrap_or(0);
            assert!(
                received >= size,
                "s3_server.py counted {received} bytes of {path}"
            );
            if received > size + s3_allowance(size, interruptions) {
                eprintln!("s3: {name} ({size} bytes) was sent {received} bytes");
                tally.started_over += 1;
            }
        }
    }
}

/// What the suite counts.
#[derive(Default, Debug, Clone)]
struct Tally {
    runs: u64,
    faults: u64,
    uploaded: u64,
    lost: u64,
    twice: u64,
    /// Files whose server received far more than their size, and uploads
    /// left unfinished or open: a transfer that started over.
    started_over: u64,
    /// Kill -9 runs that killed with some but not all bytes through.
    mid_transfer_kills: u64,
}

impl Tally {
    /// Checks each expected file landed exactly once with its bytes, and
    /// that the server received little more of it than its size.
    fn check(&mut self, tus: &Tus, files: &[(String, Vec<u8>)], scenario: &str) {
        let landed = tus.landed();
        let received = tus.received();
        for (name, data) in files {
            let got = received.get(name).copied().unwrap_or(0);
            if landed.contains_key(name) {
                assert!(
                    got >= data.len() as u64,
                    "tus_server.mjs counted {got} bytes of {name}"
                );
            }
            if got > data.len() as u64 + TUS_MARGIN {
                eprintln!(
                    "{scenario}: {name} ({} bytes) was sent {got} bytes",
                    data.len()
                );
                self.started_over += 1;
            }
            let copies = landed.get(name).map_or(0, |c| {
                c.iter().filter(|stored| *stored == data).count() as u64
            });
            match copies {
                0 => {
                    eprintln!("{scenario}: {name} was lost");
                    self.lost += 1;
                }
                1 => self.uploaded += 1,
                n => {
                    eprintln!("{scenario}: {name} landed {n} times");
                    self.uploaded += 1;
                    self.twice += 1;
                }
            }
        }
    }
}

/// Files for one scenario: distinct names and contents.
fn files(prefix: &str, sizes: &[usize], seed: u8) -> Vec<(String, Vec<u8>)> {
    sizes
        .iter()
        .enumerate()
        .map(|(i, &size)| {
            (
                format!("{prefix}-{i}.bin"),
                content(size, seed.wrapping_add(i as u8)),
            )
        })
        .collect()
}

fn write_all(dir: &Path, files: &[(String, Vec<u8>)]) -> Vec<PathBuf> {
    files
        .iter()
        .map(|(name, data)| {
            let path = dir.join(name);
            std::fs::write(&path, data).unwrap();
            path
        })
        .collect()
}

/// Patient enough to outlast a restart, quick enough for a test.
fn retry() -> RetryPolicy {
    RetryPolicy {
        first_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(400),
        retries: 12,
    }
}

/// A tus destination that gives up on a connection idle for a second.
fn tus_at(base: &str) -> TusDestination {
    TusDestination::new(Url::parse(&format!("{base}/files/")).unwrap())
        .with_retry(retry())
        .with_stall_timeout(Duration::from_secs(1))
}

/// Uploads `files` through the core pipeline; every file must land.
async fn upload(base: &str, dir: &Path, files: &[(String, Vec<u8>)]) {
    let paths = write_all(dir, files);
    let picker = Picker::new(Arc::new(tus_at(base)), Arc::new(NoEvents)).with_concurrency(3);
    picker.add_paths(&paths, LOCAL_SOURCE);
    let done = picker.upload().await.unwrap();
    assert!(done.files_failed.is_empty(), "{:?}", done.files_failed);
}

const MIB: usize = 1 << 20;

/// A connection closed (FIN) or reset (RST) in the middle of a PATCH.
async fn connection_cut(tus: &Tus, tally: &mut Tally, dir: &Path, reset: bool) {
    let proxy = Proxy::start(tus.server.port).await;
    proxy.faults.cut_resets.store(reset, Ordering::SeqCst);
    let name = if reset { "reset" } else { "cut" };
    let files = files(name, &[3 * MIB, 3 * MIB, 2 * MIB], 10 + u8::from(reset));
    proxy.cut_after(2 * MIB as u64);
    upload(&proxy.base(), dir, &files).await;
    assert!(proxy.was_cut());
    tally.runs += 1;
    tally.faults += 1;
    tally.check(tus, &files, name);
}

async fn connection_stall(tus: &Tus, tally: &mut Tally, dir: &Path) {
    let proxy = Proxy::start(tus.server.port).await;
    let files = files("stall", &[3 * MIB, 2 * MIB], 20);
    proxy.stall_after(MIB as u64 + 12345);
    let started = Instant::now();
    upload(&proxy.base(), dir, &files).await;
    assert!(proxy.was_stalled());
    // Only the stall timeout gets past a stalled connection this soon.
    assert!(started.elapsed() < STALL_HOLD, "{:?}", started.elapsed());
    tally.runs += 1;
    tally.faults += 1;
    tally.check(tus, &files, "stall");
}

async fn server_error_storm(tus: &Tus, tally: &mut Tally, dir: &Path) {
    let files = files("storm", &[2 * MIB, 2 * MIB, 2 * MIB, 1536 * 1024], 30);
    let mut injected = 0;
    for (method, status, count) in [
        ("POST", 502, 3),
        ("HEAD", 500, 3),
        ("PATCH", 503, 4),
        ("PATCH", 504, 2),
    ] {
        inject(&tus.server, method, status, count, None).await;
        injected += u64::from(count);
    }
    upload(&tus.server.base(), dir, &files).await;
    assert_eq!(
        tus.pending_faults().await,
        0,
        "some injected faults were never met"
    );
    tally.runs += 1;
    tally.faults += injected;
    tally.check(tus, &files, "storm");
}

async fn too_many_requests(tus: &Tus, tally: &mut Tally, dir: &Path) {
    let files = files("429", &[2 * MIB], 40);
    inject(&tus.server, "PATCH", 429, 2, Some(1)).await;
    let started = Instant::now();
    upload(&tus.server.base(), dir, &files).await;
    assert_eq!(tus.pending_faults().await, 0);
    // Two Retry-After: 1 waits, where the backoff alone waits 150 ms.
    assert!(started.elapsed() >= Duration::from_secs(2));
    tally.runs += 1;
    tally.faults += 2;
    tally.check(tus, &files, "429");
}

async fn server_restart(tus: &mut Tus, tally: &mut Tally, dir: &Path) {
    let proxy = Proxy::start(tus.server.port).await;
    proxy.faults.rate.store(8 << 20, Ordering::SeqCst);
    let files = files("restart", &[6 * MIB, 5 * MIB], 50);
    let paths = write_all(dir, &files);
    let picker = Arc::new(
        Picker::new(Arc::new(tus_at(&proxy.base())), Arc::new(NoEvents)).with_concurrency(2),
    );
    picker.add_paths(&paths, LOCAL_SOURCE);
    let running = tokio::spawn({
        let picker = picker.clone();
        async move { picker.upload().await }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while tus_stored_bytes(tus.server.storage.path()) < 3 << 20 {
        assert!(Instant::now() < deadline, "the upload never got going");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tus.server.restart();
    proxy.retarget(tus.server.port);
    proxy.faults.rate.store(0, Ordering::SeqCst);
    let done = running.await.unwrap().unwrap();
    assert!(done.files_failed.is_empty(), "{:?}", done.files_failed);
    tally.runs += 1;
    tally.faults += 1;
    tally.check(tus, &files, "restart");
}

fn s3_at(base: &str, prefix: &str) -> satchel_core::S3Destination {
    satchel_core::S3Destination::new(support::s3_config(base, BUCKET, prefix))
        .unwrap()
        .with_retry(retry())
        .with_multipart_threshold(5 * MIB as u64)
        .with_stall_timeout(Duration::from_secs(1))
}

/// Multipart and single-PUT uploads to S3 through a reset and a 5xx storm.
async fn s3_reset_and_storm(s3: &S3, tally: &mut Tally, dir: &Path) {
    let proxy = Proxy::start(s3.server.port).await;
    proxy.faults.cut_resets.store(true, Ordering::SeqCst);
    proxy.cut_after(7 * MIB as u64);
    let mut injected = 0;
    for (method, status, count) in [("PUT", 503, 4), ("POST", 500, 2)] {
        inject(&s3.server, method, status, count, None).await;
        injected += u64::from(count);
    }
    let files = files("s3", &[12 * MIB, 11 * MIB, 300_000], 140);
    let paths = write_all(dir, &files);
    let picker = Picker::new(Arc::new(s3_at(&proxy.base(), "storm/")), Arc::new(NoEvents))
        .with_concurrency(3);
    picker.add_paths(&paths, LOCAL_SOURCE);
    let done = picker.upload().await.unwrap();
    assert!(done.files_failed.is_empty(), "{:?}", done.files_failed);
    assert!(proxy.was_cut());
    tally.runs += 1;
    assert_eq!(
        s3.pending_faults().await,
        0,
        "some injected faults were never met"
    );
    tally.faults += 1 + injected;
    s3.check(tally, "storm/", &files, 1).await;
}

/// `satchel upload` to S3 of a multipart-sized file and two single-PUT ones,
/// killed with SIGKILL (see [`kill_during`]), then `satchel resume`, `runs`
/// times.
async fn s3_killed_and_resumed(s3: &S3, tally: &mut Tally, dir: &Path, seed: u64, runs: u64) {
    let proxy = Proxy::start(s3.server.port).await;
    let mut rng = Rng(seed.wrapping_mul(0xD1B5_4A32_D192_ED03) | 1);
    let s3_env = |command: &mut Command| {
        command
            .env("AWS_ACCESS_KEY_ID", "test-key")
            .env("AWS_SECRET_ACCESS_KEY", "test-secret")
            .env("AWS_REGION", "us-east-1")
            .env_remove("AWS_ENDPOINT_URL");
    };
    for run_no in 0..runs {
        // 64 MiB/s: the 70 MiB file (multipart above 64 MiB) takes about a second.
        proxy.faults.rate.store(64 << 20, Ordering::SeqCst);
        let prefix = format!("kill{run_no}/");
        let files = files(
            "s3kill",
            &[70 * MIB, 3 * MIB, 600_000],
            150 + run_no as u8 * 3,
        );
        let run_dir = dir.join(format!("s3kill{run_no}"));
        std::fs::create_dir_all(&run_dir).unwrap();
        let paths = write_all(&run_dir, &files);
        let state = run_dir.join("state");
        let mut upload = satchel(&state);
        s3_env(&mut upload);
        let mut child = upload
            .args(["upload", "--to", &format!("s3://{BUCKET}/{prefix}")])
            .args(["--s3-endpoint", &proxy.base()])
            .args(&paths)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let total = files.iter().map(|(_, d)| d.len() as u64).sum();
        let kill = kill_during(&mut child, &proxy, total, run_no, &mut rng, 100..1300).await;
        proxy.faults.rate.store(0, Ordering::SeqCst);
        let at = &kill.moment;

        // Killed before it saved its queue (it had promised nothing, which
        // a slow start makes likely), a person would run the upload again;
        // it may also have finished.
        let mut next = satchel(&state);
        s3_env(&mut next);
        if state.join("satchel/queue.json").exists() || !kill.killed {
            next.args(["resume", "--s3-endpoint", &proxy.base()]);
        } else {
            next.args(["upload", "--to", &format!("s3://{BUCKET}/{prefix}")])
                .args(["--s3-endpoint", &proxy.base()])
                .args(&paths);
        }
        let out = run(next).await;
        assert_eq!(
            out.status.code(),
            Some(0),
            "S3 run {run_no} (killed {at}): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        tally.runs += 1;
        tally.faults += u64::from(kill.killed);
        tally.mid_transfer_kills += u64::from(kill.mid_transfer);
        s3.check(tally, &prefix, &files, 1).await;
    }
}

/// Runs a command to its end off the async runtime (5 minutes at most).
async fn run(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || {
        common::output_within(&mut command, Duration::from_secs(300))
    })
    .await
    .unwrap()
}

/// The seed for the kill moments: SATCHEL_FAULT_SEED, or the clock.
fn seed() -> u64 {
    std::env::var("SATCHEL_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis() as u64
                % 1_000_000
        })
}

/// xorshift64*: enough randomness for picking moments, and replayable.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

/// How a kill -9 run went.
struct Kill {
    /// When it was killed, for the failure message.
    moment: String,
    /// Whether the process was still running.
    killed: bool,
    /// Whether some but not all of the run's bytes had gone up.
    mid_transfer: bool,
}

/// Kills `child` with SIGKILL: on even runs at a random moment in `window`
/// (milliseconds), which also hits the start and the end; on odd runs once
/// a random share (5 to 95 %) of the run's `total` bytes has gone up through
/// `proxy`, which lands mid-transfer.
async fn kill_during(
    child: &mut std::process::Child,
    proxy: &Proxy,
    total: u64,
    run_no: u64,
    rng: &mut Rng,
    window: std::ops::Range<u64>,
) -> Kill {
    let start = proxy.upstream.load(Ordering::SeqCst);
    let moment = if run_no.is_multiple_of(2) {
        let at = Duration::from_millis(window.start + rng.below(window.end - window.start));
        tokio::time::sleep(at).await;
        format!("at {at:?}")
    } else {
        let share = 5 + rng.below(91);
        let target = total * share / 100;
        let deadline = Instant::now() + Duration::from_secs(60);
        while proxy.upstream.load(Ordering::SeqCst) - start < target {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{share} % of the bytes never went up"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        format!("after {share} % of the bytes")
    };
    let killed = child.try_wait().unwrap().is_none();
    let sent = proxy.upstream.load(Ordering::SeqCst) - start;
    let _ = child.kill();
    child.wait().unwrap();
    Kill {
        moment,
        killed,
        mid_transfer: killed && sent > 0 && sent < total,
    }
}

/// `satchel upload` of several files killed with SIGKILL (see
/// [`kill_during`]), then `satchel resume`, `runs` times.
async fn killed_and_resumed(tus: &Tus, tally: &mut Tally, dir: &Path, seed: u64, runs: u64) {
    let proxy = Proxy::start(tus.server.port).await;
    let to = format!("tus+{}/files/", proxy.base());
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    for run_no in 0..runs {
        // 12 MiB/s: the files take about 0.8 s, the process start a little
        // more. Small files too: bytes handed to the network before the kill
        // still arrive, which once completed uploads whose URL was not saved.
        proxy.faults.rate.store(12 << 20, Ordering::SeqCst);
        let files = files(
            &format!("kill{run_no}"),
            &[3 * MIB, 2 * MIB, 1536 * 1024, 2 * MIB + 7, 400_000, 300_000],
            60 + run_no as u8 * 4,
        );
        let run_dir = dir.join(format!("kill{run_no}"));
        std::fs::create_dir_all(&run_dir).unwrap();
        let paths = write_all(&run_dir, &files);
        let state = run_dir.join("state");
        let mut child = satchel(&state)
            .args(["upload", "--stall-timeout", "2", "--to", &to])
            .args(&paths)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let total = files.iter().map(|(_, d)| d.len() as u64).sum();
        let kill = kill_during(&mut child, &proxy, total, run_no, &mut rng, 50..1050).await;
        proxy.faults.rate.store(0, Ordering::SeqCst);
        let at = &kill.moment;
        tally.mid_transfer_kills += u64::from(kill.mid_transfer);
        let queued = state.join("satchel/queue.json").exists();

        let out = if queued {
            let mut resume = satchel(&state);
            resume.arg("resume");
            run(resume).await
        } else {
            // Killed before it saved its queue (it had promised nothing), or
            // it finished: a person would simply run the upload again.
            let mut again = satchel(&state);
            again.args(["upload", "--to", &to]).args(&paths);
            let done = files.iter().all(|(n, _)| tus.landed().contains_key(n));
            if done {
                tally.runs += 1;
                tally.check(tus, &files, &format!("kill run {run_no}"));
                continue;
            }
            run(again).await
        };
        assert_eq!(
            out.status.code(),
            Some(0),
            "run {run_no} (killed {at}): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!state.join("satchel/queue.json").exists());
        tally.runs += 1;
        tally.faults += u64::from(kill.killed);
        tally.check(tus, &files, &format!("kill run {run_no}"));
    }
}

/// How often each file reached a POST server: its stored copies, by name
/// (the server keeps each upload as `<id>` with `<id>.json` naming it).
fn post_stored(server: &ServerProcess) -> HashMap<String, Vec<Vec<u8>>> {
    let mut stored: HashMap<String, Vec<Vec<u8>>> = HashMap::new();
    for entry in std::fs::read_dir(server.storage.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let meta: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            let name = meta["filename"].as_str().unwrap_or_default().to_owned();
            let bytes = std::fs::read(path.with_extension("")).unwrap();
            stored.entry(name).or_default().push(bytes);
        }
    }
    stored
}

fn check_post(server: &ServerProcess, tally: &mut Tally, files: &[(String, Vec<u8>)], what: &str) {
    let stored = post_stored(server);
    for (name, data) in files {
        let copies = stored.get(name).map(Vec::as_slice).unwrap_or_default();
        match copies {
            [] => {
                eprintln!("{what}: {name} never reached the POST server");
                tally.lost += 1;
            }
            [one] if one == data => tally.uploaded += 1,
            [_] => {
                eprintln!("{what}: {name} was stored with other bytes");
                tally.lost += 1;
            }
            _ => {
                eprintln!("{what}: {name} was stored {} times", copies.len());
                tally.twice += 1;
            }
        }
    }
}

/// A POST whose answer is lost is sent again; the Idempotency-Key it carries
/// lets the server store each file once.
async fn post_sent_again(tally: &mut Tally, dir: &Path) {
    let server = support::post_server();
    let run_dir = dir.join("post");
    std::fs::create_dir_all(&run_dir).unwrap();

    // Answers lost: the server stored the file, the client never heard.
    let lost = files("post-lost", &[300_000, 200_000, 100_000], 90);
    let paths = write_all(&run_dir, &lost);
    let answered = reqwest::Client::new()
        .post(format!("{}/__lose?count=2", server.base()))
        .send()
        .await
        .unwrap();
    assert!(answered.status().is_success());
    let mut up = satchel(&run_dir.join("state-lost"));
    up.args(["upload", "--to", &format!("post+{}/upload", server.base())])
        .args(&paths);
    let out = run(up).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    tally.runs += 1;
    tally.faults += 2;
    check_post(&server, tally, &lost, "POST lost answers");
}

/// Damaged queue files are set aside with a clear message, and the next
/// upload works.
async fn corrupt_state(tus: &Tus, tally: &mut Tally, dir: &Path) {
    let to = format!("tus+{}/files/", tus.server.base());
    let damaged: [&[u8]; 4] = [
        &b"{\"version\":1,\"files\":[tru"[..],
        &b""[..],
        &b"\x00\xff\xfe garbage \x01"[..],
        &b"{\"version\":1,\"destination\":7,\"files\":{}}"[..],
    ];
    for (i, bytes) in damaged.iter().enumerate() {
        let state = dir.join(format!("corrupt{i}"));
        let saved = state.join("satchel");
        std::fs::create_dir_all(&saved).unwrap();
        std::fs::write(saved.join("queue.json"), bytes).unwrap();
        let out = run({
            let mut c = satchel(&state);
            c.arg("resume");
            c
        })
        .await;
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("is unreadable"));
        assert!(saved.join("queue.json.corrupt").exists());

        let files = files(&format!("corrupt{i}"), &[300_000], 90 + i as u8);
        let paths = write_all(dir, &files);
        let out = run({
            let mut c = satchel(&state);
            c.args(["upload", "--to", &to]).args(&paths);
            c
        })
        .await;
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        tally.runs += 1;
        tally.faults += 1;
        tally.check(tus, &files, "corrupt state");
    }
}

/// A small tmpfs mounted for the test (root only), unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(path: &Path, size: &str) -> Tmpfs {
        std::fs::create_dir_all(path).unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .status()
            .unwrap();
        assert!(status.success(), "mount -t tmpfs failed");
        Tmpfs(path.to_owned())
    }

    fn resize(&self, size: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().next())
        == Some("0")
}

/// Files anywhere under `dir`.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = vec![];
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// The spool and a folder destination on 4 MiB disks: writing past them
/// fails as `diskFull`, leaves no partial file and the saved queue intact;
/// once there is room the file lands.
async fn disk_full(tally: &mut Tally, dir: &Path) {
    use satchel_core::actions::RawBegin;
    use satchel_core::{FileStatus, FolderDestination, Store, RAW_CHUNK};
    if !is_root() {
        let opted_out = std::env::var("SATCHEL_FAULT_SKIP_DISK_FULL").as_deref() == Ok("1");
        assert!(
            opted_out,
            "the disk-full scenario mounts a small tmpfs, which needs root; run as root, \
             or set SATCHEL_FAULT_SKIP_DISK_FULL=1 to skip it"
        );
        eprintln!("disk full: skipped, as SATCHEL_FAULT_SKIP_DISK_FULL=1 asks");
        return;
    }
    let state = Tmpfs::mount(&dir.join("state-disk"), "4m");
    let dest = Tmpfs::mount(&dir.join("dest-disk"), "4m");
    let local = dir.join("disk-local");
    std::fs::create_dir_all(&local).unwrap();
    let files = files("disk", &[100_000, 6 * MIB], 120);
    let paths = write_all(&local, &files);
    let store = Store::new(state.0.join("satchel"));
    let spec = dest.0.display().to_string();
    let picker = Picker::new(
        Arc::new(FolderDestination::new(&dest.0)),
        Arc::new(NoEvents),
    )
    .with_spool_dir(state.0.join("spool"))
    .with_store(store.clone(), spec.clone());
    assert_eq!(picker.add_paths(&paths, LOCAL_SOURCE).added.len(), 2);

    // A source sends 5 MiB into a 4 MiB spool.
    let begin = RawBegin {
        name: Some("raw.bin".into()),
        mime: None,
        size: 5 * MIB as u64,
    };
    let started = picker.raw_begin("filler", begin).unwrap();
    let chunk = vec![7u8; RAW_CHUNK];
    let mut offset = 0u64;
    let err = loop {
        match picker.raw_chunk("filler", started.spool, offset, &chunk) {
            Ok(()) => offset += chunk.len() as u64,
            Err(e) => break e,
        }
        assert!(offset < 5 * MIB as u64, "5 MiB fitted in a 4 MiB spool");
    };
    assert_eq!(err.kind(), "diskFull", "{err}");
    assert!(err.to_string().starts_with("the disk is full"), "{err}");
    let left = files_under(&state.0.join("spool"));
    assert!(left.is_empty(), "partial spool files: {left:?}");
    let saved = store.load().unwrap().expect("the queue is still saved");
    assert_eq!(saved.files.len(), 2);
    assert_eq!(picker.snapshot().files.len(), 2);

    // The destination fills up under the large file.
    let done = picker.upload().await.unwrap();
    assert_eq!(done.files_uploaded.len(), 1);
    assert_eq!(done.files_failed.len(), 1);
    let failed = &picker.snapshot().files[1];
    assert_eq!(failed.status, FileStatus::Failed);
    assert_eq!(failed.error.as_ref().unwrap().kind, "diskFull");
    let landed = files_under(&dest.0);
    assert_eq!(landed, [dest.0.join("disk-0.bin")], "partial files left");
    let saved = store.load().unwrap().expect("the queue is still saved");
    let big = saved.files.iter().find(|f| f.filename == "disk-1.bin");
    assert_eq!(big.unwrap().status, FileStatus::Failed);

    // With room again, trying the failed file again lands it.
    dest.resize("16m");
    let mut saved = saved;
    for file in &mut saved.files {
        if file.status == FileStatus::Failed {
            file.status = FileStatus::Queued;
        }
    }
    let retry = Picker::new(
        Arc::new(FolderDestination::new(&dest.0)),
        Arc::new(NoEvents),
    )
    .with_store(store, spec);
    retry.restore(saved);
    let done = retry.upload().await.unwrap();
    assert!(done.files_failed.is_empty(), "{:?}", done.files_failed);
    for (name, data) in &files {
        if std::fs::read(dest.0.join(name)).ok().as_ref() == Some(data) {
            tally.uploaded += 1;
        } else {
            tally.lost += 1;
        }
    }
    tally.runs += 1;
    tally.faults += 2;
}

/// The scenarios, by name: `cargo test --test faults -- stall` runs one.
const SCENARIOS: &[&str] = &[
    "cut (FIN)",
    "reset (RST)",
    "stall",
    "5xx storm",
    "429 Retry-After",
    "server restart",
    "kill -9, resume",
    "POST sent again",
    "corrupt state",
    "disk full",
    "S3 reset + 5xx",
    "S3 kill -9",
];

/// What the scenarios share: the servers (started once for all of them),
/// a folder for their files, and the figures.
struct Suite {
    runtime: tokio::runtime::Runtime,
    seed: u64,
    /// Kill -9 runs against tus; a third as many against S3.
    runs: u64,
    state: std::sync::Mutex<State>,
}

struct State {
    tus: Tus,
    s3: S3,
    dir: tempfile::TempDir,
    tally: Tally,
    rows: Vec<String>,
    /// Uploads left unfinished, each counted once, by the scenario that left it.
    left_behind: std::collections::HashSet<String>,
    /// Which servers' figures were counted: (tus, S3).
    used: (bool, bool),
}

impl Suite {
    fn start() -> Suite {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let seed = seed();
        // SATCHEL_FAULT_RUNS: more kill -9 runs, for a longer hunt.
        let runs: u64 = std::env::var("SATCHEL_FAULT_RUNS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(8);
        eprintln!("fault suite: seed {seed} (replay with SATCHEL_FAULT_SEED={seed})");
        let (tus, s3) = runtime.block_on(async { (Tus::start(), S3::start().await) });
        let state = State {
            tus,
            s3,
            dir: tempfile::tempdir().unwrap(),
            tally: Tally::default(),
            rows: vec![],
            left_behind: Default::default(),
            used: (false, false),
        };
        Suite {
            runtime,
            seed,
            runs,
            state: std::sync::Mutex::new(state),
        }
    }

    /// Runs one scenario and checks what it added to the figures: nothing
    /// lost, nothing twice, no confirmed byte re-sent, no upload started
    /// over, and kill -9 runs that hit transfers mid-way.
    fn run(&self, name: &str) -> Result<(), libtest_mimic::Failed> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (seed, runs) = (self.seed, self.runs);
        self.runtime.block_on(async {
            let State {
                tus,
                s3,
                dir,
                tally,
                rows,
                left_behind,
                used,
            } = &mut *state;
            let dir = dir.path();
            let resent_before = tus.resent() + s3.resent().await;
            let (before, at) = (tally.clone(), Instant::now());
            let mut kills_wanted = 0;
            match name {
                "cut (FIN)" => connection_cut(tus, tally, dir, false).await,
                "reset (RST)" => connection_cut(tus, tally, dir, true).await,
                "stall" => connection_stall(tus, tally, dir).await,
                "5xx storm" => server_error_storm(tus, tally, dir).await,
                "429 Retry-After" => too_many_requests(tus, tally, dir).await,
                "server restart" => server_restart(tus, tally, dir).await,
                "kill -9, resume" => {
                    kills_wanted = MID_TRANSFER_KILLS.min(runs);
                    killed_and_resumed(tus, tally, dir, seed, runs).await
                }
                "POST sent again" => post_sent_again(tally, dir).await,
                "corrupt state" => corrupt_state(tus, tally, dir).await,
                "disk full" => disk_full(tally, dir).await,
                "S3 reset + 5xx" => s3_reset_and_storm(s3, tally, dir).await,
                "S3 kill -9" => {
                    kills_wanted = 1;
                    s3_killed_and_resumed(s3, tally, dir, seed, runs.div_ceil(3)).await
                }
                other => return Err(format!("no scenario {other:?}").into()),
            }
            if name.starts_with("S3") {
                used.1 = true;
            } else if name != "POST sent again" && name != "disk full" {
                used.0 = true;
            }
            // Whatever started over leaves an upload behind. Only a kill
            // may leave an empty one: between the server creating it and
            // Satchel saving its URL, before any byte was sent to it; and a
            // server restart, which may die after creating an upload and
            // before answering, so the creation is sent again.
            let may_orphan = name.contains("kill") || name == "server restart";
            let unfinished = tus.unfinished();
            let open = s3.open_uploads().await;
            for (left, holds) in unfinished.iter().chain(&open) {
                if !left_behind.insert(left.clone()) {
                    continue; // counted by the scenario that left it
                }
                if *holds > 0 || !may_orphan {
                    eprintln!("{name}: left unfinished on the server: {left}");
                    tally.started_over += 1;
                } else {
                    eprintln!("{name}: left empty by a kill: {left}");
                }
            }
            let resent = tus.resent() + s3.resent().await - resent_before;
            let row = format!(
                "  {:<16} runs {:>2}  faults {:>2}  uploaded {:>2}  re-sent {:>2}  lost {}  twice {}  started over {}  {:>5.1} s",
                name,
                tally.runs - before.runs,
                tally.faults - before.faults,
                tally.uploaded - before.uploaded,
                resent,
                tally.lost - before.lost,
                tally.twice - before.twice,
                tally.started_over - before.started_over,
                at.elapsed().as_secs_f64()
            );
            eprintln!("{row}");
            rows.push(row);
            let kills = tally.mid_transfer_kills - before.mid_transfer_kills;
            let failures: Vec<String> = [
                (resent > 0, format!("{resent} bytes the server had confirmed were sent again")),
                (tally.lost > before.lost, format!("{} files were lost", tally.lost - before.lost)),
                (tally.twice > before.twice, format!("{} files were uploaded twice", tally.twice - before.twice)),
                (
                    tally.started_over > before.started_over,
                    format!("{} uploads started over", tally.started_over - before.started_over),
                ),
                (
                    kills < kills_wanted,
                    format!("only {kills} kill -9 runs hit a transfer in the middle (at least {kills_wanted} wanted)"),
                ),
            ]
            .into_iter()
            .filter_map(|(failed, why)| failed.then_some(why))
            .collect();
            if failures.is_empty() {
                Ok(())
            } else {
                Err(failures.join("; ").into())
            }
        })
    }

    /// The figures of the scenarios that ran; fails when a server counted
    /// nothing it was sent, as broken figures would pass every check.
    fn report(&self, took: Duration) -> Result<(), String> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let state = &mut *state;
        println!("{}", state.rows.join("\n"));
        let tally = &state.tally;
        let (tus_used, s3_used) = state.used;
        let (tus, s3) = (&state.tus, &state.s3);
        self.runtime.block_on(async {
            let resent = tus.resent() + s3.resent().await;
            println!(
                "fault suite (seed {}, {:.1} s): runs {}, faults injected {}, files uploaded {}, \
                 confirmed bytes re-sent {resent}, files lost {}, files uploaded twice {}, \
                 uploads started over {}, kills mid-transfer {}",
                self.seed,
                took.as_secs_f64(),
                tally.runs,
                tally.faults,
                tally.uploaded,
                tally.lost,
                tally.twice,
                tally.started_over,
                tally.mid_transfer_kills
            );
            if tus_used && tus.patches() == 0 {
                return Err("tus_server.mjs counted no PATCH".to_owned());
            }
            if s3_used && s3.stats().await["parts"].as_u64().unwrap_or(0) == 0 {
                return Err("s3_server.py counted no part".to_owned());
            }
            Ok(())
        })
    }
}

/// Runs the scenarios one after another (they share the servers and read
/// their figures before and after), then prints the figures.
fn main() -> std::process::ExitCode {
    let started = Instant::now();
    let mut args = libtest_mimic::Arguments::from_args();
    args.test_threads = Some(1);
    let suite = Arc::new(Suite::start());
    let trials = SCENARIOS
        .iter()
        .map(|&name| {
            let suite = suite.clone();
            libtest_mimic::Trial::test(name, move || suite.run(name))
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    let reported = suite.report(started.elapsed());
    // The servers stop with the suite.
    drop(suite);
    if let Err(e) = reported {
        eprintln!("fault suite: {e}");
        return std::process::ExitCode::FAILURE;
    }
    conclusion.exit_code()
}
