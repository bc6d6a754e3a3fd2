//! The window itself: what the view needs to know once (language,
//! restrictions), and closing it: while files are still uploading, and
//! with a source shown (its `unmounted` runs first).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use satchel_core::{Picker, PickerOptions};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, State};

use crate::error::Result;
use crate::state::AppState;

/// Sent to the view when the window is asked to close during an upload.
pub const CLOSE_REQUESTED_EVENT: &str = "satchel://close-requested";

/// Sent to the view when the window is asked to close with a source shown:
/// the view unmounts it, then closes (`close_window`).
pub const UNMOUNT_ALL_EVENT: &str = "satchel://unmount-all";

/// How long the sources' `unmounted` may take before the window closes
/// anyway: a source that hangs (on the page's own thread) cannot keep it
/// open. The view gives up waiting sooner (`ui/src/App.svelte`).
const UNMOUNT_DEADLINE: Duration = Duration::from_millis(1500);

/// Asks the view to unmount the shown source before the window closes,
/// once per close; false when there is none (or it was asked already), so
/// the window closes now.
pub fn unmount_before_closing(window: &tauri::Window, state: &AppState) -> bool {
    let sources = state.lock_sources();
    let shown = sources.entries().iter().any(|e| sources.is_mounted(e.id));
    drop(sources);
    if !shown || state.closing.swap(true, Ordering::SeqCst) {
        return false;
    }
    if tauri::Emitter::emit(window, UNMOUNT_ALL_EVENT, ()).is_err() {
        return false;
    }
    let (window, picker) = (window.clone(), state.picker.clone());
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(UNMOUNT_DEADLINE).await;
        // Still shown: the view did not close it in time. (Hidden, it is
        // closing already, perhaps after an upload in the background.) A
        // source still running on the page's thread would hold up
        // destroying the page, so the window is hidden and Satchel exits
        // as the view would have had it.
        if window.is_visible().unwrap_or(false) {
            let _ = window.hide();
            exit_when_idle(window.app_handle().clone(), picker, CloseChoice::Background);
        }
    });
    true
}

#[derive(Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UiConfig {
    /// `--lang` or the config's `lang`, else the system's locale (BCP 47).
    pub locale: String,
    pub options: PickerOptions,
    /// `maxFiles` when nobody set it: not worth showing as a restriction.
    #[specta(type = specta_typescript::Number)]
    pub default_max_files: usize,
}

#[tauri::command]
#[specta::specta]
pub fn ui_config(state: State<'_, AppState>) -> UiConfig {
    UiConfig {
        locale: state.locale.clone(),
        options: state.picker.options().clone(),
        default_max_files: PickerOptions::default().max_files,
    }
}

/// What the person chose when closing during an upload.
#[derive(Debug, Clone, Copy, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum CloseChoice {
    /// Hide the window; the upload goes on and Satchel exits when it ends.
    Background,
    /// Pause every file (the queue is saved and resumes next time), then close.
    PauseAndClose,
}

#[tauri::command]
#[specta::specta]
pub fn close_window(choice: CloseChoice, app: AppHandle, state: State<'_, AppState>) -> Result<()> {
    if let Some(window) = app.get_webview_window("main") {
        window.hide()?;
    }
    exit_when_idle(app, state.picker.clone(), choice);
    Ok(())
}

/// Exits once no upload runs; when pausing, no file joins the run
/// meanwhile. A window brought back by a second launch stays: the person is
/// using it again.
fn exit_when_idle(app: AppHandle, picker: Arc<Picker>, choice: CloseChoice) {
    tauri::async_runtime::spawn(async move {
        match choice {
            CloseChoice::Background => picker.idle().await,
            CloseChoice::PauseAndClose => picker.pause_until_idle().await,
        }
        let shown = app
            .get_webview_window("main")
            .and_then(|window| window.is_visible().ok())
            .unwrap_or(false);
        if !shown {
            app.exit(0);
        }
    });
}

/// The language to show: the one asked for, else the system's locale from
/// the environment (`LC_ALL`, `LC_MESSAGES`, `LANG`), else English.
pub fn pick_locale(asked: Option<&str>) -> String {
    asked
        .map(str::to_owned)
        .or_else(sys_locale::get_locale)
        .map(|tag| tag.replace('_', "-"))
        .filter(|tag| !tag.is_empty() && tag != "C" && tag != "POSIX")
        .unwrap_or_else(|| "en".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_asked_language_wins_and_posix_locales_fall_back_to_english() {
        assert_eq!(pick_locale(Some("de")), "de");
        assert_eq!(pick_locale(Some("de_AT")), "de-AT");
        assert_eq!(pick_locale(Some("C")), "en");
    }
}
