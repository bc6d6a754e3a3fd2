//! The spool: where bytes that have no file of their own on this machine
//! (raw files from sources, fetched URLs) are kept until they are uploaded.
//!
//! Files are written in order, chunk by chunk, so memory stays bounded
//! whatever the size; a spool file is complete only once `finish` says so.
//!
//! Each source writes in a folder of its own, so what it keeps there can be
//! capped (`spoolMaxPerSource`) as well as the whole (`spoolMaxTotal`).
//! When working on this file, keep in mind:
//! - bytes are reserved as they arrive, against counters every writer of
//!   the spool shares: files written side by side share one cap, they do
//!   not each get all of it;
//! - the counters are measured again from disk whenever a file starts
//!   (files leave the spool by other ways: uploaded, removed), counting the
//!   files still being written by what they reserved;
//! - a source has at most [`MAX_OPEN_PER_SOURCE`] files open at once;
//! - folders are 0700 and files 0600: spooled bytes are the person's.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use uuid::Uuid;

use crate::{Error, Result};

/// Files one source may be writing into the spool at the same time.
pub const MAX_OPEN_PER_SOURCE: usize = 8;

pub struct Spool {
    dir: PathBuf,
    limits: SpoolLimits,
    ledger: Arc<Mutex<Ledger>>,
}

/// Policy caps on what the spool may hold, in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpoolLimits {
    pub per_source: Option<u64>,
    pub total: Option<u64>,
}

/// What the spool holds, shared by every writer.
#[derive(Debug, Default)]
struct Ledger {
    /// Bytes per source folder: finished files as measured, open ones as
    /// reserved so far.
    used: HashMap<PathBuf, u64>,
    /// Files being written: their folder and the bytes they reserved.
    open: HashMap<PathBuf, (PathBuf, u64)>,
}

impl Ledger {
    fn total(&self) -> u64 {
        self.used.values().sum()
    }

    fn open_in(&self, dir: &Path) -> usize {
        self.open.values().filter(|(d, _)| d == dir).count()
    }

    /// Measures every source folder again: files on disk that are not
    /// being written, plus what the open ones reserved.
    fn measure(&mut self, spool: &Path) -> io::Result<()> {
        let mut used = HashMap::new();
        let folders = match fs::read_dir(spool) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        for entry in folders {
            let entry = entry?;
            if !entry.file_type()?.is_dir() {
                continue;
            }
            let dir = entry.path();
            let mut bytes = 0;
            for file in fs::read_dir(&dir)? {
                let file = file?;
                let meta = file.metadata()?;
                if meta.is_file() && !self.open.contains_key(&file.path()) {
                    bytes += meta.len();
                }
            }
            used.insert(dir, bytes);
        }
        for (dir, reserved) in self.open.values() {
            *used.entry(dir.clone()).or_default() += reserved;
        }
        self.used = used;
        Ok(())
    }
}

/// A spool file being written. Dropped before [`SpoolWriter::finish`]
/// (an error, a window closed mid-way), it takes its partial file with it.
#[derive(Debug)]
pub struct SpoolWriter {
    pub id: Uuid,
    pub path: PathBuf,
    dir: PathBuf,
    what: String,
    file: File,
    written: u64,
    limit: u64,
    limits: SpoolLimits,
    ledger: Arc<Mutex<Ledger>>,
    finished: bool,
}

impl Spool {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Spool {
            dir: dir.into(),
            limits: SpoolLimits::default(),
            ledger: Arc::default(),
        }
    }

    /// The spool's folder.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn with_limits(mut self, limits: SpoolLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Starts a spool file for `source` that may grow to at most `limit`
    /// bytes, and no further than the caps allow.
    pub fn create(&self, source: &str, limit: u64) -> Result<SpoolWriter> {
        let dir = self.source_dir(source);
        let failed = |source| {
            Error::writing(&dir, source, |source| Error::Spool {
                path: dir.clone(),
                source,
            })
        };
        private_dir(&self.dir).map_err(failed)?;
        private_dir(&dir).map_err(failed)?;
        let what = format!("the source {source:?}");
        let mut ledger = lock(&self.ledger);
        if ledger.open_in(&dir) >= MAX_OPEN_PER_SOURCE {
            return Err(Error::BadRequest(format!(
                "{what} is already writing {MAX_OPEN_PER_SOURCE} files; finish one first"
            )));
        }
        ledger.measure(&self.dir).map_err(failed)?;
        let used = ledger.used.get(&dir).copied().unwrap_or(0);
        if let Some(full) = over(self.limits, &what, used, ledger.total(), 1) {
            return Err(full);
        }
        let id = Uuid::new_v4();
        let path = dir.join(id.to_string());
        let file = private_file(&path).map_err(failed)?;
        ledger.open.insert(path.clone(), (dir.clone(), 0));
        drop(ledger);
        Ok(SpoolWriter {
            id,
            path,
            dir,
            what,
            file,
            written: 0,
            limit,
            limits: self.limits,
            ledger: self.ledger.clone(),
            finished: false,
        })
    }

    /// A source's own folder: named by a hash, since a source names itself.
    fn source_dir(&self, source: &str) -> PathBuf {
        let hash = crate::sources::sha256_hex(source.as_bytes());
        self.dir.join(&hash[..16])
    }
}

