//! Fetching what sources point at: URL metadata, and whole files streamed
//! into the spool. Only http and https; headers are checked first.

use std::path::Path;
use std::time::Duration;

use futures_util::StreamExt;
use reqwest::header::{
    CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, LAST_MODIFIED, RANGE,
};
use reqwest::{Method, Response, StatusCode};
use serde::Serialize;
use url::Url;

use std::sync::Arc;

pub use crate::naming::clean_filename;
use crate::network::{GuardedResolver, NetworkPolicy};
use crate::spool::SpoolWriter;
use crate::{headers, mime, Error, Headers, Result};

const MAX_REDIRECTS: usize = 10;
const SNIFF_LEN: u64 = 8192;
/// A small fetch (a thumbnail) must be over within this time.
const SMALL_FETCH_DEADLINE: Duration = Duration::from_secs(20);
/// `metadata` must be answered within this time, however slowly a server
/// trickles its headers (connect and read timeouts reset on every byte).
const METADATA_DEADLINE: Duration = Duration::from_secs(30);
/// A whole file fetched into the spool must arrive within this time.
const FETCH_DEADLINE: Duration = Duration::from_secs(3600);

/// What `metadata(url)` answers, in the seed's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Metadata {
    pub filename: String,
    pub display_name: String,
    pub link_path: String,
    pub thumbnail: String,
    pub modified: String,
    #[serde(rename = "type")]
    pub mime: String,
    #[specta(type = specta_typescript::Number)]
    pub size: u64,
}

/// A file fetched into the spool.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub filename: String,
    /// The server's `Content-Type`, else what the content shows.
    pub mime: String,
    /// What the content shows (the name decides only when it has no
    /// signature): checked against `accept` besides `mime`.
    pub sniffed: String,
    pub size: u64,
}

#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    network: Arc<NetworkPolicy>,
    metadata_deadline: Duration,
    fetch_deadline: Duration,
}

