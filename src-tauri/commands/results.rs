//! What the done view offers for an uploaded file: copying its link, and
//! showing the folder it landed in. Both take the file's id, never a path or
//! text from the page, so the page cannot open or copy anything else.

use std::path::PathBuf;

use tauri::{AppHandle, State};

use crate::error::{Error, Result};
use crate::state::AppState;

/// Puts where the file landed (a URL, or a path for a folder) on the clipboard.
#[tauri::command]
#[specta::specta]
pub fn copy_link(uuid: String, app: AppHandle, state: State<'_, AppState>) -> Result<String> {
    let landed = landed(&state, &uuid)?;
    crate::clipboard::set_text(&app, landed.clone())?;
    Ok(landed)
}

/// Opens the folder a file was uploaded to in the file manager.
#[tauri::command]
#[specta::specta]
pub fn open_folder(uuid: String, state: State<'_, AppState>) -> Result<()> {
    let landed = PathBuf::from(landed(&state, &uuid)?);
    let folder = landed
        .parent()
        .filter(|_| landed.is_absolute())
        .filter(|folder| folder.is_dir())
        .ok_or_else(|| Error::NotOnDisk(landed.display().to_string()))?;
    open::that_detached(folder).map_err(|e| Error::Open(format!("{}: {e}", folder.display())))
}

fn landed(state: &AppState, uuid: &str) -> Result<String> {
    let id = crate::commands::parse_id(uuid)?;
    let file = state.picker.file(id)?;
    file.landed
        .ok_or_else(|| Error::NotUploaded(file.display_name.clone()))
}
