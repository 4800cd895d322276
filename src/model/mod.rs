//! Domain types more than one collector shares: the license types (the customer list and the
//! license accounting both publish per type) and why data can be missing (every collector counts
//! it in the exporter's own metrics).

pub(crate) mod license;
mod reason;

pub(crate) use reason::{ErrorReason, SkipReason};
