//! The exporter's own metrics: health per platform and collector, build info and process
//! metrics.
//!
//! These change between polls (counters, durations) and are few per platform, so unlike the
//! customer series they are encoded at each scrape, by a `prometheus` registry. The series of
//! each platform and collector are atomics of [`Series`], read into the registry's model only as
//! a scrape gathers them: a `prometheus` metric vector keeps a child per series, with its own
//! copy of the family's descriptor (name, help text, label names) and of its label pairs, about
//! 75 kilobytes for one platform's 141 series, where the atomics take a few hundred bytes.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use prometheus::core::{Collector, Desc};
use prometheus::proto::{self, LabelPair, Metric, MetricFamily, MetricType};
use prometheus::{Encoder, Gauge as PrometheusGauge, IntGauge, Opts, Registry, TextEncoder};

use crate::config::CollectorSettings;
use crate::model::{ErrorReason, SkipReason};
use crate::sync::lock;

pub struct ExporterMetrics {
    registry: Registry,
    series: Arc<Mutex<Series>>,
    reload_successful: PrometheusGauge,
    reload_success_time: PrometheusGauge,
}

/// The metric names and help texts are fixed here and nowhere else; registration only fails on
/// a malformed or duplicate descriptor, which is a programming error caught by every test run.
fn register<M: Collector + Clone + 'static>(registry: &Registry, metric: M) -> M {
    registry
        .register(Box::new(metric.clone()))
        .expect("metric descriptors are static and unique");
    metric
}

/// A gauge: an `f64` kept as its bits.
#[derive(Debug, Default)]
pub struct Gauge(AtomicU64);

impl Gauge {
    pub fn set(&self, value: f64) {
        self.0.store(value.to_bits(), Ordering::Relaxed);
    }

    fn get(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }
}

/// A counter.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn inc(&self) {
        self.inc_by(1);
    }

    pub fn inc_by(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    fn get(&self) -> f64 {
        self.0.load(Ordering::Relaxed) as f64
    }
}

/// One collector's health series on one platform.
#[derive(Debug, Default)]
pub struct CollectorSeries {
    pub up: Gauge,
    pub last_success: Gauge,
    pub duration: Gauge,
    pub polls: Counter,
    interval: Gauge,
    timeout: Gauge,
    stale_after: Gauge,
    errors: [Counter; ErrorReason::ALL.len()],
    skipped: [Counter; SkipReason::ALL.len()],
}

impl CollectorSeries {
    pub fn error(&self, reason: ErrorReason) {
        self.errors[reason as usize].inc();
    }

    pub fn skipped(&self, reason: SkipReason) {
        self.skipped[reason as usize].inc();
    }
}

/// The requests of one per-customer collector on one platform.
#[derive(Debug, Default)]
pub struct RequestSeries {
    pub requests: Counter,
    errors: [Counter; ErrorReason::ALL.len()],
}

impl RequestSeries {
    pub fn error(&self, reason: ErrorReason) {
        self.errors[reason as usize].inc();
    }
}

/// Customers that appeared in or vanished from a platform's customer list.
#[derive(Debug, Default)]
pub struct ChangeSeries {
    pub added: Counter,
    pub removed: Counter,
}

/// The handle a collector's scheduler counts its runs with. A handle outlives its series' removal
/// (a run finishing after a reload removed its collector): it then counts into nothing that is
/// published.
pub(crate) type CollectorHealth = Arc<CollectorSeries>;
/// The handle a per-customer collector counts its requests with.
pub(crate) type RequestHealth = Arc<RequestSeries>;
/// The handle the customer list counts its changes with.
pub(crate) type CustomerChanges = Arc<ChangeSeries>;

/// A platform's name and a collector's.
type Key = (Box<str>, Box<str>);

fn key(platform: &str, collector: &str) -> Key {
    (platform.into(), collector.into())
}

/// Every series of every platform and collector, in the order a scrape lists them: by collector,
/// then platform (their labels' alphabetical order, which the registry sorts by anyway).
#[derive(Default)]
struct Series {
    collectors: BTreeMap<Key, CollectorHealth>,
    requests: BTreeMap<Key, RequestHealth>,
    changes: BTreeMap<Box<str>, CustomerChanges>,
}

/// A family of [`Series`]: what its header says.
struct Family {
    name: &'static str,
    help: &'static str,
    kind: MetricType,
}

