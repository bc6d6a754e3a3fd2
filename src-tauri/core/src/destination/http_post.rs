//! HTTP multipart POST: `post+http(s)://host/upload`.
//!
//! Each file is one `multipart/form-data` request with a single file part
//! (field `file` unless configured), streamed from disk. The file's url is
//! the response's `Location`, else the `url` field of a JSON answer, else
//! the POST URL itself.
//!
//! A POST cannot be resumed: a retried one sends the file again from the
//! start, and a cancelled one leaves nothing to clean up (the server only
//! keeps complete requests).
//!
//! Every request carries an `Idempotency-Key` (the IETF httpapi draft):
//! one key per file, made before its first request and kept in the resume
//! slot (so in the saved queue), hence the same for every retry, after a
//! pause, a crash and `satchel resume`. A server that honours it stores the
//! file once even when an answer was lost; others ignore it.

use std::time::Duration;

use async_trait::async_trait;
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE, LOCATION};
use reqwest::multipart::{Form, Part};
use url::Url;

use super::{Destination, Landed, UploadContext, UploadItem};
use crate::retry::RetryPolicy;
use crate::transfer::{check, client_with, file_body, send, DEFAULT_STALL_TIMEOUT};
use crate::{Error, Result};

/// The form field files go in unless `--post-field` says otherwise.
pub const DEFAULT_FIELD: &str = "file";

/// The header of draft-ietf-httpapi-idempotency-key-header.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// The file's idempotency key: the one its resume slot kept, else a new
/// one, saved (and on disk) before the first request goes.
async fn idempotency_key(ctx: &UploadContext) -> String {
    let kept = ctx
        .resume
        .load()
        .and_then(|saved| saved.get("idempotencyKey")?.as_str().map(str::to_owned));
    if let Some(key) = kept {
        return key;
    }
    // A structured-field string, as the draft asks: "…".
    let key = format!("\"{}\"", uuid::Uuid::new_v4());
    ctx.resume
        .save(serde_json::json!({ "idempotencyKey": key }))
        .await;
    key
}

pub struct HttpPostDestination {
    url: Url,
    field: String,
    client: reqwest::Client,
    headers: HeaderMap,
    retry: RetryPolicy,
}

impl HttpPostDestination {
    /// `headers` go with every request (authorization, say).
    pub fn new(url: Url, field: impl Into<String>, headers: HeaderMap) -> Self {
        HttpPostDestination {
            url,
            field: field.into(),
            client: client_with(headers.clone(), DEFAULT_STALL_TIMEOUT),
            headers,
            retry: RetryPolicy::default(),
        }
    }

    /// Gives up on (and retries) a connection idle for this long.
    pub fn with_stall_timeout(mut self, stall: Duration) -> Self {
        self.client = client_with(self.headers.clone(), stall);
        self
    }

    /// Waits less between tries (for tests).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    async fn post(&self, item: &UploadItem, ctx: &UploadContext, key: &str) -> Result<String> {
        let url = self.url.as_str();
        let body = file_body(&item.path, 0, item.size, ctx.progress.clone()).await?;
        let part = Part::stream_with_length(body, item.size).file_name(item.filename.clone());
        // A type the multipart encoder refuses is still sent, just untyped.
        let part = match part.mime_str(&item.mime) {
            Ok(typed) => typed,
            Err(_) => Part::stream_with_length(
                file_body(&item.path, 0, item.size, ctx.progress.clone()).await?,
                item.size,
            )
            .file_name(item.filename.clone()),
        };
        let form = Form::new().part(self.field.clone(), part);
        let mut request = self.client.post(url).multipart(form);
        if let Ok(value) = HeaderValue::from_str(key) {
            request = request.header(IDEMPOTENCY_KEY, value);
        }
        let response = match check(send(request, url).await?).await {
            // 409 to a request with an Idempotency-Key: the same upload is
            // still being taken in (a try cut off a moment ago, say). Like a
            // dropped connection, it is worth trying again shortly.
            Err(Error::HttpStatus {
                status: 409, body, ..
            }) => {
                return Err(Error::Network {
                    url: url.to_owned(),
                    reason: format!("answered 409, the same upload is still in progress: {body}"),
                })
            }
            other => other?,
        };
        self.landed_at(response).await
    }

    async fn landed_at(&self, response: reqwest::Response) -> Result<String> {
        let headers = response.headers();
        if let Some(location) = headers.get(LOCATION).and_then(|v| v.to_str().ok()) {
            let resolved = self.url.join(location).map_err(|e| Error::Protocol {
                url: self.url.to_string(),
                reason: format!("bad Location {location:?}: {e}"),
            })?;
            return Ok(resolved.to_string());
        }
        let json = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.contains("json"));
        if json {
            let body = response
                .bytes()
                .await
                .map_err(|e| Error::network(&self.url, &e))?;
            let url = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.get("url")?.as_str().map(str::to_owned));
            if let Some(url) = url {
                return Ok(url);
            }
        }
        Ok(self.url.to_string())
    }
}

#[async_trait]
impl Destination for HttpPostDestination {
    fn describe(&self) -> String {
        format!("POST {}", self.url)
    }

    /// Nothing to ask beforehand: a POST endpoint has no way to say "ready"
    /// without being sent a file.
    async fn prepare(&self) -> Result<()> {
        Ok(())
    }

    async fn upload(&self, item: &UploadItem, ctx: UploadContext) -> Result<Landed> {
        let key = idempotency_key(&ctx).await;
        let url = tokio::select! {
            outcome = self.retry.run(|| self.post(item, &ctx, &key)) => outcome?,
            () = ctx.cancel.cancelled() => {
                // Cancelled for good: the next upload is a new request.
                ctx.resume.clear();
                return Err(Error::Cancelled { name: item.filename.clone() });
            }
            // A POST cannot resume: a paused file is sent again from the start.
            () = ctx.pause.cancelled() => {
                return Err(Error::Paused { name: item.filename.clone() });
            }
        };
        ctx.progress.advanced(item.size);
        Ok(Landed { url })
    }
}
