//! Custom sources in the real window: real frames, a real HTTP server.

use std::fs;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use fantoccini::Locator;
use serde_json::Value;

use crate::harness::{e2e, text, Env};
use crate::server::{self, FileServer};

/// Writes `tests/sources/<name>` into the test's folder, pointed at `base`.
fn source(env: &Env, name: &str, base: &str) -> Result<String> {
    let template = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sources")
        .join(name);
    let code =
        fs::read_to_string(&template).with_context(|| format!("reading {}", template.display()))?;
    let path = env.path(name);
    fs::write(&path, code.replace("__BASE__", base))?;
    Ok(path.to_str().context("utf-8 path")?.to_owned())
}

/// Clicks a sidebar source and enters its frame.
async fn open_source(env: &Env, name: &str, frame: u32) -> Result<()> {
    env.find(&format!("[data-testid=source-{name}]"))
        .await?
        .click()
        .await?;
    let iframe = env.find(&format!("[data-testid=frame-{frame}]")).await?;
    iframe
        .enter_frame()
        .await
        .context("entering the source's frame")?;
    Ok(())
}

/// Clicks a file in the links source (the current frame).
async fn pick_link(env: &Env, file: &str) -> Result<()> {
    let css = format!("button[data-file='{file}']");
    env.find(&css).await?.click().await?;
    Ok(())
}

async fn leave_frame(env: &Env) -> Result<()> {
    env.client()?.enter_parent_frame().await?;
    Ok(())
}

/// Waits until the JSON in `css` (inside the current frame) says done.
async fn results(env: &Env, css: &str) -> Result<Value> {
    result_with(env, css, "done").await
}

