//! The picker's state as plain data: the queue, the notices, and what the
//! running upload needs to know about it (which files it holds, how to stop
//! each, which files wait to join it).
//!
//! When working on this file, keep in mind:
//! - nothing here locks, saves or sends: `Picker::update` does, around
//!   every change made through these methods;
//! - a run looks only at the files that arrived or were retried while it
//!   goes, never the whole queue (a queue may hold 100,000 files).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::events::{FileView, Notice, Sending, Snapshot, Speed, Totals};
use crate::queue::Queue;
use crate::{ErrorInfo, FileRecord, FileStatus};

/// Progress snapshots are sent at most this often; a UI cannot show more.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

#[derive(Default)]
pub(crate) struct State {
    queue: Queue,
    notices: Vec<Notice>,
    next_notice: u64,
    run: Option<Run>,
    finished: bool,
    last_progress: Option<Instant>,
    revision: u64,
    /// The speed of each file being sent.
    speeds: HashMap<Uuid, Speed>,
    /// Each file of the running upload, with how to stop it once its turn
    /// came (None while it waits: 100,000 may wait, and need no tokens).
    stops: HashMap<Uuid, Option<Stops>>,
    /// Failed files the person retried while a run was going: they join it.
    rejoin: HashSet<Uuid>,
    /// Files queued while a run was going, not yet looked at by it.
    arrivals: Vec<Uuid>,
    /// Set while `Picker::pause_until_idle` waits: no file joins the run.
    holding: bool,
}

/// The two ways to stop one file: for good, or for now.
#[derive(Clone, Default)]
pub(crate) struct Stops {
    pub cancel: CancellationToken,
    pub pause: CancellationToken,
}

/// A file of the run waiting for its turn: only what the scheduler needs
/// (100,000 may wait), the record itself is read when its turn comes.
#[derive(Clone, Copy)]
pub(crate) struct Waiting {
    pub uuid: Uuid,
    /// Its permits in the run's semaphore.
    pub weight: u32,
}

impl Waiting {
    pub fn of(file: &FileRecord, weigh: impl Fn(&FileRecord) -> u32) -> Self {
        Waiting {
            uuid: file.uuid,
            weight: weigh(file),
        }
    }
}

/// The upload that is running.
struct Run {
    started: Instant,
    /// Bytes already at the destination when it started (for the rate).
    transferred_before: u64,
}

impl State {
    pub fn queue(&self) -> &Queue {
        &self.queue
    }

    pub fn queue_mut(&mut self) -> &mut Queue {
        &mut self.queue
    }

    /// Counts one change, for the snapshot's revision.
    pub fn changed(&mut self) {
        self.revision += 1;
    }

    /// Queues files; a run going on gets to look at them.
    pub fn add(&mut self, records: Vec<Arc<FileRecord>>) {
        if self.run.is_some() {
            self.arrivals.extend(records.iter().map(|r| r.uuid));
        }
        self.queue.extend(records);
        self.finished = false;
    }

    pub fn notify(&mut self, error: ErrorInfo) {
        self.next_notice += 1;
        self.notices.push(Notice {
            id: self.next_notice,
            error,
        });
    }

    pub fn notices(&self) -> &[Notice] {
        &self.notices
    }

    /// Whether a notice of this kind is shown already.
    pub fn has_notice(&self, kind: &str) -> bool {
        self.notices.iter().any(|n| n.error.kind == kind)
    }

    pub fn dismiss(&mut self, id: u64) {
        self.notices.retain(|n| n.id != id);
    }

    pub fn is_running(&self) -> bool {
        self.run.is_some()
    }

    /// Starts a run of `files`; each gets its stops when its turn comes
    /// ([`State::start`]).
    pub fn begin_run(&mut self, files: &[Waiting]) {
        self.run = Some(Run {
            started: Instant::now(),
            transferred_before: self.transferred(),
        });
        self.arrivals.clear();
        self.stops.clear();
        self.stops
            .extend(files.iter().map(|file| (file.uuid, None)));
    }

    /// A file of the run whose turn came: its stops, or None when it is no
    /// longer waiting in this run (stopped while it waited, or started).
    pub fn start(&mut self, uuid: Uuid) -> Option<Stops> {
        let slot = self.stops.get_mut(&uuid)?;
        if slot.is_some() {
            return None;
        }
        Some(slot.insert(Stops::default()).clone())
    }

    /// How many files the run holds, waiting or started.
    pub fn run_size(&self) -> usize {
        self.stops.len()
    }

    /// Whether a file is in the run but its turn has not come.
    pub fn is_waiting(&self, uuid: Uuid) -> bool {
        matches!(self.stops.get(&uuid), Some(None))
    }

