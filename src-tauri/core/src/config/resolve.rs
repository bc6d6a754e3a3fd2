//! Adding the layers up: defaults, the policy, the user's file and the
//! command line merged key by key into [`Effective`], with what the policy
//! locks and where each value came from.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::sources::{collect_sources, shipped_sources};
use super::{ConfigFile, Layer, Origin, KEYS, POLICY_PATH};
use crate::imaging::{CropTool, ImageOptions};
use crate::providers::ProviderConfig;
use crate::sources::{SourceCapabilities, SourceFile};
use crate::spool::SpoolLimits;
use crate::{Error, ErrorInfo, PickerOptions, Result};

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
    // A refused source names the file that turned `userSources` off.
    let sources_refused_by = match origins.get("userSources") {
        Some(Origin::User(path)) => path.clone(),
        _ => policy_path.clone(),
    };
    let sources = collect_sources(
        policy,
        user_for_sources,
        cli_for_sources,
        &sources_refused_by,
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
