//! Trying a request again when the failure was not its own fault.
//!
//! Exponential backoff with jitter (so many clients failing together do not
//! come back together), a server's `Retry-After` honoured when it sends one,
//! and a bounded number of tries so a dead server ends in a clear error.

use std::future::Future;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};

use crate::{Error, Result};

/// How hard to try. The defaults suit people; tests shorten the waits.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// Retries after the first try.
    pub retries: usize,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            first_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            retries: 6,
        }
    }
}

/// The longest `Retry-After` we wait; a server asking for more is treated as
/// asking for this, so one bad header cannot stall a run for hours.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

impl RetryPolicy {
    /// Runs `op` until it succeeds, fails in a way retrying cannot fix, or
    /// runs out of tries; the last error is returned as it was.
    pub async fn run<T, F, Fut>(&self, op: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.first_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.retries)
            .with_jitter();
        op.retry(backoff)
            .sleep(tokio::time::sleep)
            .when(Error::is_retryable)
            // `None` means the tries are used up: a Retry-After must not revive them.
            .adjust(|err, delay| {
                delay.map(|d| err.retry_after().map_or(d, |r| r.min(MAX_RETRY_AFTER)))
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    fn quick() -> RetryPolicy {
        RetryPolicy {
            first_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            retries: 3,
        }
    }

    fn status(status: u16, retry_after: Option<Duration>) -> Error {
        Error::HttpStatus {
            url: "http://x/".into(),
            status,
            body: String::new(),
            retry_after,
        }
    }

    #[tokio::test]
    async fn transient_failures_are_retried_until_success() {
        let tries = AtomicUsize::new(0);
        let got = quick()
            .run(|| async {
                match tries.fetch_add(1, Ordering::SeqCst) {
                    0 => Err(status(503, None)),
                    1 => Err(Error::Network {
                        url: "http://x/".into(),
                        reason: "reset".into(),
                    }),
                    _ => Ok(7),
                }
            })
            .await
            .unwrap();
        assert_eq!((got, tries.load(Ordering::SeqCst)), (7, 3));
    }

    #[tokio::test]
    async fn client_errors_fail_at_once_and_tries_are_bounded() {
        let tries = AtomicUsize::new(0);
        let err = quick()
            .run(|| async {
                tries.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(status(403, None))
            })
            .await
            .unwrap_err();
        assert_eq!(
            (err.kind(), tries.load(Ordering::SeqCst)),
            ("httpStatus", 1)
        );

        let tries = AtomicUsize::new(0);
        quick()
            .run(|| async {
                tries.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(status(500, None))
            })
            .await
            .unwrap_err();
        assert_eq!(tries.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn retry_after_is_honoured() {
        let tries = AtomicUsize::new(0);
        let started = Instant::now();
        quick()
            .run(|| async {
                match tries.fetch_add(1, Ordering::SeqCst) {
                    0 => Err(status(429, Some(Duration::from_millis(300)))),
                    _ => Ok(()),
                }
            })
            .await
            .unwrap();
        assert!(started.elapsed() >= Duration::from_millis(300));
    }
}
