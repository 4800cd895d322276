//! Shared test harness: an exporter spawned in-process on an ephemeral loopback port, and an
//! exposition parser written independently of the exporter's renderer.

/// Generated customer lists, as the benchmarks make them.
#[path = "../../../benches/support/customers.rs"]
pub(crate) mod customers;
pub(crate) mod demo;
pub(crate) mod per_customer;
pub(crate) mod pki;
pub(crate) mod prometheus;
pub(crate) mod stand_in;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use liveplatform_exporter::{App, AppError, Reloader};
use liveplatform_exporter::{AuthConfig, CollectorConfig, Config, PlatformConfig, collector_names};
use reqwest::Url;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How long a test waits for something the exporter does on its own schedule.
const PATIENCE: Duration = Duration::from_secs(15);

pub(crate) struct TestApp {
    pub addr: SocketAddr,
    pub http: reqwest::Client,
    /// What SIGHUP uses, without the signal.
    pub reloader: Reloader,
    shutdown: CancellationToken,
    handle: JoinHandle<Result<(), AppError>>,
}

/// A platform whose collectors all run every second, the shortest interval the config accepts,
/// its requests unthrottled: at the default 10 a second, the per-customer collectors' runs over
/// the 35 seed customers, which share the limiter, would outlast their 5 s timeout.
pub(crate) fn fast(mut platform: PlatformConfig) -> PlatformConfig {
    platform.poll_interval = Duration::from_secs(1);
    platform.max_requests_per_second = 1000;
    platform.stale_after = Duration::from_secs(60);
    platform.timeout = Duration::from_secs(5);
    for name in collector_names().filter(|name| *name != "customers") {
        let table = platform.collectors.entry(name.to_owned()).or_default();
        table.interval = Some(Duration::from_secs(1));
        table.stale_after = Some(Duration::from_secs(60));
        table.timeout = Some(Duration::from_secs(5));
    }
    platform
}

/// The platform with every collector but the customer list switched off: for a stand-in API
/// that only serves the list.
pub(crate) fn customers_only(mut platform: PlatformConfig) -> PlatformConfig {
    for name in collector_names().filter(|name| *name != "customers") {
        platform
            .collectors
            .entry(name.to_owned())
            .or_default()
            .enabled = Some(false);
    }
    platform
}

/// Switches `collector` back on in a platform that [`customers_only`] made; its table, for the
/// test's other settings.
pub(crate) fn enable<'a>(
    platform: &'a mut PlatformConfig,
    collector: &str,
) -> &'a mut CollectorConfig {
    let table = platform
        .collectors
        .get_mut(collector)
        .expect("customers_only() names every collector");
    table.enabled = Some(true);
    table
}

/// A platform of the customer list alone, without authentication, at `base_url` (a wiremock
/// server's URI, usually).
pub(crate) fn unauthenticated(name: &str, base_url: &str) -> PlatformConfig {
    customers_only(fast(PlatformConfig::new(
        name,
        Url::parse(base_url).unwrap(),
        AuthConfig::None,
    )))
}

/// A loopback address where nothing listens: a port the system just handed out and took back.
pub(crate) fn closed_loopback_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("can bind a loopback port")
}

pub(crate) async fn spawn_app(platforms: Vec<PlatformConfig>) -> TestApp {
    spawn_with(Config::with_platforms(platforms)).await
}

/// `config` served on an ephemeral loopback port, whatever its `server.listen`.
pub(crate) async fn spawn_with(mut config: Config) -> TestApp {
    config.server.listen = "127.0.0.1:0".parse().unwrap();
    let app = App::bind(&config).await.expect("exporter starts");
    let addr = app.local_addr();
    let reloader = app.reloader();
    let shutdown = CancellationToken::new();
    let handle = tokio::spawn(app.run(shutdown.clone()));
    TestApp {
        addr,
        http: reqwest::Client::new(),
        reloader,
        shutdown,
        handle,
    }
}

