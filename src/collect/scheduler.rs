//! Runs one collector: every interval under its timeout, backing off after failures, with its
//! health series, its log lines and its slot kept up to date.
//!
//! Each run is a task of its own. Should it panic (a bug: nothing from the network or the
//! configuration is meant to), the run counts as failed with reason `crashed`, is logged at
//! error level, the slot says so to `/-/ready`, and the next run, after the usual backoff,
//! starts from a freshly built collector: the poll loop itself never dies silently.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::collect::{CollectError, Collected, Collector};
use crate::config::CollectorSettings;
use crate::exposition::exporter_metrics::CollectorHealth;
use crate::exposition::snapshot::Slot;
use crate::memory;
use crate::model::SkipReason;
use prometheus::core::Atomic;

/// When to poll next. In steady state exactly one interval apart (plus jitter); after a failure
/// sooner, doubling from an eighth of the interval back up to it, so a blip recovers quickly and
/// an outage is not hammered. Jitter only ever lengthens a delay, and spreads the polls of
/// several exporters (an HA pair) that started together.
#[derive(Debug)]
pub(crate) struct Schedule {
    interval: Duration,
    failures: u32,
}

const MIN_RETRY: Duration = Duration::from_secs(1);
const JITTER: f64 = 0.1;

impl Schedule {
    pub(crate) fn new(interval: Duration) -> Self {
        Self {
            interval,
            failures: 0,
        }
    }

    /// `jitter` is a random number in [0, 1).
    pub(crate) fn next_delay(&mut self, succeeded: bool, jitter: f64) -> Duration {
        let base = if succeeded {
            self.failures = 0;
            self.interval
        } else {
            self.failures = self.failures.saturating_add(1);
            let first = (self.interval / 8).max(MIN_RETRY).min(self.interval);
            let doublings = (self.failures - 1).min(16);
            first.saturating_mul(1 << doublings).min(self.interval)
        };
        base.saturating_add(base.mul_f64(jitter.clamp(0.0, 1.0) * JITTER))
    }
}

/// How much later than the one before it each platform of those started together may begin,
/// at most: their first runs spread over `STAGGER_STEP` times their number beyond the first (a
/// thousand platforms over 50 s), so that neither the API nor the exporter sees every first run at
/// once (1,000 platforms' 5,000 first runs at once took the exporter to 504 MB), while a lone
/// platform starts at once and a few start within a fraction of a second: `/-/ready` waits for
/// every customer list.
const STAGGER_STEP: Duration = Duration::from_millis(50);

/// When the first run of a platform's collectors starts: the same fraction of the spread for
/// each of them, so that the per-customer collectors, which wait for the customer list, start
/// with it rather than wait through its offset on their own timeout.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct FirstRun {
    spread: Duration,
    /// In [0, 1): where in the spread the platform starts.
    fraction: f64,
}

impl FirstRun {
    /// For one of `platforms` platforms started together; `fraction` is a random number in
    /// [0, 1), drawn once for the platform.
    pub(crate) fn among(platforms: usize, fraction: f64) -> Self {
        let beyond_first = u32::try_from(platforms.saturating_sub(1)).unwrap_or(u32::MAX);
        Self {
            spread: STAGGER_STEP.saturating_mul(beyond_first),
            fraction: fraction.clamp(0.0, 1.0),
        }
    }

    /// How long a collector polling every `interval` waits before its first run: never longer
    /// than the interval, so that no first run comes later than a second one would have.
    pub(crate) fn delay(self, interval: Duration) -> Duration {
        self.spread.min(interval).mul_f64(self.fraction)
    }
}

/// What a run's task hands back: the collector, for the next run, and the run's result.
type Ended = (Box<dyn Collector>, Result<Collected, CollectError>);

/// Builds the collector, at start and again after a run crashed.
pub(crate) type Build = Box<dyn Fn() -> Box<dyn Collector> + Send>;

/// A collector with what surrounds each of its runs.
pub(crate) struct Scheduler {
    slot: Arc<Slot>,
    build: Build,
    /// `None` after a crash took it: the next run builds a new one.
    collector: Option<Box<dyn Collector>>,
    health: CollectorHealth,
    settings: CollectorSettings,
    /// Whether the last run succeeded: a recovery is logged at info, a steady success at debug.
    healthy: bool,
}

