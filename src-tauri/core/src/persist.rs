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

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::hash::{Hash, Hasher};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Error, ErrorInfo, FileRecord, FileStatus, Result};

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

/// The journal's first line.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    satchel: String,
    version: u32,
    destination: String,
}

/// Every further line of the journal.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
enum Line {
    /// A file as it is now.
    File(Box<SavedFile>),
    /// A file taken out of the queue.
    Removed(Uuid),
}

fn header_line(destination: &str) -> Vec<u8> {
    line(&Header {
        satchel: "queue".into(),
        version: JOURNAL_VERSION,
        destination: destination.to_owned(),
    })
}

fn line(value: &impl Serialize) -> Vec<u8> {
    // Plain data with string keys: serialising cannot fail.
    let mut bytes = serde_json::to_vec(value).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// A whole journal holding `files` and nothing else.
fn image(destination: &str, files: &[SavedFile]) -> Vec<u8> {
    let mut bytes = header_line(destination);
    for file in files {
        bytes.extend(line(&Line::File(Box::new(file.clone()))));
    }
    bytes
}

/// Reads a journal back into the queue it describes.
fn replay(bytes: &[u8]) -> std::result::Result<SavedQueue, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    // What follows the last newline is a line a crash cut short: it was
    // never synced, so nobody was told it was saved.
    let complete = match text.rfind('\n') {
        Some(end) => &text[..end],
        None => "",
    };
    let mut lines = complete.split('\n').filter(|l| !l.is_empty());
    let header: Header = lines
        .next()
        .ok_or("the file is empty")
        .and_then(|first| serde_json::from_str(first).map_err(|_| "no header"))
        .map_err(|e| e.to_string())?;
    if header.satchel != "queue" || header.version != JOURNAL_VERSION {
        return Err(format!("unknown version {}", header.version));
    }
    let mut files: Vec<Option<SavedFile>> = vec![];
    let mut at: HashMap<Uuid, usize> = HashMap::new();
    for (n, text) in lines.enumerate() {
        let parsed: Line =
            serde_json::from_str(text).map_err(|e| format!("line {}: {e}", n + 2))?;
        match parsed {
            Line::File(file) => match at.get(&file.uuid) {
                Some(&i) => files[i] = Some(*file),
                None => {
                    at.insert(file.uuid, files.len());
                    files.push(Some(*file));
                }
            },
            Line::Removed(uuid) => {
                if let Some(i) = at.remove(&uuid) {
                    files[i] = None;
                }
            }
        }
    }
    Ok(SavedQueue {
        version: VERSION,
        destination: header.destination,
        files: files.into_iter().flatten().collect(),
    })
}

/// One change for the journal.
#[derive(Debug)]
pub(crate) enum Entry {
    /// The whole queue: the file is rewritten with it. The records are the
    /// queue's own, shared, not copies (a queue may hold 100,000).
    Full(Vec<Arc<FileRecord>>),
    /// A file as it is now.
    File(Box<SavedFile>),
    /// A file taken out of the queue.
    Removed(Uuid),
}

/// The writer of the queue file: changes go in with [`Journal::push`]
/// (cheap, never waits for the disk) and a thread of its own writes them.
pub(crate) struct Journal {
    shared: Arc<JournalShared>,
}

struct JournalShared {
    pending: Mutex<Pending>,
    /// Wakes the writer.
    work: Condvar,
    /// Wakes those waiting for a change to be on disk, off the async workers.
    written: Condvar,
    /// The same, for async waiters.
    durable: tokio::sync::watch::Sender<u64>,
    /// Set when the file may no longer match what was written: the next
    /// change must be a [`Entry::Full`].
    want_full: AtomicBool,
}

#[derive(Default)]
struct Pending {
    entries: Vec<Entry>,
    /// Changes pushed so far, and written so far.
    pushed: u64,
    written: u64,
    closed: bool,
}

