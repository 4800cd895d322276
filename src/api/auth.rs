//! Credentials for the Live Platform API: an Entra ID client-credentials token (cached and
//! renewed ahead of expiry), a static bearer token, or nothing.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::api::http::{self, BodyError};
use crate::config::secret::{SecretError, SecretSource};
use crate::config::{AuthConfig, OAuth2Config};

/// Token responses are a few kilobytes; anything larger is not one.
const MAX_TOKEN_RESPONSE_BYTES: u64 = 64 * 1024;
/// How long before `expires_in` runs out a token is renewed, at most.
const MAX_RENEWAL_MARGIN: Duration = Duration::from_secs(60);
/// The longest a token is trusted, whatever `expires_in` claims: Entra's tokens live about an
/// hour, and a lifetime of years (or one that overflows the clock) is a broken endpoint.
const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

#[derive(Debug, thiserror::Error)]
pub(crate) enum AuthError {
    #[error("cannot read the credential: {0}")]
    Secret(#[from] SecretError),
    #[error("token request failed: {0}")]
    Request(#[source] BodyError),
    #[error("token endpoint refused the request: HTTP {status}, error {error:?}{}", code.as_ref().map(|c| format!(", {c}")).unwrap_or_default())]
    Rejected {
        status: u16,
        error: String,
        /// Entra's `AADSTSnnnnn` code, which says what to fix (unknown app, wrong secret, ...).
        code: Option<String>,
    },
    #[error(
        "token endpoint answered HTTP {status}, a redirect: token requests never follow one, so \
         that the client secret goes to token_url and nowhere else"
    )]
    Redirected { status: u16 },
    #[error("token endpoint sent an unusable response: {0}")]
    InvalidResponse(&'static str),
    #[error("token endpoint asked to slow down: HTTP 429{}", http::describe_wait(*.retry_after))]
    RateLimited { retry_after: Option<Duration> },
}

pub(super) struct Authenticator {
    kind: Credentials,
}

enum Credentials {
    None,
    Bearer(SecretSource),
    OAuth2(Box<OAuth2>),
}

struct OAuth2 {
    config: OAuth2Config,
    http: reqwest::Client,
    cached: Mutex<Option<CachedToken>>,
    /// Tokens fetched so far: the next one's serial.
    fetched: AtomicU64,
    /// The next token is fetched because the API refused the last one.
    renewing_after_refusal: AtomicBool,
    /// A too long `expires_in` is logged once, not at every renewal.
    clamp_logged: AtomicBool,
}

struct CachedToken {
    token: SecretString,
    renew_at: Instant,
    /// Which token of this process it is, so that a refusal renews only the token refused.
    serial: u64,
    /// Fetched because the API refused the one before: if it is refused too, the credentials
    /// lack a permission, and another token would be refused the same way.
    after_refusal: bool,
}

/// The token a request carried, to name it when the API refuses it.
pub(super) struct Token {
    pub(super) secret: SecretString,
    serial: u64,
}

impl Authenticator {
    /// `http` must not follow redirects: a token request carries the client secret.
    pub(super) fn new(config: &AuthConfig, http: reqwest::Client) -> Self {
        let kind = match config {
            AuthConfig::None => Credentials::None,
            AuthConfig::Bearer { token } => Credentials::Bearer(token.clone()),
            AuthConfig::OAuth2(config) => Credentials::OAuth2(Box::new(OAuth2 {
                config: config.clone(),
                http,
                cached: Mutex::new(None),
                fetched: AtomicU64::new(0),
                renewing_after_refusal: AtomicBool::new(false),
                clamp_logged: AtomicBool::new(false),
            })),
        };
        Self { kind }
    }

    /// The bearer token to send, if this platform uses one.
    pub(super) async fn token(&self) -> Result<Option<Token>, AuthError> {
        match &self.kind {
            Credentials::None => Ok(None),
            Credentials::Bearer(source) => Ok(Some(Token {
                secret: source.read()?,
                serial: 0,
            })),
            Credentials::OAuth2(oauth) => {
                // Held across the fetch so that concurrent callers wait for one token request.
                let mut cached = oauth.cached.lock().await;
                if let Some(token) = cached.as_ref().filter(|t| Instant::now() < t.renew_at) {
                    return Ok(Some(token.token()));
                }
                let mut fresh = oauth.fetch_token().await?;
                fresh.serial = oauth.fetched.fetch_add(1, Ordering::Relaxed);
                fresh.after_refusal = oauth.renewing_after_refusal.swap(false, Ordering::Relaxed);
                let token = fresh.token();
                *cached = Some(fresh);
                Ok(Some(token))
            }
        }
    }

