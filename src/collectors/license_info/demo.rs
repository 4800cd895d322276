//! Each seed customer's license information on the demo platform.

use axum::http::StatusCode;
use bytes::Bytes;

use crate::demo::{Answer, CUSTOMER_ID, DemoPlatform, Endpoint};

const ROUTE: [&str; 5] = super::path(CUSTOMER_ID);

pub(crate) const ENDPOINT: Endpoint = Endpoint {
    collector: super::KIND.name,
    path: &ROUTE,
    answer: |seed, asked| {
        let months = asked
            .query
            .get("nrOfMonths")
            .and_then(|n| n.parse::<u32>().ok());
        if months.is_none() {
            return Answer::problem(StatusCode::BAD_REQUEST, "nrOfMonths is required");
        }
        match seed.customer(asked) {
            Ok(index) => Answer::json(&seed_license_info(index)),
            Err(not_found) => not_found,
        }
    },
};

impl DemoPlatform {
    /// The license information served for the seed customer at `index`: two daily records,
    /// the later one first in the array, so that a client reading only the first would be
    /// right by luck, and one in the other order.
    pub fn seed_license_info(index: usize) -> serde_json::Value {
        seed_license_info(index)
    }

    /// Answers license information requests for `customer_id` with `status` and `body` from now
    /// on, whether or not the id is a seed customer's.
    pub fn set_license_info(&self, customer_id: &str, status: u16, body: impl Into<Bytes>) {
        self.set_answer(super::KIND.name, Some(customer_id), status, body.into());
    }

    /// Back to the made-up license information of a seed customer (or a 404 for another id).
    pub fn clear_license_info(&self, customer_id: &str) {
        self.clear_answer(super::KIND.name, Some(customer_id));
    }
}

/// Made-up but plausible figures for the seed customer at `index`: the factors add up to the
/// currently licensed users, which stay below the acquired licenses except for every eleventh
/// customer from the sixth on (over its licenses, for the dashboards and alerts to show). The
/// monitored users come as a string, as the vendor documents; the dates in the .NET and OVOC
/// forms.
fn seed_license_info(index: usize) -> serde_json::Value {
    let i = index as u64;
    let managed = [i % 5, (i * 3) % 4, i % 3, i % 6];
    let service_numbers = i % 4;
    let currently = managed.iter().sum::<u64>() + service_numbers;
    let acquired = if i % 11 == 5 {
        currently.saturating_sub(2)
    } else {
        currently + (i * 7) % 20 + 1
    };
    let day = 1 + i % 28;
    let record = |acquired: u64, currently: u64, last_update: String| {
        serde_json::json!({
            "acquiredLicenses": acquired,
            "totalMonitoredUsers": (currently + i % 9).to_string(),
            "currentlyLicensed": currently,
            "managedUsersDirectRouting": managed[0],
            "managedUsersOperatorConnect": managed[1],
            "managedUsersByLifeCycleManagement": managed[2],
            "managedUsersUserInterface": managed[3],
            "managedServiceNumbers": service_numbers,
            "lastUpdate": last_update,
            "licenseSettingsFlagsLevel": 2,
            "LicenseFactors": {"Managed Users - By Template": true},
        })
    };
    let latest = record(
        acquired,
        currently,
        format!("2024-05-{day:02}T06:00:00.0202209+00:00"),
    );
    let older = record(
        acquired + 100,
        currently + 100,
        format!("2024-05-{day:02}T05:59:59.820+0000"),
    );
    if i.is_multiple_of(2) {
        serde_json::json!([latest, older])
    } else {
        serde_json::json!([older, latest])
    }
}
