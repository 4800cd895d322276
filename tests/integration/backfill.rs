//! `--backfill.months`: the built binary against a stand-in API serving a year of daily license
//! records per customer, its output made into blocks by `promtool tsdb create-blocks-from
//! openmetrics` and read by a real Prometheus, day by day and through the dashboard's license
//! panels; and every kind of bad input, each with a message that names the flag, the platform or
//! the customer, and never a file that looks complete when it is not.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::demo::BINARY;
use crate::common::prometheus;
use crate::monitoring::{dashboard, panel_queries, promtool};
use crate::prometheus_e2e::{expand_grafana_variables, variable_names};

const DAY: i64 = 86_400;
/// A year of daily records per customer.
const DAYS: i64 = 365;
/// Each record's time of day: the platform computes the figures about daily.
const AT_HOUR: i64 = 6 * 3600;
/// The job and instance Prometheus labels the exporter's scraped series with, in the example
/// configuration: the backfill adds them so that the history joins the live series.
const JOB: &str = "liveplatform";
const INSTANCE: &str = "exporter:9612";
/// The platforms' bearer token; must appear in no output.
const TOKEN: &str = "BACKFILL-TOKEN-7d865e959b2466918c98";
/// Where the configuration finds it.
const TOKEN_ENV: &str = "LIVEPLATFORM_BACKFILL_TEST_TOKEN";

/// The customers: id, name, license type.
const CUSTOMERS: [(&str, &str, i64); 3] =
    [("c-1", "alpha", 2), ("c-2", "beta", 2), ("c-3", "gamma", 0)];

fn customer_list() -> Value {
    CUSTOMERS
        .iter()
        .map(|(id, name, license_type)| {
            json!({"UmpCustomerGuid": id, "CustomerShortName": name, "LicenseType": license_type})
        })
        .collect()
}

/// The first record's time (Unix seconds): a year back, so that the last is yesterday's.
fn first_day() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    (now / DAY - DAYS) * DAY + AT_HOUR
}

/// Customer `c`'s acquired licenses on day `k` of the year: different every day.
fn acquired(c: usize, k: i64) -> i64 {
    1000 * (c as i64 + 1) + k
}

/// `DAYS` daily records, newest first (the order must not matter), in the API's date form.
fn history(c: usize, first: i64) -> Value {
    (0..DAYS)
        .rev()
        .map(|k| {
            let at = time::OffsetDateTime::from_unix_timestamp(first + k * DAY).unwrap();
            json!({
                "acquiredLicenses": acquired(c, k),
                "currentlyLicensed": k % 40,
                "totalMonitoredUsers": (k % 7).to_string(),
                "managedUsersDirectRouting": k % 3,
                "managedUsersUserInterface": k % 5,
                "managedServiceNumbers": 1,
                "lastUpdate": format!(
                    "{:04}-{:02}-{:02}T{:02}:00:00.0000000+00:00",
                    at.year(), u8::from(at.month()), at.day(), at.hour()
                ),
            })
        })
        .collect()
}

async fn mount(server: &MockServer, at: &str, response: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(response)
        .mount(server)
        .await;
}

fn licenseinfo(id: &str) -> String {
    format!("/api/v3/customer/{id}/licenseinfo")
}

/// A stand-in API: the customer list, and each customer's year of history for `nrOfMonths=12`.
async fn api() -> MockServer {
    let server = MockServer::start().await;
    mount(
        &server,
        "/api/v3/customer",
        ResponseTemplate::new(200).set_body_json(customer_list()),
    )
    .await;
    let first = first_day();
    for (c, (id, ..)) in CUSTOMERS.iter().enumerate() {
        Mock::given(method("GET"))
            .and(path(licenseinfo(id)))
            .and(query_param("nrOfMonths", "12"))
            .respond_with(ResponseTemplate::new(200).set_body_json(history(c, first)))
            .mount(&server)
            .await;
    }
    server
}

