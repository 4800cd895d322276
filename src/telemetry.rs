//! Log output: `RUST_LOG` when set, else the configured level; text for people, JSON for
//! log pipelines.

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, fmt};

use crate::config::{LogConfig, LogFormat};

pub(crate) fn init(config: &LogConfig) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.level));
    // A closed stderr (a log pipe that went away) must not matter: by default the subscriber
    // reports a failed write with eprintln!, which panics on that same closed stderr, in
    // whichever task logged, even the one handling SIGTERM.
    let output = fmt::layer()
        .with_writer(std::io::stderr)
        .log_internal_errors(false);
    let output = match config.format {
        LogFormat::Text => output.boxed(),
        LogFormat::Json => output.json().boxed(),
    };
    // A second initialisation (only possible in tests) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(output.with_filter(filter))
        .try_init();
}
