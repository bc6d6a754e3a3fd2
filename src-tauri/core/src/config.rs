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

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::imaging::{CropTool, Dims, ImageOptions, Transformations};
use crate::providers::ProviderConfig;
use crate::sources::{parse_origin, SourceCapabilities, SourceFile};
use crate::spool::SpoolLimits;
use crate::{Error, ErrorInfo, PickerOptions, Result};

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

/// The configuration in force, and where each value came from.
#[derive(Debug, Clone)]
pub struct Effective {
    pub options: PickerOptions,
    pub destination: Option<String>,
    pub destinations: Vec<String>,
    pub sources: Vec<SourceFile>,
    /// The shipped sources `fromSources` names (`providers.rs`), loaded
    /// after `sources`.
    pub shipped_sources: Vec<SourceFile>,
    /// The `[providers.*]` tables in force (policy, then the user's).
    pub providers: BTreeMap<String, ProviderConfig>,
    pub builtin_sources: Vec<String>,
    pub headless: bool,
    pub user_sources: bool,
    pub allowed_sources: Vec<PathBuf>,
    pub network_allow: Vec<String>,
    pub network_deny: Vec<String>,
    pub spool_limits: SpoolLimits,
    /// What custom sources may do besides the actions (`sourceStorage`,
    /// `sourceForms`, `sourceLinks`).
    pub source_capabilities: SourceCapabilities,
    /// Whether sign-ins are kept in the OS keyring (`rememberSignIn`).
    pub remember_sign_in: bool,
    pub lang: Option<String>,
    pub origins: BTreeMap<&'static str, Origin>,
    pub locked: Vec<String>,
    /// Things worth telling the person that did not stop Satchel.
    pub notices: Vec<ErrorInfo>,
    /// The policy file these settings answer to.
    pub policy_path: PathBuf,
}

