//! The `customer_details` collector against the mock platform: every seed customer's app secret
//! expiry and SIP connections, labelled as its customer series; hostile values; and what one
//! customer's failure, a 404 and a customer leaving the list do (the tests every per-customer
//! collector shares). That the secret itself never shows is `no_secrets_in_logs`' to prove.

use std::collections::BTreeMap;

use crate::common::Scrape;
use crate::common::per_customer::{
    Collector, CustomerLabels, id, per_customer_behaviour, seed, start,
};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

const EXPIRY: &str = "liveplatform_customer_app_secret_expiry_timestamp_seconds";
const SIP: &str = "liveplatform_customer_sip_connections";

const CUSTOMER_DETAILS: Collector = Collector {
    name: "customer_details",
    families: &[EXPIRY, SIP],
    answer: |mock, id, status, body| mock.set_customer_details(id, status, body),
    changed: (
        r#"{"ClientSecretExpirationDate": "1/2/2030 3:04:05 PM"}"#,
        EXPIRY,
        1_893_596_645.0,
    ),
};

per_customer_behaviour!(CUSTOMER_DETAILS);

/// The Unix time of a date as the mock writes it, read here without the exporter's parsing:
/// `M/D/YYYY h:mm:ss AM` in UTC, or RFC 3339.
fn unix_time(text: &str) -> i64 {
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return at.unix_timestamp();
    }
    let (date, time) = text.split_once(' ').unwrap();
    let [month, day, year] = numbers(date, '/');
    let (clock, period) = time.split_once(' ').unwrap();
    let [hour, minute, second] = numbers(clock, ':').map(|n| u8::try_from(n).unwrap());
    let hour = hour % 12 + if period == "PM" { 12 } else { 0 };
    let month = Month::try_from(u8::try_from(month).unwrap()).unwrap();
    let date = Date::from_calendar_date(year, month, u8::try_from(day).unwrap()).unwrap();
    PrimitiveDateTime::new(date, Time::from_hms(hour, minute, second).unwrap())
        .assume_utc()
        .unix_timestamp()
}

/// The `N` numbers `text` holds between `separator`s.
fn numbers<const N: usize>(text: &str, separator: char) -> [i32; N] {
    let numbers: Vec<i32> = text.split(separator).map(|n| n.parse().unwrap()).collect();
    numbers.try_into().unwrap()
}

/// The label value of every state and type the mock sends.
fn label(value: &Value) -> String {
    match value {
        Value::Number(n) => format!("unknown_{n}"),
        Value::String(s) => match s.as_str() {
            "Deployed" => "deployed",
            "NotDeployed" => "not_deployed",
            "InProgress" => "in_progress",
            "Failed" => "failed",
            "SipTrunk" | "SIP Trunk" | "sip-trunk" => "sip_trunk",
            "Byoc" => "byoc",
            other => panic!("the mock sends {other:?}: say here what it becomes"),
        }
        .to_owned(),
        other => panic!("the mock sends {other}"),
    }
}

/// The SIP connection counts published for the customer `labels` select, by state and type.
fn sip_connections(scrape: &Scrape, labels: &[(&str, &str)]) -> BTreeMap<(String, String), f64> {
    scrape
        .find(SIP, labels)
        .into_iter()
        .map(|s| {
            let kind = (
                s.labels["deployment_state"].clone(),
                s.labels["configuration_type"].clone(),
            );
            (kind, s.value)
        })
        .collect()
}

