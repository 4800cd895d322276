//! End to end: the built exporter in demo mode, scraped by a real Prometheus server that loads the
//! project's rules, and every PromQL expression of the Grafana dashboard and of the rules file
//! evaluated against it. The expressions are read from the files, so a panel or rule added later
//! is checked too.
//!
//! Alert expressions are legitimately empty on the healthy demo data: nothing is down, stale or
//! over its limit. For them the test evaluates the same expression with every comparison made a
//! `bool` comparison (`x > 0.9` becomes `x > bool 0.9`): comparisons then return 0 or 1 for every
//! series instead of filtering series out, so the result holds exactly the series the alert
//! watches. An empty result then means a selector matched nothing (a misspelt metric, a wrong
//! label or job), which would leave the alert silent forever; the expression as written is
//! evaluated too, so that an error in it fails the test whatever its value. (An alert without any
//! comparison, such as an `absent()` one, is evaluated as it is and must return data: teach this
//! test about such an alert when one is added.)

use std::time::{Duration, Instant, SystemTime};

use crate::common::demo::{Demo, Log};
use crate::common::prometheus::{self, PrometheusServer};
use crate::common::{customers, customers_only, spawn_app};
use crate::monitoring::{
    PROMETHEUS_CONFIG, RuleFile, panel_queries, repo_path, variable_query, variables,
};
use liveplatform_exporter::{DemoPlatform, collector_names};
use serde_json::Value;
use serde_norway::Value as Yaml;

/// How long the test waits for data to arrive: generous for a loaded 2-core CI machine; a
/// healthy run needs a few seconds.
const PATIENCE: Duration = Duration::from_secs(40);

/// The example configuration's job, which the test keeps (see [`test_config`]).
const SCRAPE_JOB: &str = "liveplatform";

/// Values for Grafana's built-in interval variables: windows that hold several 1 s scrapes, as
/// Grafana's would.
const GRAFANA_BUILTINS: [(&str, &str); 6] = [
    ("__rate_interval", "1m"),
    ("__interval", "15s"),
    ("__interval_ms", "15000"),
    ("__range", "5m"),
    ("__range_s", "300"),
    ("__range_ms", "300000"),
];

/// The example configuration with what a fast test needs instead: 1 s scrape and evaluation
/// intervals, the demo exporter as the only target, and the rule files by absolute path. Job
/// names and rule files stay as the example has them, so the rules see the job they expect.
fn test_config(exporter_addr: &str, every: Duration) -> String {
    let every = format!("{}s", every.as_secs());
    let mut config: Yaml = crate::monitoring::yaml(PROMETHEUS_CONFIG);
    let global = &mut config["global"];
    for key in ["scrape_interval", "scrape_timeout", "evaluation_interval"] {
        global[key] = every.as_str().into();
    }
    let example_dir = repo_path(PROMETHEUS_CONFIG).parent().unwrap().to_owned();
    for rule_file in config["rule_files"].as_sequence_mut().unwrap() {
        let absolute = example_dir.join(rule_file.as_str().unwrap());
        *rule_file = absolute.to_str().unwrap().into();
    }
    for job in config["scrape_configs"].as_sequence_mut().unwrap() {
        for key in ["scrape_interval", "scrape_timeout"] {
            job[key] = every.as_str().into();
        }
        job["static_configs"] =
            serde_norway::from_str(&format!("[{{targets: ['{exporter_addr}']}}]")).unwrap();
    }
    // Alerts are checked through the rules API; no Alertmanager to send them to.
    config.as_mapping_mut().unwrap().remove("alerting");
    serde_norway::to_string(&config).unwrap()
}

/// Starts Prometheus scraping the exporter at `exporter_addr` and evaluating the rules `every` so
/// long (whole seconds), with fresh storage.
async fn start_prometheus(exporter_addr: &str, every: Duration) -> PrometheusServer {
    prometheus::start(&test_config(exporter_addr, every), None).await
}

