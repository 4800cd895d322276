//! The exporter's own endpoint, locked down by a web configuration file: basic auth, TLS with
//! server and client certificates made for the test, response headers, reloads without a
//! restart; and the server limits: methods, paths, slow, idle and reconnecting clients, connection
//! count, deadlines.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::common::pki::TestCa;
use crate::common::{TestApp, spawn_with};
use liveplatform_exporter::App;
use liveplatform_exporter::Config;
use liveplatform_exporter::{DemoPlatform, SEED_CUSTOMERS};
use reqwest::StatusCode;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio::io::{AsyncReadExt, AsyncWriteExt, Interest};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
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
async fn exporter(web: &WebDir, configure: impl FnOnce(&mut Config)) -> (TestApp, DemoPlatform) {
    exporter_over(web, SEED_CUSTOMERS.to_vec(), configure).await
}

/// The exporter over `customers` (the platform's JSON), with `web` as its web configuration file.
async fn exporter_over(
    web: &WebDir,
    customers: Vec<u8>,
    configure: impl FnOnce(&mut Config),
) -> (TestApp, DemoPlatform) {
    let mock = DemoPlatform::start(customers).await.unwrap();
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
    let mock = DemoPlatform::start(SEED_CUSTOMERS).await.unwrap();
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

/// A fresh client (no pooled connection, and none kept after its requests) trusting `ca`,
/// optionally presenting `identity`.
fn https_client(ca: &TestCa, identity: Option<reqwest::Identity>) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca.root())
        .pool_max_idle_per_host(0)
        .no_proxy();
    if let Some(identity) = identity {
        builder = builder.identity(identity);
    }
    builder.build().unwrap()
}

fn https(app: &TestApp, path: &str) -> String {
    format!("https://{}{path}", app.addr)
}

async fn assert_https_probe_answered_within_a_second(client: &reqwest::Client, app: &TestApp) {
    let answer = tokio::time::timeout(Duration::from_secs(1), async {
        client
            .get(https(app, "/-/healthy"))
            .send()
            .await
            .unwrap()
            .status()
    })
    .await
    .expect("an HTTPS probe is answered within a second");
    assert_eq!(answer, StatusCode::OK);
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

/// A client of its own for each request: no connection is reused from a pool.
fn unpooled_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(timeout)
        .no_proxy()
        .build()
        .unwrap()
}

/// Asks for `path` on a new connection and expects it answered in full, 200, within a second:
/// what an orchestrator's liveness probe or a Prometheus scrape needs.
async fn answered_within_a_second(app: &TestApp, path: &str, credentials: Option<(&str, &str)>) {
    let mut request = unpooled_client(PATIENCE).get(app.url(path));
    if let Some((user, password)) = credentials {
        request = request.basic_auth(user, Some(password));
    }
    let started = Instant::now();
    let answer = tokio::time::timeout(Duration::from_secs(1), async {
        let response = request.send().await.unwrap();
        (response.status(), response.bytes().await.unwrap())
    })
    .await
    .unwrap_or_else(|_| panic!("{path} not answered within a second"));
    assert_eq!(
        answer.0,
        StatusCode::OK,
        "{path} after {:?}",
        started.elapsed()
    );
}

/// Raises this process's limit on open files, as far as the hard limit allows, for `wanted`
/// sockets on top of what the process may already hold; returns how many of them fit.
fn descriptors_for(wanted: usize) -> usize {
    // For the exporter's side of the connections, the other test running alongside, the runtime.
    const HEADROOM: libc::rlim_t = 512;
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed.
    assert_eq!(
        unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
        0
    );
    let needed = wanted as libc::rlim_t + HEADROOM;
    if limit.rlim_cur < needed {
        limit.rlim_cur = needed.min(limit.rlim_max);
        // SAFETY: as above.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
    }
    (limit.rlim_cur.saturating_sub(HEADROOM) as usize).min(wanted)
}

/// Counts, as permits, the streams the server closes (end of stream or reset).
fn closed_by_server(streams: Vec<TcpStream>) -> Arc<Semaphore> {
    let closed = Arc::new(Semaphore::new(0));
    for mut stream in streams {
        let closed = closed.clone();
        tokio::spawn(async move {
            let mut buf = [0; 1024];
            while let Ok(1..) = stream.read(&mut buf).await {}
            closed.add_permits(1);
        });
    }
    closed
}

