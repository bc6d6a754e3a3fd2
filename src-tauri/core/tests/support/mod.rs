//! What the destination tests share: real servers started as child
//! processes on 127.0.0.1 (killed when dropped), a fault-injecting TCP proxy,
//! and test files.
#![allow(dead_code)] // each test binary uses its own part of this

pub mod proxy;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use satchel_core::{Progress, RetryPolicy, UploadItem};

/// `tests/servers/` at the workspace root, where `./x setup` installs them.
/// (This file serves the core's tests and, by path, the app's.)
pub fn servers_dir() -> PathBuf {
    let package = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        package.join("tests/servers"),
        package.join("../../tests/servers"),
    ]
    .into_iter()
    .find(|dir| dir.join("package.json").exists())
    .unwrap_or_else(|| package.join("tests/servers"))
}

/// A server process that dies with the test.
pub struct ServerProcess {
    child: Child,
    pub port: u16,
    pub storage: tempfile::TempDir,
    program: String,
    args: Vec<String>,
}

impl ServerProcess {
    /// Starts `program args… STORAGE` and waits for it to print `listening PORT`.
    pub fn start(program: &str, args: &[&str]) -> ServerProcess {
        let storage = tempfile::tempdir().unwrap();
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let (child, port) = spawn(program, &args, storage.path(), None);
        ServerProcess {
            child,
            port,
            storage,
            program: program.to_owned(),
            args,
        }
    }

    /// Kills the server (as a crash would: SIGKILL) and starts it again on
    /// the same port with the same storage.
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let (child, _) = spawn(
            &self.program,
            &self.args,
            self.storage.path(),
            Some(self.port),
        );
        self.child = child;
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// Spawns a server and waits for its `listening PORT` line.
fn spawn(program: &str, args: &[String], storage: &Path, port: Option<u16>) -> (Child, u16) {
    let mut command = Command::new(program);
    command
        .args(args)
        .arg(storage)
        .current_dir(servers_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(port) = port {
        command.env("PORT", port.to_string());
    }
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {program} {args:?} (run ./x setup): {e}"));
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let port = loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(port) = line.strip_prefix("listening ") {
                    break port.trim().parse().unwrap();
                }
            }
            _ => {
                let status = child.wait();
                panic!("{program} {args:?} exited before listening ({status:?}); run ./x setup");
            }
        }
    };
    // Keep draining its output so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, port)
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn tus_server() -> ServerProcess {
    ServerProcess::start("node", &["tus_server.mjs"])
}

/// moto in server mode, from the venv `./x setup` makes.
pub fn s3_server() -> ServerProcess {
    let python = servers_dir().join(".venv/bin/python");
    ServerProcess::start(python.to_str().unwrap(), &["s3_server.py"])
}

/// The S3 destination's settings for a bucket on a test server (moto takes
/// any credentials).
pub fn s3_config(base: &str, bucket: &str, prefix: &str) -> satchel_core::S3Config {
    satchel_core::S3Config {
        bucket: bucket.into(),
        prefix: prefix.into(),
        region: "us-east-1".into(),
        endpoint: url::Url::parse(base).unwrap(),
        key: "test-key".into(),
        secret: "test-secret".into(),
        token: None,
    }
}

pub fn post_server() -> ServerProcess {
    ServerProcess::start("node", &["post_server.mjs"])
}

/// Waits (polling every 20 ms, `tries` times at most) for a server's storage
/// to empty, and returns what is left: cleanup on the server side finishes
/// after the client has moved on.
pub async fn left_after_cleanup(server: &ServerProcess, tries: usize) -> Vec<String> {
    let mut left = stored_names(server);
    for _ in 0..tries {
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        left = stored_names(server);
    }
    left
}

/// Names in a server's storage folder, sorted.
pub fn stored_names(server: &ServerProcess) -> Vec<String> {
    let mut names: Vec<_> = std::fs::read_dir(server.storage.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Asks a test server to answer the next `count` `method` requests with `status`.
pub async fn inject(
    server: &ServerProcess,
    method: &str,
    status: u16,
    count: u32,
    retry_after: Option<u32>,
) {
    let mut url = format!(
        "{}/__fail?method={method}&status={status}&count={count}",
        server.base()
    );
    if let Some(secs) = retry_after {
        url.push_str(&format!("&retryAfter={secs}"));
    }
    let answer = reqwest::Client::new().post(url).send().await.unwrap();
    assert!(answer.status().is_success());
}

/// Deterministic, non-repeating-looking content of any size.
pub fn content(size: usize, seed: u8) -> Vec<u8> {
    let mut x = 0x9E37_79B9_u32 ^ u32::from(seed);
    (0..size)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

pub fn write_file(dir: &Path, name: &str, data: &[u8]) -> UploadItem {
    let path = dir.join(name);
    std::fs::write(&path, data).unwrap();
    UploadItem {
        path,
        filename: name.to_owned(),
        mime: "application/octet-stream".into(),
        size: data.len() as u64,
    }
}

/// Retries fast so tests of failures do not wait on human-friendly delays.
pub fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        first_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(400),
        retries: 5,
    }
}

/// Remembers the furthest progress reported.
#[derive(Default)]
pub struct Furthest(pub AtomicU64);

impl Progress for Furthest {
    fn advanced(&self, transferred: u64) {
        self.0.fetch_max(transferred, Ordering::SeqCst);
    }
}

impl Furthest {
    pub fn new() -> Arc<Furthest> {
        Arc::new(Furthest::default())
    }
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Uploads `item` to `dest`: where it landed, and how far progress went.
pub async fn send(
    dest: &dyn satchel_core::Destination,
    item: &UploadItem,
) -> (satchel_core::Result<String>, Arc<Furthest>) {
    let progress = Furthest::new();
    let outcome = dest
        .upload(item, satchel_core::UploadContext::new(progress.clone()))
        .await
        .map(|landed| landed.url);
    (outcome, progress)
}
