//! A stand-in Live Platform for `scripts/bench/fanout.sh`: the generated list of N customers, and each
//! customer's license information answered after a fixed delay, as a real API
//! answers a per-customer request in some milliseconds whatever the client's speed.
//!
//! `cargo run --release --example fanout-mock -- 10000 20` serves 10,000 customers with a 20 ms
//! delay on loopback, prints its base URL on the first line of stdout and runs until killed.
//! No authentication: the exporter's platform uses `kind = "none"`.

#[path = "../benches/support/customers.rs"]
mod customers;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

struct Mock {
    list: Vec<u8>,
    delay: Duration,
    requests: AtomicU64,
}

/// Figures that differ from customer to customer without a table: folded from the id.
fn figures(id: &str) -> u64 {
    id.bytes()
        .fold(17u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
}

async fn license_info(State(mock): State<Arc<Mock>>, Path(id): Path<String>) -> impl IntoResponse {
    mock.requests.fetch_add(1, Ordering::Relaxed);
    tokio::time::sleep(mock.delay).await;
    let h = figures(&id);
    let currently = h % 500;
    let body = format!(
        r#"[{{"acquiredLicenses":{acquired},"totalMonitoredUsers":"{monitored}","currentlyLicensed":{currently},"managedUsersDirectRouting":{dr},"managedUsersOperatorConnect":{oc},"managedUsersByLifeCycleManagement":0,"managedUsersUserInterface":0,"managedServiceNumbers":{sn},"lastUpdate":"2026-11-30T06:00:00.0202209+00:00"}}]"#,
        acquired = currently + h % 50,
        monitored = currently + h % 7,
        dr = currently / 2,
        oc = currently - currently / 2,
        sn = h % 4,
    );
    ([(header::CONTENT_TYPE, "application/json")], body)
}

async fn list(State(mock): State<Arc<Mock>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        mock.list.clone(),
    )
}

async fn requests(State(mock): State<Arc<Mock>>) -> String {
    mock.requests.load(Ordering::Relaxed).to_string()
}

fn usage() -> std::process::ExitCode {
    eprintln!("usage: fanout-mock [CUSTOMERS > 0] [DELAY_MS]");
    std::process::ExitCode::FAILURE
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let n = args.next().map_or(Ok(10_000), |arg| arg.parse::<usize>());
    let delay = args.next().map_or(Ok(20), |arg| arg.parse::<u64>());
    let (Ok(n @ 1..), Ok(delay)) = (n, delay) else {
        return usage();
    };
    let mock = Arc::new(Mock {
        list: customers::body(n, customers::SEED),
        delay: Duration::from_millis(delay),
        requests: AtomicU64::new(0),
    });
    let app = Router::new()
        .route("/api/v3/customer", get(list))
        .route("/api/v3/customer/{id}/licenseinfo", get(license_info))
        .route("/requests", get(requests))
        .with_state(mock);
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", 0)).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("fanout-mock: cannot listen: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(addr) => println!("http://{addr}"),
        Err(e) => {
            eprintln!("fanout-mock: {e}");
            return std::process::ExitCode::FAILURE;
        }
    }
    if let Err(e) = axum::serve(listener, app).await {
        eprintln!("fanout-mock: {e}");
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}
