//! The shipped sources (Google Drive, Dropbox, OneDrive, Unsplash) in the real
//! window, against the FAKE providers of `fake_providers.rs`, and how
//! `fromSources` names them.

use std::fs;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use fantoccini::Locator;

use crate::fake_providers::{FakeProvider, Kind, CLIENT_ID, UNSPLASH_KEY};
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
        env.screenshot("unsplash-pane").await;
        crate::ui::axe(env, "unsplash-pane").await?;
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
        let tracked = fake.seen("/photos/Mtn01/download");
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
        // are said, not shown, and nothing stopped the picker. The seed's
        // item takes its name once its frame has loaded.
        env.find("[data-testid=source-label-in-menu]").await?;
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
        env.screenshot("unsplash-setup").await;
        crate::ui::axe(env, "setup-pane").await?;
        leave_frame(env).await?;

        // The seed's own source still works beside them.
        open_source(env, "label-in-menu", 0).await?;
        env.find("#seed-add").await?;
        Ok(())
    });
}

/// Configures the shipped source of `fake` with the test client id, points
/// it at the fake, and makes the test browser the system browser.
fn oauth_source(env: &mut Env, fake: &FakeProvider) -> Result<()> {
    let name = fake.kind().name();
    config(
        env,
        &format!(
            "fromSources = [\"local_file_system\", \"{name}\"]\n\
             [providers.{name}]\nclient_id = \"{CLIENT_ID}\"\n"
        ),
    )?;
    env.set_app_var(&fake.kind().base_var(), &fake.base);
    // A session bus of the test's own with no keyring on it: the sign-in
    // lasts for the session (the sign-in tests cover the keyring).
    let bus = crate::signin::private_bus(env)?;
    env.set_app_var("DBUS_SESSION_BUS_ADDRESS", &bus);
    let browser = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/e2e/tools/test_browser.mjs"
    );
    env.set_app_var("BROWSER", browser);
    let log = env.path("browser.log");
    env.set_app_var("TEST_BROWSER_LOG", log.to_str().context("utf-8 path")?);
    Ok(())
}

/// Opens the source, signs in from its pane (the test browser follows the
/// fake's authorize redirect back to Satchel's loopback callback), and
/// enters its frame.
async fn sign_in_and_open(env: &Env, fake: &FakeProvider) -> Result<()> {
    let name = fake.kind().name();
    env.find(&format!("[data-testid=source-{name}]"))
        .await?
        .click()
        .await?;
    env.find("[data-testid=sign-in]").await?.click().await?;
    env.find("[data-testid=sign-out]").await.with_context(|| {
        let log = fs::read_to_string(env.path("browser.log")).unwrap_or_default();
        format!("not signed in; browser: {log}; fake: {:?}", fake.log())
    })?;
    let tokens = fake.seen(fake.kind().token_path());
    ensure!(tokens.len() == 1, "{:?}", fake.log());
    env.find("[data-testid=frame-0]")
        .await?
        .enter_frame()
        .await
        .context("entering the source's frame")?;
    Ok(())
}

/// Clicks the row named `name` in the source's list (a folder opens, a file
/// is chosen).
async fn click_item(env: &Env, name: &str) -> Result<()> {
    env.find(&format!(
        "[data-testid=provider-items] button[data-name=\"{name}\"]"
    ))
    .await?
    .click()
    .await?;
    Ok(())
}

async fn search(env: &Env, text: &str) -> Result<()> {
    let input = env.find("input[type=search]").await?;
    input.clear().await?;
    input.send_keys(text).await?;
    env.find("form[role=search] button[type=submit]")
        .await?
        .click()
        .await?;
    Ok(())
}

/// The names the list shows, once it shows `count` rows.
async fn rows(env: &Env, count: usize) -> Result<Vec<String>> {
    let mut names = vec![];
    for row in env
        .wait_for_count("[data-testid=provider-items] button[data-name]", count)
        .await?
    {
        names.push(row.attr("data-name").await?.unwrap_or_default());
    }
    Ok(names)
}

