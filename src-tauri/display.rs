//! Refusing early, in one line, when there is no display to open a window on
//! (instead of a panic deep inside GTK).

#[derive(Debug, thiserror::Error)]
pub enum DisplayError {
    #[error("no display: neither DISPLAY nor WAYLAND_DISPLAY is set (the picker needs a graphical session)")]
    Unset,
    #[error("cannot open display {0:?} (is the X server or compositor running?)")]
    Unreachable(String),
}

pub fn ensure_available() -> Result<(), DisplayError> {
    #[cfg(target_os = "linux")]
    {
        let set = |name| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        if !set("DISPLAY") && !set("WAYLAND_DISPLAY") {
            return Err(DisplayError::Unset);
        }
        // GTK would otherwise abort the process; initialising it here first
        // turns that into an error we can word. Tauri's own init is a no-op after.
        if gtk::init().is_err() {
            let shown = std::env::var("WAYLAND_DISPLAY")
                .or_else(|_| std::env::var("DISPLAY"))
                .unwrap_or_default();
            return Err(DisplayError::Unreachable(shown));
        }
    }
    Ok(())
}
