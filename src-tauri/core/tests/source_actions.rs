//! Each custom-source action against a real HTTP server on loopback.

use std::collections::BTreeMap;
use std::fs;
use std::io::Cursor;
use std::sync::Arc;
use std::thread;

use satchel_core::actions::perform;
use satchel_core::{
    FileStatus, FolderDestination, NetworkPolicy, NoEvents, Picker, PickerOptions, SpoolLimits,
};
use serde_json::{json, Value};
use tiny_http::{Header, Response, Server};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01";
/// A whole picture (32×32), for thumbnails.
const ICON: &[u8] = include_bytes!("../../../icons/32x32.png");

/// A small server with the responses the actions meet in the wild.
struct TestServer {
    base: String,
}

fn header(k: &str, v: &str) -> Header {
    Header::from_bytes(k.as_bytes(), v.as_bytes()).unwrap()
}

fn start_server() -> TestServer {
    let server = Server::http("127.0.0.1:0").unwrap();
    let base = format!("http://{}", server.server_addr().to_ip().unwrap());
    let port = server.server_addr().to_ip().unwrap().port();
    thread::spawn(move || {
        for request in server.incoming_requests() {
            let url = request.url().to_owned();
            let method = request.method().as_str().to_owned();
            let auth = request
                .headers()
                .iter()
                .find(|h| h.field.equiv("Authorization"))
                .map(|h| h.value.as_str().to_owned());
            let range = request.headers().iter().any(|h| h.field.equiv("Range"));
            let data: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
            let response = match url.as_str() {
                "/to-loopback" => Response::new(
                    302.into(),
                    vec![header(
                        "Location",
                        &format!("http://127.0.0.1:{}/pic.png", port),
                    )],
                    Cursor::new(vec![]),
                    Some(0),
                    None,
                ),
                "/icon.png" => Response::new(
                    200.into(),
                    vec![header("Content-Type", "image/png")],
                    Cursor::new(ICON.to_vec()),
                    Some(ICON.len()),
                    None,
                ),
                // Says it is a picture; it is a PDF.
                "/lying.png" => Response::new(
                    200.into(),
                    vec![header("Content-Type", "image/png")],
                    Cursor::new(b"%PDF-1.7\n...".to_vec()),
                    Some(12),
                    None,
                ),
                "/pic.png" => Response::new(
                    200.into(),
                    vec![header("Content-Type", "image/png")],
                    Cursor::new(PNG.to_vec()),
                    Some(PNG.len()),
                    None,
                ),
                "/report" => Response::new(
                    200.into(),
                    vec![
                        header(
                            "Content-Disposition",
                            "attachment; filename=\"../quarterly report.pdf\"",
                        ),
                        header("Last-Modified", "Wed, 21 Oct 2015 07:28:00 GMT"),
                    ],
                    Cursor::new(b"%PDF-1.7\n...".to_vec()),
                    Some(12),
                    None,
                ),
                "/secret.bin" if auth.as_deref() == Some("Bearer s3cret") => Response::new(
                    200.into(),
                    vec![],
                    Cursor::new(data.clone()),
                    Some(data.len()),
                    None,
                ),
                "/secret.bin" => {
                    Response::new(401.into(), vec![], Cursor::new(vec![]), Some(0), None)
                }
                "/nohead.gif" if method == "HEAD" => {
                    Response::new(405.into(), vec![], Cursor::new(vec![]), Some(0), None)
                }
                "/nohead.gif" if range => Response::new(
                    206.into(),
                    vec![header("Content-Range", "bytes 0-5/4096")],
                    Cursor::new(b"GIF89a".to_vec()),
                    Some(6),
                    None,
                ),
                _ => Response::new(404.into(), vec![], Cursor::new(vec![]), Some(0), None),
            };
            let _ = request.respond(response);
        }
    });
    TestServer { base }
}

/// A picker whose SSRF guard lets the loopback test server through.
/// Files in a spool (each source writes in a folder of its own).
fn spool_files(spool: &std::path::Path) -> usize {
    let Ok(entries) = fs::read_dir(spool) else {
        return 0;
    };
    entries
        .map(|e| e.unwrap().path())
        .map(|p| {
            if p.is_dir() {
                fs::read_dir(p).unwrap().count()
            } else {
                1
            }
        })
        .sum()
}

fn picker(dest: &std::path::Path, spool: &std::path::Path, max_files: usize) -> Picker {
    guarded_picker(dest, spool, max_files, &["127.0.0.1"])
}

