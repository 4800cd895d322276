//! Field names in any case for serde-derived types: the API spells them one way on one endpoint
//! and another way on the next (`UmpCustomerGuid`, `acquiredLicenses`, `LicenseFactors`), and a
//! server version may change the case. serde's derive matches names exactly; [`AnyCase`] hands
//! a derived struct its fields under the names it declares, whatever the case of the keys.
//!
//! A JSON value is read as a [`RawValue`], a slice of the body, and an object's entries are
//! matched against the struct's field names (ASCII case ignored): the exact spelling wins over
//! other cases, and of those the first; entries of no field are never decoded, so what a
//! struct does not name (a secret beside the fields it reads) is never held. Structs nested in
//! fields, options and arrays are read the same way.

use std::borrow::Cow;
use std::fmt;

use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{self, Deserializer, IntoDeserializer, MapAccess, Visitor};
use serde_json::Error;
use serde_json::value::RawValue;

/// The error of a struct read from anything but an object: its own words, quoting nothing.
pub(crate) const NOT_AN_OBJECT: &str = "not a JSON object";
/// The error of a sequence read from anything but an array.
pub(crate) const NOT_AN_ARRAY: &str = "not a JSON array";

/// A JSON value whose structs match field names in any case.
#[derive(Clone, Copy)]
pub(crate) struct AnyCase<'de>(pub(crate) &'de RawValue);

impl<'de> IntoDeserializer<'de, Error> for AnyCase<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// An object's entries in order, keys unescaped, values unparsed.
struct Entries<'de>(Vec<(Cow<'de, str>, &'de RawValue)>);

impl<'de> de::Deserialize<'de> for Entries<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;

        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Entries<'de>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<'de>, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }

        deserializer.deserialize_map(EntriesVisitor)
    }
}

/// For each of `fields`, the value of the entry that names it best: spelt exactly, else the
/// first in another case.
fn best_entries<'de>(
    entries: Entries<'de>,
    fields: &'static [&'static str],
) -> impl Iterator<Item = (&'static str, AnyCase<'de>)> {
    let mut best: Vec<Option<(bool, &'de RawValue)>> = vec![None; fields.len()];
    for (key, value) in entries.0 {
        let Some(index) = fields.iter().position(|f| f.eq_ignore_ascii_case(&key)) else {
            continue;
        };
        let exact = fields[index] == key;
        let slot = &mut best[index];
        if slot.is_none_or(|(was_exact, _)| exact && !was_exact) {
            *slot = Some((exact, value));
        }
    }
    fields
        .iter()
        .zip(best)
        .filter_map(|(field, best)| best.map(|(_, value)| (*field, AnyCase(value))))
}

/// Methods passed on to the raw value's own deserializer as they are.
macro_rules! forward {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                self.0.$method(visitor)
            }
        )*
    };
}

impl<'de> Deserializer<'de> for AnyCase<'de> {
    type Error = Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        if !self.0.get().starts_with('{') {
            // serde would read a struct from an array too; an API object is never one.
            return Err(de::Error::custom(NOT_AN_OBJECT));
        }
        let entries: Entries = serde_json::from_str(self.0.get())?;
        let mut map = MapDeserializer::new(best_entries(entries, fields));
        let value = visitor.visit_map(&mut map)?;
        map.end()?;
        Ok(value)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.0.get() == "null" {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if !self.0.get().starts_with('[') {
            return Err(de::Error::custom(NOT_AN_ARRAY));
        }
        let items: Vec<&'de RawValue> = serde_json::from_str(self.0.get())?;
        let mut seq = SeqDeserializer::new(items.into_iter().map(AnyCase));
        let value = visitor.visit_seq(&mut seq)?;
        seq.end()?;
        Ok(value)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        // serde_json's own raw values arrive as a newtype of a private name: theirs to answer.
        self.0.deserialize_newtype_struct(name, visitor)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.0.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Error> {
        self.0.deserialize_tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.0.deserialize_tuple_struct(name, len, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.0.deserialize_enum(name, variants, visitor)
    }

    forward! {
        deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32
        deserialize_i64 deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32
        deserialize_u64 deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char
        deserialize_str deserialize_string deserialize_bytes deserialize_byte_buf
        deserialize_unit deserialize_map deserialize_identifier deserialize_ignored_any
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Outer {
        #[serde(default)]
        acquired_licenses: Option<u64>,
        #[serde(default)]
        site_location: Option<Vec<Inner>>,
        #[serde(default)]
        nested: Option<Inner>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Inner {
        #[serde(rename = "sbcDeploymentState")]
        state: String,
    }

    fn decode(json: &str) -> Result<Outer, Error> {
        let raw: &RawValue = serde_json::from_str(json)?;
        Outer::deserialize(AnyCase(raw))
    }

    #[test]
    fn fields_match_in_any_case_at_every_depth() {
        let outer = decode(
            r#"{"ACQUIREDLICENSES": 3, "SiteLocation": [{"SBCDEPLOYMENTSTATE": "a"}],
                "Nested": {"sbcdeploymentstate": "b"}, "password": "never read"}"#,
        )
        .unwrap();
        assert_eq!(
            outer,
            Outer {
                acquired_licenses: Some(3),
                site_location: Some(vec![Inner { state: "a".into() }]),
                nested: Some(Inner { state: "b".into() }),
            }
        );
        assert_eq!(
            decode(r#"{"nested": null}"#).unwrap(),
            Outer {
                acquired_licenses: None,
                site_location: None,
                nested: None
            }
        );
    }

    #[test]
    fn the_exact_spelling_wins_over_other_cases_and_of_those_the_first() {
        let outer =
            decode(r#"{"acquiredlicenses": 1, "acquiredLicenses": 2, "ACQUIREDLICENSES": 3}"#);
        assert_eq!(outer.unwrap().acquired_licenses, Some(2));
        let outer = decode(r#"{"acquiredlicenses": 1, "ACQUIREDLICENSES": 3}"#);
        assert_eq!(outer.unwrap().acquired_licenses, Some(1));
    }

    #[test]
    fn other_shapes_are_errors() {
        for json in ["[]", r#"{"siteLocation": {}}"#, r#"{"nested": [1]}"#, "3"] {
            assert!(decode(json).is_err(), "{json}");
        }
    }
}
