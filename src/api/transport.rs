//! The HTTP clients platforms send through, shared where their connection settings are the
//! same.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;

use crate::api::error::ClientError;
use crate::config::pem;
use crate::config::{ClientTlsConfig, PlatformConfig};

/// How long a connection is kept open with no request on it. A run's requests follow each other
/// closely (a fan-out starts at least one a second), while runs are minutes apart: a connection
/// kept until the next run (reqwest keeps one 90 s by default) serves no request, yet holds its
/// buffers and TLS state, tens of kilobytes, for each platform of a thousand.
pub(crate) const IDLE_CONNECTION_TIMEOUT: Duration = Duration::from_secs(2);

/// The HTTP clients of platforms: one for the API, one for the token endpoint. A client carries
/// its own TLS configuration, with the built-in roots copied into a store of its own (tens of
/// kilobytes), and its own connection pool: platforms whose connection settings are the same
/// share one [`Transport`] (see [`Transports`]). Connections stay per host, so platforms on
/// different servers share no connection; their limits, pauses, credentials and request timeouts
/// are their [`ApiClient`](crate::api::client::ApiClient)'s own.
#[derive(Clone)]
pub(crate) struct Transport(Arc<Clients>);

struct Clients {
    api: reqwest::Client,
    token: reqwest::Client,
}

impl Transport {
    /// The client for API requests.
    pub(crate) fn api(&self) -> &reqwest::Client {
        &self.0.api
    }

    /// The client for token requests, which follows no redirect.
    pub(crate) fn token(&self) -> &reqwest::Client {
        &self.0.token
    }

    fn new(config: &PlatformConfig) -> Result<Self, ClientError> {
        // API requests keep the default redirect policy: it follows at most 10 and drops
        // Authorization (and cookies) whenever a redirect leaves the original host and port.
        let api = builder(config)?.build().map_err(ClientError::Build)?;
        // A token request carries the client secret in its body, which a 307 or 308 would send
        // on to wherever it points: token requests follow no redirect at all.
        let token = builder(config)?
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(ClientError::Build)?;
        Ok(Self(Arc::new(Clients { api, token })))
    }

    /// Whether `self` and `other` are one transport, not two alike.
    #[cfg(test)]
    pub(crate) fn is(&self, other: &Transport) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// What sets a platform's [`Transport`] apart: the settings [`builder`] reads, and nothing else.
#[derive(PartialEq, Eq, Hash)]
struct TransportKey {
    connect_timeout: Duration,
    tls: ClientTlsConfig,
    proxy_url: Option<Url>,
}

impl TransportKey {
    fn of(config: &PlatformConfig) -> Self {
        Self {
            connect_timeout: config.timeout,
            tls: config.tls.clone(),
            proxy_url: config.proxy_url.clone(),
        }
    }
}

/// Builds each distinct [`Transport`] once, for the platforms of one configuration: those with
/// the same connect timeout, TLS settings (files named alike are read once) and proxy share it.
#[derive(Default)]
pub(crate) struct Transports(HashMap<TransportKey, Transport>);

impl Transports {
    /// The transport of `config`'s connection settings, built on first use.
    pub(crate) fn get(&mut self, config: &PlatformConfig) -> Result<Transport, ClientError> {
        match self.0.entry(TransportKey::of(config)) {
            Entry::Occupied(known) => Ok(known.get().clone()),
            Entry::Vacant(new) => Ok(new.insert(Transport::new(config)?).clone()),
        }
    }
}

/// Extra roots, client certificate and the verification switch of `[platforms.tls]`.
fn with_tls(
    mut builder: reqwest::ClientBuilder,
    config: &ClientTlsConfig,
) -> Result<reqwest::ClientBuilder, ClientError> {
    if let Some(ca_file) = &config.ca_file {
        let roots = pem::read_certificates(ca_file).map_err(|source| ClientError::Tls {
            key: "tls.ca_file",
            source,
        })?;
        for root in roots {
            let root = reqwest::Certificate::from_der(&root).map_err(ClientError::Build)?;
            builder = builder.add_root_certificate(root);
        }
    }
    if let Some(client) = &config.client_cert {
        // reqwest takes the chain and the key as one PEM text.
        let read = |key, path: &std::path::Path| {
            std::fs::read(path).map_err(|source| ClientError::Read {
                key,
                path: path.to_owned(),
                source,
            })
        };
        let mut pem = read("tls.cert_file", &client.cert_file)?;
        pem.push(b'\n');
        pem.extend(read("tls.key_file", &client.key_file)?);
        let identity = reqwest::Identity::from_pem(&pem).map_err(ClientError::Build)?;
        builder = builder.identity(identity);
    }
    Ok(builder.danger_accept_invalid_certs(config.insecure_skip_verify))
}

/// The platform's connection settings: user agent, connect timeout, TLS and proxy; and how long
/// an idle connection is kept.
fn builder(config: &PlatformConfig) -> Result<reqwest::ClientBuilder, ClientError> {
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("liveplatform-exporter/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(config.timeout)
        .pool_idle_timeout(IDLE_CONNECTION_TIMEOUT);
    builder = with_tls(builder, &config.tls)?;
    if let Some(proxy) = &config.proxy_url {
        // An explicit proxy comes before the environment's, which reqwest reads by itself.
        builder = builder.proxy(reqwest::Proxy::all(proxy.clone()).map_err(ClientError::Build)?);
    }
    Ok(builder)
}
