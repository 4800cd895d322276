//! What `/metrics` publishes for a platform, checked against the API's own data.

use std::collections::BTreeMap;

use crate::common::{Scrape, customers, customers_only, demo_up, fast, spawn_app};
use liveplatform_exporter::{DemoPlatform, SEED_CUSTOMERS};
use serde_json::{Value, json};

const COUNTS: [(&str, &str, &str); 4] = [
    (
        "LicensedUsersCount",
        "licensed_users",
        "liveplatform_customer_licensed_users",
    ),
    (
        "ActiveUserCount",
        "active_users",
        "liveplatform_customer_active_users",
    ),
    (
        "LiveHubActiveUsersCount",
        "livehub_active_users",
        "liveplatform_customer_livehub_active_users",
    ),
    (
        "LiveHubSimpleUsersCount",
        "livehub_simple_users",
        "liveplatform_customer_livehub_simple_users",
    ),
];

/// The `license_type` label the README documents for a code; also used by `license_info`.
pub(crate) fn license_name(code: i64) -> String {
    match code {
        0 => "hosted_essentials".into(),
        1 => "hosted_essentials_plus".into(),
        2 => "hosted_pro".into(),
        3 => "oc_essentials".into(),
        4 => "oc_essentials_plus".into(),
        5 => "oc_pro".into(),
        other => format!("unknown_{other}"),
    }
}

/// Checks every customer and license-type series against the JSON the API served, computing
/// the expectations from the JSON independently of the exporter's code.
fn assert_matches_api(scrape: &Scrape, platform: &str, customers: &[Value]) {
    for customer in customers {
        let id = customer["UmpCustomerGuid"].as_str().unwrap();
        let name = customer["CustomerShortName"].as_str().unwrap();
        let code = customer["LicenseType"].as_i64().unwrap();
        let license = license_name(code);
        let labels = [
            ("platform", platform),
            ("customer_id", id),
            ("customer_name", name),
            ("license_type", license.as_str()),
        ];
        let info = scrape.find("liveplatform_customer_info", &labels);
        assert_eq!(info.len(), 1, "info for {id}");
        assert_eq!(info[0].value, 1.0);
        assert_eq!(
            info[0].labels["customer_full_name"],
            customer["CustomerFullName"].as_str().unwrap()
        );
        assert_eq!(
            info[0].labels["ms_tenant_id"],
            customer["MsTenantId"].as_str().unwrap_or("")
        );
        assert_eq!(info[0].labels["license_type_code"], code.to_string());
        for (field, _, metric) in COUNTS {
            let expected = customer[field].as_i64().map(|v| v as f64);
            assert_eq!(
                scrape.value(metric, &labels),
                expected,
                "{metric} of {id} (null must be absent)"
            );
        }
    }

    let mut by_type: BTreeMap<String, (usize, [Option<i64>; 4])> = (0..6)
        .map(|code| (license_name(code), (0, [None; 4])))
        .collect();
    for customer in customers {
        let entry = by_type
            .entry(license_name(customer["LicenseType"].as_i64().unwrap()))
            .or_default();
        entry.0 += 1;
        for (i, (field, _, _)) in COUNTS.iter().enumerate() {
            if let Some(v) = customer[*field].as_i64() {
                entry.1[i] = Some(entry.1[i].unwrap_or(0) + v);
            }
        }
    }
    for (license, (count, sums)) in &by_type {
        let labels = [("platform", platform), ("license_type", license.as_str())];
        assert_eq!(
            scrape.value("liveplatform_license_type_customers", &labels),
            Some(*count as f64),
            "customers of {license}"
        );
        for (i, (_, suffix, _)) in COUNTS.iter().enumerate() {
            assert_eq!(
                scrape.value(&format!("liveplatform_license_type_{suffix}"), &labels),
                sums[i].map(|v| v as f64),
                "{suffix} of {license}"
            );
        }
    }
    assert_eq!(
        scrape
            .find(
                "liveplatform_license_type_customers",
                &[("platform", platform)]
            )
            .len(),
        by_type.len(),
        "no license type beyond those in the data and the known ones"
    );
}

#[tokio::test]
async fn every_seed_customer_and_license_type_is_published_with_the_api_values() {
    let mock = DemoPlatform::start(SEED_CUSTOMERS).await.unwrap();
    let app = spawn_app(vec![mock.platform_config("demo")]).await;
    let scrape = app.ready().await;

    let customers: Vec<Value> = serde_json::from_slice(SEED_CUSTOMERS).unwrap();
    assert_eq!(customers.len(), 35);
    assert_matches_api(&scrape, "demo", &customers);
    assert_eq!(scrape.find("liveplatform_customer_info", &[]).len(), 35);
    assert_eq!(
        scrape.value(
            "liveplatform_up",
            &[("platform", "demo"), ("collector", "customers")]
        ),
        Some(1.0)
    );
    assert!(
        scrape
            .value(
                "liveplatform_last_poll_success_timestamp_seconds",
                &[("platform", "demo"), ("collector", "customers")]
            )
            .unwrap()
            > 1.7e9
    );
    assert_eq!(
        mock.token_requests(),
        1,
        "one token serves every poll until it expires"
    );
}

