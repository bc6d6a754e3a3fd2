//! Raw files straight from a source's frame: `addRawFile` POSTs the Blob,
//! slice by slice, to the frame's own origin
//! (`satchel-source://s<id>/raw/<ticket>?offset=N`), and each slice is
//! appended to the file's spool file. No postMessage, no picker page, no IPC.
//!
//! When working on this file, keep in mind:
//! - the source is the one the frame's origin names (the host), never what
//!   the request says; the frame's policy lets it connect to its own origin
//!   and no other source's;
//! - the ticket is the spool id `addRawBegin` gave this source through the
//!   action path: good for that source's file only, until it is finished or
//!   aborted, so a frame cannot send bytes for a request it did not start;
//! - the caps (`maxSize` as declared, `spoolMaxPerSource`, `spoolMaxTotal`)
//!   are checked on each slice before it is written (`SpoolWriter::write_at`);
//! - the webview hands over each body whole: a slice is at most
//!   [`satchel_core::RAW_SLICE`] bytes, which bounds memory;
//! - the frame keeps two slices in flight, so one is written while the next
//!   crosses; they are written in offset order ([`Turns`]), whichever
//!   arrives first.

use std::collections::HashMap;
use std::sync::{Condvar, LazyLock, Mutex, MutexGuard};
use std::time::Duration;

use satchel_core::{ErrorInfo, RAW_SLICE};
use tauri::http::{header, Method, Request, Response, StatusCode};
use tauri::{Manager, Runtime, UriSchemeContext, UriSchemeResponder};
use uuid::Uuid;

use crate::state::AppState;

/// Whether this request to the scheme is a raw slice (else it is the
/// frame's document).
pub fn is_raw(request: &Request<Vec<u8>>) -> bool {
    request.uri().path().starts_with("/raw/")
}

/// Takes a slice into the spool, off the main thread, and answers 204 or
/// the error as `{kind, message, args}`.
pub fn receive<R: Runtime>(
    ctx: &UriSchemeContext<'_, R>,
    request: Request<Vec<u8>>,
    responder: UriSchemeResponder,
) {
    if request.method() == Method::OPTIONS {
        return responder.respond(answer(StatusCode::NO_CONTENT, Vec::new()));
    }
    // Here, on the main thread, slices are seen in the order they came.
    if let (Some(ticket), Some(0)) = (ticket_of(&request), query(&request, "offset")) {
        TURNS.begin(ticket);
    }
    let app = ctx.app_handle().clone();
    tauri::async_runtime::spawn_blocking(move || {
        let response = match take(&app.state::<AppState>(), &request) {
            Ok(()) => answer(StatusCode::NO_CONTENT, Vec::new()),
            Err((status, info)) => answer(status, serde_json::to_vec(&info).unwrap_or_default()),
        };
        responder.respond(response);
    });
}

type Refusal = (StatusCode, ErrorInfo);

/// Whose turn it is to write, per file: the offset its next slice must
/// start at, and whether a slice already waits for its turn. Keep in mind:
/// - a file has turns only from its first slice (offset 0), registered in
///   arrival order on the main thread, until its last or a refused slice;
/// - only the slice right after the one being written may wait, one at a
///   time, at most [`TURN_WAIT`]; any other is tried at once (and refused as
///   out of order), so no frame can hold threads by sending slices ahead.
struct Turns {
    files: Mutex<HashMap<Uuid, Turn>>,
    changed: Condvar,
}

#[derive(Clone, Copy)]
struct Turn {
    next: u64,
    waiting: bool,
}

const TURN_WAIT: Duration = Duration::from_secs(30);

static TURNS: LazyLock<Turns> = LazyLock::new(|| Turns {
    files: Mutex::default(),
    changed: Condvar::new(),
});

