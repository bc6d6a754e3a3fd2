//! Where an S3 destination's objects go and who signs for them: the bucket
//! and prefix of `s3://bucket/prefix/[?endpoint=URL]`, the endpoint, and the
//! credentials and region from the AWS variables.

use url::Url;

use crate::{Error, Result};

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
