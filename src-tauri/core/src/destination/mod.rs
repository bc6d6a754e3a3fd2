//! Where uploads go. Every destination implements [`Destination`]; the
//! pipeline knows nothing else about them.

pub mod folder;

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;

use crate::{Error, Result};

/// What a destination needs to know about one file.
#[derive(Debug, Clone)]
pub struct UploadItem {
    pub path: PathBuf,
    pub filename: String,
    pub mime: String,
    pub size: u64,
}

/// Where a file ended up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Landed {
    /// A path for folders, a URL for servers.
    pub url: String,
}

/// Told how many bytes of the current file the destination has taken.
pub trait Progress: Send + Sync {
    fn advanced(&self, transferred: u64);
}

#[async_trait]
pub trait Destination: Send + Sync {
    /// Shown to the person: where files will go.
    fn describe(&self) -> String;

    /// Checks the destination can take files at all, before any is sent, so
    /// an unusable destination fails once and clearly rather than per file.
    async fn prepare(&self) -> Result<()>;

    async fn upload(&self, item: &UploadItem, progress: Arc<dyn Progress>) -> Result<Landed>;
}

/// Turns what a person or program wrote after `--to` into a destination:
/// a folder path (relative to the working directory) or a `file://` URL.
pub fn parse(spec: &str) -> Result<Arc<dyn Destination>> {
    let bad = |reason: &str| Error::BadDestination {
        spec: spec.to_owned(),
        reason: reason.to_owned(),
    };
    let path = match url::Url::parse(spec) {
        Ok(url) if url.scheme() == "file" => url
            .to_file_path()
            .map_err(|()| bad("a file:// URL must name a local absolute path"))?,
        // One-letter "schemes" are Windows drive letters, not URLs.
        Ok(url) if url.scheme().len() > 1 => {
            return Err(bad(&format!(
                "the {}:// scheme is not supported; use a folder path or file:// URL",
                url.scheme()
            )))
        }
        _ if spec.trim().is_empty() => return Err(bad("it is empty")),
        _ => PathBuf::from(spec),
    };
    let path = std::path::absolute(&path).map_err(|e| bad(&e.to_string()))?;
    Ok(Arc::new(folder::FolderDestination::new(path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_and_file_urls_are_destinations() {
        assert_eq!(parse("/tmp/out").unwrap().describe(), "/tmp/out");
        assert_eq!(parse("file:///tmp/a%20b").unwrap().describe(), "/tmp/a b");
        let relative = parse("out").unwrap().describe();
        assert!(
            relative.starts_with('/') && relative.ends_with("/out"),
            "{relative}"
        );
    }

    #[test]
    fn other_schemes_and_empty_specs_are_refused_clearly() {
        let err = parse("ftp://host/x").err().unwrap();
        assert_eq!(err.kind(), "badDestination");
        assert!(
            err.to_string().contains("ftp:// scheme is not supported"),
            "{err}"
        );
        assert!(parse("  ").is_err());
        assert!(parse("file://remote-host/x").is_err());
    }
}
