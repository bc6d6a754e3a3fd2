//! The full picker UI in the real window: the Link source, drag and drop,
//! paste, thumbnails, restrictions, per-file states and retry, the done
//! view, closing during an upload, the keyboard, accessibility (axe-core),
//! languages, the narrow window and the light and dark themes.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use base64::Engine;
use fantoccini::key::Key;
use serde_json::{json, Value};

use crate::harness::{e2e, text, Env};
use crate::server::{png, FileServer};
use crate::support::proxy::Proxy;
use crate::support::{content, stored_names, tus_server, ServerProcess};

/// Files (name, type, bytes) as the page scripts below take them.
fn in_memory(files: &[(&str, &str, &[u8])]) -> Vec<Value> {
    files
        .iter()
        .map(|(name, mime, bytes)| {
            json!([
                name,
                mime,
                base64::engine::general_purpose::STANDARD.encode(bytes)
            ])
        })
        .collect()
}

/// Asks the window to close, as its close button would, during an upload.
pub(crate) fn ask_to_close(env: &Env) -> Result<()> {
    let status = Command::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/e2e/tools/close_window.py"
    ))
    .arg(env.window_id()?)
    .env("DISPLAY", env.display()?)
    .status()?;
    ensure!(status.success(), "close_window.py failed");
    Ok(())
}

/// Dispatches a DOM drag-and-drop of in-memory files (name, type, bytes)
/// onto the window, as a page or another program would hand them over.
async fn drop_files(env: &Env, files: &[(&str, &str, &[u8])]) -> Result<()> {
    let files = in_memory(files);
    env.js(
        r#"const files = arguments[0];
        const transfer = new DataTransfer();
        for (const [name, type, b64] of files) {
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          transfer.items.add(new File([bytes], name, { type }));
        }
        const target = document.querySelector("main");
        target.dispatchEvent(new DragEvent("dragover", { bubbles: true, cancelable: true, dataTransfer: transfer }));
        window.__satchelDrop = transfer;"#,
        vec![Value::Array(files)],
    )
    .await?;
    // The drop zone shows while files are held over the window.
    env.find("[data-testid=drop-overlay]").await?;
    env.js(
        r#"document.querySelector("main").dispatchEvent(
          new DragEvent("drop", { bubbles: true, cancelable: true, dataTransfer: window.__satchelDrop }));"#,
        vec![],
    )
    .await?;
    Ok(())
}

/// Dispatches a paste carrying `data` (MIME type → text) and files.
async fn paste(env: &Env, data: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Result<()> {
    let data: Vec<Value> = data.iter().map(|(k, v)| json!([k, v])).collect();
    let files = in_memory(files);
    env.js(
        r#"const [data, files] = arguments;
        const transfer = new DataTransfer();
        for (const [type, value] of data) transfer.setData(type, value);
        for (const [name, type, b64] of files) {
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          transfer.items.add(new File([bytes], name, { type }));
        }
        let event = new ClipboardEvent("paste", { bubbles: true, cancelable: true, clipboardData: transfer });
        if (!event.clipboardData) {
          event = new Event("paste", { bubbles: true, cancelable: true });
          Object.defineProperty(event, "clipboardData", { value: transfer });
        }
        (document.activeElement ?? document.body).dispatchEvent(event);"#,
        vec![Value::Array(data), Value::Array(files)],
    )
    .await?;
    Ok(())
}

/// The `data-testid` of the focused element.
async fn focused(env: &Env) -> Result<String> {
    let id = env
        .js(
            "return document.activeElement?.dataset?.testid ?? document.activeElement?.id ?? '';",
            vec![],
        )
        .await?;
    Ok(id.as_str().unwrap_or_default().to_owned())
}

/// Presses Tab until the element with this test id has the focus, and
/// checks that the focus can be seen (an outline is drawn).
async fn tab_to(env: &Env, testid: &str) -> Result<()> {
    for _ in 0..40 {
        if focused(env).await? == testid {
            let outline = env
                .js(
                    "return getComputedStyle(document.activeElement).outlineStyle;",
                    vec![],
                )
                .await?;
            ensure!(
                outline != "none",
                "{testid} has the focus but no visible outline"
            );
            return Ok(());
        }
        press(env, Key::Tab).await?;
    }
    bail!(
        "Tab never reached {testid} (focus is on {:?})",
        focused(env).await?
    )
}

async fn press(env: &Env, key: Key) -> Result<()> {
    let client = env.client()?;
    let active = client.active_element().await?;
    active.send_keys(&String::from(char::from(key))).await?;
    Ok(())
}

/// Runs axe-core in the page and fails on serious or critical violations.
pub(crate) async fn axe(env: &Env, view: &str) -> Result<()> {
    let source = fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/ui/node_modules/axe-core/axe.min.js"
    ))
    .context("axe-core is not installed (npm ci in ui/)")?;
    env.js(&format!("{source}\nreturn typeof axe;"), vec![])
        .await?;
    let client = env.client()?;
    let found = client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ["violations"] })
              .then((r) => done(JSON.stringify(r.violations
                .filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                               nodes: v.nodes.map((n) => n.target.join(" ")) })))))
              .catch((e) => done(JSON.stringify([{ id: "axe-error", help: String(e) }])));"#,
            vec![],
        )
        .await?;
    // The script answers a JSON string; anything else is a broken check,
    // not "no violations".
    let report = found
        .as_str()
        .with_context(|| format!("axe answered {found}, not a JSON string"))?
        .to_owned();
    env.save(&format!("axe-{view}.json"), &report)?;
    let violations: Vec<Value> = serde_json::from_str(&report)?;
    ensure!(violations.is_empty(), "axe in the {view} view: {report}");
    Ok(())
}

