//! Where Satchel keeps things on disk by default.

use std::path::PathBuf;

/// The embedded default destination: `$XDG_DATA_HOME/satchel/uploads`
/// (`~/.local/share/satchel/uploads` when the variable is unset).
pub fn default_upload_dir() -> PathBuf {
    let base = dirs::data_dir().unwrap_or_else(|| PathBuf::from(".local/share"));
    base.join("satchel").join("uploads")
}
