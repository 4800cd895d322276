//! Every data source of the exporter, one folder each: its request, the decoding of the
//! answer, its model, its metric families and their rendering, its endpoint on the demo
//! platform, and their unit tests. [`KINDS`] lists them for the wiring (`app.rs`), which hands
//! the list to the machinery in `collect/`; [`DEMOS`] lists their demo endpoints for `demo/`.

mod customer_details;
pub(crate) mod customers;
pub(crate) mod license_info;
mod number_removal;
pub(crate) mod oc_numbers;
mod services;

use crate::collect::Kind;
use crate::demo::Endpoint;

/// Registers each collector once, by its folder: its `KIND` in [`KINDS`] and its
/// `demo::ENDPOINT` in [`DEMOS`], in the same order.
macro_rules! register {
    ($($collector:ident),+ $(,)?) => {
        /// Every collector the exporter has, in the order their families appear on `/metrics`.
        pub(crate) const KINDS: &[&Kind] = &[$(&$collector::KIND),+];
        /// Every collector's endpoint on the demo platform.
        pub(crate) const DEMOS: &[&Endpoint] = &[$(&$collector::demo::ENDPOINT),+];
    };
}

register! {
    customers,
    number_removal,
    license_info,
    customer_details,
    services,
    oc_numbers,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_unique_name_and_families_of_its_own() {
        let mut names: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), KINDS.len());
        let mut families: Vec<&str> = KINDS
            .iter()
            .flat_map(|k| k.families.iter().map(|f| f.name))
            .collect();
        let all = families.len();
        families.sort_unstable();
        families.dedup();
        assert_eq!(families.len(), all, "no family is published by two kinds");
    }

    #[test]
    fn each_demo_endpoint_is_its_own_collectors() {
        let kinds: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
        let demos: Vec<&str> = DEMOS.iter().map(|d| d.collector).collect();
        assert_eq!(demos, kinds);
    }
}
