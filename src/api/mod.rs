//! The Live Platform HTTP transport every collector shares: the client with its credentials
//! (OAuth2), the platform's request limiter and pause after a 429, bounded bodies, and the
//! lenient decoding helpers. What a collector requests and how it reads the answer is its own,
//! in `collectors/`.

mod any_case;
mod auth;
pub(crate) mod client;
pub(crate) mod error;
pub(crate) mod http;
pub(crate) mod lenient;
mod limit;
pub(crate) mod transport;
