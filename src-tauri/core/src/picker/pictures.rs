//! A queued file's pictures: the summary's thumbnail, the person's edit,
//! and the processed picture sent in its place (the work is in
//! `imaging/` and `thumbnail.rs`; this is what it changes in the queue).

use std::path::PathBuf;

use uuid::Uuid;

use super::Picker;
use crate::destination::UploadItem;
use crate::imaging::{self, planned_size, Edit, ImageOptions, Prepared};
use crate::thumbnail::{self, THUMBNAIL_SIZE};
use crate::{Error, FileRecord, FileStatus, Headers, Origin, Result};

impl Picker {
    /// What to send for `file`, whose bytes are at `path`: the processed
    /// picture when the options or the person's edit change it (made now,
    /// unless an earlier attempt made it already), else the file as it is.
    pub(super) async fn prepare_upload(
        &self,
        file: &FileRecord,
        path: PathBuf,
    ) -> Result<UploadItem> {
        let dir = self.spool.dir().join("images");
        let prepared = imaging::prepare(file, &path, &self.options.image, &dir).await?;
        let plain = UploadItem {
            path,
            filename: file.filename.clone(),
            mime: file.mime.clone(),
            size: file.size,
        };
        match &prepared {
            Prepared::AsIs => Ok(plain),
            Prepared::Skipped(reason) => {
                self.notice(
                    Error::ImageSkipped {
                        name: file.filename.clone(),
                        reason: reason.clone(),
                    }
                    .info(),
                );
                Ok(plain)
            }
            Prepared::Made {
                path: made,
                filename,
                mime,
                size,
                ..
            } => {
                let replaced = self
                    .change_file(file.uuid, |record| imaging::point_at(record, &prepared))
                    .ok()
                    .flatten();
                // Satchel's own copy of the original is not needed any more.
                if let Some((old, origin)) = replaced {
                    if origin != Origin::Local && &old != made {
                        let _ = std::fs::remove_file(old);
                    }
                }
                Ok(UploadItem {
                    path: made.clone(),
                    filename: filename.clone(),
                    mime: (*mime).to_owned(),
                    size: *size,
                })
            }
        }
    }

    /// Stores the person's edit of a picture, applied when it is uploaded
    /// (`None` resets it). A picture already processed for an upload that
    /// did not finish goes back to its original first, when that is the
    /// person's own file.
    pub async fn set_edit(&self, uuid: Uuid, edit: Option<Edit>) -> Result<FileRecord> {
        let file = self.file(uuid)?;
        let source = file.original_path.clone().unwrap_or(file.path.clone());
        let options = self.options.image.clone();
        // Read from the header (which may mean reading the file) off the lock.
        let edit = tokio::task::spawn_blocking(move || {
            edit.map(|mut edit| {
                edit.size = planned_size(&source, &options, Some(&edit));
                edit
            })
        })
        .await
        .map_err(|e| Error::Thumbnail(e.to_string()))?;
        self.change_file(uuid, |record| {
            let name = record.display_name.clone();
            let refuse = |reason: &str| Error::NotEditable {
                name: name.clone(),
                reason: reason.to_owned(),
            };
            if !record.mime.starts_with("image/") || record.path.as_os_str().is_empty() {
                return Err(refuse("it is not a picture on this machine"));
            }
            if !matches!(record.status, FileStatus::Queued | FileStatus::Failed) {
                return Err(refuse(&format!("it is {}", record.status.describe())));
            }
            if record.image.is_some() {
                let Some(original) = record.original_path.take() else {
                    return Err(refuse("it was already prepared for upload"));
                };
                let _ = std::fs::remove_file(&record.path);
                imaging::restore(record, original);
            }
            record.edit = edit;
            Ok(record.clone())
        })?
    }

    /// The picture upright, at most `bound` pixels on its longer side, as
    /// a `data:` URL: with `edit`, as it will be sent (the options and the
    /// edit applied: the summary's thumbnail); without, as it is, turned by
    /// `turns` quarters (the editor's preview). Made here so the webview
    /// never loads the file itself.
    pub async fn picture_preview(
        &self,
        uuid: Uuid,
        edited: bool,
        turns: i32,
        bound: u32,
    ) -> Result<String> {
        let mut file = self.file(uuid)?;
        // A source's link is fetched (into the spool) to be edited.
        if file.path.as_os_str().is_empty() {
            file.path = self.materialize(&file).await?;
        }
        let source = file.original_path.clone().unwrap_or(file.path.clone());
        let (options, edit) = if edited {
            (self.options.image.clone(), file.edit.clone())
        } else {
            let turned = Edit {
                rotate: turns,
                ..Edit::default()
            };
            (ImageOptions::default(), Some(turned))
        };
        imaging::preview_url(source, options, edit, bound).await
    }

    /// The thumbnail of a queued file: its own picture when it is an image
    /// on disk, else the picture its source gave (fetched through the same
    /// network guard as any source URL). `None` when there is neither, and
    /// the view shows a type icon.
    pub async fn thumbnail(&self, uuid: Uuid) -> Result<Option<String>> {
        let file = self.file(uuid)?;
        // An edit not yet applied shows as it will be sent.
        if file.edit.is_some() && file.image.is_none() {
            return self
                .picture_preview(uuid, true, 0, THUMBNAIL_SIZE)
                .await
                .map(Some);
        }
        if file.mime.starts_with("image/") && !file.path.as_os_str().is_empty() {
            let path = file.path.clone();
            return thumbnail::decode(move || thumbnail::of_file(&path))
                .await
                .map(Some);
        }
        match file.thumbnail.as_deref() {
            Some(data) if data.starts_with("data:image/") => Ok(Some(data.to_owned())),
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                let bytes = self
                    .fetcher()?
                    .fetch_small(url, &Headers::new(), thumbnail::MAX_REMOTE_THUMBNAIL)
                    .await?;
                thumbnail::decode(move || thumbnail::of_bytes(&bytes))
                    .await
                    .map(Some)
            }
            _ => Ok(None),
        }
    }
}
