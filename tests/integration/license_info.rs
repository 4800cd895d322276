//! The `license_info` collector against the mock platform: every seed customer's license
//! information, labelled as its customer series, and what one customer's failure, a 404 and a
//! customer leaving the list do (the tests every per-customer collector shares).

use std::collections::BTreeMap;

use crate::common::per_customer::{
    Collector, CustomerLabels, PLATFORM, per_customer_behaviour, seed, start,
};
use crate::metrics::license_name;
use liveplatform_exporter::DemoPlatform;
use serde_json::Value;

const LICENSE_INFO: Collector = Collector {
    name: "license_info",
    families: &[
        "liveplatform_customer_acquired_licenses",
        "liveplatform_customer_currently_licensed_users",
        "liveplatform_customer_monitored_users",
        "liveplatform_customer_managed_users",
        "liveplatform_customer_managed_service_numbers",
        "liveplatform_customer_license_last_update_timestamp_seconds",
    ],
    answer: |mock, id, status, body| mock.set_license_info(id, status, body),
    changed: (
        r#"[{"acquiredLicenses": 999}]"#,
        "liveplatform_customer_acquired_licenses",
        999.0,
    ),
};

per_customer_behaviour!(LICENSE_INFO);

/// The mock's current record of the seed customer at `index`: the one of the .NET date form,
/// found here by its text rather than by the exporter's date parsing.
fn latest_record(index: usize) -> Value {
    let records = DemoPlatform::seed_license_info(index);
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

#[tokio::test]
async fn every_seed_customer_has_its_latest_license_information_with_the_customer_labels() {
    let (_mock, app, scrape) = start().await;
    let customers = seed();
    let mut by_type: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    let mut over_licensed = 0;
    for (index, customer) in customers.iter().enumerate() {
        let record = latest_record(index);
        let customer_labels = CustomerLabels::of(customer);
        let labels = customer_labels.pairs();
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
        let license_type = license_name(customer["LicenseType"].as_i64().unwrap());
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
    LICENSE_INFO.assert_up_with_a_request_per_customer(&scrape);
    app.stop().await.unwrap();
}
