//! The upload run: which files go, a few at a time, each in a task of its
//! own, and how a person stops them.
//!
//! When working on this file, keep in mind:
//! - at most `concurrency` files are sent at once, four small files (under
//!   [`SMALL_FILE`]) taking the place of one;
//! - a file stopped while it waits for its turn never starts;
//! - with `uploadInBackground` files added meanwhile join the run, and a
//!   retried file always does; the run ends only when none is left, checked
//!   under the lock that ends it;
//! - a destination's resume state (a tus URL) is on disk before it returns
//!   from [`ResumeSlot::save`], so no byte is sent against unsaved state.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;

use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::progress::FileProgress;
use super::shared::Shared;
use super::state::{State, Stops, Waiting};
use super::{discard_spooled, Picker, SMALL_FILE, SMALL_PER_SLOT};
use crate::destination::{ResumeSlot, UploadContext};
use crate::events::Speed;
use crate::{restrictions, Error, FileRecord, FileStatus, Origin, Result, UploadDone};

impl Picker {
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
        self.stop(uuid, Stop::Cancel)
    }

    /// Cancels every file of the running upload.
    pub fn cancel_all(&self) {
        self.stop_all(Stop::Cancel);
    }

    /// Stops one file of the running upload for now: the server keeps what
    /// it has (and the file its resume state), the file goes back to queued,
    /// and the next [`Picker::upload`] resumes it from the server's offset.
    pub fn pause(&self, uuid: Uuid) -> Result<()> {
        self.stop(uuid, Stop::Pause)
    }

    /// Pauses every file of the running upload; [`Picker::upload`] resumes.
    pub fn pause_all(&self) {
        self.stop_all(Stop::Pause);
    }

    fn stop(&self, uuid: Uuid, how: Stop) -> Result<()> {
        {
            let state = self.shared.lock();
            if state.queue().get(uuid).is_none() {
                return Err(Error::UnknownFile(uuid));
            }
            if let Some(stops) = state.stops(uuid) {
                how.token(stops).cancel();
                return Ok(());
            }
            if !state.is_waiting(uuid) {
                return Ok(());
            }
        }
        // Waiting for its turn: it leaves the run and never starts (unless
        // its turn came meanwhile, then it is stopped as it goes).
        self.update(|state| {
            if let Some(stops) = state.stops(uuid) {
                how.token(stops).cancel();
            } else if state.is_waiting(uuid) {
                state.take_one_waiting(uuid);
                how.mark(state, uuid);
            }
        });
        Ok(())
    }

    /// Stops every file of the running upload: those sending by their
    /// tokens, those waiting for their turn at once, in one change.
    fn stop_all(&self, how: Stop) {
        let any_waiting = {
            let state = self.shared.lock();
            for stops in state.all_stops() {
                how.token(stops).cancel();
            }
            state.all_stops().count() < state.run_size()
        };
        if any_waiting {
            self.update(|state| {
                for uuid in state.take_waiting() {
                    how.mark(state, uuid);
                }
            });
        }
    }

    /// Sends a failed file again. During a run it joins that run and this
    /// returns true; otherwise it waits, queued, for the next
    /// [`Picker::upload`] and this returns false.
    pub fn retry(&self, uuid: Uuid) -> Result<bool> {
        let joined = self.update(|state| {
            let running = state.is_running();
            let file = state.queue_mut().get_mut(uuid)?;
            if file.status != FileStatus::Failed {
                return Err(Error::NotRetryable {
                    name: file.display_name.clone(),
                    status: file.status.describe(),
                });
            }
            file.status = FileStatus::Queued;
            file.error = None;
            if running {
                state.rejoin(uuid);
            }
            Ok(running)
        })?;
        if joined {
            self.shared.added.notify_one();
        }
        Ok(joined)
    }

    /// Whether an upload runs now: the snapshot's `uploading`, without
    /// copying the whole queue to learn it.
    pub fn is_uploading(&self) -> bool {
        self.shared.lock().is_running()
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
        self.shared.lock().hold(true);
        self.pause_all();
        self.idle().await;
        self.shared.lock().hold(false);
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
            if state.is_running() {
                return Err(Error::UploadRunning);
            }
            let pending: Vec<Waiting> = state
                .queue()
                .pending()
                .filter(|f| wanted(f))
                .map(|f| Waiting::of(f, |f| self.weight(f)))
                .collect();
            if pending.is_empty() {
                return Err(Error::NothingToUpload);
            }
            // Failed files in this run are being tried again: they wait,
            // like the rest, and cannot be retried a second time meanwhile.
            // Only those are changed (and saved): a file merely looked at
            // is not written to the journal again.
            for file in &pending {
                let failed = state
                    .queue()
                    .get(file.uuid)
                    .is_some_and(|f| f.status == FileStatus::Failed);
                if !failed {
                    continue;
                }
                if let Ok(record) = state.queue_mut().get_mut(file.uuid) {
                    record.status = FileStatus::Queued;
                    record.error = None;
                }
            }
            let min = self.options.min_files;
            if state.queue().files().len() < min {
                return Err(Error::TooFewFiles { min });
            }
            state.begin_run(&pending);
            Ok(pending)
        })?;

        if let Err(e) = self.destination.prepare().await {
            self.update(|state| {
                state.abandon_run();
                state.notify(e.info());
            });
            self.shared.ended.notify_waiters();
            return Err(e);
        }
        let permits = if self.share_slots {
            self.concurrency * SMALL_PER_SLOT
        } else {
            self.concurrency
        };
        let slots = Semaphore::new(permits);
        // Only as many files as could be sent at once wait for a slot; the
        // rest wait here as ids (a run may hold 100,000 files).
        let mut waiting = VecDeque::from(pending);
        let mut running = FuturesUnordered::new();
        loop {
            // In the background mode, files added meanwhile join this run.
            waiting.extend(self.take_added());
            while running.len() < permits {
                let Some(file) = waiting.pop_front() else {
                    break;
                };
                running.push(self.run_one(file, &slots));
            }
            if running.is_empty() {
                // Checked again under the lock that ends the run, so a file
                // added at this very moment is not left behind.
                let background = self.background;
                let done = self.update(|state| {
                    if !state.joining(background).is_empty() {
                        return None;
                    }
                    state.end_run();
                    Some(UploadDone::from_files(state.queue().records()))
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
    fn take_added(&self) -> Vec<Waiting> {
        let background = self.background;
        // Looked at first without a change, so no snapshot goes out for nothing.
        {
            let mut state = self.shared.lock();
            if state.joining(background).is_empty() {
                // Looked at: files queued so far stay out of this run.
                state.overlook_arrivals();
                return vec![];
            }
        }
        self.update(|state| state.take_joining(background, |f| self.weight(f)))
    }

    /// One file of a run: waits for a free slot, then sends it.
    async fn run_one(&self, file: Waiting, slots: &Semaphore) {
        // Stopped while it waited for its turn (or already started, when a
        // retry put it in the run twice): nothing to do.
        let Some(stops) = self.shared.lock().start(file.uuid) else {
            return;
        };
        // A file stopped while waiting for a slot never starts.
        let name = || self.file(file.uuid).map(|f| f.filename).unwrap_or_default();
        tokio::select! {
            // The semaphore is never closed, so a permit always comes.
            permit = slots.acquire_many(file.weight) => {
                // Read now: it may have changed (or gone) while it waited.
                if let (Ok(_permit), Ok(record)) = (permit, self.file(file.uuid)) {
                    // Boxed: a file waiting its turn (100,000 may wait)
                    // holds only this small future, not a whole upload's.
                    Box::pin(self.upload_one(record, stops)).await;
                }
            }
            () = stops.cancel.cancelled() => {
                self.finish_one(file.uuid, Err(Error::Cancelled { name: name() }));
            }
            () = stops.pause.cancelled() => {
                self.finish_one(file.uuid, Err(Error::Paused { name: name() }));
            }
        }
    }

    async fn upload_one(&self, file: FileRecord, stops: Stops) {
        // Not saved: a file that was being sent is restored as queued, so
        // saving this would change nothing a resume reads (and each save
        // costs two fsyncs).
        let started = self.update_unsaved(|state| {
            let record = state.queue_mut().get_mut(file.uuid)?;
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
            state.set_speed(uuid, Speed::default());
            state.leave_run(uuid);
            let Ok(record) = state.queue_mut().get_mut(uuid) else {
                return;
            };
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

    /// A link's bytes, fetched into the spool on first need.
    pub(crate) async fn materialize(&self, file: &FileRecord) -> Result<PathBuf> {
        let Origin::Link { headers } = &file.origin else {
            return Ok(file.path.clone());
        };
        if !file.path.as_os_str().is_empty() && file.path.exists() {
            return Ok(file.path.clone());
        }
        let url = file.link.clone().unwrap_or_default();
        let (path, fetched) = self.fetch_to_spool(&file.source, &url, headers).await?;
        // The link's type was the source's word: the content must be
        // acceptable too, or nothing is sent.
        let checked = restrictions::check(
            &self.options,
            &file.filename,
            &fetched.mime,
            Some(fetched.size),
        )
        .and_then(|()| restrictions::check(&self.options, &file.filename, &fetched.sniffed, None));
        if let Err(e) = checked {
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
        // Gone from the queue meanwhile: the bytes are sent all the same.
        let _ = self.change_file(file.uuid, |record| {
            record.path = path.clone();
            record.size = fetched.size;
        });
        Ok(path)
    }
}

/// How a person stops a file: for good, or for now.
#[derive(Clone, Copy)]
enum Stop {
    Cancel,
    Pause,
}

impl Stop {
    fn token(self, stops: &Stops) -> &CancellationToken {
        match self {
            Stop::Cancel => &stops.cancel,
            Stop::Pause => &stops.pause,
        }
    }

    /// A file stopped before its turn came, as `Picker::finish_one` would
    /// leave it: cancelled files fail, paused ones stay queued.
    fn mark(self, state: &mut State, uuid: Uuid) {
        if let (Stop::Cancel, Ok(record)) = (self, state.queue_mut().get_mut(uuid)) {
            record.status = FileStatus::Failed;
            record.error = Some(
                Error::Cancelled {
                    name: record.filename.clone(),
                }
                .info(),
            );
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
        state.queue_mut().get_mut(self.uuid).ok().map(f)?;
        self.shared.record(&mut state)
    }
}

#[async_trait::async_trait]
impl ResumeSlot for RecordSlot {
    fn load(&self) -> Option<serde_json::Value> {
        let state = self.shared.lock();
        state.queue().get(self.uuid).and_then(|r| r.resume.clone())
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
