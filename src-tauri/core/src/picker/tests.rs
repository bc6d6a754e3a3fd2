//! The picker driven end to end against a folder destination.

use std::fs;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::*;
use crate::destination::{UploadContext, UploadItem};
use crate::events::EventSink;
use crate::{FileStatus, FolderDestination, NoEvents};

struct Recorder(Mutex<Vec<Snapshot>>);
impl EventSink for Recorder {
    fn state_changed(&self, snapshot: &Snapshot) {
        self.0.lock().unwrap().push(snapshot.clone());
    }
}

#[tokio::test]
async fn adds_uploads_and_reports_every_change() {
    let src = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    fs::write(src.path().join("a.txt"), b"hello").unwrap();
    fs::create_dir(src.path().join("sub")).unwrap();
    fs::write(src.path().join("sub/b.png"), b"\x89PNG\r\n\x1a\n....").unwrap();
    let recorder = Arc::new(Recorder(Mutex::new(vec![])));
    let picker = Picker::new(
        Arc::new(FolderDestination::new(dest.path())),
        recorder.clone(),
    );

    let outcome = picker.add_paths(
        &[
            src.path().join("a.txt"),
            src.path().join("sub"),
            src.path().join("nope"),
        ],
        "local_file_system",
    );
    assert_eq!(outcome.added.len(), 2);
    assert_eq!(picker.file(outcome.added[1]).unwrap().mime, "image/png");
    assert_eq!(outcome.errors.len(), 1);
    assert_eq!(outcome.errors[0].kind, "notFound");
    assert_eq!(picker.snapshot().notices.len(), 1);

    let done = picker.upload().await.unwrap();
    assert_eq!(done.files_uploaded.len(), 2);
    assert!(done.files_failed.is_empty());
    assert_eq!(fs::read(dest.path().join("a.txt")).unwrap(), b"hello");
    assert!(dest.path().join("b.png").exists());

    let snapshots = recorder.0.lock().unwrap();
    let last = snapshots.last().unwrap();
    assert!(last.finished && !last.uploading);
    assert_eq!(last.totals.transferred, last.totals.size);
    assert!(snapshots.iter().any(|s| s.uploading));
    assert!(last.files.iter().all(|f| f.status == FileStatus::Done));
}

#[tokio::test]
async fn an_unwritable_destination_fails_once_and_loses_nothing() {
    let src = tempfile::tempdir().unwrap();
    fs::write(src.path().join("a.txt"), b"a").unwrap();
    fs::write(src.path().join("blocker"), b"").unwrap();
    let picker = Picker::new(
        Arc::new(FolderDestination::new(src.path().join("blocker/dest"))),
        Arc::new(NoEvents),
    );
    picker.add_paths(&[src.path().join("a.txt")], "local_file_system");

    let err = picker.upload().await.unwrap_err();
    assert_eq!(err.kind(), "destinationUnwritable");
    let state = picker.snapshot();
    assert!(!state.uploading);
    assert_eq!(state.files[0].status, FileStatus::Queued);
    assert_eq!(state.notices[0].error.kind, "destinationUnwritable");
    assert_eq!(fs::read(src.path().join("a.txt")).unwrap(), b"a");
}

#[tokio::test]
async fn nothing_to_upload_is_an_error_and_removed_files_stay_removed() {
    let src = tempfile::tempdir().unwrap();
    fs::write(src.path().join("a.txt"), b"a").unwrap();
    let picker = Picker::new(
        Arc::new(FolderDestination::new(src.path().join("out"))),
        Arc::new(NoEvents),
    );
    let added = picker.add_paths(&[src.path().join("a.txt")], "local_file_system");
    picker.remove(added.added[0]).unwrap();
    assert_eq!(picker.upload().await.unwrap_err().kind(), "nothingToUpload");
    assert!(!src.path().join("out").exists());
}

/// Holds every file until cancelled or paused, counting how many it holds at once
/// and noting each file it was given.
#[derive(Default)]
struct Gate {
    inside: std::sync::atomic::AtomicUsize,
    most: std::sync::atomic::AtomicUsize,
    given: Mutex<Vec<String>>,
}

impl Gate {
    fn times_given(&self, name: &str) -> usize {
        self.given
            .lock()
            .unwrap()
            .iter()
            .filter(|n| *n == name)
            .count()
    }
}

