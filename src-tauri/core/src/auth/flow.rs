//! One sign-in: the provider's endpoints, the authorize URL (PKCE S256 and a
//! random `state`), the loopback listener the browser comes back to, the
//! code exchange, and later refreshes.
//!
//! When working on this file, keep in mind:
//! - the listener answers only `GET /callback`; a request with an `Origin`
//!   header (a page or frame posting to the port, not the browser following
//!   the provider's redirect) is refused and the flow goes on waiting;
//! - a callback whose `state` is not this flow's ends the flow without a
//!   sign-in: the code it carries is never exchanged;
//! - errors are built from the provider's error code and description, never
//!   from a token response's body.

use std::time::{Duration, Instant};

use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    ExtraTokenFields, PkceCodeChallenge, RedirectUrl, RefreshToken, RequestTokenError, Scope,
    StandardRevocableToken, StandardTokenResponse, TokenResponse, TokenUrl,
};
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use super::{check_endpoint, Secret, SourceAuth, User};
use crate::error::redact;
use crate::{Error, Result};

/// How long the listener waits for the browser to come back.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);
/// The longest answer read from a provider (discovery, tokens, userinfo).
const MAX_ANSWER: usize = 256 * 1024;

/// Where a provider signs people in and hands out tokens.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub authorize: url::Url,
    pub token: url::Url,
    pub userinfo: Option<url::Url>,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    #[serde(default)]
    userinfo_endpoint: Option<String>,
}

impl Endpoints {
    /// The endpoints as configured, or as the OpenID provider publishes them.
    pub async fn of(auth: &SourceAuth, http: &reqwest::Client) -> Result<Endpoints> {
        let endpoint = |key: &str, raw: &str| {
            check_endpoint(raw).map_err(|why| Error::AuthConfig {
                reason: format!("{key} {}: {why}", redact(raw)),
            })
        };
        match auth {
            SourceAuth::OAuth2(a) => Ok(Endpoints {
                authorize: endpoint("authorize", &a.authorize)?,
                token: endpoint("token", &a.token)?,
                userinfo: None,
            }),
            SourceAuth::Oidc(a) => {
                let issuer = a.issuer.trim_end_matches('/');
                let url = format!("{issuer}/.well-known/openid-configuration");
                let body = get(http, &url, None).await?;
                let found: Discovery =
                    serde_json::from_slice(&body).map_err(|e| Error::SignIn {
                        reason: format!("{url} is not an OpenID configuration: {e}"),
                    })?;
                // OpenID Connect Discovery 1.0, 4.3: the issuer must be the one asked.
                if found.issuer.trim_end_matches('/') != issuer {
                    return Err(Error::SignIn {
                        reason: format!(
                            "{url} names the issuer {:?}, not {issuer:?}",
                            redact(&found.issuer)
                        ),
                    });
                }
                Ok(Endpoints {
                    authorize: endpoint("authorization_endpoint", &found.authorization_endpoint)?,
                    token: endpoint("token_endpoint", &found.token_endpoint)?,
                    userinfo: match found.userinfo_endpoint {
                        Some(u) => Some(endpoint("userinfo_endpoint", &u)?),
                        None => None,
                    },
                })
            }
        }
    }
}

/// What a finished sign-in or refresh hands back.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access: Secret,
    pub refresh: Option<Secret>,
    /// When the access token stops working, if the provider said.
    pub expires_at: Option<Instant>,
    pub lifetime: Option<Duration>,
}

impl Tokens {
    fn of<R: TokenResponse>(response: &R, now: Instant) -> Tokens {
        let lifetime = response.expires_in();
        Tokens {
            access: Secret::new(response.access_token().secret().clone()),
            refresh: response
                .refresh_token()
                .map(|r| Secret::new(r.secret().clone())),
            expires_at: lifetime.map(|l| now + l),
            lifetime,
        }
    }

