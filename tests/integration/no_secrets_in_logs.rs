//! No client secret, token or response body content in any log line at any level, in Debug
//! output, in error messages or on the landing page, and no customer's app secret there or in
//! `/metrics` and `/-/ready`: the exporter runs at `trace`, with the `log` records of its
//! dependencies (reqwest) bridged in, through token failures, refused tokens, error bodies and
//! good bodies that all carry secret-looking fields, and every line it writes is searched.
//!
//! The only test that installs the `log` bridge, which is process-wide; the capture is the test
//! thread's default subscriber, which the single-threaded runtime's tasks all run under, so the
//! other tests running beside it in this binary write nothing into it.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use crate::common::per_customer::{id, seed};
use crate::common::{Scrape, TestApp, fast, spawn_app};
use liveplatform_exporter::{AuthConfig, Config, OAuth2Config, PlatformConfig};
use liveplatform_exporter::{DemoPlatform, SEED_CUSTOMERS, SecretSource};
use reqwest::Url;
use secrecy::SecretString;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CLIENT_SECRET: &str = "CLIENT-SECRET-d41d8cd98f00b204";
const TOKEN: &str = "ACCESS-TOKEN-e3b0c44298fc1c14";
const STATIC_TOKEN: &str = "STATIC-TOKEN-9a0364b9e99bb480";
/// In every response body; must never reach a log line.
const BODY: &str = "BODY-CONTENT-5feceb66ffc86f38";
const CUSTOMERS_PATH: &str = "/api/v3/customer";

/// Every formatted log line, shared with the subscriber's writer.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Capture {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
}

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A body holding every kind of secret-looking field an API or a proxy might echo.
fn hostile_json(extra: &str) -> String {
    format!(
        r#"{{{extra}"client_secret":"{CLIENT_SECRET}","access_token":"{TOKEN}","password":"{BODY}","detail":"{BODY}","errors":{{"Authorization":["Bearer {TOKEN}"]}}}}"#
    )
}

fn oauth2(name: &str, server: &MockServer, token_path: &str) -> PlatformConfig {
    let base_url = Url::parse(&server.uri()).unwrap();
    fast(PlatformConfig::new(
        name,
        base_url.clone(),
        AuthConfig::OAuth2(OAuth2Config {
            token_url: base_url.join(token_path).unwrap(),
            client_id: "app".to_owned(),
            client_secret: SecretSource::Inline(SecretString::from(CLIENT_SECRET)),
            scope: "api://x/.default".to_owned(),
        }),
    ))
}

async fn mount(server: &MockServer, verb: &str, at: &str, response: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(response)
        .mount(server)
        .await;
}

fn json(status: u16, body: String) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body, "application/json")
}

/// A canary in every secret-looking field of a customer's details, and in error bodies around
/// them: the mock platform's app secrets all start with it.
const APP_SECRET: &str = DemoPlatform::APP_SECRET_CANARY;

