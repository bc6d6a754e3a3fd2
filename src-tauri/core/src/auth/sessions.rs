//! Every source's sign-in for this run: its tokens in memory, its refresh
//! token in the keyring (unless `rememberSignIn = false`, or no keyring
//! answers), the flow running for it, and what its pane should say.
//!
//! When working on this file, keep in mind:
//! - sessions are found by the source's name, which the registry takes from
//!   the frame, so a source reaches its own tokens only;
//! - one refresh at a time per source (the tokens' lock is held across it),
//!   so requests that find the token stale share the new one;
//! - the keyring is a D-Bus service that may not answer: every call to it is
//!   off the async threads and bounded by [`KEYRING_WAIT`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;

use super::flow::{self, Endpoints, Tokens};
use super::store::{account, SecretStore};
use super::{FlowOptions, Secret, SourceAuth, SIGN_IN_TIMEOUT};
use crate::{Error, ErrorInfo, Result};

/// How long a keyring call may take before the keyring counts as absent.
const KEYRING_WAIT: Duration = Duration::from_secs(5);

/// Who signed in, as the OpenID provider says (`actions.auth.user`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct User {
    pub name: Option<String>,
    pub email: Option<String>,
}

/// Where a source's sign-in is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Keeping {
    /// In the OS keyring: the next run starts signed in.
    Keyring,
    /// In memory: no keyring answered (`reason`).
    Session { reason: String },
    /// In memory: the policy's `rememberSignIn = false`.
    NotRemembered,
}

/// What a source's pane shows about its sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuthStatus {
    pub signed_in: bool,
    pub signing_in: bool,
    pub user: Option<User>,
    pub keeping: Keeping,
    /// Why the last sign-in (or refresh) failed, until the next one starts.
    pub error: Option<ErrorInfo>,
}

/// Adds a source's token to what Rust fetches for it.
#[async_trait::async_trait]
pub trait Authorizer: Send + Sync {
    /// The bearer token for a request `source` has Satchel make to `url`:
    /// `None` when the source has no sign-in or `url` is not on one of its
    /// `connect` origins; an error when it should be signed in and is not.
    async fn bearer(&self, source: &str, url: &str) -> Result<Option<Secret>>;
}

/// What the keyring holds for one source.
#[derive(Serialize, Deserialize)]
struct Kept {
    identity: String,
    refresh: Secret,
    user: Option<User>,
}

#[derive(Default)]
struct Held {
    tokens: Option<Tokens>,
    refresh: Option<Secret>,
}

struct Session {
    name: String,
    label: String,
    auth: SourceAuth,
    connect: Vec<String>,
    loaded: OnceCell<()>,
    endpoints: OnceCell<Endpoints>,
    held: tokio::sync::Mutex<Held>,
    signed_in: AtomicBool,
    user: Mutex<Option<User>>,
    /// The running flow: its number and how to stop it.
    flow: Mutex<Option<(u64, CancellationToken)>>,
    error: Mutex<Option<ErrorInfo>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

type Opener = dyn Fn(&str) -> Result<()> + Send + Sync;
type OnChange = dyn Fn(&str) + Send + Sync;

/// The sign-ins of this run, by source name.
pub struct SignIns {
    http: reqwest::Client,
    store: Arc<dyn SecretStore>,
    remember: bool,
    /// Why the keyring cannot be used, once a call to it failed.
    keyring_down: Mutex<Option<String>>,
    timeout: Duration,
    lang: String,
    opener: Arc<Opener>,
    on_change: Arc<OnChange>,
    sessions: Mutex<HashMap<String, Arc<Session>>>,
    flows: AtomicU64,
}

impl SignIns {
    /// `opener` shows a URL in the system browser; `on_change` hears the
    /// name of a source whose status changed.
    pub fn new(
        store: Arc<dyn SecretStore>,
        remember: bool,
        opener: Arc<Opener>,
        on_change: Arc<OnChange>,
    ) -> Result<Self> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(15))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("Satchel/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Internal(e.to_string()))?;
        Ok(SignIns {
            http,
            store,
            remember,
            keyring_down: Mutex::new(None),
            timeout: SIGN_IN_TIMEOUT,
            lang: "en".into(),
            opener,
            on_change,
            sessions: Mutex::new(HashMap::new()),
            flows: AtomicU64::new(0),
        })
    }

    /// How long a flow waits for the browser (5 minutes unless a test says).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The language of the page the browser shows at the end of a flow.
    pub fn with_lang(mut self, lang: &str) -> Self {
        self.lang = lang.to_owned();
        self
    }

