//! Domain types: what a customer service is, the license types, a customer's license
//! accounting and details, Operator Connect numbers awaiting removal, and why data can be
//! missing.
//! Decoders produce them; rendering, totals and the exporter's own metrics read them.

mod customer;
mod customer_details;
pub(crate) mod license;
mod license_info;
mod numbers;
mod reason;

pub use customer::{Customer, UserCounts};
pub use customer_details::{CustomerDetails, SipConnectionKind};
pub use license_info::{LicenseInfo, MANAGED_FACTORS};
pub use numbers::RemovalSummary;
pub use reason::{ErrorReason, SkipReason};
