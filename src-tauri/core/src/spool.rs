//! The spool: where bytes that have no file of their own on this machine
//! (raw files from sources, fetched URLs) are kept until they are uploaded.
//!
//! Files are written in order, chunk by chunk, so memory stays bounded
//! whatever the size; a spool file is complete only once `finish` says so.
//!
//! Each source writes in a folder of its own, so what it keeps there can be
//! capped (`spoolMaxPerSource`) as well as the whole (`spoolMaxTotal`). The
//! caps are measured on disk when a file starts: files of one source written
//! at the same time may together go past its cap by what each had room for.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use uuid::Uuid;

use crate::{Error, Result};

pub struct Spool {
    dir: PathBuf,
    limits: SpoolLimits,
}

/// Policy caps on what the spool may hold, in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpoolLimits {
    pub per_source: Option<u64>,
    pub total: Option<u64>,
}

/// How much more a new spool file may take before a cap is reached, and
/// which cap that is.
#[derive(Debug, Clone)]
struct Room {
    bytes: u64,
    what: String,
    limit: u64,
    key: &'static str,
}

impl Room {
    fn full(&self) -> Error {
        Error::SpoolFull {
            what: self.what.clone(),
            limit: self.limit,
            key: self.key,
        }
    }
}

/// A spool file being written. Dropped before [`SpoolWriter::finish`]
/// (an error, a window closed mid-way), it takes its partial file with it.
#[derive(Debug)]
pub struct SpoolWriter {
    pub id: Uuid,
    pub path: PathBuf,
    file: File,
    written: u64,
    limit: u64,
    room: Option<Room>,
    finished: bool,
}

impl Spool {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Spool {
            dir: dir.into(),
            limits: SpoolLimits::default(),
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
        fs::create_dir_all(&dir).map_err(failed)?;
        let room = self.room(source, &dir).map_err(failed)?;
        if let Some(room) = room.as_ref().filter(|r| r.bytes == 0) {
            return Err(room.full());
        }
        let id = Uuid::new_v4();
        let path = dir.join(id.to_string());
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(failed)?;
        Ok(SpoolWriter {
            id,
            path,
            file,
            written: 0,
            limit,
            room,
            finished: false,
        })
    }

    /// A source's own folder: named by a hash, since a source names itself.
    fn source_dir(&self, source: &str) -> PathBuf {
        let hash = crate::sources::sha256_hex(source.as_bytes());
        self.dir.join(&hash[..16])
    }

    /// The tighter of the two caps, given what is on disk now.
    fn room(&self, source: &str, dir: &Path) -> io::Result<Option<Room>> {
        let mut room: Option<Room> = None;
        if let Some(limit) = self.limits.per_source {
            room = Some(Room {
                bytes: limit.saturating_sub(bytes_in(dir)?),
                what: format!("the source {source:?}"),
                limit,
                key: "spoolMaxPerSource",
            });
        }
        if let Some(limit) = self.limits.total {
            let mut used = bytes_in(&self.dir)?;
            for entry in fs::read_dir(&self.dir)? {
                let entry = entry?;
                if entry.file_type()?.is_dir() {
                    used += bytes_in(&entry.path())?;
                }
            }
            let bytes = limit.saturating_sub(used);
            if room.as_ref().is_none_or(|r| bytes < r.bytes) {
                room = Some(Room {
                    bytes,
                    what: "all sources together".into(),
                    limit,
                    key: "spoolMaxTotal",
                });
            }
        }
        Ok(room)
    }
}

/// Bytes of the files directly in `dir`.
fn bytes_in(dir: &Path) -> io::Result<u64> {
    let mut total = 0;
    for entry in fs::read_dir(dir)? {
        let meta = entry?.metadata()?;
        if meta.is_file() {
            total += meta.len();
        }
    }
    Ok(total)
}

impl SpoolWriter {
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Refuses at once a file declared as `size` bytes that cannot fit.
    pub fn ensure_room(&self, size: u64) -> Result<()> {
        match &self.room {
            Some(room) if size > room.bytes => Err(room.full()),
            _ => Ok(()),
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
        let end = self.written + chunk.len() as u64;
        if end > self.limit {
            return Err(Error::TooLarge {
                size: end,
                limit: self.limit,
            });
        }
        if let Some(room) = self.room.as_ref().filter(|r| end > r.bytes) {
            return Err(room.full());
        }
        self.file.write_all(chunk).map_err(|e| self.failed(e))?;
        self.written = end;
        Ok(())
    }

    /// Makes the bytes durable and hands back the file's path.
    pub fn finish(mut self) -> Result<PathBuf> {
        self.file.sync_all().map_err(|e| self.failed(e))?;
        self.finished = true;
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
        if !self.finished {
            let _ = fs::remove_file(&self.path);
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
