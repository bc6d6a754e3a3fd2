//! Small previews for the summary: images are decoded and shrunk here, off
//! the UI thread, and handed to the view as `data:` URLs (the window's CSP
//! loads no remote images).

use std::io::Cursor;
use std::path::Path;

use base64::Engine;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use tokio::sync::Semaphore;

use crate::{Error, Result};

/// The longest side of a thumbnail, in pixels (a 2× display's 48 px cell).
pub const THUMBNAIL_SIZE: u32 = 96;
/// A source's remote thumbnail is fetched only up to this many bytes.
pub(crate) const MAX_REMOTE_THUMBNAIL: u64 = 8 * 1024 * 1024;
/// Decoding refuses pictures that would need more memory than this.
const MAX_DECODE_ALLOC: u64 = 256 * 1024 * 1024;

/// A PNG thumbnail of the image file at `path`, as a `data:` URL.
/// Blocking: reads and decodes the whole image.
pub fn of_file(path: &Path) -> Result<String> {
    let reader = ImageReader::open(path)
        .and_then(ImageReader::with_guessed_format)
        .map_err(|e| not_an_image(&e.to_string()))?;
    shrink(reader)
}

/// The same for an image already in memory.
pub fn of_bytes(bytes: &[u8]) -> Result<String> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| not_an_image(&e.to_string()))?;
    shrink(reader)
}

fn shrink<R: std::io::BufRead + std::io::Seek>(mut reader: ImageReader<R>) -> Result<String> {
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    let fail = |e: image::ImageError| not_an_image(&e.to_string());
    let mut decoder = reader.into_decoder().map_err(fail)?;
    // Shown as a viewer shows it: upright by its EXIF orientation.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let image = DynamicImage::from_decoder(decoder).map_err(fail)?;
    // `thumbnail` would also blow small pictures up.
    let mut small = if image.width() <= THUMBNAIL_SIZE && image.height() <= THUMBNAIL_SIZE {
        image
    } else {
        image.thumbnail(THUMBNAIL_SIZE, THUMBNAIL_SIZE)
    };
    small.apply_orientation(orientation);
    png_data_url(&small)
}

/// A picture as a PNG `data:` URL.
fn png_data_url(small: &DynamicImage) -> Result<String> {
    let mut png = Vec::new();
    small
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .map_err(|e| not_an_image(&e.to_string()))?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(png);
    Ok(format!("data:image/png;base64,{encoded}"))
}

fn not_an_image(reason: &str) -> Error {
    Error::Thumbnail(reason.to_owned())
}

/// Pictures decoded at once: a folder of large photos must not decode them
/// all together (each may take up to [`MAX_DECODE_ALLOC`]).
static DECODING: Semaphore = Semaphore::const_new(2);

/// Runs a decode on the blocking threads, a few at a time.
pub(crate) async fn decode(
    make: impl FnOnce() -> Result<String> + Send + 'static,
) -> Result<String> {
    let _turn = DECODING
        .acquire()
        .await
        .map_err(|e| Error::Thumbnail(e.to_string()))?;
    tokio::task::spawn_blocking(make)
        .await
        .map_err(|e| Error::Thumbnail(e.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut out = Vec::new();
        image::DynamicImage::ImageRgb8(image)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .expect("encode");
        out
    }

    fn decoded(data_url: &str) -> image::DynamicImage {
        let b64 = data_url
            .strip_prefix("data:image/png;base64,")
            .expect("a PNG data URL");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("base64");
        image::load_from_memory(&bytes).expect("decodes")
    }

    #[test]
    fn large_pictures_shrink_to_the_thumbnail_size_keeping_their_shape() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wide.png");
        std::fs::write(&path, png(800, 400)).unwrap();
        let thumb = decoded(&of_file(&path).unwrap());
        assert_eq!((thumb.width(), thumb.height()), (96, 48));
    }

    #[test]
    fn small_pictures_are_not_blown_up() {
        let thumb = decoded(&of_bytes(&png(20, 10)).unwrap());
        assert_eq!((thumb.width(), thumb.height()), (20, 10));
    }

    #[test]
    fn thumbnails_stand_upright_by_their_exif_orientation() {
        // A 200×100 picture stored with Orientation 6 (turn right to view).
        let exif = b"II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x06\0\0\0\0\0\0\0".to_vec();
        let mut jpeg = Vec::new();
        let mut encoder = image::codecs::jpeg::JpegEncoder::new(&mut jpeg);
        image::ImageEncoder::set_exif_metadata(&mut encoder, exif).unwrap();
        let stored = image::RgbImage::from_pixel(200, 100, image::Rgb([9, 9, 9]));
        image::ImageEncoder::write_image(
            encoder,
            stored.as_raw(),
            200,
            100,
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
        let thumb = decoded(&of_bytes(&jpeg).unwrap());
        assert_eq!((thumb.width(), thumb.height()), (48, 96));
    }

    #[test]
    fn what_is_not_a_picture_is_a_clear_error() {
        let err = of_bytes(b"%PDF-1.7 not a picture").unwrap_err();
        assert_eq!(err.kind(), "thumbnail");
    }
}