const UP: Family = gauge(
    "liveplatform_up",
    "1 if the collector's last run against the platform's API succeeded, else 0.",
);
const LAST_SUCCESS: Family = gauge(
    "liveplatform_last_poll_success_timestamp_seconds",
    "Unix time of the collector's last successful run; 0 before the first.",
);
const DURATION: Family = gauge(
    "liveplatform_poll_duration_seconds",
    "Duration of the collector's last run, successful or not.",
);
// Each collector's settings, so that alerting rules can compare against them instead of
// hard-coding the defaults.
const INTERVAL: Family = gauge(
    "liveplatform_poll_interval_seconds",
    "Configured time between the collector's runs (interval).",
);
const TIMEOUT: Family = gauge(
    "liveplatform_poll_timeout_seconds",
    "Configured limit for one run of the collector (timeout).",
);
const STALE_AFTER: Family = gauge(
    "liveplatform_stale_after_seconds",
    "Configured age after which the collector's data is withheld (stale_after).",
);
const POLLS: Family = counter(
    "liveplatform_polls_total",
    "Runs of the collector against the platform's API.",
);
const ERRORS: Family = counter(
    "liveplatform_poll_errors_total",
    "Failed runs of the collector, by reason.",
);
const SKIPPED: Family = counter(
    "liveplatform_records_skipped_total",
    "Records left out of otherwise good responses, by reason.",
);
// Per-customer collectors make many requests per run: these say how many, and how many failed
// why, where a run's own outcome only says whether all of them did.
const REQUESTS: Family = counter(
    "liveplatform_collector_requests_total",
    "Requests made by a per-customer collector, one per customer and run.",
);
const REQUEST_ERRORS: Family = counter(
    "liveplatform_collector_request_errors_total",
    "Failed requests of a per-customer collector, by reason (not_found: a 404 for the customer).",
);
const ADDED: Family = counter(
    "liveplatform_customers_added_total",
    "Customers that appeared between two successful polls.",
);
const REMOVED: Family = counter(
    "liveplatform_customers_removed_total",
    "Customers that vanished between two successful polls.",
);

const fn gauge(name: &'static str, help: &'static str) -> Family {
    Family {
        name,
        help,
        kind: MetricType::GAUGE,
    }
}

const fn counter(name: &'static str, help: &'static str) -> Family {
    Family {
        name,
        help,
        kind: MetricType::COUNTER,
    }
}

/// The labels of every per-collector series, in alphabetical order, as the text format lists
/// them; and of those by reason.
const COLLECTOR_LABELS: &[&str] = &["collector", "platform"];
const REASON_LABELS: &[&str] = &["collector", "platform", "reason"];
const PLATFORM_LABELS: &[&str] = &["platform"];

/// Every family of [`Series`] with its labels.
const FAMILIES: [(&Family, &[&str]); 13] = [
    (&UP, COLLECTOR_LABELS),
    (&LAST_SUCCESS, COLLECTOR_LABELS),
    (&DURATION, COLLECTOR_LABELS),
    (&INTERVAL, COLLECTOR_LABELS),
    (&TIMEOUT, COLLECTOR_LABELS),
    (&STALE_AFTER, COLLECTOR_LABELS),
    (&POLLS, COLLECTOR_LABELS),
    (&ERRORS, REASON_LABELS),
    (&SKIPPED, REASON_LABELS),
    (&REQUESTS, COLLECTOR_LABELS),
    (&REQUEST_ERRORS, REASON_LABELS),
    (&ADDED, PLATFORM_LABELS),
    (&REMOVED, PLATFORM_LABELS),
];

/// [`Series`] as the registry gathers them.
#[derive(Clone)]
struct SeriesCollector {
    series: Arc<Mutex<Series>>,
    descs: Arc<[Desc]>,
}

/// Samples of one family, gathered.
struct Samples {
    family: &'static Family,
    metrics: Vec<Metric>,
}

impl Samples {
    fn new(family: &'static Family) -> Self {
        Self {
            family,
            metrics: Vec::new(),
        }
    }

    /// A sample with `labels` (name and value, in the family's label order).
    fn push(&mut self, labels: &[(&str, &str)], value: f64) {
        let mut metric = Metric::from_label(
            labels
                .iter()
                .map(|(name, value)| {
                    let mut pair = LabelPair::default();
                    pair.set_name((*name).to_owned());
                    pair.set_value((*value).to_owned());
                    pair
                })
                .collect(),
        );
        if self.family.kind == MetricType::COUNTER {
            let mut counter = proto::Counter::default();
            counter.set_value(value);
            metric.set_counter(counter);
        } else {
            let mut gauge = proto::Gauge::default();
            gauge.set_value(value);
            metric.set_gauge(gauge);
        }
        self.metrics.push(metric);
    }

