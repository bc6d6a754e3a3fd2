//! The multipart POST destination against a real multipart-parsing server
//! (busboy, started on 127.0.0.1 by each test), checking the bytes stored.

use satchel_test_support as support;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use satchel_core::{
    Destination, DestinationOptions, HttpPostDestination, NoEvents, Picker, UploadContext,
    LOCAL_SOURCE,
};
use support::proxy::Proxy;
use support::{
    content, inject, left_after_cleanup, post_server, quick_retry, send, stored_names, wait_until,
    write_file, Furthest, ServerProcess,
};
use url::Url;

fn post_to(url: &str) -> HttpPostDestination {
    HttpPostDestination::new(Url::parse(url).unwrap(), "file", Default::default())
        .with_retry(quick_retry())
}

/// What the server stored under the id at the end of a url.
fn stored(server: &ServerProcess, url: &str) -> (Vec<u8>, serde_json::Value) {
    let id = url.rsplit('/').next().unwrap();
    let data = std::fs::read(server.storage.path().join(id)).unwrap();
    let meta = std::fs::read(server.storage.path().join(format!("{id}.json"))).unwrap();
    (data, serde_json::from_slice(&meta).unwrap())
}

#[tokio::test]
async fn small_empty_and_large_files_land_byte_identical() {
    let server = post_server();
    let post = post_to(&format!("{}/upload", server.base()));
    let dir = tempfile::tempdir().unwrap();
    for (name, size) in [
        ("small.txt", 999),
        ("empty", 0),
        ("large.bin", 9 * 1024 * 1024 + 5),
    ] {
        let data = content(size, size as u8);
        let mut item = write_file(dir.path(), name, &data);
        item.mime = "text/plain".into();
        let (url, progress) = send(&post, &item).await;
        let url = url.unwrap();
        // The Location header, made absolute.
        assert!(
            url.starts_with(&format!("{}/files/", server.base())),
            "{url}"
        );
        let (bytes, meta) = stored(&server, &url);
        assert_eq!(bytes, data, "{name}");
        assert_eq!(meta["field"], "file");
        assert_eq!(meta["filename"], name);
        assert_eq!(meta["mimeType"], "text/plain");
        assert_eq!(progress.get(), size as u64);
    }
}

#[tokio::test]
async fn the_field_and_extra_headers_are_configurable() {
    let server = post_server();
    let options = DestinationOptions {
        post_field: Some("attachment".into()),
        headers: vec![
            "Authorization: Bearer s3cret".into(),
            "X-Tenant: acme".into(),
        ],
        ..DestinationOptions::default()
    };
    let dest =
        satchel_core::parse_destination_with(&format!("post+{}/upload", server.base()), &options)
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let item = write_file(dir.path(), "a.bin", b"abc");
    let (url, _) = send(dest.as_ref(), &item).await;
    let (bytes, meta) = stored(&server, &url.unwrap());
    assert_eq!(bytes, b"abc");
    assert_eq!(meta["field"], "attachment");
    assert_eq!(meta["headers"]["authorization"], "Bearer s3cret");
    assert_eq!(meta["headers"]["x-tenant"], "acme");
}

#[tokio::test]
async fn the_url_comes_from_json_or_falls_back_to_the_post_url() {
    let server = post_server();
    let dir = tempfile::tempdir().unwrap();
    let item = write_file(dir.path(), "a.bin", b"json");
    let (url, _) = send(&post_to(&format!("{}/upload-json", server.base())), &item).await;
    let url = url.unwrap();
    assert!(
        url.starts_with(&format!("{}/files/", server.base())),
        "{url}"
    );
    assert_eq!(stored(&server, &url).0, b"json");

    let plain = format!("{}/upload-plain", server.base());
    let (url, _) = send(&post_to(&plain), &item).await;
    assert_eq!(url.unwrap(), plain);
}

#[tokio::test]
async fn many_files_go_concurrently_through_the_picker() {
    let server = post_server();
    let dir = tempfile::tempdir().unwrap();
    let mut expected = vec![];
    for i in 0..20u8 {
        let data = content(50_000 + usize::from(i) * 1000, i);
        write_file(dir.path(), &format!("f{i:02}.bin"), &data);
        expected.push((format!("f{i:02}.bin"), data));
    }
    let post = post_to(&format!("{}/upload", server.base()));
    let picker = Picker::new(Arc::new(post), Arc::new(NoEvents)).with_concurrency(5);
    picker.add_paths(&[dir.path().to_path_buf()], LOCAL_SOURCE);
    let done = picker.upload().await.unwrap();
    assert!(done.files_failed.is_empty(), "{:?}", done.files_failed);
    assert_eq!(done.files_uploaded.len(), 20);
    for file in &done.files_uploaded {
        let (_, data) = expected.iter().find(|(n, _)| *n == file.filename).unwrap();
        let (bytes, meta) = stored(&server, &file.url);
        assert_eq!(&bytes, data);
        assert_eq!(meta["filename"], file.filename.as_str());
    }
}

#[tokio::test]
async fn cancelling_mid_way_leaves_the_server_clean() {
    let server = post_server();
    let proxy = Proxy::start(server.port).await;
    proxy.faults.rate.store(4 << 20, Ordering::SeqCst);
    let post = post_to(&format!("{}/upload", proxy.base()));
    let dir = tempfile::tempdir().unwrap();
    let item = write_file(dir.path(), "big.bin", &content(8 << 20, 1));
    let progress = Furthest::new();
    let ctx = UploadContext::new(progress.clone());
    let cancel = ctx.cancel.clone();
    let upload = tokio::spawn(async move { post.upload(&item, ctx).await });
    // Wait until the server is writing a partial part.
    wait_until(
        "a partial part on the server",
        Duration::from_secs(30),
        || !stored_names(&server).is_empty(),
    )
    .await;
    cancel.cancel();
    assert_eq!(upload.await.unwrap().unwrap_err().kind(), "cancelled");
    assert!(progress.get() < 8 << 20);
    // What the socket buffers still held drains through the slow proxy
    // before the server sees the connection close.
    let left = left_after_cleanup(&server, 500).await;
    assert!(left.is_empty(), "left on the server: {left:?}");
}

