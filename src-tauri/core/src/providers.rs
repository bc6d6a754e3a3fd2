//! The sources Satchel ships (Google Drive, Dropbox, OneDrive, Unsplash):
//! their fixed facts, and what the config adds to them.
//!
//! Each is an ordinary custom source file (`sources/<name>.js` in the repo,
//! installed under [`SHIPPED_DIR`]) offered when `fromSources` names it. What
//! cannot change per install lives here: the origins its code and Rust may
//! reach, its sign-in endpoints and scopes. What each install must supply
//! (a client id, an access key) comes from `[providers.<name>]` in the config
//! or policy; without it the source's pane says exactly what to add.
//!
//! When working on this file, keep in mind:
//! - the base URLs may be pointed at a fake ONLY in debug builds (the tests'
//!   `SATCHEL_TEST_PROVIDER_BASE_<NAME>`); a release or package build always
//!   talks to the real provider, whatever its environment says;
//! - a source's frame sees its own settings only, and never a client secret.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::auth::{OAuth2Auth, SourceAuth};
use crate::{Error, ErrorInfo};

/// Where the packages install the shipped sources.
pub const SHIPPED_DIR: &str = "/usr/share/satchel/sources";

/// How a shipped source proves who it is to its provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// OAuth 2.0 with PKCE in the system browser: the install's `client_id`.
    OAuth {
        authorize: &'static str,
        token: &'static str,
        scopes: &'static [&'static str],
        /// Extra authorize parameters the provider needs for a refresh token.
        params: &'static [(&'static str, &'static str)],
    },
    /// An application key sent with every request (`access_key`).
    AccessKey,
}

/// One shipped source's fixed facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provider {
    /// Filestack's `fromSources` name; also the source's file name.
    pub name: &'static str,
    pub label: &'static str,
    /// The origins its code calls, by role (`api`, …): the frame's `connect`.
    pub bases: &'static [(&'static str, &'static str)],
    /// Further origins its pane shows pictures from.
    pub media: &'static [&'static str],
    pub credential: Credential,
    /// Where an administrator registers the application.
    pub register: &'static str,
}

/// The shipped sources, in the order the README lists them.
pub const PROVIDERS: &[Provider] = &[
    Provider {
        name: "googledrive",
        label: "Google Drive",
        bases: &[("api", "https://www.googleapis.com")],
        media: &[],
        credential: Credential::OAuth {
            authorize: "https://accounts.google.com/o/oauth2/v2/auth",
            token: "https://oauth2.googleapis.com/token",
            scopes: &["https://www.googleapis.com/auth/drive.readonly"],
            params: &[("access_type", "offline")],
        },
        register: "https://console.cloud.google.com/apis/credentials",
    },
    Provider {
        name: "dropbox",
        label: "Dropbox",
        bases: &[("api", "https://api.dropboxapi.com")],
        media: &[],
        credential: Credential::OAuth {
            authorize: "https://www.dropbox.com/oauth2/authorize",
            token: "https://api.dropboxapi.com/oauth2/token",
            scopes: &["files.metadata.read", "files.content.read"],
            params: &[("token_access_type", "offline")],
        },
        register: "https://www.dropbox.com/developers/apps",
    },
    Provider {
        name: "onedrive",
        label: "OneDrive",
        bases: &[("api", "https://graph.microsoft.com")],
        media: &[],
        credential: Credential::OAuth {
            authorize: "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
            token: "https://login.microsoftonline.com/common/oauth2/v2.0/token",
            scopes: &["Files.Read", "offline_access"],
            params: &[],
        },
        register:
            "https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationsListBlade",
    },
    Provider {
        name: "unsplash",
        label: "Unsplash",
        bases: &[("api", "https://api.unsplash.com")],
        media: &["https://images.unsplash.com"],
        credential: Credential::AccessKey,
        register: "https://unsplash.com/oauth/applications",
    },
];

/// Filestack's `fromSources` names that reach a service through Filestack's
/// own servers and that Satchel does not offer: named, they earn a notice
/// and the picker opens without them.
pub const NOT_AVAILABLE: &[&str] = &[
    "facebook",
    "instagram",
    "box",
    "github",
    "gmail",
    "googlephotos",
    "picasa",
    "flickr",
    "evernote",
    "onedriveforbusiness",
    "clouddrive",
    "imagesearch",
    "webcam",
    "video",
    "audio",
    "customsource",
];