#[tokio::test]
async fn unknown_license_codes_and_oddly_typed_values_are_published() {
    let customers = json!([
        {"UmpCustomerGuid": "a", "CustomerShortName": "future", "CustomerFullName": "Future",
         "LicenseType": 9, "LicensedUsersCount": 40, "MsTenantId": null, "ActiveUserCount": 4,
         "LiveHubActiveUsersCount": null, "LiveHubSimpleUsersCount": null},
        {"UmpCustomerGuid": "b", "CustomerShortName": "ocpro", "CustomerFullName": "OC Pro",
         "LicenseType": 5, "LicensedUsersCount": 10, "MsTenantId": "t", "ActiveUserCount": 0,
         "LiveHubActiveUsersCount": 0, "LiveHubSimpleUsersCount": 19},
    ]);
    let mock = DemoPlatform::start(customers.to_string()).await.unwrap();
    let app = spawn_app(vec![mock.platform_config("lab")]).await;
    let scrape = app.ready().await;
    assert_matches_api(&scrape, "lab", customers.as_array().unwrap());
    assert_eq!(
        scrape.value(
            "liveplatform_license_type_customers",
            &[("platform", "lab"), ("license_type", "unknown_9")]
        ),
        Some(1.0)
    );
}

#[tokio::test]
async fn bad_records_are_skipped_counted_and_the_rest_published() {
    let body = r#"[
        {"UmpCustomerGuid":"good","CustomerShortName":"good","CustomerFullName":"Good","LicenseType":"2","LicensedUsersCount":"25","ActiveUserCount":3},
        {"CustomerShortName":"no-guid","LicenseType":0},
        {"UmpCustomerGuid":"typed","LicenseType":0,"ActiveUserCount":{"n":1}},
        {"UmpCustomerGuid":"good","LicenseType":1},
        {"umpcustomerguid":"camel","customershortname":"camel","licensetype":3,"activeusercount":1,"extra":[1,2]},
        42
    ]"#;
    let mock = DemoPlatform::start(body).await.unwrap();
    let app = spawn_app(vec![mock.platform_config("p")]).await;
    let scrape = app.ready().await;

    assert_eq!(scrape.find("liveplatform_customer_info", &[]).len(), 2);
    assert_eq!(
        scrape.value(
            "liveplatform_customer_licensed_users",
            &[("customer_id", "good"), ("license_type", "hosted_pro")]
        ),
        Some(25.0),
        "numbers sent as strings are accepted; the first of two duplicates wins"
    );
    assert_eq!(
        scrape.value(
            "liveplatform_customer_active_users",
            &[("customer_id", "camel")]
        ),
        Some(1.0)
    );
    for (reason, count) in [
        ("missing_id", 1.0),
        ("invalid_field", 1.0),
        ("duplicate_id", 1.0),
        ("not_an_object", 1.0),
        ("missing_license_type", 0.0),
    ] {
        let labels = [
            ("platform", "p"),
            ("collector", "customers"),
            ("reason", reason),
        ];
        assert_eq!(
            scrape.value("liveplatform_records_skipped_total", &labels),
            Some(count),
            "{reason}"
        );
    }
    assert_eq!(
        scrape.value(
            "liveplatform_up",
            &[("platform", "p"), ("collector", "customers")]
        ),
        Some(1.0)
    );
}

/// A series of the services list or the number inventory, which name customers whether or not
/// the customer list has them.
fn of_a_service(sample: &crate::common::Sample) -> bool {
    sample.name.starts_with("liveplatform_service_")
        || sample.name.starts_with("liveplatform_customer_oc_number")
}

