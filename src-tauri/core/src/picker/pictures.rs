//! A queued file's pictures: the summary's thumbnail, the person's edit,
//! and the processed picture sent in its place (the work is in
//! `imaging/` and `thumbnail.rs`; this is what it changes in the queue).

use std::path::{Path, PathBuf};

use uuid::Uuid;

use super::Picker;
use crate::destination::UploadItem;
use crate::imaging::{self, planned_size, process, wanted, Edit, ImageOptions, Outcome, Processed};
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
        let prepared = prepare(file, &path, &self.options.image, &dir).await?;
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
                    .change_file(file.uuid, |record| point_at(record, &prepared))
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
                restore(record, original);
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

/// What to send for a file once its picture has been looked at.
enum Prepared {
    /// The file as it is: not a picture, or nothing asks to change it.
    AsIs,
    /// The file as it is, as the picture could not be processed (why).
    Skipped(String),
    /// A new picture in the spool, to be sent instead.
    Made {
        path: PathBuf,
        filename: String,
        mime: &'static str,
        size: u64,
        info: Processed,
    },
}

/// Processes `file`'s picture, whose bytes are at `path`, when `options`
/// or the person's edit change it (unless an earlier attempt did): the
/// result goes to `dir`, named by the file's id.
async fn prepare(
    file: &FileRecord,
    path: &Path,
    options: &ImageOptions,
    dir: &Path,
) -> Result<Prepared> {
    if file.image.is_some()
        || !file.mime.starts_with("image/")
        || !wanted(options, file.edit.as_ref())
    {
        return Ok(Prepared::AsIs);
    }
    let failed = |reason: String| Error::ImageFailed {
        name: file.filename.clone(),
        reason,
    };
    std::fs::create_dir_all(dir).map_err(|e| failed(format!("{}: {e}", dir.display())))?;
    let output = dir.join(file.uuid.to_string());
    let (input, options, edit) = (path.to_owned(), options.clone(), file.edit.clone());
    let _turn = imaging::PROCESSING
        .acquire()
        .await
        .map_err(|e| failed(e.to_string()))?;
    let outcome =
        tokio::task::spawn_blocking(move || process(&input, &output, &options, edit.as_ref()))
            .await
            .map_err(|e| failed(e.to_string()))?
            .map_err(|e| failed(e.to_string()))?;
    Ok(match outcome {
        Outcome::Unchanged => Prepared::AsIs,
        Outcome::Skipped(reason) => Prepared::Skipped(reason),
        Outcome::Made {
            path,
            mime,
            extension,
            info,
        } => {
            let size = std::fs::metadata(&path)
                .map_err(|e| failed(e.to_string()))?
                .len();
            let filename = if mime == file.mime {
                file.filename.clone()
            } else {
                renamed(&file.filename, extension)
            };
            Prepared::Made {
                path,
                filename,
                mime,
                size,
                info,
            }
        }
    })
}

/// Points `record` at its processed picture, keeping the person's own
/// file as its original; returns where its bytes were before and whence.
fn point_at(record: &mut FileRecord, made: &Prepared) -> Option<(PathBuf, Origin)> {
    let Prepared::Made {
        path,
        filename,
        mime,
        size,
        info,
    } = made
    else {
        return None;
    };
    let before = (record.path.clone(), record.origin.clone());
    if record.display_name == record.filename {
        record.display_name = filename.clone();
    }
    record.filename = filename.clone();
    record.mime = (*mime).to_owned();
    record.size = *size;
    record.path = path.clone();
    record.origin = Origin::Spooled;
    record.image = Some(info.clone());
    if before.1 == Origin::Local {
        record.original_path = Some(before.0.clone());
    }
    Some(before)
}

/// Puts a processed record back to the person's original file.
fn restore(record: &mut FileRecord, original: PathBuf) {
    if let Ok(meta) = std::fs::metadata(&original) {
        record.size = meta.len();
    }
    if let Some(info) = record.image.take() {
        record.size = info.original_size;
    }
    record.mime = crate::mime::sniff(&original).unwrap_or(record.mime.clone());
    let name = original
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| record.filename.clone());
    if record.display_name == record.filename {
        record.display_name = name.clone();
    }
    record.filename = name;
    record.path = original;
    record.origin = Origin::Local;
}

/// `photo.jpg` → `photo.png` when the picture changed format.
fn renamed(filename: &str, extension: &str) -> String {
    let stem = Path::new(filename)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| filename.to_owned());
    format!("{stem}.{extension}")
}
