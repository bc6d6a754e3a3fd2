//! The picture editor in the real window: crop with the keyboard, turn,
//! apply, upload to a folder, then check the landed picture's size and
//! colours with ImageMagick.

use std::fs;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use fantoccini::key::Key;

use satchel_test_support::pictures::{pixel, size_of, tool as magick};

use crate::harness::{e2e, text, Env};

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
        ensure!(size_of(&landed)? == (100, 400), "landed at the edited size");
        // The stored left (red) turns to the top, the right (blue) below.
        let top = pixel(&landed, 50, 100)?;
        let bottom = pixel(&landed, 50, 300)?;
        ensure!(top[0] > 200 && top[2] < 60, "top is red: {top:?}");
        ensure!(
            bottom[2] > 200 && bottom[0] < 60,
            "bottom is blue: {bottom:?}"
        );
        // The person's own photo is as it was.
        ensure!(size_of(&photo)? == (400, 200));
        Ok(())
    });
}
