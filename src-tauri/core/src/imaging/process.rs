//! The pipeline one picture goes through before it is uploaded: decode,
//! crop and resize in one pass (`fast_image_resize`), turn it upright,
//! mask it, encode it with or without its metadata.
//!
//! When working on this file, keep in mind:
//! - memory: the stored pixels are decoded once (bounded by
//!   [`MAX_DECODE_ALLOC`]); cropping and resizing read them in place, and
//!   only the (usually small) result is turned and masked. A 50 MP JPEG
//!   stays well under 512 MiB;
//! - the person's file is never written: the result goes to a new file;
//! - what cannot be decoded is not an error of the upload: it is sent as it
//!   is, and the caller says so.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use fast_image_resize::{ResizeOptions, Resizer};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageFormat, ImageReader, Limits};
use serde::{Deserialize, Serialize};

use super::geometry::{self, Rect, Step};
use super::options::ImageOptions;

/// Decoding refuses pictures that would need more memory than this, so a
/// 50 MP photo (150 MB of RGB) fits with room for the result.
pub const MAX_DECODE_ALLOC: u64 = 400 * 1024 * 1024;

/// What the person asked for one picture in the editor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Edit {
    /// Quarter turns clockwise; negative ones turn anticlockwise.
    #[serde(default)]
    pub rotate: i32,
    /// The part to keep, in fractions of the picture as shown (upright,
    /// after `rotate`).
    #[serde(default)]
    pub crop: Option<Rect>,
    /// Mask the picture to a circle (an ellipse when it is not square);
    /// the result is a PNG with transparency.
    #[serde(default)]
    pub circle: bool,
    /// The aspect ratio (width / height, in pixels) the crop was drawn at:
    /// the box is snapped to it exactly (a preview's pixels are coarser).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[specta(type = Option<specta_typescript::Number>)]
    pub ratio: Option<f64>,
    /// The size the picture will have, worked out by Satchel when the edit
    /// is stored (for the summary; never taken from outside).
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub size: Option<[u32; 2]>,
}

/// A picture's size before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Processed {
    pub width: u32,
    pub height: u32,
    pub original_width: u32,
    pub original_height: u32,
    #[specta(type = specta_typescript::Number)]
    pub original_size: u64,
}

/// What became of a picture.
#[derive(Debug)]
pub enum Outcome {
    /// Nothing asked for changes it: send it as it is.
    Unchanged,
    /// Not a picture Satchel can decode (or re-encode): sent as it is.
    Skipped(String),
    /// The new file, and what it is.
    Made {
        path: PathBuf,
        mime: &'static str,
        extension: &'static str,
        info: Processed,
    },
}

/// Where each stored pixel goes, decided from the header alone.
#[derive(Debug, Clone, PartialEq)]
struct Plan {
    /// Stored → shown.
    steps: Vec<Step>,
    /// The part of the stored pixels to keep, in fractions.
    crop: Rect,
    /// The size of the result as shown.
    size: (u32, u32),
    circle: bool,
}

impl Plan {
    /// How the options and the edit apply to a `width`×`height` stored
    /// picture with this orientation.
    fn new(
        width: u32,
        height: u32,
        orientation: Orientation,
        options: &ImageOptions,
        edit: Option<&Edit>,
    ) -> Plan {
        let mut steps = geometry::orientation_steps(orientation);
        steps.extend(geometry::turn_steps(edit.map_or(0, |e| e.rotate)));
        let (shown_w, shown_h) = if geometry::swaps(&steps) {
            (height, width)
        } else {
            (width, height)
        };
        let crop = match edit {
            Some(edit) => edit
                .crop
                .map(|c| c.clamped().with_ratio(edit.ratio, shown_w, shown_h)),
            None => options
                .crops_unedited()
                .map(|ratio| Rect::centred(ratio, shown_w, shown_h)),
        }
        .unwrap_or(Rect::WHOLE);
        let cropped = (
            ((shown_w as f64 * crop.width).round() as u32).max(1),
            ((shown_h as f64 * crop.height).round() as u32).max(1),
        );
        let size = geometry::target(
            cropped.0,
            cropped.1,
            options.image_max,
            options.image_min,
            options.image_dim,
        );
        // An exact imageDim of another shape keeps its middle, unstretched.
        let exact = options
            .image_dim
            .is_some_and(|d| d.width.is_some() && d.height.is_some());
        let crop = if exact {
            geometry::within(crop, geometry::cover(cropped.0, cropped.1, size))
        } else {
            crop
        };
        Plan {
            crop: crop.before(&steps),
            steps,
            size,
            circle: edit.map_or(options.circles_unedited(), |e| e.circle),
        }
    }

