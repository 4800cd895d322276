//! The Grafana dashboard and provisioning files: a dashboard a stock Grafana loads with no clicks,
//! that works with whatever Prometheus data source it is given, and whose panels all follow the
//! template variables. `prometheus_e2e` checks that its queries return data.

use std::collections::BTreeSet;

use crate::monitoring::{
    DASHBOARD_PROVISIONING, DATASOURCE_PROVISIONING, PROMETHEUS_CONFIG, dashboard, panel_queries,
    panels, read, variable, yaml,
};
use serde_json::{Value, json};

const GRID_COLUMNS: u64 = 24;

#[test]
fn the_dashboard_is_a_grafana_json_model_with_well_placed_panels() {
    let dashboard = dashboard();
    for key in ["uid", "title"] {
        assert!(
            dashboard[key].as_str().is_some_and(|s| !s.is_empty()),
            "no {key}"
        );
    }
    let schema = dashboard["schemaVersion"].as_u64().unwrap_or_default();
    assert!((36..=41).contains(&schema), "schemaVersion {schema}");
    let panels = panels(&dashboard);
    assert!(!panels.is_empty());
    let mut ids = BTreeSet::new();
    for panel in panels {
        let title = &panel["title"];
        assert!(
            ids.insert(panel["id"].as_u64()),
            "panel id of {title} missing or repeated"
        );
        assert!(panel["type"].as_str().is_some(), "{title} has no type");
        let pos = &panel["gridPos"];
        let [x, w, h] = ["x", "w", "h"].map(|k| pos[k].as_u64().expect("gridPos x, y, w, h"));
        assert!(pos["y"].is_u64(), "{title}: gridPos has no y");
        assert!(
            w > 0 && h > 0 && x + w <= GRID_COLUMNS,
            "{title}: gridPos {pos}"
        );
    }
}

/// Every `datasource` anywhere in the dashboard (an object, or a name in older models), with its
/// JSON path.
fn datasource_references(value: &Value, path: String, into: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "datasource" {
                    into.push((path.clone(), child.clone()));
                }
                datasource_references(child, format!("{path}.{key}"), into);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                datasource_references(child, format!("{path}[{i}]"), into);
            }
        }
        _ => {}
    }
}

#[test]
fn every_query_goes_through_the_datasource_variable_and_no_uid_is_hard_coded() {
    let dashboard = dashboard();
    let selector = variable(&dashboard, "datasource");
    assert_eq!(selector["type"], "datasource");
    assert_eq!(selector["query"], "prometheus");

    let mut references = Vec::new();
    datasource_references(&dashboard, String::new(), &mut references);
    assert!(!references.is_empty());
    for (path, reference) in references {
        assert_eq!(
            reference,
            json!({"type": "prometheus", "uid": "${datasource}"}),
            "at {path}"
        );
    }

    let provisioned: Value = yaml(DATASOURCE_PROVISIONING);
    let uid = provisioned["datasources"][0]["uid"].as_str().unwrap();
    assert!(
        !read(crate::monitoring::DASHBOARD).contains(uid),
        "the dashboard names the provisioned data source {uid}"
    );
}

#[test]
fn filters_are_multi_value_variables_whose_all_is_a_regex() {
    let dashboard = dashboard();
    for name in ["platform", "license_type", "customer_name"] {
        let v = variable(&dashboard, name);
        assert_eq!(v["type"], "query", "{name}");
        assert_eq!(v["multi"], true, "{name}");
        assert_eq!(v["includeAll"], true, "{name}");
        // The queries use `=~"$var"`: All must expand to a regex matching every value.
        assert_eq!(v["allValue"], ".*", "{name}");
        assert_eq!(v["datasource"]["uid"], "${datasource}", "{name}");
    }
}

#[test]
fn every_panel_query_follows_the_platform_filter() {
    let dashboard = dashboard();
    for query in panel_queries(&dashboard) {
        // Only the exporter's own build info carries no platform label.
        let about_platforms = query
            .expr
            .replace("liveplatform_exporter_build_info", "")
            .contains("liveplatform");
        assert!(
            !about_platforms || query.expr.contains("$platform"),
            "{} ignores $platform: {}",
            query.place,
            query.expr
        );
    }
}

/// Threshold values of a panel, from its defaults and its overrides.
fn threshold_values(panel: &Value) -> Vec<f64> {
    let defaults = std::iter::once(&panel["fieldConfig"]["defaults"]["thresholds"]);
    let overrides = panel["fieldConfig"]["overrides"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|o| o["properties"].as_array().into_iter().flatten())
        .filter(|p| p["id"] == "thresholds")
        .map(|p| &p["value"]);
    defaults
        .chain(overrides)
        .flat_map(|t| t["steps"].as_array().into_iter().flatten())
        .filter_map(|step| step["value"].as_f64())
        .collect()
}

