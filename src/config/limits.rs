//! The bounds and defaults of the configuration's values, and the rule for `stale_after`: what a
//! type cannot say about a value.

use std::ops::RangeInclusive;
use std::time::Duration;

use crate::config::error::{ConfigError, invalid};

/// Default listen port: marked free on the Prometheus default port allocations list when chosen.
pub const DEFAULT_PORT: u16 = 9612;
pub(crate) const ENV_PREFIX: &str = "LIVEPLATFORM_EXPORTER";
pub(super) const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(300);
pub(super) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Sane ranges for configured durations. Beyond them a value is a typo (a unit forgotten, a
/// digit too many), and far beyond them it would overflow the clock's arithmetic.
pub(super) const INTERVALS: RangeInclusive<Duration> =
    Duration::from_secs(1)..=Duration::from_secs(7 * DAY);
pub(super) const TIMEOUTS: RangeInclusive<Duration> =
    Duration::from_millis(1)..=Duration::from_secs(DAY);
pub(super) const STALE_AFTER_MAX: Duration = Duration::from_secs(30 * DAY);
/// What a `stale_after` key accepts on its own; its interval is its lower bound
/// ([`stale_after_for`]).
pub(super) const STALE_AFTERS: RangeInclusive<Duration> = Duration::ZERO..=STALE_AFTER_MAX;
pub(super) const SERVER_TIMEOUTS: RangeInclusive<Duration> =
    Duration::from_millis(1)..=Duration::from_secs(60 * 60);
/// Far more than any Live Platform list, and what a 32-bit `usize` can still count.
pub(super) const MAX_RESPONSE_BYTES: RangeInclusive<u64> = 1..=4 * 1024 * 1024 * 1024 - 1;
/// More connections than this would exhaust file descriptors long before they were useful.
pub(super) const MAX_CONNECTIONS: RangeInclusive<usize> = 1..=100_000;
pub(super) const DAY: u64 = 24 * 60 * 60;
/// Large enough for about half a million customers; a runaway or hostile body stops here.
pub(crate) const DEFAULT_MAX_RESPONSE_BYTES: u64 = 256 * 1024 * 1024;
/// A customer's license information or details take a few KiB; a thousand times that is a
/// server gone wrong.
pub(super) const DEFAULT_MAX_CUSTOMER_RESPONSE_BYTES: u64 = 4 * 1024 * 1024;
/// A customer's request takes well under a second; a minute is a server that will not answer.
pub(super) const DEFAULT_CUSTOMER_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Requests of a platform's fan-out in flight at once, and started per second: gentle defaults,
/// since the API documents no rate limit.
pub(super) const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 4;
pub(super) const DEFAULT_MAX_REQUESTS_PER_SECOND: u32 = 10;
pub(super) const MAX_CONCURRENT_REQUESTS: RangeInclusive<usize> = 1..=256;
pub(super) const MAX_REQUESTS_PER_SECOND: RangeInclusive<u32> = 1..=10_000;
/// A client sends a request's headers in milliseconds; ten seconds covers a slow network and
/// frees a connection held open by a client trickling bytes (slowloris).
pub(super) const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Handlers answer from memory; only a basic-auth check under load takes measurable time.
pub(super) const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Prometheus gives up on a scrape after its `scrape_timeout` (10 s unless raised, and never
/// above the scrape interval): a client still taking a response after a minute serves no
/// scraper, while the response holds a slot and the snapshot it shares.
pub(super) const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(60);
/// A few Prometheus servers, a browser or two and the probes need a handful; the bound keeps a
/// connection flood from exhausting file descriptors.
pub(super) const DEFAULT_MAX_CONNECTIONS: usize = 64;

/// A bound in a message, written as the file would write it.
pub(super) trait Written: PartialOrd + Copy {
    fn written(self) -> String;
}

impl Written for Duration {
    fn written(self) -> String {
        humantime::format_duration(self).to_string()
    }
}

macro_rules! written_as_displayed {
    ($($t:ty),*) => {$(
        impl Written for $t {
            fn written(self) -> String {
                self.to_string()
            }
        }
    )*};
}
written_as_displayed!(u32, u64, usize);

/// Refuses `value` (when set) at `key` outside `range`.
pub(super) fn within<T: Written>(
    value: impl Into<Option<T>>,
    range: &RangeInclusive<T>,
    key: &str,
) -> Result<(), ConfigError> {
    match value.into() {
        Some(value) if !range.contains(&value) => Err(invalid(
            key,
            format!(
                "must be between {} and {}",
                range.start().written(),
                range.end().written()
            ),
        )),
        _ => Ok(()),
    }
}

/// Three intervals, at most the longest `stale_after` allowed.
pub(crate) fn default_stale_after(interval: Duration) -> Duration {
    interval.saturating_mul(3).min(STALE_AFTER_MAX)
}

/// A `stale_after` shorter than its collector's interval.
#[derive(Debug, thiserror::Error)]
#[error(
    "must be at least the interval ({interval_key}), or every series would vanish between two polls"
)]
pub(crate) struct StaleAfterTooShort {
    interval_key: String,
}

/// Every collector's `stale_after` (the customer list's too): as `set`, else
/// [`default_stale_after`]; never shorter than `interval`, which `interval_key` names.
pub(crate) fn stale_after_for(
    set: Option<Duration>,
    interval: Duration,
    interval_key: &str,
) -> Result<Duration, StaleAfterTooShort> {
    let stale_after = set.unwrap_or_else(|| default_stale_after(interval));
    if stale_after < interval {
        return Err(StaleAfterTooShort {
            interval_key: interval_key.to_owned(),
        });
    }
    Ok(stale_after)
}
