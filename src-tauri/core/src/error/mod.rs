//! One error type for the core. Every variant names what it was about (which
//! path, which file) so the message a person sees is specific, and each has a
//! stable `kind` that the UI maps to its own text. What an error may quote
//! of a URL is cut down by [`redact`] (`redact.rs`).

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Serialize, Serializer};
use uuid::Uuid;

mod redact;

pub use redact::redact;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Each variant's kind is its name in camelCase (`NotFound` is
/// `notFound`), as the UI's catalogues know it; [`Error::kinds`] lists them.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(
    name(Kind),
    derive(strum::EnumIter, strum::IntoStaticStr),
    strum(serialize_all = "camelCase")
)]
pub enum Error {
    #[error("{}: no such file or folder", path.display())]
    NotFound { path: PathBuf },

    #[error("cannot read {}: {source}", path.display())]
    Unreadable { path: PathBuf, source: io::Error },

    #[error("{}: not a regular file or folder", path.display())]
    NotAFile { path: PathBuf },

    #[error("cannot write to destination {}: {source}", path.display())]
    DestinationUnwritable { path: PathBuf, source: io::Error },

    #[error("copying {name} to {} failed: {source}", dest.display())]
    CopyFailed {
        name: String,
        dest: PathBuf,
        source: io::Error,
    },

    #[error("unsupported destination {spec:?}: {reason}")]
    BadDestination { spec: String, reason: String },

    #[error("cannot write to the spool at {}: {source}", path.display())]
    Spool { path: PathBuf, source: io::Error },

    /// ENOSPC (or a quota): said plainly, whoever was writing.
    #[error("the disk is full: no space left to write {}", path.display())]
    DiskFull { path: PathBuf },

    /// A policy cap on the spool (`spoolMaxPerSource`, `spoolMaxTotal`).
    #[error("the spool is full: {what} may keep at most {limit} bytes there ({key})")]
    SpoolFull {
        what: String,
        limit: u64,
        key: &'static str,
    },

    /// A source's `localStorage` is at its quota.
    #[error("{source_name}'s storage is full: a source may keep at most {limit} bytes")]
    StorageFull { source_name: String, limit: u64 },

    #[error("bad chunk: {0}")]
    BadChunk(String),

    #[error("too large: {size} bytes is over the limit of {limit} bytes")]
    TooLarge { size: u64, limit: u64 },

    #[error("too many files: the picker takes at most {max} (maxFiles)")]
    TooManyFiles { max: usize },

    #[error("invalid URL {url:?}: {reason}")]
    BadUrl { url: String, reason: String },

    /// `address` is the IP only when the URL named it; for a name it is
    /// the kind of address ("private address"), never what it resolved to.
    #[error("refused to fetch from {host} ({address}): {rule}")]
    Refused {
        host: String,
        address: String,
        rule: String,
    },

    #[error("invalid header: {0}")]
    BadHeader(String),

    #[error("fetching {url} failed: {message}")]
    Fetch { url: String, message: String },

    #[error("invalid request: {0}")]
    BadRequest(String),

