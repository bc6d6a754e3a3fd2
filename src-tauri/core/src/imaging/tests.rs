//! The pipeline on pictures made here, with EXIF written by hand (the
//! headless tests in tests/images.rs use real photos from ImageMagick and
//! exiftool).

use std::io::Cursor;
use std::sync::Arc;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageReader, Rgb, RgbImage};

use super::*;
use crate::{FolderDestination, NoEvents, Picker};

/// A little-endian TIFF block with Orientation and a GPS IFD holding
/// GPSVersionID: enough for a reader to see both.
fn exif(orientation: u16) -> Vec<u8> {
    let mut t = b"II*\0".to_vec();
    t.extend(8u32.to_le_bytes());
    // IFD0 at 8: two entries, then the next-IFD offset.
    t.extend(2u16.to_le_bytes());
    t.extend(0x0112u16.to_le_bytes());
    t.extend(3u16.to_le_bytes());
    t.extend(1u32.to_le_bytes());
    t.extend((orientation as u32).to_le_bytes());
    t.extend(0x8825u16.to_le_bytes());
    t.extend(4u16.to_le_bytes());
    t.extend(1u32.to_le_bytes());
    let gps_at = 8 + 2 + 2 * 12 + 4;
    t.extend((gps_at as u32).to_le_bytes());
    t.extend(0u32.to_le_bytes());
    // The GPS IFD: GPSVersionID 2.3.0.0.
    t.extend(1u16.to_le_bytes());
    t.extend(0x0000u16.to_le_bytes());
    t.extend(1u16.to_le_bytes());
    t.extend(4u32.to_le_bytes());
    t.extend([2, 3, 0, 0]);
    t.extend(0u32.to_le_bytes());
    t
}

/// A `width`×`height` photo as stored: red left half, blue right half.
fn stored(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, _| {
        if x < width / 2 {
            Rgb([230, 20, 20])
        } else {
            Rgb([20, 20, 230])
        }
    })
}

fn jpeg(width: u32, height: u32, orientation: Option<u16>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut out, 95);
    if let Some(o) = orientation {
        encoder.set_exif_metadata(exif(o)).unwrap();
    }
    encoder
        .set_icc_profile(b"not really a profile".to_vec())
        .unwrap();
    let image = stored(width, height);
    encoder
        .write_image(
            image.as_raw(),
            width,
            height,
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
    out
}

fn options(f: impl FnOnce(&mut ImageOptions)) -> ImageOptions {
    let mut o = ImageOptions::default();
    f(&mut o);
    o
}

struct Made {
    image: DynamicImage,
    exif: Option<Vec<u8>>,
    icc: Option<Vec<u8>>,
    mime: &'static str,
    info: Processed,
}

fn run(input: &[u8], options: &ImageOptions, edit: Option<&Edit>) -> Option<Made> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.jpg");
    std::fs::write(&path, input).unwrap();
    match process(&path, &dir.path().join("out"), options, edit).unwrap() {
        Outcome::Made {
            path, mime, info, ..
        } => {
            let bytes = std::fs::read(&path).unwrap();
            let mut decoder = ImageReader::new(Cursor::new(&bytes))
                .with_guessed_format()
                .unwrap()
                .into_decoder()
                .unwrap();
            let exif = decoder.exif_metadata().unwrap();
            let icc = decoder.icc_profile().unwrap();
            Some(Made {
                image: DynamicImage::from_decoder(decoder).unwrap(),
                exif,
                icc,
                mime,
                info,
            })
        }
        Outcome::Unchanged => None,
        Outcome::Skipped(why) => panic!("skipped: {why}"),
    }
}

fn colour(image: &DynamicImage, x: u32, y: u32) -> [u8; 4] {
    image.to_rgba8().get_pixel(x, y).0
}

fn reddish(p: [u8; 4]) -> bool {
    p[0] > 150 && p[2] < 100
}

fn bluish(p: [u8; 4]) -> bool {
    p[2] > 150 && p[0] < 100
}

