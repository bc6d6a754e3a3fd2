//! Unit tests of the saved queue: saving, loading, the journal, corrupt files.

use super::*;
use std::sync::{Arc, Mutex};

fn queue() -> SavedQueue {
    SavedQueue::new("tus+http://x/files/", &records())
}

fn records() -> [FileRecord; 2] {
    let mut a = FileRecord::new("/a".into(), "a".into(), "text/plain".into(), 3, "local");
    a.status = FileStatus::Uploading;
    a.resume = Some(serde_json::json!({"url": "http://x/files/1"}));
    let mut b = FileRecord::new("/b".into(), "b".into(), "text/plain".into(), 2, "local");
    b.status = FileStatus::Done;
    b.landed = Some("http://x/files/2".into());
    [a, b]
}

#[test]
fn saves_and_loads_with_resume_state() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path().join("satchel"));
    assert_eq!(store.load().unwrap(), None);
    let saved = queue();
    store.save(&queue()).unwrap();
    store.save(&saved).unwrap();
    let loaded = store.load().unwrap().unwrap();
    assert_eq!(loaded, saved);
    assert_eq!(loaded.unfinished(), 1);
    // No temporary files are left behind.
    let names: Vec<_> = fs::read_dir(dir.path().join("satchel"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["queue.json"]);

    let records: Vec<FileRecord> = loaded.files.into_iter().map(Into::into).collect();
    assert_eq!(records[0].status, FileStatus::Queued);
    assert_eq!(records[0].resume, saved.files[0].resume);
    assert_eq!(records[1].uuid, saved.files[1].uuid);
    assert_eq!(records[1].status, FileStatus::Done);
    store.clear().unwrap();
    assert_eq!(store.load().unwrap(), None);
}

#[test]
fn a_corrupt_queue_is_reported_and_set_aside() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    for garbage in [
        &b"{\"version\": 1, \"files\": ["[..],
        b"\xff\xfe",
        b"{\"version\":99,\"destination\":\"x\",\"files\":[]}",
    ] {
        fs::write(store.path(), garbage).unwrap();
        let err = store.load().unwrap_err();
        assert_eq!(err.kind(), "corruptState");
        assert!(err.to_string().contains("queue.json.corrupt"), "{err}");
        assert!(!store.path().exists());
        assert_eq!(
            fs::read(dir.path().join("queue.json.corrupt")).unwrap(),
            garbage
        );
        // Nothing left to trip over next time.
        assert_eq!(store.load().unwrap(), None);
    }
}

#[cfg(unix)]
#[test]
fn the_queue_is_readable_by_its_owner_alone() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("satchel");
    let store = Store::new(&state);
    store.save(&queue()).unwrap();
    assert_eq!(mode(&state), 0o700);
    assert_eq!(mode(&store.path()), 0o600);
    // What an older Satchel left open is closed at the next start.
    fs::set_permissions(&state, fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(store.path(), fs::Permissions::from_mode(0o644)).unwrap();
    store.load().unwrap().unwrap();
    assert_eq!(mode(&state), 0o700);
    assert_eq!(mode(&store.path()), 0o600);
}

fn journal(dir: &Path) -> (Journal, Arc<Mutex<Vec<String>>>) {
    let errors = Arc::new(Mutex::new(vec![]));
    let heard = errors.clone();
    let journal = Journal::start(Store::new(dir), "tus+http://x/files/".into(), move |e| {
        heard.lock().unwrap().push(e.to_string());
    });
    (journal, errors)
}

#[test]
fn the_journal_appends_changes_and_loads_the_last_word_on_each_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    let (journal, errors) = journal(dir.path());
    let records = records();
    let mut files: Vec<SavedFile> = records.iter().map(SavedFile::from).collect();
    let seq = journal.push(vec![Entry::Full(records.map(Arc::new).to_vec())]);
    journal.durable_blocking(seq);
    let whole = fs::metadata(store.path()).unwrap().len();
    files[0].resume = Some(serde_json::json!({"url": "http://x/files/9"}));
    let mut c = files[1].clone();
    c.uuid = Uuid::new_v4();
    c.status = FileStatus::Queued;
    journal.push(vec![
        Entry::File(Box::new(files[0].clone())),
        Entry::File(Box::new(c.clone())),
    ]);
    // Unchanged: nothing written.
    journal.push(vec![Entry::File(Box::new(files[0].clone()))]);
    let seq = journal.push(vec![Entry::Removed(files[1].uuid)]);
    journal.durable_blocking(seq);
    let loaded = store.load().unwrap().unwrap();
    assert_eq!(loaded.destination, "tus+http://x/files/");
    assert_eq!(loaded.files, [files[0].clone(), c.clone()]);
    let text = fs::read_to_string(store.path()).unwrap();
    assert_eq!(text.lines().count(), 1 + 2 + 2 + 1, "{text}");
    assert!(fs::metadata(store.path()).unwrap().len() > whole);

    // A crash mid-append: the cut line is ignored, the rest loads.
    let mut torn = fs::read(store.path()).unwrap();
    torn.extend_from_slice(br#"{"file":{"uuid":"#);
    fs::write(store.path(), &torn).unwrap();
    assert_eq!(store.load().unwrap().unwrap().files, loaded.files);

    // Once nothing is unfinished, the file goes.
    files[0].status = FileStatus::Done;
    c.status = FileStatus::Done;
    let seq = journal.push(vec![
        Entry::File(Box::new(files[0].clone())),
        Entry::File(Box::new(c)),
    ]);
    journal.durable_blocking(seq);
    assert!(!store.path().exists());
    assert!(errors.lock().unwrap().is_empty());
}

#[test]
fn a_damaged_line_in_the_middle_is_corrupt_and_version_one_still_loads() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    store.save(&queue()).unwrap();
    let mut text = fs::read_to_string(store.path()).unwrap();
    text.insert_str(text.find('\n').unwrap() + 1, "{\"file\": 7}\n");
    fs::write(store.path(), text).unwrap();
    let err = store.load().unwrap_err();
    assert!(err.to_string().contains("line 2"), "{err}");
    assert!(dir.path().join("queue.json.corrupt").exists());

    let before = queue();
    fs::write(store.path(), serde_json::to_vec_pretty(&before).unwrap()).unwrap();
    assert_eq!(store.load().unwrap().unwrap(), before);
}

#[test]
fn an_unwritable_state_folder_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("file"), b"").unwrap();
    let err = Store::new(dir.path().join("file/satchel"))
        .save(&queue())
        .unwrap_err();
    assert_eq!(err.kind(), "stateUnwritable");
    // The journal says so, and whoever waits is not stuck.
    let (journal, errors) = journal(&dir.path().join("file/satchel"));
    let seq = journal.push(vec![Entry::Full(records().map(Arc::new).to_vec())]);
    journal.durable_blocking(seq);
    assert!(errors.lock().unwrap()[0].contains("cannot save"));
    assert!(journal.wants_full());
}