    #[error("missing required field {0:?}")]
    MissingField(&'static str),

    #[error("unknown source {0:?}")]
    UnknownSource(String),

    #[error("invalid source {file}: {reason}")]
    BadSource { file: String, reason: String },

    /// A `fromSources` name Filestack reaches through its own servers and
    /// Satchel does not offer; the picker opens without it.
    #[error("{name} is not available in Satchel (Filestack's picker reaches it through Filestack's servers); the picker opens without it")]
    SourceNotAvailable { name: String },

    /// A source asked for something while its frame was not mounted.
    #[error("the source is not open: actions work only between mounted() and unmounted()")]
    NotMounted,

    /// A source has this many requests waiting already; it must wait for replies.
    #[error("too many requests at once (at most {max} waiting); wait for replies")]
    TooManyRequests { max: usize },

    #[error("{}: {message}", path.display())]
    Config { path: PathBuf, message: String },

    #[error("{name} was not added: {why}")]
    Rejected { name: String, why: Rejection },

    #[error("at least {min} files are needed to upload (minFiles)")]
    TooFewFiles { min: usize },

    #[error("{key} is locked by {}", path.display())]
    Locked { key: String, path: PathBuf },

    #[error("{what} is not allowed by {}", path.display())]
    NotAllowed { what: String, path: PathBuf },

    #[error("no file with id {0} in the queue")]
    UnknownFile(Uuid),

    #[error("an upload is already running")]
    UploadRunning,

    #[error("nothing to upload: the queue is empty")]
    NothingToUpload,

    /// The server answered with an error status. Only 5xx, 408 and 429 are
    /// retried; this is what is left once retrying stopped (or was pointless).
    #[error("{url} answered {status}{}", if body.is_empty() { String::new() } else { format!(": {body}") })]
    HttpStatus {
        url: String,
        status: u16,
        body: String,
        /// The server's `Retry-After`, honoured by the retry loop.
        retry_after: Option<Duration>,
    },

    /// The connection failed or dropped: always worth another try.
    #[error("cannot talk to {url}: {reason}")]
    Network { url: String, reason: String },

    /// The server answered, but not as its protocol says it must.
    #[error("{url} broke the protocol: {reason}")]
    Protocol { url: String, reason: String },

    #[error("the upload of {name} was cancelled")]
    Cancelled { name: String },

    #[error("the upload of {name} is paused")]
    Paused { name: String },

    #[error("cannot save the upload queue to {}: {source}", path.display())]
    StateUnwritable { path: PathBuf, source: io::Error },

    #[error("no thumbnail: {0}")]
    Thumbnail(String),

    /// Satchel's own fault (a task that panicked): said, never a crash.
    #[error("{0}")]
    Internal(String),

    #[error("{name} cannot be retried: it is {status}")]
    NotRetryable { name: String, status: &'static str },

    /// A picture Satchel cannot decode or write again: it is sent as it is.
    #[error("{name} is sent unchanged: {reason}")]
    ImageSkipped { name: String, reason: String },

    /// Writing the processed picture failed (a full disk, say).
    #[error("cannot prepare the picture {name}: {reason}")]
    ImageFailed { name: String, reason: String },

    #[error("{name} cannot be edited: {reason}")]
    NotEditable { name: String, reason: String },

    /// A source's `auth` in the config cannot be used.
    #[error("invalid sign-in settings: {reason}")]
    AuthConfig { reason: String },

    /// A source that signs in is not signed in (or its sign-in lapsed).
    #[error("{source_name} is signed out: sign in to use it")]
    SignedOut { source_name: String },

    /// The source has no `auth` in its config entry.
    #[error("{source_name} has no sign-in (its config entry has no auth)")]
    NoAuth { source_name: String },

    #[error("sign-in failed: {reason}")]
    SignInFailed { reason: String },

    /// The browser came back with another flow's `state` (a forged or stale redirect).
    #[error("sign-in failed: the answer did not carry this sign-in's state (a forged or stale redirect); nothing was signed in")]
    SignInState,

    /// The provider said no (`error` in the redirect).
    #[error("the provider refused the sign-in: {error}{}", if description.is_empty() { String::new() } else { format!(" ({description})") })]
    SignInDenied { error: String, description: String },

    #[error("sign-in stopped: the browser did not come back within {seconds} s")]
    SignInTimeout { seconds: u64 },

    #[error("sign-in was cancelled")]
    SignInCancelled,

    /// The OS keyring did not answer, or refused.
    #[error("the keyring cannot be used: {reason}")]
    Keyring { reason: String },

    #[error("the saved upload queue {} is unreadable ({reason}){}", path.display(),
        match moved_to { Some(p) => format!("; it was moved to {}", p.display()), None => String::new() })]
    CorruptState {
        path: PathBuf,
        moved_to: Option<PathBuf>,
        reason: String,
    },
}

/// Why a restriction refused a file.
#[derive(Debug, thiserror::Error)]
pub enum Rejection {
    #[error("it is {size} bytes, over the maxSize of {limit} bytes")]
    Size { size: u64, limit: u64 },
    #[error("its type {mime} is not accepted (accept: {accept})")]
    Type { mime: String, accept: String },
}

