//! How the exporter behaves when the Live Platform API or its token endpoint misbehaves: every
//! failure is counted under its own reason, the last good data stays published until it is stale,
//! and OAuth2 tokens are requested, reused, renewed and retried the way Entra ID expects.
//!
//! wiremock plays both the API and the token endpoint, on loopback.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::common::stand_in::StandIn;
use crate::common::{Scrape, TestApp, customers_only, enable, fast, spawn_app, unauthenticated};
use liveplatform_exporter::SecretSource;
use liveplatform_exporter::{AuthConfig, OAuth2Config, PlatformConfig};
use reqwest::Url;
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const CUSTOMERS_PATH: &str = "/api/v3/customer";
const TOKEN_PATH: &str = "/token";
const PLATFORM: &str = "lp";

/// One customer of license type 2 (hosted_pro); well under 200 bytes.
const GOOD_BODY: &str = r#"[{"UmpCustomerGuid":"g1","CustomerShortName":"one","CustomerFullName":"One","LicenseType":2,"LicensedUsersCount":10,"ActiveUserCount":3}]"#;

const REASONS: [&str; 12] = [
    "timeout",
    "connect",
    "transport",
    "auth",
    "http_status",
    "decode",
    "too_large",
    "rate_limited",
    "crashed",
    "not_found",
    "no_customer_list",
    "paging_ignored",
];

const CLIENT_ID: &str = "exporter-app";
/// Characters that must be form-encoded, so that a hand-built body would be caught.
const CLIENT_SECRET: &str = "s3cret+/=&value with space";
const SCOPE: &str = "api://liveplatform/.default";

/// How long a test waits for requests the exporter makes on its own schedule.
const PATIENCE: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// Mocks

fn good_customers() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(GOOD_BODY, "application/json")
}

fn json_response(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body, "application/json")
}

fn problem_details_500() -> ResponseTemplate {
    json_response(
        500,
        r#"{"type":"https://tools.ietf.org/html/rfc9110#section-15.6.1","title":"Internal error","status":500,"traceId":"00-abc-00"}"#,
    )
}

/// The customer list: [`GOOD_BODY`] for the first request, `fault` for every later one.
async fn serve_one_good_poll_then(server: &MockServer, fault: impl Respond + 'static) {
    Mock::given(method("GET"))
        .and(path(CUSTOMERS_PATH))
        .respond_with(good_customers())
        .up_to_n_times(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(CUSTOMERS_PATH))
        .respond_with(fault)
        .mount(server)
        .await;
}

/// The customer list answering `response` to every request.
async fn serve_customers(server: &MockServer, response: impl Respond + 'static) {
    Mock::given(method("GET"))
        .and(path(CUSTOMERS_PATH))
        .respond_with(response)
        .mount(server)
        .await;
}

/// A token endpoint issuing `tok-1`, `tok-2`, ... in order, each with `expires_in`.
async fn issue_tokens(server: &MockServer, expires_in: Value) {
    let issued = AtomicUsize::new(0);
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(move |_: &Request| {
            let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
            ResponseTemplate::new(200).set_body_json(json!({
                "token_type": "Bearer",
                "expires_in": expires_in.clone(),
                "access_token": format!("tok-{n}"),
            }))
        })
        .mount(server)
        .await;
}

/// A platform using client credentials against `server`'s token endpoint, with the default
/// (five-minute) poll interval: only one poll happens within a test unless `fast` is applied.
fn oauth2_platform(server: &MockServer) -> PlatformConfig {
    let base_url = Url::parse(&server.uri()).expect("the wiremock URI is a URL");
    let token_url = base_url
        .join(TOKEN_PATH)
        .expect("the token path joins onto the wiremock URI");
    customers_only(PlatformConfig::new(
        PLATFORM,
        base_url,
        AuthConfig::OAuth2(OAuth2Config {
            token_url,
            client_id: CLIENT_ID.to_owned(),
            client_secret: SecretSource::Inline(SecretString::from(CLIENT_SECRET)),
            scope: SCOPE.to_owned(),
        }),
    ))
}

// ---------------------------------------------------------------------------------------------
// Waiting and inspecting requests

/// Polls `probe` every 20 ms until it yields a value; panics naming `what` after [`PATIENCE`].
async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn requests_to(server: &MockServer, path: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .expect("wiremock records requests by default")
        .into_iter()
        .filter(|r| r.url.path() == path)
        .collect()
}

/// Waits until `server` has received at least `n` requests for `path`, and returns them all.
async fn wait_for_requests(server: &MockServer, path: &str, n: usize) -> Vec<Request> {
    eventually(&format!("{n} requests to {path}"), || async move {
        let requests = requests_to(server, path).await;
        (requests.len() >= n).then_some(requests)
    })
    .await
}

/// Every value of header `name`, as text.
fn header_values<'r>(request: &'r Request, name: &str) -> Vec<&'r str> {
    request
        .headers
        .get_all(name)
        .iter()
        .map(|v| v.to_str().expect("header value is ASCII"))
        .collect()
}

/// The `Authorization` header of each request, in order (`"-"` where it is missing).
fn authorizations(requests: &[Request]) -> Vec<String> {
    requests
        .iter()
        .map(|r| header_values(r, "authorization").join(", "))
        .map(|h| if h.is_empty() { "-".to_owned() } else { h })
        .collect()
}

/// The fields of a form body, decoded and sorted.
fn form_fields(body: &[u8]) -> Vec<(String, String)> {
    let mut url = Url::parse("http://form.invalid/").expect("a static URL parses");
    url.set_query(Some(
        std::str::from_utf8(body).expect("a form body is ASCII"),
    ));
    let mut fields: Vec<_> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    fields.sort();
    fields
}

// ---------------------------------------------------------------------------------------------
// Reading scrapes