/// The shipped source named `name`, if Satchel ships one.
pub fn provider(name: &str) -> Option<&'static Provider> {
    PROVIDERS.iter().find(|p| p.name == name)
}

/// What `[providers.<name>]` in the config or policy may say.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// The OAuth client id registered with the provider (Drive, Dropbox, OneDrive).
    pub client_id: Option<String>,
    /// Only where a provider insists on one (Google's desktop clients): a
    /// desktop app cannot keep it secret.
    pub client_secret: Option<String>,
    /// Unsplash's access key.
    pub access_key: Option<String>,
}

/// What a shipped source's frame is told (`actions.provider`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Shipped {
    pub name: String,
    /// Its base origins by role, real ones unless a debug build's test moved them.
    pub base: BTreeMap<String, String>,
    /// Unsplash's access key, which its own requests carry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key: Option<String>,
    /// What is missing from the config, when something is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<Missing>,
}

/// The exact lines a shipped source needs in the config, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Missing {
    pub key: String,
    pub snippet: String,
    pub register: String,
}

impl Provider {
    /// This source resolved against the config: its origins (moved to a
    /// fake in a debug build's test), and its credentials or what is missing;
    /// with its sign-in once the config names a client id.
    pub fn shipped(&self, config: Option<&ProviderConfig>) -> (Shipped, Option<SourceAuth>) {
        let moved = test_base(self.name);
        let origin = |real: &str| moved.clone().unwrap_or_else(|| real.to_owned());
        // An endpoint keeps its path; only its origin moves.
        let endpoint = |real: &str| match &moved {
            Some(fake) => url::Url::parse(real)
                .map(|u| format!("{fake}{}", u.path()))
                .unwrap_or_else(|_| real.to_owned()),
            None => real.to_owned(),
        };
        let config = config.cloned().unwrap_or_default();
        let present = |v: &Option<String>| v.as_ref().filter(|s| !s.trim().is_empty()).cloned();
        let key = match self.credential {
            Credential::OAuth { .. } => "client_id",
            Credential::AccessKey => "access_key",
        };
        let (auth, access_key, have) = match self.credential {
            Credential::OAuth {
                authorize,
                token,
                scopes,
                params,
            } => {
                let auth = present(&config.client_id).map(|client_id| {
                    SourceAuth::OAuth2(OAuth2Auth {
                        authorize: endpoint(authorize),
                        token: endpoint(token),
                        client_id,
                        client_secret: present(&config.client_secret),
                        scopes: scopes.iter().map(|s| s.to_string()).collect(),
                        params: params
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                            .collect(),
                    })
                });
                let have = auth.is_some();
                (auth, None, have)
            }
            Credential::AccessKey => {
                let key = present(&config.access_key);
                let have = key.is_some();
                (None, key, have)
            }
        };
        let shipped = Shipped {
            name: self.name.to_owned(),
            base: self
                .bases
                .iter()
                .map(|(role, real)| (role.to_string(), origin(real)))
                .collect(),
            access_key,
            missing: (!have).then(|| Missing {
                key: format!("providers.{}.{key}", self.name),
                snippet: format!("[providers.{}]\n{key} = \"…\"", self.name),
                register: self.register.to_owned(),
            }),
        };
        (shipped, auth)
    }

    /// The origins its frame may reach (and, signed in, that Rust sends the
    /// token to): its bases and picture hosts.
    pub fn connect(&self, shipped: &Shipped) -> Vec<String> {
        let mut origins: Vec<String> = shipped.base.values().cloned().collect();
        match test_base(self.name) {
            Some(_) => {}
            None => origins.extend(self.media.iter().map(|m| m.to_string())),
        }
        origins.dedup();
        origins
    }
}

/// The folder the shipped sources are read from. A debug build reads the
/// repository's own `sources/`, so tests run the code under test, not
/// whatever a package installed.
pub fn shipped_dir() -> PathBuf {
    if cfg!(debug_assertions) {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../sources"))
    } else {
        PathBuf::from(SHIPPED_DIR)
    }
}

