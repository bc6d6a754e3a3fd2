//! The embedded default destination: a folder on this machine.
//!
//! When working on this file, keep in mind:
//! - bytes are copied in fixed chunks, never read whole, by the kernel
//!   (`io::copy` between files is `copy_file_range` on Linux: no trip
//!   through our memory, and a reflink where the filesystem has them);
//! - a file only appears under its final name once complete (temporary name,
//!   then an atomic hard link), so a crash leaves no half file behind a real name;
//! - an existing file is never overwritten: linking fails if the name is taken,
//!   and we move on to `name (1).ext`, without a race between check and write.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use uuid::Uuid;

use super::{Destination, Landed, UploadContext, UploadItem};
use crate::naming::{clean_filename, shorten, unclobbered_names, MAX_NAME_BYTES};
use crate::{Error, Result};

/// Bytes per step between progress reports and cancel checks.
const CHUNK: u64 = 8 << 20;

pub struct FolderDestination {
    root: PathBuf,
}

impl FolderDestination {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        FolderDestination { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn unwritable(&self, source: io::Error) -> Error {
        Error::DestinationUnwritable {
            path: self.root.clone(),
            source,
        }
    }
}

#[async_trait]
impl Destination for FolderDestination {
    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    async fn prepare(&self) -> Result<()> {
        let root = self.root.clone();
        let probe = tokio::task::spawn_blocking(move || -> io::Result<()> {
            fs::create_dir_all(&root)?;
            // Creating a file is the only honest test of "writable".
            let probe = root.join(format!(".satchel-probe-{}", Uuid::new_v4()));
            File::create(&probe)?;
            fs::remove_file(&probe)
        });
        match probe.await {
            Ok(result) => result.map_err(|e| self.unwritable(e)),
            Err(join) => Err(self.unwritable(io::Error::other(join))),
        }
    }

