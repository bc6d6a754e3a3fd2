//! Starting, pausing and cancelling the upload, and leaving the picker.

use satchel_core::Snapshot;
use tauri::{AppHandle, State};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::state::AppState;

/// Starts uploading in the background; progress and the outcome arrive as
/// state events. Errors that stop the whole run show up as notices.
#[tauri::command]
pub fn start_upload(state: State<'_, AppState>) {
    let picker = state.picker.clone();
    tauri::async_runtime::spawn(async move {
        // The error is already in the picker's state as a notice.
        let _ = picker.upload().await;
    });
}

/// With `--upload-in-background`: sends what was just added, joining the
/// upload that runs if one does (then this start ends at once).
pub fn start_in_background(state: &AppState) {
    let picker = state.picker.clone();
    tauri::async_runtime::spawn(async move {
        // Errors are in the picker's state as notices; "already running"
        // means the running upload takes the new files in.
        let _ = picker.upload().await;
    });
}

/// Stops one file for good; the destination cleans up what it had begun.
#[tauri::command]
pub fn cancel_file(uuid: String, state: State<'_, AppState>) -> Result<Snapshot> {
    state.picker.cancel(parse_id(uuid)?)?;
    Ok(state.picker.snapshot())
}

#[tauri::command]
pub fn cancel_all(state: State<'_, AppState>) -> Snapshot {
    state.picker.cancel_all();
    state.picker.snapshot()
}

/// Stops one file for now; the next upload resumes it from the server.
#[tauri::command]
pub fn pause_file(uuid: String, state: State<'_, AppState>) -> Result<Snapshot> {
    state.picker.pause(parse_id(uuid)?)?;
    Ok(state.picker.snapshot())
}

#[tauri::command]
pub fn pause_all(state: State<'_, AppState>) -> Snapshot {
    state.picker.pause_all();
    state.picker.snapshot()
}

fn parse_id(uuid: String) -> Result<Uuid> {
    Uuid::parse_str(&uuid).map_err(|_| Error::InvalidId(uuid))
}

/// Closes the picker; with `--json` the result is printed on the way out.
#[tauri::command]
pub fn finish(app: AppHandle) {
    app.exit(0);
}
