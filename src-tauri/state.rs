//! What the app keeps between commands, and the bridge from core events to
//! the webview.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use satchel_core::{EventSink, Picker, Snapshot, SourceRegistry};
use tauri::{AppHandle, Emitter};

/// The event the UI listens to; its payload is a whole [`Snapshot`].
pub const STATE_EVENT: &str = "satchel://state";

pub struct AppState {
    pub picker: Arc<Picker>,
    pub sources: Mutex<SourceRegistry>,
    /// Custom sources' `localStorage`, one folder per source name.
    pub storage: satchel_core::SourceStorage,
    /// Print the result as JSON on stdout when the app exits.
    pub json: bool,
    /// The language the window speaks (BCP 47).
    pub locale: String,
    /// The window was asked to close and the sources to unmount: the next
    /// close request goes through (`commands/window.rs`).
    pub closing: std::sync::atomic::AtomicBool,
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

/// The most state events the webview gets per second, whatever the pace of
/// changes: each carries the whole queue, and with a thousand small files
/// finishing at once, one event per change kept the UI from drawing at all.
const EVENT_INTERVAL: Duration = Duration::from_millis(50);

/// Forwards core state changes to the webview, coalesced: at most one event
/// per [`EVENT_INTERVAL`], and always the latest snapshot last (the UI keeps
/// the newest revision, so a skipped one is never missed).
pub struct WebviewEvents {
    app: AppHandle,
    pending: Arc<Mutex<Pending>>,
}

#[derive(Default)]
struct Pending {
    latest: Option<Snapshot>,
    /// A delayed emit is on its way and will send `latest`.
    scheduled: bool,
    last_sent: Option<Instant>,
}

impl WebviewEvents {
    pub fn new(app: AppHandle) -> Self {
        WebviewEvents {
            app,
            pending: Arc::default(),
        }
    }
}

impl EventSink for WebviewEvents {
    fn state_changed(&self, snapshot: &Snapshot) {
        let mut pending = lock(&self.pending);
        pending.latest = Some(snapshot.clone());
        if pending.scheduled {
            return;
        }
        let since = pending.last_sent.map_or(EVENT_INTERVAL, |at| at.elapsed());
        if since >= EVENT_INTERVAL {
            let due = take(&mut pending);
            drop(pending);
            send(&self.app, due);
            return;
        }
        pending.scheduled = true;
        let (app, shared) = (self.app.clone(), self.pending.clone());
        tauri::async_runtime::spawn(async move {
            tokio::time::sleep(EVENT_INTERVAL - since).await;
            let due = {
                let mut pending = lock(&shared);
                pending.scheduled = false;
                take(&mut pending)
            };
            send(&app, due);
        });
    }
}

/// The snapshot to send now, if any. Sent outside the lock: events may then
/// arrive out of order, which the UI's revision check absorbs.
fn take(pending: &mut Pending) -> Option<Snapshot> {
    let latest = pending.latest.take();
    if latest.is_some() {
        pending.last_sent = Some(Instant::now());
    }
    latest
}

fn send(app: &AppHandle, snapshot: Option<Snapshot>) {
    if let Some(snapshot) = snapshot {
        // Emitting only fails once the app is going away; nothing to tell then.
        let _ = app.emit(STATE_EVENT, &snapshot);
    }
}

fn lock(pending: &Mutex<Pending>) -> MutexGuard<'_, Pending> {
    pending
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
