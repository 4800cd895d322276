//! Domain types: what a customer service is, the license types, and why data can be missing.
//! Decoders produce them; rendering, totals and the exporter's own metrics read them.

mod customer;
pub(crate) mod license;
mod reason;

pub use customer::{Customer, UserCounts};
pub use reason::{ErrorReason, SkipReason};
