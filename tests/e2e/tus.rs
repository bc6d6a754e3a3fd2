//! The window runs the same pipeline as `satchel upload`: an upload to a
//! real tus server (slowed by the test proxy so progress can be seen),
//! paused and resumed from the window.

use std::fs;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};

use crate::harness::{e2e, Env};
use crate::support::proxy::Proxy;
use crate::support::{content, settled_tus_offset, tus_server, tus_upload_id};

/// The first file's progress bar value (percent), once it shows one.
async fn progress(env: &Env) -> Result<Option<f64>> {
    let bars = env.find_all("[data-testid=file] progress").await?;
    let Some(bar) = bars.first() else {
        return Ok(None);
    };
    let value = bar.attr("value").await?.unwrap_or_default();
    Ok(value.parse().ok())
}

#[test]
fn the_window_uploads_to_tus_with_progress_pause_and_resume() {
    e2e("tus_upload", async |env| {
        let server = tus_server();
        let proxy = Proxy::start(server.port).await;
        // 2 MiB/s: six seconds for the file, time to see it move.
        proxy.faults.rate.store(2 << 20, Ordering::SeqCst);
        let data = content(12 << 20, 11);
        let file = env.path("big.bin");
        fs::write(&file, &data)?;
        let to = format!("tus+{}/files/", proxy.base());
        let file_arg = file.to_str().context("utf-8 path")?;
        env.launch(&[file_arg, "--to", &to, "--json"]).await?;
        env.wait_for_count("[data-testid=file]", 1).await?;
        env.find("[data-testid=upload]").await?.click().await?;

        // Mid-way, the window shows the file part sent.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(value) = progress(env).await? {
                if value > 0.0 && value < 100.0 {
                    break;
                }
            }
            if Instant::now() > deadline {
                bail!("no partial progress shown");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        env.screenshot("progress").await;
        let rate = env.find("[data-testid=file-rate]").await?.text().await?;
        ensure!(rate.contains("/s"), "per-file rate shown as {rate:?}");
        let total = env.find("[data-testid=total-progress]").await?;
        ensure!(total.text().await?.contains("% ·"), "no total progress");

        // Pause: the file waits again, the server keeps its part; Upload
        // resumes it as the same tus upload.
        env.find("[data-testid=pause]").await?.click().await?;
        env.wait_for_count("[data-status=queued]", 1).await?;
        let upload = env.find("[data-testid=upload]").await?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while !upload.is_enabled().await? {
            ensure!(
                Instant::now() < deadline,
                "Upload stays disabled after pausing"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let uploads = || -> Result<usize> { Ok(fs::read_dir(server.storage.path())?.count()) };
        ensure!(uploads()? == 2, "the paused upload is on the server");
        env.screenshot("paused").await;
        proxy.faults.rate.store(8 << 20, Ordering::SeqCst);
        upload.click().await?;

        env.find("[data-testid=upload-finished]").await?;
        env.wait_for_count("[data-status=done]", 1).await?;
        let _ = env.find("[data-testid=finish]").await?.click().await;
        let result = env.json_result().await?;
        let url = result["filesUploaded"][0]["url"]
            .as_str()
            .context("an upload url")?;
        ensure!(
            url.starts_with(&format!("{}/files/", proxy.base())),
            "{result}"
        );
        let id = url.rsplit('/').next().context("an upload id")?;
        ensure!(
            fs::read(server.storage.path().join(id))? == data,
            "the stored upload differs"
        );
        ensure!(uploads()? == 2, "resumed, not uploaded twice");
        Ok(())
    });
}

/// Bytes of the one upload in a tus file store (0 before it exists).
fn stored_size(storage: &std::path::Path) -> Result<u64> {
    let mut total = 0;
    for entry in fs::read_dir(storage)? {
        let entry = entry?;
        if !entry.file_name().to_string_lossy().ends_with(".json") {
            total += entry.metadata()?.len();
        }
    }
    Ok(total)
}

#[test]
fn after_a_crash_the_window_offers_the_interrupted_upload_and_resumes_it() {
    e2e("tus_crash_resume", async |env| {
        let server = tus_server();
        let proxy = Proxy::start(server.port).await;
        proxy.faults.rate.store(8 << 20, Ordering::SeqCst);
        let size: u64 = 32 << 20;
        let data = content(size as usize, 21);
        let file = env.path("big.bin");
        fs::write(&file, &data)?;
        let to = format!("tus+{}/files/", proxy.base());

        // A headless upload, killed mid-way, with the window's state folder.
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_satchel"))
            .args(["upload", "--to", &to])
            .arg(&file)
            .envs(env.isolated_env())
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()?;
        let deadline = Instant::now() + Duration::from_secs(60);
        while stored_size(server.storage.path())? < 6 << 20 {
            ensure!(Instant::now() < deadline, "the upload never got going");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        child.kill()?;
        child.wait()?;
        // What was in flight has landed once the server answers for it.
        let id = tus_upload_id(&server).context("an upload on the server")?;
        let had = settled_tus_offset(&server, &id).await;
        ensure!(had > 0 && had < size, "killed mid-way: {had}");
        proxy.faults.rate.store(0, Ordering::SeqCst);
        let before = proxy.sent_up();

        // The window brings it back and says so; Upload resumes it.
        env.launch(&["--to", &to, "--json"]).await?;
        env.wait_for_count("[data-status=queued]", 1).await?;
        let notice = env.find("[data-kind=interruptedUpload]").await?;
        ensure!(notice.text().await?.contains("back in the queue"));
        env.screenshot("offered").await;
        env.find("[data-testid=upload]").await?.click().await?;
        env.find("[data-testid=upload-finished]").await?;
        let _ = env.find("[data-testid=finish]").await?.click().await;
        let result = env.json_result().await?;
        let url = result["filesUploaded"][0]["url"]
            .as_str()
            .context("an upload url")?;
        let id = url.rsplit('/').next().context("an upload id")?;
        ensure!(
            fs::read(server.storage.path().join(id))? == data,
            "the stored upload differs"
        );
        ensure!(
            fs::read_dir(server.storage.path())?.count() == 2,
            "one upload on the server, not two"
        );
        let resent = proxy.sent_up() - before;
        ensure!(
            resent >= size - had && resent < size - had + 64 * 1024,
            "sent {resent} for {} missing",
            size - had
        );
        ensure!(
            !env.path("xdg").join("state/satchel/queue.json").exists(),
            "the finished queue is forgotten"
        );
        Ok(())
    });
}
