//! Which source files a configuration loads: the custom sources each layer
//! lists (relative to its file), allowed by `userSources` or the policy's
//! `allowedSources` (a path or a `sha256:` pin), and the shipped sources
//! `fromSources` names, with their `[providers.*]` settings.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{ConfigFile, Layer, SourceSpec};
use crate::network::parse_origin;
use crate::providers::ProviderConfig;
use crate::sources::SourceFile;
use crate::{Error, ErrorInfo, Result};

/// The shipped sources `fromSources` names, in its order, each with its
/// settings (or what it lacks, which its pane says).
pub(super) fn shipped_sources(
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
/// A refusal names `refused_by`, the file that set `userSources`.
pub(super) fn collect_sources(
    policy: Option<&Layer>,
    user: Option<&Layer>,
    cli: &ConfigFile,
    refused_by: &Path,
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
                path: refused_by.to_owned(),
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
