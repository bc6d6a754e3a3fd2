//! One sign-in: the provider's endpoints, the authorize URL (PKCE S256 and a
//! random `state`), the code exchange, and later refreshes. The browser
//! comes back to the loopback listener of `callback.rs`.
//!
//! When working on this file, keep in mind:
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

use super::callback::{Callback, FlowOptions};
use super::{check_endpoint, Secret, SourceAuth, User};
use crate::error::redact;
use crate::{Error, Result};

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
                    serde_json::from_slice(&body).map_err(|e| Error::SignInFailed {
                        reason: format!("{url} is not an OpenID configuration: {e}"),
                    })?;
                // OpenID Connect Discovery 1.0, 4.3: the issuer must be the one asked.
                if found.issuer.trim_end_matches('/') != issuer {
                    return Err(Error::SignInFailed {
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
            Error::SignInFailed {
                reason: redact(&format!("the token endpoint refused: {}{}", code.0, code.1)),
            }
        }
        RequestTokenError::Request(e) => Error::SignInFailed {
            reason: redact(&format!("cannot reach the token endpoint: {e}")),
        },
        RequestTokenError::Parse(_, _) => Error::SignInFailed {
            reason: "the token endpoint's answer could not be read".into(),
        },
        RequestTokenError::Other(why) => Error::SignInFailed {
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
#[cfg(test)]
mod tests {
    use super::*;

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
}
