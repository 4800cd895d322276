//! The exporter's own endpoint, locked down by a web configuration file: basic auth, TLS with
//! server and client certificates made for the test, response headers, reloads without a
//! restart; and the server limits: methods, paths, slow clients, connection count, deadlines.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::common::pki::TestCa;
use crate::common::{TestApp, spawn_with};
use liveplatform_exporter::App;
use liveplatform_exporter::Config;
use liveplatform_exporter::{MockPlatform, SEED_CUSTOMERS};
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

const USER: &str = "prometheus";
const PASSWORD: &str = "correct horse battery staple";
/// How long a test waits for something that should happen promptly.
const PATIENCE: Duration = Duration::from_secs(10);

/// A cheap bcrypt hash (cost 4): the tests are about the rules, not the cost.
fn hash(password: &str) -> String {
    bcrypt::hash(password, 4).unwrap()
}

/// A directory holding the web configuration file and whatever it names.
struct WebDir {
    dir: tempfile::TempDir,
}

impl WebDir {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn file(&self) -> PathBuf {
        self.path().join("web.yml")
    }

    fn write(&self, yaml: &str) {
        // Written aside and renamed, as config management does: a reader never sees half a file.
        let staging = self.path().join("web.yml.new");
        std::fs::write(&staging, yaml).unwrap();
        std::fs::rename(staging, self.file()).unwrap();
    }
}

/// The exporter over the demo data, with `web` as its web configuration file.
async fn exporter(web: &WebDir, configure: impl FnOnce(&mut Config)) -> (TestApp, MockPlatform) {
    let mock = MockPlatform::start(SEED_CUSTOMERS).await.unwrap();
    let mut config =
        Config::with_platforms(vec![crate::common::fast(mock.platform_config("demo"))]);
    config.server.web_config_file = Some(web.file());
    configure(&mut config);
    (spawn_with(config).await, mock)
}

fn users_yaml(password_hash: &str) -> String {
    format!("basic_auth_users:\n  {USER}: '{password_hash}'\n")
}

