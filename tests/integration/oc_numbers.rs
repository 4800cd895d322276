//! The Operator Connect number inventory against the demo platform and a stand-in API: counts
//! by customer and class across pages, each page asked once, paging that the server ignores,
//! failures that stay the collector's own.

use std::collections::BTreeMap;

use liveplatform_exporter::{DemoPlatform, PlatformConfig, SEED_CUSTOMERS, poll_once};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{Scrape, assert_fails_alone, customers_only, demo_up, enable, fast, spawn_app};

const FAMILIES: [&str; 3] = [
    "liveplatform_customer_oc_numbers",
    "liveplatform_customer_oc_number_capabilities",
    "liveplatform_oc_numbers",
];

fn health(scrape: &Scrape, family: &str, reason: &str) -> Option<f64> {
    scrape.value(
        family,
        &[
            ("platform", "demo"),
            ("collector", "oc_numbers"),
            ("reason", reason),
        ],
    )
}

/// The demo platform with the collector's own options in its table.
fn with_options(demo: &DemoPlatform, options: Value) -> PlatformConfig {
    let mut platform = fast(demo.platform_config("demo"));
    let table = platform.collectors.get_mut("oc_numbers").unwrap();
    table.options = serde_json::from_value(options).unwrap();
    platform
}

/// The demo's status spellings as the exporter publishes them.
fn status(value: &Value) -> &'static str {
    match value {
        Value::Number(n) => [
            "active",
            "release_requested",
            "marked_for_removal",
            "ready_for_removal",
        ][usize::try_from(n.as_u64().unwrap()).unwrap()],
        Value::String(s) => match s.to_ascii_lowercase().replace(' ', "").as_str() {
            "active" => "active",
            "releaserequested" => "release_requested",
            "markedforremoval" => "marked_for_removal",
            "readyforremoval" => "ready_for_removal",
            _ => "unknown",
        },
        _ => "unknown",
    }
}

#[tokio::test]
async fn demo_numbers_are_counted_across_pages_by_customer_class_and_capability() {
    let demo = DemoPlatform::start(SEED_CUSTOMERS).await.unwrap();
    // Pages of 10: the demo's numbers take several.
    let app = spawn_app(vec![with_options(&demo, json!({"page_size": 10}))]).await;
    let scrape = app
        .scrape_until("the numbers' first run", |s| {
            demo_up(s, "oc_numbers") == Some(1.0)
        })
        .await;
    app.stop().await.unwrap();

    let numbers = demo.seed_oc_numbers();
    assert!(numbers.len() > 30, "several pages");
    let mut expected: BTreeMap<&str, f64> = BTreeMap::new();
    for number in &numbers {
        *expected
            .entry(status(&number["acquiredNumberStatus"]))
            .or_default() += 1.0;
    }
    assert_eq!(expected.len(), 5, "the demo has numbers in every status");
    for (status, count) in &expected {
        assert_eq!(
            scrape.value(
                "liveplatform_oc_numbers",
                &[("platform", "demo"), ("status", status)]
            ),
            Some(*count),
            "{status}"
        );
    }
    let per_customer: f64 = scrape
        .find("liveplatform_customer_oc_numbers", &[])
        .iter()
        .map(|s| s.value)
        .sum();
    assert_eq!(per_customer, numbers.len() as f64);

    // A listed customer (its GUID sent in upper case) is named as the customer list names it.
    let seed: Vec<Value> = serde_json::from_slice(SEED_CUSTOMERS).unwrap();
    let id = seed[3]["UmpCustomerGuid"]
        .as_str()
        .unwrap()
        .to_ascii_lowercase();
    let name = seed[3]["CustomerShortName"].as_str().unwrap();
    let series = scrape.find("liveplatform_customer_oc_numbers", &[("customer_id", &id)]);
    assert!(!series.is_empty(), "{id}");
    assert!(series.iter().all(|s| s.labels["customer_name"] == name));
    // A customer that is not listed keeps its numbers, with an empty name.
    let unlisted = scrape.find(
        "liveplatform_customer_oc_numbers",
        &[("customer_id", "a0000000-0000-4000-8000-00000000a001")],
    );
    assert_eq!(unlisted.iter().map(|s| s.value).sum::<f64>(), 3.0);
    assert!(
        unlisted
            .iter()
            .all(|s| s.labels["customer_name"].is_empty())
    );

    // Label values are fixed words or a validated country, never the response's text.
    let all = scrape.find("liveplatform_customer_oc_numbers", &[]);
    for sample in &all {
        let country = &sample.labels["country"];
        assert!(
            ["US", "GB", "DE", "unknown"].contains(&country.as_str()),
            "{sample:?}"
        );
        assert!(
            ["unassigned", "user", "conference", "voice_app", "unknown"]
                .contains(&sample.labels["assignment"].as_str()),
            "{sample:?}"
        );
    }
    let capabilities = scrape.find("liveplatform_customer_oc_number_capabilities", &[]);
    assert!(
        capabilities
            .iter()
            .any(|s| s.labels["capability"] == "other" && s.value > 0.0)
    );
    assert!(
        capabilities
            .iter()
            .all(|s| s.labels.len() == 4 && s.value <= expected["active"]),
        "active numbers only"
    );
    assert!(!scrape.text.contains(DemoPlatform::OC_TELEPHONE_PREFIX));
    assert!(!scrape.text.contains(DemoPlatform::OC_NUMBER_CANARY));
}

