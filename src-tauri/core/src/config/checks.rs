//! What the settings in force allow later on: an S3 endpoint asked for on
//! the command line or in the environment, and an interrupted queue to be
//! finished.

use super::Effective;
use crate::{Error, Result};

impl Effective {
    /// Refuses an S3 endpoint the policy did not choose. With `destinations`
    /// set, an S3 destination's endpoint is part of what the policy allows:
    /// `s3://bucket/prefix/` is AWS itself, `s3://bucket/prefix/?endpoint=URL`
    /// that server; `--s3-endpoint` (`s3_endpoint`) or `AWS_ENDPOINT_URL`
    /// may not send the same bucket, and the corporate key, elsewhere.
    pub fn check_s3_endpoint(&self, spec: &str, s3_endpoint: Option<&str>) -> Result<()> {
        let env = std::env::var("AWS_ENDPOINT_URL")
            .ok()
            .filter(|v| !v.is_empty());
        self.s3_endpoint_allowed(spec, s3_endpoint.map(str::to_owned).or(env))
    }

    /// [`Effective::check_s3_endpoint`], given the endpoint asked for.
    pub(super) fn s3_endpoint_allowed(&self, spec: &str, asked: Option<String>) -> Result<()> {
        if self.destinations.is_empty() || !spec.starts_with("s3://") {
            return Ok(());
        }
        let named = crate::destination::s3::endpoint_in(spec)?;
        let Some(asked) = asked else {
            return Ok(());
        };
        let same =
            named.is_some_and(|named| url::Url::parse(&asked).is_ok_and(|asked| asked == named));
        if same {
            return Ok(());
        }
        Err(Error::NotAllowed {
            what: format!(
                "the S3 endpoint {} for {}",
                crate::error::redact(&asked),
                spec
            ),
            path: self.policy_path.clone(),
        })
    }

    /// Whether an interrupted queue may be finished under the settings in
    /// force: its destination among the policy's `destinations`, its
    /// unfinished files within `maxFiles`, `maxSize` and `accept`. A policy
    /// installed since the queue was saved holds for it too.
    pub fn check_saved_queue(&self, queue: &crate::SavedQueue) -> Result<()> {
        if !self.destinations.is_empty() && !self.destinations.contains(&queue.destination) {
            return Err(Error::NotAllowed {
                what: format!(
                    "the interrupted upload's destination {:?}",
                    queue.destination
                ),
                path: self.policy_path.clone(),
            });
        }
        let unfinished: Vec<_> = queue
            .files
            .iter()
            .filter(|f| f.status != crate::FileStatus::Done)
            .collect();
        let max = self.options.max_files;
        if unfinished.len() > max {
            return Err(Error::TooManyFiles { max });
        }
        for file in unfinished {
            // A link not fetched yet has no size to judge.
            let size = (file.size > 0 || file.link.is_none()).then_some(file.size);
            crate::restrictions::check(&self.options, &file.filename, &file.mime, size)?;
        }
        Ok(())
    }
}