impl Turns {
    fn lock(&self) -> MutexGuard<'_, HashMap<Uuid, Turn>> {
        self.files
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A file's first slice arrived: its turns start.
    fn begin(&self, ticket: Uuid) {
        self.lock().insert(
            ticket,
            Turn {
                next: 0,
                waiting: false,
            },
        );
    }

    /// Waits until the slice at `offset` is next, if it may wait.
    fn wait(&self, ticket: Uuid, offset: u64) {
        let mut files = self.lock();
        let may_wait = files.get(&ticket).is_some_and(|turn| {
            !turn.waiting && offset > turn.next && offset - turn.next <= RAW_SLICE as u64
        });
        if !may_wait {
            return;
        }
        if let Some(turn) = files.get_mut(&ticket) {
            turn.waiting = true;
        }
        let (mut files, _) = self
            .changed
            .wait_timeout_while(files, TURN_WAIT, |files| {
                files.get(&ticket).is_some_and(|turn| turn.next < offset)
            })
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(turn) = files.get_mut(&ticket) {
            turn.waiting = false;
        }
    }

    /// The slice ended at `end` (written), or the file has no more turns.
    fn done(&self, ticket: Uuid, end: Option<u64>) {
        let mut files = self.lock();
        match (end, files.get_mut(&ticket)) {
            (Some(end), Some(turn)) => turn.next = end,
            _ => {
                files.remove(&ticket);
            }
        }
        drop(files);
        self.changed.notify_all();
    }
}

fn take(state: &AppState, request: &Request<Vec<u8>>) -> Result<(), Refusal> {
    let bad = |message: &str| {
        (
            StatusCode::BAD_REQUEST,
            ErrorInfo::new("badChunk", message.to_owned()),
        )
    };
    if request.method() != Method::POST {
        return Err(bad("raw slices are sent with POST"));
    }
    let host = request.uri().host().unwrap_or_default();
    let id = super::source_id(host).ok_or_else(|| bad("not a source's origin"))?;
    let name = state
        .source_name(id)
        .map_err(|e| (StatusCode::FORBIDDEN, e.info()))?;
    let ticket = ticket_of(request).ok_or_else(|| bad("no ticket in the raw slice's path"))?;
    let offset = query(request, "offset").ok_or_else(|| bad("no offset"))?;
    // A body cut short on its way would look like a short file: the frame
    // says how long it is, and the two must agree.
    let length = query(request, "length").ok_or_else(|| bad("no length"))?;
    let body = request.body();
    if body.len() as u64 != length {
        return Err(bad(&format!(
            "the slice at {offset} arrived with {} of its {length} bytes",
            body.len()
        )));
    }
    TURNS.wait(ticket, offset);
    let written = state.picker.raw_slice(&name, ticket, offset, body);
    // A short slice is the last; it, or a refused one, ends the file's
    // turns, so a spent or unknown ticket leaves nothing behind.
    let last = length < RAW_SLICE as u64;
    TURNS.done(
        ticket,
        (written.is_ok() && !last).then_some(offset + length),
    );
    written.map_err(|e| (StatusCode::UNPROCESSABLE_ENTITY, e.info()))
}

fn ticket_of(request: &Request<Vec<u8>>) -> Option<Uuid> {
    let ticket = request.uri().path().strip_prefix("/raw/")?;
    Uuid::parse_str(ticket).ok()
}

fn query(request: &Request<Vec<u8>>, key: &str) -> Option<u64> {
    request.uri().query()?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| v.parse().ok()).flatten()
    })
}

/// The frame's origin is opaque ("null"), so its fetch is cross-origin:
/// the answer says any origin may read it. Only a frame holding this
/// source's ticket can have written anything.
fn answer(status: StatusCode, body: Vec<u8>) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")
        .header(header::ACCESS_CONTROL_ALLOW_METHODS, "POST")
        .header(header::ACCESS_CONTROL_ALLOW_HEADERS, "content-type")
        .header(header::CONTENT_TYPE, "application/json")
        .body(body)
        .unwrap_or_else(|_| Response::new(Vec::new()))
}
