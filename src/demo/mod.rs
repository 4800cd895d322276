//! A stand-in Live Platform on loopback: an Entra-style token endpoint enforcing the same
//! client-credentials flow as the real thing, and each collector's endpoint at the path its
//! collector requests, answered by the collector's own `demo` module. The demo mode runs the
//! exporter against it, and the integration tests use it as their API.
//!
//! What every endpoint shares lives here: the token check (a 401 to a token it did not issue),
//! the answers a test sets (for a whole endpoint or one customer of it), the seed customers
//! the made-up data is drawn from, and a request count per endpoint.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, RawPathParams, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use reqwest::Url;
use secrecy::SecretString;
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;

use crate::config::secret::SecretSource;
use crate::config::{AuthConfig, OAuth2Config, PlatformConfig};
use crate::sync::lock;

/// The vendor's example response: 35 customers of license types 0 to 3.
pub const SEED_CUSTOMERS: &[u8] = include_bytes!("../../fixtures/customers-seed.json");

/// The path below which the demo serves its API: `base_url` ends with it.
const BASE_PATH: &str = "/tenantui";

/// The path segment that stands for a customer's id in an [`Endpoint`]'s path.
pub(crate) const CUSTOMER_ID: &str = "{id}";

const TENANT: &str = "00000000-0000-4000-8000-000000000000";
const CLIENT_ID: &str = "liveplatform-exporter-demo";
const SCOPE: &str = "api://liveplatform-demo/.default";

/// A collector's endpoint on the demo platform.
pub(crate) struct Endpoint {
    /// The collector's name: the key of the answers a test sets and of the request count.
    pub collector: &'static str,
    /// Its path below `base_url`, as its collector requests it; a segment [`CUSTOMER_ID`]
    /// stands for a customer's id.
    pub path: &'static [&'static str],
    /// Its answer to an authorized request for which no test set one.
    pub answer: fn(&Seed, &Asked<'_>) -> Answer,
}

/// A request an [`Endpoint`] answers.
pub(crate) struct Asked<'a> {
    /// The customer id in the path, for a per-customer endpoint.
    pub customer: Option<&'a str>,
    pub query: &'a HashMap<String, String>,
}

/// What the made-up answers are drawn from.
pub(crate) struct Seed {
    /// The customer list the platform was started with, sent as is.
    pub list: Bytes,
    /// The vendor's example customers ([`SEED_CUSTOMERS`]), parsed.
    pub customers: Vec<serde_json::Value>,
    /// Their ids, by their place in the seed.
    ids: HashMap<String, usize>,
    /// When the platform started: relative dates (a secret's expiry) count from it, so that the
    /// demo always has a secret about to expire.
    pub started: OffsetDateTime,
}

impl Seed {
    fn new(list: Bytes) -> Self {
        let customers: Vec<serde_json::Value> =
            serde_json::from_slice(SEED_CUSTOMERS).unwrap_or_default();
        let ids = customers
            .iter()
            .enumerate()
            .filter_map(|(index, customer)| {
                let id = customer.get("UmpCustomerGuid")?.as_str()?;
                Some((id.to_owned(), index))
            })
            .collect();
        Self {
            list,
            customers,
            ids,
            started: OffsetDateTime::now_utc(),
        }
    }

    /// The place in the seed of the customer `asked` names, or the API's 404 for another id.
    pub(crate) fn customer(&self, asked: &Asked<'_>) -> Result<usize, Answer> {
        asked
            .customer
            .and_then(|id| self.ids.get(id).copied())
            .ok_or_else(|| Answer::problem(StatusCode::NOT_FOUND, "Customer not found"))
    }
}

/// An endpoint's answer: a status and a JSON body.
#[derive(Clone)]
pub(crate) struct Answer {
    status: StatusCode,
    body: Bytes,
}

impl Answer {
    pub(crate) fn json(value: &serde_json::Value) -> Self {
        Self::bytes(Bytes::from(value.to_string()))
    }

    pub(crate) fn bytes(body: Bytes) -> Self {
        Self {
            status: StatusCode::OK,
            body,
        }
    }

    /// A problem document, as the API sends its errors.
    pub(crate) fn problem(status: StatusCode, title: &str) -> Self {
        let problem = serde_json::json!({"title": title, "status": status.as_u16()});
        Self {
            status,
            body: Bytes::from(problem.to_string()),
        }
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        (
            self.status,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            self.body,
        )
            .into_response()
    }
}

