//! Decoding the `GET /api/v3/customer` body, leniently per record.
//!
//! The vendor documents the fields in two spellings and the API is known to send numbers as
//! strings, so one odd record must never cost the whole poll: the response is read in a single
//! pass in which each record either becomes a [`Customer`] or is skipped with a [`SkipReason`].
//! Only a body that is not a JSON array at all is an error.

use foldhash::{HashSet, HashSetExt};
use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::collect::CollectError;
use crate::collectors::customers::model::{Customer, UserCounts};
use crate::model::SkipReason;

#[derive(Debug, Default)]
pub struct DecodedList<'a> {
    /// In the order the API sent them, first occurrence of each id only.
    pub customers: Vec<Customer<'a>>,
    /// In the order of the records, duplicates last.
    pub skipped: Vec<SkipReason>,
    /// `\uXXXX` escapes of unpaired UTF-16 surrogates, replaced by U+FFFD.
    pub repaired_escapes: usize,
}

/// The body is not a customer list. Deliberately carries only a category and a position, or a
/// count: serde_json's own messages quote the offending input, which may be anything.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error(
        "response is not a valid JSON array of customers ({category} at line {line}, column {column})"
    )]
    Syntax {
        category: &'static str,
        line: usize,
        column: usize,
    },
    /// Records exist but every one was skipped: publishing an empty list would make every
    /// customer's series vanish, so the poll fails and the last good data stays.
    #[error("none of the response's {records} records is a usable customer")]
    NoUsableRecord { records: usize },
}

impl DecodeError {
    /// An error at byte `offset` of `body`.
    fn at(body: &[u8], offset: usize, category: &'static str) -> Self {
        let (line, column) = position(body, offset);
        DecodeError::Syntax {
            category,
            line,
            column,
        }
    }

    /// `error`, raised while parsing the part of `body` from `offset` on, placed in `body`.
    fn within(body: &[u8], offset: usize, error: &serde_json::Error) -> Self {
        let category = match error.classify() {
            serde_json::error::Category::Io => "read error",
            serde_json::error::Category::Syntax | serde_json::error::Category::Data => {
                "syntax error"
            }
            serde_json::error::Category::Eof => "truncated",
        };
        let (line, column) = position(body, offset);
        let (line, column) = if error.line() <= 1 {
            (line, column - 1 + error.column())
        } else {
            (line + error.line() - 1, error.column())
        };
        DecodeError::Syntax {
            category,
            line,
            column,
        }
    }
}

impl From<DecodeError> for CollectError {
    fn from(error: DecodeError) -> Self {
        CollectError::Decode(Box::new(error))
    }
}

/// Line and column, from 1, of byte `offset` of `body`.
fn position(body: &[u8], offset: usize) -> (usize, usize) {
    let before = &body[..offset.min(body.len())];
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    (
        1 + before.iter().filter(|b| **b == b'\n').count(),
        1 + before.len() - line_start,
    )
}

/// Calls `each` with the records of a response, as the bytes the API sent for each, in order.
/// Checks that the body is one JSON array of well-formed values and nothing else, at the cost of
/// a parse that builds nothing; what a record holds is left to [`decode_record`], so that it can
/// be done for only the records that changed.
pub(crate) fn for_each_record<'a>(
    body: &'a [u8],
    mut each: impl FnMut(&'a [u8]),
) -> Result<(), DecodeError> {
    let mut at = skip_whitespace(body, 0);
    match body.get(at) {
        Some(b'[') => at = skip_whitespace(body, at + 1),
        Some(_) => return Err(DecodeError::at(body, at, "not an array")),
        None => return Err(DecodeError::at(body, at, "truncated")),
    }
    if body.get(at) == Some(&b']') {
        at += 1;
    } else {
        loop {
            // One value at a time, to learn where each ends.
            let mut values = serde_json::Deserializer::from_slice(&body[at..]).into_iter();
            match values.next() {
                Some(Ok(IgnoredAny)) => {}
                Some(Err(e)) => return Err(DecodeError::within(body, at, &e)),
                None => return Err(DecodeError::at(body, at, "truncated")),
            }
            let end = at + values.byte_offset();
            each(&body[at..end]);
            at = skip_whitespace(body, end);
            match body.get(at) {
                Some(b',') => at = skip_whitespace(body, at + 1),
                Some(b']') => {
                    at += 1;
                    break;
                }
                Some(_) => return Err(DecodeError::at(body, at, "syntax error")),
                None => return Err(DecodeError::at(body, at, "truncated")),
            }
        }
    }
    at = skip_whitespace(body, at);
    if at < body.len() {
        return Err(DecodeError::at(body, at, "syntax error"));
    }
    Ok(())
}

