//! Property tests: any customer list (any strings, any counts, nulls, numbers sent as strings or
//! as integral floats, junk records) goes through the real poll path (decode, snapshot) and
//! the real scrape path (exposition), and the text that comes out, read back by the
//! independent parser of `tests/integration/common`, holds every label and value that went in.

use std::sync::Arc;
use std::time::Duration;

use crate::common::Scrape;
use bytes::Bytes;
use liveplatform_exporter::poll_path::customers_slot;
use liveplatform_exporter::poll_path::prepare;
use liveplatform_exporter::{CollectorSettings, ExporterMetrics};
use liveplatform_exporter::{Encoding, Exposition};
use proptest::prelude::*;
use serde_json::{Value, json};
use tokio::time::Instant;

const PLATFORM: &str = "prop";

/// The largest integral float sent: f64 holds every integer up to 2^53 exactly, and serde_json
/// (with `float_roundtrip`) parses each of them exactly.
const EXACT_FLOAT: i64 = 1 << 53;

#[derive(Debug, Clone)]
enum Count {
    Null,
    Absent,
    Number(i64),
    Text(i64),
    Float(i64),
}

impl Count {
    fn expected(&self) -> Option<i64> {
        match *self {
            Count::Null | Count::Absent => None,
            Count::Number(n) | Count::Text(n) | Count::Float(n) => Some(n),
        }
    }

    fn json(&self) -> Option<Value> {
        match *self {
            Count::Absent => None,
            Count::Null => Some(Value::Null),
            Count::Number(n) => Some(json!(n)),
            Count::Text(n) => Some(json!(n.to_string())),
            Count::Float(n) => Some(json!(n as f64)),
        }
    }
}

/// A valid count: a number of users is never negative (negative ones are junk, below).
fn count() -> impl Strategy<Value = Count> {
    prop_oneof![
        Just(Count::Null),
        Just(Count::Absent),
        (0..=i64::MAX).prop_map(Count::Number),
        (0..=i64::MAX).prop_map(Count::Text),
        (0..=EXACT_FLOAT).prop_map(Count::Float),
    ]
}

#[derive(Debug, Clone)]
struct Record {
    id: String,
    short_name: String,
    full_name: String,
    license_type: i64,
    ms_tenant_id: Option<String>,
    counts: [Count; 4],
}

const COUNT_FIELDS: [(&str, &str); 4] = [
    ("LicensedUsersCount", "liveplatform_customer_licensed_users"),
    ("ActiveUserCount", "liveplatform_customer_active_users"),
    (
        "LiveHubActiveUsersCount",
        "liveplatform_customer_livehub_active_users",
    ),
    (
        "LiveHubSimpleUsersCount",
        "liveplatform_customer_livehub_simple_users",
    ),
];

impl Record {
    fn json(&self) -> Value {
        let mut object = json!({
            "UmpCustomerGuid": self.id,
            "CustomerShortName": self.short_name,
            "CustomerFullName": self.full_name,
            "LicenseType": self.license_type,
            "MsTenantId": self.ms_tenant_id,
        });
        for ((field, _), count) in COUNT_FIELDS.iter().zip(&self.counts) {
            if let Some(value) = count.json() {
                object[*field] = value;
            }
        }
        object
    }
}

fn record() -> impl Strategy<Value = Record> {
    (
        any::<String>(),
        any::<String>(),
        any::<String>(),
        prop_oneof![0i64..8, any::<i64>()],
        proptest::option::of(any::<String>()),
        [count(), count(), count(), count()],
    )
        .prop_map(
            |(id, short_name, full_name, license_type, ms_tenant_id, counts)| Record {
                id,
                short_name,
                full_name,
                license_type,
                ms_tenant_id,
                counts,
            },
        )
}

/// Records the decoder must skip: not an object, or an object with a count that is no count.
fn junk() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<i64>().prop_map(|n| json!(n)),
        any::<String>().prop_map(|s| json!(s)),
        any::<bool>().prop_map(|b| json!([b])),
        (
            any::<String>(),
            prop_oneof![
                Just(json!(2.5)),
                Just(json!(true)),
                (i64::MIN..0).prop_map(|n| json!(n)),
                Just(json!("many")),
            ]
        )
            .prop_map(|(id, bad)| json!({
                "UmpCustomerGuid": format!("junk-{id}"),
                "LicenseType": 2,
                "ActiveUserCount": bad,
            })),
    ]
}

