//! Sign-in for custom sources: OAuth 2.0 for native apps (RFC 8252) with
//! PKCE (RFC 7636), in the system browser, with the refresh token kept in
//! the OS keyring.
//!
//! A source entry in the config or policy may carry `auth`:
//!
//! ```toml
//! sources = [
//!   { path = "/usr/share/satchel/sources/files.js", connect = ["https://files.example.com"],
//!     auth = { issuer = "https://id.example.com", client_id = "satchel", scopes = ["openid", "email", "offline_access"] } },
//!   { path = "drive.js", connect = ["https://www.googleapis.com"],
//!     auth = { authorize = "https://accounts.google.com/o/oauth2/v2/auth",
//!              token = "https://oauth2.googleapis.com/token", client_id = "….apps.googleusercontent.com",
//!              scopes = ["https://www.googleapis.com/auth/drive.readonly"],
//!              params = { access_type = "offline" } } },
//! ]
//! ```
//!
//! When working on this module, keep in mind:
//! - a token is never written to a log, an error, `queue.json` or the
//!   result: [`Secret`] has no `Display` and a `Debug` that hides it, and
//!   errors are made from the provider's error code, never its body;
//! - a source gets only its own tokens: sessions are kept by the name the
//!   registry gave the source's frame, and the keyring entry remembers which
//!   provider and client it belongs to ([`SourceAuth::identity`]), so a
//!   source that takes another's name in a later run finds nothing;
//! - the loopback listener is up only while a flow runs, answers only a GET
//!   of `/callback` carrying the flow's `state`, and every flow ends (a
//!   code, an error, the timeout, or a cancel): nothing waits for ever.

mod callback;
mod flow;
mod sessions;
mod store;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

pub use callback::{callback_page, FlowOptions, SIGN_IN_TIMEOUT};
pub use flow::{Endpoints, Tokens};
pub use sessions::{AuthStatus, Authorizer, Keeping, SignIns, User};
pub use store::{account, KeyringStore, MemoryStore, SecretStore, KEYRING_SERVICE};

/// How a source signs in: OpenID Connect (endpoints found from the issuer)
/// or plain OAuth 2.0 (endpoints given).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SourceAuth {
    Oidc(OidcAuth),
    OAuth2(OAuth2Auth),
}

/// `{ issuer, client_id, scopes }`: endpoints from
/// `{issuer}/.well-known/openid-configuration`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcAuth {
    pub issuer: String,
    pub client_id: String,
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Only where a provider insists: a desktop client cannot keep it secret.
    #[serde(default, skip_serializing)]
    pub client_secret: Option<String>,
    /// Extra authorize parameters (`access_type = "offline"` for Google).
    #[serde(default)]
    pub params: BTreeMap<String, String>,
}

/// `{ authorize, token, client_id, scopes }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuth2Auth {
    pub authorize: String,
    pub token: String,
    pub client_id: String,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default, skip_serializing)]
    pub client_secret: Option<String>,
    #[serde(default)]
    pub params: BTreeMap<String, String>,
}

impl SourceAuth {
    pub fn client_id(&self) -> &str {
        match self {
            SourceAuth::Oidc(a) => &a.client_id,
            SourceAuth::OAuth2(a) => &a.client_id,
        }
    }

    pub fn scopes(&self) -> &[String] {
        match self {
            SourceAuth::Oidc(a) => &a.scopes,
            SourceAuth::OAuth2(a) => &a.scopes,
        }
    }

    pub fn client_secret(&self) -> Option<&str> {
        match self {
            SourceAuth::Oidc(a) => a.client_secret.as_deref(),
            SourceAuth::OAuth2(a) => a.client_secret.as_deref(),
        }
    }

    pub fn params(&self) -> &BTreeMap<String, String> {
        match self {
            SourceAuth::Oidc(a) => &a.params,
            SourceAuth::OAuth2(a) => &a.params,
        }
    }

    /// Which provider and client tokens belong to: kept with them in the
    /// keyring, so tokens are handed back only to the same sign-in.
    pub fn identity(&self) -> String {
        match self {
            SourceAuth::Oidc(a) => format!("oidc {} {}", a.issuer, a.client_id),
            SourceAuth::OAuth2(a) => format!("oauth2 {} {}", a.token, a.client_id),
        }
    }