#[async_trait::async_trait]
impl Destination for Gate {
    fn describe(&self) -> String {
        "gate".into()
    }
    async fn prepare(&self) -> Result<()> {
        Ok(())
    }
    async fn upload(&self, item: &UploadItem, ctx: UploadContext) -> Result<crate::Landed> {
        use std::sync::atomic::Ordering::SeqCst;
        self.given.lock().unwrap().push(item.filename.clone());
        let now = self.inside.fetch_add(1, SeqCst) + 1;
        self.most.fetch_max(now, SeqCst);
        let name = item.filename.clone();
        let stopped = tokio::select! {
            () = ctx.cancel.cancelled() => Error::Cancelled { name },
            () = ctx.pause.cancelled() => Error::Paused { name },
        };
        self.inside.fetch_sub(1, SeqCst);
        Err(stopped)
    }
}

#[tokio::test]
async fn a_run_changes_only_the_files_it_starts() {
    use std::sync::atomic::Ordering::SeqCst;
    let src = tempfile::tempdir().unwrap();
    for i in 0..20 {
        fs::write(src.path().join(format!("{i:02}.txt")), b"x").unwrap();
    }
    let gate = Arc::new(Gate::default());
    let picker = Arc::new(Picker::new(gate.clone(), Arc::new(NoEvents)).with_concurrency(2));
    let added = picker.add_paths(&[src.path().to_path_buf()], "local_file_system");
    picker.shared.lock().queue_mut().take_changed();
    let running = tokio::spawn({
        let picker = picker.clone();
        async move { picker.upload().await }
    });
    while gate.inside.load(SeqCst) < 2 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The files waiting for their turn were only looked at: nothing of
    // them goes to the journal again (100,000 may wait).
    let changed = picker.shared.lock().queue_mut().take_changed();
    assert_eq!(changed, added.added[..2]);
    picker.cancel_all();
    let done = running.await.unwrap().unwrap();
    assert_eq!(done.files_failed.len(), 20);
}