#[test]
fn a_sideways_photo_is_turned_upright_shrunk_and_stripped() {
    // Stored 600×400, Orientation 6 (turn right to view): shown 400×600,
    // red on top.
    let made = run(
        &jpeg(600, 400, Some(6)),
        &options(|o| {
            o.image_max = Some(Dims::parse("160x160").unwrap());
            o.cleanup_image_exif = true;
        }),
        None,
    )
    .expect("processed");
    assert_eq!((made.image.width(), made.image.height()), (107, 160));
    assert!(made.exif.is_none(), "no EXIF, so no GPS");
    assert_eq!(
        made.icc.as_deref(),
        Some(&b"not really a profile"[..]),
        "the profile stays"
    );
    assert!(
        reddish(colour(&made.image, 53, 20)),
        "the stored left is now on top"
    );
    assert!(bluish(colour(&made.image, 53, 140)));
    assert_eq!(made.mime, "image/jpeg");
    assert_eq!(
        (made.info.original_width, made.info.original_height),
        (400, 600),
        "original dimensions as shown"
    );
}

#[test]
fn kept_metadata_loses_only_its_orientation() {
    let made = run(
        &jpeg(600, 400, Some(6)),
        &options(|o| o.image_max = Some(Dims::parse("300x300").unwrap())),
        None,
    )
    .unwrap();
    let exif = made.exif.expect("EXIF kept when not cleaned up");
    assert_eq!(
        image::metadata::Orientation::from_exif_chunk(&exif),
        Some(image::metadata::Orientation::NoTransforms)
    );
    assert!(
        exif.windows(2).any(|w| w == 0x8825u16.to_le_bytes()),
        "GPS kept"
    );
    assert_eq!((made.image.width(), made.image.height()), (200, 300));
}

#[test]
fn crops_enlarges_and_makes_exact_sizes() {
    let headless_square = options(|o| {
        o.headless = true;
        o.transformations.crop = CropTool::Detailed {
            aspect_ratio: Some(1.0),
            force: false,
        };
    });
    let square = run(&jpeg(600, 400, None), &headless_square, None).unwrap();
    assert_eq!((square.image.width(), square.image.height()), (400, 400));
    let window = ImageOptions {
        headless: false,
        ..headless_square
    };
    assert!(
        run(&jpeg(600, 400, None), &window, None).is_none(),
        "the window only offers the ratio"
    );

    let bigger = run(
        &jpeg(300, 200, None),
        &options(|o| o.image_min = Some(Dims::parse("900x").unwrap())),
        None,
    )
    .unwrap();
    assert_eq!((bigger.image.width(), bigger.image.height()), (900, 600));

    // Exact 100×100 of a 600×400: the middle, not a squashed whole.
    let exact = run(
        &jpeg(600, 400, None),
        &options(|o| o.image_dim = Some(Dims::parse("100x100").unwrap())),
        None,
    )
    .unwrap();
    assert_eq!((exact.image.width(), exact.image.height()), (100, 100));
    assert!(reddish(colour(&exact.image, 10, 50)) && bluish(colour(&exact.image, 90, 50)));
}

#[test]
fn an_edit_turns_crops_and_masks() {
    // Turned left, the stored right (blue) is on top; keep the top half.
    let edit = Edit {
        rotate: -1,
        crop: Some(Rect {
            x: 0.0,
            y: 0.0,
            width: 1.0,
            height: 0.5,
        }),
        ..Edit::default()
    };
    let made = run(&jpeg(600, 400, None), &ImageOptions::default(), Some(&edit)).unwrap();
    assert_eq!((made.image.width(), made.image.height()), (400, 300));
    assert!(bluish(colour(&made.image, 200, 150)));

    let circled = Edit {
        circle: true,
        ..Edit::default()
    };
    let made = run(
        &jpeg(400, 400, None),
        &ImageOptions::default(),
        Some(&circled),
    )
    .unwrap();
    assert_eq!(made.mime, "image/png");
    assert_eq!(colour(&made.image, 2, 2)[3], 0, "the corner is transparent");
    assert_eq!(colour(&made.image, 100, 200)[3], 255, "inside is opaque");
}