    /// A source that loaded under `name`, with the `auth` and `connect` of
    /// its config entry. A name registers once.
    pub fn register(&self, name: &str, label: &str, auth: SourceAuth, connect: Vec<String>) {
        lock(&self.sessions)
            .entry(name.to_owned())
            .or_insert_with(|| {
                Arc::new(Session {
                    name: name.to_owned(),
                    label: label.to_owned(),
                    auth,
                    connect,
                    loaded: OnceCell::new(),
                    endpoints: OnceCell::new(),
                    held: tokio::sync::Mutex::new(Held::default()),
                    signed_in: AtomicBool::new(false),
                    user: Mutex::new(None),
                    flow: Mutex::new(None),
                    error: Mutex::new(None),
                })
            });
    }

    /// Whether `name` signs in at all.
    pub fn has(&self, name: &str) -> bool {
        lock(&self.sessions).contains_key(name)
    }

    fn session(&self, name: &str) -> Result<Arc<Session>> {
        lock(&self.sessions)
            .get(name)
            .cloned()
            .ok_or_else(|| Error::NoAuth {
                source_name: name.to_owned(),
            })
    }

    fn keeping(&self) -> Keeping {
        if !self.remember {
            return Keeping::NotRemembered;
        }
        match lock(&self.keyring_down).clone() {
            Some(reason) => Keeping::Session { reason },
            None => Keeping::Keyring,
        }
    }

    /// What the pane shows; the first call for a source reads the keyring.
    pub async fn status(&self, name: &str) -> Result<AuthStatus> {
        let session = self.session(name)?;
        self.load(&session).await;
        let signing_in = lock(&session.flow).is_some();
        let user = lock(&session.user).clone();
        let error = lock(&session.error).clone();
        Ok(AuthStatus {
            signed_in: session.signed_in.load(Ordering::SeqCst),
            signing_in,
            user,
            keeping: self.keeping(),
            error,
        })
    }

