//! Why a request brought nothing, and why a platform's client could not be built: each with
//! what the operator needs to act, never a body, a token or a secret.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use serde::Deserialize;

use crate::api::auth::AuthError;
use crate::api::http::{self, BodyError};
use crate::config::pem::PemError;
use crate::model::ErrorReason;

/// Error bodies are only read for their problem-details title and trace id.
const MAX_ERROR_BODY_BYTES: u64 = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub(crate) enum FetchError {
    #[error("authentication failed: {0}")]
    Auth(#[from] AuthError),
    #[error("API refused the credentials: HTTP {status}{problem}")]
    Unauthorized {
        status: StatusCode,
        problem: Problem,
    },
    #[error("API answered HTTP {status}{problem}")]
    Status {
        status: StatusCode,
        problem: Problem,
    },
    #[error("API asked to slow down: HTTP 429{}", http::describe_wait(*.retry_after))]
    RateLimited { retry_after: Option<Duration> },
    #[error("not sent: these requests pause for another {} after a 429", humantime::format_duration(Duration::from_secs(.left.as_secs())))]
    Paused { left: Duration },
    #[error("request failed: {0}")]
    Body(#[from] BodyError),
}

impl FetchError {
    pub(crate) fn reason(&self) -> ErrorReason {
        match self {
            FetchError::RateLimited { .. }
            | FetchError::Paused { .. }
            | FetchError::Auth(AuthError::RateLimited { .. }) => ErrorReason::RateLimited,
            FetchError::Auth(_) | FetchError::Unauthorized { .. } => ErrorReason::Auth,
            FetchError::Status { .. } => ErrorReason::HttpStatus,
            FetchError::Body(BodyError::TooLarge { .. }) => ErrorReason::TooLarge,
            FetchError::Body(BodyError::Request(e)) if e.is_timeout() => ErrorReason::Timeout,
            FetchError::Body(BodyError::Request(e)) if e.is_connect() => ErrorReason::Connect,
            FetchError::Body(BodyError::Request(_)) => ErrorReason::Transport,
        }
    }

    /// How long the platform's requests must wait, when the API or the token endpoint said so.
    pub(crate) fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::RateLimited { retry_after }
            | FetchError::Auth(AuthError::RateLimited { retry_after }) => *retry_after,
            FetchError::Paused { left } => Some(*left),
            _ => None,
        }
    }
}

/// What an ASP.NET problem-details error body says that is worth logging: never the body itself.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Problem {
    title: Option<String>,
    #[serde(rename = "traceId")]
    trace_id: Option<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if let Some(title) = &self.title {
            write!(f, ", the server's title {:?}", http::sanitize(title, 200))?;
        }
        if let Some(trace_id) = &self.trace_id {
            write!(f, ", traceId {}", http::sanitize(trace_id, 100))?;
        }
        Ok(())
    }
}

impl Problem {
    pub(crate) async fn read(response: reqwest::Response) -> Problem {
        // Some 404s are a bare string and proxies send HTML: anything but problem details is
        // simply not described.
        match http::read_limited(response, MAX_ERROR_BODY_BYTES).await {
            Ok(body) => serde_json::from_slice(&body).unwrap_or_default(),
            Err(_) => Problem::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{key}: {source}")]
    Tls { key: &'static str, source: PemError },
    #[error("{key}: cannot read {path}: {source}")]
    Read {
        key: &'static str,
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{}", http::describe(.0))]
    Build(#[source] reqwest::Error),
}
