//! Domain types: what a customer service is, the license types, Operator Connect numbers
//! awaiting removal, and why data can be missing.
//! Decoders produce them; rendering, totals and the exporter's own metrics read them.

mod customer;
pub(crate) mod license;
mod numbers;
mod reason;

pub use customer::{Customer, UserCounts};
pub use numbers::RemovalSummary;
pub use reason::{ErrorReason, SkipReason};