#[tokio::test]
async fn a_server_that_ignores_the_page_number_fails_the_run_and_publishes_nothing() {
    let demo = DemoPlatform::start(SEED_CUSTOMERS).await.unwrap();
    // The demo reads `pageNumber`: asked as `page`, every answer is page 1.
    let platform = with_options(&demo, json!({"page_size": 10, "page_number_param": "page"}));
    let app = spawn_app(vec![platform]).await;
    let scrape = app
        .scrape_until("the run to fail as paging ignored", |s| {
            health(s, "liveplatform_poll_errors_total", "paging_ignored") >= Some(1.0)
        })
        .await;
    assert_eq!(demo_up(&scrape, "oc_numbers"), Some(0.0));
    for family in FAMILIES {
        assert!(scrape.find(family, &[]).is_empty(), "{family}");
    }
    app.stop().await.unwrap();
}

#[tokio::test]
async fn a_platform_without_the_numbers_api_fails_that_collector_alone() {
    let demo = DemoPlatform::start(SEED_CUSTOMERS).await.unwrap();
    demo.set_oc_numbers(404, r#"{"title": "Not Found", "status": 404}"#);
    let app = spawn_app(vec![fast(demo.platform_config("demo"))]).await;
    assert_fails_alone(&app, "oc_numbers", "http_status", &FAMILIES).await;
    app.stop().await.unwrap();
}

/// A stand-in API serving an empty customer list and `pages` of numbers, each page expected
/// exactly once.
async fn paged_api(pages: &[Value]) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v3/customer"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .mount(&server)
        .await;
    for (n, page) in (1..).zip(pages) {
        Mock::given(method("GET"))
            .and(path("/api/v3/oc/numbers"))
            .and(query_param("pageNumber", n.to_string()))
            .and(query_param("pageSize", "2"))
            .respond_with(ResponseTemplate::new(200).set_body_json(page))
            .expect(1)
            .mount(&server)
            .await;
    }
    server
}

fn platform_of(server: &MockServer) -> PlatformConfig {
    let mut platform = customers_only(PlatformConfig::new(
        "demo",
        server.uri().parse().unwrap(),
        liveplatform_exporter::AuthConfig::None,
    ));
    enable(&mut platform, "oc_numbers").options =
        serde_json::from_value(json!({"page_size": 2})).unwrap();
    platform
}

fn number(id: u64) -> Value {
    json!({"id": id, "umpCustomerGuid": "0D3E4DD6-1A2B-4C3D-8E9F-0123456789AB",
           "acquiredNumberStatus": 0, "isoCountryCode": "gb", "assignmentStatus": "VoiceApp"})
}

#[tokio::test]
async fn each_page_is_asked_once_and_a_number_that_moved_counts_once() {
    let page = |current: u64, ids: &[u64]| {
        let data: Vec<Value> = ids.iter().map(|id| number(*id)).collect();
        json!({"currentPage": current, "pageSize": 2, "totalPages": 3, "totalRecords": 5,
               "data": data})
    };
    let server = paged_api(&[page(1, &[1, 2]), page(2, &[2, 3]), page(3, &[4, 5])]).await;
    let (exposition, all_ok) = poll_once(&[platform_of(&server)]).await.unwrap();
    assert!(all_ok);
    let scrape = Scrape::parse(&String::from_utf8(exposition).unwrap());
    assert_eq!(
        scrape.value(
            "liveplatform_customer_oc_numbers",
            &[
                ("customer_id", "0d3e4dd6-1a2b-4c3d-8e9f-0123456789ab"),
                ("customer_name", ""),
                ("status", "active"),
                ("assignment", "voice_app"),
                ("country", "GB"),
            ]
        ),
        Some(5.0)
    );
    assert_eq!(
        health(
            &scrape,
            "liveplatform_records_skipped_total",
            "duplicate_id"
        ),
        Some(1.0)
    );
    // Each page once: wiremock checks its expectations as the server drops.
    server.verify().await;
}

#[tokio::test]
async fn a_total_the_records_cannot_fill_is_refused_before_any_other_page() {
    let refused = json!({"currentPage": 1, "pageSize": 2, "totalPages": 9000,
                         "totalRecords": 4, "data": [number(1), number(2)]});
    let server = paged_api(&[refused]).await;
    let (exposition, all_ok) = poll_once(&[platform_of(&server)]).await.unwrap();
    assert!(!all_ok);
    let scrape = Scrape::parse(&String::from_utf8(exposition).unwrap());
    assert_eq!(
        health(&scrape, "liveplatform_poll_errors_total", "paging_ignored"),
        Some(1.0)
    );
    assert!(scrape.find("liveplatform_oc_numbers", &[]).is_empty());
    let asked = server.received_requests().await.unwrap_or_default();
    let pages = asked
        .iter()
        .filter(|r| r.url.path() == "/api/v3/oc/numbers")
        .count();
    assert_eq!(pages, 1, "page 2 is never asked");
}
