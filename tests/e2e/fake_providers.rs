//! FAKE cloud providers. Google Drive, Dropbox, Microsoft Graph and Unsplash
//! cannot run here, so these are local stand-ins for the documented endpoints
//! the shipped sources use. Request and response shapes follow each
//! provider's reference: Drive API v3 `files.list` / `files.get?alt=media` /
//! `files.export`; Dropbox API v2 RPC `files/list_folder`(`/continue`),
//! `files/search_v2`, `files/get_temporary_link`; Graph v1.0 drive items with
//! `@microsoft.graph.downloadUrl` and `/content`; Unsplash `/search/photos`
//! and `links.download_location`. The OAuth providers also get authorize and
//! token endpoints at their documented paths (PKCE S256 checked), so the real
//! sign-in flow can run against them.
//!
//! Every API route refuses a request without the right credential: a bearer
//! token this fake issued, or Unsplash's `Client-ID <access key>`. Each fake
//! records what it was asked, with the headers, for the test to check.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io::Cursor;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use base64::Engine;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use sha2::Digest;
use tiny_http::{Header, Response};

use crate::server::Seen;

/// Unsplash's access key the tests configure.
pub const UNSPLASH_KEY: &str = "test-access-key";
/// The client id the tests configure for the OAuth providers.
pub const CLIENT_ID: &str = "test-client";

pub const NOTES: &str = "notes kept in the cloud\n";
pub const REPORT_PDF: &[u8] = b"%PDF-1.7\nthe quarterly report\n";
pub const PLAN_PDF: &[u8] = b"%PDF-1.7\nthe plan, exported from Google Docs\n";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    GoogleDrive,
    Dropbox,
    OneDrive,
    Unsplash,
}

impl Kind {
    /// The `fromSources` name, and the suffix of its test base variable.
    pub fn name(self) -> &'static str {
        match self {
            Kind::GoogleDrive => "googledrive",
            Kind::Dropbox => "dropbox",
            Kind::OneDrive => "onedrive",
            Kind::Unsplash => "unsplash",
        }
    }

    /// Where its token endpoint is (as the provider documents it).
    pub fn token_path(self) -> &'static str {
        match self {
            Kind::GoogleDrive => "/token",
            Kind::Dropbox => "/oauth2/token",
            Kind::OneDrive => "/common/oauth2/v2.0/token",
            Kind::Unsplash => "",
        }
    }

    /// The variable a debug build reads to point this source at a fake.
    pub fn base_var(self) -> String {
        format!(
            "SATCHEL_TEST_PROVIDER_BASE_{}",
            self.name().to_ascii_uppercase()
        )
    }
}

#[derive(Default)]
struct Memory {
    seen: Vec<Seen>,
    /// code → (PKCE challenge, redirect_uri)
    codes: HashMap<String, (String, String)>,
    tokens: Vec<String>,
    issued: u32,
}

pub struct FakeProvider {
    pub base: String,
    kind: Kind,
    memory: Arc<Mutex<Memory>>,
    runtime: Option<tokio::runtime::Runtime>,
}

/// One request as the fake's handlers see it.
struct Asked {
    method: String,
    path: String,
    query: HashMap<String, String>,
    body: Vec<u8>,
    seen: Seen,
}

