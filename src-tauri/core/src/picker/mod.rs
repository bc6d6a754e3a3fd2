//! The picker: the queue of chosen files, and the one place that changes it.
//!
//! Every change goes through [`Picker::update`] and ends with a
//! [`Snapshot`] sent to the [`EventSink`], so whoever draws the picker only
//! ever renders what is here. The picker is split by concern:
//! - `state.rs`: the state as plain data (queue, notices, the run's books);
//! - `shared.rs`: what the uploads' tasks share with it (lock, sink, wake-ups);
//! - `saving.rs`: what goes to the journal, and when;
//! - `run.rs`: the upload run (scheduler, per-file tasks, pause and cancel,
//!   `uploadInBackground`, the files' resume slots);
//! - `progress.rs`: a file's progress, rate and time left;
//! - `pictures.rs`: thumbnails, edits and pictures processed before upload.
//!
//! What sources may do to the queue is in `source_api.rs`, over the small
//! methods this file offers.

mod pictures;
mod progress;
mod run;
mod saving;
mod shared;
mod state;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use uuid::Uuid;

use crate::destination::Destination;
use crate::events::{EventSink, Notice, Sending, Snapshot};
use crate::fetch::{Fetched, Fetcher};
use crate::incoming::Incoming;
use crate::network::NetworkPolicy;
use crate::options::PickerOptions;
use crate::persist::{Journal, SavedQueue, Store};
use crate::spool::{Spool, SpoolLimits};
use crate::{
    mime, paths, restrictions, scan, Error, ErrorInfo, FileRecord, FileStatus, Headers, Origin,
    Result, UploadDone,
};
use saving::Persist;
use shared::Shared;
use state::State;

/// Files sent at once unless told otherwise: enough to hide one file's
/// round trips behind another's (four is Filestack's choice too), few
/// enough not to swamp a home uplink.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// Files under this size are small: their time goes in round trips, not
/// bytes, so unless told an exact number ([`Picker::with_concurrency`])
/// [`SMALL_PER_SLOT`] of them share the slot of one larger file.
pub const SMALL_FILE: u64 = 1 << 20;
pub const SMALL_PER_SLOT: usize = 4;

pub struct Picker {
    shared: Arc<Shared>,
    destination: Arc<dyn Destination>,
    concurrency: usize,
    /// Whether small files share slots (the default), or `concurrency` is
    /// exact.
    share_slots: bool,
    background: bool,
    options: PickerOptions,
    spool: Spool,
    spool_limits: SpoolLimits,
    fetcher: OnceLock<Fetcher>,
    network: Arc<NetworkPolicy>,
    /// Adds sources' sign-in tokens to what is fetched for them.
    authorizer: Option<Arc<dyn crate::auth::Authorizer>>,
    incoming: Incoming,
}

/// What adding paths did: the ids of the files now queued (the records are
/// in the queue, not copied here: there may be 100,000) and what could not
/// be added.
#[derive(Debug, Default)]
pub struct AddOutcome {
    pub added: Vec<Uuid>,
    pub errors: Vec<ErrorInfo>,
}

impl Picker {
    pub fn new(destination: Arc<dyn Destination>, sink: Arc<dyn EventSink>) -> Self {
        Picker {
            shared: Arc::new(Shared::new(sink)),
            destination,
            concurrency: DEFAULT_CONCURRENCY,
            share_slots: true,
            background: false,
            options: PickerOptions::default(),
            spool: Spool::new(paths::spool_dir()),
            spool_limits: SpoolLimits::default(),
            fetcher: OnceLock::new(),
            network: Arc::new(NetworkPolicy::default()),
            authorizer: None,
            incoming: Incoming::default(),
        }
    }

    /// The picker's options; `uploadInBackground` among them turns on
    /// [`Picker::with_background`].
    pub fn with_options(mut self, options: PickerOptions) -> Self {
        self.background = self.background || options.upload_in_background;
        self.options = options;
        self
    }

    /// Which addresses sources may have Satchel fetch from (the SSRF guard).
    pub fn with_network(mut self, network: NetworkPolicy) -> Self {
        self.network = Arc::new(network);
        self
    }