/// Adds the layers up. `cli` is what the command line set; refusing a
/// locked key there is an error (the program asked for something it cannot
/// have), while the user's file only earns a notice.
pub fn resolve(
    policy: Option<&Layer>,
    user: Option<&Layer>,
    cli: &ConfigFile,
) -> Result<Effective> {
    let empty = ConfigFile::default();
    let locked: Vec<String> = policy
        .and_then(|p| p.file.locked.clone())
        .unwrap_or_default();
    if let Some(policy) = policy {
        for key in &locked {
            if !KEYS.contains(&key.as_str()) {
                return Err(Error::Config {
                    path: policy.path.clone(),
                    message: format!(
                        "locked names an unknown key {key:?} (known: {})",
                        KEYS.join(", ")
                    ),
                });
            }
        }
    }
    let policy_file = policy.map(|p| &p.file).unwrap_or(&empty);
    let user_file = user.map(|u| &u.file).unwrap_or(&empty);
    let policy_path = policy
        .map(|p| p.path.clone())
        .unwrap_or_else(|| POLICY_PATH.into());
    let user_path = user.map(|u| u.path.clone()).unwrap_or_default();
    let mut merged = ConfigFile::default();
    let mut origins = BTreeMap::new();
    let mut notices = vec![];
    let is_locked = |key: &str| locked.iter().any(|k| k == key);
    let locked_error = |key: &str| Error::Locked {
        key: key.to_owned(),
        path: policy_path.clone(),
    };

    macro_rules! layer {
        ($field:ident, $key:literal) => {
            if let Some(v) = &policy_file.$field {
                merged.$field = Some(v.clone());
                origins.insert($key, Origin::Policy(policy_path.clone()));
            }
            if let Some(v) = &user_file.$field {
                if is_locked($key) {
                    notices.push(locked_error($key).info());
                } else {
                    merged.$field = Some(v.clone());
                    origins.insert($key, Origin::User(user_path.clone()));
                }
            }
            if let Some(v) = &cli.$field {
                if is_locked($key) {
                    return Err(locked_error($key));
                }
                merged.$field = Some(v.clone());
                origins.insert($key, Origin::CommandLine);
            }
        };
    }
    layer!(max_files, "maxFiles");
    layer!(min_files, "minFiles");
    layer!(max_size, "maxSize");
    layer!(accept, "accept");
    layer!(from_sources, "fromSources");
    layer!(upload_in_background, "uploadInBackground");
    layer!(lang, "lang");
    layer!(destination, "destination");
    layer!(builtin_sources, "builtinSources");
    layer!(headless, "headless");
    layer!(user_sources, "userSources");
    layer!(network_allow, "networkAllow");
    layer!(network_deny, "networkDeny");
    layer!(spool_max_per_source, "spoolMaxPerSource");
    layer!(spool_max_total, "spoolMaxTotal");
    layer!(source_storage, "sourceStorage");
    layer!(source_forms, "sourceForms");
    layer!(source_links, "sourceLinks");
    layer!(remember_sign_in, "rememberSignIn");
    layer!(image_max, "imageMax");
    layer!(image_min, "imageMin");
    layer!(image_dim, "imageDim");
    layer!(cleanup_image_exif, "cleanupImageExif");
    layer!(image_quality, "imageQuality");
    layer!(transformations, "transformations");
    // Only the policy decides what is allowed at all.
    for (key, set) in [
        (
            "destinations",
            user_file.destinations.is_some() || cli.destinations.is_some(),
        ),
        (
            "allowedSources",
            user_file.allowed_sources.is_some() || cli.allowed_sources.is_some(),
        ),
        ("locked", user_file.locked.is_some() || cli.locked.is_some()),
    ] {
        if set {
            notices.push(
                Error::Config {
                    path: user_path.clone(),
                    message: format!(
                        "{key} can only be set in the system policy ({})",
                        policy_path.display()
                    ),
                }
                .info(),
            );
        }
    }
    for (key, set) in [
        ("destinations", policy_file.destinations.is_some()),
        ("allowedSources", policy_file.allowed_sources.is_some()),
        (
            "sources",
            policy_file.sources.is_some() || user_file.sources.is_some() || cli.sources.is_some(),
        ),
    ] {
        if set {
            let mine = key == "sources" && !is_locked("sources");
            let origin = if mine && cli.sources.is_some() {
                Origin::CommandLine
            } else if mine && user_file.sources.is_some() {
                Origin::User(user_path.clone())
            } else {
                Origin::Policy(policy_path.clone())
            };
            origins.insert(key, origin);
        }
    }

    let destinations = policy_file.destinations.clone().unwrap_or_default();
    let destination = merged
        .destination
        .clone()
        .or_else(|| destinations.first().cloned());
    if let Some(dest) = &destination {
        if !destinations.is_empty() && !destinations.contains(dest) {
            return Err(Error::NotAllowed {
                what: format!("destination {dest:?}"),
                path: policy_path.clone(),
            });
        }
    }

    // A locked `sources`: the policy's list is the whole list. Asking for
    // more on the command line stops Satchel; the user's file is reported.
    let (user_for_sources, cli_for_sources) = if is_locked("sources") {
        if cli.sources.is_some() {
            return Err(locked_error("sources"));
        }
        if user_file.sources.is_some() {
            notices.push(locked_error("sources").info());
        }
        (None, &empty)
    } else {
        (user, cli)
    };
    let sources = collect_sources(
        policy,
        user_for_sources,
        cli_for_sources,
        &policy_path,
        merged.user_sources.unwrap_or(true),
        &mut notices,
    )?;

    let providers = merge_providers(
        policy,
        user,
        is_locked("providers"),
        &mut origins,
        &mut notices,
        &locked_error,
    )?;

    let defaults = PickerOptions::default();
    let options = PickerOptions {
        from_sources: merged.from_sources.clone().unwrap_or(defaults.from_sources),
        max_files: merged.max_files.unwrap_or(defaults.max_files),
        min_files: merged.min_files.unwrap_or(defaults.min_files),
        max_size: merged.max_size.map(|s| s.0).or(defaults.max_size),
        accept: merged.accept.clone().unwrap_or(defaults.accept),
        upload_in_background: merged
            .upload_in_background
            .unwrap_or(defaults.upload_in_background),
        image: image_options(&merged, defaults.image),
    };
    for key in KEYS {
        origins.entry(key).or_insert(Origin::Default);
    }
    let mut options = options;
    let crop = options.image.transformations.crop;
    if crop.forced() && crop.ratio().is_none() {
        // A free crop may cover the whole picture: `force` needs a ratio to
        // mean that no picture goes uncropped.
        let message = "transformations.crop.force needs an aspectRatio (a free crop can be the \
                       whole picture, so nothing would be forced)";
        match &origins["transformations"] {
            // The user's file never stops Satchel: said, and not forced.
            Origin::User(path) => {
                notices.push(
                    Error::Config {
                        path: path.clone(),
                        message: format!("{message}; ignored"),
                    }
                    .info(),
                );
                options.image.transformations.crop = CropTool::Offered(true);
            }
            origin => {
                return Err(Error::Config {
                    path: match origin {
                        Origin::Policy(p) => p.clone(),
                        _ => PathBuf::from("the command line"),
                    },
                    message: message.into(),
                })
            }
        }
    }
    notices.extend(crate::providers::unavailable_notices(&options.from_sources));
    let shipped_sources = shipped_sources(&options.from_sources, &providers);
    Ok(Effective {
        options,
        destination,
        destinations,
        sources,
        shipped_sources,
        providers,
        builtin_sources: merged.builtin_sources.clone().unwrap_or_else(|| {
            crate::BUILTIN_SOURCES
                .iter()
                .map(|s| s.to_string())
                .collect()
        }),
        headless: merged.headless.unwrap_or(true),
        user_sources: merged.user_sources.unwrap_or(true),
        allowed_sources: policy_file.allowed_sources.clone().unwrap_or_default(),
        network_allow: merged.network_allow.clone().unwrap_or_default(),
        network_deny: merged.network_deny.clone().unwrap_or_default(),
        spool_limits: SpoolLimits {
            per_source: merged.spool_max_per_source.map(|s| s.0),
            total: merged.spool_max_total.map(|s| s.0),
        },
        source_capabilities: SourceCapabilities {
            storage: merged.source_storage.unwrap_or(true),
            forms: merged.source_forms.unwrap_or(true),
            links: merged.source_links.unwrap_or(true),
        },
        remember_sign_in: merged.remember_sign_in.unwrap_or(true),
        lang: merged.lang.clone(),
        origins,
        locked,
        notices,
        policy_path,
    })
}

