//! Command line: what to run (serve, `--once`, `--check-config`, `--demo`, `--backfill.months`,
//! `healthcheck`) and its exit code. Flags are spelt as in Prometheus and its exporters (`--config.file`, `--log.level`,
//! `--log.format`, `--web.enable-lifecycle`), so that an operator's habits carry over.

pub(crate) mod healthcheck;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use tokio_util::sync::CancellationToken;

use crate::app::{self, App, AppError, Reloader};
use crate::backfill::{self, BackfillError};
use crate::config::{self, Config, ConfigError, LogFormat};
use crate::demo::{self, DemoPlatform};
use crate::telemetry;

/// The demo's data never changes, so a short interval only shows the poll loop at work.
const DEMO_POLL_INTERVAL: Duration = Duration::from_secs(15);

/// `--version`, laid out as Prometheus prints its own (`prometheus, version 3.5.0 (branch: ...,
/// revision: ...)` and indented fields), so that what reads one reads the other: what was built,
/// from which commit, when, and with which compiler, for a bug report or an inventory. build.rs
/// provides the values.
const VERSION_TEXT: &str = concat!(
    env!("CARGO_PKG_NAME"),
    ", version ",
    env!("CARGO_PKG_VERSION"),
    " (branch: ",
    env!("LIVEPLATFORM_EXPORTER_BRANCH"),
    ", revision: ",
    env!("LIVEPLATFORM_EXPORTER_REVISION"),
    ")\n  build date:       ",
    env!("LIVEPLATFORM_EXPORTER_BUILD_DATE"),
    "\n  rustc version:    ",
    env!("LIVEPLATFORM_EXPORTER_RUSTC_VERSION"),
    "\n  platform:         ",
    env!("LIVEPLATFORM_EXPORTER_TARGET"),
    "\n",
);

#[derive(Debug, Parser)]
#[command(
    about = "Prometheus exporter for AudioCodes Live Platform customer licenses",
    // The flags configure the server; given with a subcommand they would be silently ignored.
    args_conflicts_with_subcommands = true,
    // clap would print "<name> <version>"; --version is ours, in Prometheus' layout.
    disable_version_flag = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Print the version, the git branch and revision, the build date and the rustc version.
    #[arg(short = 'V', long)]
    pub version: bool,
    /// Configuration file (TOML). `--config`, its former name, still works.
    #[arg(
        long = "config.file",
        alias = "config",
        value_name = "PATH",
        default_value = "config.toml"
    )]
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
    /// Serve POST /-/reload, which reloads the configuration file as SIGHUP does.
    #[arg(long = "web.enable-lifecycle")]
    pub enable_lifecycle: bool,
    /// Only log messages at this level or above, overriding log.level (RUST_LOG overrides both).
    #[arg(long = "log.level", value_name = "LEVEL", value_parser = ["debug", "info", "warn", "error"])]
    pub log_level: Option<String>,
    /// Log line format, overriding log.format (`text` in the file is logfmt).
    #[arg(long = "log.format", value_name = "FORMAT")]
    pub log_format: Option<LogFormatFlag>,
    #[command(flatten)]
    pub backfill: backfill::Args,
}

/// `--log.format`'s values, Prometheus' names for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormatFlag {
    Logfmt,
    Json,
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
    #[error(transparent)]
    Backfill(#[from] BackfillError),
}

pub async fn run(cli: Cli) -> ExitCode {
    if cli.version {
        print!("{VERSION_TEXT}");
        return ExitCode::SUCCESS;
    }
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
    cli.override_config(&mut config);
    Ok(config)
}

impl Cli {
    /// The flags that override keys of the file; applied at every load, reloads included, so that
    /// a reload never silently drops a flag.
    fn override_config(&self, config: &mut Config) {
        if let Some(addr) = self.listen_address {
            config.server.listen = addr;
        }
        if let Some(path) = &self.web_config_file {
            config.server.web_config_file = Some(path.clone());
        }
        if let Some(level) = &self.log_level {
            config.log.level.clone_from(level);
        }
        if let Some(format) = self.log_format {
            config.log.format = match format {
                LogFormatFlag::Logfmt => LogFormat::Text,
                LogFormatFlag::Json => LogFormat::Json,
            };
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
        platform.stale_after = config::default_stale_after(DEMO_POLL_INTERVAL);
        let mut config = Config::with_platforms(vec![platform]);
        cli.override_config(&mut config);
        (config, Some(mock))
    } else {
        (load(&cli)?, None)
    };
    if cli.check_config {
        for (platform, warning) in app::check(&config)? {
            eprintln!("warning: platform {platform}: {warning}");
        }
        println!(
            "configuration is valid: {} platform(s), listening on {}",
            config.platforms.len(),
            config.server.listen
        );
        return Ok(ExitCode::SUCCESS);
    }
    telemetry::init(&config.log);

    if let Some(months) = cli.backfill.months {
        let stop = CancellationToken::new();
        tokio::spawn(stop_on_signal(stop.clone()));
        return Ok(backfill::run(&config, months, &cli.backfill, stop).await?);
    }
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

    let mut app = App::bind(&config).await?;
    let cli = Arc::new(cli);
    if cli.enable_lifecycle {
        let (cli, reloader) = (cli.clone(), app.reloader());
        app.enable_lifecycle(Arc::new(move || {
            let (cli, reloader) = (cli.clone(), reloader.clone());
            Box::pin(async move { reload(&cli, &reloader, "POST /-/reload").await })
        }));
    }
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

/// SIGHUP reloads the configuration file, as Prometheus and Alertmanager do.
#[cfg(unix)]
async fn reload_on_hangup(
    mut hangups: tokio::signal::unix::Signal,
    reloader: Reloader,
    cli: Arc<Cli>,
) {
    while hangups.recv().await.is_some() {
        // Logged and counted by the app, a refusal included.
        let _ = reload(&cli, &reloader, "SIGHUP").await;
    }
}

/// The one reload path of SIGHUP and `POST /-/reload`: the file read again under the same
/// overrides, then applied or refused by the app, which logs and counts the outcome; a refused
/// file leaves the running configuration in place. The error is the reason, for the HTTP answer.
async fn reload(cli: &Cli, reloader: &Reloader, trigger: &str) -> Result<(), String> {
    if cli.demo {
        tracing::info!("{trigger}: the demo has no configuration file to reload");
        return Err("the demo has no configuration file to reload".to_owned());
    }
    tracing::info!(file = %cli.config.display(), "{trigger}: reloading the configuration");
    reloader
        .reload(load(cli))
        .await
        .map_err(|error| error.to_string())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_flags_override_the_files_log_settings() {
        let cli = Cli::try_parse_from([
            "liveplatform-exporter",
            "--config.file",
            "x.toml",
            "--log.level",
            "debug",
            "--log.format",
            "json",
        ])
        .unwrap();
        assert_eq!(cli.config.to_str(), Some("x.toml"));
        let mut config = Config::with_platforms(Vec::new());
        cli.override_config(&mut config);
        assert_eq!(config.log.level, "debug");
        assert_eq!(config.log.format, LogFormat::Json);

        let cli = Cli::try_parse_from(["liveplatform-exporter", "--log.format", "logfmt"]).unwrap();
        let mut config = Config::with_platforms(Vec::new());
        config.log.format = LogFormat::Json;
        config.log.level = "warn".to_owned();
        cli.override_config(&mut config);
        assert_eq!(
            config.log.format,
            LogFormat::Text,
            "logfmt is the text format"
        );
        assert_eq!(config.log.level, "warn", "no flag, the file's level");
        assert!(!cli.enable_lifecycle);
    }
}
