//! `GET {base_url}/api/v3/customer/{id}?allDetails=true`: one customer service with its app
//! registration and its SIP connections (`SiteLocation`).
//!
//! The response carries the app registration's client secret (`ApplicationClientSecret`, which
//! some server versions send even without `allDetails`). It is decoded straight into types that
//! name only the fields the exporter publishes, the expiry date of that secret and each SIP
//! connection's deployment state and configuration type: serde skips every other field as it
//! parses, so the secret (or any other secret-looking field) is never held, and no error quotes
//! the body.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::api::lenient::{self, Decoded, Field, Label, ShapeError, UNKNOWN};
use crate::collectors::customer_details::model::{CustomerDetails, SipConnectionKind};
use crate::model::SkipReason;

const EXPECTED: &str = "a customer object";

/// Distinct kinds (state and type) of SIP connection counted for one customer: a bound on the
/// series a broken or hostile response can make. A connection of a further kind is skipped.
const MAX_SIP_CONNECTION_KINDS: usize = 32;

/// The response, as far as it is read: the SIP connections under the plural too, in case a
/// server version names the array as the collection it is.
#[derive(Deserialize)]
struct Response<'a> {
    #[serde(default, rename = "ClientSecretExpirationDate")]
    expiry: Field<String>,
    #[serde(default, rename = "SiteLocation", borrow)]
    site_location: Field<Vec<&'a RawValue>>,
    #[serde(default, rename = "SiteLocations", borrow)]
    site_locations: Field<Vec<&'a RawValue>>,
}

/// One SIP connection as far as it is read.
#[derive(Deserialize)]
struct Connection {
    #[serde(default, rename = "sbcDeploymentState")]
    state: Field<Label>,
    #[serde(default, rename = "sbcConfigurationType")]
    configuration: Field<Label>,
}

/// The customer's details. The secret's expiry date is absent when the response has none (the
/// service has no app registration), is empty, or is before 1970 (`DateTime.MinValue`, year 0:
/// see [`lenient::since_1970`]); a date in no known
/// form is left out and counted as an `InvalidField` skip. A SIP connection that is not an
/// object, or whose state or type is neither text nor a number, is left out of the counts and
/// skipped likewise.
pub(crate) fn decode(body: &[u8]) -> Result<Decoded<CustomerDetails>, ShapeError> {
    let response: Response = lenient::decode(body, EXPECTED)?;
    let mut skipped = Vec::new();
    let secret_expiry = match response.expiry {
        Field::Absent => None,
        Field::Value(text) if text.trim().is_empty() => None,
        Field::Value(text) => match lenient::timestamp_or_utc(&text) {
            Some(at) => lenient::since_1970(at),
            None => {
                skipped.push(SkipReason::InvalidField);
                None
            }
        },
        Field::Invalid => {
            skipped.push(SkipReason::InvalidField);
            None
        }
    };
    let connections = match response.site_location {
        Field::Absent => response.site_locations,
        given => given,
    };
    let connections = match connections {
        Field::Absent => Vec::new(),
        Field::Value(connections) => connections,
        // Not an array: no connection can be counted.
        Field::Invalid => {
            skipped.push(SkipReason::InvalidField);
            Vec::new()
        }
    };
    let mut sip_connections = BTreeMap::new();
    for connection in connections {
        let counted = lenient::record(connection)
            .and_then(Connection::into_kind)
            .and_then(|kind| count(&mut sip_connections, kind));
        if let Err(reason) = counted {
            skipped.push(reason);
        }
    }
    Ok(Decoded {
        value: Some(CustomerDetails {
            secret_expiry,
            sip_connections,
        }),
        skipped,
    })
}

impl Connection {
    /// Its kind; a state or type the API does not give is `unknown`.
    fn into_kind(self) -> Result<SipConnectionKind, SkipReason> {
        let label = |field: Field<Label>| match field {
            Field::Absent => Ok(UNKNOWN.into()),
            Field::Value(Label(label)) => Ok(label),
            Field::Invalid => Err(SkipReason::InvalidField),
        };
        Ok(SipConnectionKind {
            deployment_state: label(self.state)?,
            configuration_type: label(self.configuration)?,
        })
    }
}