#[test]
fn a_tutorial_style_source_adds_links_fetched_with_headers_at_upload() {
    e2e("source_links", async |env| {
        let server = FileServer::start()?;
        let links = source(env, "links.js", &server.base)?;
        let dest = env.path("dest");
        env.launch(&["--source", &links, "--to", dest.to_str().context("utf-8")?])
            .await?;
        let entry = env.find("[data-testid=source-teamFiles]").await?;
        ensure!(text(&entry).await? == "Team files");

        open_source(env, "teamFiles", 0).await?;
        let client = env.client()?;
        for (file, count) in [("mountains.png", 1), ("notes.txt", 2)] {
            let button = env.find(&format!("button[data-file='{file}']")).await?;
            button.click().await?;
            // The source reads actions.count right after the promise resolves.
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let label = text(&button).await?;
                if label.ends_with(&format!("✓ ({count})")) {
                    break;
                }
                ensure!(
                    Instant::now() < deadline,
                    "button says {label:?}, count {count} expected"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        ensure!(
            server.seen("/files/notes.txt").is_empty(),
            "links are fetched at upload, not before"
        );
        client
            .find(Locator::Css("#view-summary"))
            .await?
            .click()
            .await?;
        leave_frame(env).await?;
        env.find("[data-testid=summary-view]").await?;
        let names = env
            .wait_for_count("[data-testid=summary-view] [data-testid=file]", 2)
            .await?;
        ensure!(text(&names[0]).await?.contains("Mountains"));

        env.find("[data-testid=summary-view] [data-testid=upload]")
            .await?
            .click()
            .await?;
        env.find("[data-testid=upload-finished]").await?;
        ensure!(fs::read(dest.join("mountains.png"))? == server::png());
        ensure!(fs::read_to_string(dest.join("notes.txt"))? == server::NOTES);
        for path in ["/files/mountains.png", "/files/notes.txt"] {
            let seen = server.seen(path);
            ensure!(seen.len() == 1, "{path} fetched {} times", seen.len());
            ensure!(
                seen[0].header("Authorization") == Some("Bearer team-token"),
                "{seen:?}"
            );
        }
        Ok(())
    });
}

/// Copies a source folder of tests/sources (a source and the files beside
/// it), filling in `__BASE__`; returns the path of `main` in the copy.
fn source_folder(env: &Env, folder: &str, main: &str, base: &str) -> Result<String> {
    let from = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sources")
        .join(folder);
    let to = env.path(folder);
    fs::create_dir_all(&to)?;
    for entry in fs::read_dir(&from)? {
        let entry = entry?;
        let text = fs::read_to_string(entry.path())?;
        fs::write(to.join(entry.file_name()), text.replace("__BASE__", base))?;
    }
    Ok(to.join(main).to_str().context("utf-8 path")?.to_owned())
}

#[test]
fn the_seeds_own_snippet_runs_as_written() {
    e2e("source_seed_form", async |env| {
        let server = FileServer::start()?;
        let seed = source_folder(env, "seed", "seed.js", &server.base)?;
        let dest = env.path("dest");
        env.launch(&["--source", &seed, "--to", dest.to_str().context("utf-8")?])
            .await?;
        // No name in the source: it is made from the label.
        let entry = env.find("[data-testid=source-label-in-menu]").await?;
        ensure!(text(&entry).await? == "LABEL_IN_MENU");
        // ICON.svg, read from beside the source, drawn in the text colour.
        let icon = env
            .find("[data-testid=source-label-in-menu] [data-testid=sidebar-icon]")
            .await?;
        ensure!(
            icon.attr("data-mode").await?.as_deref() == Some("mask"),
            "a currentColor icon is painted in the sidebar's colour"
        );
        let style = icon.attr("style").await?.unwrap_or_default();
        ensure!(style.contains("data:image/svg+xml"), "{style}");

        open_source(env, "label-in-menu", 0).await?;
        env.find("#seed-add").await?.click().await?;
        leave_frame(env).await?;
        env.find("[data-testid=summary-view]").await?;
        env.wait_for_count("[data-testid=summary-view] [data-testid=file]", 1)
            .await?;
        env.find("[data-testid=summary-view] [data-testid=upload]")
            .await?
            .click()
            .await?;
        env.find("[data-testid=upload-finished]").await?;
        ensure!(fs::read_to_string(dest.join("notes.txt"))? == server::NOTES);
        Ok(())
    });
}

#[test]
fn raw_files_added_in_loops_all_land_then_the_summary_shows() {
    e2e("source_raw_loop", async |env| {
        let server = FileServer::start()?;
        let raw = source(env, "raw_loop.js", &server.base)?;
        env.launch(&["--source", &raw]).await?;
        open_source(env, "rawLoop", 0).await?;
        env.find("#add-raw").await?.click().await?;
        leave_frame(env).await?;
        env.find("[data-testid=summary-view]").await?;
        let files = env
            .wait_for_count("[data-testid=summary-view] [data-testid=file]", 5)
            .await?;
        let mut names = Vec::new();
        for file in &files {
            names.push(text(file).await?);
        }
        for name in ["loose-0", "loose-1", "loose-2", "awaited-0", "awaited-1"] {
            ensure!(
                names.iter().any(|n| n.contains(name)),
                "{name} missing from {names:?}"
            );
        }
        Ok(())
    });
}

/// The text content of `css` in the current frame (rendered text is empty
/// once the frame is hidden), as JSON, once it has `key`.
async fn content_with(env: &Env, css: &str, key: &str) -> Result<Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(el) = env.client()?.find(Locator::Css(css)).await {
            let read = el.prop("textContent").await?.unwrap_or_default();
            if let Ok(value) = serde_json::from_str::<Value>(&read) {
                if !value[key].is_null() {
                    return Ok(value);
                }
            }
        }
        if Instant::now() > deadline {
            let el = env.client()?.find(Locator::Css(css)).await?;
            let read = el.prop("textContent").await?.unwrap_or_default();
            bail!("{css} never reported {key}: {read}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[test]
fn raw_bytes_go_straight_to_rust_and_only_with_this_sources_ticket() {
    e2e("source_raw_post", async |env| {
        let server = FileServer::start()?;
        let raw = source(env, "raw_post.js", &server.base)?;
        let links = source(env, "links.js", &server.base)?;
        fs::write(env.policy_path(), "spoolMaxPerSource = \"24MiB\"\n")?;
        let dest = env.path("dest");
        fs::create_dir_all(&dest)?;
        let to = dest.to_str().context("utf-8 path")?.to_owned();
        env.launch(&["--to", &to, "--source", &raw, "--source", &links])
            .await
            .context("launching")?;
        open_source(env, "rawPost", 0).await.context("opening")?;
        env.find("#run").await?.click().await?;
        let r = content_with(env, "#raw", "done").await?;
        env.save("raw.json", &serde_json::to_string_pretty(&r)?)?;
        let refused = |key: &str, why: &str| {
            let said = r[key].as_str().unwrap_or_default();
            ensure!(
                (said.starts_with("refused") || said.starts_with("blocked")) && said.contains(why),
                "{key}: {said}"
            );
            Ok(())
        };
        refused("noTicket", "no raw file")?;
        // The frame's policy lets it reach its own origin only.
        refused("otherOrigin", "blocked")?;
        refused("pastDeclared", "tooLarge")?;
        ensure!(r["firstWithinCap"] == "accepted", "{r}");
        refused("pastCap", "spoolMaxPerSource")?;
        refused("spentTicket", "no raw file")?;
        refused("farAhead", "offset")?;
        ensure!(
            r["farAheadMs"].as_f64().is_some_and(|ms| ms < 5000.0),
            "{r}"
        );
        ensure!(r["added"]["size"] == 20 * 1024 * 1024 + 5, "{r}");

        // The file landed whole, byte for byte.
        leave_frame(env).await?;
        env.find("[data-testid=summary-view]").await?;
        env.find("[data-testid=upload]").await?.click().await?;
        env.find("[data-testid=done-view]").await?;
        let landed = fs::read(dest.join("big.bin"))?;
        let expected: Vec<u8> = (0..20 * 1024 * 1024 + 5usize)
            .map(|i| ((i * 7 + (i >> 12)) & 255) as u8)
            .collect();
        ensure!(
            landed == expected,
            "big.bin landed with {} bytes, not as sent",
            landed.len()
        );
        Ok(())
    });
}

/// Closes the window as a window manager does, with the closer source
/// shown, and waits until it is gone; how long that took.
async fn close_with_closer_shown(
    env: &mut Env,
    hang: bool,
    server: &FileServer,
) -> Result<Duration> {
    let path = source(env, "closer.js", &server.base)?;
    fs::write(
        &path,
        fs::read_to_string(&path)?.replace("__HANG__", if hang { "hang" } else { "" }),
    )?;
    env.launch(&["--source", &path, "--source-connect", &server.base])
        .await?;
    open_source(env, "closer", 0).await?;
    leave_frame(env).await?;
    let started = Instant::now();
    crate::ui::ask_to_close(env)?;
    let display = env.display()?;
    loop {
        let found = crate::harness::xdotool(&display, &["search", "--name", "^Satchel$"])
            .unwrap_or_default();
        if found.trim().is_empty() {
            return Ok(started.elapsed());
        }
        ensure!(
            started.elapsed() < Duration::from_secs(30),
            "the window did not close in 30 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[test]
fn closing_the_window_calls_the_shown_sources_unmounted() {
    e2e("source_unmounted_on_close", async |env| {
        let server = FileServer::start()?;
        close_with_closer_shown(env, false, &server).await?;
        let seen = server.seen("/unmounted?shown=shown");
        ensure!(
            seen.len() == 1,
            "unmounted ran {} times on close",
            seen.len()
        );
        Ok(())
    });
}

#[test]
fn a_source_hanging_in_unmounted_does_not_keep_the_window_open() {
    // Its unmounted() keeps the page's thread for 10 s.
    e2e("source_unmounted_hangs", async |env| {
        let server = FileServer::start()?;
        let took = close_with_closer_shown(env, true, &server).await?;
        ensure!(
            !server.seen("/unmounted?shown=shown").is_empty(),
            "unmounted never ran"
        );
        ensure!(took < Duration::from_secs(5), "closing took {took:?}");
        Ok(())
    });
}

/// An SVG icon that tries everything: a script, an event handler, an
/// outside image and a CSS url(), each calling the test's server at `path`.
fn hostile_svg(base: &str, path: &str) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 24 24" onload="fetch('{base}{path}?onload')"><script>fetch('{base}{path}?script')</script><style>rect {{ fill: url({base}{path}?css) }}</style><image href="{base}{path}?image" width="24" height="24"/><rect width="24" height="24"/></svg>"#
    )
}

#[test]
fn an_icon_svg_carrying_a_script_is_refused_and_never_runs() {
    e2e("source_icon_hostile", async |env| {
        let server = FileServer::start()?;
        let template = fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sources/icon_hostile.js"),
        )?;
        // Inline, and as the seed's file beside the source (`icon: 'ICON.svg'`).
        let inline = env.path("inline.js");
        // Without the handler, so the script is what Rust names first.
        let svg = hostile_svg(&server.base, "/icon-inline").replace(
            &format!(r#" onload="fetch('{}/icon-inline?onload')""#, server.base),
            "",
        );
        fs::write(
            &inline,
            template
                .replace("__BASE__", &server.base)
                .replace("__LABEL__", "Inline icon")
                .replace("__ICON__", &serde_json::to_string(&svg)?),
        )?;
        let folder = env.path("beside");
        fs::create_dir_all(&folder)?;
        fs::write(
            folder.join("ICON.svg"),
            hostile_svg(&server.base, "/icon-file"),
        )?;
        let beside = folder.join("beside.js");
        fs::write(
            &beside,
            template
                .replace("__BASE__", &server.base)
                .replace("__LABEL__", "File icon")
                .replace("__ICON__", "'ICON.svg'"),
        )?;
        let (inline, beside) = (
            inline.to_str().context("utf-8")?.to_owned(),
            beside.to_str().context("utf-8")?.to_owned(),
        );
        env.launch(&[
            "--source",
            &inline,
            "--source",
            &beside,
            "--source-connect",
            &server.base,
        ])
        .await?;
        for (name, frame) in [("inline-icon", 0), ("file-icon", 1)] {
            let button = env.find(&format!("[data-testid=source-{name}]")).await?;
            // Refused, so the default icon is drawn, and the tooltip says why.
            ensure!(
                button
                    .find(Locator::Css("[data-testid=sidebar-icon]"))
                    .await
                    .is_err(),
                "{name}: the hostile icon was drawn"
            );
            let why = button.attr("title").await?.unwrap_or_default();
            ensure!(
                why.starts_with("the SVG icon has")
                    && ["script", "event handler", "outside"]
                        .iter()
                        .any(|w| why.contains(w)),
                "{name}: tooltip {why:?}"
            );
            ensure!(name != "inline-icon" || why.contains("script"), "{why:?}");
            // The source itself keeps working.
            open_source(env, name, frame).await?;
            let mounted = env.find("#hostile-icon-mounted").await?;
            ensure!(text(&mounted).await? == "still works");
            leave_frame(env).await?;
        }
        // Give anything that did run a moment to call out, then check none did.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        for path in ["/icon-inline", "/icon-file"] {
            for how in ["onload", "script", "css", "image"] {
                let seen = server.seen(&format!("{path}?{how}"));
                ensure!(
                    seen.is_empty(),
                    "the icon's {how} reached the server ({path})"
                );
            }
        }
        Ok(())
    });
}

#[test]
fn forms_links_out_and_dialogs_work_as_web_code_expects() {
    e2e("source_real_world", async |env| {
        let server = FileServer::start()?;
        let real = source(env, "real_world.js", &server.base)?;
        // The system browser: xdg-open honours $BROWSER when no desktop runs;
        // this one notes what it was asked to open (a stand-in: no browser here).
        let opened = env.path("browser.txt");
        let browser = env.path("browser.sh");
        fs::write(
            &browser,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n",
                opened.display()
            ),
        )?;
        std::process::Command::new("chmod")
            .arg("+x")
            .arg(&browser)
            .status()?;
        env.set_app_var("BROWSER", browser.to_str().context("utf-8")?);
        env.launch(&["--source", &real]).await?;
        open_source(env, "realWorld", 0).await?;
        let client = env.client()?;
        for id in [
            "#search-go",
            "#post-go",
            "#open-help",
            "#docs",
            "#open-bad",
            "#dialogs",
        ] {
            env.find(id).await?.click().await?;
        }
        let r = result_with(env, "#out", "alert").await?;
        ensure!(
            r["searched"] == "mountains",
            "the search form's submit event: {r}"
        );
        ensure!(r["postSubmitted"] == true, "{r}");
        ensure!(r["opened"] == "returned null", "{r}");
        for key in ["fileLink", "scriptLink"] {
            ensure!(
                r[key]
                    .as_str()
                    .is_some_and(|m| m.contains("only http and https")),
                "{key}: {r}"
            );
        }
        for key in ["alert", "confirm"] {
            ensure!(
                r[key]
                    .as_str()
                    .is_some_and(|m| m.contains("not available to a custom source")),
                "{key}: {r}"
            );
        }
        let notice = text(&client.find(Locator::Css("#satchel-notice")).await?).await?;
        ensure!(notice.contains("not available"), "{notice:?}");
        // The frame never navigated, and the form never reached the server.
        let location = client.execute("return location.href", vec![]).await?;
        ensure!(
            location
                .as_str()
                .is_some_and(|l| l.starts_with("satchel-source://")),
            "{location}"
        );
        ensure!(server.seen("/posted").is_empty(), "a form posted out");
        leave_frame(env).await?;
        let deadline = Instant::now() + Duration::from_secs(20);
        let asked = loop {
            let asked = fs::read_to_string(&opened).unwrap_or_default();
            if asked.contains("https://help.example.com/sign-in?from=satchel")
                && asked.contains("https://docs.example.com/sources#links")
            {
                break asked;
            }
            ensure!(
                Instant::now() < deadline,
                "the browser was asked for {asked:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        ensure!(
            asked.lines().count() == 2,
            "only the two web pages: {asked:?}"
        );
        Ok(())
    });
}

#[test]
fn a_source_loads_scripts_only_from_the_origins_it_declared() {
    e2e("source_scripts", async |env| {
        use base64::Engine as _;
        use sha2::Digest as _;
        let server = FileServer::start()?;
        let other = server.base.replace("127.0.0.1", "localhost");
        let sri = |bytes: &[u8]| {
            format!(
                "sha256-{}",
                base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(bytes))
            )
        };
        let path = source(env, "sdk_user.js", &server.base)?;
        let code = fs::read_to_string(&path)?
            .replace("__OTHER__", &other)
            .replace("__SRI_OK__", &sri(server::SDK.as_bytes()))
            .replace("__SRI_BAD__", &sri(b"something else"));
        fs::write(&path, code)?;
        env.launch(&["--source", &path, "--source-script", &server.base])
            .await?;
        open_source(env, "sdkUser", 0).await?;
        let r = result_with(env, "#sdk", "done").await?;
        ensure!(r["declared"] == "loaded" && r["pinned"] == "loaded", "{r}");
        ensure!(r["tampered"] == "refused", "integrity not honoured: {r}");
        ensure!(r["undeclared"] == "refused", "{r}");
        ensure!(r["runs"] == 2, "only the declared, intact scripts ran: {r}");
        ensure!(
            r["eval"].as_str().is_some_and(|e| e.starts_with("refused")),
            "{r}"
        );
        ensure!(r["styled"] == "yes", "the declared style sheet: {r}");
        let notice = text(&env.client()?.find(Locator::Css("#satchel-notice")).await?).await?;
        ensure!(
            notice.contains(&format!("add \"{other}\" to this source's \"scripts\""))
                && notice.contains("eval() and new Function() are not allowed"),
            "each refusal names the origin and the key: {notice:?}"
        );
        Ok(())
    });
}

#[test]
fn local_storage_is_kept_per_source_across_restarts() {
    e2e("source_storage", async |env| {
        let server = FileServer::start()?;
        let keeper = source(env, "keeper.js", &server.base)?;
        let snoop = source(env, "snoop.js", &server.base)?;
        // What an earlier run kept: the file a restart reads.
        let kept = env.path("xdg/state/satchel/sources/keeper/local-storage.json");
        fs::create_dir_all(kept.parent().context("folder")?)?;
        fs::write(&kept, r#"{"choice":"light","counter":"41"}"#)?;
        env.launch(&["--source", &keeper, "--source", &snoop])
            .await?;

        open_source(env, "keeper", 0).await?;
        let r = result_with(env, "#kept", "done").await?;
        ensure!(
            r["choiceBefore"] == "light",
            "the earlier run's choice: {r}"
        );
        ensure!(r["sessionBefore"].is_null(), "{r}");
        ensure!(r["keys"] == serde_json::json!(["choice", "counter"]), "{r}");
        ensure!(r["length"] == 2, "{r}");
        ensure!(r["cookie"] == "" && r["cookieAfter"] == "", "{r}");
        ensure!(
            r["quota"] == "QuotaExceededError" && r["hugeKept"] == false,
            "{r}"
        );
        leave_frame(env).await?;

        open_source(env, "snoop", 1).await?;
        let snooped = result_with(env, "#snooped", "done").await?;
        ensure!(
            snooped["keys"] == serde_json::json!([]) && snooped["choice"].is_null(),
            "another source's storage was visible: {snooped}"
        );
        leave_frame(env).await?;

        // Written through to Rust, in order, privately.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let saved: Value = serde_json::from_slice(&fs::read(&kept)?)?;
            if saved == serde_json::json!({"choice": "dark", "counter": "42"}) {
                break;
            }
            ensure!(Instant::now() < deadline, "saved: {saved}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        use std::os::unix::fs::PermissionsExt;
        ensure!(fs::metadata(&kept)?.permissions().mode() & 0o777 == 0o600);

        // `satchel sources forget` removes it.
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_satchel"))
            .args(["sources", "forget", "keeper"])
            .envs(env.app_env()?)
            .output()?;
        ensure!(out.status.success(), "{out:?}");
        ensure!(!kept.exists(), "forget left {}", kept.display());
        Ok(())
    });
}

#[test]
fn a_policy_can_turn_off_storage_forms_and_links_out() {
    e2e("source_capabilities_off", async |env| {
        let server = FileServer::start()?;
        let keeper = source(env, "keeper.js", &server.base)?;
        let real = source(env, "real_world.js", &server.base)?;
        let kept = env.path("xdg/state/satchel/sources/keeper/local-storage.json");
        fs::create_dir_all(kept.parent().context("folder")?)?;
        fs::write(&kept, r#"{"choice":"light"}"#)?;
        fs::write(
            env.policy_path(),
            "sourceStorage = false\nsourceForms = false\nsourceLinks = false\n\
             locked = [\"sourceStorage\", \"sourceForms\", \"sourceLinks\"]\n",
        )?;
        env.launch(&["--source", &keeper, "--source", &real])
            .await?;

        // Storage lasts only as long as the window: nothing read, nothing written.
        open_source(env, "keeper", 0).await?;
        let r = result_with(env, "#kept", "done").await?;
        ensure!(r["choiceBefore"].is_null(), "{r}");
        ensure!(r["keys"] == serde_json::json!(["choice", "counter"]), "{r}");
        leave_frame(env).await?;

        open_source(env, "realWorld", 1).await?;
        let client = env.client()?;
        for id in ["#search-go", "#open-help", "#dialogs"] {
            env.find(id).await?.click().await?;
        }
        let r = result_with(env, "#out", "alert").await?;
        ensure!(
            r["searched"].is_null(),
            "a submit event reached the source: {r}"
        );
        ensure!(
            r["opened"]
                .as_str()
                .is_some_and(|m| m.contains("sourceLinks")),
            "{r}"
        );
        let notice = text(&client.find(Locator::Css("#satchel-notice")).await?).await?;
        ensure!(notice.contains("sourceForms"), "{notice:?}");
        leave_frame(env).await?;
        ensure!(
            fs::read_to_string(&kept)? == r#"{"choice":"light"}"#,
            "the kept storage was changed"
        );
        Ok(())
    });
}

#[test]
fn a_source_that_threw_in_mounted_is_tried_again() {
    e2e("source_try_again", async |env| {
        let server = FileServer::start()?;
        let flaky = source(env, "flaky_mount.js", &server.base)?;
        env.launch(&["--source", &flaky]).await?;
        env.find("[data-testid=source-flaky]")
            .await?
            .click()
            .await?;
        let error = text(
            &env.find("[data-testid=pane-custom-0] [data-testid=source-error]")
                .await?,
        )
        .await?;
        ensure!(
            error.contains("the service did not answer") && error.contains("flaky_mount.js"),
            "{error:?}"
        );
        // Not disabled: still in the sidebar, and mounted afresh on request.
        let entry = env.find("[data-testid=source-flaky]").await?;
        ensure!(
            !entry
                .attr("class")
                .await?
                .unwrap_or_default()
                .contains("broken"),
            "the source was disabled"
        );
        env.find("[data-testid=source-retry]")
            .await?
            .click()
            .await?;
        let iframe = env.find("[data-testid=frame-0]").await?;
        iframe.enter_frame().await?;
        let ok = text(&env.find("#flaky-ok").await?).await?;
        ensure!(ok == "opened on try 2", "{ok:?}");
        leave_frame(env).await?;
        ensure!(
            env.find_all("[data-testid=source-error]").await?.is_empty(),
            "the error stayed after it worked"
        );
        Ok(())
    });
}

#[test]
fn every_action_works_with_the_seed_shapes() {
    e2e("source_every_action", async |env| {
        let server = FileServer::start()?;
        let every = source(env, "every_action.js", &server.base)?;
        let dest = env.path("dest");
        env.launch(&[
            "--source",
            &every,
            "--to",
            dest.to_str().context("utf-8")?,
            "--max-files",
            "5",
        ])
        .await?;
        open_source(env, "everyAction", 0).await?;
        let r = results(env, "#results").await?;
        let ok = |key: &str| -> Result<&Value> {
            ensure!(r[key]["ok"] == true, "{key} failed: {}", r[key]);
            Ok(&r[key]["value"])
        };
        let config = ok("config")?;
        ensure!(
            config["maxFiles"] == 5 && config["uploadInBackground"] == false,
            "config: {config}"
        );
        ensure!(ok("countBefore")? == 0);

        let raw = ok("addRawFile")?;
        ensure!(raw["countAfter"] == 1, "{raw}");
        ensure!(
            raw["file"]["filename"] == "generated.bin"
                && raw["file"]["size"] == 10 * 1024 * 1024 + 7,
            "{raw}"
        );
        ensure!(
            raw["file"]["uuid"]
                .as_str()
                .is_some_and(|u| uuid::Uuid::parse_str(u).is_ok()),
            "{raw}"
        );

        let fetched = ok("fetchAndAddUrl")?;
        ensure!(fetched["countAfter"] == 2, "{fetched}");
        ensure!(
            fetched["file"]["type"] == "application/pdf"
                && fetched["file"]["filename"] == "report.pdf",
            "{fetched}"
        );
        let refused = &r["fetchRefused"];
        ensure!(refused["ok"] == false, "{refused}");
        ensure!(
            refused["error"].as_str().is_some_and(|e| e.contains("401")),
            "{refused}"
        );

        let meta = ok("metadata")?;
        let keys: Vec<_> = meta
            .as_object()
            .context("metadata object")?
            .keys()
            .cloned()
            .collect();
        ensure!(
            keys == [
                "display_name",
                "filename",
                "link_path",
                "modified",
                "size",
                "thumbnail",
                "type"
            ],
            "metadata keys: {keys:?}"
        );
        ensure!(
            meta["filename"] == "mountains.png" && meta["type"] == "image/png",
            "{meta}"
        );
        ensure!(meta["size"] == server::png().len(), "{meta}");

        let missing = &r["addCustomUrlMissingType"];
        ensure!(missing["ok"] == false, "{missing}");
        ensure!(
            missing["error"]
                .as_str()
                .is_some_and(|e| e.contains("\"type\"")),
            "{missing}"
        );

        let custom = ok("addCustomUrl")?;
        ensure!(custom["countAfter"] == 3, "{custom}");
        let got = ok("getFile")?;
        let keys: Vec<_> = got
            .as_object()
            .context("getFile object")?
            .keys()
            .cloned()
            .collect();
        ensure!(
            keys == [
                "display_name",
                "filename",
                "headers",
                "size",
                "thumbnail",
                "type",
                "url",
                "uuid"
            ],
            "getFile keys: {keys:?}"
        );
        ensure!(
            got["display_name"] == "Team notes" && got["headers"]["X-Team"] == "blue",
            "{got}"
        );
        ensure!(
            got["url"] == format!("{}/files/notes.txt", server.base),
            "{got}"
        );
        // getFile is synchronous: an unknown uuid is undefined, as in Filestack's.
        ensure!(
            r["getFileUnknown"]["ok"] == true && r["getFileUnknown"]["value"].is_null(),
            "{}",
            r["getFileUnknown"]
        );
        let sync = ok("syncPatterns")?;
        ensure!(
            sync["countRightAway"] == sync["before"].as_u64().unwrap_or(99) + 1
                && sync["foundSynchronously"] == true
                && sync["countWhileWaiting"] == sync["countRightAway"].as_u64().unwrap_or(99) + 1
                && sync["countAfterRefusal"] == sync["countRightAway"]
                && sync["countRightAfterRemove"] == sync["before"]
                && sync["gone"] == true,
            "{sync}"
        );
        ensure!(
            sync["refusal"].as_str().is_some_and(|e| e.contains("ftp")),
            "{sync}"
        );
        ensure!(
            ok("fileList")? == &serde_json::json!(["generated.bin", "report.pdf", "notes.txt"])
        );
        let removed = ok("removeFile")?;
        ensure!(removed["countAfter"] == 2, "{removed}");
        ensure!(
            removed["list"] == serde_json::json!(["generated.bin", "notes.txt"]),
            "{removed}"
        );

        env.find("#start-uploading").await?.click().await?;
        leave_frame(env).await?;
        env.find("[data-testid=upload-finished]").await?;
        let expected: Vec<u8> = (0..10 * 1024 * 1024 + 7usize)
            .map(|i| ((i * 31 + (i >> 11)) & 255) as u8)
            .collect();
        ensure!(
            fs::read(dest.join("generated.bin"))? == expected,
            "generated.bin differs"
        );
        ensure!(fs::read_to_string(dest.join("notes.txt"))? == server::NOTES);
        ensure!(
            !dest.join("report.pdf").exists(),
            "a removed file was uploaded"
        );
        let seen = server.seen("/files/notes.txt");
        ensure!(
            seen.iter()
                .any(|s| s.method == "GET" && s.header("X-Team") == Some("blue")),
            "{seen:?}"
        );

        // showSummaryView switches the window to the summary (the source is
        // chosen again first: after an upload the done view is in front).
        open_source(env, "everyAction", 0).await?;
        env.find("#show-summary").await?.click().await?;
        leave_frame(env).await?;
        env.find("[data-testid=summary-view]").await?;
        Ok(())
    });
}

#[test]
fn broken_sources_say_what_is_wrong_and_the_others_keep_working() {
    e2e("source_broken", async |env| {
        let server = FileServer::start()?;
        let links = source(env, "links.js", &server.base)?;
        let mut args = vec!["--source".to_owned(), links];
        let broken = [
            ("broken_syntax.js", "SyntaxError"),
            ("broken_fields.js", "\"mounted\" must be a function"),
            ("broken_types.js", "letters, digits"),
            ("two_sources.js", "customSource and otherSource"),
            ("broken_mount.js", "the API key is missing"),
        ];
        for (file, _) in broken {
            args.push("--source".into());
            args.push(source(env, file, &server.base)?);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        env.launch(&args).await?;

        for (i, (file, problem)) in broken.iter().enumerate() {
            let id = i + 1;
            let selector = if *file == "broken_mount.js" {
                "[data-testid=source-throwsOnMount]".to_owned()
            } else {
                format!("[data-testid=source-custom-{id}]")
            };
            env.find(&selector).await?.click().await?;
            let pane = format!("[data-testid=pane-custom-{id}] [data-testid=source-error]");
            let message = text(&env.find(&pane).await?).await?;
            ensure!(
                message.contains(file) && message.contains(problem),
                "{file}: the pane says {message:?}"
            );
        }

        open_source(env, "teamFiles", 0).await?;
        pick_link(env, "notes.txt").await?;
        leave_frame(env).await?;
        env.wait_for_count("[data-testid=file]", 1).await?;
        Ok(())
    });
}

#[test]
fn an_adversarial_source_cannot_leave_its_frame() {
    e2e("source_adversarial", async |env| {
        let server = FileServer::start()?;
        let adversary = source(env, "adversarial.js", &server.base)?;
        let links = source(env, "links.js", &server.base)?;
        env.launch(&["--source", &adversary, "--source", &links])
            .await?;
        let host_url = env.client()?.current_url().await?;

        open_source(env, "adversary", 0).await?;
        let r = results(env, "#escapes").await?;
        leave_frame(env).await?;
        env.save("escapes.json", &serde_json::to_string_pretty(&r)?)?;
        let escapes = r.as_object().context("escapes object")?;
        ensure!(escapes.len() > 15, "too few attempts reported: {r}");
        let escaped: Vec<_> = escapes
            .iter()
            .filter(|(k, v)| *k != "done" && !v.as_str().is_some_and(|s| s.starts_with("blocked")))
            .collect();
        ensure!(escaped.is_empty(), "escapes that worked: {escaped:?}");

        // The host is untouched and the other source still works.
        ensure!(
            env.client()?.current_url().await? == host_url,
            "the top window navigated"
        );
        env.find("[data-testid=source-teamFiles]")
            .await?
            .click()
            .await?;
        let iframe = env.find("[data-testid=frame-1]").await?;
        iframe.enter_frame().await?;
        pick_link(env, "notes.txt").await?;
        leave_frame(env).await?;
        env.wait_for_count("[data-testid=file]", 1).await?;
        Ok(())
    });
}

/// Waits until the JSON in `css` (inside the current frame) has `key`.
async fn result_with(env: &Env, css: &str, key: &str) -> Result<Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(el) = env.client()?.find(Locator::Css(css)).await {
            if let Ok(value) = serde_json::from_str::<Value>(&text(&el).await?) {
                if !value[key].is_null() {
                    return Ok(value);
                }
            }
        }
        if Instant::now() > deadline {
            bail!("{css} never reported {key}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[test]
fn a_flooding_hanging_source_is_bounded_and_the_others_keep_working() {
    e2e("source_unruly", async |env| {
        let server = FileServer::start()?;
        let unruly = source(env, "unruly.js", &server.base)?;
        let links = source(env, "links.js", &server.base)?;
        env.launch(&["--source", &unruly, "--source", &links])
            .await?;

        // The host's longest pause between 20 ms ticks while the source runs:
        // kept with the results, not asserted. WebKitGTK runs a sandboxed
        // frame on the page's thread, so the source's 1.5 s busy loop
        // freezes the host that long (an endless one would hang the window);
        // what is asserted is that the host works again once it ends.
        env.client()?
            .execute(
                "window.__gap = {max: 0, last: performance.now()};
                 setInterval(() => { const now = performance.now();
                   __gap.max = Math.max(__gap.max, now - __gap.last); __gap.last = now; }, 20);",
                vec![],
            )
            .await?;
        open_source(env, "unruly", 0).await?;
        let r = results(env, "#unruly").await?;
        leave_frame(env).await?;
        env.save("unruly.json", &serde_json::to_string_pretty(&r)?)?;
        let gap = env.client()?.execute("return __gap.max", vec![]).await?;
        env.save("host-longest-pause-ms.txt", &gap.to_string())?;
        // 10,000 requests at once: every one answered, the host's bound
        // refused some at once, the rest were performed.
        let flood = &r["flood"];
        let count = |key: &str| flood[key].as_u64().unwrap_or(0);
        ensure!(count("answered") == 10_000, "replies went missing: {r}");
        ensure!(count("busy") > 0, "the flood was not bounded: {r}");
        ensure!(count("performed") > 0, "nothing got through: {r}");
        ensure!(
            count("busy") + count("performed") == 10_000,
            "unexpected answers: {r}"
        );
        // Over 64 KiB: refused, saying why.
        ensure!(
            r["huge"]
                .as_str()
                .is_some_and(|m| m.contains("at most 65536")),
            "{r}"
        );

        // Its mounted() never returns; another source works all the same.
        env.find("[data-testid=source-teamFiles]")
            .await?
            .click()
            .await?;
        env.find("[data-testid=frame-1]")
            .await?
            .enter_frame()
            .await?;
        pick_link(env, "notes.txt").await?;
        leave_frame(env).await?;
        env.wait_for_count("[data-testid=file]", 1).await?;

        // Unmounted by that switch, it tried to add a file: refused.
        env.find("[data-testid=frame-0]")
            .await?
            .enter_frame()
            .await?;
        let r = result_with(env, "#unruly", "afterUnmount").await?;
        leave_frame(env).await?;
        ensure!(
            r["afterUnmount"]
                .as_str()
                .is_some_and(|m| m.contains("the source is not open")),
            "{r}"
        );
        // A page that misbehaves (or a bridge with a bug) calls Rust for the
        // unmounted frame directly: Rust refuses it all the same.
        let direct = env
            .client()?
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                const request = JSON.stringify({ action: "addCustomUrl", args: {
                  url: arguments[0], type: "text/plain", filename: "direct.txt" } });
                window.__TAURI_INTERNALS__.invoke("source_action", { source: 0, request })
                  .then(() => done("performed"), (e) => done(JSON.stringify(e)));"#,
                vec![Value::from(format!("{}/files/notes.txt", server.base))],
            )
            .await?;
        ensure!(
            direct.as_str().is_some_and(|e| e.contains("notMounted")),
            "Rust let an unmounted frame act: {direct}"
        );
        // Its one late action and this direct call have been answered
        // (refused) by now, so the queue is final: no wait for something
        // that cannot come.
        let files = env.find_all("[data-testid=file]").await?;
        ensure!(files.len() == 1, "{} files queued", files.len());
        Ok(())
    });
}

#[test]
fn config_sources_order_background_upload_and_declared_origins() {
    e2e("source_options", async |env| {
        let server = FileServer::start()?;
        let links = source(env, "links.js", &server.base)?;
        // The source comes from the user's config, with the origin it calls.
        let config_dir = env.path("xdg/config/satchel");
        fs::create_dir_all(&config_dir)?;
        fs::write(
            config_dir.join("config.toml"),
            format!(
                "networkAllow = [\"127.0.0.1\"]\nsources = [{{ path = {links:?}, connect = [{:?}] }}]\n",
                server.base
            ),
        )?;
        let dest = env.path("dest");
        let dest_arg = dest.to_str().context("utf-8")?;
        env.launch(&[
            "--from-sources",
            "teamFiles,local_file_system",
            "--upload-in-background",
            "--to",
            dest_arg,
            "--json",
        ])
        .await?;
        // Wait for the source to load, then read the sidebar's order.
        env.find("[data-testid=source-teamFiles]").await?;
        let mut order = vec![];
        for el in env.find_all("nav [data-testid^=source-]").await? {
            order.push(el.attr("data-testid").await?.unwrap_or_default());
        }
        ensure!(
            order == ["source-teamFiles", "source-local_file_system"],
            "sidebar order: {order:?}"
        );

        open_source(env, "teamFiles", 0).await?;
        let direct = env.find("#direct-fetch").await?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while text(&direct).await?.is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let said = text(&direct).await?;
        ensure!(
            said == format!("fetched: {}", server::NOTES.trim()),
            "declared origin: {said}"
        );
        pick_link(env, "notes.txt").await?;
        leave_frame(env).await?;
        // No Upload click: uploadInBackground starts it.
        env.find("[data-testid=upload-finished]").await?;
        ensure!(fs::read_to_string(dest.join("notes.txt"))? == server::NOTES);
        let finish = env.find("[data-testid=finish]").await?;
        let _ = finish.click().await;
        let result = env.json_result().await?;
        let file = &result["filesUploaded"][0];
        ensure!(
            file["source"] == "teamFiles" && file["filename"] == "notes.txt",
            "{result}"
        );
        ensure!(
            file["mimetype"] == "text/plain" && file["size"] == server::NOTES.len(),
            "{result}"
        );
        Ok(())
    });
}

#[test]
fn a_policy_can_turn_my_device_off_and_pin_a_source() {
    e2e("source_policy", async |env| {
        let server = FileServer::start()?;
        let links = source(env, "links.js", &server.base)?;
        let hash = satchel_core::sha256_hex(&fs::read(&links)?);
        // Users may not add sources, except this one, by its content.
        fs::write(
            env.policy_path(),
            format!(
                "builtinSources = []\nuserSources = false\nallowedSources = [\"sha256:{hash}\"]\n"
            ),
        )?;
        env.launch(&["--source", &links]).await?;
        env.find("[data-testid=source-teamFiles]").await?;
        let rows = env.find_all("nav [data-testid^=source-]").await?;
        ensure!(
            rows.len() == 1,
            "only the pinned source is offered, {} rows",
            rows.len()
        );
        // With My device off, the first source is what the window shows.
        let iframe = env.find("[data-testid=frame-0]").await?;
        ensure!(
            iframe.is_displayed().await?,
            "the pinned source's pane is shown"
        );
        Ok(())
    });
}
