//! The collector `services`: `GET {base_url}/api/ovoc/v1/topology/services/` ("Retrieve
//! Services"), one request per run listing every customer service of the platform with its
//! health, published per service: its management and voice-quality status as state sets, its
//! numbers, users and devices.
//!
//! A service is named by its GUID (`serviceId`, in lower case), the customer list's
//! `UmpCustomerGuid`: where the platform's latest customer list has that customer (case
//! ignored), its series also carry the customer's name and license type, as the customer
//! list's do. The collector never depends on the customer list: it waits a few seconds for the
//! first one at start-up (see [`FIRST_LIST_PATIENCE`]), and while there is none, or for a
//! service the list does not have, the series carry `customer_id` alone.
//!
//! Health changes within minutes and the list is one request: the default interval is 5
//! minutes. A platform without this API (older servers answer 404) fails this collector only;
//! `enabled = false` in its table switches it off.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::api::client::ApiClient;
use crate::collect::directory::{Directory, Listed};
use crate::collect::{CollectError, Collected, Context, Defaults, Kind, Run, background};
use crate::exposition::snapshot::{Samples, Snapshot};
use crate::exposition::text::platform_label;
use decode::{DecodedServices, decode};
use render::{FAMILIES, render};

mod decode;
pub(super) mod demo;
mod model;
mod render;

/// The services list, below the platform's `base_url`; the trailing slash is the vendor's.
pub(crate) const PATH: &[&str] = &["api", "ovoc", "v1", "topology", "services", ""];

/// How long a run waits for the platform's first customer list to end, at start-up: long
/// enough that the first services are published with their customers' names (a series
/// published without them and then with them would be two series, and restart every `for`),
/// short enough that a customer list that hangs delays the services by little.
const FIRST_LIST_PATIENCE: Duration = Duration::from_secs(10);

pub(crate) const KIND: Kind = Kind {
    name: "services",
    families: &FAMILIES,
    items: "services",
    defaults: Defaults::Own {
        interval: Duration::from_secs(5 * 60),
        timeout: Duration::from_secs(60),
    },
    build: |context| Box::new(Services::new(context)),
    options: None,
};

struct Services {
    platform_label: Arc<[u8]>,
    client: Arc<ApiClient>,
    directory: Directory,
}

impl Services {
    fn new(context: Context) -> Self {
        Self {
            platform_label: platform_label(&context.platform).into(),
            client: context.client,
            directory: context.directory,
        }
    }
}

impl Run for Services {
    async fn run(&mut self) -> Result<Collected, CollectError> {
        let body = self.client.get_queued(KIND.name, PATH, &[]).await?;
        let customers = self.directory.settled(FIRST_LIST_PATIENCE).await;
        let platform_label = self.platform_label.clone();
        // A list of 100,000 services takes a while to decode and render: off the async threads.
        let (decoded, families) = background::run(move || {
            let decoded = decode(&body)?;
            let by_id: HashMap<Box<str>, &Listed> = customers
                .iter()
                .flat_map(|list| list.iter())
                .map(|listed| (listed.id.to_ascii_lowercase().into_boxed_str(), listed))
                .collect();
            let services = decoded.services.iter().map(|service| {
                let names = by_id.get(&service.id).map(|listed| listed.name_labels());
                (service, names)
            });
            let families = render(&platform_label, services).map(Samples::encode);
            Ok::<_, CollectError>((decoded, families))
        })
        .await?;
        let DecodedServices { services, skipped } = decoded;
        Ok(Collected {
            snapshot: Arc::new(Snapshot::new(Instant::now(), services.len(), families)),
            skipped,
        })
    }
}
