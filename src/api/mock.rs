//! A stand-in Live Platform on loopback: an Entra-style token endpoint, the customer list and the
//! Operator Connect number-removal summary, enforcing the same client-credentials flow as the
//! real thing. The demo mode runs the exporter
//! against it, and the integration tests use it as their API.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use reqwest::Url;
use secrecy::SecretString;
use tokio_util::sync::CancellationToken;

use crate::config::secret::SecretSource;
use crate::config::{AuthConfig, OAuth2Config, PlatformConfig};
use crate::sync::lock;

/// The vendor's example response: 35 customers of license types 0 to 3.
pub const SEED_CUSTOMERS: &[u8] = include_bytes!("../../fixtures/customers-seed.json");

/// Numbers waiting for removal on the demo platform: some ready, so that the alert on them has
/// something to show.
const REMOVAL_SUMMARY: &str =
    r#"{"markedForRemovalCount": 4, "readyForRemovalCount": 2, "totalCount": 6}"#;

const TENANT: &str = "00000000-0000-4000-8000-000000000000";
const CLIENT_ID: &str = "liveplatform-exporter-demo";
const SCOPE: &str = "api://liveplatform-demo/.default";

pub struct MockPlatform {
    addr: SocketAddr,
    state: Arc<MockState>,
    shutdown: CancellationToken,
}

struct MockState {
    customers: Mutex<Bytes>,
    removal_summary: Mutex<Bytes>,
    client_secret: String,
    issued: Mutex<HashSet<String>>,
    token_requests: AtomicU64,
    customer_requests: AtomicU64,
}

impl MockPlatform {
    /// Serves `customers` (a JSON body, sent as is) on an ephemeral loopback port.
    pub async fn start(body: impl Into<Bytes>) -> std::io::Result<Self> {
        let state = Arc::new(MockState {
            customers: Mutex::new(body.into()),
            removal_summary: Mutex::new(Bytes::from_static(REMOVAL_SUMMARY.as_bytes())),
            client_secret: random_token(),
            issued: Mutex::new(HashSet::new()),
            token_requests: AtomicU64::new(0),
            customer_requests: AtomicU64::new(0),
        });
        let app = Router::new()
            .route(&format!("/{TENANT}/oauth2/v2.0/token"), post(token))
            .route("/tenantui/api/v3/customer", get(customers))
            .route(
                "/tenantui/api/v3/oc/numbers/removal-status/summary",
                get(removal_summary),
            )
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let shutdown = CancellationToken::new();
        let stop = shutdown.clone().cancelled_owned();
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(stop)
                .await
            {
                tracing::error!(error = %e, "mock Live Platform stopped");
            }
        });
        Ok(Self {
            addr,
            state,
            shutdown,
        })
    }

    pub fn base_url(&self) -> Url {
        Url::parse(&format!("http://{}/tenantui", self.addr)).expect("loopback URL is valid")
    }

    pub fn token_url(&self) -> Url {
        Url::parse(&format!("http://{}/{TENANT}/oauth2/v2.0/token", self.addr))
            .expect("loopback URL is valid")
    }

    /// A platform entry that reaches this mock through the real OAuth2 flow.
    pub fn platform_config(&self, name: &str) -> PlatformConfig {
        PlatformConfig::new(
            name,
            self.base_url(),
            AuthConfig::OAuth2(OAuth2Config {
                token_url: self.token_url(),
                client_id: CLIENT_ID.to_owned(),
                client_secret: SecretSource::Inline(SecretString::from(
                    self.state.client_secret.clone(),
                )),
                scope: SCOPE.to_owned(),
            }),
        )
    }

    /// Replaces the number-removal summary served from now on.
    pub fn set_removal_summary(&self, body: impl Into<Bytes>) {
        *lock(&self.state.removal_summary) = body.into();
    }

    /// Replaces the customer list served from now on.
    pub fn set_customers(&self, body: impl Into<Bytes>) {
        *lock(&self.state.customers) = body.into();
    }

    pub fn token_requests(&self) -> u64 {
        self.state.token_requests.load(Ordering::SeqCst)
    }

    pub fn customer_requests(&self) -> u64 {
        self.state.customer_requests.load(Ordering::SeqCst)
    }
}

impl Drop for MockPlatform {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

fn random_token() -> String {
    std::iter::repeat_with(fastrand::alphanumeric)
        .take(40)
        .collect()
}

async fn token(
    State(state): State<Arc<MockState>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    state.token_requests.fetch_add(1, Ordering::SeqCst);
    let field = |name: &str| form.get(name).map(String::as_str);
    let refusal = if field("grant_type") != Some("client_credentials") {
        Some((
            "unsupported_grant_type",
            "AADSTS70003: grant type not supported.",
        ))
    } else if field("client_id") != Some(CLIENT_ID) {
        Some((
            "unauthorized_client",
            "AADSTS700016: Application was not found in the directory.",
        ))
    } else if field("client_secret") != Some(state.client_secret.as_str()) {
        Some((
            "invalid_client",
            "AADSTS7000215: Invalid client secret provided.",
        ))
    } else if field("scope") != Some(SCOPE) {
        Some((
            "invalid_scope",
            "AADSTS70011: The provided scope is not valid.",
        ))
    } else {
        None
    };
    if let Some((error, description)) = refusal {
        let body = serde_json::json!({ "error": error, "error_description": description });
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    let access_token = random_token();
    lock(&state.issued).insert(access_token.clone());
    Json(serde_json::json!({
        "token_type": "Bearer",
        "expires_in": 3599,
        "ext_expires_in": 3599,
        "access_token": access_token,
    }))
    .into_response()
}

/// Refuses a request whose bearer token this mock did not issue, as the API does.
fn refuse_unless_authorized(state: &MockState, headers: &HeaderMap) -> Option<Response> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if presented.is_some_and(|token| lock(&state.issued).contains(token)) {
        return None;
    }
    let problem = serde_json::json!({
        "type": "https://tools.ietf.org/html/rfc9110#section-15.5.2",
        "title": "Unauthorized",
        "status": 401,
        "traceId": "00-mock-trace-00",
    });
    Some((StatusCode::UNAUTHORIZED, Json(problem)).into_response())
}

fn json_body(body: Bytes) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response()
}

async fn customers(State(state): State<Arc<MockState>>, headers: HeaderMap) -> Response {
    state.customer_requests.fetch_add(1, Ordering::SeqCst);
    if let Some(refusal) = refuse_unless_authorized(&state, &headers) {
        return refusal;
    }
    json_body(lock(&state.customers).clone())
}

async fn removal_summary(State(state): State<Arc<MockState>>, headers: HeaderMap) -> Response {
    if let Some(refusal) = refuse_unless_authorized(&state, &headers) {
        return refusal;
    }
    json_body(lock(&state.removal_summary).clone())
}
