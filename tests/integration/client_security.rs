//! The API client's side: redirects never carry the token to another host, `proxy_url` is
//! used, and `[platforms.tls]` (extra CA, client certificate, skipping verification) works
//! against an HTTPS API made for the test.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::common::pki::TestCa;
use crate::common::{Scrape, spawn_app, unauthenticated};
use axum::Router;
use axum::routing::get;
use liveplatform_exporter::SecretSource;
use liveplatform_exporter::WebConfigWatch;
use liveplatform_exporter::{AuthConfig, ClientCertificate, PlatformConfig};
use liveplatform_exporter::{Limits, serve};
use reqwest::Url;
use secrecy::SecretString;
use tokio_util::sync::CancellationToken;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CUSTOMERS_PATH: &str = "/api/v3/customer";
const TOKEN: &str = "tok-never-elsewhere";
const BODY: &str = r#"[{"UmpCustomerGuid":"g1","CustomerShortName":"one","LicenseType":2}]"#;

fn good_customers() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(BODY, "application/json")
}

fn published(scrape: &Scrape, platform: &str) -> bool {
    scrape
        .value(
            "liveplatform_customer_info",
            &[("platform", platform), ("customer_id", "g1")],
        )
        .is_some()
}

fn bearer(name: &str, base_url: &str) -> PlatformConfig {
    crate::common::customers_only(crate::common::fast(PlatformConfig::new(
        name,
        Url::parse(base_url).unwrap(),
        AuthConfig::Bearer {
            token: SecretSource::Inline(SecretString::from(TOKEN)),
        },
    )))
}

#[tokio::test]
async fn a_redirect_to_another_host_does_not_carry_the_authorization_header() {
    let first = MockServer::start().await;
    let second = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(CUSTOMERS_PATH))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}{CUSTOMERS_PATH}", second.uri())),
        )
        .mount(&first)
        .await;
    Mock::given(method("GET"))
        .and(path(CUSTOMERS_PATH))
        .respond_with(good_customers())
        .mount(&second)
        .await;
    let app = spawn_app(vec![bearer("lp", &first.uri())]).await;
    app.scrape_until("the redirected poll to succeed", |s| published(s, "lp"))
        .await;

    let to_first = first.received_requests().await.unwrap();
    assert!(
        to_first
            .iter()
            .all(|r| r.headers["authorization"] == format!("Bearer {TOKEN}")),
        "the configured host gets the token"
    );
    let to_second = second.received_requests().await.unwrap();
    assert!(!to_second.is_empty(), "the redirect was followed");
    for request in to_second {
        assert!(
            !request.headers.contains_key("authorization"),
            "the other host (another port of 127.0.0.1) got {:?}",
            request.headers.get("authorization")
        );
    }
}

#[tokio::test]
async fn proxy_url_carries_every_request_of_its_platform() {
    // The proxy answers for a host that does not exist: only a request sent through it succeeds.
    let proxy = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/tenantui{CUSTOMERS_PATH}")))
        .respond_with(good_customers())
        .mount(&proxy)
        .await;
    let mut platform = unauthenticated("proxied", "http://lp.invalid/tenantui");
    platform.proxy_url = Some(Url::parse(&proxy.uri()).unwrap());
    let app = spawn_app(vec![platform]).await;
    app.scrape_until("the proxied poll to succeed", |s| published(s, "proxied"))
        .await;
    let requests = proxy.received_requests().await.unwrap();
    assert_eq!(
        requests[0].headers["host"], "lp.invalid",
        "sent to the proxy for the platform's host"
    );
}

/// An HTTPS Live Platform API on loopback, served by the exporter's own listener with a
/// certificate from `ca` (and a client policy, when `client_auth` is given).
async fn https_api(dir: &Path, ca: &TestCa, client_auth: &str) -> (String, CancellationToken) {
    let (cert, key) = ca.server().write(dir, "api");
    let web = dir.join("api-web.yml");
    std::fs::write(
        &web,
        format!(
            "tls_server_config:\n  cert_file: {}\n  key_file: {}\n{client_auth}",
            cert.display(),
            key.display()
        ),
    )
    .unwrap();
    let watch = Arc::new(WebConfigWatch::load(&web).unwrap());
    let router = Router::new().route(CUSTOMERS_PATH, get(|| async { BODY }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "https://127.0.0.1:{}/",
        listener.local_addr().unwrap().port()
    );
    let stop = CancellationToken::new();
    let limits = Limits {
        header_read_timeout: Duration::from_secs(5),
        max_connections: 16,
        write_timeout: Duration::from_secs(5),
        shutdown_grace: Duration::from_secs(1),
    };
    tokio::spawn(serve(listener, router, watch, limits, stop.clone()));
    (url, stop)
}

#[tokio::test]
async fn an_https_api_is_trusted_through_ca_file_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("private API CA");
    let (url, _stop) = https_api(dir.path(), &ca, "").await;

    let mut trusted = unauthenticated("trusted", &url);
    trusted.tls.ca_file = Some(ca.write(dir.path(), "api-ca"));
    let untrusted = unauthenticated("untrusted", &url);
    let mut skipping = unauthenticated("skipping", &url);
    skipping.tls.insecure_skip_verify = true;
    let app = spawn_app(vec![trusted, untrusted, skipping]).await;

    let scrape = app
        .scrape_until(
            "the trusted poll to succeed and the untrusted one to fail",
            |s| {
                published(s, "trusted")
                    && published(s, "skipping")
                    && s.value(
                        "liveplatform_poll_errors_total",
                        &[("platform", "untrusted"), ("reason", "connect")],
                    )
                    .is_some_and(|n| n >= 1.0)
            },
        )
        .await;
    assert!(!published(&scrape, "untrusted"));
}

#[tokio::test]
async fn a_client_certificate_is_presented_when_the_api_requires_one() {
    let dir = tempfile::tempdir().unwrap();
    let server_ca = TestCa::new("API CA");
    let client_ca = TestCa::new("client CA");
    let client_ca_file = client_ca.write(dir.path(), "client-ca");
    let (url, _stop) = https_api(
        dir.path(),
        &server_ca,
        &format!(
            "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {}\n",
            client_ca_file.display()
        ),
    )
    .await;
    let server_ca_file = server_ca.write(dir.path(), "api-ca");
    let (cert_file, key_file) = client_ca.client("exporter").write(dir.path(), "exporter");

    let mut with_cert = unauthenticated("with-cert", &url);
    with_cert.tls.ca_file = Some(server_ca_file.clone());
    with_cert.tls.client_cert = Some(ClientCertificate {
        cert_file,
        key_file,
    });
    let mut without_cert = unauthenticated("without-cert", &url);
    without_cert.tls.ca_file = Some(server_ca_file);
    let app = spawn_app(vec![with_cert, without_cert]).await;

    let scrape = app
        .scrape_until("the poll with a certificate to succeed", |s| {
            published(s, "with-cert")
                && s.value("liveplatform_up", &[("platform", "without-cert")]) == Some(0.0)
                && s.value("liveplatform_polls_total", &[("platform", "without-cert")])
                    .is_some_and(|n| n >= 1.0)
        })
        .await;
    assert!(!published(&scrape, "without-cert"));
}
