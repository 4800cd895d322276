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
use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use time::OffsetDateTime;
use time::macros::datetime;

use crate::api::lenient::{self, Decoded, FieldValue, ShapeError, UNKNOWN, each_field, snake_case};
use crate::collectors::customer_details::model::{CustomerDetails, SipConnectionKind};
use crate::model::SkipReason;

const EXPECTED: &str = "a customer object";

/// Distinct kinds (state and type) of SIP connection counted for one customer: a bound on the
/// series a broken or hostile response can make. A connection of a further kind is skipped.
const MAX_SIP_CONNECTION_KINDS: usize = 32;

/// .NET's `DateTime.MinValue`, what a server sends for a date it does not have.
const NO_DATE: OffsetDateTime = datetime!(0001-01-01 0:00 UTC);

/// The customer's details. The secret's expiry date is absent when the response has none (the
/// service has no app registration), is empty, or says `DateTime.MinValue`; a date in no known
/// form is left out and counted as an `InvalidField` skip. A SIP connection that is not an
/// object, or whose state or type is neither text nor a number, is left out of the counts and
/// skipped likewise.
pub(super) fn decode_customer_details(body: &[u8]) -> Result<Decoded<CustomerDetails>, ShapeError> {
    let response: Response = lenient::decode(body, EXPECTED)?;
    let mut skipped = Vec::new();
    let secret_expiry = match response.expiry.into_inner() {
        None | Some(Scalar::Null) => None,
        Some(Scalar::Text(text)) if text.trim().is_empty() => None,
        Some(Scalar::Text(text)) => match lenient::timestamp_or_utc(&text) {
            Some(at) => Some(at).filter(|at| *at != NO_DATE),
            None => {
                skipped.push(SkipReason::InvalidField);
                None
            }
        },
        Some(_) => {
            skipped.push(SkipReason::InvalidField);
            None
        }
    };
    let connections = response.sip_connections.into_inner().unwrap_or_default();
    skipped.extend(connections.skipped);
    Ok(Decoded {
        value: Some(CustomerDetails {
            secret_expiry,
            sip_connections: connections.counts,
        }),
        skipped,
    })
}

/// The fields of the response the exporter reads; the list accepts the plural too, in case a
/// server version names the array as the collection it is.
const RESPONSE_FIELDS: [&str; 3] = [
    "ClientSecretExpirationDate",
    "SiteLocation",
    "SiteLocations",
];

/// The response, as far as it is read.
#[derive(Default)]
struct Response {
    expiry: FieldValue<Scalar>,
    sip_connections: FieldValue<Connections>,
}

impl<'de> Deserialize<'de> for Response {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ResponseVisitor)
    }
}

struct ResponseVisitor;

impl<'de> Visitor<'de> for ResponseVisitor {
    type Value = Response;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(EXPECTED)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Response, A::Error> {
        let mut response = Response::default();
        each_field(map, &RESPONSE_FIELDS, |known, map| {
            if known.index == 0 {
                response.expiry.offer(known, map.next_value()?);
            } else {
                response.sip_connections.offer(known, map.next_value()?);
            }
            Ok(())
        })?;
        Ok(response)
    }
}

