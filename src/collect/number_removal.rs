//! The collector `number_removal`: `GET {base_url}/api/v3/oc/numbers/removal-status/summary`,
//! once per run, published per platform. The summary is written for monitoring and changes over
//! hours: the default interval is 15 minutes.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::api::client::{self, ApiClient};
use crate::api::removal::decode_removal_summary;
use crate::collect::{CollectError, Collected, Collector, Context, Defaults, Kind};
use crate::exposition::removal::{REMOVAL_FAMILIES, render_removal};
use crate::exposition::render::platform_label;
use crate::exposition::snapshot::{Samples, Snapshot};

pub(crate) const KIND: Kind = Kind {
    name: "number_removal",
    families: &REMOVAL_FAMILIES,
    items: "numbers awaiting removal",
    defaults: Defaults::Own {
        interval: Duration::from_secs(15 * 60),
        timeout: Duration::from_secs(30),
    },
    build: |context| Box::new(NumberRemoval::new(context)),
};

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

    async fn run(&mut self) -> Result<Collected, CollectError> {
        let body = self
            .client
            .get_queued(client::NUMBER_REMOVAL_SUMMARY, &[])
            .await?;
        let summary = decode_removal_summary(&body)?;
        let families = render_removal(&self.platform_label, &summary).map(Samples::encode);
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

impl Collector for NumberRemoval {
    fn collect(
        &mut self,
    ) -> Pin<Box<dyn Future<Output = Result<Collected, CollectError>> + Send + '_>> {
        Box::pin(self.run())
    }
}
