//! The Link source: a URL the person pasted is looked at first (name, type,
//! size), then added by the same code as a custom source's `fetchAndAddUrl`,
//! through the same network guard.

use satchel_core::{Headers, Metadata, Snapshot, LINK_SOURCE};
use tauri::State;

use crate::error::Result;
use crate::state::AppState;

#[tauri::command]
pub async fn link_metadata(url: String, state: State<'_, AppState>) -> Result<Metadata> {
    state.require_source(LINK_SOURCE)?;
    Ok(state
        .picker
        .metadata(LINK_SOURCE, url.trim(), &Headers::new())
        .await?)
}

#[tauri::command]
pub async fn link_add(url: String, state: State<'_, AppState>) -> Result<Snapshot> {
    state.require_source(LINK_SOURCE)?;
    state
        .picker
        .fetch_and_add(LINK_SOURCE, url.trim(), &Headers::new())
        .await?;
    Ok(state.picker.snapshot())
}
