//! S3-compatible object storage: `s3://bucket/prefix/`.
//!
//! Credentials and region come from the standard AWS variables
//! (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, optional `AWS_SESSION_TOKEN`,
//! `AWS_REGION`), the endpoint from `--s3-endpoint`, else `AWS_ENDPOINT_URL`,
//! else AWS itself. Requests are presigned by `rusty-s3` and sent with reqwest.
//! Objects are stored at `prefix + filename`; the url is `s3://bucket/key`.
//!
//! When working on this file, keep in mind:
//! - files up to the multipart threshold go in one PUT; larger ones as a
//!   multipart upload whose part size lets 5 TiB fit in 10,000 parts;
//! - the upload id is saved in the resume slot before any part is sent, and
//!   on resume the parts the server lists (ListParts) are not sent again;
//! - a cancelled multipart upload is aborted, so no parts are left behind;
//! - just before the request that stores the object (the PUT, or
//!   CompleteMultipartUpload) the ETag it will have is saved, and a resume
//!   that finds the object already stored with it sends nothing: bytes
//!   handed to the network still arrive after a crash, and the picker may
//!   not have recorded the landing.
//!
//! The parts: this file holds the destination, its settings and what it
//! does with each file (one PUT, or a multipart upload; cancel and pause);
//! `config.rs` reads `s3://` and the AWS variables; `requests.rs` the signed
//! requests, one per S3 action; `multipart.rs` a multipart upload's parts,
//! resumed from what the server lists, and their progress.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use serde::{Deserialize, Serialize};

use super::{Destination, Landed, UploadContext, UploadItem};
use crate::retry::RetryPolicy;
use crate::transfer::{check, client, client_with, send};
use crate::{Error, Result};

mod config;
mod multipart;
mod requests;
#[cfg(test)]
mod tests;

pub use config::{endpoint_in, S3Config};

const MIB: u64 = 1024 * 1024;
/// S3's smallest part (except the last) and most parts per upload.
const MIN_PART: u64 = 5 * MIB;
const MAX_PARTS: u64 = 10_000;
/// How long a presigned request stays valid: longer than any one part takes.
const SIGNED_FOR: Duration = Duration::from_secs(3600);

pub struct S3Destination {
    bucket: Bucket,
    credentials: Credentials,
    prefix: String,
    client: reqwest::Client,
    retry: RetryPolicy,
    /// Files larger than this go as multipart uploads.
    threshold: u64,
    /// Parts of one file sent at the same time.
    parts_at_once: usize,
    /// Parts sent at the same time over all files, so several large files
    /// together do not open files × parts connections.
    part_slots: Arc<tokio::sync::Semaphore>,
}

/// Parts in flight over all files at once.
const PARTS_IN_FLIGHT: usize = 8;

/// What the resume slot keeps: for a multipart upload its id and part size
/// (empty and 0 for a single PUT), and the stored object's ETag once the
/// request that stores it is about to go.
#[derive(Debug, Serialize, Deserialize)]
struct Saved {
    key: String,
    upload_id: String,
    size: u64,
    part_size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    etag: Option<String>,
}

impl S3Destination {
    pub fn new(config: S3Config) -> Result<Self> {
        // AWS itself wants virtual-hosted buckets; other servers (MinIO, moto,
        // s3s) are reached at one host, bucket in the path.
        let style = if config
            .endpoint
            .host_str()
            .is_some_and(|h| h.ends_with("amazonaws.com"))
        {
            UrlStyle::VirtualHost
        } else {
            UrlStyle::Path
        };
        let bucket = Bucket::new(
            config.endpoint.clone(),
            style,
            config.bucket.clone(),
            config.region.clone(),
        )
        .map_err(|e| Error::BadDestination {
            spec: format!("s3://{}/{}", config.bucket, config.prefix),
            reason: e.to_string(),
        })?;
        let credentials = match config.token {
            Some(token) => Credentials::new_with_token(config.key, config.secret, token),
            None => Credentials::new(config.key, config.secret),
        };
        Ok(S3Destination {
            bucket,
            credentials,
            prefix: config.prefix,
            client: client(),
            retry: RetryPolicy::default(),
            threshold: 64 * MIB,
            parts_at_once: 4,
            part_slots: Arc::new(tokio::sync::Semaphore::new(PARTS_IN_FLIGHT)),
        })
    }

