//! Command line: what to run (serve, `--once`, `--check-config`, `--demo`, `healthcheck`) and its
//! exit code.

pub(crate) mod healthcheck;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use crate::app::{self, App, AppError, Reloader};
use crate::config::{Config, ConfigError};
use crate::demo::{self, DemoPlatform};
use crate::telemetry;

/// The demo's data never changes, so a short interval only shows the poll loop at work.
const DEMO_POLL_INTERVAL: Duration = Duration::from_secs(15);

#[derive(Debug, Parser)]
#[command(
    version,
    about = "Prometheus exporter for AudioCodes Live Platform customer licenses",
    // The flags configure the server; given with a subcommand they would be silently ignored.
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Configuration file (TOML).
    #[arg(long, value_name = "PATH", default_value = "config.toml")]
    pub config: PathBuf,
    /// Poll every platform once, print the metrics to stdout and exit (non-zero if a poll failed).
    #[arg(long)]
    pub once: bool,
    /// Validate the configuration and exit.
    #[arg(long)]
    pub check_config: bool,
    /// Run against a built-in mock Live Platform serving sample data; no account or config needed.
    #[arg(long)]
    pub demo: bool,
    /// Address to listen on, overriding server.listen.
    #[arg(long = "web.listen-address", value_name = "ADDR")]
    pub listen_address: Option<SocketAddr>,
    /// Web configuration file (exporter-toolkit format: TLS, basic auth, headers), overriding
    /// server.web_config_file.
    #[arg(long = "web.config.file", value_name = "PATH")]
    pub web_config_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Exit 0 if a running exporter answers 200 on /-/healthy, else 1 (for container health
    /// checks: the image has no curl).
    Healthcheck(healthcheck::Args),
}

#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    App(#[from] AppError),
    #[error("cannot start the demo Live Platform: {0}")]
    Demo(std::io::Error),
    #[error("cannot write the metrics to stdout: {0}")]
    Stdout(std::io::Error),
}

pub async fn run(cli: Cli) -> ExitCode {
    if let Some(Command::Healthcheck(args)) = &cli.command {
        return healthcheck::run(args).await;
    }
    match execute(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("liveplatform-exporter: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The configuration file under the environment's overrides, then the command line's.
fn load(cli: &Cli) -> Result<Config, ConfigError> {
    let mut config = Config::load(&cli.config, std::env::vars())?;
    cli.override_server(&mut config);
    Ok(config)
}

impl Cli {
    fn override_server(&self, config: &mut Config) {
        if let Some(addr) = self.listen_address {
            config.server.listen = addr;
        }
        if let Some(path) = &self.web_config_file {
            config.server.web_config_file = Some(path.clone());
        }
    }
}

async fn execute(cli: Cli) -> Result<ExitCode, CliError> {
    // Taken over before anything else: until a handler exists, SIGHUP's default action is to
    // end the process.
    #[cfg(unix)]
    let hangups = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup());
    // The mock lives as long as this function: dropping it stops the demo platform.
    let (config, _demo) = if cli.demo {
        let mock = DemoPlatform::start(demo::SEED_CUSTOMERS)
            .await
            .map_err(CliError::Demo)?;
        let mut platform = mock.platform_config("demo");
        platform.poll_interval = DEMO_POLL_INTERVAL;
        platform.stale_after = DEMO_POLL_INTERVAL * 3;
        let mut config = Config::with_platforms(vec![platform]);
        cli.override_server(&mut config);
        (config, Some(mock))
    } else {
        (load(&cli)?, None)
    };
    if cli.check_config {
        app::check(&config)?;
        println!(
            "configuration is valid: {} platform(s), listening on {}",
            config.platforms.len(),
            config.server.listen
        );
        return Ok(ExitCode::SUCCESS);
    }
    telemetry::init(&config.log);

    if cli.once {
        let (exposition, all_ok) = app::poll_once(&config.platforms).await?;
        std::io::stdout()
            .write_all(&exposition)
            .map_err(CliError::Stdout)?;
        return Ok(if all_ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }

    let app = App::bind(&config).await?;
    tracing::info!(
        address = %app.local_addr(),
        platforms = config.platforms.len(),
        version = env!("CARGO_PKG_VERSION"),
        "exporter listening"
    );
    let shutdown = CancellationToken::new();
    tokio::spawn(stop_on_signal(shutdown.clone()));
    #[cfg(unix)]
    match hangups {
        Ok(hangups) => {
            tokio::spawn(reload_on_hangup(hangups, app.reloader(), cli));
        }
        Err(e) => tracing::error!(error = %e, "cannot listen for SIGHUP; reloads need a restart"),
    }
    app.run(shutdown).await?;
    tracing::info!("exporter stopped");
    Ok(ExitCode::SUCCESS)
}

/// SIGHUP reloads the configuration file, as Prometheus and Alertmanager do. The app logs and
/// counts the outcome; a refused file leaves the running configuration in place.
#[cfg(unix)]
async fn reload_on_hangup(mut hangups: tokio::signal::unix::Signal, reloader: Reloader, cli: Cli) {
    while hangups.recv().await.is_some() {
        if cli.demo {
            tracing::info!("SIGHUP: the demo has no configuration file to reload");
            continue;
        }
        tracing::info!(file = %cli.config.display(), "SIGHUP: reloading the configuration");
        // The app logs and counts the outcome, a refusal included.
        let _ = reloader.reload(load(&cli)).await;
    }
}

/// SIGINT (Ctrl-C) or SIGTERM (docker stop, systemd, Kubernetes) start a graceful stop.
async fn stop_on_signal(shutdown: CancellationToken) {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
    tracing::info!("stop requested; finishing in-flight requests");
    shutdown.cancel();
}
