//! A realistic, reproducible customer list of any size, so that every benchmark (criterion and
//! `scripts/bench/serve.sh`) measures the same data.
//!
//! Proportions follow the vendor's 35-customer example: about a third Hosted Essentials, a
//! third Hosted Pro, the rest spread over the other types; Essentials carry no license or
//! LiveHub counts; one in 35 has a null active count; one in ten has no Microsoft tenant.
//! Names are long and often non-ASCII, with the characters that need escaping.

use serde_json::{Value, json};

const SHORT_NAMES: [&str; 8] = [
    "BBSuperPro745",
    "Müller-GmbH",
    "名前テスト",
    "Ran_Yachts_OC",
    "Zürich-Süd",
    "Ελληνικά",
    "24124_ess",
    "São-Paulo",
];

const FULL_NAMES: [&str; 6] = [
    "Tobi's \"Premium\" Service",
    "AudioCodes US M365 — Direct Routing for the whole northern region",
    "Société Générale des Télécommunications (Équipe Réseau)",
    "東京オフィス 音声サービス",
    "Back\\slash Holdings, Inc.",
    "Brew Haven OC",
];

fn guid(rng: &mut fastrand::Rng) -> String {
    let hex = |rng: &mut fastrand::Rng, n: usize| -> String {
        (0..n)
            .map(|_| char::from_digit(rng.u32(0..16), 16).unwrap())
            .collect()
    };
    format!(
        "{}-{}-4{}-{}-{}",
        hex(rng, 8),
        hex(rng, 4),
        hex(rng, 3),
        hex(rng, 4),
        hex(rng, 12)
    )
}

/// License type codes weighted like the seed (13 x 0, 5 x 1, 11 x 2, 6 x 3), plus 4 and 5.
fn license_type(rng: &mut fastrand::Rng) -> i64 {
    match rng.u32(0..40) {
        0..13 => 0,
        13..18 => 1,
        18..30 => 2,
        30..36 => 3,
        36..38 => 4,
        _ => 5,
    }
}

pub(crate) fn customers(n: usize, seed: u64) -> Vec<Value> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let tenants: Vec<String> = (0..(n / 3).max(1)).map(|_| guid(&mut rng)).collect();
    (0..n)
        .map(|i| {
            let code = license_type(&mut rng);
            let essentials = matches!(code, 0 | 3);
            let licensed = rng.i64(5..500);
            let count = |rng: &mut fastrand::Rng| (!essentials).then(|| rng.i64(0..=licensed));
            let active = (rng.u32(0..35) != 0).then(|| rng.i64(0..=licensed));
            let short = format!("{}{i}", SHORT_NAMES[i % SHORT_NAMES.len()]);
            let full = format!("{} #{i}", FULL_NAMES[rng.usize(0..FULL_NAMES.len())]);
            let tenant =
                (rng.u32(0..10) != 0).then(|| tenants[rng.usize(0..tenants.len())].clone());
            json!({
                "UmpCustomerGuid": guid(&mut rng),
                "CustomerShortName": short,
                "CustomerFullName": full,
                "LicenseType": code,
                "LicensedUsersCount": (!essentials).then_some(licensed),
                "MsTenantId": tenant,
                "ActiveUserCount": active,
                "LiveHubActiveUsersCount": count(&mut rng),
                "LiveHubSimpleUsersCount": count(&mut rng),
            })
        })
        .collect()
}

/// The seed every benchmark uses unless it needs a second, different list.
pub(crate) const SEED: u64 = 42;

/// The list as the API sends it: one JSON array.
pub(crate) fn body(n: usize, seed: u64) -> Vec<u8> {
    serde_json::to_vec(&customers(n, seed)).expect("JSON values serialize")
}

/// The list a later poll sees: `changed` customers, picked at random, with one more active
/// user each, the way a list changes between two polls. `seed` picks the customers.
#[allow(dead_code)] // used by the criterion bench, not by gen-customers
pub(crate) fn changed_body(list: &[Value], changed: usize, seed: u64) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut list = list.to_vec();
    for _ in 0..changed {
        let index = rng.usize(0..list.len());
        let active = &mut list[index]["ActiveUserCount"];
        *active = (active.as_i64().unwrap_or(0) + 1).into();
    }
    serde_json::to_vec(&list).expect("JSON values serialize")
}