/// The shortest record that can be a customer: an id of one character and a license type of one
/// digit (field names match without regard to case, but not in fewer letters).
pub(crate) const SHORTEST_CUSTOMER: usize = r#"{"UmpCustomerGuid":"x","LicenseType":0}"#.len();

fn skip_whitespace(body: &[u8], from: usize) -> usize {
    from + body[from.min(body.len())..]
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .count()
}

/// One record of [`for_each_record`], decoded.
#[derive(Debug)]
pub(crate) struct Record<'a> {
    pub customer: Result<Customer<'a>, SkipReason>,
    /// `\uXXXX` escapes of unpaired UTF-16 surrogates replaced by U+FFFD in the customer.
    pub repaired_escapes: usize,
}

pub(crate) fn decode_record(raw: &[u8]) -> Record<'_> {
    match decode_one(raw) {
        Ok(customer) => Record {
            customer,
            repaired_escapes: 0,
        },
        // A .NET string may hold half a surrogate pair, which its serializers escape as a lone
        // `\ud800`; serde_json rightly refuses it, but one odd name must not cost the record.
        // The repair only runs after a failure, so good records pay nothing for it.
        Err(_) => match replace_lone_surrogates(raw) {
            Some((repaired, count)) => match decode_one(&repaired) {
                Ok(Ok(customer)) => Record {
                    customer: Ok(customer.into_owned()),
                    repaired_escapes: count,
                },
                Ok(Err(reason)) => Record {
                    customer: Err(reason),
                    repaired_escapes: 0,
                },
                Err(_) => invalid(),
            },
            None => invalid(),
        },
    }
}

/// A record the array scan accepted but a field of which still cannot be read.
fn invalid() -> Record<'static> {
    Record {
        customer: Err(SkipReason::InvalidField),
        repaired_escapes: 0,
    }
}

fn decode_one(raw: &[u8]) -> Result<Result<Customer<'_>, SkipReason>, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(raw);
    let record = RecordSeed.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(record)
}

/// Decodes `records` in order, keeping the first customer of each id; a customer whose id is
/// `excluded` (published from other records) is a duplicate too.
pub(crate) fn decode_records<'a>(
    records: &[&'a [u8]],
    excluded: impl Fn(&str) -> bool,
) -> DecodedList<'a> {
    let mut decoded = DecodedList {
        customers: Vec::with_capacity(records.len()),
        ..DecodedList::default()
    };
    let mut seen = HashSet::with_capacity(records.len());
    let mut duplicates = 0;
    for record in records.iter().map(|record| decode_record(record)) {
        decoded.repaired_escapes += record.repaired_escapes;
        match record.customer {
            Ok(customer) if excluded(&customer.id) || !seen.insert(customer.id.clone()) => {
                duplicates += 1;
            }
            Ok(customer) => decoded.customers.push(customer),
            Err(reason) => decoded.skipped.push(reason),
        }
    }
    decoded
        .skipped
        .extend(std::iter::repeat_n(SkipReason::DuplicateId, duplicates));
    decoded
}

/// A whole response decoded at once. The poller decodes block by block instead (see
/// `blocks`), to the same result.
pub fn decode_customers(body: &[u8]) -> Result<DecodedList<'_>, DecodeError> {
    let mut records = Vec::new();
    for_each_record(body, |record| records.push(record))?;
    Ok(decode_records(&records, |_| false))
}