fn guarded_picker(
    dest: &std::path::Path,
    spool: &std::path::Path,
    max_files: usize,
    allow: &[&str],
) -> Picker {
    let allow: Vec<String> = allow.iter().map(|s| s.to_string()).collect();
    Picker::new(Arc::new(FolderDestination::new(dest)), Arc::new(NoEvents))
        .with_network(NetworkPolicy::parse(&allow, &[]).unwrap())
        .with_spool_dir(spool)
        .with_options(PickerOptions {
            max_files,
            ..PickerOptions::default()
        })
}

async fn act(picker: &Picker, source: &str, request: Value) -> Result<Value, String> {
    perform(picker, source, &request.to_string())
        .await
        .map(|r| r.value)
        .map_err(|e| format!("{}: {e}", e.kind()))
}

#[tokio::test]
async fn metadata_reads_head_and_falls_back_to_a_ranged_get() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let p = picker(&dir.path().join("d"), &dir.path().join("s"), 10);
    let meta = act(
        &p,
        "src",
        json!({"action": "metadata", "args": {"url": format!("{}/report", server.base)}}),
    )
    .await
    .unwrap();
    assert_eq!(meta["filename"], "quarterly report.pdf");
    assert_eq!(meta["display_name"], "quarterly report.pdf");
    assert_eq!(meta["type"], "application/pdf");
    assert_eq!(meta["size"], 12);
    assert_eq!(meta["modified"], "Wed, 21 Oct 2015 07:28:00 GMT");
    assert_eq!(meta["link_path"], format!("{}/report", server.base));
    assert_eq!(meta["thumbnail"], "");

    let meta = act(
        &p,
        "src",
        json!({"action": "metadata", "args": {"url": format!("{}/nohead.gif", server.base)}}),
    )
    .await
    .unwrap();
    assert_eq!(
        meta["type"], "image/gif",
        "sniffed from the first bytes: {meta}"
    );
    assert_eq!(meta["size"], 4096, "from Content-Range: {meta}");
    assert_eq!(meta["thumbnail"], format!("{}/nohead.gif", server.base));
}

#[tokio::test]
async fn fetch_and_add_streams_into_the_spool_with_headers() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let p = picker(&dir.path().join("d"), &dir.path().join("s"), 10);
    let url = format!("{}/secret.bin", server.base);

    let refused = act(
        &p,
        "src",
        json!({"action": "fetchAndAddUrl", "args": {"url": url}}),
    )
    .await;
    assert!(
        refused.unwrap_err().starts_with("httpStatus:"),
        "401 without the header"
    );
    assert_eq!(p.source_view("src").count, 0);

    let file = act(
        &p,
        "src",
        json!({"action": "fetchAndAddUrl", "args": {"url": url, "headers": {"Authorization": "Bearer s3cret"}}}),
    )
    .await
    .unwrap();
    assert_eq!(file["filename"], "secret.bin");
    assert_eq!(file["size"], 300_000);
    assert_eq!(file["url"], url);
    let view = p.source_view("src");
    assert_eq!(view.count, 1);

    let done = p.upload().await.unwrap();
    let landed = &done.files_uploaded[0].url;
    let expected: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
    assert_eq!(fs::read(landed).unwrap(), expected);
    // The spool copy goes once the file is uploaded.
    assert_eq!(spool_files(&dir.path().join("s")), 0);
}

#[tokio::test]
async fn custom_urls_need_type_and_filename_and_are_fetched_at_upload() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let p = picker(&dir.path().join("d"), &dir.path().join("s"), 10);
    let url = format!("{}/pic.png", server.base);

    let missing = act(
        &p,
        "src",
        json!({"action": "addCustomUrl", "args": {"url": url, "filename": "a.png"}}),
    )
    .await;
    assert_eq!(
        missing.unwrap_err(),
        "missingField: missing required field \"type\""
    );
    let missing = act(
        &p,
        "src",
        json!({"action": "addCustomUrl", "args": {"url": url, "type": "image/png"}}),
    )
    .await;
    assert_eq!(
        missing.unwrap_err(),
        "missingField: missing required field \"filename\""
    );

    let file = act(
        &p,
        "src",
        json!({"action": "addCustomUrl", "args": {
            "url": url, "type": "image/png", "filename": "pic.png", "display_name": "A picture",
            "thumbnail": url, "headers": {"X-Token": "t"}
        }}),
    )
    .await
    .unwrap();
    assert_eq!(file["display_name"], "A picture");
    assert_eq!(file["headers"], json!({"X-Token": "t"}));
    let uuid = file["uuid"].as_str().unwrap().to_owned();
    let got = act(
        &p,
        "src",
        json!({"action": "getFile", "args": {"uuid": uuid}}),
    )
    .await
    .unwrap();
    assert_eq!(got, file);
    // Nothing was fetched yet: a link is fetched when it is uploaded.
    assert_eq!(spool_files(&dir.path().join("s")), 0);

    let done = p.upload().await.unwrap();
    assert_eq!(fs::read(&done.files_uploaded[0].url).unwrap(), PNG);
    assert_eq!(done.files_uploaded[0].mimetype, "image/png");
}