/// A test's fake provider: `SATCHEL_TEST_PROVIDER_BASE_<NAME>` (an origin),
/// honoured ONLY in debug builds. A release or package build ignores it, so
/// nobody can point an installed Satchel's sign-in at another server.
#[cfg(debug_assertions)]
fn test_base(name: &str) -> Option<String> {
    let var = format!("SATCHEL_TEST_PROVIDER_BASE_{}", name.to_ascii_uppercase());
    std::env::var(var)
        .ok()
        .and_then(|raw| crate::network::parse_origin(&raw).ok())
}

#[cfg(not(debug_assertions))]
fn test_base(_name: &str) -> Option<String> {
    None
}

/// Checks `[providers.*]`: every table names a shipped source.
pub fn check_config(
    providers: &BTreeMap<String, ProviderConfig>,
    path: &std::path::Path,
) -> Result<(), Error> {
    for name in providers.keys() {
        if provider(name).is_none() {
            let known: Vec<&str> = PROVIDERS.iter().map(|p| p.name).collect();
            return Err(Error::Config {
                path: path.to_owned(),
                message: format!(
                    "providers.{name} is not a source Satchel ships (known: {})",
                    known.join(", ")
                ),
            });
        }
    }
    Ok(())
}

/// Notices for `fromSources` names Satchel does not offer.
pub fn unavailable_notices(from_sources: &[String]) -> Vec<ErrorInfo> {
    from_sources
        .iter()
        .filter(|n| NOT_AVAILABLE.contains(&n.to_ascii_lowercase().as_str()))
        .map(|n| Error::SourceNotAvailable { name: n.clone() }.info())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unconfigured_source_says_what_to_add() {
        let (drive, auth) = provider("googledrive").unwrap().shipped(None);
        let missing = drive.missing.unwrap();
        assert_eq!(
            missing.snippet,
            "[providers.googledrive]\nclient_id = \"…\""
        );
        assert!(auth.is_none());
        let (unsplash, _) = provider("unsplash").unwrap().shipped(Some(&ProviderConfig {
            access_key: Some("  ".into()),
            ..Default::default()
        }));
        assert_eq!(
            unsplash.missing.unwrap().snippet,
            "[providers.unsplash]\naccess_key = \"…\""
        );
    }

    #[test]
    fn a_configured_source_signs_in_without_showing_its_secret() {
        let (drive, auth) = provider("googledrive")
            .unwrap()
            .shipped(Some(&ProviderConfig {
                client_id: Some("id.apps".into()),
                client_secret: Some("shh".into()),
                access_key: None,
            }));
        assert!(drive.missing.is_none());
        let auth = auth.unwrap();
        assert_eq!(auth.client_id(), "id.apps");
        assert_eq!(auth.client_secret(), Some("shh"));
        assert_eq!(auth.params()["access_type"], "offline");
        assert!(auth.validate().is_ok());
        let frame = serde_json::to_string(&drive).unwrap();
        assert!(
            !frame.contains("shh") && !frame.contains("id.apps"),
            "{frame}"
        );
    }

    #[test]
    fn filestack_only_names_earn_a_notice() {
        let list: Vec<String> = ["local_file_system", "googledrive", "facebook", "Instagram"]
            .map(String::from)
            .into();
        let notices = unavailable_notices(&list);
        assert_eq!(notices.len(), 2);
        assert_eq!(notices[0].kind, "sourceNotAvailable");
        assert!(notices[1].message.contains("Instagram"), "{:?}", notices[1]);
    }

    #[test]
    fn unknown_provider_tables_are_refused() {
        let mut map = BTreeMap::new();
        map.insert("myspace".to_owned(), ProviderConfig::default());
        let err = check_config(&map, std::path::Path::new("/c.toml")).unwrap_err();
        assert!(err.to_string().contains("myspace"), "{err}");
    }

    #[test]
    fn every_shipped_source_has_its_file() {
        for p in PROVIDERS {
            let path = shipped_dir().join(format!("{}.js", p.name));
            assert!(path.is_file(), "{} is missing", path.display());
        }
    }
}
