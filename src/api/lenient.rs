//! Reading the API's JSON documents as leniently as the customer list: field names in any
//! case, numbers sent as strings, unknown fields ignored. Errors say what is wrong and where,
//! never quoting the body.
//!
//! One way in for every collector but the customer list (whose streaming decoder is measured in
//! `docs/performance.md`): a serde-derived type that names only the fields it reads, decoded
//! with [`decode`] (field names in any case, see [`AnyCase`]); a field that may be unreadable
//! without spoiling the rest is a [`Field`], of a value type here ([`Count`], [`Timestamp`],
//! [`Word`]); an array whose elements are skipped one by one holds `&RawValue`s, each read with
//! [`record`]. Skipped fields are never held, not even as a tree: a secret beside the fields a
//! type names is never in memory but as the body's bytes.

use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use time::format_description::BorrowedFormatItem;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

pub(crate) use crate::api::any_case::AnyCase;
use crate::api::any_case::{NOT_AN_ARRAY, NOT_AN_OBJECT};
use crate::model::SkipReason;

/// A response that is not the document expected.
#[derive(Debug, thiserror::Error)]
#[error("response is not {expected}: {problem}")]
pub(crate) struct ShapeError {
    expected: &'static str,
    problem: String,
}

impl ShapeError {
    pub(crate) fn new(expected: &'static str, problem: impl Into<String>) -> Self {
        Self {
            expected,
            problem: problem.into(),
        }
    }
}

/// A response decoded: its value, if it has a usable one, and the records left out.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Decoded<T> {
    pub value: Option<T>,
    pub skipped: Vec<SkipReason>,
}

impl<T> Default for Decoded<T> {
    fn default() -> Self {
        Self {
            value: None,
            skipped: Vec::new(),
        }
    }
}

/// Decodes `body` into `T`, field names in any case; an error is described by its kind and
/// position only (serde_json's own messages may quote the input).
pub(crate) fn decode<'a, T: Deserialize<'a>>(
    body: &'a [u8],
    expected: &'static str,
) -> Result<T, ShapeError> {
    let describe = |e: serde_json::Error| {
        // The adapter's own words quote nothing; serde's may quote the input.
        let message = e.to_string();
        if [NOT_AN_OBJECT, NOT_AN_ARRAY].contains(&message.as_str()) {
            return ShapeError::new(expected, message);
        }
        let kind = match e.classify() {
            serde_json::error::Category::Eof => "truncated",
            serde_json::error::Category::Data => "of another shape",
            _ => "not valid JSON",
        };
        ShapeError::new(
            expected,
            format!("{kind} at line {}, column {}", e.line(), e.column()),
        )
    };
    let raw: &RawValue = serde_json::from_slice(body).map_err(describe)?;
    T::deserialize(AnyCase(raw)).map_err(describe)
}

/// One element of an array read element by element: `T`, or why the element is skipped.
pub(crate) fn record<'a, T: Deserialize<'a>>(raw: &'a RawValue) -> Result<T, SkipReason> {
    if !raw.get().starts_with('{') {
        return Err(SkipReason::NotAnObject);
    }
    T::deserialize(AnyCase(raw)).map_err(|_| SkipReason::InvalidField)
}

/// A field that may be unreadable without spoiling the rest of its object: absent (or null),
/// a value, or a value of no readable form, which the caller counts or refuses.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) enum Field<T> {
    #[default]
    Absent,
    Value(T),
    Invalid,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Read apart from the rest, so that a value of another form costs only this field.
        let raw: &'de RawValue = Deserialize::deserialize(deserializer)?;
        if raw.get() == "null" {
            return Ok(Field::Absent);
        }
        Ok(T::deserialize(AnyCase(raw)).map_or(Field::Invalid, Field::Value))
    }
}

impl<T> Field<T> {
    /// The value, `None` when absent; `reason` when it cannot be read.
    pub(crate) fn or_skip(self, reason: SkipReason) -> Result<Option<T>, SkipReason> {
        match self {
            Field::Absent => Ok(None),
            Field::Value(value) => Ok(Some(value)),
            Field::Invalid => Err(reason),
        }
    }
}

/// Floats at or beyond this are no longer exact integers.
const EXACT_FLOAT_LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53

