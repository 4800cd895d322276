//! Prometheus exporter for AudioCodes Live Platform: polls each platform's REST API in the
//! background and serves what it learnt on `/metrics`.
//!
//! # Layout
//!
//! Each data source lives in one place; the machinery every source shares lives in folders by
//! role, and says it is shared.
//!
//! | folder | owns |
//! |---|---|
//! | `collectors/` | the data sources, one folder each: its request path, the decoding of the answer, its model, its metric families and their rendering, its endpoint on the demo platform, and their unit tests; one `register!` line each lists its `KIND` in `collectors::KINDS` and its demo endpoint in `collectors::DEMOS` |
//! | `collect/` | running collectors: the `Collector` trait and `Kind`, the plan of a platform's collectors from the kinds it is handed, the scheduler (interval, timeout, back-off, health), the supervisor that starts, restarts and stops them on a reload, the platform's customer directory that per-customer collectors read, and the fan-out over it they share |
//! | `api/` | the HTTP transport: the Live Platform client and its credentials (OAuth2), the HTTP clients platforms share, request and client errors, the platform's request limiter and 429 pause, bounded bodies, the lenient decoding helpers |
//! | `exposition/` | the text format (families, samples, escaping), gzip framing, the snapshots, the exporter's own metrics, and assembling a scrape |
//! | `model/` | the domain types more than one collector shares: license types, and why a record or a run is lost |
//! | `config/` | the configuration file and environment (its shape, its bounds, its errors), checked into typed settings; secrets and PEM files named by it |
//! | `demo/` | the built-in Live Platform that `--demo` and the tests run: the token endpoint, the bearer check and the answers a test sets, serving each collector's own demo endpoint at the path its collector requests |
//! | `backfill/` | `--backfill.months`: each customer's license history through the platform's client, as an OpenMetrics file for `promtool tsdb create-blocks-from openmetrics` (written whole or not at all), with its progress; the history itself is `collectors::license_info::history`'s |
//! | `web/` | the endpoints, the connection loop, the web configuration file (TLS, basic auth, headers) and its reloading |
//!
//! A collector imports the machinery (`collect`, `api`, `exposition`, `model`); the machinery
//! never names a collector: `app.rs`, the wiring, hands `collectors::KINDS` to the supervisor,
//! and the demo platform routes to `collectors::DEMOS` (a test in `tests/integration/layout.rs`
//! holds this). `exposition` knows nothing of `collect`: a slot is filled by whoever runs. `app.rs`
//! wires one run together and applies configuration reloads, `cli/` parses the command line
//! (and holds the `healthcheck` subcommand and the signals), `telemetry.rs` sets up logging,
//! `sync.rs` holds the one poison-tolerant lock helper, `memory.rs` the static build's allocator
//! settings, the call that hands freed memory back to the system, and the unit tests'
//! allocator, which counts each thread's live bytes for the tests that bound what a structure
//! costs. What adding a data source takes, step by step, is in `CONTRIBUTING.md`.
//!
//! Modules are private; the items below are what the binary, the integration tests, the
//! benchmarks and the fuzz target use.

mod api;
mod app;
mod backfill;
mod cli;
mod collect;
mod collectors;
mod config;
mod demo;
mod exposition;
mod memory;
mod model;
mod sync;
mod telemetry;
mod web;

pub use app::{App, AppError, ReloadError, Reloader, poll_once};
pub use cli::healthcheck::default_url as default_healthcheck_url;
pub use cli::{Cli, run};
pub use config::secret::SecretSource;
pub use config::{
    AuthConfig, ClientCertificate, CollectorConfig, CollectorOptions, CollectorSettings, Config,
    DEFAULT_PORT, OAuth2Config, PlatformConfig,
};
pub use demo::{DemoPlatform, SEED_CUSTOMERS};
pub use exposition::exporter_metrics::ExporterMetrics;
pub use exposition::snapshot::Slot;
pub use exposition::{Encoding, Exposition};
#[cfg(target_env = "musl")]
pub use memory::{collect_on_idle, configure as configure_allocator};
pub use web::listener::{Limits, serve};
pub use web::reload::WebConfigWatch;

/// The names of every collector the exporter has, as `[platforms.collectors.<name>]` and the
/// `collector` label spell them.
pub fn collector_names() -> impl Iterator<Item = &'static str> {
    collectors::KINDS.iter().map(|kind| kind.name)
}

/// The stages of a customer-list poll, one by one: for the benchmarks and the fuzz target.
pub mod poll_path {
    use std::time::Duration;

    /// An empty slot for the customer list of `platform`, to publish a prepared snapshot in.
    pub fn customers_slot(platform: &str, stale_after: Duration) -> crate::Slot {
        crate::collectors::customers::KIND.slot(platform, stale_after)
    }

    pub use crate::collectors::customers::decode::decode as decode_customers;
    pub use crate::collectors::customers::render::render as render_customers;
    pub use crate::collectors::customers::{prepare, recompress};
    pub use crate::exposition::gzip::Segment;
    pub use crate::exposition::text::platform_label;

    /// The Operator Connect number inventory's run, page by page, without the network.
    pub use crate::collectors::oc_numbers::count_pages as count_oc_number_pages;
}
