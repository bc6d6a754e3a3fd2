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

use crate::{Error, FileRecord, Origin, Result};

/// Pictures processed at once: each may hold a large decoded photo.
static PROCESSING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// What to send for a file once its picture has been looked at.
pub(crate) enum Prepared {
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
pub(crate) async fn prepare(
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
    let _turn = PROCESSING
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
pub(crate) fn point_at(record: &mut FileRecord, made: &Prepared) -> Option<(PathBuf, Origin)> {
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

/// The picture at `source` upright, at most `bound` pixels on its longer
/// side, with `options` and `edit` applied, as a `data:` URL.
pub(crate) async fn preview_url(
    source: PathBuf,
    options: ImageOptions,
    edit: Option<Edit>,
    bound: u32,
) -> Result<String> {
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
pub(crate) fn restore(record: &mut FileRecord, original: PathBuf) {
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
