//! The last good poll of each platform, published as an immutable, already rendered snapshot.
//!
//! A poll builds a whole new [`Snapshot`] and swaps it in with one pointer store, so a scrape
//! sees either the previous poll or the new one, never a mix.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use tokio::time::Instant;

use crate::decode::Customer;
use crate::gzip::Encoded;
use crate::render::{self, FAMILY_COUNT};

#[derive(Debug)]
pub struct Snapshot {
    pub succeeded_at: Instant,
    pub customers: usize,
    families: [Encoded; FAMILY_COUNT],
}

impl Snapshot {
    /// Renders and compresses: CPU work proportional to the customer count, done once per poll
    /// (callers keep it off the async threads that answer scrapes).
    pub fn new(platform: &str, customers: &[Customer], succeeded_at: Instant) -> Self {
        Self {
            succeeded_at,
            customers: customers.len(),
            families: encode_all(render::render(platform, customers)),
        }
    }

    /// The same data, as of a later successful poll that returned the very same response.
    pub fn renewed(&self, succeeded_at: Instant) -> Self {
        Self {
            succeeded_at,
            customers: self.customers,
            families: self.families.clone(),
        }
    }

    /// Sample lines of the family at `index` in [`render::FAMILIES`].
    pub fn samples(&self, index: usize) -> &Encoded {
        &self.families[index]
    }
}

/// Compresses every family, on as many threads as there are cores: compression is the largest
/// single cost of a poll, and the families are independent.
fn encode_all(rendered: render::RenderedFamilies) -> [Encoded; FAMILY_COUNT] {
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(FAMILY_COUNT);
    if workers == 1 {
        return rendered.map(Encoded::new);
    }
    // Largest first, handed out one at a time, so that no thread is left with the big one last.
    let mut order: Vec<usize> = (0..FAMILY_COUNT).collect();
    order.sort_by_key(|&index| std::cmp::Reverse(rendered[index].len()));
    let next = AtomicUsize::new(0);
    let rendered = rendered.map(Mutex::new);
    let encoded: [Mutex<Option<Encoded>>; FAMILY_COUNT] = Default::default();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some(&index) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let text = std::mem::take(&mut *lock(&rendered[index]));
                    *lock(&encoded[index]) = Some(Encoded::new(text));
                }
            });
        }
    });
    encoded.map(|slot| {
        slot.into_inner()
            .unwrap_or_else(PoisonError::into_inner)
            .expect("every family index is handed out once")
    })
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Where a platform's poller publishes and scrapes read.
#[derive(Debug)]
pub struct PlatformSlot {
    pub name: String,
    pub stale_after: Duration,
    latest: RwLock<Option<Arc<Snapshot>>>,
}

impl PlatformSlot {
    pub fn new(name: impl Into<String>, stale_after: Duration) -> Self {
        Self {
            name: name.into(),
            stale_after,
            latest: RwLock::new(None),
        }
    }

    pub fn publish(&self, snapshot: impl Into<Arc<Snapshot>>) {
        // The lock guards one pointer swap; a panic elsewhere cannot leave it half-written.
        *self.latest.write().unwrap_or_else(PoisonError::into_inner) = Some(snapshot.into());
    }

    pub fn latest(&self) -> Option<Arc<Snapshot>> {
        self.latest
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The snapshot, unless its poll is older than `stale_after`: old data is worse than none,
    /// because it looks current on a dashboard.
    pub fn fresh(&self, now: Instant) -> Option<Arc<Snapshot>> {
        self.latest()
            .filter(|s| now.saturating_duration_since(s.succeeded_at) <= self.stale_after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_goes_stale_after_the_configured_age() {
        let slot = PlatformSlot::new("prod", Duration::from_secs(60));
        let start = Instant::now();
        assert!(slot.fresh(start).is_none(), "nothing published yet");
        slot.publish(Snapshot::new("prod", &[], start));
        assert!(slot.fresh(start + Duration::from_secs(60)).is_some());
        assert!(slot.fresh(start + Duration::from_secs(61)).is_none());
        assert!(slot.latest().is_some(), "stale data is hidden, not lost");
    }

    #[test]
    fn publishing_replaces_the_whole_snapshot() {
        let slot = PlatformSlot::new("prod", Duration::from_secs(60));
        let now = Instant::now();
        slot.publish(Snapshot::new("prod", &[], now));
        let before = slot.latest().unwrap();
        slot.publish(Snapshot::new("prod", &[], now));
        let after = slot.latest().unwrap();
        assert!(!Arc::ptr_eq(&before, &after));
        assert_eq!(before.customers, 0, "a reader keeps the snapshot it took");
    }
}