#[test]
fn dropbox_lists_pages_searches_and_picked_files_land_by_temporary_link() {
    e2e("provider_dropbox", async |env| {
        let fake = FakeProvider::start(Kind::Dropbox)?;
        oauth_source(env, &fake)?;
        let dest = env.path("dest");
        env.launch(&["--to", dest.to_str().context("utf-8")?])
            .await?;
        sign_in_and_open(env, &fake).await?;
        ensure!(rows(env, 2).await? == ["Photos", "notes.txt"]);
        click_item(env, "Photos").await?;
        // The folder comes in two pages: "More" asks list_folder/continue.
        ensure!(rows(env, 1).await? == ["beach.png"]);
        env.find("section > button:not([hidden])")
            .await?
            .click()
            .await?;
        ensure!(rows(env, 2).await? == ["beach.png", "report.pdf"]);
        click_item(env, "report.pdf").await?;
        search(env, "notes").await?;
        ensure!(rows(env, 1).await? == ["notes.txt"]);
        click_item(env, "notes.txt").await?;
        let add = env.find("[data-testid=provider-add]").await?;
        ensure!(text(&add).await? == "Add 2");
        env.screenshot("dropbox-pane").await;
        crate::ui::axe(env, "dropbox-pane").await?;
        add.click().await?;
        leave_frame(env).await?;
        upload(env, 2).await?;

        ensure!(fs::read(dest.join("report.pdf"))? == crate::fake_providers::REPORT_PDF);
        ensure!(fs::read_to_string(dest.join("notes.txt"))? == crate::fake_providers::NOTES);
        let links = fake.seen("/2/files/get_temporary_link");
        ensure!(links.len() == 2, "{:?}", fake.log());
        for asked in &links {
            ensure!(
                asked.method == "POST" && asked.header("Content-Type") == Some("application/json")
            );
            ensure!(asked
                .header("Authorization")
                .is_some_and(|a| a.starts_with("Bearer fake-access-")));
        }
        ensure!(
            fake.seen("/2/files/list_folder/continue").len() == 1,
            "{:?}",
            fake.log()
        );
        // The links were fetched when uploading, without a token.
        let fetched = fake.seen("/dl/photos/report.pdf");
        ensure!(
            fetched.len() == 1 && fetched[0].header("Authorization").is_none(),
            "{fetched:?}"
        );
        Ok(())
    });
}

#[test]
fn onedrive_signs_in_browses_searches_and_files_land_by_download_url_and_content() {
    e2e("provider_onedrive", async |env| {
        let fake = FakeProvider::start(Kind::OneDrive)?;
        oauth_source(env, &fake)?;
        let dest = env.path("dest");
        env.launch(&["--to", dest.to_str().context("utf-8")?])
            .await?;
        sign_in_and_open(env, &fake).await?;
        ensure!(rows(env, 2).await? == ["Documents", "notes.txt"]);
        click_item(env, "notes.txt").await?;
        click_item(env, "Documents").await?;
        ensure!(rows(env, 1).await? == ["report.pdf"]);
        let crumbs = env.find("nav[aria-label] ol").await?;
        ensure!(text(&crumbs).await?.contains("OneDrive"));
        search(env, "report").await?;
        ensure!(rows(env, 1).await? == ["report.pdf"]);
        // Found by search, it has no download URL: it comes by /content.
        click_item(env, "report.pdf").await?;
        env.find("[data-testid=provider-add]")
            .await?
            .click()
            .await?;
        leave_frame(env).await?;
        upload(env, 2)
            .await
            .with_context(|| format!("the fake saw {:?}", fake.log()))?;
        ensure!(fs::read_to_string(dest.join("notes.txt"))? == crate::fake_providers::NOTES);
        ensure!(fs::read(dest.join("report.pdf"))? == crate::fake_providers::REPORT_PDF);
        let bearer = |s: &crate::server::Seen| {
            s.header("Authorization")
                .is_some_and(|a| a.starts_with("Bearer fake-access-"))
        };
        let children = fake.seen("/v1.0/me/drive/items/F-docs/children");
        ensure!(
            children.len() == 1 && bearer(&children[0]),
            "{:?}",
            fake.log()
        );
        ensure!(
            fake.seen("/v1.0/me/drive/root/search(q='report')").len() == 1,
            "{:?}",
            fake.log()
        );
        ensure!(
            fake.seen("/download/I-notes").len() == 1,
            "{:?}",
            fake.log()
        );
        // Rust fetched /content with the token: the file never held one.
        let content = fake.seen("/v1.0/me/drive/items/I-report/content");
        ensure!(content.len() == 1 && bearer(&content[0]), "{content:?}");
        // The redirect to the download host (another origin) did not carry it on.
        let download = fake.seen("/download/I-report");
        ensure!(
            download.len() == 1 && download[0].header("Authorization").is_none(),
            "{:?}",
            fake.log()
        );
        // The download URL is on another host: no token went there.
        let notes = fake.seen("/download/I-notes");
        ensure!(notes[0].header("Authorization").is_none(), "{notes:?}");
        Ok(())
    });
}