/// A configuration file in `dir` of one platform per `(name, base_url)`, with a bearer token,
/// unthrottled, customer requests given up after a second.
fn config(dir: &Path, platforms: &[(&str, &str)]) -> String {
    let mut text = String::new();
    for (name, base_url) in platforms {
        text.push_str(&format!(
            "[[platforms]]\nname = \"{name}\"\nbase_url = \"{base_url}\"\ntimeout = \"5s\"\n\
             max_requests_per_second = 1000\ncustomer_request_timeout = \"1s\"\n\
             [platforms.auth]\nkind = \"bearer\"\ntoken_env = \"{TOKEN_ENV}\"\n"
        ));
    }
    let file = dir.join("config.toml");
    std::fs::write(&file, text).unwrap();
    file.to_str().unwrap().to_owned()
}

/// The binary with `args`, off the async threads (the stand-in API answers on them).
async fn exporter(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(BINARY)
            .args(&args)
            .env_remove("RUST_LOG")
            .env(TOKEN_ENV, TOKEN)
            .output()
            .expect("the exporter binary runs")
    })
    .await
    .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn backfill_args(config: &str, output: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        format!("--config.file={config}"),
        "--backfill.months=12".to_owned(),
        format!("--backfill.output={output}"),
    ];
    args.extend(extra.iter().map(|arg| (*arg).to_owned()));
    args
}

/// The names of the families a backfill file holds, from its `# TYPE` lines.
fn families(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|line| line.strip_prefix("# TYPE ")?.split(' ').next())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_year_of_history_becomes_blocks_that_prometheus_answers_day_by_day() {
    let started = std::time::Instant::now();
    let api = api().await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &[("backfilled", &api.uri())]);
    let file = dir.path().join("history.om");
    let job = format!("--backfill.label=job={JOB}");
    let instance = format!("--backfill.label=instance={INSTANCE}");
    let output = exporter(backfill_args(
        &config,
        file.to_str().unwrap(),
        &[&job, &instance],
    ))
    .await;
    let log = stderr(&output);
    assert!(output.status.success(), "{output:?}");
    assert!(log.contains("backfill written"), "{log}");
    assert!(!log.contains(TOKEN), "the token is in the log:\n{log}");
    let requests = api.received_requests().await.unwrap();
    assert_eq!(
        requests.len(),
        1 + CUSTOMERS.len(),
        "the list and one request per customer"
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.ends_with("\n# EOF\n"));
    let names = families(&text);
    assert_eq!(names.len(), 8, "{names:?}");
    // Each family's lines together, as promtool requires: a family's name starts no line after
    // another family's began.
    for (i, name) in names.iter().enumerate() {
        for later in &names[i + 1..] {
            let (first_of_later, last_of_this) = (
                text.find(&format!("\n{later}{{")).unwrap(),
                text.rfind(&format!("\n{name}{{")).unwrap(),
            );
            assert!(last_of_this < first_of_later, "{name} after {later}");
        }
    }

    eprintln!("backfill written after {:.1?}", started.elapsed());
    let blocks = dir.path().join("data");
    promtool(&[
        "tsdb",
        "create-blocks-from",
        "openmetrics",
        "--max-block-duration=720h",
        file.to_str().unwrap(),
        blocks.to_str().unwrap(),
    ]);
    eprintln!("blocks made after {:.1?}", started.elapsed());
    let server = prometheus::start("global: {}\n", Some(&blocks)).await;
    eprintln!("prometheus ready after {:.1?}", started.elapsed());

    // Every day's value, at its record's time.
    let first = first_day() as f64;
    let last = first + ((DAYS - 1) * DAY) as f64;
    for (c, (id, name, _)) in CUSTOMERS.iter().enumerate() {
        let promql = format!(
            r#"liveplatform_customer_acquired_licenses{{job="{JOB}",instance="{INSTANCE}",platform="backfilled",customer_id="{id}",customer_name="{name}"}}"#
        );
        let series = server
            .query_range(&promql, first, last, DAY as f64)
            .await
            .unwrap_or_else(|e| panic!("{e}\n{}", server.log()));
        assert_eq!(series.len(), 1, "{promql}: {series:?}");
        let values: Vec<(f64, i64)> = series[0]["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|point| {
                let value = point[1].as_str().unwrap().parse().unwrap();
                (point[0].as_f64().unwrap(), value)
            })
            .collect();
        let expected: Vec<(f64, i64)> = (0..DAYS)
            .map(|k| (first + (k * DAY) as f64, acquired(c, k)))
            .collect();
        assert_eq!(values, expected, "{promql}");
    }

    check_license_panels(&server, &names, first, last).await;
}

