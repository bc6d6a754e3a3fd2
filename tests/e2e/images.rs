//! The picture editor in the real window: crop with the keyboard, turn,
//! apply, upload to a folder, then check the landed picture's size and
//! colours with ImageMagick.

use std::fs;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use fantoccini::key::Key;

use crate::harness::{e2e, text, Env};

/// Runs ImageMagick, failing with what it said.
fn magick(program: &str, args: &[&str]) -> Result<String> {
    let out = Command::new(program).args(args).output()?;
    ensure!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// One pixel's colour, 0–255 per channel.
fn pixel(path: &str, x: u32, y: u32) -> Result<Vec<u32>> {
    let text = magick(
        "convert",
        &[
            path,
            "-crop",
            &format!("1x1+{x}+{y}"),
            "-depth",
            "8",
            "-format",
            "%[fx:int(255*r)] %[fx:int(255*g)] %[fx:int(255*b)]",
            "info:",
        ],
    )?;
    Ok(text
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect())
}

async fn wait_for_text(env: &Env, css: &str, want: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let shown = match env.find(css).await {
            Ok(el) => text(&el).await?,
            Err(_) => String::new(),
        };
        if shown == want {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "{css} shows {shown:?}, not {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[test]
fn a_picture_cropped_with_the_keyboard_and_turned_lands_as_edited() {
    e2e("image_editor", async |env| {
        let src = env.path("src");
        fs::create_dir_all(&src)?;
        // Stored 400×200: red on the left, blue on the right.
        let photo = src.join("photo.jpg");
        let photo_arg = photo.to_str().context("utf-8 path")?;
        magick(
            "convert",
            &[
                "-size", "200x200", "xc:red", "-size", "200x200", "xc:blue", "+append", photo_arg,
            ],
        )?;
        let dest = env.path("dest");
        let dest_arg = dest.to_str().context("utf-8 path")?.to_owned();
        env.launch(&[photo_arg, "--to", &dest_arg, "--json"])
            .await?;
        env.wait_for_count("[data-testid=file]", 1).await?;

        env.find("[data-testid=edit]").await?.click().await?;
        env.find("[data-testid=editor]").await?;
        wait_for_text(env, "[data-testid=crop-size]", "Crop: 400 × 200 px").await?;
        // The box has the focus once the picture is there: Shift+↑ fifty
        // times keeps the top half.
        let client = env.client()?;
        let focused = client.active_element().await?;
        ensure!(
            focused.attr("data-testid").await?.as_deref() == Some("crop-box"),
            "the crop box is focused"
        );
        let keys = format!(
            "{}{}",
            Key::Shift,
            String::from(char::from(Key::Up)).repeat(50)
        );
        focused.send_keys(&keys).await?;
        wait_for_text(env, "[data-testid=crop-size]", "Crop: 400 × 100 px").await?;
        env.screenshot("editor-cropped").await;

        // Turned right, the top half becomes the right half of a portrait.
        env.find("[data-testid=rotate-right]")
            .await?
            .click()
            .await?;
        wait_for_text(env, "[data-testid=crop-size]", "Crop: 100 × 400 px").await?;
        env.screenshot("editor-turned").await;
        env.find("[data-testid=editor-apply]")
            .await?
            .click()
            .await?;

        wait_for_text(env, "[data-testid=file-dimensions]", "100 × 400 px").await?;
        env.find("[data-testid=upload]").await?.click().await?;
        env.find("[data-testid=done-view]").await?;
        let _ = env.find("[data-testid=finish]").await?.click().await;
        let result = env.json_result().await?;
        let file = &result["filesUploaded"][0];
        ensure!(file["width"] == 100 && file["height"] == 400, "{result}");
        ensure!(
            file["originalWidth"] == 400 && file["originalHeight"] == 200,
            "{result}"
        );

        let landed = dest.join("photo.jpg");
        let landed_arg = landed.to_str().context("utf-8 path")?;
        ensure!(
            magick("identify", &["-format", "%w %h", landed_arg])? == "100 400",
            "landed at the edited size"
        );
        // The stored left (red) turns to the top, the right (blue) below.
        let top = pixel(landed_arg, 50, 100)?;
        let bottom = pixel(landed_arg, 50, 300)?;
        ensure!(top[0] > 200 && top[2] < 60, "top is red: {top:?}");
        ensure!(
            bottom[2] > 200 && bottom[0] < 60,
            "bottom is blue: {bottom:?}"
        );
        // The person's own photo is as it was.
        ensure!(magick("identify", &["-format", "%w %h", photo_arg])? == "400 200");
        Ok(())
    });
}
