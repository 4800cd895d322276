//! Prometheus exporter for AudioCodes Live Platform: polls each platform's REST API in the
//! background and serves what it learnt on `/metrics`.
//!
//! # Layout
//!
//! Data flows one way, and each folder owns one step of it:
//!
//! | folder | owns |
//! |---|---|
//! | `config/` | the configuration file and environment, checked into typed settings; secrets and PEM files named by it |
//! | `api/` | the Live Platform HTTP client and its credentials (OAuth2), the decoders of response bodies, a mock platform for `--demo` and the tests |
//! | `model/` | domain types: a customer, its user counts, license types, a customer's license information and details (never its secret), why a record or a poll is lost |
//! | `collect/` | the collectors: each fetches one data source on its own schedule and publishes into its platform's snapshot; the platform's customer directory that per-customer collectors read, and the fan-out over it they share; the supervisor that starts, restarts and stops them when the configuration is reloaded |
//! | `exposition/` | rendering samples (once per poll), gzip framing, the snapshots, the exporter's own metrics, and assembling a scrape |
//! | `web/` | the endpoints, the connection loop, the web configuration file (TLS, basic auth, headers) and its reloading |
//!
//! `config → api → collect → exposition (snapshot → rendered exposition) → web`: a module
//! imports only from its left (and from `model`, which imports nothing of the exporter's).
//! `app.rs` wires one run together and applies configuration reloads, `cli/` parses the command
//! line (and holds the `healthcheck` subcommand and the signals), `telemetry.rs` sets up logging, `sync.rs` holds the one
//! poison-tolerant lock helper, `memory.rs` the static build's allocator settings and the call
//! that hands freed memory back to the system.
//!
//! Modules are private; the items below are what the binary, the integration tests, the
//! benchmarks and the fuzz target use.

mod api;
mod app;
mod cli;
mod collect;
mod config;
mod exposition;
mod memory;
mod model;
mod sync;
mod telemetry;
mod web;

pub use api::mock::{MockPlatform, SEED_CUSTOMERS};
pub use app::{App, AppError, ReloadError, Reloader, poll_once};
pub use cli::healthcheck::default_url as default_healthcheck_url;
pub use cli::{Cli, run};
pub use config::secret::SecretSource;
pub use config::{
    AuthConfig, ClientCertificate, CollectorConfig, Config, DEFAULT_PORT, OAuth2Config,
    PlatformConfig,
};
pub use exposition::exporter_metrics::{CollectorSettings, ExporterMetrics};
pub use exposition::snapshot::Slot;
pub use exposition::{Encoding, Exposition};
#[cfg(target_env = "musl")]
pub use memory::{collect_on_idle, configure as configure_allocator};
pub use web::listener::{Limits, serve};
pub use web::reload::WebConfigWatch;

/// The names of every collector the exporter has, as `[platforms.collectors.<name>]` and the
/// `collector` label spell them.
pub fn collector_names() -> impl Iterator<Item = &'static str> {
    collect::KINDS.iter().map(|kind| kind.name)
}

/// The stages of a customer-list poll, one by one: for the benchmarks and the fuzz target.
pub mod poll_path {
    use std::time::Duration;

    /// An empty slot for the customer list of `platform`, to publish a prepared snapshot in.
    pub fn customers_slot(platform: &str, stale_after: Duration) -> crate::Slot {
        crate::collect::customers::KIND.slot(platform, stale_after)
    }

    pub use crate::api::decode::decode_customers;
    pub use crate::collect::customers::prepare;
    pub use crate::exposition::gzip::Segment;
    pub use crate::exposition::render::{platform_label, render_customers};
}