/// The dashboard's panels on the license families read the history with the exporter's job
/// chosen: a trend panel has a value at every step of a range that does not fall on the records'
/// times (as Grafana's steps do not), a panel of the present has one at the last record's time.
async fn check_license_panels(
    server: &prometheus::PrometheusServer,
    families: &[&str],
    first: f64,
    last: f64,
) {
    let dashboard = dashboard();
    let variables = variable_names(&dashboard);
    let mut trends = 0;
    let mut problems = Vec::new();
    let license_queries = panel_queries(&dashboard)
        .into_iter()
        .filter(|query| families.iter().any(|family| query.expr.contains(family)));
    for query in license_queries {
        let one_job = query.expr.replace("$job", JOB);
        let promql = expand_grafana_variables(&one_job, &variables).unwrap();
        if query.panel["type"] == "timeseries" {
            trends += 1;
            // Every 6 hours, an hour off the records' times, from the second day on.
            let (start, step) = (first + (DAY + 3600) as f64, 6.0 * 3600.0);
            let steps = ((last - start) / step).floor() as usize + 1;
            match server.query_range(&promql, start, last, step).await {
                Ok(series) if series.is_empty() => {
                    problems.push(format!("{}: no data", query.place))
                }
                Ok(series) => {
                    for s in series {
                        let points = s["values"].as_array().map_or(0, Vec::len);
                        if points != steps {
                            problems.push(format!(
                                "{}: {points} of {steps} steps for {}",
                                query.place, s["metric"]
                            ));
                        }
                    }
                }
                Err(e) => problems.push(format!("{}: {e}", query.place)),
            }
        } else {
            match server.query_at(&promql, last).await {
                Ok(series) if !series.is_empty() => {}
                Ok(_) => problems.push(format!("{}: no data at the last record", query.place)),
                Err(e) => problems.push(format!("{}: {e}", query.place)),
            }
        }
    }
    assert!(trends > 0, "no trend panel reads the license families");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_or_hanging_customer_is_named_and_counted_and_the_others_written() {
    let api = api().await;
    // Mounted after the good answers, so these come first for their customers.
    let refuse = ResponseTemplate::new(500).set_body_string("{}");
    let hang = ResponseTemplate::new(200)
        .set_body_json(history(1, first_day()))
        .set_delay(Duration::from_secs(30));
    let (refused, hanging) = (CUSTOMERS[0].0, CUSTOMERS[1].0);
    for (id, response) in [(refused, refuse), (hanging, hang)] {
        Mock::given(method("GET"))
            .and(path(licenseinfo(id)))
            .respond_with(response)
            .with_priority(1)
            .mount(&api)
            .await;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &[("p", &api.uri())]);
    let file = dir.path().join("history.om");
    let output = exporter(backfill_args(&config, file.to_str().unwrap(), &[])).await;
    let log = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{log}");
    for id in [refused, hanging] {
        assert!(
            log.lines()
                .any(|line| line.contains("customer not backfilled") && line.contains(id)),
            "{id} is not named:\n{log}"
        );
    }
    assert!(log.contains("failed_customers=2"), "{log}");
    assert!(!log.contains(TOKEN), "the token is in the log:\n{log}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.ends_with("# EOF\n"));
    assert!(text.contains(r#"customer_id="c-3""#));
    for id in [refused, hanging] {
        assert!(!text.contains(&format!(r#"customer_id="{id}""#)), "{id}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_platform_and_refused_credentials_name_the_platform() {
    let refusing = MockServer::start().await;
    mount(
        &refusing,
        "/api/v3/customer",
        ResponseTemplate::new(401).set_body_string("{}"),
    )
    .await;
    let closed = format!("http://{}/", crate::common::closed_loopback_addr());
    let dir = tempfile::tempdir().unwrap();
    let config = config(
        dir.path(),
        &[("down", &closed), ("refused", &refusing.uri())],
    );
    let output = exporter(backfill_args(&config, "-", &[])).await;
    let log = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{log}");
    let line_of = |platform: &str| {
        log.lines()
            .find(|line| {
                line.contains("platform not backfilled")
                    && line.contains(&format!("platform={platform}"))
            })
            .unwrap_or_else(|| panic!("platform {platform} is not named:\n{log}"))
            .to_owned()
    };
    assert!(line_of("down").contains("customer list"), "{log}");
    assert!(
        line_of("refused").contains("refused the credentials"),
        "{log}"
    );
    assert!(log.contains("failed_platforms=2"), "{log}");
    assert!(!log.contains(TOKEN), "the token is in the log:\n{log}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "# EOF\n",
        "standard output: a valid file without any series"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn months_out_of_range_and_a_missing_output_name_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &[("p", "http://127.0.0.1:9/")]);
    for (args, flag) in [
        (
            vec!["--backfill.months=0", "--backfill.output=-"],
            "--backfill.months",
        ),
        (
            vec!["--backfill.months=25", "--backfill.output=-"],
            "--backfill.months",
        ),
        (
            vec!["--backfill.months=x", "--backfill.output=-"],
            "--backfill.months",
        ),
        (vec!["--backfill.months=12"], "--backfill.output"),
        (vec!["--backfill.output=-"], "--backfill.months"),
        (
            vec![
                "--backfill.months=1",
                "--backfill.output=-",
                "--backfill.label=platform=x",
            ],
            "--backfill.label",
        ),
    ] {
        let mut all = vec![format!("--config.file={config}")];
        all.extend(args.iter().map(|arg| (*arg).to_owned()));
        let output = exporter(all).await;
        let log = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {log}");
        assert!(log.contains(flag), "{args:?} does not name {flag}: {log}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_output_that_cannot_be_written_is_named_before_any_request() {
    let api = api().await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &[("p", &api.uri())]);
    for target in [dir.path().join("missing/history.om"), dir.path().to_owned()] {
        let output = exporter(backfill_args(&config, target.to_str().unwrap(), &[])).await;
        let log = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{log}");
        assert!(
            log.contains(&format!("--backfill.output {}", target.display())),
            "{log}"
        );
    }
    assert_eq!(api.received_requests().await.unwrap().len(), 0);
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(left, ["config.toml"], "nothing else written");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_stopped_by_a_signal_leaves_no_file() {
    let api = api().await;
    let hanging = CUSTOMERS[1].0;
    Mock::given(method("GET"))
        .and(path(licenseinfo(hanging)))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(60)))
        .with_priority(1)
        .mount(&api)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &[("p", &api.uri())]);
    // Patient with the hanging customer: the signal, not the timeout, ends the run.
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replace("\"1s\"", "\"60s\"")).unwrap();
    let file = dir.path().join("history.om");
    let mut child = Command::new(BINARY)
        .args(backfill_args(&config, file.to_str().unwrap(), &[]))
        .env_remove("RUST_LOG")
        .env(TOKEN_ENV, TOKEN)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let hanging_path = licenseinfo(hanging);
    loop {
        let requests = api.received_requests().await.unwrap();
        if requests.iter().any(|r| r.url.path() == hanging_path) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never asked about {hanging}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let output = tokio::task::spawn_blocking(move || {
        let status = child.wait().unwrap();
        let mut log = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut log).unwrap();
        (status, log)
    });
    let (status, log) = tokio::time::timeout(Duration::from_secs(10), output)
        .await
        .expect("stopped within 10 s of SIGINT")
        .unwrap();
    assert_eq!(status.code(), Some(1), "{log}");
    assert!(log.contains("stopped before the end"), "{log}");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(left, ["config.toml"], "nothing else written");
}
