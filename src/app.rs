//! Wiring: the collectors of every platform feeding the snapshots that the HTTP server exposes, and an
//! orderly stop when asked.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::api::client::{ApiClient, ClientError};
use crate::collect::scheduler::Scheduler;
use crate::collect::{self, Context, PlanError, Planned};
use crate::config::secret::SecretSource;
use crate::config::{AuthConfig, Config, PlatformConfig};
use crate::exposition::exporter_metrics::ExporterMetrics;
use crate::exposition::{Encoding, Exposition};
use crate::web::auth::WebGuard;
use crate::web::listener::{self, Limits};
use crate::web::reload::{WebConfigWatch, WebLoadError};
use crate::web::router;

/// How long in-flight scrapes may take to finish once a stop was requested.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("platform {platform}: cannot set up the HTTP client: {source}")]
    Client {
        platform: String,
        source: ClientError,
    },
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    WebConfig(#[from] WebLoadError),
    #[error("HTTP server failed: {0}")]
    Serve(std::io::Error),
}

/// The collectors' schedulers and the shared state they publish into, before anything runs.
struct Pipeline {
    exposition: Arc<Exposition>,
    schedulers: Vec<Scheduler>,
}

fn pipeline(platforms: &[PlatformConfig]) -> Result<Pipeline, AppError> {
    let metrics = Arc::new(ExporterMetrics::new());
    let mut slots = Vec::new();
    let mut schedulers = Vec::new();
    for (index, platform) in platforms.iter().enumerate() {
        let planned = collect::plan(platform, index)?;
        if platform.base_url.scheme() == "http" && !is_loopback(&platform.base_url) {
            tracing::warn!(
                platform = %platform.name,
                "base_url is plain http://: credentials and customer data travel unencrypted"
            );
        }
        warn_about_exposure(platform);
        let client = ApiClient::new(platform).map_err(|source| AppError::Client {
            platform: platform.name.clone(),
            source,
        })?;
        let client = Arc::new(client);
        for Planned { kind, settings } in planned {
            let slot = Arc::new(kind.slot(&platform.name, settings.stale_after));
            let context = Context {
                platform: platform.name.clone(),
                client: client.clone(),
                metrics: metrics.clone(),
            };
            let build = Box::new(move || (kind.build)(context.clone()));
            let health = metrics.collector(&platform.name, kind.name, &settings);
            schedulers.push(Scheduler::new(slot.clone(), build, health, settings));
            slots.push(slot);
        }
    }
    Ok(Pipeline {
        exposition: Arc::new(Exposition::new(slots, metrics)),
        schedulers,
    })
}

/// Settings that work but weaken security, logged at every start so that they are not forgotten.
fn warn_about_exposure(platform: &PlatformConfig) {
    if platform.tls.insecure_skip_verify {
        tracing::warn!(
            platform = %platform.name,
            "tls.insecure_skip_verify is set: the API's certificate is not checked, so anyone on \
             the path can read the credentials and the customer data"
        );
    }
    let secret: Option<&SecretSource> = match &platform.auth {
        AuthConfig::None => None,
        AuthConfig::Bearer { token } => Some(token),
        AuthConfig::OAuth2(oauth) => Some(&oauth.client_secret),
    };
    if let Some(warning) = secret.and_then(SecretSource::exposure) {
        tracing::warn!(platform = %platform.name, "{warning}");
    }
}

/// The web configuration file, if any, loaded and checked: TLS material included.
fn web_config(config: &Config) -> Result<WebConfigWatch, WebLoadError> {
    match &config.server.web_config_file {
        Some(path) => WebConfigWatch::load(path),
        None => Ok(WebConfigWatch::none()),
    }
}

/// Everything start-up checks short of binding the port: the HTTP clients (with their TLS
/// files) and the web configuration. For `--check-config`.
pub fn check(config: &Config) -> Result<(), AppError> {
    pipeline(&config.platforms)?;
    web_config(config)?;
    Ok(())
}

/// Plain http to loopback (the demo, a local tunnel) exposes nothing on the wire.
fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host_str() {
        Some("localhost") => true,
        Some(host) => host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

pub struct App {
    listener: TcpListener,
    pipeline: Pipeline,
    web: Arc<WebConfigWatch>,
    server: crate::config::ServerConfig,
}

impl App {
    /// Sets everything up and binds the listen address, so that a port conflict stops start-up
    /// before any poll is made.
    pub async fn bind(config: &Config) -> Result<Self, AppError> {
        let pipeline = pipeline(&config.platforms)?;
        let web = Arc::new(web_config(config)?);
        let addr = config.server.listen;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| AppError::Bind { addr, source })?;
        Ok(Self {
            listener,
            pipeline,
            web,
            server: config.server.clone(),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound TCP listener has an address")
    }

    /// Serves until `shutdown` is cancelled, then stops polling, lets in-flight responses finish
    /// (for at most [`SHUTDOWN_GRACE`]) and returns.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), AppError> {
        let Pipeline {
            exposition,
            schedulers,
        } = self.pipeline;
        let mut tasks = JoinSet::new();
        for scheduler in schedulers {
            tasks.spawn(scheduler.run(shutdown.clone()));
        }
        let guard = Arc::new(WebGuard::new(self.web.clone()));
        let router = router::router(exposition, guard, self.server.request_timeout);
        let limits = Limits {
            header_read_timeout: self.server.header_read_timeout,
            max_connections: self.server.max_connections,
            shutdown_grace: SHUTDOWN_GRACE,
        };
        let result = tokio::spawn(listener::serve(
            self.listener,
            router,
            self.web,
            limits,
            shutdown.clone(),
        ))
        .await;
        shutdown.cancel();
        tasks.shutdown().await;
        // The server task never panics by design; if it did, say so rather than hide it.
        result.map_err(|join| AppError::Serve(std::io::Error::other(join)))
    }
}

/// Runs every collector of every platform once, concurrently, and returns the exposition and
/// whether every run succeeded: `--once`, for checking credentials and output by hand.
pub async fn poll_once(platforms: &[PlatformConfig]) -> Result<(Vec<u8>, bool), AppError> {
    let Pipeline {
        exposition,
        schedulers,
    } = pipeline(platforms)?;
    let mut tasks = JoinSet::new();
    for mut scheduler in schedulers {
        tasks.spawn(async move { scheduler.run_once().await.is_ok() });
    }
    let all_ok = tasks.join_all().await.into_iter().all(|ok| ok);
    Ok((
        exposition
            .render(Instant::now(), Encoding::Identity)
            .to_vec(),
        all_ok,
    ))
}