#[test]
fn google_drive_signs_in_browses_searches_downloads_and_exports_a_google_doc() {
    e2e("provider_googledrive", async |env| {
        let fake = FakeProvider::start(Kind::GoogleDrive)?;
        oauth_source(env, &fake)?;
        let dest = env.path("dest");
        env.launch(&["--to", dest.to_str().context("utf-8")?])
            .await?;
        sign_in_and_open(env, &fake).await?;
        ensure!(rows(env, 2).await? == ["Reports", "notes.txt"]);
        click_item(env, "notes.txt").await?;
        click_item(env, "Reports").await?;
        ensure!(rows(env, 2).await? == ["Plan", "report.pdf"]);
        search(env, "plan").await?;
        ensure!(rows(env, 1).await? == ["Plan"]);
        click_item(env, "Plan").await?;
        env.find("[data-testid=provider-add]")
            .await?
            .click()
            .await?;
        leave_frame(env).await?;
        upload(env, 2).await?;
        ensure!(fs::read_to_string(dest.join("notes.txt"))? == crate::fake_providers::NOTES);
        // A Google Doc is exported (PDF by default), a plain file downloaded.
        ensure!(fs::read(dest.join("Plan.pdf"))? == crate::fake_providers::PLAN_PDF);
        let bearer = |s: &crate::server::Seen| {
            s.header("Authorization")
                .is_some_and(|a| a.starts_with("Bearer fake-access-"))
        };
        let lists = fake.seen("/drive/v3/files");
        ensure!(
            lists.len() == 3 && lists.iter().all(bearer),
            "{:?}",
            fake.log()
        );
        let media = fake.seen("/drive/v3/files/fil-notes");
        ensure!(media.len() == 1 && bearer(&media[0]), "{media:?}");
        let export = fake.seen("/drive/v3/files/doc-plan/export");
        ensure!(export.len() == 1 && bearer(&export[0]), "{:?}", fake.log());
        ensure!(
            export[0].path.contains("mimeType=application%2Fpdf"),
            "{export:?}"
        );
        Ok(())
    });
}

#[test]
fn a_shipped_source_speaks_the_windows_language() {
    e2e("provider_german", async |env| {
        config(env, "fromSources = [\"local_file_system\", \"onedrive\"]\n")?;
        env.launch(&["--lang", "de"]).await?;
        open_source(env, "onedrive", 0).await?;
        let title = text_until(env, "[data-testid=provider-setup] h2", |s| !s.is_empty()).await?;
        ensure!(title == "OneDrive ist noch nicht eingerichtet", "{title:?}");
        let snippet = env.find("[data-testid=provider-setup-snippet]").await?;
        ensure!(text(&snippet).await? == "[providers.onedrive] client_id = \"…\"");
        Ok(())
    });
}
