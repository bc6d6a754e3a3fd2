//! Unit tests of fetching: deadlines, redirects (the bearer token, a busy
//! host), which URLs are fetched.

use super::*;
use tokio::io::AsyncWriteExt;

/// A server that answers with a status line, then trickles a header
/// byte every 50 ms forever: no read ever times out.
async fn trickling_server() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                use tokio::io::AsyncReadExt;
                let mut request = vec![0u8; 4096];
                let _ = socket.read(&mut request).await;
                let _ = socket.write_all(b"HTTP/1.1 200 OK\r\nX-Slow: ").await;
                loop {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    if socket.write_all(b"a").await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

#[tokio::test]
async fn metadata_and_fetches_have_an_overall_deadline() {
    let addr = trickling_server().await;
    let network = Arc::new(NetworkPolicy::parse(&["127.0.0.1".into()], &[]).unwrap());
    let mut fetcher = Fetcher::new(network).unwrap();
    fetcher.metadata_deadline = Duration::from_millis(600);
    fetcher.fetch_deadline = Duration::from_millis(600);
    let url = format!("http://{addr}/slow?token=secret");
    let started = std::time::Instant::now();
    let answer = tokio::time::timeout(
        Duration::from_secs(10),
        fetcher.metadata(&url, &Headers::new()),
    )
    .await
    .expect("metadata never gave up on a trickling server");
    let err = answer.unwrap_err();
    assert_eq!(err.kind(), "fetch", "{err}");
    assert!(err.to_string().contains("within"), "{err}");
    assert!(!err.to_string().contains("secret"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));

    let dir = tempfile::tempdir().unwrap();
    let spool = crate::spool::Spool::new(dir.path());
    let mut writer = spool.create("s", u64::MAX).unwrap();
    let answer = tokio::time::timeout(
        Duration::from_secs(10),
        fetcher.fetch_into(&url, &Headers::new(), &mut writer),
    )
    .await
    .expect("a fetch never gave up on a trickling server");
    assert_eq!(answer.unwrap_err().kind(), "fetch");
}

/// What a loopback server answers a path with: status line and
/// headers (without the blank line), then the body in pieces, sent
/// `pause` apart.
struct Answer {
    head: String,
    pieces: Vec<Vec<u8>>,
    pause: Duration,
}

type Heads = Arc<std::sync::Mutex<Vec<String>>>;

/// A keep-alive HTTP/1.1 server on loopback, a task per connection,
/// recording every request head it reads.
async fn recording_server(
    answer: impl Fn(&str) -> Answer + Send + Sync + 'static,
) -> (String, Heads) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let heads: Heads = Arc::default();
    let (seen, answer) = (heads.clone(), Arc::new(answer));
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (seen, answer) = (seen.clone(), answer.clone());
            tokio::spawn(async move {
                use tokio::io::AsyncBufReadExt;
                let mut socket = tokio::io::BufReader::new(socket);
                loop {
                    let mut head = String::new();
                    loop {
                        let mut line = String::new();
                        match socket.read_line(&mut line).await {
                            Ok(0) | Err(_) => return,
                            Ok(_) if line == "\r\n" => break,
                            Ok(_) => head.push_str(&line),
                        }
                    }
                    let path = head.split(' ').nth(1).unwrap_or_default().to_owned();
                    seen.lock().unwrap().push(head);
                    let Answer {
                        head,
                        pieces,
                        pause,
                    } = answer(&path);
                    let length: usize = pieces.iter().map(Vec::len).sum();
                    let start = format!("{head}\r\nContent-Length: {length}\r\n\r\n");
                    if socket.write_all(start.as_bytes()).await.is_err() {
                        return;
                    }
                    for piece in pieces {
                        tokio::time::sleep(pause).await;
                        if socket.write_all(&piece).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    (base, heads)
}

fn ok(body: &[u8]) -> Answer {
    Answer {
        head: "HTTP/1.1 200 OK\r\nContent-Type: application/pdf".into(),
        pieces: vec![body.to_vec()],
        pause: Duration::ZERO,
    }
}

fn found(location: &str) -> Answer {
    Answer {
        head: format!("HTTP/1.1 302 Found\r\nLocation: {location}"),
        pieces: vec![],
        pause: Duration::ZERO,
    }
}

fn heads_for(heads: &Heads, path: &str) -> Vec<String> {
    let prefix = format!("GET {path} ");
    let heads = heads.lock().unwrap();
    heads
        .iter()
        .filter(|h| h.starts_with(&prefix))
        .cloned()
        .collect()
}

fn loopback_fetcher() -> Fetcher {
    let network = Arc::new(NetworkPolicy::parse(&["127.0.0.1".into()], &[]).unwrap());
    Fetcher::new(network).unwrap()
}

async fn fetch(fetcher: &Fetcher, url: &str, headers: &Headers) -> Result<Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let spool = crate::spool::Spool::new(dir.path());
    let mut writer = spool.create("s", u64::MAX).unwrap();
    fetcher.fetch_into(url, headers, &mut writer).await?;
    Ok(std::fs::read(writer.finish()?).unwrap())
}

#[tokio::test]
async fn a_redirect_to_another_origin_does_not_carry_the_bearer_token() {
    // Two ports: two origins, as Graph's /content and its download host.
    let (download, download_heads) = recording_server(|_| ok(b"%PDF-1.7 report")).await;
    let target = format!("{download}/download/report?tempauth=x");
    let (api, api_heads) = recording_server(move |path| match path {
        "/elsewhere" => found(&target),
        "/here" => found("/file"),
        _ => ok(b"%PDF-1.7 here"),
    })
    .await;
    let fetcher = loopback_fetcher();
    let bearer = Headers::from([("Authorization".into(), "Bearer sekrit".into())]);
    let authorized = |head: &String| {
        head.to_ascii_lowercase()
            .contains("authorization: bearer sekrit")
    };

    let body = fetch(&fetcher, &format!("{api}/elsewhere"), &bearer)
        .await
        .unwrap();
    assert_eq!(body, b"%PDF-1.7 report");
    let asked = heads_for(&api_heads, "/elsewhere");
    assert!(asked.len() == 1 && authorized(&asked[0]), "{asked:?}");
    let hop = heads_for(&download_heads, "/download/report?tempauth=x");
    assert_eq!(hop.len(), 1, "{hop:?}");
    assert!(
        !hop[0].to_ascii_lowercase().contains("authorization"),
        "{hop:?}"
    );

    // On its own origin the redirect keeps it (so the check above can tell).
    fetch(&fetcher, &format!("{api}/here"), &bearer)
        .await
        .unwrap();
    let hop = heads_for(&api_heads, "/file");
    assert!(hop.len() == 1 && authorized(&hop[0]), "{hop:?}");
}

#[tokio::test]
async fn a_redirect_to_a_host_busy_with_another_download_is_followed_at_once() {
    // The download host trickles one big file for 3 s while the API's
    // /content redirects there; the redirected file must not wait for it.
    let (download, _) = recording_server(|path| match path {
        "/big" => Answer {
            head: "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream".into(),
            pieces: vec![vec![7u8; 1024]; 30],
            pause: Duration::from_millis(100),
        },
        _ => ok(b"%PDF-1.7 report"),
    })
    .await;
    let target = format!("{download}/report");
    let (api, _) = recording_server(move |_| found(&target)).await;
    let fetcher = loopback_fetcher();
    let big = {
        let (fetcher, url) = (fetcher.clone(), format!("{download}/big"));
        tokio::spawn(async move { fetch(&fetcher, &url, &Headers::new()).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    for round in 0..5 {
        let started = std::time::Instant::now();
        let report = tokio::time::timeout(
            Duration::from_secs(2),
            fetch(&fetcher, &format!("{api}/content"), &Headers::new()),
        )
        .await
        .unwrap_or_else(|_| panic!("round {round}: the redirected fetch hung"));
        assert_eq!(report.unwrap(), b"%PDF-1.7 report");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }
    assert!(
        !big.is_finished(),
        "the big download ended before the check"
    );
    assert_eq!(big.await.unwrap().unwrap().len(), 30 * 1024);
}

#[test]
fn only_http_urls_with_hosts() {
    assert!(check_url("https://example.com/a").is_ok());
    for bad in [
        "file:///etc/passwd",
        "ftp://x/y",
        "javascript:alert(1)",
        "not a url",
        "http://",
    ] {
        assert_eq!(check_url(bad).unwrap_err().kind(), "badUrl", "{bad}");
    }
}