/// A field's value as far as a decoder cares: objects, arrays and booleans are consumed unread.
enum Scalar {
    Null,
    Text(String),
    /// A non-negative whole number.
    Whole(u64),
    /// Any other number: negative or with a fraction.
    Number,
    Other,
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_unit<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }

    fn visit_str<E>(self, text: &str) -> Result<Scalar, E> {
        Ok(Scalar::Text(text.to_owned()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Scalar, E> {
        Ok(Scalar::Whole(n))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Scalar, E> {
        Ok(u64::try_from(n).map_or(Scalar::Number, Scalar::Whole))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Scalar, E> {
        Ok(Scalar::Number)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Scalar, E> {
        Ok(Scalar::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Scalar, A::Error> {
        IgnoredAny.visit_map(map)?;
        Ok(Scalar::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Scalar, A::Error> {
        IgnoredAny.visit_seq(seq)?;
        Ok(Scalar::Other)
    }
}

/// Visitor methods that answer `$value` for a string, a number or a boolean: a JSON value of a
/// shape the visitor cannot read, which needs no consuming.
macro_rules! scalars_answer {
    ($value:expr) => {
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok($value)
        }

        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($value)
        }

        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($value)
        }

        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($value)
        }

        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
}

/// The SIP connections of a response, counted by kind as they are parsed.
#[derive(Default)]
struct Connections {
    counts: BTreeMap<SipConnectionKind, u64>,
    skipped: Vec<SkipReason>,
}

impl<'de> Deserialize<'de> for Connections {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ConnectionsVisitor)
    }
}

struct ConnectionsVisitor;

impl ConnectionsVisitor {
    /// Not an array: no connection can be counted.
    fn unreadable() -> Connections {
        Connections {
            skipped: vec![SkipReason::InvalidField],
            ..Connections::default()
        }
    }
}

impl<'de> Visitor<'de> for ConnectionsVisitor {
    type Value = Connections;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of SIP connections")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Connections, A::Error> {
        let mut connections = Connections::default();
        while let Some(Connection(kind)) = seq.next_element()? {
            let counted = kind.and_then(|kind| {
                let kinds = connections.counts.len();
                match connections.counts.entry(kind) {
                    Entry::Occupied(mut count) => *count.get_mut() = count.get().saturating_add(1),
                    Entry::Vacant(_) if kinds >= MAX_SIP_CONNECTION_KINDS => {
                        return Err(SkipReason::InvalidField);
                    }
                    Entry::Vacant(count) => {
                        count.insert(1);
                    }
                }
                Ok(())
            });
            if let Err(reason) = counted {
                connections.skipped.push(reason);
            }
        }
        Ok(connections)
    }

    fn visit_unit<E>(self) -> Result<Connections, E> {
        Ok(Connections::default())
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Connections, A::Error> {
        IgnoredAny.visit_map(map)?;
        Ok(Self::unreadable())
    }

    scalars_answer!(Self::unreadable());
}

/// The fields of a SIP connection the exporter reads, in the notes' spelling.
const CONNECTION_FIELDS: [&str; 2] = ["sbcDeploymentState", "sbcConfigurationType"];

/// One SIP connection: its kind, or why it is skipped.
struct Connection(Result<SipConnectionKind, SkipReason>);

impl<'de> Deserialize<'de> for Connection {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ConnectionVisitor)
    }
}

struct ConnectionVisitor;

impl ConnectionVisitor {
    fn not_an_object() -> Connection {
        Connection(Err(SkipReason::NotAnObject))
    }
}

impl<'de> Visitor<'de> for ConnectionVisitor {
    type Value = Connection;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a SIP connection")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Connection, A::Error> {
        let mut fields: [FieldValue<Scalar>; 2] = Default::default();
        each_field(map, &CONNECTION_FIELDS, |known, map| {
            fields[known.index].offer(known, map.next_value()?);
            Ok(())
        })?;
        let [state, kind] = fields.map(|field| label_value(field.into_inner()));
        Ok(Connection(state.and_then(|state| {
            Ok(SipConnectionKind {
                deployment_state: state,
                configuration_type: kind?,
            })
        })))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Connection, A::Error> {
        IgnoredAny.visit_seq(seq)?;
        Ok(Self::not_an_object())
    }

    fn visit_unit<E>(self) -> Result<Connection, E> {
        Ok(Self::not_an_object())
    }

    scalars_answer!(Self::not_an_object());
}

/// The label value of a state or type: text in lower snake case ([`snake_case`]); a number `n`
/// as `unknown_n`, since the API documents no numbering (its other endpoint sends the state as
/// an integer); `unknown` when absent, null, or a number that cannot be a code. A boolean, an
/// object or an array cannot be read.
fn label_value(value: Option<Scalar>) -> Result<Box<str>, SkipReason> {
    match value {
        None | Some(Scalar::Null | Scalar::Number) => Ok(UNKNOWN.into()),
        Some(Scalar::Whole(n)) => Ok(format!("{UNKNOWN}_{n}").into()),
        Some(Scalar::Text(text)) => Ok(snake_case(&text)),
        Some(Scalar::Other) => Err(SkipReason::InvalidField),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::lenient::MAX_TOKEN_LEN;
    use proptest::prelude::*;

    const CANARY: &str = "CANARY-APP-SECRET-3f1c0a";

    fn decode(body: &str) -> Decoded<CustomerDetails> {
        decode_customer_details(body.as_bytes()).unwrap()
    }

    fn details(body: &str) -> CustomerDetails {
        let decoded = decode(body);
        assert_eq!(decoded.skipped, [], "{body}");
        decoded.value.unwrap()
    }

    fn expiry(date: &str) -> Decoded<Option<i64>> {
        let decoded = decode(&format!(r#"{{"ClientSecretExpirationDate": {date}}}"#));
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
        let decoded = decode(&body);
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
        for date in ["null", r#""""#, r#""  ""#, r#""1/1/0001 12:00:00 AM""#] {
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
        let decoded = decode(
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
            let decoded = decode(&format!(r#"{{"SiteLocation": {not_an_array}}}"#));
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
        let decoded = decode(&format!(
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
            (format!(r#"["{CANARY}"]"#), "of another shape"),
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
            let message = decode_customer_details(body.as_bytes())
                .unwrap_err()
                .to_string();
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
            let decoded = decode(&body.to_string());
            let connections = decoded.value.unwrap().sip_connections;
            prop_assert_eq!(connections.values().sum::<u64>(), 1);
        }
    }
}
