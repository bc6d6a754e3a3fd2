//! The custom-source action API: Filestack's `actions` object, as requests a
//! source frame sends. Every request is decoded against this schema (unknown
//! fields refused, size bounded) and performed for the source the host says
//! sent it, never the one a message claims.
//!
//! Wire format: `{"action": "<name>", "args": {…}}`, where the names are the
//! seed's (`fetchAndAddUrl`, `addCustomUrl`, …) plus the three steps of
//! `addRawFile` (`addRawBegin`, chunks over the raw channel, `addRawFinish`).

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
}

/// Decodes a request without acting on it.
pub fn decode(json: &str) -> Result<Request> {
    if json.len() > MAX_REQUEST_BYTES {
        return Err(Error::BadRequest(format!(
            "the request is {} bytes, at most {MAX_REQUEST_BYTES} allowed",
            json.len()
        )));
    }
    serde_json::from_str(json).map_err(|e| Error::BadRequest(e.to_string()))
}

/// Decodes and performs one request for `source`.
pub async fn perform(picker: &Picker, source: &str, request: &str) -> Result<Reply> {
    let request = decode(request)?;
    let answer = |value: Value| Reply {
        value,
        effect: None,
    };
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
            value: Value::Null,
            effect: Some(Effect::ShowSummary),
        },
        Request::AddCustomUrl(file) => answer(json(&picker.add_custom_url(source, file)?)),
        Request::Metadata(args) => {
            let headers = args.headers.unwrap_or_default();
            answer(json(&picker.metadata(&args.url, &headers).await?))
        }
        Request::StartUploading => Reply {
            value: Value::Null,
            effect: Some(Effect::StartUpload),
        },
        Request::GetFile(r) => answer(json(&picker.source_file(source, parse_uuid(&r.uuid)?)?)),
        Request::RemoveFile(r) => {
            picker.remove_for_source(source, parse_uuid(&r.uuid)?)?;
            answer(Value::Null)
        }
    })
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
