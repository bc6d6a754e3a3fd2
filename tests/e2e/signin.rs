//! Sign-in in the real window, against real parts: a real OpenID provider
//! (`oidc-provider`, `tests/servers/oidc_server.mjs`) and a file API that
//! checks the bearer token against the provider's keys (`jose`); the system
//! browser is `tests/e2e/tools/test_browser.mjs`, run by xdg-open as
//! `$BROWSER`, which logs the test user in over HTTP and follows the
//! redirect back to Satchel; the keyring is GNOME Keyring, unlocked, on a
//! D-Bus session bus of the test's own (or no keyring at all on one).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use fantoccini::Locator;
use serde_json::Value;

use crate::harness::{e2e, text, Env};

/// The provider and the API it protects, on loopback.
struct Oidc {
    issuer: String,
    api: String,
    client_id: String,
}

impl Oidc {
    /// Starts the servers; access tokens live `ttl` seconds.
    fn start(env: &mut Env, files: &Path, ttl: u64) -> Result<Oidc> {
        let servers = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers");
        let mut command = Command::new("node");
        command
            .arg("oidc_server.mjs")
            .arg(files)
            .current_dir(servers)
            .env("ACCESS_TTL", ttl.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command
            .spawn()
            .context("starting oidc_server.mjs (./x setup)")?;
        let stdout = child.stdout.take().context("its stdout")?;
        env.adopt(child);
        let mut lines = BufReader::new(stdout).lines();
        for line in lines.by_ref() {
            let line = line?;
            if let Some(json) = line.strip_prefix("oidc ") {
                // The rest is read, so the server never writes to a closed pipe.
                std::thread::spawn(move || lines.for_each(drop));
                let v: Value = serde_json::from_str(json)?;
                let field = |k: &str| v[k].as_str().map(str::to_owned).context("a field");
                return Ok(Oidc {
                    issuer: field("issuer")?,
                    api: field("api")?,
                    client_id: field("clientId")?,
                });
            }
        }
        bail!("oidc_server.mjs ended before it was ready")
    }

    /// What the API saw: accepted tokens, refusals, grants.
    async fn seen(&self) -> Result<Value> {
        let body = reqwest::get(format!("{}/__seen", self.api))
            .await?
            .text()
            .await?;
        Ok(serde_json::from_str(&body)?)
    }
}

/// A D-Bus session bus of the test's own, with no services to start on
/// demand (so no keyring appears unless the test starts one).
pub(crate) fn private_bus(env: &mut Env) -> Result<String> {
    let config = env.path("bus.conf");
    std::fs::write(
        &config,
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
    )?;
    let mut command = Command::new("dbus-daemon");
    command
        .arg(format!("--config-file={}", config.display()))
        .args(["--nofork", "--print-address=1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command.spawn().context("starting dbus-daemon")?;
    let stdout = child.stdout.take().context("its stdout")?;
    env.adopt(child);
    let mut address = String::new();
    BufReader::new(stdout).read_line(&mut address)?;
    ensure!(!address.trim().is_empty(), "dbus-daemon printed no address");
    Ok(address.trim().to_owned())
}

/// GNOME Keyring on `bus`, its login keyring made and unlocked with a
/// password (kept under the test's XDG data folder).
fn unlocked_keyring(env: &mut Env, bus: &str) -> Result<()> {
    let runtime = env.path("runtime");
    std::fs::create_dir_all(&runtime)?;
    std::fs::set_permissions(
        &runtime,
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )?;
    let mut command = Command::new("gnome-keyring-daemon");
    command
        .args(["--foreground", "--unlock", "--components=secrets"])
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .env("XDG_DATA_HOME", env.data_home())
        .env("XDG_RUNTIME_DIR", &runtime)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .spawn()
        .context("starting gnome-keyring-daemon (./x setup)")?;
    let mut stdin = child.stdin.take().context("its stdin")?;
    stdin.write_all(b"test-keyring-password")?;
    drop(stdin);
    env.adopt(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let owner = Command::new("dbus-send")
            .env("DBUS_SESSION_BUS_ADDRESS", bus)
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                "string:org.freedesktop.secrets",
            ])
            .output()?;
        if String::from_utf8_lossy(&owner.stdout).contains("boolean true") {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "the keyring never came on the bus"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The test browser, told what to do through a file.
struct Browser {
    mode: PathBuf,
    log: PathBuf,
}

impl Browser {
    fn install(env: &mut Env) -> Browser {
        let browser =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/tools/test_browser.mjs");
        let (mode, log) = (env.path("browser-mode"), env.artifact("browser.log"));
        env.set_app_var("BROWSER", &browser.display().to_string());
        env.set_app_var("TEST_BROWSER_MODE_FILE", &mode.display().to_string());
        env.set_app_var("TEST_BROWSER_LOG", &log.display().to_string());
        Browser { mode, log }
    }

    fn does(&self, mode: &str) -> Result<()> {
        Ok(std::fs::write(&self.mode, mode)?)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits for the browser to have been opened `n` times; returns the
    /// redirect URI the last authorize URL named.
    async fn opened(&self, n: usize) -> Result<String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let log = self.log();
            let redirects: Vec<&str> = log
                .lines()
                .filter_map(|l| l.split_once(" redirect=").map(|(_, r)| r))
                .collect();
            if redirects.len() >= n {
                return Ok(redirects[n - 1].to_owned());
            }
            ensure!(
                Instant::now() < deadline,
                "the browser was not opened; its log: {log}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Writes the user config: loopback allowed, the sources with `auth`.
fn configure(env: &Env, oidc: &Oidc, extra_sources: &[String]) -> Result<String> {
    let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sources/signed_in.js");
    let code = std::fs::read_to_string(template)?.replace("__API__", &oidc.api);
    let source = env.path("signed_in.js");
    std::fs::write(&source, code)?;
    let config = env.path("xdg/config/satchel/config.toml");
    std::fs::create_dir_all(config.parent().context("a folder")?)?;
    let mut sources = vec![format!(
        "{{ path = {:?}, connect = [{:?}], auth = {{ issuer = {:?}, client_id = {:?}, \
         scopes = [\"openid\", \"profile\", \"email\", \"offline_access\", \"files\"] }} }}",
        source.display().to_string(),
        oidc.api,
        oidc.issuer,
        oidc.client_id
    )];
    sources.extend(extra_sources.iter().map(|p| format!("{p:?}")));
    std::fs::write(
        &config,
        format!(
            "networkAllow = [\"127.0.0.1\"]\nsources = [\n  {}\n]\n",
            sources.join(",\n  ")
        ),
    )?;
    Ok(source.display().to_string())
}

fn files_to_serve(env: &Env) -> Result<PathBuf> {
    let dir = env.path("cloud");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("quarterly.txt"), QUARTERLY)?;
    std::fs::write(dir.join("fetched-annual.txt"), ANNUAL)?;
    Ok(dir)
}

const QUARTERLY: &str = "quarterly numbers, for signed-in eyes only\n";
const ANNUAL: &str = "the annual report, fetched at once with the token Rust adds\n";

async fn wait_text(env: &Env, css: &str, wanted: &str) -> Result<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(el) = env.client()?.find(Locator::Css(css)).await {
            let said = text(&el).await.unwrap_or_default();
            if said.contains(wanted) {
                return Ok(said);
            }
            if Instant::now() > deadline {
                bail!("{css} says {said:?}, not {wanted:?}");
            }
        } else if Instant::now() > deadline {
            bail!("no {css} saying {wanted:?}");
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// The source's report (inside its frame), once `key` is set.
async fn report(env: &Env, key: &str, check: impl Fn(&Value) -> bool) -> Result<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(el) = env.client()?.find(Locator::Css("#result")).await {
            if let Ok(v) = serde_json::from_str::<Value>(&text(&el).await.unwrap_or_default()) {
                if !v[key].is_null() && check(&v) {
                    return Ok(v);
                }
                if Instant::now() > deadline {
                    bail!("the source reported {v}");
                }
            }
        }
        ensure!(Instant::now() < deadline, "the source never reported {key}");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// The file names a source's report lists, sorted.
fn listed_names(report: &Value) -> Vec<String> {
    let mut names: Vec<String> = report["listed"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

async fn click(env: &Env, css: &str) -> Result<()> {
    env.find(css).await?.click().await?;
    Ok(())
}

async fn enter_frame(env: &Env, id: u32) -> Result<()> {
    env.find(&format!("[data-testid=frame-{id}]"))
        .await?
        .enter_frame()
        .await
        .context("entering the source's frame")?;
    Ok(())
}

/// Every file under `dir` that holds `needle`.
fn files_holding(dir: &Path, needle: &str) -> Vec<PathBuf> {
    walk(dir)
        .into_iter()
        .filter(|p| {
            std::fs::read(p)
                .map(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
                .unwrap_or(false)
        })
        .collect()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = vec![];
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(walk(&path));
            } else {
                found.push(path);
            }
        }
    }
    found
}

fn satchel(env: &Env, bus: &str, args: &[&str]) -> Result<std::process::Output> {
    Ok(Command::new(env!("CARGO_BIN_EXE_satchel"))
        .args(args)
        .envs(env.isolated_env())
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .output()?)
}

#[test]
fn a_user_signs_in_from_the_pane_picks_a_protected_file_and_uploads_it() {
    e2e("signin_keyring", async |env| {
        let files = files_to_serve(env)?;
        // Access tokens live 8 s: long enough for a step, short enough to lapse.
        let oidc = Oidc::start(env, &files, 8)?;
        let bus = private_bus(env)?;
        unlocked_keyring(env, &bus)?;
        env.set_app_var("DBUS_SESSION_BUS_ADDRESS", &bus);
        let browser = Browser::install(env);
        browser.does("login")?;
        configure(env, &oidc, &[])?;
        // The API refuses anyone without a token.
        let anonymous = reqwest::get(format!("{}/files/quarterly.txt", oidc.api)).await?;
        ensure!(
            anonymous.status() == 401,
            "the API let {} through",
            anonymous.status()
        );

        let dest = env.path("dest");
        env.launch(&["--json", "--to", dest.to_str().context("utf-8")?])
            .await?;
        click(env, "[data-testid=source-teamCloud]").await?;
        let offer = wait_text(env, "[data-testid=sign-in]", "Sign in to Team cloud").await?;
        env.screenshot("sign-in-offered").await;
        crate::ui::axe(env, "sign-in-offered").await?;
        ensure!(offer == "Sign in to Team cloud", "{offer}");
        ensure!(
            !env.find("[data-testid=frame-0]")
                .await?
                .is_displayed()
                .await?,
            "the source's view waits for the sign-in"
        );
        click(env, "[data-testid=sign-in]").await?;
        wait_text(env, "[data-testid=auth-user]", "Signed in as Test Person").await?;
        env.screenshot("signed-in").await;
        crate::ui::axe(env, "signed-in").await?;
        ensure!(
            env.find_all("[data-testid=auth-session-only]")
                .await?
                .is_empty(),
            "the keyring is there: the sign-in is kept"
        );
        ensure!(browser.log().contains("callback 200"), "{}", browser.log());

        enter_frame(env, 0).await?;
        let mounted = report(env, "hasAuth", |_| true).await?;
        ensure!(mounted["hasAuth"] == true, "{mounted}");
        ensure!(mounted["user"]["name"] == "Test Person", "{mounted}");
        click(env, "#list").await?;
        let listed = report(env, "listed", |v| v["lists"] == 1).await?;
        ensure!(
            listed_names(&listed) == ["fetched-annual.txt", "quarterly.txt"],
            "{listed}"
        );
        // metadata, then addCustomUrl / fetchAndAddUrl: Rust adds the token to each.
        click(env, "button[data-file='quarterly.txt']").await?;
        report(env, "added", |v| {
            v["added"].as_array().is_some_and(|a| a.len() == 1)
        })
        .await?;
        click(env, "button[data-file='fetched-annual.txt']").await?;
        let added = report(env, "added", |v| {
            v["added"].as_array().is_some_and(|a| a.len() == 2)
        })
        .await?;
        ensure!(added["addError"].is_null(), "{added}");
        ensure!(
            added["sizes"]["quarterly.txt"] == QUARTERLY.len(),
            "{added}"
        );
        ensure!(
            added["sizes"]["fetched-annual.txt"] == ANNUAL.len(),
            "{added}"
        );
        env.client()?.enter_parent_frame().await?;

        // The access token lapses; the next list refreshes it first.
        let grants_before = oidc.seen().await?["grants"]["refresh_token"]
            .as_u64()
            .unwrap_or(0);
        tokio::time::sleep(Duration::from_secs(8)).await;
        enter_frame(env, 0).await?;
        click(env, "#list").await?;
        let again = report(env, "listed", |v| v["lists"] == 2).await?;
        ensure!(again["listError"].is_null(), "{again}");
        env.client()?.enter_parent_frame().await?;
        let seen = oidc.seen().await?;
        ensure!(
            seen["grants"]["refresh_token"].as_u64().unwrap_or(0) > grants_before,
            "no refresh after the token expired: {seen}"
        );

        // Sign out from the pane: the view goes, the offer comes back.
        click(env, "[data-testid=sign-out]").await?;
        wait_text(env, "[data-testid=sign-in]", "Sign in to Team cloud").await?;
        ensure!(
            !env.find("[data-testid=frame-0]")
                .await?
                .is_displayed()
                .await?
        );
        // And in again, to leave a sign-in in the keyring for the CLI to remove.
        click(env, "[data-testid=sign-in]").await?;
        wait_text(env, "[data-testid=auth-user]", "Signed in as Test Person").await?;

        // The source signs itself out (actions.auth.signOut()): the same.
        enter_frame(env, 0).await?;
        click(env, "#sign-out").await?;
        env.client()?.enter_parent_frame().await?;
        wait_text(env, "[data-testid=sign-in]", "Sign in to Team cloud").await?;
        click(env, "[data-testid=sign-in]").await?;
        wait_text(env, "[data-testid=auth-user]", "Signed in as Test Person").await?;

        // Uploading fetches the link with the Bearer token Rust adds.
        click(env, "[data-testid=upload]").await?;
        env.find("[data-testid=upload-finished]").await?;
        ensure!(std::fs::read_to_string(dest.join("quarterly.txt"))? == QUARTERLY);
        ensure!(std::fs::read_to_string(dest.join("fetched-annual.txt"))? == ANNUAL);
        // The app exits while the click is answered: the result is what counts.
        let _ = env.find("[data-testid=finish]").await?.click().await;
        let result = env.json_result().await?;
        ensure!(
            result["filesUploaded"].as_array().map(Vec::len) == Some(2),
            "{result}"
        );

        let kept = satchel(env, &bus, &["sources", "signout", "teamCloud"])?;
        let said = String::from_utf8_lossy(&kept.stdout);
        ensure!(
            said.contains("signed teamCloud out"),
            "signout said {said:?} {:?}",
            kept.stderr
        );
        let again = satchel(env, &bus, &["sources", "signout", "teamCloud"])?;
        ensure!(
            String::from_utf8_lossy(&again.stdout).contains("kept no sign-in"),
            "the keyring still had it"
        );

        // No token anywhere Satchel writes: its folders, stdout, the result.
        let seen = oidc.seen().await?;
        let tokens: Vec<String> = seen["tokens"]
            .as_array()
            .context("tokens")?
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect();
        ensure!(tokens.len() >= 2, "the API saw too few tokens: {seen}");
        let stdout = env.app_output();
        for token in &tokens {
            let holding = files_holding(&env.path("xdg"), token);
            ensure!(holding.is_empty(), "a token is written in {holding:?}");
            ensure!(!stdout.contains(token.as_str()), "a token is on stdout");
            ensure!(
                !result.to_string().contains(token.as_str()),
                "a token is in the result"
            );
        }
        Ok(())
    });
}

/// Whether nothing listens at the redirect's port any more (within 3 s).
async fn listener_closed(redirect: &str) -> Result<bool> {
    let port = url::Url::parse(redirect)?.port().context("a port")?;
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            return Ok(true);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(false)
}

/// Sends one raw HTTP request to the sign-in listener; returns its status.
fn poke(redirect: &str, request: &str) -> Result<u16> {
    use std::io::Read;
    let url = url::Url::parse(redirect)?;
    let port = url.port().context("a port")?;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.write_all(request.as_bytes())?;
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("no status in {answer:?}"))
}

#[test]
fn forged_callbacks_refusals_timeouts_and_a_missing_keyring_are_said_in_the_pane() {
    e2e("signin_failures", async |env| {
        let files = files_to_serve(env)?;
        let oidc = Oidc::start(env, &files, 60)?;
        // A session bus with no keyring on it.
        let bus = private_bus(env)?;
        env.set_app_var("DBUS_SESSION_BUS_ADDRESS", &bus);
        env.set_app_var("SATCHEL_SIGN_IN_TIMEOUT", "6");
        let browser = Browser::install(env);
        let thief = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sources/token_thief.js");
        configure(env, &oidc, &[thief.display().to_string()])?;
        env.launch(&[]).await?;
        click(env, "[data-testid=source-teamCloud]").await?;

        // The browser never comes back; meanwhile others knock at the
        // listener: a page posting to it, a script with an Origin, and a
        // callback with a forged state. None signs anyone in.
        browser.does("never")?;
        click(env, "[data-testid=sign-in]").await?;
        let redirect = browser.opened(1).await?;
        env.find("[data-testid=sign-in-waiting]").await?;
        let post = "POST /callback?state=x&code=y HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                    Origin: satchel-source://s1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        ensure!(
            poke(&redirect, post)? == 405,
            "a POST is not the browser coming back"
        );
        let scripted = "GET /callback?state=x&code=y HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: null\r\nConnection: close\r\n\r\n";
        ensure!(
            poke(&redirect, scripted)? == 403,
            "a request with an Origin is refused"
        );
        env.find("[data-testid=sign-in-waiting]").await?;
        let forged = "GET /callback?state=forged&code=stolen HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        ensure!(poke(&redirect, forged)? == 400);
        wait_text(env, "[data-testid=sign-in-error]", "not for this sign-in").await?;
        ensure!(
            env.find_all("[data-testid=auth-user]").await?.is_empty(),
            "signed in by a forged callback"
        );
        ensure!(
            listener_closed(&redirect).await?,
            "the listener is still up after its flow ended"
        );

        // The browser comes back with another sign-in's state.
        browser.does("tamper")?;
        click(env, "[data-testid=sign-in]").await?;
        browser.opened(2).await?;
        wait_text(env, "[data-testid=sign-in-error]", "not for this sign-in").await?;

        // The person refuses at the provider.
        browser.does("deny")?;
        click(env, "[data-testid=sign-in]").await?;
        browser.opened(3).await?;
        wait_text(env, "[data-testid=sign-in-error]", "access_denied").await?;
        crate::ui::axe(env, "sign-in-refused").await?;

        // The browser is closed and never comes back: the flow ends by itself.
        browser.does("never")?;
        click(env, "[data-testid=sign-in]").await?;
        browser.opened(4).await?;
        let started = Instant::now();
        wait_text(
            env,
            "[data-testid=sign-in-error]",
            "did not come back within 6 s",
        )
        .await?;
        ensure!(
            started.elapsed() < Duration::from_secs(15),
            "the timeout took {:?}",
            started.elapsed()
        );

        // And the person can cancel a flow.
        click(env, "[data-testid=sign-in]").await?;
        browser.opened(5).await?;
        click(env, "[data-testid=sign-in-cancel]").await?;
        wait_text(env, "[data-testid=sign-in-error]", "cancelled").await?;

        // At last a sign-in: with no keyring it holds for this session, and says so.
        browser.does("login")?;
        click(env, "[data-testid=sign-in]").await?;
        wait_text(env, "[data-testid=auth-user]", "Signed in as Test Person").await?;
        wait_text(env, "[data-testid=auth-session-only]", "this session only").await?;
        env.screenshot("signed-in-for-the-session").await;
        crate::ui::axe(env, "signed-in-for-the-session").await?;
        enter_frame(env, 0).await?;
        click(env, "#list").await?;
        let listed = report(env, "listed", |_| true).await?;
        ensure!(
            listed_names(&listed) == ["fetched-annual.txt", "quarterly.txt"],
            "{listed}"
        );
        env.client()?.enter_parent_frame().await?;

        // The hostile source next to it gets nothing of the signed-in one's.
        click(env, "[data-testid=source-tokenThief]").await?;
        enter_frame(env, 1).await?;
        let got = report(env, "done", |_| true).await?;
        env.client()?.enter_parent_frame().await?;
        ensure!(got["authType"] == "undefined", "{got}");
        let answers = got["answers"].as_array().context("answers")?;
        ensure!(answers.len() == 4, "{got}");
        for answer in answers {
            ensure!(answer["ok"] == false, "the thief got an answer: {got}");
        }
        ensure!(answers[0]["kind"] == "noAuth", "{got}");
        ensure!(answers[1]["kind"] == "badRequest", "{got}");
        let seen = oidc.seen().await?;
        for token in seen["tokens"].as_array().context("tokens")? {
            let token = token.as_str().unwrap_or_default();
            ensure!(!got.to_string().contains(token), "the thief holds a token");
        }
        Ok(())
    });
}