#[tokio::test]
async fn idle_connections_cannot_keep_probes_or_scrapes_out() {
    let web = WebDir::new();
    web.write(&users_yaml(&hash(PASSWORD)));
    let mut max_connections = 0;
    let (app, _mock) = exporter(&web, |config| {
        max_connections = config.server.max_connections;
        // Far beyond the test: only closing idle connections can make room in time.
        config.server.header_read_timeout = Duration::from_secs(600);
    })
    .await;
    let count = descriptors_for(2_000);
    assert!(
        count >= 8 * max_connections,
        "only {count} descriptors to spare for {max_connections} slots"
    );
    let mut idle = Vec::with_capacity(count);
    for i in 0..count {
        let mut stream = TcpStream::connect(app.addr).await.unwrap();
        // Silent; or headers begun and never finished; or a request answered, then nothing.
        let opening: &[u8] = match i % 3 {
            0 => b"",
            1 => b"GET /metrics HTTP/1.1\r\nHost: x\r\n",
            _ => b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n",
        };
        // The server may have closed it already to make room for the next.
        let _ = stream.write_all(opening).await;
        idle.push(stream);
    }

    for _ in 0..3 {
        answered_within_a_second(&app, "/-/healthy", None).await;
        answered_within_a_second(&app, "/metrics", Some((USER, PASSWORD))).await;
    }
    // The descriptors the idle clients cost the server stay bounded, whatever kind they are:
    // each kind is a third of them, far more than twice the limit.
    let closed = closed_by_server(idle);
    let at_most_open = (2 * max_connections) as u32;
    tokio::time::timeout(PATIENCE, closed.acquire_many(count as u32 - at_most_open))
        .await
        .expect("the server closes idle connections beyond twice the limit")
        .unwrap()
        .forget();
}

#[tokio::test]
async fn clients_reconnecting_as_soon_as_closed_cannot_keep_probes_or_scrapes_out() {
    let web = WebDir::new();
    web.write(&users_yaml(&hash(PASSWORD)));
    let mut max_connections = 0;
    let (app, _mock) = exporter(&web, |config| {
        max_connections = config.server.max_connections;
        config.server.header_read_timeout = Duration::from_secs(600);
    })
    .await;
    let (connected, closed) = (Arc::new(Semaphore::new(0)), Arc::new(Semaphore::new(0)));
    let mut attackers = JoinSet::new();
    for _ in 0..max_connections + 6 {
        let (addr, connected, closed) = (app.addr, connected.clone(), closed.clone());
        attackers.spawn(async move {
            loop {
                if let Ok(mut stream) = TcpStream::connect(addr).await {
                    connected.add_permits(1);
                    // Silent until the server closes it, then straight back.
                    let _ = stream.read(&mut [0; 1]).await;
                    closed.add_permits(1);
                }
            }
        });
    }
    tokio::time::timeout(PATIENCE, connected.acquire_many(max_connections as u32 + 6))
        .await
        .expect("every attacker is connected")
        .unwrap()
        .forget();

    for _ in 0..5 {
        answered_within_a_second(&app, "/-/healthy", None).await;
        answered_within_a_second(&app, "/metrics", Some((USER, PASSWORD))).await;
    }
    tokio::time::timeout(PATIENCE, closed.acquire_many(500))
        .await
        .expect("the attackers' connections are closed for newer ones, and reopened")
        .unwrap()
        .forget();
    assert!(
        attackers.try_join_next().is_none(),
        "the attackers kept at it"
    );
}

#[tokio::test]
async fn tls_handshakes_left_hanging_cannot_keep_probes_out() {
    let web = WebDir::new();
    let ca = TestCa::new("CA");
    let (cert, key) = ca.server().write(web.path(), "server");
    web.write(&tls_yaml(&cert, &key, ""));
    let max_connections = 4;
    let (app, _mock) = exporter(&web, |config| {
        config.server.max_connections = max_connections;
        config.server.header_read_timeout = Duration::from_secs(600);
    })
    .await;
    let mut hanging = Vec::new();
    for i in 0..10 * max_connections {
        let mut stream = TcpStream::connect(app.addr).await.unwrap();
        if i % 2 == 1 {
            // The start of a ClientHello record announcing 512 bytes, then nothing.
            let _ = stream
                .write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
                .await;
        }
        hanging.push(stream);
    }

    let client = https_client(&ca, None);
    for _ in 0..3 {
        assert_https_probe_answered_within_a_second(&client, &app).await;
    }
    let count = hanging.len() as u32;
    tokio::time::timeout(
        PATIENCE,
        closed_by_server(hanging).acquire_many(count - 2 * max_connections as u32),
    )
    .await
    .expect("handshakes in progress are closed to make room")
    .unwrap()
    .forget();
}

