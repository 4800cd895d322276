//! Wiring: the collectors of every platform feeding the snapshots that the HTTP server exposes, and an
//! orderly stop when asked.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use tokio::sync::{mpsc, oneshot};

use crate::collect::supervisor::{self, PreparedPlatform, SetupError, Supervisor};
use crate::config::secret::SecretSource;
use crate::config::{AuthConfig, Config, ConfigError, PlatformConfig};
use crate::exposition::exporter_metrics::ExporterMetrics;
use crate::exposition::{Encoding, Exposition};
use crate::web::auth::WebGuard;
use crate::web::listener::{self, Limits};
use crate::web::reload::{WebConfigWatch, WebLoadError};
use crate::web::router::{self, ReloadHook};

/// How long in-flight scrapes may take to finish once a stop was requested.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Setup(#[from] SetupError),
    #[error(transparent)]
    WebConfig(#[from] WebLoadError),
    #[error("HTTP server failed: {0}")]
    Serve(std::io::Error),
}

/// Checks the platforms and makes their clients and plans, logging what weakens security.
fn prepare(
    platforms: &[PlatformConfig],
    current: Option<&Supervisor>,
) -> Result<Vec<PreparedPlatform>, AppError> {
    let prepared = supervisor::prepare(crate::collectors::KINDS, platforms, current)?;
    for (platform, warning) in security_warnings(platforms) {
        tracing::warn!(platform, "{warning}");
    }
    Ok(prepared)
}

/// Settings that work but weaken security, by platform: logged at every start so that they are
/// not forgotten, and printed by `--check-config`.
fn security_warnings(platforms: &[PlatformConfig]) -> Vec<(String, String)> {
    let mut warnings = Vec::new();
    for platform in platforms {
        let mut warn = |warning: String| warnings.push((platform.name.clone(), warning));
        if platform.base_url.scheme() == "http" && !is_loopback(&platform.base_url) {
            warn(
                "base_url is plain http://: credentials and customer data travel unencrypted"
                    .into(),
            );
        }
        if platform.tls.insecure_skip_verify {
            warn(
                "tls.insecure_skip_verify is set: the API's certificate is not checked, so anyone \
                 on the path can read the credentials and the customer data"
                    .into(),
            );
        }
        let secret: Option<&SecretSource> = match &platform.auth {
            AuthConfig::None => None,
            AuthConfig::Bearer { token } => Some(token),
            AuthConfig::OAuth2(oauth) => Some(&oauth.client_secret),
        };
        if let Some(warning) = secret.and_then(SecretSource::exposure) {
            warn(warning);
        }
    }
    warnings
}

/// The web configuration file, if any, loaded and checked: TLS material included.
fn web_config(config: &Config) -> Result<WebConfigWatch, WebLoadError> {
    match &config.server.web_config_file {
        Some(path) => WebConfigWatch::load(path),
        None => Ok(WebConfigWatch::none()),
    }
}

/// Checks `config` as start-up would, short of binding the port: the collectors' plans, the
/// HTTP clients (with their TLS files) and the web configuration. For `--check-config`: what
/// weakens security comes back, by platform, as start-up logs it.
pub(crate) fn check(config: &Config) -> Result<Vec<(String, String)>, AppError> {
    supervisor::prepare(crate::collectors::KINDS, &config.platforms, None)?;
    web_config(config)?;
    Ok(security_warnings(&config.platforms))
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
    platforms: Vec<PreparedPlatform>,
    web: Arc<WebConfigWatch>,
    config: Config,
    reloads: mpsc::Receiver<ReloadRequest>,
    reloader: Reloader,
    /// `POST /-/reload`'s action, when `--web.enable-lifecycle` asked for the endpoint.
    lifecycle: Option<ReloadHook>,
}

/// Why a configuration reload was refused; the running configuration stays.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    App(#[from] AppError),
    #[error("the exporter is stopping")]
    Stopped,
}

struct ReloadRequest {
    config: Result<Config, ConfigError>,
    done: oneshot::Sender<Result<(), ReloadError>>,
}

/// Asks a running [`App`] to switch to a new configuration (what SIGHUP does).
#[derive(Clone)]
pub struct Reloader(mpsc::Sender<ReloadRequest>);

impl Reloader {
    /// Applies `config`, or refuses it (a load error included, so that the refusal is counted
    /// and logged like any other) and keeps the running one.
    pub async fn reload(&self, config: Result<Config, ConfigError>) -> Result<(), ReloadError> {
        let (done, outcome) = oneshot::channel();
        self.0
            .send(ReloadRequest { config, done })
            .await
            .map_err(|_| ReloadError::Stopped)?;
        outcome.await.unwrap_or(Err(ReloadError::Stopped))
    }
}

