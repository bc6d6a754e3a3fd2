//! Turning what a person chose (files and folders) into a list of files.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::{Error, Result};

/// The regular files at `path`: itself if it is a file, or every file below
/// it (recursively, sorted by name, symlinks followed) if it is a folder.
/// Entries that cannot be read come back as errors beside the files that can.
pub fn files_at(path: &Path) -> Vec<Result<PathBuf>> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) => return vec![Err(Error::reading(path, e))],
    };
    if meta.is_file() {
        return vec![Ok(path.to_path_buf())];
    }
    if !meta.is_dir() {
        return vec![Err(Error::NotAFile {
            path: path.to_path_buf(),
        })];
    }
    WalkDir::new(path)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|entry| match entry {
            Ok(entry) if entry.file_type().is_file() => Some(Ok(entry.into_path())),
            Ok(_) => None,
            Err(e) => {
                let at = e.path().unwrap_or(path).to_path_buf();
                Some(Err(Error::reading(at, e.into())))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn a_folder_yields_its_files_recursively_in_order() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("b/c")).unwrap();
        fs::write(dir.path().join("a.txt"), "a").unwrap();
        fs::write(dir.path().join("b/c/d.txt"), "d").unwrap();
        fs::write(dir.path().join("b/z.txt"), "z").unwrap();
        let found: Vec<_> = files_at(dir.path())
            .into_iter()
            .map(|f| f.unwrap().strip_prefix(dir.path()).unwrap().to_path_buf())
            .collect();
        assert_eq!(
            found,
            [
                PathBuf::from("a.txt"),
                PathBuf::from("b/c/d.txt"),
                PathBuf::from("b/z.txt")
            ]
        );
    }

    #[test]
    fn a_missing_path_is_an_error() {
        let found = files_at(Path::new("/definitely/not/here"));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].as_ref().unwrap_err().kind(), "notFound");
    }
}
