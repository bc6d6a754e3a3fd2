//! Pictures before they are uploaded: Filestack's picture options
//! (`imageMax`, `imageMin`, `imageDim`, `cleanupImageExif`, `imageQuality`,
//! `transformations`) and the person's edits, applied in Rust.
//!
//! A picture is processed once, when its upload starts: the result is a new
//! file in the spool (the person's file is never touched), which the record
//! then points at, so a retry or a resume after a crash sends the same
//! bytes. Files that are not pictures, and pictures nothing asks to change,
//! are sent as they are; so is a picture Satchel cannot decode, with a
//! notice saying so.
//!
//! ```no_run
//! # use satchel_core::imaging::{process, Dims, ImageOptions, Outcome};
//! let options = ImageOptions {
//!     image_max: Some(Dims::parse("1600x1600").unwrap()),
//!     cleanup_image_exif: true,
//!     ..Default::default()
//! };
//! match process("/tmp/photo.jpg".as_ref(), "/tmp/out/photo".as_ref(), &options, None)? {
//!     Outcome::Made { path, info, .. } => println!("{} is {}×{}", path.display(), info.width, info.height),
//!     other => println!("{other:?}"),
//! }
//! # Ok::<(), std::io::Error>(())
//! ```

mod geometry;
mod options;
mod process;

pub use geometry::Rect;
pub use options::{
    parse_ratio, CropTool, Dims, ImageOptions, Tool, Transformations, DEFAULT_QUALITY,
};
pub use process::{
    planned_size, preview, process, wanted, Edit, Outcome, Processed, MAX_DECODE_ALLOC,
};

use std::path::{Path, PathBuf};

use uuid::Uuid;

use crate::destination::UploadItem;
use crate::{Error, FileRecord, FileStatus, Origin, Picker, Result};

/// Pictures processed at once: each may hold a large decoded photo.
static PROCESSING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

impl Picker {
    /// What to send for `file`, whose bytes are at `path`: the processed
    /// picture when the options or the person's edit change it (made now,
    /// unless an earlier attempt made it already), else the file as it is.
    pub(crate) async fn prepare_upload(
        &self,
        file: &FileRecord,
        path: PathBuf,
    ) -> Result<UploadItem> {
        let plain = UploadItem {
            path: path.clone(),
            filename: file.filename.clone(),
            mime: file.mime.clone(),
            size: file.size,
        };
        let options = self.options.image.clone();
        if file.image.is_some()
            || !file.mime.starts_with("image/")
            || !wanted(&options, file.edit.as_ref())
        {
            return Ok(plain);
        }
        let failed = |reason: String| Error::ImageFailed {
            name: file.filename.clone(),
            reason,
        };
        let dir = self.spool.dir().join("images");
        std::fs::create_dir_all(&dir).map_err(|e| failed(format!("{}: {e}", dir.display())))?;
        let output = dir.join(file.uuid.to_string());
        let edit = file.edit.clone();
        let input = path.clone();
        let _turn = PROCESSING
            .acquire()
            .await
            .map_err(|e| failed(e.to_string()))?;
        let outcome =
            tokio::task::spawn_blocking(move || process(&input, &output, &options, edit.as_ref()))
                .await
                .map_err(|e| failed(e.to_string()))?
                .map_err(|e| failed(e.to_string()))?;
        match outcome {
            Outcome::Unchanged => Ok(plain),
            Outcome::Skipped(reason) => {
                self.notice(
                    Error::ImageSkipped {
                        name: file.filename.clone(),
                        reason,
                    }
                    .info(),
                );
                Ok(plain)
            }
            Outcome::Made {
                path: made,
                mime,
                extension,
                info,
            } => {
                let size = std::fs::metadata(&made)
                    .map_err(|e| failed(e.to_string()))?
                    .len();
                let filename = if mime == file.mime {
                    file.filename.clone()
                } else {
                    renamed(&file.filename, extension)
                };
                let item = UploadItem {
                    path: made.clone(),
                    filename: filename.clone(),
                    mime: mime.to_owned(),
                    size,
                };
                let replaced = self.update(|state| {
                    let record = state.queue.get_mut(file.uuid).ok()?;
                    let before = (record.path.clone(), record.origin.clone());
                    if record.display_name == record.filename {
                        record.display_name = filename.clone();
                    }
                    record.filename = filename;
                    record.mime = mime.to_owned();
                    record.size = size;
                    record.path = made.clone();
                    record.origin = Origin::Spooled;
                    record.image = Some(info);
                    if before.1 == Origin::Local {
                        record.original_path = Some(before.0.clone());
                    }
                    Some(before)
                });
                // Satchel's own copy of the original is not needed any more.
                if let Some((old, origin)) = replaced {
                    if origin != Origin::Local && old != made {
                        let _ = std::fs::remove_file(old);
                    }
                }
                Ok(item)
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
        self.update(|state| {
            let record = state.queue.get_mut(uuid)?;
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
        })
    }

    /// The thumbnail of a picture as its edit will make it.
    pub(crate) async fn edited_thumbnail(&self, uuid: Uuid) -> Result<String> {
        self.picture_preview(uuid, true, 0, crate::thumbnail::THUMBNAIL_SIZE)
            .await
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
        let failed = Error::Thumbnail;
        let _turn = PROCESSING
            .acquire()
            .await
            .map_err(|e| failed(e.to_string()))?;
        tokio::task::spawn_blocking(move || {
            let image = preview(&source, &options, edit.as_ref(), bound).map_err(failed)?;
            data_url(&image).map_err(|e| failed(e.to_string()))
        })
        .await
        .map_err(|e| failed(e.to_string()))?
    }
}

/// A small picture as a `data:` URL: PNG when it has transparency, else JPEG.
fn data_url(image: &image::DynamicImage) -> image::ImageResult<String> {
    use base64::Engine;
    let mut bytes = Vec::new();
    let mime = if image.color().has_alpha() {
        image.write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )?;
        "image/png"
    } else {
        let rgb = image::DynamicImage::ImageRgb8(image.to_rgb8());
        rgb.write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Jpeg,
        )?;
        "image/jpeg"
    };
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    Ok(format!("data:{mime};base64,{encoded}"))
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

#[cfg(test)]
mod tests;
