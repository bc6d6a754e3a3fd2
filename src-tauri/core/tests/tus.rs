//! The tus destination against a real tus 1.0 server (@tus/server with
//! @tus/file-store, started on 127.0.0.1 by each test), checking what landed
//! in the server's own storage byte for byte.

use satchel_test_support as support;

use std::sync::Arc;
use std::time::Duration;

use satchel_core::{
    Destination, EventSink, NoEvents, Picker, Snapshot, TusDestination, UploadContext, LOCAL_SOURCE,
};
use support::proxy::Proxy;
use support::{
    content, inject, left_after_cleanup, quick_retry, send, settled_tus_offset, stored_names,
    tus_server, tus_upload_id, wait_until, write_file, Furthest, ServerProcess,
};
use url::Url;

fn tus_at(base: &str) -> TusDestination {
    TusDestination::new(Url::parse(&format!("{base}/files/")).unwrap()).with_retry(quick_retry())
}

/// The bytes the server stored for an upload URL (file-store names files by id).
fn stored(server: &ServerProcess, url: &str) -> Vec<u8> {
    let id = url.rsplit('/').next().unwrap();
    std::fs::read(server.storage.path().join(id)).unwrap()
}

#[tokio::test]
async fn small_empty_and_large_files_land_byte_identical() {
    let server = tus_server();
    let tus = tus_at(&server.base());
    tus.prepare().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Small, several chunks, and nothing.
    for (name, size) in [
        ("small.txt", 1234),
        ("empty", 0),
        ("large.bin", 5 * 1024 * 1024 + 17),
    ] {
        let data = content(size, size as u8);
        let item = write_file(dir.path(), name, &data);
        let (url, progress) = send(&tus, &item).await;
        let url = url.unwrap();
        assert!(
            url.starts_with(&format!("{}/files/", server.base())),
            "{url}"
        );
        assert_eq!(stored(&server, &url), data, "{name}");
        assert_eq!(progress.get(), size as u64);
        // Upload-Metadata carried the name and the type.
        let id = url.rsplit('/').next().unwrap();
        let info =
            std::fs::read_to_string(server.storage.path().join(format!("{id}.json"))).unwrap();
        assert!(info.contains(&format!("\"filename\":\"{name}\"")), "{info}");
        assert!(
            info.contains("\"filetype\":\"application/octet-stream\""),
            "{info}"
        );
    }
}

/// Clearing the slot before the caller records the landing would open a
/// window where a crash leaves a file not landed with nothing to resume,
/// and `satchel resume` would send it all again (the fault suite's kill -9
/// runs found that).
#[tokio::test]
async fn success_leaves_the_resume_slot_to_the_caller() {
    let server = tus_server();
    let tus = tus_at(&server.base());
    let dir = tempfile::tempdir().unwrap();
    let item = write_file(dir.path(), "kept.bin", &content(2 << 20, 21));
    let slot: Arc<satchel_core::MemorySlot> = Arc::default();
    let mut ctx = UploadContext::new(Furthest::new());
    ctx.resume = slot.clone();
    let url = tus.upload(&item, ctx).await.unwrap().url;
    let saved = satchel_core::ResumeSlot::load(&*slot).expect("the slot is kept");
    assert_eq!(saved["url"], url);
}

struct Last(std::sync::Mutex<Option<Snapshot>>);
impl EventSink for Last {
    fn state_changed(&self, snapshot: &Snapshot) {
        *self.0.lock().unwrap() = Some(snapshot.clone());
    }
}

