//! The user's configuration file, `$XDG_CONFIG_HOME/satchel/config.toml`.
//!
//! ```toml
//! sources = [
//!   "/home/me/sources/photos.js",
//!   { path = "/home/me/sources/api.js", connect = ["https://api.example.com"] },
//! ]
//! ```
//!
//! A broken file never stops Satchel: the error is reported and the file is
//! treated as empty.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::sources::{parse_origin, SourceFile};
use crate::{Error, Result};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    #[serde(default)]
    pub sources: Vec<SourceSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum SourceSpec {
    Path(PathBuf),
    Detailed {
        path: PathBuf,
        #[serde(default)]
        connect: Vec<String>,
    },
}

pub fn user_config_path() -> PathBuf {
    dirs::config_dir()
        .unwrap_or_else(|| PathBuf::from(".config"))
        .join("satchel")
        .join("config.toml")
}

impl UserConfig {
    /// Reads the file; a missing file is an empty configuration.
    pub fn load(path: &Path) -> Result<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => {
                return Err(Error::Config {
                    path: path.into(),
                    message: e.to_string(),
                })
            }
        };
        toml::from_str(&text).map_err(|e| Error::Config {
            path: path.into(),
            message: e.to_string().trim().replace('\n', " "),
        })
    }

    /// The source files it lists, relative paths taken from the file's folder.
    pub fn source_files(&self, path: &Path) -> Result<Vec<SourceFile>> {
        let base = path.parent().unwrap_or(Path::new("."));
        self.sources
            .iter()
            .map(|spec| {
                let (file, connect) = match spec {
                    SourceSpec::Path(p) => (p, &[][..]),
                    SourceSpec::Detailed { path, connect } => (path, &connect[..]),
                };
                Ok(SourceFile {
                    path: base.join(file),
                    connect: connect
                        .iter()
                        .map(|o| parse_origin(o))
                        .collect::<Result<_>>()?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_plain_and_detailed_sources() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "sources = [\"a.js\", { path = \"/abs/b.js\", connect = [\"https://api.example.com\"] }]\n",
        )
        .unwrap();
        let config = UserConfig::load(&path).unwrap();
        let files = config.source_files(&path).unwrap();
        assert_eq!(files[0].path, dir.path().join("a.js"));
        assert_eq!(files[1].path, PathBuf::from("/abs/b.js"));
        assert_eq!(files[1].connect, ["https://api.example.com"]);
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "sources = []\ncolour = \"blue\"\n").unwrap();
        let err = UserConfig::load(&path).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("config.toml") && text.contains("line 2") && text.contains("colour"),
            "{text}"
        );
        assert!(UserConfig::load(&dir.path().join("missing.toml"))
            .unwrap()
            .sources
            .is_empty());
    }
}