#[tokio::test]
async fn every_seed_customer_has_its_secret_expiry_and_sip_connections_with_the_customer_labels() {
    let (mock, app, scrape) = start().await;
    let now = OffsetDateTime::now_utc().unix_timestamp() as f64;
    let (mut soon, mut expired, mut without) = (0, 0, 0);
    let mut spellings = BTreeMap::<String, usize>::new();
    for (index, customer) in seed().iter().enumerate() {
        let details = mock.seed_customer_details(index);
        let customer_labels = CustomerLabels::of(customer);
        let labels = customer_labels.pairs();
        let expiry = scrape.value(EXPIRY, &labels);
        match details["ClientSecretExpirationDate"].as_str() {
            Some(text) => {
                let expected = unix_time(text) as f64;
                assert_eq!(expiry, Some(expected), "{text} of {labels:?}");
                if expected < now {
                    expired += 1;
                } else if expected < now + 30.0 * 86_400.0 {
                    soon += 1;
                }
            }
            None => {
                assert_eq!(expiry, None, "{labels:?} has no app registration");
                without += 1;
            }
        }
        // The mock sends SIP connections only for allDetails=true: the collector asks for them.
        let mut expected = BTreeMap::<(String, String), f64>::new();
        for connection in details["SiteLocation"].as_array().unwrap() {
            for field in ["sbcDeploymentState", "sbcConfigurationType"] {
                *spellings.entry(connection[field].to_string()).or_default() += 1;
            }
            let kind = (
                label(&connection["sbcDeploymentState"]),
                label(&connection["sbcConfigurationType"]),
            );
            *expected.entry(kind).or_default() += 1.0;
        }
        assert_eq!(sip_connections(&scrape, &labels), expected, "{labels:?}");
    }
    assert!(
        soon >= 1 && expired >= 1 && without >= 1,
        "the demo shows a secret about to expire ({soon}), an expired one ({expired}) and \
         customers without ({without})"
    );
    assert!(
        spellings.len() >= 8,
        "the demo spells states and types in many ways: {spellings:?}"
    );
    CUSTOMER_DETAILS.assert_up_with_a_request_per_customer(&scrape);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn hostile_values_are_bounded_escaped_or_skipped_and_counted() {
    let (mock, app, _) = start().await;
    let customer = seed()[6].clone();
    let body = json!({
        "ClientSecretExpirationDate": "2/30/2027 8:00:00 AM",
        "SiteLocation": [
            {"sbcDeploymentState": "a\"b\\c\nd}{", "sbcConfigurationType": 99_999_999_999_999_999_999.0},
            {"sbcDeploymentState": "Deployed", "sbcConfigurationType": "x".repeat(10_000)},
            {"sbcDeploymentState": true, "sbcConfigurationType": "Byoc"},
            7,
        ],
    });
    mock.set_customer_details(id(&customer), 200, body.to_string());
    let skipped = |s: &Scrape, reason| {
        CUSTOMER_DETAILS
            .health(s, "liveplatform_records_skipped_total", Some(reason))
            .unwrap_or(0.0)
    };
    let scrape = app
        .scrape_until("the hostile details to be collected", |s| {
            skipped(s, "not_an_object") >= 1.0
                && s.value(EXPIRY, &[("customer_id", id(&customer))]).is_none()
        })
        .await;
    assert!(
        skipped(&scrape, "invalid_field") >= 2.0,
        "the date and a state"
    );
    assert_eq!(
        sip_connections(&scrape, &[("customer_id", id(&customer))]),
        BTreeMap::from([
            (("a_b_c_d".to_owned(), "unknown".to_owned()), 1.0),
            (("deployed".to_owned(), "unknown".to_owned()), 1.0),
        ])
    );
    assert_eq!(
        CUSTOMER_DETAILS.health(&scrape, "liveplatform_up", None),
        Some(1.0)
    );
    app.stop().await.unwrap();
}

/// Customer ids that URL normalisation would remove or strip (`.`, `..`, a line break) are
/// skipped and counted: their request would have addressed another resource, `.` the whole
/// customer list with every customer's details.
#[tokio::test]
async fn ids_that_are_no_path_segment_are_skipped_and_never_requested() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let api = MockServer::start().await;
    let customer = |id: &str| {
        json!({"UmpCustomerGuid": id, "CustomerShortName": "c", "CustomerFullName": "C",
               "LicenseType": 2})
    };
    let list = json!([
        customer("."),
        customer(".."),
        customer("a\nb"),
        customer("ok")
    ]);
    Mock::given(method("GET"))
        .and(path("/api/v3/customer"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list))
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v3/customer/ok"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&api)
        .await;
    let mut platform = crate::common::unauthenticated("p", &api.uri());
    crate::common::enable(&mut platform, "customer_details");
    let app = crate::common::spawn_app(vec![platform]).await;
    let scrape = app
        .scrape_until("a customer_details run", |s| {
            s.value(
                "liveplatform_up",
                &[("platform", "p"), ("collector", "customer_details")],
            ) == Some(1.0)
        })
        .await;
    app.stop().await.unwrap();
    assert!(
        scrape
            .value(
                "liveplatform_records_skipped_total",
                &[
                    ("platform", "p"),
                    ("collector", "customer_details"),
                    ("reason", "invalid_field"),
                ],
            )
            .is_some_and(|skipped| skipped >= 3.0),
        "{}",
        scrape.text
    );
    for request in api.received_requests().await.unwrap() {
        let url = &request.url;
        assert!(
            url.path() == "/api/v3/customer/ok" || url.query().is_none(),
            "a request addressed another resource: {url}"
        );
    }
}