/// Rewrites every `\uXXXX` escape of an unpaired surrogate as `\ufffd`. Returns `None` when
/// there is none. Backslashes only occur inside JSON strings, so escapes can be found without
/// tracking string boundaries; `\\` is stepped over as a whole so that `\\ud800` is not taken
/// for an escape.
fn replace_lone_surrogates(body: &[u8]) -> Option<(Vec<u8>, usize)> {
    fn escape_at(body: &[u8], i: usize) -> Option<u16> {
        let hex = body.get(i..i + 6)?.strip_prefix(b"\\u")?;
        u16::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()
    }
    let is_high = |u: u16| (0xD800..0xDC00).contains(&u);
    let is_low = |u: u16| (0xDC00..0xE000).contains(&u);

    let mut out = Vec::new();
    let mut copied = 0;
    let mut count = 0;
    let mut i = 0;
    while i < body.len() {
        if body[i] != b'\\' {
            i += 1;
            continue;
        }
        let Some(unit) = escape_at(body, i) else {
            i += 2; // any other escape, `\\` included
            continue;
        };
        let paired = is_high(unit) && escape_at(body, i + 6).is_some_and(is_low);
        if paired {
            i += 12;
        } else if is_high(unit) || is_low(unit) {
            out.extend_from_slice(&body[copied..i]);
            out.extend_from_slice(b"\\ufffd");
            count += 1;
            i += 6;
            copied = i;
        } else {
            i += 6;
        }
    }
    (count > 0).then(|| {
        out.extend_from_slice(&body[copied..]);
        (out, count)
    })
}

struct RecordSeed;

impl<'de> DeserializeSeed<'de> for RecordSeed {
    type Value = Result<Customer<'de>, SkipReason>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(RecordVisitor)
    }
}

/// Fields recognised in a record, matched without regard to case.
enum CustomerField {
    Id,
    ShortName,
    FullName,
    LicenseType,
    MsTenantId,
    LicensedUsers,
    ActiveUsers,
    LiveHubActiveUsers,
    LiveHubSimpleUsers,
    Other,
}

impl CustomerField {
    fn from_key(key: &str) -> CustomerField {
        const FIELDS: [(&str, CustomerField); 9] = [
            ("UmpCustomerGuid", CustomerField::Id),
            ("CustomerShortName", CustomerField::ShortName),
            ("CustomerFullName", CustomerField::FullName),
            ("LicenseType", CustomerField::LicenseType),
            ("MsTenantId", CustomerField::MsTenantId),
            ("LicensedUsersCount", CustomerField::LicensedUsers),
            ("ActiveUserCount", CustomerField::ActiveUsers),
            ("LiveHubActiveUsersCount", CustomerField::LiveHubActiveUsers),
            ("LiveHubSimpleUsersCount", CustomerField::LiveHubSimpleUsers),
        ];
        FIELDS
            .into_iter()
            .find(|(name, _)| name.len() == key.len() && name.eq_ignore_ascii_case(key))
            .map_or(CustomerField::Other, |(_, field)| field)
    }
}

impl<'de> serde::Deserialize<'de> for CustomerField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = CustomerField;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<CustomerField, E> {
                Ok(CustomerField::from_key(key))
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

/// A field value as sent: absent and null are the same thing; a value of the wrong shape is
/// remembered rather than raised, so the rest of the record is still consumed.
enum Lenient<T> {
    Null,
    Value(T),
    Invalid,
}

impl<T> Lenient<T> {
    fn into_option(self, invalid: &mut bool) -> Option<T> {
        match self {
            Lenient::Null => None,
            Lenient::Value(v) => Some(v),
            Lenient::Invalid => {
                *invalid = true;
                None
            }
        }
    }
}

/// Drains a nested array or object whose content is of no interest.
fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Implements every `visit_*` of a lenient value visitor that is not a valid shape for it.
macro_rules! invalid_shapes {
    ($($method:ident($ty:ty)),*) => {
        $(fn $method<E: de::Error>(self, _: $ty) -> Result<Self::Value, E> {
            Ok(Lenient::Invalid)
        })*
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Lenient::Null)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Lenient::Null)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            drain_seq(seq)?;
            Ok(Lenient::Invalid)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            drain_map(map)?;
            Ok(Lenient::Invalid)
        }
    };
}