/// The cap `more` bytes would break, given what the source and the spool
/// hold now.
fn over(limits: SpoolLimits, what: &str, used: u64, total: u64, more: u64) -> Option<Error> {
    if let Some(limit) = limits.per_source.filter(|&l| used + more > l) {
        return Some(Error::SpoolFull {
            what: what.to_owned(),
            limit,
            key: "spoolMaxPerSource",
        });
    }
    if let Some(limit) = limits.total.filter(|&l| total + more > l) {
        return Some(Error::SpoolFull {
            what: "all sources together".into(),
            limit,
            key: "spoolMaxTotal",
        });
    }
    None
}

fn lock(ledger: &Mutex<Ledger>) -> MutexGuard<'_, Ledger> {
    ledger
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Creates `dir` (and its parents) readable by its owner alone, and
/// tightens it if it was there already.
pub(crate) fn private_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        // Best effort: a folder that is not ours to change still works.
        let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
        Ok(())
    }
    #[cfg(not(unix))]
    fs::create_dir_all(dir)
}

/// A new file only its owner can read.
pub(crate) fn private_file(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

impl SpoolWriter {
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Refuses at once a file declared as `size` bytes that cannot fit.
    pub fn ensure_room(&self, size: u64) -> Result<()> {
        let ledger = lock(&self.ledger);
        let used = ledger.used.get(&self.dir).copied().unwrap_or(0);
        let more = size.saturating_sub(self.written);
        match over(self.limits, &self.what, used, ledger.total(), more) {
            Some(full) => Err(full),
            None => Ok(()),
        }
    }

    /// Appends the chunk that starts at `offset`; chunks must come in order.
    pub fn write_at(&mut self, offset: u64, chunk: &[u8]) -> Result<()> {
        if offset != self.written {
            return Err(Error::BadChunk(format!(
                "chunk at offset {offset}, expected {}",
                self.written
            )));
        }
        let more = chunk.len() as u64;
        let end = self.written + more;
        if end > self.limit {
            return Err(Error::TooLarge {
                size: end,
                limit: self.limit,
            });
        }
        self.reserve(more)?;
        if let Err(e) = self.file.write_all(chunk) {
            // The bytes may be partly on disk; the file goes at drop anyway.
            return Err(self.failed(e));
        }
        self.written = end;
        Ok(())
    }

    /// Counts `more` bytes against the caps before they are written.
    fn reserve(&self, more: u64) -> Result<()> {
        let mut ledger = lock(&self.ledger);
        let used = ledger.used.get(&self.dir).copied().unwrap_or(0);
        if let Some(full) = over(self.limits, &self.what, used, ledger.total(), more) {
            return Err(full);
        }
        *ledger.used.entry(self.dir.clone()).or_default() += more;
        if let Some((_, reserved)) = ledger.open.get_mut(&self.path) {
            *reserved += more;
        }
        Ok(())
    }

    /// Makes the bytes durable and hands back the file's path.
    pub fn finish(mut self) -> Result<PathBuf> {
        self.file.sync_all().map_err(|e| self.failed(e))?;
        self.finished = true;
        // Its bytes stay counted until the next measure sees the file gone.
        lock(&self.ledger).open.remove(&self.path);
        Ok(self.path.clone())
    }

    /// Throws the partial file away.
    pub fn abort(self) {
        drop(self);
    }

    fn failed(&self, source: io::Error) -> Error {
        Error::writing(&self.path, source, |source| Error::Spool {
            path: self.path.clone(),
            source,
        })
    }
}

impl Drop for SpoolWriter {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let _ = fs::remove_file(&self.path);
        let mut ledger = lock(&self.ledger);
        if let Some((dir, reserved)) = ledger.open.remove(&self.path) {
            if let Some(used) = ledger.used.get_mut(&dir) {
                *used = used.saturating_sub(reserved);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_writer_dropped_unfinished_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::new(dir.path().join("spool"));
        let mut w = spool.create("s", 6).unwrap();
        w.write_at(0, b"abc").unwrap();
        let path = w.path.clone();
        assert!(path.exists());
        drop(w);
        assert!(!path.exists(), "the partial file stayed");
        let mut w = spool.create("s", 6).unwrap();
        w.write_at(0, b"abc").unwrap();
        let kept = w.finish().unwrap();
        assert_eq!(fs::read(kept).unwrap(), b"abc");
    }

    #[test]
    fn writes_in_order_within_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::new(dir.path().join("spool"));
        let mut w = spool.create("s", 6).unwrap();
        w.write_at(0, b"abc").unwrap();
        assert_eq!(w.write_at(0, b"abc").unwrap_err().kind(), "badChunk");
        assert_eq!(w.write_at(3, b"defg").unwrap_err().kind(), "tooLarge");
        w.write_at(3, b"def").unwrap();
        let path = w.finish().unwrap();
        assert_eq!(fs::read(path).unwrap(), b"abcdef");
    }

    #[test]
    fn abort_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::new(dir.path());
        let mut w = spool.create("s", 10).unwrap();
        w.write_at(0, b"x").unwrap();
        let folder = w.path.parent().unwrap().to_owned();
        w.abort();
        assert_eq!(fs::read_dir(folder).unwrap().count(), 0);
    }

    fn filled(spool: &Spool, source: &str, data: &[u8]) -> Result<PathBuf> {
        let mut w = spool.create(source, u64::MAX)?;
        w.write_at(0, data)?;
        w.finish()
    }

    #[test]
    fn each_source_is_capped_on_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::new(dir.path()).with_limits(SpoolLimits {
            per_source: Some(10),
            total: None,
        });
        filled(&spool, "a", b"12345678").unwrap();
        let mut w = spool.create("a", u64::MAX).unwrap();
        assert_eq!(w.ensure_room(3).unwrap_err().kind(), "spoolFull");
        w.ensure_room(2).unwrap();
        let err = w.write_at(0, b"123").unwrap_err();
        assert_eq!(
            err.to_string(),
            "the spool is full: the source \"a\" may keep at most 10 bytes there (spoolMaxPerSource)"
        );
        w.abort();
        // Another source has its own room.
        filled(&spool, "b", b"1234567890").unwrap();
        let err = spool.create("b", u64::MAX).unwrap_err();
        assert_eq!(err.kind(), "spoolFull");
    }

    proptest::proptest! {
        /// Chunks at any offsets and of any sizes: the file only ever holds
        /// in-order bytes within its limit and the caps.
        #[test]
        fn writes_stay_in_order_and_within_bounds(
            limit in 0u64..4096,
            cap in proptest::option::of(0u64..4096),
            writes in proptest::collection::vec((0u64..5000, 0usize..1500), 0..24),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let spool = Spool::new(dir.path()).with_limits(SpoolLimits { per_source: cap, total: None });
            let Ok(mut w) = spool.create("s", limit) else {
                proptest::prop_assert_eq!(cap, Some(0));
                return Ok(());
            };
            for (offset, len) in writes {
                let before = w.written();
                match w.write_at(offset, &vec![1u8; len]) {
                    Ok(()) => proptest::prop_assert_eq!(w.written(), before + len as u64),
                    Err(e) => {
                        proptest::prop_assert!(matches!(e.kind(), "badChunk" | "tooLarge" | "spoolFull"), "{}", e);
                        proptest::prop_assert_eq!(w.written(), before);
                    }
                }
                proptest::prop_assert!(w.written() <= limit.min(cap.unwrap_or(u64::MAX)));
            }
            let written = w.written();
            let path = w.finish().unwrap();
            proptest::prop_assert_eq!(fs::metadata(path).unwrap().len(), written);
        }
    }

    #[test]
    fn files_written_side_by_side_share_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::new(dir.path()).with_limits(SpoolLimits {
            per_source: Some(10),
            total: None,
        });
        let mut a = spool.create("a", u64::MAX).unwrap();
        let mut b = spool.create("a", u64::MAX).unwrap();
        a.write_at(0, b"123456").unwrap();
        assert_eq!(b.write_at(0, b"123456").unwrap_err().kind(), "spoolFull");
        b.write_at(0, b"1234").unwrap();
        // Room a dropped file reserved comes back at once.
        drop(a);
        b.write_at(4, b"123456").unwrap();
        assert_eq!(b.written(), 10);
        // A source has a bounded number of files open.
        let open: Vec<_> = (0..MAX_OPEN_PER_SOURCE)
            .map(|_| spool.create("c", 0).unwrap())
            .collect();
        let err = spool.create("c", 0).unwrap_err();
        assert_eq!(err.kind(), "badRequest");
        assert!(err.to_string().contains("finish one first"), "{err}");
        spool.create("d", 0).unwrap();
        drop(open);
        spool.create("c", 0).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn the_spool_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("spool");
        fs::create_dir(&root).unwrap();
        fs::set_permissions(&root, fs::Permissions::from_mode(0o755)).unwrap();
        let spool = Spool::new(&root);
        let mut w = spool.create("s", 10).unwrap();
        w.write_at(0, b"x").unwrap();
        let path = w.finish().unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(mode(&root), 0o700, "an existing folder is tightened");
    }

    #[test]
    fn all_sources_together_are_capped() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::new(dir.path()).with_limits(SpoolLimits {
            per_source: Some(100),
            total: Some(12),
        });
        let kept = filled(&spool, "a", b"12345678").unwrap();
        let err = filled(&spool, "b", b"12345").unwrap_err();
        assert!(err.to_string().contains("all sources together"), "{err}");
        assert_eq!(err.kind(), "spoolFull");
        filled(&spool, "b", b"1234").unwrap();
        // Room comes back when a file leaves the spool.
        fs::remove_file(kept).unwrap();
        filled(&spool, "c", b"12345678").unwrap();
    }
}