#[tokio::test]
async fn vanished_customers_disappear_and_changes_are_counted() {
    let all: Vec<Value> = serde_json::from_slice(SEED_CUSTOMERS).unwrap();
    let mock = DemoPlatform::start(SEED_CUSTOMERS).await.unwrap();
    let app = spawn_app(vec![fast(mock.platform_config("demo"))]).await;
    let first = app.ready().await;
    assert_eq!(
        first.value(
            "liveplatform_customers_added_total",
            &[("platform", "demo")]
        ),
        Some(0.0),
        "the first poll counts no change"
    );

    let newcomer = json!({"UmpCustomerGuid": "new-guid", "CustomerShortName": "newcomer",
        "CustomerFullName": "New", "LicenseType": 1, "LicensedUsersCount": 5,
        "ActiveUserCount": 1});
    let mut next: Vec<Value> = all[3..].to_vec();
    next.push(newcomer);
    mock.set_customers(serde_json::to_vec(&next).unwrap());

    // The license information of those who left vanishes with the next license_info run.
    let gone_ids: Vec<&str> = all[..3]
        .iter()
        .map(|c| c["UmpCustomerGuid"].as_str().unwrap())
        .collect();
    let scrape = app
        .scrape_until("the changed list to be polled", |s| {
            s.value("liveplatform_customer_info", &[("customer_id", "new-guid")])
                .is_some()
                && s.samples.iter().filter(|s| !of_a_service(s)).all(|sample| {
                    !gone_ids
                        .iter()
                        .any(|id| sample.labels.get("customer_id").map(String::as_str) == Some(id))
                })
                // Their services stay in the services list, no longer named by the customer list.
                && gone_ids.iter().all(|id| {
                    s.find("liveplatform_service_info", &[("customer_id", id)])
                        .iter()
                        .all(|service| !service.labels.contains_key("customer_name"))
                })
        })
        .await;
    for gone in &all[..3] {
        let id = gone["UmpCustomerGuid"].as_str().unwrap();
        assert!(
            scrape.samples.iter().filter(|s| !of_a_service(s)).all(|s| s
                .labels
                .get("customer_id")
                .map(String::as_str)
                != Some(id)),
            "{id} still has series"
        );
    }
    assert_matches_api(&scrape, "demo", &next);
    assert_eq!(
        scrape.value(
            "liveplatform_customers_added_total",
            &[("platform", "demo")]
        ),
        Some(1.0)
    );
    assert_eq!(
        scrape.value(
            "liveplatform_customers_removed_total",
            &[("platform", "demo")]
        ),
        Some(3.0)
    );
}

#[tokio::test]
async fn label_values_survive_any_characters() {
    let hostile = [
        "quote\"d",
        "back\\slash",
        "new\nline",
        "carriage\rreturn",
        "tab\there",
        "unicode é 名前 😀",
        "brace} and, comma=",
        "\\\"\\n",
    ];
    let customers: Vec<Value> = hostile
        .iter()
        .enumerate()
        .map(|(i, name)| {
            json!({"UmpCustomerGuid": format!("id-{i}-{name}"), "CustomerShortName": name,
                   "CustomerFullName": format!("full {name}"), "LicenseType": i64::try_from(i).unwrap(),
                   "MsTenantId": name, "ActiveUserCount": i})
        })
        .collect();
    let mock = DemoPlatform::start(serde_json::to_vec(&customers).unwrap())
        .await
        .unwrap();
    let app = spawn_app(vec![mock.platform_config("plat\"form\\\n")]).await;
    let scrape = app.ready().await;
    assert_matches_api(&scrape, "plat\"form\\\n", &customers);
}

