//! The picker's options, named as Filestack names them, and the `config`
//! a custom source reads.

use serde::Serialize;

use crate::imaging::ImageOptions;

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PickerOptions {
    /// Source names in sidebar order (`local_file_system`, custom names…);
    /// empty means every source, built-in ones first.
    pub from_sources: Vec<String>,
    #[specta(type = specta_typescript::Number)]
    pub max_files: usize,
    #[specta(type = specta_typescript::Number)]
    pub min_files: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[specta(type = Option<specta_typescript::Number>)]
    pub max_size: Option<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accept: Vec<String>,
    pub upload_in_background: bool,
    /// `imageMax`, `cleanupImageExif`, `transformations`…
    #[serde(flatten)]
    pub image: ImageOptions,
}

impl Default for PickerOptions {
    fn default() -> Self {
        PickerOptions {
            from_sources: vec![],
            // Satchel differs from Filestack here: choosing many files from a
            // disk is the common desktop case, so the limit is generous.
            max_files: 1000,
            min_files: 0,
            max_size: None,
            accept: vec![],
            upload_in_background: false,
            image: ImageOptions::default(),
        }
    }
}