    /// Takes the files still waiting out of the run, to stop them.
    pub fn take_waiting(&mut self) -> Vec<Uuid> {
        let waiting: Vec<Uuid> = self
            .stops
            .iter()
            .filter(|(_, stops)| stops.is_none())
            .map(|(uuid, _)| *uuid)
            .collect();
        for uuid in &waiting {
            self.stops.remove(uuid);
        }
        waiting
    }

    /// A file of the run is through (sent, failed, paused): its stops go.
    pub fn leave_run(&mut self, uuid: Uuid) {
        self.stops.remove(&uuid);
    }

    /// Takes one waiting file out of the run.
    pub fn take_one_waiting(&mut self, uuid: Uuid) {
        if self.is_waiting(uuid) {
            self.stops.remove(&uuid);
        }
    }

    /// Ends the run; `finished` when it sent everything there was.
    pub fn end_run(&mut self) {
        self.arrivals.clear();
        self.run = None;
        self.stops.clear();
        self.speeds.clear();
        self.finished = self.queue.pending().next().is_none();
    }

    /// Ends a run that could not start, leaving every file as it was.
    pub fn abandon_run(&mut self) {
        self.run = None;
        self.stops.clear();
    }

    /// How to stop a file of the run whose turn came.
    pub fn stops(&self, uuid: Uuid) -> Option<&Stops> {
        self.stops.get(&uuid)?.as_ref()
    }

    /// How to stop every file of the run whose turn came.
    pub fn all_stops(&self) -> impl Iterator<Item = &Stops> {
        self.stops.values().flatten()
    }

    /// A failed file retried while the run goes: it joins the run.
    pub fn rejoin(&mut self, uuid: Uuid) {
        self.stops.remove(&uuid);
        self.rejoin.insert(uuid);
    }

    pub fn hold(&mut self, on: bool) {
        self.holding = on;
    }

    /// Forgets the files that arrived so far: they stay out of the run.
    pub fn overlook_arrivals(&mut self) {
        self.arrivals.clear();
    }

    /// Files that join the running upload: every file queued meanwhile in
    /// the background mode, and retried files always; none while holding.
    /// Only those files are looked at, never the whole queue.
    pub fn joining(&self, background: bool) -> Vec<Uuid> {
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

    /// Makes the joining files part of the run, waiting for their turn.
    pub fn take_joining(
        &mut self,
        background: bool,
        weigh: impl Fn(&FileRecord) -> u32,
    ) -> Vec<Waiting> {
        let joining = self.joining(background);
        self.rejoin.clear();
        self.arrivals.clear();
        let joining: Vec<Waiting> = joining
            .into_iter()
            .filter_map(|uuid| self.queue.get(uuid).map(|f| Waiting::of(f, &weigh)))
            .collect();
        self.stops
            .extend(joining.iter().map(|file| (file.uuid, None)));
        joining
    }

    /// Notes how fast a file is being sent (`Speed::default()` once it is
    /// not).
    pub fn set_speed(&mut self, uuid: Uuid, speed: Speed) {
        if speed == Speed::default() {
            self.speeds.remove(&uuid);
        } else {
            self.speeds.insert(uuid, speed);
        }
    }

    /// Whether a progress snapshot is due (at most one per
    /// [`PROGRESS_INTERVAL`]); when it is, the next one waits again.
    pub fn progress_due(&mut self) -> bool {
        let due = self
            .last_progress
            .is_none_or(|at| at.elapsed() >= PROGRESS_INTERVAL);
        if due {
            self.last_progress = Some(Instant::now());
        }
        due
    }

    fn transferred(&self) -> u64 {
        self.queue.files().iter().map(|f| f.transferred).sum()
    }

    /// The files being sent, and how many are through: a look at the queue
    /// that copies only the few files in flight.
    pub fn sending(&self) -> Sending {
        let mut sending = Sending {
            total: self.queue.files().len(),
            ..Sending::default()
        };
        for file in self.queue.records() {
            match file.status {
                FileStatus::Uploading => sending.files.push(FileView::of(
                    file,
                    self.speeds.get(&file.uuid).copied().unwrap_or_default(),
                )),
                FileStatus::Done | FileStatus::Failed => sending.through += 1,
                FileStatus::Queued => {}
            }
        }
        sending
    }

    /// The whole state as the outside world sees it, with the run's rate
    /// and time left.
    pub fn snapshot(&self, destination: &str) -> Snapshot {
        let files = self.queue.files();
        let size: u64 = files.iter().map(|f| f.size).sum();
        let transferred = self.transferred();
        let (rate, eta) = match &self.run {
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
            revision: self.revision,
            files: files
                .iter()
                .map(|f| FileView::of(f, self.speeds.get(&f.uuid).copied().unwrap_or_default()))
                .collect(),
            totals: Totals {
                files: files.len(),
                size,
                transferred,
                rate,
                eta,
            },
            uploading: self.run.is_some(),
            finished: self.finished,
            destination: destination.to_owned(),
            notices: self.notices.clone(),
        }
    }
}
