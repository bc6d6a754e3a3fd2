//! What the policy and the README's Security section promise, tried on the
//! `satchel` binary as an admin's machine would run it: a policy file (by
//! `SATCHEL_POLICY_FILE`, which only debug builds read), real servers on
//! 127.0.0.1, the state folder in a temporary `XDG_STATE_HOME`.

use satchel_test_support as support;

mod common;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// `satchel` with its state in `dir/state`, its config in `dir/config` and
/// the policy `dir/policy.toml` (written when `policy` is given).
fn satchel(dir: &Path, policy: Option<&str>) -> Command {
    let policy_file = dir.join("policy.toml");
    match policy {
        Some(text) => std::fs::write(&policy_file, text).unwrap(),
        None => {
            let _ = std::fs::remove_file(&policy_file);
        }
    }
    let mut command = common::satchel(&dir.join("state"));
    command
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("SATCHEL_POLICY_FILE", &policy_file)
        .env_remove("AWS_ENDPOINT_URL");
    command
}

fn run(command: &mut Command) -> Output {
    command.output().expect("the satchel binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A port that counts the connections made to it (and answers none).
fn counting_listener() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            seen.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (port, count)
}

/// How many connections the listener took before this call: one more of
/// our own goes in last (accepts are first come, first served), and once the
/// listener has counted and closed it, everything sent earlier has been
/// counted too.
fn connections_made_before_now(port: u16, count: &AtomicUsize) -> usize {
    use std::io::Read;
    let mut ours = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    ours.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let read = ours.read(&mut [0; 1]);
    assert!(
        matches!(read, Ok(0)),
        "the listener did not close ours: {read:?}"
    );
    count.load(Ordering::SeqCst) - 1
}

/// Every byte under `dir`, however deep, as text.
fn everything_under(dir: &Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        text.push_str(&path.display().to_string());
        if path.is_dir() {
            text.push_str(&everything_under(&path));
        } else {
            text.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
        }
    }
    text
}

#[test]
fn s3_signing_material_never_reaches_output_or_state() {
    let s3 = support::s3_server();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.txt");
    std::fs::write(&file, b"hello").unwrap();
    let (key_id, token) = ("AKIDLEAKCHECK1234", "SESSIONTOKENLEAKCHECK");
    let out = run(satchel(dir.path(), None)
        .args(["upload", "--to", "s3://no-such-bucket/in/", "--s3-endpoint"])
        .arg(s3.base())
        .arg(&file)
        .env("AWS_ACCESS_KEY_ID", key_id)
        .env("AWS_SECRET_ACCESS_KEY", "secret-leak-check")
        .env("AWS_SESSION_TOKEN", token));
    assert_ne!(out.status.code(), Some(0), "{out:?}");
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(said.contains("404"), "the failure is reported: {said}");
    let state = everything_under(&dir.path().join("state"));
    for (what, text) in [("output", &said), ("state folder", &state)] {
        for secret in [key_id, token, "X-Amz-Signature=", "secret-leak-check"] {
            assert!(!text.contains(secret), "{secret} in the {what}: {text}");
        }
    }
}

#[test]
fn a_locked_s3_destination_keeps_its_endpoint() {
    let (port, connections) = counting_listener();
    let elsewhere = format!("http://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.txt");
    std::fs::write(&file, b"hello").unwrap();
    let policy = "destinations = [\"s3://corp/in/\"]\nlocked = [\"destinations\"]\n";
    let with_keys = |command: &mut Command| {
        command
            .env("AWS_ACCESS_KEY_ID", "corporate-key")
            .env("AWS_SECRET_ACCESS_KEY", "corporate-secret");
    };

    let mut by_flag = satchel(dir.path(), Some(policy));
    with_keys(&mut by_flag);
    let out = run(by_flag
        .args([
            "upload",
            "--to",
            "s3://corp/in/",
            "--s3-endpoint",
            &elsewhere,
        ])
        .arg(&file));
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        stderr(&out).contains("is not allowed by"),
        "{}",
        stderr(&out)
    );

    let mut by_env = satchel(dir.path(), Some(policy));
    with_keys(&mut by_env);
    let out = run(by_env
        .args(["upload", "--to", "s3://corp/in/"])
        .arg(&file)
        .env("AWS_ENDPOINT_URL", &elsewhere));
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(stderr(&out).contains("S3 endpoint"), "{}", stderr(&out));
    assert_eq!(
        connections_made_before_now(port, &connections),
        0,
        "a request went out"
    );
}

