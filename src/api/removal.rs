//! `GET {base_url}/api/v3/oc/numbers/removal-status/summary`: how many Operator Connect numbers
//! are marked for removal and how many are ready for it.

use crate::api::lenient::{self, ShapeError};
use crate::model::RemovalSummary;

const EXPECTED: &str = "a removal summary";

/// The summary; `totalCount` (or `totalCounts`, as the vendor's field table spells it) is the
/// sum of the two and not needed.
pub fn decode_removal_summary(body: &[u8]) -> Result<RemovalSummary, ShapeError> {
    let value = lenient::parse(body, EXPECTED)?;
    let object = value
        .as_object()
        .ok_or_else(|| ShapeError::new(EXPECTED, "not a JSON object"))?;
    let count = |name: &'static str| {
        let value = lenient::field(object, name)
            .ok_or_else(|| ShapeError::new(EXPECTED, format!("{name} is missing")))?;
        lenient::count(value)
            .map_err(|()| ShapeError::new(EXPECTED, format!("{name} is not a count")))
    };
    Ok(RemovalSummary {
        marked: count("markedForRemovalCount")?,
        ready: count("readyForRemovalCount")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_summary_and_its_variants_decode() {
        let summary = |body: &str| decode_removal_summary(body.as_bytes());
        let expected = RemovalSummary {
            marked: 3,
            ready: 2,
        };
        for body in [
            r#"{"markedForRemovalCount": 3, "readyForRemovalCount": 2, "totalCount": 5}"#,
            r#"{"markedForRemovalCount": 3, "readyForRemovalCount": 2, "totalCounts": 5}"#,
            r#"{"MarkedForRemovalCount": "3", "ReadyForRemovalCount": "2", "extra": [1]}"#,
        ] {
            assert_eq!(summary(body).unwrap(), expected, "{body}");
        }
        for (body, problem) in [
            ("[]", "not a JSON object"),
            (
                r#"{"readyForRemovalCount": 2}"#,
                "markedForRemovalCount is missing",
            ),
            (
                r#"{"markedForRemovalCount": -3, "readyForRemovalCount": 2}"#,
                "markedForRemovalCount is not a count",
            ),
            (
                r#"{"markedForRemovalCount": 3, "readyForRemovalCount": null}"#,
                "readyForRemovalCount is missing",
            ),
            ("<html>", "not valid JSON"),
        ] {
            let message = summary(body).unwrap_err().to_string();
            assert!(message.contains(problem), "{body}: {message}");
        }
    }
}
