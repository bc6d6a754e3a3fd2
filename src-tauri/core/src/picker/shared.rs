//! What the picker shares with its uploads' tasks and progress reports: the
//! state behind its lock, the event sink, the wake-ups, and the journal.

use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use tokio::sync::Notify;

use super::saving::Persist;
use super::state::State;
use crate::events::EventSink;

pub(crate) struct Shared {
    state: Mutex<State>,
    pub sink: Arc<dyn EventSink>,
    /// Woken when files are queued, for a run that takes them in.
    pub added: Notify,
    /// Woken when files are queued, for `Picker::upload_in_background`.
    pub queued: Notify,
    /// Woken when a run ends, for `Picker::idle`.
    pub ended: Notify,
    /// Where the queue is saved after every change, if anywhere.
    store: OnceLock<Persist>,
}

impl Shared {
    pub fn new(sink: Arc<dyn EventSink>) -> Self {
        Shared {
            state: Mutex::new(State::default()),
            sink,
            added: Notify::new(),
            queued: Notify::new(),
            ended: Notify::new(),
            store: OnceLock::new(),
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere must not take the picker down with it: the state
        // is plain data and stays usable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Saves the queue from now on (once: a second store is ignored).
    pub fn save_to(&self, persist: Persist) {
        let _ = self.store.set(persist);
    }

    pub fn store(&self) -> Option<&Persist> {
        self.store.get()
    }

    /// Gives the journal what changed, if a store is set; the change's
    /// number, to wait for it to be on disk.
    pub fn record(&self, state: &mut State) -> Option<u64> {
        Some(self.store.get()?.record(state))
    }

    /// Waits until change `seq` is on disk.
    pub async fn durable(&self, seq: Option<u64>) {
        if let (Some(persist), Some(seq)) = (self.store.get(), seq) {
            persist.durable(seq).await;
        }
    }
}