impl Journal {
    /// Starts the writer for `store`; `failed` hears of every write that
    /// failed (the upload goes on; only its crash safety is lost).
    pub(crate) fn start(
        store: Store,
        destination: String,
        failed: impl Fn(Error) + Send + 'static,
    ) -> Journal {
        let shared = Arc::new(JournalShared {
            pending: Mutex::new(Pending::default()),
            work: Condvar::new(),
            written: Condvar::new(),
            durable: tokio::sync::watch::channel(0).0,
            want_full: AtomicBool::new(true),
        });
        let writer = Writer {
            store,
            destination,
            file: None,
            len: 0,
            seen: HashMap::new(),
            unfinished: 0,
        };
        let thread_shared = shared.clone();
        let spawned = std::thread::Builder::new()
            .name("satchel-journal".into())
            .spawn(move || writer.run(&thread_shared, failed));
        if spawned.is_err() {
            // No thread, no saving (the machine is out of threads): waiters
            // are never stuck, and the upload goes on.
            shared.lock().closed = true;
        }
        Journal { shared }
    }

    /// Whether the next change must be the whole queue.
    pub(crate) fn wants_full(&self) -> bool {
        self.shared.want_full.load(Ordering::SeqCst)
    }

    /// Queues a change; returns its number for [`Journal::durable`].
    pub(crate) fn push(&self, entries: Vec<Entry>) -> u64 {
        let mut pending = self.shared.lock();
        if entries.is_empty() {
            return pending.pushed;
        }
        if entries.iter().any(|e| matches!(e, Entry::Full(_))) {
            self.shared.want_full.store(false, Ordering::SeqCst);
        }
        if pending.closed {
            // Nobody writes: no one must wait for it forever.
            pending.pushed += 1;
            pending.written = pending.pushed;
            self.shared.durable.send_replace(pending.written);
            return pending.pushed;
        }
        pending.entries.extend(entries);
        pending.pushed += 1;
        self.shared.work.notify_one();
        pending.pushed
    }

    /// Resolves once change `seq` (and every one before it) is on disk.
    pub(crate) async fn durable(&self, seq: u64) {
        let mut written = self.shared.durable.subscribe();
        if self.shared.lock().written >= seq {
            return;
        }
        let _ = written.wait_for(|&w| w >= seq).await;
    }

    /// [`Journal::durable`] for a thread that may block.
    pub(crate) fn durable_blocking(&self, seq: u64) {
        let mut pending = self.shared.lock();
        while pending.written < seq && !pending.closed {
            pending = self
                .shared
                .written
                .wait(pending)
                .unwrap_or_else(|p| p.into_inner());
        }
    }

    /// The number of the last change pushed.
    pub(crate) fn last(&self) -> u64 {
        self.shared.lock().pushed
    }
}

impl Drop for Journal {
    /// The writer finishes what it was given, then stops.
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.work.notify_one();
    }
}

impl JournalShared {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The writer thread's side: the open file and what it holds.
struct Writer {
    store: Store,
    destination: String,
    /// Open for appending; None before the first write and once removed.
    file: Option<File>,
    /// The file's length after the last good write.
    len: u64,
    /// Each file's last line written (a hash of it) and whether it is unfinished.
    seen: HashMap<Uuid, (u64, bool)>,
    unfinished: usize,
}

impl Writer {
    fn run(mut self, shared: &JournalShared, failed: impl Fn(Error)) {
        loop {
            let (entries, upto) = {
                let mut pending = shared.lock();
                while pending.entries.is_empty() && !pending.closed {
                    pending = shared.work.wait(pending).unwrap_or_else(|p| p.into_inner());
                }
                if pending.entries.is_empty() {
                    pending.written = pending.pushed;
                    shared.written.notify_all();
                    shared.durable.send_replace(pending.written);
                    return;
                }
                (std::mem::take(&mut pending.entries), pending.pushed)
            };
            if let Err(e) = self.write(entries) {
                shared.want_full.store(true, Ordering::SeqCst);
                failed(self.store.unwritable(e));
            }
            shared.lock().written = upto;
            shared.written.notify_all();
            shared.durable.send_replace(upto);
        }
    }