pub struct DemoPlatform {
    addr: SocketAddr,
    state: Arc<MockState>,
    shutdown: CancellationToken,
}

/// Answers set by a test, by collector and (for a per-customer endpoint) customer id.
type AnswerKey = (&'static str, Option<String>);

struct MockState {
    seed: Seed,
    answers: Mutex<HashMap<AnswerKey, Answer>>,
    /// Requests per collector's endpoint, authorized or not.
    requests: Mutex<HashMap<&'static str, u64>>,
    client_secret: String,
    issued: Mutex<HashSet<String>>,
    token_requests: AtomicU64,
}

impl DemoPlatform {
    /// Serves `customers` (a JSON body, sent as is) as the customer list, and every other
    /// collector's endpoint, on an ephemeral loopback port.
    pub async fn start(customers: impl Into<Bytes>) -> std::io::Result<Self> {
        Self::serve(crate::collectors::DEMOS, customers.into()).await
    }

    async fn serve(endpoints: &[&'static Endpoint], customers: Bytes) -> std::io::Result<Self> {
        let state = Arc::new(MockState {
            seed: Seed::new(customers),
            answers: Mutex::new(HashMap::new()),
            requests: Mutex::new(HashMap::new()),
            client_secret: random_token(),
            issued: Mutex::new(HashSet::new()),
            token_requests: AtomicU64::new(0),
        });
        let mut app = Router::new().route(&format!("/{TENANT}/oauth2/v2.0/token"), post(token));
        for &endpoint in endpoints {
            let route = format!("{BASE_PATH}/{}", endpoint.path.join("/"));
            let handler = move |state, params, query, headers| {
                answer(endpoint, state, params, query, headers)
            };
            app = app.route(&route, get(handler));
        }
        let app = app.with_state(state.clone());
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
        Url::parse(&format!("http://{}{BASE_PATH}", self.addr)).expect("loopback URL is valid")
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

    /// Answers `collector`'s requests (for `customer`'s id alone, if given, whether or not it is
    /// a seed customer's) with `status` and `body` from now on.
    pub(crate) fn set_answer(
        &self,
        collector: &'static str,
        customer: Option<&str>,
        status: u16,
        body: Bytes,
    ) {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let key = (collector, customer.map(str::to_owned));
        lock(&self.state.answers).insert(key, Answer { status, body });
    }

    /// Back to the made-up answer for `collector` (and `customer`).
    pub(crate) fn clear_answer(&self, collector: &'static str, customer: Option<&str>) {
        lock(&self.state.answers).remove(&(collector, customer.map(str::to_owned)));
    }

    /// The seed the made-up answers come from.
    pub(crate) fn seed(&self) -> &Seed {
        &self.state.seed
    }

    /// Requests `collector`'s endpoint received so far.
    pub(crate) fn requests(&self, collector: &str) -> u64 {
        lock(&self.state.requests)
            .get(collector)
            .copied()
            .unwrap_or(0)
    }

    pub fn token_requests(&self) -> u64 {
        self.state.token_requests.load(Ordering::SeqCst)
    }
}

impl Drop for DemoPlatform {
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

/// An endpoint's answer, in the API's order of checks: a 401 to a token this mock did not
/// issue, then the test's answer (for the customer, else for the endpoint), then the
/// endpoint's own.
async fn answer(
    endpoint: &'static Endpoint,
    State(state): State<Arc<MockState>>,
    params: RawPathParams,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    *lock(&state.requests).entry(endpoint.collector).or_default() += 1;
    if let Some(refusal) = refuse_unless_authorized(&state, &headers) {
        return refusal;
    }
    let customer = params
        .iter()
        .find(|(name, _)| CUSTOMER_ID.trim_matches(['{', '}']) == *name)
        .map(|(_, id)| id);
    let set = {
        let answers = lock(&state.answers);
        customer
            .and_then(|id| answers.get(&(endpoint.collector, Some(id.to_owned()))))
            .or_else(|| answers.get(&(endpoint.collector, None)))
            .cloned()
    };
    let asked = Asked {
        customer,
        query: &query,
    };
    set.unwrap_or_else(|| (endpoint.answer)(&state.seed, &asked))
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
