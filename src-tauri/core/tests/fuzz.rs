//! Property tests of what arrives from outside: a source frame's requests,
//! file names, URLs, configuration files and sizes. Whatever the input, the
//! code answers with a value or its documented error — never a panic. Work
//! is bounded where it is timed: a request is decoded within [`DECODE_BOUND`]
//! and performed within [`PERFORM_BOUND`], however it is made.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use satchel_core::actions::{decode, perform, MAX_REQUEST_BYTES};
use satchel_core::{
    check_url, clean_filename, parse_size, unclobbered_names, ConfigFile, FolderDestination,
    NetworkPolicy, NoEvents, Picker,
};
use serde_json::{json, Value};
use unicode_normalization::is_nfc;

/// The longest a request may take to decode, whatever it holds (far above
/// the microseconds it takes, so a slow machine does not fail it).
const DECODE_BOUND: Duration = Duration::from_secs(1);

/// The longest a request from a source may take to perform, here without
/// the network.
const PERFORM_BOUND: Duration = Duration::from_secs(5);

/// Decodes `text`, failing the test if that takes longer than [`DECODE_BOUND`].
fn timed_decode(text: &str) -> satchel_core::Result<satchel_core::actions::Request> {
    let started = Instant::now();
    let decoded = decode(text);
    let took = started.elapsed();
    assert!(
        took <= DECODE_BOUND,
        "decoding {} bytes took {took:?}",
        text.len()
    );
    decoded
}