    /// Writes one batch, with one sync.
    fn write(&mut self, mut entries: Vec<Entry>) -> io::Result<()> {
        // Everything before the last whole image is in it.
        let whole = entries.iter().rposition(|e| matches!(e, Entry::Full(_)));
        if let Some(at) = whole {
            let rest = entries.split_off(at + 1);
            if let Some(Entry::Full(files)) = entries.pop() {
                return self.rewrite(files, rest);
            }
        }
        let mut bytes = vec![];
        for entry in entries {
            bytes.extend(self.note(entry));
        }
        if self.unfinished == 0 {
            return self.remove();
        }
        if bytes.is_empty() {
            return Ok(());
        }
        let Some(file) = self.file.as_mut() else {
            // Removed earlier, unfinished files again: a fresh file.
            let mut all = header_line(&self.destination);
            all.extend(bytes);
            return self.replace(&all);
        };
        let appended = file.write_all(&bytes).and_then(|()| file.sync_data());
        match appended {
            Ok(()) => {
                self.len += bytes.len() as u64;
                Ok(())
            }
            Err(e) => {
                // Cut the partial line off; if even that fails the next
                // change rewrites the file whole.
                if file.set_len(self.len).is_err() {
                    self.file = None;
                }
                Err(e)
            }
        }
    }

    /// The line for one change, or nothing when it changes nothing on disk.
    fn note(&mut self, entry: Entry) -> Vec<u8> {
        match entry {
            Entry::File(file) => {
                let bytes = line(&Line::File(file.clone()));
                let mut hasher = DefaultHasher::new();
                bytes.hash(&mut hasher);
                let hash = hasher.finish();
                let unfinished = file.status != FileStatus::Done;
                match self.seen.insert(file.uuid, (hash, unfinished)) {
                    Some((before, _)) if before == hash => return vec![],
                    Some((_, was)) => self.unfinished -= usize::from(was),
                    None => {}
                }
                self.unfinished += usize::from(unfinished);
                bytes
            }
            Entry::Removed(uuid) => match self.seen.remove(&uuid) {
                Some((_, was)) => {
                    self.unfinished -= usize::from(was);
                    line(&Line::Removed(uuid))
                }
                None => vec![],
            },
            Entry::Full(_) => vec![],
        }
    }

    /// Replaces the file with `files`, then the changes after them. The
    /// lines go straight to the new file, a few at a time: a queue of
    /// 100,000 files is never held as one buffer of its lines.
    fn rewrite(&mut self, files: Vec<Arc<FileRecord>>, rest: Vec<Entry>) -> io::Result<()> {
        self.seen.clear();
        self.unfinished = 0;
        self.file = None;
        let mut len = 0;
        let dir = self.store.dir.clone();
        let kept = write_atomically_with(&dir, QUEUE_FILE, |file| {
            let mut out = io::BufWriter::with_capacity(1 << 16, file);
            let header = header_line(&self.destination);
            out.write_all(&header)?;
            len = header.len() as u64;
            let lines = files
                .into_iter()
                .map(|f| Entry::File(Box::new(SavedFile::from(&*f))));
            for entry in lines.chain(rest) {
                let bytes = self.note(entry);
                out.write_all(&bytes)?;
                len += bytes.len() as u64;
            }
            out.flush()?;
            Ok(self.unfinished > 0)
        })?;
        if !kept {
            return self.remove();
        }
        self.file = Some(OpenOptions::new().append(true).open(self.store.path())?);
        self.len = len;
        Ok(())
    }

    fn replace(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.file = None;
        write_atomically(&self.store.dir, QUEUE_FILE, bytes)?;
        self.file = Some(OpenOptions::new().append(true).open(self.store.path())?);
        self.len = bytes.len() as u64;
        Ok(())
    }

