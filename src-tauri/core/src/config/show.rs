//! `satchel config show`: the settings in force as TOML values, one line
//! per key, with where each came from and whether the policy locked it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Effective, Origin, KEYS};
use crate::imaging::{Dims, Transformations};

impl Effective {
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