#[tokio::test]
async fn a_dropped_connection_is_retried_and_the_file_lands_whole() {
    let server = post_server();
    let proxy = Proxy::start(server.port).await;
    proxy.faults.cut_at.store(2 << 20, Ordering::SeqCst);
    let post = post_to(&format!("{}/upload", proxy.base()));
    let dir = tempfile::tempdir().unwrap();
    let data = content(5 << 20, 2);
    let item = write_file(dir.path(), "big.bin", &data);
    let (url, _) = send(&post, &item).await;
    assert!(proxy.was_cut());
    assert_eq!(stored(&server, &url.unwrap()).0, data);
    // A POST cannot resume: the cut part was sent again, and nothing more.
    let sent = proxy.sent_up();
    assert!(sent > (7 << 20) && sent < (7 << 20) + 64 * 1024, "{sent}");
    // Only the complete upload is stored (data + its metadata).
    assert_eq!(stored_names(&server).len(), 2);
}

#[tokio::test]
async fn server_errors_are_retried_and_client_errors_are_not() {
    let server = post_server();
    let post = post_to(&format!("{}/upload", server.base()));
    let dir = tempfile::tempdir().unwrap();
    let item = write_file(dir.path(), "a.bin", &content(300_000, 9));

    inject(&server, "POST", 502, 2, None).await;
    inject(&server, "POST", 429, 1, Some(1)).await;
    let (url, _) = send(&post, &item).await;
    assert_eq!(stored(&server, &url.unwrap()).0.len(), 300_000);

    // Two refusals: one try only, so the second is still waiting after.
    inject(&server, "POST", 413, 2, None).await;
    let (outcome, _) = send(&post, &item).await;
    let err = outcome.unwrap_err();
    assert_eq!(err.kind(), "httpStatus");
    assert!(
        err.to_string().contains("answered 413: injected 413"),
        "{err}"
    );
    let (outcome, _) = send(&post, &item).await;
    assert!(outcome.unwrap_err().to_string().contains("413"));
    let (outcome, _) = send(&post, &item).await;
    assert!(outcome.is_ok());
}

/// Asks the POST server to store the next `count` uploads but drop their
/// answers, as a network that fails on the way back would.
async fn lose_answers(server: &ServerProcess, count: u32) {
    let url = format!("{}/__lose?count={count}", server.base());
    let answer = reqwest::Client::new().post(url).send().await.unwrap();
    assert!(answer.status().is_success());
}

/// Uploads with a resume slot that outlives the attempt, as the picker's
/// saved queue does across a crash and `satchel resume`.
async fn send_with_slot(
    dest: &HttpPostDestination,
    item: &satchel_core::UploadItem,
    slot: &Arc<satchel_core::MemorySlot>,
) -> satchel_core::Result<String> {
    let mut ctx = UploadContext::new(Furthest::new());
    ctx.resume = slot.clone();
    dest.upload(item, ctx).await.map(|landed| landed.url)
}

#[tokio::test]
async fn a_post_whose_answer_was_lost_is_stored_once() {
    let server = post_server();
    let post = post_to(&format!("{}/upload", server.base()));
    let dir = tempfile::tempdir().unwrap();
    let data = content(200_000, 4);
    let item = write_file(dir.path(), "once.bin", &data);

    // The answer to the first try is lost: the retry carries the same
    // Idempotency-Key and the server answers it without storing again.
    lose_answers(&server, 1).await;
    let slot = Arc::new(satchel_core::MemorySlot::default());
    let url = send_with_slot(&post, &item, &slot).await.unwrap();
    assert_eq!(stored(&server, &url).0, data);
    assert_eq!(stored_names(&server).len(), 2, "one file and its metadata");
    let (_, meta) = stored(&server, &url);
    let key = meta["headers"]["idempotency-key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(key.len() > 30, "{key}");

    // A resume (the same saved slot, a new process) sends the same key:
    // still one file on the server, at the same place.
    let again = send_with_slot(&post, &item, &slot).await.unwrap();
    assert_eq!(again, url);
    assert_eq!(stored_names(&server).len(), 2);

    // Another file has a key of its own and is stored.
    let other = write_file(dir.path(), "other.bin", &content(1000, 5));
    let fresh = Arc::new(satchel_core::MemorySlot::default());
    let url = send_with_slot(&post, &other, &fresh).await.unwrap();
    let (_, meta) = stored(&server, &url);
    assert_ne!(meta["headers"]["idempotency-key"], key.as_str());
    assert_eq!(stored_names(&server).len(), 4);
}

#[tokio::test]
async fn a_409_for_an_upload_still_in_progress_is_tried_again() {
    let server = post_server();
    let post = post_to(&format!("{}/upload", server.base()));
    let dir = tempfile::tempdir().unwrap();
    let data = content(50_000, 6);
    let item = write_file(dir.path(), "busy.bin", &data);
    // What the server says while an earlier try with the same key is
    // still arriving (draft-ietf-httpapi-idempotency-key-header).
    inject(&server, "POST", 409, 2, None).await;
    let url = send_with_slot(&post, &item, &Arc::new(satchel_core::MemorySlot::default()))
        .await
        .unwrap();
    assert_eq!(stored(&server, &url).0, data);
    assert_eq!(stored_names(&server).len(), 2, "one file and its metadata");
}
