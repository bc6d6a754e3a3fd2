//! The custom-source action API: Filestack's `actions` object, as requests a
//! source frame sends. Every request is decoded against this schema (unknown
//! fields refused, size bounded) and performed for the source the host says
//! sent it, never the one a message claims.
//!
//! Wire format: `{"action": "<name>", "args": {…}}`, where the names are the
//! seed's (`fetchAndAddUrl`, `addCustomUrl`, …) plus the three steps of
//! `addRawFile` (`addRawBegin`, chunks over the raw channel, `addRawFinish`),
//! and `openLink`, which the frame's `window.open` and `target="_blank"`
//! links send to have an http(s) page opened in the system browser, the
//! `storage*` requests behind the frame's `localStorage`, and the `auth*`
//! requests behind `actions.auth` (Satchel's extension, for sources that
//! sign in). None of them names a source: a source asks for its own token
//! and can ask for no other.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{Error, Headers, Picker, Result};

/// A request's JSON may be at most this long; file bytes go separately.
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;

#[derive(Debug, Deserialize)]
#[serde(
    tag = "action",
    content = "args",
    rename_all = "camelCase",
    deny_unknown_fields
)]
pub enum Request {
    AddRawBegin(RawBegin),
    AddRawFinish(SpoolRef),
    AddRawAbort(SpoolRef),
    FetchAndAddUrl(UrlArgs),
    ShowSummaryView,
    AddCustomUrl(CustomFile),
    Metadata(UrlArgs),
    StartUploading,
    GetFile(FileRef),
    RemoveFile(FileRef),
    OpenLink(LinkArgs),
    StorageLoad,
    StorageSet(StorageItem),
    StorageRemove(StorageKey),
    StorageClear,
    AuthToken,
    AuthSignIn,
    AuthSignOut,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageItem {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageKey {
    pub key: String,
}

/// A request about the source's own sign-in, for the app's
/// [`crate::auth::SignIns`] to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthOp {
    /// The current access token (refreshed if needed).
    Token,
    SignIn,
    SignOut,
}

/// A change to the source's `localStorage`, for the app's [`crate::SourceStorage`]
/// to make (the picker keeps no storage).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageOp {
    Load,
    Set { key: String, value: String },
    Remove { key: String },
    Clear,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkArgs {
    pub url: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBegin {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(rename = "type", default)]
    pub mime: Option<String>,
    pub size: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpoolRef {
    pub spool: Uuid,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UrlArgs {
    pub url: String,
    #[serde(default)]
    pub headers: Option<Headers>,
}

/// The seed's `customFileObj`; `type` and `filename` are required, checked
/// after decoding so the error can name the missing field.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomFile {
    #[serde(default)]
    pub url: Option<String>,
    #[serde(rename = "type", default)]
    pub mime: Option<String>,
    #[serde(default)]
    pub filename: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub thumbnail: Option<String>,
    #[serde(default)]
    pub headers: Option<Headers>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRef {
    pub uuid: String,
}

/// What the host does besides answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Effect {
    ShowSummary,
    StartUpload,
}

#[derive(Debug, Serialize)]
pub struct Reply {
    pub value: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<Effect>,
    /// A checked http(s) link for the app to open in the system browser;
    /// never sent back to the frame.
    #[serde(skip)]
    pub open: Option<String>,
    /// A storage request for the app to perform; its answer is the reply's value.
    #[serde(skip)]
    pub storage: Option<StorageOp>,
    /// A sign-in request for the app to perform; its answer is the reply's value.
    #[serde(skip)]
    pub auth: Option<AuthOp>,
}

impl Reply {
    fn of(value: Value) -> Self {
        Reply {
            value,
            effect: None,
            open: None,
            storage: None,
            auth: None,
        }
    }
}

/// Decodes a request without acting on it. `storageSet` may be as large as
/// the storage quota; every other request at most [`MAX_REQUEST_BYTES`].
pub fn decode(json: &str) -> Result<Request> {
    let too_long = |limit: usize| {
        Error::BadRequest(format!(
            "the request is {} bytes, at most {limit} allowed",
            json.len()
        ))
    };
    // Nothing may exceed what a storageSet may carry; what each request may
    // carry is known once it is decoded.
    let largest = crate::STORAGE_QUOTA + MAX_REQUEST_BYTES;
    if json.len() > largest {
        return Err(too_long(largest));
    }
    match serde_json::from_str(json) {
        Ok(Request::StorageSet(item)) => Ok(Request::StorageSet(item)),
        _ if json.len() > MAX_REQUEST_BYTES => Err(too_long(MAX_REQUEST_BYTES)),
        decoded => decoded.map_err(|e| Error::BadRequest(e.to_string())),
    }
}

/// Decodes and performs one request for `source`.
pub async fn perform(picker: &Picker, source: &str, request: &str) -> Result<Reply> {
    let request = decode(request)?;
    let answer = Reply::of;
    Ok(match request {
        Request::AddRawBegin(begin) => answer(json(&picker.raw_begin(source, begin)?)),
        Request::AddRawFinish(r) => answer(json(&picker.raw_finish(source, r.spool)?)),
        Request::AddRawAbort(r) => {
            picker.raw_abort(source, r.spool);
            answer(Value::Null)
        }
        Request::FetchAndAddUrl(args) => {
            let headers = args.headers.unwrap_or_default();
            answer(json(
                &picker.fetch_and_add(source, &args.url, &headers).await?,
            ))
        }
        Request::ShowSummaryView => Reply {
            effect: Some(Effect::ShowSummary),
            ..Reply::of(Value::Null)
        },
        Request::AddCustomUrl(file) => answer(json(&picker.add_custom_url(source, file)?)),
        Request::Metadata(args) => {
            let headers = args.headers.unwrap_or_default();
            answer(json(&picker.metadata(source, &args.url, &headers).await?))
        }
        Request::StartUploading => Reply {
            effect: Some(Effect::StartUpload),
            ..Reply::of(Value::Null)
        },
        Request::GetFile(r) => answer(json(&picker.source_file(source, parse_uuid(&r.uuid)?)?)),
        Request::RemoveFile(r) => {
            picker.remove_for_source(source, parse_uuid(&r.uuid)?)?;
            answer(Value::Null)
        }
        Request::OpenLink(link) => Reply {
            open: Some(external_link(&link.url)?),
            ..Reply::of(Value::Null)
        },
        Request::StorageLoad => storage(StorageOp::Load),
        Request::StorageSet(item) => storage(StorageOp::Set {
            key: item.key,
            value: item.value,
        }),
        Request::StorageRemove(k) => storage(StorageOp::Remove { key: k.key }),
        Request::StorageClear => storage(StorageOp::Clear),
        Request::AuthToken => auth(AuthOp::Token),
        Request::AuthSignIn => auth(AuthOp::SignIn),
        Request::AuthSignOut => auth(AuthOp::SignOut),
    })
}

fn auth(op: AuthOp) -> Reply {
    Reply {
        auth: Some(op),
        ..Reply::of(Value::Null)
    }
}

fn storage(op: StorageOp) -> Reply {
    Reply {
        storage: Some(op),
        ..Reply::of(Value::Null)
    }
}

/// Longest link a source may have opened.
const MAX_LINK: usize = 8 * 1024;

/// Checks a link a source wants opened in the system browser: an absolute
/// http or https URL, nothing else (`file:`, `javascript:`, custom schemes
/// would reach the disk or other programs).
pub fn external_link(raw: &str) -> Result<String> {
    let bad = |reason: String| Error::BadUrl {
        url: truncate(raw),
        reason,
    };
    if raw.len() > MAX_LINK {
        return Err(bad(format!("a link may be at most {MAX_LINK} bytes")));
    }
    let url = url::Url::parse(raw.trim()).map_err(|e| bad(e.to_string()))?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url.to_string()),
        "http" | "https" => Err(bad("the link has no host".into())),
        other => Err(bad(format!(
            "only http and https links open in the browser; {other}: is refused"
        ))),
    }
}

