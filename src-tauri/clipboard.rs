//! Writing text to the system clipboard through GTK, which the window
//! already runs on (GTK is only touched on the main thread).

use tauri::AppHandle;

use crate::error::{Error, Result};

pub fn set_text(app: &AppHandle, text: String) -> Result<()> {
    app.run_on_main_thread(move || {
        let clipboard = gtk::Clipboard::get(&gtk::gdk::SELECTION_CLIPBOARD);
        clipboard.set_text(&text);
        // Kept by GTK for other programs after Satchel exits, where a
        // clipboard manager runs.
        clipboard.store();
    })
    .map_err(|e| Error::Clipboard(e.to_string()))
}
