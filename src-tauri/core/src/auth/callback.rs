//! The loopback listener a sign-in's browser comes back to: it waits for
//! the provider's redirect to `http://127.0.0.1:<port>/callback`, takes the
//! code of the one carrying the flow's `state`, and shows the browser a
//! short page.
//!
//! When working on this file, keep in mind:
//! - the listener answers only `GET /callback`; a request with an `Origin`
//!   header (a page or frame posting to the port, not the browser following
//!   the provider's redirect) is refused and the flow goes on waiting;
//! - a callback whose `state` is not this flow's ends the flow without a
//!   sign-in: the code it carries is never exchanged.

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::{Error, Result};

/// How long the listener waits for the browser to come back.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

/// What a flow needs besides the source's `auth`.
#[derive(Debug, Clone)]
pub struct FlowOptions {
    /// How long to wait for the browser to come back.
    pub timeout: Duration,
    /// The language of the page the browser is shown at the end.
    pub lang: String,
    /// Stops the flow (the person cancelled, or started another).
    pub cancel: CancellationToken,
}

/// The loopback listener a flow's redirect comes back to, up only while
/// the flow runs (dropped with it).
pub(crate) struct Callback {
    server: tiny_http::Server,
    port: u16,
}

/// How often the listener looks at its cancel token and deadline.
const POLL: Duration = Duration::from_millis(200);

impl Callback {
    pub(crate) fn bind() -> Result<Callback> {
        let server = tiny_http::Server::http("127.0.0.1:0").map_err(|e| Error::SignInFailed {
            reason: format!("cannot listen on 127.0.0.1 for the browser to come back: {e}"),
        })?;
        let port = server
            .server_addr()
            .to_ip()
            .map(|a| a.port())
            .ok_or_else(|| Error::Internal("the sign-in listener has no port".into()))?;
        Ok(Callback { server, port })
    }

    pub(crate) fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}/callback", self.port)
    }

    /// Waits for the browser: the code of a callback carrying `state`, or
    /// why there is none. Blocking; returns by `options.timeout` at the latest.
    pub(crate) fn wait(&self, state: &str, options: &FlowOptions) -> Result<String> {
        let deadline = Instant::now() + options.timeout;
        loop {
            if options.cancel.is_cancelled() {
                return Err(Error::SignInCancelled);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::SignInTimeout {
                    seconds: options.timeout.as_secs(),
                });
            }
            let request = match self.server.recv_timeout(left.min(POLL)) {
                Ok(Some(request)) => request,
                Ok(None) => continue,
                Err(e) => {
                    return Err(Error::SignInFailed {
                        reason: format!("the sign-in listener failed: {e}"),
                    })
                }
            };
            match judge(&request, state) {
                Verdict::Ignore(status) => {
                    let _ = request.respond(tiny_http::Response::empty(status));
                }
                Verdict::Done(outcome) => {
                    let page = callback_page(&options.lang, outcome.as_ref().err());
                    let header = tiny_http::Header::from_bytes(
                        &b"Content-Type"[..],
                        &b"text/html; charset=utf-8"[..],
                    )
                    .expect("a valid header");
                    let status = if outcome.is_ok() { 200 } else { 400 };
                    let _ = request.respond(
                        tiny_http::Response::from_string(page)
                            .with_header(header)
                            .with_status_code(status),
                    );
                    return outcome;
                }
            }
        }
    }
}

enum Verdict {
    /// Not the browser coming back: answered with this status, and waited on.
    Ignore(u16),
    Done(Result<String>),
}

fn judge(request: &tiny_http::Request, state: &str) -> Verdict {
    if *request.method() != tiny_http::Method::Get {
        return Verdict::Ignore(405);
    }
    // The provider's redirect is a top-level navigation, which carries no
    // Origin; a script or frame posting here does.
    if request.headers().iter().any(|h| h.field.equiv("Origin")) {
        return Verdict::Ignore(403);
    }
    let Ok(url) = url::Url::parse(&format!("http://127.0.0.1{}", request.url())) else {
        return Verdict::Ignore(400);
    };
    if url.path() != "/callback" {
        return Verdict::Ignore(404);
    }
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    if param("state").as_deref() != Some(state) {
        return Verdict::Done(Err(Error::SignInState));
    }
    if let Some(error) = param("error") {
        let clean =
            |s: String| -> String { s.chars().filter(|c| !c.is_control()).take(200).collect() };
        return Verdict::Done(Err(Error::SignInDenied {
            error: clean(error),
            description: param("error_description").map(clean).unwrap_or_default(),
        }));
    }
    match param("code") {
        Some(code) if !code.is_empty() => Verdict::Done(Ok(code)),
        _ => Verdict::Done(Err(Error::SignInFailed {
            reason: "the provider came back without a code".into(),
        })),
    }
}

