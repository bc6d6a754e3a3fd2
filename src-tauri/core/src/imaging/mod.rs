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

use std::path::PathBuf;

use crate::{Error, Result};

/// Pictures processed at once: each may hold a large decoded photo.
pub(crate) static PROCESSING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

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

#[cfg(test)]
mod tests;