async fn wait_until(what: &str, mut check: impl AsyncFnMut() -> Result<bool>) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !check().await? {
        ensure!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

fn dest_arg(env: &Env) -> Result<String> {
    Ok(env.path("dest").to_str().context("utf-8 path")?.to_owned())
}

/// Uploads what is queued and waits for the done view.
async fn upload_all(env: &Env) -> Result<()> {
    env.find("[data-testid=upload]").await?.click().await?;
    env.find("[data-testid=done-view]").await?;
    Ok(())
}

/// Opens the Link source, types `url` and looks it up.
async fn look_up(env: &Env, url: &str) -> Result<()> {
    env.find("[data-testid=source-url]")
        .await?
        .click()
        .await
        .context("click Link")?;
    env.find("[data-testid=link-url]")
        .await?
        .send_keys(url)
        .await
        .context("type the URL")?;
    env.find("[data-testid=link-lookup]")
        .await?
        .click()
        .await
        .context("look up")?;
    env.find("[data-testid=link-metadata]").await?;
    Ok(())
}

/// A 32 MiB file on its way to a real tus server through a proxy that
/// lets 1 MiB/s through: an upload that is still running when the test
/// closes the window. Keep the server and proxy alive while it runs.
struct SlowUpload {
    server: ServerProcess,
    proxy: Proxy,
    file: String,
    data: Vec<u8>,
    to: String,
}

impl SlowUpload {
    /// Checks the server holds the file once, complete, byte for byte: what
    /// Satchel reports is not taken on trust.
    fn check_landed(&self) -> Result<()> {
        let names = stored_names(&self.server);
        let uploads: Vec<&String> = names.iter().filter(|n| !n.ends_with(".json")).collect();
        ensure!(
            uploads.len() == 1,
            "one upload on the server, not {names:?}"
        );
        let stored = fs::read(self.server.storage.path().join(uploads[0]))?;
        ensure!(
            stored == self.data,
            "the server holds {} bytes that differ from the file's {}",
            stored.len(),
            self.data.len()
        );
        Ok(())
    }
}

async fn slow_upload(env: &Env, seed: u8) -> Result<SlowUpload> {
    let server = tus_server();
    let proxy = Proxy::start(server.port).await;
    proxy.faults.rate.store(1 << 20, Ordering::SeqCst);
    let file = env.path("slow.bin");
    let data = content(32 << 20, seed);
    fs::write(&file, &data)?;
    Ok(SlowUpload {
        to: format!("tus+{}/files/", proxy.base()),
        file: file.to_str().context("utf-8 path")?.to_owned(),
        data,
        server,
        proxy,
    })
}

/// Clicks Done: the window closes, so WebDriver's answer may never come.
async fn finish(env: &Env) -> Result<()> {
    let _ = env.find("[data-testid=finish]").await?.click().await;
    Ok(())
}

#[test]
fn the_link_source_shows_what_a_url_is_then_adds_it() {
    e2e("ui_link", async |env| {
        let server = FileServer::start()?;
        let dest = dest_arg(env)?;
        env.launch(&["--to", &dest, "--json"]).await?;
        look_up(env, &format!("{}/files/mountains.png", server.base)).await?;
        let name = text(&env.find("[data-testid=link-name]").await?).await?;
        let mime = text(&env.find("[data-testid=link-type]").await?).await?;
        let size = text(&env.find("[data-testid=link-size]").await?).await?;
        ensure!(name == "mountains.png", "name {name:?}");
        ensure!(mime == "image/png", "type {mime:?}");
        ensure!(
            size.ends_with(" KB") || size.ends_with(" B"),
            "size {size:?}"
        );
        ensure!(
            env.find_all("[data-testid=file]").await?.is_empty(),
            "added before Add"
        );
        env.window_screenshot("light-link")?;

        env.find("[data-testid=link-add]").await?.click().await?;
        env.wait_for_count("[data-testid=file]", 1).await?;
        let source = text(&env.find("[data-testid=file-source]").await?).await?;
        ensure!(source == "from Link", "source shown as {source:?}");
        // The picture's own thumbnail, made by Rust.
        let thumb = env
            .find("[data-testid=thumb][data-kind=thumbnail] img")
            .await?;
        let src = thumb.attr("src").await?.unwrap_or_default();
        ensure!(
            src.starts_with("data:image/png;base64,"),
            "thumbnail {src:.40}"
        );

        // A hostile address is refused by the guard, with the rule named.
        let input = env.find("[data-testid=link-url]").await?;
        input.send_keys("http://[::1]:9/secret").await?;
        env.find("[data-testid=link-lookup]").await?.click().await?;
        let error = env.find("[data-testid=link-error]").await?;
        ensure!(
            error.attr("data-kind").await?.as_deref() == Some("refused"),
            "not refused"
        );
        ensure!(
            text(&error).await?.contains("loopback"),
            "{}",
            text(&error).await?
        );

        upload_all(env).await?;
        finish(env).await?;
        let result = env.json_result().await?;
        let uploaded = &result["filesUploaded"][0];
        ensure!(uploaded["source"] == "url", "{uploaded}");
        ensure!(
            fs::read(Path::new(&dest).join("mountains.png"))? == png(),
            "bytes differ"
        );
        ensure!(
            server.seen("/secret").is_empty(),
            "the refused URL was fetched"
        );
        Ok(())
    });
}

#[test]
fn dropped_and_pasted_files_are_added_and_upload_byte_identical() {
    e2e("ui_drop_paste", async |env| {
        let server = FileServer::start()?;
        let dest = dest_arg(env)?;
        let on_disk = env.path("from-file-manager.txt");
        fs::write(&on_disk, "copied in the file manager\n")?;
        let dropped: Vec<u8> = (0..5_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        env.launch(&["--to", &dest, "--json"]).await?;

        drop_files(
            env,
            &[
                ("dropped.bin", "application/octet-stream", &dropped),
                ("picture.png", "image/png", &png()),
            ],
        )
        .await?;
        env.wait_for_count("[data-testid=file]", 2).await?;
        env.find("[data-testid=thumb][data-kind=thumbnail] img")
            .await?;

        // A picture copied in another program, then files copied in the
        // file manager (a uri-list of paths).
        paste(env, &[], &[("pasted.png", "image/png", &png())]).await?;
        env.wait_for_count("[data-testid=file]", 3).await?;
        let uri = format!("file://{}", on_disk.display());
        paste(env, &[("text/uri-list", &uri)], &[]).await?;
        env.wait_for_count("[data-testid=file]", 4).await?;
        // A web address pasted anywhere opens it in the Link source.
        paste(
            env,
            &[("text/plain", &format!("{}/files/notes.txt", server.base))],
            &[],
        )
        .await?;
        let name = text(&env.find("[data-testid=link-name]").await?).await?;
        ensure!(name == "notes.txt", "pasted link looked up as {name:?}");

        upload_all(env).await?;
        finish(env).await?;
        let result = env.json_result().await?;
        ensure!(
            result["filesUploaded"].as_array().map(Vec::len) == Some(4),
            "{result}"
        );
        let dest = Path::new(&dest);
        ensure!(
            fs::read(dest.join("dropped.bin"))? == dropped,
            "dropped bytes differ"
        );
        ensure!(
            fs::read(dest.join("pasted.png"))? == png(),
            "pasted bytes differ"
        );
        ensure!(
            fs::read(dest.join("from-file-manager.txt"))? == fs::read(&on_disk)?,
            "pasted path"
        );
        Ok(())
    });
}

#[test]
fn restrictions_show_before_upload_and_a_refused_file_says_why() {
    e2e("ui_restrictions", async |env| {
        let dest = dest_arg(env)?;
        env.launch(&[
            "--to",
            &dest,
            "--max-files",
            "3",
            "--min-files",
            "2",
            "--max-size",
            "10KB",
            "--accept",
            "image/*",
        ])
        .await?;
        let rules = text(&env.find("[data-testid=restrictions]").await?).await?;
        for rule in [
            "Up to 3 files",
            "At least 2 files",
            "Each file up to 10 KB",
            "Only image/*",
        ] {
            ensure!(rules.contains(rule), "{rule:?} not in {rules:?}");
        }
        drop_files(env, &[("a.png", "image/png", &png())]).await?;
        env.wait_for_count("[data-testid=file]", 1).await?;
        let upload = env.find("[data-testid=upload]").await?;
        ensure!(!upload.is_enabled().await?, "Upload enabled below minFiles");
        let hint = text(&env.find("[data-testid=need-more]").await?).await?;
        ensure!(hint == "Add 1 more file to upload.", "{hint:?}");

        // Two refused files dropped together: each says why, neither
        // refusal hides the other.
        drop_files(
            env,
            &[
                ("notes.txt", "text/plain", b"not a picture"),
                ("huge.png", "image/png", &[0u8; 20_000]),
            ],
        )
        .await?;
        let notices = env.wait_for_count("[data-testid=notice]", 2).await?;
        let (first, second) = (text(&notices[0]).await?, text(&notices[1]).await?);
        ensure!(
            first.contains("notes.txt") && first.contains("image/*"),
            "type refusal says {first:?}"
        );
        ensure!(
            second.contains("huge.png") && second.contains("20 KB") && second.contains("10 KB"),
            "size refusal says {second:?}"
        );
        env.wait_for_count("[data-testid=file]", 1).await?;
        Ok(())
    });
}

#[test]
fn a_failed_file_says_why_and_retry_sends_it() {
    e2e("ui_retry", async |env| {
        let dest = dest_arg(env)?;
        let file = env.path("vanishing.txt");
        fs::write(&file, "here, then gone, then back\n")?;
        let file_arg = file.to_str().context("utf-8")?.to_owned();
        env.launch(&[&file_arg, "--to", &dest]).await?;
        env.wait_for_count("[data-testid=file]", 1).await?;
        fs::remove_file(&file)?;
        env.find("[data-testid=upload]").await?.click().await?;
        env.wait_for_count("[data-status=failed]", 1).await?;
        let why = text(&env.find("[data-testid=file-error]").await?).await?;
        ensure!(why.contains("no such file"), "failure says {why:?}");
        let status = text(&env.find("[data-testid=file-status]").await?).await?;
        ensure!(status == "Failed", "{status:?}");

        fs::write(&file, "here, then gone, then back\n")?;
        env.find("[data-testid=retry]").await?.click().await?;
        env.find("[data-testid=done-view]").await?;
        env.wait_for_count("[data-status=done]", 1).await?;
        ensure!(
            Path::new(&dest).join("vanishing.txt").exists(),
            "not uploaded after retry"
        );
        Ok(())
    });
}

#[test]
fn the_done_view_copies_links_and_opens_the_folder() {
    e2e("ui_done", async |env| {
        let dest = dest_arg(env)?;
        let file = env.path("report.txt");
        fs::write(&file, "quarterly\n")?;
        // A stand-in for the desktop's file manager: `xdg-open` that notes
        // what it was asked to open (a mock: no file manager runs here).
        let bin = env.path("bin");
        fs::create_dir_all(&bin)?;
        let opened = env.path("opened.txt");
        let fake = bin.join("xdg-open");
        fs::write(
            &fake,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$@\" >> '{}'\n",
                opened.display()
            ),
        )?;
        Command::new("chmod").arg("+x").arg(&fake).status()?;
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        env.set_app_var("PATH", &path);
        let file_arg = file.to_str().context("utf-8")?.to_owned();
        env.launch(&[&file_arg, "--to", &dest]).await?;
        upload_all(env).await?;
        env.window_screenshot("light-done")?;
        let landed = text(&env.find("[data-testid=landed]").await?).await?;
        ensure!(
            landed == format!("{dest}/report.txt"),
            "landed at {landed:?}"
        );
        let in_summary = text(&env.find("[data-testid=file-landed]").await?).await?;
        ensure!(in_summary == landed, "the summary shows {in_summary:?}");

        env.find("[data-testid=copy-link]").await?.click().await?;
        let display = env.display()?;
        let mut clipboard = String::new();
        wait_until("the clipboard holds the path", async || {
            let out = Command::new("timeout")
                .args(["5", "xclip", "-o", "-selection", "clipboard"])
                .env("DISPLAY", &display)
                .output()?;
            clipboard = String::from_utf8_lossy(&out.stdout).into_owned();
            Ok(clipboard == landed)
        })
        .await
        .with_context(|| format!("clipboard holds {clipboard:?}"))?;
        let button = text(&env.find("[data-testid=copy-link]").await?).await?;
        ensure!(button == "Copied", "{button:?}");

        env.find("[data-testid=open-folder]").await?.click().await?;
        wait_until("the folder is opened", async || {
            Ok(fs::read_to_string(&opened).unwrap_or_default().trim() == dest)
        })
        .await?;
        Ok(())
    });
}

#[test]
fn closing_during_an_upload_asks_and_never_drops_files() {
    e2e("ui_close", async |env| {
        let slow = slow_upload(env, 3).await?;
        // In the background mode the file starts uploading as it is added.
        env.launch(&[
            &slow.file,
            "--to",
            &slow.to,
            "--upload-in-background",
            "--json",
        ])
        .await?;
        env.wait_for_count("[data-status=uploading]", 1).await?;

        ask_to_close(env)?;
        env.find("[data-testid=close-dialog][open]").await?;
        env.window_screenshot("light-close-dialog")?;
        // Escape keeps the window and the upload.
        press(env, Key::Escape).await?;
        wait_until("the dialog closes", async || {
            Ok(env
                .find_all("[data-testid=close-dialog][open]")
                .await?
                .is_empty())
        })
        .await?;
        env.wait_for_count("[data-status=uploading]", 1).await?;

        // Going on in the background: the window hides, the upload ends,
        // then Satchel exits with every file uploaded.
        ask_to_close(env)?;
        // The window hides at once, so the click is made from the page:
        // WebDriver's own click may wait long for a window that went away.
        env.find("[data-testid=close-background]").await?;
        env.js(
            "setTimeout(() => document.querySelector('[data-testid=close-background]').click(), 10);",
            vec![],
        )
        .await?;
        let display = env.display()?;
        wait_until("the window is hidden", async || {
            let visible = Command::new("xdotool")
                .args(["search", "--onlyvisible", "--name", "^Satchel$"])
                .env("DISPLAY", &display)
                .output()?;
            Ok(visible.stdout.is_empty())
        })
        .await?;
        ensure!(
            !env.app_output().contains("filesUploaded"),
            "Satchel exited before the upload ended"
        );
        slow.proxy.faults.rate.store(64 << 20, Ordering::SeqCst);
        // The rest goes at full speed; the result comes when Satchel exits.
        wait_until("Satchel exits with its result", async || {
            Ok(env.app_output().contains("filesUploaded"))
        })
        .await?;
        let result = env.json_result().await?;
        ensure!(
            result["filesUploaded"].as_array().map(Vec::len) == Some(1),
            "{result}"
        );
        ensure!(
            result["filesFailed"].as_array().is_some_and(Vec::is_empty),
            "{result}"
        );
        slow.check_landed()?;
        Ok(())
    });
}

#[test]
fn keyboard_alone_adds_removes_uploads_and_finishes() {
    e2e("ui_keyboard", async |env| {
        let server = FileServer::start()?;
        let dest = dest_arg(env)?;
        env.launch(&["--to", &dest, "--json"]).await?;
        env.find("[data-testid=source-url]").await?;
        tab_to(env, "source-local_file_system").await?;
        press(env, Key::Down).await?;
        ensure!(
            focused(env).await? == "source-url",
            "Down did not move to Link"
        );
        press(env, Key::Enter).await?;
        env.find("[data-testid=pane-url]").await?;
        tab_to(env, "link-url").await?;
        let url = format!("{}/files/notes.txt", server.base);
        env.client()?
            .active_element()
            .await?
            .send_keys(&url)
            .await?;
        press(env, Key::Enter).await?;
        env.find("[data-testid=link-metadata]").await?;
        tab_to(env, "link-add").await?;
        env.client()?.active_element().await?.send_keys(" ").await?;
        env.wait_for_count("[data-testid=file]", 1).await?;
        // The Add button is gone: the focus is back in the address field.
        ensure!(
            focused(env).await? == "link-url",
            "focus after Add: {:?}",
            focused(env).await?
        );

        // Removing by keyboard moves the focus to the next file's button.
        drop_files(env, &[("kept.txt", "text/plain", b"kept")]).await?;
        env.wait_for_count("[data-testid=file]", 2).await?;
        tab_to(env, "remove").await?;
        press(env, Key::Enter).await?;
        env.wait_for_count("[data-testid=file]", 1).await?;
        ensure!(
            focused(env).await? == "remove",
            "focus after removing: {:?}",
            focused(env).await?
        );

        tab_to(env, "upload").await?;
        press(env, Key::Enter).await?;
        env.find("[data-testid=done-view]").await?;
        tab_to(env, "finish").await?;
        let _ = press(env, Key::Enter).await;
        let result = env.json_result().await?;
        ensure!(
            result["filesUploaded"][0]["filename"] == "kept.txt",
            "{result}"
        );
        Ok(())
    });
}

#[test]
fn axe_finds_nothing_serious_in_any_view() {
    e2e("ui_axe", async |env| {
        let server = FileServer::start()?;
        let dest = dest_arg(env)?;
        env.launch(&[
            "--to",
            &dest,
            "--max-files",
            "5",
            "--accept",
            "image/*,text/*",
        ])
        .await?;
        env.find("[data-testid=source-url]").await?;
        axe(env, "device").await?;
        look_up(env, &format!("{}/files/mountains.png", server.base)).await?;
        axe(env, "link").await?;
        env.find("[data-testid=link-add]").await?.click().await?;
        drop_files(env, &[("notes.txt", "text/plain", b"hello")]).await?;
        env.wait_for_count("[data-testid=file]", 2).await?;
        axe(env, "summary").await?;
        upload_all(env).await?;
        axe(env, "done").await?;
        Ok(())
    });
}

#[test]
fn german_follows_lang_and_the_system_locale() {
    e2e("ui_german", async |env| {
        env.set_app_var("LANG", "de_DE.UTF-8");
        env.set_app_var("LC_ALL", "de_DE.UTF-8");
        let file = env.path("bericht.bin");
        fs::write(&file, vec![7u8; 1536])?;
        let file_arg = file.to_str().context("utf-8")?.to_owned();
        let big = env.path("gross.bin");
        fs::write(&big, vec![1u8; 2_100_000])?;
        let big_arg = big.to_str().context("utf-8")?.to_owned();
        env.launch(&[&file_arg, &big_arg, "--max-size", "2MB"])
            .await?;
        // Errors too: the refusal of the big file, with German sizes.
        let refusal = text(&env.find("[data-testid=notice]").await?).await?;
        ensure!(
            refusal
                == "gross.bin wurde nicht hinzugefügt: 2,1 MB überschreitet die Grenze von 2 MB ×",
            "{refusal:?}"
        );
        let device = text(&env.find("[data-testid=source-local_file_system]").await?).await?;
        ensure!(device == "Mein Gerät", "sidebar says {device:?}");
        let size = text(&env.find("[data-testid=file-size]").await?).await?;
        ensure!(size == "1,5 KB", "size in German: {size:?}");
        let rules = text(&env.find("[data-testid=restrictions]").await?).await?;
        ensure!(rules.contains("Jede Datei höchstens 2 MB"), "{rules:?}");
        let upload = text(&env.find("[data-testid=upload]").await?).await?;
        ensure!(upload == "1 hochladen", "{upload:?}");
        let lang = env
            .js("return document.documentElement.lang;", vec![])
            .await?;
        ensure!(lang == "de", "html lang {lang}");
        Ok(())
    });
    // `--lang` wins over the system's locale.
    e2e("ui_lang_flag", async |env| {
        env.set_app_var("LANG", "de_DE.UTF-8");
        env.launch(&["--lang", "en"]).await?;
        let device = text(&env.find("[data-testid=source-local_file_system]").await?).await?;
        ensure!(device == "My device", "sidebar says {device:?}");
        Ok(())
    });
}

#[test]
fn a_480_by_400_window_keeps_everything_reachable() {
    e2e("ui_narrow", async |env| {
        let file = env.path("a.txt");
        fs::write(&file, "a")?;
        let file_arg = file.to_str().context("utf-8")?.to_owned();
        env.launch(&[&file_arg]).await?;
        env.client()?.set_window_size(480, 400).await?;
        wait_until("the page is 480 wide", async || {
            Ok(env.js("return window.innerWidth;", vec![]).await? == 480)
        })
        .await?;
        let overflow = env
            .js(
                "return document.documentElement.scrollWidth - window.innerWidth;",
                vec![],
            )
            .await?;
        ensure!(
            overflow.as_i64() == Some(0),
            "scrolls sideways by {overflow}"
        );
        for id in ["choose-files", "upload", "source-url", "remove"] {
            let inside = env
                .js(
                    "const r = document.querySelector(`[data-testid=${arguments[0]}]`).getBoundingClientRect();
                     return r.width > 0 && r.left >= 0 && r.right <= innerWidth && r.top >= 0 && r.bottom <= innerHeight;",
                    vec![json!(id)],
                )
                .await?;
            ensure!(
                inside == true,
                "{id} is not fully inside the 480×400 window"
            );
        }
        env.window_screenshot("light-narrow")?;
        Ok(())
    });
}

/// Light and dark, as the system prefers: the main views, saved for review.
#[test]
fn light_and_dark_themes_follow_the_system() {
    for theme in ["light", "dark"] {
        e2e(&format!("ui_theme_{theme}"), async |env| {
            if theme == "dark" {
                env.set_app_var("GTK_THEME", "Adwaita:dark");
            }
            let server = FileServer::start()?;
            let src = env.path("src");
            fs::create_dir_all(&src)?;
            fs::write(src.join("mountains.png"), png())?;
            fs::write(src.join("notes.txt"), "notes\n")?;
            fs::write(src.join("report.pdf"), b"%PDF-1.7\n")?;
            let args: Vec<String> = ["mountains.png", "notes.txt", "report.pdf"]
                .iter()
                .map(|f| src.join(f).display().to_string())
                .collect();
            let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
            let dest = env.path("uploads").display().to_string();
            args.extend(["--max-size", "50MB", "--to", &dest]);
            env.launch(&args).await?;
            env.find("[data-testid=thumb][data-kind=thumbnail] img")
                .await?;
            let dark = env
                .js(
                    "return matchMedia('(prefers-color-scheme: dark)').matches;",
                    vec![],
                )
                .await?;
            ensure!(dark == (theme == "dark"), "prefers dark: {dark}");
            let background = env
                .js(
                    "return getComputedStyle(document.documentElement).backgroundColor;",
                    vec![],
                )
                .await?;
            let expected = if theme == "dark" {
                "rgb(22, 24, 29)"
            } else {
                "rgb(255, 255, 255)"
            };
            ensure!(background == expected, "{theme} background is {background}");
            env.window_screenshot(&format!("{theme}-summary"))?;
            look_up(env, &format!("{}/files/mountains.png", server.base)).await?;
            env.window_screenshot(&format!("{theme}-link"))?;
            Ok(())
        });
    }
}

#[test]
fn pause_and_close_keeps_the_files_for_next_time() {
    e2e("ui_close_pause", async |env| {
        let slow = slow_upload(env, 5).await?;
        env.launch(&[&slow.file, "--to", &slow.to, "--json"])
            .await?;
        env.find("[data-testid=upload]").await?.click().await?;
        env.wait_for_count("[data-status=uploading]", 1).await?;
        ask_to_close(env)?;
        // Without uploadInBackground there is no background choice.
        env.find("[data-testid=close-pause]").await?;
        ensure!(
            env.find_all("[data-testid=close-background]")
                .await?
                .is_empty(),
            "background offered"
        );
        env.js(
            "setTimeout(() => document.querySelector('[data-testid=close-pause]').click(), 10);",
            vec![],
        )
        .await?;
        let result = env.json_result().await?;
        ensure!(
            result["filesUploaded"]
                .as_array()
                .is_some_and(Vec::is_empty),
            "{result}"
        );
        // The queue on disk still has the file, with what the server took so far.
        let saved = fs::read_to_string(env.path("xdg/state/satchel/queue.json"))?;
        ensure!(saved.contains("slow.bin"), "queue.json: {saved}");
        ensure!(
            saved.contains("\"resume\""),
            "no resume state saved: {saved}"
        );
        Ok(())
    });
}
