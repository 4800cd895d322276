//! The integration tests, as one test binary: one crate with a module per area, so that the
//! library and the test dependencies are linked once rather than once per area.
//!
//! - `metrics`: what `/metrics` publishes for a platform, against the API's own data.
//! - `golden`: the exposition of the seed's customers, byte for byte, against a golden file.
//! - `license_info`, `customer_details`: the per-customer collectors against the mock platform
//!   (their shared behaviour in `common::per_customer`).
//! - `services`: the services collector (health, the join with the customer list, failures).
//! - `oc_numbers`: the Operator Connect number inventory (paging and its checks, the counts).
//! - `render_roundtrip`: rendered exposition parsed back by an independent parser.
//! - `faults`: API and token endpoint failures, stale data, OAuth2.
//! - `client_security`, `web_security`, `no_secrets_in_logs`: the attacker's view of the API
//!   client, the web server, and every log line.
//! - `binary`: the built binary as an operator runs it (`--demo`, `--once`, `--check-config`,
//!   the Prometheus-style flags, logs, `--version`, signals) and the README's first screen.
//! - `backfill`: `--backfill.months` against a stand-in API, its output through promtool into a
//!   real Prometheus and the dashboard's license panels, and its bad inputs.
//! - `reload`: configuration reloads, platforms and collectors added, changed and removed; the
//!   `POST /-/reload` endpoint of `--web.enable-lifecycle`.
//! - `deploy`: the container, compose, systemd and Kubernetes files against the code (every
//!   kustomization built with `kubectl kustomize` and validated against the Kubernetes schemas).
//! - `rules`, `dashboard`, `prometheus_e2e`: the shipped alerting rules, dashboard and runbook,
//!   the monitoring mixin they are generated from, up to a real Prometheus evaluating them
//!   against the demo.
//!
//! - `layout`: the source tree keeps its promises (saved proptest failures are replayed).
//!
//! `common` and `monitoring` hold the harness they share.

mod common;
mod monitoring;

mod backfill;
mod binary;
mod client_security;
mod customer_details;
mod dashboard;
mod deploy;
mod faults;
mod golden;
mod layout;
mod license_info;
mod metrics;
mod no_secrets_in_logs;
mod oc_numbers;
mod prometheus_e2e;
mod reload;
mod render_roundtrip;
mod rules;
mod services;
mod web_security;
