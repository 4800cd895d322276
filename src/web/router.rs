//! The HTTP endpoints: `/metrics`, `/-/healthy`, `/-/ready` and a landing page, behind the web
//! configuration's authentication and headers and a deadline per request.
//!
//! Only these four paths exist, each for GET and HEAD: anything else is 404 (there is no file
//! serving, so no path can reach the file system) and other methods are 405. With
//! `--web.enable-lifecycle` a fifth, `POST /-/reload`, reloads the configuration as SIGHUP does;
//! without it the path does not exist, as in Prometheus, so that nobody who can reach the port can
//! make the exporter reread its files unless the operator asked for it.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use http_body::{Frame, SizeHint};
use tokio::time::Instant;

use crate::exposition::snapshot::Slot;
use crate::exposition::{CONTENT_TYPE, Chunks, Encoding, Exposition, Payload};
use crate::web::auth::{self, WebGuard};
use crate::web::{HEALTHY_PATH, READY_PATH};

/// Path of the lifecycle endpoint that reloads the configuration (Prometheus' own path).
pub(crate) const RELOAD_PATH: &str = "/-/reload";

/// What `POST /-/reload` runs: the same reload as SIGHUP, which logs and counts its outcome, and
/// answers why a refused one was refused. Supplied by the command line, which knows the file.
pub(crate) type ReloadHook =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync>;

/// The endpoints; `request_timeout` bounds each request's handling, authentication included.
/// `reload` adds `POST /-/reload` (`--web.enable-lifecycle`).
pub(crate) fn router(
    exposition: Arc<Exposition>,
    guard: Arc<WebGuard>,
    request_timeout: Duration,
    reload: Option<ReloadHook>,
) -> Router {
    let mut router = Router::new()
        .route("/", get(landing))
        .route("/metrics", get(metrics))
        .route(HEALTHY_PATH, get(healthy))
        .route(READY_PATH, get(ready))
        .with_state(exposition);
    if let Some(hook) = reload {
        // PUT too, as Prometheus accepts it; GET stays 405 so a crawler or a prefetching
        // browser never triggers a reload.
        router = router.route(
            RELOAD_PATH,
            post(lifecycle_reload)
                .put(lifecycle_reload)
                .with_state(hook),
        );
    }
    router
        .layer(middleware::from_fn_with_state(guard, auth::guard))
        .layer(middleware::from_fn_with_state(request_timeout, deadline))
}

/// 200 when the configuration was applied; 500 with the reason when it was refused (the running
/// configuration stays), as Prometheus answers.
async fn lifecycle_reload(State(hook): State<ReloadHook>) -> (StatusCode, String) {
    match hook().await {
        Ok(()) => (StatusCode::OK, "configuration reloaded\n".to_owned()),
        Err(reason) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("failed to reload config: {reason}\n"),
        ),
    }
}

async fn deadline(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "Request timed out\n").into_response(),
    }
}

async fn metrics(State(exposition): State<Arc<Exposition>>, headers: HeaderMap) -> Response {
    let encoding = if accepts_gzip(&headers) {
        Encoding::Gzip
    } else {
        Encoding::Identity
    };
    let payload = exposition.render(Instant::now(), encoding);
    let mut response = Response::new(Body::new(ChunkedBody::new(payload)));
    let response_headers = response.headers_mut();
    response_headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response_headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if encoding == Encoding::Gzip {
        response_headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    response
}

/// Sends a payload's chunks as they are (shared with the snapshot, not copied), with an exact
/// length so the response carries Content-Length.
struct ChunkedBody {
    chunks: Chunks,
    remaining: u64,
}

impl ChunkedBody {
    fn new(payload: Payload) -> Self {
        Self {
            remaining: payload.len() as u64,
            chunks: payload.into_chunks(),
        }
    }
}

impl HttpBody for ChunkedBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let next = self.chunks.next();
        if let Some(chunk) = &next {
            self.remaining -= chunk.len() as u64;
        }
        Poll::Ready(next.map(|chunk| Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

/// True when the client lists gzip (or `*`) in Accept-Encoding without refusing it by `q=0`.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|entry| {
            let mut parts = entry.split(';').map(str::trim);
            let coding = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
}

async fn healthy() -> &'static str {
    "Healthy\n"
}

/// Ready once every platform's customer list has run successfully at least once (before that a
/// scrape would lack the platform's data) and no collector is restarting after a crashed run.
/// Other collectors still waiting for their first run are named, without holding readiness: a
/// per-customer collector's first run can take many minutes on a large platform.
async fn ready(State(exposition): State<Arc<Exposition>>) -> (StatusCode, String) {
    let name = |slot: &Slot| format!("{} (collector {})", slot.platform, slot.collector);
    let slots = exposition.slots();
    let first_run = |gating: bool| -> Vec<String> {
        slots
            .iter()
            .filter(|s| s.gates_readiness == gating && s.latest().is_none() && !s.crashed())
            .map(|s| name(s))
            .collect()
    };
    let (waiting, following) = (first_run(true), first_run(false));
    let crashed: Vec<String> = slots
        .iter()
        .filter(|s| s.crashed())
        .map(|s| name(s))
        .collect();
    let mut message = if waiting.is_empty() && crashed.is_empty() {
        "Ready\n".to_owned()
    } else {
        "Not ready:".to_owned()
    };
    if !waiting.is_empty() {
        message.push_str(&format!(
            " no successful run yet of {}.",
            waiting.join(", ")
        ));
    }
    if !crashed.is_empty() {
        message.push_str(&format!(" Crashed, restarting: {}.", crashed.join(", ")));
    }
    if !message.ends_with('\n') {
        message.push('\n');
    }
    if !following.is_empty() {
        message.push_str(&format!(
            "Still to run a first time: {}.\n",
            following.join(", ")
        ));
    }
    let status = if waiting.is_empty() && crashed.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, message)
}