/// Makes the details of some seed customers fail in every way that might echo the secret: an
/// error body, a 404 that is a bare string, a truncated body, a body of another shape, and a
/// good body with the secret in nested and unknown fields.
fn hostile_details(mock: &DemoPlatform) {
    let customers = seed();
    let problem = format!(
        r#"{{"title":"Internal error","detail":"{APP_SECRET}","errors":{{"ApplicationClientSecret":["{APP_SECRET}"]}}}}"#
    );
    mock.set_customer_details(id(&customers[6]), 500, problem);
    mock.set_customer_details(id(&customers[7]), 404, format!(r#""{APP_SECRET}""#));
    mock.set_customer_details(
        id(&customers[8]),
        200,
        format!(r#"{{"ApplicationClientSecret": "{APP_SECRET}", "SiteLocation": [{{"#),
    );
    mock.set_customer_details(id(&customers[9]), 200, format!(r#"["{APP_SECRET}"]"#));
    mock.set_customer_details(
        id(&customers[10]),
        200,
        format!(
            r#"{{"applicationclientsecret": "{APP_SECRET}", "ClientSecretExpirationDate": "{APP_SECRET}",
                "ClientSecret": {{"Value": "{APP_SECRET}"}}, "ApiKey": "{APP_SECRET}",
                "SiteLocation": [{{"sbcDeploymentState": "Deployed", "sbcConfigurationType": "Byoc",
                                   "password": "{APP_SECRET}", "sbcPassword": "{APP_SECRET}"}}, "{APP_SECRET}"]}}"#
        ),
    );
}

fn request_errors(scrape: &Scrape, reason: &str) -> f64 {
    scrape
        .value(
            "liveplatform_collector_request_errors_total",
            &[
                ("platform", "details"),
                ("collector", "customer_details"),
                ("reason", reason),
            ],
        )
        .unwrap_or(0.0)
}

/// Fails, quoting the lines that hold it, if `secret` appears in `text`.
fn assert_absent(secret: &str, what: &str, text: &str) {
    assert!(
        !text.contains(secret),
        "{secret} appears in {what}:\n{}",
        text.lines()
            .filter(|l| l.contains(secret))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

fn errors(scrape: &Scrape, platform: &str, reason: &str) -> f64 {
    scrape
        .value(
            "liveplatform_poll_errors_total",
            &[
                ("platform", platform),
                ("collector", "customers"),
                ("reason", reason),
            ],
        )
        .unwrap_or(0.0)
}

#[tokio::test]
async fn no_secret_token_or_body_reaches_logs_debug_output_or_pages() {
    // reqwest logs through `log`; bridged, its records reach the capture like any event.
    tracing_log::LogTracer::init().expect("no other test installs a logger");
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);

    // 1. The token endpoint refuses, with a body echoing the secret.
    let refused = MockServer::start().await;
    mount(
        &refused,
        "POST",
        "/token",
        json(
            400,
            hostile_json(
                r#""error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","#,
            ),
        ),
    )
    .await;
    // 2. A token is issued, and the API refuses it twice, echoing it.
    let unauthorized = MockServer::start().await;
    mount(
        &unauthorized,
        "POST",
        "/token",
        json(
            200,
            format!(r#"{{"token_type":"Bearer","expires_in":3600,"access_token":"{TOKEN}"}}"#),
        ),
    )
    .await;
    mount(
        &unauthorized,
        "GET",
        CUSTOMERS_PATH,
        json(401, hostile_json(r#""title":"Unauthorized","#))
            .insert_header("www-authenticate", format!("Bearer realm=\"{BODY}\"")),
    )
    .await;
    // 3. A token response that is not JSON at all, yet holds the token.
    let garbled = MockServer::start().await;
    mount(
        &garbled,
        "POST",
        "/token",
        ResponseTemplate::new(200).set_body_string(format!("access_token={TOKEN}&{BODY}")),
    )
    .await;
    // 4. A static bearer token; the API fails with a problem body, then with a body that is
    //    not a customer list.
    let failing = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(CUSTOMERS_PATH))
        .respond_with(json(500, hostile_json(r#""title":"Internal error","#)))
        .up_to_n_times(1)
        .mount(&failing)
        .await;
    mount(&failing, "GET", CUSTOMERS_PATH, json(200, hostile_json(""))).await;
    let mut bearer = fast(PlatformConfig::new(
        "bearer",
        Url::parse(&failing.uri()).unwrap(),
        AuthConfig::Bearer {
            token: SecretSource::Inline(SecretString::from(STATIC_TOKEN)),
        },
    ));
    bearer.channel_id = Some(7);
    // 5. Good data whose records carry secret-looking and unknown fields, and a skipped record.
    let good = MockServer::start().await;
    mount(
        &good,
        "GET",
        CUSTOMERS_PATH,
        json(
            200,
            format!(
                r#"[{{"UmpCustomerGuid":"g1","CustomerShortName":"c","CustomerFullName":"C","LicenseType":2,"password":"{BODY}","token":"{TOKEN}"}},{{"CustomerShortName":"{BODY}"}}]"#
            ),
        ),
    )
    .await;
    // 6. The mock platform, whose customer details carry app secrets, some of them answering
    //    with failures that echo the secret.
    let details = DemoPlatform::start(SEED_CUSTOMERS).await.unwrap();
    hostile_details(&details);
    let platforms = vec![
        oauth2("refused", &refused, "/token"),
        oauth2("unauthorized", &unauthorized, "/token"),
        oauth2("garbled", &garbled, "/token"),
        bearer,
        crate::common::unauthenticated("good", &good.uri()),
        fast(details.platform_config("details")),
    ];
    let config = Config::with_platforms(platforms.clone());
    let app: TestApp = spawn_app(platforms).await;

    app.scrape_until("every failure and a success to have happened", |s| {
        errors(s, "refused", "auth") >= 1.0
            && errors(s, "unauthorized", "auth") >= 1.0
            && errors(s, "garbled", "auth") >= 1.0
            && errors(s, "bearer", "http_status") >= 1.0
            && errors(s, "bearer", "decode") >= 1.0
            && s.value(
                "liveplatform_records_skipped_total",
                &[
                    ("platform", "good"),
                    ("collector", "customers"),
                    ("reason", "missing_id"),
                ],
            )
            .is_some_and(|n| n >= 1.0)
            && request_errors(s, "http_status") >= 1.0
            && request_errors(s, "not_found") >= 1.0
            && request_errors(s, "decode") >= 2.0
            && s.value(
                "liveplatform_up",
                &[("platform", "details"), ("collector", "customer_details")],
            ) == Some(1.0)
            && s.value(
                "liveplatform_up",
                &[("platform", "details"), ("collector", "services")],
            ) == Some(1.0)
            && s.value(
                "liveplatform_up",
                &[("platform", "details"), ("collector", "oc_numbers")],
            ) == Some(1.0)
    })
    .await;
    let landing = app.get("/").await.text().await.unwrap();
    let metrics = app.get("/metrics").await.text().await.unwrap();
    let ready = app.get("/-/ready").await.text().await.unwrap();
    app.stop().await.unwrap();
    drop(_default);

    let logs = capture.text();
    assert!(
        logs.contains("TRACE")
            && logs.contains("DEBUG")
            && logs.contains("WARN")
            && logs.contains("reqwest::")
            && logs.contains("liveplatform_exporter::"),
        "the capture holds every level, dependencies' included:\n{logs}"
    );
    assert!(
        logs.contains("AADSTS7000215"),
        "the capture holds the failures (and the one body-derived code meant for the operator)"
    );
    for (what, text) in [
        ("the log", logs.as_str()),
        ("the landing page", landing.as_str()),
        ("Debug of the configuration", &format!("{config:?}")),
    ] {
        for secret in [CLIENT_SECRET, TOKEN, STATIC_TOKEN, BODY] {
            assert_absent(secret, what, text);
        }
    }
    for secret in [CLIENT_SECRET, TOKEN, STATIC_TOKEN] {
        assert!(!metrics.contains(secret), "{secret} appears in /metrics");
    }
    assert!(
        metrics.contains("liveplatform_customer_app_secret_expiry_timestamp_seconds{")
            && logs.contains("some requests failed; keeping those customers' last good values"),
        "the details were fetched and published, and their failures logged"
    );
    for (what, text) in [
        ("the log", logs.as_str()),
        ("the landing page", landing.as_str()),
        ("/metrics", metrics.as_str()),
        ("/-/ready", ready.as_str()),
    ] {
        assert_absent(APP_SECRET, what, text);
        // The demo's services carry device manager credentials that start with this.
        assert_absent(DemoPlatform::DEVICE_MANAGER_CANARY, what, text);
        // The demo's numbers: telephone numbers, company names, profiles, tenants, SBCs.
        assert_absent(DemoPlatform::OC_TELEPHONE_PREFIX, what, text);
        assert_absent(DemoPlatform::OC_NUMBER_CANARY, what, text);
    }
    assert!(
        metrics.contains("liveplatform_service_devices{")
            && metrics.contains("liveplatform_customer_oc_numbers{"),
        "the services, device managers and all, and the numbers were fetched and published"
    );
}