/// Active over licensed users: the recording rules' ratio, or a panel's own sum of it.
fn computes_utilisation(expr: &str) -> bool {
    expr.contains("active_per_licensed_users")
        || (expr.contains("liveplatform_customer_active_users")
            && expr.contains("/ sum")
            && expr.contains("liveplatform_customer_licensed_users"))
}

#[test]
fn panels_have_units_and_utilisation_is_coloured_at_the_alert_thresholds() {
    let dashboard = dashboard();
    for panel in panels(&dashboard)
        .into_iter()
        .filter(|p| p["type"] != "row")
    {
        let title = &panel["title"];
        assert!(
            panel["fieldConfig"]["defaults"]["unit"]
                .as_str()
                .is_some_and(|u| !u.is_empty()),
            "{title} has no unit"
        );
    }
    let utilisation_panels: BTreeSet<u64> = panel_queries(&dashboard)
        .into_iter()
        .filter(|q| computes_utilisation(q.expr))
        .filter_map(|q| q.panel["id"].as_u64())
        .collect();
    assert!(!utilisation_panels.is_empty());
    for panel in panels(&dashboard) {
        if !panel["id"]
            .as_u64()
            .is_some_and(|id| utilisation_panels.contains(&id))
        {
            continue;
        }
        // LivePlatformCustomerNearLicenseLimit fires above 0.9, ...OverLicenseLimit above 1.
        let values = threshold_values(panel);
        assert!(
            values.contains(&0.9) && values.contains(&1.0),
            "{}: thresholds {values:?} should mark 0.9 and 1",
            panel["title"]
        );
    }
}

#[test]
fn provisioning_gives_a_default_prometheus_and_loads_the_dashboard_directory() {
    let datasources: Value = yaml(DATASOURCE_PROVISIONING);
    let prometheus = &datasources["datasources"][0];
    assert_eq!(prometheus["type"], "prometheus");
    assert_eq!(
        prometheus["isDefault"], true,
        "the dashboard starts on the default data source"
    );
    assert!(
        prometheus["uid"]
            .as_str()
            .is_some_and(|uid| !uid.is_empty())
    );
    let config: Value = yaml(PROMETHEUS_CONFIG);
    assert_eq!(
        prometheus["jsonData"]["timeInterval"], config["global"]["scrape_interval"],
        "Grafana's $__rate_interval assumes the scrape interval"
    );

    let dashboards: Value = yaml(DASHBOARD_PROVISIONING);
    let provider = &dashboards["providers"][0];
    assert_eq!(provider["type"], "file");
    let path = provider["options"]["path"]
        .as_str()
        .expect("a provider path");
    let readme = read("README.md");
    assert!(
        readme.contains(&format!("grafana/dashboards:{path}")),
        "the README mounts grafana/dashboards where the provider looks, {path}"
    );
}

#[test]
fn every_query_and_variable_follows_the_job_filter() {
    let dashboard = dashboard();
    let queries = panel_queries(&dashboard);
    assert!(queries.len() > 60);
    for query in &queries {
        assert!(
            query.expr.contains("job=~\"$job\""),
            "{} ignores $job: {}",
            query.place,
            query.expr
        );
        // Recording rules that sum by platform drop `job`: filtered on it they show nothing.
        assert!(
            !query.expr.contains("platform:") && !query.expr.contains("platform_license_type:"),
            "{} reads a recording rule without a job label: {}",
            query.place,
            query.expr
        );
    }
    for v in crate::monitoring::variables(&dashboard) {
        if let Some(query) = crate::monitoring::variable_query(v) {
            let name = v["name"].as_str().unwrap();
            if name == "job" {
                // The jobs the mixin's selector matches, all of them by default.
                assert!(
                    query.starts_with("label_values(liveplatform_exporter_build_info{job="),
                    "{query}"
                );
                assert_eq!(v["includeAll"], true);
                assert!(
                    v.get("allValue").is_none(),
                    "All is the listed jobs, not any job"
                );
            } else {
                assert!(
                    query.contains("job=~\"$job\""),
                    "variable {name} ignores $job: {query}"
                );
            }
        }
    }
}

#[test]
fn count_panels_show_zero_when_nothing_matches() {
    let dashboard = dashboard();
    let mut counted = 0;
    for panel in panels(&dashboard) {
        if panel["type"] != "stat" {
            continue;
        }
        for target in panel["targets"].as_array().into_iter().flatten() {
            let expr = target["expr"].as_str().unwrap();
            let is_count =
                (expr.starts_with("sum(") || expr.starts_with("count(")) && !expr.contains('/');
            if is_count {
                counted += 1;
                assert!(
                    expr.ends_with(" or vector(0)"),
                    "stat panel {:?} shows No data instead of 0: {expr}",
                    panel["title"]
                );
            } else {
                assert!(
                    !expr.contains("vector(0)"),
                    "{:?}: a 0 would lie: {expr}",
                    panel["title"]
                );
            }
        }
    }
    assert!(counted >= 15, "{counted} count panels");
}

