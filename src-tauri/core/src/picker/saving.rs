//! What of the picker's state goes to the journal, and when.
//!
//! When working on this file, keep in mind:
//! - a change is given to the journal under the lock that made it, so the
//!   journal holds changes in the order they were made;
//! - only the files changed since last time are written, and now and then
//!   the whole queue, so the file never grows past about twice the queue.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::state::State;
use crate::persist::{Entry, Journal};

/// The journal of a picker that saves its queue.
pub(crate) struct Persist {
    journal: Journal,
    /// Lines given to the journal since it was last written whole.
    since_whole: AtomicUsize,
}

impl Persist {
    pub fn new(journal: Journal) -> Self {
        Persist {
            journal,
            since_whole: AtomicUsize::new(0),
        }
    }

    /// Gives the journal what changed in the queue. Returns the change's
    /// number, to wait for it to be on disk.
    pub fn record(&self, state: &mut State) -> u64 {
        let queue = state.queue_mut();
        let files = queue.files().len();
        let grown = self.since_whole.load(Ordering::Relaxed) > 1024 + 2 * files;
        let entries = if grown || self.journal.wants_full() {
            queue.clear_changed();
            self.since_whole.store(0, Ordering::Relaxed);
            // The records themselves, shared: no copy of the queue.
            vec![Entry::Full(queue.files().to_vec())]
        } else {
            let changed = queue.take_changed();
            changed
                .into_iter()
                .map(|uuid| match queue.get(uuid) {
                    Some(file) => Entry::File(Box::new(file.into())),
                    None => Entry::Removed(uuid),
                })
                .collect()
        };
        self.since_whole.fetch_add(entries.len(), Ordering::Relaxed);
        self.journal.push(entries)
    }

    /// Waits until change `seq` is on disk.
    pub async fn durable(&self, seq: u64) {
        self.journal.durable(seq).await;
    }

    /// Waits until every change given so far is on disk.
    pub async fn all_durable(&self) {
        self.journal.durable(self.journal.last()).await;
    }

    /// [`Persist::all_durable`], blocking the thread.
    pub fn all_durable_blocking(&self) {
        self.journal.durable_blocking(self.journal.last());
    }
}