#[tokio::test]
async fn sources_see_only_their_own_files_and_max_files_holds() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let p = picker(&dir.path().join("d"), &dir.path().join("s"), 2);
    let link = |name: &str| json!({"action": "addCustomUrl", "args": {"url": format!("{}/pic.png", server.base), "type": "image/png", "filename": name}});
    let mine = act(&p, "a", link("1.png")).await.unwrap();
    let uuid = mine["uuid"].as_str().unwrap().to_owned();
    act(&p, "b", link("2.png")).await.unwrap();

    let over = act(&p, "a", link("3.png")).await.unwrap_err();
    assert!(over.starts_with("tooManyFiles:"), "{over}");
    assert_eq!(p.snapshot().files.len(), 2, "nothing half-added");

    let theirs = act(
        &p,
        "b",
        json!({"action": "getFile", "args": {"uuid": uuid}}),
    )
    .await
    .unwrap_err();
    assert!(theirs.starts_with("unknownFile:"), "{theirs}");
    let theirs = act(
        &p,
        "b",
        json!({"action": "removeFile", "args": {"uuid": uuid}}),
    )
    .await
    .unwrap_err();
    assert!(theirs.starts_with("unknownFile:"), "{theirs}");
    assert_eq!(p.source_view("a").count, 1);
    assert_eq!(p.source_view("b").file_list.len(), 1);

    act(
        &p,
        "a",
        json!({"action": "removeFile", "args": {"uuid": uuid}}),
    )
    .await
    .unwrap();
    assert_eq!(p.source_view("a").count, 0);
}

/// The frame's POSTs (`raw_slice`): the ticket is good for the source that
/// began the file only, a slice may be up to 16 MiB (not a chunk's 4), and
/// a finished file's ticket is spent.
#[tokio::test]
async fn raw_slices_need_this_sources_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let p = picker(&dir.path().join("d"), &dir.path().join("s"), 10);
    let size = satchel_core::RAW_CHUNK + 10;
    let started = act(
        &p,
        "src",
        json!({"action": "addRawBegin", "args": {"name": "big.bin", "size": size}}),
    )
    .await
    .unwrap();
    assert_eq!(started["slice"], satchel_core::RAW_SLICE);
    let spool = uuid::Uuid::parse_str(started["spool"].as_str().unwrap()).unwrap();
    let bytes = vec![5u8; size];
    assert_eq!(
        p.raw_slice("other", spool, 0, &bytes).unwrap_err().kind(),
        "badChunk"
    );
    assert_eq!(
        p.raw_chunk("src", spool, 0, &bytes).unwrap_err().kind(),
        "badChunk",
        "a chunk over IPC stays at most 4 MiB"
    );
    p.raw_slice("src", spool, 0, &bytes).unwrap();
    act(
        &p,
        "src",
        json!({"action": "addRawFinish", "args": {"spool": spool}}),
    )
    .await
    .unwrap();
    assert_eq!(
        p.raw_slice("src", spool, size as u64, b"x")
            .unwrap_err()
            .kind(),
        "badChunk",
        "a finished file's ticket is spent"
    );
    let too_big = vec![0u8; satchel_core::RAW_SLICE + 1];
    assert_eq!(
        p.raw_slice("src", spool, 0, &too_big).unwrap_err().kind(),
        "badChunk"
    );
}

