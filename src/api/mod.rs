//! The Live Platform API: the HTTP client with its credentials, the decoders of response bodies
//! (customer list, license information, customer details, number removal),
//! and a mock platform for `--demo` and the tests.

mod auth;
pub(crate) mod client;
pub(crate) mod customer_details;
pub(crate) mod decode;
pub(crate) mod http;
pub(crate) mod lenient;
pub(crate) mod license_info;
mod limit;
pub(crate) mod mock;
pub(crate) mod removal;