impl Scheduler {
    pub(crate) fn new(
        slot: Arc<Slot>,
        build: Build,
        health: CollectorHealth,
        settings: CollectorSettings,
    ) -> Self {
        Self {
            slot,
            collector: Some(build()),
            build,
            health,
            settings,
            healthy: false,
        }
    }

    /// Runs the collector, the first time after `first_in` (see [`FirstRun`]), until `shutdown`
    /// is cancelled.
    pub(crate) async fn run(mut self, shutdown: CancellationToken, first_in: Duration) {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(first_in) => {}
        }
        let mut schedule = Schedule::new(self.settings.interval);
        loop {
            let Some(outcome) = self.run_until(&shutdown).await else {
                return;
            };
            let backoff = schedule.next_delay(outcome.is_ok(), fastrand::f64());
            // A 429's Retry-After (at most an hour) outweighs a shorter backoff.
            let asked = outcome.as_ref().err().and_then(CollectError::retry_after);
            let delay = asked.map_or(backoff, |asked| backoff.max(asked));
            tracing::debug!(
                platform = %self.slot.platform,
                collector = self.slot.collector,
                next_in = ?delay,
                "run scheduled"
            );
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(delay) => {}
            }
        }
    }

    /// One run: collect within the timeout, account for it, publish what it found.
    pub(crate) async fn run_once(&mut self) -> Result<(), CollectError> {
        // A token nobody cancels: the run always ends on its own.
        let never = CancellationToken::new();
        self.run_until(&never).await.unwrap_or(Ok(()))
    }

    /// [`Scheduler::run_once`], unless `stop` is cancelled first: then the run is aborted (its
    /// requests dropped, a fan-out's tasks with them) and `None` returned once it has ended, so
    /// that nothing of it overlaps a successor: a reload's new API, or the same platform's
    /// request limits under new settings.
    async fn run_until(&mut self, stop: &CancellationToken) -> Option<Result<(), CollectError>> {
        let started = Instant::now();
        self.health.polls.inc_by(1);
        let timeout = self.settings.timeout;
        let mut collector = self.collector.take().unwrap_or_else(|| (self.build)());
        let mut run = tokio::spawn(async move {
            let result = tokio::time::timeout(timeout, collector.collect())
                .await
                .unwrap_or(Err(CollectError::Timeout(timeout)));
            (collector, result)
        });
        let joined = tokio::select! {
            joined = &mut run => joined,
            () = stop.cancelled() => {
                run.abort();
                // Cancelled, or finished just before the abort: either way it has ended.
                let _ = run.await;
                return None;
            }
        };
        Some(self.account(started, joined))
    }

    /// Counts, logs and publishes the outcome of a run that ended.
    fn account(
        &mut self,
        started: Instant,
        joined: Result<Ended, tokio::task::JoinError>,
    ) -> Result<(), CollectError> {
        let result = match joined {
            Ok((collector, result)) => {
                self.collector = Some(collector);
                result
            }
            Err(join) => Err(CollectError::Crashed(panic_message(join))),
        };
        let elapsed = started.elapsed();
        self.health.duration.set(elapsed.as_secs_f64());
        let slot = self.slot.clone();
        let (platform, collector) = (slot.platform.as_str(), slot.collector);
        match result {
            Ok(collected) => {
                let items = collected.snapshot.items;
                let skipped = collected.skipped.len();
                self.publish(collected);
                if self.healthy {
                    tracing::debug!(
                        platform,
                        collector,
                        items,
                        skipped,
                        ?elapsed,
                        "run succeeded"
                    );
                } else {
                    tracing::info!(
                        platform,
                        collector,
                        items,
                        skipped,
                        ?elapsed,
                        "run succeeded"
                    );
                }
                self.healthy = true;
                Ok(())
            }
            Err(error @ CollectError::Crashed(_)) => {
                self.health.up.set(0.0);
                self.health.error(error.reason());
                self.slot.set_crashed(true);
                tracing::error!(
                    platform,
                    collector,
                    reason = error.reason().as_str(),
                    %error,
                    ?elapsed,
                    "run crashed; restarting the collector after the backoff, keeping the last good data"
                );
                self.healthy = false;
                Err(error)
            }
            Err(error) => {
                self.health.up.set(0.0);
                self.health.error(error.reason());
                tracing::warn!(
                    platform,
                    collector,
                    reason = error.reason().as_str(),
                    %error,
                    ?elapsed,
                    "run failed; keeping the last good data"
                );
                self.healthy = false;
                Err(error)
            }
        }
    }

    fn publish(&mut self, collected: Collected) {
        let skipped = &collected.skipped;
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
            tracing::warn!(
                platform = %self.slot.platform,
                collector = self.slot.collector,
                skipped = %counts.join(","),
                "records skipped"
            );
        }
        // Health first: once the snapshot is visible (and /-/ready says so), up is already 1.
        self.health.up.set(1.0);
        let unix_time = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        self.health.last_success.set(unix_time.as_secs_f64());
        // Drops the last run's snapshot (unless a scrape still sends it).
        self.slot.publish(collected.snapshot);
        self.slot.set_crashed(false);
        // A run frees what it used on its way, on several threads: response bodies (thousands
        // for a per-customer collector), the last run's data. Hand it back now rather than keep
        // the peak resident; runs are minutes apart, and handing back costs milliseconds.
        memory::release_freed();
    }
}