impl Error {
    /// A stable, machine-readable name for the UI and for programs.
    pub fn kind(&self) -> &'static str {
        Kind::from(self).into()
    }

    /// Every kind of error there is, for the UI's catalogues.
    pub fn kinds() -> impl Iterator<Item = &'static str> {
        <Kind as strum::IntoEnumIterator>::iter().map(<&'static str>::from)
    }

    /// Whether trying the same request again may succeed: dropped or refused
    /// connections, server errors, timeouts and rate limits. Other 4xx are the
    /// request's own fault and fail at once.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Network { .. } => true,
            // 460 is tus's "checksum mismatch": the bytes were damaged on the
            // way, so sending them again is the cure.
            Error::HttpStatus { status, .. } => matches!(status, 408 | 429 | 460 | 500..=599),
            _ => false,
        }
    }

    /// How long the server asked us to wait before the next try.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::HttpStatus { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// A failed request, with the whole chain of causes: reqwest's own
    /// message alone ("error sending request") does not say what went wrong.
    pub(crate) fn network(url: impl ToString, error: &reqwest::Error) -> Self {
        let mut reason = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            reason.push_str(": ");
            reason.push_str(&cause.to_string());
            source = cause.source();
        }
        Error::Network {
            url: redact(&url.to_string()),
            reason: redact(&reason),
        }
    }

    /// Classifies an I/O error met while reading a source file.
    pub(crate) fn reading(path: impl Into<PathBuf>, source: io::Error) -> Self {
        let path = path.into();
        if source.kind() == io::ErrorKind::NotFound {
            Error::NotFound { path }
        } else {
            Error::Unreadable { path, source }
        }
    }

    /// Classifies an I/O error met while writing `path`: a full disk is
    /// [`Error::DiskFull`], anything else what `otherwise` makes of it.
    pub(crate) fn writing(
        path: impl Into<PathBuf>,
        source: io::Error,
        otherwise: impl FnOnce(io::Error) -> Error,
    ) -> Self {
        if matches!(
            source.kind(),
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
        ) {
            Error::DiskFull { path: path.into() }
        } else {
            otherwise(source)
        }
    }

    /// The error as a custom source may see it: paths cut to their last
    /// part (no spool or home folder), and URLs redacted.
    pub fn for_source(self) -> Error {
        let name =
            |path: PathBuf| -> PathBuf { path.file_name().map(PathBuf::from).unwrap_or_default() };
        match self {
            Error::NotFound { path } => Error::NotFound { path: name(path) },
            Error::Unreadable { path, source } => Error::Unreadable {
                path: name(path),
                source,
            },
            Error::NotAFile { path } => Error::NotAFile { path: name(path) },
            Error::DestinationUnwritable { path, source } => Error::DestinationUnwritable {
                path: name(path),
                source,
            },
            Error::CopyFailed {
                name: n,
                dest,
                source,
            } => Error::CopyFailed {
                name: n,
                dest: name(dest),
                source,
            },
            Error::Spool { path, source } => Error::Spool {
                path: name(path),
                source,
            },
            Error::DiskFull { path } => Error::DiskFull { path: name(path) },
            Error::Config { path, message } => Error::Config {
                path: name(path),
                message,
            },
            Error::StateUnwritable { path, source } => Error::StateUnwritable {
                path: name(path),
                source,
            },
            other => other,
        }
    }

    /// What crosses into the UI, the saved queue and the JSON result;
    /// redacted once more, whatever made the error.
    pub fn info(&self) -> ErrorInfo {
        ErrorInfo {
            kind: self.kind().to_owned(),
            message: redact(&self.to_string()),
            args: self
                .args()
                .into_iter()
                .map(|(k, v)| (k, redact(&v)))
                .collect(),
        }
    }

    /// The particulars of the errors people meet most, for the UI to say
    /// them in the person's language (the English `message` stays as is).
    fn args(&self) -> BTreeMap<String, String> {
        let path = |p: &PathBuf| p.display().to_string();
        let pairs: Vec<(&str, String)> = match self {
            Error::NotFound { path: p }
            | Error::NotAFile { path: p }
            | Error::DiskFull { path: p } => vec![("path", path(p))],
            Error::StorageFull { source_name, limit } => vec![
                ("source", source_name.clone()),
                ("limit", limit.to_string()),
            ],
            Error::SpoolFull { what, limit, key } => vec![
                ("what", what.clone()),
                ("limit", limit.to_string()),
                ("key", (*key).to_owned()),
            ],
            Error::Unreadable { path: p, source }
            | Error::DestinationUnwritable { path: p, source } => {
                vec![("path", path(p)), ("cause", source.to_string())]
            }
            Error::TooLarge { size, limit } => {
                vec![("size", size.to_string()), ("limit", limit.to_string())]
            }
            Error::TooManyFiles { max } => vec![("max", max.to_string())],
            Error::SourceNotAvailable { name } => vec![("name", name.clone())],
            Error::TooFewFiles { min } => vec![("min", min.to_string())],
            Error::Rejected {
                name,
                why: Rejection::Size { size, limit },
            } => vec![
                ("name", name.clone()),
                ("size", size.to_string()),
                ("limit", limit.to_string()),
            ],
            Error::Rejected {
                name,
                why: Rejection::Type { mime, accept },
            } => vec![
                ("name", name.clone()),
                ("type", mime.clone()),
                ("accept", accept.clone()),
            ],
            Error::Refused {
                host,
                address,
                rule,
            } => vec![
                ("host", host.clone()),
                ("ip", address.clone()),
                ("rule", rule.clone()),
            ],
            Error::BadUrl { url, reason } => vec![("url", url.clone()), ("reason", reason.clone())],
            Error::HttpStatus {
                url, status, body, ..
            } => vec![
                ("url", url.clone()),
                ("status", status.to_string()),
                ("body", body.clone()),
            ],
            Error::Network { url, reason } => {
                vec![("url", url.clone()), ("reason", reason.clone())]
            }
            Error::Fetch { url, message } => {
                vec![("url", url.clone()), ("reason", message.clone())]
            }
            Error::Cancelled { name }
            | Error::Paused { name }
            | Error::NotRetryable { name, .. } => vec![("name", name.clone())],
            Error::Protocol { url, reason } => {
                vec![("url", url.clone()), ("reason", reason.clone())]
            }
            Error::ImageSkipped { name, reason }
            | Error::ImageFailed { name, reason }
            | Error::NotEditable { name, reason } => {
                vec![("name", name.clone()), ("reason", reason.clone())]
            }
            Error::StateUnwritable { path: p, source } => {
                vec![("path", path(p)), ("cause", source.to_string())]
            }
            Error::SignedOut { source_name } | Error::NoAuth { source_name } => {
                vec![("source", source_name.clone())]
            }
            Error::AuthConfig { reason }
            | Error::SignInFailed { reason }
            | Error::Keyring { reason } => {
                vec![("reason", reason.clone())]
            }
            Error::SignInDenied { error, description } => vec![
                ("error", error.clone()),
                ("description", description.clone()),
            ],
            Error::SignInTimeout { seconds } => vec![("seconds", seconds.to_string())],
            _ => vec![],
        };
        pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }
}

/// An error as it crosses into the UI or a JSON result: `{kind, message}`,
/// and for common errors the `args` a translated message is made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, specta::Type)]
pub struct ErrorInfo {
    pub kind: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, String>,
}

impl ErrorInfo {
    /// An error of the app's own, told in English only.
    pub fn new(kind: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorInfo {
            kind: kind.into(),
            message: message.into(),
            args: BTreeMap::new(),
        }
    }

    /// Adds a particular for translated messages.
    pub fn with_arg(mut self, name: &str, value: impl ToString) -> Self {
        self.args.insert(name.to_owned(), value.to_string());
        self
    }
}

impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        self.info().serialize(serializer)
    }
}

#[cfg(test)]
mod tests;
