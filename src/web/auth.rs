//! HTTP basic authentication and the configured response headers, as one middleware over every
//! endpoint, from the web configuration in force.
//!
//! bcrypt is slow by design (tens to hundreds of milliseconds per check): a successful check is
//! remembered as a SHA-256 digest of user, password and hash, so that a Prometheus scraping
//! every 15 s costs one bcrypt per password change, not one per scrape. The plaintext password
//! is never stored; a changed hash or password simply misses the cache; digests are compared in
//! constant time.
//!
//! An unknown user is checked against a decoy hash of the highest configured cost (see
//! [`Users`](crate::web::config::Users)), so that refusing them takes as long as refusing a
//! wrong password: the timing does not tell which user names exist.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

use crate::sync::lock;
use crate::web::config::Verifier;
use crate::web::reload::WebConfigWatch;
use crate::web::{HEALTHY_PATH, READY_PATH};

const REALM: &str = "Basic realm=\"liveplatform-exporter\", charset=\"UTF-8\"";

type Digest = [u8; 32];

pub(crate) struct WebGuard {
    watch: Arc<WebConfigWatch>,
    /// The digest of the last successful check, per user.
    verified: Mutex<HashMap<String, Digest>>,
    /// bcrypt runs on blocking threads; this bounds how many at once, so that a flood of wrong
    /// passwords cannot take every core from the pollers and from cached scrapes.
    bcrypt_slots: Semaphore,
}

impl WebGuard {
    pub(crate) fn new(watch: Arc<WebConfigWatch>) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self {
            watch,
            verified: Mutex::new(HashMap::new()),
            bcrypt_slots: Semaphore::new(cores),
        }
    }

    /// True when `user` and `password` match a configured user.
    async fn check(&self, user: &str, password: &str, verifier: Verifier<'_>) -> bool {
        let hash = match verifier {
            Verifier::Hash(hash) => hash,
            Verifier::Decoy(decoy) => {
                self.bcrypt(password, decoy).await;
                return false;
            }
        };
        let digest = digest(user, password, hash);
        let cached = lock(&self.verified).get(user).copied();
        if cached.is_some_and(|known| bool::from(known.ct_eq(&digest))) {
            return true;
        }
        let ok = self.bcrypt(password, hash).await;
        if ok {
            lock(&self.verified).insert(user.to_owned(), digest);
        }
        ok
    }

    async fn bcrypt(&self, password: &str, hash: &str) -> bool {
        let Ok(_slot) = self.bcrypt_slots.acquire().await else {
            return false;
        };
        let (password, hash) = (password.to_owned(), hash.to_owned());
        tokio::task::spawn_blocking(move || bcrypt::verify(password, &hash).unwrap_or(false))
            .await
            .unwrap_or(false)
    }
}

/// Length-prefixed, so that ("ab", "c") and ("a", "bc") never share a digest.
fn digest(user: &str, password: &str, hash: &str) -> Digest {
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    for part in [user, password, hash] {
        context.update(&(part.len() as u64).to_be_bytes());
        context.update(part.as_bytes());
    }
    let mut out = [0; 32];
    out.copy_from_slice(context.finish().as_ref());
    out
}

/// `Authorization: Basic base64(user:password)`, decoded.
fn credentials(request: &Request) -> Option<(String, String)> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let (user, password) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// Liveness and readiness answer without credentials: container and Kubernetes probes carry
/// none, and the answers hold nothing beyond "alive" and the names of platforms not yet polled.
fn is_probe(request: &Request) -> bool {
    matches!(request.uri().path(), HEALTHY_PATH | READY_PATH)
}

pub(crate) async fn guard(
    State(guard): State<Arc<WebGuard>>,
    request: Request,
    next: Next,
) -> Response {
    let active = guard.watch.current();
    let allowed = active.users.is_empty()
        || is_probe(&request)
        || match credentials(&request) {
            Some((user, password)) => {
                guard
                    .check(&user, &password, active.users.verifier(&user))
                    .await
            }
            None => false,
        };
    let mut response = if allowed {
        next.run(request).await
    } else {
        unauthorized()
    };
    for (name, value) in &active.headers {
        response.headers_mut().insert(name, value.clone());
    }
    response
}

fn unauthorized() -> Response {
    let mut response = (StatusCode::UNAUTHORIZED, Body::from("Unauthorized\n")).into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(REALM));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_differ_when_any_part_or_boundary_differs() {
        let base = digest("alice", "pw", "$2y$hash");
        assert_ne!(base, digest("alice", "pw2", "$2y$hash"));
        assert_ne!(base, digest("alice", "pw", "$2y$other"));
        assert_ne!(base, digest("bob", "pw", "$2y$hash"));
        assert_ne!(digest("ab", "c", "h"), digest("a", "bc", "h"));
        assert_eq!(base, digest("alice", "pw", "$2y$hash"));
    }

    fn request(authorization: &str) -> Request {
        Request::builder()
            .header(header::AUTHORIZATION, authorization)
            .body(Body::empty())
            .unwrap()
    }

    #[test]
    fn basic_credentials_are_decoded() {
        // "alice:pa:ss" — the password may hold a colon, the user may not.
        assert_eq!(
            credentials(&request("Basic YWxpY2U6cGE6c3M=")),
            Some(("alice".to_owned(), "pa:ss".to_owned()))
        );
        assert_eq!(
            credentials(&request("basic YWxpY2U6cGE6c3M=")).map(|c| c.0),
            Some("alice".to_owned())
        );
        assert_eq!(credentials(&request("Bearer YWxpY2U6cGE6c3M=")), None);
        assert_eq!(credentials(&request("Basic !!!")), None);
        assert_eq!(credentials(&request("Basic YWxpY2U=")), None, "no colon");
    }

    #[tokio::test]
    async fn a_successful_check_is_cached_and_a_changed_hash_misses() {
        let guard = WebGuard::new(Arc::new(WebConfigWatch::none()));
        let hash = bcrypt::hash("right", 4).unwrap();
        assert!(guard.check("alice", "right", Verifier::Hash(&hash)).await);
        assert_eq!(
            lock(&guard.verified).get("alice"),
            Some(&digest("alice", "right", &hash))
        );
        assert!(
            !format!("{:?}", lock(&guard.verified)).contains("right"),
            "no plaintext password is kept"
        );
        assert!(!guard.check("alice", "wrong", Verifier::Hash(&hash)).await);
        let rotated = bcrypt::hash("new", 4).unwrap();
        assert!(
            !guard
                .check("alice", "right", Verifier::Hash(&rotated))
                .await,
            "the old password no longer matches the new hash"
        );
        let unknown = crate::web::config::Users::default();
        assert!(
            !guard
                .check("nobody", "right", unknown.verifier("nobody"))
                .await
        );
    }
}
