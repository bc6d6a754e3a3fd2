//! Pictures before upload, as `satchel upload` does them: real photos made
//! here by ImageMagick (`convert`) and tagged by `exiftool` with GPS and
//! Orientation, then read back by the same tools.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::satchel;
use satchel_test_support::pictures;

/// Runs a tool the tests rely on, failing with its stderr.
fn tool(program: &str, args: &[&str]) -> String {
    pictures::tool(program, args).unwrap_or_else(|e| panic!("{e}"))
}

/// A `width`×`height` JPEG, stored red on the left half and blue on the
/// right, with the EXIF `orientation` and a GPS position.
fn photo(dir: &Path, name: &str, width: u32, height: u32, orientation: u32) -> PathBuf {
    let path = dir.join(name);
    let half = format!("{}x{}", width / 2, height);
    tool(
        "convert",
        &[
            "-size",
            &half,
            "xc:red",
            "-size",
            &half,
            "xc:blue",
            "+append",
            "-quality",
            "90",
            path.to_str().unwrap(),
        ],
    );
    tool(
        "exiftool",
        &[
            "-q",
            "-overwrite_original",
            "-n",
            &format!("-Orientation={orientation}"),
            "-GPSLatitude=48.8584",
            "-GPSLatitudeRef=N",
            "-GPSLongitude=2.2945",
            "-GPSLongitudeRef=E",
            path.to_str().unwrap(),
        ],
    );
    path
}

/// Every tag exiftool reads in a file, by name.
fn tags(path: &Path) -> serde_json::Map<String, serde_json::Value> {
    let json: serde_json::Value = serde_json::from_str(&tool(
        "exiftool",
        &["-j", "-n", "-G", path.to_str().unwrap()],
    ))
    .unwrap();
    json[0].as_object().unwrap().clone()
}

fn has_gps(tags: &serde_json::Map<String, serde_json::Value>) -> bool {
    tags.keys().any(|k| k.contains("GPS"))
}

fn upload(
    state: &Path,
    dest: &Path,
    files: &[&Path],
    flags: &[&str],
) -> (Output, serde_json::Value) {
    let out = satchel(state)
        .args(["upload", "--to"])
        .arg(dest)
        .args(flags)
        .args(files)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out, json)
}

