//! The `license_info` collector against the mock platform: every seed customer's license
//! information, labelled as its customer series, and what one customer's failure, a 404 and a
//! customer leaving the list do.

use std::collections::BTreeMap;

use crate::common::{Scrape, TestApp, fast, spawn_app};
use crate::metrics::license_name;
use liveplatform_exporter::{MockPlatform, SEED_CUSTOMERS};
use serde_json::{Value, json};

const PLATFORM: &str = "demo";

fn seed() -> Vec<Value> {
    serde_json::from_slice(SEED_CUSTOMERS).unwrap()
}

fn id(customer: &Value) -> &str {
    customer["UmpCustomerGuid"].as_str().unwrap()
}

/// The mock's current record of the seed customer at `index`: the one of the .NET date form,
/// found here by its text rather than by the exporter's date parsing.
fn latest_record(index: usize) -> Value {
    let records = MockPlatform::seed_license_info(index);
    records
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["lastUpdate"]
                .as_str()
                .unwrap()
                .ends_with(".0202209+00:00")
        })
        .unwrap()
        .clone()
}

fn number(value: &Value) -> f64 {
    match value {
        Value::String(s) => s.parse().unwrap(),
        other => other.as_f64().unwrap(),
    }
}

fn acquired(scrape: &Scrape, customer: &str) -> Option<f64> {
    scrape.value(
        "liveplatform_customer_acquired_licenses",
        &[("platform", PLATFORM), ("customer_id", customer)],
    )
}

fn collector_value(scrape: &Scrape, name: &str, reason: Option<&str>) -> Option<f64> {
    let mut labels = vec![("platform", PLATFORM), ("collector", "license_info")];
    labels.extend(reason.map(|reason| ("reason", reason)));
    scrape.value(name, &labels)
}

/// The mock with the seed, and an exporter running every collector each second, its requests
/// unthrottled so that a run of 35 customers takes a moment.
async fn start() -> (MockPlatform, TestApp, Scrape) {
    let mock = MockPlatform::start(SEED_CUSTOMERS).await.unwrap();
    let mut platform = fast(mock.platform_config(PLATFORM));
    platform.max_requests_per_second = 1000;
    platform.max_concurrent_requests = 8;
    let app = spawn_app(vec![platform]).await;
    let scrape = app.ready().await;
    (mock, app, scrape)
}

#[tokio::test]
async fn every_seed_customer_has_its_latest_license_information_with_the_customer_labels() {
    let (_mock, app, scrape) = start().await;
    let customers = seed();
    let mut by_type: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    let mut over_licensed = 0;
    for (index, customer) in customers.iter().enumerate() {
        let record = latest_record(index);
        let license_type = license_name(customer["LicenseType"].as_i64().unwrap());
        let labels = [
            ("platform", PLATFORM),
            ("customer_id", id(customer)),
            (
                "customer_name",
                customer["CustomerShortName"].as_str().unwrap(),
            ),
            ("license_type", license_type.as_str()),
        ];
        let value = |name: &str| scrape.value(name, &labels);
        for (name, field) in [
            (
                "liveplatform_customer_acquired_licenses",
                "acquiredLicenses",
            ),
            (
                "liveplatform_customer_currently_licensed_users",
                "currentlyLicensed",
            ),
            (
                "liveplatform_customer_monitored_users",
                "totalMonitoredUsers",
            ),
            (
                "liveplatform_customer_managed_service_numbers",
                "managedServiceNumbers",
            ),
        ] {
            assert_eq!(
                value(name),
                Some(number(&record[field])),
                "{name} of {labels:?}"
            );
        }
        for (factor, field) in [
            ("direct_routing", "managedUsersDirectRouting"),
            ("operator_connect", "managedUsersOperatorConnect"),
            ("lifecycle_management", "managedUsersByLifeCycleManagement"),
            ("user_interface", "managedUsersUserInterface"),
        ] {
            let mut with_factor = labels.to_vec();
            with_factor.push(("factor", factor));
            assert_eq!(
                scrape.value("liveplatform_customer_managed_users", &with_factor),
                Some(number(&record[field])),
                "{factor} of {labels:?}"
            );
        }
        let day = 1 + index % 28;
        // 2024-05-01T06:00:00Z, and a day more per day of the month.
        let expected = 1_714_543_200 + 86_400 * (day as i64 - 1);
        assert_eq!(
            value("liveplatform_customer_license_last_update_timestamp_seconds"),
            Some(expected as f64)
        );
        let (acquired, currently) = (
            number(&record["acquiredLicenses"]),
            number(&record["currentlyLicensed"]),
        );
        if currently > acquired {
            over_licensed += 1;
        }
        let sums = by_type.entry(license_type).or_default();
        sums.0 += acquired;
        sums.1 += currently;
    }
    assert!(
        over_licensed >= 1,
        "the mock has a customer over its licenses"
    );
    for (license_type, (acquired, currently)) in &by_type {
        let labels = [
            ("platform", PLATFORM),
            ("license_type", license_type.as_str()),
        ];
        assert_eq!(
            scrape.value("liveplatform_license_type_acquired_licenses", &labels),
            Some(*acquired)
        );
        assert_eq!(
            scrape.value(
                "liveplatform_license_type_currently_licensed_users",
                &labels
            ),
            Some(*currently)
        );
    }
    assert_eq!(
        scrape
            .find("liveplatform_license_type_acquired_licenses", &[])
            .len(),
        by_type.len(),
        "no sum for a license type without customers"
    );
    assert_eq!(collector_value(&scrape, "liveplatform_up", None), Some(1.0));
    assert!(collector_value(&scrape, "liveplatform_collector_requests_total", None) >= Some(35.0));
    for reason in ["not_found", "http_status", "decode"] {
        assert_eq!(
            collector_value(
                &scrape,
                "liveplatform_collector_request_errors_total",
                Some(reason)
            ),
            Some(0.0),
            "{reason} exists from the start"
        );
    }
    app.stop().await.unwrap();
}

