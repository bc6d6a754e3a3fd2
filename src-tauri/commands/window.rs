//! The window itself: what the view needs to know once (language,
//! restrictions), and closing it while files are still uploading.

use std::sync::Arc;

use satchel_core::{Picker, PickerOptions};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, State};

use crate::error::Result;
use crate::state::AppState;

/// Sent to the view when the window is asked to close during an upload.
pub const CLOSE_REQUESTED_EVENT: &str = "satchel://close-requested";

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
