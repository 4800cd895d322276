//! Small pieces shared by every outgoing request: a bounded body read and making server-sent text
//! safe for one log line.

use bytes::{Bytes, BytesMut};

#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("{}", describe(.0))]
    Request(#[source] reqwest::Error),
    #[error("response body is larger than the {limit}-byte limit")]
    TooLarge { limit: u64 },
}

/// reqwest's own message stops at "error sending request"; the cause (connection refused,
/// certificate rejected, ...) is further down the source chain, and it is what an operator needs.
pub fn describe(error: &reqwest::Error) -> String {
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
pub async fn read_limited(mut response: reqwest::Response, limit: u64) -> Result<Bytes, BodyError> {
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
pub fn sanitize(text: &str, max_chars: usize) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_drops_control_characters_and_truncates() {
        assert_eq!(sanitize("Not\nFound\r\u{1b}[31m", 100), "NotFound[31m");
        assert_eq!(sanitize("abcdef", 3), "abc…");
        assert_eq!(sanitize("abc", 3), "abc");
    }
}