    /// Whether the pixels stay as stored (the orientation tag alone is
    /// left for viewers to apply).
    fn keeps_pixels(&self, width: u32, height: u32, turned_by_person: bool) -> bool {
        let shown = if geometry::swaps(&self.steps) {
            (height, width)
        } else {
            (width, height)
        };
        self.crop == Rect::WHOLE && self.size == shown && !self.circle && !turned_by_person
    }

    /// The size of the result before it is turned upright.
    fn stored_size(&self) -> (u32, u32) {
        if geometry::swaps(&self.steps) {
            (self.size.1, self.size.0)
        } else {
            self.size
        }
    }
}

/// Whether anything could change a picture at all; when not, it is never
/// opened.
pub fn wanted(options: &ImageOptions, edit: Option<&Edit>) -> bool {
    edit.is_some()
        || options.image_max.is_some()
        || options.image_min.is_some()
        || options.image_dim.is_some()
        || options.cleanup_image_exif
        || options.crops_unedited().is_some()
        || options.circles_unedited()
}

/// Processes the picture at `input` into `output` (its extension is
/// replaced by the format's own). Blocking.
pub fn process(
    input: &Path,
    output: &Path,
    options: &ImageOptions,
    edit: Option<&Edit>,
) -> std::io::Result<Outcome> {
    if !wanted(options, edit) {
        return Ok(Outcome::Unchanged);
    }
    let original_size = std::fs::metadata(input)?.len();
    let reader = ImageReader::open(input)?.with_guessed_format()?;
    let Some(format) = reader.format() else {
        return Ok(Outcome::Skipped("not a picture Satchel can read".into()));
    };
    let Some(out_format) = output_format(format) else {
        return Ok(Outcome::Skipped(format!(
            "{} pictures are sent as they are",
            format.extensions_str().first().unwrap_or(&"such")
        )));
    };
    let mut reader = reader;
    reader.limits(limits());
    let mut decoder = match reader.into_decoder() {
        Ok(decoder) => decoder,
        Err(e) => return Ok(Outcome::Skipped(e.to_string())),
    };
    let (width, height) = decoder.dimensions();
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let icc = decoder.icc_profile().ok().flatten();
    let exif = decoder.exif_metadata().ok().flatten();
    let plan = Plan::new(width, height, orientation, options, edit);
    let turned = edit.is_some_and(|e| e.rotate.rem_euclid(4) != 0);
    if plan.keeps_pixels(width, height, turned) && !options.cleanup_image_exif {
        return Ok(Outcome::Unchanged);
    }
    let stored = match DynamicImage::from_decoder(decoder) {
        Ok(image) => image,
        Err(e) => return Ok(Outcome::Skipped(e.to_string())),
    };
    let mut image = render(stored, &plan).map_err(std::io::Error::other)?;
    let out_format = if plan.circle {
        image = DynamicImage::ImageRgba8(circle(image.to_rgba8()));
        ImageFormat::Png
    } else {
        out_format
    };
    let metadata = Metadata {
        icc,
        // Kept without its orientation (now in the pixels) unless stripped.
        exif: exif
            .filter(|_| !options.cleanup_image_exif)
            .map(|mut chunk| {
                let _ = Orientation::remove_from_exif_chunk(&mut chunk);
                chunk
            }),
    };
    let (mime, extension) = describe(out_format);
    let path = output.with_extension(extension);
    write(&image, out_format, options.jpeg_quality(), metadata, &path)?;
    let (shown_w, shown_h) = if geometry::swaps(&geometry::orientation_steps(orientation)) {
        (height, width)
    } else {
        (width, height)
    };
    Ok(Outcome::Made {
        info: Processed {
            width: image.width(),
            height: image.height(),
            original_width: shown_w,
            original_height: shown_h,
            original_size,
        },
        path,
        mime,
        extension,
    })
}