impl Fetcher {
    pub fn new(network: Arc<NetworkPolicy>) -> Result<Self> {
        let hops = network.clone();
        // Every hop is checked like the first: scheme, and IP literals
        // (names are checked by the resolver when they are connected to).
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
            }
            if !matches!(attempt.url().scheme(), "http" | "https") {
                let scheme = attempt.url().scheme().to_owned();
                return attempt.error(format!("a redirect to {scheme}: is not followed"));
            }
            match hops.check_url_host(attempt.url()) {
                Ok(()) => attempt.follow(),
                Err(e) => attempt.error(e),
            }
        });
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(GuardedResolver {
                policy: network.clone(),
            }))
            .redirect(redirects)
            // A proxy would resolve names itself, where the guard cannot
            // see: HTTP_PROXY, HTTPS_PROXY and ALL_PROXY are not used.
            .no_proxy()
            .connect_timeout(Duration::from_secs(15))
            .read_timeout(Duration::from_secs(60))
            .user_agent(concat!("Satchel/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Fetch {
                url: String::new(),
                message: e.to_string(),
            })?;
        Ok(Fetcher {
            client,
            network,
            metadata_deadline: METADATA_DEADLINE,
            fetch_deadline: FETCH_DEADLINE,
        })
    }

    /// Runs `work` within `limit`, failing with a fetch error naming `url`.
    async fn within<T>(
        url: &str,
        limit: Duration,
        work: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        tokio::time::timeout(limit, work)
            .await
            .map_err(|_| Error::Fetch {
                url: crate::error::redact(url),
                message: format!("no complete answer within {} s", limit.as_secs()),
            })?
    }

    /// Metadata from a HEAD request, falling back to a ranged GET when the
    /// server refuses HEAD or leaves the type open (then the first bytes are
    /// sniffed).
    pub async fn metadata(&self, url: &str, headers: &Headers) -> Result<Metadata> {
        Self::within(
            url,
            self.metadata_deadline,
            self.read_metadata(url, headers),
        )
        .await
    }

    async fn read_metadata(&self, url: &str, headers: &Headers) -> Result<Metadata> {
        let parsed = check_url(url)?;
        let head = self.request(Method::HEAD, &parsed, headers, false).await;
        let (described, first_bytes) = match head {
            Ok(r) if r.status().is_success() && !needs_sniff(&r) => {
                (Described::of(&r, &parsed), None)
            }
            _ => {
                let r = self.request(Method::GET, &parsed, headers, true).await?;
                ensure_success(&r, url)?;
                let described = Described::of(&r, &parsed);
                (described, Some(read_head(r).await?))
            }
        };
        let mime = described.mime.unwrap_or_else(|| {
            mime::detect(
                first_bytes.as_deref().unwrap_or_default(),
                Path::new(&described.filename),
            )
        });
        let thumbnail = if mime.starts_with("image/") {
            url.to_owned()
        } else {
            String::new()
        };
        Ok(Metadata {
            display_name: described.filename.clone(),
            filename: described.filename,
            link_path: described.final_url,
            thumbnail,
            modified: described.modified.unwrap_or_default(),
            mime,
            size: described.size.unwrap_or(0),
        })
    }

    /// Streams `url` into `spool`, refusing more than its limit.
    pub async fn fetch_into(
        &self,
        url: &str,
        headers: &Headers,
        spool: &mut SpoolWriter,
    ) -> Result<Fetched> {
        let deadline = self.fetch_deadline;
        Self::within(url, deadline, self.stream_into(url, headers, spool)).await
    }

    async fn stream_into(
        &self,
        url: &str,
        headers: &Headers,
        spool: &mut SpoolWriter,
    ) -> Result<Fetched> {
        let parsed = check_url(url)?;
        let response = self.request(Method::GET, &parsed, headers, false).await?;
        ensure_success(&response, url)?;
        let filename = filename_of(&response, &parsed);
        let declared = type_of(&response);
        let mut head = Vec::new();
        let mut body = response.bytes_stream();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| fetch_error(url, &e))?;
            if (head.len() as u64) < SNIFF_LEN {
                let take = (SNIFF_LEN as usize - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
            }
            spool.write_at(spool.written(), &chunk)?;
        }
        let sniffed = mime::detect(&head, Path::new(&filename));
        let mime = declared.unwrap_or_else(|| sniffed.clone());
        Ok(Fetched {
            filename,
            mime,
            sniffed,
            size: spool.written(),
        })
    }

    /// A small body read whole into memory, refused past `limit` bytes
    /// (a source's thumbnail, say).
    pub async fn fetch_small(&self, url: &str, headers: &Headers, limit: u64) -> Result<Vec<u8>> {
        let whole =
            tokio::time::timeout(SMALL_FETCH_DEADLINE, self.read_small(url, headers, limit));
        whole.await.map_err(|_| Error::Fetch {
            url: crate::error::redact(url),
            message: format!("no answer within {} s", SMALL_FETCH_DEADLINE.as_secs()),
        })?
    }

    async fn read_small(&self, url: &str, headers: &Headers, limit: u64) -> Result<Vec<u8>> {
        let parsed = check_url(url)?;
        let response = self.request(Method::GET, &parsed, headers, false).await?;
        ensure_success(&response, url)?;
        // A declared size over the limit is refused before reading a byte.
        if let Some(size) = response.content_length().filter(|&size| size > limit) {
            return Err(Error::TooLarge { size, limit });
        }
        let mut body = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| fetch_error(url, &e))?;
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(Error::TooLarge {
                    size: (body.len() + chunk.len()) as u64,
                    limit,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    async fn request(
        &self,
        method: Method,
        url: &Url,
        headers: &Headers,
        ranged: bool,
    ) -> Result<Response> {
        self.network.check_url_host(url)?;
        let mut request = self
            .client
            .request(method, url.clone())
            .headers(headers::validate(headers)?);
        if ranged {
            request = request.header(RANGE, format!("bytes=0-{}", SNIFF_LEN - 1));
        }
        request
            .send()
            .await
            .map_err(|e| fetch_error(url.as_str(), &e))
    }
}

/// Only absolute http(s) URLs are fetched.
pub fn check_url(url: &str) -> Result<Url> {
    let bad = |reason: &str| Error::BadUrl {
        url: url.chars().take(200).collect(),
        reason: reason.to_owned(),
    };
    let parsed = Url::parse(url).map_err(|e| bad(&e.to_string()))?;
    match parsed.scheme() {
        "http" | "https" => {}
        other => {
            return Err(bad(&format!(
                "the {other}: scheme is not allowed, only http and https"
            )))
        }
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(bad("it has no host"));
    }
    Ok(parsed)
}

fn fetch_error(url: &str, e: &reqwest::Error) -> Error {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        // The SSRF guard refused the address the name resolved to: say so.
        if let Some(Error::Refused {
            host,
            address,
            rule,
        }) = inner.downcast_ref::<Error>()
        {
            return Error::Refused {
                host: host.clone(),
                address: address.clone(),
                rule: rule.clone(),
            };
        }
        message = format!("{message}: {inner}");
        source = inner.source();
    }
    Error::Fetch {
        url: crate::error::redact(url),
        message: crate::error::redact(&message),
    }
}