#[test]
fn grafanas_import_asks_for_a_prometheus_data_source() {
    let dashboard = dashboard();
    let inputs = dashboard["__inputs"].as_array().expect("__inputs");
    assert_eq!(inputs.len(), 1);
    assert_eq!(inputs[0]["type"], "datasource");
    assert_eq!(inputs[0]["pluginId"], "prometheus");
    // Import replaces ${DS_PROMETHEUS} by the chosen data source: it must be used, and only as
    // the data source variable's value (the queries go through the variable).
    let placeholder = format!("${{{}}}", inputs[0]["name"].as_str().unwrap());
    assert_eq!(
        variable(&dashboard, "datasource")["current"]["value"],
        placeholder.as_str()
    );
    assert_eq!(
        read(crate::monitoring::DASHBOARD)
            .matches(&placeholder)
            .count(),
        2,
        "text and value"
    );

    let requires = dashboard["__requires"].as_array().expect("__requires");
    let required = |kind: &str| -> BTreeSet<String> {
        requires
            .iter()
            .filter(|r| r["type"] == kind)
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(required("grafana").len(), 1);
    assert_eq!(
        required("datasource"),
        BTreeSet::from(["prometheus".to_owned()])
    );
    let used: BTreeSet<String> = panels(&dashboard)
        .into_iter()
        .filter(|p| p["type"] != "row")
        .map(|p| p["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        required("panel"),
        used,
        "every panel plugin the dashboard uses"
    );
}

#[test]
fn the_dashboard_links_to_the_readme_and_its_panels_to_the_runbook_sections() {
    let dashboard = dashboard();
    let links = dashboard["links"].as_array().unwrap();
    let url_of = |title: &str| {
        links
            .iter()
            .find(|l| l["title"] == title)
            .and_then(|l| l["url"].as_str())
            .unwrap_or_else(|| panic!("no {title} link"))
            .to_owned()
    };
    assert!(url_of("README").starts_with("https://"));
    let runbook = url_of("Runbook");
    assert!(runbook.starts_with("https://") && runbook.ends_with(crate::monitoring::RUNBOOK));
    let sections = crate::monitoring::heading_anchors(&read(crate::monitoring::RUNBOOK));
    let mut panel_links = 0;
    for panel in panels(&dashboard) {
        for link in panel["links"].as_array().into_iter().flatten() {
            let url = link["url"].as_str().unwrap();
            let anchor = url
                .strip_prefix(&format!("{runbook}#"))
                .unwrap_or_else(|| panic!("{:?}: {url} is not a runbook section", panel["title"]));
            assert!(sections.contains(anchor), "the runbook has no {anchor}");
            panel_links += 1;
        }
    }
    assert!(panel_links >= 5);
}

/// From a customer's row or series, the dashboard again for that customer alone: its platform and
/// name set, the time range, data source and job kept.
#[test]
fn a_customers_row_links_to_the_dashboard_filtered_to_that_customer() {
    let dashboard = dashboard();
    let uid = dashboard["uid"].as_str().unwrap();
    let mut linked = Vec::new();
    for panel in panels(&dashboard) {
        let per_customer = panel_queries_of(panel)
            .iter()
            .all(|e| e.contains("customer_name=~\"$customer_name\""))
            && !panel_queries_of(panel).is_empty()
            && matches!(panel["type"].as_str(), Some("table" | "bargauge"));
        let defaults = panel["fieldConfig"]["defaults"]["links"]
            .as_array()
            .into_iter()
            .flatten();
        let overrides = panel["fieldConfig"]["overrides"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|o| o["properties"].as_array().into_iter().flatten())
            .filter(|p| p["id"] == "links")
            .flat_map(|p| p["value"].as_array().into_iter().flatten());
        let links: Vec<&Value> = defaults.chain(overrides).collect();
        if per_customer {
            assert!(
                !links.is_empty(),
                "{:?} has no link to its customers",
                panel["title"]
            );
        }
        for link in links {
            let url = link["url"].as_str().unwrap();
            assert!(url.starts_with(&format!("/d/{uid}/?")), "{url}");
            for kept in [
                "${__url_time_range}",
                "${datasource:queryparam}",
                "${job:queryparam}",
            ] {
                assert!(url.contains(kept), "{url} drops {kept}");
            }
            for set in [
                "var-platform=${",
                "var-customer_name=${",
                "var-license_type=$__all",
            ] {
                assert!(url.contains(set), "{url} does not set {set}");
            }
            linked.push(panel["title"].as_str().unwrap().to_owned());
        }
    }
    assert!(linked.len() >= 4, "{linked:?}");
}

fn panel_queries_of(panel: &Value) -> Vec<&str> {
    panel["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["expr"].as_str())
        .collect()
}
