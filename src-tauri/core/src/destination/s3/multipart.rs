//! A multipart upload: its parts' size, resuming from the parts the server
//! lists, sending several parts at once within a shared limit, adding up
//! their progress, and the ETag the stored object will have.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::{stream, StreamExt, TryStreamExt};

use super::{hex, load, S3Destination, Saved, MAX_PARTS, MIB, MIN_PART};
use crate::destination::{Progress, UploadContext, UploadItem};
use crate::{Error, Result};

impl S3Destination {
    pub(super) async fn multipart(
        &self,
        item: &UploadItem,
        key: &str,
        ctx: &UploadContext,
    ) -> Result<()> {
        let resumed = match load(ctx)
            .filter(|s| s.size == item.size && s.key == key && !s.upload_id.is_empty())
        {
            Some(saved) => self
                .retry
                .run(|| self.list_parts(&saved))
                .await?
                .map(|parts| (saved, parts)),
            None => None,
        };
        let (saved, have) = match resumed {
            Some(found) => found,
            None => {
                let upload_id = self.retry.run(|| self.create_multipart(item, key)).await?;
                let saved = Saved {
                    key: key.to_owned(),
                    upload_id,
                    size: item.size,
                    part_size: part_size(item.size),
                    etag: None,
                };
                ctx.resume.save(serde_json::json!(saved)).await;
                (saved, HashMap::new())
            }
        };
        let count = item.size.div_ceil(saved.part_size) as u16;
        let expected = |n: u16| {
            saved
                .part_size
                .min(item.size - u64::from(n - 1) * saved.part_size)
        };
        // A listed part of the wrong size (from a torn attempt) is sent again.
        let done: HashMap<u16, String> = have
            .into_iter()
            .filter(|(n, (_, size))| *n >= 1 && *n <= count && *size == expected(*n))
            .map(|(n, (etag, _))| (n, etag))
            .collect();
        let sum = Arc::new(PartsProgress::new(
            done.keys().map(|&n| expected(n)).sum(),
            ctx.progress.clone(),
        ));
        let todo: Vec<u16> = (1..=count).filter(|n| !done.contains_key(n)).collect();
        let sent: Vec<(u16, String)> = stream::iter(todo)
            .map(|number| {
                let sum = sum.clone();
                let saved = &saved;
                async move {
                    // Never closed, so acquiring only waits.
                    let _slot = self.part_slots.acquire().await;
                    let etag = self
                        .retry
                        .run(|| {
                            self.upload_part(item, saved, number, sum.part(number, saved.part_size))
                        })
                        .await?;
                    sum.finished(number, expected(number));
                    Ok::<_, Error>((number, etag))
                }
            })
            .buffer_unordered(self.parts_at_once)
            .try_collect()
            .await?;
        let mut etags: Vec<(u16, String)> = done.into_iter().chain(sent).collect();
        etags.sort_by_key(|(n, _)| *n);
        let etags: Vec<String> = etags.into_iter().map(|(_, e)| e).collect();
        let saved = Saved {
            etag: multipart_etag(&etags),
            ..saved
        };
        ctx.resume.save(serde_json::json!(saved)).await;
        self.retry.run(|| self.complete(&saved, &etags)).await
    }
}

/// The smallest whole-MiB part size that fits `size` in 10,000 parts, and
/// never under S3's 5 MiB minimum.
pub fn part_size(size: u64) -> u64 {
    let needed = size.div_ceil(MAX_PARTS);
    needed
        .div_ceil(MIB)
        .max(1)
        .saturating_mul(MIB)
        .max(MIN_PART)
}

/// The ETag S3 gives a completed multipart upload: the MD5 of its parts'
/// MD5s, then `-` and the number of parts. `None` when a part's ETag is not
/// an MD5 (encrypted with KMS, say): then it cannot be told in advance.
pub(super) fn multipart_etag(parts: &[String]) -> Option<String> {
    use md5::Digest;
    let mut hasher = md5::Md5::new();
    for etag in parts {
        let etag = etag.trim().trim_matches('"');
        if etag.len() != 32 {
            return None;
        }
        for at in (0..32).step_by(2) {
            hasher.update([u8::from_str_radix(etag.get(at..at + 2)?, 16).ok()?]);
        }
    }
    Some(format!("{}-{}", hex(&hasher.finalize()), parts.len()))
}

/// Adds up the progress of parts sent side by side into one file's count.
struct PartsProgress {
    outer: Arc<dyn Progress>,
    state: Mutex<(u64, HashMap<u16, u64>)>,
}

impl PartsProgress {
    fn new(done: u64, outer: Arc<dyn Progress>) -> Self {
        PartsProgress {
            outer,
            state: Mutex::new((done, HashMap::new())),
        }
    }

    fn report(&self, change: impl FnOnce(&mut (u64, HashMap<u16, u64>))) {
        let total = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            change(&mut state);
            state.0 + state.1.values().sum::<u64>()
        };
        self.outer.advanced(total);
    }

    /// A progress for one attempt at part `number` (restarting at zero).
    fn part(self: &Arc<Self>, number: u16, part_size: u64) -> Arc<dyn Progress> {
        self.report(|s| {
            s.1.insert(number, 0);
        });
        Arc::new(OnePart {
            sum: self.clone(),
            number,
            start: u64::from(number - 1) * part_size,
        })
    }

    fn finished(&self, number: u16, size: u64) {
        self.report(|s| {
            s.1.remove(&number);
            s.0 += size;
        });
    }
}

struct OnePart {
    sum: Arc<PartsProgress>,
    number: u16,
    /// The part's offset in the file; bodies report file offsets.
    start: u64,
}

impl Progress for OnePart {
    fn advanced(&self, transferred: u64) {
        let sent = transferred.saturating_sub(self.start);
        self.sum.report(|s| {
            s.1.insert(self.number, sent);
        });
    }
}
