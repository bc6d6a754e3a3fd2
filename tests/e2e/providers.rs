//! The shipped sources (Google Drive, Dropbox, OneDrive, Unsplash) in the real
//! window, against the FAKE providers of `fake_providers.rs`, and how
//! `fromSources` names them.

use std::fs;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use fantoccini::Locator;

use crate::fake_providers::{FakeProvider, Kind, UNSPLASH_KEY};
use crate::harness::{e2e, text, Env};

/// Writes the user's config (networkAllow opens loopback for the fakes).
fn config(env: &Env, body: &str) -> Result<()> {
    let path = env.path("xdg/config/satchel/config.toml");
    fs::create_dir_all(path.parent().context("a config folder")?)?;
    fs::write(&path, format!("networkAllow = [\"127.0.0.1\"]\n{body}"))?;
    Ok(())
}

/// Clicks a sidebar source and enters its frame.
async fn open_source(env: &Env, name: &str, frame: u32) -> Result<()> {
    env.find(&format!("[data-testid=source-{name}]"))
        .await?
        .click()
        .await?;
    env.find(&format!("[data-testid=frame-{frame}]"))
        .await?
        .enter_frame()
        .await
        .context("entering the source's frame")?;
    Ok(())
}

async fn leave_frame(env: &Env) -> Result<()> {
    env.client()?.enter_parent_frame().await?;
    Ok(())
}

