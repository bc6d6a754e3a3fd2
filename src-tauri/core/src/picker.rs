//! The picker's state and the one place that changes it.
//!
//! Every change ends with a [`Snapshot`] sent to the [`EventSink`], so
//! whoever draws the picker only ever renders what is here.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::destination::{Destination, Progress, ResumeSlot, UploadContext};
use crate::events::{EventSink, Notice, Snapshot, Totals};
use crate::fetch::Fetcher;
use crate::network::NetworkPolicy;
use crate::options::PickerOptions;
use crate::persist::{Entry, Journal, SavedFile, SavedQueue, Store};
use crate::queue::Queue;
use crate::spool::{Spool, SpoolLimits, SpoolWriter};
use crate::{
    mime, paths, restrictions, scan, Error, ErrorInfo, FileRecord, FileStatus, Origin, Result,
    UploadDone,
};

/// Progress snapshots are sent at most this often; a UI cannot show more.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

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
    pub(crate) shared: Arc<Shared>,
    destination: Arc<dyn Destination>,
    concurrency: usize,
    /// Whether small files share slots (the default), or `concurrency` is
    /// exact.
    share_slots: bool,
    background: bool,
    pub(crate) options: PickerOptions,
    pub(crate) spool: Spool,
    spool_limits: SpoolLimits,
    fetcher: OnceLock<Fetcher>,
    network: Arc<NetworkPolicy>,
    /// Raw files being streamed in from sources, by spool id.
    pub(crate) raw: Mutex<HashMap<Uuid, RawUpload>>,
}

/// A raw file on its way into the spool, and the source sending it.
pub(crate) struct RawUpload {
    pub source: String,
    pub name: String,
    pub mime: Option<String>,
    pub size: u64,
    pub writer: SpoolWriter,
}

pub(crate) struct Shared {
    state: Mutex<State>,
    sink: Arc<dyn EventSink>,
    /// Woken when files are queued, for a run that takes them in.
    added: Notify,
    /// Woken when files are queued, for [`Picker::upload_in_background`].
    queued: Notify,
    /// Woken when a run ends, for [`Picker::idle`].
    ended: Notify,
    /// Where the queue is saved after every change, if anywhere.
    store: OnceLock<Persist>,
}

struct Persist {
    journal: Journal,
    /// Lines given to the journal since it was last written whole.
    since_whole: AtomicUsize,
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
    /// How to stop each file of the running upload.
    stops: HashMap<Uuid, Stops>,
    /// Failed files the person retried while a run was going: they join it.
    rejoin: HashSet<Uuid>,
    /// Files queued while a run was going, not yet looked at by it.
    arrivals: Vec<Uuid>,
    /// Set while [`Picker::pause_until_idle`] waits: no file joins the run.
    holding: bool,
}

