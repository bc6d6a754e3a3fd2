//! The picker's state and the one place that changes it.
//!
//! Every change ends with a [`Snapshot`] sent to the [`EventSink`], so
//! whoever draws the picker only ever renders what is here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::destination::{Destination, Progress, UploadItem};
use crate::events::{EventSink, Notice, Snapshot, Totals};
use crate::fetch::Fetcher;
use crate::options::PickerOptions;
use crate::queue::Queue;
use crate::spool::{Spool, SpoolWriter};
use crate::{
    mime, paths, restrictions, scan, Error, ErrorInfo, FileRecord, FileStatus, Origin, Result,
    UploadDone,
};

/// Progress snapshots are sent at most this often; a UI cannot show more.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

pub struct Picker {
    pub(crate) shared: Arc<Shared>,
    destination: Arc<dyn Destination>,
    pub(crate) options: PickerOptions,
    pub(crate) spool: Spool,
    fetcher: OnceLock<Fetcher>,
    /// Raw files being streamed in from sources, by spool id.
    pub(crate) raw: Mutex<HashMap<Uuid, RawUpload>>,
}

pub(crate) struct Shared {
    state: Mutex<State>,
    sink: Arc<dyn EventSink>,
}

/// A raw file on its way into the spool, and the source sending it.
pub(crate) struct RawUpload {
    pub source: String,
    pub name: String,
    pub mime: Option<String>,
    pub size: u64,
    pub writer: SpoolWriter,
}

#[derive(Default)]
pub(crate) struct State {
    pub(crate) queue: Queue,
    notices: Vec<Notice>,
    next_notice: u64,
    run: Option<Run>,
    finished: bool,
    last_progress: Option<Instant>,
    revision: u64,
}

/// The upload that is running.
struct Run {
    started: Instant,
    /// Bytes already at the destination when it started (for the rate).
    transferred_before: u64,
}

/// What adding paths did: the files now queued and what could not be added.
#[derive(Debug, Default)]
pub struct AddOutcome {
    pub added: Vec<FileRecord>,
    pub errors: Vec<ErrorInfo>,
}

impl Picker {
    pub fn new(destination: Arc<dyn Destination>, sink: Arc<dyn EventSink>) -> Self {
        Picker {
            shared: Arc::new(Shared {
                state: Mutex::new(State::default()),
                sink,
            }),
            destination,
            options: PickerOptions::default(),
            spool: Spool::new(paths::spool_dir()),
            fetcher: OnceLock::new(),
            raw: Mutex::new(HashMap::new()),
        }
    }

    pub fn with_options(mut self, options: PickerOptions) -> Self {
        self.options = options;
        self
    }

