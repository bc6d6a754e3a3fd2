//! Figures measured in the real release window under Xvfb, driven through
//! the e2e harness (tauri-driver + WebKitWebDriver): 3, 4, 5 and 6.

use std::io::{BufRead, BufReader};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use fantoccini::Locator;
use serde_json::{json, Value};

use crate::harness::{self, Env};
use crate::measure::{self, mb_per_s, mib, Run};
use crate::report::Row;
use crate::support;
use crate::Bench;

/// Runs `test` in a fresh window session and hands back what it returned.
fn in_window<T>(name: &str, test: impl AsyncFnOnce(&mut Env) -> Result<T>) -> Result<T> {
    let mut out = None;
    let caught = std::panic::catch_unwind(AssertUnwindSafe(|| {
        harness::e2e(name, async |env: &mut Env| {
            out = Some(test(env).await?);
            Ok(())
        })
    }));
    match (caught, out) {
        (Ok(()), Some(value)) => Ok(value),
        (Err(panic), _) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "the window session panicked".into());
            bail!("{message}")
        }
        (Ok(()), None) => bail!("the window session returned nothing"),
    }
}

/// Writes the bench source (bench/sources/bench.js) with its parameters.
fn bench_source(env: &Env, raw_size: u64, url: &str) -> Result<String> {
    let code = include_str!("sources/bench.js")
        .replace("__RAW_SIZE__", &raw_size.to_string())
        .replace("__URL__", url);
    let path = env.path("bench.js");
    std::fs::write(&path, code)?;
    Ok(path.to_str().context("utf-8 path")?.to_owned())
}

/// Opens the bench source and enters its frame, once its blob is made.
async fn open_bench_source(env: &Env) -> Result<()> {
    env.find("[data-testid=source-bench]")
        .await?
        .click()
        .await?;
    env.find("[data-testid=frame-0]")
        .await?
        .enter_frame()
        .await
        .context("entering the bench source's frame")?;
    results(env, |r| r["ready"] == true).await.map(drop)
}

