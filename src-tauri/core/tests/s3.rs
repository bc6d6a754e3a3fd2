//! The S3 destination against a real S3-compatible server (moto in server
//! mode, started on 127.0.0.1 by each test); objects are read back over the
//! S3 API and compared byte for byte.

use satchel_test_support as support;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use satchel_core::{
    Destination, MemorySlot, NoEvents, Picker, S3Config, S3Destination, UploadContext, LOCAL_SOURCE,
};
use support::proxy::Proxy;
use support::{
    content, inject, quick_retry, s3_server, send, wait_until, write_file, Furthest, ServerProcess,
};
use url::Url;

const MIB: usize = 1024 * 1024;
const BUCKET: &str = "satchel-test";

fn config(base: &str, prefix: &str) -> S3Config {
    support::s3_config(base, BUCKET, prefix)
}

fn s3_at(base: &str) -> S3Destination {
    S3Destination::new(config(base, "in/"))
        .unwrap()
        .with_retry(quick_retry())
        .with_multipart_threshold(5 * MIB as u64)
}

/// The caller, not the destination, clears the slot once it has recorded
/// the landing (see the same test for tus).
#[tokio::test]
async fn success_leaves_the_resume_slot_to_the_caller() {
    let server = s3_server();
    Inspect::new(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let item = write_file(dir.path(), "kept.bin", &content(6 * MIB, 22));
    let slot: Arc<MemorySlot> = Arc::default();
    let mut ctx = UploadContext::new(Furthest::new());
    ctx.resume = slot.clone();
    s3_at(&server.base()).upload(&item, ctx).await.unwrap();
    let saved = satchel_core::ResumeSlot::load(&*slot).expect("the slot is kept");
    assert!(saved["upload_id"].is_string(), "{saved}");
}

/// An upload that already stored its object, run again with its slot (as a
/// resume after a crash before the landing was recorded): nothing is sent
/// again, for a single PUT and for a multipart upload alike.
#[tokio::test]
async fn a_resume_finds_an_object_already_stored_and_sends_nothing() {
    let server = s3_server();
    Inspect::new(&server).await;
    let proxy = Proxy::start(server.port).await;
    let dir = tempfile::tempdir().unwrap();
    for (name, size) in [("single.bin", 2 * MIB), ("multi.bin", 11 * MIB)] {
        let data = content(size, 23);
        let item = write_file(dir.path(), name, &data);
        let slot: Arc<MemorySlot> = Arc::default();
        let s3 = s3_at(&proxy.base());
        let mut ctx = UploadContext::new(Furthest::new());
        ctx.resume = slot.clone();
        s3.upload(&item, ctx.clone()).await.unwrap();
        let before = proxy.sent_up();
        let url = s3.upload(&item, ctx).await.unwrap().url;
        assert_eq!(url, format!("s3://{BUCKET}/in/{name}"));
        let resent = proxy.sent_up() - before;
        assert!(resent < 16 * 1024, "{name}: sent {resent} bytes again");
    }
}

/// Signed requests of our own, to set up and inspect the server.
struct Inspect {
    bucket: Bucket,
    credentials: Credentials,
    client: reqwest::Client,
}

impl Inspect {
    async fn new(server: &ServerProcess) -> Inspect {
        let bucket = Bucket::new(
            Url::parse(&server.base()).unwrap(),
            UrlStyle::Path,
            BUCKET,
            "us-east-1",
        )
        .unwrap();
        let inspect = Inspect {
            bucket,
            credentials: Credentials::new("test-key", "test-secret"),
            client: reqwest::Client::new(),
        };
        let url = inspect
            .bucket
            .create_bucket(&inspect.credentials)
            .sign(Duration::from_secs(60));
        let answer = inspect
            .client
            .put(url)
            .header("content-length", 0)
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success(), "{answer:?}");
        inspect
    }

    async fn object(&self, key: &str) -> Option<(Vec<u8>, String)> {
        let url = self
            .bucket
            .get_object(Some(&self.credentials), key)
            .sign(Duration::from_secs(60));
        let answer = self.client.get(url).send().await.unwrap();
        if answer.status() == 404 {
            return None;
        }
        assert!(answer.status().is_success(), "{answer:?}");
        let mime = answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        Some((answer.bytes().await.unwrap().to_vec(), mime))
    }

    /// The multipart uploads the server still holds (started, not finished).
    async fn open_uploads(&self) -> usize {
        let base = self.bucket.base_url().as_str().trim_end_matches('/');
        let base = base.strip_suffix(&format!("/{BUCKET}")).unwrap_or(base);
        support::open_multipart_uploads(base, BUCKET).await.len()
    }
}