    /// The API answered 401 to `refused`. Says whether asking again can help, forgetting the
    /// token if a fresh one may: only a token this process obtained can be renewed, only the
    /// token still cached is renewed (the requests refused with it at the same time share one
    /// renewal), and a token that replaced a refused one is not renewed for being refused in
    /// turn, until it expires: a permission is missing, and every request of a run would
    /// otherwise cost a token request.
    pub(super) async fn reject(&self, refused: &Token) -> bool {
        let Credentials::OAuth2(oauth) = &self.kind else {
            return false;
        };
        let mut cached = oauth.cached.lock().await;
        match cached.as_ref() {
            // Renewed since this request was sent: try the newer token.
            Some(token) if token.serial != refused.serial => true,
            Some(token) if token.after_refusal => false,
            _ => {
                *cached = None;
                oauth.renewing_after_refusal.store(true, Ordering::Relaxed);
                true
            }
        }
    }
}

impl CachedToken {
    fn token(&self) -> Token {
        Token {
            secret: self.token.clone(),
            serial: self.serial,
        }
    }
}

/// How long a token is used: `expires_in` seconds, at most [`MAX_TOKEN_LIFETIME`]; the flag
/// says the claim was cut. Without a lifetime the token is used once.
fn token_lifetime(expires_in: Option<u64>) -> (Duration, bool) {
    let claimed = Duration::from_secs(expires_in.unwrap_or(0));
    (
        claimed.min(MAX_TOKEN_LIFETIME),
        claimed > MAX_TOKEN_LIFETIME,
    )
}

/// Renew shortly before expiry: a tenth of the lifetime ahead, capped at a minute.
fn renewal_time(now: Instant, lifetime: Duration) -> Instant {
    let ahead = lifetime - (lifetime / 10).min(MAX_RENEWAL_MARGIN);
    // The lifetime is clamped; a clock that still cannot add it renews at once.
    now.checked_add(ahead).unwrap_or(now)
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    /// Entra sends a number; older endpoints and some proxies send it as a string.
    expires_in: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct EntraError {
    error: Option<String>,
    error_description: Option<String>,
}

impl OAuth2 {
    async fn fetch_token(&self) -> Result<CachedToken, AuthError> {
        let config = &self.config;
        let secret = config.client_secret.read()?;
        let requested_at = Instant::now();
        let response = self
            .http
            .post(config.token_url.clone())
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", config.client_id.as_str()),
                ("client_secret", secret.expose_secret()),
                ("scope", config.scope.as_str()),
            ])
            .send()
            .await
            .map_err(|e| AuthError::Request(BodyError::Request(e)))?;
        let status = response.status();
        if status.is_redirection() {
            return Err(AuthError::Redirected {
                status: status.as_u16(),
            });
        }
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Err(AuthError::RateLimited {
                retry_after: http::retry_after(response.headers(), std::time::SystemTime::now()),
            });
        }
        let body = http::read_limited(response, MAX_TOKEN_RESPONSE_BYTES)
            .await
            .map_err(AuthError::Request)?;
        if !status.is_success() {
            let entra: Option<EntraError> = serde_json::from_slice(&body).ok();
            let (error, description) = entra
                .map(|e| (e.error, e.error_description))
                .unwrap_or_default();
            return Err(AuthError::Rejected {
                status: status.as_u16(),
                error: error
                    .map(|e| http::sanitize(&e, 64))
                    .unwrap_or_else(|| "none given".to_owned()),
                code: description.as_deref().and_then(aadsts_code),
            });
        }
        // serde_json's error would quote the body, which holds the token: say only what is wrong.
        let parsed: TokenResponse = serde_json::from_slice(&body)
            .map_err(|_| AuthError::InvalidResponse("not a JSON object with an access_token"))?;
        if parsed.access_token.is_empty() {
            return Err(AuthError::InvalidResponse("empty access_token"));
        }
        let expires_in = match parsed.expires_in {
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        let (lifetime, clamped) = token_lifetime(expires_in);
        if clamped && !self.clamp_logged.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                expires_in,
                used_seconds = lifetime.as_secs(),
                "the token endpoint claims a token lifetime over a day; renewing it daily instead"
            );
        }
        Ok(CachedToken {
            token: SecretString::from(parsed.access_token),
            renew_at: renewal_time(requested_at, lifetime),
            serial: 0,
            after_refusal: false,
        })
    }
}

/// Finds the `AADSTS` code in an Entra error description ("AADSTS700016: Application ...").
fn aadsts_code(description: &str) -> Option<String> {
    let start = description.find("AADSTS")?;
    let digits = description[start + 6..]
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    (digits > 0).then(|| description[start..start + 6 + digits].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aadsts_code_is_extracted_from_the_description() {
        assert_eq!(
            aadsts_code("AADSTS700016: Application with identifier 'x' was not found.").as_deref(),
            Some("AADSTS700016")
        );
        assert_eq!(
            aadsts_code("Trace: x\r\nAADSTS7000215: Invalid client secret").as_deref(),
            Some("AADSTS7000215")
        );
        assert_eq!(aadsts_code("no code here"), None);
        assert_eq!(aadsts_code("AADSTS without digits"), None);
    }

    #[test]
    fn tokens_are_renewed_shortly_before_they_expire() {
        let now = Instant::now();
        assert_eq!(
            renewal_time(now, Duration::from_secs(3600)),
            now + Duration::from_secs(3540)
        );
        assert_eq!(
            renewal_time(now, Duration::from_secs(100)),
            now + Duration::from_secs(90)
        );
        assert_eq!(renewal_time(now, Duration::ZERO), now);
    }

    proptest::proptest! {
        #[test]
        fn any_claimed_lifetime_renews_within_a_day(expires_in in proptest::option::of(proptest::num::u64::ANY)) {
            let now = Instant::now();
            let (lifetime, clamped) = token_lifetime(expires_in);
            let renew_at = renewal_time(now, lifetime);
            proptest::prop_assert!(renew_at >= now);
            proptest::prop_assert!(renew_at <= now + MAX_TOKEN_LIFETIME);
            proptest::prop_assert_eq!(clamped, expires_in.is_some_and(|s| s > MAX_TOKEN_LIFETIME.as_secs()));
            if !clamped {
                proptest::prop_assert_eq!(lifetime.as_secs(), expires_in.unwrap_or(0));
            }
        }
    }
}
