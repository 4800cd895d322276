//! The collector `customers`: the platform's customer list, `GET {base_url}/api/v3/customer`,
//! published per customer and per license type.
//!
//! Each run compares the response with the last good one: an identical body republishes the
//! last snapshot, and otherwise only the blocks of records that changed are decoded, rendered
//! and compressed anew (see [`blocks`]), off the async threads. Each successful run publishes
//! the customers to the platform's [`Directory`] for the per-customer collectors.
//!
//! A run compresses what changed fast and publishes it; its segments are then compressed again,
//! smaller, in the background ([`recompress`]), and the next run waits for that before it
//! starts from them.

use std::sync::Arc;

use bytes::Bytes;
use tokio::time::Instant;
use tokio_util::task::AbortOnDropHandle;

use crate::api::client::ApiClient;
use crate::collect::background;
use crate::collect::directory::{CustomerList, Directory};
use crate::collect::{CollectError, Collected, Context, Defaults, Kind, Run};
use crate::exposition::exporter_metrics::CustomerChanges;
use crate::exposition::gzip::Segment;
use crate::exposition::snapshot::Snapshot;
use crate::model::SkipReason;
use blocks::{Blocks, Changes};
use decode::DecodeError;
use prometheus::core::Atomic;
use render::{CUSTOMER_FAMILY_COUNT, FAMILIES};

mod blocks;
pub(crate) mod decode;
pub(super) mod demo;
mod model;
pub(crate) mod render;

/// The customer list, below the platform's `base_url`.
pub(crate) const PATH: &[&str] = &["api", "v3", "customer"];

pub(crate) const KIND: Kind = Kind {
    name: "customers",
    families: &FAMILIES,
    items: "customers",
    defaults: Defaults::Platform,
    build: |context| Box::new(Customers::new(context)),
    options: None,
};

struct Customers {
    platform: String,
    client: Arc<ApiClient>,
    directory: Directory,
    changes: CustomerChanges,
    /// The last successful run, for the next one to compare with; `None` until there was one.
    last: Option<Prepared>,
    /// The last run compressed again, under way; `None` when it had nothing to compress again.
    /// Dropped with the collector, it is dropped too: a stopped collector publishes nothing.
    recompressing: Option<AbortOnDropHandle<Option<Prepared>>>,
}

impl Customers {
    fn new(context: Context) -> Self {
        Self {
            changes: context.metrics.customer_changes(&context.platform),
            platform: context.platform,
            client: context.client,
            directory: context.directory,
            last: None,
            recompressing: None,
        }
    }

    /// The last run as compressed again, once it is: the segments a run reuses are then final.
    async fn settle_last(&mut self) {
        let Some(recompressing) = self.recompressing.take() else {
            return;
        };
        match recompressing.await {
            Ok(Some(recompressed)) => self.last = Some(recompressed),
            Ok(None) => {}
            // The last run's data stays published as the run compressed it.
            Err(error) => tracing::error!(
                platform = %self.platform,
                collector = KIND.name,
                %error,
                "compressing the last run's data again failed"
            ),
        }
    }
}

