//! Errors that cross the IPC boundary, always as `{kind, message}`.

use serde::{Serialize, Serializer};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Core(#[from] satchel_core::Error),

    #[error("{0:?} is not a valid file id")]
    InvalidId(String),

    #[error("bad chunk: {0}")]
    BadChunk(String),

    #[error("the {0} source is turned off by the policy (builtinSources)")]
    SourceOff(String),

    #[error("{what} is turned off for custom sources by the policy ({key})")]
    CapabilityOff {
        what: &'static str,
        key: &'static str,
    },

    #[error("the file dialog could not be shown: {0}")]
    Dialog(String),

    #[error("{0} is not uploaded yet")]
    NotUploaded(String),

    #[error("{0} is not a file on this computer")]
    NotOnDisk(String),

    #[error("cannot open {0}")]
    Open(String),

    #[error("cannot use the clipboard: {0}")]
    Clipboard(String),

    #[error(transparent)]
    Tauri(#[from] tauri::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// `{kind, message}` with the particulars the UI says in its language.
    pub fn info(&self) -> satchel_core::ErrorInfo {
        let info = satchel_core::ErrorInfo::new(self.kind(), self.to_string());
        match self {
            Error::Core(core) => core.info(),
            Error::SourceOff(name) => info.with_arg("source", name),
            Error::NotUploaded(name) => info.with_arg("name", name),
            Error::NotOnDisk(path) => info.with_arg("path", path),
            _ => info,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Error::Core(e) => e.kind(),
            Error::InvalidId(_) => "invalidId",
            Error::Dialog(_) => "dialog",
            Error::BadChunk(_) => "badChunk",
            Error::SourceOff(_) => "sourceOff",
            Error::CapabilityOff { .. } => "capabilityOff",
            Error::NotUploaded(_) => "notUploaded",
            Error::NotOnDisk(_) => "notOnDisk",
            Error::Open(_) => "open",
            Error::Clipboard(_) => "clipboard",
            Error::Tauri(_) => "internal",
        }
    }
}

/// How an [`Error`] crosses the IPC, for the TypeScript bindings: as the
/// `ErrorInfo` it serialises to.
mod ipc {
    #[derive(specta::Type)]
    #[specta(remote = super::Error, transparent)]
    #[allow(dead_code)]
    struct CommandError(satchel_core::ErrorInfo);
}

impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.info().serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crosses_the_ipc_as_kind_and_message() {
        let json = serde_json::to_value(Error::InvalidId("x".into())).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "invalidId", "message": "\"x\" is not a valid file id"})
        );
        let core = Error::from(satchel_core::Error::UploadRunning);
        assert_eq!(
            serde_json::to_value(core).unwrap(),
            serde_json::json!({"kind": "uploadRunning", "message": "an upload is already running"})
        );
    }
}
