//! What the app keeps between commands, and the bridge from core events to
//! the webview.

use std::sync::Arc;

use satchel_core::{EventSink, Picker, Snapshot};
use tauri::{AppHandle, Emitter};

/// The event the UI listens to; its payload is a whole [`Snapshot`].
pub const STATE_EVENT: &str = "satchel://state";

pub struct AppState {
    pub picker: Arc<Picker>,
    /// Print the result as JSON on stdout when the app exits.
    pub json: bool,
    /// Start uploading whenever files are added.
    pub background: bool,
}

/// Forwards every core state change to the webview.
pub struct WebviewEvents(pub AppHandle);

impl EventSink for WebviewEvents {
    fn state_changed(&self, snapshot: &Snapshot) {
        // Emitting only fails once the app is going away; nothing to tell then.
        let _ = self.0.emit(STATE_EVENT, snapshot);
    }
}
