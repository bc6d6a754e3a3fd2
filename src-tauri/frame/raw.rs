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
//!   [`satchel_core::RAW_SLICE`] bytes, which bounds memory, and slices come in order.

use satchel_core::ErrorInfo;
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
    let ticket = request
        .uri()
        .path()
        .strip_prefix("/raw/")
        .and_then(|t| Uuid::parse_str(t).ok())
        .ok_or_else(|| bad("no ticket in the raw slice's path"))?;
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
    state
        .picker
        .raw_slice(&name, ticket, offset, body)
        .map_err(|e| (StatusCode::UNPROCESSABLE_ENTITY, e.info()))
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