    /// Nothing is left to resume: no file at all.
    fn remove(&mut self) -> io::Result<()> {
        self.file = None;
        match fs::remove_file(self.store.path()) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn queue() -> SavedQueue {
        SavedQueue::new("tus+http://x/files/", &records())
    }

    fn records() -> [FileRecord; 2] {
        let mut a = FileRecord::new("/a".into(), "a".into(), "text/plain".into(), 3, "local");
        a.status = FileStatus::Uploading;
        a.resume = Some(serde_json::json!({"url": "http://x/files/1"}));
        let mut b = FileRecord::new("/b".into(), "b".into(), "text/plain".into(), 2, "local");
        b.status = FileStatus::Done;
        b.landed = Some("http://x/files/2".into());
        [a, b]
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

    #[cfg(unix)]
    #[test]
    fn the_queue_is_readable_by_its_owner_alone() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("satchel");
        let store = Store::new(&state);
        store.save(&queue()).unwrap();
        assert_eq!(mode(&state), 0o700);
        assert_eq!(mode(&store.path()), 0o600);
        // What an older Satchel left open is closed at the next start.
        fs::set_permissions(&state, fs::Permissions::from_mode(0o755)).unwrap();
        fs::set_permissions(store.path(), fs::Permissions::from_mode(0o644)).unwrap();
        store.load().unwrap().unwrap();
        assert_eq!(mode(&state), 0o700);
        assert_eq!(mode(&store.path()), 0o600);
    }

    fn journal(dir: &Path) -> (Journal, Arc<Mutex<Vec<String>>>) {
        let errors = Arc::new(Mutex::new(vec![]));
        let heard = errors.clone();
        let journal = Journal::start(Store::new(dir), "tus+http://x/files/".into(), move |e| {
            heard.lock().unwrap().push(e.to_string());
        });
        (journal, errors)
    }

    #[test]
    fn the_journal_appends_changes_and_loads_the_last_word_on_each_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let (journal, errors) = journal(dir.path());
        let records = records();
        let mut files: Vec<SavedFile> = records.iter().map(SavedFile::from).collect();
        let seq = journal.push(vec![Entry::Full(records.map(Arc::new).to_vec())]);
        journal.durable_blocking(seq);
        let whole = fs::metadata(store.path()).unwrap().len();
        files[0].resume = Some(serde_json::json!({"url": "http://x/files/9"}));
        let mut c = files[1].clone();
        c.uuid = Uuid::new_v4();
        c.status = FileStatus::Queued;
        journal.push(vec![
            Entry::File(Box::new(files[0].clone())),
            Entry::File(Box::new(c.clone())),
        ]);
        // Unchanged: nothing written.
        journal.push(vec![Entry::File(Box::new(files[0].clone()))]);
        let seq = journal.push(vec![Entry::Removed(files[1].uuid)]);
        journal.durable_blocking(seq);
        let loaded = store.load().unwrap().unwrap();
        assert_eq!(loaded.destination, "tus+http://x/files/");
        assert_eq!(loaded.files, [files[0].clone(), c.clone()]);
        let text = fs::read_to_string(store.path()).unwrap();
        assert_eq!(text.lines().count(), 1 + 2 + 2 + 1, "{text}");
        assert!(fs::metadata(store.path()).unwrap().len() > whole);

        // A crash mid-append: the cut line is ignored, the rest loads.
        let mut torn = fs::read(store.path()).unwrap();
        torn.extend_from_slice(br#"{"file":{"uuid":"#);
        fs::write(store.path(), &torn).unwrap();
        assert_eq!(store.load().unwrap().unwrap().files, loaded.files);

        // Once nothing is unfinished, the file goes.
        files[0].status = FileStatus::Done;
        c.status = FileStatus::Done;
        let seq = journal.push(vec![
            Entry::File(Box::new(files[0].clone())),
            Entry::File(Box::new(c)),
        ]);
        journal.durable_blocking(seq);
        assert!(!store.path().exists());
        assert!(errors.lock().unwrap().is_empty());
    }

    #[test]
    fn a_damaged_line_in_the_middle_is_corrupt_and_version_one_still_loads() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        store.save(&queue()).unwrap();
        let mut text = fs::read_to_string(store.path()).unwrap();
        text.insert_str(text.find('\n').unwrap() + 1, "{\"file\": 7}\n");
        fs::write(store.path(), text).unwrap();
        let err = store.load().unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        assert!(dir.path().join("queue.json.corrupt").exists());

        let before = queue();
        fs::write(store.path(), serde_json::to_vec_pretty(&before).unwrap()).unwrap();
        assert_eq!(store.load().unwrap().unwrap(), before);
    }

    #[test]
    fn an_unwritable_state_folder_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("file"), b"").unwrap();
        let err = Store::new(dir.path().join("file/satchel"))
            .save(&queue())
            .unwrap_err();
        assert_eq!(err.kind(), "stateUnwritable");
        // The journal says so, and whoever waits is not stuck.
        let (journal, errors) = journal(&dir.path().join("file/satchel"));
        let seq = journal.push(vec![Entry::Full(records().map(Arc::new).to_vec())]);
        journal.durable_blocking(seq);
        assert!(errors.lock().unwrap()[0].contains("cannot save"));
        assert!(journal.wants_full());
    }
}
