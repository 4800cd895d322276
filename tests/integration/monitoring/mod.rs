//! The monitoring files the project ships (Prometheus rules and their unit tests, the example
//! Prometheus configuration, the Grafana dashboard and provisioning, the runbook), loaded for the
//! tests that check them: `rules`, `dashboard` and `prometheus_e2e`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

use serde::Deserialize;
use serde_json::Value;

pub(crate) const RULES: &str = "prometheus/rules/liveplatform.rules.yml";
pub(crate) const RULE_TESTS: &str = "prometheus/rules/liveplatform.rules.test.yml";
pub(crate) const PROMETHEUS_CONFIG: &str = "prometheus/prometheus.yml";
pub(crate) const DASHBOARD: &str = "grafana/dashboards/liveplatform.json";
pub(crate) const DATASOURCE_PROVISIONING: &str = "grafana/provisioning/datasources/prometheus.yml";
pub(crate) const DASHBOARD_PROVISIONING: &str = "grafana/provisioning/dashboards/liveplatform.yml";
pub(crate) const RUNBOOK: &str = "docs/runbook.md";

/// A path in the repository, whatever directory the test runs from.
pub(crate) fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

pub(crate) fn read(relative: &str) -> String {
    std::fs::read_to_string(repo_path(relative))
        .unwrap_or_else(|e| panic!("cannot read {relative}: {e}"))
}

/// The anchors GitHub and most Markdown renderers give to the headings of a document: lower
/// case, blanks to dashes, other punctuation dropped.
pub(crate) fn heading_anchors(markdown: &str) -> BTreeSet<String> {
    markdown
        .lines()
        .filter_map(|line| line.strip_prefix('#'))
        .map(|heading| {
            heading
                .trim_start_matches('#')
                .trim()
                .to_lowercase()
                .chars()
                .filter_map(|c| match c {
                    ' ' => Some('-'),
                    c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                    _ => None,
                })
                .collect()
        })
        .collect()
}

pub(crate) fn yaml<T: serde::de::DeserializeOwned>(relative: &str) -> T {
    serde_norway::from_str(&read(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// Runs a command of Prometheus' `promtool` and returns its combined output, failing the test
/// when it reports a problem.
pub(crate) fn promtool(args: &[&str]) -> String {
    let output = Command::new("promtool")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("promtool is installed (Debian package `prometheus`; scripts/test.sh installs it)");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "promtool {} failed:\n{report}",
        args.join(" ")
    );
    report
}

#[derive(Debug, Deserialize)]
pub(crate) struct RuleFile {
    pub groups: Vec<RuleGroup>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RuleGroup {
    pub rules: Vec<Rule>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Rule {
    pub record: Option<String>,
    pub alert: Option<String>,
    pub expr: String,
    #[serde(rename = "for")]
    pub for_: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

impl Rule {
    /// The alert or recorded series name, for messages.
    pub(crate) fn name(&self) -> &str {
        self.alert
            .as_deref()
            .or(self.record.as_deref())
            .expect("every rule records or alerts")
    }
}

impl RuleFile {
    pub(crate) fn load() -> Self {
        yaml(RULES)
    }

    pub(crate) fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.groups.iter().flat_map(|group| &group.rules)
    }

    pub(crate) fn alerts(&self) -> impl Iterator<Item = &Rule> {
        self.rules().filter(|rule| rule.alert.is_some())
    }

    pub(crate) fn recording_rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules().filter(|rule| rule.record.is_some())
    }
}

pub(crate) fn dashboard() -> Value {
    serde_json::from_str(&read(DASHBOARD)).unwrap_or_else(|e| panic!("{DASHBOARD}: {e}"))
}

/// Every panel of the dashboard, rows and the panels inside collapsed rows included.
pub(crate) fn panels(dashboard: &Value) -> Vec<&Value> {
    fn collect<'a>(panels: &'a Value, into: &mut Vec<&'a Value>) {
        for panel in panels.as_array().into_iter().flatten() {
            into.push(panel);
            collect(&panel["panels"], into);
        }
    }
    let mut all = Vec::new();
    collect(&dashboard["panels"], &mut all);
    all
}

/// A PromQL query of a panel, with where it comes from for messages.
pub(crate) struct PanelQuery<'a> {
    pub place: String,
    pub panel: &'a Value,
    pub expr: &'a str,
}

pub(crate) fn panel_queries(dashboard: &Value) -> Vec<PanelQuery<'_>> {
    panels(dashboard)
        .into_iter()
        .flat_map(|panel| {
            panel["targets"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(move |target| {
                    Some(PanelQuery {
                        place: format!(
                            "panel {:?} (id {}) query {}",
                            panel["title"].as_str().unwrap_or_default(),
                            panel["id"],
                            target["refId"].as_str().unwrap_or("?")
                        ),
                        panel,
                        expr: target["expr"].as_str()?,
                    })
                })
        })
        .collect()
}

pub(crate) fn variables(dashboard: &Value) -> &[Value] {
    dashboard["templating"]["list"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

pub(crate) fn variable<'a>(dashboard: &'a Value, name: &str) -> &'a Value {
    variables(dashboard)
        .iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("the dashboard has no variable {name}"))
}

/// The query of a query variable: a string in older dashboards, an object holding it in newer.
pub(crate) fn variable_query(variable: &Value) -> Option<&str> {
    variable["query"]
        .as_str()
        .or_else(|| variable["query"]["query"].as_str())
        .filter(|_| variable["type"] == "query")
}