#[tokio::test]
async fn one_customers_failed_request_keeps_its_values_while_the_others_update() {
    let (mock, app, first) = start().await;
    let customers = seed();
    let (failing, changing) = (id(&customers[0]), id(&customers[1]));
    let kept = acquired(&first, failing);
    assert!(kept.is_some());
    mock.set_license_info(
        failing,
        500,
        r#"{"title":"Internal Server Error","status":500}"#,
    );
    mock.set_license_info(
        changing,
        200,
        json!([{"acquiredLicenses": 999, "lastUpdate": "2024-06-01T00:00:00Z"}]).to_string(),
    );
    let scrape = app
        .scrape_until("the change and the failure to be collected", |s| {
            acquired(s, changing) == Some(999.0)
                && collector_value(
                    s,
                    "liveplatform_collector_request_errors_total",
                    Some("http_status"),
                ) >= Some(1.0)
        })
        .await;
    assert_eq!(
        acquired(&scrape, failing),
        kept,
        "the last good value stays"
    );
    assert_eq!(
        collector_value(&scrape, "liveplatform_up", None),
        Some(1.0),
        "one customer's failure is not the collector's"
    );
    assert_eq!(
        scrape.value(
            "liveplatform_customer_currently_licensed_users",
            &[("customer_id", changing)]
        ),
        None,
        "a field the new record leaves out loses its series"
    );
    app.stop().await.unwrap();
}

#[tokio::test]
async fn a_404_is_counted_as_not_found_and_the_collector_stays_up() {
    let (mock, app, first) = start().await;
    let gone = id(&seed()[2]).to_owned();
    assert!(acquired(&first, &gone).is_some());
    mock.set_license_info(&gone, 404, r#"{"title":"Not Found","status":404}"#);
    let scrape = app
        .scrape_until("the 404 to be collected", |s| {
            collector_value(
                s,
                "liveplatform_collector_request_errors_total",
                Some("not_found"),
            ) >= Some(1.0)
                && acquired(s, &gone).is_none()
        })
        .await;
    assert_eq!(collector_value(&scrape, "liveplatform_up", None), Some(1.0));
    assert_eq!(
        collector_value(
            &scrape,
            "liveplatform_poll_errors_total",
            Some("http_status")
        ),
        Some(0.0)
    );
    assert_eq!(
        scrape
            .find("liveplatform_customer_acquired_licenses", &[])
            .len(),
        34
    );
    app.stop().await.unwrap();
}

#[tokio::test]
async fn customers_that_leave_the_list_lose_their_license_series() {
    let (mock, app, _) = start().await;
    let customers = seed();
    mock.set_customers(serde_json::to_vec(&customers[3..]).unwrap());
    let scrape = app
        .scrape_until("the customers who left to lose their series", |s| {
            customers[..3].iter().all(|c| acquired(s, id(c)).is_none())
        })
        .await;
    assert_eq!(
        scrape
            .find("liveplatform_customer_acquired_licenses", &[])
            .len(),
        32
    );
    app.stop().await.unwrap();
}

#[tokio::test]
async fn a_run_in_which_every_request_fails_fails_and_keeps_the_values() {
    let (mock, app, first) = start().await;
    let customers = seed();
    for customer in &customers {
        mock.set_license_info(id(customer), 503, "");
    }
    let scrape = app
        .scrape_until("the license_info collector to fail", |s| {
            collector_value(s, "liveplatform_up", None) == Some(0.0)
        })
        .await;
    assert!(
        collector_value(
            &scrape,
            "liveplatform_poll_errors_total",
            Some("http_status")
        ) >= Some(1.0)
    );
    let one = id(&customers[4]);
    assert_eq!(acquired(&scrape, one), acquired(&first, one));
    app.stop().await.unwrap();
}
