//! Figure 9: a 24 MP JPEG shrunk to 1600 px with its metadata stripped,
//! the whole `satchel upload` to a folder against ImageMagick's
//! `convert -auto-orient -resize 1600x1600> -strip` and libvips'
//! `vipsthumbnail` on the same photo in the same run.
//!
//! The photo is made by ImageMagick (a noisy gradient, so the encoders have
//! real work) and tagged by exiftool with Orientation 6 and GPS, like a
//! phone's. Each program also writes its result file, so both sides pay
//! for decoding, resizing, turning and encoding.

use std::process::Command;

use anyhow::{Context, Result};

use crate::measure::{self, mib};
use crate::report::Row;
use crate::transfer::{fresh_dir, satchel_upload};
use crate::Bench;

pub fn shrink_photo(bench: &Bench) -> Result<Vec<Row>> {
    let photo = bench.tmp.join("photo-24mp.jpg");
    make_photo(&photo)?;
    let out = bench.tmp.join("pictures");
    let clean = || fresh_dir(&out);

    let satchel = measure::median_of(bench.runs, clean, || {
        let mut c = satchel_upload(bench, out.to_str().unwrap_or_default(), &[&photo]);
        c.args(["--image-max", "1600x1600", "--strip-exif"]);
        c
    })?;
    let magick = measure::median_of(bench.runs, clean, || {
        let mut c = Command::new("convert");
        c.arg(&photo)
            .args([
                "-auto-orient",
                "-resize",
                "1600x1600>",
                "-strip",
                "-quality",
                "92",
            ])
            .arg(out.join("magick.jpg"));
        c
    })?;
    let vips = measure::median_of(bench.runs, clean, || {
        let mut c = Command::new("vipsthumbnail");
        c.arg(&photo)
            .args(["--size", "1600x1600", "-o"])
            .arg(format!("{}[Q=92,strip]", out.join("vips.jpg").display()));
        c
    })?;
    let seconds = |r: measure::Run| r.time.as_secs_f64();
    let vs_magick = seconds(magick) / seconds(satchel);
    let vs_vips = seconds(vips) / seconds(satchel);
    Ok(vec![
        Row::new(
            "9. 24 MP JPEG → 1600 px, metadata stripped",
            format!("{:.2} s", seconds(satchel)),
        )
        .peer(
            format!(
                "convert -auto-orient -resize -strip: {:.2} s",
                seconds(magick)
            ),
            vs_magick,
        )
        .memory(format!("{:.0} MiB peak", mib(satchel.peak_rss)))
        .target("≥ 1.0× ImageMagick", vs_magick >= 1.0),
        Row::new(
            "9. the same, against libvips",
            format!("{:.2} s", seconds(satchel)),
        )
        .peer(
            format!(
                "vipsthumbnail: {:.2} s ({:.0} MiB peak)",
                seconds(vips),
                mib(vips.peak_rss)
            ),
            vs_vips,
        )
        .memory(format!("convert: {:.0} MiB peak", mib(magick.peak_rss))),
    ])
}

/// A 6000×4000 photo with Orientation 6 and a GPS position.
fn make_photo(path: &std::path::Path) -> Result<()> {
    let run = |program: &str, args: &[&str]| -> Result<()> {
        let status = Command::new(program)
            .args(args)
            .status()
            .with_context(|| format!("{program} is needed (./x bench installs it)"))?;
        anyhow::ensure!(status.success(), "{program} {args:?} failed");
        Ok(())
    };
    let target = path.to_str().context("a UTF-8 path")?;
    run(
        "convert",
        &[
            "-size",
            "6000x4000",
            "gradient:#c04020-#2040c0",
            "-attenuate",
            "0.4",
            "+noise",
            "Gaussian",
            "-quality",
            "92",
            target,
        ],
    )?;
    run(
        "exiftool",
        &[
            "-q",
            "-overwrite_original",
            "-n",
            "-Orientation=6",
            "-GPSLatitude=48.8584",
            "-GPSLatitudeRef=N",
            "-GPSLongitude=2.2945",
            "-GPSLongitudeRef=E",
            target,
        ],
    )
}