#[tokio::test]
async fn many_files_go_concurrently_through_the_picker() {
    let server = tus_server();
    let dir = tempfile::tempdir().unwrap();
    let mut expected = vec![];
    for i in 0..24u8 {
        let data = content(100_000 + usize::from(i) * 4096, i);
        write_file(dir.path(), &format!("f{i:02}.bin"), &data);
        expected.push((format!("f{i:02}.bin"), data));
    }
    let last = Arc::new(Last(Default::default()));
    let picker = Picker::new(Arc::new(tus_at(&server.base())), last.clone()).with_concurrency(6);
    picker.add_paths(&[dir.path().to_path_buf()], LOCAL_SOURCE);
    let done = picker.upload().await.unwrap();

    assert!(done.files_failed.is_empty(), "{:?}", done.files_failed);
    assert_eq!(done.files_uploaded.len(), 24);
    for file in &done.files_uploaded {
        let (_, data) = expected.iter().find(|(n, _)| *n == file.filename).unwrap();
        assert_eq!(&stored(&server, &file.url), data, "{}", file.filename);
        assert_eq!(file.size, data.len() as u64);
    }
    let snapshot = last.0.lock().unwrap().clone().unwrap();
    assert_eq!(snapshot.totals.transferred, snapshot.totals.size);
    assert!(snapshot.finished);
}

#[tokio::test]
async fn cancelling_mid_way_terminates_the_upload_on_the_server() {
    let server = tus_server();
    let proxy = Proxy::start(server.port).await;
    // 4 MiB/s: an 8 MiB file takes two seconds, long enough to cancel in.
    proxy
        .faults
        .rate
        .store(4 << 20, std::sync::atomic::Ordering::SeqCst);
    let tus = tus_at(&proxy.base());
    let dir = tempfile::tempdir().unwrap();
    let item = write_file(dir.path(), "big.bin", &content(8 << 20, 3));

    let progress = Furthest::new();
    let ctx = UploadContext::new(progress.clone());
    let cancel = ctx.cancel.clone();
    let upload = tokio::spawn(async move { tus.upload(&item, ctx).await });
    wait_until("1 MiB sent", Duration::from_secs(30), || {
        progress.get() >= 1 << 20
    })
    .await;
    assert_eq!(stored_names(&server).len(), 2, "the upload exists mid-way");
    cancel.cancel();
    let err = upload.await.unwrap().unwrap_err();
    assert_eq!(err.kind(), "cancelled");
    assert!(progress.get() < 8 << 20);
    // Termination removed the data and its info file.
    let left = left_after_cleanup(&server, 50).await;
    assert!(left.is_empty(), "left on the server: {left:?}");
}

#[tokio::test]
async fn a_dropped_connection_resumes_from_the_servers_offset() {
    let server = tus_server();
    let proxy = Proxy::start(server.port).await;
    let size = 8 << 20;
    // Cut the link after 3 MiB have gone up.
    proxy
        .faults
        .cut_at
        .store(3 << 20, std::sync::atomic::Ordering::SeqCst);
    let tus = tus_at(&proxy.base());
    let dir = tempfile::tempdir().unwrap();
    let data = content(size, 4);
    let item = write_file(dir.path(), "big.bin", &data);

    let (url, _) = send(&tus, &item).await;
    let url = url.unwrap();
    assert!(proxy.was_cut());
    assert_eq!(stored(&server, &url), data);
    // Starting over would have sent 3 MiB more; resuming sends only headers
    // twice. 64 KiB covers every request line and header.
    let sent = proxy.sent_up();
    assert!(sent >= size as u64, "{sent}");
    assert!(
        sent < size as u64 + 64 * 1024,
        "re-sent bytes the server had: {sent}"
    );
}

