//! Tauri commands: a few lines each over `satchel-core`, grouped by area.

pub mod auth;
pub mod chunk;
pub mod files;
pub mod images;
pub mod link;
pub mod results;
pub mod sources;
pub mod startup;
pub mod upload;
pub mod window;

use uuid::Uuid;

use crate::error::{Error, Result};

/// A file id from the page.
pub fn parse_id(uuid: &str) -> Result<Uuid> {
    Uuid::parse_str(uuid).map_err(|_| Error::InvalidId(uuid.to_owned()))
}
