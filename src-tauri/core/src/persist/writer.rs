//! The journal's writer: changes are pushed without waiting for the disk, a
//! thread of its own appends them, one sync per batch (changes that arrive
//! while the disk syncs share the next one), and says when each change is on
//! disk.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::hash::{Hash, Hasher};
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use uuid::Uuid;

use super::format::{header_line, line, Line};
use super::{write_atomically, write_atomically_with, SavedFile, Store, QUEUE_FILE};
use crate::{Error, FileRecord, FileStatus};

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
