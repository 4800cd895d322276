//! The poll path at 1k, 10k and 100k customers, stage by stage, against the lower bound of
//! merely parsing the same body (`serde_json` into `Vec<IgnoredAny>`); and the scrape path,
//! which must not grow with the customer count.
//!
//! `cargo bench --bench poll_path`; results and the machine are in docs/performance.md.

#[path = "support/customers.rs"]
mod customers;

use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use liveplatform_exporter::poll_path::Segment;
use liveplatform_exporter::poll_path::customers_slot;
use liveplatform_exporter::poll_path::decode_customers;
use liveplatform_exporter::poll_path::{platform_label, render_customers};
use liveplatform_exporter::poll_path::{prepare, recompress};
use liveplatform_exporter::{CollectorSettings, ExporterMetrics};
use liveplatform_exporter::{Encoding, Exposition};
use serde_json::value::RawValue;
use tokio::time::Instant;

const SIZES: [usize; 3] = [1_000, 10_000, 100_000];

/// A customer as a serde-derived decoder reads it, for the comparison with the streaming decoder.
#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
#[allow(dead_code)]
struct DerivedCustomer<'a> {
    #[serde(borrow)]
    ump_customer_guid: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    customer_short_name: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    customer_full_name: std::borrow::Cow<'a, str>,
    license_type: i64,
    #[serde(default, borrow)]
    ms_tenant_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    licensed_users_count: Option<i64>,
    #[serde(default)]
    active_user_count: Option<i64>,
    #[serde(default)]
    live_hub_active_users_count: Option<i64>,
    #[serde(default)]
    live_hub_simple_users_count: Option<i64>,
}

fn poll_path(c: &mut Criterion) {
    for n in SIZES {
        let list = customers::customers(n, customers::SEED);
        let body = serde_json::to_vec(&list).unwrap();
        let customers = decode_customers(&body).unwrap().customers;
        let label = platform_label("bench");
        let rendered = render_customers(&label, customers.iter());

        let mut group = c.benchmark_group(format!("poll/{n}"));
        group.throughput(Throughput::Bytes(body.len() as u64));
        if n >= 100_000 {
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(20));
        }
        group.bench_function("lower_bound_parse_only", |b| {
            b.iter(|| serde_json::from_slice::<Vec<serde::de::IgnoredAny>>(&body).unwrap())
        });
        group.bench_function("decode", |b| b.iter(|| decode_customers(&body).unwrap()));
        // What the collectors' serde-derived decoding would cost the customer list, at the
        // least: field names matched exactly (the derived path's any-case matching adds a pass
        // over each record), each record apart so that a bad one is skipped.
        group.bench_function("derive_per_record", |b| {
            b.iter(|| {
                let records: Vec<&RawValue> = serde_json::from_slice(&body).unwrap();
                records
                    .into_iter()
                    .filter_map(|raw| serde_json::from_str::<DerivedCustomer>(raw.get()).ok())
                    .collect::<Vec<_>>()
            })
        });
        group.bench_function("render", |b| {
            b.iter(|| render_customers(&label, customers.iter()))
        });
        group.bench_function("compress", |b| {
            b.iter(|| {
                rendered
                    .iter()
                    .map(|family| Segment::deflate(family))
                    .collect::<Vec<_>>()
            })
        });
        let shared = bytes::Bytes::from(body.clone());
        // A first poll: every block decoded, rendered and compressed.
        group.bench_function("all_stages", |b| {
            b.iter(|| prepare("bench", shared.clone(), None).unwrap())
        });
        // And its segments compressed again, smaller, as the collector does after publishing:
        // the whole CPU cost of a poll, not what it waits for.
        group.bench_function("all_stages_compressed_again", |b| {
            b.iter(|| {
                let (prepared, _) = prepare("bench", shared.clone(), None).unwrap();
                recompress(&prepared)
            })
        });
        // Later polls: the API sent the same bytes as the last poll, or changed a few customers.
        let (first, _) = prepare("bench", shared.clone(), None).unwrap();
        // As a later poll finds it: compressed again.
        let last = recompress(&first).map_or(first, |again| again.publish());
        group.bench_function("unchanged_response", |b| {
            b.iter(|| prepare("bench", shared.clone(), Some(&last)).unwrap())
        });
        for per_mille in [1, 10] {
            let changed =
                bytes::Bytes::from(customers::changed_body(&list, n * per_mille / 1000, 7));
            group.bench_function(format!("{per_mille}_per_mille_changed"), |b| {
                b.iter(|| prepare("bench", changed.clone(), Some(&last)).unwrap())
            });
            group.bench_function(
                format!("{per_mille}_per_mille_changed_compressed_again"),
                |b| {
                    b.iter(|| {
                        let (prepared, _) = prepare("bench", changed.clone(), Some(&last)).unwrap();
                        recompress(&prepared)
                    })
                },
            );
        }
        group.finish();
    }
}

fn scrape_path(c: &mut Criterion) {
    for n in SIZES {
        let body = customers::body(n, customers::SEED);
        let health = Arc::new(ExporterMetrics::new());
        let slot = Arc::new(customers_slot("bench", Duration::from_secs(3600)));
        let (prepared, _) = prepare("bench", body.into(), None).unwrap();
        slot.publish(prepared.snapshot);
        let _health = health.collector(
            "bench",
            "customers",
            &CollectorSettings {
                interval: Duration::from_secs(300),
                timeout: Duration::from_secs(30),
                stale_after: Duration::from_secs(3600),
            },
        );
        let exposition = Exposition::new(vec![slot], health);

        let mut group = c.benchmark_group(format!("scrape/{n}"));
        for (name, encoding) in [("identity", Encoding::Identity), ("gzip", Encoding::Gzip)] {
            group.bench_function(name, |b| {
                b.iter(|| exposition.render(Instant::now(), encoding))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, poll_path, scrape_path);
criterion_main!(benches);
