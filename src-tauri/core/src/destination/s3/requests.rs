//! The signed requests, one per S3 action an upload needs: presigned by
//! `rusty-s3`, sent with reqwest, their answers checked and parsed.

use std::collections::HashMap;
use std::sync::Arc;

use rusty_s3::actions::{CreateMultipartUpload, ListParts};
use rusty_s3::S3Action;
use url::Url;

use super::{load, S3Destination, Saved, SIGNED_FOR};
use crate::destination::{Progress, UploadContext, UploadItem};
use crate::transfer::{check, file_body, send};
use crate::{Error, Result};

impl S3Destination {
    pub(super) async fn put(
        &self,
        item: &UploadItem,
        key: &str,
        ctx: &UploadContext,
    ) -> Result<()> {
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

    pub(super) async fn create_multipart(&self, item: &UploadItem, key: &str) -> Result<String> {
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
    pub(super) async fn list_parts(
        &self,
        saved: &Saved,
    ) -> Result<Option<HashMap<u16, (String, u64)>>> {
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

    pub(super) async fn upload_part(
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

    pub(super) async fn complete(&self, saved: &Saved, etags: &[String]) -> Result<()> {
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
    pub(super) async fn already_stored(
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

    pub(super) async fn abort(&self, saved: &Saved) -> Result<()> {
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