#[tokio::test]
async fn raw_files_arrive_in_order_and_complete() {
    let dir = tempfile::tempdir().unwrap();
    let p = picker(&dir.path().join("d"), &dir.path().join("s"), 10);
    let started = act(
        &p,
        "src",
        json!({"action": "addRawBegin", "args": {"name": "../blob.txt", "size": 6}}),
    )
    .await
    .unwrap();
    let spool = uuid::Uuid::parse_str(started["spool"].as_str().unwrap()).unwrap();
    assert_eq!(
        p.raw_chunk("other", spool, 0, b"abc").unwrap_err().kind(),
        "badChunk"
    );
    p.raw_chunk("src", spool, 0, b"abc").unwrap();
    p.raw_chunk("src", spool, 3, b"def").unwrap();
    let file = act(
        &p,
        "src",
        json!({"action": "addRawFinish", "args": {"spool": spool}}),
    )
    .await
    .unwrap();
    assert_eq!(file["filename"], "blob.txt");
    assert_eq!(file["type"], "text/plain");
    assert_eq!(file["size"], 6);

    let short = act(
        &p,
        "src",
        json!({"action": "addRawBegin", "args": {"size": 10}}),
    )
    .await
    .unwrap();
    let spool = short["spool"].as_str().unwrap();
    p.raw_chunk("src", uuid::Uuid::parse_str(spool).unwrap(), 0, b"abc")
        .unwrap();
    let err = act(
        &p,
        "src",
        json!({"action": "addRawFinish", "args": {"spool": spool}}),
    )
    .await
    .unwrap_err();
    assert!(err.contains("got 3 of 10 bytes"), "{err}");
    assert_eq!(p.source_view("src").count, 1);

    // A raw file still arriving when Satchel closes leaves nothing behind.
    let open = act(
        &p,
        "src",
        json!({"action": "addRawBegin", "args": {"size": 10}}),
    )
    .await
    .unwrap();
    let spool = uuid::Uuid::parse_str(open["spool"].as_str().unwrap()).unwrap();
    p.raw_chunk("src", spool, 0, b"abc").unwrap();
    let spooled = || walk(&dir.path().join("s"));
    assert_eq!(spooled().len(), 2, "the blob and the partial file");
    p.abort_unfinished_raw();
    assert_eq!(spooled().len(), 1, "only the finished blob is left");
}

/// Every file under `dir`, however deep.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = vec![];
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[tokio::test]
async fn hostile_urls_and_headers_are_refused_with_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let p = picker(&dir.path().join("d"), &dir.path().join("s"), 10);
    let err = act(
        &p,
        "s",
        json!({"action": "fetchAndAddUrl", "args": {"url": "file:///etc/passwd"}}),
    )
    .await
    .unwrap_err();
    assert!(err.contains("only http and https"), "{err}");
    let mut headers = BTreeMap::new();
    headers.insert("X-A", "v\r\nHost: evil");
    let err = act(
        &p,
        "s",
        json!({"action": "metadata", "args": {"url": "http://127.0.0.1:1/", "headers": headers}}),
    )
    .await
    .unwrap_err();
    assert!(err.starts_with("badHeader:"), "{err}");
}

#[tokio::test]
async fn the_ssrf_guard_refuses_local_addresses_names_and_redirect_hops() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let port = server.base.rsplit(':').next().unwrap().to_owned();

    // Nothing allowed: a literal loopback address is refused before any request.
    let closed = guarded_picker(&dir.path().join("d"), &dir.path().join("s"), 10, &[]);
    let err = act(
        &closed,
        "s",
        json!({"action": "fetchAndAddUrl", "args": {"url": format!("{}/pic.png", server.base)}}),
    )
    .await
    .unwrap_err();
    assert!(
        err.starts_with("refused:") && err.contains("loopback addresses are refused"),
        "{err}"
    );
    // A name is refused once it resolves to a loopback address.
    let err = act(
        &closed,
        "s",
        json!({"action": "metadata", "args": {"url": format!("http://localhost:{port}/pic.png")}}),
    )
    .await
    .unwrap_err();
    assert!(
        err.starts_with("refused:") && err.contains("localhost"),
        "{err}"
    );
    assert_eq!(spool_files(&dir.path().join("s")), 0);

    // The name is allowed, but the redirect it answers with goes to a
    // literal loopback address, which is checked again and refused.
    let by_name = guarded_picker(
        &dir.path().join("d"),
        &dir.path().join("s"),
        10,
        &["localhost"],
    );
    let ok = act(
        &by_name,
        "s",
        json!({"action": "metadata", "args": {"url": format!("http://localhost:{port}/pic.png")}}),
    )
    .await;
    assert!(ok.is_ok(), "{ok:?}");
    let err = act(&by_name, "s", json!({"action": "fetchAndAddUrl", "args": {"url": format!("http://localhost:{port}/to-loopback")}}))
        .await
        .unwrap_err();
    assert!(
        err.contains("127.0.0.1") && err.contains("loopback"),
        "{err}"
    );
}