/// The most the kernel may buffer for a connection's sending side (Linux's `tcp_wmem` maximum).
fn send_buffer_max() -> usize {
    std::fs::read_to_string("/proc/sys/net/ipv4/tcp_wmem")
        .ok()
        .and_then(|limits| limits.split_whitespace().nth(2)?.parse().ok())
        .unwrap_or(4 * 1024 * 1024)
}

/// A customer list whose exposition holds at least `bytes`. Long names make it large at little
/// cost to decode: the short name is a label of every series of its customer.
fn customers_of_size(bytes: usize) -> Vec<u8> {
    // Each customer's series hold its short name about five times.
    const PER_CUSTOMER: usize = 10_000;
    let customers: Vec<_> = (0..bytes / PER_CUSTOMER + 1)
        .map(|i| {
            serde_json::json!({
                "UmpCustomerGuid": format!("00000000-0000-4000-8000-{i:012}"),
                "CustomerShortName": format!("customer-{i}-{}", "x".repeat(2_000)),
                "CustomerFullName": format!("Customer number {i}"),
                "LicenseType": 1,
                "LicensedUsersCount": 100,
                "MsTenantId": null,
                "ActiveUserCount": 10,
                "LiveHubActiveUsersCount": 1,
                "LiveHubSimpleUsersCount": 2,
            })
        })
        .collect();
    serde_json::to_vec(&customers).unwrap()
}

/// Reads one response with a Content-Length from `stream`: its headers and its body's length.
async fn read_response(stream: &mut TcpStream) -> (String, usize) {
    read_response_pausing(stream, usize::MAX, Duration::ZERO).await
}

/// [`read_response`], pausing for `pause` after each `burst` bytes of its body.
async fn read_response_pausing(
    stream: &mut TcpStream,
    burst: usize,
    pause: Duration,
) -> (String, usize) {
    let mut received = Vec::new();
    let mut buf = vec![0; 64 * 1024];
    let head_end = loop {
        if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "the connection closed before the headers ended");
        received.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&received[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|line| {
            line.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(str::to_owned)
        })
        .expect("a Content-Length")
        .parse()
        .unwrap();
    let mut body = received.len() - head_end;
    let mut since_pause = body;
    while body < length {
        if since_pause >= burst {
            tokio::time::sleep(pause).await;
            since_pause = 0;
        }
        let n = match stream.read(&mut buf).await {
            Ok(n) => n,
            Err(e) => panic!("the response was cut after {body} of {length} bytes: {e}"),
        };
        assert!(n > 0, "the response was cut after {body} of {length} bytes");
        body += n;
        since_pause += n;
    }
    assert_eq!(body, length, "nothing beyond the response");
    (head, length)
}

/// The exporter over a customer list whose exposition the socket buffers of a connection cannot
/// take whole, once it has polled it; and the size the kernel may buffer.
async fn exporter_with_large_exposition(
    web: &WebDir,
    configure: impl FnOnce(&mut Config),
) -> (TestApp, DemoPlatform, usize) {
    let (app, mock, buffered) = exporter_polling_large_exposition(web, configure).await;
    wait_until_ready(unpooled_client(PATIENCE).get(app.url("/-/ready"))).await;
    (app, mock, buffered)
}

/// [`exporter_with_large_exposition`], before its first poll: for a caller that asks whether
/// it is ready its own way (over TLS).
async fn exporter_polling_large_exposition(
    web: &WebDir,
    configure: impl FnOnce(&mut Config),
) -> (TestApp, DemoPlatform, usize) {
    // The client lets the kernel buffer little on its side (see `busy_connection`).
    let buffered = send_buffer_max() + 64 * 1024;
    let (app, mock) = exporter_over(
        web,
        customers_of_size(buffered + 2 * 1024 * 1024),
        |config| {
            config.server.header_read_timeout = Duration::from_secs(600);
            // One poll is enough, and polls of this list are not cheap.
            config.platforms[0].poll_interval = Duration::from_secs(60);
            // Only the list's exposition matters here, not one request per customer of it.
            config.platforms[0] = crate::common::customers_only(config.platforms[0].clone());
            configure(config);
        },
    )
    .await;
    (app, mock, buffered)
}

