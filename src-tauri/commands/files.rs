//! Choosing, listing and removing files.

use std::path::PathBuf;

use satchel_core::actions::RawBegin;
use satchel_core::{RawStarted, Snapshot, LOCAL_SOURCE};
use tauri::ipc::Request;
use tauri::{AppHandle, State};

use crate::commands::{chunk::Chunk, parse_id, Whole};
use crate::dialog::{self, Pick};
use crate::error::Result;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub fn get_state(state: State<'_, AppState>) -> Snapshot {
    state.picker.snapshot()
}

#[tauri::command]
#[specta::specta]
pub async fn choose_files(app: AppHandle, state: State<'_, AppState>) -> Result<Snapshot> {
    state.require_source(LOCAL_SOURCE)?;
    let paths = dialog::pick(&app, Pick::Files).await?;
    add(&state, paths).await
}

#[tauri::command]
#[specta::specta]
pub async fn choose_folder(app: AppHandle, state: State<'_, AppState>) -> Result<Snapshot> {
    state.require_source(LOCAL_SOURCE)?;
    let paths = dialog::pick(&app, Pick::Folder).await?;
    add(&state, paths).await
}

/// Paths handed over by the OS: drag and drop, or a second launch.
#[tauri::command]
#[specta::specta]
pub async fn add_paths(paths: Vec<PathBuf>, state: State<'_, AppState>) -> Result<Snapshot> {
    state.require_source(LOCAL_SOURCE)?;
    add(&state, paths).await
}

#[tauri::command]
#[specta::specta]
pub fn remove_file(uuid: String, state: State<'_, AppState>) -> Result<Snapshot> {
    let removed = state.picker.remove(parse_id(&uuid)?)?;
    // A paused or failed upload may have left a partial upload on the
    // server; drop it there too, in the background (best effort).
    if removed.resume.is_some() {
        let picker = state.picker.clone();
        tauri::async_runtime::spawn(async move {
            let _ = picker.discard(&removed).await;
        });
    }
    Ok(state.picker.snapshot())
}

/// A small picture of the file for the summary; `None` shows a type icon.
#[tauri::command]
#[specta::specta]
pub async fn thumbnail(uuid: String, state: State<'_, AppState>) -> Result<Option<String>> {
    Ok(state.picker.thumbnail(parse_id(&uuid)?).await?)
}

/// Files dropped or pasted into the window without a path on disk (a
/// picture copied from another program, say) are streamed into the spool in
/// chunks, like a custom source's `addRawFile`, and belong to "My device".
/// A file that cannot be added also becomes a notice, so when several are
/// dropped together every refusal stays in view.
#[tauri::command]
#[specta::specta]
pub fn add_blob_begin(
    name: Option<String>,
    mime: Option<String>,
    size: Whole,
    state: State<'_, AppState>,
) -> Result<RawStarted> {
    let Whole(size) = size;
    noted(&state, || {
        state.require_source(LOCAL_SOURCE)?;
        Ok(state
            .picker
            .raw_begin(LOCAL_SOURCE, RawBegin { name, mime, size })?)
    })
}

#[tauri::command]
pub async fn add_blob_chunk(request: Request<'_>, state: State<'_, AppState>) -> Result<()> {
    let chunk = Chunk::of(&request)?;
    let picker = state.picker.clone();
    let written = tauri::async_runtime::spawn_blocking(move || {
        picker.raw_chunk(LOCAL_SOURCE, chunk.spool, chunk.offset, &chunk.bytes)
    })
    .await;
    noted(&state, || Ok(written??))
}

#[tauri::command]
#[specta::specta]
pub fn add_blob_finish(spool: String, state: State<'_, AppState>) -> Result<Snapshot> {
    noted(&state, || {
        state.picker.raw_finish(LOCAL_SOURCE, parse_id(&spool)?)?;
        Ok(())
    })?;
    Ok(state.picker.snapshot())
}

#[tauri::command]
#[specta::specta]
pub fn add_blob_abort(spool: String, state: State<'_, AppState>) -> Result<()> {
    state.picker.raw_abort(LOCAL_SOURCE, parse_id(&spool)?);
    Ok(())
}

/// Runs `step`, and shows its error as a notice too.
fn noted<T>(state: &AppState, step: impl FnOnce() -> Result<T>) -> Result<T> {
    step().inspect_err(|e| state.picker.notice(e.info()))
}

#[tauri::command]
#[specta::specta]
pub fn dismiss_notice(id: Whole, state: State<'_, AppState>) -> Snapshot {
    state.picker.dismiss_notice(id.0);
    state.picker.snapshot()
}

/// Adding reads every file's first bytes, so it runs off the async workers.
async fn add(state: &AppState, paths: Vec<PathBuf>) -> Result<Snapshot> {
    let picker = state.picker.clone();
    let snapshot = tauri::async_runtime::spawn_blocking(move || {
        picker.add_paths(&paths, LOCAL_SOURCE);
        picker.snapshot()
    })
    .await?;
    Ok(snapshot)
}
