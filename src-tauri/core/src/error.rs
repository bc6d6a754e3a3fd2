//! One error type for the core. Every variant names what it was about (which
//! path, which file) so the message a person sees is specific, and each has a
//! stable `kind` that the UI maps to its own text.

use std::io;
use std::path::PathBuf;

use serde::{Serialize, Serializer};
use uuid::Uuid;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
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

    #[error("bad chunk: {0}")]
    BadChunk(String),

    #[error("too large: {size} bytes is over the limit of {limit} bytes")]
    TooLarge { size: u64, limit: u64 },

    #[error("too many files: the picker takes at most {max} (maxFiles)")]
    TooManyFiles { max: usize },

    #[error("invalid URL {url:?}: {reason}")]
    BadUrl { url: String, reason: String },

    #[error("invalid header: {0}")]
    BadHeader(String),

    #[error("{url} answered HTTP {status}")]
    HttpStatus { url: String, status: u16 },

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

    #[error("{}: {message}", path.display())]
    Config { path: PathBuf, message: String },

    #[error("{name} was not added: {reason}")]
    Rejected { name: String, reason: String },

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
}

impl Error {
    /// A stable, machine-readable name for the UI and for programs.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::NotFound { .. } => "notFound",
            Error::Unreadable { .. } => "unreadable",
            Error::NotAFile { .. } => "notAFile",
            Error::DestinationUnwritable { .. } => "destinationUnwritable",
            Error::CopyFailed { .. } => "copyFailed",
            Error::BadDestination { .. } => "badDestination",
            Error::Spool { .. } => "spool",
            Error::BadChunk(_) => "badChunk",
            Error::TooLarge { .. } => "tooLarge",
            Error::TooManyFiles { .. } => "tooManyFiles",
            Error::BadUrl { .. } => "badUrl",
            Error::BadHeader(_) => "badHeader",
            Error::HttpStatus { .. } => "httpStatus",
            Error::Fetch { .. } => "fetch",
            Error::BadRequest(_) => "badRequest",
            Error::MissingField(_) => "missingField",
            Error::UnknownSource(_) => "unknownSource",
            Error::BadSource { .. } => "badSource",
            Error::Config { .. } => "config",
            Error::Rejected { .. } => "rejected",
            Error::TooFewFiles { .. } => "tooFewFiles",
            Error::Locked { .. } => "locked",
            Error::NotAllowed { .. } => "notAllowed",
            Error::UnknownFile(_) => "unknownFile",
            Error::UploadRunning => "uploadRunning",
            Error::NothingToUpload => "nothingToUpload",
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

    pub fn info(&self) -> ErrorInfo {
        ErrorInfo {
            kind: self.kind().to_owned(),
            message: self.to_string(),
        }
    }
}

/// An error as it crosses into the UI or a JSON result: `{kind, message}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ErrorInfo {
    pub kind: String,
    pub message: String,
}

impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        self.info().serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_kind_and_message() {
        let err = Error::DestinationUnwritable {
            path: "/nope".into(),
            source: io::Error::new(io::ErrorKind::PermissionDenied, "Permission denied"),
        };
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "kind": "destinationUnwritable",
                "message": "cannot write to destination /nope: Permission denied"
            })
        );
    }

    #[test]
    fn a_missing_file_reads_as_not_found() {
        let err = Error::reading("/x", io::Error::from(io::ErrorKind::NotFound));
        assert_eq!(err.kind(), "notFound");
        let err = Error::reading("/x", io::Error::from(io::ErrorKind::PermissionDenied));
        assert_eq!(err.kind(), "unreadable");
    }
}
