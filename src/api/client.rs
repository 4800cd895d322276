//! The Live Platform API client: `GET`s below `{base_url}` with authentication, one retry on a
//! refused token, a pause after a 429 for the requests of the endpoint family that received it
//! (every request, for the token endpoint's), and a cap on the body. The collector's scheduler
//! puts a deadline over the whole exchange. Platforms whose connection settings are the same
//! send through one pair of HTTP clients, their [`Transport`].

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::{StatusCode, Url, header};
use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::api::auth::{AuthError, Authenticator, Token};
use crate::api::http::{self, BodyError, Pause};
use crate::api::limit::Limiter;
use crate::config::pem::{self, PemError};
use crate::config::{ClientTlsConfig, PlatformConfig};
use crate::model::ErrorReason;
use crate::sync::lock;

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
    async fn read(response: reqwest::Response) -> Problem {
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

pub(crate) struct ApiClient {
    transport: Transport,
    base_url: Url,
    channel_id: Option<i64>,
    auth: Authenticator,
    max_response_bytes: u64,
    max_customer_response_bytes: u64,
    customer_request_timeout: Duration,
    /// The pauses after a 429, by what received it.
    pauses: Pauses,
    /// Shared by every queued request of the platform: all but the customer list's.
    limiter: Limiter,
    max_concurrent_requests: usize,
}

/// What one request may take: bytes of body, and time when not only the collector's timeout.
#[derive(Clone, Copy)]
struct Bounds {
    max_bytes: u64,
    timeout: Option<Duration>,
}

/// A platform's pauses after a 429: the token endpoint's, which every request needs, and one
/// per endpoint family, so that one collector's 429 slows that collector alone.
#[derive(Default)]
struct Pauses {
    token: Pause,
    families: std::sync::Mutex<HashMap<&'static str, Arc<Pause>>>,
}

impl Pauses {
    fn family(&self, family: &'static str) -> Arc<Pause> {
        lock(&self.families).entry(family).or_default().clone()
    }

    /// How long `family`'s requests must still wait, if at all.
    fn remaining(&self, family: &'static str) -> Option<Duration> {
        let own = self.family(family).remaining();
        own.max(self.token.remaining())
    }
}

/// How long a connection is kept open with no request on it. A run's requests follow each other
/// closely (a fan-out starts at least one a second), while runs are minutes apart: a connection
/// kept until the next run (reqwest keeps one 90 s by default) serves no request, yet holds its
/// buffers and TLS state, tens of kilobytes, for each platform of a thousand.
const IDLE_CONNECTION_TIMEOUT: Duration = Duration::from_secs(2);

/// The HTTP clients of platforms: one for the API, one for the token endpoint. A client carries
/// its own TLS configuration, with the built-in roots copied into a store of its own (tens of
/// kilobytes), and its own connection pool: platforms whose connection settings are the same
/// share one [`Transport`] (see [`Transports`]). Connections stay per host, so platforms on
/// different servers share no connection; their limits, pauses, credentials and request timeouts
/// are their [`ApiClient`]'s own.
#[derive(Clone)]
pub(crate) struct Transport(Arc<Clients>);

struct Clients {
    api: reqwest::Client,
    token: reqwest::Client,
}

impl Transport {
    fn new(config: &PlatformConfig) -> Result<Self, ClientError> {
        // API requests keep the default redirect policy: it follows at most 10 and drops
        // Authorization (and cookies) whenever a redirect leaves the original host and port.
        let api = builder(config)?.build().map_err(ClientError::Build)?;
        // A token request carries the client secret in its body, which a 307 or 308 would send
        // on to wherever it points: token requests follow no redirect at all.
        let token = builder(config)?
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(ClientError::Build)?;
        Ok(Self(Arc::new(Clients { api, token })))
    }

    /// Whether `self` and `other` are one transport, not two alike.
    #[cfg(test)]
    pub(crate) fn is(&self, other: &Transport) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// What sets a platform's [`Transport`] apart: the settings [`builder`] reads, and nothing else.
#[derive(PartialEq, Eq, Hash)]
struct TransportKey {
    connect_timeout: Duration,
    tls: ClientTlsConfig,
    proxy_url: Option<Url>,
}

impl TransportKey {
    fn of(config: &PlatformConfig) -> Self {
        Self {
            connect_timeout: config.timeout,
            tls: config.tls.clone(),
            proxy_url: config.proxy_url.clone(),
        }
    }
}

/// Builds each distinct [`Transport`] once, for the platforms of one configuration: those with
/// the same connect timeout, TLS settings (files named alike are read once) and proxy share it.
#[derive(Default)]
pub(crate) struct Transports(HashMap<TransportKey, Transport>);

impl Transports {
    /// The transport of `config`'s connection settings, built on first use.
    pub(crate) fn get(&mut self, config: &PlatformConfig) -> Result<Transport, ClientError> {
        match self.0.entry(TransportKey::of(config)) {
            Entry::Occupied(known) => Ok(known.get().clone()),
            Entry::Vacant(new) => Ok(new.insert(Transport::new(config)?).clone()),
        }
    }
}

/// Extra roots, client certificate and the verification switch of `[platforms.tls]`.
fn with_tls(
    mut builder: reqwest::ClientBuilder,
    config: &ClientTlsConfig,
) -> Result<reqwest::ClientBuilder, ClientError> {
    if let Some(ca_file) = &config.ca_file {
        let roots = pem::read_certificates(ca_file).map_err(|source| ClientError::Tls {
            key: "tls.ca_file",
            source,
        })?;
        for root in roots {
            let root = reqwest::Certificate::from_der(&root).map_err(ClientError::Build)?;
            builder = builder.add_root_certificate(root);
        }
    }
    if let Some(client) = &config.client_cert {
        // reqwest takes the chain and the key as one PEM text.
        let read = |key, path: &std::path::Path| {
            std::fs::read(path).map_err(|source| ClientError::Read {
                key,
                path: path.to_owned(),
                source,
            })
        };
        let mut pem = read("tls.cert_file", &client.cert_file)?;
        pem.push(b'\n');
        pem.extend(read("tls.key_file", &client.key_file)?);
        let identity = reqwest::Identity::from_pem(&pem).map_err(ClientError::Build)?;
        builder = builder.identity(identity);
    }
    Ok(builder.danger_accept_invalid_certs(config.insecure_skip_verify))
}

/// `{base_url}/` followed by `segments` (each percent-encoded as needed), whether or not the
/// base URL ends with a slash, and by `query` (each name and value form-encoded) when not empty.
pub(crate) fn api_url(base_url: &Url, segments: &[&str], query: &[(&str, &str)]) -> Url {
    let mut url = base_url.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    url
}

/// Whether `id` can be one path segment as it is: an empty segment, `.` and `..` are removed by
/// URL normalisation, and tabs and line breaks are stripped, so each would address another
/// resource than the one named. Anything else is percent-encoded where needed.
pub(crate) fn is_path_segment(id: &str) -> bool {
    !matches!(id, "" | "." | "..") && !id.chars().any(char::is_control)
}

fn is_refusal(status: StatusCode) -> bool {
    matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
}

/// The platform's connection settings: user agent, connect timeout, TLS and proxy; and how long
/// an idle connection is kept.
fn builder(config: &PlatformConfig) -> Result<reqwest::ClientBuilder, ClientError> {
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("liveplatform-exporter/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(config.timeout)
        .pool_idle_timeout(IDLE_CONNECTION_TIMEOUT);
    builder = with_tls(builder, &config.tls)?;
    if let Some(proxy) = &config.proxy_url {
        // An explicit proxy comes before the environment's, which reqwest reads by itself.
        builder = builder.proxy(reqwest::Proxy::all(proxy.clone()).map_err(ClientError::Build)?);
    }
    Ok(builder)
}

impl ApiClient {
    /// `config`'s client, over the transport `transports` has for its connection settings.
    pub(crate) fn new(
        config: &PlatformConfig,
        transports: &mut Transports,
    ) -> Result<Self, ClientError> {
        let transport = transports.get(config)?;
        Ok(Self {
            auth: Authenticator::new(&config.auth, transport.0.token.clone()),
            transport,
            base_url: config.base_url.clone(),
            channel_id: config.channel_id,
            max_response_bytes: config.max_response_bytes,
            max_customer_response_bytes: config.max_customer_response_bytes,
            customer_request_timeout: config.customer_request_timeout,
            pauses: Pauses::default(),
            limiter: Limiter::new(
                config.max_concurrent_requests,
                config.max_requests_per_second,
            ),
            max_concurrent_requests: config.max_concurrent_requests.max(1),
        })
    }

    /// The raw body of `GET {base_url}/{segments}`, a request of the endpoint family `family`
    /// (its collector's name). After a 429 nothing of the family is sent until its
    /// `Retry-After` has passed.
    pub(crate) async fn get(
        &self,
        family: &'static str,
        segments: &[&str],
    ) -> Result<Bytes, FetchError> {
        self.get_with(family, segments, &[], self.list_bounds())
            .await
    }

    async fn get_with(
        &self,
        family: &'static str,
        segments: &[&str],
        query: &[(&str, &str)],
        bounds: Bounds,
    ) -> Result<Bytes, FetchError> {
        if let Some(left) = self.pauses.remaining(family) {
            return Err(FetchError::Paused { left });
        }
        let result = self
            .exchange(api_url(&self.base_url, segments, query), bounds)
            .await;
        if let Err(error) = &result
            && error.reason() == ErrorReason::RateLimited
            && let Some(wait) = error.retry_after()
        {
            // The token endpoint's 429 holds up every request; an API endpoint's, its own.
            let pause = match error {
                FetchError::Auth(_) => &self.pauses.token,
                _ => &*self.pauses.family(family),
            };
            pause.extend(wait);
        }
        result
    }

    /// As [`ApiClient::get`], but in turn with the platform's other queued requests (at most
    /// `max_concurrent_requests` in flight, `max_requests_per_second` started), and after a 429
    /// waiting for its `Retry-After` instead of failing: the family slows down. A request waits
    /// out a pause before it takes its place in the queue, so that the requests held up start at
    /// the configured pace afterwards, not all at once. The collector's timeout bounds the wait.
    /// `query` is appended as `?name=value&...`.
    pub(crate) async fn get_queued(
        &self,
        family: &'static str,
        segments: &[&str],
        query: &[(&str, &str)],
    ) -> Result<Bytes, FetchError> {
        self.queued(family, segments, query, self.list_bounds())
            .await
    }

    /// As [`ApiClient::get_queued`], for one customer's data: bounded by
    /// `max_customer_response_bytes`, far below a list's bound, and by
    /// `customer_request_timeout`, so that a customer whose request hangs holds its place in the
    /// queue for that long, not for the whole run.
    pub(crate) async fn get_customer(
        &self,
        family: &'static str,
        segments: &[&str],
        query: &[(&str, &str)],
    ) -> Result<Bytes, FetchError> {
        let bounds = Bounds {
            max_bytes: self.max_customer_response_bytes,
            timeout: Some(self.customer_request_timeout),
        };
        self.queued(family, segments, query, bounds).await
    }

    async fn queued(
        &self,
        family: &'static str,
        segments: &[&str],
        query: &[(&str, &str)],
        bounds: Bounds,
    ) -> Result<Bytes, FetchError> {
        let _slot = loop {
            if let Some(left) = self.pauses.remaining(family) {
                tokio::time::sleep(left).await;
            }
            let slot = self.limiter.slot(family).await;
            // Paused again while it queued: give the place to a request of another family.
            if self.pauses.remaining(family).is_none() {
                break slot;
            }
        };
        self.get_with(family, segments, query, bounds).await
    }

    /// A list's bounds: its size limit, and the collector's timeout alone for time.
    fn list_bounds(&self) -> Bounds {
        Bounds {
            max_bytes: self.max_response_bytes,
            timeout: None,
        }
    }

    /// The HTTP transport it sends through.
    #[cfg(test)]
    pub(crate) fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Requests of the platform's fan-out allowed in flight at once: how many a per-customer
    /// collector keeps going, so that the limiter, not the collector, is the bound.
    pub(crate) fn max_concurrent_requests(&self) -> usize {
        self.max_concurrent_requests
    }

    async fn exchange(&self, url: Url, bounds: Bounds) -> Result<Bytes, FetchError> {
        let (mut response, token) = self.send(&url, bounds.timeout).await?;
        // An expired or revoked token: one fresh token and one more try, never a loop. A 403 is
        // a missing permission, which no token mends.
        if response.status() == StatusCode::UNAUTHORIZED
            && let Some(token) = token
            && self.auth.reject(&token).await
        {
            tracing::debug!(status = %response.status(), "API refused the token; renewing it");
            (response, _) = self.send(&url, bounds.timeout).await?;
        }
        let status = response.status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Err(FetchError::RateLimited {
                retry_after: http::retry_after(response.headers(), SystemTime::now()),
            });
        }
        if !status.is_success() {
            let problem = Problem::read(response).await;
            return Err(if is_refusal(status) {
                FetchError::Unauthorized { status, problem }
            } else {
                FetchError::Status { status, problem }
            });
        }
        Ok(http::read_limited(response, bounds.max_bytes).await?)
    }

    /// Sends the request, with the token it carried.
    async fn send(
        &self,
        url: &Url,
        timeout: Option<Duration>,
    ) -> Result<(reqwest::Response, Option<Token>), FetchError> {
        let mut request = self
            .transport
            .0
            .api
            .get(url.clone())
            .header(header::ACCEPT, "application/json");
        if let Some(timeout) = timeout {
            // reqwest's per-request timeout runs until the body is read.
            request = request.timeout(timeout);
        }
        let token = self.auth.token().await?;
        if let Some(token) = &token {
            // bearer_auth marks the header sensitive, which keeps it out of reqwest's Debug.
            request = request.bearer_auth(token.secret.expose_secret());
        }
        if let Some(channel) = self.channel_id {
            request = request.header("X-Ovoc-Channel-Id", channel);
        }
        let response = request
            .send()
            .await
            .map_err(|e| FetchError::Body(BodyError::Request(e)))?;
        Ok((response, token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The paths and query of two endpoints, as their collectors spell them.
    const CUSTOMERS: &[&str] = &["api", "v3", "customer"];
    const LICENSE_INFO_QUERY: &[(&str, &str)] = &[("nrOfMonths", "1")];

    fn license_info(customer_id: &str) -> [&str; 5] {
        ["api", "v3", "customer", customer_id, "licenseinfo"]
    }

    #[test]
    fn api_urls_are_below_the_base_url_with_or_without_a_slash() {
        for base in [
            "https://sp.example.com/tenantui",
            "https://sp.example.com/tenantui/",
        ] {
            assert_eq!(
                api_url(&Url::parse(base).unwrap(), CUSTOMERS, &[]).as_str(),
                "https://sp.example.com/tenantui/api/v3/customer"
            );
        }
        assert_eq!(
            api_url(
                &Url::parse("http://127.0.0.1:8080").unwrap(),
                CUSTOMERS,
                &[]
            )
            .as_str(),
            "http://127.0.0.1:8080/api/v3/customer"
        );
        // A segment from the API (a customer id) cannot climb out of its place.
        assert_eq!(
            api_url(
                &Url::parse("https://sp.example.com/tenantui").unwrap(),
                &license_info("../../x?y#z"),
                LICENSE_INFO_QUERY
            )
            .as_str(),
            "https://sp.example.com/tenantui/api/v3/customer/..%2F..%2Fx%3Fy%23z/licenseinfo?nrOfMonths=1"
        );
        // The query is encoded too, and added to what the base URL may already have.
        assert_eq!(
            api_url(
                &Url::parse("https://sp.example.com/tenantui?site=eu").unwrap(),
                CUSTOMERS,
                &[("a b", "c&d=e")]
            )
            .as_str(),
            "https://sp.example.com/tenantui/api/v3/customer?site=eu&a+b=c%26d%3De"
        );
    }

    #[test]
    fn ids_that_normalisation_would_change_are_no_path_segment() {
        for bad in ["", ".", "..", "a\nb", "a\tb", "\u{7f}", "a\rb"] {
            assert!(!is_path_segment(bad), "{bad:?}");
        }
        let base = Url::parse("https://sp.example.com/tenantui").unwrap();
        for good in ["0d3e4dd6", "...", ". .", "a/b", "%2e%2e", "é"] {
            assert!(is_path_segment(good), "{good:?}");
            // Each stays one segment below the customer, whatever it holds.
            let url = api_url(&base, &license_info(good), LICENSE_INFO_QUERY);
            let segments: Vec<&str> = url.path_segments().unwrap().collect();
            assert_eq!(segments.len(), 6, "{url}");
            assert_eq!(segments[5], "licenseinfo", "{url}");
        }
    }

    fn platform(name: &str, base_url: &str) -> PlatformConfig {
        PlatformConfig::new(
            name,
            Url::parse(base_url).unwrap(),
            crate::config::AuthConfig::None,
        )
    }

    #[test]
    fn platforms_share_a_transport_exactly_when_their_connection_settings_are_the_same() {
        let mut transports = Transports::default();
        let mut transport = |config: &PlatformConfig| transports.get(config).unwrap();
        let first = transport(&platform("a", "https://a.example.com/tenantui"));
        let mut other_server = platform("b", "https://b.example.com/tenantui");
        other_server.channel_id = Some(3);
        other_server.max_concurrent_requests = 1;
        assert!(
            transport(&other_server).is(&first),
            "another server, the same settings"
        );
        let mut slower = platform("c", "https://a.example.com/tenantui");
        slower.timeout = Duration::from_secs(90);
        let mut unverified = platform("d", "https://a.example.com/tenantui");
        unverified.tls.insecure_skip_verify = true;
        let mut proxied = platform("e", "https://a.example.com/tenantui");
        proxied.proxy_url = Some(Url::parse("http://proxy.example.com:3128").unwrap());
        for config in [slower, unverified, proxied] {
            let own = transport(&config);
            assert!(!own.is(&first), "{}", config.name);
            assert!(transport(&config).is(&own), "{}: built once", config.name);
        }
    }

    /// Serves one request on loopback with a keep-alive response, then reports how long the
    /// client kept the connection open afterwards (`None`: still open after `patience`).
    async fn one_keep_alive_response(
        listener: tokio::net::TcpListener,
        patience: Duration,
    ) -> Option<Duration> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut connection, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        let mut buffer = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = connection.read(&mut buffer).await.unwrap();
            assert!(n > 0, "the request ended early");
            request.extend_from_slice(&buffer[..n]);
        }
        connection
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n[]")
            .await
            .unwrap();
        let answered = tokio::time::Instant::now();
        match tokio::time::timeout(patience, connection.read(&mut buffer)).await {
            Ok(Ok(0) | Err(_)) => Some(answered.elapsed()),
            Ok(Ok(_)) => panic!("a second request on a connection meant for one"),
            Err(_) => None,
        }
    }

    #[tokio::test]
    async fn an_idle_connection_is_closed_soon_after_its_last_request() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}/", listener.local_addr().unwrap());
        let patience = 4 * IDLE_CONNECTION_TIMEOUT;
        let server = tokio::spawn(one_keep_alive_response(listener, patience));
        let client = ApiClient::new(&platform("p", &base_url), &mut Transports::default()).unwrap();
        assert_eq!(
            &client.get("customers", CUSTOMERS).await.unwrap()[..],
            b"[]"
        );
        let open_for = server.await.unwrap();
        // The pool looks for expired connections once per timeout: closed within two.
        assert!(
            open_for.is_some_and(
                |open_for| open_for <= 2 * IDLE_CONNECTION_TIMEOUT + Duration::from_millis(500)
            ),
            "kept open {open_for:?} after the response (None: beyond {patience:?})"
        );
    }

    #[test]
    fn problem_details_are_described_without_the_body() {
        let problem: Problem = serde_json::from_str(
            r#"{"type":"x","title":"Not\nFound","status":404,"traceId":"00-abc-01","errors":{"secret":["hunter2"]}}"#,
        )
        .unwrap();
        assert_eq!(
            problem.to_string(),
            ", the server's title \"NotFound\", traceId 00-abc-01"
        );
    }
}
