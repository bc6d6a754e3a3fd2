//! The foundation's promises, checked in the real window.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use serde_json::Value;

use crate::harness::{e2e, text, xdotool, Env};

/// Data that is not text and spans several copy chunks.
fn binary_payload() -> Vec<u8> {
    (0..3_000_017u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

async fn file_names(env: &Env) -> Result<Vec<String>> {
    let mut names = vec![];
    for el in env.find_all("[data-testid=file-name]").await? {
        names.push(text(&el).await?);
    }
    Ok(names)
}

#[test]
fn the_window_opens_and_lists_my_device() {
    e2e("window_opens", async |env| {
        env.launch(&[]).await?;
        let source = env.find("[data-testid=source-local_file_system]").await?;
        ensure!(text(&source).await?.trim() == "My device");
        env.find("[data-testid=choose-files]").await?;
        env.find("[data-testid=choose-folder]").await?;
        let empty = text(&env.find("[data-testid=summary]").await?).await?;
        ensure!(
            empty.contains("No files chosen yet"),
            "summary says {empty:?}"
        );
        // Without --to, files go to the embedded default folder.
        let shown = text(&env.find("[data-testid=destination]").await?).await?;
        let default = env.data_home().join("satchel/uploads");
        ensure!(Path::new(&shown) == default, "destination shown: {shown}");
        Ok(())
    });
}

#[test]
fn command_line_files_upload_byte_identical_with_a_json_result() {
    e2e("cli_files_upload", async |env| {
        let src = env.path("src");
        fs::create_dir_all(&src)?;
        let notes = src.join("notes.txt");
        let disguised = src.join("picture.txt"); // a PNG, whatever the name says
        let binary = src.join("data.bin");
        fs::write(&notes, "hello from satchel\n")?;
        fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("icons/32x32.png"),
            &disguised,
        )?;
        fs::write(&binary, binary_payload())?;
        let dest = env.path("dest");
        // A file already at the destination must survive untouched.
        fs::create_dir_all(&dest)?;
        fs::write(dest.join("notes.txt"), "older notes")?;

        let args = [
            notes.to_str().context("utf-8 path")?,
            disguised.to_str().context("utf-8 path")?,
            binary.to_str().context("utf-8 path")?,
            "--to",
            dest.to_str().context("utf-8 path")?,
            "--json",
        ];
        env.launch(&args).await?;
        env.wait_for_count("[data-testid=file]", 3).await?;
        let names = file_names(env).await?;
        ensure!(
            names == ["notes.txt", "picture.txt", "data.bin"],
            "names shown: {names:?}"
        );
        let mut types = vec![];
        for el in env.find_all("[data-testid=file-type]").await? {
            types.push(text(&el).await?);
        }
        ensure!(
            types == ["text/plain", "image/png", "application/octet-stream"],
            "types shown: {types:?}"
        );
        let sizes = env.find_all("[data-testid=file-size]").await?;
        let shown = text(&sizes[2]).await?;
        ensure!(shown == "3 MB", "size of data.bin shown as {shown:?}");
        env.screenshot("summary").await;

        env.find("[data-testid=upload]").await?.click().await?;
        env.find("[data-testid=upload-finished]").await?;
        env.wait_for_count("[data-status=done]", 3).await?;
        env.screenshot("done").await;
        let finish = env.find("[data-testid=finish]").await?;
        // The app exits while the click is still being answered, so the
        // driver may report an error here; the printed result is what counts.
        let _ = finish.click().await;

        // The app prints its result as it exits; the drivers pass it on.
        let result = env.json_result().await?;
        ensure!(fs::read_to_string(dest.join("notes.txt"))? == "older notes");
        let uploaded = result["filesUploaded"]
            .as_array()
            .context("filesUploaded")?;
        ensure!(result["filesFailed"] == Value::Array(vec![]), "{result}");
        ensure!(uploaded.len() == 3, "{result}");
        let expected = [
            (&notes, "notes (1).txt", "text/plain"),
            (&disguised, "picture.txt", "image/png"),
            (&binary, "data.bin", "application/octet-stream"),
        ];
        for (file, (source, landed_as, mime)) in uploaded.iter().zip(expected) {
            let landed = dest.join(landed_as);
            ensure!(
                fs::read(&landed)? == fs::read(source)?,
                "{landed:?} differs"
            );
            let name = source
                .file_name()
                .and_then(|n| n.to_str())
                .context("name")?;
            ensure!(file["filename"] == name, "{file}");
            ensure!(file["mimetype"] == mime, "{file}");
            ensure!(file["size"] == fs::metadata(source)?.len(), "{file}");
            ensure!(file["source"] == "local_file_system", "{file}");
            ensure!(file["status"] == "Stored", "{file}");
            ensure!(file["url"] == landed.to_str().context("utf-8")?, "{file}");
            let handle = file["handle"].as_str().context("handle")?;
            ensure!(is_uuid_v4(handle), "handle {handle} is not a UUID v4");
        }
        let names: Vec<_> = fs::read_dir(&dest)?
            .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<Result<_, _>>()?;
        ensure!(
            names.len() == 4,
            "unexpected files at the destination: {names:?}"
        );
        Ok(())
    });
}

#[test]
fn the_gtk_file_dialog_adds_what_is_typed_into_it() {
    e2e("file_dialog", async |env| {
        let chosen = env.path("pick/report.csv");
        fs::create_dir_all(env.path("pick/sub"))?;
        fs::write(&chosen, "a,b\n1,2\n")?;
        fs::write(env.path("pick/sub/inner.txt"), "inside")?;
        // The dialog is filled in over the accessibility bus, which the
        // harness otherwise turns off (atk-bridge skips only "1").
        env.set_app_var("NO_AT_BRIDGE", "0");
        env.launch(&["--to", env.path("dest").to_str().context("utf-8")?])
            .await?;

        env.find("[data-testid=choose-files]")
            .await?
            .click()
            .await?;
        type_into_dialog(env, "Choose files", chosen.to_str().context("utf-8")?)?;
        env.wait_for_count("[data-testid=file]", 1).await?;
        let names = file_names(env).await?;
        ensure!(names == ["report.csv"], "names shown: {names:?}");
        let mime = text(&env.find("[data-testid=file-type]").await?).await?;
        ensure!(mime == "text/csv", "type shown: {mime}");

        env.find("[data-testid=choose-folder]")
            .await?
            .click()
            .await?;
        // The trailing slash opens the folder; Return then chooses it.
        let folder = format!("{}/", env.path("pick").display());
        type_into_dialog(env, "Choose folder", &folder)?;
        env.wait_for_count("[data-testid=file]", 3).await?;
        let names = file_names(env).await?;
        ensure!(
            names == ["report.csv", "report.csv", "inner.txt"],
            "names shown: {names:?}"
        );

        // Removing takes exactly that file out.
        let second = env.find_all("[data-testid=remove]").await?;
        second
            .get(1)
            .context("a second remove button")?
            .click()
            .await?;
        env.wait_for_count("[data-testid=file]", 2).await?;
        let names = file_names(env).await?;
        ensure!(
            names == ["report.csv", "inner.txt"],
            "names shown: {names:?}"
        );
        Ok(())
    });
}

#[test]
fn an_unwritable_destination_shows_a_clear_error_and_loses_nothing() {
    e2e("unwritable_destination", async |env| {
        let file = env.path("keep.txt");
        fs::write(&file, "precious")?;
        // Tests run as root, so permissions alone cannot stop a write: a
        // destination under a regular file cannot be created by anyone.
        fs::write(env.path("blocker"), "")?;
        let dest = env.path("blocker/uploads");
        env.launch(&[
            file.to_str().context("utf-8")?,
            "--to",
            dest.to_str().context("utf-8")?,
        ])
        .await?;
        env.wait_for_count("[data-testid=file]", 1).await?;
        env.find("[data-testid=upload]").await?.click().await?;

        let notice = env
            .find("[data-testid=notice][data-kind=destinationUnwritable]")
            .await?;
        let message = text(&notice).await?;
        ensure!(
            message.contains("Cannot write to the destination")
                && message.contains("blocker/uploads"),
            "notice says {message:?}"
        );
        let files = env.wait_for_count("[data-testid=file]", 1).await?;
        ensure!(files[0].attr("data-status").await?.as_deref() == Some("queued"));
        let button = env.find("[data-testid=upload]").await?;
        let disabled = button.prop("disabled").await?;
        ensure!(
            disabled.as_deref() == Some("false"),
            "upload can be tried again: disabled={disabled:?}"
        );
        ensure!(fs::read_to_string(&file)? == "precious");
        ensure!(fs::metadata(env.path("blocker"))?.is_file());
        Ok(())
    });
}

/// Puts a path into the GTK file chooser titled `title` and confirms.
fn type_into_dialog(env: &Env, title: &str, path: &str) -> Result<()> {
    let display = env.display()?;
    let name = format!("^{title}$");
    let found = xdotool(
        &display,
        &["search", "--sync", "--onlyvisible", "--name", &name],
    )?;
    let window = found.lines().next().context("no dialog window")?.to_owned();
    // The path goes in through the accessibility bus, which returns once the
    // location entry holds exactly it (no race with GTK's inline completion).
    // A loaded machine can drop the first Ctrl+L (the dialog not yet taking
    // keys): the script then finds no location entry, and it is pressed again.
    let mut failures = vec![];
    while failures.len() < 3 {
        // No window manager runs under Xvfb: focus the dialog directly.
        xdotool(&display, &["windowfocus", "--sync", &window])?;
        xdotool(&display, &["key", "--delay", "60", "ctrl+l"])?;
        let out = Command::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/e2e/tools/dialog_path.py"
        ))
        .args([title, path])
        .env("DISPLAY", &display)
        .stdin(Stdio::null())
        .output()
        .context("running dialog_path.py")?;
        if out.status.success() {
            break;
        }
        failures.push(format!(
            "{}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    ensure!(
        failures.len() < 3,
        "dialog_path.py could not fill in the {title} dialog: {failures:?}"
    );
    let open = || xdotool(&display, &["search", "--onlyvisible", "--name", &name]).is_ok();
    for _ in 0..3 {
        xdotool(&display, &["key", "Return"])?;
        // A folder path may first open the folder (the dialog stays); Return
        // again chooses it.
        let deadline = std::time::Instant::now() + Duration::from_secs(3);
        while open() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        if !open() {
            return Ok(());
        }
    }
    anyhow::bail!("the {title} dialog did not close after Return")
}

fn is_uuid_v4(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok_and(|id| id.get_version_num() == 4)
}

#[test]
fn upload_in_background_sends_files_without_a_click() {
    e2e("upload_in_background", async |env| {
        let src = env.path("src");
        fs::create_dir_all(&src)?;
        let notes = src.join("notes.txt");
        fs::write(&notes, "sent at once\n")?;
        let dest = env.path("dest");
        let args = [
            notes.to_str().context("utf-8 path")?,
            "--to",
            dest.to_str().context("utf-8 path")?,
            "--upload-in-background",
            "--json",
        ];
        env.launch(&args).await?;
        // Nobody clicks Upload.
        env.find("[data-testid=upload-finished]").await?;
        env.wait_for_count("[data-status=done]", 1).await?;
        ensure!(fs::read_to_string(dest.join("notes.txt"))? == "sent at once\n");
        let _ = env.find("[data-testid=finish]").await?.click().await;
        let result = env.json_result().await?;
        ensure!(
            result["filesUploaded"][0]["filename"] == "notes.txt",
            "{result}"
        );
        Ok(())
    });
}
