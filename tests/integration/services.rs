//! The services collector against the demo platform: health as state sets, the join with the
//! customer list, failures that stay its own.

use liveplatform_exporter::{DemoPlatform, SEED_CUSTOMERS};
use serde_json::json;

use crate::common::{Scrape, TestApp, assert_fails_alone, demo_up, fast, spawn_app};

const FAMILIES: [&str; 7] = [
    "liveplatform_service_info",
    "liveplatform_service_management_status",
    "liveplatform_service_voice_quality_status",
    "liveplatform_service_dids",
    "liveplatform_service_users",
    "liveplatform_service_devices",
    "liveplatform_service_devices_disconnected",
];

async fn services_up(app: &TestApp) -> Scrape {
    app.scrape_until("the services collector's first run", |s| {
        demo_up(s, "services") == Some(1.0)
    })
    .await
}

/// The status whose series is 1, after checking that exactly one is.
fn current_status(scrape: &Scrape, family: &str, service: &str) -> String {
    let series = scrape.find(family, &[("customer_id", service)]);
    assert_eq!(series.len(), 5, "{family} of {service}: {series:?}");
    let current: Vec<&str> = series
        .iter()
        .filter(|s| s.value == 1.0)
        .map(|s| s.labels["status"].as_str())
        .collect();
    assert_eq!(current.len(), 1, "{family} of {service}: {series:?}");
    assert!(series.iter().all(|s| s.value == 0.0 || s.value == 1.0));
    current[0].to_owned()
}

#[tokio::test]
async fn demo_services_carry_their_health_numbers_devices_and_customers() {
    let demo = DemoPlatform::start(SEED_CUSTOMERS).await.unwrap();
    let app = spawn_app(vec![demo.platform_config("demo")]).await;
    app.ready().await;
    let scrape = services_up(&app).await;
    app.stop().await.unwrap();

    // 35 listed customers and 2 services of no listed customer.
    let info = scrape.find("liveplatform_service_info", &[]);
    assert_eq!(info.len(), 37);
    let seed: Vec<serde_json::Value> = serde_json::from_slice(SEED_CUSTOMERS).unwrap();
    let id = |index: usize| seed[index]["UmpCustomerGuid"].as_str().unwrap().to_owned();
    let listed_with_names = info
        .iter()
        .filter(|s| s.labels.contains_key("customer_name"))
        .count();
    assert_eq!(listed_with_names, 35, "every listed customer is joined");

    // The service sent with its GUID in upper case is named in lower case, and joined.
    let upper = id(3);
    let joined = scrape.find("liveplatform_service_info", &[("customer_id", &upper)]);
    assert_eq!(joined.len(), 1, "{upper}");
    let customer_labels = scrape.find("liveplatform_customer_info", &[("customer_id", &upper)]);
    for label in ["customer_name", "license_type"] {
        assert_eq!(joined[0].labels[label], customer_labels[0].labels[label]);
    }
    assert_eq!(joined[0].labels["deploy_status"], "not_deployed");

    // A service of no listed customer is kept, named by its id alone.
    let orphan = scrape.find(
        "liveplatform_service_info",
        &[("customer_id", "a0000000-0000-4000-8000-00000000a001")],
    );
    assert_eq!(orphan.len(), 1);
    assert!(
        !orphan[0].labels.contains_key("customer_name"),
        "{orphan:?}"
    );
    assert_eq!(orphan[0].labels["service_name"], "Unlisted Trading Ltd");

    // Statuses in any case map to the portal's categories; a word it does not know is unknown.
    let management = |index| {
        current_status(
            &scrape,
            "liveplatform_service_management_status",
            &id(index),
        )
    };
    assert_eq!(
        (0..7).map(management).collect::<Vec<_>>(),
        [
            "ok",
            "ok",
            "error",
            "warning",
            "unmonitored",
            "ok",
            "unknown"
        ]
    );
    assert_eq!(
        current_status(&scrape, "liveplatform_service_voice_quality_status", &id(4)),
        "error"
    );

    // Numbers (one sent as a string), users (absent when null) and devices (absent without a
    // device manager).
    let value = |family: &str, index: usize, extra: &[(&str, &str)]| {
        let service = id(index);
        let mut labels = vec![("customer_id", service.as_str())];
        labels.extend_from_slice(extra);
        scrape.value(family, &labels)
    };
    assert_eq!(
        value("liveplatform_service_dids", 4, &[("state", "free")]),
        Some(0.0)
    );
    assert_eq!(
        value("liveplatform_service_dids", 4, &[("state", "used")]),
        Some(29.0)
    );
    assert_eq!(
        value("liveplatform_service_dids", 6, &[("state", "free")]),
        Some(2.0)
    );
    assert_eq!(value("liveplatform_service_users", 7, &[]), None);
    assert_eq!(value("liveplatform_service_users", 1, &[]), Some(9.0));
    assert_eq!(
        value("liveplatform_service_devices", 2, &[("kind", "personal")]),
        None
    );
    assert_eq!(
        value("liveplatform_service_devices", 1, &[("kind", "personal")]),
        Some(2.0)
    );
    assert_eq!(
        value(
            "liveplatform_service_devices_disconnected",
            1,
            &[("kind", "meeting")]
        ),
        Some(1.0)
    );
    assert!(!scrape.text.contains(DemoPlatform::DEVICE_MANAGER_CANARY));
}

