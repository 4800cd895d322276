//! Deserializers for the values the configuration writes as text or as numbers that must stay
//! exact, for `#[serde(deserialize_with = ...)]`. Each message says what was written and what
//! was expected; the key is added where the `config` crate's error is turned into ours.
//!
//! Environment overrides arrive as strings: every helper here accepts one.

use std::fmt;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::time::Duration;

use serde::de::{self, Deserialize, DeserializeOwned, Deserializer, IntoDeserializer, Visitor};

use super::DEFAULT_PORT;

/// A duration as `humantime` writes it: `"90s"`, `"5m"`, `"1h 30m"`.
pub(super) fn duration<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(deserializer)?;
    humantime::parse_duration(&text).map_err(|e| {
        de::Error::custom(format_args!(
            "{text:?} is not a duration such as \"90s\" or \"5m\": {e}"
        ))
    })
}

pub(super) fn optional_duration<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Duration>, D::Error> {
    duration(deserializer).map(Some)
}

/// A listen address: `"0.0.0.0:9612"`, `"[::1]:9612"`.
pub(super) fn listen<'de, D: Deserializer<'de>>(deserializer: D) -> Result<SocketAddr, D::Error> {
    let text = String::deserialize(deserializer)?;
    text.parse().map_err(|_| {
        de::Error::custom(format_args!(
            "{text:?} is not an address such as \"0.0.0.0:{DEFAULT_PORT}\""
        ))
    })
}

/// A unit-only enum by its name. The `config` crate's own enum support would answer a wrong
/// name with the Rust type's name; serde's names the accepted values instead.
pub(super) fn by_name<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let text = String::deserialize(deserializer)?;
    T::deserialize(text.as_str().into_deserializer())
        .map_err(|e: de::value::Error| de::Error::custom(e))
}

/// A whole number of type `T`, refusing what would otherwise be silently rounded.
///
/// The `config` crate turns `1.5` into `2` when asked for an integer, so a limit of 1.5 bytes
/// would quietly become 2 and every poll would fail. This looks at what was written instead: an
/// integer, a float without a fraction (`1e6`), or a string of digits.
pub(crate) fn whole<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64> + TryFrom<i64>,
{
    deserializer.deserialize_any(WholeVisitor(PhantomData))
}

pub(super) fn optional_whole<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64> + TryFrom<i64>,
{
    whole(deserializer).map(Some)
}

/// Floats at or beyond this are no longer exact integers.
const EXACT_FLOAT_LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53

struct WholeVisitor<T>(PhantomData<T>);

impl<T> WholeVisitor<T>
where
    T: TryFrom<u64> + TryFrom<i64>,
{
    fn out_of_range<E: de::Error>(written: impl fmt::Display) -> E {
        E::custom(format_args!(
            "{written} is out of range for this key (expected a whole number of at most {} bits)",
            size_of::<T>() * 8
        ))
    }
}

impl<T> Visitor<'_> for WholeVisitor<T>
where
    T: TryFrom<u64> + TryFrom<i64>,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a whole number")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::try_from(v).map_err(|_| Self::out_of_range(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::try_from(v).map_err(|_| Self::out_of_range(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        if v.fract() != 0.0 || !v.is_finite() {
            return Err(E::invalid_value(de::Unexpected::Float(v), &self));
        }
        if v.abs() >= EXACT_FLOAT_LIMIT {
            return Err(Self::out_of_range(v));
        }
        // Exact: a whole float below 2^53 in magnitude converts without loss.
        #[allow(clippy::cast_possible_truncation)]
        self.visit_i64(v as i64)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        let text = v.trim();
        if let Ok(n) = text.parse::<u64>() {
            return self.visit_u64(n);
        }
        if let Ok(n) = text.parse::<i64>() {
            return self.visit_i64(n);
        }
        Err(E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::de::value::Error;

    fn from<'de, T, D>(value: D) -> Result<T, Error>
    where
        T: TryFrom<u64> + TryFrom<i64>,
        D: IntoDeserializer<'de, Error>,
    {
        whole(value.into_deserializer())
    }

    #[test]
    fn fractions_and_words_are_refused_whole_floats_and_digits_accepted() {
        assert!(from::<u64, _>(1.5f64).is_err());
        assert!(from::<u64, _>(f64::NAN).is_err());
        assert!(from::<u64, _>(f64::INFINITY).is_err());
        assert!(from::<u64, _>("1.5").is_err());
        assert!(from::<u64, _>("lots").is_err());
        assert_eq!(from::<u64, _>(1e6f64).unwrap(), 1_000_000);
        assert_eq!(from::<u64, _>(" 42 ").unwrap(), 42);
        assert_eq!(from::<i64, _>("-7").unwrap(), -7);
        assert!(from::<u64, _>(-1i64).is_err());
        assert!(from::<u64, _>("18446744073709551616").is_err());
        assert!(from::<u64, _>(1e300f64).is_err());
    }

    proptest! {
        #[test]
        fn any_written_number_is_exact_or_refused(v in any::<f64>()) {
            match from::<u64, _>(v) {
                Ok(n) => prop_assert_eq!(n as f64, v),
                Err(_) => prop_assert!(v.fract() != 0.0 || !v.is_finite() || v < 0.0 || v.abs() >= EXACT_FLOAT_LIMIT),
            }
        }

        #[test]
        fn any_integer_fits_or_is_refused(v in any::<i64>()) {
            prop_assert_eq!(from::<u32, _>(v).ok(), u32::try_from(v).ok());
            prop_assert_eq!(from::<u32, _>(v.to_string()).ok(), u32::try_from(v).ok());
        }
    }
}