    /// Whether the access token may still be used at `now`: it is refreshed
    /// a little before it expires (a quarter of its life, at most a minute),
    /// so a request never leaves with a token about to lapse.
    pub fn fresh_at(&self, now: Instant) -> bool {
        match (self.expires_at, self.lifetime) {
            (Some(at), Some(lifetime)) => now + refresh_margin(lifetime) < at,
            _ => true,
        }
    }
}

fn refresh_margin(lifetime: Duration) -> Duration {
    (lifetime / 4).min(Duration::from_secs(60))
}

/// What a flow needs besides the source's `auth`.
#[derive(Debug, Clone)]
pub struct FlowOptions {
    /// How long to wait for the browser to come back.
    pub timeout: Duration,
    /// The language of the page the browser is shown at the end.
    pub lang: String,
    /// Stops the flow (the person cancelled, or started another).
    pub cancel: CancellationToken,
}

/// An OpenID provider's token answer also carries the ID token.
#[derive(Debug, Clone, Default, serde::Serialize, Deserialize)]
struct IdTokenField {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
}

impl ExtraTokenFields for IdTokenField {}

type Answer = StandardTokenResponse<IdTokenField, BasicTokenType>;

type Configured = oauth2::Client<
    BasicErrorResponse,
    Answer,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

fn client(auth: &SourceAuth, endpoints: &Endpoints) -> Configured {
    let client = oauth2::Client::<
        BasicErrorResponse,
        Answer,
        BasicTokenIntrospectionResponse,
        StandardRevocableToken,
        BasicRevocationErrorResponse,
    >::new(ClientId::new(auth.client_id().to_owned()))
    .set_auth_uri(AuthUrl::from_url(endpoints.authorize.clone()))
    .set_token_uri(TokenUrl::from_url(endpoints.token.clone()));
    match auth.client_secret() {
        Some(secret) => client.set_client_secret(ClientSecret::new(secret.to_owned())),
        None => client,
    }
}

/// Signs in: opens the authorize URL with `open` (the system browser),
/// waits for the redirect to the loopback listener, exchanges the code.
pub async fn sign_in(
    auth: &SourceAuth,
    endpoints: &Endpoints,
    http: &reqwest::Client,
    open: &(dyn Fn(&str) -> Result<()> + Send + Sync),
    options: FlowOptions,
) -> Result<(Tokens, Option<User>)> {
    let callback = Callback::bind()?;
    let redirect =
        RedirectUrl::new(callback.redirect_uri()).map_err(|e| Error::Internal(e.to_string()))?;
    let client = client(auth, endpoints).set_redirect_uri(redirect);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge)
        .add_scopes(auth.scopes().iter().map(|s| Scope::new(s.clone())));
    // OpenID Connect Core 11: a refresh token (offline_access) is granted
    // only with the person's consent asked for.
    if auth.scopes().iter().any(|s| s == "offline_access") && !auth.params().contains_key("prompt")
    {
        request = request.add_extra_param("prompt", "consent");
    }
    for (name, value) in auth.params() {
        request = request.add_extra_param(name.clone(), value.clone());
    }
    let (url, state) = request.url();
    open(url.as_str())?;
    let state = state.secret().clone();
    let code = tokio::task::spawn_blocking(move || callback.wait(&state, &options))
        .await
        .map_err(|e| Error::Internal(format!("the sign-in listener stopped: {e}")))??;
    let send = |request| send(http.clone(), request);
    let response = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&send)
        .await
        .map_err(|e| token_error(e, false))?;
    let tokens = Tokens::of(&response, Instant::now());
    let from_id_token = response
        .extra_fields()
        .id_token
        .as_deref()
        .and_then(id_token_user);
    let user = match (&from_id_token, &endpoints.userinfo) {
        (Some(_), _) => from_id_token,
        (None, Some(userinfo)) if auth.scopes().iter().any(|s| s == "openid") => {
            user_info(http, userinfo, &tokens.access).await
        }
        _ => None,
    };
    Ok((tokens, user))
}

