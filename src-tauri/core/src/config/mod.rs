//! Satchel's configuration files, and how they add up.
//!
//! Layers, lowest first: built-in defaults < the system policy
//! (`/etc/satchel/policy.toml`) < the user's config
//! (`$XDG_CONFIG_HOME/satchel/config.toml`) < the command line. The policy
//! may also `lock` keys: a locked key keeps the policy's value, and trying to
//! change it says which key and which file locked it.
//!
//! ```toml
//! # /etc/satchel/policy.toml
//! maxFiles = 20
//! maxSize = "500MB"
//! destinations = ["/srv/uploads", "tus+https://uploads.corp.example/files/"]
//! userSources = false
//! allowedSources = ["/usr/share/satchel/sources/intranet.js"]
//! networkAllow = ["10.20.0.0/16", "files.corp.example"]
//! spoolMaxPerSource = "2GB"
//! spoolMaxTotal = "10GB"
//! locked = ["maxFiles", "destinations", "userSources", "spoolMaxTotal"]
//! ```
//!
//! A broken user config never stops Satchel (it is reported, and ignored); a
//! broken policy does (fail closed).
//!
//! The parts: this file holds the files' form (`ConfigFile` and its value
//! types) and how one is read (`Layer`); `resolve.rs` adds the layers up into
//! `Effective`; `sources.rs` collects the custom and shipped source files;
//! `checks.rs` judges later requests (an S3 endpoint, an interrupted queue)
//! by the settings in force; `show.rs` prints them (`satchel config show`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::imaging::{Dims, Transformations};
use crate::providers::ProviderConfig;
use crate::{Error, Result};

mod checks;
mod resolve;
mod show;
mod sources;
#[cfg(test)]
mod tests;

pub use resolve::{resolve, Effective};

pub const POLICY_PATH: &str = "/etc/satchel/policy.toml";

/// Every key a config file, the policy or the command line may set.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConfigFile {
    pub max_files: Option<usize>,
    pub min_files: Option<usize>,
    pub max_size: Option<Size>,
    pub accept: Option<Vec<String>>,
    pub from_sources: Option<Vec<String>>,
    pub upload_in_background: Option<bool>,
    pub lang: Option<String>,
    /// Where uploads go by default.
    pub destination: Option<String>,
    /// Destinations that may be chosen at all (policy).
    pub destinations: Option<Vec<String>>,
    /// Custom source files to load.
    pub sources: Option<Vec<SourceSpec>>,
    /// Custom sources users may add when `userSources` is false: paths, or
    /// `sha256:<hex>` of the file's content.
    pub allowed_sources: Option<Vec<PathBuf>>,
    /// Whether users may add custom sources of their own.
    pub user_sources: Option<bool>,
    /// Which built-in sources are offered.
    pub builtin_sources: Option<Vec<String>>,
    /// Whether `satchel upload` / `satchel resume` may run.
    pub headless: Option<bool>,
    /// Hosts and address ranges fetching may reach despite the SSRF guard.
    pub network_allow: Option<Vec<String>>,
    pub network_deny: Option<Vec<String>>,
    /// What one source may keep in the spool (raw files, fetched URLs).
    pub spool_max_per_source: Option<Size>,
    /// What all sources together may keep in the spool.
    pub spool_max_total: Option<Size>,
    /// Whether custom sources may keep `localStorage` across restarts.
    pub source_storage: Option<bool>,
    /// Whether custom sources' forms fire their submit events.
    pub source_forms: Option<bool>,
    /// Whether custom sources may open web pages in the system browser.
    pub source_links: Option<bool>,
    /// Whether sources' sign-ins are kept in the OS keyring across runs.
    pub remember_sign_in: Option<bool>,
    /// Pictures: shrink to fit, enlarge to at least, make exactly (`[w, h]`
    /// or `"WxH"`, 0 or nothing for a free side).
    pub image_max: Option<Dims>,
    pub image_min: Option<Dims>,
    pub image_dim: Option<Dims>,
    /// Strip EXIF/XMP/IPTC (GPS included) after applying the orientation.
    pub cleanup_image_exif: Option<bool>,
    /// JPEG quality, 0–1.
    pub image_quality: Option<f32>,
    /// Which editor tools are offered, and what every picture must get.
    pub transformations: Option<Transformations>,
    /// The shipped sources' settings (`[providers.googledrive] client_id = "…"`).
    pub providers: Option<BTreeMap<String, ProviderConfig>>,
    /// Keys no later layer may change (policy only).
    pub locked: Option<Vec<String>>,
}

/// A byte size: a number, or a string with units ("10MB", "1.5 GiB").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Size(pub u64);

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Number(n) => Ok(Size(n)),
            Raw::Text(t) => parse_size(&t).map_err(serde::de::Error::custom),
        }
    }
}

/// Parses "10MB", "1.5 GiB", "123" into bytes.
pub fn parse_size(text: &str) -> std::result::Result<Size, String> {
    parse_size::parse_size(text.trim())
        .map(Size)
        .map_err(|e| format!("{text:?} is not a size ({e}); write e.g. 10MB or 1.5GiB"))
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum SourceSpec {
    Path(PathBuf),
    Detailed {
        path: PathBuf,
        #[serde(default)]
        connect: Vec<String>,
        /// Origins the source may load scripts and style sheets from.
        #[serde(default)]
        scripts: Vec<String>,
        /// How the source signs in (OpenID Connect or OAuth 2.0).
        #[serde(default)]
        auth: Option<crate::auth::SourceAuth>,
    },
}

/// Where an effective value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "layer", content = "file", rename_all = "camelCase")]
pub enum Origin {
    Default,
    Policy(PathBuf),
    User(PathBuf),
    CommandLine,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Default => write!(f, "default"),
            Origin::Policy(p) | Origin::User(p) => write!(f, "{}", p.display()),
            Origin::CommandLine => write!(f, "command line"),
        }
    }
}

/// A configuration file as read, with where it lives.
#[derive(Debug, Clone)]
pub struct Layer {
    pub path: PathBuf,
    pub file: ConfigFile,
}

impl Layer {
    /// Reads a layer; a missing file is none.
    pub fn load(path: &Path) -> Result<Option<Layer>> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Error::Config {
                    path: path.into(),
                    message: e.to_string(),
                })
            }
        };
        let file: ConfigFile = toml::from_str(&text).map_err(|e| Error::Config {
            path: path.into(),
            message: e.to_string().trim().replace('\n', " "),
        })?;
        Ok(Some(Layer {
            path: path.into(),
            file,
        }))
    }
}

/// Keys `config show` lists and `locked` may name.
pub const KEYS: &[&str] = &[
    "maxFiles",
    "minFiles",
    "maxSize",
    "accept",
    "fromSources",
    "uploadInBackground",
    "lang",
    "destination",
    "destinations",
    "sources",
    "allowedSources",
    "userSources",
    "builtinSources",
    "headless",
    "networkAllow",
    "networkDeny",
    "spoolMaxPerSource",
    "spoolMaxTotal",
    "sourceStorage",
    "sourceForms",
    "sourceLinks",
    "rememberSignIn",
    "imageMax",
    "imageMin",
    "imageDim",
    "cleanupImageExif",
    "imageQuality",
    "transformations",
    "providers",
];

pub fn user_config_path() -> PathBuf {
    dirs::config_dir()
        .unwrap_or_else(|| PathBuf::from(".config"))
        .join("satchel")
        .join("config.toml")
}
