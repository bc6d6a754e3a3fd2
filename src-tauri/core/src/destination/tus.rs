//! tus 1.0 resumable uploads: `tus+http://host:port/files/`.
//!
//! Uses the core protocol plus the creation, termination and checksum
//! extensions (the last two only when the server lists them in
//! `Tus-Extension`).
//!
//! When working on this file, keep in mind:
//! - the upload URL is saved in the resume slot as soon as the server gives
//!   it, before any byte is sent, so a crash can always resume. That is why
//!   creation-with-upload is not used, even for small files: bytes already
//!   handed to the network still reach the server after the process dies,
//!   completing an upload whose URL was never saved, and a resume would
//!   send the whole file again (the fault suite's kill -9 runs saw it);
//! - every PATCH starts from the offset the server reports (HEAD), never from
//!   what we think we sent: the server is the only truth about what it has,
//!   so nothing it confirmed is sent twice;
//! - a cancelled upload is terminated on the server, so no partial upload
//!   is left behind.

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE, LOCATION};
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;
use url::Url;

use super::{Destination, Landed, UploadContext, UploadItem};
use crate::retry::RetryPolicy;
use crate::transfer::{check, client, client_with, file_body, send, DEFAULT_STALL_TIMEOUT};
use crate::{Error, Result};

const TUS_VERSION: &str = "1.0.0";
const OFFSET_TYPE: &str = "application/offset+octet-stream";

pub struct TusDestination {
    endpoint: Url,
    client: reqwest::Client,
    headers: HeaderMap,
    stall: Duration,
    retry: RetryPolicy,
    server: OnceCell<Server>,
}

/// What the server said it can do (OPTIONS).
#[derive(Debug, Clone, Default)]
struct Server {
    extensions: Vec<String>,
    checksums: Vec<String>,
}

impl Server {
    fn has(&self, extension: &str) -> bool {
        self.extensions.iter().any(|e| e == extension)
    }

    fn sha1(&self) -> bool {
        self.has("checksum") && self.checksums.iter().any(|a| a == "sha1")
    }
}

/// What the resume slot keeps for a tus upload.
#[derive(Debug, Serialize, Deserialize)]
struct Saved {
    url: String,
    size: u64,
}

impl TusDestination {
    pub fn new(endpoint: Url) -> Self {
        TusDestination {
            endpoint,
            client: client(),
            headers: HeaderMap::new(),
            stall: DEFAULT_STALL_TIMEOUT,
            retry: RetryPolicy::default(),
            server: OnceCell::new(),
        }
    }

    /// Sends `headers` with every request (authorization, say).
    pub fn with_headers(mut self, headers: HeaderMap) -> Self {
        self.headers = headers;
        self.client = client_with(self.headers.clone(), self.stall);
        self
    }

    /// Gives up on (and retries) a connection idle for this long.
    pub fn with_stall_timeout(mut self, stall: Duration) -> Self {
        self.stall = stall;
        self.client = client_with(self.headers.clone(), self.stall);
        self
    }