/// How long a first poll of the large exposition may take: seconds on a quiet machine, far
/// more on one that builds at the same time. Only the set-up waits this long.
const FIRST_POLL_PATIENCE: Duration = Duration::from_secs(60);

/// Waits until `ready` (a `/-/ready` request) is answered 200.
async fn wait_until_ready(ready: reqwest::RequestBuilder) {
    let deadline = Instant::now() + FIRST_POLL_PATIENCE;
    while ready.try_clone().unwrap().send().await.unwrap().status() != StatusCode::OK {
        assert!(Instant::now() < deadline, "never became ready");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A connection that has asked for `/metrics` and reads nothing yet: the server is writing a
/// response larger than the socket buffers, so the connection stays busy until it is read.
async fn busy_connection(app: &TestApp) -> TcpStream {
    tokio::time::timeout(PATIENCE, ask_for_metrics(app.addr, 1))
        .await
        .expect("the response begins")
        .unwrap()
}

/// Connects with a small receive buffer, asks for `/metrics` `times` in one write (pipelined)
/// and waits for the first response to begin, reading none of it.
async fn ask_for_metrics(addr: SocketAddr, times: usize) -> io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    // The kernel buffers little on the client's side: the server's writes block sooner.
    socket.set_recv_buffer_size(16 * 1024)?;
    let mut stream = socket.connect(addr).await?;
    stream
        .write_all(
            "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
                .repeat(times)
                .as_bytes(),
        )
        .await?;
    stream.peek(&mut [0]).await?;
    Ok(stream)
}

/// How a slow reader of `/metrics` takes its response.
#[derive(Clone, Copy)]
enum Slowness {
    /// Reads nothing.
    Never,
    /// Reads a byte a second.
    Trickle,
    /// Asks for two responses in one write and reads neither.
    Pipelined,
}

/// A client reading `/metrics` slowly for as long as it runs: when the server closes its
/// connection, it connects again at once. Counts the responses begun in `begun`.
async fn read_slowly(addr: SocketAddr, slowness: Slowness, begun: Arc<Semaphore>) {
    let times = match slowness {
        Slowness::Pipelined => 2,
        Slowness::Never | Slowness::Trickle => 1,
    };
    loop {
        let Ok(mut stream) = ask_for_metrics(addr, times).await else {
            continue;
        };
        begun.add_permits(1);
        let trickles = matches!(slowness, Slowness::Trickle);
        loop {
            tokio::select! {
                // A reset, seen without reading what was sent before it.
                _ = stream.ready(Interest::ERROR) => break,
                () = tokio::time::sleep(Duration::from_secs(1)), if trickles => {
                    if !matches!(stream.read(&mut [0]).await, Ok(1)) {
                        break;
                    }
                }
            }
        }
    }
}

/// The exporter over a large exposition at its default connection limit, with `per_slot`
/// clients for each slot reading `/metrics` slowly ([`read_slowly`]), each let in once.
struct Beset {
    app: TestApp,
    /// The size the kernel may buffer (see [`exporter_with_large_exposition`]).
    buffered: usize,
    readers: JoinSet<()>,
    /// The responses the readers have begun, beyond the first of each.
    begun: Arc<Semaphore>,
    _mock: DemoPlatform,
    _web: WebDir,
}

impl Beset {
    async fn start(per_slot: usize) -> Self {
        let web = WebDir::new();
        web.write("");
        let mut max_connections = 0;
        let (app, mock, buffered) = exporter_with_large_exposition(&web, |config| {
            max_connections = config.server.max_connections;
        })
        .await;
        let count = max_connections * per_slot;
        descriptors_for(2 * count);
        let begun = Arc::new(Semaphore::new(0));
        let mut readers = JoinSet::new();
        for i in 0..count {
            let slowness = [Slowness::Never, Slowness::Trickle, Slowness::Pipelined][i % 3];
            readers.spawn(read_slowly(app.addr, slowness, begun.clone()));
        }
        tokio::time::timeout(PATIENCE, begun.acquire_many(count as u32))
            .await
            .expect("every slot is busy with a slow reader, and every reader was let in once")
            .unwrap()
            .forget();
        Self {
            app,
            buffered,
            readers,
            begun,
            _mock: mock,
            _web: web,
        }
    }
}

/// Reads the response of a [`busy_connection`] to its end and checks it is whole, and was too
/// large for the `buffered` bytes the kernel may hold.
async fn read_whole_response(stream: &mut TcpStream, buffered: usize) {
    let (head, length) = read_response(stream).await;
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    assert!(
        length > buffered + 1024 * 1024,
        "{length} bytes may fit in the socket buffers: the connection may not have been busy"
    );
}

/// Issue 22's case: as many clients as there are slots read `/metrics` slowly, or not at all,
/// and come back as soon as they are cut; probes and scrapes are still answered within a second.
#[tokio::test]
async fn slow_readers_of_metrics_cannot_keep_probes_or_scrapes_out() {
    slow_readers_cannot_keep_probes_or_scrapes_out(1).await;
}

/// Issue 29's: four times as many as slots (256), queued in the kernel's accept queue with the
/// probes and scrapes. On a runtime of two threads, as the exporter's own is: on one, the
/// exporter's writes of the readers' responses would keep this test's scrape from reading its
/// own for longer than a stalled reader keeps its slot, as no remote Prometheus is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_slow_readers_than_slots_cannot_keep_probes_or_scrapes_out() {
    slow_readers_cannot_keep_probes_or_scrapes_out(4).await;
}

