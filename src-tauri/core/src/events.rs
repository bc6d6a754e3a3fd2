//! What the core tells the outside world: whole snapshots of the picker's
//! state. The UI renders the latest one and keeps nothing of its own.

use serde::Serialize;

use crate::{ErrorInfo, FileRecord};

/// Receives every state change. The desktop app forwards them as Tauri
/// events; tests collect them.
pub trait EventSink: Send + Sync {
    fn state_changed(&self, snapshot: &Snapshot);

    /// Whether snapshots are wanted at all: each copies the whole queue, so
    /// a sink that drops them says no and none is made.
    fn wants_snapshots(&self) -> bool {
        true
    }
}

/// A sink for when nobody is listening.
pub struct NoEvents;

impl EventSink for NoEvents {
    fn state_changed(&self, _: &Snapshot) {}

    fn wants_snapshots(&self) -> bool {
        false
    }
}

/// Something the person should read: an error that is not tied to one file
/// (a destination that cannot be written, a path that could not be added).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Notice {
    #[specta(type = specta_typescript::Number)]
    pub id: u64,
    #[serde(flatten)]
    pub error: ErrorInfo,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    #[specta(type = specta_typescript::Number)]
    pub files: usize,
    #[specta(type = specta_typescript::Number)]
    pub size: u64,
    #[specta(type = specta_typescript::Number)]
    pub transferred: u64,
    /// Bytes per second over the running upload, when one runs.
    #[specta(type = Option<specta_typescript::Number>)]
    pub rate: Option<f64>,
    /// Seconds left at that rate.
    #[specta(type = Option<specta_typescript::Number>)]
    pub eta: Option<f64>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// Grows with every change, so a view can drop snapshots that arrive late.
    #[specta(type = specta_typescript::Number)]
    pub revision: u64,
    pub files: Vec<FileRecord>,
    pub totals: Totals,
    pub uploading: bool,
    /// True once an upload has finished and nothing is left to send.
    pub finished: bool,
    pub destination: String,
    pub notices: Vec<Notice>,
}
