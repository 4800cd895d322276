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