    fn into_family(self) -> MetricFamily {
        let mut family = MetricFamily::default();
        family.set_name(self.family.name.to_owned());
        family.set_help(self.family.help.to_owned());
        family.set_field_type(self.family.kind);
        family.set_metric(self.metrics);
        family
    }
}

impl Collector for SeriesCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.descs.iter().collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let series = lock(&self.series);
        let [
            mut up,
            mut last_success,
            mut duration,
            mut interval,
            mut timeout,
            mut stale_after,
            mut polls,
            mut errors,
            mut skipped,
            mut requests,
            mut request_errors,
            mut added,
            mut removed,
        ] = FAMILIES.map(|(family, _)| Samples::new(family));
        for ((platform, collector), health) in &series.collectors {
            let labels = [("collector", &**collector), ("platform", &**platform)];
            up.push(&labels, health.up.get());
            last_success.push(&labels, health.last_success.get());
            duration.push(&labels, health.duration.get());
            interval.push(&labels, health.interval.get());
            timeout.push(&labels, health.timeout.get());
            stale_after.push(&labels, health.stale_after.get());
            polls.push(&labels, health.polls.get());
            for (reason, count) in ErrorReason::ALL.iter().zip(&health.errors) {
                errors.push(&by_reason(labels, reason.as_str()), count.get());
            }
            for (reason, count) in SkipReason::ALL.iter().zip(&health.skipped) {
                skipped.push(&by_reason(labels, reason.as_str()), count.get());
            }
        }
        for ((platform, collector), health) in &series.requests {
            let labels = [("collector", &**collector), ("platform", &**platform)];
            requests.push(&labels, health.requests.get());
            for (reason, count) in ErrorReason::ALL.iter().zip(&health.errors) {
                request_errors.push(&by_reason(labels, reason.as_str()), count.get());
            }
        }
        for (platform, changes) in &series.changes {
            let labels = [("platform", &**platform)];
            added.push(&labels, changes.added.get());
            removed.push(&labels, changes.removed.get());
        }
        [
            up,
            last_success,
            duration,
            interval,
            timeout,
            stale_after,
            polls,
            errors,
            skipped,
            requests,
            request_errors,
            added,
            removed,
        ]
        .into_iter()
        .map(Samples::into_family)
        .collect()
    }
}

/// A collector's labels and a reason's.
fn by_reason<'a>(labels: [(&'a str, &'a str); 2], reason: &'a str) -> [(&'a str, &'a str); 3] {
    [labels[0], labels[1], ("reason", reason)]
}

impl ExporterMetrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let build_info = IntGauge::with_opts(
            Opts::new(
                "liveplatform_exporter_build_info",
                "Build of the exporter; always 1.",
            )
            .const_label("version", env!("CARGO_PKG_VERSION"))
            .const_label("revision", env!("LIVEPLATFORM_EXPORTER_REVISION"))
            .const_label("rustc_version", env!("LIVEPLATFORM_EXPORTER_RUSTC_VERSION")),
        )
        .expect("valid descriptor");
        build_info.set(1);
        register(&registry, build_info);
        // As Prometheus does: start-up is the first successful load.
        let reload_successful = register(
            &registry,
            PrometheusGauge::new(
                "liveplatform_exporter_config_last_reload_successful",
                "1 if the last configuration load (start-up or SIGHUP) succeeded, else 0.",
            )
            .expect("valid descriptor"),
        );
        reload_successful.set(1.0);
        let reload_success_time = register(
            &registry,
            PrometheusGauge::new(
                "liveplatform_exporter_config_last_reload_success_timestamp_seconds",
                "Unix time of the last successful configuration load (start-up or SIGHUP).",
            )
            .expect("valid descriptor"),
        );
        reload_success_time.set(unix_now());
        #[cfg(target_os = "linux")]
        registry
            .register(Box::new(
                prometheus::process_collector::ProcessCollector::for_self(),
            ))
            .expect("process metrics are registered once");
        let series = Arc::new(Mutex::new(Series::default()));
        let descs = FAMILIES
            .iter()
            .map(|(family, labels)| {
                Desc::new(
                    family.name.to_owned(),
                    family.help.to_owned(),
                    labels.iter().map(|label| (*label).to_owned()).collect(),
                    std::collections::HashMap::new(),
                )
                .expect("valid descriptor")
            })
            .collect();
        register(
            &registry,
            SeriesCollector {
                series: series.clone(),
                descs,
            },
        );
        Self {
            registry,
            series,
            reload_successful,
            reload_success_time,
        }
    }

    /// Records the outcome of a configuration reload.
    pub fn config_reloaded(&self, succeeded: bool) {
        self.reload_successful
            .set(if succeeded { 1.0 } else { 0.0 });
        if succeeded {
            self.reload_success_time.set(unix_now());
        }
    }

    /// Removes every series of a collector the configuration no longer runs, so that it
    /// vanishes from `/metrics` instead of lingering with its last values.
    pub fn remove_collector(&self, platform: &str, collector: &str) {
        let key = key(platform, collector);
        let mut series = lock(&self.series);
        series.collectors.remove(&key);
        series.requests.remove(&key);
    }

    /// Removes the series of a platform the configuration no longer has, beyond its
    /// collectors' own.
    pub fn remove_platform(&self, platform: &str) {
        lock(&self.series).changes.remove(platform);
    }

    /// Handles for one collector of one platform, with every series created at zero so that
    /// `rate()` and alerts see a value from the first scrape on, before anything has gone wrong;
    /// its settings are published at once. A collector that has series already (restarted on a
    /// new schedule) keeps them, counts included.
    pub fn collector(
        &self,
        platform: &str,
        collector: &str,
        settings: &CollectorSettings,
    ) -> CollectorHealth {
        let health = lock(&self.series)
            .collectors
            .entry(key(platform, collector))
            .or_default()
            .clone();
        health.interval.set(settings.interval.as_secs_f64());
        health.timeout.set(settings.timeout.as_secs_f64());
        health.stale_after.set(settings.stale_after.as_secs_f64());
        health
    }

    /// The request counters of a per-customer collector, every series created at zero.
    pub fn requests(&self, platform: &str, collector: &str) -> RequestHealth {
        lock(&self.series)
            .requests
            .entry(key(platform, collector))
            .or_default()
            .clone()
    }

    /// The customer list's change counters of one platform, created at zero.
    pub fn customer_changes(&self, platform: &str) -> CustomerChanges {
        lock(&self.series)
            .changes
            .entry(platform.into())
            .or_default()
            .clone()
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        // Encoding into a Vec only fails on an invalid metric family, which the registry
        // refuses at registration.
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), out) {
            tracing::error!(error = %e, "cannot encode exporter metrics");
        }
    }
}

