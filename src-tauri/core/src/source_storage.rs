//! A custom source's `localStorage`, kept by Rust so it survives restarts
//! while the source's frame (an opaque origin) has no storage of its own.
//!
//! When working on this file, keep in mind:
//! - a source is named by its frame, never by what it sends: the name given
//!   here comes from the source registry, and each name has its own folder
//!   `$XDG_STATE_HOME/satchel/sources/<name>/`, so no source sees another's;
//! - files are 0600 in 0700 folders and written atomically (temporary file,
//!   fsync, rename), so a crash leaves the old or the new storage, never half;
//! - a source may keep at most [`STORAGE_QUOTA`] bytes (keys and values, UTF-8);
//!   past that a write is refused and nothing changes;
//! - a file that cannot be read is moved aside (`local-storage.json.corrupt`)
//!   and the source starts empty: a broken file never stops a source.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::{Error, Result};

/// The most one source may keep: keys and values, counted in UTF-8 bytes.
pub const STORAGE_QUOTA: usize = 5 * 1024 * 1024;
const FILE: &str = "local-storage.json";

/// What one source keeps, by key.
pub type Items = BTreeMap<String, String>;

/// Every source's `localStorage`, under one folder.
#[derive(Debug)]
pub struct SourceStorage {
    root: PathBuf,
    /// What was read or written, so a `setItem` does not read the file again.
    cache: Mutex<HashMap<String, Items>>,
}

impl Default for SourceStorage {
    fn default() -> Self {
        Self::new(crate::default_state_dir().join("sources"))
    }
}

impl SourceStorage {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        SourceStorage {
            root: root.into(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Everything `source` keeps (empty for a source that kept nothing).
    pub fn load(&self, source: &str) -> Result<Items> {
        let mut cache = self.lock();
        Ok(self.cached(&mut cache, source)?.clone())
    }

    /// `localStorage.setItem`: refused with `storageFull` past the quota.
    pub fn set(&self, source: &str, key: String, value: String) -> Result<()> {
        self.change(source, |items| {
            let old = items.get(&key).map_or(0, |v| key.len() + v.len());
            let used = used(items) - old + key.len() + value.len();
            if used > STORAGE_QUOTA {
                return Err(Error::StorageFull {
                    source_name: source.to_owned(),
                    limit: STORAGE_QUOTA as u64,
                });
            }
            items.insert(key, value);
            Ok(())
        })
    }

    /// `localStorage.removeItem`.
    pub fn remove(&self, source: &str, key: &str) -> Result<()> {
        self.change(source, |items| {
            items.remove(key);
            Ok(())
        })
    }

    /// `localStorage.clear`.
    pub fn clear(&self, source: &str) -> Result<()> {
        self.change(source, |items| {
            items.clear();
            Ok(())
        })
    }

    /// `satchel sources forget NAME`: removes everything the source kept.
    /// Answers whether there was anything to remove.
    pub fn forget(&self, source: &str) -> Result<bool> {
        let dir = self.dir(source)?;
        self.lock().remove(source);
        match fs::remove_dir_all(&dir) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(source) => Err(Error::StateUnwritable { path: dir, source }),
        }
    }

    fn change(&self, source: &str, edit: impl FnOnce(&mut Items) -> Result<()>) -> Result<()> {
        let mut cache = self.lock();
        let mut items = self.cached(&mut cache, source)?.clone();
        edit(&mut items)?;
        let dir = self.dir(source)?;
        let path = dir.join(FILE);
        // A map of strings always serialises.
        let json = serde_json::to_vec(&items).unwrap_or_default();
        crate::persist::write_atomically(&dir, FILE, &json).map_err(|source| {
            Error::writing(&path, source, |source| Error::StateUnwritable {
                path: path.clone(),
                source,
            })
        })?;
        cache.insert(source.to_owned(), items);
        Ok(())
    }