impl TestApp {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub(crate) async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.unwrap()
    }

    pub(crate) async fn scrape(&self) -> Scrape {
        let response = self.get("/metrics").await;
        assert_eq!(response.status(), 200);
        Scrape::parse(&response.text().await.unwrap())
    }

    /// Scrapes until `done` holds: the exporter polls on its own clock, so tests wait for the
    /// outcome rather than for a guessed amount of time.
    pub(crate) async fn scrape_until(&self, what: &str, done: impl Fn(&Scrape) -> bool) -> Scrape {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let scrape = self.scrape().await;
            if done(&scrape) {
                return scrape;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}; last scrape:\n{}",
                scrape.text
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits for the first successful run of every collector of every platform: `/-/ready`
    /// answers 200, and names no collector still to run a first time.
    pub(crate) async fn ready(&self) -> Scrape {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let response = self.get("/-/ready").await;
            let ok = response.status() == 200;
            let body = response.text().await.unwrap_or_default();
            if ok && !body.contains("Still to run a first time") {
                return self.scrape().await;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "never became ready: {body}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub(crate) async fn stop(self) -> Result<(), AppError> {
        self.shutdown.cancel();
        self.handle.await.unwrap()
    }
}

/// `liveplatform_up` of `collector` on the platform named "demo".
pub(crate) fn demo_up(scrape: &Scrape, collector: &str) -> Option<f64> {
    scrape.value(
        "liveplatform_up",
        &[("platform", "demo"), ("collector", collector)],
    )
}

/// Scrapes `app` until `collector` of the platform named "demo" has failed for `reason` while
/// the customer list is up; then that failure is the collector's alone: it is down, the exporter
/// is ready, and none of its `families` is published.
pub(crate) async fn assert_fails_alone(
    app: &TestApp,
    collector: &str,
    reason: &str,
    families: &[&str],
) {
    let errors = [
        ("platform", "demo"),
        ("collector", collector),
        ("reason", reason),
    ];
    let scrape = app
        .scrape_until(&format!("{collector} failing for {reason}"), |s| {
            s.value("liveplatform_poll_errors_total", &errors) >= Some(1.0)
                && demo_up(s, "customers") == Some(1.0)
        })
        .await;
    assert_eq!(demo_up(&scrape, collector), Some(0.0));
    // Readiness waits for the customer list, never for another collector.
    assert_eq!(app.get("/-/ready").await.status(), 200);
    for family in families {
        assert!(scrape.find(family, &[]).is_empty(), "{family}");
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

#[derive(Debug)]
pub(crate) struct Scrape {
    pub text: String,
    pub samples: Vec<Sample>,
}

impl Scrape {
    pub(crate) fn parse(text: &str) -> Scrape {
        let samples = text
            .lines()
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(|line| parse_sample(line).unwrap_or_else(|e| panic!("{e}: {line:?}")))
            .collect();
        Scrape {
            text: text.to_owned(),
            samples,
        }
    }

    /// Every sample of `name` whose labels include all of `labels`.
    pub(crate) fn find(&self, name: &str, labels: &[(&str, &str)]) -> Vec<&Sample> {
        self.samples
            .iter()
            .filter(|s| s.name == name)
            .filter(|s| {
                labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .collect()
    }

    /// The value of the one sample matching; `None` when absent, a panic when ambiguous.
    pub(crate) fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let found = self.find(name, labels);
        assert!(found.len() <= 1, "{name}{labels:?} is ambiguous: {found:?}");
        found.first().map(|s| s.value)
    }
}

/// Parses `name{label="value",...} value` following the text format's escaping rules.
fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line
        .find(['{', ' '])
        .ok_or("no value after the metric name")?;
    let name = line[..name_end].to_owned();
    let mut labels = BTreeMap::new();
    let mut rest = &line[name_end..];
    if let Some(after_brace) = rest.strip_prefix('{') {
        let mut chars = after_brace.char_indices().peekable();
        loop {
            let (start, c) = chars.next().ok_or("unterminated label set")?;
            if c == '}' {
                rest = &after_brace[start + 1..];
                break;
            }
            if c == ',' {
                continue;
            }
            let eq = after_brace[start..].find('=').ok_or("label without '='")? + start;
            let label = after_brace[start..eq].to_owned();
            while chars.peek().is_some_and(|(i, _)| *i <= eq) {
                chars.next();
            }
            if chars.next().map(|(_, c)| c) != Some('"') {
                return Err("label value not quoted".into());
            }
            let mut value = String::new();
            loop {
                match chars.next().ok_or("unterminated label value")?.1 {
                    '"' => break,
                    '\\' => match chars.next().ok_or("dangling escape")?.1 {
                        'n' => value.push('\n'),
                        '\\' => value.push('\\'),
                        '"' => value.push('"'),
                        other => return Err(format!("unknown escape \\{other}")),
                    },
                    '\n' => return Err("raw newline in a label value".into()),
                    c => value.push(c),
                }
            }
            if labels.insert(label.clone(), value).is_some() {
                return Err(format!("label {label} repeated"));
            }
        }
    }
    let value = rest
        .trim()
        .split(' ')
        .next()
        .ok_or("no value")?
        .parse::<f64>()
        .map_err(|e| format!("bad value: {e}"))?;
    Ok(Sample {
        name,
        labels,
        value,
    })
}

#[test]
fn parser_unescapes_label_values() {
    let sample = parse_sample(r#"m{a="x\"y\\z\nw",b="é,}"} 42"#).unwrap();
    assert_eq!(sample.name, "m");
    assert_eq!(sample.labels["a"], "x\"y\\z\nw");
    assert_eq!(sample.labels["b"], "é,}");
    assert_eq!(sample.value, 42.0);
    assert_eq!(parse_sample("up 1").unwrap().value, 1.0);
}
