//! What Satchel's tests share (the core's, the app's, the window's and the
//! bench): real servers started as child processes on 127.0.0.1 (killed when
//! dropped), a fault-injecting TCP proxy, test files, and pictures made and
//! read with ImageMagick.

pub mod pictures;
pub mod proxy;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use satchel_core::{Progress, RetryPolicy, UploadItem};

/// `tests/servers/` at the workspace root, where `./x setup` installs them.
pub fn servers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/servers")
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
        let (child, port) = spawn(program, &args, storage.path());
        ServerProcess {
            child,
            port,
            storage,
            program: program.to_owned(),
            args,
        }
    }

    /// Kills the server (as a crash would: SIGKILL) and starts it again with
    /// the same storage, on a port it binds itself: binding the old port
    /// again could find it taken by then. Clients reach it through a
    /// [`proxy::Proxy`], retargeted to the new `port`.
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let (child, port) = spawn(&self.program, &self.args, self.storage.path());
        self.child = child;
        self.port = port;
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// Spawns a server and waits for its `listening PORT` line.
fn spawn(program: &str, args: &[String], storage: &Path) -> (Child, u16) {
    let mut command = Command::new(program);
    command
        .args(args)
        .arg(storage)
        .current_dir(servers_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
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

/// The multipart uploads an S3 server holds in `bucket` (started, neither
/// completed nor aborted), as (key, upload id). Any answer but a listing
/// fails: an error page is not "none open".
pub async fn open_multipart_uploads(base: &str, bucket: &str) -> Vec<(String, String)> {
    let answer = reqwest::get(format!("{base}/{bucket}?uploads"))
        .await
        .unwrap();
    let status = answer.status();
    let body = answer.text().await.unwrap();
    assert!(
        status.is_success() && body.contains("<ListMultipartUploadsResult"),
        "listing the multipart uploads of {bucket}: {status} {body}"
    );
    body.split("<Upload>")
        .skip(1)
        .map(|upload| (xml_field(upload, "Key"), xml_field(upload, "UploadId")))
        .collect()
}

/// The parts an S3 server holds for an open multipart upload.
pub async fn multipart_parts(base: &str, bucket: &str, key: &str, upload_id: &str) -> usize {
    let mut url = url::Url::parse(&format!("{base}/{bucket}/{key}")).unwrap();
    url.query_pairs_mut().append_pair("uploadId", upload_id);
    let answer = reqwest::get(url).await.unwrap();
    let status = answer.status();
    let body = answer.text().await.unwrap();
    assert!(
        status.is_success() && body.contains("<ListPartsResult"),
        "listing the parts of {key} ({upload_id}): {status} {body}"
    );
    body.matches("<Part>").count()
}

/// The text of the first `<name>` element in `xml` ("" when there is none).
fn xml_field(xml: &str, name: &str) -> String {
    let open = format!("<{name}>");
    let Some(start) = xml.find(&open).map(|i| i + open.len()) else {
        return String::new();
    };
    let end = xml[start..].find('<').map_or(xml.len(), |i| start + i);
    xml[start..end].to_owned()
}

/// Polls `done` every 10 ms until it holds; fails naming `what` once
/// `within` has passed. Every wait of the tests has such a deadline.
pub async fn wait_until(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + within;
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "waited {within:?} for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The one upload in a tus server's storage, once it exists.
pub fn tus_upload_id(server: &ServerProcess) -> Option<String> {
    stored_names(server)
        .into_iter()
        .find(|name| !name.ends_with(".json"))
}

/// The offset a tus server holds for upload `id` once no request is
/// writing to it any more. Asked straight of the server (no proxy): tus
/// answers a HEAD only with the upload's lock, which it takes by ending the
/// PATCH in progress, so what was in flight when a client went away has
/// landed or been dropped by then, and the file no longer grows.
pub async fn settled_tus_offset(server: &ServerProcess, id: &str) -> u64 {
    let answer = reqwest::Client::new()
        .head(format!("{}/files/{id}", server.base()))
        .header("Tus-Resumable", "1.0.0")
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "HEAD {id}: {answer:?}");
    let offset: u64 = answer.headers()["upload-offset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let stored = std::fs::metadata(server.storage.path().join(id))
        .unwrap()
        .len();
    assert_eq!(offset, stored, "the server's offset is what it stored");
    offset
}
