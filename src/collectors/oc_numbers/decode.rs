//! `GET {base_url}/api/v3/oc/numbers?pageNumber=N&pageSize=S`: one page of the platform's
//! Operator Connect numbers, `{"currentPage", "pageSize", "totalPages", "totalRecords",
//! "data": [...]}`.
//!
//! Each number is decoded on its own from its place in the page, so that one unreadable number
//! is skipped and counted while the others are kept. The record type names only the fields
//! counted: the telephone number, calling profiles, tenant, SBCs and company name are skipped
//! by serde as it parses, so no decoded type ever holds them, and no error quotes the body.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::api::lenient::{self, Count, Field, ShapeError};
use crate::collectors::oc_numbers::model::{
    Assignment, Capabilities, Capability, Country, Guid, Number, Status,
};
use crate::model::SkipReason;

pub(crate) const EXPECTED: &str = "a page of Operator Connect numbers";

/// The most pages one run follows: 10 million numbers in pages of 1000. A `totalPages` beyond
/// it is a server gone wrong (or a hostile one), not a list to walk.
pub(crate) const MAX_PAGES: u64 = 10_000;

/// One page: what it says of the paging, and its records, each still to be read.
#[derive(Debug)]
pub(crate) struct Page<'a> {
    /// `currentPage`, when the server says.
    pub(crate) current_page: Option<u64>,
    pub(crate) total_pages: u64,
    pub(crate) total_records: u64,
    records: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a> {
    #[serde(default)]
    current_page: Option<Count>,
    total_pages: Count,
    total_records: Count,
    #[serde(borrow)]
    data: Vec<&'a RawValue>,
}

/// A number as far as it is read. Each class is kept raw, so that a value of any form costs
/// only its class (`unknown`), never the number.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NumberRecord<'a> {
    #[serde(default)]
    id: Field<Count>,
    #[serde(default, borrow)]
    ump_customer_guid: Option<&'a RawValue>,
    #[serde(default, borrow)]
    acquired_number_status: Option<&'a RawValue>,
    #[serde(default, borrow)]
    assignment_status: Option<&'a RawValue>,
    #[serde(default, borrow)]
    iso_country_code: Option<&'a RawValue>,
    #[serde(default, borrow)]
    acquired_capabilities: Option<&'a RawValue>,
}

/// The text of a JSON string; `None` for any other value.
fn text(raw: Option<&RawValue>) -> Option<Cow<'_, str>> {
    let raw = raw?.get();
    if !raw.starts_with('"') {
        return None;
    }
    serde_json::from_str(raw).ok()
}

impl NumberRecord<'_> {
    /// The number, or why it is skipped: one without an id cannot be counted once, one without
    /// a readable customer cannot be counted for anyone.
    fn into_number(self) -> Result<Number, SkipReason> {
        let Field::Value(Count(id)) = self.id else {
            return Err(SkipReason::MissingId);
        };
        let Some(guid) = self.ump_customer_guid else {
            return Err(SkipReason::MissingId);
        };
        let customer = text(Some(guid))
            .and_then(|guid| Guid::parse(&guid))
            .ok_or(SkipReason::InvalidField)?;
        let status = match self.acquired_number_status {
            Some(raw) if !raw.get().starts_with('"') => {
                raw.get().parse().map_or(Status::Unknown, Status::from_code)
            }
            raw => text(raw).map_or(Status::Unknown, |t| Status::from_text(&t)),
        };
        let mut capabilities = Capabilities::default();
        // Not an array: no capability is known, and the number still counts.
        let listed: Vec<&RawValue> = self
            .acquired_capabilities
            .and_then(|raw| serde_json::from_str(raw.get()).ok())
            .unwrap_or_default();
        for capability in listed {
            // A capability of another form is one all the same: `other`.
            let capability =
                text(Some(capability)).map_or(Capability::Unknown, |t| Capability::from_text(&t));
            capabilities.insert(capability);
        }
        Ok(Number {
            id,
            customer,
            status,
            assignment: text(self.assignment_status)
                .map_or(Assignment::Unknown, |t| Assignment::from_text(&t)),
            country: text(self.iso_country_code)
                .map_or(Country::UNKNOWN, |t| Country::from_text(&t)),
            capabilities,
        })
    }
}

impl Page<'_> {
    /// Each record of the page, in order: its number, or why it is skipped.
    pub(crate) fn numbers(&self) -> impl Iterator<Item = Result<Number, SkipReason>> + '_ {
        self.records
            .iter()
            .map(|raw| lenient::record(raw).and_then(NumberRecord::into_number))
    }
}