/// After addRawFile has shown the summary (as the seed says it does),
/// leaves it by "Add more files" and opens the bench source again. The
/// source's buttons come back with its next mount; its results never went.
async fn back_to_source(env: &Env) -> Result<()> {
    let client = env.client()?;
    client.enter_parent_frame().await?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while env.find_all("[data-testid=summary-view]").await?.is_empty() {
        if Instant::now() > deadline {
            bail!("addRawFile never showed the summary");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    env.find("[data-testid=add-more]").await?.click().await?;
    open_bench_source(env).await?;
    // Mounting is a message away: wait for the buttons.
    env.find("#raw")
        .await
        .context("the bench source did not mount again")?;
    Ok(())
}

/// Waits (in the frame) for the source's #results to satisfy `done`.
async fn results(env: &Env, done: impl Fn(&Value) -> bool) -> Result<Value> {
    let deadline = Instant::now() + Duration::from_secs(150);
    loop {
        // Its text content, not its rendered text: once addRawFile has
        // shown the summary the frame is hidden, its results still there.
        if let Ok(el) = env.client()?.find(Locator::Css("#results")).await {
            let read = el.prop("textContent").await?.unwrap_or_default();
            if let Ok(value) = serde_json::from_str::<Value>(&read) {
                if done(&value) {
                    return Ok(value);
                }
            }
        }
        if Instant::now() > deadline {
            bail!("the bench source never finished");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Clicks the source's `button` `runs` times, one at a time, calling
/// `after_each` once each click's result is in (a peer's turn), and returns
/// the times the frame measured. Every run must report a file of `size`
/// bytes: a short file would look fast.
async fn click_runs(
    env: &Env,
    button: &str,
    runs: usize,
    size: u64,
    mut after_each: impl FnMut() -> Result<()>,
) -> Result<Vec<Duration>> {
    for n in 1..=runs {
        if n > 1 && button == "raw" {
            back_to_source(env).await?;
        }
        env.client()?
            .find(Locator::Css(&format!("#{button}")))
            .await?
            .click()
            .await?;
        results(env, |r| r[button].as_array().is_some_and(|a| a.len() >= n)).await?;
        after_each()?;
    }
    let value = results(env, |_| true).await?;
    value[button]
        .as_array()
        .context("no timings")?
        .iter()
        .map(|run| match (run["ms"].as_f64(), run["size"].as_u64()) {
            (Some(ms), Some(got)) if got == size => Ok(Duration::from_secs_f64(ms / 1000.0)),
            (Some(_), got) => bail!("{button} added a file of {got:?} bytes, not {size}"),
            (None, _) => bail!("{button} failed in the frame: {}", run["error"]),
        })
        .collect()
}

fn median(times: Vec<Duration>) -> Duration {
    let runs = times.into_iter().map(|time| Run { time, peak_rss: 0 });
    measure::median(runs.collect()).time
}

/// Figure 3: `fetchAndAddUrl` of the big file from a local HTTP server
/// into the spool, against curl writing it to a file beside the spool (the
/// same file system), in turns. Satchel is timed in the source's frame,
/// from the call to the resolved promise (the file spooled and queued);
/// curl by its own `time_total` (the transfer, without the process start).
/// Both must report the whole file.
pub fn fetch_url(bench: &Bench) -> Result<Vec<Row>> {
    let served = bench.tmp.join("serve");
    crate::transfer::fresh_dir(&served)?;
    measure::make_file(&served.join("big.bin"), bench.big)?;
    let server = StaticServer::start(&served)?;
    let url = format!("http://127.0.0.1:{}/big.bin", server.port);
    let runs = bench.runs.min(3);
    let (satchel, curl) = in_window("bench-fetch", async |env: &mut Env| {
        let source = bench_source(env, 0, &url)?;
        env.launch(&["--source", &source]).await?;
        open_bench_source(env).await?;
        // The spool is $XDG_STATE_HOME/satchel/spool.
        let out = env.path("xdg/state/satchel/curl-fetched.bin");
        let mut curl = vec![];
        let satchel = click_runs(env, "fetch", runs, bench.big, || {
            curl.push(curl_fetch(&url, &out, bench.big)?);
            Ok(())
        })
        .await?;
        Ok((satchel, curl))
    })?;
    let (satchel, curl) = (median(satchel), median(curl));
    std::fs::remove_dir_all(&served)?;
    let ratio = curl.as_secs_f64() / satchel.as_secs_f64();
    Ok(vec![Row::new(
        format!("3. fetchAndAddUrl {:.0} MiB into the spool", mib(bench.big)),
        format!("{:.0} MB/s", mb_per_s(bench.big, satchel)),
    )
    .peer(
        format!("curl -o FILE: {:.0} MB/s", mb_per_s(bench.big, curl)),
        ratio,
    )
    .target("≥ 0.95×", ratio >= 0.95)])
}

/// One `curl -o out url`, timed by curl's `time_total`; it must have
/// fetched and written `size` bytes.
fn curl_fetch(url: &str, out: &Path, size: u64) -> Result<Duration> {
    let _ = std::fs::remove_file(out);
    let done = Command::new("curl")
        .args(["-sSf", "-w", "%{time_total} %{size_download}", "-o"])
        .arg(out)
        .arg(url)
        .output()
        .context("running curl")?;
    anyhow::ensure!(
        done.status.success(),
        "curl failed: {}",
        String::from_utf8_lossy(&done.stderr)
    );
    let said = String::from_utf8_lossy(&done.stdout).into_owned();
    let mut fields = said.split_whitespace();
    let secs: f64 = fields
        .next()
        .and_then(|t| t.parse().ok())
        .context("no time_total")?;
    let got: u64 = fields
        .next()
        .and_then(|n| n.parse().ok())
        .context("no size_download")?;
    let written = std::fs::metadata(out)?.len();
    anyhow::ensure!(
        got == size && written == size,
        "curl fetched {got} and wrote {written} bytes, not {size}"
    );
    std::fs::remove_file(out)?;
    Ok(Duration::from_secs_f64(secs))
}

/// Figure 4: `addRawFile` of a Blob from a source frame (16 MiB slices
/// POSTed to the frame's own origin, `frame/raw.rs`), against one raw
/// invoke of the same bytes from the picker's own page, and the app's
/// memory growth meanwhile.
pub fn raw_file(bench: &Bench) -> Result<Vec<Row>> {
    let size = bench.raw;
    let runs = bench.runs.min(3);
    let (times, growth, invoke) = in_window("bench-raw", async |env: &mut Env| {
        let source = bench_source(env, size, "")?;
        env.launch(&["--source", &source]).await?;
        open_bench_source(env).await?;
        let sampler = TreeSampler::start(app_pid()?);
        let times = click_runs(env, "raw", runs, size, || Ok(())).await?;
        let growth = sampler.stop();
        // The peer's invoke is in the source's name, which Rust lets act
        // only while the source is shown.
        back_to_source(env).await?;
        env.client()?.enter_parent_frame().await?;
        let invoke = raw_invoke(env, size).await?;
        Ok((times, growth, invoke))
    })?;
    let time = median(times);
    let speed = mb_per_s(size, time);
    let ratio = invoke.as_secs_f64() / time.as_secs_f64();
    let (tree, own) = growth;
    let met = speed >= 350.0 && ratio >= 1.2 && mib(tree) <= 128.0;
    Ok(vec![Row::new(
        format!("4. addRawFile {:.0} MiB Blob, window", mib(size)),
        format!("{speed:.0} MB/s ({:.2} s)", time.as_secs_f64()),
    )
    .peer(
        format!(
            "one raw invoke: {:.0} MB/s ({:.2} s)",
            mb_per_s(size, invoke),
            invoke.as_secs_f64()
        ),
        ratio,
    )
    .memory(format!(
        "app with WebKit +{:.0} MiB (Rust process +{:.0} MiB)",
        mib(tree),
        mib(own)
    ))
    .target("≥ 350 MB/s, ≥ 1.2×, ≤ 128 MiB growth", met)])
}

/// One `invoke` of `size` bytes as a raw body, from the picker's page, to
/// the command the frame's chunks go to. Rust receives every byte, then
/// refuses the body as larger than a chunk, so no disk write is timed: the
/// peer is the bare IPC transfer.
async fn raw_invoke(env: &Env, size: u64) -> Result<Duration> {
    let script = r#"
        const [size, done] = arguments;
        const bytes = new Uint8Array(size);
        const headers = { "satchel-source": "0", "satchel-offset": "0",
                          "satchel-spool": "00000000-0000-4000-8000-000000000000" };
        const started = performance.now();
        window.__TAURI_INTERNALS__.invoke("source_chunk", bytes, { headers }).then(
          () => done({ ms: performance.now() - started, answer: "accepted" }),
          (e) => done({ ms: performance.now() - started, answer: JSON.stringify(e) }));
    "#;
    let answer = env
        .client()?
        .execute_async(script, vec![json!(size)])
        .await
        .context("the raw invoke")?;
    let reply = answer["answer"].as_str().unwrap_or_default();
    // Proof the bytes reached Rust: it counted them.
    if !reply.contains(&format!("{size} bytes")) {
        bail!("the raw invoke answered {reply}, not a refusal of {size} bytes");
    }
    let ms = answer["ms"].as_f64().context("no time")?;
    Ok(Duration::from_secs_f64(ms / 1000.0))
}

/// Figure 5 in the window: the same small files preloaded, Upload clicked,
/// and the summary view's frame times while they stream in.
pub fn small_files(bench: &Bench) -> Result<Row> {
    let dir = bench.tmp.join("small-window");
    crate::transfer::fresh_dir(&dir)?;
    for n in 0..bench.small_files {
        std::fs::write(
            dir.join(format!("f{n:04}.bin")),
            support::content(1024, n as u8),
        )?;
    }
    let tus = support::tus_server();
    let dest = format!("tus+{}/files/", tus.base());
    let count = bench.small_files;
    let (took, frames) = in_window("bench-small", async |env: &mut Env| {
        let folder = dir.to_str().context("utf-8 path")?;
        env.launch(&["--to", &dest, folder]).await?;
        // The list is virtualised: the count, not the rows drawn.
        wait_listed(env, count, Duration::from_secs(60)).await?;
        record_frames(env).await?;
        let took = upload_until_finished(env, count, Duration::from_secs(150)).await?;
        // What the server holds, not what the window says: every file whole.
        let whole = std::fs::read_dir(tus.storage.path())?
            .filter_map(|e| e.ok())
            .filter(|e| !e.file_name().to_string_lossy().ends_with(".json"))
            .filter(|e| e.metadata().is_ok_and(|m| m.len() == 1024))
            .count();
        anyhow::ensure!(whole == count, "tus holds {whole} whole files of {count}");
        Ok((took, frames_recorded(env).await?))
    })?;
    std::fs::remove_dir_all(&dir)?;
    let (frames, p95, max) = frames;
    let rate = count as f64 / took.as_secs_f64();
    Ok(Row::new(
        format!("5. {count} × 1 KiB to tus, window"),
        format!("{rate:.0} files/s; frame p95 {p95:.0} ms, max {max:.0} ms ({frames} frames)"),
    )
    .target(
        "≥ 300 files/s, frame p95 ≤ 33 ms",
        rate >= 300.0 && p95 <= 33.0,
    ))
}

/// How often the bench asks the page whether the upload finished.
const POLL: Duration = Duration::from_millis(100);

/// Clicks Upload and waits for the done view: the time from the click to
/// the frame after the one that drew the done view, taken in the page
/// (`performance.now()` in a capture-phase click listener, then a
/// MutationObserver and two requestAnimationFrames). The bench asks the
/// page only every [`POLL`]: each question is a WebDriver round trip through
/// the app's main thread and the web process, which ran a hundred times a
/// second before and competed with what it measured. With `BENCH_CPU=FILE`
/// the CPU time every thread on the machine spent meanwhile is written to
/// `FILE.<pid>` (see `cpu.rs`).
async fn upload_until_finished(env: &Env, count: usize, within: Duration) -> Result<Duration> {
    env.js(
        "window.__clickedAt = null; window.__finishedAt = null;
         document.addEventListener('click', (e) => {
           if (window.__clickedAt === null && e.target.closest('[data-testid=upload]'))
             window.__clickedAt = performance.now();
         }, { capture: true });
         const seen = () => {
           if (!document.querySelector('[data-testid=upload-finished]')) return false;
           // The next frame but one: the one with the done view is drawn.
           requestAnimationFrame(() => requestAnimationFrame(() => {
             window.__finishedAt = performance.now();
           }));
           return true;
         };
         const watch = new MutationObserver(() => { if (seen()) watch.disconnect(); });
         watch.observe(document.body, { childList: true, subtree: true });",
        vec![],
    )
    .await?;
    let started = Instant::now();
    let cpu_before = crate::cpu::snapshot();
    env.find("[data-testid=upload]").await?.click().await?;
    let took = loop {
        let times = env
            .js("return [window.__clickedAt, window.__finishedAt];", vec![])
            .await?;
        if let (Some(clicked), Some(finished)) = (times[0].as_f64(), times[1].as_f64()) {
            break Duration::from_secs_f64((finished - clicked).max(0.0) / 1000.0);
        }
        if started.elapsed() > within {
            bail!("the upload of {count} files did not finish");
        }
        tokio::time::sleep(POLL).await;
    };
    if let Ok(path) = std::env::var("BENCH_CPU") {
        let spent = crate::cpu::report(&cpu_before, &crate::cpu::snapshot());
        let report = format!(
            "{count} files in {:.2} s (in the page), {:.2} s as the bench saw it\n{spent}",
            took.as_secs_f64(),
            started.elapsed().as_secs_f64()
        );
        std::fs::write(format!("{path}.{}", std::process::id()), report)?;
    }
    Ok(took)
}

/// Installs a recorder of frame times (rAF to rAF) in the picker's page.
async fn record_frames(env: &Env) -> Result<()> {
    env.js(
        "window.__frames = []; window.__stop = false; let last = performance.now();
         const tick = (t) => { window.__frames.push(t - last); last = t;
           if (!window.__stop) requestAnimationFrame(tick); };
         requestAnimationFrame(tick);",
        vec![],
    )
    .await?;
    Ok(())
}

/// Stops the recorder; the frame times, sorted, and their p95 and max.
async fn frames_recorded(env: &Env) -> Result<(usize, f64, f64)> {
    let frames = env
        .js("window.__stop = true; return window.__frames;", vec![])
        .await?;
    let mut frames: Vec<f64> = serde_json::from_value(frames)?;
    frames.sort_by(f64::total_cmp);
    let at = |q: f64| {
        frames
            .get(((frames.len() as f64 - 1.0) * q) as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    Ok((frames.len(), at(0.95), at(1.0)))
}

/// Waits until the summary says it holds `count` files, and a row is drawn.
async fn wait_listed(env: &Env, count: usize, within: Duration) -> Result<()> {
    let deadline = Instant::now() + within;
    loop {
        let shown = env
            .js(
                "const h = document.querySelector('[data-testid=file-count]');
                 return h && document.querySelector('[data-testid=file]') ? Number(h.dataset.count) : 0;",
                vec![],
            )
            .await?;
        if shown.as_u64() == Some(count as u64) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the summary shows {shown} files, not {count}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Figure 10: ten thousand small files given on the command line: how
/// soon after the page is up the summary lists them, the frame times while
/// the list is scrolled top to bottom, and Upload to a folder.
pub fn many_files(bench: &Bench) -> Result<Vec<Row>> {
    let count = bench.many_files;
    let dir = bench.tmp.join("many");
    let dest = bench.tmp.join("many-dest");
    crate::transfer::fresh_dir(&dir)?;
    crate::transfer::fresh_dir(&dest)?;
    for n in 0..count {
        std::fs::write(
            dir.join(format!("f{n:05}.bin")),
            support::content(1024, n as u8),
        )?;
    }
    let (listed, scroll, took) = in_window("bench-many", async |env: &mut Env| {
        let folder = dir.to_str().context("utf-8 path")?;
        let to = dest.to_str().context("utf-8 path")?;
        let max = count.to_string();
        // From the launch (the files are read as the app starts, before
        // the page loads) and from the page being up (the session starts
        // once it has loaded).
        let launched = Instant::now();
        env.launch(&["--to", to, "--max-files", &max, folder])
            .await?;
        let up = Instant::now();
        wait_listed(env, count, Duration::from_secs(120)).await?;
        let listed = (launched.elapsed(), up.elapsed());

        // Scrolled top to bottom, a screenful per frame at most.
        record_frames(env).await?;
        env.client()?
            .execute_async(
                "const [done] = arguments;
             const scroller = document.querySelector('[data-testid=file-list]');
             const step = () => {
               scroller.scrollTop += 600;
               if (scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 1) done();
               else requestAnimationFrame(step);
             };
             requestAnimationFrame(step);",
                vec![],
            )
            .await?;
        let scroll = frames_recorded(env).await?;

        let took = upload_until_finished(env, count, Duration::from_secs(600)).await?;
        let landed = std::fs::read_dir(&dest)?.count();
        anyhow::ensure!(landed == count, "{landed} of {count} files landed");
        Ok((listed, scroll, took))
    })?;
    std::fs::remove_dir_all(&dir)?;
    std::fs::remove_dir_all(&dest)?;
    let (frames, p95, max) = scroll;
    let rate = count as f64 / took.as_secs_f64();
    let (from_launch, listed_s) = (listed.0.as_secs_f64(), listed.1.as_secs_f64());
    Ok(vec![
        Row::new(
            format!("10. {count} files in the window: listed, scrolled"),
            format!(
                "listed {listed_s:.1} s after the page was up ({from_launch:.1} s after launch); \
                 scrolling frame p95 {p95:.0} ms, max {max:.0} ms ({frames} frames)"
            ),
        )
        .target(
            "listed ≤ 5 s, frame p95 ≤ 50 ms",
            listed_s <= 5.0 && p95 <= 50.0,
        ),
        Row::new(
            format!("10. {count} × 1 KiB to a folder, window"),
            format!("{rate:.0} files/s"),
        )
        .target("≥ 300 files/s", rate >= 300.0),
    ])
}

/// Figure 6: from spawning the release binary to the UI's first frame on
/// screen (the app prints `satchel: painted` from the second
/// requestAnimationFrame after mounting when SATCHEL_REPORT_PAINT is set).
pub fn cold_start(bench: &Bench) -> Result<Vec<Row>> {
    let starts = bench.starts;
    let times = in_window("bench-start", async |env: &mut Env| {
        env.start_display_only()?;
        let vars = env.app_env()?;
        (0..starts).map(|_| start_to_paint(&vars)).collect()
    })?;
    let time = median(times);
    let ms = time.as_secs_f64() * 1000.0;
    Ok(vec![Row::new(
        format!("6. cold start to first paint, median of {starts}"),
        format!("{ms:.0} ms"),
    )
    .target("≤ 400 ms", ms <= 400.0)])
}

fn start_to_paint(vars: &[(String, String)]) -> Result<Duration> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_satchel"));
    command
        .envs(vars.iter().map(|(k, v)| (k, v)))
        .env("SATCHEL_REPORT_PAINT", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let started = Instant::now();
    let mut child = command.spawn().context("starting satchel")?;
    let stderr = child.stderr.take().context("stderr")?;
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(|l| l.ok()) {
            if line == "satchel: painted" {
                let _ = tx.send(started.elapsed());
            }
        }
    });
    let painted = rx.recv_timeout(Duration::from_secs(30));
    kill_group(&mut child);
    painted.context("the window never reported its first paint")
}

fn kill_group(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .status();
    let _ = child.wait();
}

/// The window's app process: the one running this build's binary.
fn app_pid() -> Result<u32> {
    let binary = Path::new(env!("CARGO_BIN_EXE_satchel")).canonicalize()?;
    for entry in std::fs::read_dir("/proc")? {
        let Ok(pid) = entry?.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let exe: Option<PathBuf> = std::fs::read_link(format!("/proc/{pid}/exe")).ok();
        if exe.as_deref() == Some(binary.as_path()) {
            return Ok(pid);
        }
    }
    bail!("no running {}", binary.display())
}

/// Samples the resident memory of a process with its children, and of the
/// process alone, every 10 ms, and keeps the growth over the first sample.
struct TreeSampler {
    stop: Arc<AtomicBool>,
    /// Growth of the tree and of the process alone.
    growth: Arc<[AtomicU64; 2]>,
    thread: thread::JoinHandle<()>,
}

impl TreeSampler {
    fn start(pid: u32) -> TreeSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let growth = Arc::new([AtomicU64::new(0), AtomicU64::new(0)]);
        let (s, g) = (stop.clone(), growth.clone());
        let own = move || measure::status_kib(pid, "VmRSS:").unwrap_or(0) * 1024;
        let thread = thread::spawn(move || {
            let base = [measure::tree_rss(pid), own()];
            while !s.load(Ordering::SeqCst) {
                let now = [measure::tree_rss(pid), own()];
                for (grown, (now, base)) in g.iter().zip(now.iter().zip(base)) {
                    grown.fetch_max(now.saturating_sub(base), Ordering::SeqCst);
                }
                thread::sleep(Duration::from_millis(10));
            }
        });
        TreeSampler {
            stop,
            growth,
            thread,
        }
    }

    /// The growth of the tree, and of the process alone.
    fn stop(self) -> (u64, u64) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.thread.join();
        let [tree, own] = &*self.growth;
        (tree.load(Ordering::SeqCst), own.load(Ordering::SeqCst))
    }
}

/// Python's http.server on loopback, serving a folder (killed when dropped).
struct StaticServer {
    child: Child,
    port: u16,
}

impl StaticServer {
    fn start(dir: &Path) -> Result<StaticServer> {
        // Port 0: the server binds a free port itself and says which
        // ("Serving HTTP on 127.0.0.1 port N …"), so none is let go and
        // taken again in between.
        let mut child = Command::new("python3")
            .args([
                "-u",
                "-m",
                "http.server",
                "--bind",
                "127.0.0.1",
                "--directory",
            ])
            .arg(dir)
            .arg("0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting python3 -m http.server")?;
        let stdout = child.stdout.take().context("http.server's stdout")?;
        let mut server = StaticServer { child, port: 0 };
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().context("http.server said nothing")??;
        server.port = first
            .split(" port ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|port| port.parse().ok())
            .with_context(|| format!("no port in http.server's {first:?}"))?;
        // Keep draining what it prints so it never blocks on a full pipe.
        thread::spawn(move || for _ in lines {});
        Ok(server)
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
