//! How the OS and other programs hand files to Satchel.

use std::fs;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use serde_json::Value;

use crate::harness::{e2e, text, Env};

async fn notices(env: &Env) -> Result<Vec<String>> {
    let mut all = vec![];
    for el in env.find_all("[data-testid=notice]").await? {
        all.push(text(&el).await?);
    }
    Ok(all)
}

#[test]
fn a_second_launch_hands_its_files_to_the_running_window_and_exits() {
    e2e("single_instance", async |env| {
        let first = env.path("first.txt");
        let second = env.path("second.txt");
        fs::write(&first, "one")?;
        fs::write(&second, "two")?;
        env.launch(&[first.to_str().context("utf-8")?]).await?;
        env.wait_for_count("[data-testid=file]", 1).await?;

        // A relative path: the running window resolves it in the caller's folder.
        let mut again = Command::new(env!("CARGO_BIN_EXE_satchel"));
        again
            .arg("second.txt")
            .current_dir(env.dir.path())
            .envs(env.app_env()?)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = again.spawn()?;
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                anyhow::bail!("the second satchel did not exit: it opened a window of its own");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        ensure!(status.success(), "the second launch exited with {status}");
        let files = env.wait_for_count("[data-testid=file]", 2).await?;
        let name = text(&files[1]).await?;
        ensure!(name.contains("second.txt"), "second file shows as {name:?}");
        Ok(())
    });
}

/// Runs a second `satchel ARGS…` in the test's folder and waits for it to
/// hand over to the running window and exit.
async fn second_launch(env: &Env, args: &[&str]) -> Result<()> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_satchel"))
        .args(args)
        .current_dir(env.dir.path())
        .envs(env.app_env()?)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait()? {
            ensure!(status.success(), "satchel {args:?} exited with {status}");
            return Ok(());
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            anyhow::bail!("satchel {args:?} did not hand over to the running window");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[test]
fn a_satchel_link_opens_the_picker_with_its_options() {
    e2e("deep_link", async |env| {
        fs::write(env.path("a.txt"), "a")?;
        fs::write(env.path("b.txt"), "b")?;
        env.launch(&["satchel://open?maxFiles=1"]).await?;
        env.find("[data-testid=summary]").await?;
        ensure!(
            notices(env).await?.is_empty(),
            "a link at start-up is options, not a notice"
        );

        // The link's maxFiles holds for files handed over later.
        second_launch(env, &["a.txt", "b.txt"]).await?;
        env.wait_for_count("[data-testid=notice]", 1).await?;
        let said = notices(env).await?;
        ensure!(said[0].contains("at most 1"), "{said:?}");
        ensure!(
            env.find_all("[data-testid=file]").await?.is_empty(),
            "nothing half-added"
        );

        // A link for the open picker is reported, not silently dropped.
        second_launch(env, &["satchel://open?maxFiles=5"]).await?;
        env.wait_for_count("[data-testid=notice]", 2).await?;
        let said = notices(env).await?;
        ensure!(
            said[1].contains("arrived while the picker was open"),
            "{said:?}"
        );
        Ok(())
    });
}

#[test]
fn upload_now_uploads_and_closes_by_itself() {
    e2e("upload_now", async |env| {
        let file = env.path("now.txt");
        fs::write(&file, "right now")?;
        let dest = env.path("dest");
        env.start_display_only()?;
        // Run as a program that hands Satchel a file and reads the result.
        let mut child = Command::new(env!("CARGO_BIN_EXE_satchel"))
            .arg(&file)
            .args(["--upload-now", "--json", "--to"])
            .arg(&dest)
            .envs(env.app_env()?)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while child.try_wait()?.is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                anyhow::bail!("the window did not close by itself after the upload");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let out = child.wait_with_output()?;
        ensure!(
            out.status.success(),
            "exit {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout
            .lines()
            .find(|l| l.starts_with('{'))
            .context("no JSON result on stdout")?;
        let result: Value = serde_json::from_str(line)?;
        ensure!(
            result["filesUploaded"][0]["filename"] == "now.txt",
            "{result}"
        );
        ensure!(fs::read_to_string(dest.join("now.txt"))? == "right now");
        Ok(())
    });
}

#[test]
fn restrictions_reject_files_with_the_reason() {
    e2e("restrictions", async |env| {
        let picture = env.path("pic.png");
        fs::copy(
            concat!(env!("CARGO_MANIFEST_DIR"), "/icons/32x32.png"),
            &picture,
        )?;
        let notes = env.path("notes.txt");
        fs::write(&notes, "text")?;
        let big = env.path("big.png");
        fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/icons/icon.png"), &big)?;
        env.launch(&[
            picture.to_str().context("utf-8")?,
            notes.to_str().context("utf-8")?,
            big.to_str().context("utf-8")?,
            "--accept",
            "image/*",
            "--max-size",
            "2KB",
        ])
        .await?;
        env.wait_for_count("[data-testid=file]", 1).await?;
        env.wait_for_count("[data-testid=notice]", 2).await?;
        let said = notices(env).await?;
        ensure!(
            said.iter()
                .any(|n| n.contains("notes.txt") && n.contains("not accepted (accept: image/*)")),
            "{said:?}"
        );
        ensure!(
            said.iter()
                .any(|n| n.contains("big.png") && n.contains("over the maxSize")),
            "{said:?}"
        );
        Ok(())
    });
}
