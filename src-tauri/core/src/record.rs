//! The record Satchel keeps for every file in the queue.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::imaging::{Edit, Processed};
use crate::ErrorInfo;

/// Filestack's name for files that come from the local disk.
pub const LOCAL_SOURCE: &str = "local_file_system";
/// Filestack's name for the Link source (files added by pasting a URL).
pub const LINK_SOURCE: &str = "url";
/// Satchel's own sources, in their default sidebar order.
pub const BUILTIN_SOURCES: &[&str] = &[LOCAL_SOURCE, LINK_SOURCE];

/// Extra request headers a source attached to a link, by name.
pub type Headers = BTreeMap<String, String>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum FileStatus {
    Queued,
    Uploading,
    Done,
    Failed,
}

impl FileStatus {
    /// The status in words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            FileStatus::Queued => "waiting",
            FileStatus::Uploading => "uploading",
            FileStatus::Done => "done",
            FileStatus::Failed => "failed",
        }
    }
}

/// Where a file's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file the person chose on this machine; never modified or removed.
    Local,
    /// Bytes Satchel copied into its spool (raw files, fetched URLs); the
    /// spool file is Satchel's and goes when the file leaves the queue.
    Spooled,
    /// A link fetched only when it is uploaded, with the source's headers.
    Link { headers: Headers },
}

/// One file in the queue, as Rust keeps it. The UI gets a
/// [`FileView`](crate::FileView) of it: what it may show, never where the
/// bytes are or how an upload resumes.
#[derive(Debug, Clone)]
pub struct FileRecord {
    pub uuid: Uuid,
    pub filename: String,
    pub display_name: String,
    pub mime: String,
    pub size: u64,
    pub source: String,
    pub status: FileStatus,
    /// Bytes of this file the destination has taken so far.
    pub transferred: u64,
    /// The URL a link or fetched file came from.
    pub link: Option<String>,
    /// The picture a source gave for the file (a URL or a `data:` URL).
    pub thumbnail: Option<String>,
    /// Where the file landed, once it is done.
    pub landed: Option<String>,
    pub error: Option<ErrorInfo>,
    /// The file on disk the bytes come from (empty for a link not yet
    /// fetched).
    pub path: PathBuf,
    pub origin: Origin,
    /// What the destination saved to resume an interrupted upload.
    pub resume: Option<serde_json::Value>,
    /// The person's edit of a picture (crop, turns, circle), applied in
    /// Rust when it is uploaded.
    pub edit: Option<Edit>,
    /// Set once the picture was processed: its size before and after.
    pub image: Option<Processed>,
    /// The file a processed picture was made from (`path` is then
    /// Satchel's own copy).
    pub original_path: Option<PathBuf>,
}

impl FileRecord {
    pub fn new(path: PathBuf, filename: String, mime: String, size: u64, source: &str) -> Self {
        FileRecord {
            uuid: Uuid::new_v4(),
            display_name: filename.clone(),
            filename,
            mime,
            size,
            source: source.to_owned(),
            status: FileStatus::Queued,
            transferred: 0,
            link: None,
            thumbnail: None,
            landed: None,
            error: None,
            path,
            origin: Origin::Local,
            resume: None,
            edit: None,
            image: None,
            original_path: None,
        }
    }

    /// Whether the next upload should (re)send this file.
    pub fn is_pending(&self) -> bool {
        matches!(self.status, FileStatus::Queued | FileStatus::Failed)
    }
}
