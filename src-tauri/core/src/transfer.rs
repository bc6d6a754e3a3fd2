//! What every network destination shares: the HTTP client, request bodies
//! streamed from disk with progress, and turning responses into errors.
//!
//! Bodies are read in small chunks as the connection takes them, so memory
//! stays flat whatever the file size.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures_util::TryStreamExt;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use crate::{Error, Result};

/// Told how many bytes of the current file the destination has taken.
pub trait Progress: Send + Sync {
    fn advanced(&self, transferred: u64);
}

const READ_CHUNK: usize = 256 * 1024;

/// How long a connection may go without progress before it counts as
/// dropped (and is retried) unless told otherwise (`--stall-timeout`).
pub const DEFAULT_STALL_TIMEOUT: Duration = Duration::from_secs(60);

/// One client per destination: connections are pooled and reused.
pub(crate) fn client() -> reqwest::Client {
    client_with(reqwest::header::HeaderMap::new(), DEFAULT_STALL_TIMEOUT)
}

/// A client that sends `headers` with every request, and gives up on a
/// connection that makes no progress for `stall`.
pub(crate) fn client_with(headers: reqwest::header::HeaderMap, stall: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .default_headers(headers)
        .connect_timeout(stall.min(Duration::from_secs(15)))
        // A server that stops reading or answering is a dropped connection,
        // to be retried, not a hang.
        .read_timeout(stall)
        .user_agent(concat!("satchel/", env!("CARGO_PKG_VERSION")))
        .build()
        // Only fails when the TLS backend cannot initialise at all.
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// `len` bytes of the file at `path` from `offset`, as a streamed body.
/// Progress is reported as `offset + bytes handed to the connection`.
pub(crate) async fn file_body(
    path: &Path,
    offset: u64,
    len: u64,
    progress: Arc<dyn Progress>,
) -> Result<reqwest::Body> {
    let mut file = tokio::fs::File::open(path)
        .await
        .map_err(|e| Error::reading(path, e))?;
    file.seek(std::io::SeekFrom::Start(offset))
        .await
        .map_err(|e| Error::reading(path, e))?;
    let mut sent = offset;
    let stream = ReaderStream::with_capacity(file.take(len), READ_CHUNK).inspect_ok(move |chunk| {
        sent += chunk.len() as u64;
        progress.advanced(sent);
    });
    Ok(reqwest::Body::wrap_stream(stream))
}

/// Sends a request, mapping a failed connection to [`Error::Network`].
pub(crate) async fn send(request: reqwest::RequestBuilder, url: &str) -> Result<reqwest::Response> {
    request.send().await.map_err(|e| Error::network(url, &e))
}

/// Passes successful responses through; anything else becomes
/// [`Error::HttpStatus`] with the start of the server's explanation.
pub(crate) async fn check(response: reqwest::Response) -> Result<reqwest::Response> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    // Presigned URLs carry their signature in the query: never kept.
    let url = crate::error::redact(response.url().as_str());
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(retry_after);
    let mut body = response.text().await.unwrap_or_default();
    body.truncate(body.floor_char_boundary_compat(300));
    Err(Error::HttpStatus {
        url,
        status: status.as_u16(),
        body: crate::error::redact(body.trim()),
        retry_after,
    })
}

/// `Retry-After`: seconds, or an HTTP date (a date already past means now).
fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

/// `str::floor_char_boundary` is not stable yet.
trait FloorCharBoundary {
    fn floor_char_boundary_compat(&self, at: usize) -> usize;
}

impl FloorCharBoundary for String {
    fn floor_char_boundary_compat(&self, at: usize) -> usize {
        if at >= self.len() {
            return self.len();
        }
        (0..=at)
            .rev()
            .find(|&i| self.is_char_boundary(i))
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        assert_eq!(retry_after(" 7 "), Some(Duration::from_secs(7)));
        let soon = std::time::SystemTime::now() + Duration::from_secs(30);
        let wait = retry_after(&httpdate::fmt_http_date(soon)).unwrap();
        assert!(
            wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon"), None);
    }
}
