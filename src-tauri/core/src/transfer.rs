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

use crate::destination::Progress;
use crate::{Error, Result};

const READ_CHUNK: usize = 256 * 1024;

/// One client per destination: connections are pooled and reused.
pub(crate) fn client() -> reqwest::Client {
    client_with(reqwest::header::HeaderMap::new())
}

/// A client that sends `headers` with every request.
pub(crate) fn client_with(headers: reqwest::header::HeaderMap) -> reqwest::Client {
    reqwest::Client::builder()
        .default_headers(headers)
        .connect_timeout(Duration::from_secs(15))
        // A server that stops reading or answering is a dropped connection,
        // to be retried, not a hang.
        .read_timeout(Duration::from_secs(60))
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
    let url = response.url().to_string();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let mut body = response.text().await.unwrap_or_default();
    body.truncate(body.floor_char_boundary_compat(300));
    Err(Error::HttpStatus {
        url,
        status: status.as_u16(),
        body: body.trim().to_owned(),
        retry_after,
    })
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
