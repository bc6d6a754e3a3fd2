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

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use futures_util::{stream, StreamExt, TryStreamExt};
use rusty_s3::actions::{CreateMultipartUpload, ListParts};
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use serde::{Deserialize, Serialize};
use url::Url;

use super::{Destination, Landed, Progress, UploadContext, UploadItem};
use crate::retry::RetryPolicy;
use crate::transfer::{check, client, client_with, file_body, send};
use crate::{Error, Result};

const MIB: u64 = 1024 * 1024;
/// S3's smallest part (except the last) and most parts per upload.
const MIN_PART: u64 = 5 * MIB;
const MAX_PARTS: u64 = 10_000;
/// How long a presigned request stays valid: longer than any one part takes.
const SIGNED_FOR: Duration = Duration::from_secs(3600);

/// Where objects go and how to sign for them.
#[derive(Debug, Clone)]
pub struct S3Config {
    pub bucket: String,
    pub prefix: String,
    pub region: String,
    pub endpoint: Url,
    pub key: String,
    pub secret: String,
    pub token: Option<String>,
}

/// The endpoint an `s3://bucket/prefix/?endpoint=URL` destination names,
/// if it names one: then it is part of the destination, as the policy's
/// `destinations` list it.
pub fn endpoint_in(spec: &str) -> Result<Option<Url>> {
    let bad = |reason: String| Error::BadDestination {
        spec: spec.to_owned(),
        reason,
    };
    let Some((_, query)) = spec.split_once('?') else {
        return Ok(None);
    };
    let mut endpoint = None;
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if key != "endpoint" {
            return Err(bad(format!(
                "unknown option {key:?} (only ?endpoint=URL is known)"
            )));
        }
        let url = Url::parse(&value).map_err(|e| bad(format!("bad endpoint {value:?}: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad("the endpoint must be an http(s) URL".into()));
        }
        endpoint = Some(url);
    }
    Ok(endpoint)
}

impl S3Config {
    /// Reads `s3://bucket/prefix/[?endpoint=URL]` and the AWS variables.
    /// The endpoint the destination names wins; else `endpoint` (from
    /// `--s3-endpoint`), else `AWS_ENDPOINT_URL`. One that differs from the
    /// destination's own is refused, not silently overridden.
    pub fn from_env(spec: &str, endpoint: Option<&str>) -> Result<S3Config> {
        let bad = |reason: String| Error::BadDestination {
            spec: spec.to_owned(),
            reason,
        };
        let named = endpoint_in(spec)?;
        let rest = spec
            .strip_prefix("s3://")
            .ok_or_else(|| bad("an S3 destination starts with s3://".into()))?;
        let rest = rest.split('?').next().unwrap_or_default();
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(bad("no bucket name".into()));
        }
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let region = var("AWS_REGION")
            .or_else(|| var("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|| "us-east-1".into());
        let asked = endpoint
            .map(str::to_owned)
            .or_else(|| var("AWS_ENDPOINT_URL"));
        let endpoint = match (named, asked) {
            (Some(named), Some(asked)) if Url::parse(&asked).ok().as_ref() != Some(&named) => {
                return Err(bad(format!(
                    "the destination names its endpoint {named}; --s3-endpoint or \
                     AWS_ENDPOINT_URL ({}) cannot change it",
                    crate::error::redact(&asked)
                )));
            }
            (Some(named), _) => named,
            (None, asked) => {
                let endpoint =
                    asked.unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com"));
                Url::parse(&endpoint).map_err(|e| bad(format!("bad endpoint {endpoint:?}: {e}")))?
            }
        };
        let (Some(key), Some(secret)) = (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY"))
        else {
            return Err(bad(
                "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to upload to S3".into(),
            ));
        };
        Ok(S3Config {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
            region,
            endpoint,
            key,
            secret,
            token: var("AWS_SESSION_TOKEN"),
        })
    }
}

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

    async fn put(&self, item: &UploadItem, key: &str, ctx: &UploadContext) -> Result<()> {
        let mut action = self.bucket.put_object(Some(&self.credentials), key);
        action
            .headers_mut()
            .insert("content-type", item.mime.clone());
        let url = action.sign(SIGNED_FOR);
        let body = file_body(&item.path, 0, item.size, ctx.progress.clone()).await?;
        let request = self
            .client
            .put(url.clone())
            .header(reqwest::header::CONTENT_TYPE, &item.mime)
            .header(reqwest::header::CONTENT_LENGTH, item.size)
            .body(body);
        check(send(request, url.as_str()).await?).await.map(drop)
    }

    async fn create_multipart(&self, item: &UploadItem, key: &str) -> Result<String> {
        let mut action = self
            .bucket
            .create_multipart_upload(Some(&self.credentials), key);
        action
            .headers_mut()
            .insert("content-type", item.mime.clone());
        let url = action.sign(SIGNED_FOR);
        let request = self
            .client
            .post(url.clone())
            .header(reqwest::header::CONTENT_TYPE, &item.mime);
        let body = text(check(send(request, url.as_str()).await?).await?, &url).await?;
        CreateMultipartUpload::parse_response(&body)
            .map(|r| r.upload_id().to_owned())
            .map_err(|e| protocol(&url, format!("bad CreateMultipartUpload answer: {e}")))
    }

    /// The parts the server has, by number, with their ETags; `None` when
    /// it no longer knows the upload (completed, aborted or expired).
    async fn list_parts(&self, saved: &Saved) -> Result<Option<HashMap<u16, (String, u64)>>> {
        let mut parts = HashMap::new();
        let mut marker = None;
        loop {
            let mut action =
                self.bucket
                    .list_parts(Some(&self.credentials), &saved.key, &saved.upload_id);
            if let Some(marker) = marker {
                action.set_part_number_marker(marker);
            }
            let url = action.sign(SIGNED_FOR);
            let response = send(self.client.get(url.clone()), url.as_str()).await?;
            if response.status() == reqwest::StatusCode::NOT_FOUND {
                return Ok(None);
            }
            let body = text(check(response).await?, &url).await?;
            // AWS names the root ListPartsResult; some compatible servers
            // (moto) say ListPartsResponse. The content is the same.
            let body = body.replace("ListPartsResponse", "ListPartsResult");
            let page = ListParts::parse_response(&body)
                .map_err(|e| protocol(&url, format!("bad ListParts answer: {e}")))?;
            for part in page.parts {
                parts.insert(part.number, (part.etag, part.size));
            }
            match page.next_part_number_marker {
                Some(next) if Some(next) != marker => marker = Some(next),
                _ => return Ok(Some(parts)),
            }
        }
    }

    async fn upload_part(
        &self,
        item: &UploadItem,
        saved: &Saved,
        number: u16,
        progress: Arc<dyn Progress>,
    ) -> Result<String> {
        let offset = u64::from(number - 1) * saved.part_size;
        let len = saved.part_size.min(item.size - offset);
        let url = self
            .bucket
            .upload_part(
                Some(&self.credentials),
                &saved.key,
                number,
                &saved.upload_id,
            )
            .sign(SIGNED_FOR);
        let body = file_body(&item.path, offset, len, progress).await?;
        let request = self
            .client
            .put(url.clone())
            .header(reqwest::header::CONTENT_LENGTH, len)
            .body(body);
        let response = check(send(request, url.as_str()).await?).await?;
        response
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| protocol(&url, "UploadPart answered without an ETag".into()))
    }

    async fn complete(&self, saved: &Saved, etags: &[String]) -> Result<()> {
        let action = self.bucket.complete_multipart_upload(
            Some(&self.credentials),
            &saved.key,
            &saved.upload_id,
            etags.iter().map(String::as_str),
        );
        let url = action.sign(SIGNED_FOR);
        let body = action.body();
        let response =
            check(send(self.client.post(url.clone()).body(body), url.as_str()).await?).await?;
        // S3 may answer 200 with an error inside, after a long assembly.
        let answer = text(response, &url).await?;
        if answer.contains("<Error>") {
            return Err(Error::HttpStatus {
                url: crate::error::redact(url.as_str()),
                status: 500,
                body: crate::error::redact(&answer),
                retry_after: None,
            });
        }
        Ok(())
    }

    /// Whether an earlier attempt, interrupted after sending the request
    /// that stores the object, stored it after all: the object is there
    /// with the size and ETag saved just before that request.
    async fn already_stored(
        &self,
        item: &UploadItem,
        key: &str,
        ctx: &UploadContext,
    ) -> Result<bool> {
        let Some(expected) = load(ctx)
            .filter(|s| s.size == item.size && s.key == key)
            .and_then(|s| s.etag)
        else {
            return Ok(false);
        };
        let url = self
            .bucket
            .head_object(Some(&self.credentials), key)
            .sign(SIGNED_FOR);
        let response = self
            .retry
            .run(|| async { send(self.client.head(url.clone()), url.as_str()).await })
            .await?;
        if !response.status().is_success() {
            return Ok(false);
        }
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().trim_matches('"').to_ascii_lowercase())
        };
        Ok(header(reqwest::header::ETAG) == Some(expected)
            && header(reqwest::header::CONTENT_LENGTH) == Some(item.size.to_string()))
    }

    async fn abort(&self, saved: &Saved) -> Result<()> {
        if saved.upload_id.is_empty() {
            return Ok(()); // a single PUT leaves nothing to abort
        }
        let url = self
            .bucket
            .abort_multipart_upload(Some(&self.credentials), &saved.key, &saved.upload_id)
            .sign(SIGNED_FOR);
        check(send(self.client.delete(url.clone()), url.as_str()).await?)
            .await
            .map(drop)
    }

    async fn multipart(&self, item: &UploadItem, key: &str, ctx: &UploadContext) -> Result<()> {
        let resumed = match load(ctx)
            .filter(|s| s.size == item.size && s.key == key && !s.upload_id.is_empty())
        {
            Some(saved) => self
                .retry
                .run(|| self.list_parts(&saved))
                .await?
                .map(|parts| (saved, parts)),
            None => None,
        };
        let (saved, have) = match resumed {
            Some(found) => found,
            None => {
                let upload_id = self.retry.run(|| self.create_multipart(item, key)).await?;
                let saved = Saved {
                    key: key.to_owned(),
                    upload_id,
                    size: item.size,
                    part_size: part_size(item.size),
                    etag: None,
                };
                ctx.resume.save(serde_json::json!(saved)).await;
                (saved, HashMap::new())
            }
        };
        let count = item.size.div_ceil(saved.part_size) as u16;
        let expected = |n: u16| {
            saved
                .part_size
                .min(item.size - u64::from(n - 1) * saved.part_size)
        };
        // A listed part of the wrong size (from a torn attempt) is sent again.
        let done: HashMap<u16, String> = have
            .into_iter()
            .filter(|(n, (_, size))| *n >= 1 && *n <= count && *size == expected(*n))
            .map(|(n, (etag, _))| (n, etag))
            .collect();
        let sum = Arc::new(PartsProgress::new(
            done.keys().map(|&n| expected(n)).sum(),
            ctx.progress.clone(),
        ));
        let todo: Vec<u16> = (1..=count).filter(|n| !done.contains_key(n)).collect();
        let sent: Vec<(u16, String)> = stream::iter(todo)
            .map(|number| {
                let sum = sum.clone();
                let saved = &saved;
                async move {
                    // Never closed, so acquiring only waits.
                    let _slot = self.part_slots.acquire().await;
                    let etag = self
                        .retry
                        .run(|| {
                            self.upload_part(item, saved, number, sum.part(number, saved.part_size))
                        })
                        .await?;
                    sum.finished(number, expected(number));
                    Ok::<_, Error>((number, etag))
                }
            })
            .buffer_unordered(self.parts_at_once)
            .try_collect()
            .await?;
        let mut etags: Vec<(u16, String)> = done.into_iter().chain(sent).collect();
        etags.sort_by_key(|(n, _)| *n);
        let etags: Vec<String> = etags.into_iter().map(|(_, e)| e).collect();
        let saved = Saved {
            etag: multipart_etag(&etags),
            ..saved
        };
        ctx.resume.save(serde_json::json!(saved)).await;
        self.retry.run(|| self.complete(&saved, &etags)).await
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

/// The smallest whole-MiB part size that fits `size` in 10,000 parts, and
/// never under S3's 5 MiB minimum.
pub fn part_size(size: u64) -> u64 {
    let needed = size.div_ceil(MAX_PARTS);
    needed
        .div_ceil(MIB)
        .max(1)
        .saturating_mul(MIB)
        .max(MIN_PART)
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

/// The ETag S3 gives a completed multipart upload: the MD5 of its parts'
/// MD5s, then `-` and the number of parts. `None` when a part's ETag is not
/// an MD5 (encrypted with KMS, say): then it cannot be told in advance.
fn multipart_etag(parts: &[String]) -> Option<String> {
    use md5::Digest;
    let mut hasher = md5::Md5::new();
    for etag in parts {
        let etag = etag.trim().trim_matches('"');
        if etag.len() != 32 {
            return None;
        }
        for at in (0..32).step_by(2) {
            hasher.update([u8::from_str_radix(etag.get(at..at + 2)?, 16).ok()?]);
        }
    }
    Some(format!("{}-{}", hex(&hasher.finalize()), parts.len()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn load(ctx: &UploadContext) -> Option<Saved> {
    ctx.resume
        .load()
        .and_then(|v| serde_json::from_value(v).ok())
}

fn protocol(url: &Url, reason: String) -> Error {
    Error::Protocol {
        url: crate::error::redact(url.as_str()),
        reason,
    }
}

async fn text(response: reqwest::Response, url: &Url) -> Result<String> {
    response.text().await.map_err(|e| Error::network(url, &e))
}

/// Adds up the progress of parts sent side by side into one file's count.
struct PartsProgress {
    outer: Arc<dyn Progress>,
    state: Mutex<(u64, HashMap<u16, u64>)>,
}

impl PartsProgress {
    fn new(done: u64, outer: Arc<dyn Progress>) -> Self {
        PartsProgress {
            outer,
            state: Mutex::new((done, HashMap::new())),
        }
    }

    fn report(&self, change: impl FnOnce(&mut (u64, HashMap<u16, u64>))) {
        let total = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            change(&mut state);
            state.0 + state.1.values().sum::<u64>()
        };
        self.outer.advanced(total);
    }

    /// A progress for one attempt at part `number` (restarting at zero).
    fn part(self: &Arc<Self>, number: u16, part_size: u64) -> Arc<dyn Progress> {
        self.report(|s| {
            s.1.insert(number, 0);
        });
        Arc::new(OnePart {
            sum: self.clone(),
            number,
            start: u64::from(number - 1) * part_size,
        })
    }

    fn finished(&self, number: u16, size: u64) {
        self.report(|s| {
            s.1.remove(&number);
            s.0 += size;
        });
    }
}

struct OnePart {
    sum: Arc<PartsProgress>,
    number: u16,
    /// The part's offset in the file; bodies report file offsets.
    start: u64,
}

impl Progress for OnePart {
    fn advanced(&self, transferred: u64) {
        let sent = transferred.saturating_sub(self.start);
        self.sum.report(|s| {
            s.1.insert(self.number, sent);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn etags_are_known_before_the_object_is_stored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"abc").unwrap();
        assert_eq!(
            md5_hex(&path).await.unwrap(),
            "900150983cd24fb0d6963f7d28e17f72"
        );
        let parts = [
            "\"900150983cd24fb0d6963f7d28e17f72\"".to_owned(), // md5("abc")
            "4ED9407630EB1000C0F6B63842DEFA7D".to_owned(),     // md5("def")
        ];
        assert_eq!(
            multipart_etag(&parts).as_deref(),
            Some("4c8e93283780e078db9e0c6b9b3f8043-2")
        );
        assert_eq!(multipart_etag(&["\"kms-opaque\"".to_owned()]), None);
    }

    #[test]
    fn five_tebibytes_fit_in_ten_thousand_parts() {
        let five_tib = 5 * 1024 * 1024 * MIB;
        let size = part_size(five_tib);
        assert!(five_tib.div_ceil(size) <= MAX_PARTS);
        assert_eq!(size % MIB, 0);
        assert_eq!(part_size(1), MIN_PART);
        assert_eq!(part_size(100 * MIB), MIN_PART);
        // Just over what 5 MiB parts can carry.
        assert_eq!(part_size(MIN_PART * MAX_PARTS + 1), 6 * MIB);
    }

    #[test]
    fn specs_and_variables_make_a_config() {
        // Only this test touches the variables in this binary.
        std::env::set_var("AWS_ACCESS_KEY_ID", "k");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "s");
        std::env::set_var("AWS_REGION", "eu-west-3");
        std::env::remove_var("AWS_ENDPOINT_URL");
        let c = S3Config::from_env("s3://b/some/prefix/", None).unwrap();
        assert_eq!(
            (c.bucket.as_str(), c.prefix.as_str()),
            ("b", "some/prefix/")
        );
        assert_eq!(c.endpoint.as_str(), "https://s3.eu-west-3.amazonaws.com/");
        let c = S3Config::from_env("s3://b", Some("http://127.0.0.1:9000")).unwrap();
        assert_eq!(
            (c.prefix.as_str(), c.endpoint.as_str()),
            ("", "http://127.0.0.1:9000/")
        );
        assert!(S3Config::from_env("s3:///x", None).is_err());
        // An endpoint in the destination is part of it.
        let c = S3Config::from_env("s3://b/p/?endpoint=http://127.0.0.1:9000", None).unwrap();
        assert_eq!(
            (c.prefix.as_str(), c.endpoint.as_str()),
            ("p/", "http://127.0.0.1:9000/")
        );
        let c = S3Config::from_env(
            "s3://b/p/?endpoint=http://127.0.0.1:9000",
            Some("http://127.0.0.1:9000/"),
        )
        .unwrap();
        assert_eq!(c.endpoint.as_str(), "http://127.0.0.1:9000/");
        let err = S3Config::from_env("s3://b/p/?endpoint=http://127.0.0.1:9000", Some("http://x"))
            .unwrap_err();
        assert!(err.to_string().contains("cannot change it"), "{err}");
        assert!(S3Config::from_env("s3://b/?region=x", None).is_err());
        std::env::remove_var("AWS_SECRET_ACCESS_KEY");
        let err = S3Config::from_env("s3://b/", None).unwrap_err();
        assert!(err.to_string().contains("AWS_SECRET_ACCESS_KEY"), "{err}");
    }
}
