//! Writes a realistic customer list of N customers (default 10000) to stdout, as the Live
//! Platform API would send it: `cargo run --release --example gen-customers -- 100000 [SEED]`.
//! Another seed gives another list of the same shape (for polls that see changes). With
//! `--services` first, it writes the OVOC services list of that customer list instead: one
//! service per customer (its GUID, name and size), in the shape of the vendor's example.

#[path = "../benches/support/customers.rs"]
mod customers;

use std::io::Write;

use serde_json::{Value, json};

const STATUSES: [&str; 4] = ["OK", "ERROR", "WARNING", "UNMONITORED"];

fn service(index: usize, customer: &Value, rng: &mut fastrand::Rng) -> Value {
    let used = rng.u64(0..500);
    let device_manager = (rng.u32(0..3) != 0).then(|| {
        json!({
            "deviceType": "PERSONAL_AND_MEETING",
            "devicesCount": {"personal": rng.u32(0..200), "meeting": rng.u32(0..20)},
            "maxDevicesPersonal": 200, "maxDevicesMeeting": 20,
            "devicesPercentagePersonal": 10, "devicesPercentageMeeting": 5,
            "disconnectedDevices": {"personal": rng.u32(0..5), "meeting": rng.u32(0..2)},
            "serviceDeviceUrl": format!("https://dm.example/{}", customer["UmpCustomerGuid"]),
            "user": null, "password": null,
        })
    });
    json!({
        "id": 40_000 + index,
        "serviceId": customer["UmpCustomerGuid"],
        "fullName": customer["CustomerFullName"],
        "type": "SERVICE",
        "licenseType": "PRO_IMTR",
        "serviceUcaasTenantId": customer["MsTenantId"],
        "serviceSource": "DM",
        "definedAt": "2023-03-15T10:37:35.820+0000",
        "disabledTime": null,
        "usedDIDs": used,
        "freeDIDs": rng.u64(0..100),
        "usersCount": customer["ActiveUserCount"],
        "lcCustomerId": index,
        "umpUsersSuspendAlarmStatus": 0,
        "description": null,
        "elementsCount": {"total": 3, "devices": 1, "links": 1, "sites": 1},
        "attachedSites": [index], "attachedLinks": [], "attachedDevices": [index],
        "applicationsStatus": {
            "management": {
                "managementStatus": STATUSES[rng.usize(0..STATUSES.len())],
                "serviceDeployStatus": "DEPLOYED",
            },
            "voiceQuality": {
                "voiceQualityStatus": STATUSES[rng.usize(0..STATUSES.len())],
                "alertRuleVoiceQualityStatus": "UNMONITORED",
                "teamsVoiceQualityJson": {"vqControlStatus": "UNMONITORED",
                    "vqMediaStatus": "UNMONITORED", "voiceQualityStatus": "UNMONITORED"},
                "sbcVoiceQualityJson": {"vqControlStatus": "UNMONITORED",
                    "vqMediaStatus": "UNMONITORED", "voiceQualityStatus": "UNMONITORED"},
            },
        },
        "deviceManagerParams": device_manager,
    })
}

/// The services list of the customers `gen-customers N SEED` writes.
fn services_body(n: usize, seed: u64) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let services: Vec<Value> = customers::customers(n, seed)
        .iter()
        .enumerate()
        .map(|(index, customer)| service(index, customer, &mut rng))
        .collect();
    serde_json::to_vec(&json!({ "services": services })).expect("JSON values serialize")
}

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1).peekable();
    let services = args.next_if(|arg| arg == "--services").is_some();
    let n = args.next().map_or(Ok(10_000), |arg| arg.parse::<usize>());
    let seed = args
        .next()
        .map_or(Ok(customers::SEED), |arg| arg.parse::<u64>());
    let (Ok(n @ 1..), Ok(seed)) = (n, seed) else {
        eprintln!("usage: gen-customers [--services] [N > 0] [SEED]");
        return std::process::ExitCode::FAILURE;
    };
    let body = if services {
        services_body(n, seed)
    } else {
        customers::body(n, seed)
    };
    match std::io::stdout().lock().write_all(&body) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen-customers: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
