//! Raw files on their way into the spool, chunk by chunk, each kept with
//! the source sending it: only that source may add to it, finish it or
//! drop it.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use uuid::Uuid;

use crate::spool::SpoolWriter;
use crate::{Error, Result};

/// A raw file on its way into the spool, and what its source said of it.
pub(crate) struct RawUpload {
    pub source: String,
    pub name: String,
    pub mime: Option<String>,
    pub size: u64,
    pub writer: SpoolWriter,
}

/// Raw files being streamed in from sources, by spool id.
#[derive(Default)]
pub(crate) struct Incoming(Mutex<HashMap<Uuid, RawUpload>>);

impl Incoming {
    fn lock(&self) -> MutexGuard<'_, HashMap<Uuid, RawUpload>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn insert(&self, upload: RawUpload) -> Uuid {
        let id = upload.writer.id;
        self.lock().insert(id, upload);
        id
    }

    /// Writes one chunk of `source`'s raw file; a failed write drops the
    /// file. Blocking (a disk write).
    pub fn write(&self, source: &str, spool: Uuid, offset: u64, bytes: &[u8]) -> Result<()> {
        let mut uploads = self.lock();
        let upload = uploads
            .get_mut(&spool)
            .filter(|u| u.source == source)
            .ok_or_else(|| unknown(spool))?;
        let written = upload.writer.write_at(offset, bytes);
        if written.is_err() {
            if let Some(upload) = uploads.remove(&spool) {
                upload.writer.abort();
            }
        }
        written
    }

    /// Takes `source`'s raw file out, to be finished.
    pub fn take(&self, source: &str, spool: Uuid) -> Result<RawUpload> {
        let mut uploads = self.lock();
        match uploads.get(&spool) {
            Some(u) if u.source == source => uploads.remove(&spool),
            _ => None,
        }
        .ok_or_else(|| unknown(spool))
    }

    /// Drops `source`'s raw file and its partial bytes.
    pub fn abort(&self, source: &str, spool: Uuid) {
        if let Ok(upload) = self.take(source, spool) {
            upload.writer.abort();
        }
    }

    /// Drops every raw file still arriving, partial bytes and all.
    pub fn clear(&self) {
        self.lock().clear();
    }
}

fn unknown(spool: Uuid) -> Error {
    Error::BadChunk(format!("no raw file {spool} from this source"))
}
