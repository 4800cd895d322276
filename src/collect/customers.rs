//! One platform's poll loop: fetch, decode, publish a snapshot, account for it in the health
//! metrics, and wait, backing off after failures.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::api::client::{ApiClient, FetchError};
use crate::api::decode::DecodeError;
use crate::collect::background;
use crate::collect::blocks::{self, Blocks, Changes};
use crate::exposition::exporter_metrics::PlatformHealth;
use crate::exposition::snapshot::{PlatformSlot, Snapshot};
use crate::model::{ErrorReason, SkipReason};

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

impl PollError {
    pub fn reason(&self) -> ErrorReason {
        match self {
            PollError::Fetch(e) => e.reason(),
            PollError::Decode(_) => ErrorReason::Decode,
        }
    }
}

/// When to poll next. In steady state exactly one interval apart (plus jitter); after a failure
/// sooner, doubling from an eighth of the interval back up to it, so a blip recovers quickly and
/// an outage is not hammered. Jitter only ever lengthens a delay, and spreads the polls of
/// several exporters (an HA pair) that started together.
#[derive(Debug)]
pub struct Schedule {
    interval: Duration,
    failures: u32,
}

const MIN_RETRY: Duration = Duration::from_secs(1);
const JITTER: f64 = 0.1;

impl Schedule {
    pub fn new(interval: Duration) -> Self {
        Self {
            interval,
            failures: 0,
        }
    }

    /// `jitter` is a random number in [0, 1).
    pub fn next_delay(&mut self, succeeded: bool, jitter: f64) -> Duration {
        let base = if succeeded {
            self.failures = 0;
            self.interval
        } else {
            self.failures = self.failures.saturating_add(1);
            let first = (self.interval / 8).max(MIN_RETRY).min(self.interval);
            let doublings = (self.failures - 1).min(16);
            (first * 2u32.pow(doublings)).min(self.interval)
        };
        base + base.mul_f64(jitter.clamp(0.0, 1.0) * JITTER)
    }
}

pub struct Poller {
    slot: Arc<PlatformSlot>,
    client: ApiClient,
    health: PlatformHealth,
    interval: Duration,
    /// The last successful poll, for the next one to compare with; `None` until there was one.
    last: Option<Prepared>,
    healthy: bool,
}

impl Poller {
    pub fn new(
        slot: Arc<PlatformSlot>,
        client: ApiClient,
        health: PlatformHealth,
        interval: Duration,
    ) -> Self {
        Self {
            slot,
            client,
            health,
            interval,
            last: None,
            healthy: false,
        }
    }

    pub async fn run(mut self, shutdown: CancellationToken) {
        let mut schedule = Schedule::new(self.interval);
        loop {
            let outcome = tokio::select! {
                _ = shutdown.cancelled() => return,
                outcome = self.poll_once() => outcome,
            };
            let delay = schedule.next_delay(outcome.is_ok(), fastrand::f64());
            tracing::debug!(platform = %self.slot.name, next_in = ?delay, "poll scheduled");
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(delay) => {}
            }
        }
    }

    pub async fn poll_once(&mut self) -> Result<(), PollError> {
        let started = Instant::now();
        self.health.polls.inc();
        let result = self.fetch().await;
        let elapsed = started.elapsed();
        self.health.duration.set(elapsed.as_secs_f64());
        let slot = self.slot.clone();
        let platform = slot.name.as_str();
        match result {
            Ok((prepared, changes)) => {
                let customers = prepared.snapshot.customers;
                let skipped = prepared.skipped.len();
                self.publish(prepared, changes);
                if self.healthy {
                    tracing::debug!(platform, customers, skipped, ?elapsed, "poll succeeded");
                } else {
                    tracing::info!(platform, customers, skipped, ?elapsed, "poll succeeded");
                }
                self.healthy = true;
                Ok(())
            }
            Err(error) => {
                self.health.up.set(0.0);
                self.health.error(error.reason());
                tracing::warn!(
                    platform,
                    reason = error.reason().as_str(),
                    %error,
                    ?elapsed,
                    "poll failed; keeping the last good data"
                );
                self.healthy = false;
                Err(error)
            }
        }
    }

    async fn fetch(&self) -> Result<(Prepared, Option<Changes>), PollError> {
        let body = self.client.fetch_customers().await?;
        let platform = self.slot.name.clone();
        // Decoding, rendering and compressing take CPU time proportional to the customer count:
        // off the async threads and below them in priority, so scrapes keep being answered.
        let last = self.last.clone();
        let prepared = background::run(move || prepare(&platform, body, last.as_ref())).await;
        Ok(prepared?)
    }

    fn publish(&mut self, prepared: Prepared, changes: Option<Changes>) {
        let skipped = &prepared.skipped;
        let repaired_escapes = prepared.repaired_escapes;
        for reason in skipped {
            self.health.skipped(*reason);
        }
        if !skipped.is_empty() {
            let counts: Vec<String> = SkipReason::ALL
                .iter()
                .filter_map(|reason| {
                    let n = skipped.iter().filter(|r| *r == reason).count();
                    (n > 0).then(|| format!("{}={n}", reason.as_str()))
                })
                .collect();
            tracing::warn!(platform = %self.slot.name, skipped = %counts.join(","), "records skipped");
        }
        if repaired_escapes > 0 {
            tracing::warn!(
                platform = %self.slot.name,
                count = repaired_escapes,
                "response holds unpaired UTF-16 surrogates; published them as U+FFFD"
            );
        }

        if let Some(changes) = changes {
            self.health.added.inc_by(changes.added);
            self.health.removed.inc_by(changes.removed);
        }

        // Health first: once the snapshot is visible (and /-/ready says so), up is already 1.
        self.health.up.set(1.0);
        let unix_time = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        self.health.last_success.set(unix_time.as_secs_f64());
        self.slot.publish(prepared.snapshot.clone());
        self.last = Some(prepared);
    }
}

