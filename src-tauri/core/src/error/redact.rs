//! What an error may quote of a URL: where it points, never the secrets a
//! URL or a request carries (userinfo, queries, AWS signing parameters).

/// `text` with every URL in it cut down to where it points: no userinfo
/// (`user:password@`), no query and no fragment, where signatures and
/// tokens live (an S3 presigned URL's `X-Amz-Credential`,
/// `X-Amz-Security-Token`, `X-Amz-Signature`). Any such parameter met
/// outside a URL (a server quoting the request back) loses its value too.
/// Errors, and so everything made from them (the saved queue, stderr, the
/// `--json` result, the window), only ever hold redacted text.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = find_url(rest) {
        out.push_str(&rest[..at]);
        let url = &rest[at..];
        let end = url
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | ')' | '`'))
            .unwrap_or(url.len());
        out.push_str(&redact_url(&url[..end]));
        rest = &url[end..];
    }
    out.push_str(rest);
    redact_signing_params(&out)
}

fn find_url(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    ["http://", "https://"]
        .iter()
        .filter_map(|scheme| lower.find(scheme))
        .min()
}

/// One URL without userinfo, query or fragment ("?…" says something went).
fn redact_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let kept = rest.split(['?', '#']).next().unwrap_or_default();
    let (authority, path) = kept.split_at(kept.find('/').unwrap_or(kept.len()));
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let cut = if kept.len() < rest.len() { "?…" } else { "" };
    format!("{scheme}://{host}{path}{cut}")
}

/// Blanks the value of AWS signing parameters wherever they appear.
fn redact_signing_params(text: &str) -> String {
    const SECRET: [&str; 3] = [
        "x-amz-credential=",
        "x-amz-security-token=",
        "x-amz-signature=",
    ];
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let lower = rest.to_ascii_lowercase();
        let Some((at, name)) = SECRET
            .iter()
            .filter_map(|name| lower.find(name).map(|at| (at, name.len())))
            .min()
        else {
            break;
        };
        out.push_str(&rest[..at + name]);
        out.push('…');
        let value = &rest[at + name..];
        let end = value
            .find(|c: char| c == '&' || c == '<' || c == '"' || c.is_whitespace())
            .unwrap_or(value.len());
        rest = &value[end..];
    }
    out.push_str(rest);
    out
}
