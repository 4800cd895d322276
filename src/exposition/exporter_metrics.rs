//! The exporter's own metrics: health per platform and collector, build info and process
//! metrics.
//!
//! These change between polls (counters, durations) and are few, so unlike the customer series
//! they live in a `prometheus` registry and are encoded at each scrape.

use std::time::SystemTime;

use prometheus::{Encoder, Gauge, GaugeVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder};

use crate::collect::CollectorSettings;
use crate::model::{ErrorReason, SkipReason};

pub struct ExporterMetrics {
    registry: Registry,
    up: GaugeVec,
    last_success: GaugeVec,
    duration: GaugeVec,
    poll_interval: GaugeVec,
    poll_timeout: GaugeVec,
    stale_after: GaugeVec,
    polls: IntCounterVec,
    errors: IntCounterVec,
    skipped: IntCounterVec,
    requests: IntCounterVec,
    request_errors: IntCounterVec,
    added: IntCounterVec,
    removed: IntCounterVec,
    reload_successful: Gauge,
    reload_success_time: Gauge,
}

/// The metric names and help texts are fixed here and nowhere else; registration only fails on
/// a malformed or duplicate descriptor, which is a programming error caught by every test run.
fn register<M: prometheus::core::Collector + Clone + 'static>(registry: &Registry, metric: M) -> M {
    registry
        .register(Box::new(metric.clone()))
        .expect("metric descriptors are static and unique");
    metric
}

/// The labels of every per-collector series.
const COLLECTOR_LABELS: [&str; 2] = ["platform", "collector"];

fn gauge(registry: &Registry, name: &str, help: &str) -> GaugeVec {
    register(
        registry,
        GaugeVec::new(Opts::new(name, help), &COLLECTOR_LABELS).expect("valid descriptor"),
    )
}

