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

    /// The state changed, told to a sink that wants no snapshots: it takes
    /// one itself (`Picker::snapshot`) when it is ready for one, so a
    /// thousand changes cost one copy of the queue, not a thousand.
    fn changed(&self) {}
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
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    pub id: u64,
    #[serde(flatten)]
    pub error: ErrorInfo,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub files: usize,
    pub size: u64,
    pub transferred: u64,
    /// Bytes per second over the running upload, when one runs.
    pub rate: Option<f64>,
    /// Seconds left at that rate.
    pub eta: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// Grows with every change, so a view can drop snapshots that arrive late.
    pub revision: u64,
    pub files: Vec<FileRecord>,
    pub totals: Totals,
    pub uploading: bool,
    /// True once an upload has finished and nothing is left to send.
    pub finished: bool,
    pub destination: String,
    pub notices: Vec<Notice>,
}
