//! The vendor's own license accounting for one customer service, as of its latest record.

use time::OffsetDateTime;

/// One record of a customer's license information. Each count is `None` where the API leaves
/// the field out or says null: its series is then absent, never 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct LicenseInfo {
    /// Licenses configured in onboarding: what the customer bought.
    pub acquired: Option<u64>,
    /// Licenses in use, each user counted once, by its highest-priority factor.
    pub currently_licensed: Option<u64>,
    /// Microsoft 365 users monitored.
    pub monitored: Option<u64>,
    /// Managed users by factor, in the order of [`MANAGED_FACTORS`].
    pub managed: [Option<u64>; 4],
    pub service_numbers: Option<u64>,
    /// When the platform computed the record; `None` when the record does not say.
    pub last_update: Option<OffsetDateTime>,
}

/// The license factors that count managed users, as the `factor` label values they are
/// published under; the API's fields, in the same order, are the decoder's.
pub(super) const MANAGED_FACTORS: [&str; 4] = [
    "direct_routing",
    "operator_connect",
    "lifecycle_management",
    "user_interface",
];