fn counter(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    register(
        registry,
        IntCounterVec::new(Opts::new(name, help), labels).expect("valid descriptor"),
    )
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
            Gauge::new(
                "liveplatform_exporter_config_last_reload_successful",
                "1 if the last configuration load (start-up or SIGHUP) succeeded, else 0.",
            )
            .expect("valid descriptor"),
        );
        reload_successful.set(1.0);
        let reload_success_time = register(
            &registry,
            Gauge::new(
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
        Self {
            up: gauge(
                &registry,
                "liveplatform_up",
                "1 if the collector's last run against the platform's API succeeded, else 0.",
            ),
            last_success: gauge(
                &registry,
                "liveplatform_last_poll_success_timestamp_seconds",
                "Unix time of the collector's last successful run; 0 before the first.",
            ),
            duration: gauge(
                &registry,
                "liveplatform_poll_duration_seconds",
                "Duration of the collector's last run, successful or not.",
            ),
            // Each collector's settings, so that alerting rules can compare against them instead
            // of hard-coding the defaults.
            poll_interval: gauge(
                &registry,
                "liveplatform_poll_interval_seconds",
                "Configured time between the collector's runs (interval).",
            ),
            poll_timeout: gauge(
                &registry,
                "liveplatform_poll_timeout_seconds",
                "Configured limit for one run of the collector (timeout).",
            ),
            stale_after: gauge(
                &registry,
                "liveplatform_stale_after_seconds",
                "Configured age after which the collector's data is withheld (stale_after).",
            ),
            polls: counter(
                &registry,
                "liveplatform_polls_total",
                "Runs of the collector against the platform's API.",
                &COLLECTOR_LABELS,
            ),
            errors: counter(
                &registry,
                "liveplatform_poll_errors_total",
                "Failed runs of the collector, by reason.",
                &["platform", "collector", "reason"],
            ),
            skipped: counter(
                &registry,
                "liveplatform_records_skipped_total",
                "Records left out of otherwise good responses, by reason.",
                &["platform", "collector", "reason"],
            ),
            // Per-customer collectors make many requests per run: these say how many, and how
            // many failed why, where a run's own outcome only says whether all of them did.
            requests: counter(
                &registry,
                "liveplatform_collector_requests_total",
                "Requests made by a per-customer collector, one per customer and run.",
                &COLLECTOR_LABELS,
            ),
            request_errors: counter(
                &registry,
                "liveplatform_collector_request_errors_total",
                "Failed requests of a per-customer collector, by reason (not_found: a 404 for the customer).",
                &["platform", "collector", "reason"],
            ),
            added: counter(
                &registry,
                "liveplatform_customers_added_total",
                "Customers that appeared between two successful polls.",
                &["platform"],
            ),
            removed: counter(
                &registry,
                "liveplatform_customers_removed_total",
                "Customers that vanished between two successful polls.",
                &["platform"],
            ),
            reload_successful,
            reload_success_time,
            registry,
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
        let labels = [platform, collector];
        for vec in [
            &self.up,
            &self.last_success,
            &self.duration,
            &self.poll_interval,
            &self.poll_timeout,
            &self.stale_after,
        ] {
            let _ = vec.remove_label_values(&labels);
        }
        let _ = self.polls.remove_label_values(&labels);
        let _ = self.requests.remove_label_values(&labels);
        for reason in ErrorReason::ALL {
            let labels = [platform, collector, reason.as_str()];
            let _ = self.errors.remove_label_values(&labels);
            let _ = self.request_errors.remove_label_values(&labels);
        }
        for reason in SkipReason::ALL {
            let _ = self
                .skipped
                .remove_label_values(&[platform, collector, reason.as_str()]);
        }
    }

    /// Removes the series of a platform the configuration no longer has, beyond its
    /// collectors' own.
    pub fn remove_platform(&self, platform: &str) {
        let _ = self.added.remove_label_values(&[platform]);
        let _ = self.removed.remove_label_values(&[platform]);
    }

    /// Handles for one collector of one platform, with every series created at zero so that
    /// `rate()` and alerts see a value from the first scrape on, before anything has gone wrong;
    /// its settings are published at once.
    pub fn collector(
        &self,
        platform: &str,
        collector: &str,
        settings: &CollectorSettings,
    ) -> CollectorHealth {
        let labels = [platform, collector];
        self.poll_interval
            .with_label_values(&labels)
            .set(settings.interval.as_secs_f64());
        self.poll_timeout
            .with_label_values(&labels)
            .set(settings.timeout.as_secs_f64());
        self.stale_after
            .with_label_values(&labels)
            .set(settings.stale_after.as_secs_f64());
        let errors = ErrorReason::ALL.map(|r| {
            self.errors
                .with_label_values(&[platform, collector, r.as_str()])
        });
        let skipped = SkipReason::ALL.map(|r| {
            self.skipped
                .with_label_values(&[platform, collector, r.as_str()])
        });
        CollectorHealth {
            up: self.up.with_label_values(&labels),
            last_success: self.last_success.with_label_values(&labels),
            duration: self.duration.with_label_values(&labels),
            polls: self.polls.with_label_values(&labels),
            errors,
            skipped,
        }
    }

    /// The request counters of a per-customer collector, every series created at zero.
    pub fn requests(&self, platform: &str, collector: &str) -> RequestHealth {
        RequestHealth {
            requests: self.requests.with_label_values(&[platform, collector]),
            errors: ErrorReason::ALL.map(|r| {
                self.request_errors
                    .with_label_values(&[platform, collector, r.as_str()])
            }),
        }
    }

    /// The customer list's change counters of one platform, created at zero.
    pub fn customer_changes(&self, platform: &str) -> CustomerChanges {
        CustomerChanges {
            added: self.added.with_label_values(&[platform]),
            removed: self.removed.with_label_values(&[platform]),
        }
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

/// One collector's health series on one platform.
pub struct CollectorHealth {
    pub up: prometheus::Gauge,
    pub last_success: prometheus::Gauge,
    pub duration: prometheus::Gauge,
    pub polls: prometheus::IntCounter,
    errors: [prometheus::IntCounter; ErrorReason::ALL.len()],
    skipped: [prometheus::IntCounter; SkipReason::ALL.len()],
}

impl CollectorHealth {
    pub fn error(&self, reason: ErrorReason) {
        self.errors[reason as usize].inc();
    }

    pub fn skipped(&self, reason: SkipReason) {
        self.skipped[reason as usize].inc();
    }
}

/// The requests of one per-customer collector on one platform.
pub struct RequestHealth {
    pub requests: prometheus::IntCounter,
    errors: [prometheus::IntCounter; ErrorReason::ALL.len()],
}

impl RequestHealth {
    pub fn error(&self, reason: ErrorReason) {
        self.errors[reason as usize].inc();
    }
}

/// Customers that appeared in or vanished from a platform's customer list.
pub struct CustomerChanges {
    pub added: prometheus::IntCounter,
    pub removed: prometheus::IntCounter,
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