/// A health series of [`PLATFORM`].
fn health(scrape: &Scrape, name: &str) -> Option<f64> {
    scrape.value(name, &[("platform", PLATFORM), ("collector", "customers")])
}

fn errors(scrape: &Scrape, reason: &str) -> f64 {
    scrape
        .value(
            "liveplatform_poll_errors_total",
            &[
                ("platform", PLATFORM),
                ("collector", "customers"),
                ("reason", reason),
            ],
        )
        .unwrap_or_else(|| {
            panic!(
                "no poll error series for reason {reason}; scrape:\n{}",
                scrape.text
            )
        })
}

/// Every reason but `reason` (all of them for `None`) still at zero: a failure is classified
/// under one reason only.
fn assert_errors_only_of(scrape: &Scrape, reason: Option<&str>) {
    for other in REASONS.into_iter().filter(|r| Some(*r) != reason) {
        assert_eq!(
            errors(scrape, other),
            0.0,
            "no {other} error expected (only {reason:?}); scrape:\n{}",
            scrape.text
        );
    }
}

/// The customer of [`GOOD_BODY`] and its license-type totals, with the API's values.
fn assert_good_customer_published(scrape: &Scrape, when: &str) {
    let labels = [
        ("platform", PLATFORM),
        ("customer_id", "g1"),
        ("customer_name", "one"),
        ("license_type", "hosted_pro"),
    ];
    let info = scrape.find("liveplatform_customer_info", &labels);
    assert_eq!(
        info.len(),
        1,
        "{when}: one info series for g1; scrape:\n{}",
        scrape.text
    );
    assert_eq!(info[0].value, 1.0, "{when}: info is always 1");
    assert_eq!(
        info[0].labels.get("customer_full_name").map(String::as_str),
        Some("One"),
        "{when}: full name of g1"
    );
    for (metric, expected) in [
        ("liveplatform_customer_licensed_users", Some(10.0)),
        ("liveplatform_customer_active_users", Some(3.0)),
        ("liveplatform_customer_livehub_active_users", None),
        ("liveplatform_customer_livehub_simple_users", None),
    ] {
        assert_eq!(
            scrape.value(metric, &labels),
            expected,
            "{when}: {metric} of g1"
        );
    }
    let license = [("platform", PLATFORM), ("license_type", "hosted_pro")];
    for (metric, expected) in [
        ("liveplatform_license_type_customers", 1.0),
        ("liveplatform_license_type_licensed_users", 10.0),
        ("liveplatform_license_type_active_users", 3.0),
    ] {
        assert_eq!(
            scrape.value(metric, &license),
            Some(expected),
            "{when}: {metric} of hosted_pro"
        );
    }
}

/// No customer or license-type series at all (the health series are another matter).
fn assert_no_customer_data(scrape: &Scrape, when: &str) {
    let data: Vec<&str> = scrape
        .samples
        .iter()
        .map(|s| s.name.as_str())
        .filter(|n| {
            n.starts_with("liveplatform_customer_") || n.starts_with("liveplatform_license_type_")
        })
        .collect();
    assert!(
        data.is_empty(),
        "{when}: expected no customer data, found {data:?}"
    );
}

/// Waits for the first successful poll to be published and accounted for. Readiness follows
/// the snapshot; `up` and the success timestamp are set just after it.
async fn first_successful_poll(app: &TestApp) -> Scrape {
    app.ready().await;
    let scrape = app
        .scrape_until("the first poll to be accounted as a success", |s| {
            health(s, "liveplatform_up") == Some(1.0)
        })
        .await;
    assert_eq!(
        health(&scrape, "liveplatform_polls_total"),
        Some(1.0),
        "one poll so far"
    );
    assert!(
        health(&scrape, "liveplatform_last_poll_success_timestamp_seconds")
            .is_some_and(|t| t > 1.7e9),
        "the success is timestamped; scrape:\n{}",
        scrape.text
    );
    scrape
}

/// The first poll gets [`GOOD_BODY`], later ones `fault`. Once a `reason` error is counted the
/// platform must be down, no other reason counted, and the first poll's series still published
/// with their values and its success timestamp.
async fn assert_fault_is_counted_and_last_good_data_kept(
    fault: ResponseTemplate,
    reason: &str,
    tune: impl FnOnce(&mut PlatformConfig),
) {
    let server = MockServer::start().await;
    serve_one_good_poll_then(&server, fault).await;
    let mut platform = unauthenticated(PLATFORM, &server.uri());
    tune(&mut platform);
    let app = spawn_app(vec![platform]).await;

    let first = first_successful_poll(&app).await;
    assert_good_customer_published(&first, "after the first poll");
    assert_errors_only_of(&first, None);

    let failed = app
        .scrape_until(&format!("a poll error with reason {reason}"), |s| {
            errors(s, reason) >= 1.0
        })
        .await;
    assert_eq!(
        health(&failed, "liveplatform_up"),
        Some(0.0),
        "up after a {reason} failure"
    );
    assert_errors_only_of(&failed, Some(reason));
    assert_good_customer_published(&failed, &format!("after a {reason} failure"));
    assert_eq!(
        health(&failed, "liveplatform_last_poll_success_timestamp_seconds"),
        health(&first, "liveplatform_last_poll_success_timestamp_seconds"),
        "the last success is still the first poll"
    );
    // Counted before the polls so that a poll starting in between cannot tip the balance.
    let requests = requests_to(&server, CUSTOMERS_PATH).await.len() as f64;
    let polls = health(&app.scrape().await, "liveplatform_polls_total");
    assert!(
        polls.is_some_and(|polls| requests >= 2.0 && requests <= polls),
        "one API request per poll, no retry of a {reason} failure: {requests} requests, \
         {polls:?} polls"
    );
}

// ---------------------------------------------------------------------------------------------
// Each fault: counted under its reason, last good data kept

