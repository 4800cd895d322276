//! Collectors: each fetches its data source on its own schedule and publishes into its
//! platform's snapshot.

mod background;
mod blocks;
pub(crate) mod customers;