/// Waits until the element's text satisfies `ok`.
async fn text_until(env: &Env, css: &str, ok: impl Fn(&str) -> bool) -> Result<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let shown = match env.client()?.find(Locator::Css(css)).await {
            Ok(el) => text(&el).await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if ok(&shown) {
            return Ok(shown);
        }
        ensure!(Instant::now() < deadline, "{css} says {shown:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Uploads what the summary shows and waits until it landed.
async fn upload(env: &Env, files: usize) -> Result<()> {
    env.find("[data-testid=summary-view]").await?;
    env.wait_for_count("[data-testid=summary-view] [data-testid=file]", files)
        .await?;
    env.find("[data-testid=summary-view] [data-testid=upload]")
        .await?
        .click()
        .await?;
    env.find("[data-testid=upload-finished]").await?;
    Ok(())
}

#[test]
fn unsplash_searches_picks_tracks_the_download_and_the_photo_lands() {
    e2e("provider_unsplash", async |env| {
        let fake = FakeProvider::start(Kind::Unsplash)?;
        config(
            env,
            &format!(
                "fromSources = [\"local_file_system\", \"unsplash\"]\n\
                 [providers.unsplash]\naccess_key = \"{UNSPLASH_KEY}\"\n"
            ),
        )?;
        env.set_app_var(&fake.kind().base_var(), &fake.base);
        let dest = env.path("dest");
        env.launch(&["--to", dest.to_str().context("utf-8")?])
            .await?;
        let entry = env.find("[data-testid=source-unsplash]").await?;
        ensure!(text(&entry).await? == "Unsplash");
        open_source(env, "unsplash", 0).await?;

        let client = env.client()?;
        let query = env.find("input[type=search]").await?;
        query.send_keys("mountain").await?;
        client
            .find(Locator::Css("form[role=search] button[type=submit]"))
            .await?
            .click()
            .await?;
        text_until(env, "[data-testid=provider-status]", |s| s == "2 photos").await?;
        let tiles = env
            .wait_for_count("[data-testid=provider-items] button[data-id]", 2)
            .await?;
        tiles[0].click().await?;
        ensure!(tiles[0].attr("aria-pressed").await?.as_deref() == Some("true"));
        ensure!(
            fake.seen("/photos/Mtn01/download").is_empty(),
            "the download is tracked when the photo is picked, not before"
        );
        let add = env.find("[data-testid=provider-add]").await?;
        ensure!(text(&add).await? == "Add 1");
        add.click().await?;
        leave_frame(env).await?;
        upload(env, 1).await?;

        let landed = fs::read(dest.join("ana-Mtn01.jpg")).context("the photo landed")?;
        let served = fake.seen("/photo-Mtn01");
        ensure!(landed.starts_with(&[0xFF, 0xD8]), "a JPEG landed");
        ensure!(
            !served.is_empty(),
            "the photo came from the fake: {:?}",
            fake.log()
        );
        let tracked: Vec<_> = fake
            .seen("/photos/Mtn01/download")
            .into_iter()
            .filter(|s| s.method == "GET")
            .collect();
        ensure!(
            tracked.len() == 1,
            "download tracked {} times: {:?}",
            tracked.len(),
            fake.log()
        );
        let key = format!("Client-ID {UNSPLASH_KEY}");
        ensure!(tracked[0].header("Authorization") == Some(key.as_str()));
        let searches = fake.seen("/search/photos");
        ensure!(
            searches
                .iter()
                .any(|s| s.method == "GET" && s.header("Authorization") == Some(key.as_str())),
            "{searches:?}"
        );
        ensure!(
            fake.seen("/photos/Mtn02/download").is_empty(),
            "only the picked photo is tracked"
        );
        Ok(())
    });
}

#[test]
fn the_seeds_from_sources_opens_with_setup_panes_and_notices() {
    e2e("provider_seed_list", async |env| {
        // The seed's list, with its custom source by the name Satchel gives it.
        let seed_dir = env.path("seed");
        fs::create_dir_all(&seed_dir)?;
        let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sources/seed");
        for name in ["seed.js", "ICON.svg"] {
            fs::copy(from.join(name), seed_dir.join(name))?;
        }
        config(
            env,
            "fromSources = [\"local_file_system\", \"label-in-menu\", \"googledrive\", \"unsplash\", \"facebook\", \"instagram\"]\n",
        )?;
        let seed = seed_dir.join("seed.js");
        env.launch(&["--source", seed.to_str().context("utf-8")?])
            .await?;
        // Every offered source, in the seed's order; facebook and instagram
        // are said, not shown, and nothing stopped the picker.
        let names: Vec<String> = {
            let mut names = vec![];
            for item in env.wait_for_count("[data-testid^=source-]", 4).await? {
                names.push(item.attr("data-testid").await?.unwrap_or_default());
            }
            names
        };
        ensure!(
            names
                == [
                    "source-local_file_system",
                    "source-label-in-menu",
                    "source-googledrive",
                    "source-unsplash"
                ],
            "{names:?}"
        );
        let notices = env
            .wait_for_count("[data-testid=notice][data-kind=sourceNotAvailable]", 2)
            .await?;
        let said = text(&notices[0]).await? + &text(&notices[1]).await?;
        ensure!(
            said.contains("facebook")
                && said.contains("instagram")
                && said.contains("not available"),
            "{said}"
        );

        // Unconfigured, each shipped source says exactly what to add.
        open_source(env, "googledrive", 1).await?;
        let snippet = text_until(env, "[data-testid=provider-setup-snippet]", |s| {
            !s.is_empty()
        })
        .await?;
        // (WebDriver's text joins the <pre>'s lines with a space.)
        ensure!(
            snippet == "[providers.googledrive] client_id = \"…\"",
            "{snippet:?}"
        );
        let link = env.find("[data-testid=provider-setup] a").await?;
        ensure!(
            link.attr("href").await?.as_deref()
                == Some("https://console.cloud.google.com/apis/credentials")
        );
        leave_frame(env).await?;
        open_source(env, "unsplash", 2).await?;
        let snippet = text_until(env, "[data-testid=provider-setup-snippet]", |s| {
            !s.is_empty()
        })
        .await?;
        ensure!(
            snippet == "[providers.unsplash] access_key = \"…\"",
            "{snippet:?}"
        );
        leave_frame(env).await?;

        // The seed's own source still works beside them.
        open_source(env, "label-in-menu", 0).await?;
        env.find("#seed-add").await?;
        Ok(())
    });
}
