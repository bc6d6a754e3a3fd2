//! A TCP proxy between a client and a real server that counts the bytes
//! going up, can slow them down, cut connections mid-transfer or stall
//! them — the faults a real network has, injected where the tests choose.

use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Default)]
pub struct Faults {
    /// Bytes per second upstream (client to server), if limited.
    pub rate: AtomicU64,
    /// When non-zero: once this many bytes have gone up in total, cut the
    /// connection carrying them, once, then carry on normally.
    pub cut_at: AtomicU64,
    /// Whether a cut resets the connection (RST both ways, so the server
    /// also loses what it had received but not yet read) rather than
    /// closing it.
    pub cut_resets: AtomicBool,
    cut_done: AtomicBool,
    /// When non-zero: once this many bytes have gone up in total, stop
    /// moving the connection carrying them (neither way) for [`STALL_HOLD`],
    /// once, as a hung server or a dead route would.
    pub stall_at: AtomicU64,
    stall_done: AtomicBool,
}

/// How long a stalled connection is held before it is dropped; far longer
/// than the timeouts the tests set, so only a timeout gets a client past it.
pub const STALL_HOLD: Duration = Duration::from_secs(20);

pub struct Proxy {
    pub port: u16,
    /// Bytes sent up to the server so far, over all connections.
    pub upstream: Arc<AtomicU64>,
    pub faults: Arc<Faults>,
    /// The server's port; [`Proxy::retarget`] moves it (a restarted server).
    target: Arc<AtomicU16>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    pub async fn start(target_port: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let upstream = Arc::new(AtomicU64::new(0));
        let faults = Arc::new(Faults::default());
        let target = Arc::new(AtomicU16::new(target_port));
        let (up, f, to) = (upstream.clone(), faults.clone(), target.clone());
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (up, f) = (up.clone(), f.clone());
                let target_port = to.load(Ordering::SeqCst);
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(("127.0.0.1", target_port)).await {
                        pipe(client, server, up, f).await;
                    }
                });
            }
        });
        Proxy {
            port,
            upstream,
            faults,
            target,
            task,
        }
    }

    /// Sends new connections to `port` from now on (a server restarted on a
    /// port of its own); the clients keep the proxy's address.
    pub fn retarget(&self, port: u16) {
        self.target.store(port, Ordering::SeqCst);
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Whether the planned cut happened.
    pub fn was_cut(&self) -> bool {
        self.faults.cut_done.load(Ordering::SeqCst)
    }

    /// Whether the planned stall happened.
    pub fn was_stalled(&self) -> bool {
        self.faults.stall_done.load(Ordering::SeqCst)
    }

    /// Plans one more cut, `after` bytes from now.
    pub fn cut_after(&self, after: u64) {
        self.faults
            .cut_at
            .store(self.sent_up() + after, Ordering::SeqCst);
        self.faults.cut_done.store(false, Ordering::SeqCst);
    }

    /// Plans one more stall, `after` bytes from now.
    pub fn stall_after(&self, after: u64) {
        self.faults
            .stall_at
            .store(self.sent_up() + after, Ordering::SeqCst);
        self.faults.stall_done.store(false, Ordering::SeqCst);
    }

    pub fn sent_up(&self) -> u64 {
        self.upstream.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Whether `n` more bytes after `before` pass a planned fault at `at` that
/// has not happened yet (and marks it happened); if so, how many of them go
/// before it.
fn trips(at: &AtomicU64, done: &AtomicBool, before: u64, n: usize) -> Option<usize> {
    let at = at.load(Ordering::SeqCst);
    if at > 0 && before + n as u64 > at && !done.swap(true, Ordering::SeqCst) {
        Some(at.saturating_sub(before) as usize)
    } else {
        None
    }
}

async fn pipe(client: TcpStream, server: TcpStream, up: Arc<AtomicU64>, faults: Arc<Faults>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let stalled = AtomicBool::new(false);
    let reset = AtomicBool::new(false);
    let upward = async {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let before = up.load(Ordering::SeqCst);
            let cut = trips(&faults.cut_at, &faults.cut_done, before, n);
            let stall = cut
                .is_none()
                .then(|| trips(&faults.stall_at, &faults.stall_done, before, n))
                .flatten();
            if let Some(keep) = cut.or(stall) {
                // Forward up to the fault, then cut (close or reset) or stall.
                let _ = server_write.write_all(&buf[..keep]).await;
                up.fetch_add(keep as u64, Ordering::SeqCst);
                if cut.is_some() {
                    reset.store(faults.cut_resets.load(Ordering::SeqCst), Ordering::SeqCst);
                } else {
                    stalled.store(true, Ordering::SeqCst);
                    tokio::time::sleep(STALL_HOLD).await;
                }
                return;
            }
            if server_write.write_all(&buf[..n]).await.is_err() {
                return;
            }
            up.fetch_add(n as u64, Ordering::SeqCst);
            let rate = faults.rate.load(Ordering::SeqCst);
            if rate > 0 {
                tokio::time::sleep(Duration::from_secs_f64(n as f64 / rate as f64)).await;
            }
        }
    };
    let downward = async {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match server_read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            // A stalled connection carries nothing back either.
            if stalled.load(Ordering::SeqCst) {
                tokio::time::sleep(STALL_HOLD).await;
                return;
            }
            if client_write.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    // Whichever side ends first ends the connection.
    tokio::select! {
        () = upward => {},
        () = downward => {},
    }
    if reset.load(Ordering::SeqCst) {
        // Closing with a zero linger sends RST instead of FIN.
        let _ = client_write.as_ref().set_zero_linger();
        let _ = server_write.as_ref().set_zero_linger();
    }
}