fn image_options(merged: &ConfigFile, defaults: ImageOptions) -> ImageOptions {
    ImageOptions {
        image_max: merged.image_max.or(defaults.image_max),
        image_min: merged.image_min.or(defaults.image_min),
        image_dim: merged.image_dim.or(defaults.image_dim),
        cleanup_image_exif: merged
            .cleanup_image_exif
            .unwrap_or(defaults.cleanup_image_exif),
        image_quality: merged
            .image_quality
            .map(|q| q.clamp(0.01, 1.0))
            .unwrap_or(defaults.image_quality),
        transformations: merged.transformations.unwrap_or(defaults.transformations),
        headless: defaults.headless,
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

/// `[providers.*]`: the policy's tables, then the user's per provider (a
/// locked `providers` keeps the policy's alone). A table naming no shipped
/// source stops Satchel in the policy and is reported in the user's file.
fn merge_providers(
    policy: Option<&Layer>,
    user: Option<&Layer>,
    locked: bool,
    origins: &mut BTreeMap<&'static str, Origin>,
    notices: &mut Vec<ErrorInfo>,
    locked_error: &dyn Fn(&str) -> Error,
) -> Result<BTreeMap<String, ProviderConfig>> {
    let mut merged = BTreeMap::new();
    if let Some(policy) = policy {
        if let Some(tables) = &policy.file.providers {
            crate::providers::check_config(tables, &policy.path)?;
            merged.extend(tables.clone());
            origins.insert("providers", Origin::Policy(policy.path.clone()));
        }
    }
    if let Some(user) = user {
        if let Some(tables) = &user.file.providers {
            if locked {
                notices.push(locked_error("providers").info());
            } else if let Err(e) = crate::providers::check_config(tables, &user.path) {
                notices.push(e.info());
            } else {
                merged.extend(tables.clone());
                origins.insert("providers", Origin::User(user.path.clone()));
            }
        }
    }
    Ok(merged)
}

/// The shipped sources `fromSources` names, in its order, each with its
/// settings (or what it lacks, which its pane says).
fn shipped_sources(
    from_sources: &[String],
    providers: &BTreeMap<String, ProviderConfig>,
) -> Vec<SourceFile> {
    let dir = crate::providers::shipped_dir();
    let mut files: Vec<SourceFile> = vec![];
    for name in from_sources {
        let Some(provider) = crate::providers::provider(name) else {
            continue;
        };
        if files.iter().any(|f| f.path.ends_with(format!("{name}.js"))) {
            continue;
        }
        let (shipped, auth) = provider.shipped(providers.get(name));
        files.push(SourceFile {
            path: dir.join(format!("{name}.js")),
            connect: provider.connect(&shipped),
            scripts: vec![],
            pin: None,
            auth,
            shipped: Some(shipped),
        });
    }
    files
}

/// Policy sources always load; the user's and the command line's only when
/// `userSources` allows them or the policy lists them in `allowedSources`.
fn collect_sources(
    policy: Option<&Layer>,
    user: Option<&Layer>,
    cli: &ConfigFile,
    policy_path: &Path,
    user_sources: bool,
    notices: &mut Vec<ErrorInfo>,
) -> Result<Vec<SourceFile>> {
    let allowed: Vec<PathBuf> = policy
        .and_then(|p| p.file.allowed_sources.clone())
        .unwrap_or_default();
    let mut files = vec![];
    if let Some(policy) = policy {
        files.extend(source_files(&policy.file, &policy.path)?);
    }
    let mut personal = vec![];
    if let Some(user) = user {
        match source_files(&user.file, &user.path) {
            Ok(found) => personal.extend(found),
            Err(e) => notices.push(e.info()),
        }
    }
    personal.extend(source_files(cli, Path::new(""))?);
    for mut file in personal {
        if user_sources || allowed.contains(&file.path) {
            files.push(file);
        } else if let Some(pin) = allowed_by_hash(&file, &allowed) {
            file.pin = Some(pin);
            files.push(file);
        } else {
            let err = Error::NotAllowed {
                what: format!("custom source {}", file.path.display()),
                path: policy_path.to_owned(),
            };
            if cli.sources.is_some() {
                return Err(err);
            }
            notices.push(err.info());
        }
    }
    Ok(files)
}

/// The file's hash when the policy lists it as `sha256:<hex>`.
fn allowed_by_hash(file: &SourceFile, allowed: &[PathBuf]) -> Option<String> {
    let pins: Vec<String> = allowed
        .iter()
        .filter_map(|a| {
            a.to_str()?
                .strip_prefix("sha256:")
                .map(|h| h.to_ascii_lowercase())
        })
        .collect();
    if pins.is_empty() {
        return None;
    }
    let hash = crate::sources::sha256_hex(&std::fs::read(&file.path).ok()?);
    pins.contains(&hash).then_some(hash)
}

/// The source files a layer lists, relative paths taken from its folder.
fn source_files(file: &ConfigFile, path: &Path) -> Result<Vec<SourceFile>> {
    let base = path.parent().unwrap_or(Path::new("."));
    file.sources
        .iter()
        .flatten()
        .map(|spec| {
            let (source, connect, scripts, auth) = match spec {
                SourceSpec::Path(p) => (p, &[][..], &[][..], None),
                SourceSpec::Detailed {
                    path,
                    connect,
                    scripts,
                    auth,
                } => (path, &connect[..], &scripts[..], auth.as_ref()),
            };
            if let Some(auth) = auth {
                auth.validate().map_err(|e| Error::Config {
                    path: path.to_owned(),
                    message: format!("source {}: {e}", source.display()),
                })?;
            }
            let origins = |list: &[String]| -> Result<Vec<String>> {
                list.iter().map(|o| parse_origin(o)).collect()
            };
            let joined = base.join(source);
            Ok(SourceFile {
                pin: None,
                shipped: None,
                path: std::path::absolute(&joined).unwrap_or(joined),
                connect: origins(connect)?,
                scripts: origins(scripts)?,
                auth: auth.cloned(),
            })
        })
        .collect()
}

pub fn user_config_path() -> PathBuf {
    dirs::config_dir()
        .unwrap_or_else(|| PathBuf::from(".config"))
        .join("satchel")
        .join("config.toml")
}

impl Effective {
    /// Refuses an S3 endpoint the policy did not choose. With `destinations`
    /// set, an S3 destination's endpoint is part of what the policy allows:
    /// `s3://bucket/prefix/` is AWS itself, `s3://bucket/prefix/?endpoint=URL`
    /// that server; `--s3-endpoint` (`s3_endpoint`) or `AWS_ENDPOINT_URL`
    /// may not send the same bucket, and the corporate key, elsewhere.
    pub fn check_s3_endpoint(&self, spec: &str, s3_endpoint: Option<&str>) -> Result<()> {
        let env = std::env::var("AWS_ENDPOINT_URL")
            .ok()
            .filter(|v| !v.is_empty());
        self.s3_endpoint_allowed(spec, s3_endpoint.map(str::to_owned).or(env))
    }

    /// [`Effective::check_s3_endpoint`], given the endpoint asked for.
    fn s3_endpoint_allowed(&self, spec: &str, asked: Option<String>) -> Result<()> {
        if self.destinations.is_empty() || !spec.starts_with("s3://") {
            return Ok(());
        }
        let named = crate::destination::s3::endpoint_in(spec)?;
        let Some(asked) = asked else {
            return Ok(());
        };
        let same =
            named.is_some_and(|named| url::Url::parse(&asked).is_ok_and(|asked| asked == named));
        if same {
            return Ok(());
        }
        Err(Error::NotAllowed {
            what: format!(
                "the S3 endpoint {} for {}",
                crate::error::redact(&asked),
                spec
            ),
            path: self.policy_path.clone(),
        })
    }

    /// Whether an interrupted queue may be finished under the settings in
    /// force: its destination among the policy's `destinations`, its
    /// unfinished files within `maxFiles`, `maxSize` and `accept`. A policy
    /// installed since the queue was saved holds for it too.
    pub fn check_saved_queue(&self, queue: &crate::SavedQueue) -> Result<()> {
        if !self.destinations.is_empty() && !self.destinations.contains(&queue.destination) {
            return Err(Error::NotAllowed {
                what: format!(
                    "the interrupted upload's destination {:?}",
                    queue.destination
                ),
                path: self.policy_path.clone(),
            });
        }
        let unfinished: Vec<_> = queue
            .files
            .iter()
            .filter(|f| f.status != crate::FileStatus::Done)
            .collect();
        let max = self.options.max_files;
        if unfinished.len() > max {
            return Err(Error::TooManyFiles { max });
        }
        for file in unfinished {
            // A link not fetched yet has no size to judge.
            let size = (file.size > 0 || file.link.is_none()).then_some(file.size);
            crate::restrictions::check(&self.options, &file.filename, &file.mime, size)?;
        }
        Ok(())
    }

    /// `satchel config show`: one line per key, with where it came from.
    pub fn show(&self) -> String {
        let mut out = String::new();
        for key in KEYS {
            let value = self.value_of(key);
            let origin = self.origins.get(key).cloned().unwrap_or(Origin::Default);
            let lock = if self.locked.iter().any(|k| k == key) {
                " (locked)"
            } else {
                ""
            };
            out.push_str(&format!("{key} = {value}  # {origin}{lock}\n"));
        }
        out
    }

    fn value_of(&self, key: &str) -> String {
        let list = |v: &[String]| toml_value(&v.to_vec());
        match key {
            "maxFiles" => self.options.max_files.to_string(),
            "minFiles" => self.options.min_files.to_string(),
            "maxSize" => self
                .options
                .max_size
                .map(|s| s.to_string())
                .unwrap_or_else(|| "\"unlimited\"".into()),
            "accept" => list(&self.options.accept),
            "fromSources" => list(&self.options.from_sources),
            "uploadInBackground" => self.options.upload_in_background.to_string(),
            "lang" => self
                .lang
                .as_deref()
                .map(|l| toml_value(&l))
                .unwrap_or_else(|| "\"system\"".into()),
            "destination" => self
                .destination
                .as_deref()
                .map(|d| toml_value(&d))
                .unwrap_or_else(|| "\"default folder\"".into()),
            "destinations" => list(&self.destinations),
            "sources" => toml_value(
                &self
                    .sources
                    .iter()
                    .map(|s| s.path.display().to_string())
                    .collect::<Vec<_>>(),
            ),
            "builtinSources" => list(&self.builtin_sources),
            "headless" => self.headless.to_string(),
            "userSources" => self.user_sources.to_string(),
            "allowedSources" => toml_value(
                &self
                    .allowed_sources
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>(),
            ),
            "networkAllow" => list(&self.network_allow),
            "networkDeny" => list(&self.network_deny),
            "spoolMaxPerSource" => bytes_or_unlimited(self.spool_limits.per_source),
            "spoolMaxTotal" => bytes_or_unlimited(self.spool_limits.total),
            "sourceStorage" => self.source_capabilities.storage.to_string(),
            "sourceForms" => self.source_capabilities.forms.to_string(),
            "sourceLinks" => self.source_capabilities.links.to_string(),
            "rememberSignIn" => self.remember_sign_in.to_string(),
            "imageMax" => dims_or_none(self.options.image.image_max),
            "imageMin" => dims_or_none(self.options.image.image_min),
            "imageDim" => dims_or_none(self.options.image.image_dim),
            "cleanupImageExif" => self.options.image.cleanup_image_exif.to_string(),
            "imageQuality" => self.options.image.image_quality.to_string(),
            "transformations" => transformations_toml(&self.options.image.transformations),
            // Which keys each provider has, never their values.
            "providers" => toml_value(
                &self
                    .providers
                    .iter()
                    .map(|(name, c)| {
                        let set: Vec<&str> = [
                            ("client_id", &c.client_id),
                            ("client_secret", &c.client_secret),
                            ("access_key", &c.access_key),
                        ]
                        .into_iter()
                        .filter(|(_, v)| v.is_some())
                        .map(|(k, _)| k)
                        .collect();
                        (name.clone(), set)
                    })
                    .collect::<BTreeMap<_, _>>(),
            ),
            _ => "\"\"".into(),
        }
    }
}

fn dims_or_none(dims: Option<Dims>) -> String {
    dims.map_or_else(
        || "\"none\"".into(),
        |d| format!("[{}, {}]", d.width.unwrap_or(0), d.height.unwrap_or(0)),
    )
}

/// `{ crop = { aspectRatio = 1.0, force = true }, circle = true, rotate = true }`
fn transformations_toml(t: &Transformations) -> String {
    let tool = |offered: bool, force: bool, ratio: Option<f64>| match (force, ratio) {
        (false, None) => offered.to_string(),
        (force, Some(r)) => format!("{{ aspectRatio = {r:?}, force = {force} }}"),
        (true, None) => "{ force = true }".into(),
    };
    format!(
        "{{ crop = {}, circle = {}, rotate = {} }}",
        tool(t.crop.offered(), t.crop.forced(), t.crop.ratio()),
        tool(t.circle.offered(), t.circle.forced(), None),
        t.rotate
    )
}

fn bytes_or_unlimited(bytes: Option<u64>) -> String {
    bytes.map_or_else(|| "\"unlimited\"".into(), |b| b.to_string())
}

fn toml_value<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(path: &str, toml_text: &str) -> Layer {
        Layer {
            path: path.into(),
            file: toml::from_str(toml_text).unwrap(),
        }
    }

    #[test]
    fn later_layers_win_unless_the_policy_locks_the_key() {
        let policy = layer(
            "/etc/satchel/policy.toml",
            "maxFiles = 5\nmaxSize = \"10MB\"\nlocked = [\"maxSize\"]\n",
        );
        let user = layer(
            "/home/u/.config/satchel/config.toml",
            "maxFiles = 8\nmaxSize = 999\n",
        );
        let cli = ConfigFile {
            min_files: Some(2),
            ..Default::default()
        };
        let eff = resolve(Some(&policy), Some(&user), &cli).unwrap();
        assert_eq!(eff.options.max_files, 8);
        assert_eq!(eff.options.max_size, Some(10_000_000));
        assert_eq!(eff.options.min_files, 2);
        assert_eq!(
            eff.origins["maxFiles"],
            Origin::User("/home/u/.config/satchel/config.toml".into())
        );
        assert_eq!(
            eff.origins["maxSize"],
            Origin::Policy("/etc/satchel/policy.toml".into())
        );
        assert_eq!(eff.origins["minFiles"], Origin::CommandLine);
        assert_eq!(eff.origins["accept"], Origin::Default);
        // The user's try at a locked key is reported, not fatal.
        assert_eq!(eff.notices.len(), 1);
        assert!(
            eff.notices[0].message.contains("maxSize")
                && eff.notices[0].message.contains("/etc/satchel/policy.toml")
        );

        let cli = ConfigFile {
            max_size: Some(Size(1)),
            ..Default::default()
        };
        let err = resolve(Some(&policy), None, &cli).unwrap_err();
        assert_eq!(err.kind(), "locked");
        assert_eq!(
            err.to_string(),
            "maxSize is locked by /etc/satchel/policy.toml"
        );
    }

    #[test]
    fn destinations_and_sources_follow_the_policy() {
        let policy = layer(
            "/etc/satchel/policy.toml",
            "destinations = [\"/srv/a\", \"/srv/b\"]\nuserSources = false\nallowedSources = [\"/opt/ok.js\"]\nlocked = [\"userSources\"]\n",
        );
        let eff = resolve(Some(&policy), None, &ConfigFile::default()).unwrap();
        assert_eq!(
            eff.destination.as_deref(),
            Some("/srv/a"),
            "the first allowed is the default"
        );
        let cli = ConfigFile {
            destination: Some("/tmp/elsewhere".into()),
            ..Default::default()
        };
        let err = resolve(Some(&policy), None, &cli).unwrap_err();
        assert!(
            err.to_string().contains("/tmp/elsewhere") && err.to_string().contains("not allowed"),
            "{err}"
        );

        let user = layer(
            "/home/u/c.toml",
            "sources = [\"/opt/ok.js\", \"/home/u/mine.js\"]\n",
        );
        let eff = resolve(Some(&policy), Some(&user), &ConfigFile::default()).unwrap();
        let paths: Vec<_> = eff
            .sources
            .iter()
            .map(|s| s.path.display().to_string())
            .collect();
        assert_eq!(paths, ["/opt/ok.js"]);
        assert!(eff
            .notices
            .iter()
            .any(|n| n.message.contains("/home/u/mine.js")));
    }

    #[test]
    fn a_source_can_be_allowed_by_its_hash() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("mine.js");
        std::fs::write(&source, "export default {}").unwrap();
        let hash = crate::sources::sha256_hex(b"export default {}");
        let policy = layer(
            "/etc/satchel/policy.toml",
            &format!(
                "userSources = false\nallowedSources = [\"sha256:{}\"]\n",
                hash.to_uppercase()
            ),
        );
        let cli = ConfigFile {
            sources: Some(vec![SourceSpec::Path(source.clone())]),
            ..Default::default()
        };
        let eff = resolve(Some(&policy), None, &cli).unwrap();
        assert_eq!(eff.sources[0].pin.as_deref(), Some(hash.as_str()));
        std::fs::write(&source, "export default {evil: 1}").unwrap();
        let err = resolve(Some(&policy), None, &cli).unwrap_err();
        assert_eq!(err.kind(), "notAllowed");
    }

    #[test]
    fn files_report_unknown_keys_and_wrong_types_with_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "maxFiles = 3\ncolour = \"blue\"\n").unwrap();
        let text = Layer::load(&path).unwrap_err().to_string();
        assert!(
            text.contains("config.toml") && text.contains("line 2") && text.contains("colour"),
            "{text}"
        );
        std::fs::write(&path, "maxFiles = \"many\"\n").unwrap();
        let text = Layer::load(&path).unwrap_err().to_string();
        assert!(
            text.contains("line 1") && text.contains("maxFiles"),
            "{text}"
        );
        assert!(Layer::load(&dir.path().join("missing.toml"))
            .unwrap()
            .is_none());
    }

    #[test]
    fn relative_sources_are_relative_to_their_file_and_show_lists_every_key() {
        let user = layer(
            "/home/u/.config/satchel/config.toml",
            "sources = [\"a.js\", { path = \"/b.js\", connect = [\"https://api.example.com\"] }]\n",
        );
        let eff = resolve(None, Some(&user), &ConfigFile::default()).unwrap();
        assert_eq!(
            eff.sources[0].path,
            PathBuf::from("/home/u/.config/satchel/a.js")
        );
        assert_eq!(eff.sources[1].connect, ["https://api.example.com"]);
        let shown = eff.show();
        for key in KEYS {
            assert!(
                shown.contains(&format!("{key} = ")),
                "{key} missing from:\n{shown}"
            );
        }
        assert!(shown.contains("maxFiles = 1000  # default"), "{shown}");
    }

    #[test]
    fn spool_caps_are_sizes_the_policy_can_lock() {
        let policy = layer(
            "/etc/satchel/policy.toml",
            "spoolMaxPerSource = \"2MB\"\nspoolMaxTotal = \"1GiB\"\nlocked = [\"spoolMaxTotal\"]\n",
        );
        let user = layer(
            "/home/u/.config/satchel/config.toml",
            "spoolMaxPerSource = \"5MB\"\nspoolMaxTotal = \"9GB\"\n",
        );
        let effective = resolve(Some(&policy), Some(&user), &ConfigFile::default()).unwrap();
        assert_eq!(
            effective.spool_limits,
            SpoolLimits {
                per_source: Some(5_000_000),
                total: Some(1 << 30),
            }
        );
        assert!(effective.notices[0].message.contains("spoolMaxTotal"));
        let shown = effective.show();
        assert!(
            shown.contains("spoolMaxTotal = 1073741824  # /etc/satchel/policy.toml (locked)"),
            "{shown}"
        );
        let cli = ConfigFile {
            spool_max_total: Some(Size(1)),
            ..Default::default()
        };
        let err = resolve(Some(&policy), None, &cli).unwrap_err();
        assert_eq!(err.kind(), "locked");
        let none = resolve(None, None, &ConfigFile::default()).unwrap();
        assert!(none
            .show()
            .contains("spoolMaxPerSource = \"unlimited\"  # default"));
    }

    #[test]
    fn a_locked_sources_list_is_the_policys_alone() {
        let policy = layer(
            "/etc/satchel/policy.toml",
            "sources = [\"/opt/ok.js\"]\nlocked = [\"sources\"]\n",
        );
        let user = layer("/home/u/c.toml", "sources = [\"/home/u/mine.js\"]\n");
        let eff = resolve(Some(&policy), Some(&user), &ConfigFile::default()).unwrap();
        let paths: Vec<_> = eff.sources.iter().map(|s| s.path.clone()).collect();
        assert_eq!(paths, [PathBuf::from("/opt/ok.js")]);
        assert!(
            eff.notices
                .iter()
                .any(|n| n.kind == "locked" && n.message.contains("sources")),
            "{:?}",
            eff.notices
        );
        assert_eq!(
            eff.origins["sources"],
            Origin::Policy("/etc/satchel/policy.toml".into())
        );
        let cli = ConfigFile {
            sources: Some(vec![SourceSpec::Path("/tmp/evil.js".into())]),
            ..Default::default()
        };
        let err = resolve(Some(&policy), None, &cli).unwrap_err();
        assert_eq!(
            err.to_string(),
            "sources is locked by /etc/satchel/policy.toml"
        );
    }

    #[test]
    fn the_policy_fixes_the_s3_endpoint() {
        let policy = layer(
            "/etc/satchel/policy.toml",
            "destinations = [\"s3://corp/in/\", \"s3://corp/minio/?endpoint=https://minio.corp.example/\"]\nlocked = [\"destinations\"]\n",
        );
        let eff = resolve(Some(&policy), None, &ConfigFile::default()).unwrap();
        let asked = |url: &str| Some(url.to_owned());
        assert!(eff.s3_endpoint_allowed("s3://corp/in/", None).is_ok());
        let err = eff
            .s3_endpoint_allowed("s3://corp/in/", asked("http://evil.example:9000"))
            .unwrap_err();
        assert_eq!(err.kind(), "notAllowed");
        assert!(err.to_string().contains("evil.example"), "{err}");
        let minio = "s3://corp/minio/?endpoint=https://minio.corp.example/";
        assert!(eff.s3_endpoint_allowed(minio, None).is_ok());
        assert!(eff
            .s3_endpoint_allowed(minio, asked("https://minio.corp.example"))
            .is_ok());
        assert!(eff
            .s3_endpoint_allowed(minio, asked("https://evil.example"))
            .is_err());
        // Without a policy list, the endpoint is the person's to choose.
        let free = resolve(None, None, &ConfigFile::default()).unwrap();
        assert!(free
            .s3_endpoint_allowed("s3://b/", asked("http://127.0.0.1:9000"))
            .is_ok());
    }

    #[test]
    fn picture_options_layer_and_the_policy_can_lock_exif_cleanup() {
        let policy = layer(
            "/etc/satchel/policy.toml",
            "cleanupImageExif = true\nimageMax = [2000, 2000]\nlocked = [\"cleanupImageExif\"]\n",
        );
        let user = layer(
            "/home/u/.config/satchel/config.toml",
            "cleanupImageExif = false\nimageMax = \"1600x\"\nimageQuality = 0.8\n\
             transformations = { crop = { aspectRatio = 1.5, force = true }, circle = false }\n",
        );
        let eff = resolve(Some(&policy), Some(&user), &ConfigFile::default()).unwrap();
        let image = &eff.options.image;
        assert!(image.cleanup_image_exif, "locked by the policy");
        assert!(eff.notices[0].message.contains("cleanupImageExif"));
        assert_eq!(image.image_max, Some(Dims::parse("1600x").unwrap()));
        assert_eq!(image.image_quality, 0.8);
        assert_eq!(image.transformations.crop.ratio(), Some(1.5));
        assert!(!image.transformations.circle.offered());
        let shown = eff.show();
        assert!(
            shown.contains("cleanupImageExif = true  # /etc/satchel/policy.toml (locked)"),
            "{shown}"
        );
        assert!(shown.contains("imageMax = [1600, 0]"), "{shown}");
        assert!(
            shown.contains("transformations = { crop = { aspectRatio = 1.5, force = true }, circle = false, rotate = true }"),
            "{shown}"
        );
        let cli = ConfigFile {
            cleanup_image_exif: Some(false),
            ..Default::default()
        };
        assert_eq!(
            resolve(Some(&policy), None, &cli).unwrap_err().kind(),
            "locked"
        );
        assert!(toml::from_str::<ConfigFile>("imageMax = [0, 0]").is_err());
    }

    #[test]
    fn shipped_sources_follow_from_sources_and_providers_tables() {
        let policy = layer(
            "/etc/satchel/policy.toml",
            "[providers.googledrive]\nclient_id = \"corp.apps\"\n[providers.unsplash]\naccess_key = \"corp-key\"\n",
        );
        let user = layer(
            "/home/u/c.toml",
            "fromSources = [\"local_file_system\", \"unsplash\", \"googledrive\", \"facebook\", \"dropbox\"]\n\
             [providers.unsplash]\naccess_key = \"my-key\"\n",
        );
        let eff = resolve(Some(&policy), Some(&user), &ConfigFile::default()).unwrap();
        let names: Vec<String> = eff
            .shipped_sources
            .iter()
            .map(|s| s.shipped.as_ref().unwrap().name.clone())
            .collect();
        assert_eq!(names, ["unsplash", "googledrive", "dropbox"]);
        let unsplash = eff.shipped_sources[0].shipped.as_ref().unwrap();
        assert_eq!(unsplash.access_key.as_deref(), Some("my-key"));
        assert!(eff.shipped_sources[0].path.ends_with("unsplash.js"));
        assert_eq!(
            eff.shipped_sources[1].auth.as_ref().unwrap().client_id(),
            "corp.apps"
        );
        assert!(eff.shipped_sources[2]
            .shipped
            .as_ref()
            .unwrap()
            .missing
            .is_some());
        assert!(eff
            .notices
            .iter()
            .any(|n| n.kind == "sourceNotAvailable" && n.message.contains("facebook")));
        let shown = eff.show();
        assert!(shown.contains("providers = {"), "{shown}");
        assert!(
            !shown.contains("my-key") && !shown.contains("corp.apps"),
            "{shown}"
        );

        // A locked `providers` keeps the policy's; a table for no shipped source is reported.
        let policy = layer(
            "/etc/satchel/policy.toml",
            "locked = [\"providers\"]\n[providers.unsplash]\naccess_key = \"corp-key\"\n",
        );
        let eff = resolve(Some(&policy), Some(&user), &ConfigFile::default()).unwrap();
        assert_eq!(
            eff.shipped_sources[0]
                .shipped
                .as_ref()
                .unwrap()
                .access_key
                .as_deref(),
            Some("corp-key")
        );
        assert!(eff.notices.iter().any(|n| n.kind == "locked"));
        let odd = layer("/home/u/c.toml", "[providers.myspace]\nclient_id = \"x\"\n");
        let eff = resolve(None, Some(&odd), &ConfigFile::default()).unwrap();
        assert!(eff.notices.iter().any(|n| n.message.contains("myspace")));
    }

    #[test]
    fn sizes_take_units() {
        assert_eq!(parse_size("10MB").unwrap(), Size(10_000_000));
        assert_eq!(parse_size("1.5 GiB").unwrap(), Size(1_610_612_736));
        assert!(parse_size("lots").unwrap_err().contains("10MB"));
    }

    #[test]
    fn source_capabilities_default_on_and_the_policy_can_lock_them_off() {
        let dir = tempfile::tempdir().unwrap();
        let policy_path = dir.path().join("policy.toml");
        std::fs::write(
            &policy_path,
            "sourceStorage = false\nsourceLinks = false\nlocked = [\"sourceStorage\"]\n",
        )
        .unwrap();
        let policy = Layer::load(&policy_path).unwrap().unwrap();
        let eff = resolve(Some(&policy), None, &ConfigFile::default()).unwrap();
        assert_eq!(
            eff.source_capabilities,
            SourceCapabilities {
                storage: false,
                forms: true,
                links: false
            }
        );
        let cli = ConfigFile {
            source_storage: Some(true),
            ..Default::default()
        };
        assert_eq!(
            resolve(Some(&policy), None, &cli).unwrap_err().kind(),
            "locked"
        );
        let defaults = resolve(None, None, &ConfigFile::default()).unwrap();
        assert_eq!(defaults.source_capabilities, SourceCapabilities::default());
    }

    #[test]
    fn a_source_entry_may_sign_in_and_the_policy_may_keep_no_sign_in() {
        let user = layer(
            "/home/u/.config/satchel/config.toml",
            "sources = [{ path = \"/s/team.js\", connect = [\"https://files.example.com\"], \
             auth = { issuer = \"https://id.example.com\", client_id = \"c\", scopes = [\"openid\"] } }]\n",
        );
        let eff = resolve(None, Some(&user), &ConfigFile::default()).unwrap();
        let auth = eff.sources[0]
            .auth
            .as_ref()
            .expect("auth is kept with the source");
        assert_eq!(auth.client_id(), "c");
        assert!(eff.remember_sign_in, "kept in the keyring by default");

        let broken = layer(
            "/home/u/.config/satchel/config.toml",
            "sources = [{ path = \"/s/team.js\", auth = { issuer = \"http://id.example.com\", client_id = \"c\" } }]\n",
        );
        let eff = resolve(None, Some(&broken), &ConfigFile::default()).unwrap();
        assert!(eff.sources.is_empty(), "a broken user entry is not loaded");
        let said = &eff.notices[0].message;
        assert!(
            said.contains("/s/team.js") && said.contains("https"),
            "{said}"
        );

        let policy = layer(
            "/etc/satchel/policy.toml",
            "rememberSignIn = false\nlocked = [\"rememberSignIn\"]\n",
        );
        let mine = layer(
            "/home/u/.config/satchel/config.toml",
            "rememberSignIn = true\n",
        );
        let eff = resolve(Some(&policy), Some(&mine), &ConfigFile::default()).unwrap();
        assert!(!eff.remember_sign_in, "the policy's lock holds");
        assert!(eff.show().contains("rememberSignIn = false"));
    }

    #[test]
    fn a_forced_crop_needs_a_ratio() {
        let user = layer(
            "/home/u/.config/satchel/config.toml",
            "transformations = { crop = { force = true } }\n",
        );
        let eff = resolve(None, Some(&user), &ConfigFile::default()).unwrap();
        assert!(!eff.options.image.transformations.crop.forced());
        assert!(
            eff.notices
                .iter()
                .any(|n| n.message.contains("needs an aspectRatio")
                    && n.message.contains("config.toml")),
            "{:?}",
            eff.notices
        );
        let policy = layer(
            "/etc/satchel/policy.toml",
            "transformations = { crop = { force = true } }\n",
        );
        let err = resolve(Some(&policy), None, &ConfigFile::default()).unwrap_err();
        assert_eq!(err.kind(), "config");
        assert!(err.to_string().contains("policy.toml"), "{err}");
    }
}