impl<'de> serde::Deserialize<'de> for Lenient<Cow<'de, str>> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct StrVisitor;
        impl<'de> Visitor<'de> for StrVisitor {
            type Value = Lenient<Cow<'de, str>>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or null")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Lenient::Value(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Lenient::Value(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Lenient::Value(Cow::Owned(v)))
            }
            invalid_shapes!(
                visit_bool(bool),
                visit_i64(i64),
                visit_u64(u64),
                visit_f64(f64)
            );
        }
        d.deserialize_any(StrVisitor)
    }
}

impl<'de> serde::Deserialize<'de> for Lenient<i64> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct IntVisitor;
        impl<'de> Visitor<'de> for IntVisitor {
            type Value = Lenient<i64>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an integer, a string holding one, or null")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Lenient::Value(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(i64::try_from(v).map_or(Lenient::Invalid, Lenient::Value))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                // 25.0 is an integer written oddly; 2.5 is not a count. The bound keeps the
                // cast exact (2^53: the largest range where every integer is an f64).
                const EXACT: f64 = 9_007_199_254_740_992.0;
                Ok(if v.fract() == 0.0 && v.abs() <= EXACT {
                    Lenient::Value(v as i64)
                } else {
                    Lenient::Invalid
                })
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let v = v.trim();
                Ok(if v.is_empty() {
                    Lenient::Null
                } else {
                    v.parse().map_or(Lenient::Invalid, Lenient::Value)
                })
            }
            invalid_shapes!(visit_bool(bool));
        }
        d.deserialize_any(IntVisitor)
    }
}

fn text<'de, A: MapAccess<'de>>(
    map: &mut A,
    invalid: &mut bool,
) -> Result<Option<Cow<'de, str>>, A::Error> {
    Ok(map
        .next_value::<Lenient<Cow<'de, str>>>()?
        .into_option(invalid))
}

fn integer<'de, A: MapAccess<'de>>(
    map: &mut A,
    invalid: &mut bool,
) -> Result<Option<i64>, A::Error> {
    Ok(map.next_value::<Lenient<i64>>()?.into_option(invalid))
}

/// A number of users: negative is as wrong as a word, and would make utilisation negative.
fn count<'de, A: MapAccess<'de>>(map: &mut A, invalid: &mut bool) -> Result<Option<i64>, A::Error> {
    let value = integer(map, invalid)?;
    if value.is_some_and(i64::is_negative) {
        *invalid = true;
    }
    Ok(value)
}

struct RecordVisitor;