fn ensure_success(response: &Response, url: &str) -> Result<()> {
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(Error::HttpStatus {
            url: crate::error::redact(url),
            status: status.as_u16(),
            body: String::new(),
            retry_after: None,
        })
    }
}

fn needs_sniff(response: &Response) -> bool {
    type_of(response).is_none_or(|t| t == "application/octet-stream")
}

/// The first bytes of a body, for sniffing; the rest is not read.
async fn read_head(response: Response) -> Result<Vec<u8>> {
    let url = response.url().to_string();
    let mut head = Vec::new();
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        head.extend_from_slice(&chunk.map_err(|e| fetch_error(&url, &e))?);
        if head.len() as u64 >= SNIFF_LEN {
            head.truncate(SNIFF_LEN as usize);
            break;
        }
    }
    Ok(head)
}

/// What a response's headers say about the file behind it.
struct Described {
    filename: String,
    mime: Option<String>,
    size: Option<u64>,
    modified: Option<String>,
    final_url: String,
}

impl Described {
    fn of(response: &Response, requested: &Url) -> Self {
        Described {
            filename: filename_of(response, requested),
            mime: type_of(response).filter(|t| t != "application/octet-stream"),
            size: total_size(response),
            modified: header_str(response, LAST_MODIFIED),
            final_url: response.url().to_string(),
        }
    }
}

fn header_str(response: &Response, name: http::header::HeaderName) -> Option<String> {
    response
        .headers()
        .get(name)?
        .to_str()
        .ok()
        .map(str::to_owned)
}

fn type_of(response: &Response) -> Option<String> {
    let raw = header_str(response, CONTENT_TYPE)?;
    let essence = raw.split(';').next()?.trim().to_ascii_lowercase();
    (!essence.is_empty()).then_some(essence)
}

fn total_size(response: &Response) -> Option<u64> {
    if response.status() == StatusCode::PARTIAL_CONTENT {
        // "bytes 0-8191/123456"
        let range = header_str(response, CONTENT_RANGE)?;
        return range.rsplit('/').next()?.parse().ok();
    }
    header_str(response, CONTENT_LENGTH)?.parse().ok()
}

fn filename_of(response: &Response, url: &Url) -> String {
    if let Some(disposition) = header_str(response, CONTENT_DISPOSITION) {
        let parsed = content_disposition::parse_content_disposition(&disposition);
        if let Some(name) = parsed.filename_full() {
            return clean_filename(&name);
        }
    }
    let from_url = response
        .url()
        .path_segments()
        .and_then(|mut s| s.next_back().map(str::to_owned))
        .filter(|s| !s.is_empty())
        .or_else(|| {
            url.path_segments()
                .and_then(|mut s| s.next_back().map(str::to_owned))
        })
        .unwrap_or_default();
    let decoded = percent_encoding::percent_decode_str(&from_url).decode_utf8_lossy();
    clean_filename(&decoded)
}

#[cfg(test)]
mod tests;
