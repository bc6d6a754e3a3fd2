//! Sign-in against a real OpenID provider (`oidc-provider`,
//! `tests/servers/oidc_server.mjs`, which requires PKCE of its native
//! client) and the file API it protects; the "browser" is the e2e tests'
//! `test_browser.mjs`, which logs in over HTTP and follows the redirect back
//! to the loopback listener. The keyring is stood in for by a `MemoryStore`
//! (named so): these tests are about the flow and the tokens; the window
//! tests use GNOME Keyring itself.

mod support;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use satchel_core::auth::{
    Authorizer, MemoryStore, OidcAuth, SecretStore, SignIns, SourceAuth, User,
};
use support::{servers_dir, ServerProcess};

struct Provider {
    server: ServerProcess,
    issuer: String,
    api: String,
}

async fn provider(ttl: u64) -> Provider {
    let server = ServerProcess::start("node", &["oidc_server.mjs", &format!("--access-ttl={ttl}")]);
    std::fs::write(server.storage.path().join("report.txt"), "the report\n").unwrap();
    let issuer = server.base();
    let api = reqwest::get(format!("{issuer}/__api"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    Provider {
        server,
        issuer,
        api,
    }
}

impl Provider {
    fn auth(&self, client_id: &str) -> SourceAuth {
        SourceAuth::Oidc(OidcAuth {
            issuer: self.issuer.clone(),
            client_id: client_id.into(),
            scopes: ["openid", "profile", "email", "offline_access", "files"]
                .map(String::from)
                .to_vec(),
            client_secret: None,
            params: Default::default(),
        })
    }

    async fn seen(&self) -> serde_json::Value {
        let body = reqwest::get(format!("{}/__seen", self.api))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        serde_json::from_str(&body).unwrap()
    }

    async fn refreshes(&self) -> u64 {
        self.seen().await["grants"]["refresh_token"]
            .as_u64()
            .unwrap()
    }

    /// What the API answers this token.
    async fn api_status(&self, token: &str) -> u16 {
        reqwest::Client::new()
            .get(format!("{}/files", self.api))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

type Opener = Arc<dyn Fn(&str) -> satchel_core::Result<()> + Send + Sync>;
/// The authorize URLs the browser was given.
type Opened = Arc<Mutex<Vec<url::Url>>>;

/// The test browser, opened the way Satchel opens the system browser; the
/// authorize URLs it was given are kept.
fn browser(mode: &str) -> (Opener, Opened) {
    let dir = tempfile::tempdir().unwrap().keep();
    let mode_file = dir.join("mode");
    std::fs::write(&mode_file, mode).unwrap();
    let script: PathBuf = servers_dir().join("../e2e/tools/test_browser.mjs");
    let opened = Arc::new(Mutex::new(vec![]));
    let seen = opened.clone();
    let open = move |url: &str| {
        seen.lock().unwrap().push(url::Url::parse(url).unwrap());
        let mut child = std::process::Command::new("node")
            .arg(&script)
            .arg(url)
            .env("TEST_BROWSER_MODE_FILE", &mode_file)
            .spawn()
            .map_err(|e| satchel_core::Error::SignIn {
                reason: e.to_string(),
            })?;
        std::thread::spawn(move || child.wait());
        Ok(())
    };
    (Arc::new(open), opened)
}

fn sign_ins(store: Arc<dyn SecretStore>, mode: &str) -> (SignIns, Opened, Arc<AtomicUsize>) {
    let (open, opened) = browser(mode);
    let changes = Arc::new(AtomicUsize::new(0));
    let counted = changes.clone();
    let on_change = Arc::new(move |_: &str| {
        counted.fetch_add(1, Ordering::SeqCst);
    });
    let signs = SignIns::new(store, true, open, on_change)
        .unwrap()
        .with_timeout(Duration::from_secs(20));
    (signs, opened, changes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signs_in_with_pkce_and_refreshes_once_before_expiry() {
    let provider = provider(6).await;
    let store = Arc::new(MemoryStore::default());
    let (signs, opened, changes) = sign_ins(store.clone(), "login");
    signs.register(
        "cloud",
        "Cloud",
        provider.auth("satchel-test"),
        vec![provider.api.clone()],
    );
    let status = signs.status("cloud").await.unwrap();
    assert!(!status.signed_in && !status.signing_in);
    assert_eq!(signs.token("cloud").await.unwrap_err().kind(), "signedOut");

    let user = signs.sign_in("cloud").await.unwrap();
    assert_eq!(
        user,
        Some(User {
            name: Some("Test Person".into()),
            email: Some("tester@example.test".into())
        })
    );
    assert!(
        changes.load(Ordering::SeqCst) >= 2,
        "the pane heard of the start and the end"
    );
    // What went to the browser: PKCE S256, a random state, the loopback redirect.
    let asked = opened.lock().unwrap()[0].clone();
    let param = |name: &str| {
        asked
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    assert_eq!(param("code_challenge_method"), "S256");
    assert_eq!(param("code_challenge").len(), 43, "a SHA-256, base64url");
    assert!(param("state").len() >= 16);
    assert_eq!(param("prompt"), "consent", "offline_access needs consent");
    let redirect = url::Url::parse(&param("redirect_uri")).unwrap();
    assert_eq!(
        (redirect.host_str(), redirect.path()),
        (Some("127.0.0.1"), "/callback")
    );

    let first = signs.token("cloud").await.unwrap();
    assert_eq!(provider.api_status(first.expose()).await, 200);
    assert_eq!(
        signs.token("cloud").await.unwrap(),
        first,
        "still fresh: no refresh"
    );
    assert_eq!(provider.refreshes().await, 0);

    // Six seconds of life, a quarter's margin: after 4.5 s it is refreshed.
    tokio::time::sleep(Duration::from_millis(4700)).await;
    let both = futures_util::future::join_all((0..5).map(|_| signs.token("cloud"))).await;
    let second = both[0].as_ref().unwrap().clone();
    assert_ne!(second, first);
    assert!(
        both.iter().all(|t| t.as_ref().ok() == Some(&second)),
        "one refresh, shared"
    );
    assert_eq!(provider.refreshes().await, 1);
    assert_eq!(provider.api_status(second.expose()).await, 200);
    // The refresh token is kept (the store stands in for the keyring), and
    // no access token is among what is kept.
    let kept = store.load("source:cloud").unwrap().unwrap();
    assert!(!kept.contains(first.expose()) && !kept.contains(second.expose()));

    // Rust's side: the token goes only to the source's own connect origins.
    let bearer = signs
        .bearer("cloud", &format!("{}/files/report.txt", provider.api))
        .await;
    assert_eq!(bearer.unwrap(), Some(second.clone()));
    assert_eq!(
        signs
            .bearer("cloud", "https://elsewhere.example/x")
            .await
            .unwrap(),
        None
    );
    assert_eq!(signs.bearer("other", &provider.api).await.unwrap(), None);
    drop(provider.server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_sign_in_serves_the_same_provider_only_and_sign_out_removes_it() {
    let provider = provider(60).await;
    let store = Arc::new(MemoryStore::default());
    let (first_run, _, _) = sign_ins(store.clone(), "login");
    first_run.register(
        "cloud",
        "Cloud",
        provider.auth("satchel-test"),
        vec![provider.api.clone()],
    );
    first_run.sign_in("cloud").await.unwrap();
    drop(first_run);

    // The next run starts signed in, from the kept refresh token.
    let (next_run, opened, _) = sign_ins(store.clone(), "never");
    next_run.register(
        "cloud",
        "Cloud",
        provider.auth("satchel-test"),
        vec![provider.api.clone()],
    );
    let status = next_run.status("cloud").await.unwrap();
    assert!(status.signed_in);
    assert_eq!(status.user.unwrap().name.as_deref(), Some("Test Person"));
    let token = next_run.token("cloud").await.unwrap();
    assert_eq!(provider.api_status(token.expose()).await, 200);
    assert!(opened.lock().unwrap().is_empty(), "no browser needed");

    // A source that took the name but signs in with another client finds nothing.
    let (other, _, _) = sign_ins(store.clone(), "never");
    other.register(
        "cloud",
        "Cloud",
        provider.auth("someone-else"),
        vec![provider.api.clone()],
    );
    assert!(!other.status("cloud").await.unwrap().signed_in);
    assert_eq!(other.token("cloud").await.unwrap_err().kind(), "signedOut");

    next_run.sign_out("cloud").await.unwrap();
    assert!(store.load("source:cloud").unwrap().is_none());
    assert!(!next_run.status("cloud").await.unwrap().signed_in);
    let err = next_run.token("cloud").await.unwrap_err();
    assert_eq!(err.kind(), "signedOut");
    assert!(err.to_string().contains("Cloud is signed out"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_token_the_provider_revoked_signs_the_source_out() {
    let provider = provider(2).await;
    let store = Arc::new(MemoryStore::default());
    let (signs, _, _) = sign_ins(store.clone(), "login");
    signs.register(
        "cloud",
        "Cloud",
        provider.auth("satchel-test"),
        vec![provider.api.clone()],
    );
    signs.sign_in("cloud").await.unwrap();
    let kept: serde_json::Value =
        serde_json::from_str(&store.load("source:cloud").unwrap().unwrap()).unwrap();
    let refresh = kept["refresh"].as_str().unwrap();
    let revoked = reqwest::Client::new()
        .post(format!("{}/token/revocation", provider.issuer))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!(
            "token={}&client_id=satchel-test",
            percent_encoding::utf8_percent_encode(refresh, percent_encoding::NON_ALPHANUMERIC)
        ))
        .send()
        .await
        .unwrap();
    assert!(revoked.status().is_success(), "{}", revoked.status());
    tokio::time::sleep(Duration::from_millis(1700)).await;
    let err = signs.token("cloud").await.unwrap_err();
    assert_eq!(err.kind(), "signedOut", "{err}");
    let status = signs.status("cloud").await.unwrap();
    assert!(!status.signed_in);
    assert_eq!(status.error.unwrap().kind, "signedOut");
    assert!(
        store.load("source:cloud").unwrap().is_none(),
        "nothing stale is kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_at_the_provider_is_the_flows_error() {
    let provider = provider(60).await;
    let (signs, _, _) = sign_ins(Arc::new(MemoryStore::default()), "deny");
    signs.register("cloud", "Cloud", provider.auth("satchel-test"), vec![]);
    let err = signs.sign_in("cloud").await.unwrap_err();
    assert_eq!(err.kind(), "signInDenied");
    assert!(err.to_string().contains("access_denied"), "{err}");
    let status = signs.status("cloud").await.unwrap();
    assert!(!status.signed_in && !status.signing_in);
    assert_eq!(status.error.unwrap().kind, "signInDenied");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_remember_sign_in_off_nothing_is_kept() {
    let provider = provider(60).await;
    let store = Arc::new(MemoryStore::default());
    let (open, _) = browser("login");
    let signs = SignIns::new(store.clone(), false, open, Arc::new(|_: &str| {})).unwrap();
    signs.register("cloud", "Cloud", provider.auth("satchel-test"), vec![]);
    signs.sign_in("cloud").await.unwrap();
    let status = signs.status("cloud").await.unwrap();
    assert!(status.signed_in);
    assert_eq!(status.keeping, satchel_core::auth::Keeping::NotRemembered);
    assert!(
        store.load("source:cloud").unwrap().is_none(),
        "rememberSignIn = false keeps nothing"
    );
    let token = signs.token("cloud").await.unwrap();
    assert_eq!(provider.api_status(token.expose()).await, 200);
}