impl Default for ExporterMetrics {
    fn default() -> Self {
        Self::new()
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn encoded(metrics: &ExporterMetrics) -> String {
        let mut out = Vec::new();
        metrics.encode(&mut out);
        String::from_utf8(out).unwrap()
    }

    const SETTINGS: CollectorSettings = CollectorSettings {
        interval: Duration::from_secs(300),
        timeout: Duration::from_millis(1500),
        stale_after: Duration::from_secs(900),
    };

    const PROD: &str = "collector=\"customers\",platform=\"prod\"";

    #[test]
    fn every_collector_series_exists_before_anything_happens() {
        let metrics = ExporterMetrics::new();
        let _health = metrics.collector("prod", "customers", &SETTINGS);
        let _changes = metrics.customer_changes("prod");
        let _requests = metrics.requests("prod", "customers");
        let text = encoded(&metrics);
        assert!(text.contains(&format!("liveplatform_up{{{PROD}}} 0\n")));
        assert!(text.contains(&format!(
            "liveplatform_collector_requests_total{{{PROD}}} 0\n"
        )));
        for reason in ErrorReason::ALL {
            assert!(text.contains(&format!(
                "liveplatform_collector_request_errors_total{{{PROD},reason=\"{}\"}} 0\n",
                reason.as_str()
            )));
        }
        assert!(text.contains(&format!(
            "liveplatform_last_poll_success_timestamp_seconds{{{PROD}}} 0\n"
        )));
        assert!(text.contains(&format!("liveplatform_polls_total{{{PROD}}} 0\n")));
        for reason in ErrorReason::ALL {
            assert!(text.contains(&format!(
                "liveplatform_poll_errors_total{{{PROD},reason=\"{}\"}} 0\n",
                reason.as_str()
            )));
        }
        for reason in SkipReason::ALL {
            assert!(text.contains(&format!(
                "liveplatform_records_skipped_total{{{PROD},reason=\"{}\"}} 0\n",
                reason.as_str()
            )));
        }
        assert!(text.contains("liveplatform_customers_added_total{platform=\"prod\"} 0\n"));
        assert!(text.contains("liveplatform_customers_removed_total{platform=\"prod\"} 0\n"));
        assert!(text.contains("liveplatform_exporter_build_info{"));
    }

    #[test]
    fn settings_are_published_in_seconds() {
        let metrics = ExporterMetrics::new();
        let _health = metrics.collector("prod", "customers", &SETTINGS);
        let text = encoded(&metrics);
        assert!(text.contains(&format!(
            "liveplatform_poll_interval_seconds{{{PROD}}} 300\n"
        )));
        assert!(text.contains(&format!(
            "liveplatform_poll_timeout_seconds{{{PROD}}} 1.5\n"
        )));
        assert!(text.contains(&format!("liveplatform_stale_after_seconds{{{PROD}}} 900\n")));
    }

    #[test]
    fn reasons_increment_their_own_series() {
        let metrics = ExporterMetrics::new();
        let health = metrics.collector("prod", "customers", &SETTINGS);
        let other = metrics.collector("prod", "other", &SETTINGS);
        health.error(ErrorReason::TooLarge);
        health.skipped(SkipReason::DuplicateId);
        health.skipped(SkipReason::DuplicateId);
        other.error(ErrorReason::Timeout);
        let text = encoded(&metrics);
        assert!(text.contains(&format!(
            "liveplatform_poll_errors_total{{{PROD},reason=\"too_large\"}} 1\n"
        )));
        assert!(text.contains(&format!(
            "liveplatform_poll_errors_total{{{PROD},reason=\"timeout\"}} 0\n"
        )));
        assert!(text.contains(
            "liveplatform_poll_errors_total{collector=\"other\",platform=\"prod\",reason=\"timeout\"} 1\n"
        ));
        assert!(text.contains(&format!(
            "liveplatform_records_skipped_total{{{PROD},reason=\"duplicate_id\"}} 2\n"
        )));
    }

    #[test]
    fn a_removed_collector_or_platform_leaves_no_series_behind() {
        let metrics = ExporterMetrics::new();
        let gone = metrics.collector("prod", "customers", &SETTINGS);
        let _changes = metrics.customer_changes("prod");
        let _requests = metrics.requests("prod", "customers");
        let _kept = metrics.collector("test", "customers", &SETTINGS);
        metrics.remove_collector("prod", "customers");
        metrics.remove_platform("prod");
        // A run still finishing after its removal must not bring its series back.
        gone.up.set(1.0);
        gone.error(ErrorReason::Timeout);
        let text = encoded(&metrics);
        assert!(!text.contains("platform=\"prod\""), "{text}");
        assert!(text.contains("liveplatform_up{collector=\"customers\",platform=\"test\"} 0\n"));
    }

    #[test]
    fn a_platforms_health_series_take_a_few_kilobytes() {
        let metrics = ExporterMetrics::new();
        let platforms = 100;
        let before = crate::memory::counted::live_bytes();
        let handles: Vec<_> = (0..platforms)
            .map(|platform| {
                let platform = format!("platform-{platform:05}");
                // As many collectors as the exporter has, two of them per customer.
                let collectors = [
                    "list",
                    "summary",
                    "per_customer_a",
                    "per_customer_b",
                    "health",
                ]
                .map(|collector| metrics.collector(&platform, collector, &SETTINGS));
                let requests = ["per_customer_a", "per_customer_b"]
                    .map(|collector| metrics.requests(&platform, collector));
                (collectors, requests, metrics.customer_changes(&platform))
            })
            .collect();
        let per_platform = (crate::memory::counted::live_bytes() - before) / platforms;
        // A child of a `prometheus` metric vector per series took 75 KB per platform.
        assert!(per_platform < 4096, "{per_platform} bytes per platform");
        drop(handles);
    }

    #[test]
    fn reloads_are_reported_with_the_time_of_the_last_success() {
        let metrics = ExporterMetrics::new();
        let value = |name: &str| -> f64 {
            let text = encoded(&metrics);
            let line = text
                .lines()
                .find(|l| l.starts_with(&format!("{name} ")))
                .unwrap_or_else(|| panic!("{name} in {text}"));
            line[name.len() + 1..].parse().unwrap()
        };
        const OK: &str = "liveplatform_exporter_config_last_reload_successful";
        const AT: &str = "liveplatform_exporter_config_last_reload_success_timestamp_seconds";
        assert_eq!(value(OK), 1.0, "start-up is a successful load");
        let started = value(AT);
        assert!(started > 1.7e9);
        metrics.config_reloaded(false);
        assert_eq!(value(OK), 0.0);
        assert_eq!(
            value(AT),
            started,
            "a failed reload keeps the last success's time"
        );
        metrics.config_reloaded(true);
        assert_eq!(value(OK), 1.0);
        assert!(value(AT) >= started);
    }

    #[test]
    fn enum_discriminants_index_their_all_arrays() {
        for (i, reason) in ErrorReason::ALL.into_iter().enumerate() {
            assert_eq!(reason as usize, i);
        }
        for (i, reason) in SkipReason::ALL.into_iter().enumerate() {
            assert_eq!(reason as usize, i);
        }
    }
}