/// A count: a non-negative whole number, as a number or a string of digits. Anything else (a
/// negative number, a fraction, a word, an object) is no count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Count(pub(crate) u64);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Looked at as text first, so that an object or array is refused without being read.
        let raw: &'de RawValue = Deserialize::deserialize(deserializer)?;
        let text = raw.get();
        let count = if text.starts_with('"') {
            serde_json::from_str::<std::borrow::Cow<str>>(text)
                .ok()
                .and_then(|digits| digits.trim().parse().ok())
        } else if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
            serde_json::from_str::<serde_json::Number>(text)
                .ok()
                .and_then(|n| {
                    n.as_u64().or_else(|| {
                        n.as_f64()
                            .filter(|f| f.fract() == 0.0 && (0.0..EXACT_FLOAT_LIMIT).contains(f))
                            .map(|f| f as u64)
                    })
                })
        } else {
            None
        };
        count
            .map(Count)
            .ok_or_else(|| serde::de::Error::custom("not a count"))
    }
}

/// A point in time in a form [`timestamp`] reads, `None` for a date before 1970 ([`since_1970`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timestamp(pub(crate) Option<OffsetDateTime>);

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        timestamp(&text)
            .map(|at| Timestamp(since_1970(at)))
            .ok_or_else(|| serde::de::Error::custom("not a date"))
    }
}

/// `at`, unless it is before 1970: no date the API reports (a record's update, a secret's
/// expiry) is that old, and it writes .NET's `DateTime.MinValue` (`0001-01-01`) or year 0 where
/// it has none. Published, such a date would be a timestamp of -62 billion seconds, and an
/// expiry in the past that alerts.
pub(crate) fn since_1970(at: OffsetDateTime) -> Option<OffsetDateTime> {
    (at >= OffsetDateTime::UNIX_EPOCH).then_some(at)
}

/// A word the exporter publishes as a label value: text in lower snake case ([`snake_case`]),
/// never text as the response spells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Word(pub(crate) Box<str>);

impl<'de> Deserialize<'de> for Word {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(Word(snake_case(&text)))
    }
}

/// A state or type published as a label value: text in lower snake case ([`snake_case`]); a
/// whole number `n` as `unknown_n` (the API documents no numbering, and one endpoint sends
/// states as integers), any other number as [`UNKNOWN`]. A boolean, an object or an array is
/// no label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Label(pub(crate) Box<str>);

impl<'de> Deserialize<'de> for Label {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Looked at as text first, so that an object or array is refused without being read.
        let raw: &'de RawValue = Deserialize::deserialize(deserializer)?;
        let text = raw.get();
        let label = if text.starts_with('"') {
            let text: std::borrow::Cow<str> =
                serde_json::from_str(text).map_err(serde::de::Error::custom)?;
            snake_case(&text)
        } else if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
            match text.parse::<u64>() {
                Ok(n) => format!("{UNKNOWN}_{n}").into(),
                Err(_) => UNKNOWN.into(),
            }
        } else {
            return Err(serde::de::Error::custom("not a label"));
        };
        Ok(Label(label))
    }
}

/// OVOC's form: RFC 3339 but for an offset without a colon, `2023-03-15T10:37:35.820+0000`.
const OVOC_TIME: &[BorrowedFormatItem<'static>] = format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]][offset_hour sign:mandatory][offset_minute]"
);

/// A point in time in any of the forms the API sends with a zone: RFC 3339 with any number of
/// fraction digits (the .NET round-trip form `2023-11-06T16:05:06.0202209+00:00`, and UTC as
/// `2024-04-03T13:32:12.82872Z`), or OVOC's offset without a colon. `None` for anything else.
pub(crate) fn timestamp(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(text, OVOC_TIME))
        .ok()
}