/// The size (as shown) the picture at `input` will be sent at, from its
/// header alone.
pub fn planned_size(input: &Path, options: &ImageOptions, edit: Option<&Edit>) -> Option<[u32; 2]> {
    let mut decoder = ImageReader::open(input)
        .ok()?
        .with_guessed_format()
        .ok()?
        .into_decoder()
        .ok()?;
    let (width, height) = decoder.dimensions();
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let plan = Plan::new(width, height, orientation, options, edit);
    Some([plan.size.0, plan.size.1])
}

/// The picture upright and with the options and edit applied, at most
/// `bound` pixels on its longer side: the editor's preview and the
/// summary's thumbnail, made in Rust so the webview never loads the file.
pub fn preview(
    input: &Path,
    options: &ImageOptions,
    edit: Option<&Edit>,
    bound: u32,
) -> Result<DynamicImage, String> {
    let mut reader = ImageReader::open(input)
        .and_then(ImageReader::with_guessed_format)
        .map_err(|e| e.to_string())?;
    reader.limits(limits());
    let mut decoder = reader.into_decoder().map_err(|e| e.to_string())?;
    let (width, height) = decoder.dimensions();
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut plan = Plan::new(width, height, orientation, options, edit);
    let (w, h) = plan.size;
    let scale = (bound as f64 / w.max(h) as f64).min(1.0);
    plan.size = (
        ((w as f64 * scale).round() as u32).max(1),
        ((h as f64 * scale).round() as u32).max(1),
    );
    let stored = DynamicImage::from_decoder(decoder).map_err(|e| e.to_string())?;
    let image = render(stored, &plan)?;
    Ok(if plan.circle {
        DynamicImage::ImageRgba8(circle(image.to_rgba8()))
    } else {
        image
    })
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    limits
}

/// Crops and resizes the stored pixels in one pass, then turns the result.
fn render(stored: DynamicImage, plan: &Plan) -> Result<DynamicImage, String> {
    let (out_w, out_h) = plan.stored_size();
    let (w, h) = (stored.width() as f64, stored.height() as f64);
    let mut image =
        if plan.crop == Rect::WHOLE && (out_w, out_h) == (stored.width(), stored.height()) {
            stored
        } else {
            let stored = fit_for_resizer(stored);
            let mut resized = DynamicImage::new(out_w, out_h, stored.color());
            let crop = plan.crop;
            Resizer::new()
                .resize(
                    &stored,
                    &mut resized,
                    &ResizeOptions::new().crop(
                        crop.x * w,
                        crop.y * h,
                        (crop.width * w).max(1.0),
                        (crop.height * h).max(1.0),
                    ),
                )
                .map_err(|e| e.to_string())?;
            resized
        };
    for step in &plan.steps {
        image = match step {
            Step::Right => image.rotate90(),
            Step::Left => image.rotate270(),
            Step::Half => image.rotate180(),
            Step::FlipH => image.fliph(),
            Step::FlipV => image.flipv(),
        };
    }
    Ok(image)
}

/// The resizer takes 8- and 16-bit and float pixels with 1–4 channels;
/// anything else becomes RGBA first.
fn fit_for_resizer(image: DynamicImage) -> DynamicImage {
    use fast_image_resize::IntoImageView;
    if image.pixel_type().is_some() {
        image
    } else {
        DynamicImage::ImageRgba8(image.to_rgba8())
    }
}