/// The two ways to stop one file: for good, or for now.
#[derive(Clone, Default)]
struct Stops {
    cancel: CancellationToken,
    pause: CancellationToken,
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
                added: Notify::new(),
                queued: Notify::new(),
                ended: Notify::new(),
                store: OnceLock::new(),
            }),
            destination,
            concurrency: DEFAULT_CONCURRENCY,
            share_slots: true,
            background: false,
            options: PickerOptions::default(),
            spool: Spool::new(paths::spool_dir()),
            spool_limits: SpoolLimits::default(),
            fetcher: OnceLock::new(),
            network: Arc::new(NetworkPolicy::default()),
            raw: Mutex::new(HashMap::new()),
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

    /// The policy's caps on what sources may keep in the spool.
    pub fn with_spool_limits(mut self, limits: SpoolLimits) -> Self {
        self.spool_limits = limits;
        self.spool = std::mem::replace(&mut self.spool, Spool::new("")).with_limits(limits);
        self
    }

    pub fn options(&self) -> &PickerOptions {
        &self.options
    }

    pub(crate) fn fetcher(&self) -> Result<&Fetcher> {
        if let Some(fetcher) = self.fetcher.get() {
            return Ok(fetcher);
        }
        let fetcher = Fetcher::new(self.network.clone())?;
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
                state.arrived(record.uuid);
                state.queue.push(record);
            }
            state.finished = false;
            Ok(())
        })?;
        self.shared.added.notify_one();
        self.shared.queued.notify_one();
        Ok(())
    }

    /// Whether one more file would fit under `maxFiles`.
    pub(crate) fn has_room(&self) -> Result<()> {
        let max = self.options.max_files;
        if self.shared.lock().queue.files().len() >= max {
            return Err(Error::TooManyFiles { max });
        }
        Ok(())
    }

    /// Shows an error that belongs to no one file (a broken config, say).
    pub fn notify(&self, error: ErrorInfo) {
        self.update(|state| state.notify(error));
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
                if !state.notices.iter().any(|n| n.error.kind == e.kind()) {
                    state.notify(e.info());
                    state.revision += 1;
                }
            }
        });
        let _ = self.shared.store.set(Persist {
            journal,
            since_whole: AtomicUsize::new(0),
        });
        self
    }

    /// Resolves once every change made so far is saved (at once without a
    /// store).
    pub async fn saved(&self) {
        if let Some(persist) = self.shared.store.get() {
            persist.journal.durable(persist.journal.last()).await;
        }
    }

    /// [`Picker::saved`], blocking the thread.
    pub fn saved_blocking(&self) {
        if let Some(persist) = self.shared.store.get() {
            persist.journal.durable_blocking(persist.journal.last());
        }
    }

    /// Puts a saved queue back, as it was (files being sent when the
    /// process died are queued again, with their resume state).
    pub fn restore(&self, saved: SavedQueue) {
        self.update(|state| {
            for file in saved.files {
                state.arrived(file.uuid);
                state.queue.push(file.into());
            }
            state.finished = false;
        });
        self.saved_blocking();
        self.shared.queued.notify_one();
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

    /// The permits of one file in a run's semaphore.
    fn weight(&self, file: &FileRecord) -> u32 {
        // A link's size is known only once it is fetched: not small.
        let small = file.size < SMALL_FILE && !matches!(file.origin, Origin::Link { .. });
        if self.share_slots && !small {
            SMALL_PER_SLOT as u32
        } else {
            1
        }
    }

    /// Stops one file of the running upload (or keeps it from starting). The
    /// destination cleans up what it had begun; the file ends up failed with
    /// a `cancelled` error and is sent again by the next upload.
    pub fn cancel(&self, uuid: Uuid) -> Result<()> {
        self.stop(uuid, |stops| &stops.cancel)
    }

    /// Cancels every file of the running upload.
    pub fn cancel_all(&self) {
        for stops in self.shared.lock().stops.values() {
            stops.cancel.cancel();
        }
    }

    /// Stops one file of the running upload for now: the server keeps what
    /// it has (and the file its resume state), the file goes back to queued,
    /// and the next [`Picker::upload`] resumes it from the server's offset.
    pub fn pause(&self, uuid: Uuid) -> Result<()> {
        self.stop(uuid, |stops| &stops.pause)
    }

    /// Pauses every file of the running upload; [`Picker::upload`] resumes.
    pub fn pause_all(&self) {
        for stops in self.shared.lock().stops.values() {
            stops.pause.cancel();
        }
    }

    /// Sends a failed file again. During a run it joins that run and this
    /// returns true; otherwise it waits, queued, for the next
    /// [`Picker::upload`] and this returns false.
    pub fn retry(&self, uuid: Uuid) -> Result<bool> {
        let joined = self.update(|state| {
            let running = state.run.is_some();
            let file = state.queue.get_mut(uuid)?;
            if file.status != FileStatus::Failed {
                return Err(Error::NotRetryable {
                    name: file.display_name.clone(),
                    status: file.status.describe(),
                });
            }
            file.status = FileStatus::Queued;
            file.error = None;
            if running {
                state.stops.remove(&uuid);
                state.rejoin.insert(uuid);
            }
            Ok(running)
        })?;
        if joined {
            self.shared.added.notify_one();
        }
        Ok(joined)
    }

    /// The queued file with this id, as it is now.
    pub fn file(&self, uuid: Uuid) -> Result<FileRecord> {
        self.shared
            .lock()
            .queue
            .get(uuid)
            .cloned()
            .ok_or(Error::UnknownFile(uuid))
    }

    fn stop(&self, uuid: Uuid, which: impl Fn(&Stops) -> &CancellationToken) -> Result<()> {
        let state = self.shared.lock();
        if state.queue.get(uuid).is_none() {
            return Err(Error::UnknownFile(uuid));
        }
        if let Some(stops) = state.stops.get(&uuid) {
            which(stops).cancel();
        }
        Ok(())
    }

    /// Whether an upload runs now: the snapshot's `uploading`, without
    /// copying the whole queue to learn it.
    pub fn is_uploading(&self) -> bool {
        self.shared.lock().run.is_some()
    }

    /// Resolves once no upload runs (at once when none does) and what it
    /// changed is saved: the process may exit then.
    pub async fn idle(&self) {
        loop {
            let ended = self.shared.ended.notified();
            tokio::pin!(ended);
            // Registered before looking, so a run ending in between is seen.
            ended.as_mut().enable();
            if !self.is_uploading() {
                break;
            }
            ended.await;
        }
        self.saved().await;
    }

    /// Pauses every file of the running upload, lets no other file join it,
    /// and resolves once it ended (see [`Picker::pause_all`]).
    pub async fn pause_until_idle(&self) {
        self.shared.lock().holding = true;
        self.pause_all();
        self.idle().await;
        self.shared.lock().holding = false;
    }

    /// The `uploadInBackground` rule: while the picker lives, every time
    /// files are added (or a saved queue restored) an upload starts, unless
    /// one runs, which then takes them in. Without the option this returns
    /// at once. With `at_once` false, files already queued when it starts
    /// (a restored queue, say) wait for a click; later ones start as they
    /// come. Spawn it once; errors end up in the state as notices.
    pub async fn upload_in_background(self: Arc<Self>, at_once: bool) {
        if !self.background {
            return;
        }
        let shared = self.shared.clone();
        if !at_once {
            // Takes the wake-up the files already there left behind.
            let _ = futures_util::FutureExt::now_or_never(shared.queued.notified());
        }
        let me = Arc::downgrade(&self);
        drop(self);
        loop {
            shared.queued.notified().await;
            let Some(picker) = me.upgrade() else {
                return;
            };
            // A run going on already took the files in, or will.
            let _ = picker.upload().await;
        }
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
        let removed = self.update(|state| state.queue.remove(uuid))?;
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

    /// Shows the person something that is not tied to one file.
    pub fn notice(&self, info: ErrorInfo) {
        self.update(|state| state.notify(info));
    }

    pub fn dismiss_notice(&self, id: u64) {
        self.update(|state| state.notices.retain(|n| n.id != id));
    }

    /// The result in Filestack's `onUploadDone` shape.
    pub fn result(&self) -> UploadDone {
        UploadDone::from_files(self.shared.lock().queue.files())
    }

    /// Sends every queued (or previously failed) file to the destination, a
    /// few at a time (see [`Picker::with_concurrency`]). Files that fail are
    /// marked failed and the rest go on; a destination that cannot be used
    /// at all fails the whole run up front and leaves every file queued.
    pub async fn upload(&self) -> Result<UploadDone> {
        self.upload_where(|_| true).await
    }

    /// [`Picker::upload`] of only the pending files `wanted` picks (the
    /// one file a person retried, say); the others keep waiting.
    pub async fn upload_where(&self, wanted: impl Fn(&FileRecord) -> bool) -> Result<UploadDone> {
        let pending = self.update(|state| {
            if state.run.is_some() {
                return Err(Error::UploadRunning);
            }
            let pending: Vec<FileRecord> = state
                .queue
                .pending()
                .into_iter()
                .filter(|f| wanted(f))
                .collect();
            if pending.is_empty() {
                return Err(Error::NothingToUpload);
            }
            // Failed files in this run are being tried again: they wait,
            // like the rest, and cannot be retried a second time meanwhile.
            for file in &pending {
                if let Ok(record) = state.queue.get_mut(file.uuid) {
                    if record.status == FileStatus::Failed {
                        record.status = FileStatus::Queued;
                        record.error = None;
                    }
                }
            }
            let min = self.options.min_files;
            if state.queue.files().len() < min {
                return Err(Error::TooFewFiles { min });
            }
            state.run = Some(Run {
                started: Instant::now(),
                transferred_before: state.transferred(),
            });
            state.stops = pending.iter().map(|f| (f.uuid, Stops::default())).collect();
            state.arrivals.clear();
            Ok(pending)
        })?;

        if let Err(e) = self.destination.prepare().await {
            self.update(|state| {
                state.run = None;
                state.stops.clear();
                state.notify(e.info());
            });
            self.shared.ended.notify_waiters();
            return Err(e);
        }
        let slots = Semaphore::new(if self.share_slots {
            self.concurrency * SMALL_PER_SLOT
        } else {
            self.concurrency
        });
        let all_stops = self.shared.lock().stops.clone();
        let mut running = FuturesUnordered::new();
        for file in pending {
            let stops = all_stops.get(&file.uuid).cloned().unwrap_or_default();
            running.push(self.run_one(file, stops, &slots));
        }
        loop {
            // In the background mode, files added meanwhile join this run.
            for (file, stops) in self.take_added() {
                running.push(self.run_one(file, stops, &slots));
            }
            if running.is_empty() {
                // Checked again under the lock that ends the run, so a file
                // added at this very moment is not left behind.
                let background = self.background;
                let done = self.update(|state| {
                    if !state.joining(background).is_empty() {
                        return None;
                    }
                    state.arrivals.clear();
                    state.run = None;
                    state.stops.clear();
                    state.finished = state.queue.pending().is_empty();
                    Some(UploadDone::from_files(state.queue.files()))
                });
                match done {
                    Some(done) => {
                        self.saved().await;
                        self.shared.ended.notify_waiters();
                        return Ok(done);
                    }
                    None => continue,
                }
            }
            tokio::select! {
                _ = running.next() => {}
                () = self.shared.added.notified() => {}
            }
        }
    }

    /// Files that join the running upload (see `State::joining`): with
    /// [`Picker::with_background`], the files queued since the run
    /// started, now made part of it.
    fn take_added(&self) -> Vec<(FileRecord, Stops)> {
        let background = self.background;
        // Looked at first without a change, so no snapshot goes out for nothing.
        {
            let mut state = self.shared.lock();
            if state.joining(background).is_empty() {
                // Looked at: files queued so far stay out of this run.
                state.arrivals.clear();
                return vec![];
            }
        }
        self.update(|state| {
            let added = state.joining(background);
            state.rejoin.clear();
            state.arrivals.clear();
            added
                .into_iter()
                .filter_map(|uuid| state.queue.get(uuid).cloned())
                .map(|file| {
                    let stops = Stops::default();
                    state.stops.insert(file.uuid, stops.clone());
                    (file, stops)
                })
                .collect()
        })
    }

    /// One file of a run: waits for a free slot, then sends it.
    async fn run_one(&self, file: FileRecord, stops: Stops, slots: &Semaphore) {
        // A file stopped while waiting for its turn never starts.
        let name = file.filename.clone();
        tokio::select! {
            // The semaphore is never closed, so a permit always comes.
            permit = slots.acquire_many(self.weight(&file)) => {
                if let Ok(_permit) = permit {
                    // Boxed: a file waiting its turn (100,000 may wait)
                    // holds only this small future, not a whole upload's.
                    Box::pin(self.upload_one(file, stops)).await;
                }
            }
            () = stops.cancel.cancelled() => {
                self.finish_one(file.uuid, Err(Error::Cancelled { name }));
            }
            () = stops.pause.cancelled() => {
                self.finish_one(file.uuid, Err(Error::Paused { name }));
            }
        }
    }

    async fn upload_one(&self, file: FileRecord, stops: Stops) {
        // Not saved: a file that was being sent is restored as queued, so
        // saving this would change nothing a resume reads (and each save
        // costs two fsyncs).
        let started = self.update_unsaved(|state| {
            let record = state.queue.get_mut(file.uuid)?;
            record.status = FileStatus::Uploading;
            record.transferred = 0;
            record.error = None;
            Ok::<_, Error>(())
        });
        if started.is_err() {
            return; // removed from the queue since the upload began
        }
        // A link's bytes are fetched (with its headers) when it is sent.
        let path = match self.materialize(&file).await {
            Ok(path) => path,
            Err(e) => return self.finish_one(file.uuid, Err(e)),
        };
        // A picture is shrunk, cropped or stripped first (imaging/).
        let item = match self.prepare_upload(&file, path).await {
            Ok(item) => item,
            Err(e) => return self.finish_one(file.uuid, Err(e)),
        };
        let ctx = UploadContext {
            progress: Arc::new(FileProgress::new(
                self.shared.clone(),
                file.uuid,
                self.destination.describe(),
            )),
            resume: Arc::new(RecordSlot {
                shared: self.shared.clone(),
                uuid: file.uuid,
            }),
            cancel: stops.cancel,
            pause: stops.pause,
        };
        // Its own task: the transfer runs on any worker, beside the others.
        let destination = self.destination.clone();
        let task = AbortOnDrop(tokio::spawn(
            async move { destination.upload(&item, ctx).await },
        ));
        let outcome = match task.finish().await {
            Ok(outcome) => outcome,
            Err(e) => Err(Error::Internal(format!(
                "the upload of {} stopped: {e}",
                file.filename
            ))),
        };
        self.finish_one(file.uuid, outcome.map(|landed| landed.url));
    }

    fn finish_one(&self, uuid: Uuid, outcome: Result<String>) {
        self.update(|state| {
            let Ok(record) = state.queue.get_mut(uuid) else {
                return;
            };
            (record.rate, record.eta) = (None, None);
            match outcome {
                Ok(url) => {
                    record.status = FileStatus::Done;
                    record.transferred = record.size;
                    record.landed = Some(url);
                    record.resume = None;
                    // Uploaded bytes need no spool copy any more.
                    discard_spooled(record);
                }
                // Back in the queue, resume state kept, progress as the
                // server last confirmed it.
                Err(Error::Paused { .. }) => {
                    record.status = FileStatus::Queued;
                }
                Err(e) => {
                    record.status = FileStatus::Failed;
                    record.error = Some(e.info());
                }
            }
        });
    }

    /// Applies a change, saves the queue and tells the sink.
    pub(crate) fn update<T>(&self, change: impl FnOnce(&mut State) -> T) -> T {
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
            state.revision += 1;
            if save {
                // Under the lock that made the change: saved in its order.
                self.shared.record(&mut state);
            }
            let snapshot = self
                .shared
                .sink
                .wants_snapshots()
                .then(|| self.shared.snapshot(&state, &self.destination.describe()));
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

impl State {
    fn notify(&mut self, error: ErrorInfo) {
        self.next_notice += 1;
        self.notices.push(Notice {
            id: self.next_notice,
            error,
        });
    }

    /// Notes a file queued while a run goes, for the run to look at.
    fn arrived(&mut self, uuid: Uuid) {
        if self.run.is_some() {
            self.arrivals.push(uuid);
        }
    }

    /// Files that join the running upload: every file queued meanwhile in
    /// the background mode, and retried files always; none while holding.
    /// Only those files are looked at, never the whole queue.
    fn joining(&self, background: bool) -> Vec<Uuid> {
        if self.run.is_none() || self.holding {
            return vec![];
        }
        let arrivals = if background { &self.arrivals[..] } else { &[] };
        let mut seen = HashSet::new();
        arrivals
            .iter()
            .chain(self.rejoin.iter())
            .filter(|uuid| seen.insert(**uuid))
            .filter(|uuid| !self.stops.contains_key(uuid))
            .filter(|uuid| {
                self.queue
                    .get(**uuid)
                    .is_some_and(|f| f.status == FileStatus::Queued)
            })
            .copied()
            .collect()
    }

    fn transferred(&self) -> u64 {
        self.queue.files().iter().map(|f| f.transferred).sum()
    }
}

impl Shared {
    /// Gives the journal what changed in the queue, if a store is set: the
    /// files changed since last time, or now and then the whole queue, so
    /// the file is rewritten before it grows past about twice the queue.
    /// Returns the change's number, to wait for it to be on disk.
    fn record(&self, state: &mut State) -> Option<u64> {
        let persist = self.store.get()?;
        let files = state.queue.files().len();
        let grown = persist.since_whole.load(Ordering::Relaxed) > 1024 + 2 * files;
        let entries = if grown || persist.journal.wants_full() {
            state.queue.clear_changed();
            persist.since_whole.store(0, Ordering::Relaxed);
            vec![Entry::Full(
                state.queue.files().iter().map(SavedFile::from).collect(),
            )]
        } else {
            let changed = state.queue.take_changed();
            changed
                .into_iter()
                .map(|uuid| match state.queue.get(uuid) {
                    Some(file) => Entry::File(Box::new(file.into())),
                    None => Entry::Removed(uuid),
                })
                .collect()
        };
        persist
            .since_whole
            .fetch_add(entries.len(), Ordering::Relaxed);
        Some(persist.journal.push(entries))
    }

    /// Waits until change `seq` is on disk.
    async fn durable(&self, seq: Option<u64>) {
        if let (Some(persist), Some(seq)) = (self.store.get(), seq) {
            persist.journal.durable(seq).await;
        }
    }

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

/// Keeps a destination's resume state with the file's record.
struct RecordSlot {
    shared: Arc<Shared>,
    uuid: Uuid,
}

impl RecordSlot {
    /// Changes the record and gives the change to the journal.
    fn change(&self, f: impl FnOnce(&mut FileRecord)) -> Option<u64> {
        let mut state = self.shared.lock();
        state.queue.get_mut(self.uuid).ok().map(f)?;
        self.shared.record(&mut state)
    }
}

#[async_trait::async_trait]
impl ResumeSlot for RecordSlot {
    fn load(&self) -> Option<serde_json::Value> {
        let state = self.shared.lock();
        state.queue.get(self.uuid).and_then(|r| r.resume.clone())
    }
    /// On disk before this returns: the server may take bytes against this
    /// state any moment now, and a crash must not lose it.
    async fn save(&self, value: serde_json::Value) {
        let seq = self.change(|r| r.resume = Some(value));
        self.shared.durable(seq).await;
    }
    fn clear(&self) {
        self.change(|r| r.resume = None);
    }
}

/// Aborts a spawned task when dropped (its upload was given up).
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> AbortOnDrop<T> {
    async fn finish(mut self) -> std::result::Result<T, tokio::task::JoinError> {
        (&mut self.0).await
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Reports one file's progress into the picker, throttled.
struct FileProgress {
    shared: Arc<Shared>,
    uuid: Uuid,
    destination: String,
    /// When this attempt started and the first count it reported (a
    /// resumed upload starts at the server's offset): the file's rate is
    /// what this attempt sent since.
    started: Instant,
    first: OnceLock<u64>,
}

impl FileProgress {
    fn new(shared: Arc<Shared>, uuid: Uuid, destination: String) -> Self {
        FileProgress {
            shared,
            uuid,
            destination,
            started: Instant::now(),
            first: OnceLock::new(),
        }
    }
}

impl Progress for FileProgress {
    fn advanced(&self, transferred: u64) {
        let first = *self.first.get_or_init(|| transferred);
        let secs = self.started.elapsed().as_secs_f64();
        let sent = transferred.saturating_sub(first) as f64;
        let rate = (secs > 0.2 && sent > 0.0).then(|| sent / secs);
        let snapshot = {
            let mut state = self.shared.lock();
            if let Ok(record) = state.queue.get_mut(self.uuid) {
                record.transferred = transferred.min(record.size);
                record.rate = rate;
                record.eta =
                    rate.map(|r| record.size.saturating_sub(record.transferred) as f64 / r);
            }
            state.revision += 1;
            let due = state
                .last_progress
                .is_none_or(|at| at.elapsed() >= PROGRESS_INTERVAL);
            if !due {
                return;
            }
            state.last_progress = Some(Instant::now());
            if !self.shared.sink.wants_snapshots() {
                drop(state);
                return self.shared.sink.changed();
            }
            self.shared.snapshot(&state, &self.destination)
        };
        self.shared.sink.state_changed(&snapshot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::destination::UploadItem;
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

    /// Holds every file until cancelled or paused, counting how many it holds at once
    /// and noting each file it was given.
    #[derive(Default)]
    struct Gate {
        inside: std::sync::atomic::AtomicUsize,
        most: std::sync::atomic::AtomicUsize,
        given: Mutex<Vec<String>>,
    }

    impl Gate {
        fn times_given(&self, name: &str) -> usize {
            self.given
                .lock()
                .unwrap()
                .iter()
                .filter(|n| *n == name)
                .count()
        }
    }

    #[async_trait::async_trait]
    impl Destination for Gate {
        fn describe(&self) -> String {
            "gate".into()
        }
        async fn prepare(&self) -> Result<()> {
            Ok(())
        }
        async fn upload(&self, item: &UploadItem, ctx: UploadContext) -> Result<crate::Landed> {
            use std::sync::atomic::Ordering::SeqCst;
            self.given.lock().unwrap().push(item.filename.clone());
            let now = self.inside.fetch_add(1, SeqCst) + 1;
            self.most.fetch_max(now, SeqCst);
            let name = item.filename.clone();
            let stopped = tokio::select! {
                () = ctx.cancel.cancelled() => Error::Cancelled { name },
                () = ctx.pause.cancelled() => Error::Paused { name },
            };
            self.inside.fetch_sub(1, SeqCst);
            Err(stopped)
        }
    }

    #[tokio::test]
    async fn files_go_a_few_at_a_time_and_can_be_cancelled() {
        use std::sync::atomic::Ordering::SeqCst;
        let src = tempfile::tempdir().unwrap();
        for i in 0..5 {
            fs::write(src.path().join(format!("{i}.txt")), b"x").unwrap();
        }
        let gate = Arc::new(Gate::default());
        let picker = Arc::new(Picker::new(gate.clone(), Arc::new(NoEvents)).with_concurrency(2));
        let added = picker.add_paths(&[src.path().to_path_buf()], "local_file_system");
        let running = tokio::spawn({
            let picker = picker.clone();
            async move { picker.upload().await }
        });
        while gate.inside.load(SeqCst) < 2 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // One file alone first: the next one waiting takes its place.
        picker.cancel(added.added[0].uuid).unwrap();
        while picker.snapshot().files[0].status != FileStatus::Failed {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(gate.inside.load(SeqCst), 2);
        picker.cancel_all();
        let done = running.await.unwrap().unwrap();

        assert_eq!(gate.most.load(SeqCst), 2);
        assert_eq!(done.files_failed.len(), 5);
        assert!(done
            .files_failed
            .iter()
            .all(|f| f.error.as_ref().unwrap().kind == "cancelled"));
        assert!(!picker.snapshot().uploading);
        assert_eq!(
            picker.cancel(Uuid::new_v4()).unwrap_err().kind(),
            "unknownFile"
        );
    }

    #[tokio::test]
    async fn in_the_background_mode_adding_starts_the_upload() {
        let src = tempfile::tempdir().unwrap();
        let dest = tempfile::tempdir().unwrap();
        for name in ["a.txt", "b.txt"] {
            fs::write(src.path().join(name), name).unwrap();
        }
        let folder = || Arc::new(FolderDestination::new(dest.path()));
        let landed = |name: &str| dest.path().join(name).exists();
        let picker = Arc::new(Picker::new(folder(), Arc::new(NoEvents)).with_background(true));
        tokio::spawn(picker.clone().upload_in_background(true));
        for name in ["a.txt", "b.txt"] {
            picker.add_paths(&[src.path().join(name)], "local_file_system");
            let deadline = Instant::now() + Duration::from_secs(10);
            while !landed(name) {
                assert!(Instant::now() < deadline, "{name} was not uploaded");
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        picker.idle().await;
        assert!(picker.snapshot().finished);

        // Without the option, adding only queues.
        let quiet = Arc::new(Picker::new(folder(), Arc::new(NoEvents)));
        tokio::time::timeout(
            Duration::from_secs(1),
            quiet.clone().upload_in_background(true),
        )
        .await
        .expect("returns at once without uploadInBackground");
        fs::write(src.path().join("c.txt"), b"c").unwrap();
        quiet.add_paths(&[src.path().join("c.txt")], "local_file_system");
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!landed("c.txt"));
    }

    #[tokio::test]
    async fn idle_waits_for_the_run_and_pausing_keeps_new_files_out() {
        use std::sync::atomic::Ordering::SeqCst;
        let src = tempfile::tempdir().unwrap();
        for i in 0..3 {
            fs::write(src.path().join(format!("{i}.txt")), b"x").unwrap();
        }
        let gate = Arc::new(Gate::default());
        let picker = Arc::new(Picker::new(gate.clone(), Arc::new(NoEvents)).with_background(true));
        // Nothing runs: idle at once.
        tokio::time::timeout(Duration::from_secs(1), picker.idle())
            .await
            .unwrap();
        picker.add_paths(&[src.path().join("0.txt")], "local_file_system");
        let running = tokio::spawn({
            let picker = picker.clone();
            async move { picker.upload().await }
        });
        while gate.inside.load(SeqCst) < 1 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let idle = tokio::time::timeout(Duration::from_millis(100), picker.idle()).await;
        assert!(idle.is_err(), "idle while a file is being sent");

        let paused = tokio::spawn({
            let picker = picker.clone();
            async move { picker.pause_until_idle().await }
        });
        // Added while pausing: it waits instead of joining the run.
        picker.add_paths(&[src.path().join("1.txt")], "local_file_system");
        tokio::time::timeout(Duration::from_secs(5), paused)
            .await
            .expect("the run ends once paused")
            .unwrap();
        running.await.unwrap().unwrap();
        assert_eq!(gate.times_given("1.txt"), 0);
        assert!(picker
            .snapshot()
            .files
            .iter()
            .all(|f| f.status == FileStatus::Queued));
    }

    #[tokio::test]
    async fn small_files_share_the_slot_of_a_large_one_unless_told_a_number() {
        use std::sync::atomic::Ordering::SeqCst;
        let most_at_once = |sizes: Vec<usize>, exact: Option<usize>| async move {
            let src = tempfile::tempdir().unwrap();
            for (i, size) in sizes.iter().enumerate() {
                fs::write(src.path().join(format!("{i}.bin")), vec![7u8; *size]).unwrap();
            }
            let gate = Arc::new(Gate::default());
            let mut picker = Picker::new(gate.clone(), Arc::new(NoEvents));
            if let Some(files) = exact {
                picker = picker.with_concurrency(files);
            }
            let picker = Arc::new(picker);
            picker.add_paths(&[src.path().to_path_buf()], "local_file_system");
            let running = tokio::spawn({
                let picker = picker.clone();
                async move { picker.upload().await }
            });
            // Let every file that may start, start.
            tokio::time::sleep(Duration::from_millis(200)).await;
            picker.cancel_all();
            running.await.unwrap().unwrap();
            gate.most.load(SeqCst)
        };
        let big = SMALL_FILE as usize;
        assert_eq!(most_at_once(vec![10; 20], None).await, 16);
        assert_eq!(most_at_once(vec![big; 6], None).await, 4);
        assert_eq!(most_at_once(vec![10; 20], Some(3)).await, 3);
    }

    #[tokio::test]
    async fn the_queue_is_saved_and_can_be_restored() {
        let src = tempfile::tempdir().unwrap();
        let dest = tempfile::tempdir().unwrap();
        let state = tempfile::tempdir().unwrap();
        fs::write(src.path().join("a.txt"), b"a").unwrap();
        let store = Store::new(state.path());
        let picker = Picker::new(
            Arc::new(FolderDestination::new(dest.path())),
            Arc::new(NoEvents),
        )
        .with_store(store.clone(), "somewhere");
        picker.add_paths(&[src.path().join("a.txt")], "local_file_system");
        let saved = store.load().unwrap().unwrap();
        assert_eq!(saved.destination, "somewhere");
        assert_eq!(saved.files[0].status, FileStatus::Queued);

        // A second picker (the next start) takes the queue over and sends it.
        let again = Picker::new(
            Arc::new(FolderDestination::new(dest.path())),
            Arc::new(NoEvents),
        )
        .with_store(store.clone(), "somewhere");
        again.restore(saved);
        let done = again.upload().await.unwrap();
        assert_eq!(done.files_uploaded.len(), 1);
        // Everything landed: nothing is left to resume.
        assert_eq!(store.load().unwrap(), None);
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

    #[tokio::test]
    async fn only_a_failed_file_can_be_retried_and_it_is_waiting_again() {
        let src = tempfile::tempdir().unwrap();
        let dest = tempfile::tempdir().unwrap();
        let path = src.path().join("a.txt");
        fs::write(&path, b"a").unwrap();
        let picker = Picker::new(
            Arc::new(FolderDestination::new(dest.path())),
            Arc::new(NoEvents),
        );
        picker.add_paths(std::slice::from_ref(&path), "local_file_system");
        let uuid = picker.snapshot().files[0].uuid;
        let err = picker.retry(uuid).unwrap_err();
        assert_eq!(err.kind(), "notRetryable");
        assert!(err.to_string().contains("waiting"), "{err}");

        fs::remove_file(&path).unwrap();
        picker.upload().await.unwrap();
        assert_eq!(picker.file(uuid).unwrap().status, FileStatus::Failed);

        // No run is going: the file waits, queued and without its error.
        assert!(!picker.retry(uuid).unwrap());
        let file = picker.file(uuid).unwrap();
        assert_eq!(file.status, FileStatus::Queued);
        assert!(file.error.is_none());
        assert_eq!(
            picker.retry(Uuid::new_v4()).unwrap_err().kind(),
            "unknownFile"
        );

        // Retrying sends that file alone; another failed file keeps waiting.
        let other = src.path().join("b.txt");
        fs::write(&other, b"b").unwrap();
        picker.add_paths(std::slice::from_ref(&other), "local_file_system");
        fs::remove_file(&other).unwrap();
        fs::write(&path, b"a").unwrap();
        let done = picker.upload_where(|f| f.uuid == uuid).await.unwrap();
        assert_eq!(done.files_uploaded.len(), 1);
        assert_eq!(picker.file(uuid).unwrap().status, FileStatus::Done);
        assert_eq!(picker.snapshot().files[1].status, FileStatus::Queued);
    }

    #[tokio::test]
    async fn a_retried_file_joins_the_running_upload_once() {
        use std::sync::atomic::Ordering::SeqCst;
        let src = tempfile::tempdir().unwrap();
        for i in 0..3 {
            fs::write(src.path().join(format!("{i}.txt")), b"x").unwrap();
        }
        let gate = Arc::new(Gate::default());
        let picker = Arc::new(Picker::new(gate.clone(), Arc::new(NoEvents)).with_concurrency(2));
        let added = picker.add_paths(&[src.path().to_path_buf()], "local_file_system");
        let ids: Vec<Uuid> = added.added.iter().map(|f| f.uuid).collect();
        let start = || {
            let picker = picker.clone();
            tokio::spawn(async move { picker.upload().await })
        };
        let holding = |n: usize| {
            let gate = gate.clone();
            async move {
                while gate.inside.load(SeqCst) < n {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        };
        // A first run where every file fails.
        let running = start();
        holding(2).await;
        picker.cancel_all();
        assert_eq!(running.await.unwrap().unwrap().files_failed.len(), 3);

        // The next run takes them all again: the third, waiting its turn,
        // is no longer failed and cannot be retried (and sent twice).
        let third_before = gate.times_given("2.txt");
        let running = start();
        holding(2).await;
        assert_eq!(picker.retry(ids[2]).unwrap_err().kind(), "notRetryable");
        // A file that fails during the run is retried into it.
        let before = gate.times_given("0.txt");
        picker.cancel(ids[0]).unwrap();
        while picker.file(ids[0]).unwrap().status != FileStatus::Failed {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(picker.retry(ids[0]).unwrap(), "joins the running upload");
        assert_eq!(picker.retry(ids[0]).unwrap_err().kind(), "notRetryable");
        picker.cancel(ids[1]).unwrap();
        while gate.times_given("0.txt") < before + 1 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        holding(2).await;
        picker.cancel_all();
        let done = running.await.unwrap().unwrap();
        assert_eq!(gate.times_given("0.txt"), before + 1, "sent once more");
        assert_eq!(
            gate.times_given("2.txt"),
            third_before + 1,
            "the waiting file went once"
        );
        assert_eq!(gate.most.load(SeqCst), 2);
        assert_eq!(done.files_failed.len(), 3);
    }
}
