//! The collector `number_removal`: `GET {base_url}/api/v3/oc/numbers/removal-status/summary`,
//! once per run, published per platform. The summary is written for monitoring and changes over
//! hours: the default interval is 15 minutes.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use tokio::time::Instant;

use crate::api::client::ApiClient;
use crate::api::lenient::{self, Count, Field, ShapeError};
use crate::collect::{CollectError, Collected, Context, Defaults, Kind, Run};
use crate::exposition::snapshot::{Samples, Snapshot};
use crate::exposition::text::{Family, platform_label, push_sample};

pub(super) mod demo;

pub(crate) const KIND: Kind = Kind {
    name: "number_removal",
    families: &FAMILIES,
    items: "numbers awaiting removal",
    defaults: Defaults::Own {
        interval: Duration::from_secs(15 * 60),
        timeout: Duration::from_secs(30),
    },
    build: |context| Box::new(NumberRemoval::new(context)),
    options: None,
};

/// The Operator Connect numbers' removal summary, below the platform's `base_url`.
pub(crate) const PATH: &[&str] = &["api", "v3", "oc", "numbers", "removal-status", "summary"];

const FAMILIES: [Family; 2] = [
    Family {
        name: "liveplatform_oc_numbers_marked_for_removal",
        help: "Operator Connect numbers marked for removal: no longer in Microsoft's acquired list.",
    },
    Family {
        name: "liveplatform_oc_numbers_ready_for_removal",
        help: "Operator Connect numbers confirmed deleted, waiting for their final removal.",
    },
];

/// The platform's removal summary: numbers Microsoft no longer lists as acquired (marked), and
/// numbers confirmed deleted that wait for their final removal (ready).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RemovalSummary {
    marked: u64,
    ready: u64,
}

const EXPECTED: &str = "a removal summary";

/// The summary as the API sends it; `totalCount` (or `totalCounts`, as the vendor's field table
/// spells it) is the sum of the two and not read.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    #[serde(default)]
    marked_for_removal_count: Field<Count>,
    #[serde(default)]
    ready_for_removal_count: Field<Count>,
}

fn decode(body: &[u8]) -> Result<RemovalSummary, ShapeError> {
    let response: Response = lenient::decode(body, EXPECTED)?;
    let count = |field: Field<Count>, name: &str| match field {
        Field::Value(Count(count)) => Ok(count),
        Field::Absent => Err(ShapeError::new(EXPECTED, format!("{name} is missing"))),
        Field::Invalid => Err(ShapeError::new(EXPECTED, format!("{name} is not a count"))),
    };
    Ok(RemovalSummary {
        marked: count(response.marked_for_removal_count, "markedForRemovalCount")?,
        ready: count(response.ready_for_removal_count, "readyForRemovalCount")?,
    })
}

/// Sample lines of [`FAMILIES`], in order.
fn render(platform_label: &[u8], summary: &RemovalSummary) -> [Vec<u8>; 2] {
    let mut out: [Vec<u8>; 2] = Default::default();
    let counts = [summary.marked, summary.ready];
    for ((out, family), count) in out.iter_mut().zip(&FAMILIES).zip(counts) {
        push_sample(out, family.name, platform_label, count);
    }
    out
}

struct NumberRemoval {
    platform_label: Vec<u8>,
    client: Arc<ApiClient>,
}

impl NumberRemoval {
    fn new(context: Context) -> Self {
        Self {
            platform_label: platform_label(&context.platform),
            client: context.client,
        }
    }
}

impl Run for NumberRemoval {
    async fn run(&mut self) -> Result<Collected, CollectError> {
        let body = self.client.get_queued(KIND.name, PATH, &[]).await?;
        let summary = decode(&body)?;
        let families = render(&self.platform_label, &summary).map(Samples::encode);
        let items = summary.marked.saturating_add(summary.ready);
        Ok(Collected {
            snapshot: Arc::new(Snapshot::new(
                Instant::now(),
                usize::try_from(items).unwrap_or(usize::MAX),
                families,
            )),
            skipped: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_summary_and_its_variants_decode() {
        let expected = RemovalSummary {
            marked: 3,
            ready: 2,
        };
        for body in [
            r#"{"markedForRemovalCount": 3, "readyForRemovalCount": 2, "totalCount": 5}"#,
            r#"{"markedForRemovalCount": 3, "readyForRemovalCount": 2, "totalCounts": 5}"#,
            r#"{"MarkedForRemovalCount": "3", "ReadyForRemovalCount": "2", "extra": [1]}"#,
        ] {
            assert_eq!(decode(body.as_bytes()).unwrap(), expected, "{body}");
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
            let message = decode(body.as_bytes()).unwrap_err().to_string();
            assert!(message.contains(problem), "{body}: {message}");
        }
    }

    #[test]
    fn each_count_is_one_sample_of_the_platform() {
        let summary = RemovalSummary {
            marked: 3,
            ready: u64::MAX,
        };
        let [marked, ready] = render(&platform_label("prod \"eu\""), &summary);
        assert_eq!(
            String::from_utf8(marked).unwrap(),
            "liveplatform_oc_numbers_marked_for_removal{platform=\"prod \\\"eu\\\"\"} 3\n"
        );
        assert_eq!(
            String::from_utf8(ready).unwrap(),
            "liveplatform_oc_numbers_ready_for_removal{platform=\"prod \\\"eu\\\"\"} 18446744073709551615\n"
        );
    }
}
