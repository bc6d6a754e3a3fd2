//! Request headers that sources attach to URLs: checked before any request.
//!
//! A source may authenticate to its own API (Authorization, API keys), but
//! must not steer the connection itself (Host, hop-by-hop headers, proxies)
//! or smuggle a second request through CR/LF.

use http::{HeaderMap, HeaderName, HeaderValue};

use crate::{Error, Headers, Result};

const MAX_HEADERS: usize = 32;
const MAX_TOTAL_BYTES: usize = 16 * 1024;

/// Headers a source may never set.
const FORBIDDEN: &[&str] = &[
    "host",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "content-length",
    "expect",
    "proxy-authorization",
    "proxy-authenticate",
    "proxy-connection",
    "cookie",
];

/// Validates a source's headers and turns them into a request's header map.
pub fn validate(headers: &Headers) -> Result<HeaderMap> {
    if headers.len() > MAX_HEADERS {
        return Err(Error::BadHeader(format!(
            "{} headers given, at most {MAX_HEADERS} allowed",
            headers.len()
        )));
    }
    let total: usize = headers.iter().map(|(k, v)| k.len() + v.len()).sum();
    if total > MAX_TOTAL_BYTES {
        return Err(Error::BadHeader(format!(
            "headers take {total} bytes, at most {MAX_TOTAL_BYTES} allowed"
        )));
    }
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Error::BadHeader(format!("{name:?} is not a valid header name")))?;
        let lower = header.as_str();
        if FORBIDDEN.contains(&lower) || lower.starts_with("proxy-") || lower.starts_with("sec-") {
            return Err(Error::BadHeader(format!(
                "{name:?} may not be set by a source"
            )));
        }
        // HeaderValue refuses CR, LF and NUL, which is what splits requests.
        let value = HeaderValue::from_str(value).map_err(|_| {
            Error::BadHeader(format!("the value of {name:?} has control characters"))
        })?;
        map.append(header, value);
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Headers {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn authorization_is_fine() {
        let map = validate(&headers(&[
            ("Authorization", "Bearer x"),
            ("X-Api-Key", "k"),
        ]))
        .unwrap();
        assert_eq!(map["authorization"], "Bearer x");
    }

    #[test]
    fn injection_and_steering_are_refused() {
        for (k, v) in [
            ("X-A", "a\r\nHost: evil"),
            ("X-A", "a\nb"),
            ("Bad Name", "x"),
            ("Host", "evil"),
            ("Proxy-Foo", "x"),
            ("Transfer-Encoding", "chunked"),
            ("Cookie", "a=b"),
        ] {
            let err = validate(&headers(&[(k, v)])).unwrap_err();
            assert_eq!(err.kind(), "badHeader", "{k}: {v:?}");
        }
    }

    #[test]
    fn names_are_matched_whatever_their_case() {
        for name in [
            "HOST",
            "cOOKIE",
            "Proxy-Authorization",
            "SEC-Fetch-Site",
            "Connection",
        ] {
            let err = validate(&headers(&[(name, "x")])).unwrap_err();
            assert!(err.to_string().contains("may not be set"), "{name}: {err}");
        }
    }

    proptest::proptest! {
        /// Whatever a source sends, what passes is a well-formed header map
        /// within the caps, with nothing that steers or splits a request.
        #[test]
        fn anything_that_passes_is_safe(
            pairs in proptest::collection::vec(("[ -~]{0,24}|host|cookie|proxy-x|te", ".{0,64}"), 0..40),
        ) {
            let given: Headers = pairs.into_iter().collect();
            if let Ok(map) = validate(&given) {
                proptest::prop_assert!(map.len() <= MAX_HEADERS);
                for (name, value) in &map {
                    let name = name.as_str();
                    proptest::prop_assert!(!FORBIDDEN.contains(&name));
                    proptest::prop_assert!(!name.starts_with("proxy-") && !name.starts_with("sec-"));
                    proptest::prop_assert!(!value.as_bytes().iter().any(|b| matches!(b, b'\r' | b'\n' | 0)));
                }
            }
        }
    }

    #[test]
    fn counts_and_sizes_are_capped() {
        let many: Headers = (0..40).map(|i| (format!("x-{i}"), "v".into())).collect();
        assert!(validate(&many).is_err());
        let big = headers(&[("x-big", &"v".repeat(20_000))]);
        assert!(validate(&big).is_err());
    }
}