#[tokio::test]
async fn server_errors_are_retried_until_success() {
    let server = tus_server();
    let tus = tus_at(&server.base());
    let dir = tempfile::tempdir().unwrap();
    let data = content(3 << 20, 5);
    let item = write_file(dir.path(), "retried.bin", &data);
    inject(&server, "POST", 503, 1, None).await;
    inject(&server, "PATCH", 500, 2, None).await;
    inject(&server, "HEAD", 429, 1, Some(1)).await;
    let started = std::time::Instant::now();

    let (url, _) = send(&tus, &item).await;
    assert_eq!(stored(&server, &url.unwrap()), data);
    // The 429's Retry-After of one second was waited for.
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn a_client_error_fails_at_once_and_clearly() {
    let server = tus_server();
    let tus = tus_at(&server.base());
    let dir = tempfile::tempdir().unwrap();
    let item = write_file(dir.path(), "refused.bin", &content(10, 6));
    // Two refusals queued: a retry would consume the second and then succeed.
    inject(&server, "POST", 403, 2, None).await;

    let (outcome, _) = send(&tus, &item).await;
    let err = outcome.unwrap_err();
    assert_eq!(err.kind(), "httpStatus");
    assert!(err.to_string().contains("answered 403"), "{err}");
    // The second refusal is still queued: there was no retry.
    let (outcome, _) = send(&tus, &item).await;
    assert_eq!(outcome.unwrap_err().kind(), "httpStatus");
    assert!(stored_names(&server).is_empty());
}

#[tokio::test]
async fn a_wrong_endpoint_fails_once_clearly_and_keeps_the_files() {
    let server = tus_server();
    let tus = TusDestination::new(Url::parse(&format!("{}/elsewhere/", server.base())).unwrap())
        .with_retry(quick_retry());
    let picker = Picker::new(Arc::new(tus), Arc::new(NoEvents));
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "a.txt", b"a");
    picker.add_paths(&[dir.path().join("a.txt")], LOCAL_SOURCE);
    let err = picker.upload().await.unwrap_err();
    assert_eq!(err.kind(), "httpStatus");
    assert!(
        err.to_string().contains("/elsewhere/ answered 404"),
        "{err}"
    );
    let state = picker.snapshot();
    assert_eq!(state.files[0].status, satchel_core::FileStatus::Queued);
    assert_eq!(state.notices[0].error.kind, "httpStatus");
}

#[tokio::test]
async fn a_paused_upload_resumes_from_the_servers_offset() {
    use std::sync::atomic::Ordering::SeqCst;
    let server = tus_server();
    let proxy = Proxy::start(server.port).await;
    proxy.faults.rate.store(4 << 20, SeqCst);
    let dir = tempfile::tempdir().unwrap();
    let size = 12u64 << 20;
    let data = content(size as usize, 12);
    write_file(dir.path(), "big.bin", &data);
    let picker = Arc::new(Picker::new(
        Arc::new(tus_at(&proxy.base())),
        Arc::new(NoEvents),
    ));
    let added = picker.add_paths(&[dir.path().join("big.bin")], LOCAL_SOURCE);
    let uuid = added.added[0];
    let running = tokio::spawn({
        let picker = picker.clone();
        async move { picker.upload().await }
    });
    let stored_at_least = |bytes: u64| {
        tus_upload_id(&server).is_some_and(|id| {
            std::fs::metadata(server.storage.path().join(id)).is_ok_and(|m| m.len() >= bytes)
        })
    };
    wait_until("2 MiB stored", Duration::from_secs(30), || {
        stored_at_least(2 << 20)
    })
    .await;
    let id = tus_upload_id(&server).unwrap();
    // Per-file progress: bytes, rate and time left.
    let live = picker.snapshot().files[0].clone();
    assert!(live.transferred > 0 && live.transferred < size);
    let rate = live.rate.expect("a rate while uploading");
    assert!(rate > 0.0, "{rate}");
    assert!(live.eta.expect("an ETA while uploading") > 0.0);
    picker.pause(uuid).unwrap();
    let done = running.await.unwrap().unwrap();
    assert!(done.files_uploaded.is_empty() && done.files_failed.is_empty());
    let file = picker.snapshot().files[0].clone();
    assert_eq!(file.status, satchel_core::FileStatus::Queued);
    assert!(file.error.is_none());
    assert!(file.rate.is_none() && file.eta.is_none());

    // The server kept the upload; what was in flight has landed once it
    // answers for the upload again.
    let had = settled_tus_offset(&server, &id).await;
    assert!(had > 0 && had < size, "{had}");
    proxy.faults.rate.store(0, SeqCst);
    let before = proxy.sent_up();

    let done = picker.upload().await.unwrap();
    assert_eq!(done.files_uploaded.len(), 1);
    assert!(
        done.files_uploaded[0].url.ends_with(&id),
        "the same tus upload"
    );
    assert_eq!(
        std::fs::read(server.storage.path().join(&id)).unwrap(),
        data
    );
    let resent = proxy.sent_up() - before;
    assert!(
        resent >= size - had && resent < size - had + 64 * 1024,
        "{resent}"
    );
}