    pub fn with_spool_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.spool = Spool::new(dir);
        self
    }

    pub fn options(&self) -> &PickerOptions {
        &self.options
    }

    pub(crate) fn fetcher(&self) -> Result<&Fetcher> {
        if let Some(fetcher) = self.fetcher.get() {
            return Ok(fetcher);
        }
        let fetcher = Fetcher::new()?;
        Ok(self.fetcher.get_or_init(|| fetcher))
    }

    /// Adds records all together or not at all, within `maxFiles`.
    pub(crate) fn admit(&self, records: Vec<FileRecord>) -> Result<()> {
        self.update(|state| {
            let max = self.options.max_files;
            if state.queue.files().len() + records.len() > max {
                return Err(Error::TooManyFiles { max });
            }
            for record in records {
                state.queue.push(record);
            }
            state.finished = false;
            Ok(())
        })
    }

    /// Whether one more file would fit under `maxFiles`.
    pub(crate) fn has_room(&self) -> Result<()> {
        let max = self.options.max_files;
        if self.shared.lock().queue.files().len() >= max {
            return Err(Error::TooManyFiles { max });
        }
        Ok(())
    }

    pub fn snapshot(&self) -> Snapshot {
        self.shared
            .snapshot(&self.shared.lock(), &self.destination.describe())
    }

    /// Queues files and, recursively, the files in folders. Paths that cannot
    /// be added are reported (and shown as notices); the rest are still added.
    /// Blocking: reads the start of every file to detect its type.
    pub fn add_paths(&self, paths: &[PathBuf], source: &str) -> AddOutcome {
        let mut outcome = AddOutcome::default();
        for found in paths.iter().flat_map(|p| scan::files_at(p)) {
            let described = found
                .and_then(|path| describe_file(path, source))
                .and_then(|record| {
                    restrictions::check(
                        &self.options,
                        &record.filename,
                        &record.mime,
                        Some(record.size),
                    )?;
                    Ok(record)
                });
            match described {
                Ok(record) => outcome.added.push(record),
                Err(e) => outcome.errors.push(e.info()),
            }
        }
        if !outcome.added.is_empty() {
            if let Err(e) = self.admit(outcome.added.clone()) {
                // Nothing is half-added: past maxFiles, none of them go in.
                outcome.added.clear();
                outcome.errors.push(e.info());
            }
        }
        self.update(|state| {
            for error in &outcome.errors {
                state.notify(error.clone());
            }
        });
        outcome
    }

    pub fn remove(&self, uuid: Uuid) -> Result<FileRecord> {
        let removed = self.update(|state| state.queue.remove(uuid))?;
        discard_spooled(&removed);
        Ok(removed)
    }

    /// Shows an error that belongs to no one file (a broken config, say).
    pub fn notify(&self, error: ErrorInfo) {
        self.update(|state| state.notify(error));
    }

    pub fn dismiss_notice(&self, id: u64) {
        self.update(|state| state.notices.retain(|n| n.id != id));
    }

    /// The result in Filestack's `onUploadDone` shape.
    pub fn result(&self) -> UploadDone {
        UploadDone::from_files(self.shared.lock().queue.files())
    }

    /// Sends every queued (or previously failed) file to the destination, one
    /// after another. Files that fail are marked failed and the rest go on; a
    /// destination that cannot be used at all fails the whole run up front
    /// and leaves every file queued.
    pub async fn upload(&self) -> Result<UploadDone> {
        let pending = self.update(|state| {
            if state.run.is_some() {
                return Err(Error::UploadRunning);
            }
            let pending = state.queue.pending();
            if pending.is_empty() {
                return Err(Error::NothingToUpload);
            }
            let min = self.options.min_files;
            if state.queue.files().len() < min {
                return Err(Error::TooFewFiles { min });
            }
            state.run = Some(Run {
                started: Instant::now(),
                transferred_before: state.transferred(),
            });
            Ok(pending)
        })?;

        if let Err(e) = self.destination.prepare().await {
            self.update(|state| {
                state.run = None;
                state.notify(e.info());
            });
            return Err(e);
        }
        let mut batch = pending;
        loop {
            for file in batch {
                self.upload_one(file).await;
            }
            // Files added while this run went on (uploadInBackground) join
            // it; the check and the end of the run are one step, so a file
            // added meanwhile is never left behind.
            batch = self.update(|state| {
                let next = state.queue.pending_not_failed();
                if next.is_empty() {
                    state.run = None;
                    state.finished = state.queue.pending().is_empty();
                }
                next
            });
            if batch.is_empty() {
                break;
            }
        }
        Ok(UploadDone::from_files(self.shared.lock().queue.files()))
    }

    async fn upload_one(&self, file: FileRecord) {
        let started = self.update(|state| {
            let record = state.queue.get_mut(file.uuid)?;
            record.status = FileStatus::Uploading;
            record.transferred = 0;
            record.error = None;
            Ok::<_, Error>(())
        });
        if started.is_err() {
            return; // removed from the queue since the upload began
        }
        let path = match self.materialize(&file).await {
            Ok(path) => path,
            Err(e) => {
                self.update(|state| {
                    if let Ok(record) = state.queue.get_mut(file.uuid) {
                        record.status = FileStatus::Failed;
                        record.error = Some(e.info());
                    }
                });
                return;
            }
        };
        let item = UploadItem {
            path,
            filename: file.filename.clone(),
            mime: file.mime.clone(),
            size: file.size,
        };
        let progress = Arc::new(FileProgress {
            shared: self.shared.clone(),
            uuid: file.uuid,
            destination: self.destination.describe(),
        });
        let outcome = self.destination.upload(&item, progress).await;
        self.update(|state| {
            let Ok(record) = state.queue.get_mut(file.uuid) else {
                return;
            };
            match outcome {
                Ok(landed) => {
                    record.status = FileStatus::Done;
                    record.transferred = record.size;
                    record.landed = Some(landed.url);
                    // Uploaded bytes need no spool copy any more.
                    discard_spooled(record);
                }
                Err(e) => {
                    record.status = FileStatus::Failed;
                    record.error = Some(e.info());
                }
            }
        });
    }

    /// Applies a change and tells the sink.
    pub(crate) fn update<T>(&self, change: impl FnOnce(&mut State) -> T) -> T {
        let (value, snapshot) = {
            let mut state = self.shared.lock();
            let value = change(&mut state);
            state.revision += 1;
            (
                value,
                self.shared.snapshot(&state, &self.destination.describe()),
            )
        };
        self.shared.sink.state_changed(&snapshot);
        value
    }
}

