//! The window itself: what the view needs to know once (language,
//! restrictions), and closing it while files are still uploading.

use std::time::Duration;

use satchel_core::PickerOptions;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, State};

use crate::error::Result;
use crate::state::AppState;

/// Sent to the view when the window is asked to close during an upload.
pub const CLOSE_REQUESTED_EVENT: &str = "satchel://close-requested";

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UiConfig {
    /// `--lang` or the config's `lang`, else the system's locale (BCP 47).
    pub locale: String,
    pub options: PickerOptions,
}

#[tauri::command]
pub fn ui_config(state: State<'_, AppState>) -> UiConfig {
    UiConfig {
        locale: state.locale.clone(),
        options: state.picker.options().clone(),
    }
}

/// What the person chose when closing during an upload.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CloseChoice {
    /// Hide the window; the upload goes on and Satchel exits when it ends.
    Background,
    /// Pause every file (the queue is saved and resumes next time), then close.
    PauseAndClose,
}

#[tauri::command]
pub fn close_window(choice: CloseChoice, app: AppHandle, state: State<'_, AppState>) -> Result<()> {
    match choice {
        CloseChoice::Background => {
            if let Some(window) = app.get_webview_window("main") {
                window.hide()?;
            }
            exit_when_idle(app, state.picker.clone());
        }
        CloseChoice::PauseAndClose => {
            state.picker.pause_all();
            exit_when_idle(app, state.picker.clone());
        }
    }
    Ok(())
}

/// Exits once no upload runs (a paused file settles within moments).
fn exit_when_idle(app: AppHandle, picker: std::sync::Arc<satchel_core::Picker>) {
    tauri::async_runtime::spawn(async move {
        while picker.snapshot().uploading {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        app.exit(0);
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