/// A new access token for a refresh token. A refresh token the provider
/// no longer honours (`invalid_grant`) means the source is signed out.
pub async fn refresh(
    auth: &SourceAuth,
    endpoints: &Endpoints,
    http: &reqwest::Client,
    refresh: &Secret,
) -> Result<Tokens> {
    let send = |request| send(http.clone(), request);
    let response = client(auth, endpoints)
        .exchange_refresh_token(&RefreshToken::new(refresh.expose().to_owned()))
        .request_async(&send)
        .await
        .map_err(|e| token_error(e, true))?;
    Ok(Tokens::of(&response, Instant::now()))
}

/// The provider's refusal by its error code and description; never a body
/// (a token answer that did not parse may hold tokens).
fn token_error<RE: std::error::Error + 'static, T: oauth2::ErrorResponse + 'static>(
    error: RequestTokenError<RE, T>,
    refreshing: bool,
) -> Error {
    match error {
        RequestTokenError::ServerResponse(answer) => {
            let code = serde_json::to_value(&answer)
                .ok()
                .and_then(|v| {
                    let code = v.get("error")?.as_str()?.to_owned();
                    let said = v
                        .get("error_description")
                        .and_then(|d| d.as_str())
                        .map(|d| format!(": {}", d.chars().take(200).collect::<String>()))
                        .unwrap_or_default();
                    Some((code, said))
                })
                .unwrap_or_else(|| ("unknown error".into(), String::new()));
            if refreshing && code.0 == "invalid_grant" {
                return Error::SignedOut {
                    source_name: String::new(),
                };
            }
            Error::SignIn {
                reason: redact(&format!("the token endpoint refused: {}{}", code.0, code.1)),
            }
        }
        RequestTokenError::Request(e) => Error::SignIn {
            reason: redact(&format!("cannot reach the token endpoint: {e}")),
        },
        RequestTokenError::Parse(_, _) => Error::SignIn {
            reason: "the token endpoint's answer could not be read".into(),
        },
        RequestTokenError::Other(why) => Error::SignIn {
            reason: redact(&why),
        },
    }
}