/// The short page the browser shows once it is back, in the person's
/// language (English, German).
pub fn callback_page(lang: &str, error: Option<&Error>) -> String {
    let german = lang.to_ascii_lowercase().starts_with("de");
    let (title, body) = match (error, german) {
        (None, false) => (
            "Signed in".to_owned(),
            "You are signed in. You can close this tab and go back to Satchel.".to_owned(),
        ),
        (None, true) => (
            "Angemeldet".to_owned(),
            "Sie sind angemeldet. Sie können diesen Tab schließen und zu Satchel zurückkehren."
                .to_owned(),
        ),
        (Some(e), false) => (
            "Sign-in failed".to_owned(),
            format!("{} Go back to Satchel to try again.", e),
        ),
        (Some(e), true) => (
            "Anmeldung fehlgeschlagen".to_owned(),
            format!("{} Versuchen Sie es in Satchel noch einmal.", e),
        ),
    };
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    format!(
        "<!doctype html><html lang=\"{}\"><meta charset=\"utf-8\"><title>{t} — Satchel</title>\
         <body style=\"font-family:sans-serif;max-width:32rem;margin:4rem auto\">\
         <h1>{t}</h1><p>{b}</p></body></html>",
        if german { "de" } else { "en" },
        t = escape(&title),
        b = escape(&body),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(timeout: Duration) -> FlowOptions {
        FlowOptions {
            timeout,
            lang: "en".into(),
            cancel: CancellationToken::new(),
        }
    }

    /// Sends one raw request to the listener and returns the status line.
    fn hit(port: u16, request: &str) -> String {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    }

    fn get_request(path: &str, extra: &str) -> String {
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{extra}\r\n")
    }

    #[test]
    fn the_callback_takes_only_its_state_and_ignores_other_callers() {
        let callback = Callback::bind().unwrap();
        let port = callback.port;
        assert_eq!(
            callback.redirect_uri(),
            format!("http://127.0.0.1:{port}/callback")
        );
        let browser = std::thread::spawn(move || {
            let refused = [
                hit(port, "POST /callback?state=s3cret&code=c HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
                hit(port, &get_request("/callback?state=s3cret&code=evil", "Origin: null\r\n")),
                hit(port, &get_request("/favicon.ico", "")),
            ];
            let done = hit(
                port,
                &get_request("/callback?state=s3cret&code=the-code", ""),
            );
            (refused, done)
        });
        let code = callback
            .wait("s3cret", &options(Duration::from_secs(10)))
            .unwrap();
        assert_eq!(code, "the-code", "only the browser's own callback counts");
        let (refused, done) = browser.join().unwrap();
        assert!(refused[0].starts_with("HTTP/1.1 405"), "{}", refused[0]);
        assert!(refused[1].starts_with("HTTP/1.1 403"), "{}", refused[1]);
        assert!(refused[2].starts_with("HTTP/1.1 404"), "{}", refused[2]);
        assert!(
            done.starts_with("HTTP/1.1 200") && done.contains("You are signed in"),
            "{done}"
        );
    }

    #[test]
    fn a_wrong_state_or_a_provider_error_ends_the_flow_with_a_clear_error() {
        for (query, kind, said) in [
            ("state=forged&code=c", "signInState", "state"),
            ("code=c", "signInState", "state"),
            (
                "state=s&error=access_denied&error_description=The+user+said+no",
                "signInDenied",
                "The user said no",
            ),
            ("state=s", "signInFailed", "without a code"),
        ] {
            let callback = Callback::bind().unwrap();
            let port = callback.port;
            let path = format!("/callback?{query}");
            let browser = std::thread::spawn(move || hit(port, &get_request(&path, "")));
            let mut german = options(Duration::from_secs(10));
            german.lang = "de-DE".into();
            let err = callback.wait("s", &german).unwrap_err();
            assert_eq!(err.kind(), kind, "{query}");
            assert!(err.to_string().contains(said), "{query}: {err}");
            let page = browser.join().unwrap();
            assert!(
                page.starts_with("HTTP/1.1 400") && page.contains("Anmeldung fehlgeschlagen"),
                "{page}"
            );
        }
    }

    #[test]
    fn nothing_waits_for_ever() {
        let callback = Callback::bind().unwrap();
        let started = Instant::now();
        let err = callback
            .wait("s", &options(Duration::from_millis(300)))
            .unwrap_err();
        assert_eq!(err.kind(), "signInTimeout");
        assert!(started.elapsed() < Duration::from_secs(2));

        let opts = options(Duration::from_secs(60));
        let cancel = opts.cancel.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            cancel.cancel();
        });
        let started = Instant::now();
        assert_eq!(
            callback.wait("s", &opts).unwrap_err().kind(),
            "signInCancelled"
        );
        assert!(started.elapsed() < Duration::from_secs(2));
        let port = callback.port;
        drop(callback);
        // tiny_http's accept thread closes the socket just after the drop.
        let closed_by = Instant::now() + Duration::from_secs(3);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            assert!(
                Instant::now() < closed_by,
                "the listener is gone with its flow"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    #[test]
    fn the_page_speaks_the_persons_language_and_escapes_what_it_quotes() {
        assert!(callback_page("en-GB", None).contains("close this tab"));
        assert!(callback_page("de", None).contains("Tab schließen"));
        let err = Error::SignInDenied {
            error: "<script>".into(),
            description: String::new(),
        };
        let page = callback_page("en", Some(&err));
        assert!(
            page.contains("&lt;script&gt;") && !page.contains("<script>"),
            "{page}"
        );
    }
}
