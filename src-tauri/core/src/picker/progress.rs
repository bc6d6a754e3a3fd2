//! One file's progress, its rate and time left, reported into the picker
//! and sent on at most ten times a second.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use uuid::Uuid;

use super::shared::Shared;
use crate::destination::Progress;
use crate::events::Speed;

/// Reports one file's progress into the picker, throttled.
pub(crate) struct FileProgress {
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
    pub fn new(shared: Arc<Shared>, uuid: Uuid, destination: String) -> Self {
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
            if let Ok(record) = state.queue_mut().get_mut(self.uuid) {
                record.transferred = transferred.min(record.size);
                let left = record.size.saturating_sub(record.transferred) as f64;
                let eta = rate.map(|r| left / r);
                state.set_speed(self.uuid, Speed { rate, eta });
            }
            state.changed();
            if !state.progress_due() {
                return;
            }
            // A snapshot copies the whole queue: a sink that takes its own
            // when it is ready (the webview's) is only told.
            if !self.shared.sink.wants_snapshots() {
                drop(state);
                return self.shared.sink.changed();
            }
            state.snapshot(&self.destination)
        };
        self.shared.sink.state_changed(&snapshot);
    }
}
