//! Errors that cross the IPC boundary, always as `{kind, message}`.

use serde::{Serialize, Serializer};

/// Each variant's kind is its name in camelCase, as for the core's errors;
/// a core error keeps its own kind, and Tauri's are `internal`.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(
    name(Kind),
    derive(strum::EnumIter, strum::IntoStaticStr),
    strum(serialize_all = "camelCase")
)]
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
            Error::Tauri(_) => "internal",
            other => Kind::from(other).into(),
        }
    }

    /// Every kind of error the app and its core may send the UI.
    pub fn kinds() -> impl Iterator<Item = &'static str> {
        <Kind as strum::IntoEnumIterator>::iter()
            .filter(|kind| !matches!(kind, Kind::Core | Kind::Tauri))
            .map(<&'static str>::from)
            .chain(satchel_core::Error::kinds())
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

    /// The keys of a catalogue's `errors` block (ui/src/lib/i18n/*.ts).
    fn catalogue_errors(file: &str) -> Vec<String> {
        let path = format!("{}/ui/src/lib/i18n/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let (_, block) = text
            .split_once("\n  errors: {\n")
            .unwrap_or_else(|| panic!("{path} has no errors block"));
        let (block, _) = block.split_once("\n  },").expect("the errors block ends");
        block
            .lines()
            .filter(|line| line.starts_with("    ") && !line.starts_with("     "))
            .filter_map(|line| line.trim().split_once(':'))
            .map(|(key, _)| key.to_owned())
            .collect()
    }

    /// Kinds the catalogues say case by case (`rejectedSize`, `rejectedType`).
    const SAID_BY_CASE: &[&str] = &["rejected"];

    /// Every error the UI may be sent is said in English and in German: a
    /// kind has a message of its own, or one per case.
    #[test]
    fn every_error_kind_has_a_message_in_every_catalogue() {
        for catalogue in ["en.ts", "de.ts"] {
            let keys = catalogue_errors(catalogue);
            let missing: Vec<_> = Error::kinds()
                .filter(|kind| {
                    !keys.iter().any(|key| {
                        key == kind
                            || SAID_BY_CASE.contains(kind)
                                && key.strip_prefix(kind).is_some_and(|case| {
                                    case.chars().next().is_some_and(char::is_uppercase)
                                })
                    })
                })
                .collect();
            assert!(
                missing.is_empty(),
                "{catalogue} has no message for {missing:?}"
            );
        }
    }
}
