//! Custom sources: what Satchel knows of each (its file, the origins it may
//! call, what it may do besides the actions) and the checks on what its code
//! says about itself. Their registry and lifecycle are in `registry.rs`.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::source_icon::MAX_ICON;
use crate::{Error, Result, LOCAL_SOURCE};

mod registry;

pub use registry::{SidebarItem, SourceEntry, SourceRegistry, Ticket, MAX_IN_FLIGHT};

/// Names Satchel's own sources use; a custom source cannot take them.
const RESERVED: &[&str] = &[LOCAL_SOURCE, crate::LINK_SOURCE, "local"];
const MAX_LABEL: usize = 64;
const MAX_NAME: usize = 64;

/// A source file to load, and what it may reach.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceFile {
    pub path: PathBuf,
    /// Origins (scheme://host[:port]) the source's own code may connect to.
    pub connect: Vec<String>,
    /// Origins the source may load scripts and style sheets from (a
    /// provider's SDK), with `<script src>` and `<link rel=stylesheet>`.
    pub scripts: Vec<String>,
    /// The SHA-256 (hex) the file must have, when the policy allowed it by
    /// its hash: checked each time the file is read, so a swapped file is refused.
    pub pin: Option<String>,
    /// How the source signs in, if it does (`auth` in its config entry):
    /// Rust then adds its token to requests to its `connect` origins, and
    /// its frame gets `actions.auth`.
    pub auth: Option<crate::auth::SourceAuth>,
    /// Set for the sources Satchel ships (`providers.rs`): their settings,
    /// from `[providers.<name>]`.
    pub shipped: Option<crate::providers::Shipped>,
}

/// What custom sources may do besides the actions; each is a key an admin
/// can turn off (`sourceStorage`, `sourceForms`, `sourceLinks`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceCapabilities {
    /// `localStorage` kept across restarts (off: it lasts as long as the window).
    pub storage: bool,
    /// Forms fire their submit events (they never send anything either way).
    pub forms: bool,
    /// `window.open` and `target="_blank"` links open web pages in the browser.
    pub links: bool,
}

impl Default for SourceCapabilities {
    fn default() -> Self {
        SourceCapabilities {
            storage: true,
            forms: true,
            links: true,
        }
    }
}

/// The hex SHA-256 of some bytes, as `allowedSources = ["sha256:…"]` names them.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What a source's code declares about itself once loaded.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Descriptor {
    /// Filestack's key for `fromSources`; derived from `label` when the
    /// source leaves it out (the seed's own snippet has none).
    #[serde(default)]
    pub name: Option<String>,
    pub label: String,
    #[serde(default)]
    pub icon: Option<String>,
}

impl Descriptor {
    /// The name the source acts as: its own, else one made from its label.
    pub fn name(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| name_from_label(&self.label))
    }

    /// Checks the seed's rules: `name` a unique key without spaces or special
    /// characters, `label` a short string, `icon` a short string.
    pub fn validate(&self, file: &str) -> Result<()> {
        let bad = |reason: String| Error::BadSource {
            file: file.to_owned(),
            reason,
        };
        if self.label.trim().is_empty() || self.label.chars().count() > MAX_LABEL {
            return Err(bad(format!("label must be 1-{MAX_LABEL} characters")));
        }
        let name = self.name();
        let name_ok = !name.is_empty()
            && name.len() <= MAX_NAME
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !name_ok {
            let hint = if self.name.is_none() {
                " (made from the label; give the source a name)"
            } else {
                ""
            };
            return Err(bad(format!(
                "name {name:?} must be 1-{MAX_NAME} letters, digits, '_' or '-'{hint}"
            )));
        }
        if RESERVED.contains(&name.as_str()) {
            return Err(bad(format!(
                "name {name:?} is reserved for a built-in source"
            )));
        }
        if let Some(icon) = &self.icon {
            if icon.len() > MAX_ICON {
                return Err(bad(format!("icon is over {MAX_ICON} bytes")));
            }
        }
        Ok(())
    }
}

/// A name for a source that has none: its label in lowercase letters, digits
/// and `-` ("LABEL_IN_MENU" becomes "label-in-menu", "Team files" "team-files").
pub fn name_from_label(label: &str) -> String {
    let mut name = String::new();
    for c in label.trim().chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            name.push(c);
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    name.trim_end_matches('-').chars().take(MAX_NAME).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desc(name: &str, label: &str) -> Descriptor {
        Descriptor {
            name: Some(name.into()),
            label: label.into(),
            icon: None,
        }
    }

    #[test]
    fn names_follow_the_seed() {
        assert!(desc("customSource", "My source").validate("s.js").is_ok());
        for bad in ["", "with space", "ünï", "a/b", "local_file_system"] {
            let err = desc(bad, "L").validate("s.js").unwrap_err();
            assert_eq!(err.kind(), "badSource", "{bad}");
            assert!(err.to_string().contains("s.js"));
        }
        assert!(desc("ok", " ").validate("s.js").is_err());
    }

    #[test]
    fn a_missing_name_is_made_from_the_label() {
        let mut d = desc("x", "LABEL_IN_MENU");
        d.name = None;
        assert_eq!(d.name(), "label-in-menu");
        assert!(d.validate("s.js").is_ok());
        assert_eq!(name_from_label("  Team files (EU) "), "team-files-eu");
        assert_eq!(name_from_label("Ünïcode Fotos"), "n-code-fotos");
        d.label = "★★★".into();
        let err = d.validate("s.js").unwrap_err().to_string();
        assert!(err.contains("give the source a name"), "{err}");
    }
}
