//! Tauri commands: a few lines each over `satchel-core`, grouped by area.

pub mod files;
pub mod sources;
pub mod startup;
pub mod upload;
