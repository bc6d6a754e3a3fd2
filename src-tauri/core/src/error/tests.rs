//! Unit tests of errors: the JSON shape, what is retried, messages, redaction.

use super::*;

#[test]
fn serialises_as_kind_message_and_the_particulars() {
    let err = Error::DestinationUnwritable {
        path: "/nope".into(),
        source: io::Error::new(io::ErrorKind::PermissionDenied, "Permission denied"),
    };
    let json = serde_json::to_value(&err).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "kind": "destinationUnwritable",
            "message": "cannot write to destination /nope: Permission denied",
            "args": {"path": "/nope", "cause": "Permission denied"}
        })
    );
    // Errors without particulars stay `{kind, message}`.
    assert_eq!(
        serde_json::to_value(Error::UploadRunning).unwrap(),
        serde_json::json!({"kind": "uploadRunning", "message": "an upload is already running"})
    );
}

#[test]
fn only_transient_failures_are_retried() {
    let status = |status| Error::HttpStatus {
        url: "http://x/".into(),
        status,
        body: String::new(),
        retry_after: None,
    };
    for code in [408, 429, 460, 500, 502, 503] {
        assert!(status(code).is_retryable(), "{code}");
    }
    for code in [400, 401, 403, 404, 409, 410, 413] {
        assert!(!status(code).is_retryable(), "{code}");
    }
    assert_eq!(status(404).kind(), "httpStatus");
    assert_eq!(status(404).to_string(), "http://x/ answered 404");
    assert!(!Error::Cancelled { name: "a".into() }.is_retryable());
}

#[test]
fn a_full_disk_is_said_plainly() {
    let other = |source| Error::Spool {
        path: "/s".into(),
        source,
    };
    let full = io::Error::from_raw_os_error(28); // ENOSPC
    let err = Error::writing("/s/x", full, other);
    assert_eq!(err.kind(), "diskFull");
    assert_eq!(
        err.to_string(),
        "the disk is full: no space left to write /s/x"
    );
    let err = Error::writing("/s/x", io::Error::from(io::ErrorKind::Other), other);
    assert_eq!(err.kind(), "spool");
}

#[test]
fn urls_in_errors_lose_userinfo_queries_and_signatures() {
    let signed = "https://s3.example.com/b/k?X-Amz-Algorithm=AWS4&X-Amz-Credential=AKIDSECRET%2F2024&X-Amz-Security-Token=TOKENSECRET&X-Amz-Signature=abc123";
    let text = redact(&format!(
        "error sending request for url ({signed}): refused"
    ));
    assert_eq!(
        text,
        "error sending request for url (https://s3.example.com/b/k?…): refused"
    );
    assert_eq!(
        redact("http://user:pw@host:8080/files/1#frag and http://plain/x"),
        "http://host:8080/files/1?… and http://plain/x"
    );
    // A server quoting the canonical request back in its error body.
    let body = redact("<CanonicalRequest>PUT /b/k X-Amz-Credential=AKIDSECRET&amp;X-Amz-Security-Token=TOKENSECRET</CanonicalRequest>");
    assert!(
        !body.contains("AKIDSECRET") && !body.contains("TOKENSECRET"),
        "{body}"
    );
    let err = Error::HttpStatus {
        url: redact(signed),
        status: 404,
        body: String::new(),
        retry_after: None,
    };
    let json = serde_json::to_string(&err).unwrap();
    assert!(
        !json.contains("SECRET") && !json.contains("abc123"),
        "{json}"
    );
}

#[test]
fn a_missing_file_reads_as_not_found() {
    let err = Error::reading("/x", io::Error::from(io::ErrorKind::NotFound));
    assert_eq!(err.kind(), "notFound");
    let err = Error::reading("/x", io::Error::from(io::ErrorKind::PermissionDenied));
    assert_eq!(err.kind(), "unreadable");
}