#[test]
fn a_sideways_24_mp_photo_lands_upright_shrunk_and_without_gps() {
    let dir = tempfile::tempdir().unwrap();
    let src = photo(dir.path(), "IMG_0001.jpg", 6000, 4000, 6);
    let before = tags(&src);
    assert!(has_gps(&before), "the photo carries GPS: {before:?}");
    assert_eq!(before["EXIF:Orientation"], 6);
    let dest = dir.path().join("dest");

    let (out, json) = upload(
        &dir.path().join("state"),
        &dest,
        &[&src],
        &["--image-max", "1600x1600", "--strip-exif"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let landed = dest.join("IMG_0001.jpg");
    assert_eq!(
        pictures::size_of(&landed).unwrap(),
        (1067, 1600),
        "a portrait"
    );
    let after = tags(&landed);
    assert!(!has_gps(&after), "GPS is gone: {after:?}");
    assert!(!after.contains_key("EXIF:Orientation"), "{after:?}");
    // Orientation 6 turns the stored left (red) to the top.
    let top = pictures::pixel(&landed, 533, 200).unwrap();
    let bottom = pictures::pixel(&landed, 533, 1400).unwrap();
    assert!(top[0] > 200 && top[2] < 60, "top is red: {top:?}");
    assert!(
        bottom[2] > 200 && bottom[0] < 60,
        "bottom is blue: {bottom:?}"
    );

    let file = &json["filesUploaded"][0];
    assert_eq!(file["mimetype"], "image/jpeg");
    assert_eq!(file["size"], std::fs::metadata(&landed).unwrap().len());
    assert_eq!(file["originalSize"], std::fs::metadata(&src).unwrap().len());
    assert_eq!(
        (
            file["originalWidth"].as_u64(),
            file["originalHeight"].as_u64()
        ),
        (Some(4000), Some(6000))
    );
    assert_eq!(
        (file["width"].as_u64(), file["height"].as_u64()),
        (Some(1067), Some(1600))
    );
    assert_eq!(file["originalPath"], src.display().to_string());
    // The person's photo is as it was.
    assert_eq!(tags(&src)["EXIF:Orientation"], 6);
}

#[test]
fn crop_ratio_makes_squares_and_image_min_enlarges() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let wide = photo(dir.path(), "wide.jpg", 1200, 800, 1);
    let dest = dir.path().join("square");
    let (out, _) = upload(&state, &dest, &[&wide], &["--crop-ratio", "1:1"]);
    assert!(out.status.success(), "{out:?}");
    let square = dest.join("wide.jpg");
    assert_eq!(pictures::size_of(&square).unwrap(), (800, 800));
    // Centred: red on the left, blue on the right, both kept.
    assert!(
        pictures::pixel(&square, 100, 400).unwrap()[0] > 200
            && pictures::pixel(&square, 700, 400).unwrap()[2] > 200
    );
    assert!(
        has_gps(&tags(&square)),
        "no --strip-exif: the metadata stays"
    );

    let small = photo(dir.path(), "small.jpg", 300, 200, 1);
    let dest = dir.path().join("bigger");
    let (out, json) = upload(&state, &dest, &[&small], &["--image-min", "900x"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        pictures::size_of(&dest.join("small.jpg")).unwrap(),
        (900, 600)
    );
    assert_eq!(json["filesUploaded"][0]["width"], 900);

    let dest = dir.path().join("circle");
    let (out, json) = upload(
        &state,
        &dest,
        &[&wide],
        &["--circle", "--crop-ratio", "1:1", "--image-dim", "200x"],
    );
    assert!(out.status.success(), "{out:?}");
    let round = dest.join("wide.png");
    assert_eq!(json["filesUploaded"][0]["mimetype"], "image/png");
    assert_eq!(pictures::size_of(&round).unwrap(), (200, 200));
    let corner = tool(
        "convert",
        &[
            round.to_str().unwrap(),
            "-format",
            "%[fx:int(255*p{1,1}.a)]",
            "info:",
        ],
    );
    assert_eq!(corner.trim(), "0", "outside the circle is transparent");
}

#[test]
fn other_files_and_undecodable_pictures_go_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, b"plain text, not a picture\n").unwrap();
    let fake = dir.path().join("broken.jpg");
    // A JPEG's first bytes, then nothing a decoder can use.
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    bytes.extend(b"JFIF\0 and then garbage".iter());
    std::fs::write(&fake, &bytes).unwrap();
    let dest = dir.path().join("dest");
    let (out, json) = upload(
        &dir.path().join("state"),
        &dest,
        &[&text, &fake],
        &["--image-max", "100x100", "--strip-exif"],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        std::fs::read(dest.join("notes.txt")).unwrap(),
        std::fs::read(&text).unwrap()
    );
    assert_eq!(std::fs::read(dest.join("broken.jpg")).unwrap(), bytes);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("broken.jpg is sent unchanged"),
        "a notice says so: {stderr}"
    );
    assert!(json["filesUploaded"][1].get("originalSize").is_none());
}

#[test]
fn a_50_mp_photo_stays_under_512_mib() {
    let dir = tempfile::tempdir().unwrap();
    let src = photo(dir.path(), "big.jpg", 8660, 5774, 6);
    let dest = dir.path().join("dest");
    let mut command = Command::new("/usr/bin/time");
    common::isolate(&mut command, dir.path());
    let out = command
        .args(["-f", "peak-kib=%M"])
        .arg(env!("CARGO_BIN_EXE_satchel"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .args(["upload", "--image-max", "2048x2048", "--strip-exif", "--to"])
        .arg(&dest)
        .arg(&src)
        .output()
        .expect("GNU time (/usr/bin/time) runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let kib: u64 = stderr
        .lines()
        .find_map(|l| l.strip_prefix("peak-kib="))
        .and_then(|n| n.trim().parse().ok())
        .expect("time printed the peak");
    eprintln!("50 MP JPEG → 2048 px: peak {} MiB", kib / 1024);
    assert!(kib < 512 * 1024, "peak {kib} KiB");
    assert_eq!(
        pictures::size_of(&dest.join("big.jpg")).unwrap(),
        (1365, 2048)
    );
}