#[tokio::test]
async fn a_paused_file_removed_from_the_queue_is_dropped_on_the_server() {
    use std::sync::atomic::Ordering::SeqCst;
    let server = tus_server();
    let proxy = Proxy::start(server.port).await;
    proxy.faults.rate.store(4 << 20, SeqCst);
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "big.bin", &content(8 << 20, 13));
    let picker = Arc::new(Picker::new(
        Arc::new(tus_at(&proxy.base())),
        Arc::new(NoEvents),
    ));
    picker.add_paths(&[dir.path().join("big.bin")], LOCAL_SOURCE);
    let running = tokio::spawn({
        let picker = picker.clone();
        async move { picker.upload().await }
    });
    // Paused once the upload URL is known (and saved with the file).
    wait_until("the upload URL", Duration::from_secs(30), || {
        picker
            .file(picker.snapshot().files[0].uuid)
            .is_ok_and(|f| f.resume.is_some())
    })
    .await;
    assert_eq!(stored_names(&server).len(), 2);
    picker.pause_all();
    running.await.unwrap().unwrap();
    let uuid = picker.snapshot().files[0].uuid;
    let removed = picker.remove(uuid).unwrap();
    assert!(removed.resume.is_some());
    picker.discard(&removed).await.unwrap();
    let left = left_after_cleanup(&server, 250).await;
    assert!(left.is_empty(), "left on the server: {left:?}");
}

#[tokio::test]
async fn every_patch_carries_a_sha1_checksum_the_server_verifies() {
    let server = support::ServerProcess::start("node", &["tus_server.mjs", "--checksum"]);
    let tus = tus_at(&server.base());
    let dir = tempfile::tempdir().unwrap();
    let data = content(3 << 20, 14);
    let item = write_file(dir.path(), "summed.bin", &data);
    // A mismatch (460) once: the PATCH is sent again, from the server's offset.
    inject(&server, "PATCH", 460, 1, None).await;
    let (url, _) = send(&tus, &item).await;
    assert_eq!(stored(&server, &url.unwrap()), data);
    let counts: serde_json::Value = reqwest::get(format!("{}/__checksums", server.base()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counts, serde_json::json!({"verified": 1, "missing": 0}));
}

/// Starts an upload of one slow file, adds another while it runs, and
/// returns what the run sent.
async fn add_during_a_run(background: bool) -> (satchel_core::UploadDone, Picker) {
    let server = tus_server();
    let proxy = Proxy::start(server.port).await;
    proxy
        .faults
        .rate
        .store(8 << 20, std::sync::atomic::Ordering::SeqCst);
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "first.bin", &content(4 << 20, 15));
    write_file(dir.path(), "second.bin", &content(300_000, 16));
    let picker = Arc::new(
        Picker::new(Arc::new(tus_at(&proxy.base())), Arc::new(NoEvents))
            .with_background(background),
    );
    picker.add_paths(&[dir.path().join("first.bin")], LOCAL_SOURCE);
    let running = tokio::spawn({
        let picker = picker.clone();
        async move { picker.upload().await }
    });
    wait_until("the first file uploading", Duration::from_secs(30), || {
        picker.snapshot().files[0].status == satchel_core::FileStatus::Uploading
    })
    .await;
    picker.add_paths(&[dir.path().join("second.bin")], LOCAL_SOURCE);
    let done = running.await.unwrap().unwrap();
    let picker = Arc::into_inner(picker).unwrap();
    (done, picker)
}

#[tokio::test]
async fn in_the_background_mode_files_added_during_a_run_join_it() {
    let (done, picker) = add_during_a_run(true).await;
    let mut names: Vec<_> = done
        .files_uploaded
        .iter()
        .map(|f| f.filename.as_str())
        .collect();
    names.sort();
    assert_eq!(names, ["first.bin", "second.bin"]);
    assert!(picker.snapshot().finished);

    // Otherwise the run sends what it started with, and the rest waits.
    let (done, picker) = add_during_a_run(false).await;
    assert_eq!(done.files_uploaded.len(), 1);
    assert_eq!(done.files_uploaded[0].filename, "first.bin");
    assert_eq!(
        picker.snapshot().files[1].status,
        satchel_core::FileStatus::Queued
    );
}
