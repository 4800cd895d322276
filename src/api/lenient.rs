//! Reading the small JSON documents of the API as leniently as the customer list: field names in
//! any case, numbers sent as strings, unknown fields ignored. Errors say what is wrong and where,
//! never quoting the body.
//!
//! Two ways in: [`parse`] into a JSON tree, for documents without secrets, and [`decode`] straight
//! into a typed struct whose `Deserialize` reads only the fields it names ([`each_field`]), for
//! documents that carry secrets: the skipped fields are never held in memory, not even as a
//! tree.

use std::fmt;

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::{Map, Value};
use time::format_description::BorrowedFormatItem;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

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

/// Parses `body` as JSON; a syntax error is described by its kind and position only (serde_json's
/// own messages may quote the input).
pub(crate) fn parse(body: &[u8], expected: &'static str) -> Result<Value, ShapeError> {
    decode(body, expected)
}

/// Decodes `body` into `T`; an error is described by its kind and position only, as [`parse`]'s.
pub(crate) fn decode<'a, T: Deserialize<'a>>(
    body: &'a [u8],
    expected: &'static str,
) -> Result<T, ShapeError> {
    serde_json::from_slice(body).map_err(|e| {
        let kind = match e.classify() {
            serde_json::error::Category::Eof => "truncated",
            serde_json::error::Category::Data => "of another shape",
            _ => "not valid JSON",
        };
        ShapeError::new(
            expected,
            format!("{kind} at line {}, column {}", e.line(), e.column()),
        )
    })
}

/// The value of `name` in `object`, whatever the case of its key (the vendor spells field names
/// both ways); `null` counts as absent.
pub(crate) fn field<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object
        .get(name)
        .or_else(|| {
            object
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value)
        })
        .filter(|value| !value.is_null())
}

/// A field a typed decoder reads, found by [`each_field`]: its place in the decoder's list of
/// names, and whether the response spelt it exactly so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Known {
    pub index: usize,
    pub exact: bool,
}

/// Where a typed decoder keeps a field's value: as [`field`] does, the exact spelling wins over
/// other cases, and of those the first.
#[derive(Debug)]
pub(crate) struct FieldValue<T> {
    value: Option<T>,
    exact: bool,
}

impl<T> Default for FieldValue<T> {
    fn default() -> Self {
        Self {
            value: None,
            exact: false,
        }
    }
}

impl<T> FieldValue<T> {
    pub(crate) fn offer(&mut self, known: Known, value: T) {
        if self.value.is_none() || (known.exact && !self.exact) {
            self.value = Some(value);
            self.exact = known.exact;
        }
    }

    pub(crate) fn into_inner(self) -> Option<T> {
        self.value
    }
}

/// Goes through the entries of a JSON object: `read` deserializes the value of each field that
/// `names` lists, in any case; every other value is skipped as it is parsed, never kept.
pub(crate) fn each_field<'de, A: MapAccess<'de>>(
    mut map: A,
    names: &[&'static str],
    mut read: impl FnMut(Known, &mut A) -> Result<(), A::Error>,
) -> Result<(), A::Error> {
    while let Some(key) = map.next_key_seed(FieldName(names))? {
        match key {
            Some(known) => read(known, &mut map)?,
            None => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    Ok(())
}

/// A key, looked up in a list of names without allocating.
struct FieldName<'a>(&'a [&'static str]);

impl<'de> DeserializeSeed<'de> for FieldName<'_> {
    type Value = Option<Known>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for FieldName<'_> {
    type Value = Option<Known>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self
            .0
            .iter()
            .position(|name| name.eq_ignore_ascii_case(key))
            .map(|index| Known {
                index,
                exact: self.0[index] == key,
            }))
    }
}

/// Floats at or beyond this are no longer exact integers.
const EXACT_FLOAT_LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53

/// A count: a non-negative whole number, as a number or a string of digits. `Err` for anything
/// else (a negative number, a fraction, a word).
pub(crate) fn count(value: &Value) -> Result<u64, ()> {
    match value {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && (0.0..EXACT_FLOAT_LIMIT).contains(f))
                    .map(|f| f as u64)
            })
            .ok_or(()),
        Value::String(s) => s.trim().parse().map_err(|_| ()),
        _ => Err(()),
    }
}

/// A `deserialize_with` helper for an optional count: [`count`]'s forms, `None` when null
/// or absent (with `#[serde(default)]`); anything else fails the record.
pub(crate) fn optional_count<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u64>, D::Error> {
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(value) => count(&value)
            .map(Some)
            .map_err(|()| serde::de::Error::custom("not a count")),
    }
}

/// A `deserialize_with` helper for a word the exporter publishes as a label value: text in
/// lower snake case ([`snake_case`]), `None` when null or absent; any other value is
/// [`UNKNOWN`], never text taken from the response.
pub(crate) fn optional_word<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Box<str>>, D::Error> {
    Ok(match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(snake_case(&text)),
        Some(_) => Some(UNKNOWN.into()),
    })
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

    #[test]
    fn fields_match_in_any_case_and_null_is_absent() {
        let object = json!({"markedForRemovalCount": 1, "READYFORREMOVALCOUNT": 2, "x": null});
        let object = object.as_object().unwrap();
        assert_eq!(field(object, "markedForRemovalCount"), Some(&json!(1)));
        assert_eq!(field(object, "readyForRemovalCount"), Some(&json!(2)));
        assert_eq!(field(object, "x"), None);
        assert_eq!(field(object, "missing"), None);
    }

    #[test]
    fn counts_are_whole_non_negative_numbers_or_digit_strings() {
        assert_eq!(count(&json!(7)), Ok(7));
        assert_eq!(count(&json!("7")), Ok(7));
        assert_eq!(count(&json!(" 7 ")), Ok(7));
        assert_eq!(count(&json!(7.0)), Ok(7));
        for bad in [
            json!(-1),
            json!(1.5),
            json!("many"),
            json!(true),
            json!([1]),
            json!("-1"),
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
        let error = parse(br#"{"secret": "hunter2""#, "a summary").unwrap_err();
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
