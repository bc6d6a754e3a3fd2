//! The SSRF guard with a forward proxy in the environment, as on managed
//! machines: `HTTP_PROXY`, `HTTPS_PROXY` and `ALL_PROXY` point at a real
//! HTTP proxy on loopback. A proxy resolves names itself, where the guard
//! cannot see, so fetches for sources must never go through it.
//!
//! (A binary of its own: the proxy variables it sets would reach every
//! other test in the same process.)

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use satchel_core::actions::perform;
use satchel_core::{FolderDestination, NetworkPolicy, NoEvents, Picker};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A server that answers every request with a small text file.
async fn origin_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let _ = socket.read(&mut buf).await;
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecret",
                    )
                    .await;
            });
        }
    });
    port
}

/// A forward HTTP proxy (absolute-form requests, as clients send them to
/// a proxy): it resolves the target's name itself, connects, and relays.
/// Counts the requests it relayed.
async fn forward_proxy() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let relayed = Arc::new(AtomicUsize::new(0));
    let count = relayed.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                let _ = relay(client, &count).await;
            });
        }
    });
    (port, relayed)
}

async fn relay(mut client: TcpStream, count: &AtomicUsize) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if client.read(&mut byte).await? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let (line, rest) = head.split_once("\r\n").unwrap_or((&head, ""));
    let mut parts = line.split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let url = url::Url::parse(target).map_err(std::io::Error::other)?;
    let host = url.host_str().unwrap_or_default().to_owned();
    let port = url.port_or_known_default().unwrap_or(80);
    let mut server = TcpStream::connect((host.as_str(), port)).await?;
    count.fetch_add(1, Ordering::SeqCst);
    server
        .write_all(format!("{method} {} HTTP/1.1\r\n{rest}", url.path()).as_bytes())
        .await?;
    tokio::io::copy_bidirectional(&mut client, &mut server).await?;
    Ok(())
}

#[tokio::test]
async fn a_proxy_in_the_environment_does_not_open_the_guard() {
    let origin = origin_server().await;
    let (proxy_port, relayed) = forward_proxy().await;
    let proxy = format!("http://127.0.0.1:{proxy_port}");
    for name in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        std::env::set_var(name, &proxy);
    }
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("no_proxy");

    let dir = tempfile::tempdir().unwrap();
    // The default policy: nothing local may be fetched.
    let picker = Picker::new(
        Arc::new(FolderDestination::new(dir.path().join("d"))),
        Arc::new(NoEvents),
    )
    .with_network(NetworkPolicy::default())
    .with_spool_dir(dir.path().join("s"));
    let ask =
        |action: &str, url: String| json!({"action": action, "args": {"url": url}}).to_string();
    for (action, url) in [
        ("metadata", format!("http://localhost:{origin}/a.txt")),
        ("fetchAndAddUrl", format!("http://localhost:{origin}/a.txt")),
        ("metadata", format!("http://127.0.0.1:{origin}/a.txt")),
        ("fetchAndAddUrl", format!("http://127.0.0.1:{origin}/a.txt")),
    ] {
        let answer = perform(&picker, "s", &ask(action, url.clone())).await;
        let err = match answer {
            Ok(reply) => panic!("{action} {url} reached the server: {}", reply.value),
            Err(e) => e,
        };
        assert_eq!(err.kind(), "refused", "{action} {url}: {err}");
        assert!(
            err.to_string().contains("loopback"),
            "{action} {url}: {err}"
        );
    }
    assert_eq!(
        relayed.load(Ordering::SeqCst),
        0,
        "a fetch went to the proxy"
    );
    assert_eq!(picker.source_view("s").count, 0);

    // The proxy is real: a client that follows the variables gets through it.
    let body = reqwest::Client::new()
        .get(format!("http://localhost:{origin}/a.txt"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body, "secret");
    assert_eq!(relayed.load(Ordering::SeqCst), 1);
}