    /// The checks a config file's `auth` must pass: a client id, and
    /// endpoints that are https (or http on loopback, for a provider on
    /// this machine).
    pub fn validate(&self) -> Result<()> {
        let bad = |reason: String| Error::AuthConfig { reason };
        if self.client_id().trim().is_empty() {
            return Err(bad("client_id is empty".into()));
        }
        let urls: Vec<(&str, &str)> = match self {
            SourceAuth::Oidc(a) => vec![("issuer", &a.issuer)],
            SourceAuth::OAuth2(a) => vec![("authorize", &a.authorize), ("token", &a.token)],
        };
        for (key, raw) in urls {
            check_endpoint(raw).map_err(|why| bad(format!("{key} {raw:?}: {why}")))?;
        }
        for name in self.params().keys() {
            if RESERVED_PARAMS.contains(&name.as_str()) {
                return Err(bad(format!(
                    "params may not set {name:?}: Satchel sets it for the flow"
                )));
            }
        }
        Ok(())
    }
}

/// Authorize parameters the flow sets itself.
const RESERVED_PARAMS: &[&str] = &[
    "client_id",
    "redirect_uri",
    "state",
    "code_challenge",
    "code_challenge_method",
    "response_type",
    "scope",
];

/// An endpoint must be https, or http to a loopback address.
pub(crate) fn check_endpoint(raw: &str) -> std::result::Result<url::Url, String> {
    let url = url::Url::parse(raw).map_err(|e| e.to_string())?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        "http" => Err("must be https (http only on loopback)".into()),
        other => Err(format!("{other}: is not an http(s) URL")),
    }
}

/// A token, kept out of every text Satchel writes: no `Display`, and
/// `Debug` says only that there is one.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The token itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(toml_text: &str) -> std::result::Result<SourceAuth, String> {
        #[derive(Deserialize)]
        struct Wrap {
            auth: SourceAuth,
        }
        toml::from_str::<Wrap>(toml_text)
            .map(|w| w.auth)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn both_forms_parse_and_are_checked() {
        let oidc = parse(
            r#"auth = { issuer = "https://id.example.com", client_id = "c", scopes = ["openid"] }"#,
        )
        .unwrap();
        assert!(matches!(oidc, SourceAuth::Oidc(ref a) if a.issuer == "https://id.example.com"));
        assert!(oidc.validate().is_ok());
        let oauth = parse(
            r#"auth = { authorize = "https://a.example/auth", token = "https://a.example/token", client_id = "c", client_secret = "s", params = { access_type = "offline" } }"#,
        )
        .unwrap();
        assert_eq!(oauth.client_secret(), Some("s"));
        assert_eq!(oauth.params()["access_type"], "offline");
        assert!(oauth.validate().is_ok());
        assert_ne!(oidc.identity(), oauth.identity());
        // The secret never goes out with the settings.
        assert!(!serde_json::to_string(&oauth).unwrap().contains("\"s\""));

        assert!(
            parse(r#"auth = { issuer = "https://x", client_id = "c", nonsense = 1 }"#).is_err()
        );
        assert!(parse(r#"auth = { client_id = "c" }"#).is_err());
        for bad in [
            r#"auth = { issuer = "http://id.example.com", client_id = "c" }"#,
            r#"auth = { issuer = "https://id.example.com", client_id = " " }"#,
            r#"auth = { issuer = "file:///x", client_id = "c" }"#,
            r#"auth = { issuer = "https://id.example.com", client_id = "c", params = { state = "x" } }"#,
        ] {
            let err = parse(bad).unwrap().validate().unwrap_err();
            assert_eq!(err.kind(), "authConfig", "{bad}");
        }
        let local =
            parse(r#"auth = { issuer = "http://127.0.0.1:4000", client_id = "c" }"#).unwrap();
        assert!(
            local.validate().is_ok(),
            "a provider on loopback may be http"
        );
    }

    #[test]
    fn secrets_do_not_print() {
        let s = Secret::new("eyJhbGciOi.secret");
        assert_eq!(format!("{s:?}"), "Secret(…)");
        assert_eq!(s.expose(), "eyJhbGciOi.secret");
    }
}
