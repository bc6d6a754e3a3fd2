//! The ordered list of files a person has chosen, and what happened to them.

use uuid::Uuid;

use crate::{Error, FileRecord, FileStatus, Result};

#[derive(Debug, Default)]
pub struct Queue {
    files: Vec<FileRecord>,
}

impl Queue {
    pub fn push(&mut self, record: FileRecord) {
        self.files.push(record);
    }

    pub fn files(&self) -> &[FileRecord] {
        &self.files
    }

    pub fn get_mut(&mut self, uuid: Uuid) -> Result<&mut FileRecord> {
        self.files
            .iter_mut()
            .find(|f| f.uuid == uuid)
            .ok_or(Error::UnknownFile(uuid))
    }

    /// Removes a file. A file being uploaded stays: pulling it out from under
    /// the destination would leave a half-written upload behind.
    pub fn remove(&mut self, uuid: Uuid) -> Result<FileRecord> {
        let at = self
            .files
            .iter()
            .position(|f| f.uuid == uuid)
            .ok_or(Error::UnknownFile(uuid))?;
        if self.files[at].status == FileStatus::Uploading {
            return Err(Error::UploadRunning);
        }
        Ok(self.files.remove(at))
    }

    /// The files the next upload sends, in queue order.
    pub fn pending(&self) -> Vec<FileRecord> {
        self.files
            .iter()
            .filter(|f| f.is_pending())
            .cloned()
            .collect()
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
        let names: Vec<_> = q.pending().into_iter().map(|f| f.filename).collect();
        assert_eq!(names, ["q", "f"]);
    }
}