    fn cached<'a>(
        &self,
        cache: &'a mut HashMap<String, Items>,
        source: &str,
    ) -> Result<&'a mut Items> {
        if !cache.contains_key(source) {
            let items = read(&self.dir(source)?.join(FILE));
            cache.insert(source.to_owned(), items);
        }
        Ok(cache.entry(source.to_owned()).or_default())
    }

    /// The source's folder; names are the registry's (letters, digits, `_`, `-`),
    /// checked again here since the folder is built from them.
    fn dir(&self, source: &str) -> Result<PathBuf> {
        let plain = !source.is_empty()
            && source.len() <= 64
            && source
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !plain {
            return Err(Error::UnknownSource(source.to_owned()));
        }
        Ok(self.root.join(source))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Items>> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn used(items: &Items) -> usize {
    items.iter().map(|(k, v)| k.len() + v.len()).sum()
}

/// Reads a storage file; a missing one is empty, a broken one is moved aside.
fn read(path: &Path) -> Items {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(_) => return Items::new(),
    };
    match serde_json::from_slice(&bytes) {
        Ok(items) => items,
        Err(_) => {
            let _ = fs::rename(path, path.with_extension("json.corrupt"));
            Items::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_survive_a_new_storage_and_stay_with_their_source() {
        let dir = tempfile::tempdir().unwrap();
        let storage = SourceStorage::new(dir.path());
        storage
            .set("photos", "theme".into(), "dark".into())
            .unwrap();
        storage.set("photos", "user".into(), "ada".into()).unwrap();
        storage.set("drive", "token".into(), "t".into()).unwrap();
        storage.remove("photos", "user").unwrap();

        let again = SourceStorage::new(dir.path());
        assert_eq!(
            again.load("photos").unwrap(),
            Items::from([("theme".into(), "dark".into())])
        );
        assert_eq!(again.load("drive").unwrap().len(), 1);
        assert!(again.load("other").unwrap().is_empty());
        again.clear("drive").unwrap();
        assert!(SourceStorage::new(dir.path())
            .load("drive")
            .unwrap()
            .is_empty());
    }

    #[test]
    fn the_quota_refuses_a_write_and_keeps_what_was_there() {
        let dir = tempfile::tempdir().unwrap();
        let storage = SourceStorage::new(dir.path());
        let big = "x".repeat(STORAGE_QUOTA - 10);
        storage.set("s", "a".into(), big.clone()).unwrap();
        let err = storage
            .set("s", "b".into(), "0123456789".into())
            .unwrap_err();
        assert_eq!(err.kind(), "storageFull");
        // Replacing a value counts the old one out first.
        storage.set("s", "a".into(), "small".into()).unwrap();
        storage.set("s", "b".into(), "0123456789".into()).unwrap();
        assert_eq!(SourceStorage::new(dir.path()).load("s").unwrap().len(), 2);
    }

    #[test]
    fn files_are_private_and_names_cannot_leave_the_folder() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let storage = SourceStorage::new(dir.path());
        storage.set("s", "k".into(), "v".into()).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.path().join("s")), 0o700);
        assert_eq!(mode(&dir.path().join("s").join(FILE)), 0o600);
        for bad in ["", "..", "../x", "a/b", "a b"] {
            assert!(storage.set(bad, "k".into(), "v".into()).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_broken_file_is_moved_aside_and_forget_removes_everything() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("s")).unwrap();
        fs::write(dir.path().join("s").join(FILE), "{not json").unwrap();
        let storage = SourceStorage::new(dir.path());
        assert!(storage.load("s").unwrap().is_empty());
        assert!(dir
            .path()
            .join("s")
            .join("local-storage.json.corrupt")
            .exists());
        storage.set("s", "k".into(), "v".into()).unwrap();
        assert!(storage.forget("s").unwrap());
        assert!(!dir.path().join("s").exists());
        assert!(!storage.forget("s").unwrap());
        assert!(storage.load("s").unwrap().is_empty());
    }
}