/// A queue `satchel upload` left when it was killed: one file waiting.
fn interrupted_queue(dir: &Path, destination: &Path, file: &Path, mime: &str) {
    let state = dir.join("state/satchel");
    std::fs::create_dir_all(&state).unwrap();
    let queue = serde_json::json!({
        "version": 1,
        "destination": destination.display().to_string(),
        "files": [{
            "uuid": "6c2f0c57-7a4d-4a8f-9d0e-8d1c2b3a4f50",
            "path": file,
            "filename": file.file_name().unwrap().to_string_lossy(),
            "mime": mime,
            "size": std::fs::metadata(file).unwrap().len(),
            "source": "local_file_system",
            "status": "uploading",
        }],
    });
    std::fs::write(state.join("queue.json"), queue.to_string()).unwrap();
}

#[test]
fn resume_holds_to_the_policy_in_force() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("dest");
    let file = dir.path().join("a.txt");
    std::fs::write(&file, b"hello world").unwrap();
    interrupted_queue(dir.path(), &dest, &file, "text/plain");
    let queue = dir.path().join("state/satchel/queue.json");
    let allowed = format!("destinations = [{:?}]\n", dest.display().to_string());

    for (policy, why) in [
        (
            "destinations = [\"/srv/elsewhere\"]\n".to_owned(),
            "not allowed",
        ),
        (
            format!("{allowed}headless = true\nmaxSize = 4\n"),
            "maxSize",
        ),
        (format!("{allowed}accept = [\"image/*\"]\n"), "not accepted"),
        (format!("{allowed}maxFiles = 0\n"), "maxFiles"),
    ] {
        let out = run(satchel(dir.path(), Some(&policy)).arg("resume"));
        assert_eq!(out.status.code(), Some(2), "{policy}: {out:?}");
        assert!(stderr(&out).contains(why), "{policy}: {}", stderr(&out));
        assert!(!dest.exists(), "{policy}: a file was sent");
        assert!(queue.exists(), "{policy}: the queue was dropped");
    }
    // Within the policy, the same queue finishes.
    let out = run(satchel(dir.path(), Some(&allowed)).arg("resume"));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(std::fs::read(dest.join("a.txt")).unwrap(), b"hello world");
}

#[cfg(unix)]
#[test]
fn state_files_are_tightened_to_their_owner() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.txt");
    std::fs::write(&file, b"hello").unwrap();
    interrupted_queue(dir.path(), &dir.path().join("dest"), &file, "text/plain");
    let state = dir.path().join("state/satchel");
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o755)).unwrap();
    let queue = state.join("queue.json");
    std::fs::set_permissions(&queue, std::fs::Permissions::from_mode(0o644)).unwrap();
    // Refused by the policy, so the queue stays; it is private all the same.
    let out = run(satchel(dir.path(), Some("destinations = [\"/srv/x\"]\n")).arg("resume"));
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(mode(&state), 0o700);
    assert_eq!(mode(&queue), 0o600);
}

#[test]
fn files_on_the_command_line_need_my_device() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.txt");
    std::fs::write(&file, b"hello").unwrap();
    let out = run(satchel(dir.path(), Some("builtinSources = [\"url\"]\n")).arg(&file));
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = stderr(&out);
    assert!(
        err.contains("builtinSources") && err.contains("local_file_system"),
        "{err}"
    );
}