/// oauth2's requests, sent with Satchel's client; answers bounded.
async fn send(
    client: reqwest::Client,
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse> {
    let (parts, body) = request.into_parts();
    let url = parts.uri.to_string();
    let response = client
        .request(parts.method, &url)
        .headers(parts.headers)
        .body(body)
        .send()
        .await
        .map_err(|e| Error::network(&url, &e))?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = bounded_body(response, &url).await?;
    let mut answer = http::Response::new(body);
    *answer.status_mut() = status;
    *answer.headers_mut() = headers;
    Ok(answer)
}

async fn bounded_body(mut response: reqwest::Response, url: &str) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| Error::network(url, &e))?
    {
        if body.len() + chunk.len() > MAX_ANSWER {
            return Err(Error::Protocol {
                url: redact(url),
                reason: format!("an answer over {MAX_ANSWER} bytes"),
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A GET of a provider's JSON, optionally with a bearer token.
async fn get(http: &reqwest::Client, url: &str, bearer: Option<&Secret>) -> Result<Vec<u8>> {
    let mut request = http.get(url).header("Accept", "application/json");
    if let Some(token) = bearer {
        request = request.bearer_auth(token.expose());
    }
    let response = request.send().await.map_err(|e| Error::network(url, &e))?;
    let status = response.status();
    if !status.is_success() {
        return Err(Error::HttpStatus {
            url: redact(url),
            status: status.as_u16(),
            body: String::new(),
            retry_after: None,
        });
    }
    bounded_body(response, url).await
}

#[derive(Deserialize)]
struct Claims {
    name: Option<String>,
    email: Option<String>,
    preferred_username: Option<String>,
}

impl Claims {
    fn user(self) -> Option<User> {
        let clean = |s: String| {
            s.chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect::<String>()
        };
        let user = User {
            name: self.name.or(self.preferred_username).map(clean),
            email: self.email.map(clean),
        };
        (user.name.is_some() || user.email.is_some()).then_some(user)
    }
}

/// The name and email an ID token states. It came straight from the token
/// endpoint over the connection Satchel opened (OpenID Connect Core
/// 3.1.3.7: TLS stands in for its signature there), and only names the
/// person in the pane: nothing is granted on its word.
fn id_token_user(id_token: &str) -> Option<User> {
    use base64::Engine;
    let payload = id_token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice::<Claims>(&bytes).ok()?.user()
}

/// The person's name and email from the provider's userinfo endpoint, when
/// it answers; a sign-in does not fail for lack of them.
async fn user_info(http: &reqwest::Client, url: &url::Url, access: &Secret) -> Option<User> {
    let body = get(http, url.as_str(), Some(access)).await.ok()?;
    serde_json::from_slice::<Claims>(&body).ok()?.user()
}

/// The loopback listener a flow's redirect comes back to, up only while
/// the flow runs (dropped with it).
pub(crate) struct Callback {
    server: tiny_http::Server,
    port: u16,
}

/// How often the listener looks at its cancel token and deadline.
const POLL: Duration = Duration::from_millis(200);

impl Callback {
    pub(crate) fn bind() -> Result<Callback> {
        let server = tiny_http::Server::http("127.0.0.1:0").map_err(|e| Error::SignIn {
            reason: format!("cannot listen on 127.0.0.1 for the browser to come back: {e}"),
        })?;
        let port = server
            .server_addr()
            .to_ip()
            .map(|a| a.port())
            .ok_or_else(|| Error::Internal("the sign-in listener has no port".into()))?;
        Ok(Callback { server, port })
    }

    pub(crate) fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}/callback", self.port)
    }

    /// Waits for the browser: the code of a callback carrying `state`, or
    /// why there is none. Blocking; returns by `options.timeout` at the latest.
    pub(crate) fn wait(&self, state: &str, options: &FlowOptions) -> Result<String> {
        let deadline = Instant::now() + options.timeout;
        loop {
            if options.cancel.is_cancelled() {
                return Err(Error::SignInCancelled);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::SignInTimeout {
                    seconds: options.timeout.as_secs(),
                });
            }
            let request = match self.server.recv_timeout(left.min(POLL)) {
                Ok(Some(request)) => request,
                Ok(None) => continue,
                Err(e) => {
                    return Err(Error::SignIn {
                        reason: format!("the sign-in listener failed: {e}"),
                    })
                }
            };
            match judge(&request, state) {
                Verdict::Ignore(status) => {
                    let _ = request.respond(tiny_http::Response::empty(status));
                }
                Verdict::Done(outcome) => {
                    let page = callback_page(&options.lang, outcome.as_ref().err());
                    let header = tiny_http::Header::from_bytes(
                        &b"Content-Type"[..],
                        &b"text/html; charset=utf-8"[..],
                    )
                    .expect("a valid header");
                    let status = if outcome.is_ok() { 200 } else { 400 };
                    let _ = request.respond(
                        tiny_http::Response::from_string(page)
                            .with_header(header)
                            .with_status_code(status),
                    );
                    return outcome;
                }
            }
        }
    }
}

enum Verdict {
    /// Not the browser coming back: answered with this status, and waited on.
    Ignore(u16),
    Done(Result<String>),
}

fn judge(request: &tiny_http::Request, state: &str) -> Verdict {
    if *request.method() != tiny_http::Method::Get {
        return Verdict::Ignore(405);
    }
    // The provider's redirect is a top-level navigation, which carries no
    // Origin; a script or frame posting here does.
    if request.headers().iter().any(|h| h.field.equiv("Origin")) {
        return Verdict::Ignore(403);
    }
    let Ok(url) = url::Url::parse(&format!("http://127.0.0.1{}", request.url())) else {
        return Verdict::Ignore(400);
    };
    if url.path() != "/callback" {
        return Verdict::Ignore(404);
    }
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    if param("state").as_deref() != Some(state) {
        return Verdict::Done(Err(Error::SignInState));
    }
    if let Some(error) = param("error") {
        let clean =
            |s: String| -> String { s.chars().filter(|c| !c.is_control()).take(200).collect() };
        return Verdict::Done(Err(Error::SignInDenied {
            error: clean(error),
            description: param("error_description").map(clean).unwrap_or_default(),
        }));
    }
    match param("code") {
        Some(code) if !code.is_empty() => Verdict::Done(Ok(code)),
        _ => Verdict::Done(Err(Error::SignIn {
            reason: "the provider came back without a code".into(),
        })),
    }
}

/// The short page the browser shows once it is back, in the person's
/// language (English, German).
pub fn callback_page(lang: &str, error: Option<&Error>) -> String {
    let german = lang.to_ascii_lowercase().starts_with("de");
    let (title, body) = match (error, german) {
        (None, false) => (
            "Signed in".to_owned(),
            "You are signed in. You can close this tab and go back to Satchel.".to_owned(),
        ),
        (None, true) => (
            "Angemeldet".to_owned(),
            "Sie sind angemeldet. Sie können diesen Tab schließen und zu Satchel zurückkehren."
                .to_owned(),
        ),
        (Some(e), false) => (
            "Sign-in failed".to_owned(),
            format!("{} Go back to Satchel to try again.", e),
        ),
        (Some(e), true) => (
            "Anmeldung fehlgeschlagen".to_owned(),
            format!("{} Versuchen Sie es in Satchel noch einmal.", e),
        ),
    };
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    format!(
        "<!doctype html><html lang=\"{}\"><meta charset=\"utf-8\"><title>{t} — Satchel</title>\
         <body style=\"font-family:sans-serif;max-width:32rem;margin:4rem auto\">\
         <h1>{t}</h1><p>{b}</p></body></html>",
        if german { "de" } else { "en" },
        t = escape(&title),
        b = escape(&body),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(timeout: Duration) -> FlowOptions {
        FlowOptions {
            timeout,
            lang: "en".into(),
            cancel: CancellationToken::new(),
        }
    }

    /// Sends one raw request to the listener and returns the status line.
    fn hit(port: u16, request: &str) -> String {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    }

    fn get_request(path: &str, extra: &str) -> String {
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{extra}\r\n")
    }

    #[test]
    fn the_callback_takes_only_its_state_and_ignores_other_callers() {
        let callback = Callback::bind().unwrap();
        let port = callback.port;
        assert_eq!(
            callback.redirect_uri(),
            format!("http://127.0.0.1:{port}/callback")
        );
        let browser = std::thread::spawn(move || {
            let refused = [
                hit(port, "POST /callback?state=s3cret&code=c HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
                hit(port, &get_request("/callback?state=s3cret&code=evil", "Origin: null\r\n")),
                hit(port, &get_request("/favicon.ico", "")),
            ];
            let done = hit(
                port,
                &get_request("/callback?state=s3cret&code=the-code", ""),
            );
            (refused, done)
        });
        let code = callback
            .wait("s3cret", &options(Duration::from_secs(10)))
            .unwrap();
        assert_eq!(code, "the-code", "only the browser's own callback counts");
        let (refused, done) = browser.join().unwrap();
        assert!(refused[0].starts_with("HTTP/1.1 405"), "{}", refused[0]);
        assert!(refused[1].starts_with("HTTP/1.1 403"), "{}", refused[1]);
        assert!(refused[2].starts_with("HTTP/1.1 404"), "{}", refused[2]);
        assert!(
            done.starts_with("HTTP/1.1 200") && done.contains("You are signed in"),
            "{done}"
        );
    }

    #[test]
    fn a_wrong_state_or_a_provider_error_ends_the_flow_with_a_clear_error() {
        for (query, kind, said) in [
            ("state=forged&code=c", "signInState", "state"),
            ("code=c", "signInState", "state"),
            (
                "state=s&error=access_denied&error_description=The+user+said+no",
                "signInDenied",
                "The user said no",
            ),
            ("state=s", "signInFailed", "without a code"),
        ] {
            let callback = Callback::bind().unwrap();
            let port = callback.port;
            let path = format!("/callback?{query}");
            let browser = std::thread::spawn(move || hit(port, &get_request(&path, "")));
            let mut german = options(Duration::from_secs(10));
            german.lang = "de-DE".into();
            let err = callback.wait("s", &german).unwrap_err();
            assert_eq!(err.kind(), kind, "{query}");
            assert!(err.to_string().contains(said), "{query}: {err}");
            let page = browser.join().unwrap();
            assert!(
                page.starts_with("HTTP/1.1 400") && page.contains("Anmeldung fehlgeschlagen"),
                "{page}"
            );
        }
    }

    #[test]
    fn nothing_waits_for_ever() {
        let callback = Callback::bind().unwrap();
        let started = Instant::now();
        let err = callback
            .wait("s", &options(Duration::from_millis(300)))
            .unwrap_err();
        assert_eq!(err.kind(), "signInTimeout");
        assert!(started.elapsed() < Duration::from_secs(2));

        let opts = options(Duration::from_secs(60));
        let cancel = opts.cancel.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            cancel.cancel();
        });
        let started = Instant::now();
        assert_eq!(
            callback.wait("s", &opts).unwrap_err().kind(),
            "signInCancelled"
        );
        assert!(started.elapsed() < Duration::from_secs(2));
        let port = callback.port;
        drop(callback);
        // tiny_http's accept thread closes the socket just after the drop.
        let closed_by = Instant::now() + Duration::from_secs(3);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            assert!(
                Instant::now() < closed_by,
                "the listener is gone with its flow"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    #[test]
    fn access_tokens_are_refreshed_a_little_before_they_expire() {
        let now = Instant::now();
        let tokens = |lifetime: u64| Tokens {
            access: Secret::new("a"),
            refresh: None,
            expires_at: Some(now + Duration::from_secs(lifetime)),
            lifetime: Some(Duration::from_secs(lifetime)),
        };
        let hour = tokens(3600);
        assert!(hour.fresh_at(now + Duration::from_secs(3538)));
        assert!(
            !hour.fresh_at(now + Duration::from_secs(3541)),
            "a minute's margin"
        );
        let short = tokens(8);
        assert!(short.fresh_at(now + Duration::from_secs(5)));
        assert!(
            !short.fresh_at(now + Duration::from_secs(7)),
            "a quarter of a short life"
        );
        let unknown = Tokens {
            expires_at: None,
            lifetime: None,
            ..tokens(1)
        };
        assert!(unknown.fresh_at(now + Duration::from_secs(86_400)));
    }

    #[test]
    fn the_id_token_names_the_person() {
        use base64::Engine;
        let part = |json: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
        let token = format!(
            "{}.{}.sig",
            part(r#"{"alg":"RS256"}"#),
            part(r#"{"sub":"t","name":"Test Person","email":"t@example.test"}"#)
        );
        let user = id_token_user(&token).unwrap();
        assert_eq!(user.name.as_deref(), Some("Test Person"));
        assert_eq!(user.email.as_deref(), Some("t@example.test"));
        assert!(id_token_user(&format!("h.{}.s", part(r#"{"sub":"t"}"#))).is_none());
        assert!(id_token_user("not a token").is_none());
    }

    #[test]
    fn the_page_speaks_the_persons_language_and_escapes_what_it_quotes() {
        assert!(callback_page("en-GB", None).contains("close this tab"));
        assert!(callback_page("de", None).contains("Tab schließen"));
        let err = Error::SignInDenied {
            error: "<script>".into(),
            description: String::new(),
        };
        let page = callback_page("en", Some(&err));
        assert!(
            page.contains("&lt;script&gt;") && !page.contains("<script>"),
            "{page}"
        );
    }
}