#[test]
fn nothing_asked_nothing_done_and_undecodable_pictures_are_skipped() {
    assert!(run(&jpeg(60, 40, Some(6)), &ImageOptions::default(), None).is_none());
    // Already small enough, nothing to strip: left alone.
    let small = options(|o| o.image_max = Some(Dims::parse("100x100").unwrap()));
    assert!(run(&jpeg(60, 40, None), &small, None).is_none());

    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.jpg");
    let mut bytes = jpeg(60, 40, None);
    bytes.truncate(200);
    std::fs::write(&broken, &bytes).unwrap();
    let strip = options(|o| o.cleanup_image_exif = true);
    let outcome = process(&broken, &dir.path().join("out"), &strip, None).unwrap();
    assert!(matches!(outcome, Outcome::Skipped(_)), "{outcome:?}");
}

#[test]
fn previews_are_small_upright_and_edited() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.jpg");
    std::fs::write(&path, jpeg(600, 400, Some(6))).unwrap();
    let plain = preview(&path, &ImageOptions::default(), None, 96).unwrap();
    assert_eq!((plain.width(), plain.height()), (64, 96));
    let square = Edit {
        crop: Some(Rect {
            x: 0.0,
            y: 0.0,
            width: 1.0,
            height: 400.0 / 600.0,
        }),
        ..Edit::default()
    };
    let edited = preview(&path, &ImageOptions::default(), Some(&square), 96).unwrap();
    assert_eq!((edited.width(), edited.height()), (96, 96));
}

#[tokio::test]
async fn an_upload_sends_the_processed_picture_and_reports_both_sizes() {
    let src = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let spool = tempfile::tempdir().unwrap();
    let photo = src.path().join("photo.jpg");
    std::fs::write(&photo, jpeg(600, 400, Some(6))).unwrap();
    let text = src.path().join("notes.txt");
    std::fs::write(&text, b"not a picture").unwrap();
    let picker_options = crate::PickerOptions {
        image: options(|o| {
            o.image_max = Some(Dims::parse("160x160").unwrap());
            o.cleanup_image_exif = true;
        }),
        ..Default::default()
    };
    let picker = Picker::new(
        Arc::new(FolderDestination::new(dest.path())),
        Arc::new(NoEvents),
    )
    .with_spool_dir(spool.path())
    .with_options(picker_options);
    let added = picker.add_paths(&[photo.clone(), text.clone()], crate::LOCAL_SOURCE);
    let circle = Edit {
        circle: true,
        ..Edit::default()
    };
    let edited = picker.set_edit(added.added[0], Some(circle)).await.unwrap();
    assert_eq!(
        edited.edit.unwrap().size,
        Some([107, 160]),
        "the summary's new size"
    );
    assert_eq!(
        picker
            .set_edit(added.added[1], Some(Edit::default()))
            .await
            .unwrap_err()
            .kind(),
        "notEditable"
    );
    let done = picker.upload().await.unwrap();
    let json = serde_json::to_value(&done).unwrap();
    let files = json["filesUploaded"].as_array().unwrap();
    let pic = &files[0];
    assert_eq!(pic["filename"], "photo.png", "the circle made it a PNG");
    assert_eq!(pic["mimetype"], "image/png");
    assert_eq!(
        (pic["width"].as_u64(), pic["height"].as_u64()),
        (Some(107), Some(160))
    );
    assert_eq!(pic["originalWidth"], 400);
    assert_eq!(pic["originalHeight"], 600);
    assert_eq!(
        pic["originalSize"],
        std::fs::metadata(&photo).unwrap().len()
    );
    assert_eq!(pic["originalPath"], photo.display().to_string());
    let landed = std::fs::read(dest.path().join("photo.png")).unwrap();
    assert_eq!(pic["size"], landed.len() as u64);
    assert!(files[1].get("originalSize").is_none());
    assert_eq!(
        std::fs::read(dest.path().join("notes.txt")).unwrap(),
        b"not a picture"
    );
    // The processed copy goes once it landed; the person's file stays.
    assert_eq!(
        std::fs::read_dir(spool.path().join("images"))
            .unwrap()
            .count(),
        0
    );
    assert!(photo.exists());
}

#[test]
fn png_keeps_its_format() {
    let mut png = Vec::new();
    PngEncoder::new(&mut png)
        .write_image(
            stored(300, 200).as_raw(),
            300,
            200,
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
    let made = run(
        &png,
        &options(|o| o.image_max = Some(Dims::parse("30x30").unwrap())),
        None,
    )
    .unwrap();
    assert_eq!(made.mime, "image/png");
    assert_eq!((made.image.width(), made.image.height()), (30, 20));
}
