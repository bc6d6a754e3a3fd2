//! `satchel upload` and `satchel resume` as programs run them: no display,
//! real servers on 127.0.0.1, the state folder in a temporary
//! `XDG_STATE_HOME`.

use satchel_test_support as support;

mod common;

use std::process::{Command, Output, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::{satchel, tus_stored_bytes};
use support::proxy::Proxy;
use support::{content, tus_server};

/// Runs `command` to its end (2 minutes at most).
fn run(command: &mut Command) -> Output {
    common::output_within(command, Duration::from_secs(120))
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn upload_prints_the_result_and_exits_0_only_when_every_file_landed() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let dest = dir.path().join("dest");
    std::fs::write(dir.path().join("a.txt"), b"hello").unwrap();

    let out = run(satchel(&state)
        .args(["upload", "--to"])
        .arg(&dest)
        .arg(dir.path().join("a.txt")));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let result = json(&out);
    assert_eq!(result["filesUploaded"][0]["filename"], "a.txt");
    assert_eq!(result["filesUploaded"][0]["size"], 5);
    assert_eq!(std::fs::read(dest.join("a.txt")).unwrap(), b"hello");
    // stderr is not a terminal here: no progress bars, nothing at all.
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Everything landed, so nothing is left to resume.
    assert!(!state.join("satchel/queue.json").exists());

    let out = run(satchel(&state)
        .args(["upload", "--to"])
        .arg(&dest)
        .arg(dir.path().join("a.txt"))
        .arg(dir.path().join("missing.txt")));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["filesUploaded"].as_array().unwrap().len(), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.txt: no such file"));
}

#[test]
fn a_bad_destination_is_refused_with_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(satchel(dir.path()).args(["upload", "--to", "gopher://x/", "/etc/hostname"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("gopher:// scheme is not supported"));
}

#[test]
fn a_corrupt_state_file_is_reported_and_set_aside() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("satchel");
    std::fs::create_dir_all(&saved).unwrap();
    std::fs::write(saved.join("queue.json"), b"{\"version\":1,\"files\":[tru").unwrap();

    let out = run(satchel(dir.path()).arg("resume"));
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is unreadable") && err.contains("queue.json.corrupt"),
        "{err}"
    );
    assert!(saved.join("queue.json.corrupt").exists());
    assert!(!saved.join("queue.json").exists());

    let out = run(satchel(dir.path()).arg("resume"));
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to resume"));
}