/// A successful poll: what it publishes, and what the next poll compares itself with. Cheap
/// to clone (shared pointers and a short list).
#[derive(Debug, Clone)]
pub struct Prepared {
    pub snapshot: Arc<Snapshot>,
    pub skipped: Vec<SkipReason>,
    pub repaired_escapes: usize,
    /// The response it was made from, and the blocks it was cut into.
    body: Bytes,
    blocks: Blocks,
}

/// The CPU-bound part of a poll, from response body to snapshot. `last` is the previous
/// successful poll: when the API sent exactly the same bytes its snapshot is published again;
/// otherwise only the blocks of records that changed are made anew (see [`blocks`]).
/// `Changes` is `None` for a first poll.
pub fn prepare(
    platform: &str,
    body: Bytes,
    last: Option<&Prepared>,
) -> Result<(Prepared, Option<Changes>), DecodeError> {
    if let Some(last) = last.filter(|last| last.body == body) {
        let unchanged = Prepared {
            snapshot: Arc::new(last.snapshot.renewed(Instant::now())),
            ..last.clone()
        };
        return Ok((unchanged, Some(Changes::default())));
    }
    let built = blocks::build(platform, &body, last.map(|last| &last.blocks))?;
    let prepared = Prepared {
        snapshot: Arc::new(Snapshot::new(
            Instant::now(),
            built.customers,
            built.families,
        )),
        skipped: built.skipped,
        repaired_escapes: built.repaired_escapes,
        body,
        blocks: built.blocks,
    };
    Ok((prepared, built.changes))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn body(ids: &[&str]) -> Bytes {
        let records: Vec<String> = ids
            .iter()
            .map(|id| {
                format!(r#"{{"UmpCustomerGuid":"{id}","LicenseType":2,"ActiveUserCount":1}}"#)
            })
            .chain(["42".to_owned()])
            .collect();
        Bytes::from(format!("[{}]", records.join(",")))
    }

    #[test]
    fn an_identical_response_republishes_the_previous_data_with_a_new_time() {
        let (first, changes) = prepare("p", body(&["a", "b"]), None).unwrap();
        assert_eq!(changes, None, "a first poll has nothing to compare with");
        let (again, changes) = prepare("p", body(&["a", "b"]), Some(&first)).unwrap();
        assert_eq!(changes, Some(Changes::default()));
        assert_eq!(
            first.snapshot.samples(0).plain.chunks().as_ptr(),
            again.snapshot.samples(0).plain.chunks().as_ptr(),
            "the rendered bytes are shared, not made anew"
        );
        assert!(again.snapshot.succeeded_at >= first.snapshot.succeeded_at);
        assert!(!Arc::ptr_eq(&first.snapshot, &again.snapshot));
        assert_eq!(
            again.skipped, first.skipped,
            "skips are counted at every poll"
        );
        assert_eq!(again.skipped, [SkipReason::NotAnObject]);
    }

    #[test]
    fn a_changed_response_is_decoded_and_compared_with_the_last() {
        let (first, _) = prepare("p", body(&["a", "b"]), None).unwrap();
        let (next, changes) = prepare("p", body(&["b", "c", "d"]), Some(&first)).unwrap();
        assert_eq!(
            changes,
            Some(Changes {
                added: 2,
                removed: 1
            })
        );
        assert_eq!(next.snapshot.customers, 3);
        assert_ne!(
            first.snapshot.samples(0).plain.chunks().as_ptr(),
            next.snapshot.samples(0).plain.chunks().as_ptr()
        );
    }

    #[test]
    fn steady_state_waits_exactly_one_interval_without_jitter() {
        let mut schedule = Schedule::new(5 * MINUTE);
        assert_eq!(schedule.next_delay(true, 0.0), 5 * MINUTE);
        assert_eq!(schedule.next_delay(true, 0.0), 5 * MINUTE);
    }

    #[test]
    fn jitter_lengthens_by_at_most_a_tenth() {
        let mut schedule = Schedule::new(5 * MINUTE);
        let longest = schedule.next_delay(true, 0.999_999);
        assert!(longest > 5 * MINUTE && longest < 5 * MINUTE + 30 * Duration::from_secs(1));
    }

    #[test]
    fn failures_back_off_from_an_eighth_up_to_the_interval_and_reset_on_success() {
        let mut schedule = Schedule::new(8 * MINUTE);
        let delays: Vec<_> = (0..6).map(|_| schedule.next_delay(false, 0.0)).collect();
        assert_eq!(
            delays,
            [
                MINUTE,
                2 * MINUTE,
                4 * MINUTE,
                8 * MINUTE,
                8 * MINUTE,
                8 * MINUTE
            ]
        );
        assert_eq!(schedule.next_delay(true, 0.0), 8 * MINUTE);
        assert_eq!(schedule.next_delay(false, 0.0), MINUTE);
    }

    #[test]
    fn short_intervals_never_retry_faster_than_a_second_nor_slower_than_the_interval() {
        let mut schedule = Schedule::new(Duration::from_secs(1));
        for _ in 0..40 {
            assert_eq!(schedule.next_delay(false, 0.0), Duration::from_secs(1));
        }
        let mut schedule = Schedule::new(Duration::from_secs(4));
        assert_eq!(schedule.next_delay(false, 0.0), Duration::from_secs(1));
        assert_eq!(schedule.next_delay(false, 0.0), Duration::from_secs(2));
        assert_eq!(schedule.next_delay(false, 0.0), Duration::from_secs(4));
    }
}
