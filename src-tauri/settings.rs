//! From command line and files to the configuration in force.

use std::path::PathBuf;

use satchel_core::imaging::{parse_ratio, CropTool, Dims, Tool, Transformations};
use satchel_core::{
    parse_origin, parse_size, resolve_config, user_config_path, ConfigFile, Effective, Layer,
    SourceSpec, POLICY_PATH,
};

use crate::cli::{PickerArgs, Reach};

/// How to reach a destination besides its address.
pub fn reach_options(reach: &Reach) -> satchel_core::DestinationOptions {
    satchel_core::DestinationOptions {
        post_field: reach.post_field.clone(),
        headers: reach.headers.clone(),
        s3_endpoint: reach.s3_endpoint.clone(),
        stall_timeout: reach.stall_timeout.map(std::time::Duration::from_secs),
    }
}

/// The system policy's path. Debug builds (the test suite) may point it
/// elsewhere with SATCHEL_POLICY_FILE; release builds never do, so a user
/// cannot step around an admin's policy.
pub fn policy_path() -> PathBuf {
    #[cfg(debug_assertions)]
    if let Some(path) = std::env::var_os("SATCHEL_POLICY_FILE") {
        return path.into();
    }
    PathBuf::from(POLICY_PATH)
}

/// Reads the policy (fatal when broken) and the user's config (reported
/// when broken), and adds the command line on top.
pub fn load(args: &PickerArgs) -> Result<Effective, String> {
    let policy = Layer::load(&policy_path())
        .map_err(|e| format!("{e} (the system policy must be valid)"))?;
    let mut broken_user = None;
    let user = Layer::load(&user_config_path()).unwrap_or_else(|e| {
        broken_user = Some(e.info());
        None
    });
    let cli = from_args(args)?;
    let mut effective =
        resolve_config(policy.as_ref(), user.as_ref(), &cli).map_err(|e| e.to_string())?;
    if let Some(mut error) = broken_user {
        error.message = format!("{} (ignored; using the policy and defaults)", error.message);
        effective.notices.insert(0, error);
    }
    Ok(effective)
}

fn from_args(args: &PickerArgs) -> Result<ConfigFile, String> {
    let connect = args
        .source_connect
        .iter()
        .map(|o| parse_origin(o).map_err(|e| format!("--source-connect: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let scripts = args
        .source_script
        .iter()
        .map(|o| parse_origin(o).map_err(|e| format!("--source-script: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let max_size = match &args.max_size {
        Some(text) => Some(parse_size(text).map_err(|e| format!("--max-size: {e}"))?),
        None => None,
    };
    let sources: Vec<SourceSpec> = args
        .sources
        .iter()
        .map(|path| SourceSpec::Detailed {
            path: std::path::absolute(path).unwrap_or_else(|_| path.clone()),
            connect: connect.clone(),
            scripts: scripts.clone(),
            // Sign-in is configured in a config file, not on the command line.
            auth: None,
        })
        .collect();
    Ok(ConfigFile {
        max_files: args.max_files.map(|n| n as usize),
        min_files: args.min_files.map(|n| n as usize),
        max_size,
        accept: args.accept.clone(),
        from_sources: args.from_sources.as_ref().map(|list| {
            list.iter()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        }),
        upload_in_background: args.upload_in_background,
        lang: args.lang.clone(),
        destination: args.to.clone(),
        sources: (!sources.is_empty()).then_some(sources),
        image_max: dims(&args.image_max, "--image-max")?,
        image_min: dims(&args.image_min, "--image-min")?,
        image_dim: dims(&args.image_dim, "--image-dim")?,
        cleanup_image_exif: args.strip_exif.then_some(true),
        image_quality: match args.image_quality {
            Some(q) if !(q > 0.0 && q <= 1.0) => {
                return Err(format!(
                    "--image-quality: {q} is not between 0 and 1 (e.g. 0.92)"
                ))
            }
            other => other,
        },
        transformations: transformations(args)?,
        ..ConfigFile::default()
    })
}

fn dims(text: &Option<String>, flag: &str) -> Result<Option<Dims>, String> {
    text.as_deref()
        .map(|t| Dims::parse(t).map_err(|e| format!("{flag}: {e}")))
        .transpose()
}

/// `--crop-ratio`, `--crop-force` and `--circle` as Filestack's
/// `transformations`; the other tools stay offered.
fn transformations(args: &PickerArgs) -> Result<Option<Transformations>, String> {
    if args.crop_ratio.is_none() && !args.crop_force && !args.circle {
        return Ok(None);
    }
    let aspect_ratio = args
        .crop_ratio
        .as_deref()
        .map(|r| parse_ratio(r).map_err(|e| format!("--crop-ratio: {e}")))
        .transpose()?;
    Ok(Some(Transformations {
        crop: CropTool::Detailed {
            aspect_ratio,
            force: args.crop_force,
        },
        circle: if args.circle {
            Tool::Detailed { force: true }
        } else {
            Tool::Offered(true)
        },
        rotate: true,
    }))
}
