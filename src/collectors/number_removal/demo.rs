//! The number-removal summary of the demo platform.

use bytes::Bytes;

use crate::demo::{Answer, DemoPlatform, Endpoint};

/// Numbers waiting for removal on the demo platform: some ready, so that the alert on them has
/// something to show.
const SUMMARY: &str = r#"{"markedForRemovalCount": 4, "readyForRemovalCount": 2, "totalCount": 6}"#;

pub(crate) const ENDPOINT: Endpoint = Endpoint {
    collector: super::KIND.name,
    path: super::PATH,
    answer: |_, _| Answer::bytes(Bytes::from_static(SUMMARY.as_bytes())),
};

impl DemoPlatform {
    /// Replaces the number-removal summary served from now on.
    pub fn set_removal_summary(&self, body: impl Into<Bytes>) {
        self.set_answer(super::KIND.name, None, 200, body.into());
    }
}
