//! What the exporter keeps of one customer service's details: when its app registration's
//! secret expires, and how many SIP connections it has in each deployment state and
//! configuration type. Nothing else of the response, and never the secret itself.

use std::collections::BTreeMap;

use time::OffsetDateTime;

/// One customer's details.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct CustomerDetails {
    /// When the client secret of the customer's app registration expires; `None` when the
    /// service has no app registration (or the API does not say).
    pub secret_expiry: Option<OffsetDateTime>,
    /// How many SIP connections (site locations) the customer has of each kind.
    pub sip_connections: BTreeMap<SipConnectionKind, u64>,
}

/// A deployment state and configuration type, each already a label value: lower snake case
/// (`deployed`, `sip_trunk`, `byoc`), `unknown` where the API does not say or says something
/// unreadable, `unknown_<n>` for a number the API documents no meaning of.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct SipConnectionKind {
    pub deployment_state: Box<str>,
    pub configuration_type: Box<str>,
}