#[tokio::test]
async fn after_kill_9_resume_finishes_without_resending_what_the_server_had() {
    let server = tus_server();
    let proxy = Proxy::start(server.port).await;
    // 16 MiB/s: the 64 MiB file would take four seconds.
    proxy.faults.rate.store(16 << 20, Ordering::SeqCst);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let size: u64 = 64 << 20;
    let data = content(size as usize, 42);
    let file = dir.path().join("big.bin");
    std::fs::write(&file, &data).unwrap();
    let to = format!("tus+{}/files/", proxy.base());

    let mut child = satchel(&state)
        .args(["upload", "--to", &to])
        .arg(&file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while tus_stored_bytes(server.storage.path()) < 16 << 20 {
        assert!(Instant::now() < deadline, "the upload never got going");
        assert!(child.try_wait().unwrap().is_none(), "satchel ended early");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap(); // SIGKILL: no chance to save anything more
    child.wait().unwrap();

    // What was in flight has landed once the server answers for the upload.
    let id = support::tus_upload_id(&server).unwrap();
    let had = support::settled_tus_offset(&server, &id).await;
    assert!(had > 0 && had < size, "killed mid-way: {had}");
    proxy.faults.rate.store(0, Ordering::SeqCst);
    let before = proxy.sent_up();

    // A new upload does not silently replace the interrupted one.
    let out = run(satchel(&state).args(["upload", "--to", &to]).arg(&file));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("satchel resume"));

    let state2 = state.clone();
    let out = tokio::task::spawn_blocking(move || run(satchel(&state2).arg("resume")))
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result = json(&out);
    let url = result["filesUploaded"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        url.starts_with(&format!("{}/files/", proxy.base())),
        "{url}"
    );
    assert_eq!(result["filesUploaded"][0]["size"], size);
    let id = url.rsplit('/').next().unwrap();
    let stored = std::fs::read(server.storage.path().join(id)).unwrap();
    assert!(stored == data, "the stored object differs");
    // One upload on the server, not two.
    assert_eq!(std::fs::read_dir(server.storage.path()).unwrap().count(), 2);

    // Only what the server lacked went up again (plus a few requests'
    // headers): the bytes it had were not re-sent.
    let resent = proxy.sent_up() - before;
    eprintln!("the server had {had} of {size} bytes; resume sent {resent}");
    assert!(resent >= size - had, "{resent} < {}", size - had);
    assert!(
        resent < size - had + 64 * 1024,
        "re-sent {resent} for {} missing",
        size - had
    );
    assert!(!state.join("satchel/queue.json").exists());
}

/// The highest resident memory the process has had so far, in bytes.
fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Runs `command` to the end, sampling its peak memory; returns both.
async fn run_measured(mut command: Command) -> (Output, u64) {
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let waiting = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap());
    let mut peak = 0;
    let deadline = Instant::now() + Duration::from_secs(300);
    while !waiting.is_finished() {
        if Instant::now() > deadline {
            // SIGKILL by its own id: the test fails instead of hanging.
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("{command:?} did not end within 5 minutes");
        }
        peak = peak.max(peak_rss(pid).unwrap_or(0));
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    (waiting.await.unwrap(), peak)
}

/// Memory stays flat whatever the file size: a 192 MiB file goes to tus and
/// to S3 (as multipart) with the process holding at most 32 MiB more than
/// for a 4-byte file.
#[tokio::test]
async fn memory_stays_flat_whatever_the_file_size() {
    let dir = tempfile::tempdir().unwrap();
    let size = 192usize << 20;
    let data = content(size, 77);
    let file = dir.path().join("huge.bin");
    std::fs::write(&file, &data).unwrap();
    let tus = tus_server();
    // What the process needs anyway (it links the whole GUI stack), measured
    // on a tiny file; streaming may add buffers, never the file.
    let tiny = dir.path().join("tiny.bin");
    std::fs::write(&tiny, b"tiny").unwrap();
    let mut command = satchel(&dir.path().join("state-tiny"));
    command
        .args(["upload", "--to", &format!("tus+{}/files/", tus.base())])
        .arg(&tiny);
    let (out, baseline) = run_measured(command).await;
    assert_eq!(out.status.code(), Some(0));
    let limit = baseline + (32 << 20);

    let mut command = satchel(&dir.path().join("state-tus"));
    command
        .args(["upload", "--to", &format!("tus+{}/files/", tus.base())])
        .arg(&file);
    let (out, peak) = run_measured(command).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let url = json(&out)["filesUploaded"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let stored = std::fs::read(tus.storage.path().join(url.rsplit('/').next().unwrap())).unwrap();
    assert!(stored == data, "tus copy differs");
    eprintln!(
        "tus: peak RSS {} MiB for a {} MiB file, {} MiB for 4 bytes",
        peak >> 20,
        size >> 20,
        baseline >> 20
    );
    assert!(peak > 0 && peak < limit, "tus peak RSS {} MiB", peak >> 20);
    drop(tus);

    // moto checks no signatures: the bucket is made and read back plainly.
    let s3 = support::s3_server();
    let http = reqwest::Client::new();
    let bucket = format!("{}/flat", s3.base());
    let made = http
        .put(&bucket)
        .header("content-length", 0)
        .send()
        .await
        .unwrap();
    assert!(made.status().is_success());
    let mut command = satchel(&dir.path().join("state-s3"));
    command
        .env("AWS_ACCESS_KEY_ID", "test-key")
        .env("AWS_SECRET_ACCESS_KEY", "test-secret")
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_ENDPOINT_URL")
        .args([
            "upload",
            "--to",
            "s3://flat/big/",
            "--s3-endpoint",
            &s3.base(),
        ])
        .arg(&file);
    let (out, peak) = run_measured(command).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        json(&out)["filesUploaded"][0]["url"],
        "s3://flat/big/huge.bin"
    );
    let stored = http
        .get(format!("{bucket}/big/huge.bin"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(stored == data, "S3 copy differs");
    eprintln!(
        "s3: peak RSS {} MiB for a {} MiB file",
        peak >> 20,
        size >> 20
    );
    assert!(peak > 0 && peak < limit, "S3 peak RSS {} MiB", peak >> 20);
}

#[tokio::test]
async fn resume_discard_drops_the_interrupted_upload_on_the_server_too() {
    let server = tus_server();
    let proxy = Proxy::start(server.port).await;
    proxy.faults.rate.store(8 << 20, Ordering::SeqCst);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let file = dir.path().join("big.bin");
    std::fs::write(&file, content(32 << 20, 5)).unwrap();
    let mut child = satchel(&state)
        .args(["upload", "--to", &format!("tus+{}/files/", proxy.base())])
        .arg(&file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while tus_stored_bytes(server.storage.path()) < 4 << 20 {
        assert!(Instant::now() < deadline, "the upload never got going");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    proxy.faults.rate.store(0, Ordering::SeqCst);
    assert!(state.join("satchel/queue.json").exists());

    let state2 = state.clone();
    let out =
        tokio::task::spawn_blocking(move || run(satchel(&state2).args(["resume", "--discard"])))
            .await
            .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(!state.join("satchel/queue.json").exists());
    let mut left = std::fs::read_dir(server.storage.path()).unwrap().count();
    for _ in 0..250 {
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        left = std::fs::read_dir(server.storage.path()).unwrap().count();
    }
    assert_eq!(left, 0, "the tus upload was not terminated");
}

#[test]
fn a_reader_that_goes_away_is_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let dest = dir.path().join("dest");
    std::fs::write(dir.path().join("a.txt"), b"hello").unwrap();
    // stdout is a pipe whose reader is gone before Satchel writes to it.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = run(satchel(&state)
        .args(["upload", "--to"])
        .arg(&dest)
        .arg(dir.path().join("a.txt"))
        .stdout(writer));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(std::fs::read(dest.join("a.txt")).unwrap(), b"hello");
}