impl<'de> Visitor<'de> for RecordVisitor {
    type Value = Result<Customer<'de>, SkipReason>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a customer object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut invalid = false;
        let mut id = None;
        let mut short_name = None;
        let mut full_name = None;
        let mut license_type = None;
        let mut ms_tenant_id = None;
        let mut users = UserCounts::default();
        while let Some(field) = map.next_key::<CustomerField>()? {
            match field {
                CustomerField::Id => id = text(&mut map, &mut invalid)?,
                CustomerField::ShortName => short_name = text(&mut map, &mut invalid)?,
                CustomerField::FullName => full_name = text(&mut map, &mut invalid)?,
                CustomerField::MsTenantId => ms_tenant_id = text(&mut map, &mut invalid)?,
                CustomerField::LicenseType => license_type = integer(&mut map, &mut invalid)?,
                CustomerField::LicensedUsers => users.licensed = count(&mut map, &mut invalid)?,
                CustomerField::ActiveUsers => users.active = count(&mut map, &mut invalid)?,
                CustomerField::LiveHubActiveUsers => {
                    users.livehub_active = count(&mut map, &mut invalid)?
                }
                CustomerField::LiveHubSimpleUsers => {
                    users.livehub_simple = count(&mut map, &mut invalid)?
                }
                CustomerField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if invalid {
            return Ok(Err(SkipReason::InvalidField));
        }
        let Some(id) = id.filter(|id| !id.trim().is_empty()) else {
            return Ok(Err(SkipReason::MissingId));
        };
        let Some(license_type) = license_type else {
            return Ok(Err(SkipReason::MissingLicenseType));
        };
        Ok(Ok(Customer {
            id,
            short_name: short_name.unwrap_or_default(),
            full_name: full_name.unwrap_or_default(),
            license_type,
            ms_tenant_id,
            users,
        }))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq)?;
        Ok(Err(SkipReason::NotAnObject))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Err(SkipReason::NotAnObject))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Err(SkipReason::NotAnObject))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Err(SkipReason::NotAnObject))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Err(SkipReason::NotAnObject))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Err(SkipReason::NotAnObject))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Err(SkipReason::NotAnObject))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(json: &str) -> DecodedList<'_> {
        decode_customers(json.as_bytes()).unwrap()
    }

    #[test]
    fn seed_fixture_decodes_every_customer_with_nulls_kept() {
        let decoded = decode(include_str!("../../../fixtures/customers-seed.json"));
        assert_eq!(decoded.customers.len(), 35);
        assert!(decoded.skipped.is_empty());
        let first = &decoded.customers[0];
        assert_eq!(
            first,
            &Customer {
                id: "0ad77c8d-c023-4054-ac4e-07d02b4b07a6".into(),
                short_name: "royDY".into(),
                full_name: "royDR".into(),
                license_type: 0,
                ms_tenant_id: None,
                users: UserCounts {
                    active: Some(0),
                    ..UserCounts::default()
                },
            }
        );
    }

    #[test]
    fn camel_case_names_strings_for_numbers_and_unknown_fields_are_accepted() {
        let decoded = decode(
            r#"[{"umpCustomerGuid":"g1","customerShortName":"a","customerFullName":"A",
                "licenseType":"2","licensedUsersCount":" 25 ","msTenantID":"t",
                "activeUserCount":3.0,"liveHubActiveUsersCount":"","liveHubSimpleUsersCount":7,
                "SiteLocation":[{"id":1,"nested":{"x":[1,2]}}],"ClientSecret":"zzz"}]"#,
        );
        assert!(decoded.skipped.is_empty());
        assert_eq!(
            decoded.customers,
            vec![Customer {
                id: "g1".into(),
                short_name: "a".into(),
                full_name: "A".into(),
                license_type: 2,
                ms_tenant_id: Some("t".into()),
                users: UserCounts {
                    licensed: Some(25),
                    active: Some(3),
                    livehub_active: None,
                    livehub_simple: Some(7),
                },
            }]
        );
    }

    #[test]
    fn bad_records_are_skipped_with_a_reason_and_the_rest_is_kept() {
        let decoded = decode(
            r#"[
                {"UmpCustomerGuid":"ok1","LicenseType":0},
                {"CustomerShortName":"no-id","LicenseType":0},
                {"UmpCustomerGuid":null,"LicenseType":0},
                {"UmpCustomerGuid":"no-type"},
                {"UmpCustomerGuid":"bad-count","LicenseType":0,"ActiveUserCount":"lots"},
                {"UmpCustomerGuid":"bad-count2","LicenseType":0,"ActiveUserCount":2.5},
                {"UmpCustomerGuid":"bad-count3","LicenseType":0,"ActiveUserCount":true},
                {"UmpCustomerGuid":42,"LicenseType":0},
                {"UmpCustomerGuid":"bad-name","LicenseType":0,"CustomerShortName":{"x":1}},
                {"UmpCustomerGuid":"ok1","LicenseType":1},
                17, "text", null, [1,2],
                {"UmpCustomerGuid":"ok2","LicenseType":9}
            ]"#,
        );
        let ids: Vec<_> = decoded.customers.iter().map(|c| c.id.as_ref()).collect();
        assert_eq!(ids, ["ok1", "ok2"]);
        assert_eq!(
            decoded.customers[0].license_type, 0,
            "first occurrence wins"
        );
        use SkipReason::*;
        assert_eq!(
            decoded.skipped,
            [
                MissingId,
                MissingId,
                MissingLicenseType,
                InvalidField,
                InvalidField,
                InvalidField,
                InvalidField,
                InvalidField,
                NotAnObject,
                NotAnObject,
                NotAnObject,
                NotAnObject,
                DuplicateId,
            ],
            "in the order of the body, duplicates (found once all records are read) last"
        );
    }

    #[test]
    fn any_unicode_survives() {
        let decoded = decode(
            r#"[{"UmpCustomerGuid":"g","LicenseType":0,
                 "CustomerFullName":"Tobi's \"Service\" \\ \n caf\u00e9 \ud83d\ude00 名前"}]"#,
        );
        assert_eq!(
            decoded.customers[0].full_name,
            "Tobi's \"Service\" \\ \n café 😀 名前"
        );
    }

    #[test]
    fn unpaired_surrogate_escapes_become_replacement_characters() {
        let decoded = decode(
            r#"[{"UmpCustomerGuid":"a","LicenseType":0,"CustomerFullName":"x\ud800y\udc00z"},
                {"UmpCustomerGuid":"b","LicenseType":0,"CustomerFullName":"\ud83d\ude00 \\ud800 \u00e9"}]"#,
        );
        assert_eq!(decoded.repaired_escapes, 2);
        assert_eq!(decoded.customers[0].full_name, "x\u{fffd}y\u{fffd}z");
        assert_eq!(
            decoded.customers[1].full_name, "😀 \\ud800 é",
            "pairs and an escaped backslash followed by 'u' are left alone"
        );
        assert_eq!(
            decode(r#"[{"UmpCustomerGuid":"c","LicenseType":0}]"#).repaired_escapes,
            0
        );
    }

    #[test]
    fn malformed_bodies_are_errors_that_do_not_quote_the_input() {
        for body in [
            "",
            "[",
            r#"[{"UmpCustomerGuid":"g","LicenseType":0}"#,
            r#"{"secret":"hunter2"}"#,
            r#""hunter2""#,
            "[] trailing-hunter2",
            "<html>hunter2</html>",
        ] {
            let err = decode_customers(body.as_bytes()).unwrap_err().to_string();
            assert!(!err.contains("hunter2"), "{err}");
            assert!(err.contains("line"), "{err}");
        }
    }

    #[test]
    fn errors_name_their_kind_and_where_the_body_went_wrong() {
        for (body, expected) in [
            ("", "truncated at line 1, column 1"),
            ("  [\n1,\n2", "truncated at line 3, column 2"),
            ("[1,\n  {\"a\":}]", "syntax error at line 2, column 8"),
            (
                "[{\"a\":1}\n,\n{\"b\":\"x\\q\"}]",
                "syntax error at line 3, column 9",
            ),
            ("[1 2]", "syntax error at line 1, column 4"),
            ("[1,]", "syntax error at line 1, column 4"),
            ("[1x]", "syntax error at line 1, column 3"),
            ("[] x", "syntax error at line 1, column 4"),
            ("\n {\"a\":1}", "not an array at line 2, column 2"),
        ] {
            let err = decode_customers(body.as_bytes()).unwrap_err().to_string();
            assert!(err.ends_with(&format!("({expected})")), "{body:?}: {err}");
        }
    }

    fn records(body: &[u8]) -> Result<Vec<&[u8]>, DecodeError> {
        let mut records = Vec::new();
        for_each_record(body, |record| records.push(record))?;
        Ok(records)
    }

    #[test]
    fn the_shortest_customer_is_one_and_nothing_shorter_can_be() {
        let shortest = br#"{"UmpCustomerGuid":"x","LicenseType":0}"#;
        assert_eq!(shortest.len(), SHORTEST_CUSTOMER);
        assert!(decode_record(shortest).customer.is_ok());
        for shorter in [
            &br#"{"UmpCustomerGuid":"","LicenseType":0}"#[..],
            br#"{"umpcustomerguid":"x","licensetype":0"#,
            br#"{"UmpCustomerGuid":"x","LicenseTyp":0}"#,
        ] {
            assert!(shorter.len() < SHORTEST_CUSTOMER);
            assert!(decode_record(shorter).customer.is_err());
        }
    }

    #[test]
    fn a_body_split_into_records_keeps_each_record_whole() {
        let body = b" [ {\"a\": [1, {\"b\": \"],\"}]} ,\n2.5e3,\"x\" , null,[] ] ";
        assert_eq!(
            records(body).unwrap(),
            [
                &b"{\"a\": [1, {\"b\": \"],\"}]}"[..],
                b"2.5e3",
                b"\"x\"",
                b"null",
                b"[]"
            ]
        );
        assert!(records(b"[]").unwrap().is_empty());
    }

    #[test]
    fn a_record_with_bytes_that_are_not_utf8_is_skipped_alone() {
        let mut body =
            br#"[{"UmpCustomerGuid":"a","LicenseType":1,"CustomerShortName":"x"#.to_vec();
        body.extend_from_slice(b"\xff\xfe");
        body.extend_from_slice(br#""},{"UmpCustomerGuid":"b","LicenseType":1,"Other":""#);
        body.extend_from_slice(b"\xc3");
        body.extend_from_slice(br#""}]"#);
        let decoded = decode_customers(&body).unwrap();
        assert_eq!(decoded.skipped, [SkipReason::InvalidField]);
        let ids: Vec<&str> = decoded.customers.iter().map(|c| c.id.as_ref()).collect();
        assert_eq!(
            ids,
            ["b"],
            "bad bytes in a field that is not read cost nothing"
        );
    }

    #[test]
    fn integral_floats_up_to_2_pow_53_are_read_exactly() {
        // Without serde_json's float_roundtrip, this one reads as ...982.
        let decoded = decode(
            r#"[{"UmpCustomerGuid":"a","LicenseType":0,"ActiveUserCount":7259425262691983.0},
                {"UmpCustomerGuid":"b","LicenseType":0,"ActiveUserCount":9007199254740992.0}]"#,
        );
        assert_eq!(
            decoded.customers[0].users.active,
            Some(7_259_425_262_691_983)
        );
        assert_eq!(
            decoded.customers[1].users.active,
            Some(9_007_199_254_740_992)
        );
    }

    #[test]
    fn huge_and_negative_numbers_are_handled_without_overflow() {
        let decoded = decode(
            r#"[{"UmpCustomerGuid":"a","LicenseType":0,"ActiveUserCount":18446744073709551615},
                {"UmpCustomerGuid":"b","LicenseType":-3,"ActiveUserCount":"7"},
                {"UmpCustomerGuid":"c","LicenseType":0,"ActiveUserCount":1e300},
                {"UmpCustomerGuid":"d","LicenseType":0,"LicensedUsersCount":-1},
                {"UmpCustomerGuid":"e","LicenseType":0,"LiveHubSimpleUsersCount":"-2"}]"#,
        );
        assert_eq!(decoded.customers.len(), 1);
        assert_eq!(decoded.customers[0].id, "b");
        assert_eq!(
            decoded.customers[0].license_type, -3,
            "an odd license code is kept (as unknown_-3)"
        );
        assert_eq!(decoded.customers[0].users.active, Some(7));
        assert_eq!(
            decoded.skipped,
            [SkipReason::InvalidField; 4],
            "overflowing and negative user counts are invalid"
        );
    }
}