impl PrometheusServer {
    /// The rules Prometheus loaded, as reported by its rules API.
    async fn loaded_rules(&self) -> Vec<Value> {
        let request = self.http.get(format!("{}/api/v1/rules", self.url));
        let data = self.get_json(request).await.unwrap();
        data["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|group| group["rules"].as_array().cloned().unwrap_or_default())
            .collect()
    }
}

/// Scrapes of the exporter that Prometheus must have stored before `increase()` and `rate()`
/// find the two samples they need in the dashboard's shortest window.
const SCRAPES_NEEDED: f64 = 3.0;

/// Why there are not yet enough scrapes, or `None`.
async fn too_few_scrapes(prometheus: &PrometheusServer) -> Option<String> {
    let scrapes = prometheus
        .query("min(count_over_time(up[1m]))")
        .await
        .unwrap_or_default()
        .first()
        .and_then(|s| s["value"][1].as_str()?.parse::<f64>().ok())
        .unwrap_or_default();
    (scrapes < SCRAPES_NEEDED).then(|| format!("{scrapes} scrapes"))
}

/// The demo's collectors that Prometheus has not yet seen up, or `None`. A per-customer
/// collector publishes when its first run ends, a few seconds after start and later on a loaded
/// machine: its panels have no data before.
async fn collectors_not_up(prometheus: &PrometheusServer) -> Option<String> {
    let up = prometheus
        .query("liveplatform_up == 1")
        .await
        .unwrap_or_default();
    let down: Vec<&str> = collector_names()
        .filter(|name| !up.iter().any(|s| s["metric"]["collector"] == *name))
        .collect();
    (!down.is_empty()).then(|| format!("collectors not up yet: {down:?}"))
}

/// Why not every rule has been evaluated since `since`, or `None`. Waiting for evaluations rather
/// than for recorded data lets a rule that records nothing be reported with every other problem.
/// A rule whose evaluation failed (a many-to-many match, say, which only real data reveals)
/// fails the test.
async fn rules_not_evaluated_since(
    prometheus: &PrometheusServer,
    rules: &RuleFile,
    since: SystemTime,
) -> Option<String> {
    let loaded = prometheus.loaded_rules().await;
    for rule in &loaded {
        assert_ne!(
            rule["health"], "err",
            "Prometheus cannot evaluate rule {}: {}",
            rule["name"], rule["lastError"]
        );
    }
    if loaded.len() != rules.rules().count() {
        return Some(format!("{} rules loaded", loaded.len()));
    }
    loaded
        .iter()
        .find(|rule| {
            let evaluated = rule["lastEvaluation"].as_str().unwrap_or_default();
            humantime::parse_rfc3339_weak(evaluated).map_or(true, |at| at < since)
        })
        .map(|rule| format!("rule {} not evaluated since", rule["name"]))
}

/// Polls `missing` until it returns `None`, failing with both processes' logs after [`PATIENCE`].
async fn wait_for<F: Future<Output = Option<String>>>(
    mut missing: impl FnMut() -> F,
    exporter: &Demo,
    prometheus: &PrometheusServer,
) {
    let deadline = Instant::now() + PATIENCE;
    while let Some(what) = missing().await {
        assert!(
            Instant::now() < deadline,
            "timed out: {what}\nprometheus:\n{}\nexporter:\n{}",
            prometheus.log(),
            exporter.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Replaces Grafana's template variables as Grafana would with "All" selected: the dashboard's
/// own variables by `.*` (their `allValue`), the built-in intervals by [`GRAFANA_BUILTINS`]. Any
/// other variable is an error: Grafana would send it as it stands.
pub(crate) fn expand_grafana_variables(
    expr: &str,
    dashboard_variables: &[&str],
) -> Result<String, String> {
    let mut out = String::with_capacity(expr.len());
    let mut rest = expr;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        let (name, consumed) = match after.strip_prefix('{') {
            Some(braced) => {
                let end = braced.find('}').ok_or("unterminated ${")?;
                let name = braced[..end].split(':').next().unwrap_or_default();
                (name, end + 2)
            }
            None => {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], end)
            }
        };
        if name.is_empty() {
            // A `$` of PromQL itself, e.g. a regex anchor.
            out.push('$');
        } else if let Some((_, value)) = GRAFANA_BUILTINS.iter().find(|(n, _)| *n == name) {
            out.push_str(value);
        } else if dashboard_variables.contains(&name) {
            out.push_str(".*");
        } else {
            return Err(format!("unknown template variable ${name}"));
        }
        rest = &after[consumed..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The expression with every comparison operator turned into a `bool` comparison (see the module
/// comment). Label matchers inside `{}`, strings and comments are left alone.
fn comparisons_as_bool(expr: &str) -> String {
    const OPERATORS: [&str; 6] = ["==", "!=", ">=", "<=", ">", "<"];
    let mut out = String::with_capacity(expr.len() + 16);
    let mut braces = 0usize;
    let mut rest = expr;
    while let Some(c) = rest.chars().next() {
        let skip = match c {
            '"' | '\'' | '`' => string_literal_len(rest),
            '#' => rest.find('\n').unwrap_or(rest.len()),
            '{' => {
                braces += 1;
                1
            }
            '}' => {
                braces = braces.saturating_sub(1);
                1
            }
            _ => 0,
        };
        if skip > 0 {
            out.push_str(&rest[..skip]);
            rest = &rest[skip..];
            continue;
        }
        let operator = OPERATORS.iter().find(|op| rest.starts_with(*op));
        match operator {
            Some(op) if braces == 0 => {
                out.push_str(op);
                rest = &rest[op.len()..];
                let already_bool = rest.trim_start().strip_prefix("bool").is_some_and(|after| {
                    !after.starts_with(|c: char| c.is_alphanumeric() || c == '_')
                });
                if !already_bool {
                    out.push_str(" bool");
                }
            }
            _ => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

/// Length in bytes of the string literal `text` starts with, quotes included.
fn string_literal_len(text: &str) -> usize {
    let quote = text.chars().next().unwrap();
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        match c {
            '\\' if quote != '`' && !escaped => escaped = true,
            c if c == quote && !escaped => return i + c.len_utf8(),
            _ => escaped = false,
        }
    }
    text.len()
}

/// A Grafana variable query turned into PromQL that returns one series per value, with the label
/// whose values it lists, if any. Grafana's `label_values` is no PromQL function.
fn variable_query_as_promql(query: &str) -> Result<(String, Option<String>), String> {
    if let Some(args) = query
        .trim()
        .strip_prefix("label_values(")
        .and_then(|rest| rest.strip_suffix(')'))
    {
        let (selector, label) = match args.rsplit_once(',') {
            Some((selector, label)) => (selector.trim().to_owned(), label.trim()),
            None => (format!("{{{}!=\"\"}}", args.trim()), args.trim()),
        };
        return Ok((
            format!("count by ({label}) ({selector})"),
            Some(label.to_owned()),
        ));
    }
    if let Some(expr) = query
        .trim()
        .strip_prefix("query_result(")
        .and_then(|rest| rest.strip_suffix(')'))
    {
        return Ok((expr.to_owned(), None));
    }
    Err(format!(
        "unsupported variable query {query:?}: teach this test about it"
    ))
}

/// The series `promql` returns, or why there are none: an error, or no data.
async fn data_of(prometheus: &PrometheusServer, promql: &str) -> Result<Vec<Value>, String> {
    match prometheus.query(promql).await {
        Err(e) => Err(format!("error {e}: {promql}")),
        Ok(series) if series.is_empty() => Err(format!("no data: {promql}")),
        Ok(series) => Ok(series),
    }
}

/// Evaluates `promql` and describes what is wrong with its result, if anything.
async fn problem_with(prometheus: &PrometheusServer, promql: &str) -> Option<String> {
    data_of(prometheus, promql).await.err()
}

/// What the checks found: all problems are listed at the end rather than the first alone.
#[derive(Default)]
struct Report {
    checked: usize,
    problems: Vec<String>,
}

impl Report {
    fn record(&mut self, place: &str, problem: Option<String>) {
        self.checked += 1;
        if let Some(problem) = problem {
            self.problems.push(format!("{place}: {problem}"));
        }
    }
}

async fn check_panel_queries(
    prometheus: &PrometheusServer,
    dashboard: &Value,
    report: &mut Report,
) {
    let names = variable_names(dashboard);
    for query in panel_queries(dashboard) {
        // A count panel's `or vector(0)` always has data: evaluated without it, a misspelt
        // selector still shows up as no data.
        let expr = query
            .expr
            .strip_suffix(" or vector(0)")
            .unwrap_or(query.expr);
        let problem = match expand_grafana_variables(expr, &names) {
            Err(e) => Some(e),
            Ok(promql) => problem_with(prometheus, &promql).await,
        };
        report.record(&query.place, problem);
        // With one exporter job chosen rather than All: a query over series without a `job`
        // label (a recording rule that sums it away) would show nothing.
        let one_job = expr.replace("$job", SCRAPE_JOB);
        let problem = match expand_grafana_variables(&one_job, &names) {
            Err(e) => Some(e),
            Ok(promql) => problem_with(prometheus, &promql)
                .await
                .map(|p| format!("with job {SCRAPE_JOB}: {p}")),
        };
        report.record(&query.place, problem);
    }
}

/// A variable's query must list values, each carrying the label the variable takes them from.
async fn variable_problem(
    prometheus: &PrometheusServer,
    query: &str,
    names: &[&str],
) -> Option<String> {
    let (promql, label) =
        match expand_grafana_variables(query, names).and_then(|q| variable_query_as_promql(&q)) {
            Ok(expanded) => expanded,
            Err(e) => return Some(e),
        };
    let series = match data_of(prometheus, &promql).await {
        Ok(series) => series,
        Err(e) => return Some(e),
    };
    let label = label?;
    series
        .iter()
        .any(|s| s["metric"][&label].as_str().is_none_or(str::is_empty))
        .then(|| format!("a value has no {label}: {promql}"))
}

async fn check_variable_queries(
    prometheus: &PrometheusServer,
    dashboard: &Value,
    report: &mut Report,
) {
    let names = variable_names(dashboard);
    for variable in variables(dashboard) {
        if let Some(query) = variable_query(variable) {
            let problem = variable_problem(prometheus, query, &names).await;
            report.record(&format!("variable {}", variable["name"]), problem);
        }
    }
}

/// Alerts whose condition the demo's data meets, so that whoever tries the demo sees them (once
/// their `for` has passed) and their panels show something.
const DEMO_FIRES: [&str; 7] = [
    "LivePlatformCustomerOverAcquiredLicenses",
    "LivePlatformCustomerAppSecretExpiring",
    "LivePlatformCustomerAppSecretExpired",
    "LivePlatformNumbersAwaitingRemoval",
    "LivePlatformServiceManagementError",
    "LivePlatformServiceVoiceQualityError",
    "LivePlatformServiceOutOfNumbers",
];

/// Recording rules must return data as written; alerts must evaluate as written and watch some
/// series (see the module comment), and those of [`DEMO_FIRES`] must hold on the demo.
async fn check_rules(prometheus: &PrometheusServer, rules: &RuleFile, report: &mut Report) {
    for rule in rules.rules() {
        let place = format!("rule {}", rule.name());
        if rule.alert.is_none() {
            report.record(&place, problem_with(prometheus, &rule.expr).await);
            continue;
        }
        if rule
            .alert
            .as_deref()
            .is_some_and(|name| DEMO_FIRES.contains(&name))
        {
            let holds = problem_with(prometheus, &rule.expr).await;
            report.record(
                &place,
                holds.map(|problem| format!("does not hold on the demo: {problem}")),
            );
        }
        let as_written = prometheus
            .query(&rule.expr)
            .await
            .err()
            .map(|e| format!("error {e}"));
        report.record(&place, as_written);
        let watched = problem_with(prometheus, &comparisons_as_bool(&rule.expr)).await;
        report.record(
            &place,
            watched.map(|problem| format!("watches nothing: {problem}")),
        );
    }
}

pub(crate) fn variable_names(dashboard: &Value) -> Vec<&str> {
    variables(dashboard)
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect()
}

#[tokio::test]
async fn every_dashboard_and_rule_expression_returns_data_from_a_real_prometheus() {
    let started = Instant::now();
    let rules = RuleFile::load();
    for name in DEMO_FIRES {
        assert!(
            rules
                .rules()
                .any(|rule| rule.alert.as_deref() == Some(name)),
            "{name} is not an alert of the rule file"
        );
    }
    let dashboard = crate::monitoring::dashboard();
    let exporter = Demo::start(Log::Keep);
    let prometheus = start_prometheus(&exporter.addr, Duration::from_secs(1)).await;

    wait_for(|| too_few_scrapes(&prometheus), &exporter, &prometheus).await;
    wait_for(|| collectors_not_up(&prometheus), &exporter, &prometheus).await;
    let enough_data = SystemTime::now();
    wait_for(
        || rules_not_evaluated_since(&prometheus, &rules, enough_data),
        &exporter,
        &prometheus,
    )
    .await;

    let mut report = Report::default();
    check_panel_queries(&prometheus, &dashboard, &mut report).await;
    check_variable_queries(&prometheus, &dashboard, &mut report).await;
    check_rules(&prometheus, &rules, &mut report).await;
    assert!(
        report.problems.is_empty(),
        "{} problems in {} checks:\n{}",
        report.problems.len(),
        report.checked,
        report.problems.join("\n")
    );
    eprintln!(
        "{} checks of dashboard and rule expressions passed in {:.1?}",
        report.checked,
        started.elapsed()
    );
}

/// Customers in the large-body test: the largest list the benchmarks measure, a gzip body of
/// 15 MB in tens of thousands of deflate segments, each but a family's first referring back
/// into the text of the one before.
const LARGE_LIST: usize = 100_000;
/// Prometheus' scrape interval and timeout in the large-body test: time to ingest a body of
/// 700,000 series on a loaded machine.
const LARGE_SCRAPE: Duration = Duration::from_secs(30);
/// How long the large-body test waits: for a debug build's first poll of the list, then for
/// Prometheus' first scrape of it.
const LARGE_PATIENCE: Duration = Duration::from_secs(300);

/// Prometheus asks for gzip and decodes it with Go's `compress/gzip`, which reads member after
/// member and checks each one's trailer: every customer of a large list must arrive.
#[tokio::test(flavor = "multi_thread")]
async fn prometheus_reads_every_customer_of_a_large_gzip_body() {
    let started = Instant::now();
    let api = DemoPlatform::start(customers::body(LARGE_LIST, customers::SEED))
        .await
        .unwrap();
    let mut platform = customers_only(api.platform_config("large"));
    platform.timeout = LARGE_PATIENCE;
    let app = spawn_app(vec![platform]).await;
    let prometheus = start_prometheus(&app.addr.to_string(), LARGE_SCRAPE).await;

    let count = r#"count(liveplatform_customer_info{platform="large"})"#;
    loop {
        let value = prometheus.query(count).await.unwrap_or_default();
        let value = value.first().and_then(|s| s["value"][1].as_str());
        if value == Some(&LARGE_LIST.to_string()) {
            break;
        }
        let up = prometheus.query("up").await;
        assert!(
            started.elapsed() < LARGE_PATIENCE,
            "{count} is {value:?}; up: {up:?}\nprometheus:\n{}",
            prometheus.log()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    eprintln!(
        "Prometheus read {LARGE_LIST} customers {:.1?} after the start",
        started.elapsed()
    );
}

#[test]
fn grafana_variables_expand_like_all_is_selected() {
    let names = ["platform", "customer_name"];
    assert_eq!(
        expand_grafana_variables(
            r#"rate(x{platform=~"$platform", c=~"${customer_name:regex}", d=~"a$"}[$__rate_interval]) and y[$__range]"#,
            &names
        )
        .unwrap(),
        r#"rate(x{platform=~".*", c=~".*", d=~"a$"}[1m]) and y[5m]"#
    );
    assert_eq!(
        expand_grafana_variables("x[$__interval] * $__range_s", &names).unwrap(),
        "x[15s] * 300"
    );
    assert!(expand_grafana_variables("x{p=~\"$plaform\"}", &names).is_err());
}

#[test]
fn comparisons_become_bool_outside_matchers_strings_and_comments() {
    assert_eq!(
        comparisons_as_bool("up{job=\"a\"} == 0"),
        "up{job=\"a\"} == bool 0"
    );
    assert_eq!(
        comparisons_as_bool("x > 0.9 <= 1 and y{a!=\"<\",b=~\"c>=\"} >= bool 2"),
        "x > bool 0.9 <= bool 1 and y{a!=\"<\",b=~\"c>=\"} >= bool 2"
    );
    assert_eq!(
        comparisons_as_bool("a > on (p) group_left b # a > b\n"),
        "a > bool on (p) group_left b # a > b\n"
    );
    assert_eq!(
        comparisons_as_bool("label_replace(x, \"d\", \"$1\", \"s\", \"(a)>\") != boolean"),
        "label_replace(x, \"d\", \"$1\", \"s\", \"(a)>\") != bool boolean"
    );
}

#[test]
fn variable_queries_become_promql() {
    assert_eq!(
        variable_query_as_promql("label_values(m{a=~\".*\", b=\"c\"}, platform)").unwrap(),
        (
            "count by (platform) (m{a=~\".*\", b=\"c\"})".to_owned(),
            Some("platform".to_owned())
        )
    );
    assert_eq!(
        variable_query_as_promql("label_values(job)").unwrap().0,
        "count by (job) ({job!=\"\"})"
    );
    assert_eq!(
        variable_query_as_promql("query_result(topk(3, x))").unwrap(),
        ("topk(3, x)".to_owned(), None)
    );
    assert!(variable_query_as_promql("metrics(liveplatform_.*)").is_err());
}
