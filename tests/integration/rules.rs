//! The Prometheus rules and example configuration: valid for `promtool`, covered by its unit
//! tests, and written to the conventions an operator relies on (severities, annotations naming
//! what is wrong, runbook sections that exist).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};

use crate::monitoring::{
    PROMETHEUS_CONFIG, RULE_TESTS, RULES, RUNBOOK, Rule, RuleFile, heading_anchors, promtool, read,
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

/// The runbook's published address, as the mixin's default `_config` has it.
fn runbook_url_base() -> String {
    mixin_eval("(import 'mixin.libsonnet')._config.runbookURLBase")
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn every_runbook_url_is_an_absolute_link_to_a_section_of_the_runbook() {
    let anchors = heading_anchors(&read(RUNBOOK));
    let base = runbook_url_base();
    assert!(
        base.starts_with("https://") && base.ends_with(RUNBOOK),
        "the runbook's address: {base}"
    );
    for rule in RuleFile::load().alerts() {
        let url = &rule.annotations["runbook_url"];
        // Absolute: a relative path is no link in an e-mail or a chat notification.
        let anchor = url
            .strip_prefix(&format!("{base}#"))
            .unwrap_or_else(|| panic!("{}: runbook_url {url} is not {base}#...", rule.name()));
        assert!(
            anchors.contains(anchor),
            "{}: {RUNBOOK} has no section #{anchor}; it has {anchors:?}",
            rule.name()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The monitoring mixin (monitoring/mixin), whose output the rule file, the PrometheusRule and the
// dashboard are

const MIXIN: &str = "monitoring/mixin";
const GENERATOR: &str = "scripts/gen-monitoring.sh";

/// `jsonnet` on `code`, with the mixin's folder on the import path, as JSON.
pub(crate) fn mixin_eval(code: &str) -> serde_json::Value {
    let output = Command::new("jsonnet")
        .args(["-J", MIXIN, "-e", code])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("jsonnet is installed (Debian package jsonnet; scripts/test.sh installs it)");
    assert!(
        output.status.success(),
        "jsonnet: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn generator(root: &Path, args: &[&str]) -> Output {
    Command::new("bash")
        .arg(root.join(GENERATOR))
        .args(args)
        .output()
        .expect("bash runs the generator")
}

/// The files the mixin renders, by path in the repository.
fn generated_files() -> Vec<String> {
    mixin_eval(
        "local f = import 'files.jsonnet'; std.objectFields(f.text) + std.objectFields(f.json)",
    )
    .as_array()
    .unwrap()
    .iter()
    .map(|p| p.as_str().unwrap().to_owned())
    .collect()
}

#[test]
fn the_shipped_rules_prometheusrule_and_dashboards_are_the_mixins_output() {
    let files = generated_files();
    for expected in [
        RULES,
        "deploy/kubernetes/components/prometheus-operator/prometheusrule.yaml",
        crate::monitoring::DASHBOARD,
        "deploy/kubernetes/components/grafana-dashboard/liveplatform.json",
    ] {
        assert!(
            files.iter().any(|f| f == expected),
            "{expected} is not generated"
        );
    }
    let check = generator(Path::new(env!("CARGO_MANIFEST_DIR")), &["--check"]);
    assert!(
        check.status.success(),
        "the committed files differ from the mixin's output (run {GENERATOR}):\n{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}

/// The check above only means something if it fails on a difference, from either side: shown on
/// a copy of the repository's mixin, generator and outputs.
#[test]
fn the_check_fails_when_a_file_or_the_mixin_changes_and_the_generator_brings_them_back() {
    let root = tempfile::tempdir().unwrap();
    let copy = |relative: &str| {
        let (from, to) = (
            crate::monitoring::repo_path(relative),
            root.path().join(relative),
        );
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("{relative}: {e}"));
    };
    copy(GENERATOR);
    for entry in [
        "mixin.libsonnet",
        "config.libsonnet",
        "rules.libsonnet",
        "alerts.libsonnet",
        "files.jsonnet",
        "dashboards/dashboards.libsonnet",
        "dashboards/liveplatform-layout.libsonnet",
    ] {
        copy(&format!("{MIXIN}/{entry}"));
    }
    for file in generated_files() {
        copy(&file);
    }
    let check = || generator(root.path(), &["--check"]).status.success();
    assert!(check(), "the copy starts up to date");

    // A hand edit of a generated file.
    let rules = root.path().join(RULES);
    let original = std::fs::read_to_string(&rules).unwrap();
    let edited = original.replacen("for: \"5m\"", "for: \"1m\"", 1);
    assert_ne!(edited, original, "the edit below changes the file");
    std::fs::write(&rules, edited).unwrap();
    assert!(!check(), "a hand-edited rule file passed");
    assert!(generator(root.path(), &[]).status.success());
    assert!(check());

    // A change in the mixin, not yet rendered.
    let config = root.path().join(MIXIN).join("config.libsonnet");
    let changed = std::fs::read_to_string(&config).unwrap().replace(
        "licenseNearLimitPercent: 90,",
        "licenseNearLimitPercent: 85,",
    );
    std::fs::write(&config, changed).unwrap();
    assert!(!check(), "a changed mixin passed against the old files");
    assert!(generator(root.path(), &[]).status.success());
    assert!(check());
    let rendered = std::fs::read_to_string(&rules).unwrap();
    assert!(rendered.contains("ratio > 0.85 <= 1"), "{rendered}");
    let manifest = std::fs::read_to_string(
        root.path()
            .join("deploy/kubernetes/components/prometheus-operator/prometheusrule.yaml"),
    )
    .unwrap();
    assert!(manifest.contains("ratio > 0.85 <= 1"));
}

#[test]
fn the_mixins_config_sets_the_selector_thresholds_severities_and_links() {
    let mixin = mixin_eval(
        r#"local m = (import 'mixin.libsonnet') + { _config+:: {
             selector: 'job="lp", env="prod"',
             runbookURLBase: 'https://wiki.example.com/lp-runbook',
             readmeURL: 'https://wiki.example.com/lp',
             licenseNearLimitPercent: 80,
             appSecretExpiringDays: 14,
             customersDroppedPercent: 25,
             severities+: { LivePlatformExporterDown: 'page' },
           } };
           { alerts: m.prometheusAlerts, rules: m.prometheusRules,
             dashboard: m.grafanaDashboards['liveplatform.json'] }"#,
    );
    let alerts = mixin["alerts"]["groups"][0]["rules"].as_array().unwrap();
    let alert = |name: &str| {
        alerts
            .iter()
            .find(|a| a["alert"] == name)
            .unwrap_or_else(|| panic!("no {name}"))
    };
    assert_eq!(
        alert("LivePlatformExporterDown")["expr"],
        r#"up{job="lp", env="prod"} == 0"#
    );
    assert_eq!(
        alert("LivePlatformExporterDown")["labels"]["severity"],
        "page"
    );
    assert_eq!(
        alert("LivePlatformDataStale")["labels"]["severity"],
        "critical"
    );
    let near = alert("LivePlatformCustomerNearLicenseLimit");
    assert!(
        near["expr"].as_str().unwrap().ends_with("> 0.8 <= 1"),
        "{near}"
    );
    assert!(
        near["annotations"]["description"]
            .as_str()
            .unwrap()
            .contains("more than 80 % of its licensed")
    );
    assert!(
        alert("LivePlatformCustomerAppSecretExpiring")["expr"]
            .as_str()
            .unwrap()
            .contains("< 14 * 86400")
    );
    let dropped = alert("LivePlatformCustomersDropped");
    assert!(
        dropped["expr"]
            .as_str()
            .unwrap()
            .contains("clamp_min(0.25 * ")
    );
    assert!(
        dropped["annotations"]["description"]
            .as_str()
            .unwrap()
            .contains("more than 25 % of them")
    );
    for alert in alerts {
        let url = alert["annotations"]["runbook_url"].as_str().unwrap();
        assert!(
            url.starts_with("https://wiki.example.com/lp-runbook#"),
            "{url}"
        );
    }
    // Every alert has a severity, and every name in `severities` is an alert: a typo in an
    // override would otherwise be silently ignored.
    let severities = mixin_eval("(import 'mixin.libsonnet')._config.severities");
    let names: BTreeSet<&str> = alerts
        .iter()
        .map(|a| a["alert"].as_str().unwrap())
        .collect();
    let configured: BTreeSet<&str> = severities
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(names, configured);

    let dashboard = &mixin["dashboard"];
    let job = crate::monitoring::variable(dashboard, "job");
    assert_eq!(
        job["query"],
        r#"label_values(liveplatform_exporter_build_info{job="lp", env="prod"}, job)"#
    );
    let links: Vec<&str> = dashboard["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        links,
        [
            "https://wiki.example.com/lp",
            "https://wiki.example.com/lp-runbook"
        ]
    );
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