/// What a panicking run said, for the log: panics carry a `&str` or a `String`, usually.
fn panic_message(join: tokio::task::JoinError) -> String {
    if !join.is_panic() {
        return "cancelled".to_owned();
    }
    let panic = join.into_panic();
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::exposition::exporter_metrics::ExporterMetrics;
    use crate::exposition::snapshot::Snapshot;

    const MINUTE: Duration = Duration::from_secs(60);

    /// Records when it runs, and always succeeds.
    struct Clocked {
        runs: Arc<Mutex<Vec<Instant>>>,
    }

    impl Collector for Clocked {
        fn collect(
            &mut self,
        ) -> Pin<Box<dyn Future<Output = Result<Collected, CollectError>> + Send + '_>> {
            Box::pin(async move {
                let now = Instant::now();
                self.runs.lock().unwrap().push(now);
                Ok(Collected {
                    snapshot: Arc::new(Snapshot::new(now, 0, Vec::new())),
                    skipped: Vec::new(),
                })
            })
        }
    }

    /// Panics on its run when built to.
    struct Fragile {
        panics: bool,
    }

    impl Collector for Fragile {
        fn collect(
            &mut self,
        ) -> Pin<Box<dyn Future<Output = Result<Collected, CollectError>> + Send + '_>> {
            Box::pin(async move {
                assert!(!self.panics, "a hostile value");
                Ok(Collected {
                    snapshot: Arc::new(Snapshot::new(Instant::now(), 0, Vec::new())),
                    skipped: Vec::new(),
                })
            })
        }
    }

    /// Never finishes a run; says when one starts, and when its future is dropped.
    struct Hanging {
        started: Arc<tokio::sync::Notify>,
        dropped: Arc<AtomicUsize>,
    }

    struct CountsDrop(Arc<AtomicUsize>);

    impl Drop for CountsDrop {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    impl Collector for Hanging {
        fn collect(
            &mut self,
        ) -> Pin<Box<dyn Future<Output = Result<Collected, CollectError>> + Send + '_>> {
            let in_flight = CountsDrop(self.dropped.clone());
            self.started.notify_one();
            Box::pin(async move {
                let _in_flight = in_flight;
                std::future::pending().await
            })
        }
    }

    #[tokio::test]
    async fn stopping_aborts_the_run_in_flight_before_returning() {
        let settings = CollectorSettings {
            interval: MINUTE,
            timeout: 60 * MINUTE,
            stale_after: 3 * MINUTE,
        };
        let started = Arc::new(tokio::sync::Notify::new());
        let dropped = Arc::new(AtomicUsize::new(0));
        let (notify, count) = (started.clone(), dropped.clone());
        let build: Build = Box::new(move || {
            Box::new(Hanging {
                started: notify.clone(),
                dropped: count.clone(),
            })
        });
        let metrics = ExporterMetrics::new();
        let slot = Arc::new(crate::collect::TEST_KIND.slot("p", settings.stale_after));
        let scheduler = Scheduler::new(
            slot,
            build,
            metrics.collector("p", "list", &settings),
            settings,
        );
        let stop = CancellationToken::new();
        let task = tokio::spawn(scheduler.run(stop.clone(), Duration::ZERO));
        started.notified().await;
        assert_eq!(dropped.load(Ordering::SeqCst), 0, "the run is in flight");
        stop.cancel();
        task.await.unwrap();
        // Detached, the run would go on requesting the old platform for up to its timeout.
        assert_eq!(
            dropped.load(Ordering::SeqCst),
            1,
            "the run ended before the scheduler did"
        );
    }

    #[tokio::test]
    async fn a_crashed_run_is_counted_reported_and_followed_by_a_fresh_collector() {
        let settings = CollectorSettings {
            interval: MINUTE,
            timeout: MINUTE,
            stale_after: 3 * MINUTE,
        };
        let builds = Arc::new(AtomicUsize::new(0));
        let counted = builds.clone();
        // The first collector built panics; the ones built after it do not.
        let build: Build = Box::new(move || {
            Box::new(Fragile {
                panics: counted.fetch_add(1, Ordering::SeqCst) == 0,
            })
        });
        let metrics = ExporterMetrics::new();
        let slot = Arc::new(crate::collect::TEST_KIND.slot("p", settings.stale_after));
        let mut scheduler = Scheduler::new(
            slot.clone(),
            build,
            metrics.collector("p", "list", &settings),
            settings,
        );
        let exposition = |metrics: &ExporterMetrics| {
            let mut out = Vec::new();
            metrics.encode(&mut out);
            String::from_utf8(out).unwrap()
        };

        let error = scheduler.run_once().await.unwrap_err();
        assert!(
            matches!(&error, CollectError::Crashed(message) if message.contains("a hostile value")),
            "{error}"
        );
        assert!(slot.crashed(), "the slot tells /-/ready");
        let text = exposition(&metrics);
        assert!(text.contains(
            "liveplatform_poll_errors_total{collector=\"list\",platform=\"p\",reason=\"crashed\"} 1"
        ));
        assert!(text.contains("liveplatform_up{collector=\"list\",platform=\"p\"} 0"));

        scheduler.run_once().await.unwrap();
        assert_eq!(
            builds.load(Ordering::SeqCst),
            2,
            "a new collector after the crash"
        );
        assert!(!slot.crashed());
        assert!(slot.latest().is_some());
        assert!(
            exposition(&metrics).contains("liveplatform_up{collector=\"list\",platform=\"p\"} 1")
        );
    }

    /// Refused with a 429 asking for an hour on its first run; fine afterwards.
    struct Throttled {
        runs: Arc<Mutex<Vec<Instant>>>,
    }

    impl Collector for Throttled {
        fn collect(
            &mut self,
        ) -> Pin<Box<dyn Future<Output = Result<Collected, CollectError>> + Send + '_>> {
            Box::pin(async move {
                let now = Instant::now();
                let first = {
                    let mut runs = self.runs.lock().unwrap();
                    runs.push(now);
                    runs.len() == 1
                };
                if first {
                    return Err(CollectError::Fetch(
                        crate::api::error::FetchError::RateLimited {
                            retry_after: Some(60 * MINUTE),
                        },
                    ));
                }
                Ok(Collected {
                    snapshot: Arc::new(Snapshot::new(now, 0, Vec::new())),
                    skipped: Vec::new(),
                })
            })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_retry_after_of_an_hour_delays_the_next_run_by_an_hour() {
        // A one-second interval would retry within a second without the Retry-After.
        let settings = CollectorSettings {
            interval: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
            stale_after: MINUTE,
        };
        let runs = Arc::new(Mutex::new(Vec::new()));
        let throttled = runs.clone();
        let metrics = ExporterMetrics::new();
        let scheduler = Scheduler::new(
            Arc::new(crate::collect::TEST_KIND.slot("p", settings.stale_after)),
            Box::new(move || {
                Box::new(Throttled {
                    runs: throttled.clone(),
                })
            }),
            metrics.collector("p", "list", &settings),
            settings,
        );
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(scheduler.run(shutdown.clone(), Duration::ZERO));
        tokio::time::sleep(59 * MINUTE).await;
        assert_eq!(
            runs.lock().unwrap().len(),
            1,
            "no run before the hour is up"
        );
        tokio::time::sleep(2 * MINUTE).await;
        shutdown.cancel();
        task.await.unwrap();
        let runs = runs.lock().unwrap().clone();
        assert!(runs.len() >= 2, "the collector runs again after the hour");
        let gap = runs[1] - runs[0];
        assert!(gap >= 60 * MINUTE && gap <= 61 * MINUTE, "{gap:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_two_second_interval_runs_every_two_seconds() {
        let interval = Duration::from_secs(2);
        let (scheduler, runs) = clocked(interval);
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(scheduler.run(shutdown.clone(), Duration::ZERO));
        tokio::time::sleep(Duration::from_secs(21)).await;
        shutdown.cancel();
        task.await.unwrap();

        let runs = runs.lock().unwrap().clone();
        assert!(runs.len() >= 10, "{} runs in 21 s", runs.len());
        for gap in runs.windows(2).map(|w| w[1] - w[0]) {
            assert!(
                gap >= interval && gap <= interval + interval.mul_f64(JITTER),
                "runs {gap:?} apart"
            );
        }
    }

    /// A scheduler of a [`Clocked`] collector on `interval`, and the times it ran.
    fn clocked(interval: Duration) -> (Scheduler, Arc<Mutex<Vec<Instant>>>) {
        let settings = CollectorSettings {
            interval,
            timeout: Duration::from_secs(1),
            stale_after: 3 * interval,
        };
        let runs = Arc::new(Mutex::new(Vec::new()));
        let clocked = runs.clone();
        let scheduler = Scheduler::new(
            Arc::new(crate::collect::TEST_KIND.slot("p", settings.stale_after)),
            Box::new(move || {
                Box::new(Clocked {
                    runs: clocked.clone(),
                })
            }),
            ExporterMetrics::new().collector("p", "list", &settings),
            settings,
        );
        (scheduler, runs)
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_run_waits_its_offset_then_one_interval_follows_another() {
        let (scheduler, runs) = clocked(MINUTE);
        let start = Instant::now();
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(scheduler.run(shutdown.clone(), Duration::from_secs(37)));
        tokio::time::sleep(Duration::from_secs(36)).await;
        assert!(runs.lock().unwrap().is_empty(), "no run before the offset");
        tokio::time::sleep(Duration::from_secs(2 * 60)).await;
        shutdown.cancel();
        task.await.unwrap();
        let runs = runs.lock().unwrap().clone();
        assert_eq!(runs[0] - start, Duration::from_secs(37));
        let gap = runs[1] - runs[0];
        assert!(
            gap >= MINUTE && gap <= MINUTE.mul_f64(1.0 + JITTER),
            "{gap:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn stopping_during_the_first_wait_ends_the_scheduler_without_a_run() {
        let (scheduler, runs) = clocked(MINUTE);
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(scheduler.run(shutdown.clone(), Duration::from_secs(50)));
        tokio::time::sleep(Duration::from_secs(10)).await;
        shutdown.cancel();
        tokio::time::timeout(Duration::from_millis(1), task)
            .await
            .expect("it stops at once, not after the offset")
            .unwrap();
        assert!(runs.lock().unwrap().is_empty());
    }

    #[test]
    fn a_lone_platform_starts_at_once() {
        for fraction in [0.0, 0.5, 0.999] {
            assert_eq!(FirstRun::among(1, fraction).delay(MINUTE), Duration::ZERO);
            assert_eq!(FirstRun::among(0, fraction).delay(MINUTE), Duration::ZERO);
        }
    }

    #[test]
    fn platforms_started_together_spread_over_a_twentieth_of_a_second_each() {
        let interval = 5 * MINUTE;
        assert_eq!(
            FirstRun::among(2, 0.5).delay(interval),
            Duration::from_millis(25)
        );
        // A thousand over 49.95 s, well inside the customer list's 5 minutes.
        assert_eq!(
            FirstRun::among(1000, 0.5).delay(interval),
            Duration::from_millis(24_975)
        );
        let last = FirstRun::among(1000, 0.999_999).delay(interval);
        assert!(last > Duration::from_secs(49) && last < Duration::from_millis(49_950));
    }

    #[test]
    fn the_first_run_never_waits_longer_than_the_interval() {
        // 1,000 platforms would spread over 50 s: a 10 s collector's first run comes within 10 s.
        let first = FirstRun::among(1000, 0.999_999);
        let delay = first.delay(Duration::from_secs(10));
        assert!(delay < Duration::from_secs(10) && delay > Duration::from_secs(9));
        // Neither the most platforms nor the longest interval overflows.
        let week = Duration::from_secs(7 * 24 * 60 * 60);
        assert!(FirstRun::among(usize::MAX, 0.999_999).delay(week) < week);
        assert!(
            FirstRun::among(usize::MAX, 0.999_999).delay(Duration::from_secs(1))
                < Duration::from_secs(1)
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
