//! The Operator Connect number inventory's poll path, per page: one page of 1000 numbers as the
//! vendor documents them (every field, personal data included, as a server sends it) decoded,
//! checked and counted, then a whole run of 100,000 numbers in 100 such pages, rendered.
//!
//! `cargo bench --bench oc_numbers`; results and the machine are in docs/performance.md.

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use liveplatform_exporter::poll_path::count_oc_number_pages;
use serde_json::json;

const PAGE_SIZE: u64 = 1000;
const STATUSES: [&str; 5] = ["0", "1", "2", "3", "\"Active\""];
const ASSIGNMENTS: [&str; 4] = [
    "Unassigned",
    "UserAssigned",
    "ConferenceAssigned",
    "VoiceApp",
];
const COUNTRIES: [&str; 3] = ["US", "GB", "DE"];

/// Page `current` of a run of `pages` full pages, numbers spread over 2,000 customers.
fn page(current: u64, pages: u64) -> Vec<u8> {
    let data: Vec<serde_json::Value> = (0..PAGE_SIZE)
        .map(|i| {
            let n = (current - 1) * PAGE_SIZE + i;
            let status: serde_json::Value = serde_json::from_str(STATUSES[(n % 5) as usize]).unwrap();
            json!({
                "id": n + 1,
                "umpCustomerGuid": format!("0d3e4dd6-1a2b-4c3d-8e9f-{:012x}", n % 2000),
                "umpCustomerFullName": format!("Customer {}", n % 2000),
                "msCompanyName": "Contoso Ltd",
                "telephoneNumber": format!("+1555{n:07}"),
                "acquiredNumberStatus": status,
                "acquiredCapabilities": ["InboundCalling", "OutboundCalling", "UserAssignment"],
                "availableCapabilities": ["InboundCalling", "OutboundCalling", "UserAssignment", "Mobile"],
                "sbcList": [{"sbcName": "sbc-eu-1", "sbcId": 3}],
                "callingProfileId": "6a4e5f0e-0000-4000-8000-000000000001",
                "tenantCallingProfileId": "6a4e5f0e-0000-4000-8000-000000000002",
                "ocSipConnectionName": "oc-eu", "ovocChannelId": 4,
                "consentedOn": "2024-04-03T13:32:12.82872Z", "whenCreated": "2024-04-03T13:32:12Z",
                "source": "webapi", "uploadTelephoneNumberEntryId": null, "uploadToAccountJobId": null,
                "acquiredOn": "2024-04-03T13:32:12Z",
                "isoCountryCode": COUNTRIES[(n % 3) as usize],
                "assignmentStatus": ASSIGNMENTS[(n % 4) as usize],
                "locationId": null, "civicAddressId": null,
                "tenantId": "c524b5f5-0000-4000-8000-000000000000",
            })
        })
        .collect();
    json!({"currentPage": current, "pageSize": PAGE_SIZE, "totalPages": pages,
           "totalRecords": pages * PAGE_SIZE, "data": data})
    .to_string()
    .into_bytes()
}

fn oc_numbers(c: &mut Criterion) {
    let one = vec![page(1, 1)];
    let run: Vec<Vec<u8>> = (1..=100).map(|p| page(p, 100)).collect();
    let mut group = c.benchmark_group("oc_numbers");
    group.throughput(Throughput::Bytes(one[0].len() as u64));
    group.bench_function("page_of_1000", |b| {
        b.iter(|| assert_eq!(count_oc_number_pages(1000, &one), 1000))
    });
    group.throughput(Throughput::Bytes(run.iter().map(|p| p.len() as u64).sum()));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("run_of_100_pages", |b| {
        b.iter(|| assert_eq!(count_oc_number_pages(1000, &run), 100_000))
    });
    group.finish();
}

criterion_group!(benches, oc_numbers);
criterion_main!(benches);
