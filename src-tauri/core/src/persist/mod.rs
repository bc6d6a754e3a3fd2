//! The crash-safe queue: what `satchel resume` picks up after the process
//! died mid-upload (`kill -9`, a power cut).
//!
//! The queue, with each file's resume state (tus URL, S3 upload id), lives
//! in one file under `$XDG_STATE_HOME/satchel/`, `queue.json`: a journal of
//! JSON lines. The first line names the format and the destination; each
//! further line is a file as it is now, or a file removed; the last line
//! about a file wins. A [`Journal`] appends the lines of each change from a
//! thread of its own, so no upload waits for the disk unless it must.
//!
//! When working on this file, keep in mind:
//! - a change is on disk once its lines are written and synced; changes that
//!   arrive while the disk syncs share the next sync (group commit), and
//!   [`Journal::durable`] says when a change got there: a tus URL is waited
//!   for before any byte is sent against it;
//! - a crash mid-append leaves a last line without its newline: loading
//!   ignores it (nobody was told it was saved); any other line that does not
//!   parse makes the file corrupt;
//! - an append that fails is cut back off, so the file stays as it was;
//! - the file is rewritten whole (temporary file, fsync, rename, folder
//!   fsync) when the picker asks ([`Entry::Full`]): at the start and when the
//!   journal has grown to about twice the queue, so a save never costs the
//!   whole queue and the file never grows without bound;
//! - once nothing is left unfinished the file is removed;
//! - a file that cannot be read or parsed is reported and set aside as
//!   `*.corrupt`, never a crash and never silently lost. A queue saved whole
//!   as one JSON document (version 1, before the journal) still loads;
//! - the queue holds destinations, upload URLs and file paths: the folder is
//!   0700 and the file 0600 (it is always created by [`write_atomically`] and
//!   only then opened for appending), and both are tightened when the queue
//!   is read (at every start) in case an older Satchel left them open.
//!
//! The parts: this file holds the queue's saved form ([`SavedQueue`]), where
//! it is kept ([`Store`]) and the atomic write; `format.rs` the journal's
//! lines, written and read back; `writer.rs` the writer thread and its group
//! commit ([`Journal`]).

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Error, ErrorInfo, FileRecord, FileStatus, Result};

mod format;
#[cfg(test)]
mod tests;
mod writer;

use format::{image, replay};
pub(crate) use writer::{Entry, Journal};

const QUEUE_FILE: &str = "queue.json";
/// A queue saved whole, as one JSON document.
const VERSION: u32 = 1;
/// The journal of JSON lines.
const JOURNAL_VERSION: u32 = 2;

/// The folder Satchel keeps its state in: `$XDG_STATE_HOME/satchel`
/// (`~/.local/state/satchel` when the variable is unset).
pub fn default_state_dir() -> PathBuf {
    let base = dirs::state_dir().unwrap_or_else(|| PathBuf::from(".local/state"));
    base.join("satchel")
}

/// A queue as written to disk.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SavedQueue {
    pub version: u32,
    /// What `--to` said, so a resume goes to the same place.
    pub destination: String,
    pub files: Vec<SavedFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SavedFile {
    pub uuid: Uuid,
    pub path: PathBuf,
    pub filename: String,
    pub mime: String,
    pub size: u64,
    pub source: String,
    pub status: FileStatus,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub error: Option<ErrorInfo>,
    /// The destination's own resume state.
    #[serde(default)]
    pub resume: Option<serde_json::Value>,
    /// The URL a link comes from (fetched when it is sent).
    #[serde(default)]
    pub link: Option<String>,
    /// Whether `path` is Satchel's own spool copy.
    #[serde(default)]
    pub spooled: bool,
    /// A picture's edit, and once processed, its sizes and the file it
    /// was made from (`path` is then the processed copy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit: Option<crate::imaging::Edit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<crate::imaging::Processed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_path: Option<PathBuf>,
}

impl SavedQueue {
    pub fn new(destination: &str, files: &[FileRecord]) -> Self {
        SavedQueue {
            version: VERSION,
            destination: destination.to_owned(),
            files: files.iter().map(SavedFile::from).collect(),
        }
    }

    /// How many files are left to send.
    pub fn unfinished(&self) -> usize {
        self.files
            .iter()
            .filter(|f| f.status != FileStatus::Done)
            .count()
    }
}

impl From<&FileRecord> for SavedFile {
    fn from(r: &FileRecord) -> Self {
        SavedFile {
            uuid: r.uuid,
            path: r.path.clone(),
            filename: r.filename.clone(),
            mime: r.mime.clone(),
            size: r.size,
            source: r.source.clone(),
            status: r.status,
            url: r.landed.clone(),
            link: r.link.clone(),
            spooled: r.origin == crate::Origin::Spooled,
            error: r.error.clone(),
            resume: r.resume.clone(),
            edit: r.edit.clone(),
            image: r.image.clone(),
            original_path: r.original_path.clone(),
        }
    }
}

