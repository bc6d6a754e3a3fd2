//! Where uploads go. Every destination implements [`Destination`]; the
//! pipeline knows nothing else about them.
//!
//! A destination is handed one file at a time with an [`UploadContext`]: where
//! to report progress, a slot to keep what it needs to resume (a tus URL, an
//! S3 upload id) and a token that says the person cancelled.

pub mod folder;
pub mod http_post;
pub mod s3;
pub mod tus;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

pub use crate::transfer::Progress;
use crate::transfer::DEFAULT_STALL_TIMEOUT;
use crate::{Error, Result};

/// What a destination needs to know about one file.
#[derive(Debug, Clone)]
pub struct UploadItem {
    pub path: PathBuf,
    pub filename: String,
    pub mime: String,
    pub size: u64,
}

/// Where a file ended up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Landed {
    /// A path for folders, a URL for servers.
    pub url: String,
}

/// Where a destination keeps what it needs to pick an interrupted upload up
/// again. The pipeline stores it with the file (and on disk, so it outlives
/// the process); the destination alone knows what is inside.
///
/// A destination clears it when it drops the upload (cancelled), never when
/// the upload succeeds: the caller clears it together with marking the file
/// landed, in one save. Clearing first would leave, until that save, a file
/// not yet landed with nothing to resume — a crash there sends it again.
#[async_trait]
pub trait ResumeSlot: Send + Sync {
    fn load(&self) -> Option<serde_json::Value>;
    /// Keeps `state`; resolves once it would outlive a crash.
    async fn save(&self, state: serde_json::Value);
    fn clear(&self);
}

/// A resume slot that lives only as long as the upload.
#[derive(Default)]
pub struct MemorySlot(Mutex<Option<serde_json::Value>>);

#[async_trait]
impl ResumeSlot for MemorySlot {
    fn load(&self) -> Option<serde_json::Value> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
    async fn save(&self, state: serde_json::Value) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(state);
    }
    fn clear(&self) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// Everything an upload is told besides the file itself.
#[derive(Clone)]
pub struct UploadContext {
    pub progress: Arc<dyn Progress>,
    pub resume: Arc<dyn ResumeSlot>,
    /// Cancelled when the person cancels this file (or all): the destination
    /// stops and cleans up on the server (tus termination, S3 abort).
    pub cancel: CancellationToken,
    /// Cancelled when the person pauses this file (or all): the destination
    /// stops and keeps both the server's partial upload and its resume
    /// state, so the next upload goes on from there.
    pub pause: CancellationToken,
}

impl UploadContext {
    pub fn new(progress: Arc<dyn Progress>) -> Self {
        UploadContext {
            progress,
            resume: Arc::new(MemorySlot::default()),
            cancel: CancellationToken::new(),
            pause: CancellationToken::new(),
        }
    }
}

#[async_trait]
pub trait Destination: Send + Sync {
    /// Shown to the person: where files will go.
    fn describe(&self) -> String;

    /// Checks the destination can take files at all, before any is sent, so
    /// an unusable destination fails once and clearly rather than per file.
    async fn prepare(&self) -> Result<()>;

    /// Sends one file. Returns [`Error::Cancelled`] once `ctx.cancel` fires,
    /// after cleaning up what it started, and [`Error::Paused`] once
    /// `ctx.pause` fires, leaving it to be resumed.
    async fn upload(&self, item: &UploadItem, ctx: UploadContext) -> Result<Landed>;

    /// Drops on the server what an unfinished upload left there (a tus
    /// upload, an S3 multipart upload), given the state its resume slot
    /// kept: for a file removed from the queue, or a queue discarded.
    async fn discard(&self, _resume: serde_json::Value) -> Result<()> {
        Ok(())
    }
}

/// How to reach a destination besides its address (command-line flags).
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The form field files go in for `post+…` (default `file`).
    pub post_field: Option<String>,
    /// Extra headers for HTTP destinations, as `Name: value` lines.
    pub headers: Vec<String>,
    /// The S3 endpoint, over `AWS_ENDPOINT_URL`.
    pub s3_endpoint: Option<String>,
    /// How long a connection may make no progress before it is dropped and
    /// retried (default [`DEFAULT_STALL_TIMEOUT`]).
    pub stall_timeout: Option<std::time::Duration>,
}

impl Options {
    fn header_map(&self, spec: &str) -> Result<reqwest::header::HeaderMap> {
        let bad = |reason: String| Error::BadDestination {
            spec: spec.to_owned(),
            reason,
        };
        let mut map = reqwest::header::HeaderMap::new();
        for line in &self.headers {
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| bad(format!("header {line:?} is not of the form 'Name: value'")))?;
            let name = reqwest::header::HeaderName::from_bytes(name.trim().as_bytes())
                .map_err(|e| bad(format!("header name {name:?}: {e}")))?;
            let value = reqwest::header::HeaderValue::from_str(value.trim())
                .map_err(|e| bad(format!("header {name}: {e}")))?;
            map.append(name, value);
        }
        Ok(map)
    }
}