/// Removes Satchel's own copy of a file's bytes, never a person's file.
fn discard_spooled(record: &FileRecord) {
    if record.origin != Origin::Local && !record.path.as_os_str().is_empty() {
        let _ = std::fs::remove_file(&record.path);
    }
}

fn describe_file(path: PathBuf, source: &str) -> Result<FileRecord> {
    let meta = std::fs::metadata(&path).map_err(|e| Error::reading(&path, e))?;
    let mime = mime::sniff(&path).map_err(|e| Error::reading(&path, e))?;
    let filename = file_name(&path);
    Ok(FileRecord::new(path, filename, mime, meta.len(), source))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

impl State {
    fn notify(&mut self, error: ErrorInfo) {
        self.next_notice += 1;
        self.notices.push(Notice {
            id: self.next_notice,
            error,
        });
    }

    fn transferred(&self) -> u64 {
        self.queue.files().iter().map(|f| f.transferred).sum()
    }
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere must not take the picker down with it: the state
        // is plain data and stays usable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn snapshot(&self, state: &State, destination: &str) -> Snapshot {
        let files = state.queue.files();
        let size: u64 = files.iter().map(|f| f.size).sum();
        let transferred = state.transferred();
        let (rate, eta) = match &state.run {
            Some(run) => {
                let secs = run.started.elapsed().as_secs_f64();
                let sent = transferred.saturating_sub(run.transferred_before) as f64;
                let rate = (secs > 0.2 && sent > 0.0).then(|| sent / secs);
                let eta = rate.map(|r| size.saturating_sub(transferred) as f64 / r);
                (rate, eta)
            }
            None => (None, None),
        };
        Snapshot {
            revision: state.revision,
            files: files.to_vec(),
            totals: Totals {
                files: files.len(),
                size,
                transferred,
                rate,
                eta,
            },
            uploading: state.run.is_some(),
            finished: state.finished,
            destination: destination.to_owned(),
            notices: state.notices.clone(),
        }
    }
}

/// Reports one file's progress into the picker, throttled.
struct FileProgress {
    shared: Arc<Shared>,
    uuid: Uuid,
    destination: String,
}

