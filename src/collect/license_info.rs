//! The collector `license_info`: `GET {base_url}/api/v3/customer/{id}/licenseinfo?nrOfMonths=1`
//! for every customer of the platform's latest good customer list, published per customer (with
//! the customer list's labels) and summed per license type.
//!
//! The vendor computes the figures about daily, and a run makes one request per customer: the
//! default interval is an hour. The default timeout, 10 minutes, covers about 6 000 customers at
//! the default 10 requests per second; larger platforms raise `timeout` or
//! `max_requests_per_second`. A run waits (within its timeout) for the platform's first
//! customer list.
//!
//! One customer's failed request costs only that customer: its last good values stay until
//! `stale_after`. A 404 (the customer left, or has no license information) is counted as
//! `not_found` and publishes nothing for it. Only a run in which every request failed fails.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::api::client::{self, ApiClient};
use crate::api::license_info::{Decoded, decode_license_info};
use crate::collect::directory::Directory;
use crate::collect::{
    CollectError, Collected, Collector, Context, Defaults, Kind, RequestError, background,
};
use crate::exposition::exporter_metrics::RequestHealth;
use crate::exposition::license_info::{LICENSE_INFO_FAMILIES, render_license_info};
use crate::exposition::render::platform_label;
use crate::exposition::snapshot::{Samples, Snapshot};
use crate::model::{ErrorReason, LicenseInfo};

pub(crate) const KIND: Kind = Kind {
    name: "license_info",
    families: &LICENSE_INFO_FAMILIES,
    items: "customers with license information",
    defaults: Defaults::Own {
        interval: Duration::from_secs(60 * 60),
        timeout: Duration::from_secs(10 * 60),
    },
    build: |context| Box::new(LicenseInfos::new(context)),
};

/// A customer's last good license information, and when it was fetched.
#[derive(Debug, Clone, Copy)]
struct Kept {
    info: LicenseInfo,
    fetched: Instant,
}

/// By customer id: only customers of the latest list, so that those who left vanish.
type KeptByCustomer = HashMap<Box<str>, Kept>;

struct LicenseInfos {
    platform: String,
    platform_label: Arc<[u8]>,
    client: Arc<ApiClient>,
    directory: Directory,
    requests: RequestHealth,
    stale_after: Duration,
    /// Shared with the rendering thread of the run that made it.
    kept: Arc<KeptByCustomer>,
}

impl LicenseInfos {
    fn new(context: Context) -> Self {
        Self {
            requests: context.metrics.requests(&context.platform, KIND.name),
            platform_label: platform_label(&context.platform).into(),
            platform: context.platform,
            client: context.client,
            directory: context.directory,
            stale_after: context.stale_after,
            kept: Arc::default(),
        }
    }

    async fn run(&mut self) -> Result<Collected, CollectError> {
        let list = self.directory.latest().await?;
        // As many requests in flight as the platform's limiter lets through, no more: each
        // waiting request is a task, and a list may hold 100 000 customers.
        let in_flight = self.client.max_concurrent_requests();
        let mut tasks = JoinSet::new();
        let mut customers = list.iter();
        let mut kept = KeptByCustomer::with_capacity(list.len());
        let mut skipped = Vec::new();
        let mut tally = Tally::default();
        loop {
            while tasks.len() < in_flight
                && let Some(listed) = customers.next()
            {
                let client = self.client.clone();
                let id = listed.id.clone();
                tasks.spawn(async move {
                    let result = fetch(&client, &id).await;
                    (id, result)
                });
            }
            let Some(joined) = tasks.join_next().await else {
                break;
            };
            let (id, result) = joined.map_err(|e| CollectError::Crashed(e.to_string()))?;
            self.requests.requests.inc();
            match result {
                Ok(decoded) => {
                    tally.succeeded += 1;
                    skipped.extend(decoded.skipped);
                    if let Some(info) = decoded.latest {
                        let fetched = Instant::now();
                        kept.insert(id, Kept { info, fetched });
                    }
                }
                Err(error) => {
                    let reason = error.reason();
                    self.requests.error(reason);
                    if reason == ErrorReason::NotFound {
                        tally.not_found += 1;
                        continue;
                    }
                    if let Some(last) = self.kept.get(&id)
                        && last.fetched.elapsed() < self.stale_after
                    {
                        kept.insert(id, *last);
                    }
                    tally.failed(error);
                }
            }
        }
        drop(customers);
        let requests = list.len();
        if let Some(first) = tally.first_error.take() {
            if tally.failures == requests {
                return Err(CollectError::AllRequestsFailed {
                    requests,
                    first: Box::new(first),
                });
            }
            tracing::warn!(
                platform = %self.platform,
                collector = KIND.name,
                failed = tally.failures,
                succeeded = tally.succeeded,
                not_found = tally.not_found,
                requests,
                first_reason = first.reason().as_str(),
                first_error = %first,
                "some requests failed; keeping those customers' last good values"
            );
        }
        let kept = Arc::new(kept);
        let platform_label = self.platform_label.clone();
        let rendered = kept.clone();
        // Rendering and compressing take time proportional to the customers: off the async
        // threads, as the customer list does.
        let families = background::run(move || {
            let items = list.iter().filter_map(|listed| {
                let kept = rendered.get(&listed.id)?;
                Some((listed.labels.as_ref(), listed.license_type, &kept.info))
            });
            render_license_info(&platform_label, items).map(Samples::encode)
        })
        .await;
        let snapshot = Snapshot::new(Instant::now(), kept.len(), families);
        self.kept = kept;
        Ok(Collected {
            snapshot: Arc::new(snapshot),
            skipped,
        })
    }
}

/// The outcome of a run's requests.
#[derive(Default)]
struct Tally {
    succeeded: usize,
    not_found: usize,
    failures: usize,
    /// For the one log line of the run.
    first_error: Option<RequestError>,
}

impl Tally {
    fn failed(&mut self, error: RequestError) {
        self.failures += 1;
        self.first_error.get_or_insert(error);
    }
}

/// One customer's license information, decoded.
async fn fetch(client: &ApiClient, id: &str) -> Result<Decoded, RequestError> {
    let body = client
        .get_queued(&client::license_info(id), client::LICENSE_INFO_QUERY)
        .await?;
    Ok(decode_license_info(&body)?)
}

impl Collector for LicenseInfos {
    fn collect(
        &mut self,
    ) -> Pin<Box<dyn Future<Output = Result<Collected, CollectError>> + Send + '_>> {
        Box::pin(self.run())
    }
}
