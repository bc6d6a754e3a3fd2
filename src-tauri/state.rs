//! What the app keeps between commands, and the bridge from core events to
//! the webview.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::{Duration, Instant};

use satchel_core::{EventSink, FileView, Picker, Snapshot, SourceRegistry};
use serde::Serialize;
use tauri::{AppHandle, Emitter};
use uuid::Uuid;

/// The event the UI listens to; its payload is a [`StatePatch`].
pub const STATE_EVENT: &str = "satchel://state";

pub struct AppState {
    pub picker: Arc<Picker>,
    pub sources: Mutex<SourceRegistry>,
    /// Custom sources' `localStorage`, one folder per source name.
    pub storage: satchel_core::SourceStorage,
    /// Sources' sign-ins, by source name.
    pub auth: Arc<satchel_core::auth::SignIns>,
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
/// changes: with a thousand small files finishing at once, one event per
/// change kept the UI from drawing at all. Ten a second, the pace the core
/// reports progress at (`picker/progress.rs`): at twenty, a run of small
/// files (each one starting and landing is a change) sent twice the events
/// for the same progress, and each costs a look at every file here and a
/// redraw in the web process, on two cores shared with the upload.
const EVENT_INTERVAL: Duration = Duration::from_millis(100);

/// What changed since the last event, for the view to apply to what it
/// has: the files that changed or are new, the order of every file when it
/// changed (a file not in it is gone), and the rest of the snapshot whole
/// (it is small). With ten thousand files and a few uploading, an event
/// carries a few records, not ten thousand.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatePatch {
    /// The revision of the previous event: the view applies this patch to a
    /// state at least that new, and asks for the whole state otherwise.
    pub base: u64,
    pub changed: Vec<FileView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<Vec<Uuid>>,
    /// Everything else; its `files` is left empty.
    #[serde(flatten)]
    pub rest: Snapshot,
}

/// Forwards core state changes to the webview, coalesced: at most one event
/// per [`EVENT_INTERVAL`], each a [`StatePatch`] against the one before, and
/// always the latest state last. The core is told not to copy the queue per
/// change; a copy is taken here once per event.
pub struct WebviewEvents {
    app: AppHandle,
    picker: OnceLock<Weak<Picker>>,
    pending: Arc<Mutex<Pending>>,
    /// What the view was last sent. Held while an event is made and sent,
    /// so events leave in order.
    sent: Arc<Mutex<Sent>>,
}

#[derive(Default)]
struct Pending {
    /// A delayed emit is on its way and will take the state when it runs.
    scheduled: bool,
    last_sent: Option<Instant>,
}

#[derive(Default)]
struct Sent {
    revision: u64,
    /// Each file as last sent, to find what changed (compared as values:
    /// turning a thousand files into JSON twenty times a second to compare
    /// them cost more than the rest of the event).
    files: HashMap<Uuid, FileView>,
    order: Vec<Uuid>,
}

impl WebviewEvents {
    pub fn new(app: AppHandle) -> Self {
        WebviewEvents {
            app,
            picker: OnceLock::new(),
            pending: Arc::default(),
            sent: Arc::default(),
        }
    }

    /// The picker to take the state from (made after this sink).
    pub fn watch(&self, picker: &Arc<Picker>) {
        let _ = self.picker.set(Arc::downgrade(picker));
    }
}

impl EventSink for WebviewEvents {
    fn state_changed(&self, _: &Snapshot) {
        self.changed();
    }

    fn wants_snapshots(&self) -> bool {
        false
    }

    fn changed(&self) {
        let mut pending = lock(&self.pending);
        if pending.scheduled {
            return;
        }
        pending.scheduled = true;
        let since = pending.last_sent.map_or(EVENT_INTERVAL, |at| at.elapsed());
        drop(pending);
        let wait = EVENT_INTERVAL.saturating_sub(since);
        let (app, pending, sent) = (self.app.clone(), self.pending.clone(), self.sent.clone());
        let Some(picker) = self.picker.get().cloned() else {
            lock(&self.pending).scheduled = false;
            return;
        };
        tauri::async_runtime::spawn(async move {
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            {
                let mut pending = lock(&pending);
                pending.scheduled = false;
                pending.last_sent = Some(Instant::now());
            }
            let Some(picker) = picker.upgrade() else {
                return;
            };
            // A copy of the queue and a look at every record, off the
            // async workers: ten thousand files take milliseconds.
            let _ = tauri::async_runtime::spawn_blocking(move || {
                let mut sent = lock(&sent);
                let patch = sent.patch(picker.snapshot());
                // Emitting only fails once the app is going away.
                let _ = app.emit(STATE_EVENT, &patch);
            })
            .await;
        });
    }
}

impl Sent {
    /// What changed since the last patch, which becomes the new base.
    fn patch(&mut self, mut snapshot: Snapshot) -> StatePatch {
        let files = std::mem::take(&mut snapshot.files);
        let order: Vec<Uuid> = files.iter().map(|f| f.uuid).collect();
        let mut changed = Vec::new();
        let mut seen = HashMap::with_capacity(files.len());
        for file in files {
            if self.files.get(&file.uuid) != Some(&file) {
                changed.push(file.clone());
            }
            seen.insert(file.uuid, file);
        }
        let base = self.revision;
        self.revision = snapshot.revision;
        self.files = seen;
        let order = (order != self.order).then(|| {
            self.order = order.clone();
            order
        });
        StatePatch {
            base,
            changed,
            order,
            rest: snapshot,
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
