//! Starting the upload and leaving the picker.

use tauri::{AppHandle, State};

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

/// Closes the picker; with `--json` the result is printed on the way out.
#[tauri::command]
pub fn finish(app: AppHandle) {
    app.exit(0);
}