fn parse_uuid(raw: &str) -> Result<Uuid> {
    Uuid::parse_str(raw)
        .map_err(|_| Error::BadRequest(format!("{:?} is not a file uuid", truncate(raw))))
}

fn truncate(s: &str) -> String {
    s.chars().take(64).collect()
}

fn json<T: Serialize>(value: &T) -> Value {
    // Our own answer types always serialise; Null is never reached.
    serde_json::to_value(value).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_requests_decode_and_only_storage_set_may_be_large() {
        let big = "v".repeat(MAX_REQUEST_BYTES * 4);
        let set = serde_json::json!({"action": "storageSet", "args": {"key": "k", "value": big}});
        assert!(matches!(
            decode(&set.to_string()),
            Ok(Request::StorageSet(StorageItem { .. }))
        ));
        let other = serde_json::json!({"action": "metadata", "args": {"url": big}});
        assert!(decode(&other.to_string()).is_err());
        let over = serde_json::json!({"action": "storageSet",
            "args": {"key": "k", "value": "v".repeat(crate::STORAGE_QUOTA + MAX_REQUEST_BYTES)}});
        assert!(decode(&over.to_string()).is_err());
        assert!(matches!(
            decode(r#"{"action":"storageLoad"}"#),
            Ok(Request::StorageLoad)
        ));
        assert!(decode(r#"{"action":"storageRemove","args":{"key":"k","other":1}}"#).is_err());
    }

    #[test]
    fn auth_requests_name_no_source() {
        assert!(matches!(
            decode(r#"{"action":"authToken"}"#),
            Ok(Request::AuthToken)
        ));
        assert!(matches!(
            decode(r#"{"action":"authSignIn"}"#),
            Ok(Request::AuthSignIn)
        ));
        // Asking for another source's token: there is no way to say it.
        for bad in [
            r#"{"action":"authToken","args":{"source":"drive"}}"#,
            r#"{"action":"authToken","source":"drive"}"#,
            r#"{"action":"authToken","args":"drive"}"#,
        ] {
            assert_eq!(decode(bad).unwrap_err().kind(), "badRequest", "{bad}");
        }
    }

    #[test]
    fn only_web_links_open_in_the_browser() {
        assert_eq!(
            external_link("https://help.example.com/a?b=1").unwrap(),
            "https://help.example.com/a?b=1"
        );
        assert!(external_link("http://127.0.0.1:8080/").is_ok());
        for refused in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "tauri://localhost/",
            "satchel://open?maxFiles=1",
            "mailto:a@b.c",
            "relative/path",
            "https://",
        ] {
            let err = external_link(refused).unwrap_err();
            assert_eq!(err.kind(), "badUrl", "{refused}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_LINK));
        assert!(external_link(&long).is_err());
        assert!(matches!(
            decode(r#"{"action":"openLink","args":{"url":"https://x.example"}}"#),
            Ok(Request::OpenLink(_))
        ));
        assert!(decode(r#"{"action":"openLink","args":{"url":"x","target":"_self"}}"#).is_err());
    }

    #[test]
    fn decodes_the_seed_actions() {
        assert!(matches!(
            decode(r#"{"action":"showSummaryView"}"#).unwrap(),
            Request::ShowSummaryView
        ));
        let r = decode(r#"{"action":"fetchAndAddUrl","args":{"url":"https://x/y","headers":{"Authorization":"Bearer t"}}}"#)
            .unwrap();
        assert!(
            matches!(r, Request::FetchAndAddUrl(UrlArgs { ref url, .. }) if url == "https://x/y")
        );
        let r = decode(r#"{"action":"addCustomUrl","args":{"url":"https://x/a.png","type":"image/png","filename":"a.png","display_name":"A"}}"#)
            .unwrap();
        assert!(matches!(
            r,
            Request::AddCustomUrl(CustomFile {
                display_name: Some(_),
                ..
            })
        ));
    }

    #[test]
    fn unknown_actions_fields_and_oversized_requests_are_refused() {
        for bad in [
            r#"{"action":"deleteEverything"}"#,
            r#"{"action":"getFile","args":{"uuid":"x","extra":1}}"#,
            r#"{"action":"getFile","args":{"uuid":"x"},"source":"other"}"#,
            r#"{"action":"metadata","args":{"url":5}}"#,
            r#"not json"#,
        ] {
            assert_eq!(decode(bad).unwrap_err().kind(), "badRequest", "{bad}");
        }
        let huge = format!(
            r#"{{"action":"metadata","args":{{"url":"{}"}}}}"#,
            "a".repeat(MAX_REQUEST_BYTES)
        );
        let err = decode(&huge).unwrap_err();
        assert!(err.to_string().contains("at most"), "{err}");
    }
}