    /// Waits less between tries (for tests).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, url)
            .header("Tus-Resumable", TUS_VERSION)
    }

    async fn server(&self) -> Result<&Server> {
        self.server
            .get_or_try_init(|| self.retry.run(|| self.discover()))
            .await
    }

    async fn discover(&self) -> Result<Server> {
        let url = self.endpoint.as_str();
        let response = check(send(self.request(reqwest::Method::OPTIONS, url), url).await?).await?;
        let list = |name: &str| -> Vec<String> {
            header(response.headers(), name)
                .map(|v| v.split(',').map(|s| s.trim().to_owned()).collect())
                .unwrap_or_default()
        };
        let versions = list("Tus-Version");
        if !versions.iter().any(|v| v == TUS_VERSION) {
            return Err(Error::Protocol {
                url: url.to_owned(),
                reason: format!("not a tus {TUS_VERSION} server (Tus-Version: {versions:?})"),
            });
        }
        let server = Server {
            extensions: list("Tus-Extension"),
            checksums: list("Tus-Checksum-Algorithm"),
        };
        if !server.has("creation") {
            return Err(Error::Protocol {
                url: url.to_owned(),
                reason: "the server cannot create uploads (no creation extension)".into(),
            });
        }
        Ok(server)
    }

    /// Creates the upload, without any of its bytes; returns its URL.
    async fn create(&self, item: &UploadItem) -> Result<String> {
        let url = self.endpoint.as_str();
        let request = self
            .request(reqwest::Method::POST, url)
            .header("Upload-Length", item.size)
            .header("Upload-Metadata", metadata(item));
        let response = check(send(request, url).await?).await?;
        let location =
            header(response.headers(), LOCATION.as_str()).ok_or_else(|| Error::Protocol {
                url: url.to_owned(),
                reason: "the creation answer has no Location".into(),
            })?;
        let upload = self.endpoint.join(&location).map_err(|e| Error::Protocol {
            url: url.to_owned(),
            reason: format!("bad Location {location:?}: {e}"),
        })?;
        Ok(upload.to_string())
    }

    /// How many bytes the server has; `None` when it no longer knows the upload.
    async fn head(&self, url: &str) -> Result<Option<u64>> {
        let response = send(self.request(reqwest::Method::HEAD, url), url).await?;
        if matches!(response.status().as_u16(), 404 | 410) {
            return Ok(None);
        }
        offset(&check(response).await?).map(Some)
    }

    /// Sends the rest of the file from wherever the server is (`known`: an
    /// offset just learnt from the server, saving a HEAD).
    async fn patch_rest(
        &self,
        url: &str,
        item: &UploadItem,
        ctx: &UploadContext,
        known: Option<u64>,
    ) -> Result<()> {
        let server = self.server().await?;
        let at = match known {
            Some(at) => at,
            None => self.head(url).await?.ok_or_else(|| Error::Protocol {
                url: url.to_owned(),
                reason: "the server forgot the upload".into(),
            })?,
        };
        ctx.progress.advanced(at);
        if at >= item.size {
            return Ok(());
        }
        let len = item.size - at;
        let mut request = self
            .request(reqwest::Method::PATCH, url)
            .header(CONTENT_TYPE, OFFSET_TYPE)
            .header("Upload-Offset", at)
            .header(reqwest::header::CONTENT_LENGTH, len);
        if server.sha1() {
            request = request.header("Upload-Checksum", sha1_of(&item.path, at, len).await?);
        }
        let body = file_body(&item.path, at, len, ctx.progress.clone()).await?;
        let response = check(send(request.body(body), url).await?).await?;
        let now = offset(&response)?;
        if now != item.size {
            // Not an error of ours: ask again, from where the server is.
            return Err(Error::Network {
                url: url.to_owned(),
                reason: format!("the server took {} of {len} bytes", now.saturating_sub(at)),
            });
        }
        Ok(())
    }

    /// The whole upload, without cancellation.
    async fn transfer(&self, item: &UploadItem, ctx: &UploadContext) -> Result<String> {
        // What the server can do is known before anything is created.
        self.server().await?;
        let saved = ctx
            .resume
            .load()
            .and_then(|v| serde_json::from_value::<Saved>(v).ok())
            .filter(|s| s.size == item.size);
        let (url, known) = match saved {
            Some(saved) => match self.retry.run(|| self.head(&saved.url)).await? {
                Some(at) => (saved.url, Some(at)),
                None => (self.start(item, ctx).await?, Some(0)),
            },
            // Never started, or the server dropped it: start again.
            None => (self.start(item, ctx).await?, Some(0)),
        };
        // The first try goes from the offset just learnt; retries ask again.
        let mut known = known;
        self.retry
            .run(|| self.patch_rest(&url, item, ctx, known.take()))
            .await?;
        Ok(url)
    }

    /// Creates the upload and saves its URL before any byte is sent.
    async fn start(&self, item: &UploadItem, ctx: &UploadContext) -> Result<String> {
        let url = self.retry.run(|| self.create(item)).await?;
        ctx.resume
            .save(serde_json::json!(Saved {
                url: url.clone(),
                size: item.size
            }))
            .await;
        Ok(url)
    }

    /// Termination: the server drops what it has of the upload.
    async fn terminate(&self, ctx: &UploadContext) {
        let Some(saved) = ctx
            .resume
            .load()
            .and_then(|v| serde_json::from_value::<Saved>(v).ok())
        else {
            return;
        };
        let supported = self.server().await.is_ok_and(|s| s.has("termination"));
        if supported {
            // Best effort: the person asked to stop, not to wait for a server.
            let _ = check_delete(self, &saved.url).await;
        }
    }
}