/// The page in `body`. A body that is not the documented envelope, or that claims more than
/// [`MAX_PAGES`] pages, is an error; its records are read by [`Page::numbers`].
pub(crate) fn decode(body: &[u8]) -> Result<Page<'_>, ShapeError> {
    let envelope: Envelope = lenient::decode(body, EXPECTED)?;
    let Count(total_pages) = envelope.total_pages;
    if total_pages > MAX_PAGES {
        return Err(ShapeError::new(
            EXPECTED,
            format!(
                "its totalPages {total_pages} is beyond the {MAX_PAGES} pages a run follows \
                 (raise page_size if the list is really that long)"
            ),
        ));
    }
    Ok(Page {
        current_page: envelope.current_page.map(|Count(n)| n),
        total_pages,
        total_records: envelope.total_records.0,
        records: envelope.data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// The vendor's example number with the V2 fields, personal data replaced by canaries.
    const EXAMPLE: &str = r#"{
        "id": 17, "umpCustomerGuid": "0D3E4DD6-1A2B-4C3D-8E9F-0123456789AB",
        "umpCustomerFullName": "CANARY-FULL-NAME", "msCompanyName": "CANARY-COMPANY",
        "telephoneNumber": "+440000CANARY", "acquiredNumberStatus": 0,
        "acquiredCapabilities": ["InboundCalling", "OutboundCalling", "UserAssignment",
            "InboundCalling", "Teleportation", 7],
        "availableCapabilities": ["Mobile"],
        "sbcList": [{"sbcName": "CANARY-SBC", "sbcId": 3}],
        "callingProfileId": "CANARY-PROFILE", "tenantCallingProfileId": "CANARY-TPROFILE",
        "ocSipConnectionName": "CANARY-SIP", "ovocChannelId": 4,
        "consentedOn": "2024-04-03T13:32:12.82872Z", "whenCreated": "2024-04-03T13:32:12Z",
        "source": "webapi", "acquiredOn": "2024-04-03T13:32:12Z", "isoCountryCode": "gb",
        "assignmentStatus": "UserAssigned", "locationId": "CANARY-LOCATION",
        "civicAddressId": "CANARY-ADDRESS", "tenantId": "CANARY-TENANT"
    }"#;

    fn page(records: &[&str]) -> String {
        format!(
            r#"{{"currentPage": 1, "pageSize": 200, "totalPages": 1, "totalRecords": {},
                 "data": [{}]}}"#,
            records.len(),
            records.join(",")
        )
    }

    fn numbers(records: &[&str]) -> Vec<Result<Number, SkipReason>> {
        let body = page(records);
        decode(body.as_bytes()).unwrap().numbers().collect()
    }

    #[test]
    fn the_documented_number_decodes_to_its_classes_without_its_personal_data() {
        let [Ok(number)] = &numbers(&[EXAMPLE])[..] else {
            panic!("{:?}", numbers(&[EXAMPLE]))
        };
        assert_eq!(number.id, 17);
        assert_eq!(
            number.customer.to_string(),
            "0d3e4dd6-1a2b-4c3d-8e9f-0123456789ab"
        );
        assert_eq!(number.status, Status::Active);
        assert_eq!(number.assignment, Assignment::User);
        assert_eq!(number.country.as_str(), "GB");
        let held: Vec<&str> = Capability::ALL
            .iter()
            .filter(|c| number.capabilities.contains(**c))
            .map(|c| c.label())
            .collect();
        assert_eq!(
            held,
            [
                "inbound_calling",
                "outbound_calling",
                "user_assignment",
                "other"
            ]
        );
        let debug = format!("{number:?}");
        assert!(!debug.contains("CANARY"), "{debug}");
    }

    #[test]
    fn statuses_come_as_codes_or_strings_and_anything_else_is_unknown() {
        let status = |value: &str| {
            let record = format!(
                r#"{{"id": 1, "umpCustomerGuid": "0d3e4dd6-1a2b-4c3d-8e9f-0123456789ab",
                     "acquiredNumberStatus": {value}}}"#
            );
            numbers(&[&record])[0].as_ref().unwrap().status
        };
        assert_eq!(status("2"), Status::MarkedForRemoval);
        assert_eq!(status("\"Release Requested\""), Status::ReleaseRequested);
        assert_eq!(status("\"READY FOR REMOVAL\""), Status::ReadyForRemoval);
        for other in [
            "null",
            "4",
            "-1",
            "1.5",
            "\"1\"",
            "\"Pending\"",
            "[0]",
            "{}",
            "true",
        ] {
            assert_eq!(status(other), Status::Unknown, "{other}");
        }
    }

    #[test]
    fn bad_records_are_skipped_by_reason_and_odd_classes_are_unknown() {
        let decoded = numbers(&[
            r#"[1]"#,
            r#""+448718943000""#,
            r#"{"umpCustomerGuid": "0d3e4dd6-1a2b-4c3d-8e9f-0123456789ab"}"#,
            r#"{"id": -3, "umpCustomerGuid": "0d3e4dd6-1a2b-4c3d-8e9f-0123456789ab"}"#,
            r#"{"id": "many", "umpCustomerGuid": "0d3e4dd6-1a2b-4c3d-8e9f-0123456789ab"}"#,
            r#"{"id": 1}"#,
            r#"{"id": 1, "umpCustomerGuid": "not-a-guid"}"#,
            r#"{"id": 1, "umpCustomerGuid": 12}"#,
            r#"{"id": "2", "umpCustomerGuid": "0d3e4dd6-1a2b-4c3d-8e9f-0123456789ab",
                "isoCountryCode": "GBR", "assignmentStatus": 3, "acquiredCapabilities": "Mobile"}"#,
        ]);
        let skipped: Vec<SkipReason> = decoded.iter().filter_map(|d| d.err()).collect();
        assert_eq!(
            skipped,
            [
                SkipReason::NotAnObject,
                SkipReason::NotAnObject,
                SkipReason::MissingId,
                SkipReason::MissingId,
                SkipReason::MissingId,
                SkipReason::MissingId,
                SkipReason::InvalidField,
                SkipReason::InvalidField,
            ]
        );
        let kept = decoded.last().unwrap().as_ref().unwrap();
        assert_eq!(kept.id, 2);
        assert_eq!(kept.country, Country::UNKNOWN);
        assert_eq!(kept.assignment, Assignment::Unknown);
        assert_eq!(kept.capabilities, Capabilities::default());
    }

    #[test]
    fn the_envelope_is_required_and_its_errors_never_quote_the_body() {
        for body in [
            "[]",
            r#"{"data": []}"#,
            r#"{"totalPages": 1, "totalRecords": 1}"#,
            r#"{"totalPages": -1, "totalRecords": 1, "data": []}"#,
            r#"{"totalPages": 1, "totalRecords": 1, "data": {"+440000hunter2": 1}}"#,
            r#"{"totalPages": 1, "totalRecords": 1, "data": ["+440000hunter2""#,
            r#"{"totalPages": 10001, "totalRecords": 99999999, "data": []}"#,
            r#"{"totalPages": 1e300, "totalRecords": 1, "data": []}"#,
            "<html>hunter2</html>",
        ] {
            let error = decode(body.as_bytes()).unwrap_err().to_string();
            assert!(
                error.starts_with("response is not a page of Operator Connect numbers"),
                "{error}"
            );
            assert!(!error.contains("hunter2"), "{error}");
        }
        let page = decode(
            br#"{"CurrentPage": "3", "TotalPages": 10000, "TotalRecords": 18446744073709551615,
                 "Data": []}"#,
        )
        .unwrap();
        assert_eq!(
            (page.current_page, page.total_pages, page.total_records),
            (Some(3), 10_000, u64::MAX)
        );
    }

    proptest! {
        #[test]
        fn any_record_is_counted_or_skipped_without_panicking(
            id in any::<i128>(),
            guid in ".{0,40}",
            status in prop_oneof![any::<i64>().prop_map(|n| json!(n)), any::<String>().prop_map(|s| json!(s))],
            country in any::<String>(),
            capabilities in proptest::collection::vec(any::<String>(), 0..5),
        ) {
            let record = json!({
                "id": id.to_string(), "umpCustomerGuid": guid, "acquiredNumberStatus": status,
                "isoCountryCode": country, "assignmentStatus": country,
                "acquiredCapabilities": capabilities,
            });
            let body = json!({"totalPages": 1, "totalRecords": 1, "data": [record]}).to_string();
            let decoded: Vec<_> = decode(body.as_bytes()).unwrap().numbers().collect();
            match &decoded[..] {
                [Ok(number)] => {
                    prop_assert_eq!(i128::from(number.id), id);
                    let code = number.country.as_str();
                    prop_assert!(code == "unknown" || (code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase())));
                }
                [Err(reason)] => prop_assert!(matches!(reason, SkipReason::MissingId | SkipReason::InvalidField)),
                other => prop_assert!(false, "{:?}", other),
            }
        }
    }
}