impl Progress for FileProgress {
    fn advanced(&self, transferred: u64) {
        let snapshot = {
            let mut state = self.shared.lock();
            if let Ok(record) = state.queue.get_mut(self.uuid) {
                record.transferred = transferred.min(record.size);
            }
            state.revision += 1;
            let due = state
                .last_progress
                .is_none_or(|at| at.elapsed() >= PROGRESS_INTERVAL);
            if !due {
                return;
            }
            state.last_progress = Some(Instant::now());
            self.shared.snapshot(&state, &self.destination)
        };
        self.shared.sink.state_changed(&snapshot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FolderDestination, NoEvents};
    use std::fs;

    struct Recorder(Mutex<Vec<Snapshot>>);
    impl EventSink for Recorder {
        fn state_changed(&self, snapshot: &Snapshot) {
            self.0.lock().unwrap().push(snapshot.clone());
        }
    }

    #[tokio::test]
    async fn adds_uploads_and_reports_every_change() {
        let src = tempfile::tempdir().unwrap();
        let dest = tempfile::tempdir().unwrap();
        fs::write(src.path().join("a.txt"), b"hello").unwrap();
        fs::create_dir(src.path().join("sub")).unwrap();
        fs::write(src.path().join("sub/b.png"), b"\x89PNG\r\n\x1a\n....").unwrap();
        let recorder = Arc::new(Recorder(Mutex::new(vec![])));
        let picker = Picker::new(
            Arc::new(FolderDestination::new(dest.path())),
            recorder.clone(),
        );

        let outcome = picker.add_paths(
            &[
                src.path().join("a.txt"),
                src.path().join("sub"),
                src.path().join("nope"),
            ],
            "local_file_system",
        );
        assert_eq!(outcome.added.len(), 2);
        assert_eq!(outcome.added[1].mime, "image/png");
        assert_eq!(outcome.errors.len(), 1);
        assert_eq!(outcome.errors[0].kind, "notFound");
        assert_eq!(picker.snapshot().notices.len(), 1);

        let done = picker.upload().await.unwrap();
        assert_eq!(done.files_uploaded.len(), 2);
        assert!(done.files_failed.is_empty());
        assert_eq!(fs::read(dest.path().join("a.txt")).unwrap(), b"hello");
        assert!(dest.path().join("b.png").exists());

        let snapshots = recorder.0.lock().unwrap();
        let last = snapshots.last().unwrap();
        assert!(last.finished && !last.uploading);
        assert_eq!(last.totals.transferred, last.totals.size);
        assert!(snapshots.iter().any(|s| s.uploading));
        assert!(last.files.iter().all(|f| f.status == FileStatus::Done));
    }

    #[tokio::test]
    async fn an_unwritable_destination_fails_once_and_loses_nothing() {
        let src = tempfile::tempdir().unwrap();
        fs::write(src.path().join("a.txt"), b"a").unwrap();
        fs::write(src.path().join("blocker"), b"").unwrap();
        let picker = Picker::new(
            Arc::new(FolderDestination::new(src.path().join("blocker/dest"))),
            Arc::new(NoEvents),
        );
        picker.add_paths(&[src.path().join("a.txt")], "local_file_system");

        let err = picker.upload().await.unwrap_err();
        assert_eq!(err.kind(), "destinationUnwritable");
        let state = picker.snapshot();
        assert!(!state.uploading);
        assert_eq!(state.files[0].status, FileStatus::Queued);
        assert_eq!(state.notices[0].error.kind, "destinationUnwritable");
        assert_eq!(fs::read(src.path().join("a.txt")).unwrap(), b"a");
    }

    #[tokio::test]
    async fn nothing_to_upload_is_an_error_and_removed_files_stay_removed() {
        let src = tempfile::tempdir().unwrap();
        fs::write(src.path().join("a.txt"), b"a").unwrap();
        let picker = Picker::new(
            Arc::new(FolderDestination::new(src.path().join("out"))),
            Arc::new(NoEvents),
        );
        let added = picker.add_paths(&[src.path().join("a.txt")], "local_file_system");
        picker.remove(added.added[0].uuid).unwrap();
        assert_eq!(picker.upload().await.unwrap_err().kind(), "nothingToUpload");
        assert!(!src.path().join("out").exists());
    }

    #[tokio::test]
    async fn a_failed_file_is_reported_and_retried_next_time() {
        let src = tempfile::tempdir().unwrap();
        let dest = tempfile::tempdir().unwrap();
        let path = src.path().join("a.txt");
        fs::write(&path, b"a").unwrap();
        let picker = Picker::new(
            Arc::new(FolderDestination::new(dest.path())),
            Arc::new(NoEvents),
        );
        picker.add_paths(std::slice::from_ref(&path), "local_file_system");
        fs::remove_file(&path).unwrap();

        let done = picker.upload().await.unwrap();
        assert_eq!(done.files_failed.len(), 1);
        assert_eq!(
            done.files_failed[0].error.as_ref().unwrap().kind,
            "notFound"
        );
        assert!(!picker.snapshot().finished);

        fs::write(&path, b"a").unwrap();
        let done = picker.upload().await.unwrap();
        assert_eq!(done.files_uploaded.len(), 1);
        assert!(done.files_failed.is_empty());
    }
}
