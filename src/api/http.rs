//! Small pieces shared by every outgoing request: a bounded body read, making server-sent text
//! safe for one log line, and honouring a 429's `Retry-After`.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use tokio::time::Instant;

use crate::sync::lock;

/// The longest pause a `Retry-After` can impose: beyond it the data would go stale for hours on
/// the word of one response (or a typo in a proxy's configuration).
pub(crate) const MAX_RETRY_AFTER: Duration = Duration::from_secs(60 * 60);

#[derive(Debug, thiserror::Error)]
pub(crate) enum BodyError {
    #[error("{}", describe(.0))]
    Request(#[source] reqwest::Error),
    #[error("response body is larger than the {limit}-byte limit")]
    TooLarge { limit: u64 },
}

/// reqwest's own message stops at "error sending request"; the cause (connection refused,
/// certificate rejected, ...) is further down the source chain, and it is what an operator needs.
pub(crate) fn describe(error: &reqwest::Error) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// Reads a whole body, refusing to buffer more than `limit` bytes whatever the server claims.
pub(crate) async fn read_limited(
    mut response: reqwest::Response,
    limit: u64,
) -> Result<Bytes, BodyError> {
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(BodyError::TooLarge { limit });
    }
    let capacity = response.content_length().unwrap_or(0).min(limit);
    let mut body = BytesMut::with_capacity(usize::try_from(capacity).unwrap_or(0));
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Request)? {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Server-sent text for a log line: control characters dropped (no forged log lines), cut to
/// `max_chars`.
pub(crate) fn sanitize(text: &str, max_chars: usize) -> String {
    let mut clean: String = text
        .chars()
        .filter(|c| !c.is_control())
        .take(max_chars)
        .collect();
    if text
        .chars()
        .filter(|c| !c.is_control())
        .nth(max_chars)
        .is_some()
    {
        clean.push('…');
    }
    clean
}

/// A 429's `Retry-After`, in seconds or as an HTTP date, capped at [`MAX_RETRY_AFTER`]; `None`
/// when absent or unreadable. A date in the past means no wait.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Seconds too many for a u64 are still a wait, the longest there is: capped below.
        value
            .parse::<u64>()
            .map_or(MAX_RETRY_AFTER, Duration::from_secs)
    } else {
        httpdate::parse_http_date(value)
            .ok()?
            .duration_since(now)
            .unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// ", retry after 1h 30s" for a log line, or nothing without a wait.
pub(crate) fn describe_wait(wait: Option<Duration>) -> String {
    wait.map(|wait| {
        let whole = Duration::from_secs(wait.as_secs());
        format!(", retry after {}", humantime::format_duration(whole))
    })
    .unwrap_or_default()
}

/// A platform's pause after a 429: until it ends, no request of any of the platform's
/// collectors starts, so the whole platform slows down, not just the request that was refused.
#[derive(Debug, Default)]
pub(crate) struct Pause {
    until: Mutex<Option<Instant>>,
}

impl Pause {
    /// Time left before requests may start again, if any.
    pub(crate) fn remaining(&self) -> Option<Duration> {
        let until = (*lock(&self.until))?;
        let left = until.saturating_duration_since(Instant::now());
        (!left.is_zero()).then_some(left)
    }

    /// Pauses for `wait` from now, unless a longer pause is already in force.
    pub(crate) fn extend(&self, wait: Duration) {
        let mut until = lock(&self.until);
        // The wait is capped at an hour: the clock can always add it.
        let end = Instant::now() + wait.min(MAX_RETRY_AFTER);
        if until.is_none_or(|current| current < end) {
            *until = Some(end);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn headers(retry_after: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, retry_after.parse().unwrap());
        headers
    }

    #[test]
    fn retry_after_is_read_in_seconds_or_as_a_date_and_capped_at_an_hour() {
        let now = httpdate::parse_http_date("Wed, 02 Dec 2026 06:00:00 GMT").unwrap();
        let at = |value| retry_after(&headers(value), now);
        assert_eq!(at("120"), Some(Duration::from_secs(120)));
        assert_eq!(at(" 0 "), Some(Duration::ZERO));
        assert_eq!(at("18446744073709551615"), Some(MAX_RETRY_AFTER));
        assert_eq!(
            at("100000000000000000000000"),
            Some(MAX_RETRY_AFTER),
            "beyond u64: capped"
        );
        assert_eq!(
            at("Wed, 02 Dec 2026 06:05:00 GMT"),
            Some(Duration::from_secs(300))
        );
        assert_eq!(at("Thu, 03 Dec 2026 06:00:00 GMT"), Some(MAX_RETRY_AFTER));
        assert_eq!(at("Tue, 01 Dec 2026 06:00:00 GMT"), Some(Duration::ZERO));
        assert_eq!(at("-5"), None);
        assert_eq!(at("soon"), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    proptest! {
        #[test]
        fn no_retry_after_can_ask_for_more_than_an_hour(value in "\\PC{0,40}", seconds in any::<u64>()) {
            let now = SystemTime::now();
            if let Ok(header) = value.parse() {
                let mut map = HeaderMap::new();
                map.insert(RETRY_AFTER, header);
                prop_assert!(retry_after(&map, now).is_none_or(|wait| wait <= MAX_RETRY_AFTER));
            }
            let wait = retry_after(&headers(&seconds.to_string()), now).unwrap();
            prop_assert_eq!(wait, Duration::from_secs(seconds).min(MAX_RETRY_AFTER));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_lasts_its_longest_wait() {
        let pause = Pause::default();
        assert_eq!(pause.remaining(), None);
        pause.extend(Duration::from_secs(60));
        pause.extend(Duration::from_secs(10));
        assert_eq!(pause.remaining(), Some(Duration::from_secs(60)));
        pause.extend(Duration::MAX);
        assert_eq!(pause.remaining(), Some(MAX_RETRY_AFTER));
        tokio::time::advance(MAX_RETRY_AFTER).await;
        assert_eq!(pause.remaining(), None);
    }

    #[test]
    fn sanitize_drops_control_characters_and_truncates() {
        assert_eq!(sanitize("Not\nFound\r\u{1b}[31m", 100), "NotFound[31m");
        assert_eq!(sanitize("abcdef", 3), "abc…");
        assert_eq!(sanitize("abc", 3), "abc");
    }
}