#[tokio::test]
async fn metrics_are_gzipped_when_the_scraper_accepts_it() {
    use std::io::Read;
    let mock = DemoPlatform::start(SEED_CUSTOMERS).await.unwrap();
    let app = spawn_app(vec![fast(mock.platform_config("demo"))]).await;
    app.ready().await;

    let plain = app.get("/metrics").await;
    assert_eq!(
        plain.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    assert!(plain.headers().get("content-encoding").is_none());
    let plain = plain.text().await.unwrap();

    let gzipped = app
        .http
        .get(app.url("/metrics"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    let bytes = gzipped.bytes().await.unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .unwrap();
    let customer_lines = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| l.starts_with("liveplatform_customer"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(customer_lines(&text), customer_lines(&plain));
    // Customer series are compressed once per poll; the health block, new at every scrape, is
    // sent stored (uncompressed): the customer series must account for a saving of at least
    // half their size.
    let customer_bytes: usize = customer_lines(&plain).iter().map(|l| l.len() + 1).sum();
    assert!(
        bytes.len() < plain.len() - customer_bytes / 2,
        "{} gzip bytes for {} plain",
        bytes.len(),
        plain.len()
    );
}

/// A poll is sent compressed fast at once and then compressed again, smaller: the gzip body a
/// scraper gets comes to near `gzip -6` of its own text, and decodes to the same series before
/// and after.
#[tokio::test(flavor = "multi_thread")]
async fn a_polls_gzip_body_comes_near_gzip_6_once_compressed_again() {
    use std::io::{Read, Write};
    let api = DemoPlatform::start(customers::body(3000, customers::SEED))
        .await
        .unwrap();
    let app = spawn_app(vec![customers_only(fast(api.platform_config("p")))]).await;
    let customer_lines = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|line| line.starts_with("liveplatform_customer"))
            .map(str::to_owned)
            .collect()
    };
    let expected = customer_lines(&app.ready().await.text);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let mut ratios = Vec::new();
    loop {
        let body = app
            .http
            .get(app.url("/metrics"))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let mut text = String::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(customer_lines(&text), expected);
        let mut reference = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
        reference.write_all(text.as_bytes()).unwrap();
        let ratio = body.len() as f64 / reference.finish().unwrap().len() as f64;
        ratios.push(ratio);
        if ratio <= 1.2 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the body stays at {ratios:?} times gzip -6"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    eprintln!("gzip body / gzip -6, scrape after scrape: {ratios:?}");
}

#[tokio::test]
async fn readiness_waits_for_every_platform_and_the_landing_page_lists_them() {
    let good = DemoPlatform::start(SEED_CUSTOMERS).await.unwrap();
    let unreachable = format!("http://{}/tenantui", crate::common::closed_loopback_addr());
    let app = spawn_app(vec![
        fast(good.platform_config("good<b>")),
        crate::common::unauthenticated("down", &unreachable),
    ])
    .await;
    assert_eq!(app.get("/-/healthy").await.status(), 200);
    app.scrape_until("the good platform's first poll of every collector", |s| {
        liveplatform_exporter::collector_names().all(|collector| {
            s.value(
                "liveplatform_up",
                &[("platform", "good<b>"), ("collector", collector)],
            ) == Some(1.0)
        })
    })
    .await;
    let ready = app.get("/-/ready").await;
    assert_eq!(ready.status(), 503);
    let body = ready.text().await.unwrap();
    assert!(body.contains("down") && !body.contains("good"), "{body}");

    let landing = app.get("/").await.text().await.unwrap();
    assert!(landing.contains("good&lt;b&gt;"), "{landing}");
    assert!(landing.contains("35 customers"));
    assert!(landing.contains("no successful poll yet"));
    assert!(landing.contains("href=\"metrics\""));
    assert_eq!(app.get("/nothing-here").await.status(), 404);
    let post = app.http.post(app.url("/metrics")).send().await.unwrap();
    assert_eq!(post.status(), 405);
}

#[tokio::test]
async fn stopping_the_app_finishes_cleanly() {
    let mock = DemoPlatform::start(SEED_CUSTOMERS).await.unwrap();
    let app = spawn_app(vec![fast(mock.platform_config("demo"))]).await;
    app.ready().await;
    let addr = app.addr;
    tokio::time::timeout(std::time::Duration::from_secs(5), app.stop())
        .await
        .expect("stops within the grace period")
        .expect("stops without error");
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no longer listening"
    );
}

/// A number-removal series of collector `number_removal` on `platform`.
fn removal(scrape: &Scrape, name: &str, platform: &str) -> Option<f64> {
    scrape.value(name, &[("platform", platform)])
}

#[tokio::test]
async fn the_number_removal_summary_is_published_per_platform() {
    let mock = DemoPlatform::start(SEED_CUSTOMERS).await.unwrap();
    mock.set_removal_summary(
        r#"{"MarkedForRemovalCount": "7", "readyForRemovalCount": 0, "totalCounts": 7}"#,
    );
    let defaults = spawn_app(vec![mock.platform_config("demo")]).await;
    let scrape = defaults.ready().await;
    defaults.stop().await.unwrap();
    assert_eq!(
        removal(
            &scrape,
            "liveplatform_oc_numbers_marked_for_removal",
            "demo"
        ),
        Some(7.0)
    );
    assert_eq!(
        removal(&scrape, "liveplatform_oc_numbers_ready_for_removal", "demo"),
        Some(0.0)
    );
    assert_eq!(
        scrape.value(
            "liveplatform_up",
            &[("platform", "demo"), ("collector", "number_removal")]
        ),
        Some(1.0)
    );
    assert_eq!(
        scrape.value(
            "liveplatform_poll_interval_seconds",
            &[("platform", "demo"), ("collector", "number_removal")]
        ),
        Some(900.0),
        "its own default interval, 15 minutes"
    );

    // A broken summary fails that collector alone; its last good values stay.
    let app = spawn_app(vec![fast(mock.platform_config("demo"))]).await;
    app.ready().await;
    mock.set_removal_summary(r#"{"markedForRemovalCount": -1}"#);
    let failed = app
        .scrape_until("the number_removal collector failing", |s| {
            s.value(
                "liveplatform_poll_errors_total",
                &[
                    ("platform", "demo"),
                    ("collector", "number_removal"),
                    ("reason", "decode"),
                ],
            ) >= Some(1.0)
        })
        .await;
    assert_eq!(
        removal(
            &failed,
            "liveplatform_oc_numbers_marked_for_removal",
            "demo"
        ),
        Some(7.0)
    );
    assert_eq!(
        (
            demo_up(&failed, "number_removal"),
            demo_up(&failed, "customers")
        ),
        (Some(0.0), Some(1.0))
    );
    assert_eq!(failed.find("liveplatform_customer_info", &[]).len(), 35);
}
