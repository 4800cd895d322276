//! The collector `license_info`: `GET {base_url}/api/v3/customer/{id}/licenseinfo?nrOfMonths=1`
//! for every customer of the platform's latest good customer list, published per customer (with
//! the customer list's labels) and summed per license type. The fan-out, and what one customer's
//! failure, a 404 or a customer leaving the list do, are
//! [`per_customer`](crate::collect::per_customer)'s.
//!
//! The vendor computes the figures about daily, and a run makes one request per customer: the
//! default interval is an hour. The default timeout, 45 minutes, covers about 27,000 customers at
//! the default 10 requests per second; larger platforms raise `timeout` or
//! `max_requests_per_second`.

use std::sync::Arc;
use std::time::Duration;

use crate::api::lenient::{Decoded, ShapeError};
use crate::collect::directory::Listed;
use crate::collect::per_customer::{PerCustomer, Source};
use crate::collect::{Defaults, Kind};
use crate::exposition::snapshot::Samples;
use decode::decode;
use model::LicenseInfo;
use render::{FAMILIES, render};

mod decode;
pub(super) mod demo;
pub(crate) mod history;
mod model;
mod render;

/// A customer's license information, `{base_url}/api/v3/customer/{id}/licenseinfo`, with
/// [`QUERY`]: the id becomes one path segment, escaped.
pub(crate) const fn path(customer_id: &str) -> [&str; 5] {
    ["api", "v3", "customer", customer_id, "licenseinfo"]
}

/// One month: the shortest history the endpoint offers, of which only the latest record is used.
pub(crate) const QUERY: &[(&str, &str)] = &[("nrOfMonths", "1")];

pub(crate) const KIND: Kind = Kind {
    name: "license_info",
    families: &FAMILIES,
    items: "customers with license information",
    defaults: Defaults::Own {
        interval: Duration::from_secs(60 * 60),
        // A run is one request per customer at the platform's shared pace: three quarters of
        // the interval covers about 27,000 customers at the default 10 requests per second.
        timeout: Duration::from_secs(45 * 60),
    },
    build: |context| Box::new(PerCustomer::<LicenseInfos>::new(context)),
    options: None,
};

/// Each customer's latest license information record.
struct LicenseInfos;

impl Source for LicenseInfos {
    type Value = LicenseInfo;

    const NAME: &'static str = KIND.name;

    const QUERY: &'static [(&'static str, &'static str)] = QUERY;

    fn path(customer_id: &str) -> impl AsRef<[&str]> + Send {
        path(customer_id)
    }

    fn decode(body: &[u8]) -> Result<Decoded<LicenseInfo>, ShapeError> {
        decode(body)
    }

    fn render<'a>(
        platform_label: &[u8],
        customers: impl Iterator<Item = (&'a Listed, &'a LicenseInfo)>,
    ) -> Arc<[Samples]> {
        let items =
            customers.map(|(listed, info)| (listed.labels.as_ref(), listed.license_type, info));
        render(platform_label, items).map(Samples::encode).into()
    }
}
