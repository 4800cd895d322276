//! The Operator Connect number inventory of the demo platform, paged by query as the vendor
//! documents it (`pageNumber`, `pageSize`; the keys in any case, as ASP.NET binds them).

use std::collections::HashMap;

use bytes::Bytes;
use serde_json::{Value, json};

use crate::demo::{Answer, DemoPlatform, Endpoint, Seed};

pub(crate) const ENDPOINT: Endpoint = Endpoint {
    collector: super::KIND.name,
    path: super::PATH,
    answer: |seed, asked| Answer::json(&page(&seed_numbers(seed), asked.query)),
};

impl DemoPlatform {
    /// The start of every demo number's company name, calling profile and tenant: a canary the
    /// tests look for wherever the exporter writes, since none may ever show.
    pub const OC_NUMBER_CANARY: &str = "DEMO-FAKE-OC-NUMBER-must-never-show";

    /// The prefix of every demo telephone number (a fictitious range): personal data, which must
    /// never show either.
    pub const OC_TELEPHONE_PREFIX: &str = "+1555010";

    /// Answers every page of the number inventory with `status` and `body` from now on.
    pub fn set_oc_numbers(&self, status: u16, body: impl Into<Bytes>) {
        self.set_answer(super::KIND.name, None, status, body.into());
    }

    /// The demo's whole inventory, unpaged: what the tests count against.
    pub fn seed_oc_numbers(&self) -> Vec<Value> {
        seed_numbers(self.seed())
    }
}

/// The vendor's page size when none is asked, and the largest the demo serves.
const DEFAULT_PAGE_SIZE: usize = 200;
const MAX_PAGE_SIZE: usize = 10_000;

/// `name`'s value in `query`, the key in any case, as a whole number of at least 1.
fn positive(query: &HashMap<String, String>, name: &str) -> Option<usize> {
    query
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .and_then(|(_, value)| value.parse().ok())
        .filter(|n| *n >= 1)
}

/// The page of `numbers` that `query` asks for, in the documented envelope. A page beyond the
/// last is empty, as a list that shrank between two requests would answer.
fn page(numbers: &[Value], query: &HashMap<String, String>) -> Value {
    let current = positive(query, "pageNumber").unwrap_or(1);
    let size = positive(query, "pageSize")
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .min(MAX_PAGE_SIZE);
    let data: Vec<&Value> = numbers
        .iter()
        .skip(current.saturating_sub(1).saturating_mul(size))
        .take(size)
        .collect();
    json!({
        "currentPage": current,
        "pageSize": size,
        "totalPages": numbers.len().div_ceil(size),
        "totalRecords": numbers.len(),
        "data": data,
    })
}

/// The status of the `n`th number, in turn as a server may send it: the V3 example's
/// integers, the filter's strings in other spellings, `null` as older examples send it, and a
/// word the exporter does not know. Every status the exporter publishes is here, most numbers
/// active.
fn status(n: usize) -> Value {
    match n % 12 {
        0 | 2 | 4 => json!(0),
        1 | 3 => json!("Active"),
        5 => json!(1),
        6 => json!("Release Requested"),
        7 => json!(2),
        8 => json!("MarkedForRemoval"),
        9 => json!(3),
        10 => json!("ready for removal"),
        _ if n % 24 == 11 => Value::Null,
        _ => json!("Pending"),
    }
}

const ASSIGNMENTS: [&str; 5] = [
    "UserAssigned",
    "Unassigned",
    "UserAssigned",
    "ConferenceAssigned",
    "VoiceApp",
];
const COUNTRIES: [&str; 4] = ["US", "gb", "DE", "GBR"];
const CAPABILITIES: [&[&str]; 4] = [
    &["InboundCalling", "OutboundCalling", "UserAssignment"],
    &["InboundCalling", "Office365", "Geographic"],
    &["TollFree", "InboundCalling", "FirstPartyAppAssignment"],
    &[
        "Mobile",
        "OutboundCalling",
        "ConferenceAssignment",
        "Satellite",
    ],
];

/// The demo platform's numbers: 1 to 7 for each seed customer (its GUID in upper case every
/// fourth, as a server may spell it), three for a customer that is not listed, and every status,
/// assignment and capability in turn; the personal data is fictitious or a canary.
fn seed_numbers(seed: &Seed) -> Vec<Value> {
    let listed = seed
        .customers
        .iter()
        .filter_map(|customer| customer.get("UmpCustomerGuid")?.as_str());
    let owners = listed
        .chain(["a0000000-0000-4000-8000-00000000a001"])
        .enumerate()
        .flat_map(|(customer, guid)| {
            let guid = if customer % 4 == 3 {
                guid.to_ascii_uppercase()
            } else {
                guid.to_owned()
            };
            let count = if customer == 35 { 3 } else { customer % 7 + 1 };
            std::iter::repeat_n(guid, count)
        });
    owners
        .enumerate()
        .map(|(n, guid)| {
            json!({
                "id": 9000 + n,
                "umpCustomerGuid": guid,
                "umpCustomerFullName": format!("{} customer", DemoPlatform::OC_NUMBER_CANARY),
                "msCompanyName": format!("{} company", DemoPlatform::OC_NUMBER_CANARY),
                "telephoneNumber": format!("{}{:04}", DemoPlatform::OC_TELEPHONE_PREFIX, n),
                "acquiredNumberStatus": status(n),
                "acquiredCapabilities": CAPABILITIES[n % CAPABILITIES.len()],
                "availableCapabilities": ["InboundCalling", "OutboundCalling"],
                "sbcList": [{"sbcName": format!("{} sbc", DemoPlatform::OC_NUMBER_CANARY), "sbcId": 3}],
                "callingProfileId": format!("{}-profile", DemoPlatform::OC_NUMBER_CANARY),
                "tenantCallingProfileId": format!("{}-tenant-profile", DemoPlatform::OC_NUMBER_CANARY),
                "ocSipConnectionName": "demo-sip",
                "ovocChannelId": 4,
                "consentedOn": "2024-04-03T13:32:12.82872Z",
                "whenCreated": "2024-04-03T13:32:12Z",
                "source": if n % 3 == 0 { "webapi" } else { "" },
                "isoCountryCode": COUNTRIES[n % COUNTRIES.len()],
                "assignmentStatus": ASSIGNMENTS[n % ASSIGNMENTS.len()],
                "tenantId": format!("{}-tenant", DemoPlatform::OC_NUMBER_CANARY),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn pages_follow_the_query_in_the_documented_envelope() {
        let numbers: Vec<Value> = (0..5).map(|n| json!({ "id": n })).collect();
        let second = page(&numbers, &query(&[("PageNumber", "2"), ("pagesize", "2")]));
        assert_eq!(
            second,
            json!({"currentPage": 2, "pageSize": 2, "totalPages": 3, "totalRecords": 5,
                   "data": [{"id": 2}, {"id": 3}]})
        );
        let beyond = page(&numbers, &query(&[("pageNumber", "9"), ("pageSize", "2")]));
        assert_eq!(beyond["data"], json!([]));
        // Keys it does not read: the vendor's defaults, page 1 of 200.
        let ignored = page(&numbers, &query(&[("page", "2"), ("size", "0")]));
        assert_eq!(
            (&ignored["currentPage"], &ignored["pageSize"]),
            (&json!(1), &json!(200))
        );
    }
}