#[tokio::test]
async fn files_go_a_few_at_a_time_and_can_be_cancelled() {
    use std::sync::atomic::Ordering::SeqCst;
    let src = tempfile::tempdir().unwrap();
    for i in 0..5 {
        fs::write(src.path().join(format!("{i}.txt")), b"x").unwrap();
    }
    let gate = Arc::new(Gate::default());
    let picker = Arc::new(Picker::new(gate.clone(), Arc::new(NoEvents)).with_concurrency(2));
    let added = picker.add_paths(&[src.path().to_path_buf()], "local_file_system");
    let running = tokio::spawn({
        let picker = picker.clone();
        async move { picker.upload().await }
    });
    while gate.inside.load(SeqCst) < 2 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // One file alone first: the next one waiting takes its place.
    picker.cancel(added.added[0]).unwrap();
    while picker.snapshot().files[0].status != FileStatus::Failed {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(gate.inside.load(SeqCst), 2);
    picker.cancel_all();
    let done = running.await.unwrap().unwrap();

    assert_eq!(gate.most.load(SeqCst), 2);
    assert_eq!(done.files_failed.len(), 5);
    assert!(done
        .files_failed
        .iter()
        .all(|f| f.error.as_ref().unwrap().kind == "cancelled"));
    assert!(!picker.snapshot().uploading);
    assert_eq!(
        picker.cancel(Uuid::new_v4()).unwrap_err().kind(),
        "unknownFile"
    );
}

#[tokio::test]
async fn in_the_background_mode_adding_starts_the_upload() {
    let src = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    for name in ["a.txt", "b.txt"] {
        fs::write(src.path().join(name), name).unwrap();
    }
    let folder = || Arc::new(FolderDestination::new(dest.path()));
    let landed = |name: &str| dest.path().join(name).exists();
    let picker = Arc::new(Picker::new(folder(), Arc::new(NoEvents)).with_background(true));
    tokio::spawn(picker.clone().upload_in_background(true));
    for name in ["a.txt", "b.txt"] {
        picker.add_paths(&[src.path().join(name)], "local_file_system");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !landed(name) {
            assert!(Instant::now() < deadline, "{name} was not uploaded");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    picker.idle().await;
    assert!(picker.snapshot().finished);

    // Without the option, adding only queues.
    let quiet = Arc::new(Picker::new(folder(), Arc::new(NoEvents)));
    tokio::time::timeout(
        Duration::from_secs(1),
        quiet.clone().upload_in_background(true),
    )
    .await
    .expect("returns at once without uploadInBackground");
    fs::write(src.path().join("c.txt"), b"c").unwrap();
    quiet.add_paths(&[src.path().join("c.txt")], "local_file_system");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!landed("c.txt"));
}

#[tokio::test]
async fn idle_waits_for_the_run_and_pausing_keeps_new_files_out() {
    use std::sync::atomic::Ordering::SeqCst;
    let src = tempfile::tempdir().unwrap();
    for i in 0..3 {
        fs::write(src.path().join(format!("{i}.txt")), b"x").unwrap();
    }
    let gate = Arc::new(Gate::default());
    let picker = Arc::new(Picker::new(gate.clone(), Arc::new(NoEvents)).with_background(true));
    // Nothing runs: idle at once.
    tokio::time::timeout(Duration::from_secs(1), picker.idle())
        .await
        .unwrap();
    picker.add_paths(&[src.path().join("0.txt")], "local_file_system");
    let running = tokio::spawn({
        let picker = picker.clone();
        async move { picker.upload().await }
    });
    while gate.inside.load(SeqCst) < 1 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let idle = tokio::time::timeout(Duration::from_millis(100), picker.idle()).await;
    assert!(idle.is_err(), "idle while a file is being sent");

    let paused = tokio::spawn({
        let picker = picker.clone();
        async move { picker.pause_until_idle().await }
    });
    // Added while pausing: it waits instead of joining the run.
    picker.add_paths(&[src.path().join("1.txt")], "local_file_system");
    tokio::time::timeout(Duration::from_secs(5), paused)
        .await
        .expect("the run ends once paused")
        .unwrap();
    running.await.unwrap().unwrap();
    assert_eq!(gate.times_given("1.txt"), 0);
    assert!(picker
        .snapshot()
        .files
        .iter()
        .all(|f| f.status == FileStatus::Queued));
}

#[tokio::test]
async fn small_files_share_the_slot_of_a_large_one_unless_told_a_number() {
    use std::sync::atomic::Ordering::SeqCst;
    let most_at_once = |sizes: Vec<usize>, exact: Option<usize>| async move {
        let src = tempfile::tempdir().unwrap();
        for (i, size) in sizes.iter().enumerate() {
            fs::write(src.path().join(format!("{i}.bin")), vec![7u8; *size]).unwrap();
        }
        let gate = Arc::new(Gate::default());
        let mut picker = Picker::new(gate.clone(), Arc::new(NoEvents));
        if let Some(files) = exact {
            picker = picker.with_concurrency(files);
        }
        let picker = Arc::new(picker);
        picker.add_paths(&[src.path().to_path_buf()], "local_file_system");
        let running = tokio::spawn({
            let picker = picker.clone();
            async move { picker.upload().await }
        });
        // Let every file that may start, start.
        tokio::time::sleep(Duration::from_millis(200)).await;
        picker.cancel_all();
        running.await.unwrap().unwrap();
        gate.most.load(SeqCst)
    };
    let big = SMALL_FILE as usize;
    assert_eq!(most_at_once(vec![10; 20], None).await, 16);
    assert_eq!(most_at_once(vec![big; 6], None).await, 4);
    assert_eq!(most_at_once(vec![10; 20], Some(3)).await, 3);
}

#[tokio::test]
async fn the_queue_is_saved_and_can_be_restored() {
    let src = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    fs::write(src.path().join("a.txt"), b"a").unwrap();
    let store = Store::new(state.path());
    let picker = Picker::new(
        Arc::new(FolderDestination::new(dest.path())),
        Arc::new(NoEvents),
    )
    .with_store(store.clone(), "somewhere");
    picker.add_paths(&[src.path().join("a.txt")], "local_file_system");
    let saved = store.load().unwrap().unwrap();
    assert_eq!(saved.destination, "somewhere");
    assert_eq!(saved.files[0].status, FileStatus::Queued);

    // A second picker (the next start) takes the queue over and sends it.
    let again = Picker::new(
        Arc::new(FolderDestination::new(dest.path())),
        Arc::new(NoEvents),
    )
    .with_store(store.clone(), "somewhere");
    again.restore(saved);
    let done = again.upload().await.unwrap();
    assert_eq!(done.files_uploaded.len(), 1);
    // Everything landed: nothing is left to resume.
    assert_eq!(store.load().unwrap(), None);
}

#[tokio::test]
async fn a_failed_file_is_reported_and_retried_next_time() {
    let src = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let path = src.path().join("a.txt");
    fs::write(&path, b"a").unwrap();
    let picker = Picker::new(
        Arc::new(FolderDestination::new(dest.path())),
        Arc::new(NoEvents),
    );
    picker.add_paths(std::slice::from_ref(&path), "local_file_system");
    fs::remove_file(&path).unwrap();

    let done = picker.upload().await.unwrap();
    assert_eq!(done.files_failed.len(), 1);
    assert_eq!(
        done.files_failed[0].error.as_ref().unwrap().kind,
        "notFound"
    );
    assert!(!picker.snapshot().finished);

    fs::write(&path, b"a").unwrap();
    let done = picker.upload().await.unwrap();
    assert_eq!(done.files_uploaded.len(), 1);
    assert!(done.files_failed.is_empty());
}

#[tokio::test]
async fn only_a_failed_file_can_be_retried_and_it_is_waiting_again() {
    let src = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let path = src.path().join("a.txt");
    fs::write(&path, b"a").unwrap();
    let picker = Picker::new(
        Arc::new(FolderDestination::new(dest.path())),
        Arc::new(NoEvents),
    );
    picker.add_paths(std::slice::from_ref(&path), "local_file_system");
    let uuid = picker.snapshot().files[0].uuid;
    let err = picker.retry(uuid).unwrap_err();
    assert_eq!(err.kind(), "notRetryable");
    assert!(err.to_string().contains("waiting"), "{err}");

    fs::remove_file(&path).unwrap();
    picker.upload().await.unwrap();
    assert_eq!(picker.file(uuid).unwrap().status, FileStatus::Failed);

    // No run is going: the file waits, queued and without its error.
    assert!(!picker.retry(uuid).unwrap());
    let file = picker.file(uuid).unwrap();
    assert_eq!(file.status, FileStatus::Queued);
    assert!(file.error.is_none());
    assert_eq!(
        picker.retry(Uuid::new_v4()).unwrap_err().kind(),
        "unknownFile"
    );

    // Retrying sends that file alone; another failed file keeps waiting.
    let other = src.path().join("b.txt");
    fs::write(&other, b"b").unwrap();
    picker.add_paths(std::slice::from_ref(&other), "local_file_system");
    fs::remove_file(&other).unwrap();
    fs::write(&path, b"a").unwrap();
    let done = picker.upload_where(|f| f.uuid == uuid).await.unwrap();
    assert_eq!(done.files_uploaded.len(), 1);
    assert_eq!(picker.file(uuid).unwrap().status, FileStatus::Done);
    assert_eq!(picker.snapshot().files[1].status, FileStatus::Queued);
}

#[tokio::test]
async fn a_retried_file_joins_the_running_upload_once() {
    use std::sync::atomic::Ordering::SeqCst;
    let src = tempfile::tempdir().unwrap();
    for i in 0..3 {
        fs::write(src.path().join(format!("{i}.txt")), b"x").unwrap();
    }
    let gate = Arc::new(Gate::default());
    let picker = Arc::new(Picker::new(gate.clone(), Arc::new(NoEvents)).with_concurrency(2));
    let added = picker.add_paths(&[src.path().to_path_buf()], "local_file_system");
    let ids: Vec<Uuid> = added.added;
    let start = || {
        let picker = picker.clone();
        tokio::spawn(async move { picker.upload().await })
    };
    let holding = |n: usize| {
        let gate = gate.clone();
        async move {
            while gate.inside.load(SeqCst) < n {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    };
    // A first run where every file fails.
    let running = start();
    holding(2).await;
    picker.cancel_all();
    assert_eq!(running.await.unwrap().unwrap().files_failed.len(), 3);

    // The next run takes them all again: the third, waiting its turn,
    // is no longer failed and cannot be retried (and sent twice).
    let third_before = gate.times_given("2.txt");
    let running = start();
    holding(2).await;
    assert_eq!(picker.retry(ids[2]).unwrap_err().kind(), "notRetryable");
    // A file that fails during the run is retried into it.
    let before = gate.times_given("0.txt");
    picker.cancel(ids[0]).unwrap();
    while picker.file(ids[0]).unwrap().status != FileStatus::Failed {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(picker.retry(ids[0]).unwrap(), "joins the running upload");
    assert_eq!(picker.retry(ids[0]).unwrap_err().kind(), "notRetryable");
    picker.cancel(ids[1]).unwrap();
    while gate.times_given("0.txt") < before + 1 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    holding(2).await;
    picker.cancel_all();
    let done = running.await.unwrap().unwrap();
    assert_eq!(gate.times_given("0.txt"), before + 1, "sent once more");
    assert_eq!(
        gate.times_given("2.txt"),
        third_before + 1,
        "the waiting file went once"
    );
    assert_eq!(gate.most.load(SeqCst), 2);
    assert_eq!(done.files_failed.len(), 3);
}
