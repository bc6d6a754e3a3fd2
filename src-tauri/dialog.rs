//! The native file dialog (rfd, GTK on Linux).
//!
//! GTK dialogs must be created on the main thread; the future that waits for
//! the person's choice can then be awaited anywhere. This is the same split
//! tauri-plugin-dialog uses.

use std::path::PathBuf;

use tauri::{AppHandle, Manager, Runtime};
use tokio::sync::oneshot;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy)]
pub enum Pick {
    Files,
    Folder,
}

/// Shows the dialog over the main window; an empty list means cancelled.
pub async fn pick<R: Runtime>(app: &AppHandle<R>, what: Pick) -> Result<Vec<PathBuf>> {
    let (tx, rx) = oneshot::channel();
    let window = app.get_webview_window("main");
    // Start at home rather than GTK's "Recent" view, where a typed folder
    // path cannot be chosen.
    let start = app.path().home_dir().ok();
    app.run_on_main_thread(move || {
        let mut dialog = rfd::AsyncFileDialog::new();
        if let Some(start) = &start {
            dialog = dialog.set_directory(start);
        }
        if let Some(window) = &window {
            dialog = dialog.set_parent(window);
        }
        match what {
            Pick::Files => {
                let chosen = dialog.set_title("Choose files").pick_files();
                tauri::async_runtime::spawn(async move {
                    let _ = tx.send(chosen.await.unwrap_or_default());
                });
            }
            Pick::Folder => {
                let chosen = dialog.set_title("Choose folder").pick_folder();
                tauri::async_runtime::spawn(async move {
                    let _ = tx.send(chosen.await.into_iter().collect());
                });
            }
        }
    })?;
    let handles = rx
        .await
        .map_err(|_| Error::Dialog("it closed without an answer".into()))?;
    Ok(handles
        .into_iter()
        .map(|h| h.path().to_path_buf())
        .collect())
}