impl Run for Customers {
    async fn run(&mut self) -> Result<Collected, CollectError> {
        // Dropped with the run unless it succeeds, whether it fails, times out or panics.
        let guard = self.directory.run_guard();
        let body = self.client.get(KIND.name, PATH).await?;
        self.settle_last().await;
        let platform = self.platform.clone();
        // Decoding, rendering and compressing take CPU time proportional to the customer count:
        // off the async threads and below them in priority, so scrapes keep being answered.
        let last = self.last.clone();
        let (prepared, changes) =
            background::run(move || prepare(&platform, body, last.as_ref())).await?;
        if prepared.repaired_escapes > 0 {
            tracing::warn!(
                platform = %self.platform,
                collector = KIND.name,
                count = prepared.repaired_escapes,
                "response holds unpaired UTF-16 surrogates; published them as U+FFFD"
            );
        }
        if let Some(changes) = changes {
            self.changes.added.inc_by(changes.added);
            self.changes.removed.inc_by(changes.removed);
        }
        let collected = Collected {
            snapshot: prepared.snapshot.clone(),
            skipped: prepared.skipped.clone(),
        };
        guard.succeeded(prepared.listed.clone());
        if prepared.blocks.has_drafts() {
            let (last, platform) = (prepared.clone(), self.platform.clone());
            self.recompressing = Some(AbortOnDropHandle::new(tokio::spawn(async move {
                let started = std::time::Instant::now();
                let recompressed = background::run(move || recompress(&last)).await?;
                tracing::debug!(
                    platform,
                    collector = KIND.name,
                    elapsed = ?started.elapsed(),
                    "run compressed again"
                );
                Some(recompressed.publish())
            })));
        }
        self.last = Some(prepared);
        Ok(collected)
    }
}

/// A successful poll: what it publishes, and what the next poll compares itself with. Cheap
/// to clone (shared pointers and a short list).
#[derive(Debug, Clone)]
pub struct Prepared {
    pub snapshot: Arc<Snapshot>,
    pub skipped: Vec<SkipReason>,
    pub repaired_escapes: usize,
    /// The response it was made from, and the blocks it was cut into.
    body: Bytes,
    blocks: Blocks,
    listed: CustomerList,
}

/// The CPU-bound part of a poll, from response body to snapshot. `last` is the previous
/// successful poll: when the API sent exactly the same bytes its snapshot is published again;
/// otherwise only the blocks of records that changed are made anew (see `blocks`).
/// `Changes` is `None` for a first poll.
pub fn prepare(
    platform: &str,
    body: Bytes,
    last: Option<&Prepared>,
) -> Result<(Prepared, Option<Changes>), DecodeError> {
    if let Some(last) = last.filter(|last| last.body == body) {
        let unchanged = Prepared {
            snapshot: Arc::new(last.snapshot.renewed(Instant::now())),
            ..last.clone()
        };
        return Ok((unchanged, Some(Changes::default())));
    }
    let built = blocks::build(platform, &body, last.map(|last| &last.blocks))?;
    let prepared = Prepared {
        snapshot: Arc::new(Snapshot::new(
            Instant::now(),
            built.customers,
            built.families,
        )),
        skipped: built.skipped,
        repaired_escapes: built.repaired_escapes,
        body,
        blocks: built.blocks,
        listed: built.listed,
    };
    Ok((prepared, built.changes))
}

/// The segments `prepared`'s poll compressed fast, compressed again, smaller; `None` when there
/// were none. Its snapshot sends them once [`Recompressed::publish`]ed.
pub fn recompress(prepared: &Prepared) -> Option<Recompressed> {
    let (blocks, gzip) = prepared.blocks.recompressed()?;
    Some(Recompressed {
        prepared: Prepared {
            blocks,
            ..prepared.clone()
        },
        gzip,
    })
}

/// A poll compressed again.
pub struct Recompressed {
    prepared: Prepared,
    gzip: [Segment; CUSTOMER_FAMILY_COUNT],
}

