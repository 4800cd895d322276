//! A stand-in Live Platform for what the demo does not do: numbered customers, `c-0` up, whose
//! per-customer requests answer late or never, a log of every request with its time and
//! credentials, and a count of the requests given up on while they were being answered.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::routing::get;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// What a per-customer `license_info` answer publishes: `liveplatform_customer_acquired_licenses`.
const LICENSE_INFO: &str = r#"[{"acquiredLicenses": 7}]"#;
/// What a `customer_details` answer publishes: the app secret's expiry.
const DETAILS: &str = r#"{"ClientSecretExpirationDate": "1/2/2030 3:04:05 PM"}"#;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Customers,
    LicenseInfo,
    Details,
}

/// One request the stand-in received.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub at: Instant,
    pub endpoint: Endpoint,
    pub authorization: Option<String>,
    pub answer: Answer,
}

/// Where the answer to a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    Coming,
    Sent,
    /// The client went away before it.
    GivenUp,
}

pub(crate) struct StandIn {
    addr: SocketAddr,
    state: Arc<Shared>,
    shutdown: CancellationToken,
}

struct Shared {
    /// `c-0` to `c-<n-1>`, in the list's order.
    customers: Vec<String>,
    /// Customers whose per-customer requests never answer.
    hung: Mutex<HashSet<String>>,
    /// How long every other per-customer answer takes.
    delay: Mutex<Duration>,
    seen: Mutex<Vec<Seen>>,
}

impl StandIn {
    /// A platform of `customers` customers, `c-0` to `c-<customers-1>`, each answering at once.
    pub(crate) async fn start(customers: usize) -> Self {
        let state = Arc::new(Shared {
            customers: (0..customers).map(|i| format!("c-{i}")).collect(),
            hung: Mutex::default(),
            delay: Mutex::default(),
            seen: Mutex::default(),
        });
        let app = Router::new()
            .route("/api/v3/customer", get(list))
            .route("/api/v3/customer/{id}", get(details))
            .route("/api/v3/customer/{id}/licenseinfo", get(license_info))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let stop = shutdown.clone().cancelled_owned();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(stop)
                .await
                .unwrap();
        });
        Self {
            addr,
            state,
            shutdown,
        }
    }

    pub(crate) fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The ids of the customers, in the list's order.
    pub(crate) fn customers(&self) -> &[String] {
        &self.state.customers
    }

    /// From now on the per-customer requests about `ids` never answer.
    pub(crate) fn hang<'a>(&self, ids: impl IntoIterator<Item = &'a String>) {
        lock(&self.state.hung).extend(ids.into_iter().cloned());
    }

    /// From now on every per-customer answer takes `delay`.
    pub(crate) fn answer_after(&self, delay: Duration) {
        *lock(&self.state.delay) = delay;
    }

    /// Every request received so far, in order.
    pub(crate) fn seen(&self) -> Vec<Seen> {
        lock(&self.state.seen).clone()
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// Logs a request; its index in the log.
    fn record(&self, endpoint: Endpoint, headers: &HeaderMap) -> usize {
        let authorization = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let mut seen = lock(&self.seen);
        seen.push(Seen {
            at: Instant::now(),
            endpoint,
            authorization,
            answer: Answer::Coming,
        });
        seen.len() - 1
    }
}

/// The answer to the request logged at `index`: given up if dropped before it is sent.
struct Answering {
    state: Arc<Shared>,
    index: usize,
    answer: Answer,
}

impl Drop for Answering {
    fn drop(&mut self) {
        lock(&self.state.seen)[self.index].answer = self.answer;
    }
}

async fn list(State(state): State<Arc<Shared>>, headers: HeaderMap) -> String {
    let index = state.record(Endpoint::Customers, &headers);
    lock(&state.seen)[index].answer = Answer::Sent;
    let customers: Vec<serde_json::Value> = state
        .customers
        .iter()
        .map(|id| {
            serde_json::json!({"UmpCustomerGuid": id, "CustomerShortName": id,
                               "CustomerFullName": "C", "LicenseType": 2})
        })
        .collect();
    serde_json::Value::from(customers).to_string()
}

/// The answer of a per-customer request about `id`: `body`, late or never as set.
async fn answer(
    state: Arc<Shared>,
    endpoint: Endpoint,
    id: String,
    headers: HeaderMap,
    body: &'static str,
) -> &'static str {
    let mut answering = Answering {
        index: state.record(endpoint, &headers),
        state: state.clone(),
        answer: Answer::GivenUp,
    };
    if lock(&state.hung).contains(&id) {
        std::future::pending::<()>().await;
    }
    let delay = *lock(&state.delay);
    tokio::time::sleep(delay).await;
    answering.answer = Answer::Sent;
    body
}

async fn license_info(
    State(state): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> &'static str {
    answer(state, Endpoint::LicenseInfo, id, headers, LICENSE_INFO).await
}

async fn details(
    State(state): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> &'static str {
    answer(state, Endpoint::Details, id, headers, DETAILS).await
}