    pub fn with_spool_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.spool = Spool::new(dir).with_limits(self.spool_limits);
        self
    }

    /// Sources that sign in get their token on the requests Satchel makes
    /// for them to their `connect` origins.
    pub fn with_authorizer(mut self, authorizer: Arc<dyn crate::auth::Authorizer>) -> Self {
        self.authorizer = Some(authorizer);
        self
    }

    /// The policy's caps on what sources may keep in the spool.
    pub fn with_spool_limits(mut self, limits: SpoolLimits) -> Self {
        self.spool_limits = limits;
        self.spool = std::mem::replace(&mut self.spool, Spool::new("")).with_limits(limits);
        self
    }

    /// `uploadInBackground`: files added while an upload runs join it, and
    /// the run lasts until none is left; [`Picker::upload_in_background`]
    /// starts a run when files are added.
    pub fn with_background(mut self, on: bool) -> Self {
        self.background = on;
        self
    }

    /// Exactly how many files are sent at the same time (at least one),
    /// whatever their size.
    pub fn with_concurrency(mut self, files: usize) -> Self {
        self.concurrency = files.max(1);
        self.share_slots = false;
        self
    }

    /// Saves the queue, with every upload's resume state, to `store` after
    /// each change, so that `satchel resume` can finish it after a crash.
    /// `destination` is the `--to` the queue goes to.
    /// Saving never makes an upload wait, except for resume state (a tus
    /// URL), which is on disk before any byte is sent against it; see
    /// [`Picker::saved`].
    pub fn with_store(self, store: Store, destination: impl Into<String>) -> Self {
        let shared = Arc::downgrade(&self.shared);
        // A failed save becomes a notice (once): the upload itself goes on,
        // only its crash safety is lost.
        let journal = Journal::start(store, destination.into(), move |e| {
            if let Some(shared) = shared.upgrade() {
                let mut state = shared.lock();
                if !state.has_notice(e.kind()) {
                    state.notify(e.info());
                    state.changed();
                }
            }
        });
        self.shared.save_to(Persist::new(journal));
        self
    }

    pub fn options(&self) -> &PickerOptions {
        &self.options
    }

    /// Where Satchel keeps bytes that have no file of their own.
    pub(crate) fn spool(&self) -> &Spool {
        &self.spool
    }

    /// Raw files on their way into the spool.
    pub(crate) fn incoming(&self) -> &Incoming {
        &self.incoming
    }

    pub(crate) fn fetcher(&self) -> Result<&Fetcher> {
        if let Some(fetcher) = self.fetcher.get() {
            return Ok(fetcher);
        }
        let fetcher = Fetcher::new(self.network.clone())?;
        Ok(self.fetcher.get_or_init(|| fetcher))
    }

    /// The source's headers, plus `Authorization: Bearer …` when the
    /// source signs in, `url` is on one of its `connect` origins and it set
    /// no `Authorization` itself. The result lives only as long as the
    /// request: a record keeps the source's own headers, never the token.
    pub(crate) async fn with_bearer(
        &self,
        source: &str,
        url: &str,
        headers: &Headers,
    ) -> Result<Headers> {
        let Some(authorizer) = &self.authorizer else {
            return Ok(headers.clone());
        };
        if headers
            .keys()
            .any(|k| k.eq_ignore_ascii_case("authorization"))
        {
            return Ok(headers.clone());
        }
        let mut headers = headers.clone();
        if let Some(token) = authorizer.bearer(source, url).await? {
            headers.insert("Authorization".into(), format!("Bearer {}", token.expose()));
        }
        Ok(headers)
    }

    /// Streams a URL into a new spool file (at most `maxSize` bytes); on
    /// failure nothing is left in the spool.
    pub(crate) async fn fetch_to_spool(
        &self,
        source: &str,
        url: &str,
        headers: &Headers,
    ) -> Result<(PathBuf, Fetched)> {
        let limit = self.options.max_size.unwrap_or(u64::MAX);
        let headers = self.with_bearer(source, url, headers).await?;
        let mut writer = self.spool.create(source, limit)?;
        match self.fetcher()?.fetch_into(url, &headers, &mut writer).await {
            Ok(fetched) => Ok((writer.finish()?, fetched)),
            Err(e) => {
                writer.abort();
                Err(e)
            }
        }
    }

    /// What `look` makes of every queued file it picks, in queue order.
    pub(crate) fn files_where<T>(&self, look: impl FnMut(&FileRecord) -> Option<T>) -> Vec<T> {
        self.shared
            .lock()
            .queue()
            .records()
            .filter_map(look)
            .collect()
    }

    /// Changes one queued file (saved and sent like every change).
    pub(crate) fn change_file<T>(
        &self,
        uuid: Uuid,
        change: impl FnOnce(&mut FileRecord) -> T,
    ) -> Result<T> {
        self.update(|state| state.queue_mut().get_mut(uuid).map(change))
    }

    /// Adds records all together or not at all, within `maxFiles`.
    pub(crate) fn admit(&self, records: Vec<Arc<FileRecord>>) -> Result<()> {
        self.update(|state| {
            let max = self.options.max_files;
            if state.queue().files().len() + records.len() > max {
                return Err(Error::TooManyFiles { max });
            }
            state.add(records);
            Ok(())
        })?;
        self.shared.added.notify_one();
        self.shared.queued.notify_one();
        Ok(())
    }

    /// Whether one more file would fit under `maxFiles`.
    pub(crate) fn has_room(&self) -> Result<()> {
        let max = self.options.max_files;
        if self.shared.lock().queue().files().len() >= max {
            return Err(Error::TooManyFiles { max });
        }
        Ok(())
    }

    /// Resolves once every change made so far is saved (at once without a
    /// store).
    pub async fn saved(&self) {
        if let Some(persist) = self.shared.store() {
            persist.all_durable().await;
        }
    }

    /// [`Picker::saved`], blocking the thread.
    pub fn saved_blocking(&self) {
        if let Some(persist) = self.shared.store() {
            persist.all_durable_blocking();
        }
    }

    /// Puts a saved queue back, as it was (files being sent when the
    /// process died are queued again, with their resume state).
    pub fn restore(&self, saved: SavedQueue) {
        let records = saved
            .files
            .into_iter()
            .map(|f| Arc::new(f.into()))
            .collect();
        self.update(|state| state.add(records));
        self.saved_blocking();
        self.shared.queued.notify_one();
    }

    /// The queued file with this id, as it is now.
    pub fn file(&self, uuid: Uuid) -> Result<FileRecord> {
        self.shared
            .lock()
            .queue()
            .get(uuid)
            .cloned()
            .ok_or(Error::UnknownFile(uuid))
    }

    pub fn snapshot(&self) -> Snapshot {
        self.shared.lock().snapshot(&self.destination.describe())
    }

    /// The files being sent now and how many are through, without copying
    /// the queue (for a progress display of a queue of 100,000).
    pub fn sending(&self) -> Sending {
        self.shared.lock().sending()
    }

    /// Whether every queued file landed: a [`Picker::snapshot`]'s question
    /// without copying the queue.
    pub fn all_done(&self) -> bool {
        let state = self.shared.lock();
        let all = state
            .queue()
            .records()
            .all(|f| f.status == FileStatus::Done);
        all
    }

    /// The notices shown now: a [`Picker::snapshot`]'s, without the queue.
    pub fn notices(&self) -> Vec<Notice> {
        self.shared.lock().notices().to_vec()
    }

    /// Queues files and, recursively, the files in folders. Paths that cannot
    /// be added are reported (and shown as notices); the rest are still added.
    /// Blocking: reads the start of every file to detect its type.
    pub fn add_paths(&self, paths: &[PathBuf], source: &str) -> AddOutcome {
        let mut outcome = AddOutcome::default();
        let found: Vec<_> = paths.iter().flat_map(|p| scan::files_at(p)).collect();
        let mut records = Vec::with_capacity(found.len());
        for found in found {
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
                Ok(record) => records.push(Arc::new(record)),
                Err(e) => outcome.errors.push(e.info()),
            }
        }
        if !records.is_empty() {
            let ids = records.iter().map(|r| r.uuid).collect();
            match self.admit(records) {
                Ok(()) => outcome.added = ids,
                // Nothing is half-added: past maxFiles, none of them go in.
                Err(e) => outcome.errors.push(e.info()),
            }
        }
        if !outcome.errors.is_empty() {
            self.update(|state| {
                for error in &outcome.errors {
                    state.notify(error.clone());
                }
            });
        }
        // Files a person added are kept from here on, even through a crash.
        self.saved_blocking();
        outcome
    }

    /// Takes a file out of the queue. What an unfinished upload of it left
    /// on the server stays there until [`Picker::discard`] is given the record.
    pub fn remove(&self, uuid: Uuid) -> Result<FileRecord> {
        let removed = self.update(|state| state.queue_mut().remove(uuid))?;
        discard_spooled(&removed);
        Ok(removed)
    }

    /// Drops on the server what an unfinished upload of `record` left there
    /// (see [`Destination::discard`]); nothing when it left nothing.
    pub async fn discard(&self, record: &FileRecord) -> Result<()> {
        match &record.resume {
            Some(state) => self.destination.discard(state.clone()).await,
            None => Ok(()),
        }
    }

    /// Shows an error that belongs to no one file (a broken config, say).
    pub fn notify(&self, error: ErrorInfo) {
        self.update(|state| state.notify(error));
    }

    /// Shows the person something that is not tied to one file.
    pub fn notice(&self, info: ErrorInfo) {
        self.update(|state| state.notify(info));
    }

    pub fn dismiss_notice(&self, id: u64) {
        self.update(|state| state.dismiss(id));
    }

    /// The result in Filestack's `onUploadDone` shape.
    pub fn result(&self) -> UploadDone {
        UploadDone::from_files(self.shared.lock().queue().records())
    }

    /// Applies a change, saves the queue and tells the sink.
    fn update<T>(&self, change: impl FnOnce(&mut State) -> T) -> T {
        self.apply(change, true)
    }

    /// Applies a change that leaves the saved queue as it was, and tells the sink.
    fn update_unsaved<T>(&self, change: impl FnOnce(&mut State) -> T) -> T {
        self.apply(change, false)
    }

    fn apply<T>(&self, change: impl FnOnce(&mut State) -> T, save: bool) -> T {
        let (value, snapshot) = {
            let mut state = self.shared.lock();
            let value = change(&mut state);
            state.changed();
            if save {
                // Under the lock that made the change: saved in its order.
                self.shared.record(&mut state);
            }
            let snapshot = self
                .shared
                .sink
                .wants_snapshots()
                .then(|| state.snapshot(&self.destination.describe()));
            (value, snapshot)
        };
        match snapshot {
            Some(snapshot) => self.shared.sink.state_changed(&snapshot),
            None => self.shared.sink.changed(),
        }
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
