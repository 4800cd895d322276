//! Each seed customer's details on the demo platform, with an app registration whose fake
//! secret expires and SIP connections in every state.

use bytes::Bytes;
use time::OffsetDateTime;

use crate::demo::{Answer, CUSTOMER_ID, DemoPlatform, Endpoint, Seed};

const ROUTE: [&str; 4] = super::path(CUSTOMER_ID);

/// `GET /api/v3/customer/{id}`: the SIP connections only with `allDetails=true`, the app
/// registration (secret included, as some server versions do) always.
pub(crate) const ENDPOINT: Endpoint = Endpoint {
    collector: super::KIND.name,
    path: &ROUTE,
    answer: |seed, asked| {
        let all_details = asked
            .query
            .get("allDetails")
            .is_some_and(|value| value.eq_ignore_ascii_case("true"));
        match seed.customer(asked) {
            Ok(index) => Answer::json(&seed_customer_details(seed, index, all_details)),
            Err(not_found) => not_found,
        }
    },
};

impl DemoPlatform {
    /// The start of the client secret of every seed customer with an app registration (the rest
    /// is its place in the seed): obviously fake, and a canary the tests look for wherever the
    /// exporter writes, since the exporter must never keep it.
    pub const APP_SECRET_CANARY: &str = "DEMO-FAKE-APP-SECRET-must-never-show";

    /// The details served for the seed customer at `index` (with its SIP connections, as for
    /// `allDetails=true`).
    pub fn seed_customer_details(&self, index: usize) -> serde_json::Value {
        seed_customer_details(self.seed(), index, true)
    }

    /// Answers customer details requests for `customer_id` with `status` and `body` from now
    /// on, whether or not the id is a seed customer's.
    pub fn set_customer_details(&self, customer_id: &str, status: u16, body: impl Into<Bytes>) {
        self.set_answer(super::KIND.name, Some(customer_id), status, body.into());
    }
}

/// How a seed customer's SIP connections are deployed, in turn.
const SIP_STATES: [&str; 5] = [
    "Deployed",
    "Deployed",
    "NotDeployed",
    "InProgress",
    "Failed",
];

/// The details of the seed customer at `index`, as the API sends them: the customer list's
/// fields, and but for Hosted Essentials (which have none) an app registration whose fake
/// secret expires, counted from the platform's start, in 12 days (the fifth customer), 3 days ago (the
/// sixth) or between half a year and two years from now (the others). Dates come in the
/// documented US form, every sixth in the .NET round-trip form. The SIP connections, with
/// `all_details`, number 0 to 3 per customer, in varied states and types, three customers
/// spelling or numbering them otherwise.
fn seed_customer_details(seed: &Seed, index: usize, all_details: bool) -> serde_json::Value {
    let mut customer = seed.customers.get(index).cloned().unwrap_or_default();
    let Some(object) = customer.as_object_mut() else {
        return customer;
    };
    let short_name = object
        .get("CustomerShortName")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("customer")
        .to_owned();
    object.insert(
        "MsDefaultDomain".to_owned(),
        format!("{short_name}.onmicrosoft.example").into(),
    );
    let hosted_essentials = object
        .get("LicenseType")
        .and_then(serde_json::Value::as_i64)
        == Some(0);
    if !hosted_essentials {
        object.insert(
            "ApplicationClientId".to_owned(),
            format!("00000000-0000-4000-8000-{index:012}").into(),
        );
        object.insert(
            "ApplicationClientSecret".to_owned(),
            format!("{}-{index:02}", DemoPlatform::APP_SECRET_CANARY).into(),
        );
        let days = match index {
            4 => 12,
            5 => -3,
            _ => 180 + (index as i64 * 37) % 540,
        };
        if let Some(at) = seed.started.checked_add(time::Duration::days(days)) {
            object.insert(
                "ClientSecretExpirationDate".to_owned(),
                expiry_text(index, at).into(),
            );
        }
    }
    if all_details {
        let connections: Vec<serde_json::Value> = (0..index % 4)
            .map(|j| {
                let state = if index == 15 {
                    serde_json::json!(2)
                } else {
                    serde_json::json!(SIP_STATES[(index + j) % SIP_STATES.len()])
                };
                let configuration = match index {
                    7 => "SIP Trunk",
                    11 => "sip-trunk",
                    _ if (index + j).is_multiple_of(3) => "Byoc",
                    _ => "SipTrunk",
                };
                serde_json::json!({
                    "id": index * 10 + j,
                    "name": format!("Site {j}"),
                    "sbcId": 100 + index,
                    "sbcDeploymentState": state,
                    "sbcConfigurationType": configuration,
                })
            })
            .collect();
        object.insert("SiteLocation".to_owned(), connections.into());
    }
    customer
}

/// A secret's expiry date (UTC) as the API writes it: the documented US form without a zone
/// (`2/18/2027 8:39:26 AM`), or for every sixth customer the .NET round-trip form.
fn expiry_text(index: usize, at: OffsetDateTime) -> String {
    let (year, month, day) = (at.year(), u8::from(at.month()), at.day());
    let (hour, minute, second) = (at.hour(), at.minute(), at.second());
    if index % 6 == 1 {
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.0000000+00:00")
    } else {
        let period = if hour < 12 { "AM" } else { "PM" };
        let hour = match hour % 12 {
            0 => 12,
            hour => hour,
        };
        format!("{month}/{day}/{year} {hour}:{minute:02}:{second:02} {period}")
    }
}