async fn landing(State(exposition): State<Arc<Exposition>>) -> Html<String> {
    let now = Instant::now();
    let mut rows = String::new();
    for slot in exposition.slots() {
        let status = match slot.latest() {
            None => "no successful poll yet".to_owned(),
            Some(snapshot) => {
                let age = now
                    .saturating_duration_since(snapshot.succeeded_at)
                    .as_secs();
                let stale = if slot.fresh(now).is_some() {
                    ""
                } else {
                    " (stale: hidden from /metrics)"
                };
                format!(
                    "{} {}, last successful poll {age}s ago{stale}",
                    snapshot.items, slot.items
                )
            }
        };
        let status = if slot.crashed() {
            format!("{status}; last run crashed, restarting")
        } else {
            status
        };
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            escape_html(&slot.platform),
            escape_html(slot.collector),
            escape_html(&status)
        ));
    }
    Html(format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Live Platform exporter</title></head>\n\
         <body><h1>Live Platform exporter</h1>\n\
         <p>Version {version}</p>\n\
         <ul><li><a href=\"metrics\">Metrics</a></li><li><a href=\"-/healthy\">Health</a></li><li><a href=\"-/ready\">Readiness</a></li></ul>\n\
         <h2>Collectors</h2>\n<table><tr><th>Platform</th><th>Collector</th><th>Status</th></tr>\n{rows}</table>\n</body></html>\n",
        version = env!("CARGO_PKG_VERSION"),
    ))
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(accept_encoding: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(accept_encoding).unwrap(),
        );
        headers
    }

    #[test]
    fn gzip_is_used_only_when_accepted() {
        assert!(accepts_gzip(&headers("gzip")));
        assert!(accepts_gzip(&headers("deflate, GZIP;q=0.5")));
        assert!(accepts_gzip(&headers("*")));
        assert!(!accepts_gzip(&headers("gzip;q=0")));
        assert!(!accepts_gzip(&headers("identity")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[tokio::test]
    async fn readiness_names_a_collector_that_crashed_until_it_runs_again() {
        let slot = Arc::new(crate::collect::TEST_KIND.slot("prod", Duration::from_secs(60)));
        let metrics = Arc::new(crate::exposition::exporter_metrics::ExporterMetrics::new());
        let exposition = Arc::new(Exposition::new(vec![slot.clone()], metrics));
        let (status, body) = ready(State(exposition.clone())).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            body.contains("no successful run yet of prod (collector list)"),
            "{body}"
        );

        slot.publish(crate::exposition::snapshot::Snapshot::new(
            Instant::now(),
            0,
            Vec::new(),
        ));
        assert_eq!(ready(State(exposition.clone())).await.0, StatusCode::OK);

        slot.set_crashed(true);
        let (status, body) = ready(State(exposition.clone())).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            body.contains("Crashed, restarting: prod (collector list)"),
            "{body}"
        );
        assert!(!body.contains("no successful run yet"), "{body}");

        slot.set_crashed(false);
        assert_eq!(ready(State(exposition.clone())).await.0, StatusCode::OK);

        // A per-customer collector's first run can take many minutes: named, not waited for.
        let slow = Arc::new(crate::exposition::snapshot::Slot::new(
            "prod",
            "slow",
            &[],
            "things",
            Duration::from_secs(60),
        ));
        exposition.set_slots(vec![slot.clone(), slow.clone()]);
        let (status, body) = ready(State(exposition.clone())).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.starts_with("Ready\n"), "{body}");
        assert!(
            body.contains("Still to run a first time: prod (collector slow)"),
            "{body}"
        );
        // But a crash of any collector is not hidden.
        slow.set_crashed(true);
        assert_eq!(
            ready(State(exposition)).await.0,
            StatusCode::SERVICE_UNAVAILABLE
        );
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape_html("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