    /// Gives up on (and retries) a connection idle for this long.
    pub fn with_stall_timeout(mut self, stall: std::time::Duration) -> Self {
        self.client = client_with(reqwest::header::HeaderMap::new(), stall);
        self
    }

    /// Waits less between tries (for tests).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sends files larger than `bytes` as multipart uploads (at least 5 MiB).
    pub fn with_multipart_threshold(mut self, bytes: u64) -> Self {
        self.threshold = bytes.max(MIN_PART);
        self
    }

    /// How many parts of one file go up at the same time (at least one).
    pub fn with_parts_at_once(mut self, parts: usize) -> Self {
        self.parts_at_once = parts.max(1);
        self
    }

    fn url_of(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.bucket.name())
    }
}

#[async_trait]
impl Destination for S3Destination {
    fn describe(&self) -> String {
        format!("s3://{}/{}", self.bucket.name(), self.prefix)
    }

    /// The bucket must exist and take our credentials (HeadBucket).
    async fn prepare(&self) -> Result<()> {
        let url = self
            .bucket
            .head_bucket(Some(&self.credentials))
            .sign(SIGNED_FOR);
        self.retry
            .run(|| async { check(send(self.client.head(url.clone()), url.as_str()).await?).await })
            .await
            .map(drop)
    }

    async fn discard(&self, resume: serde_json::Value) -> Result<()> {
        match serde_json::from_value::<Saved>(resume) {
            Ok(saved) => self.abort(&saved).await,
            Err(_) => Ok(()),
        }
    }

    async fn upload(&self, item: &UploadItem, ctx: UploadContext) -> Result<Landed> {
        let key = format!("{}{}", self.prefix, item.filename);
        let transfer = async {
            if self.already_stored(item, &key, &ctx).await? {
                return Ok(());
            }
            if item.size > self.threshold {
                self.multipart(item, &key, &ctx).await
            } else {
                let etag = md5_hex(&item.path).await?;
                ctx.resume
                    .save(serde_json::json!(Saved {
                        key: key.clone(),
                        upload_id: String::new(),
                        size: item.size,
                        part_size: 0,
                        etag: Some(etag),
                    }))
                    .await;
                self.retry.run(|| self.put(item, &key, &ctx)).await
            }
        };
        let outcome = tokio::select! {
            outcome = transfer => outcome,
            () = ctx.cancel.cancelled() => {
                if let Some(saved) = load(&ctx) {
                    // Best effort: the person asked to stop, not to wait.
                    let _ = self.abort(&saved).await;
                }
                ctx.resume.clear();
                return Err(Error::Cancelled { name: item.filename.clone() });
            }
            // Parts already sent stay; ListParts finds them next time.
            () = ctx.pause.cancelled() => {
                return Err(Error::Paused { name: item.filename.clone() });
            }
        };
        // The slot stays: the caller clears it as it records the landing.
        outcome?;
        ctx.progress.advanced(item.size);
        Ok(Landed {
            url: self.url_of(&key),
        })
    }
}

/// The ETag S3 gives an object stored by one PUT: the hex MD5 of its bytes
/// (read in chunks on a blocking thread).
async fn md5_hex(path: &std::path::Path) -> Result<String> {
    let owned = path.to_path_buf();
    let digest = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<u8>> {
        use md5::Digest;
        let mut hasher = md5::Md5::new();
        std::io::copy(&mut std::fs::File::open(&owned)?, &mut hasher)?;
        Ok(hasher.finalize().to_vec())
    })
    .await
    .map_err(|e| Error::reading(path, std::io::Error::other(e)))?
    .map_err(|e| Error::reading(path, e))?;
    Ok(hex(&digest))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn load(ctx: &UploadContext) -> Option<Saved> {
    ctx.resume
        .load()
        .and_then(|v| serde_json::from_value(v).ok())
}