#[tokio::test]
async fn http_500_with_problem_details_counts_http_status_and_keeps_last_good_data() {
    assert_fault_is_counted_and_last_good_data_kept(problem_details_500(), "http_status", |_| {})
        .await;
}

#[tokio::test]
async fn http_404_with_a_bare_string_body_counts_http_status_and_keeps_last_good_data() {
    let fault = ResponseTemplate::new(404).set_body_string("Not Found");
    assert_fault_is_counted_and_last_good_data_kept(fault, "http_status", |_| {}).await;
}

#[tokio::test]
async fn malformed_json_counts_decode_and_keeps_last_good_data() {
    let fault = json_response(200, r#"[{"UmpCustomerGuid":"#);
    assert_fault_is_counted_and_last_good_data_kept(fault, "decode", |_| {}).await;
}

#[tokio::test]
async fn json_object_instead_of_an_array_counts_decode_and_keeps_last_good_data() {
    let fault = json_response(200, &format!(r#"{{"value":{GOOD_BODY},"Count":1}}"#));
    assert_fault_is_counted_and_last_good_data_kept(fault, "decode", |_| {}).await;
}

#[tokio::test]
async fn records_that_are_all_unusable_count_decode_and_keep_last_good_data() {
    // Records exist, none is a customer: publishing them would empty the platform.
    let fault = json_response(200, r#"[[1],[2],{"LicenseType":1},"x"]"#);
    assert_fault_is_counted_and_last_good_data_kept(fault, "decode", |_| {}).await;
}

#[tokio::test]
async fn http_429_counts_rate_limited_and_keeps_last_good_data() {
    let fault = ResponseTemplate::new(429).insert_header("Retry-After", "1");
    assert_fault_is_counted_and_last_good_data_kept(fault, "rate_limited", |_| {}).await;
}

/// Makes a `Retry-After` value when the 429 is sent.
type RetryAfter = Box<dyn Fn() -> String + Send + Sync>;

/// Answers the second request with a 429 and `retry_after()`, the others with the good list;
/// records when each request came.
struct TooManyOnce {
    retry_after: RetryAfter,
    seen: Arc<Mutex<Vec<std::time::Instant>>>,
}

impl Respond for TooManyOnce {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        seen.push(std::time::Instant::now());
        if seen.len() == 2 {
            ResponseTemplate::new(429).insert_header("Retry-After", (self.retry_after)())
        } else {
            good_customers()
        }
    }
}

#[tokio::test]
async fn retry_after_in_seconds_or_as_a_date_delays_the_platforms_next_request() {
    // With a one-second interval the next try would come a second after the 429.
    let in_seconds = || "3".to_owned();
    // Made when the 429 is sent, as a server would.
    let as_a_date =
        || httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(3));
    let cases: [(&str, RetryAfter); 2] = [
        ("seconds", Box::new(in_seconds)),
        ("an HTTP date", Box::new(as_a_date)),
    ];
    for (form, retry_after) in cases {
        let server = MockServer::start().await;
        let seen = Arc::new(Mutex::new(Vec::new()));
        serve_customers(
            &server,
            TooManyOnce {
                retry_after,
                seen: seen.clone(),
            },
        )
        .await;
        let app = spawn_app(vec![fast(unauthenticated(PLATFORM, &server.uri()))]).await;
        let scrape = app
            .scrape_until("a poll after the 429", |s| {
                errors(s, "rate_limited") >= 1.0 && health(s, "liveplatform_up") == Some(1.0)
            })
            .await;
        assert_errors_only_of(&scrape, Some("rate_limited"));
        let seen = seen.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let gap = seen[2] - seen[1];
        // An HTTP date has whole seconds: up to one less than asked.
        assert!(
            gap >= Duration::from_secs(2),
            "Retry-After in {form} honoured, next request {gap:?} later"
        );
        // wiremock hands a dropped server's port to the next test: stop polling it first.
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn an_empty_list_is_a_good_poll_without_customers() {
    let server = MockServer::start().await;
    serve_one_good_poll_then(&server, json_response(200, "[]")).await;
    let app = spawn_app(vec![fast(unauthenticated(PLATFORM, &server.uri()))]).await;
    first_successful_poll(&app).await;
    let emptied = app
        .scrape_until("the customer gone", |s| {
            s.find("liveplatform_customer_info", &[]).is_empty()
        })
        .await;
    assert_eq!(health(&emptied, "liveplatform_up"), Some(1.0));
    assert_errors_only_of(&emptied, None);
}

#[tokio::test]
async fn response_slower_than_the_timeout_counts_timeout_and_keeps_last_good_data() {
    // A good body: only its lateness makes the poll fail.
    let fault = good_customers().set_delay(Duration::from_secs(2));
    assert_fault_is_counted_and_last_good_data_kept(fault, "timeout", |platform| {
        platform.timeout = Duration::from_millis(300);
    })
    .await;
}

#[tokio::test]
async fn body_over_max_response_bytes_counts_too_large_and_keeps_last_good_data() {
    const LIMIT: u64 = 200;
    let customers: Vec<Value> = (0..5)
        .map(|i| {
            json!({"UmpCustomerGuid": format!("g{i}"), "CustomerShortName": format!("c{i}"),
                   "CustomerFullName": "Customer", "LicenseType": 2, "ActiveUserCount": i})
        })
        .collect();
    let big = serde_json::to_string(&customers).expect("JSON values serialize");
    assert!(
        (GOOD_BODY.len() as u64) < LIMIT && big.len() as u64 > LIMIT,
        "the good body ({} bytes) must fit the limit and the big one ({} bytes) exceed it",
        GOOD_BODY.len(),
        big.len()
    );
    assert_fault_is_counted_and_last_good_data_kept(
        json_response(200, &big),
        "too_large",
        |platform| platform.max_response_bytes = LIMIT,
    )
    .await;
}

/// A one-request-at-a-time HTTP/1.1 server on loopback that streams `size` bytes of a JSON array
/// with chunked transfer encoding, so the client cannot see the size up front.
async fn serve_chunked_body_of(size: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("loopback port");
    let addr = listener.local_addr().expect("bound address");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request).await;
            let mut response =
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
                    .to_vec();
            let mut body = vec![b'['];
            body.resize(size - 1, b' ');
            body.push(b']');
            for chunk in body.chunks(512) {
                response.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                response.extend_from_slice(chunk);
                response.extend_from_slice(b"\r\n");
            }
            response.extend_from_slice(b"0\r\n\r\n");
            let _ = stream.write_all(&response).await;
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn chunked_body_without_a_length_is_cut_off_at_max_response_bytes() {
    const LIMIT: u64 = 4096;
    let under = serve_chunked_body_of(LIMIT as usize).await;
    let over = serve_chunked_body_of(LIMIT as usize + 1).await;
    let mut fits = unauthenticated("fits", &under);
    fits.max_response_bytes = LIMIT;
    let mut too_big = unauthenticated("too-big", &over);
    too_big.max_response_bytes = LIMIT;
    let app = spawn_app(vec![fits, too_big]).await;

    let scrape = app
        .scrape_until("both platforms' first polls", |s| {
            s.value("liveplatform_polls_total", &[("platform", "too-big")]) >= Some(1.0)
                && s.value("liveplatform_up", &[("platform", "fits")]) == Some(1.0)
        })
        .await;
    let too_large = |platform: &str| {
        scrape.value(
            "liveplatform_poll_errors_total",
            &[("platform", platform), ("reason", "too_large")],
        )
    };
    assert_eq!(
        too_large("fits"),
        Some(0.0),
        "exactly the limit is accepted"
    );
    let over_errors = app
        .scrape_until("the oversized poll to fail", |s| {
            s.value(
                "liveplatform_poll_errors_total",
                &[("platform", "too-big"), ("reason", "too_large")],
            ) >= Some(1.0)
        })
        .await;
    assert_eq!(
        over_errors.value("liveplatform_up", &[("platform", "too-big")]),
        Some(0.0)
    );
}

// ---------------------------------------------------------------------------------------------
// Nothing to connect to

#[tokio::test]
async fn refused_connection_counts_connect_and_the_exporter_is_not_ready() {
    let closed = crate::common::closed_loopback_addr();
    let app = spawn_app(vec![unauthenticated(PLATFORM, &format!("http://{closed}"))]).await;

    let scrape = app
        .scrape_until("a connect error", |s| errors(s, "connect") >= 1.0)
        .await;
    assert_eq!(health(&scrape, "liveplatform_up"), Some(0.0));
    assert_errors_only_of(&scrape, Some("connect"));
    assert_no_customer_data(&scrape, "without any successful poll");
    assert_eq!(
        health(&scrape, "liveplatform_last_poll_success_timestamp_seconds"),
        Some(0.0),
        "no success yet"
    );
    let ready = app.get("/-/ready").await;
    assert_eq!(ready.status(), 503, "not ready without a successful poll");
    let body = ready.text().await.expect("readiness has a text body");
    assert!(
        body.contains(PLATFORM),
        "readiness names the platform: {body}"
    );
}

// ---------------------------------------------------------------------------------------------
// OAuth2 client credentials

#[tokio::test]
async fn oauth2_token_is_a_client_credentials_form_post_sent_as_bearer_and_reused() {
    let server = MockServer::start().await;
    issue_tokens(&server, json!(3600)).await;
    serve_customers(&server, good_customers()).await;
    let app = spawn_app(vec![fast(oauth2_platform(&server))]).await;

    let api = wait_for_requests(&server, CUSTOMERS_PATH, 3).await;
    let tokens = requests_to(&server, TOKEN_PATH).await;
    assert_eq!(
        tokens.len(),
        1,
        "one token serves every poll while it is valid"
    );
    let token_request = &tokens[0];
    assert_eq!(token_request.method.as_str(), "POST");
    assert_eq!(
        header_values(token_request, "content-type"),
        ["application/x-www-form-urlencoded"]
    );
    let expected: Vec<(String, String)> = [
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("grant_type", "client_credentials"),
        ("scope", SCOPE),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .into();
    assert_eq!(
        form_fields(&token_request.body),
        expected,
        "exactly the client-credentials fields, each once"
    );
    assert_eq!(
        authorizations(&api[..3]),
        ["Bearer tok-1"; 3],
        "every poll sends the one token"
    );

    let scrape = app.scrape().await;
    assert_eq!(health(&scrape, "liveplatform_up"), Some(1.0));
    assert_errors_only_of(&scrape, None);
    assert_good_customer_published(&scrape, "with OAuth2");
}

#[tokio::test]
async fn oauth2_short_lived_token_is_renewed_for_later_polls() {
    let server = MockServer::start().await;
    // Renewed a tenth of its lifetime ahead: at 0.9 s, before the next poll a second later.
    issue_tokens(&server, json!(1)).await;
    serve_customers(&server, good_customers()).await;
    let _app = spawn_app(vec![fast(oauth2_platform(&server))]).await;

    let api = wait_for_requests(&server, CUSTOMERS_PATH, 3).await;
    let tokens = requests_to(&server, TOKEN_PATH).await;
    assert!(
        tokens.len() >= 2,
        "a token expiring in 1 s is renewed; token requests: {}",
        tokens.len()
    );
    assert_eq!(
        authorizations(&api[..3]),
        ["Bearer tok-1", "Bearer tok-2", "Bearer tok-3"],
        "each poll a second apart uses a freshly issued token"
    );
}

#[tokio::test]
async fn oauth2_refused_token_is_renewed_once_and_the_poll_succeeds() {
    let server = MockServer::start().await;
    issue_tokens(&server, json!(3600)).await;
    Mock::given(method("GET"))
        .and(path(CUSTOMERS_PATH))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("www-authenticate", "Bearer error=\"invalid_token\""),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    serve_customers(&server, good_customers()).await;
    let app = spawn_app(vec![oauth2_platform(&server)]).await;

    let scrape = first_successful_poll(&app).await;
    assert_eq!(errors(&scrape, "auth"), 0.0, "the retry succeeded");
    assert_errors_only_of(&scrape, None);
    assert_good_customer_published(&scrape, "after a refused token was renewed");
    assert_eq!(
        requests_to(&server, TOKEN_PATH).await.len(),
        2,
        "the first token, then one fresh token after the 401"
    );
    assert_eq!(
        authorizations(&requests_to(&server, CUSTOMERS_PATH).await),
        ["Bearer tok-1", "Bearer tok-2"],
        "the retry carries the fresh token, not the refused one"
    );
}

#[tokio::test]
async fn oauth2_persistent_401_counts_auth_after_exactly_one_retry() {
    let server = MockServer::start().await;
    issue_tokens(&server, json!(3600)).await;
    serve_customers(&server, ResponseTemplate::new(401)).await;
    let app = spawn_app(vec![oauth2_platform(&server)]).await;

    let scrape = app
        .scrape_until("an auth error", |s| errors(s, "auth") >= 1.0)
        .await;
    assert_eq!(errors(&scrape, "auth"), 1.0, "one failed poll");
    assert_eq!(health(&scrape, "liveplatform_polls_total"), Some(1.0));
    assert_eq!(health(&scrape, "liveplatform_up"), Some(0.0));
    assert_errors_only_of(&scrape, Some("auth"));
    assert_no_customer_data(&scrape, "after a refused poll");
    assert_eq!(
        requests_to(&server, TOKEN_PATH).await.len(),
        2,
        "one token, one renewal after the 401, and no loop"
    );
    assert_eq!(
        authorizations(&requests_to(&server, CUSTOMERS_PATH).await),
        ["Bearer tok-1", "Bearer tok-2"],
        "one request and one retry with the fresh token"
    );
}

#[tokio::test]
async fn oauth2_token_endpoint_refusal_counts_auth_and_never_calls_the_api() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(json_response(
            400,
            r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}"#,
        ))
        .mount(&server)
        .await;
    serve_customers(&server, good_customers()).await;
    let app = spawn_app(vec![oauth2_platform(&server)]).await;

    let scrape = app
        .scrape_until("an auth error", |s| errors(s, "auth") >= 1.0)
        .await;
    assert_eq!(errors(&scrape, "auth"), 1.0, "one failed poll");
    assert_eq!(health(&scrape, "liveplatform_up"), Some(0.0));
    assert_errors_only_of(&scrape, Some("auth"));
    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 1);
    assert!(
        requests_to(&server, CUSTOMERS_PATH).await.is_empty(),
        "no API request without a token"
    );
}

#[tokio::test]
async fn oauth2_expires_in_sent_as_a_string_is_honoured() {
    let server = MockServer::start().await;
    issue_tokens(&server, json!("3600")).await;
    serve_customers(&server, good_customers()).await;
    let app = spawn_app(vec![fast(oauth2_platform(&server))]).await;

    let scrape = first_successful_poll(&app).await;
    assert_good_customer_published(&scrape, "with a string expires_in");
    let api = wait_for_requests(&server, CUSTOMERS_PATH, 2).await;
    assert_eq!(
        authorizations(&api[..2]),
        ["Bearer tok-1"; 2],
        "the token lives 3600 s, so the second poll reuses it"
    );
    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 1);
}

#[tokio::test]
async fn oauth2_absurd_expires_in_is_clamped_and_polling_goes_on() {
    let server = MockServer::start().await;
    issue_tokens(&server, json!(u64::MAX)).await;
    serve_customers(&server, good_customers()).await;
    let app = spawn_app(vec![fast(oauth2_platform(&server))]).await;

    let scrape = first_successful_poll(&app).await;
    assert_good_customer_published(&scrape, "with expires_in = u64::MAX");
    // The poll task survived the token: later polls happen, reusing the (clamped) token.
    let api = wait_for_requests(&server, CUSTOMERS_PATH, 3).await;
    assert_eq!(authorizations(&api[..3]), ["Bearer tok-1"; 3]);
    let later = app.scrape().await;
    assert_eq!(health(&later, "liveplatform_up"), Some(1.0));
    assert_errors_only_of(&later, None);
}

#[tokio::test]
async fn oauth2_token_redirect_is_an_auth_failure_and_the_secret_goes_nowhere_else() {
    let server = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    issue_tokens(&elsewhere, json!(3600)).await;
    for status in [307, 308] {
        Mock::given(method("POST"))
            .and(path(TOKEN_PATH))
            .respond_with(
                ResponseTemplate::new(status)
                    .insert_header("Location", format!("{}{TOKEN_PATH}", elsewhere.uri())),
            )
            .up_to_n_times(1)
            .mount(&server)
            .await;
    }
    serve_customers(&server, good_customers()).await;
    let app = spawn_app(vec![fast(oauth2_platform(&server))]).await;

    let scrape = app
        .scrape_until("two auth errors", |s| errors(s, "auth") >= 2.0)
        .await;
    assert_eq!(health(&scrape, "liveplatform_up"), Some(0.0));
    assert_errors_only_of(&scrape, Some("auth"));
    assert!(
        requests_to(&elsewhere, TOKEN_PATH).await.is_empty(),
        "the redirect target never received a token request"
    );
    assert!(requests_to(&server, CUSTOMERS_PATH).await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Request headers

#[tokio::test]
async fn channel_id_is_sent_as_x_ovoc_channel_id_only_when_configured() {
    let with_channel = MockServer::start().await;
    let without_channel = MockServer::start().await;
    serve_customers(&with_channel, good_customers()).await;
    serve_customers(&without_channel, good_customers()).await;
    let mut channel_platform = unauthenticated("with-channel", &with_channel.uri());
    channel_platform.channel_id = Some(12);
    let app = spawn_app(vec![
        channel_platform,
        unauthenticated("without-channel", &without_channel.uri()),
    ])
    .await;
    app.ready().await;

    let sent = requests_to(&with_channel, CUSTOMERS_PATH).await;
    assert!(!sent.is_empty(), "the channel platform was polled");
    assert_eq!(header_values(&sent[0], "x-ovoc-channel-id"), ["12"]);
    let sent = requests_to(&without_channel, CUSTOMERS_PATH).await;
    assert!(!sent.is_empty(), "the other platform was polled");
    let header = header_values(&sent[0], "x-ovoc-channel-id");
    assert!(
        header.is_empty(),
        "no channel header unless configured, got {header:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Staleness and scheduling

#[tokio::test]
async fn customer_series_vanish_once_stale_while_up_stays_at_zero() {
    let server = MockServer::start().await;
    serve_one_good_poll_then(&server, problem_details_500()).await;
    let mut platform = unauthenticated(PLATFORM, &server.uri());
    platform.stale_after = Duration::from_secs(1);
    let app = spawn_app(vec![platform]).await;

    let first = first_successful_poll(&app).await;
    assert_good_customer_published(&first, "while fresh");

    let stale = app
        .scrape_until("the customer data to go stale after a failed poll", |s| {
            s.find("liveplatform_customer_info", &[]).is_empty()
                && s.find("liveplatform_license_type_customers", &[])
                    .is_empty()
                && errors(s, "http_status") >= 1.0
        })
        .await;
    assert_no_customer_data(&stale, "once older than stale_after");
    assert_eq!(
        health(&stale, "liveplatform_up"),
        Some(0.0),
        "up stays published, at 0"
    );
    assert_eq!(
        health(&stale, "liveplatform_last_poll_success_timestamp_seconds"),
        health(&first, "liveplatform_last_poll_success_timestamp_seconds"),
        "the last success is still reported"
    );
}

#[tokio::test]
async fn failed_poll_is_retried_after_the_backoff_and_polls_never_overlap() {
    // Each failing response takes longer than the 1 s interval: a poller that started polls on
    // a fixed clock would overlap them.
    const SLOW: Duration = Duration::from_millis(1200);
    const MIN_RETRY: Duration = Duration::from_secs(1);
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let recorded = arrivals.clone();
    let server = MockServer::start().await;
    serve_customers(&server, move |_: &Request| {
        recorded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(std::time::Instant::now());
        problem_details_500().set_delay(SLOW)
    })
    .await;
    let app = spawn_app(vec![unauthenticated(PLATFORM, &server.uri())]).await;

    // wiremock records a request and calls its responder under one lock.
    wait_for_requests(&server, CUSTOMERS_PATH, 2).await;
    let arrivals = arrivals
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let gap = arrivals[1] - arrivals[0];
    assert!(
        gap >= SLOW + MIN_RETRY,
        "the retry starts only after the failed poll ended ({SLOW:?}) plus the backoff \
         ({MIN_RETRY:?}); it came {gap:?} after the first"
    );
    let scrape = app.scrape().await;
    let failed: f64 = REASONS.iter().map(|r| errors(&scrape, r)).sum();
    let started = health(&scrape, "liveplatform_polls_total").expect("polls_total is present");
    assert!(
        started - failed <= 1.0 && failed >= 1.0,
        "at most one poll in flight: {started} started, {failed} failed"
    );
}

/// Refusals on every per-customer request, 401 on license information and 403 on details, for
/// 50 customers: one renewal after the first 401 (the requests refused with that token share
/// it), none for the refusals of the renewed token, none for a 403. Each discarded the token
/// before, which made a run of 50 customers cost dozens of token requests.
#[tokio::test]
async fn refused_per_customer_requests_cost_at_most_one_token_renewal() {
    let server = MockServer::start().await;
    issue_tokens(&server, json!(3600)).await;
    serve_numbered_customers(&server, 50).await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex(
            "^/api/v3/customer/[^/]+/licenseinfo$",
        ))
        .respond_with(json_response(401, r#"{"title":"Unauthorized"}"#))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex("^/api/v3/customer/[^/]+$"))
        .respond_with(json_response(403, r#"{"title":"Forbidden"}"#))
        .mount(&server)
        .await;
    let mut platform = oauth2_platform(&server);
    platform.max_requests_per_second = 1000;
    for collector in ["license_info", "customer_details"] {
        enable(&mut platform, collector);
    }
    let app = spawn_app(vec![platform]).await;
    let request_errors = |s: &Scrape, collector: &str| {
        s.value(
            "liveplatform_collector_request_errors_total",
            &[
                ("platform", PLATFORM),
                ("collector", collector),
                ("reason", "auth"),
            ],
        )
        .unwrap_or(0.0)
    };
    let scrape = app
        .scrape_until("every per-customer request refused", |s| {
            request_errors(s, "license_info") >= 50.0
                && request_errors(s, "customer_details") >= 50.0
        })
        .await;
    app.stop().await.unwrap();
    assert_eq!(request_errors(&scrape, "license_info"), 50.0);
    assert_eq!(request_errors(&scrape, "customer_details"), 50.0);
    assert_eq!(
        requests_to(&server, TOKEN_PATH).await.len(),
        2,
        "the first token, and one renewal after the first 401"
    );
}

/// A 429 on license information with an hour's Retry-After pauses license information alone: the
/// customer list goes on being polled, and stays up; the other per-customer collector too.
#[tokio::test]
async fn a_429_pauses_its_own_endpoint_family_not_the_customer_list() {
    let server = MockServer::start().await;
    serve_customers(&server, good_customers()).await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex(
            "^/api/v3/customer/[^/]+/licenseinfo$",
        ))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3600"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex("^/api/v3/customer/[^/]+$"))
        .respond_with(json_response(200, "{}"))
        .mount(&server)
        .await;
    let mut platform = unauthenticated(PLATFORM, &server.uri());
    for collector in ["license_info", "customer_details"] {
        enable(&mut platform, collector);
    }
    let app = spawn_app(vec![platform]).await;
    let rate_limited = |s: &Scrape| {
        s.value(
            "liveplatform_poll_errors_total",
            &[
                ("platform", PLATFORM),
                ("collector", "license_info"),
                ("reason", "rate_limited"),
            ],
        )
        .unwrap_or(0.0)
    };
    let polls = |s: &Scrape| {
        s.value(
            "liveplatform_polls_total",
            &[("platform", PLATFORM), ("collector", "customers")],
        )
        .unwrap_or(0.0)
    };
    let paused = app
        .scrape_until("license_info to be rate limited", |s| {
            rate_limited(s) >= 1.0
        })
        .await;
    let later = app
        .scrape_until("three more customer list polls", |s| {
            polls(s) >= polls(&paused) + 3.0
        })
        .await;
    app.stop().await.unwrap();
    let up = |collector| {
        later.value(
            "liveplatform_up",
            &[("platform", PLATFORM), ("collector", collector)],
        )
    };
    assert_eq!(up("customers"), Some(1.0));
    assert_eq!(up("customer_details"), Some(1.0));
    assert_eq!(up("license_info"), Some(0.0));
    assert_errors_only_of(&later, None);
}

/// A per-customer run that is under way when the customer list shrinks asks no more about the
/// customers that left: they were asked one at a time, 150 ms each, in the list's order.
#[tokio::test]
async fn a_run_in_flight_stops_asking_about_customers_that_left_the_list() {
    let server = MockServer::start().await;
    let customer = |i: usize| {
        json!({"UmpCustomerGuid": format!("c-{i}"), "CustomerShortName": "c",
               "CustomerFullName": "C", "LicenseType": 2})
    };
    let all: Vec<Value> = (0..30).map(customer).collect();
    let shrunk = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let lists = shrunk.clone();
    serve_customers(&server, move |_: &Request| {
        let list = if lists.load(Ordering::SeqCst) {
            Value::from(vec![customer(0), customer(1)])
        } else {
            Value::from(all.clone())
        };
        ResponseTemplate::new(200).set_body_json(list)
    })
    .await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex(
            "^/api/v3/customer/[^/]+/licenseinfo$",
        ))
        .respond_with(json_response(200, "[]").set_delay(Duration::from_millis(150)))
        .mount(&server)
        .await;
    let mut platform = unauthenticated(PLATFORM, &server.uri());
    platform.max_concurrent_requests = 1;
    enable(&mut platform, "license_info");
    let app = spawn_app(vec![platform]).await;
    let license_requests = || async {
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.url.path().ends_with("/licenseinfo"))
            .map(|r| r.url.path().to_owned())
            .collect::<Vec<_>>()
    };
    eventually("three license requests", || async {
        (license_requests().await.len() >= 3).then_some(())
    })
    .await;
    shrunk.store(true, Ordering::SeqCst);
    app.scrape_until("a license_info run to end on the shrunk list", |s| {
        s.value(
            "liveplatform_up",
            &[("platform", PLATFORM), ("collector", "license_info")],
        ) == Some(1.0)
            && s.find("liveplatform_customer_info", &[]).len() == 2
    })
    .await;
    app.stop().await.unwrap();
    let asked = license_requests().await;
    assert!(
        !asked.iter().any(|path| path.contains("/c-29/")),
        "the last customer of the old list was asked about after it left: {asked:?}"
    );
    assert!(asked.len() < 25, "{} requests: {asked:?}", asked.len());
}

/// One customer's answer over `max_customer_response_bytes` fails that customer's request as
/// `too_large`, the list's own (larger) bound notwithstanding; the other customers are published.
#[tokio::test]
async fn a_customer_response_over_its_own_limit_is_refused_alone() {
    let server = MockServer::start().await;
    let customers = json!([
        {"UmpCustomerGuid": "small", "CustomerShortName": "s", "CustomerFullName": "S", "LicenseType": 2},
        {"UmpCustomerGuid": "large", "CustomerShortName": "l", "CustomerFullName": "L", "LicenseType": 2},
    ]);
    serve_customers(&server, ResponseTemplate::new(200).set_body_json(customers)).await;
    let record = r#"{"acquiredLicenses": 5, "lastUpdate": "2024-04-03T13:32:12Z"}"#;
    Mock::given(method("GET"))
        .and(path("/api/v3/customer/small/licenseinfo"))
        .respond_with(json_response(200, &format!("[{record}]")))
        .mount(&server)
        .await;
    let large = format!("[{}]", vec![record; 100].join(","));
    Mock::given(method("GET"))
        .and(path("/api/v3/customer/large/licenseinfo"))
        .respond_with(json_response(200, &large))
        .mount(&server)
        .await;
    let mut platform = unauthenticated(PLATFORM, &server.uri());
    platform.max_customer_response_bytes = 1024;
    enable(&mut platform, "license_info");
    let app = spawn_app(vec![platform]).await;
    let scrape = app
        .scrape_until("the license_info run", |s| {
            s.value(
                "liveplatform_up",
                &[("platform", PLATFORM), ("collector", "license_info")],
            ) == Some(1.0)
        })
        .await;
    app.stop().await.unwrap();
    assert_eq!(
        scrape.value(
            "liveplatform_collector_request_errors_total",
            &[
                ("platform", PLATFORM),
                ("collector", "license_info"),
                ("reason", "too_large"),
            ],
        ),
        Some(1.0)
    );
    let acquired = |customer| {
        scrape.value(
            "liveplatform_customer_acquired_licenses",
            &[("customer_id", customer)],
        )
    };
    assert_eq!((acquired("small"), acquired("large")), (Some(5.0), None));
}

/// `n` customers, `c-0` to `c-<n-1>`, as `server`'s customer list.
async fn serve_numbered_customers(server: &MockServer, n: usize) {
    let customers: Vec<Value> = (0..n)
        .map(|i| {
            json!({"UmpCustomerGuid": format!("c-{i}"), "CustomerShortName": format!("c{i}"),
                   "CustomerFullName": "C", "LicenseType": 2})
        })
        .collect();
    serve_customers(
        server,
        ResponseTemplate::new(200).set_body_json(Value::from(customers)),
    )
    .await;
}

/// License information that never comes for `c-0` and `c-1`, and one record for the others.
async fn license_info_hung_for_the_first_two(server: &MockServer) {
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex(
            "^/api/v3/customer/c-[01]/licenseinfo$",
        ))
        .respond_with(json_response(200, "[]").set_delay(Duration::from_secs(3600)))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex(
            "^/api/v3/customer/[^/]+/licenseinfo$",
        ))
        .respond_with(json_response(200, r#"[{"acquiredLicenses": 7}]"#))
        .mount(server)
        .await;
}

/// The platform of `server` with its customer list and `license_info`, whose `timeout` is
/// `run_timeout`.
fn with_license_info(server: &MockServer, run_timeout: Duration) -> PlatformConfig {
    let mut platform = unauthenticated(PLATFORM, &server.uri());
    enable(&mut platform, "license_info").timeout = Some(run_timeout);
    platform
}

/// The first scrape after a successful license_info run, with its requests timed out and the
/// customers it published.
async fn after_a_license_info_run(platform: PlatformConfig) -> (Option<f64>, usize) {
    let app = spawn_app(vec![platform]).await;
    let scrape = app
        .scrape_until("the license_info run", |s| {
            s.value(
                "liveplatform_up",
                &[("platform", PLATFORM), ("collector", "license_info")],
            ) == Some(1.0)
        })
        .await;
    app.stop().await.unwrap();
    let timed_out = scrape.value(
        "liveplatform_collector_request_errors_total",
        &[
            ("platform", PLATFORM),
            ("collector", "license_info"),
            ("reason", "timeout"),
        ],
    );
    let published = scrape
        .find("liveplatform_customer_acquired_licenses", &[])
        .len();
    (timed_out, published)
}

/// Customers whose requests never answer cost `customer_request_timeout` each, counted as
/// `timeout`, not the run: the others' answers are published when it ends.
#[tokio::test]
async fn customers_that_never_answer_time_out_alone() {
    let server = MockServer::start().await;
    serve_numbered_customers(&server, 6).await;
    license_info_hung_for_the_first_two(&server).await;
    let mut platform = with_license_info(&server, Duration::from_secs(3600));
    // The two hung customers take both places at first: without their own timeout the run
    // would end only at its own, an hour away, and publish nothing.
    platform.max_concurrent_requests = 2;
    platform.customer_request_timeout = Duration::from_millis(200);
    assert_eq!(after_a_license_info_run(platform).await, (Some(2.0), 4));
}

/// A run that runs out of time publishes the answers it has, and the customers not answered
/// are counted as timed out; the run is no failure.
#[tokio::test]
async fn a_run_out_of_time_publishes_what_it_received() {
    let server = MockServer::start().await;
    serve_numbered_customers(&server, 4).await;
    license_info_hung_for_the_first_two(&server).await;
    let mut platform = with_license_info(&server, Duration::from_millis(500));
    platform.customer_request_timeout = Duration::from_secs(3600);
    assert_eq!(after_a_license_info_run(platform).await, (Some(2.0), 2));
}

/// The per-customer collectors and a family of each.
const PER_CUSTOMER: [(&str, &str); 2] = [
    ("license_info", "liveplatform_customer_acquired_licenses"),
    (
        "customer_details",
        "liveplatform_customer_app_secret_expiry_timestamp_seconds",
    ),
];

/// Issue 29's case at a quarter of its times: 4 of 20 customers hung, the default
/// `customer_request_timeout` (60 s) far beyond the run, both per-customer collectors sharing the
/// platform's 4 places. Before, the hung requests held every place the run could get until it
/// ended, and each run asked them first again: nothing was ever published.
#[tokio::test]
async fn hung_customers_cannot_keep_the_others_out_of_the_first_run_or_the_next() {
    let api = StandIn::start(20).await;
    api.hang(&api.customers()[..4]);
    let mut platform = unauthenticated(PLATFORM, &api.uri());
    for (collector, _) in PER_CUSTOMER {
        enable(&mut platform, collector).timeout = Some(Duration::from_secs(2));
    }
    let app = spawn_app(vec![platform]).await;
    let answering: BTreeSet<&str> = api.customers()[4..].iter().map(String::as_str).collect();
    for run in 1..=2 {
        for (collector, family) in PER_CUSTOMER {
            let health = |scrape: &Scrape, name: &str| {
                scrape.value(name, &[("platform", PLATFORM), ("collector", collector)])
            };
            // The next run started: what shows is `run`'s.
            let scrape = app
                .scrape_until(&format!("{collector}'s run {run} to end"), |s| {
                    health(s, "liveplatform_polls_total") > Some(f64::from(run))
                })
                .await;
            assert_eq!(
                health(&scrape, "liveplatform_up"),
                Some(1.0),
                "{collector}, run {run}"
            );
            let published: BTreeSet<&str> = scrape
                .find(family, &[])
                .iter()
                .map(|s| s.labels["customer_id"].as_str())
                .collect();
            assert_eq!(published, answering, "{collector}, run {run}");
        }
    }
    app.stop().await.unwrap();
}