    async fn upload(&self, item: &UploadItem, ctx: UploadContext) -> Result<Landed> {
        let root = self.root.clone();
        let item = item.clone();
        let task = tokio::task::spawn_blocking(move || copy_into(&root, &item, &ctx));
        match task.await {
            Ok(result) => result,
            Err(join) => Err(self.unwritable(io::Error::other(join))),
        }
    }
}

fn copy_into(root: &Path, item: &UploadItem, ctx: &UploadContext) -> Result<Landed> {
    let copy_failed = |source| {
        Error::writing(root, source, |source| Error::CopyFailed {
            name: item.filename.clone(),
            dest: root.to_path_buf(),
            source,
        })
    };
    let mut input = File::open(&item.path).map_err(|e| Error::reading(&item.path, e))?;
    // Whatever the name's origin (a source, a server, a saved queue), it is
    // one plain name in `root`, with room left for " (123)" and the
    // temporary name's additions.
    let filename = shorten(&clean_filename(&item.filename), MAX_NAME_BYTES - 64);
    let temp = root.join(format!(".{filename}.satchel-{}.part", Uuid::new_v4()));
    let result = write_temp(&mut input, &temp, item, ctx)
        .and_then(|()| link_unclobbered(&temp, root, &filename).map_err(copy_failed));
    // The temporary name goes in every case: linked (the final name keeps the
    // data) or failed (nothing partial is left behind).
    let _ = fs::remove_file(&temp);
    result.map(|path| Landed {
        url: path.display().to_string(),
    })
}

fn write_temp(input: &mut File, temp: &Path, item: &UploadItem, ctx: &UploadContext) -> Result<()> {
    let dest = temp.parent().unwrap_or(temp).to_path_buf();
    let write_failed = |source| {
        Error::writing(&dest, source, |source| Error::CopyFailed {
            name: temp.display().to_string(),
            dest: dest.clone(),
            source,
        })
    };
    let mut output = File::create_new(temp).map_err(write_failed)?;
    let mut transferred = 0u64;
    loop {
        // The temporary file is removed by the caller: nothing is left, and
        // a paused copy starts again (a local copy is quick to redo).
        if ctx.cancel.is_cancelled() {
            return Err(Error::Cancelled {
                name: item.filename.clone(),
            });
        }
        if ctx.pause.is_cancelled() {
            return Err(Error::Paused {
                name: item.filename.clone(),
            });
        }
        // A failure here may be the read or the write: the error names
        // the file being copied and where to (or says the disk is full).
        let n = match io::copy(&mut (&*input).take(CHUNK), &mut output) {
            Ok(0) => break,
            Ok(n) => n,
            Err(source) => {
                return Err(Error::writing(&dest, source, |source| Error::CopyFailed {
                    name: item.path.display().to_string(),
                    dest: dest.clone(),
                    source,
                }))
            }
        };
        transferred += n;
        ctx.progress.advanced(transferred);
    }
    output.sync_all().map_err(write_failed)
}

/// Gives `temp` the first free name of `filename`'s sequence in `root`.
fn link_unclobbered(temp: &Path, root: &Path, filename: &str) -> io::Result<PathBuf> {
    for name in unclobbered_names(filename) {
        let candidate = root.join(&name);
        match fs::hard_link(temp, &candidate) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    unreachable!("unclobbered_names never ends")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::destination::Progress;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;

    struct Last(AtomicU64);
    impl Progress for Last {
        fn advanced(&self, transferred: u64) {
            self.0.store(transferred, Ordering::SeqCst);
        }
    }

    fn item(path: &Path) -> UploadItem {
        UploadItem {
            path: path.to_path_buf(),
            filename: path.file_name().unwrap().to_string_lossy().into_owned(),
            mime: "application/octet-stream".into(),
            size: fs::metadata(path).unwrap().len(),
        }
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[tokio::test]
    async fn copies_byte_identical_and_never_clobbers() {
        let src = tempfile::tempdir().unwrap();
        let dest = tempfile::tempdir().unwrap();
        let path = src.path().join("data.bin");
        // Larger than one chunk, and not a multiple of it.
        let data: Vec<u8> = (0..(CHUNK as usize * 2 + 123))
            .map(|i| (i % 251) as u8)
            .collect();
        fs::write(&path, &data).unwrap();
        fs::write(dest.path().join("data.bin"), b"already here").unwrap();

        let folder = FolderDestination::new(dest.path());
        folder.prepare().await.unwrap();
        let progress = Arc::new(Last(AtomicU64::new(0)));
        let ctx = UploadContext::new(progress.clone());
        let first = folder.upload(&item(&path), ctx.clone()).await.unwrap();
        let second = folder.upload(&item(&path), ctx).await.unwrap();

        assert_eq!(
            first.url,
            dest.path().join("data (1).bin").display().to_string()
        );
        assert_eq!(
            second.url,
            dest.path().join("data (2).bin").display().to_string()
        );
        assert_eq!(
            fs::read(dest.path().join("data.bin")).unwrap(),
            b"already here"
        );
        assert_eq!(fs::read(&first.url).unwrap(), data);
        assert_eq!(progress.0.load(Ordering::SeqCst), data.len() as u64);
        // No temporary files are left behind.
        assert_eq!(
            entries(dest.path()),
            ["data (1).bin", "data (2).bin", "data.bin"]
        );
    }

    #[tokio::test]
    async fn names_from_elsewhere_cannot_leave_the_folder_or_overflow_it() {
        let src = tempfile::tempdir().unwrap();
        let dest = tempfile::tempdir().unwrap();
        let path = src.path().join("data.bin");
        fs::write(&path, b"x").unwrap();
        let folder = FolderDestination::new(dest.path().join("in"));
        folder.prepare().await.unwrap();
        let progress = Arc::new(Last(AtomicU64::new(0)));
        let long = format!("{}.txt", "é".repeat(200));
        for (name, landed) in [
            ("../../escape.txt", "escape.txt".to_owned()),
            ("..", "download".to_owned()),
            ("nul.txt", "_nul.txt".to_owned()),
            (long.as_str(), format!("{}.txt", "é".repeat(93))),
            (long.as_str(), format!("{} (1).txt", "é".repeat(93))),
        ] {
            let mut item = item(&path);
            item.filename = name.into();
            let ctx = UploadContext::new(progress.clone());
            let got = folder.upload(&item, ctx).await.unwrap();
            assert_eq!(
                got.url,
                dest.path().join("in").join(&landed).display().to_string()
            );
        }
        assert_eq!(entries(dest.path()), ["in"]);
    }

    #[tokio::test]
    async fn a_destination_under_a_file_is_unwritable() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("file"), b"x").unwrap();
        let folder = FolderDestination::new(dir.path().join("file/sub"));
        let err = folder.prepare().await.unwrap_err();
        assert_eq!(err.kind(), "destinationUnwritable");
        assert!(err.to_string().contains("file/sub"), "{err}");
    }

    #[tokio::test]
    async fn a_vanished_source_fails_cleanly() {
        let src = tempfile::tempdir().unwrap();
        let dest = tempfile::tempdir().unwrap();
        let path = src.path().join("gone.txt");
        fs::write(&path, b"x").unwrap();
        let it = item(&path);
        fs::remove_file(&path).unwrap();
        let folder = FolderDestination::new(dest.path());
        let err = folder
            .upload(&it, UploadContext::new(Arc::new(Last(AtomicU64::new(0)))))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "notFound");
        assert!(entries(dest.path()).is_empty());
    }

    #[tokio::test]
    async fn a_cancelled_copy_leaves_nothing_behind() {
        let src = tempfile::tempdir().unwrap();
        let dest = tempfile::tempdir().unwrap();
        let path = src.path().join("big.bin");
        fs::write(&path, vec![7u8; CHUNK as usize * 3]).unwrap();
        let ctx = UploadContext::new(Arc::new(Last(AtomicU64::new(0))));
        ctx.cancel.cancel();
        let err = FolderDestination::new(dest.path())
            .upload(&item(&path), ctx)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "cancelled");
        assert!(entries(dest.path()).is_empty());
    }
}
