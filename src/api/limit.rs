//! A platform's bound on fan-out: at most so many requests in flight, and at most so many
//! started per second, shared by every collector that makes one request per customer. The
//! customer list does not queue here: its poll keeps its schedule however long the queue is.
//! No one family of requests (a collector's) may hold every place: one place is always left to
//! the others, so that one collector's requests that hang cannot stall the rest.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, OwnedSemaphorePermit, Semaphore, SemaphorePermit};
use tokio::time::{Interval, MissedTickBehavior};

pub(super) struct Limiter {
    in_flight: Semaphore,
    /// Each family's own bound, one place short of all of them (when there is more than one).
    families: std::sync::Mutex<HashMap<&'static str, Arc<Semaphore>>>,
    family_share: usize,
    /// Ticks once per `1 / max_per_second`; a request starts on a tick.
    pace: Mutex<Interval>,
}

/// A request's place: it may be sent while this is held.
pub(super) struct Permit<'a> {
    /// `None` only if the semaphores were closed, which they never are.
    _in_flight: Option<SemaphorePermit<'a>>,
    _family: Option<OwnedSemaphorePermit>,
}

impl Limiter {
    /// Both bounds are at least 1 (the configuration checks them; 0 is taken as 1).
    pub(super) fn new(max_in_flight: usize, max_per_second: u32) -> Self {
        let period = Duration::from_secs(1) / max_per_second.max(1);
        let mut pace = tokio::time::interval(period);
        // A quiet spell earns no burst afterwards.
        pace.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let max_in_flight = max_in_flight.max(1);
        Self {
            in_flight: Semaphore::new(max_in_flight),
            families: std::sync::Mutex::default(),
            family_share: (max_in_flight - 1).max(1),
            pace: Mutex::new(pace),
        }
    }

    /// Waits for a place of `family`'s share, a free place and for the pace to allow another
    /// start.
    pub(super) async fn slot(&self, family: &'static str) -> Permit<'_> {
        let share = crate::sync::lock(&self.families)
            .entry(family)
            .or_insert_with(|| Arc::new(Semaphore::new(self.family_share)))
            .clone();
        let family = share.acquire_owned().await.ok();
        let permit = self.in_flight.acquire().await.ok();
        self.pace.lock().await.tick().await;
        Permit {
            _in_flight: permit,
            _family: family,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tokio::time::Instant;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_are_paced_and_bounded_in_flight() {
        let limiter = Arc::new(Limiter::new(4, 10));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let mut tasks = Vec::new();
        for i in 0..20 {
            let (limiter, in_flight, most) = (limiter.clone(), in_flight.clone(), most.clone());
            // Two families, so that together they may fill every place.
            let family = ["a", "b"][i % 2];
            tasks.push(tokio::spawn(async move {
                let _slot = limiter.slot(family).await;
                let at = Instant::now();
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                // Each request takes a second: the in-flight bound is what holds them back.
                tokio::time::sleep(Duration::from_secs(1)).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                at
            }));
        }
        let mut starts = Vec::new();
        for task in tasks {
            starts.push(task.await.unwrap());
        }
        starts.sort();
        assert_eq!(
            most.load(Ordering::SeqCst),
            4,
            "never more than 4 in flight"
        );
        for pair in starts.windows(2) {
            assert!(
                pair[1] - pair[0] >= Duration::from_millis(100),
                "10 per second at most"
            );
        }
        // 20 one-second requests, 4 at a time: five rounds.
        assert!(starts[19] - started >= Duration::from_secs(4));
    }

    #[tokio::test(start_paused = true)]
    async fn one_family_that_hangs_leaves_a_place_to_the_others() {
        let limiter = Arc::new(Limiter::new(4, 1000));
        let mut stuck = Vec::new();
        for _ in 0..10 {
            let limiter = limiter.clone();
            stuck.push(tokio::spawn(async move {
                let _slot = limiter.slot("stuck").await;
                std::future::pending::<()>().await;
            }));
        }
        // Let the stuck family take every place it can.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let other = tokio::time::timeout(Duration::from_secs(1), limiter.slot("other")).await;
        assert!(other.is_ok(), "another family still gets a place");
        drop(other);
        for task in stuck {
            task.abort();
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_platform_of_one_place_lends_it_to_any_family() {
        let limiter = Limiter::new(1, 1000);
        let first = limiter.slot("a").await;
        drop(first);
        let second = tokio::time::timeout(Duration::from_secs(1), limiter.slot("a")).await;
        assert!(second.is_ok());
    }
}
