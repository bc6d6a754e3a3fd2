//! Drives the real Satchel window: Xvfb, tauri-driver (which runs
//! WebKitWebDriver, which runs the debug `satchel`), and a WebDriver client.
//!
//! Rules this file keeps:
//! - every process it starts is killed, whatever the test did (`Drop`);
//! - one window test at a time (a lock), each on its own display and ports,
//!   with its own XDG folders so nothing leaks between tests or from the host;
//! - a failing test leaves a screenshot and the logs under
//!   `target/tmp/e2e/<test>/` and says where.

use std::fs::{self, File};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use fantoccini::{elements::Element, Client, ClientBuilder, Locator};
use serde_json::json;
use tempfile::TempDir;

static ONE_WINDOW_AT_A_TIME: Mutex<()> = Mutex::new(());

const STARTUP: Duration = Duration::from_secs(30);
pub const UI_WAIT: Duration = Duration::from_secs(20);

/// Runs one window test and cleans up after it; panics with the error,
/// the screenshot's path and the end of the logs when the test fails.
pub fn e2e(name: &str, test: impl AsyncFnOnce(&mut Env) -> Result<()>) {
    let _turn = ONE_WINDOW_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let artifacts = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("e2e")
        .join(name);
    let _ = fs::remove_dir_all(&artifacts);
    fs::create_dir_all(&artifacts).expect("artifacts folder");

    let failure = runtime.block_on(async {
        let mut env = Env::new(artifacts.clone()).expect("test environment");
        let outcome = tokio::time::timeout(Duration::from_secs(180), test(&mut env))
            .await
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the test timed out after 180 s")));
        let failure = match outcome {
            Ok(()) => None,
            Err(e) => {
                let shot = env.screenshot("failure").await;
                Some(format!("{e:?}\nscreenshot: {shot}"))
            }
        };
        env.shutdown().await;
        failure
    });
    if let Some(failure) = failure {
        let log = artifacts.join("app.stderr");
        let text = fs::read_to_string(&log).unwrap_or_default();
        let tail: Vec<_> = text.lines().rev().take(30).collect();
        let tail: Vec<_> = tail.into_iter().rev().collect();
        panic!(
            "e2e test {name} failed: {failure}\n--- last lines of {} ---\n{}",
            log.display(),
            tail.join("\n")
        );
    }
}

/// A test's surroundings: a scratch folder and, once launched, the window.
pub struct Env {
    pub dir: TempDir,
    artifacts: PathBuf,
    processes: Vec<Child>,
    client: Option<Client>,
    display: Option<u32>,
    /// Extra environment for the app (theme, locale, PATH), set before launch.
    app_vars: Vec<(String, String)>,
}