#[tokio::test]
async fn a_platform_without_the_services_api_fails_that_collector_alone() {
    let demo = DemoPlatform::start(SEED_CUSTOMERS).await.unwrap();
    demo.set_services(404, r#"{"title": "Not Found", "status": 404}"#);
    let app = spawn_app(vec![fast(demo.platform_config("demo"))]).await;
    assert_fails_alone(&app, "services", "http_status", &FAMILIES).await;
    app.stop().await.unwrap();
}

#[tokio::test]
async fn bad_services_are_skipped_and_counted_and_services_that_leave_lose_their_series() {
    let demo = DemoPlatform::start(SEED_CUSTOMERS).await.unwrap();
    let service = |id: &str| {
        json!({"serviceId": id, "usedDIDs": 1, "freeDIDs": 2,
               "applicationsStatus": {"management": {"managementStatus": "ERROR"}}})
    };
    let services = |list: Vec<serde_json::Value>| json!({ "services": list }).to_string();
    demo.set_services(
        200,
        services(vec![
            service("staying"),
            service("leaving"),
            json!({"serviceId": "bad", "usedDIDs": "lots"}),
        ]),
    );
    let app = spawn_app(vec![fast(demo.platform_config("demo"))]).await;
    let first = services_up(&app).await;
    assert_eq!(
        first.value(
            "liveplatform_records_skipped_total",
            &[
                ("platform", "demo"),
                ("collector", "services"),
                ("reason", "invalid_field"),
            ],
        ),
        Some(1.0)
    );
    assert_eq!(first.find("liveplatform_service_info", &[]).len(), 2);

    demo.set_services(200, services(vec![service("staying")]));
    let later = app
        .scrape_until("the leaving service's series to go", |s| {
            s.find("liveplatform_service_info", &[]).len() == 1
        })
        .await;
    for family in FAMILIES {
        assert!(
            later.find(family, &[("customer_id", "leaving")]).is_empty(),
            "{family}"
        );
    }
    assert_eq!(
        current_status(&later, "liveplatform_service_management_status", "staying"),
        "error"
    );

    // A list of nothing but bad services fails the run; the last good list stays.
    demo.set_services(200, services(vec![json!({"fullName": "no id"})]));
    let failed = app
        .scrape_until("the unusable list to fail the run", |s| {
            s.value(
                "liveplatform_poll_errors_total",
                &[
                    ("platform", "demo"),
                    ("collector", "services"),
                    ("reason", "decode"),
                ],
            ) >= Some(1.0)
        })
        .await;
    assert_eq!(failed.find("liveplatform_service_info", &[]).len(), 1);
    app.stop().await.unwrap();
}