/// The forms without a zone: the US form the API documents for `ClientSecretExpirationDate`
/// (`2/18/2027 8:39:26 AM`: no padding, a 12-hour clock), the same with a 24-hour clock (a server
/// of another culture), and the round-trip form without its offset (.NET's unspecified kind).
const ZONELESS_TIMES: [&[BorrowedFormatItem<'static>]; 3] = [
    format_description!(
        "[month padding:none]/[day padding:none]/[year] [hour repr:12 padding:none]:[minute]:[second] [period case_sensitive:false]"
    ),
    format_description!(
        "[month padding:none]/[day padding:none]/[year] [hour padding:none]:[minute]:[second]"
    ),
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"),
];

/// A point in time in any form [`timestamp`] reads, or in a form without a zone, read as UTC:
/// the API says nothing of the zone, and UTC is what a server's clock and a certificate's dates
/// most likely are. `None` for anything else.
pub(crate) fn timestamp_or_utc(text: &str) -> Option<OffsetDateTime> {
    timestamp(text).or_else(|| {
        let text = text.trim();
        ZONELESS_TIMES
            .iter()
            .find_map(|form| PrimitiveDateTime::parse(text, form).ok())
            .map(PrimitiveDateTime::assume_utc)
    })
}

/// The longest word from the API published as a label value; a longer one is `unknown`.
pub(crate) const MAX_TOKEN_LEN: usize = 40;

/// The label value of a word the API does not give or that cannot be read.
pub(crate) const UNKNOWN: &str = "unknown";

/// `text` in lower snake case, however the API spells it: `SipTrunk`, `SIPTrunk`, `SIP Trunk`,
/// `sip-trunk` and `sip_trunk` are all `sip_trunk`. A word boundary is a change from lower case
/// or digit to upper case, the last capital of an acronym before a lower-case letter, or any run
/// of characters other than ASCII letters and digits (which are dropped). Digits alone are a
/// number sent as text (`unknown_n`); nothing left, or more than [`MAX_TOKEN_LEN`] bytes, is
/// `unknown`.
pub(crate) fn snake_case(text: &str) -> Box<str> {
    let mut out = String::with_capacity(text.len().min(MAX_TOKEN_LEN) + 4);
    let mut boundary = false;
    let mut previous: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if !c.is_ascii_alphanumeric() {
            boundary = true;
            previous = None;
            continue;
        }
        if c.is_ascii_uppercase()
            && let Some(previous) = previous
        {
            let acronym_ends =
                previous.is_ascii_uppercase() && chars.peek().is_some_and(char::is_ascii_lowercase);
            boundary |= previous.is_ascii_lowercase() || previous.is_ascii_digit() || acronym_ends;
        }
        if boundary && !out.is_empty() {
            out.push('_');
        }
        boundary = false;
        previous = Some(c);
        out.push(c.to_ascii_lowercase());
        if out.len() > MAX_TOKEN_LEN {
            return UNKNOWN.into();
        }
    }
    if out.is_empty() {
        UNKNOWN.into()
    } else if out.bytes().all(|b| b.is_ascii_digit()) {
        format!("{UNKNOWN}_{out}").into()
    } else {
        out.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Summary {
        #[serde(default)]
        marked_for_removal_count: Field<Count>,
        #[serde(default)]
        ready_for_removal_count: Field<Count>,
        #[serde(default)]
        x: Field<Count>,
        #[serde(default)]
        missing: Field<Count>,
        #[serde(default)]
        last_update: Field<Timestamp>,
        #[serde(default)]
        state: Field<Word>,
    }

    #[test]
    fn fields_match_in_any_case_null_is_absent_and_a_bad_value_spoils_only_its_field() {
        let summary: Summary = decode(
            br#"{"markedForRemovalCount": 1, "READYFORREMOVALCOUNT": "2", "x": null,
                 "lastUpdate": "yesterday", "State": "NotDeployed", "password": "p"}"#,
            "a summary",
        )
        .unwrap();
        assert_eq!(summary.marked_for_removal_count, Field::Value(Count(1)));
        assert_eq!(summary.ready_for_removal_count, Field::Value(Count(2)));
        assert_eq!(summary.x, Field::Absent);
        assert_eq!(summary.missing, Field::Absent);
        assert_eq!(summary.last_update, Field::Invalid);
        let dates: Vec<Field<Timestamp>> = serde_json::from_str(
            r#"["0001-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "1970-01-01T00:00:00Z"]"#,
        )
        .unwrap();
        assert_eq!(
            dates,
            [
                Field::Value(Timestamp(None)),
                Field::Value(Timestamp(None)),
                Field::Value(Timestamp(Some(OffsetDateTime::UNIX_EPOCH)))
            ]
        );
        assert_eq!(summary.state, Field::Value(Word("not_deployed".into())));
        assert_eq!(
            summary.last_update.or_skip(SkipReason::InvalidField),
            Err(SkipReason::InvalidField)
        );
    }

    #[test]
    fn records_that_are_no_object_or_hold_a_bad_value_are_skipped() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Strict {
            #[serde(default)]
            n: Option<Count>,
        }
        let raw: Vec<&RawValue> = serde_json::from_str(r#"[{"N": "3"}, [1], {"n": -1}]"#).unwrap();
        let outcomes: Vec<Result<Option<u64>, SkipReason>> = raw
            .into_iter()
            .map(|raw| record::<Strict>(raw).map(|s| s.n.map(|n| n.0)))
            .collect();
        assert_eq!(
            outcomes,
            [
                Ok(Some(3)),
                Err(SkipReason::NotAnObject),
                Err(SkipReason::InvalidField)
            ]
        );
    }

    fn count(value: &serde_json::Value) -> Result<u64, ()> {
        serde_json::from_str::<Count>(&value.to_string())
            .map(|Count(n)| n)
            .map_err(|_| ())
    }

    #[test]
    fn counts_are_whole_non_negative_numbers_or_digit_strings() {
        assert_eq!(count(&json!(7)), Ok(7));
        assert_eq!(count(&json!("7")), Ok(7));
        assert_eq!(count(&json!(" 7 ")), Ok(7));
        assert_eq!(count(&json!(7.0)), Ok(7));
        assert_eq!(count(&json!(u64::MAX)), Ok(u64::MAX));
        for bad in [
            json!(-1),
            json!(1.5),
            json!("many"),
            json!(true),
            json!([1]),
            json!("-1"),
            json!({"n": 1}),
            json!(null),
        ] {
            assert_eq!(count(&bad), Err(()), "{bad}");
        }
    }

    fn unix_nanos(text: &str) -> Option<i128> {
        timestamp(text).map(OffsetDateTime::unix_timestamp_nanos)
    }

    #[test]
    fn the_dotnet_round_trip_form_parses_with_its_seven_fraction_digits() {
        assert_eq!(
            unix_nanos("2023-11-06T16:05:06.0202209+00:00"),
            Some(1_699_286_706_020_220_900)
        );
        assert_eq!(
            unix_nanos("2023-11-06T18:05:06.0202209+02:00"),
            Some(1_699_286_706_020_220_900),
            "the offset is applied"
        );
    }

    #[test]
    fn utc_with_any_number_of_fraction_digits_parses() {
        assert_eq!(
            unix_nanos("2024-04-03T13:32:12.82872Z"),
            Some(1_712_151_132_828_720_000)
        );
        assert_eq!(
            unix_nanos("2024-04-03T13:32:12Z"),
            Some(1_712_151_132_000_000_000)
        );
        assert_eq!(
            unix_nanos("2024-04-03T13:32:12.8Z"),
            Some(1_712_151_132_800_000_000)
        );
    }

    #[test]
    fn the_ovoc_form_with_an_offset_without_colon_parses() {
        assert_eq!(
            unix_nanos("2023-03-15T10:37:35.820+0000"),
            Some(1_678_876_655_820_000_000)
        );
        assert_eq!(
            unix_nanos("2023-03-15T12:37:35.820+0200"),
            Some(1_678_876_655_820_000_000)
        );
    }

    #[test]
    fn dates_without_a_zone_or_of_another_shape_are_refused() {
        for bad in [
            "",
            "yesterday",
            "2023-11-06T16:05:06",
            "2/18/2027 8:39:26 AM",
            "2023-13-06T16:05:06Z",
            "2023-11-06 16:05:06+0000x",
        ] {
            assert_eq!(timestamp(bad), None, "{bad}");
        }
    }

    #[test]
    fn syntax_errors_never_quote_the_body() {
        let error =
            decode::<serde_json::Value>(br#"{"secret": "hunter2""#, "a summary").unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("response is not a summary: truncated at line 1"),
            "{message}"
        );
        assert!(!message.contains("hunter2"));
    }

    proptest! {
        #[test]
        fn any_number_is_a_count_exactly_or_refused(v in any::<f64>()) {
            match count(&json!(v)) {
                Ok(n) => prop_assert_eq!(n as f64, v),
                Err(()) => prop_assert!(v.fract() != 0.0 || !(0.0..EXACT_FLOAT_LIMIT).contains(&v)),
            }
        }
    }
}