#[tokio::test]
async fn fetched_files_meet_accept_and_leave_nothing_when_refused() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let p = Picker::new(
        Arc::new(FolderDestination::new(dir.path().join("d"))),
        Arc::new(NoEvents),
    )
    .with_network(NetworkPolicy::parse(&["127.0.0.1".to_string()], &[]).unwrap())
    .with_spool_dir(dir.path().join("s"))
    .with_options(PickerOptions {
        accept: vec!["image/*".into()],
        ..PickerOptions::default()
    });
    let err = act(
        &p,
        "s",
        json!({"action": "fetchAndAddUrl", "args": {"url": format!("{}/report", server.base)}}),
    )
    .await
    .unwrap_err();
    assert!(
        err.starts_with("rejected:") && err.contains("application/pdf"),
        "{err}"
    );
    assert_eq!(spool_files(&dir.path().join("s")), 0, "no spool file left");
    act(
        &p,
        "s",
        json!({"action": "fetchAndAddUrl", "args": {"url": format!("{}/pic.png", server.base)}}),
    )
    .await
    .unwrap();
    assert_eq!(p.source_view("s").count, 1);
}

#[tokio::test]
async fn a_links_thumbnail_is_fetched_through_the_guard_and_made_small() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let add = |thumbnail: &str| {
        json!({"action": "addCustomUrl", "args": {
            "url": format!("{}/report", server.base), "type": "application/pdf",
            "filename": "report.pdf", "thumbnail": format!("{}{thumbnail}", server.base)}})
    };
    let p = picker(&dir.path().join("d"), &dir.path().join("s"), 10);
    let added = act(&p, "src", add("/icon.png")).await.unwrap();
    let uuid = uuid::Uuid::parse_str(added["uuid"].as_str().unwrap()).unwrap();
    let thumbnail = p.thumbnail(uuid).await.unwrap().expect("a thumbnail");
    assert!(
        thumbnail.starts_with("data:image/png;base64,"),
        "{thumbnail:.40}"
    );

    // A broken picture is a clear error, not a panic.
    let added = act(&p, "src", add("/pic.png")).await.unwrap();
    let uuid = uuid::Uuid::parse_str(added["uuid"].as_str().unwrap()).unwrap();
    assert_eq!(p.thumbnail(uuid).await.unwrap_err().kind(), "thumbnail");

    // Without loopback allowed, the thumbnail's host is refused like any URL.
    let closed = guarded_picker(&dir.path().join("d2"), &dir.path().join("s2"), 10, &[]);
    let added = act(&closed, "src", add("/icon.png")).await.unwrap();
    let uuid = uuid::Uuid::parse_str(added["uuid"].as_str().unwrap()).unwrap();
    assert_eq!(closed.thumbnail(uuid).await.unwrap_err().kind(), "refused");
}

#[tokio::test]
async fn declared_types_are_checked_again_on_the_content() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let p = picker(&dir.path().join("d"), &dir.path().join("s"), 10).with_options(PickerOptions {
        accept: vec!["image/*".into()],
        ..PickerOptions::default()
    });
    let pdf = b"%PDF-1.7\n...";

    // A raw file that says it is a PNG.
    let started = act(
        &p,
        "s",
        json!({"action": "addRawBegin", "args": {"name": "a.png", "type": "image/png", "size": pdf.len()}}),
    )
    .await
    .unwrap();
    let spool = uuid::Uuid::parse_str(started["spool"].as_str().unwrap()).unwrap();
    p.raw_chunk("s", spool, 0, pdf).unwrap();
    let err = act(
        &p,
        "s",
        json!({"action": "addRawFinish", "args": {"spool": spool}}),
    )
    .await
    .unwrap_err();
    assert!(
        err.starts_with("rejected:") && err.contains("application/pdf"),
        "{err}"
    );

    // A server whose Content-Type says PNG.
    let lying = format!("{}/lying.png", server.base);
    let err = act(
        &p,
        "s",
        json!({"action": "fetchAndAddUrl", "args": {"url": lying}}),
    )
    .await
    .unwrap_err();
    assert!(err.starts_with("rejected:"), "{err}");
    assert_eq!(spool_files(&dir.path().join("s")), 0);

    // A link that says PNG is queued on its word, and refused, unsent,
    // once its content shows otherwise.
    act(
        &p,
        "s",
        json!({"action": "addCustomUrl", "args": {"url": lying, "type": "image/png", "filename": "b.png"}}),
    )
    .await
    .unwrap();
    let done = p.upload().await.unwrap();
    assert_eq!(done.files_failed.len(), 1);
    assert_eq!(
        done.files_failed[0].error.as_ref().unwrap().kind,
        "rejected"
    );
    assert!(
        walk(&dir.path().join("d")).is_empty(),
        "a refused file landed"
    );
    assert_eq!(spool_files(&dir.path().join("s")), 0);
    assert_eq!(p.source_view("s").count, 1);
    assert_eq!(p.snapshot().files[0].status, FileStatus::Failed);
}

