//! The Prometheus rules and example configuration: valid for `promtool`, covered by its unit
//! tests, and written to the conventions an operator relies on (severities, annotations naming
//! what is wrong, runbook sections that exist).

use std::collections::{BTreeMap, BTreeSet};

use crate::monitoring::{
    PROMETHEUS_CONFIG, RULE_TESTS, RULES, RUNBOOK, Rule, RuleFile, promtool, read,
};
use serde::Deserialize;

#[test]
fn promtool_finds_no_problem_in_the_rules() {
    let report = promtool(&["check", "rules", RULES]);
    assert!(report.contains("SUCCESS"), "{report}");
}

#[test]
fn the_rules_pass_their_promtool_unit_tests() {
    promtool(&["test", "rules", RULE_TESTS]);
}

#[test]
fn promtool_accepts_the_example_configuration_and_the_rules_it_loads() {
    let report = promtool(&["check", "config", PROMETHEUS_CONFIG]);
    assert!(
        report.contains(RULES.trim_start_matches("prometheus/")),
        "the example configuration loads the rules:\n{report}"
    );
}

#[test]
fn recording_rules_are_named_level_metric_operations() {
    for rule in RuleFile::load().recording_rules() {
        let name = rule.name();
        let parts: Vec<&str> = name.split(':').collect();
        assert!(
            parts.len() == 3 && parts.iter().all(|part| !part.is_empty()),
            "{name} is not level:metric:operations"
        );
    }
}

/// Labels of the series an alert is about, which its text must name to be actionable: the
/// platform, and for customer alerts the customer.
fn labels_an_alert_must_name(rule: &Rule) -> Vec<&'static str> {
    // The exporter's own metrics (build, configuration) are about the instance.
    if rule.expr.contains("liveplatform_exporter_") {
        return vec!["instance"];
    }
    let about_customers =
        rule.expr.contains("liveplatform_customer_") || rule.expr.contains("customer:");
    let about_platforms = rule.expr.contains("liveplatform_") || rule.expr.contains("platform:");
    if about_customers {
        vec!["platform", "customer_name"]
    } else if about_platforms {
        vec!["platform"]
    } else {
        vec!["instance"]
    }
}

#[test]
fn every_alert_waits_has_a_severity_and_says_what_is_wrong_where() {
    for rule in RuleFile::load().alerts() {
        let name = rule.name();
        assert!(
            rule.for_.is_some(),
            "{name} has no `for:`: one bad evaluation would page"
        );
        let severity = rule.labels.get("severity").map(String::as_str);
        assert!(
            matches!(severity, Some("critical" | "warning" | "info")),
            "{name}: severity {severity:?}"
        );
        for annotation in ["summary", "description", "runbook_url"] {
            assert!(
                rule.annotations.contains_key(annotation),
                "{name} has no {annotation}"
            );
        }
        for label in labels_an_alert_must_name(rule) {
            let placeholder = format!("$labels.{label}");
            assert!(
                rule.annotations["summary"].contains(&placeholder)
                    && rule.annotations["description"].contains(&placeholder),
                "{name}: summary and description should both name {placeholder}"
            );
        }
    }
}

/// The anchors GitHub and most Markdown renderers give to the headings of a document.
fn heading_anchors(markdown: &str) -> BTreeSet<String> {
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

#[test]
fn every_runbook_url_points_at_a_section_of_the_runbook() {
    let anchors = heading_anchors(&read(RUNBOOK));
    for rule in RuleFile::load().alerts() {
        let url = &rule.annotations["runbook_url"];
        // A path in the repository, or the same behind where it is published.
        let anchor = url
            .split_once(&format!("{RUNBOOK}#"))
            .map(|(_, anchor)| anchor)
            .unwrap_or_else(|| panic!("{}: runbook_url {url} is not in {RUNBOOK}", rule.name()));
        assert!(
            anchors.contains(anchor),
            "{}: {RUNBOOK} has no section #{anchor}; it has {anchors:?}",
            rule.name()
        );
    }
}

#[derive(Debug, Deserialize)]
struct RuleTestFile {
    tests: Vec<RuleTest>,
}

#[derive(Debug, Deserialize)]
struct RuleTest {
    #[serde(default)]
    alert_rule_test: Vec<AlertTest>,
    #[serde(default)]
    promql_expr_test: Vec<ExprTest>,
}

#[derive(Debug, Deserialize)]
struct AlertTest {
    alertname: String,
    #[serde(default)]
    exp_alerts: Vec<ExpectedAlert>,
}

#[derive(Debug, Deserialize)]
struct ExpectedAlert {
    #[serde(default)]
    exp_labels: BTreeMap<String, String>,
    #[serde(default)]
    exp_annotations: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct ExprTest {
    expr: String,
}

/// promtool only runs the tests that exist: this makes sure they exist for every rule, so that a
/// rule added later without tests fails here.
#[test]
fn every_alert_is_tested_firing_and_silent_and_every_recording_rule_is_tested() {
    let tests: RuleTestFile = crate::monitoring::yaml(RULE_TESTS);
    let alert_tests: Vec<&AlertTest> = tests
        .tests
        .iter()
        .flat_map(|test| &test.alert_rule_test)
        .collect();
    let rules = RuleFile::load();
    for rule in rules.alerts() {
        let name = rule.name();
        let cases: Vec<&&AlertTest> = alert_tests
            .iter()
            .filter(|test| test.alertname == name)
            .collect();
        assert!(
            cases.iter().any(|case| case.exp_alerts.is_empty()),
            "{name} is never tested silent"
        );
        let firing: Vec<&ExpectedAlert> = cases.iter().flat_map(|case| &case.exp_alerts).collect();
        assert!(!firing.is_empty(), "{name} is never tested firing");
        for alert in firing {
            assert_eq!(
                alert.exp_labels.get("severity"),
                rule.labels.get("severity"),
                "{name}: a firing case does not check the severity"
            );
            let checked: BTreeSet<&String> = alert.exp_annotations.keys().collect();
            let declared: BTreeSet<&String> = rule.annotations.keys().collect();
            assert_eq!(
                checked, declared,
                "{name}: a firing case does not check every rendered annotation"
            );
        }
    }
    let evaluated: BTreeSet<&str> = tests
        .tests
        .iter()
        .flat_map(|test| &test.promql_expr_test)
        .map(|test| test.expr.trim())
        .collect();
    for rule in rules.recording_rules() {
        assert!(
            evaluated.contains(rule.name()),
            "no promql_expr_test evaluates {}",
            rule.name()
        );
    }
}

#[test]
fn heading_anchors_follow_the_usual_slug_rules() {
    let anchors =
        heading_anchors("# Runbook: Live Platform\n## LivePlatformExporterDown\ntext #x\n");
    assert_eq!(
        anchors,
        BTreeSet::from([
            "runbook-live-platform".to_owned(),
            "liveplatformexporterdown".to_owned()
        ])
    );
}
