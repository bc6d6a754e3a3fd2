//! Where Satchel keeps things on disk by default.

use std::path::PathBuf;

/// The embedded default destination: `$XDG_DATA_HOME/satchel/uploads`
/// (`~/.local/share/satchel/uploads` when the variable is unset).
pub fn default_upload_dir() -> PathBuf {
    let base = dirs::data_dir().unwrap_or_else(|| PathBuf::from(".local/share"));
    base.join("satchel").join("uploads")
}

/// Where Satchel keeps state that must survive a crash:
/// `$XDG_STATE_HOME/satchel` (`~/.local/state/satchel` when unset).
pub fn state_dir() -> PathBuf {
    let base = dirs::state_dir()
        .or_else(|| dirs::home_dir().map(|h| h.join(".local/state")))
        .unwrap_or_else(|| PathBuf::from(".local/state"));
    base.join("satchel")
}

/// Bytes of raw files and fetched URLs, until they are uploaded.
pub fn spool_dir() -> PathBuf {
    state_dir().join("spool")
}