impl FakeProvider {
    /// Serves on loopback with hyper, a task per connection. (Not
    /// tiny_http's server: its pool hands a connection that arrives with
    /// another one to a thread that keeps the other one until the client
    /// closes it, and ignores `Connection: close` on answers, so a kept-alive
    /// connection starved a new one: OneDrive's redirected download hung
    /// about 1 run in 5. tiny_http's `Response` still builds the answers.)
    pub fn start(kind: Kind) -> Result<Self> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let base = format!("http://{}", listener.local_addr()?);
        let memory = Arc::new(Mutex::new(Memory::default()));
        let served = Arc::new(Served {
            kind,
            origin: base.clone(),
            memory: memory.clone(),
            photo: jpeg()?,
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        runtime.spawn(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                return;
            };
            while let Ok((stream, _)) = listener.accept().await {
                let served = served.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let served = served.clone();
                        async move { Ok::<_, Infallible>(served.answer(request).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(FakeProvider {
            base,
            kind,
            memory,
            runtime: Some(runtime),
        })
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Requests whose path (without the query) is `path`; CORS preflights
    /// (OPTIONS, sent by the frame before a call with a token) are left out.
    pub fn seen(&self, path: &str) -> Vec<Seen> {
        lock(&self.memory)
            .seen
            .iter()
            .filter(|s| s.method != "OPTIONS" && s.path.split('?').next() == Some(path))
            .cloned()
            .collect()
    }

    /// Every request, in order (for failure messages).
    pub fn log(&self) -> Vec<String> {
        lock(&self.memory)
            .seen
            .iter()
            .map(|s| format!("{} {}", s.method, s.path))
            .collect()
    }
}

impl Drop for FakeProvider {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

fn lock(memory: &Mutex<Memory>) -> std::sync::MutexGuard<'_, Memory> {
    memory.lock().unwrap_or_else(|p| p.into_inner())
}

/// The photo Unsplash's fake serves: a real JPEG, made by ImageMagick.
fn jpeg() -> Result<Vec<u8>> {
    let out = std::process::Command::new("convert")
        .args(["-size", "64x48", "xc:orange", "jpg:-"])
        .output()
        .context("running ImageMagick's convert (./x setup installs it)")?;
    anyhow::ensure!(out.status.success() && out.stdout.starts_with(&[0xFF, 0xD8]));
    Ok(out.stdout)
}

/// What one fake serves, shared by its connections.
struct Served {
    kind: Kind,
    origin: String,
    memory: Arc<Mutex<Memory>>,
    photo: Vec<u8>,
}

impl Served {
    async fn answer(&self, request: hyper::Request<Incoming>) -> hyper::Response<Full<Bytes>> {
        let asked = read(request).await;
        let answer = respond(self.kind, &self.origin, &self.memory, &asked, &self.photo);
        lock(&self.memory).seen.push(asked.seen);
        let mut response = hyper::Response::builder().status(answer.status_code().0);
        for h in answer.headers() {
            response = response.header(h.field.as_str().as_str(), h.value.as_str());
        }
        let body = Full::new(Bytes::from(answer.into_reader().into_inner()));
        response.body(body).unwrap_or_else(|e| {
            let mut broken = hyper::Response::new(Full::new(Bytes::from(e.to_string())));
            *broken.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
            broken
        })
    }
}

async fn read(request: hyper::Request<Incoming>) -> Asked {
    let url = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let query = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let seen = Seen {
        method: request.method().as_str().to_owned(),
        path: url.clone(),
        headers: request
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
    };
    let body = Limited::new(request.into_body(), 1 << 20)
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    Asked {
        method: seen.method.clone(),
        path: path.to_owned(),
        query,
        body,
        seen,
    }
}

type Answer = Response<Cursor<Vec<u8>>>;

fn header(k: &str, v: &str) -> Header {
    Header::from_bytes(k, v).expect("a valid header")
}

/// Cross-origin readable, as the real APIs are: the source's frame calls
/// them from an opaque origin with an Authorization header.
fn cors(response: Answer) -> Answer {
    response
        .with_header(header("Access-Control-Allow-Origin", "*"))
        .with_header(header(
            "Access-Control-Allow-Headers",
            "Authorization, Content-Type, Accept-Version",
        ))
        .with_header(header("Access-Control-Allow-Methods", "GET, POST, OPTIONS"))
}

fn json_answer(status: u16, value: Value) -> Answer {
    cors(
        Response::from_data(value.to_string().into_bytes())
            .with_status_code(status)
            .with_header(header("Content-Type", "application/json")),
    )
}

fn bytes(body: &[u8], mime: &str) -> Answer {
    cors(Response::from_data(body.to_vec()).with_header(header("Content-Type", mime)))
}

fn redirect(to: &str) -> Answer {
    cors(
        Response::from_data(vec![])
            .with_status_code(302)
            .with_header(header("Location", to)),
    )
}

fn respond(kind: Kind, base: &str, memory: &Mutex<Memory>, asked: &Asked, photo: &[u8]) -> Answer {
    if asked.method == "OPTIONS" {
        return cors(Response::from_data(vec![]).with_status_code(204));
    }
    if let Some(answer) = oauth(kind, memory, asked) {
        return answer;
    }
    match kind {
        Kind::Unsplash => unsplash(base, asked, photo),
        Kind::GoogleDrive => drive(memory, asked),
        Kind::Dropbox => dropbox(base, memory, asked),
        Kind::OneDrive => onedrive(base, memory, asked),
    }
}

// ---- OAuth 2.0 (authorization code with PKCE S256), at each provider's paths

fn oauth(kind: Kind, memory: &Mutex<Memory>, asked: &Asked) -> Option<Answer> {
    let (authorize, token) = match kind {
        Kind::GoogleDrive => ("/o/oauth2/v2/auth", "/token"),
        Kind::Dropbox => ("/oauth2/authorize", "/oauth2/token"),
        Kind::OneDrive => ("/common/oauth2/v2.0/authorize", "/common/oauth2/v2.0/token"),
        Kind::Unsplash => return None,
    };
    if asked.path == authorize {
        return Some(authorize_answer(memory, &asked.query));
    }
    if asked.path == token && asked.method == "POST" {
        let form: HashMap<String, String> = url::form_urlencoded::parse(&asked.body)
            .into_owned()
            .collect();
        return Some(token_answer(memory, &form));
    }
    None
}

/// The user "consents" at once: back to the redirect URI with a code.
fn authorize_answer(memory: &Mutex<Memory>, q: &HashMap<String, String>) -> Answer {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    if get("client_id") != CLIENT_ID
        || get("response_type") != "code"
        || get("code_challenge_method") != "S256"
        || get("code_challenge").is_empty()
    {
        return json_answer(400, json!({"error": "invalid_request"}));
    }
    let redirect_uri = get("redirect_uri");
    let mut m = lock(memory);
    m.issued += 1;
    let code = format!("code-{}", m.issued);
    m.codes
        .insert(code.clone(), (get("code_challenge"), redirect_uri.clone()));
    let mut to = match url::Url::parse(&redirect_uri) {
        Ok(u) => u,
        Err(_) => return json_answer(400, json!({"error": "invalid_request"})),
    };
    to.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &get("state"));
    redirect(to.as_str())
}

fn token_answer(memory: &Mutex<Memory>, form: &HashMap<String, String>) -> Answer {
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let mut m = lock(memory);
    let grant = get("grant_type");
    let ok = match grant.as_str() {
        "authorization_code" => match m.codes.remove(&get("code")) {
            Some((challenge, redirect_uri)) => {
                let verifier = get("code_verifier");
                let made = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode(sha2::Sha256::digest(verifier.as_bytes()));
                made == challenge && redirect_uri == get("redirect_uri")
            }
            None => false,
        },
        "refresh_token" => get("refresh_token") == "fake-refresh-token",
        _ => false,
    };
    if !ok || get("client_id") != CLIENT_ID {
        return json_answer(400, json!({"error": "invalid_grant"}));
    }
    m.issued += 1;
    let access = format!("fake-access-{}", m.issued);
    m.tokens.push(access.clone());
    json_answer(
        200,
        json!({
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": 3600,
            "refresh_token": "fake-refresh-token",
            "scope": get("scope"),
        }),
    )
}

fn bearer_ok(memory: &Mutex<Memory>, asked: &Asked) -> bool {
    asked
        .seen
        .header("Authorization")
        .and_then(|h| h.strip_prefix("Bearer "))
        .is_some_and(|t| lock(memory).tokens.iter().any(|k| k == t))
}

// ---- Unsplash

fn unsplash(base: &str, asked: &Asked, photo: &[u8]) -> Answer {
    let path = asked.path.as_str();
    // Photo files are served from images.unsplash.com, no key needed.
    if path.starts_with("/photo-") {
        return bytes(photo, "image/jpeg");
    }
    if asked.seen.header("Authorization") != Some(&format!("Client-ID {UNSPLASH_KEY}")) {
        return json_answer(
            401,
            json!({"errors": ["OAuth error: The access token is invalid"]}),
        );
    }
    let shot = |id: &str, name: &str, user: &str, alt: &str| {
        json!({
            "id": id,
            "width": 64, "height": 48, "color": "#ffa500",
            "description": null,
            "alt_description": alt,
            "urls": {
                "raw": format!("{base}/photo-{id}?ixid=fake"),
                "full": format!("{base}/photo-{id}?ixid=fake&fm=jpg&q=85"),
                "regular": format!("{base}/photo-{id}?ixid=fake&w=1080"),
                "small": format!("{base}/photo-{id}?ixid=fake&w=400"),
                "thumb": format!("{base}/photo-{id}?ixid=fake&w=200"),
            },
            "links": {
                "self": format!("{base}/photos/{id}"),
                "html": format!("https://unsplash.com/photos/{id}"),
                "download": format!("https://unsplash.com/photos/{id}/download"),
                "download_location": format!("{base}/photos/{id}/download?ixid=fake"),
            },
            "user": {
                "id": format!("u-{user}"),
                "username": user,
                "name": name,
                "links": { "html": format!("https://unsplash.com/@{user}") },
            },
        })
    };
    match path {
        "/search/photos" => {
            let query = asked.query.get("query").cloned().unwrap_or_default();
            let results = if query.contains("mountain") {
                vec![
                    shot("Mtn01", "Ana Alp", "ana", "a mountain at dawn"),
                    shot("Mtn02", "Ben Berg", "ben", "snow on a ridge"),
                ]
            } else {
                vec![]
            };
            json_answer(
                200,
                json!({"total": results.len(), "total_pages": 1, "results": results}),
            )
        }
        p if p.starts_with("/photos/") && p.ends_with("/download") => {
            let id = &p["/photos/".len()..p.len() - "/download".len()];
            json_answer(200, json!({"url": format!("{base}/photo-{id}?ixid=fake")}))
        }
        _ => json_answer(404, json!({"errors": ["Couldn't find"]})),
    }
}

// ---- Google Drive API v3

const FOLDER: &str = "application/vnd.google-apps.folder";
const GDOC: &str = "application/vnd.google-apps.document";

fn drive(memory: &Mutex<Memory>, asked: &Asked) -> Answer {
    if !bearer_ok(memory, asked) {
        return json_answer(
            401,
            json!({"error": {"code": 401, "message": "Request had invalid authentication credentials.", "status": "UNAUTHENTICATED"}}),
        );
    }
    let file = |id: &str, name: &str, mime: &str| json!({"kind": "drive#file", "id": id, "name": name, "mimeType": mime});
    match asked.path.as_str() {
        "/drive/v3/files" => {
            let q = asked.query.get("q").cloned().unwrap_or_default();
            let files = if q == "'root' in parents and trashed=false" {
                vec![
                    file("fld-reports", "Reports", FOLDER),
                    file("fil-notes", "notes.txt", "text/plain"),
                ]
            } else if q == "'fld-reports' in parents and trashed=false" {
                vec![
                    file("doc-plan", "Plan", GDOC),
                    file("fil-report", "report.pdf", "application/pdf"),
                ]
            } else if q == "name contains 'plan' and trashed=false" {
                vec![file("doc-plan", "Plan", GDOC)]
            } else {
                return json_answer(
                    400,
                    json!({"error": {"code": 400, "message": format!("Invalid Value: {q}")}}),
                );
            };
            json_answer(200, json!({"kind": "drive#fileList", "files": files}))
        }
        "/drive/v3/files/fil-notes"
            if asked.query.get("alt").map(String::as_str) == Some("media") =>
        {
            bytes(NOTES.as_bytes(), "text/plain")
        }
        "/drive/v3/files/fil-report"
            if asked.query.get("alt").map(String::as_str) == Some("media") =>
        {
            bytes(REPORT_PDF, "application/pdf")
        }
        "/drive/v3/files/doc-plan" => json_answer(
            403,
            json!({"error": {"code": 403, "message": "Only files with binary content can be downloaded. Use Export with Docs Editors files.", "errors": [{"reason": "fileNotDownloadable"}]}}),
        ),
        "/drive/v3/files/doc-plan/export" => {
            match asked.query.get("mimeType").map(String::as_str) {
                Some("application/pdf") => bytes(PLAN_PDF, "application/pdf"),
                _ => json_answer(
                    400,
                    json!({"error": {"code": 400, "message": "exportFormat"}}),
                ),
            }
        }
        _ => json_answer(
            404,
            json!({"error": {"code": 404, "message": "File not found."}}),
        ),
    }
}

/// The fake's other origin (`localhost` for `127.0.0.1`): where download
/// links point, as a provider's are on another host than its API, so the
/// tests see that no token goes there.
fn elsewhere(base: &str) -> String {
    base.replacen("127.0.0.1", "localhost", 1)
}

// ---- Dropbox API v2

fn dropbox(base: &str, memory: &Mutex<Memory>, asked: &Asked) -> Answer {
    // Temporary links (dl.dropboxusercontent.com) need no token.
    if let Some(rest) = asked.path.strip_prefix("/dl/") {
        return match rest {
            "notes.txt" => bytes(NOTES.as_bytes(), "text/plain"),
            "photos/report.pdf" => bytes(REPORT_PDF, "application/pdf"),
            _ => json_answer(404, json!({})),
        };
    }
    if !bearer_ok(memory, asked) {
        return json_answer(
            401,
            json!({"error_summary": "invalid_access_token/...", "error": {".tag": "invalid_access_token"}}),
        );
    }
    if asked.method != "POST" || asked.seen.header("Content-Type") != Some("application/json") {
        return cors(
            Response::from_data(b"Error in call: Bad HTTP \"Content-Type\" header".to_vec())
                .with_status_code(400),
        );
    }
    let Ok(arg) = serde_json::from_slice::<Value>(&asked.body) else {
        return json_answer(400, json!({"error_summary": "bad json"}));
    };
    let entry = |tag: &str, name: &str, path: &str| {
        let mut e = json!({".tag": tag, "name": name, "path_lower": path, "path_display": path, "id": format!("id:{path}")});
        if tag == "file" {
            e["size"] = json!(20);
            e["client_modified"] = json!("2026-11-01T10:00:00Z");
        }
        e
    };
    match asked.path.as_str() {
        "/2/files/list_folder" => match arg["path"].as_str() {
            Some("") => json_answer(
                200,
                json!({"entries": [entry("folder", "Photos", "/photos"), entry("file", "notes.txt", "/notes.txt")], "cursor": "c-root", "has_more": false}),
            ),
            // A folder listed in two pages: list_folder/continue gives the rest.
            Some("/photos") => json_answer(
                200,
                json!({"entries": [entry("file", "beach.png", "/photos/beach.png")], "cursor": "c-photos-2", "has_more": true}),
            ),
            _ => json_answer(
                409,
                json!({"error_summary": "path/not_found/..", "error": {".tag": "path"}}),
            ),
        },
        "/2/files/list_folder/continue" => match arg["cursor"].as_str() {
            Some("c-photos-2") => json_answer(
                200,
                json!({"entries": [entry("file", "report.pdf", "/photos/report.pdf")], "cursor": "c-photos-3", "has_more": false}),
            ),
            _ => json_answer(
                409,
                json!({"error_summary": "reset/..", "error": {".tag": "reset"}}),
            ),
        },
        "/2/files/search_v2" => {
            let found = if arg["query"].as_str() == Some("notes") {
                vec![
                    json!({"match_type": {".tag": "filename"}, "metadata": {".tag": "metadata", "metadata": entry("file", "notes.txt", "/notes.txt")}}),
                ]
            } else {
                vec![]
            };
            json_answer(200, json!({"matches": found, "has_more": false}))
        }
        "/2/files/get_temporary_link" => match arg["path"].as_str() {
            Some(p @ ("/notes.txt" | "/photos/report.pdf")) => {
                let name = p.rsplit('/').next().unwrap_or_default();
                json_answer(
                    200,
                    json!({"metadata": entry("file", name, p), "link": format!("{}/dl{p}", elsewhere(base))}),
                )
            }
            _ => json_answer(
                409,
                json!({"error_summary": "path/not_found/..", "error": {".tag": "path"}}),
            ),
        },
        _ => json_answer(404, json!({})),
    }
}

// ---- Microsoft Graph v1.0 drive items

fn onedrive(base: &str, memory: &Mutex<Memory>, asked: &Asked) -> Answer {
    // Pre-authenticated download URLs need no token.
    if let Some(id) = asked.path.strip_prefix("/download/") {
        return match id {
            "I-notes" => bytes(NOTES.as_bytes(), "text/plain"),
            "I-report" => bytes(REPORT_PDF, "application/pdf"),
            _ => json_answer(404, json!({})),
        };
    }
    if !bearer_ok(memory, asked) {
        return json_answer(
            401,
            json!({"error": {"code": "InvalidAuthenticationToken", "message": "Access token is empty."}}),
        );
    }
    let folder =
        |id: &str, name: &str| json!({"id": id, "name": name, "folder": {"childCount": 1}});
    let file = |id: &str, name: &str, mime: &str, with_url: bool| {
        let mut f = json!({"id": id, "name": name, "size": 20, "file": {"mimeType": mime}});
        if with_url {
            f["@microsoft.graph.downloadUrl"] =
                json!(format!("{}/download/{id}?tempauth=fake", elsewhere(base)));
        }
        f
    };
    match asked.path.as_str() {
        "/v1.0/me/drive/root/children" => json_answer(
            200,
            json!({"value": [folder("F-docs", "Documents"), file("I-notes", "notes.txt", "text/plain", true)]}),
        ),
        "/v1.0/me/drive/items/F-docs/children" => json_answer(
            200,
            json!({"value": [file("I-report", "report.pdf", "application/pdf", false)]}),
        ),
        "/v1.0/me/drive/root/search(q='report')" => json_answer(
            200,
            json!({"value": [file("I-report", "report.pdf", "application/pdf", false)]}),
        ),
        // As Graph does: a redirect to the pre-authenticated URL on another
        // origin, which must not be given the token.
        "/v1.0/me/drive/items/I-report/content" => redirect(&format!(
            "{}/download/I-report?tempauth=fake",
            elsewhere(base)
        )),
        _ => json_answer(
            404,
            json!({"error": {"code": "itemNotFound", "message": "The resource could not be found."}}),
        ),
    }
}