/// Any JSON value, nested a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(".{0,12}", inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Requests shaped like the real ones, with arbitrary contents.
fn request_like() -> impl Strategy<Value = Value> {
    let known = prop::sample::select(vec![
        "addRawBegin",
        "addRawFinish",
        "addRawAbort",
        "fetchAndAddUrl",
        "showSummaryView",
        "addCustomUrl",
        "metadata",
        "startUploading",
        "getFile",
        "removeFile",
    ])
    .prop_map(str::to_owned);
    let action = prop_oneof![4 => known, 1 => ".{0,16}"];
    let args = prop_oneof![
        any_json(),
        (any::<u64>(), ".{0,300}", ".{0,40}")
            .prop_map(|(size, name, mime)| json!({"size": size, "name": name, "type": mime})),
        ".{0,40}".prop_map(|s| json!({"spool": s, "uuid": s})),
        (".{0,200}", any_json()).prop_map(|(url, headers)| json!({"url": url, "headers": headers})),
        (".{0,200}", ".{0,300}", ".{0,40}")
            .prop_map(|(url, name, mime)| { json!({"url": url, "filename": name, "type": mime}) }),
    ];
    (action, args).prop_map(|(action, args)| json!({"action": action, "args": args}))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decode_takes_any_text(text in ".{0,2000}") {
        if let Err(e) = timed_decode(&text) {
            prop_assert_eq!(e.kind(), "badRequest");
        }
    }

    #[test]
    fn decode_takes_any_json(value in any_json()) {
        if let Err(e) = timed_decode(&value.to_string()) {
            prop_assert_eq!(e.kind(), "badRequest");
        }
    }

    #[test]
    fn decode_takes_request_shaped_json(value in request_like()) {
        if let Err(e) = timed_decode(&value.to_string()) {
            prop_assert_eq!(e.kind(), "badRequest");
        }
    }

    /// Filled to just over the limit with anything: refused by size, before
    /// it is parsed at all.
    #[test]
    fn oversized_requests_are_refused_by_size(fill in ".{1,64}") {
        let mut text = String::from(r#"{"action":"metadata","args":{"url":""#);
        while text.len() <= MAX_REQUEST_BYTES {
            text.push_str(&fill);
        }
        let err = timed_decode(&text).unwrap_err();
        prop_assert_eq!(err.kind(), "badRequest");
        prop_assert!(err.to_string().contains(&format!("at most {MAX_REQUEST_BYTES}")), "{}", err);
    }

    #[test]
    fn file_names_come_out_safe(raw in any::<String>()) {
        let name = clean_filename(&raw);
        prop_assert!(!name.is_empty() && name.len() <= 255, "{:?}", name);
        prop_assert!(!name.contains(['/', '\\']), "{:?}", name);
        prop_assert!(name != "." && name != "..");
        prop_assert!(!name.chars().any(char::is_control), "{:?}", name);
        prop_assert!(!name.ends_with(['.', ' ']), "{:?}", name);
        prop_assert!(is_nfc(&name), "{:?}", name);
        // Cleaning is a fixed point: a clean name stays as it is.
        prop_assert_eq!(clean_filename(&name), name.clone());
        for next in unclobbered_names(&name).take(3) {
            prop_assert!(!next.contains('/'));
        }
    }

    #[test]
    fn file_names_from_any_unicode(raw in "\\PC{0,300}[\u{200B}-\u{206F}\u{202A}-\u{202E}]{0,4}\\PC{0,40}") {
        let name = clean_filename(&raw);
        prop_assert!(name.len() <= 255);
        prop_assert!(!name.chars().any(|c| matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')), "{:?}", name);
        prop_assert_eq!(clean_filename(&name), name.clone());
    }

    #[test]
    fn urls_are_http_with_a_host_or_refused(raw in ".{0,200}", scheme in prop_oneof![Just(""), Just("http://"), Just("https://"), Just("file://"), Just("ftp://")]) {
        let text = format!("{scheme}{raw}");
        match check_url(&text) {
            Ok(url) => {
                prop_assert!(matches!(url.scheme(), "http" | "https"));
                prop_assert!(url.host_str().is_some_and(|h| !h.is_empty()));
                // The SSRF guard's own look at the host never panics either.
                let _ = NetworkPolicy::default().check_url_host(&url);
            }
            Err(e) => prop_assert_eq!(e.kind(), "badUrl"),
        }
    }

    #[test]
    fn network_rules_parse_or_fail_cleanly(allow in prop::collection::vec(".{0,40}", 0..4), deny in prop::collection::vec(".{0,40}", 0..4)) {
        let _ = NetworkPolicy::parse(&allow, &deny);
    }

    #[test]
    fn config_files_parse_or_fail_cleanly(text in "(([a-zA-Z]{1,20} = (\"[^\"\n]{0,20}\"|[0-9]{1,25}|true|\\[.{0,20}\\]))\n){0,6}.{0,40}") {
        let _ = toml::from_str::<ConfigFile>(&text);
    }

    #[test]
    fn sizes_parse_or_fail_cleanly(text in ".{0,30}", n in any::<u64>(), unit in prop_oneof![Just(""), Just("B"), Just("KB"), Just("GiB"), Just("EiB"), Just("ZB")]) {
        let _ = parse_size(&text);
        if let Err(message) = parse_size(&format!("{n}{unit}")) {
            prop_assert!(message.contains("is not a size"));
        }
    }
}

/// Request-shaped JSON performed for real, as a source frame would send it,
/// against a picker with a folder destination and a spool of its own: every
/// answer is a value or a typed error within [`PERFORM_BOUND`], and the
/// spool never holds more than the raw files begun declared. (Actions that
/// fetch are left out: they reach the network.)
#[test]
fn performed_requests_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let picker = Picker::new(
        Arc::new(FolderDestination::new(dir.path().join("dest"))),
        Arc::new(NoEvents),
    )
    .with_spool_dir(dir.path().join("spool"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(1024));
    let (answered, refused) = (
        std::sync::atomic::AtomicUsize::new(0),
        std::sync::atomic::AtomicUsize::new(0),
    );
    let declared = std::sync::atomic::AtomicU64::new(0);
    let spool = dir.path().join("spool");
    runner
        .run(&request_like(), |value| {
            let fetches = matches!(
                value["action"].as_str(),
                Some("fetchAndAddUrl" | "metadata")
            );
            if fetches {
                return Ok(());
            }
            let text = value.to_string();
            let performed = runtime.block_on(async {
                tokio::time::timeout(PERFORM_BOUND, perform(&picker, "fuzz", &text)).await
            });
            let Ok(performed) = performed else {
                panic!("{text} took longer than {PERFORM_BOUND:?}");
            };
            match performed {
                Ok(reply) => {
                    serde_json::to_string(&reply).unwrap();
                    answered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if value["action"] == "addRawBegin" {
                        let size = value["args"]["size"].as_u64().unwrap_or(0);
                        declared.fetch_add(size, std::sync::atomic::Ordering::Relaxed);
                    }
                }
                Err(e) => {
                    refused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let info = e.info();
                    prop_assert!(!info.kind.is_empty() && !info.message.is_empty());
                }
            }
            let held = bytes_under(&spool);
            let declared = declared.load(std::sync::atomic::Ordering::Relaxed);
            prop_assert!(
                held <= declared,
                "the spool holds {} bytes, {} declared",
                held,
                declared
            );
            Ok(())
        })
        .unwrap();
    // Both paths were taken: the inputs reached the actions themselves.
    assert!(answered.into_inner() > 0 && refused.into_inner() > 0);
}

/// Bytes of the files under `dir` (0 when it does not exist).
fn bytes_under(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| {
            let path = entry.path();
            if path.is_dir() {
                bytes_under(&path)
            } else {
                entry.metadata().map_or(0, |m| m.len())
            }
        })
        .sum()
}

/// Nesting far past what a parser's stack holds is an error, not a crash.
#[test]
fn deeply_nested_requests_are_refused() {
    for depth in [200, 10_000, MAX_REQUEST_BYTES / 2 - 40] {
        let text = format!(
            r#"{{"action":"getFile","args":{}{}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let err = timed_decode(&text).unwrap_err();
        assert_eq!(err.kind(), "badRequest", "depth {depth}");
    }
}
