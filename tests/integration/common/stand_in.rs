//! A stand-in Live Platform for what the demo does not do: numbered customers, `c-0` up, whose
//! per-customer requests can be made to hang.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use tokio_util::sync::CancellationToken;

/// What a per-customer `license_info` answer publishes: `liveplatform_customer_acquired_licenses`.
const LICENSE_INFO: &str = r#"[{"acquiredLicenses": 7}]"#;
/// What a `customer_details` answer publishes: the app secret's expiry.
const DETAILS: &str = r#"{"ClientSecretExpirationDate": "1/2/2030 3:04:05 PM"}"#;

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
}

impl StandIn {
    /// A platform of `customers` customers, `c-0` to `c-<customers-1>`, each answering at once.
    pub(crate) async fn start(customers: usize) -> Self {
        let state = Arc::new(Shared {
            customers: (0..customers).map(|i| format!("c-{i}")).collect(),
            hung: Mutex::default(),
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
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn list(State(state): State<Arc<Shared>>) -> String {
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

/// The answer of a per-customer request about `id`: `body`, or never for a hung customer.
async fn answer(state: Arc<Shared>, id: String, body: &'static str) -> &'static str {
    if lock(&state.hung).contains(&id) {
        std::future::pending::<()>().await;
    }
    body
}

async fn license_info(State(state): State<Arc<Shared>>, Path(id): Path<String>) -> &'static str {
    answer(state, id, LICENSE_INFO).await
}

async fn details(State(state): State<Arc<Shared>>, Path(id): Path<String>) -> &'static str {
    answer(state, id, DETAILS).await
}
