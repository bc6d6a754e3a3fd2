//! The result programs read: shaped like Filestack's `onUploadDone` payload.

use serde::Serialize;
use uuid::Uuid;

use crate::imaging::Processed;
use crate::{ErrorInfo, FileRecord, FileStatus};

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadDone {
    pub files_uploaded: Vec<UploadedFile>,
    pub files_failed: Vec<FailedFile>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadedFile {
    pub filename: String,
    pub handle: Uuid,
    pub mimetype: String,
    pub size: u64,
    pub source: String,
    pub url: String,
    pub status: &'static str,
    pub original_path: String,
    /// For a processed picture: its final and original dimensions and
    /// its original size (`size` and `mimetype` are the final ones).
    #[serde(flatten)]
    pub image: Option<Processed>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailedFile {
    pub filename: String,
    pub handle: Uuid,
    pub mimetype: String,
    pub size: u64,
    pub source: String,
    pub status: &'static str,
    pub original_path: String,
    pub error: Option<ErrorInfo>,
}

impl UploadDone {
    /// Builds the result from the queue: done files are uploaded, failed ones
    /// failed; files never attempted appear in neither list.
    pub fn from_files<'a>(files: impl IntoIterator<Item = &'a FileRecord>) -> Self {
        let mut done = UploadDone::default();
        for file in files {
            let original_path = file
                .original_path
                .as_ref()
                .unwrap_or(&file.path)
                .display()
                .to_string();
            match file.status {
                FileStatus::Done => done.files_uploaded.push(UploadedFile {
                    filename: file.filename.clone(),
                    handle: file.uuid,
                    mimetype: file.mime.clone(),
                    size: file.size,
                    source: file.source.clone(),
                    url: file.landed.clone().unwrap_or_default(),
                    status: "Stored",
                    original_path,
                    image: file.image.clone(),
                }),
                FileStatus::Failed => done.files_failed.push(FailedFile {
                    filename: file.filename.clone(),
                    handle: file.uuid,
                    mimetype: file.mime.clone(),
                    size: file.size,
                    source: file.source.clone(),
                    status: "Failed",
                    original_path,
                    error: file.error.clone(),
                }),
                FileStatus::Queued | FileStatus::Uploading => {}
            }
        }
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_the_filestack_shape() {
        let mut file = FileRecord::new(
            "/src/a.png".into(),
            "a.png".into(),
            "image/png".into(),
            3,
            "local_file_system",
        );
        file.status = FileStatus::Done;
        file.landed = Some("/dest/a.png".into());
        let json = serde_json::to_value(UploadDone::from_files([&file])).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "filesUploaded": [{
                    "filename": "a.png",
                    "handle": file.uuid.to_string(),
                    "mimetype": "image/png",
                    "size": 3,
                    "source": "local_file_system",
                    "url": "/dest/a.png",
                    "status": "Stored",
                    "originalPath": "/src/a.png"
                }],
                "filesFailed": []
            })
        );
    }
}
