//! The collector `customer_details`: `GET {base_url}/api/v3/customer/{id}?allDetails=true` for
//! every customer of the platform's latest good customer list, published per customer with the
//! customer list's labels: when the app registration's client secret expires, and the SIP
//! connections by deployment state and configuration type. The fan-out, and what one customer's
//! failure, a 404 or a customer leaving the list do, are
//! [`per_customer`](crate::collect::per_customer)'s.
//!
//! A secret expires in months and SIP connections change when an operator deploys one: the
//! default interval is 6 hours. The per-customer collectors share the platform's request rate,
//! and this one's runs often overlap `license_info`'s (at start-up, and every 6 hours about):
//! the default timeout, 3 hours, covers about 54,000 customers at half the default 10 requests
//! per second. The response holds the client secret itself; its decoder never keeps it (see
//! [`decode`]).

use std::sync::Arc;
use std::time::Duration;

use crate::api::lenient::{Decoded, ShapeError};
use crate::collect::directory::Listed;
use crate::collect::per_customer::{PerCustomer, Source};
use crate::collect::{Defaults, Kind};
use crate::exposition::snapshot::Samples;
use decode::decode;
use model::CustomerDetails;
use render::{FAMILIES, render};

mod decode;
pub(super) mod demo;
mod model;
mod render;

/// One customer, `{base_url}/api/v3/customer/{id}`, with [`QUERY`]: the id becomes one path
/// segment, escaped.
pub(crate) const fn path(customer_id: &str) -> [&str; 4] {
    ["api", "v3", "customer", customer_id]
}

/// With the SIP connections (site locations), which the customer's details are fetched for.
pub(crate) const QUERY: &[(&str, &str)] = &[("allDetails", "true")];

pub(crate) const KIND: Kind = Kind {
    name: "customer_details",
    families: &FAMILIES,
    items: "customers with details",
    defaults: Defaults::Own {
        interval: Duration::from_secs(6 * 60 * 60),
        // Like license_info's: a run paced by the platform's shared request rate must not be cut
        // short on a large platform; 3 hours covers about 100,000 customers at the default rate.
        timeout: Duration::from_secs(3 * 60 * 60),
    },
    build: |context| Box::new(PerCustomer::<Details>::new(context)),
    options: None,
};

/// Each customer's details.
struct Details;

impl Source for Details {
    type Value = CustomerDetails;

    const NAME: &'static str = KIND.name;

    const QUERY: &'static [(&'static str, &'static str)] = QUERY;

    fn path(customer_id: &str) -> impl AsRef<[&str]> + Send {
        path(customer_id)
    }

    fn decode(body: &[u8]) -> Result<Decoded<CustomerDetails>, ShapeError> {
        decode(body)
    }

    fn render<'a>(
        platform_label: &[u8],
        customers: impl Iterator<Item = (&'a Listed, &'a CustomerDetails)>,
    ) -> Arc<[Samples]> {
        let items = customers.map(|(listed, details)| (listed.labels.as_ref(), details));
        render(platform_label, items).map(Samples::encode).into()
    }
}
