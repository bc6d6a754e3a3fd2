//! The journal's lines: the header naming the format and the destination,
//! one line per file as it is now or removed, and how a journal is read back
//! into the queue it describes (the last line about a file wins; a last line
//! a crash cut short is ignored).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{SavedFile, SavedQueue, JOURNAL_VERSION, VERSION};

/// The journal's first line.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    satchel: String,
    version: u32,
    destination: String,
}

/// Every further line of the journal.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) enum Line {
    /// A file as it is now.
    File(Box<SavedFile>),
    /// A file taken out of the queue.
    Removed(Uuid),
}

pub(super) fn header_line(destination: &str) -> Vec<u8> {
    line(&Header {
        satchel: "queue".into(),
        version: JOURNAL_VERSION,
        destination: destination.to_owned(),
    })
}

pub(super) fn line(value: &impl Serialize) -> Vec<u8> {
    // Plain data with string keys: serialising cannot fail.
    let mut bytes = serde_json::to_vec(value).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// A whole journal holding `files` and nothing else.
pub(super) fn image(destination: &str, files: &[SavedFile]) -> Vec<u8> {
    let mut bytes = header_line(destination);
    for file in files {
        bytes.extend(line(&Line::File(Box::new(file.clone()))));
    }
    bytes
}

/// Reads a journal back into the queue it describes.
pub(super) fn replay(bytes: &[u8]) -> std::result::Result<SavedQueue, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    // What follows the last newline is a line a crash cut short: it was
    // never synced, so nobody was told it was saved.
    let complete = match text.rfind('\n') {
        Some(end) => &text[..end],
        None => "",
    };
    let mut lines = complete.split('\n').filter(|l| !l.is_empty());
    let header: Header = lines
        .next()
        .ok_or("the file is empty")
        .and_then(|first| serde_json::from_str(first).map_err(|_| "no header"))
        .map_err(|e| e.to_string())?;
    if header.satchel != "queue" || header.version != JOURNAL_VERSION {
        return Err(format!("unknown version {}", header.version));
    }
    let mut files: Vec<Option<SavedFile>> = vec![];
    let mut at: HashMap<Uuid, usize> = HashMap::new();
    for (n, text) in lines.enumerate() {
        let parsed: Line =
            serde_json::from_str(text).map_err(|e| format!("line {}: {e}", n + 2))?;
        match parsed {
            Line::File(file) => match at.get(&file.uuid) {
                Some(&i) => files[i] = Some(*file),
                None => {
                    at.insert(file.uuid, files.len());
                    files.push(Some(*file));
                }
            },
            Line::Removed(uuid) => {
                if let Some(i) = at.remove(&uuid) {
                    files[i] = None;
                }
            }
        }
    }
    Ok(SavedQueue {
        version: VERSION,
        destination: header.destination,
        files: files.into_iter().flatten().collect(),
    })
}