impl From<SavedFile> for FileRecord {
    fn from(s: SavedFile) -> Self {
        let mut record = FileRecord::new(s.path, s.filename, s.mime, s.size, &s.source);
        record.uuid = s.uuid;
        // A file that was being sent when the process died is sent again,
        // from wherever its resume state says.
        record.status = match s.status {
            FileStatus::Uploading => FileStatus::Queued,
            other => other,
        };
        record.transferred = if record.status == FileStatus::Done {
            record.size
        } else {
            0
        };
        record.landed = s.url;
        // A link's headers are not saved (they may be secrets): after a
        // crash it is fetched again without them.
        record.origin = match (&s.link, s.spooled) {
            (_, true) => crate::Origin::Spooled,
            (Some(_), false) => crate::Origin::Link {
                headers: Default::default(),
            },
            (None, false) => crate::Origin::Local,
        };
        record.link = s.link;
        record.error = s.error;
        record.resume = s.resume;
        record.edit = s.edit;
        record.image = s.image;
        record.original_path = s.original_path;
        record
    }
}

/// Where the queue is kept.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Store { dir: dir.into() }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(QUEUE_FILE)
    }

    /// Replaces the saved queue, atomically.
    pub fn save(&self, queue: &SavedQueue) -> Result<()> {
        write_atomically(
            &self.dir,
            QUEUE_FILE,
            &image(&queue.destination, &queue.files),
        )
        .map_err(|source| self.unwritable(source))
    }

    /// The saved queue, if there is one. One that cannot be read is moved
    /// aside (to `queue.json.corrupt`) and reported as [`Error::CorruptState`].
    pub fn load(&self) -> Result<Option<SavedQueue>> {
        let path = self.path();
        tighten(&self.dir, &path);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.set_aside(e.to_string())),
        };
        // The whole-document form of version 1 first, then the journal.
        let read = match serde_json::from_slice::<SavedQueue>(&bytes) {
            Ok(queue) if queue.version == VERSION => Ok(queue),
            Ok(queue) => Err(format!("unknown version {}", queue.version)),
            Err(_) => replay(&bytes),
        };
        read.map(Some).map_err(|reason| self.set_aside(reason))
    }

    fn unwritable(&self, source: io::Error) -> Error {
        Error::StateUnwritable {
            path: self.path(),
            source,
        }
    }

    /// Forgets the saved queue (once everything landed).
    pub fn clear(&self) -> Result<()> {
        match fs::remove_file(self.path()) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(Error::StateUnwritable {
                path: self.path(),
                source: e,
            }),
            _ => Ok(()),
        }
    }

    fn set_aside(&self, reason: String) -> Error {
        let path = self.path();
        let aside = self.dir.join(format!("{QUEUE_FILE}.corrupt"));
        let moved = fs::rename(&path, &aside).is_ok();
        Error::CorruptState {
            path,
            moved_to: moved.then_some(aside),
            reason,
        }
    }
}

/// Makes an existing state folder and queue file private (best effort: a
/// folder that is not ours to change still works).
fn tighten(dir: &Path, file: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if dir.is_dir() {
            let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
        }
        if file.is_file() {
            let _ = fs::set_permissions(file, fs::Permissions::from_mode(0o600));
        }
    }
}

/// Writes `name` in `dir` so that it is either wholly old or wholly new.
pub(crate) fn write_atomically(dir: &Path, name: &str, data: &[u8]) -> io::Result<()> {
    write_atomically_with(dir, name, |file| file.write_all(data).map(|()| true)).map(|_| ())
}

/// [`write_atomically`] of what `fill` writes; when `fill` answers false
/// the new file is dropped and `name` left as it was. Returns `fill`'s answer.
fn write_atomically_with(
    dir: &Path,
    name: &str,
    fill: impl FnOnce(&mut File) -> io::Result<bool>,
) -> io::Result<bool> {
    crate::spool::private_dir(dir)?;
    let temp = dir.join(format!(".{name}.{}.tmp", Uuid::new_v4()));
    let result = (|| {
        let mut file = crate::spool::private_file(&temp)?;
        if !fill(&mut file)? {
            return Ok(false);
        }
        file.sync_all()?;
        fs::rename(&temp, dir.join(name))?;
        // The rename itself must reach the disk too.
        File::open(dir)?.sync_all()?;
        Ok(true)
    })();
    if !matches!(result, Ok(true)) {
        let _ = fs::remove_file(&temp);
    }
    result
}
