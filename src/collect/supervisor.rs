//! The collectors that run, and changing them while the exporter serves: a configuration reload
//! starts what is new, restarts what changed, stops what is gone, and leaves the rest alone.
//!
//! A collector is identified by its platform's name and its own. It is unchanged when its
//! platform's connection (everything but the other collectors' tables) and its own schedule are
//! the same as before: its task goes on, its slot keeps its data, its counters keep counting.
//! A collector whose schedule or own options changed restarts with the data it had (the source is the same);
//! one whose platform's connection changed (URL, credentials, TLS, ...) restarts empty. A
//! removed collector's series vanish from `/metrics`, health series included.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::api::client::ApiClient;
use crate::api::error::ClientError;
use crate::api::transport::Transports;
use crate::collect::directory::Directory;
use crate::collect::scheduler::{FirstRun, Scheduler};
use crate::collect::{self, Context, Kind, PlanError, Planned};
use crate::config::{CollectorOptions, CollectorSettings, PlatformConfig};
use crate::exposition::Exposition;
use crate::exposition::exporter_metrics::ExporterMetrics;
use crate::exposition::snapshot::Slot;

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("platform {platform}: cannot set up the HTTP client: {source}")]
    Client {
        platform: String,
        source: ClientError,
    },
    #[error(transparent)]
    Plan(#[from] PlanError),
}

/// A platform's settings as its collectors share them: everything but the schedules (the
/// collectors' tables, and the customer list's `poll_interval` and `stale_after`), which each
/// collector's own settings reflect instead. `timeout` stays: the client's connect timeout.
fn connection(platform: &PlatformConfig) -> PlatformConfig {
    PlatformConfig {
        collectors: BTreeMap::new(),
        poll_interval: Duration::ZERO,
        stale_after: Duration::ZERO,
        ..platform.clone()
    }
}

/// A platform ready to run: its HTTP client, its customer directory and the collectors its
/// configuration switches on.
pub(crate) struct PreparedPlatform {
    /// Shared with each of its running collectors, which compare it at a reload.
    connection: Arc<PlatformConfig>,
    shared: Shared,
    collectors: Vec<Planned>,
}

/// What a platform's collectors share, kept across a reload that keeps the connection.
#[derive(Clone)]
struct Shared {
    client: Arc<ApiClient>,
    /// The latest good customer list: a per-customer collector restarted by a reload goes on
    /// with it instead of waiting for the next customer list run.
    directory: Directory,
}