#[tokio::test]
async fn a_source_learns_no_local_path_and_no_resolved_address() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("dest-folder");
    let p = picker(&dest, &dir.path().join("s"), 10);
    let started = act(
        &p,
        "s",
        json!({"action": "addRawBegin", "args": {"name": "a.txt", "size": 3}}),
    )
    .await
    .unwrap();
    let spool = uuid::Uuid::parse_str(started["spool"].as_str().unwrap()).unwrap();
    p.raw_chunk("s", spool, 0, b"abc").unwrap();
    let file = act(
        &p,
        "s",
        json!({"action": "addRawFinish", "args": {"spool": spool}}),
    )
    .await
    .unwrap();
    p.upload().await.unwrap();
    let uuid = file["uuid"].as_str().unwrap();
    let got = act(
        &p,
        "s",
        json!({"action": "getFile", "args": {"uuid": uuid}}),
    )
    .await
    .unwrap();
    let view = serde_json::to_string(&p.source_view("s")).unwrap();
    let home = dir.path().to_string_lossy().into_owned();
    for text in [got.to_string(), view] {
        assert!(
            !text.contains(&home),
            "a local path reached the source: {text}"
        );
    }

    // A spool that cannot be written: the error names no folder.
    let blocked = dir.path().join("not-a-folder");
    fs::write(&blocked, b"").unwrap();
    let q = picker(&dest, &blocked.join("spool"), 10);
    let err = act(
        &q,
        "s",
        json!({"action": "addRawBegin", "args": {"name": "b.txt", "size": 3}}),
    )
    .await
    .unwrap_err();
    assert!(err.starts_with("spool:"), "{err}");
    assert!(!err.contains(&home), "{err}");

    // A name refused for where it points: the kind of address, not which.
    let port = server.base.rsplit(':').next().unwrap();
    let closed = guarded_picker(&dest, &dir.path().join("s"), 10, &[]);
    let err = act(
        &closed,
        "s",
        json!({"action": "metadata", "args": {"url": format!("http://localhost:{port}/pic.png")}}),
    )
    .await
    .unwrap_err();
    assert!(
        err.starts_with("refused:") && err.contains("loopback"),
        "{err}"
    );
    assert!(!err.contains("127.0.0.1") && !err.contains("::1"), "{err}");
}

#[tokio::test]
async fn fifty_raw_files_at_once_share_the_spool_cap() {
    let dir = tempfile::tempdir().unwrap();
    let spool_dir = dir.path().join("s");
    let p = Arc::new(
        picker(&dir.path().join("d"), &spool_dir, 1000).with_spool_limits(SpoolLimits {
            per_source: Some(100),
            total: None,
        }),
    );
    // Fifty files of 20 bytes begin together; each alone would fit.
    let begun = futures_join(
        (0..50)
            .map(|i| {
                let p = p.clone();
                tokio::spawn(async move {
                    act(
                        &p,
                        "src",
                        json!({"action": "addRawBegin", "args": {"name": format!("{i}.bin"), "size": 20}}),
                    )
                    .await
                })
            })
            .collect(),
    )
    .await;
    let open: Vec<uuid::Uuid> = begun
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|v| uuid::Uuid::parse_str(v["spool"].as_str().unwrap()).unwrap())
        .collect();
    assert!(open.len() <= 8, "{} raw files open at once", open.len());
    // Then all their bytes arrive.
    let mut stored = 0;
    for spool in &open {
        if p.raw_chunk("src", *spool, 0, &[7u8; 20]).is_ok() {
            stored += 1;
        }
        let on_disk: u64 = walk(&spool_dir)
            .iter()
            .map(|f| fs::metadata(f).unwrap().len())
            .sum();
        assert!(
            on_disk <= 100,
            "the spool holds {on_disk} bytes, over its cap"
        );
    }
    assert_eq!(stored, 5, "five files of 20 bytes fill 100");
}

async fn futures_join<T>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = vec![];
    for task in tasks {
        out.push(task.await.unwrap());
    }
    out
}
