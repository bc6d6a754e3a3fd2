//! Editing a picture before it is uploaded: the editor's preview (made in
//! Rust, so the webview never loads the file) and the edit, stored with the
//! file and applied in Rust when it uploads.

use satchel_core::imaging::Edit;
use satchel_core::Snapshot;
use tauri::State;

use crate::commands::parse_id;
use crate::error::Result;
use crate::state::AppState;

/// The longest side of the editor's preview, in pixels.
const PREVIEW_SIZE: u32 = 1024;

/// The picture upright and turned by `turns` quarters (clockwise), as a
/// `data:` URL no larger than [`PREVIEW_SIZE`].
#[tauri::command]
#[specta::specta]
pub async fn picture_preview(
    uuid: String,
    turns: i32,
    state: State<'_, AppState>,
) -> Result<String> {
    let uuid = parse_id(&uuid)?;
    Ok(state
        .picker
        .picture_preview(uuid, false, turns, PREVIEW_SIZE)
        .await?)
}

/// Stores the edit (`null` resets the picture to as it is).
#[tauri::command]
#[specta::specta]
pub async fn set_edit(
    uuid: String,
    edit: Option<Edit>,
    state: State<'_, AppState>,
) -> Result<Snapshot> {
    state.picker.set_edit(parse_id(&uuid)?, edit).await?;
    Ok(state.picker.snapshot())
}
