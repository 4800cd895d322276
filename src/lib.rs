//! Prometheus exporter for AudioCodes Live Platform: polls each platform's customer list and
//! publishes per-customer and per-license-type gauges.
//!
//! Data flows one way: [`config`] → [`client`] (with [`auth`]) → [`poller`] → [`blocks`]
//! ([`decode`], [`render`], [`gzip`]) → [`snapshot`] → [`exposition`] → [`server`], which
//! [`listener`] serves behind the [`web_config`] file's TLS ([`tls`]) and basic auth ([`web_auth`]),
//! reloaded by [`web_reload`].

pub mod app;
pub mod auth;
pub mod background;
pub mod blocks;
pub mod cli;
pub mod client;
pub mod config;
pub mod decode;
pub mod exposition;
pub mod gzip;
pub mod health;
pub mod healthcheck;
pub mod http;
pub mod license;
pub mod listener;
pub mod mock;
pub mod poller;
pub mod recycle;
pub mod render;
pub mod secret;
pub mod server;
pub mod snapshot;
pub mod telemetry;
pub mod tls;
pub mod web_auth;
pub mod web_config;
pub mod web_reload;