async fn check_delete(tus: &TusDestination, url: &str) -> Result<()> {
    check(send(tus.request(reqwest::Method::DELETE, url), url).await?)
        .await
        .map(drop)
}

#[async_trait]
impl Destination for TusDestination {
    fn describe(&self) -> String {
        format!("tus {}", self.endpoint)
    }

    async fn prepare(&self) -> Result<()> {
        self.server().await.map(drop)
    }

    async fn discard(&self, resume: serde_json::Value) -> Result<()> {
        let Ok(saved) = serde_json::from_value::<Saved>(resume) else {
            return Ok(());
        };
        if self.server().await?.has("termination") {
            check_delete(self, &saved.url).await?;
        }
        Ok(())
    }

    async fn upload(&self, item: &UploadItem, ctx: UploadContext) -> Result<Landed> {
        let outcome = tokio::select! {
            outcome = self.transfer(item, &ctx) => outcome,
            () = ctx.cancel.cancelled() => {
                self.terminate(&ctx).await;
                Err(Error::Cancelled { name: item.filename.clone() })
            }
            // The server keeps what it has; the saved URL resumes it.
            () = ctx.pause.cancelled() => Err(Error::Paused { name: item.filename.clone() }),
        };
        match outcome {
            // The slot stays: the caller clears it as it records the landing.
            Ok(url) => {
                ctx.progress.advanced(item.size);
                Ok(Landed { url })
            }
            Err(e) => {
                if matches!(e, Error::Cancelled { .. }) {
                    ctx.resume.clear();
                }
                Err(e)
            }
        }
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
        .map(str::to_owned)
}

fn offset(response: &reqwest::Response) -> Result<u64> {
    header(response.headers(), "Upload-Offset")
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| Error::Protocol {
            url: response.url().to_string(),
            reason: "no valid Upload-Offset in the answer".into(),
        })
}

/// `Upload-Metadata`: comma-separated `key base64(value)` pairs.
fn metadata(item: &UploadItem) -> String {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    format!(
        "filename {},filetype {}",
        b64(&item.filename),
        b64(&item.mime)
    )
}

/// `Upload-Checksum: sha1 <base64>` of `len` bytes from `offset`, read in
/// chunks on a blocking thread (the header must be sent before the body).
async fn sha1_of(path: &Path, offset: u64, len: u64) -> Result<String> {
    let owned = path.to_path_buf();
    let digest = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<u8>> {
        use sha1::Digest;
        use std::io::{Read, Seek};
        let mut file = std::fs::File::open(&owned)?;
        file.seek(std::io::SeekFrom::Start(offset))?;
        let mut hasher = sha1::Sha1::new();
        std::io::copy(&mut file.take(len), &mut hasher)?;
        Ok(hasher.finalize().to_vec())
    })
    .await
    .map_err(|e| Error::reading(path, std::io::Error::other(e)))?
    .map_err(|e| Error::reading(path, e))?;
    Ok(format!(
        "sha1 {}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_carries_name_and_type_in_base64() {
        let item = UploadItem {
            path: "/x".into(),
            filename: "ä b.txt".into(),
            mime: "text/plain".into(),
            size: 1,
        };
        assert_eq!(
            metadata(&item),
            "filename w6QgYi50eHQ=,filetype dGV4dC9wbGFpbg=="
        );
    }

    #[tokio::test]
    async fn checksums_cover_only_the_range_sent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"xxabcyy").unwrap();
        // sha1("abc") = a9993e36 4706816a ba3e2571 7850c26c 9cd0d89d
        assert_eq!(
            sha1_of(&path, 2, 3).await.unwrap(),
            "sha1 qZk+NkcGgWq6PiVxeFDCbJzQ2J0="
        );
    }
}