/// Counts one connection of `kind`, unless it would be a kind beyond the bound.
fn count(
    counts: &mut BTreeMap<SipConnectionKind, u64>,
    kind: SipConnectionKind,
) -> Result<(), SkipReason> {
    let kinds = counts.len();
    match counts.entry(kind) {
        Entry::Occupied(mut count) => *count.get_mut() = count.get().saturating_add(1),
        Entry::Vacant(_) if kinds >= MAX_SIP_CONNECTION_KINDS => {
            return Err(SkipReason::InvalidField);
        }
        Entry::Vacant(count) => {
            count.insert(1);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::lenient::{MAX_TOKEN_LEN, snake_case};
    use proptest::prelude::*;
    use time::OffsetDateTime;

    const CANARY: &str = "CANARY-APP-SECRET-3f1c0a";

    fn decode_text(body: &str) -> Decoded<CustomerDetails> {
        super::decode(body.as_bytes()).unwrap()
    }

    fn details(body: &str) -> CustomerDetails {
        let decoded = decode_text(body);
        assert_eq!(decoded.skipped, [], "{body}");
        decoded.value.unwrap()
    }

    fn expiry(date: &str) -> Decoded<Option<i64>> {
        let decoded = decode_text(&format!(r#"{{"ClientSecretExpirationDate": {date}}}"#));
        Decoded {
            value: decoded
                .value
                .map(|d| d.secret_expiry.map(OffsetDateTime::unix_timestamp)),
            skipped: decoded.skipped,
        }
    }

    fn kind(state: &str, configuration: &str) -> SipConnectionKind {
        SipConnectionKind {
            deployment_state: state.into(),
            configuration_type: configuration.into(),
        }
    }

    fn counts(pairs: &[(&str, &str, u64)]) -> BTreeMap<SipConnectionKind, u64> {
        pairs
            .iter()
            .map(|(state, configuration, n)| (kind(state, configuration), *n))
            .collect()
    }

    #[test]
    fn the_documented_response_decodes_without_keeping_the_secret() {
        let body = format!(
            r#"{{"UmpCustomerGuid": "g", "CustomerShortName": "c", "LicenseType": 2,
                "MsDefaultDomain": "c.example.com", "ApplicationClientId": "app",
                "ApplicationClientSecret": "{CANARY}",
                "ClientSecretExpirationDate": "2/18/2027 8:39:26 AM",
                "SiteLocation": [
                    {{"id": 1, "name": "Main", "sbcId": 7, "sbcDeploymentState": "Deployed",
                      "sbcConfigurationType": "SipTrunk", "password": "{CANARY}"}},
                    {{"id": 2, "name": "Branch", "sbcId": 8, "sbcDeploymentState": "Deployed",
                      "sbcConfigurationType": "Byoc", "token": "{CANARY}"}},
                    {{"id": 3, "name": "New", "sbcId": 9, "sbcDeploymentState": "Deployed",
                      "sbcConfigurationType": "SipTrunk"}}]}}"#
        );
        let decoded = decode_text(&body);
        assert_eq!(decoded.skipped, []);
        let details = decoded.value.unwrap();
        assert_eq!(
            details.secret_expiry.map(OffsetDateTime::unix_timestamp),
            Some(1_802_939_966),
            "2027-02-18T08:39:26Z"
        );
        assert_eq!(
            details.sip_connections,
            counts(&[("deployed", "byoc", 1), ("deployed", "sip_trunk", 2)])
        );
        assert!(!format!("{details:?}").contains(CANARY));
    }

    #[test]
    fn every_date_form_of_the_notes_decodes_and_the_zoneless_ones_as_utc() {
        for (date, expected) in [
            (r#""2/18/2027 8:39:26 AM""#, 1_802_939_966),
            (r#""2/18/2027 8:39:26 PM""#, 1_802_983_166),
            (r#""02/08/2027 12:00:00 am""#, 1_802_044_800),
            (r#""12/31/2026 12:59:59 PM""#, 1_798_721_999),
            (r#"" 2/18/2027 20:39:26 ""#, 1_802_983_166),
            (r#""2027-02-18T08:39:26""#, 1_802_939_966),
            (r#""2027-02-18T08:39:26.1234567""#, 1_802_939_966),
            (r#""2023-11-06T16:05:06.0202209+00:00""#, 1_699_286_706),
            (r#""2023-11-06T18:05:06.0202209+02:00""#, 1_699_286_706),
            (r#""2024-04-03T13:32:12.82872Z""#, 1_712_151_132),
            (r#""2023-03-15T10:37:35.820+0000""#, 1_678_876_655),
        ] {
            assert_eq!(
                expiry(date),
                Decoded {
                    value: Some(Some(expected)),
                    skipped: vec![]
                },
                "{date}"
            );
        }
    }

    #[test]
    fn no_app_registration_means_no_expiry_and_no_skip() {
        for date in [
            "null",
            r#""""#,
            r#""  ""#,
            r#""1/1/0001 12:00:00 AM""#,
            r#""1/1/0000 12:00:00 AM""#,
            r#""0001-01-01T00:00:00Z""#,
            r#""12/31/1969 11:59:59 PM""#,
        ] {
            assert_eq!(
                expiry(date),
                Decoded {
                    value: Some(None),
                    skipped: vec![]
                },
                "{date}"
            );
        }
        assert_eq!(details("{}"), CustomerDetails::default());
    }

    #[test]
    fn absurd_or_unreadable_dates_are_left_out_and_counted() {
        for date in [
            r#""2/30/2027 8:39:26 AM""#,
            r#""13/18/2027 8:39:26 AM""#,
            r#""2/18/2027 13:39:26 PM""#,
            r#""2/18/99999 8:39:26 AM""#,
            r#""2/18/2027 8:39:26 AM+99""#,
            r#""99999-01-01T00:00:00Z""#,
            r#""yesterday""#,
            r#""2/18/2027""#,
            "1802853566",
            "true",
            r#"{"date": "2/18/2027 8:39:26 AM"}"#,
            r#"["2/18/2027 8:39:26 AM"]"#,
        ] {
            assert_eq!(
                expiry(date),
                Decoded {
                    value: Some(None),
                    skipped: vec![SkipReason::InvalidField]
                },
                "{date}"
            );
        }
        // The extremes the date type holds are published as they are: absurd, not a panic.
        assert_eq!(
            expiry(r#""12/31/9999 11:59:59 PM""#).value,
            Some(Some(253_402_300_799))
        );
    }

    #[test]
    fn states_and_types_are_lower_snake_case_however_spelt() {
        for (spelling, expected) in [
            ("SipTrunk", "sip_trunk"),
            ("SIPTrunk", "sip_trunk"),
            ("SIP Trunk", "sip_trunk"),
            ("sip-trunk", "sip_trunk"),
            ("sip_trunk", "sip_trunk"),
            ("  Sip__Trunk. ", "sip_trunk"),
            ("Byoc", "byoc"),
            ("BYOC", "byoc"),
            ("Deployed", "deployed"),
            ("NotDeployed", "not_deployed"),
            ("Teams2Sbc", "teams2_sbc"),
            ("3", "unknown_3"),
            ("", "unknown"),
            ("---", "unknown"),
            ("Déployé", "d_ploy"),
            ("a\"b\\c\nd{e}=f", "a_b_c_d_e_f"),
        ] {
            assert_eq!(&*snake_case(spelling), expected, "{spelling:?}");
        }
        assert_eq!(&*snake_case(&"Deployed".repeat(100)), "unknown");
        assert_eq!(&*snake_case(&"x".repeat(MAX_TOKEN_LEN)), "x".repeat(40));
    }

    #[test]
    fn numbers_become_unknown_with_the_number_and_missing_values_unknown() {
        let details = details(
            r#"{"siteLocation": [
                {"SBCDEPLOYMENTSTATE": 2, "sbcconfigurationtype": 18446744073709551615},
                {"sbcDeploymentState": -1, "sbcConfigurationType": 1.5},
                {"sbcDeploymentState": null},
                {}]}"#,
        );
        assert_eq!(
            details.sip_connections,
            counts(&[
                ("unknown", "unknown", 3),
                ("unknown_2", "unknown_18446744073709551615", 1),
            ])
        );
    }

    #[test]
    fn a_bad_connection_is_skipped_and_counted_and_the_rest_counted() {
        let decoded = decode_text(
            r#"{"SiteLocation": [
                42, null, "x", [1],
                {"sbcDeploymentState": true, "sbcConfigurationType": "Byoc"},
                {"sbcDeploymentState": "Deployed", "sbcConfigurationType": {"a": 1}},
                {"sbcDeploymentState": "Deployed", "sbcConfigurationType": "Byoc"}]}"#,
        );
        assert_eq!(
            decoded.skipped,
            [
                SkipReason::NotAnObject,
                SkipReason::NotAnObject,
                SkipReason::NotAnObject,
                SkipReason::NotAnObject,
                SkipReason::InvalidField,
                SkipReason::InvalidField,
            ]
        );
        assert_eq!(
            decoded.value.unwrap().sip_connections,
            counts(&[("deployed", "byoc", 1)])
        );
        for not_an_array in [r#""none""#, "{}", "7", "true"] {
            let decoded = decode_text(&format!(r#"{{"SiteLocation": {not_an_array}}}"#));
            assert_eq!(
                decoded.skipped,
                [SkipReason::InvalidField],
                "{not_an_array}"
            );
            assert!(decoded.value.unwrap().sip_connections.is_empty());
        }
    }

    #[test]
    fn the_exact_spelling_wins_over_other_cases() {
        let details = details(
            r#"{"clientsecretexpirationdate": "1/1/2030 1:00:00 AM",
                "ClientSecretExpirationDate": "2/18/2027 8:39:26 AM",
                "CLIENTSECRETEXPIRATIONDATE": "1/1/2031 1:00:00 AM"}"#,
        );
        assert_eq!(
            details.secret_expiry.map(OffsetDateTime::unix_timestamp),
            Some(1_802_939_966)
        );
    }

    #[test]
    fn kinds_per_customer_are_bounded() {
        let connections: Vec<String> = (0..MAX_SIP_CONNECTION_KINDS + 5)
            .map(|n| format!(r#"{{"sbcDeploymentState": {n}, "sbcConfigurationType": "Byoc"}}"#))
            .chain(std::iter::once(
                r#"{"sbcDeploymentState": 0, "sbcConfigurationType": "Byoc"}"#.to_owned(),
            ))
            .collect();
        let decoded = decode_text(&format!(
            r#"{{"SiteLocation": [{}]}}"#,
            connections.join(",")
        ));
        assert_eq!(decoded.skipped, [SkipReason::InvalidField; 5]);
        let counts = decoded.value.unwrap().sip_connections;
        assert_eq!(counts.len(), MAX_SIP_CONNECTION_KINDS);
        assert_eq!(
            counts[&kind("unknown_0", "byoc")],
            2,
            "a known kind still counts"
        );
    }

    #[test]
    fn other_shapes_are_errors_that_never_quote_the_body() {
        for (body, problem) in [
            (format!(r#"["{CANARY}"]"#), "not a JSON object"),
            (
                format!(r#"{{"ApplicationClientSecret": "{CANARY}""#),
                "truncated",
            ),
            (
                format!(r#"{{"ApplicationClientSecret": {CANARY}}}"#),
                "not valid JSON",
            ),
            ("<html>".to_owned(), "not valid JSON"),
        ] {
            let message = super::decode(body.as_bytes()).unwrap_err().to_string();
            assert!(message.contains(problem), "{body}: {message}");
            assert!(!message.contains(CANARY), "{message}");
        }
    }

    proptest! {
        #[test]
        fn any_text_becomes_a_short_lower_snake_case_label(text in any::<String>()) {
            let label = snake_case(&text);
            prop_assert!(label.len() <= MAX_TOKEN_LEN + "unknown_".len(), "{label}");
            prop_assert!(
                label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{label}"
            );
            prop_assert!(!label.starts_with('_') && !label.ends_with('_') && !label.contains("__"));
        }

        #[test]
        fn any_state_type_or_date_decodes_without_panicking(
            state in any::<String>(),
            configuration in any::<f64>(),
            date in any::<String>(),
        ) {
            let body = serde_json::json!({
                "ClientSecretExpirationDate": date,
                "SiteLocation": [{"sbcDeploymentState": state, "sbcConfigurationType": configuration}],
            });
            let decoded = decode_text(&body.to_string());
            let connections = decoded.value.unwrap().sip_connections;
            prop_assert_eq!(connections.values().sum::<u64>(), 1);
        }
    }
}
