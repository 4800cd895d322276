//! Why data is missing: a record skipped, a poll failed. Small fixed sets, safe as label values.

/// Why a record was left out of an otherwise good response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SkipReason {
    NotAnObject,
    MissingId,
    MissingLicenseType,
    InvalidField,
    DuplicateId,
}

impl SkipReason {
    pub const ALL: [SkipReason; 5] = [
        SkipReason::NotAnObject,
        SkipReason::MissingId,
        SkipReason::MissingLicenseType,
        SkipReason::InvalidField,
        SkipReason::DuplicateId,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::NotAnObject => "not_an_object",
            SkipReason::MissingId => "missing_id",
            SkipReason::MissingLicenseType => "missing_license_type",
            SkipReason::InvalidField => "invalid_field",
            SkipReason::DuplicateId => "duplicate_id",
        }
    }
}

/// Why a poll failed: a small fixed set, so that it is safe as a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorReason {
    Timeout,
    Connect,
    Transport,
    Auth,
    HttpStatus,
    Decode,
    TooLarge,
    /// A 429: the API asked the exporter to slow down.
    RateLimited,
    /// The run panicked: a bug, reported and followed by a fresh collector.
    Crashed,
    /// A 404 for one item of a per-customer collector (the customer left between the list and
    /// the request, or has no such data): counted per request, never failing a run.
    NotFound,
    /// A per-customer collector had no customers to ask about: every run of the platform's
    /// customer list so far failed.
    NoCustomerList,
    /// A paged list's server answered another page than asked, or pages that do not add up:
    /// it does not read the paging parameters as sent.
    PagingIgnored,
}

impl ErrorReason {
    pub const ALL: [ErrorReason; 12] = [
        ErrorReason::Timeout,
        ErrorReason::Connect,
        ErrorReason::Transport,
        ErrorReason::Auth,
        ErrorReason::HttpStatus,
        ErrorReason::Decode,
        ErrorReason::TooLarge,
        ErrorReason::RateLimited,
        ErrorReason::Crashed,
        ErrorReason::NotFound,
        ErrorReason::NoCustomerList,
        ErrorReason::PagingIgnored,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorReason::Timeout => "timeout",
            ErrorReason::Connect => "connect",
            ErrorReason::Transport => "transport",
            ErrorReason::Auth => "auth",
            ErrorReason::HttpStatus => "http_status",
            ErrorReason::Decode => "decode",
            ErrorReason::TooLarge => "too_large",
            ErrorReason::RateLimited => "rate_limited",
            ErrorReason::Crashed => "crashed",
            ErrorReason::NotFound => "not_found",
            ErrorReason::NoCustomerList => "no_customer_list",
            ErrorReason::PagingIgnored => "paging_ignored",
        }
    }
}