#[tokio::test]
async fn small_empty_and_multipart_files_land_byte_identical() {
    let server = s3_server();
    let inspect = Inspect::new(&server).await;
    let s3 = s3_at(&server.base());
    s3.prepare().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // One PUT, an empty PUT, and 12 MiB + 3 in three 5 MiB parts.
    for (name, size) in [
        ("small.txt", 4321),
        ("empty", 0),
        ("large.bin", 12 * MIB + 3),
    ] {
        let data = content(size, size as u8);
        let mut item = write_file(dir.path(), name, &data);
        item.mime = "text/plain".into();
        let (url, progress) = send(&s3, &item).await;
        assert_eq!(url.unwrap(), format!("s3://{BUCKET}/in/{name}"));
        let (stored, mime) = inspect.object(&format!("in/{name}")).await.unwrap();
        assert!(stored == data, "{name} differs");
        assert_eq!(mime, "text/plain");
        assert_eq!(progress.get(), size as u64);
    }
    assert_eq!(inspect.open_uploads().await, 0);
}

#[tokio::test]
async fn many_files_go_concurrently_through_the_picker() {
    let server = s3_server();
    let inspect = Inspect::new(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let mut expected = vec![];
    for i in 0..16u8 {
        // Two of them multipart.
        let size = if i < 2 {
            6 * MIB + usize::from(i)
        } else {
            70_000 * usize::from(i)
        };
        let data = content(size, i);
        write_file(dir.path(), &format!("f{i:02}.bin"), &data);
        expected.push((format!("f{i:02}.bin"), data));
    }
    let picker =
        Picker::new(Arc::new(s3_at(&server.base())), Arc::new(NoEvents)).with_concurrency(4);
    picker.add_paths(&[dir.path().to_path_buf()], LOCAL_SOURCE);
    let done = picker.upload().await.unwrap();
    assert!(done.files_failed.is_empty(), "{:?}", done.files_failed);
    assert_eq!(done.files_uploaded.len(), 16);
    for (name, data) in &expected {
        let (stored, _) = inspect.object(&format!("in/{name}")).await.unwrap();
        assert!(&stored == data, "{name} differs");
    }
}

#[tokio::test]
async fn cancelling_mid_way_aborts_the_multipart_upload() {
    let server = s3_server();
    let inspect = Inspect::new(&server).await;
    let proxy = Proxy::start(server.port).await;
    proxy.faults.rate.store(8 << 20, Ordering::SeqCst);
    let s3 = s3_at(&proxy.base());
    let dir = tempfile::tempdir().unwrap();
    let item = write_file(dir.path(), "big.bin", &content(40 * MIB, 7));
    let progress = Furthest::new();
    let ctx = UploadContext::new(progress.clone());
    let cancel = ctx.cancel.clone();
    let upload = tokio::spawn(async move { s3.upload(&item, ctx).await });
    wait_until("6 MiB sent", Duration::from_secs(30), || {
        progress.get() >= 6 * MIB as u64
    })
    .await;
    assert_eq!(inspect.open_uploads().await, 1);
    cancel.cancel();
    assert_eq!(upload.await.unwrap().unwrap_err().kind(), "cancelled");
    assert_eq!(
        inspect.open_uploads().await,
        0,
        "the upload was not aborted"
    );
    assert!(inspect.object("in/big.bin").await.is_none());
}

#[tokio::test]
async fn an_interrupted_upload_resumes_from_the_parts_the_server_lists() {
    let server = s3_server();
    let inspect = Inspect::new(&server).await;
    let proxy = Proxy::start(server.port).await;
    let size = 23 * MIB;
    let data = content(size, 8);
    let dir = tempfile::tempdir().unwrap();
    let item = write_file(dir.path(), "big.bin", &data);
    // Parts one at a time: the first two land, the third is cut mid-way and
    // (no retries) the upload fails, keeping its state in the slot.
    let slot: Arc<MemorySlot> = Arc::default();
    proxy.faults.cut_at.store(12 * MIB as u64, Ordering::SeqCst);
    let failing = S3Destination::new(config(&proxy.base(), "in/"))
        .unwrap()
        .with_retry(satchel_core::RetryPolicy {
            retries: 0,
            ..quick_retry()
        })
        .with_multipart_threshold(5 * MIB as u64)
        .with_parts_at_once(1);
    let mut ctx = UploadContext::new(Furthest::new());
    ctx.resume = slot.clone();
    let err = failing.upload(&item, ctx).await.unwrap_err();
    assert_eq!(err.kind(), "network", "{err}");
    assert!(proxy.was_cut());
    assert_eq!(inspect.open_uploads().await, 1);

    // Resumed: only the three missing parts go up.
    let before = proxy.sent_up();
    let progress = Furthest::new();
    let mut ctx = UploadContext::new(progress.clone());
    ctx.resume = slot.clone();
    let url = s3_at(&proxy.base()).upload(&item, ctx).await.unwrap().url;
    assert_eq!(url, format!("s3://{BUCKET}/in/big.bin"));
    let (stored, _) = inspect.object("in/big.bin").await.unwrap();
    assert!(stored == data, "the object differs");
    let resent = proxy.sent_up() - before;
    let missing = (size - 10 * MIB) as u64;
    assert!(resent >= missing, "{resent}");
    assert!(
        resent < missing + 64 * 1024,
        "sent parts the server had: {resent}"
    );
    assert_eq!(progress.get(), size as u64);
    assert_eq!(inspect.open_uploads().await, 0);
}

#[tokio::test]
async fn server_errors_are_retried_and_client_errors_are_not() {
    let server = s3_server();
    let inspect = Inspect::new(&server).await;
    let s3 = s3_at(&server.base());
    let dir = tempfile::tempdir().unwrap();
    let data = content(11 * MIB, 9);
    let item = write_file(dir.path(), "r.bin", &data);
    // Part uploads fail twice, then one is rate-limited with Retry-After.
    inject(&server, "PUT", 503, 2, None).await;
    inject(&server, "PUT", 429, 1, Some(1)).await;
    let (url, _) = send(&s3, &item).await;
    url.unwrap();
    assert!(inspect.object("in/r.bin").await.unwrap().0 == data);

    let small = write_file(dir.path(), "s.bin", b"small");
    inject(&server, "PUT", 403, 2, None).await;
    let (outcome, _) = send(&s3, &small).await;
    let err = outcome.unwrap_err();
    assert_eq!(err.kind(), "httpStatus");
    assert!(err.to_string().contains("answered 403"), "{err}");
    // One try only: the second refusal is still waiting.
    assert!(send(&s3, &small).await.0.is_err());
    assert!(send(&s3, &small).await.0.is_ok());
}

#[tokio::test]
async fn a_missing_bucket_fails_up_front() {
    let server = s3_server();
    let err = s3_at(&server.base()).prepare().await.unwrap_err();
    assert_eq!(err.kind(), "httpStatus");
    assert!(err.to_string().contains("404"), "{err}");
}

#[tokio::test]
async fn discarding_an_interrupted_upload_aborts_it() {
    let server = s3_server();
    let inspect = Inspect::new(&server).await;
    let proxy = Proxy::start(server.port).await;
    proxy.faults.cut_at.store(7 * MIB as u64, Ordering::SeqCst);
    let dir = tempfile::tempdir().unwrap();
    let item = write_file(dir.path(), "big.bin", &content(12 * MIB, 10));
    let s3 = S3Destination::new(config(&proxy.base(), "in/"))
        .unwrap()
        .with_retry(satchel_core::RetryPolicy {
            retries: 0,
            ..quick_retry()
        })
        .with_multipart_threshold(5 * MIB as u64)
        .with_parts_at_once(1);
    let slot: Arc<MemorySlot> = Arc::default();
    let mut ctx = UploadContext::new(Furthest::new());
    ctx.resume = slot.clone();
    assert!(s3.upload(&item, ctx).await.is_err());
    assert_eq!(inspect.open_uploads().await, 1);

    use satchel_core::ResumeSlot;
    s3.discard(slot.load().unwrap()).await.unwrap();
    assert_eq!(inspect.open_uploads().await, 0);
    assert!(inspect.object("in/big.bin").await.is_none());
}