/// Checks `platforms` and makes what running them needs, without starting anything: the plan of
/// the collectors of `kinds` for each, for a start-up, of `--check-config`, of `--once` and of a reload. A platform whose connection is
/// that of one in `current` keeps its client (and with it its token and any 429 pause) and its
/// customer directory; the others' clients share their HTTP transports where their connection
/// settings are the same.
pub(crate) fn prepare(
    kinds: &[&'static Kind],
    platforms: &[PlatformConfig],
    current: Option<&Supervisor>,
) -> Result<Vec<PreparedPlatform>, SetupError> {
    let mut transports = Transports::default();
    platforms
        .iter()
        .enumerate()
        .map(|(index, platform)| {
            let collectors = collect::plan(kinds, platform, index)?;
            let connection = Arc::new(connection(platform));
            let reused = current
                .and_then(|current| current.platforms.get(&platform.name))
                .filter(|(known, _)| *known == connection)
                .map(|(_, shared)| shared.clone());
            let shared = match reused {
                Some(shared) => shared,
                None => Shared {
                    client: Arc::new(ApiClient::new(platform, &mut transports).map_err(
                        |source| SetupError::Client {
                            platform: platform.name.clone(),
                            source,
                        },
                    )?),
                    directory: Directory::default(),
                },
            };
            Ok(PreparedPlatform {
                connection,
                shared,
                collectors,
            })
        })
        .collect()
}

/// A scheduler for one planned collector of `platform`, publishing into `slot`.
fn scheduler(
    metrics: &Arc<ExporterMetrics>,
    platform: &PreparedPlatform,
    planned: &Planned,
    slot: Arc<Slot>,
) -> Scheduler {
    let kind = planned.kind;
    let context = Context {
        platform: platform.connection.name.clone(),
        client: platform.shared.client.clone(),
        directory: platform.shared.directory.clone(),
        metrics: metrics.clone(),
        stale_after: planned.settings.stale_after,
        timeout: planned.settings.timeout,
        options: planned.options.clone(),
    };
    let health = metrics.collector(&platform.connection.name, kind.name, &planned.settings);
    let build = Box::new(move || (kind.build)(context.clone()));
    Scheduler::new(slot, build, health, planned.settings)
}

/// Every planned collector as a scheduler not yet running, and their slots in order: for a
/// single round of runs (`--once`).
pub(crate) fn schedulers(
    metrics: &Arc<ExporterMetrics>,
    platforms: &[PreparedPlatform],
) -> (Vec<Arc<Slot>>, Vec<Scheduler>) {
    let mut slots = Vec::new();
    let mut schedulers = Vec::new();
    for platform in platforms {
        for planned in &platform.collectors {
            let slot = Arc::new(
                planned
                    .kind
                    .slot(&platform.connection.name, planned.settings.stale_after),
            );
            schedulers.push(scheduler(metrics, platform, planned, slot.clone()));
            slots.push(slot);
        }
    }
    (slots, schedulers)
}

/// One running collector.
struct Running {
    platform: String,
    collector: &'static str,
    connection: Arc<PlatformConfig>,
    settings: CollectorSettings,
    /// Its own options as written.
    options: CollectorOptions,
    slot: Arc<Slot>,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl Running {
    /// Whether it runs `planned` of `platform`, on whatever settings.
    fn is(&self, platform: &PreparedPlatform, planned: &Planned) -> bool {
        self.platform == platform.connection.name && self.collector == planned.kind.name
    }

    /// Whether, running `planned` of `platform`, it goes on as it is: the same connection, the
    /// same schedule and the same options.
    fn unchanged(&self, platform: &PreparedPlatform, planned: &Planned) -> bool {
        self.connection == platform.connection
            && self.settings == planned.settings
            && self.options == planned.written
    }

    /// Stops the collector and waits until its task has ended, so that nothing it does
    /// afterwards can overlap with a successor.
    async fn stop(self) {
        self.stop.cancel();
        if let Err(e) = self.task.await {
            tracing::error!(platform = %self.platform, collector = self.collector, error = %e, "collector task ended abnormally");
        }
    }
}

/// The collectors running now, and what they share per platform.
pub(crate) struct Supervisor {
    metrics: Arc<ExporterMetrics>,
    exposition: Arc<Exposition>,
    shutdown: CancellationToken,
    platforms: BTreeMap<String, (Arc<PlatformConfig>, Shared)>,
    /// In the order of the configuration.
    running: Vec<Running>,
}

impl Supervisor {
    /// Nothing runs until the first [`Supervisor::apply`]; every task stops with `shutdown`.
    pub(crate) fn new(exposition: Arc<Exposition>, shutdown: CancellationToken) -> Self {
        Self {
            metrics: exposition.metrics().clone(),
            exposition,
            shutdown,
            platforms: BTreeMap::new(),
            running: Vec::new(),
        }
    }

    /// Makes the running collectors those of `platforms` (from [`prepare`]).
    pub(crate) async fn apply(&mut self, platforms: Vec<PreparedPlatform>) {
        let mut previous: Vec<Option<Running>> = std::mem::take(&mut self.running)
            .into_iter()
            .map(Some)
            .collect();
        let mut slots = Vec::new();
        // Only the platforms that start a collector now are spread: a reload that adds one
        // starts it at once, one that moves every platform spreads them as a start-up does.
        let starting = self.starting(&platforms);
        for platform in &platforms {
            let first_run = FirstRun::among(starting, fastrand::f64());
            for planned in &platform.collectors {
                let name = &platform.connection.name;
                let old = previous
                    .iter_mut()
                    .find(|r| r.as_ref().is_some_and(|r| r.is(platform, planned)))
                    .and_then(Option::take);
                let running = match old {
                    Some(old) if old.unchanged(platform, planned) => old,
                    old => {
                        // The same source on a new schedule keeps what it had published.
                        let carried = old
                            .as_ref()
                            .filter(|old| old.connection == platform.connection)
                            .and_then(|old| old.slot.latest());
                        if let Some(old) = old {
                            old.stop().await;
                        }
                        let slot = Arc::new(planned.kind.slot(name, planned.settings.stale_after));
                        if let Some(snapshot) = carried {
                            slot.publish(snapshot);
                        }
                        self.start(platform, planned, slot, first_run)
                    }
                };
                slots.push(running.slot.clone());
                self.running.push(running);
            }
        }
        for gone in previous.into_iter().flatten() {
            self.metrics
                .remove_collector(&gone.platform, gone.collector);
            gone.stop().await;
        }
        let names: Vec<&str> = platforms
            .iter()
            .map(|p| p.connection.name.as_str())
            .collect();
        for platform in self
            .platforms
            .keys()
            .filter(|name| !names.contains(&name.as_str()))
        {
            self.metrics.remove_platform(platform);
        }
        self.platforms = platforms
            .into_iter()
            .map(|p| (p.connection.name.clone(), (p.connection, p.shared)))
            .collect();
        self.exposition.set_slots(slots);
    }

    /// How many of `platforms` have a collector that [`Supervisor::apply`] starts, rather than
    /// keeps running.
    fn starting(&self, platforms: &[PreparedPlatform]) -> usize {
        platforms
            .iter()
            .filter(|platform| {
                platform.collectors.iter().any(|planned| {
                    !self.running.iter().any(|running| {
                        running.is(platform, planned) && running.unchanged(platform, planned)
                    })
                })
            })
            .count()
    }

    fn start(
        &self,
        platform: &PreparedPlatform,
        planned: &Planned,
        slot: Arc<Slot>,
        first_run: FirstRun,
    ) -> Running {
        let scheduler = scheduler(&self.metrics, platform, planned, slot.clone());
        let first_in = first_run.delay(planned.settings.interval);
        let stop = self.shutdown.child_token();
        Running {
            platform: platform.connection.name.clone(),
            collector: planned.kind.name,
            connection: platform.connection.clone(),
            settings: planned.settings,
            options: planned.written.clone(),
            slot,
            task: tokio::spawn(scheduler.run(stop.clone(), first_in)),
            stop,
        }
    }

    pub(crate) fn metrics(&self) -> &Arc<ExporterMetrics> {
        &self.metrics
    }

    /// Stops every collector and waits for their tasks.
    pub(crate) async fn stop(&mut self) {
        for running in self.running.drain(..) {
            running.stop().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AuthConfig;

    const MINUTE: Duration = Duration::from_secs(60);

    fn platform(name: &str, host: &str) -> PlatformConfig {
        let base_url = format!("https://{host}/tenantui").parse().unwrap();
        PlatformConfig::new(name, base_url, AuthConfig::None)
    }

    // A client's request limiter needs the runtime's timer.
    #[tokio::test]
    async fn platforms_with_the_same_connection_settings_share_one_transport() {
        let mut bearer = platform("b", "b.example.com");
        bearer.auth = AuthConfig::Bearer {
            token: crate::SecretSource::Inline("secret".into()),
        };
        let mut own_tls = platform("c", "c.example.com");
        own_tls.tls.insecure_skip_verify = true;
        let prepared = prepare(
            &[],
            &[platform("a", "a.example.com"), bearer, own_tls],
            None,
        )
        .unwrap();
        let transport = |index: usize| prepared[index].shared.client.transport();
        assert!(transport(0).is(transport(1)));
        assert!(!transport(0).is(transport(2)));
        // Each keeps a client of its own: its credentials, limits and pauses.
        assert!(!Arc::ptr_eq(
            &prepared[0].shared.client,
            &prepared[1].shared.client
        ));
    }

    #[tokio::test]
    async fn only_the_platforms_a_reload_starts_a_collector_of_are_spread() {
        let exposition = Arc::new(Exposition::new(
            Vec::new(),
            Arc::new(ExporterMetrics::new()),
        ));
        let mut supervisor = Supervisor::new(exposition, CancellationToken::new());
        let kinds = [&collect::TEST_KIND];
        let (a, b) = (
            platform("a", "a.example.com"),
            platform("b", "b.example.com"),
        );
        let started = prepare(&kinds, &[a.clone(), b.clone()], None).unwrap();
        assert_eq!(
            supervisor.starting(&started),
            2,
            "a start-up starts every platform"
        );
        // As apply leaves them (TEST_KIND builds no collector to run).
        for platform in &started {
            let planned = &platform.collectors[0];
            supervisor.running.push(Running {
                platform: platform.connection.name.clone(),
                collector: planned.kind.name,
                connection: platform.connection.clone(),
                settings: planned.settings,
                options: planned.written.clone(),
                slot: Arc::new(planned.kind.slot(&platform.connection.name, MINUTE)),
                stop: CancellationToken::new(),
                task: tokio::spawn(async {}),
            });
        }
        let mut moved = b.clone();
        moved.base_url = "https://b2.example.com/tenantui".parse().unwrap();
        let mut slower = a.clone();
        slower.poll_interval = 2 * a.poll_interval;
        let c = platform("c", "c.example.com");
        let count = |platforms: &[PlatformConfig]| {
            supervisor.starting(&prepare(&kinds, platforms, None).unwrap())
        };
        assert_eq!(count(&[a.clone(), b.clone()]), 0, "nothing changed");
        assert_eq!(count(&[a.clone(), b.clone(), c.clone()]), 1, "one added");
        assert_eq!(count(&[a.clone(), moved, c]), 2, "one moved, one added");
        assert_eq!(count(&[slower, b]), 1, "a new schedule restarts");
    }

    #[tokio::test]
    async fn a_platform_alike_the_others_costs_a_few_kilobytes_to_set_up() {
        let platforms: Vec<PlatformConfig> = (0..100)
            .map(|i| platform(&format!("platform-{i:05}"), &format!("lp{i}.example.com")))
            .collect();
        let before = crate::memory::counted::live_bytes();
        let prepared = prepare(&[], &platforms, None).unwrap();
        let per_platform = (crate::memory::counted::live_bytes() - before) / 100;
        // Two HTTP clients of its own, each with its TLS configuration and its copy of the
        // built-in roots, took 59 KB.
        assert!(per_platform < 8192, "{per_platform} bytes per platform");
        drop(prepared);
    }
}
