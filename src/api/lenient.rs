//! Reading the small JSON documents of the API as leniently as the customer list: field names in
//! any case, numbers sent as strings, unknown fields ignored. Errors say what is wrong and where,
//! never quoting the body.

use serde_json::{Map, Value};

/// A response that is not the document expected.
#[derive(Debug, thiserror::Error)]
#[error("response is not {expected}: {problem}")]
pub struct ShapeError {
    expected: &'static str,
    problem: String,
}

impl ShapeError {
    pub fn new(expected: &'static str, problem: impl Into<String>) -> Self {
        Self {
            expected,
            problem: problem.into(),
        }
    }
}

/// Parses `body` as JSON; a syntax error is described by its kind and position only (serde_json's
/// own messages may quote the input).
pub fn parse(body: &[u8], expected: &'static str) -> Result<Value, ShapeError> {
    serde_json::from_slice(body).map_err(|e| {
        let kind = match e.classify() {
            serde_json::error::Category::Eof => "truncated",
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
pub fn field<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
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

/// Floats at or beyond this are no longer exact integers.
const EXACT_FLOAT_LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53

/// A count: a non-negative whole number, as a number or a string of digits. `Err` for anything
/// else (a negative number, a fraction, a word).
pub fn count(value: &Value) -> Result<u64, ()> {
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