/// Turns what a person or program wrote after `--to` into a destination:
/// a folder path (relative to the working directory), a `file://` URL,
/// `tus+http(s)://host/files/`, `post+http(s)://host/upload` or
/// `s3://bucket/prefix/`.
pub fn parse(spec: &str) -> Result<Arc<dyn Destination>> {
    parse_with(spec, &Options::default())
}

/// [`parse`], with the options that go with the address.
pub fn parse_with(spec: &str, options: &Options) -> Result<Arc<dyn Destination>> {
    let bad = |reason: &str| Error::BadDestination {
        spec: spec.to_owned(),
        reason: reason.to_owned(),
    };
    let stall = options.stall_timeout.unwrap_or(DEFAULT_STALL_TIMEOUT);
    let http_url = |rest: &str, name: &str| -> Result<url::Url> {
        let url = url::Url::parse(rest).map_err(|e| bad(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad(&format!("use {name}+http:// or {name}+https://")));
        }
        Ok(url)
    };
    if let Some(endpoint) = spec.strip_prefix("tus+") {
        let url = http_url(endpoint, "tus")?;
        let tus = tus::TusDestination::new(url)
            .with_headers(options.header_map(spec)?)
            .with_stall_timeout(stall);
        return Ok(Arc::new(tus));
    }
    if spec.starts_with("s3://") {
        let config = s3::S3Config::from_env(spec, options.s3_endpoint.as_deref())?;
        return Ok(Arc::new(
            s3::S3Destination::new(config)?.with_stall_timeout(stall),
        ));
    }
    if let Some(endpoint) = spec.strip_prefix("post+") {
        let url = http_url(endpoint, "post")?;
        let field = options
            .post_field
            .as_deref()
            .unwrap_or(http_post::DEFAULT_FIELD);
        if field.is_empty() {
            return Err(bad("the form field name is empty"));
        }
        let headers = options.header_map(spec)?;
        return Ok(Arc::new(
            http_post::HttpPostDestination::new(url, field, headers).with_stall_timeout(stall),
        ));
    }
    let path = match url::Url::parse(spec) {
        Ok(url) if url.scheme() == "file" => url
            .to_file_path()
            .map_err(|()| bad("a file:// URL must name a local absolute path"))?,
        // One-letter "schemes" are Windows drive letters, not URLs.
        Ok(url) if url.scheme().len() > 1 => {
            return Err(bad(&format!(
            "the {}:// scheme is not supported; use a folder path, file:// URL, tus+http(s)://, post+http(s):// or s3://",
            url.scheme()
        )))
        }
        _ if spec.trim().is_empty() => return Err(bad("it is empty")),
        _ => PathBuf::from(spec),
    };
    let path = std::path::absolute(&path).map_err(|e| bad(&e.to_string()))?;
    Ok(Arc::new(folder::FolderDestination::new(path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_and_file_urls_are_destinations() {
        assert_eq!(parse("/tmp/out").unwrap().describe(), "/tmp/out");
        assert_eq!(parse("file:///tmp/a%20b").unwrap().describe(), "/tmp/a b");
        let relative = parse("out").unwrap().describe();
        assert!(
            relative.starts_with('/') && relative.ends_with("/out"),
            "{relative}"
        );
    }

    #[test]
    fn tus_endpoints_are_destinations() {
        assert_eq!(
            parse("tus+http://127.0.0.1:1080/files/")
                .unwrap()
                .describe(),
            "tus http://127.0.0.1:1080/files/"
        );
        assert!(parse("tus+https://example.com/files/").is_ok());
        assert_eq!(
            parse("tus+ftp://x/").err().unwrap().kind(),
            "badDestination"
        );
        assert_eq!(
            parse("tus+nonsense").err().unwrap().kind(),
            "badDestination"
        );
    }

    #[test]
    fn post_endpoints_take_a_field_and_headers() {
        assert_eq!(
            parse("post+https://example.com/upload").unwrap().describe(),
            "POST https://example.com/upload"
        );
        let options = Options {
            post_field: Some("attachment".into()),
            headers: vec!["Authorization: Bearer x".into(), "X-A:b".into()],
            ..Options::default()
        };
        assert!(parse_with("post+http://h/upload", &options).is_ok());
        for bad in ["no colon", "bad name: x", ": empty name"] {
            let options = Options {
                headers: vec![bad.into()],
                ..Options::default()
            };
            let err = parse_with("post+http://h/u", &options).err().unwrap();
            assert_eq!(err.kind(), "badDestination", "{bad}");
        }
        let empty_field = Options {
            post_field: Some(String::new()),
            ..Options::default()
        };
        assert!(parse_with("post+http://h/u", &empty_field).is_err());
    }

    #[test]
    fn s3_needs_a_bucket() {
        let err = parse("s3://").err().unwrap();
        assert_eq!(err.kind(), "badDestination");
    }

    #[test]
    fn other_schemes_and_empty_specs_are_refused_clearly() {
        let err = parse("ftp://host/x").err().unwrap();
        assert_eq!(err.kind(), "badDestination");
        assert!(
            err.to_string().contains("ftp:// scheme is not supported"),
            "{err}"
        );
        assert!(parse("  ").is_err());
        assert!(parse("file://remote-host/x").is_err());
    }
}
