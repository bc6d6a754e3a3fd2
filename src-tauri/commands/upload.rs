//! Starting, pausing and cancelling the upload, and leaving the picker.

use crate::commands::parse_id;
use crate::error::Result;
use crate::state::AppState;
use satchel_core::Snapshot;
use tauri::{AppHandle, State};

/// Starts uploading in the background; progress and the outcome arrive as
/// state events. Errors that stop the whole run show up as notices.
#[tauri::command]
#[specta::specta]
pub fn start_upload(state: State<'_, AppState>) {
    spawn_upload(&state);
}

pub fn spawn_upload(state: &AppState) {
    let picker = state.picker.clone();
    tauri::async_runtime::spawn(async move {
        // Errors are already in the picker's state as notices, and a run
        // that is going on takes newly added files in by itself.
        let _ = picker.upload().await;
    });
}

/// Stops one file for good; the destination cleans up what it had begun.
#[tauri::command]
#[specta::specta]
pub fn cancel_file(uuid: String, state: State<'_, AppState>) -> Result<Snapshot> {
    state.picker.cancel(parse_id(&uuid)?)?;
    Ok(state.picker.snapshot())
}

#[tauri::command]
#[specta::specta]
pub fn cancel_all(state: State<'_, AppState>) -> Snapshot {
    state.picker.cancel_all();
    state.picker.snapshot()
}

/// Stops one file for now; the next upload resumes it from the server.
#[tauri::command]
#[specta::specta]
pub fn pause_file(uuid: String, state: State<'_, AppState>) -> Result<Snapshot> {
    state.picker.pause(parse_id(&uuid)?)?;
    Ok(state.picker.snapshot())
}

#[tauri::command]
#[specta::specta]
pub fn pause_all(state: State<'_, AppState>) -> Snapshot {
    state.picker.pause_all();
    state.picker.snapshot()
}

/// Sends a failed file again: it joins the running upload, or starts an
/// upload of that file alone.
#[tauri::command]
#[specta::specta]
pub fn retry_file(uuid: String, state: State<'_, AppState>) -> Result<Snapshot> {
    let id = parse_id(&uuid)?;
    if !state.picker.retry(id)? {
        let picker = state.picker.clone();
        tauri::async_runtime::spawn(async move {
            // Errors end up in the picker's state as notices.
            let _ = picker.upload_where(|f| f.uuid == id).await;
        });
    }
    Ok(state.picker.snapshot())
}

/// Closes the picker; with `--json` the result is printed on the way out.
#[tauri::command]
#[specta::specta]
pub fn finish(app: AppHandle) {
    app.exit(0);
}
