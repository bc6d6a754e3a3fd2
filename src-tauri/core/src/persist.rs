//! The crash-safe queue: what `satchel resume` picks up after the process
//! died mid-upload (`kill -9`, a power cut).
//!
//! The queue, with each file's resume state (tus URL, S3 upload id), lives
//! in one JSON file under `$XDG_STATE_HOME/satchel/`. When working on this
//! file, keep in mind:
//! - writes are atomic: a temporary file is written, synced, then renamed
//!   over the old one (and the folder synced), so a crash leaves either the
//!   old queue or the new one, never half of one;
//! - a file that cannot be read or parsed is reported and set aside as
//!   `*.corrupt`, never a crash and never silently lost.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Error, ErrorInfo, FileRecord, FileStatus, Result};

const QUEUE_FILE: &str = "queue.json";
const VERSION: u32 = 1;

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
        let json = serde_json::to_vec_pretty(queue).map_err(io::Error::other);
        json.and_then(|json| write_atomically(&self.dir, QUEUE_FILE, &json))
            .map_err(|source| Error::StateUnwritable {
                path: self.path(),
                source,
            })
    }

    /// The saved queue, if there is one. One that cannot be read is moved
    /// aside (to `queue.json.corrupt`) and reported as [`Error::CorruptState`].
    pub fn load(&self) -> Result<Option<SavedQueue>> {
        let path = self.path();
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.set_aside(e.to_string())),
        };
        match serde_json::from_slice::<SavedQueue>(&bytes) {
            Ok(queue) if queue.version == VERSION => Ok(Some(queue)),
            Ok(queue) => Err(self.set_aside(format!("unknown version {}", queue.version))),
            Err(e) => Err(self.set_aside(e.to_string())),
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

/// Writes `name` in `dir` so that it is either wholly old or wholly new.
fn write_atomically(dir: &Path, name: &str, data: &[u8]) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    let temp = dir.join(format!(".{name}.{}.tmp", Uuid::new_v4()));
    let result = (|| {
        let mut file = File::create_new(&temp)?;
        file.write_all(data)?;
        file.sync_all()?;
        fs::rename(&temp, dir.join(name))?;
        // The rename itself must reach the disk too.
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue() -> SavedQueue {
        let mut a = FileRecord::new("/a".into(), "a".into(), "text/plain".into(), 3, "local");
        a.status = FileStatus::Uploading;
        a.resume = Some(serde_json::json!({"url": "http://x/files/1"}));
        let mut b = FileRecord::new("/b".into(), "b".into(), "text/plain".into(), 2, "local");
        b.status = FileStatus::Done;
        b.landed = Some("http://x/files/2".into());
        SavedQueue::new("tus+http://x/files/", &[a, b])
    }

    #[test]
    fn saves_and_loads_with_resume_state() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("satchel"));
        assert_eq!(store.load().unwrap(), None);
        let saved = queue();
        store.save(&queue()).unwrap();
        store.save(&saved).unwrap();
        let loaded = store.load().unwrap().unwrap();
        assert_eq!(loaded, saved);
        assert_eq!(loaded.unfinished(), 1);
        // No temporary files are left behind.
        let names: Vec<_> = fs::read_dir(dir.path().join("satchel"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["queue.json"]);

        let records: Vec<FileRecord> = loaded.files.into_iter().map(Into::into).collect();
        assert_eq!(records[0].status, FileStatus::Queued);
        assert_eq!(records[0].resume, saved.files[0].resume);
        assert_eq!(records[1].uuid, saved.files[1].uuid);
        assert_eq!(records[1].status, FileStatus::Done);
        store.clear().unwrap();
        assert_eq!(store.load().unwrap(), None);
    }

    #[test]
    fn a_corrupt_queue_is_reported_and_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        for garbage in [
            &b"{\"version\": 1, \"files\": ["[..],
            b"\xff\xfe",
            b"{\"version\":99,\"destination\":\"x\",\"files\":[]}",
        ] {
            fs::write(store.path(), garbage).unwrap();
            let err = store.load().unwrap_err();
            assert_eq!(err.kind(), "corruptState");
            assert!(err.to_string().contains("queue.json.corrupt"), "{err}");
            assert!(!store.path().exists());
            assert_eq!(
                fs::read(dir.path().join("queue.json.corrupt")).unwrap(),
                garbage
            );
            // Nothing left to trip over next time.
            assert_eq!(store.load().unwrap(), None);
        }
    }

    #[test]
    fn an_unwritable_state_folder_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("file"), b"").unwrap();
        let err = Store::new(dir.path().join("file/satchel"))
            .save(&queue())
            .unwrap_err();
        assert_eq!(err.kind(), "stateUnwritable");
    }
}
