//! The spool: where bytes that have no file of their own on this machine
//! (raw files from sources, fetched URLs) are kept until they are uploaded.
//!
//! Files are written in order, chunk by chunk, so memory stays bounded
//! whatever the size; a spool file is complete only once `finish` says so.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::PathBuf;

use uuid::Uuid;

use crate::{Error, Result};

pub struct Spool {
    dir: PathBuf,
}

/// A spool file being written.
#[derive(Debug)]
pub struct SpoolWriter {
    pub id: Uuid,
    pub path: PathBuf,
    file: File,
    written: u64,
    limit: u64,
}

impl Spool {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Spool { dir: dir.into() }
    }

    /// Starts a spool file that may grow to at most `limit` bytes.
    pub fn create(&self, limit: u64) -> Result<SpoolWriter> {
        let failed = |source| Error::Spool {
            path: self.dir.clone(),
            source,
        };
        fs::create_dir_all(&self.dir).map_err(failed)?;
        let id = Uuid::new_v4();
        let path = self.dir.join(id.to_string());
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
        })
    }
}

impl SpoolWriter {
    pub fn written(&self) -> u64 {
        self.written
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
        self.file.write_all(chunk).map_err(|e| self.failed(e))?;
        self.written = end;
        Ok(())
    }

    /// Makes the bytes durable and hands back the file's path.
    pub fn finish(self) -> Result<PathBuf> {
        self.file.sync_all().map_err(|e| self.failed(e))?;
        Ok(self.path)
    }

    /// Throws the partial file away.
    pub fn abort(self) {
        drop(self.file);
        let _ = fs::remove_file(&self.path);
    }

    fn failed(&self, source: io::Error) -> Error {
        Error::Spool {
            path: self.path.clone(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_in_order_within_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::new(dir.path().join("spool"));
        let mut w = spool.create(6).unwrap();
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
        let mut w = spool.create(10).unwrap();
        w.write_at(0, b"x").unwrap();
        w.abort();
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