    /// A keyring call off the async threads, bounded; a failure marks the
    /// keyring as absent for the rest of the run.
    async fn keyring<T: Send + 'static>(
        &self,
        call: impl FnOnce(&dyn SecretStore) -> Result<T> + Send + 'static,
    ) -> Option<T> {
        if !self.remember || lock(&self.keyring_down).is_some() {
            return None;
        }
        let store = self.store.clone();
        let outcome = tokio::time::timeout(
            KEYRING_WAIT,
            tokio::task::spawn_blocking(move || call(&*store)),
        )
        .await;
        let failure = match outcome {
            Ok(Ok(Ok(value))) => return Some(value),
            Ok(Ok(Err(Error::Keyring { reason }))) => reason,
            Ok(Ok(Err(e))) => e.to_string(),
            Ok(Err(e)) => format!("the keyring call stopped: {e}"),
            Err(_) => format!("no answer within {} s", KEYRING_WAIT.as_secs()),
        };
        *lock(&self.keyring_down) = Some(failure);
        None
    }

    /// Reads what the keyring kept for this source, once.
    async fn load(&self, session: &Arc<Session>) {
        session
            .loaded
            .get_or_init(|| async {
                let key = account(&session.name);
                let Some(Some(text)) = self.keyring(move |s| s.load(&key)).await else {
                    return;
                };
                // Another provider's or client's tokens (the name was reused): not ours.
                let Ok(kept) = serde_json::from_str::<Kept>(&text) else {
                    return;
                };
                if kept.identity != session.auth.identity() {
                    return;
                }
                let mut held = session.held.lock().await;
                held.refresh = Some(kept.refresh);
                session.signed_in.store(true, Ordering::SeqCst);
                *lock(&session.user) = kept.user;
            })
            .await;
    }

    async fn endpoints(&self, session: &Session) -> Result<Endpoints> {
        session
            .endpoints
            .get_or_try_init(|| Endpoints::of(&session.auth, &self.http))
            .await
            .cloned()
    }

    /// Runs a sign-in for `name` in the system browser; one started before
    /// for the same source is stopped.
    pub async fn sign_in(&self, name: &str) -> Result<Option<User>> {
        let session = self.session(name)?;
        self.load(&session).await;
        let number = self.flows.fetch_add(1, Ordering::SeqCst);
        let cancel = CancellationToken::new();
        if let Some((_, older)) = lock(&session.flow).replace((number, cancel.clone())) {
            older.cancel();
        }
        *lock(&session.error) = None;
        (self.on_change)(name);
        let outcome = self.run_flow(&session, cancel).await;
        let ours = {
            let mut flow = lock(&session.flow);
            let ours = flow.as_ref().is_some_and(|(n, _)| *n == number);
            if ours {
                *flow = None;
            }
            ours
        };
        let outcome = match outcome {
            Ok((tokens, user)) => {
                self.keep(name, &session, tokens, user.clone()).await;
                Ok(user)
            }
            Err(e) => {
                if ours {
                    *lock(&session.error) = Some(e.info());
                }
                Err(e)
            }
        };
        (self.on_change)(name);
        outcome
    }

    async fn run_flow(
        &self,
        session: &Session,
        cancel: CancellationToken,
    ) -> Result<(Tokens, Option<User>)> {
        let endpoints = self.endpoints(session).await?;
        let options = FlowOptions {
            timeout: self.timeout,
            lang: self.lang.clone(),
            cancel,
        };
        flow::sign_in(
            &session.auth,
            &endpoints,
            &self.http,
            &*self.opener,
            options,
        )
        .await
    }

    /// Holds new tokens, and keeps the refresh token in the keyring.
    async fn keep(
        &self,
        name: &str,
        session: &Arc<Session>,
        mut tokens: Tokens,
        user: Option<User>,
    ) {
        let mut held = session.held.lock().await;
        if let Some(refresh) = tokens.refresh.take() {
            held.refresh = Some(refresh);
        }
        held.tokens = Some(tokens);
        session.signed_in.store(true, Ordering::SeqCst);
        if user.is_some() {
            *lock(&session.user) = user;
        }
        if let Some(refresh) = held.refresh.clone() {
            let kept = Kept {
                identity: session.auth.identity(),
                refresh,
                user: lock(&session.user).clone(),
            };
            if let Ok(text) = serde_json::to_string(&kept) {
                let key = account(name);
                self.keyring(move |s| s.save(&key, &text)).await;
            }
        }
    }

    /// Stops a running flow for `name` (the person closed it); the flow
    /// ends with `signInCancelled`, which the pane shows.
    pub fn cancel(&self, name: &str) -> Result<()> {
        let session = self.session(name)?;
        if let Some((_, cancel)) = lock(&session.flow).as_ref() {
            cancel.cancel();
        }
        Ok(())
    }

    /// Forgets `name`'s tokens, in memory and in the keyring.
    pub async fn sign_out(&self, name: &str) -> Result<()> {
        let session = self.session(name)?;
        if let Some((_, cancel)) = lock(&session.flow).take() {
            cancel.cancel();
        }
        self.load(&session).await;
        self.drop_tokens(name, &session).await;
        *lock(&session.error) = None;
        (self.on_change)(name);
        Ok(())
    }

    async fn drop_tokens(&self, name: &str, session: &Session) {
        let mut held = session.held.lock().await;
        *held = Held::default();
        session.signed_in.store(false, Ordering::SeqCst);
        *lock(&session.user) = None;
        let key = account(name);
        self.keyring(move |s| s.delete(&key)).await;
    }

    /// The user a source signed in as, if known.
    pub fn user(&self, name: &str) -> Option<User> {
        let session = self.session(name).ok()?;
        let user = lock(&session.user).clone();
        user
    }

    /// `name`'s access token, refreshed first when it is about to expire.
    /// Signed out (or a refresh token the provider refused): `signedOut`.
    pub async fn token(&self, name: &str) -> Result<Secret> {
        let session = self.session(name)?;
        self.load(&session).await;
        let signed_out = || Error::SignedOut {
            source_name: session.label.clone(),
        };
        let mut held = session.held.lock().await;
        if let Some(tokens) = &held.tokens {
            if tokens.fresh_at(Instant::now()) {
                return Ok(tokens.access.clone());
            }
        }
        let Some(refresh) = held.refresh.clone() else {
            return Err(signed_out());
        };
        let endpoints = self.endpoints(&session).await?;
        match flow::refresh(&session.auth, &endpoints, &self.http, &refresh).await {
            Ok(mut tokens) => {
                let access = tokens.access.clone();
                let rotated = tokens.refresh.take();
                held.tokens = Some(tokens);
                if let Some(rotated) = rotated {
                    held.refresh = Some(rotated.clone());
                    let kept = Kept {
                        identity: session.auth.identity(),
                        refresh: rotated,
                        user: lock(&session.user).clone(),
                    };
                    drop(held);
                    if let Ok(text) = serde_json::to_string(&kept) {
                        let key = account(name);
                        self.keyring(move |s| s.save(&key, &text)).await;
                    }
                }
                Ok(access)
            }
            Err(Error::SignedOut { .. }) => {
                drop(held);
                self.drop_tokens(name, &session).await;
                let err = signed_out();
                *lock(&session.error) = Some(err.info());
                (self.on_change)(name);
                Err(err)
            }
            Err(e) => Err(e),
        }
    }

    /// Removes what the keyring keeps for `name` (`satchel sources signout`).
    pub fn forget_kept(store: &dyn SecretStore, name: &str) -> Result<bool> {
        store.delete(&account(name))
    }
}

#[async_trait::async_trait]
impl Authorizer for SignIns {
    async fn bearer(&self, source: &str, url: &str) -> Result<Option<Secret>> {
        let Ok(session) = self.session(source) else {
            return Ok(None);
        };
        let origin = url::Url::parse(url)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default();
        if !session.connect.contains(&origin) {
            return Ok(None);
        }
        self.token(source).await.map(Some)
    }
}