impl App {
    /// Sets everything up and binds the listen address, so that a port conflict stops start-up
    /// before any poll is made.
    pub async fn bind(config: &Config) -> Result<Self, AppError> {
        let platforms = prepare(&config.platforms, None)?;
        let web = Arc::new(web_config(config)?);
        let addr = config.server.listen;
        let listener = listener::bind(addr).map_err(|source| AppError::Bind { addr, source })?;
        // One reload at a time: a second SIGHUP waits for the first to be applied.
        let (sender, reloads) = mpsc::channel(1);
        Ok(Self {
            listener,
            platforms,
            web,
            config: config.clone(),
            reloads,
            reloader: Reloader(sender),
            lifecycle: None,
        })
    }

    /// Serves `POST /-/reload`, running `hook` (which reloads through [`App::reloader`], as
    /// SIGHUP does). Without this call the path does not exist.
    pub fn enable_lifecycle(&mut self, hook: ReloadHook) {
        self.lifecycle = Some(hook);
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound TCP listener has an address")
    }

    /// The handle that reloads this app's configuration once it runs.
    pub fn reloader(&self) -> Reloader {
        self.reloader.clone()
    }

    /// Serves until `shutdown` is cancelled, then stops polling, lets in-flight responses finish
    /// (for at most `SHUTDOWN_GRACE`) and returns. Reloads are applied as they come.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), AppError> {
        let App {
            listener,
            platforms,
            web,
            mut config,
            mut reloads,
            reloader,
            lifecycle,
        } = self;
        // Kept only so that the channel stays open while the app runs.
        drop(reloader);
        let exposition = Arc::new(Exposition::new(
            Vec::new(),
            Arc::new(ExporterMetrics::new()),
        ));
        let mut collectors = Supervisor::new(exposition.clone(), shutdown.clone());
        collectors.apply(platforms).await;
        let guard = Arc::new(WebGuard::new(web.clone()));
        let router = router::router(exposition, guard, config.server.request_timeout, lifecycle);
        let limits = Limits {
            header_read_timeout: config.server.header_read_timeout,
            max_connections: config.server.max_connections,
            write_timeout: config.server.write_timeout,
            shutdown_grace: SHUTDOWN_GRACE,
        };
        let mut server = tokio::spawn(listener::serve(
            listener,
            router,
            web,
            limits,
            shutdown.clone(),
        ));
        let result = loop {
            tokio::select! {
                result = &mut server => break result,
                Some(request) = reloads.recv() => {
                    let outcome = reload(&mut collectors, &mut config, request.config).await;
                    let _ = request.done.send(outcome);
                }
            }
        };
        shutdown.cancel();
        collectors.stop().await;
        // The server task never panics by design; if it did, say so rather than hide it.
        result.map_err(|join| AppError::Serve(std::io::Error::other(join)))
    }
}

/// Switches `collectors` to `next`, or refuses it; counts and logs the outcome either way.
async fn reload(
    collectors: &mut Supervisor,
    running: &mut Config,
    next: Result<Config, ConfigError>,
) -> Result<(), ReloadError> {
    let outcome = match next {
        Err(e) => Err(ReloadError::Config(e)),
        Ok(next) => match prepare(&next.platforms, Some(collectors)) {
            Err(e) => Err(ReloadError::App(e)),
            Ok(platforms) => {
                collectors.apply(platforms).await;
                // The listener, its limits, the web configuration file's path and logging are
                // set up once: changing them takes a restart (the web file itself is re-read
                // whenever it changes).
                if next.server != running.server || next.log != running.log {
                    tracing::warn!(
                        "[server] and [log] settings changed; they take effect at the next restart"
                    );
                }
                *running = next;
                Ok(())
            }
        },
    };
    collectors.metrics().config_reloaded(outcome.is_ok());
    match &outcome {
        Ok(()) => tracing::info!(
            platforms = running.platforms.len(),
            "configuration reloaded"
        ),
        Err(e) => tracing::error!(
            error = %e,
            "configuration reload refused; the running configuration stays"
        ),
    }
    outcome
}

/// Runs every collector of every platform once, concurrently, and returns the exposition and
/// whether every run succeeded: `--once`, for checking credentials and output by hand.
pub async fn poll_once(platforms: &[PlatformConfig]) -> Result<(Vec<u8>, bool), AppError> {
    let metrics = Arc::new(ExporterMetrics::new());
    let (slots, schedulers) = supervisor::schedulers(&metrics, &prepare(platforms, None)?);
    let exposition = Exposition::new(slots, metrics);
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