/// A client that takes its response a burst at a time, pausing longer than a slow reader's
/// stall is allowed when many wait but less than half a second, is not cut among them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_reading_in_bursts_is_not_cut_among_more_slow_readers_than_slots() {
    let beset = Beset::start(4).await;
    let mut stream = TcpStream::connect(beset.app.addr).await.unwrap();
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let (head, length) =
        read_response_pausing(&mut stream, 1024 * 1024, Duration::from_millis(250)).await;
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    assert!(
        length > beset.buffered + 1024 * 1024,
        "paused several times"
    );
}

/// `per_slot` clients for each connection slot read `/metrics` slowly, or not at all, and come
/// back as soon as they are cut; probes and scrapes are still answered within a second.
async fn slow_readers_cannot_keep_probes_or_scrapes_out(per_slot: usize) {
    let Beset {
        app,
        mut readers,
        begun,
        ..
    } = Beset::start(per_slot).await;
    let count = readers.len();
    for _ in 0..3 {
        answered_within_a_second(&app, "/-/healthy", None).await;
        answered_within_a_second(&app, "/metrics", None).await;
        answered_within_a_second(&app, "/-/ready", None).await;
    }
    assert!(
        begun.available_permits() > 0,
        "slow readers made room, cut, and came back"
    );
    assert!(
        readers.try_join_next().is_none(),
        "the {count} readers kept at it"
    );
}

/// A busy connection whose client takes nothing keeps its slot while nobody needs it (until
/// the write timeout), and gives it up to a new connection once it has stalled half a second.
#[tokio::test]
async fn a_stalled_connection_keeps_its_slot_until_a_new_one_needs_it() {
    let web = WebDir::new();
    web.write("");
    let (app, _mock, buffered) = exporter_with_large_exposition(&web, |config| {
        config.server.max_connections = 1;
    })
    .await;

    let mut holder = busy_connection(&app).await;
    // Long past the stall that lets a new connection take the slot, but none asked for it.
    tokio::time::sleep(Duration::from_secs(1)).await;
    read_whole_response(&mut holder, buffered).await;

    // Takes the slot of the idle holder, and stalls.
    let mut stalled = busy_connection(&app).await;
    answered_within_a_second(&app, "/-/healthy", None).await;
    let received = wait_for_close(&mut stalled).await;
    assert!(
        received.len() < buffered,
        "the stalled response was cut, after {} bytes",
        received.len()
    );
    assert!(
        wait_for_close(&mut holder).await.is_empty(),
        "the idle connection made room first"
    );
}

#[tokio::test]
async fn a_response_not_taken_within_the_write_timeout_is_cut() {
    let web = WebDir::new();
    web.write("");
    let (app, _mock, buffered) = exporter_with_large_exposition(&web, |config| {
        config.server.write_timeout = Duration::from_millis(300);
    })
    .await;
    let slow = busy_connection(&app).await;
    // Reset, with nobody waiting for its slot, though it has not read a byte.
    tokio::time::timeout(PATIENCE, slow.ready(Interest::ERROR))
        .await
        .expect("cut at the write timeout")
        .unwrap();
    // A client that takes its response at once gets it whole.
    let mut prompt = busy_connection(&app).await;
    read_whole_response(&mut prompt, buffered).await;
}