async fn get_as(app: &TestApp, path: &str, user: &str, password: &str) -> reqwest::Response {
    app.http
        .get(app.url(path))
        .basic_auth(user, Some(password))
        .send()
        .await
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Basic authentication and headers

#[tokio::test]
async fn basic_auth_refuses_missing_and_wrong_credentials_and_accepts_the_right_ones() {
    let web = WebDir::new();
    web.write(&format!(
        "{}http_server_config:\n  headers:\n    X-Frame-Options: deny\n    \
         Content-Security-Policy: \"default-src 'none'\"\n",
        users_yaml(&hash(PASSWORD))
    ));
    let (app, _mock) = exporter(&web, |_| {}).await;

    let anonymous = app.get("/metrics").await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let challenge = anonymous.headers()["www-authenticate"].to_str().unwrap();
    assert!(challenge.starts_with("Basic realm="), "{challenge}");
    assert_eq!(
        anonymous.headers()["x-frame-options"],
        "deny",
        "configured headers are on refusals too"
    );
    assert_eq!(app.get("/").await.status(), StatusCode::UNAUTHORIZED);

    for (user, password) in [(USER, "wrong"), ("intruder", PASSWORD), (USER, "")] {
        let response = get_as(&app, "/metrics", user, password).await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{user}:{password}"
        );
        assert!(response.headers().contains_key("www-authenticate"));
    }

    // Twice: the second answer comes from the cache of successful checks.
    for _ in 0..2 {
        let response = get_as(&app, "/metrics", USER, PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-security-policy"],
            "default-src 'none'"
        );
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("liveplatform_up{collector=\"customers\",platform=\"demo\"}")
        );
    }
    assert_eq!(get_as(&app, "/", USER, PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn health_endpoints_answer_probes_without_credentials() {
    let web = WebDir::new();
    web.write(&users_yaml(&hash(PASSWORD)));
    let (app, _mock) = exporter(&web, |_| {}).await;

    assert_eq!(app.get("/-/healthy").await.status(), StatusCode::OK);
    let ready = app.get("/-/ready").await.status();
    assert!(
        ready == StatusCode::OK || ready == StatusCode::SERVICE_UNAVAILABLE,
        "readiness answers, never 401: {ready}"
    );
    let output = crate::common::demo::run_healthcheck(app.url("/-/healthy")).await;
    assert!(output.status.success(), "{output:?}");
}

#[tokio::test]
async fn a_changed_web_config_takes_effect_without_a_restart_and_a_broken_one_is_ignored() {
    let web = WebDir::new();
    web.write(&users_yaml(&hash("first")));
    let (app, _mock) = exporter(&web, |_| {}).await;
    assert_eq!(get_as(&app, "/metrics", USER, "first").await.status(), 200);

    web.write(&format!(
        "{}http_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n",
        users_yaml(&hash("second"))
    ));
    assert_eq!(
        get_as(&app, "/metrics", USER, "first").await.status(),
        401,
        "the old password is refused at once, cached or not"
    );
    let response = get_as(&app, "/metrics", USER, "second").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");

    // A mistake in the file keeps the last good configuration rather than opening the door or
    // locking Prometheus out; the error is logged.
    web.write("basic_auth_users:\n  prometheus: not-a-hash\n");
    assert_eq!(get_as(&app, "/metrics", USER, "second").await.status(), 200);
    assert_eq!(app.get("/metrics").await.status(), 401);

    web.write("");
    assert_eq!(
        app.get("/metrics").await.status(),
        200,
        "an empty file removes authentication"
    );
}

#[tokio::test]
async fn a_request_that_outlives_the_request_timeout_is_answered_503() {
    let web = WebDir::new();
    // Cost 12: a first check takes a quarter second or more, far beyond the 1 ms deadline.
    web.write(&users_yaml(&bcrypt::hash(PASSWORD, 12).unwrap()));
    let (app, _mock) = exporter(&web, |config| {
        config.server.request_timeout = Duration::from_millis(1);
    })
    .await;
    let response = get_as(&app, "/metrics", USER, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn an_unknown_user_takes_as_long_to_refuse_as_a_wrong_password_of_the_costliest_user() {
    let web = WebDir::new();
    // The costliest user is far from cost 10, that of the fixed decoy this test replaced, and
    // cheap enough to check several times.
    let costly = bcrypt::hash(PASSWORD, 8).unwrap();
    web.write(&format!(
        "basic_auth_users:\n  cheap: '{}'\n  costly: '{costly}'\n",
        hash(PASSWORD)
    ));
    let (app, _mock) = exporter(&web, |_| {}).await;
    let refusal = |user: &'static str| {
        let app = &app;
        async move {
            let started = Instant::now();
            let response = get_as(app, "/metrics", user, "wrong").await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{user}");
            started.elapsed()
        }
    };
    // The quickest of several each, taken in turns: a busy machine only ever slows a refusal.
    let (mut wrong_password, mut unknown_user) = (Duration::MAX, Duration::MAX);
    for _ in 0..5 {
        wrong_password = wrong_password.min(refusal("costly").await);
        unknown_user = unknown_user.min(refusal("intruder").await);
    }
    assert!(
        wrong_password / 2 < unknown_user && unknown_user < wrong_password * 2,
        "an unknown user is refused in {unknown_user:?}, a wrong password in {wrong_password:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Start-up checks

#[tokio::test]
async fn an_unsupported_key_or_a_missing_certificate_stops_start_up_naming_it() {
    let web = WebDir::new();
    let mock = MockPlatform::start(SEED_CUSTOMERS).await.unwrap();
    let mut config = Config::with_platforms(vec![mock.platform_config("demo")]);
    config.server.listen = "127.0.0.1:0".parse().unwrap();
    config.server.web_config_file = Some(web.file());
    for (yaml, named) in [
        (
            "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  prefer_server_cipher_suites: true\n",
            "prefer_server_cipher_suites",
        ),
        (
            "tls_server_config:\n  cert_file: missing.crt\n  key_file: missing.key\n",
            "missing.crt",
        ),
        (
            "basic_auth_users:\n  alice: hunter2\n",
            "basic_auth_users.alice",
        ),
    ] {
        web.write(yaml);
        let error = match App::bind(&config).await {
            Ok(_) => panic!("{yaml:?} was accepted"),
            Err(e) => e.to_string(),
        };
        assert!(error.contains(named), "{named} not in {error:?}");
        assert!(!error.contains("hunter2"), "the value is not echoed");
    }
}

// ---------------------------------------------------------------------------------------------
// TLS

fn tls_yaml(cert: &Path, key: &Path, extra: &str) -> String {
    format!(
        "tls_server_config:\n  cert_file: {}\n  key_file: {}\n{extra}",
        cert.display(),
        key.display()
    )
}

/// A fresh client (no pooled connection) trusting `ca`, optionally presenting `identity`.
fn https_client(ca: &TestCa, identity: Option<reqwest::Identity>) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca.root())
        .no_proxy();
    if let Some(identity) = identity {
        builder = builder.identity(identity);
    }
    builder.build().unwrap()
}

fn https(app: &TestApp, path: &str) -> String {
    format!("https://{}{path}", app.addr)
}

#[tokio::test]
async fn tls_serves_the_configured_certificate_and_picks_up_a_rotated_one() {
    let web = WebDir::new();
    let first_ca = TestCa::new("first CA");
    let (cert, key) = first_ca.server().write(web.path(), "server");
    web.write(&tls_yaml(&cert, &key, ""));
    let (app, _mock) = exporter(&web, |_| {}).await;

    let response = https_client(&first_ca, None)
        .get(https(&app, "/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        app.http.get(app.url("/metrics")).send().await.is_err(),
        "plain HTTP is not served on the TLS port"
    );
    let second_ca = TestCa::new("second CA");
    assert!(
        https_client(&second_ca, None)
            .get(https(&app, "/metrics"))
            .send()
            .await
            .is_err(),
        "a client that does not trust the issuer refuses the server"
    );

    // Rotation: the same paths, new content; the next connection gets the new certificate.
    second_ca.server().write(web.path(), "server");
    let response = https_client(&second_ca, None)
        .get(https(&app, "/metrics"))
        .send()
        .await
        .expect("the rotated certificate is served without a restart");
    assert_eq!(response.status(), 200);

    let output = crate::common::demo::run_healthcheck(https(&app, "/-/healthy")).await;
    assert!(
        output.status.success(),
        "the healthcheck probes an HTTPS exporter: {output:?}"
    );
}

#[tokio::test]
async fn client_certificates_are_required_and_verified_against_the_client_ca() {
    let web = WebDir::new();
    let server_ca = TestCa::new("server CA");
    let client_ca = TestCa::new("client CA");
    let stranger_ca = TestCa::new("stranger CA");
    let (cert, key) = server_ca.server().write(web.path(), "server");
    let client_ca_file = client_ca.write(web.path(), "clients");
    web.write(&tls_yaml(
        &cert,
        &key,
        &format!(
            "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {}\n  min_version: TLS13\n",
            client_ca_file.display()
        ),
    ));
    let (app, _mock) = exporter(&web, |_| {}).await;
    let url = https(&app, "/metrics");

    let accepted = https_client(&server_ca, Some(client_ca.client("prometheus").identity()))
        .get(&url)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);

    for (what, identity) in [
        ("no certificate", None),
        (
            "a certificate from another CA",
            Some(stranger_ca.client("prometheus").identity()),
        ),
    ] {
        assert!(
            https_client(&server_ca, identity)
                .get(&url)
                .send()
                .await
                .is_err(),
            "{what} is refused"
        );
    }
}

#[tokio::test]
async fn require_any_client_cert_takes_any_certificate_but_not_none() {
    let web = WebDir::new();
    let server_ca = TestCa::new("server CA");
    let (cert, key) = server_ca.server().write(web.path(), "server");
    web.write(&tls_yaml(
        &cert,
        &key,
        "  client_auth_type: RequireAnyClientCert\n",
    ));
    let (app, _mock) = exporter(&web, |_| {}).await;
    let url = https(&app, "/-/healthy");
    let anyone = TestCa::new("anyone").client("someone").identity();
    assert_eq!(
        https_client(&server_ca, Some(anyone))
            .get(&url)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert!(
        https_client(&server_ca, None)
            .get(&url)
            .send()
            .await
            .is_err()
    );
}

// ---------------------------------------------------------------------------------------------
// Methods, paths and slow or numerous clients

/// Sends `request` as is (no client-side normalisation of the path) and reads the whole answer.
async fn raw(app: &TestApp, request: &str) -> String {
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut answer))
        .await
        .expect("the server answers and closes")
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn only_get_and_head_are_answered_and_every_other_path_is_404() {
    let web = WebDir::new();
    web.write("");
    let (app, _mock) = exporter(&web, |_| {}).await;

    for path in ["/", "/metrics", "/-/healthy", "/-/ready"] {
        for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"] {
            let response = app
                .http
                .request(method.parse().unwrap(), app.url(path))
                .body("x=1")
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            let allow = response.headers()["allow"].to_str().unwrap().to_owned();
            assert!(allow.contains("GET") && allow.contains("HEAD"), "{allow}");
        }
        let head = app.http.head(app.url(path)).send().await.unwrap();
        assert!(
            head.status() != StatusCode::METHOD_NOT_ALLOWED,
            "HEAD {path}"
        );
        assert!(head.bytes().await.unwrap().is_empty(), "HEAD has no body");
    }

    for path in [
        "/../../../../etc/passwd",
        "/metrics/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2fetc%2fpasswd",
        "//etc/passwd",
        "/./metrics",
        "/metrics/",
        "/Metrics",
        "/static/../metrics",
        "/-/",
    ] {
        let answer = raw(
            &app,
            &format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        )
        .await;
        assert!(
            answer.starts_with("HTTP/1.1 404 "),
            "{path}: {}",
            answer.lines().next().unwrap_or("")
        );
        assert!(!answer.contains("root:"), "{path} reached a file");
    }
}

/// Reads from `stream` until the server closes it (or resets it); panics after [`PATIENCE`].
async fn wait_for_close(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let mut buf = [0; 1024];
    tokio::time::timeout(PATIENCE, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .expect("the server closes the connection of a client that is too slow");
    received
}

#[tokio::test]
async fn a_client_trickling_its_headers_or_its_handshake_is_disconnected() {
    let web = WebDir::new();
    web.write("");
    let (app, _mock) = exporter(&web, |config| {
        config.server.header_read_timeout = Duration::from_millis(300);
    })
    .await;
    let mut slow = TcpStream::connect(app.addr).await.unwrap();
    slow.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let received = wait_for_close(&mut slow).await;
    assert!(
        !String::from_utf8_lossy(&received).contains("200 OK"),
        "an incomplete request is never served"
    );

    // The same over TLS: a client that connects and never says hello is dropped.
    let tls_dir = WebDir::new();
    let ca = TestCa::new("CA");
    let (cert, key) = ca.server().write(tls_dir.path(), "server");
    tls_dir.write(&tls_yaml(&cert, &key, ""));
    let (tls_app, _mock) = exporter(&tls_dir, |config| {
        config.server.header_read_timeout = Duration::from_millis(300);
    })
    .await;
    let mut silent = TcpStream::connect(tls_app.addr).await.unwrap();
    assert!(wait_for_close(&mut silent).await.is_empty());
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_for_a_free_slot() {
    let web = WebDir::new();
    web.write("");
    let (app, _mock) = exporter(&web, |config| {
        config.server.max_connections = 1;
    })
    .await;
    // The one slot, held by a client that says nothing.
    let holder = TcpStream::connect(app.addr).await.unwrap();
    let waiting = reqwest::Client::builder()
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap()
        .get(app.url("/-/healthy"))
        .send()
        .await;
    assert!(
        waiting.is_err_and(|e| e.is_timeout()),
        "a second connection is not served while the slot is taken"
    );

    drop(holder);
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let served = reqwest::Client::builder()
            .timeout(Duration::from_secs(1))
            .build()
            .unwrap()
            .get(app.url("/-/healthy"))
            .send()
            .await;
        if served.is_ok_and(|r| r.status() == 200) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the freed slot is never reused"
        );
    }
}

#[tokio::test]
async fn check_config_validates_the_web_config_file_given_by_flag() {
    let web = WebDir::new();
    let config = web.path().join("config.toml");
    std::fs::write(
        &config,
        "[[platforms]]\nname = \"p\"\nbase_url = \"https://lp.example\"\n[platforms.auth]\nkind = \"none\"\n",
    )
    .unwrap();
    let check = |yaml: &str| {
        web.write(yaml);
        let (config, file) = (config.clone(), web.file());
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(crate::common::demo::BINARY)
                .arg("--config")
                .arg(config)
                .arg("--web.config.file")
                .arg(file)
                .arg("--check-config")
                .output()
                .unwrap()
        })
    };
    let good = check(&users_yaml(&hash(PASSWORD))).await.unwrap();
    assert!(good.status.success(), "{good:?}");
    let bad = check("http_server_config:\n  http2: true\n").await.unwrap();
    assert_eq!(bad.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("http2"), "{stderr}");
}
