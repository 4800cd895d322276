//! The web layer: the endpoints, the connection loop, and the web configuration file (TLS, basic
//! auth, headers) with its reloading.

pub(crate) mod auth;
mod config;
pub(crate) mod listener;
pub(crate) mod reload;
pub(crate) mod router;
mod tls;

/// Liveness: 200 while the process serves (also what the `healthcheck` subcommand asks).
pub(crate) const HEALTHY_PATH: &str = "/-/healthy";
/// Readiness: 200 once every platform has been polled successfully.
pub(crate) const READY_PATH: &str = "/-/ready";