/// The `license_type` label the README documents for a code.
fn license_type_label(code: i64) -> String {
    const NAMES: [&str; 6] = [
        "hosted_essentials",
        "hosted_essentials_plus",
        "hosted_pro",
        "oc_essentials",
        "oc_essentials_plus",
        "oc_pro",
    ];
    usize::try_from(code)
        .ok()
        .and_then(|i| NAMES.get(i))
        .map_or_else(|| format!("unknown_{code}"), |name| (*name).to_owned())
}

/// The real path: body → prepared snapshot → exposition → text.
fn scrape(body: &[u8]) -> (Scrape, usize) {
    let (prepared, _) = prepare(PLATFORM, Bytes::copy_from_slice(body), None)
        .expect("an array with a customer, or empty, always decodes");
    let skipped = prepared.skipped.len();
    let health = Arc::new(ExporterMetrics::new());
    let _platform_health = health.collector(
        PLATFORM,
        "customers",
        &CollectorSettings {
            interval: Duration::from_secs(300),
            timeout: Duration::from_secs(30),
            stale_after: Duration::from_secs(3600),
        },
    );
    let slot = Arc::new(customers_slot(PLATFORM, Duration::from_secs(3600)));
    slot.publish(prepared.snapshot);
    let exposition = Exposition::new(vec![slot], health);
    let text = exposition
        .render(Instant::now(), Encoding::Identity)
        .to_vec();
    let text = String::from_utf8(text).expect("the exposition is UTF-8");
    (Scrape::parse(&text), skipped)
}

proptest! {
    // A fixed seed: the same cases on every run and machine, and no regression files written.
    #![proptest_config(ProptestConfig {
        cases: 256,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x6c69_7665),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_label_and_value_survives_the_round_trip(
        records in proptest::collection::vec(record(), 0..12),
        junk in proptest::collection::vec(junk(), 0..4),
    ) {
        // Unique ids (a duplicate is skipped by design): the index makes them so.
        let records: Vec<Record> = records
            .into_iter()
            .enumerate()
            .map(|(i, mut r)| { r.id = format!("{i}:{}", r.id); r })
            .collect();
        let mut list: Vec<Value> = records.iter().map(Record::json).collect();
        list.extend(junk.iter().cloned());
        let body = serde_json::to_vec(&list).unwrap();
        if records.is_empty() && !junk.is_empty() {
            // Nothing usable in a list that is not empty: a failed poll, not an empty platform.
            prop_assert!(prepare(PLATFORM, Bytes::from(body), None).is_err());
            return Ok(());
        }
        let (scrape, skipped) = scrape(&body);

        prop_assert_eq!(skipped, junk.len(), "every junk record and only those is skipped");
        prop_assert_eq!(
            scrape.find("liveplatform_customer_info", &[]).len(),
            records.len()
        );
        for r in &records {
            let code = r.license_type.to_string();
            let license_type = license_type_label(r.license_type);
            let identity = [
                ("platform", PLATFORM),
                ("customer_id", r.id.as_str()),
                ("customer_name", r.short_name.as_str()),
                ("license_type", license_type.as_str()),
            ];
            let mut info_labels = identity.to_vec();
            info_labels.extend([
                ("customer_full_name", r.full_name.as_str()),
                ("ms_tenant_id", r.ms_tenant_id.as_deref().unwrap_or("")),
                ("license_type_code", code.as_str()),
            ]);
            prop_assert_eq!(
                scrape.value("liveplatform_customer_info", &info_labels),
                Some(1.0),
                "info of {:?}", r
            );
            for ((_, metric), count) in COUNT_FIELDS.iter().zip(&r.counts) {
                prop_assert_eq!(
                    scrape.value(metric, &identity),
                    count.expected().map(|n| n as f64),
                    "{} of {:?}", metric, r
                );
            }
        }
    }

    #[test]
    fn any_bytes_either_fail_to_decode_or_render_parseable_text(body in any::<Vec<u8>>()) {
        if prepare(PLATFORM, Bytes::copy_from_slice(&body), None).is_ok() {
            let (scrape, _) = scrape(&body);
            prop_assert!(!scrape.find("liveplatform_up", &[]).is_empty());
        }
    }
}
