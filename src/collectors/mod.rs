//! Every data source of the exporter, one folder (or file) each: its request, the decoding of
//! the answer, its model, its metric families and their rendering, and their unit tests.
//! [`KINDS`] registers them; the machinery in `collect/` runs whatever it lists.

pub(crate) mod customer_details;
pub(crate) mod customers;
pub(crate) mod license_info;
pub(crate) mod number_removal;
pub(crate) mod services;

use crate::collect::Kind;

/// Every collector the exporter has, in the order their families appear on `/metrics`.
pub(crate) const KINDS: [&Kind; 5] = [
    &customers::KIND,
    &number_removal::KIND,
    &license_info::KIND,
    &customer_details::KIND,
    &services::KIND,
];

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
}
