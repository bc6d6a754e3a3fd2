//! What the app keeps between commands, and the bridge from core events to
//! the webview.

use std::sync::{Arc, Mutex, MutexGuard};

use satchel_core::{EventSink, Picker, Snapshot, SourceRegistry};
use tauri::{AppHandle, Emitter};

/// The event the UI listens to; its payload is a whole [`Snapshot`].
pub const STATE_EVENT: &str = "satchel://state";

pub struct AppState {
    pub picker: Arc<Picker>,
    pub sources: Mutex<SourceRegistry>,
    /// Print the result as JSON on stdout when the app exits.
    pub json: bool,
    /// The language the window speaks (BCP 47).
    pub locale: String,
}

impl AppState {
    pub fn lock_sources(&self) -> MutexGuard<'_, SourceRegistry> {
        self.sources
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Fails when the policy's `builtinSources` turned this built-in source off.
    pub fn require_source(&self, builtin: &str) -> Result<(), crate::error::Error> {
        if self.lock_sources().offers(builtin) {
            Ok(())
        } else {
            Err(crate::error::Error::SourceOff(builtin.to_owned()))
        }
    }

    /// The name the source in frame `id` acts as, if it loaded cleanly.
    pub fn source_name(&self, id: u32) -> satchel_core::Result<String> {
        self.lock_sources().name(id).map(str::to_owned)
    }
}

/// Forwards every core state change to the webview.
pub struct WebviewEvents(pub AppHandle);

impl EventSink for WebviewEvents {
    fn state_changed(&self, snapshot: &Snapshot) {
        // Emitting only fails once the app is going away; nothing to tell then.
        let _ = self.0.emit(STATE_EVENT, snapshot);
    }
}