impl Env {
    fn new(artifacts: PathBuf) -> Result<Self> {
        Ok(Env {
            dir: tempfile::tempdir()?,
            artifacts,
            processes: vec![],
            client: None,
            display: None,
            app_vars: vec![],
        })
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A file among the test's artifacts (kept after a failure, for people to read).
    pub fn artifact(&self, name: &str) -> PathBuf {
        self.artifacts.join(name)
    }

    /// Keeps a process the test started (a server, a bus), to be killed
    /// with the rest when the test ends. Start it in its own process group.
    pub fn adopt(&mut self, child: Child) {
        self.processes.push(child);
    }

    /// Sets an environment variable for the app the next `launch` starts.
    pub fn set_app_var(&mut self, name: &str, value: &str) {
        self.app_vars.push((name.to_owned(), value.to_owned()));
    }

    /// The test servers listen on loopback, which the SSRF guard refuses by
    /// default: a user config opens it, unless the test wrote its own.
    fn allow_loopback_fetches(&self) -> Result<()> {
        let config = self.path("xdg/config/satchel/config.toml");
        if !config.exists() {
            fs::create_dir_all(config.parent().context("a config folder")?)?;
            fs::write(&config, "networkAllow = [\"127.0.0.1\"]\n")?;
        }
        Ok(())
    }

    /// The system policy the app reads (absent unless a test writes it).
    pub fn policy_path(&self) -> PathBuf {
        self.path("policy.toml")
    }

    /// The environment a second `satchel` started by a test needs.
    pub fn app_env(&self) -> Result<Vec<(String, String)>> {
        let mut vars = vec![("DISPLAY".into(), self.display()?)];
        vars.extend(self.isolated_env());
        vars.push(("NO_AT_BRIDGE".into(), "1".into()));
        Ok(vars)
    }

    /// What keeps a `satchel` of this test away from the machine's own
    /// config, data, state and policy: XDG folders under the test's folder
    /// (the window's), and the system policy at [`Env::policy_path`].
    pub fn isolated_env(&self) -> Vec<(String, String)> {
        let xdg = self.path("xdg");
        let folder = |name: &str| xdg.join(name).display().to_string();
        vec![
            ("XDG_DATA_HOME".into(), folder("data")),
            ("XDG_CONFIG_HOME".into(), folder("config")),
            ("XDG_STATE_HOME".into(), folder("state")),
            ("XDG_CACHE_HOME".into(), folder("cache")),
            // Debug builds read the system policy from here instead of /etc.
            (
                "SATCHEL_POLICY_FILE".into(),
                self.policy_path().display().to_string(),
            ),
        ]
    }

    /// Where the app keeps its data (`XDG_DATA_HOME`).
    pub fn data_home(&self) -> PathBuf {
        self.path("xdg/data")
    }

    /// Starts only a display, for tests that run `satchel` themselves (as
    /// programs that launch it do) rather than through WebDriver.
    pub fn start_display_only(&mut self) -> Result<String> {
        let display = self.start_display()?;
        self.display = Some(display);
        self.display()
    }

    /// Starts a display, tauri-driver and `satchel ARGS…`, and connects.
    pub async fn launch(&mut self, args: &[&str]) -> Result<&Client> {
        let display = self.start_display()?;
        self.allow_loopback_fetches()?;
        let (port, native_port) = (free_port()?, free_port()?);
        let log = File::create(self.artifacts.join("driver.log"))?;
        let mut driver = Command::new("tauri-driver");
        driver
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("DISPLAY", format!(":{display}"))
            .env_remove("WAYLAND_DISPLAY")
            .envs(self.isolated_env())
            .env("NO_AT_BRIDGE", "1")
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
            .envs(self.app_vars.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        std::os::unix::process::CommandExt::process_group(&mut driver, 0);
        self.processes.push(
            driver
                .spawn()
                .context("starting tauri-driver (is it installed? `./x setup`)")?,
        );
        wait_for_port(port)
            .await
            .context("tauri-driver did not listen")?;
        wait_for_port(native_port)
            .await
            .context("WebKitWebDriver did not listen")?;

        let capabilities = json!({
            "tauri:options": {
                "application": self.app_wrapper()?,
                "args": args,
            }
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object literal")
        };
        let client = ClientBuilder::rustls()
            .context("a WebDriver client")?
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .context("creating a WebDriver session for satchel")?;
        self.client = Some(client);
        self.display = Some(display);
        let client = self.client()?;
        client
            .wait()
            .at_most(STARTUP)
            .for_element(Locator::Css("[data-testid=summary]"))
            .await
            .context("the picker never rendered its summary")?;
        Ok(client)
    }

    pub fn client(&self) -> Result<&Client> {
        self.client.as_ref().context("the window was not launched")
    }

    /// The display number, for xdotool.
    pub fn display(&self) -> Result<String> {
        self.display
            .map(|n| format!(":{n}"))
            .context("no display started")
    }

    /// A script that runs satchel with its output kept in the artifacts:
    /// WebKitWebDriver does not pass on what the browser it runs prints.
    fn app_wrapper(&self) -> Result<PathBuf> {
        let script = self.path("run-satchel");
        let quote = |p: &Path| format!("'{}'", p.display().to_string().replace('\'', "'\\''"));
        fs::write(
            &script,
            format!(
                "#!/bin/sh\nexec {} \"$@\" >{} 2>{}\n",
                quote(Path::new(env!("CARGO_BIN_EXE_satchel"))),
                quote(&self.artifacts.join("app.stdout")),
                quote(&self.artifacts.join("app.stderr")),
            ),
        )?;
        let mut perms = fs::metadata(&script)?.permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        fs::set_permissions(&script, perms)?;
        Ok(script)
    }

    /// Keeps a file with the test's other artifacts (for people to read).
    pub fn save(&self, name: &str, contents: &str) -> Result<PathBuf> {
        let path = self.artifacts.join(name);
        fs::write(&path, contents)?;
        Ok(path)
    }

    /// The `--json` result the app prints as it exits, waited for.
    pub async fn json_result(&self) -> Result<serde_json::Value> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let output = self.app_output();
            if let Some(line) = output.lines().find(|l| l.starts_with("{\"filesUploaded\"")) {
                return serde_json::from_str(line).context("the --json result does not parse");
            }
            if Instant::now() > deadline {
                bail!("no --json result printed after the window closed");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// What the app printed on stdout.
    pub fn app_output(&self) -> String {
        fs::read_to_string(self.artifacts.join("app.stdout")).unwrap_or_default()
    }

    /// Saves a screenshot of the display (the window and any dialog on it)
    /// under the test's artifacts. Taken from the X server, not through
    /// WebDriver: WebKitWebDriver's screenshot can hang on an unfocused view.
    pub async fn screenshot(&self, name: &str) -> String {
        let path = self.artifacts.join(format!("{name}.png"));
        let Some(display) = self.display else {
            return "none (no display)".into();
        };
        let taken = Command::new("timeout")
            .args(["10", "import", "-display", &format!(":{display}")])
            .args(["-window", "root"])
            .arg(&path)
            .stdin(Stdio::null())
            .output();
        match taken {
            Ok(out) if out.status.success() => path.display().to_string(),
            Ok(out) => format!("not taken: {}", String::from_utf8_lossy(&out.stderr).trim()),
            Err(e) => format!("not taken: {e} (is imagemagick installed?)"),
        }
    }

    /// The X11 id of the picker's window (its title is "Satchel").
    /// The picker's shown window. GTK also keeps an unmapped 10×10 window
    /// with the same title, listed before or after it as stacking goes: a
    /// close request sent there is never heard (a CI run lost one so).
    pub fn window_id(&self) -> Result<String> {
        let found = xdotool(
            &self.display()?,
            &["search", "--onlyvisible", "--name", "^Satchel$"],
        )?;
        let mut shown = found.lines();
        let id = shown.next().context("no window titled Satchel is shown")?;
        ensure!(
            shown.next().is_none(),
            "more than one window titled Satchel is shown: {found}"
        );
        Ok(id.to_owned())
    }

    /// Saves a picture of the picker's window alone, for people to review,
    /// under `target/tmp/e2e/screenshots/NAME.png`.
    pub fn window_screenshot(&self, name: &str) -> Result<PathBuf> {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e/screenshots");
        fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        let out = Command::new("timeout")
            .args(["10", "import", "-display", &self.display()?])
            .args(["-window", &self.window_id()?])
            .arg(&path)
            .stdin(Stdio::null())
            .output()
            .context("running import (is imagemagick installed?)")?;
        ensure!(
            out.status.success(),
            "screenshot {name} not taken: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        Ok(path)
    }

    /// Runs a script in the picker's page and returns what it returns.
    pub async fn js(
        &self,
        script: &str,
        args: Vec<serde_json::Value>,
    ) -> Result<serde_json::Value> {
        self.client()?
            .execute(script, args)
            .await
            .with_context(|| format!("running {}", script.lines().next().unwrap_or_default()))
    }

    pub async fn find(&self, css: &str) -> Result<Element> {
        self.client()?
            .wait()
            .at_most(UI_WAIT)
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("no element matches {css} after {UI_WAIT:?}"))
    }

    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        Ok(self.client()?.find_all(Locator::Css(css)).await?)
    }

    /// Waits until `css` matches exactly `count` elements.
    pub async fn wait_for_count(&self, css: &str, count: usize) -> Result<Vec<Element>> {
        let deadline = Instant::now() + UI_WAIT;
        loop {
            let found = self.find_all(css).await?;
            if found.len() == count {
                return Ok(found);
            }
            if Instant::now() > deadline {
                bail!(
                    "expected {count} elements matching {css}, found {}",
                    found.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Ends the session and every process, ignoring what is already gone.
    async fn shutdown(&mut self) {
        if let Some(client) = self.client.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), client.close()).await;
        }
        for child in self.processes.iter_mut().rev() {
            kill_group(child);
        }
        self.processes.clear();
    }

    fn start_display(&mut self) -> Result<u32> {
        for display in 60..160u32 {
            if Path::new(&format!("/tmp/.X{display}-lock")).exists() {
                continue;
            }
            let mut xvfb = Command::new("Xvfb");
            xvfb.arg(format!(":{display}"))
                .args(["-screen", "0", "1280x800x24", "-nolisten", "tcp"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            std::os::unix::process::CommandExt::process_group(&mut xvfb, 0);
            let mut child = xvfb.spawn().context("starting Xvfb (is it installed?)")?;
            let socket = PathBuf::from(format!("/tmp/.X11-unix/X{display}"));
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // taken after all: try the next number
                }
                if socket.exists() {
                    self.processes.push(child);
                    return Ok(display);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            kill_group(&mut child);
        }
        bail!("no free X display between :60 and :159")
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        for child in self.processes.iter_mut().rev() {
            kill_group(child);
        }
    }
}

fn kill_group(child: &mut Child) {
    // The drivers start the app as their child; the whole group goes.
    let group = format!("-{}", child.id());
    let kill = |signal: &str| {
        let _ = Command::new("kill")
            .args([signal, "--", &group])
            .stderr(Stdio::null())
            .status();
    };
    kill("-TERM");
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    kill("-KILL");
    let _ = child.wait();
}

/// A port for tauri-driver, which must be told its ports rather than
/// report them. Not one the kernel hands out (from 32768 up): a port let go
/// there may be given to any socket before the driver binds it. These come
/// from 20000–31999, each once per test process, starting at a place set by
/// the process id so concurrent runs rarely meet; a port in use is skipped.
fn free_port() -> Result<u16> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    const FIRST: u32 = 20_000;
    const COUNT: u32 = 12_000;
    let start = std::process::id().wrapping_mul(97) % COUNT;
    for _ in 0..COUNT {
        let port = FIRST + (start + NEXT.fetch_add(1, Ordering::SeqCst)) % COUNT;
        let port = u16::try_from(port).context("a port below 32000")?;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    bail!("no free port between {FIRST} and {}", FIRST + COUNT - 1)
}

async fn wait_for_port(port: u16) -> Result<()> {
    let deadline = Instant::now() + STARTUP;
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("nothing listened on port {port} within {STARTUP:?}")
}

/// An element's text. Read from the DOM (`textContent`): WebKitWebDriver's
/// "Get Element Text" returns "" for elements it deems hidden, and under
/// Xvfb with no window manager it deems too much hidden.
pub async fn text(el: &Element) -> Result<String> {
    let content = el.prop("textContent").await?.unwrap_or_default();
    Ok(content.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Runs xdotool on the test's display, failing with its stderr.
pub fn xdotool(display: &str, args: &[&str]) -> Result<String> {
    let out = Command::new("timeout")
        .arg("20")
        .arg("xdotool")
        .args(args)
        .env("DISPLAY", display)
        .output()
        .context("running xdotool (is it installed?)")?;
    if !out.status.success() {
        bail!(
            "xdotool {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