/// A client over TLS that has asked for `/metrics` and reads nothing: rustls's writes stall
/// beneath TLS as hyper's do without it.
async fn tls_busy_connection(
    addr: SocketAddr,
    client: Arc<rustls::ClientConfig>,
) -> tokio_rustls::client::TlsStream<TcpStream> {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(16 * 1024).unwrap();
    let stream = socket.connect(addr).await.unwrap();
    let server = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = tokio_rustls::TlsConnector::from(client)
        .connect(server, stream)
        .await
        .unwrap();
    tls.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    tls.flush().await.unwrap();
    // Through TLS: the session tickets that follow the handshake come before the response.
    tokio::time::timeout(PATIENCE, tls.read_exact(&mut [0]))
        .await
        .expect("the response begins")
        .unwrap();
    tls
}

#[tokio::test]
async fn slow_readers_over_tls_cannot_keep_probes_out() {
    let web = WebDir::new();
    let ca = TestCa::new("CA");
    let (cert, key) = ca.server().write(web.path(), "server");
    web.write(&tls_yaml(&cert, &key, ""));
    let max_connections = 4;
    let (app, _mock, _) = exporter_polling_large_exposition(&web, |config| {
        config.server.max_connections = max_connections;
    })
    .await;
    wait_until_ready(https_client(&ca, None).get(https(&app, "/-/ready"))).await;

    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca.pem().as_bytes()).unwrap())
        .unwrap();
    let client = Arc::new(
        rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth(),
    );
    let mut readers = Vec::new();
    for _ in 0..max_connections {
        readers.push(tls_busy_connection(app.addr, client.clone()).await);
    }
    for _ in 0..3 {
        // A client of its own each time: a connection of its own.
        assert_https_probe_answered_within_a_second(&https_client(&ca, None), &app).await;
    }
    let reset = readers
        .iter()
        .filter(|tls| tls.get_ref().0.take_error().unwrap().is_some())
        .count();
    assert!(reset > 0, "slow readers made room, cut beneath TLS");
}

#[tokio::test]
async fn a_stop_closes_idle_connections_at_once_and_lets_a_busy_one_finish() {
    let web = WebDir::new();
    web.write("");
    let (app, _mock, buffered) = exporter_with_large_exposition(&web, |_| {}).await;
    let mut idle = Vec::new();
    for opening in [
        &b""[..],
        b"GET /metrics HTTP/1.1\r\nHost: x\r\n",
        b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n",
    ] {
        let mut stream = TcpStream::connect(app.addr).await.unwrap();
        stream.write_all(opening).await.unwrap();
        idle.push(stream);
    }
    let mut busy = busy_connection(&app).await;

    let stopping = tokio::spawn(app.stop());
    // Well within the 5 s the stop grants busy connections, and the 600 s header deadline.
    tokio::time::timeout(
        Duration::from_secs(2),
        closed_by_server(idle).acquire_many(3),
    )
    .await
    .expect("idle connections are closed at once")
    .unwrap()
    .forget();
    read_whole_response(&mut busy, buffered).await;
    assert!(
        wait_for_close(&mut busy).await.is_empty(),
        "closed after its response"
    );
    tokio::time::timeout(PATIENCE, stopping)
        .await
        .expect("the stop ends once the busy connection is done")
        .unwrap()
        .unwrap();
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

/// `POST /-/reload` (`--web.enable-lifecycle`) is no probe: behind basic auth like `/metrics`.
#[tokio::test]
async fn the_reload_endpoint_needs_credentials_when_basic_auth_is_on() {
    let web = WebDir::new();
    web.write(&users_yaml(&hash(PASSWORD)));
    let demo = crate::common::demo::Demo::start_with(
        &[
            "--demo",
            "--web.enable-lifecycle",
            "--web.config.file",
            web.file().to_str().unwrap(),
        ],
        crate::common::demo::Log::Keep,
    );
    let http = reqwest::Client::new();
    let anonymous = http.post(demo.url("/-/reload")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let wrong = http
        .post(demo.url("/-/reload"))
        .basic_auth(USER, Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    // Through to the reload, which the demo, having no file, refuses.
    let right = http
        .post(demo.url("/-/reload"))
        .basic_auth(USER, Some(PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 500);
    assert!(
        right
            .text()
            .await
            .unwrap()
            .contains("no configuration file")
    );
}
