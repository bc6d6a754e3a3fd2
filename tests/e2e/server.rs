//! A small HTTP server on loopback for the sources to point at. It records
//! every request so tests can check which headers arrived.

use std::io::Cursor;
use std::sync::{Arc, Mutex};
use std::thread;

use tiny_http::{Header, Response, Server};

/// The script `/sdk/*.js` serves: it counts how often it ran.
pub const SDK: &str = "window.sdkRuns = (window.sdkRuns || 0) + 1;\n";
/// The style sheet `/sdk/style.css` serves.
pub const SDK_CSS: &str = ":root { --sdk-styled: yes; }\n";

/// Bytes the server's `/files/mountains.png` serves (a real PNG).
pub fn png() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/icons/32x32.png")).expect("the icon exists")
}

pub const NOTES: &str = "notes from the team\n";
pub const REPORT: &[u8] = b"%PDF-1.7\nnot really a report\n";

#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub struct FileServer {
    pub base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    server: Arc<Server>,
}

impl FileServer {
    pub fn start() -> anyhow::Result<Self> {
        let server = Arc::new(Server::http("127.0.0.1:0").map_err(|e| anyhow::anyhow!("{e}"))?);
        let base = format!(
            "http://{}",
            server
                .server_addr()
                .to_ip()
                .ok_or_else(|| anyhow::anyhow!("no IP address"))?
        );
        let seen = Arc::new(Mutex::new(vec![]));
        let (requests, log) = (server.clone(), seen.clone());
        thread::spawn(move || {
            for request in requests.incoming_requests() {
                let entry = Seen {
                    method: request.method().as_str().to_owned(),
                    path: request.url().to_owned(),
                    headers: request
                        .headers()
                        .iter()
                        .map(|h| {
                            (
                                h.field.as_str().as_str().to_owned(),
                                h.value.as_str().to_owned(),
                            )
                        })
                        .collect(),
                };
                let response = respond(&entry);
                log.lock().unwrap_or_else(|p| p.into_inner()).push(entry);
                let _ = request.respond(response);
            }
        });
        Ok(FileServer { base, seen, server })
    }

    pub fn seen(&self, path: &str) -> Vec<Seen> {
        let log = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        log.iter().filter(|s| s.path == path).cloned().collect()
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

fn respond(seen: &Seen) -> Response<Cursor<Vec<u8>>> {
    let typed = |body: Vec<u8>, mime: &str| {
        let header = |k: &str, v: &str| Header::from_bytes(k, v).expect("a valid header");
        // Public files, readable cross-origin as a real file API's are.
        Response::from_data(body)
            .with_header(header("Content-Type", mime))
            .with_header(header("Access-Control-Allow-Origin", "*"))
    };
    match seen.path.as_str() {
        "/files/mountains.png" => typed(png(), "image/png"),
        "/files/notes.txt" => typed(NOTES.as_bytes().to_vec(), "text/plain"),
        // A provider's SDK and its style sheet, as a source loads them.
        "/sdk/loader.js" | "/sdk/pinned.js" | "/sdk/tampered.js" => {
            typed(SDK.as_bytes().to_vec(), "text/javascript")
        }
        "/sdk/style.css" => typed(SDK_CSS.as_bytes().to_vec(), "text/css"),
        "/private/report.pdf" if seen.header("Authorization") == Some("Bearer every") => {
            typed(REPORT.to_vec(), "application/pdf")
        }
        "/private/report.pdf" => {
            Response::from_data(b"who are you?".to_vec()).with_status_code(401)
        }
        _ => Response::from_data(b"not here".to_vec()).with_status_code(404),
    }
}