/// Makes everything outside the ellipse the picture's edges touch
/// transparent, with a one-pixel soft edge.
fn circle(mut image: image::RgbaImage) -> image::RgbaImage {
    let (w, h) = (image.width() as f64, image.height() as f64);
    let (rx, ry) = (w / 2.0, h / 2.0);
    let edge = 1.0 / rx.min(ry).max(1.0);
    for (x, y, pixel) in image.enumerate_pixels_mut() {
        let nx = (x as f64 + 0.5 - rx) / rx;
        let ny = (y as f64 + 0.5 - ry) / ry;
        let distance = (nx * nx + ny * ny).sqrt();
        let coverage = ((1.0 - distance) / edge + 0.5).clamp(0.0, 1.0);
        pixel.0[3] = (pixel.0[3] as f64 * coverage).round() as u8;
    }
    image
}

/// The formats Satchel writes again as they came; others (GIF, which may be
/// animated, ICO, …) are sent as they are.
fn output_format(format: ImageFormat) -> Option<ImageFormat> {
    match format {
        ImageFormat::Jpeg
        | ImageFormat::Png
        | ImageFormat::WebP
        | ImageFormat::Bmp
        | ImageFormat::Tiff => Some(format),
        _ => None,
    }
}

fn describe(format: ImageFormat) -> (&'static str, &'static str) {
    match format {
        ImageFormat::Jpeg => ("image/jpeg", "jpg"),
        ImageFormat::Png => ("image/png", "png"),
        ImageFormat::WebP => ("image/webp", "webp"),
        ImageFormat::Bmp => ("image/bmp", "bmp"),
        ImageFormat::Tiff => ("image/tiff", "tiff"),
        ImageFormat::Gif => ("image/gif", "gif"),
        _ => ("application/octet-stream", "bin"),
    }
}

struct Metadata {
    icc: Option<Vec<u8>>,
    exif: Option<Vec<u8>>,
}

/// Encodes into `path` under a temporary name, then renames it, so a crash
/// never leaves half a picture under the real name.
fn write(
    image: &DynamicImage,
    format: ImageFormat,
    quality: u8,
    metadata: Metadata,
    path: &Path,
) -> std::io::Result<()> {
    let partial = path.with_extension("part");
    let result = (|| {
        let mut out = BufWriter::new(File::create(&partial)?);
        let encoded = match format {
            ImageFormat::Jpeg => {
                // JPEG has no alpha and no 16-bit samples.
                let pixels = match image {
                    DynamicImage::ImageLuma8(_) | DynamicImage::ImageRgb8(_) => image.clone(),
                    DynamicImage::ImageLuma16(_)
                    | DynamicImage::ImageLumaA8(_)
                    | DynamicImage::ImageLumaA16(_) => DynamicImage::ImageLuma8(image.to_luma8()),
                    _ => DynamicImage::ImageRgb8(image.to_rgb8()),
                };
                encode(
                    JpegEncoder::new_with_quality(&mut out, quality),
                    &pixels,
                    metadata,
                )
            }
            ImageFormat::Png => encode(PngEncoder::new(&mut out), image, metadata),
            ImageFormat::WebP => {
                let pixels = if image.color().has_alpha() {
                    DynamicImage::ImageRgba8(image.to_rgba8())
                } else {
                    DynamicImage::ImageRgb8(image.to_rgb8())
                };
                encode(WebPEncoder::new_lossless(&mut out), &pixels, metadata)
            }
            other => image.write_to(&mut out, other),
        };
        encoded.map_err(std::io::Error::other)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok::<_, std::io::Error>(())
    })();
    match result {
        Ok(()) => std::fs::rename(&partial, path),
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

fn encode(
    mut encoder: impl ImageEncoder,
    image: &DynamicImage,
    metadata: Metadata,
) -> image::ImageResult<()> {
    // An encoder that cannot carry a profile or EXIF simply goes without.
    if let Some(icc) = metadata.icc {
        let _ = encoder.set_icc_profile(icc);
    }
    if let Some(exif) = metadata.exif {
        let _ = encoder.set_exif_metadata(exif);
    }
    encoder.write_image(
        image.as_bytes(),
        image.width(),
        image.height(),
        image.color().into(),
    )
}
