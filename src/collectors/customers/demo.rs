//! The customer list of the demo platform: the body it was started with, or a test's.

use bytes::Bytes;

use crate::demo::{Answer, DemoPlatform, Endpoint};

pub(crate) const ENDPOINT: Endpoint = Endpoint {
    collector: super::KIND.name,
    path: super::PATH,
    answer: |seed, _| Answer::bytes(seed.list.clone()),
};

impl DemoPlatform {
    /// Replaces the customer list served from now on.
    pub fn set_customers(&self, body: impl Into<Bytes>) {
        self.set_answer(super::KIND.name, None, 200, body.into());
    }

    /// Requests the customer list received, authorized or not.
    pub fn customer_requests(&self) -> u64 {
        self.requests(super::KIND.name)
    }
}