impl Recompressed {
    /// Makes the poll's snapshot send the smaller segments, and hands the poll back for the
    /// next one to start from.
    pub fn publish(self) -> Prepared {
        // The customer families come first in the snapshot, in the blocks' order.
        let snapshot = &self.prepared.snapshot;
        snapshot.replace_gzip(self.gzip.into_iter().enumerate());
        self.prepared
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(ids: &[&str]) -> Bytes {
        let records: Vec<String> = ids
            .iter()
            .map(|id| {
                format!(r#"{{"UmpCustomerGuid":"{id}","LicenseType":2,"ActiveUserCount":1}}"#)
            })
            .chain(["42".to_owned()])
            .collect();
        Bytes::from(format!("[{}]", records.join(",")))
    }

    #[test]
    fn an_identical_response_republishes_the_previous_data_with_a_new_time() {
        let (first, changes) = prepare("p", body(&["a", "b"]), None).unwrap();
        assert_eq!(changes, None, "a first poll has nothing to compare with");
        let (again, changes) = prepare("p", body(&["a", "b"]), Some(&first)).unwrap();
        assert_eq!(changes, Some(Changes::default()));
        assert_eq!(
            first.snapshot.families()[0].plain.chunks().as_ptr(),
            again.snapshot.families()[0].plain.chunks().as_ptr(),
            "the rendered bytes are shared, not made anew"
        );
        assert!(again.snapshot.succeeded_at >= first.snapshot.succeeded_at);
        assert!(!Arc::ptr_eq(&first.snapshot, &again.snapshot));
        assert_eq!(
            again.skipped, first.skipped,
            "skips are counted at every poll"
        );
        assert_eq!(again.skipped, [SkipReason::NotAnObject]);
    }

    #[test]
    fn a_changed_response_is_decoded_and_compared_with_the_last() {
        let (first, _) = prepare("p", body(&["a", "b"]), None).unwrap();
        let (next, changes) = prepare("p", body(&["b", "c", "d"]), Some(&first)).unwrap();
        assert_eq!(
            changes,
            Some(Changes {
                added: 2,
                removed: 1
            })
        );
        assert_eq!(next.snapshot.items, 3);
        assert_ne!(
            first.snapshot.families()[0].plain.chunks().as_ptr(),
            next.snapshot.families()[0].plain.chunks().as_ptr()
        );
    }

    /// A list of `n` customers, each in a block of its own bytes.
    fn numbered(n: usize) -> Bytes {
        let records: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    r#"{{"UmpCustomerGuid":"customer-{i}","CustomerShortName":"c{i}","LicenseType":{},"ActiveUserCount":{}}}"#,
                    i % 6,
                    i * 7 % 500
                )
            })
            .collect();
        Bytes::from(format!("[{}]", records.join(",")))
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_run_publishes_at_once_and_the_next_starts_from_it_compressed_again() {
        let demo = crate::demo::DemoPlatform::start(numbered(2000))
            .await
            .unwrap();
        let config = demo.platform_config("p");
        let mut customers = Customers::new(Context {
            platform: "p".to_owned(),
            client: Arc::new(
                ApiClient::new(&config, &mut crate::api::transport::Transports::default()).unwrap(),
            ),
            directory: Directory::default(),
            metrics: Arc::new(crate::exposition::exporter_metrics::ExporterMetrics::new()),
            stale_after: std::time::Duration::from_secs(60),
            timeout: std::time::Duration::from_secs(10),
            options: Arc::new(()),
        });
        let gzip = |snapshot: &Snapshot| -> Vec<Bytes> {
            let mut member = crate::exposition::gzip::Member::default();
            (0..CUSTOMER_FAMILY_COUNT)
                .map(|family| member.segment(&snapshot.families()[family].gzip))
                .collect()
        };

        let first = customers.run().await.unwrap().snapshot;
        let published = gzip(&first);
        assert!(customers.last.as_ref().unwrap().blocks.has_drafts());
        let second = customers.run().await.unwrap().snapshot;
        assert!(
            !customers.last.as_ref().unwrap().blocks.has_drafts(),
            "the second run starts from the first compressed again"
        );
        assert!(
            customers.recompressing.is_none(),
            "the same list again leaves nothing to compress"
        );
        let (now, renewed) = (gzip(&first), gzip(&second));
        assert_eq!(now, renewed, "the same list again sends the final form");
        let len = |segments: &[Bytes]| segments.iter().map(Bytes::len).sum::<usize>();
        assert!(
            len(&now) * 5 < len(&published) * 4,
            "{} bytes now, {} at first",
            len(&now),
            len(&published)
        );
    }
}
