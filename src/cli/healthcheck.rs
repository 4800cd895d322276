//! `healthcheck` subcommand: asks a running exporter's `/-/healthy` and turns the answer into an
//! exit code. The container image is `scratch`, with no shell or curl for a Docker `HEALTHCHECK`,
//! so the binary probes itself.

use std::process::ExitCode;
use std::time::Duration;

use reqwest::{StatusCode, Url};

use crate::api::http;
use crate::config::DEFAULT_PORT;
use crate::web::HEALTHY_PATH;
/// `/-/healthy` answers without any work, so a few seconds without an answer means a hung process;
/// it also ends the probe before Docker's own health-check timeout (5 s in the Dockerfile) would.
const TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, clap::Args)]
pub struct Args {
    /// URL of the exporter's liveness endpoint.
    #[arg(long, value_name = "URL", default_value_t = default_url())]
    pub url: Url,
}

/// `/-/healthy` on loopback at the default port: the exporter listens on all addresses by default,
/// and loopback is where a probe run inside its container or host reaches it.
pub fn default_url() -> Url {
    format!("http://127.0.0.1:{DEFAULT_PORT}{HEALTHY_PATH}")
        .parse()
        .expect("the default health-check URL is valid")
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum HealthcheckError {
    #[error("cannot set up the HTTP client: {0}")]
    Client(reqwest::Error),
    #[error("GET {url}: {message}")]
    Request { url: Url, message: String },
    #[error("GET {url}: HTTP {status}, expected 200")]
    Status { url: Url, status: StatusCode },
}

/// Succeeds when `url` answers 200 within [`TIMEOUT`]; anything else (refused, timed out,
/// another status) is unhealthy.
pub(crate) async fn probe(url: &Url) -> Result<(), HealthcheckError> {
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        // The probe is about this exact URL on this host: a proxy from the environment or a
        // redirect would report on something else.
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        // Over HTTPS the certificate is not checked, as kubelet's probes do not: the probe runs
        // beside the exporter (loopback, in its container), the certificate is issued for the
        // exporter's public name, not 127.0.0.1, and the probe sends nothing and reads only
        // the status.
        .danger_accept_invalid_certs(url.scheme() == "https")
        .build()
        .map_err(HealthcheckError::Client)?;
    let response = client
        .get(url.clone())
        .send()
        .await
        .map_err(|e| HealthcheckError::Request {
            url: url.clone(),
            message: http::describe(&e.without_url()),
        })?;
    match response.status() {
        StatusCode::OK => Ok(()),
        status => Err(HealthcheckError::Status {
            url: url.clone(),
            status,
        }),
    }
}

/// Exit 0 when healthy, 1 (with the reason on stderr) when not: what `HEALTHCHECK` expects.
pub(crate) async fn run(args: &Args) -> ExitCode {
    match probe(&args.url).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("liveplatform-exporter healthcheck: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("liveplatform-exporter").chain(args.iter().copied()))
    }

    #[test]
    fn the_default_url_is_the_default_port_on_loopback() {
        let url = default_url();
        assert_eq!(url.port(), Some(DEFAULT_PORT));
        assert_eq!(url.host_str(), Some("127.0.0.1"));
        assert_eq!(url.path(), "/-/healthy");
    }

    #[test]
    fn healthcheck_parses_with_and_without_a_url() {
        let Some(Command::Healthcheck(args)) = parse(&["healthcheck"]).unwrap().command else {
            panic!("healthcheck is a subcommand");
        };
        assert_eq!(args.url, default_url());
        let Some(Command::Healthcheck(args)) =
            parse(&["healthcheck", "--url", "http://[::1]:9700/-/healthy"])
                .unwrap()
                .command
        else {
            panic!("healthcheck is a subcommand");
        };
        assert_eq!(args.url.as_str(), "http://[::1]:9700/-/healthy");
        assert!(parse(&["healthcheck", "--url", "not a url"]).is_err());
    }

    #[test]
    fn the_top_level_flags_work_as_before_the_subcommand_existed() {
        let cli = parse(&[
            "--config",
            "x.toml",
            "--once",
            "--check-config",
            "--demo",
            "--web.listen-address",
            "127.0.0.1:1",
        ])
        .unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.config.to_str(), Some("x.toml"));
        assert!(cli.once && cli.check_config && cli.demo);
        assert_eq!(cli.listen_address, Some("127.0.0.1:1".parse().unwrap()));
        // `--config healthcheck` is a file name, not the subcommand.
        let cli = parse(&["--config", "healthcheck"]).unwrap();
        assert!(cli.command.is_none());
    }

    #[test]
    fn serve_flags_and_the_subcommand_do_not_mix() {
        // They would be silently ignored otherwise.
        assert!(parse(&["--demo", "healthcheck"]).is_err());
    }

    #[test]
    fn the_cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
