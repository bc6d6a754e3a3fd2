//! The ordered list of files a person has chosen, and what happened to them.
//!
//! Files are found by id in constant time (a queue may hold 100,000), and
//! the queue notes which files changed since it was last asked, so that
//! saving writes only those. Each record is shared (`Arc`): the journal's
//! whole rewrite takes the records as they are without copying them, and a
//! record changed meanwhile is copied then (copy on write).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use uuid::Uuid;

use crate::{Error, FileRecord, FileStatus, Result};

#[derive(Debug, Default)]
pub struct Queue {
    files: Vec<Arc<FileRecord>>,
    /// Where each file is in `files`.
    index: HashMap<Uuid, usize>,
    /// Files added, changed or removed since [`Queue::take_changed`], in
    /// the order they first changed.
    changed: Vec<Uuid>,
    changed_set: HashSet<Uuid>,
}

impl Queue {
    #[cfg(test)]
    pub fn push(&mut self, record: FileRecord) {
        self.touch(record.uuid);
        self.index.insert(record.uuid, self.files.len());
        self.files.push(Arc::new(record));
    }

    /// Pushes every record, in order, making room once, not by doubling.
    pub fn extend(&mut self, records: Vec<Arc<FileRecord>>) {
        self.index.reserve(records.len());
        let first = self.files.len();
        for (at, record) in records.iter().enumerate() {
            self.touch(record.uuid);
            self.index.insert(record.uuid, first + at);
        }
        self.files.reserve_exact(records.len());
        self.files.extend(records);
    }

    pub fn files(&self) -> &[Arc<FileRecord>] {
        &self.files
    }

    /// Every record, in order.
    pub fn records(&self) -> impl Iterator<Item = &FileRecord> {
        self.files.iter().map(|f| &**f)
    }

    pub fn get(&self, uuid: Uuid) -> Option<&FileRecord> {
        self.index.get(&uuid).map(|&at| &*self.files[at])
    }

    /// The file, to change: it counts as changed.
    pub fn get_mut(&mut self, uuid: Uuid) -> Result<&mut FileRecord> {
        let at = *self.index.get(&uuid).ok_or(Error::UnknownFile(uuid))?;
        self.touch(uuid);
        Ok(Arc::make_mut(&mut self.files[at]))
    }

    /// The files added, changed or removed since the last call.
    pub fn take_changed(&mut self) -> Vec<Uuid> {
        self.changed_set.clear();
        std::mem::take(&mut self.changed)
    }

    /// Forgets what changed (everything is being saved whole).
    pub fn clear_changed(&mut self) {
        self.changed_set.clear();
        self.changed.clear();
    }

    fn touch(&mut self, uuid: Uuid) {
        if self.changed_set.insert(uuid) {
            self.changed.push(uuid);
        }
    }

    /// Removes a file. A file being uploaded stays: pulling it out from under
    /// the destination would leave a half-written upload behind.
    pub fn remove(&mut self, uuid: Uuid) -> Result<FileRecord> {
        let at = *self.index.get(&uuid).ok_or(Error::UnknownFile(uuid))?;
        if self.files[at].status == FileStatus::Uploading {
            return Err(Error::UploadRunning);
        }
        self.touch(uuid);
        self.index.remove(&uuid);
        let removed = self.files.remove(at);
        for (i, file) in self.files.iter().enumerate().skip(at) {
            self.index.insert(file.uuid, i);
        }
        Ok(Arc::unwrap_or_clone(removed))
    }

    /// The files the next upload sends, in queue order.
    pub fn pending(&self) -> impl Iterator<Item = &FileRecord> {
        self.records().filter(|f| f.is_pending())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str) -> FileRecord {
        FileRecord::new(name.into(), name.into(), "text/plain".into(), 1, "test")
    }

    #[test]
    fn keeps_order_and_finds_by_uuid() {
        let mut q = Queue::default();
        let (a, b) = (record("a"), record("b"));
        let b_id = b.uuid;
        q.push(a);
        q.push(b);
        assert_eq!(q.get_mut(b_id).unwrap().filename, "b");
        let names: Vec<_> = q.files().iter().map(|f| f.filename.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
    }

    #[test]
    fn notes_what_changed_once_in_order() {
        let mut q = Queue::default();
        let (a, b, c) = (record("a"), record("b"), record("c"));
        let ids = [a.uuid, b.uuid, c.uuid];
        q.push(a);
        q.push(b);
        q.push(c);
        q.get_mut(ids[0]).unwrap();
        assert_eq!(q.take_changed(), ids);
        assert!(q.take_changed().is_empty());
        q.remove(ids[0]).unwrap();
        q.get_mut(ids[2]).unwrap().filename = "c2".into();
        assert_eq!(q.take_changed(), [ids[0], ids[2]]);
        // Found by id after a removal moved the others.
        assert_eq!(q.get(ids[2]).unwrap().filename, "c2");
        assert!(q.get(ids[0]).is_none());
    }

    #[test]
    fn extend_keeps_order_and_finds_by_uuid() {
        let mut q = Queue::default();
        let first = vec![Arc::new(record("a")), Arc::new(record("b"))];
        let more = vec![Arc::new(record("c")), Arc::new(record("d"))];
        let ids: Vec<Uuid> = first.iter().chain(&more).map(|r| r.uuid).collect();
        q.extend(first);
        q.extend(more);
        let names: Vec<_> = q.files().iter().map(|f| f.filename.as_str()).collect();
        assert_eq!(names, ["a", "b", "c", "d"]);
        for (id, name) in ids.iter().zip(["a", "b", "c", "d"]) {
            assert_eq!(q.get(*id).unwrap().filename, name);
        }
        assert_eq!(q.take_changed(), ids);
    }

    #[test]
    fn remove_takes_the_file_out_and_unknown_ids_are_errors() {
        let mut q = Queue::default();
        let a = record("a");
        let id = a.uuid;
        q.push(a);
        assert_eq!(q.remove(id).unwrap().filename, "a");
        assert!(q.files().is_empty());
        assert_eq!(q.remove(id).unwrap_err().kind(), "unknownFile");
    }

    #[test]
    fn a_file_being_uploaded_cannot_be_removed() {
        let mut q = Queue::default();
        let mut a = record("a");
        a.status = FileStatus::Uploading;
        let id = a.uuid;
        q.push(a);
        assert_eq!(q.remove(id).unwrap_err().kind(), "uploadRunning");
        assert_eq!(q.files().len(), 1);
    }

    #[test]
    fn pending_skips_done_and_running_files() {
        let mut q = Queue::default();
        for (name, status) in [
            ("q", FileStatus::Queued),
            ("u", FileStatus::Uploading),
            ("d", FileStatus::Done),
            ("f", FileStatus::Failed),
        ] {
            let mut r = record(name);
            r.status = status;
            q.push(r);
        }
        let names: Vec<_> = q.pending().map(|f| f.filename.clone()).collect();
        assert_eq!(names, ["q", "f"]);
    }
}
