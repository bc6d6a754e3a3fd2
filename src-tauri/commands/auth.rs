//! Sign-in for the sources that have `auth`: what the source's pane asks
//! (status, sign in, cancel, sign out), by the frame id the host gave it.
//! Rust finds the source's name from the id; the sessions are kept by name.

use satchel_core::auth::AuthStatus;
use tauri::State;

use crate::error::Result;
use crate::state::AppState;

/// The event the UI hears when a source's sign-in changed; its payload is
/// the source's name.
pub const AUTH_EVENT: &str = "satchel://auth";

/// What the pane shows; `None` for a source without sign-in.
#[tauri::command]
pub async fn auth_status(source: u32, state: State<'_, AppState>) -> Result<Option<AuthStatus>> {
    let name = state.source_name(source)?;
    if !state.auth.has(&name) {
        return Ok(None);
    }
    Ok(Some(state.auth.status(&name).await?))
}

/// Runs a sign-in in the system browser; resolves when it ends (signed in,
/// or why not: the status says it too).
#[tauri::command]
pub async fn auth_sign_in(source: u32, state: State<'_, AppState>) -> Result<AuthStatus> {
    let name = state.source_name(source)?;
    // The outcome reaches the pane through the status (an error included).
    let _ = state.auth.sign_in(&name).await;
    Ok(state.auth.status(&name).await?)
}

#[tauri::command]
pub fn auth_cancel(source: u32, state: State<'_, AppState>) -> Result<()> {
    let name = state.source_name(source)?;
    Ok(state.auth.cancel(&name)?)
}

#[tauri::command]
pub async fn auth_sign_out(source: u32, state: State<'_, AppState>) -> Result<AuthStatus> {
    let name = state.source_name(source)?;
    state.auth.sign_out(&name).await?;
    Ok(state.auth.status(&name).await?)
}
