//! What the core tells the outside world: whole snapshots of the picker's
//! state. The UI renders the latest one and keeps nothing of its own.

use serde::Serialize;

use uuid::Uuid;

use crate::imaging::{Edit, Processed};
use crate::{ErrorInfo, FileRecord, FileStatus};

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
    pub files: Vec<FileView>,
    pub totals: Totals,
    pub uploading: bool,
    /// True once an upload has finished and nothing is left to send.
    pub finished: bool,
    pub destination: String,
    pub notices: Vec<Notice>,
}

/// A file as the UI sees it: the record without where its bytes are or how
/// its upload resumes, and with its upload's rate and time left.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct FileView {
    pub uuid: Uuid,
    pub filename: String,
    pub display_name: String,
    #[serde(rename = "type")]
    pub mime: String,
    #[specta(type = specta_typescript::Number)]
    pub size: u64,
    pub source: String,
    pub status: FileStatus,
    /// Bytes of this file the destination has taken so far.
    #[specta(type = specta_typescript::Number)]
    pub transferred: u64,
    /// The URL a link or fetched file came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<String>,
    /// Bytes per second while this file uploads.
    #[specta(type = Option<specta_typescript::Number>)]
    pub rate: Option<f64>,
    /// Seconds this file has left at that rate.
    #[specta(type = Option<specta_typescript::Number>)]
    pub eta: Option<f64>,
    /// Where the file landed, once it is done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub landed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorInfo>,
    /// The person's edit of a picture, applied in Rust when it is uploaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edit: Option<Edit>,
    /// Set once the picture was processed: its size before and after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Processed>,
}

/// What a progress display needs, without the whole queue: the files being
/// sent now, and how many of the queue's files are through (landed or failed).
#[derive(Debug, Clone, Default)]
pub struct Sending {
    pub files: Vec<FileView>,
    pub through: usize,
    pub total: usize,
}

/// An upload's speed: bytes per second, and seconds left at that rate.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Speed {
    pub rate: Option<f64>,
    pub eta: Option<f64>,
}

impl FileView {
    pub fn of(record: &FileRecord, speed: Speed) -> Self {
        FileView {
            uuid: record.uuid,
            filename: record.filename.clone(),
            display_name: record.display_name.clone(),
            mime: record.mime.clone(),
            size: record.size,
            source: record.source.clone(),
            status: record.status,
            transferred: record.transferred,
            link: record.link.clone(),
            thumbnail: record.thumbnail.clone(),
            rate: speed.rate,
            eta: speed.eta,
            landed: record.landed.clone(),
            error: record.error.clone(),
            edit: record.edit.clone(),
            image: record.image.clone(),
        }
    }
}
