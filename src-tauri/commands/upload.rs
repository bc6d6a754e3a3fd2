//! Starting the upload and leaving the picker.

use tauri::{AppHandle, State};

use crate::state::AppState;

/// Starts uploading in the background; progress and the outcome arrive as
/// state events. Errors that stop the whole run show up as notices.
#[tauri::command]
pub fn start_upload(state: State<'_, AppState>) {
    spawn_upload(&state);
}

pub fn spawn_upload(state: &AppState) {
    let picker = state.picker.clone();
    tauri::async_runtime::spawn(async move {
        // Errors are already in the picker's state as notices, and a run
        // that is going on picks up newly added files by itself.
        let _ = picker.upload().await;
    });
}

/// With `uploadInBackground`, files start uploading as soon as they are added.
pub fn after_add(state: &AppState) {
    if state.picker.options().upload_in_background {
        spawn_upload(state);
    }
}

/// Closes the picker; with `--json` the result is printed on the way out.
#[tauri::command]
pub fn finish(app: AppHandle) {
    app.exit(0);
}
