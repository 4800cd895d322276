use std::process::ExitCode;

use clap::Parser;
use liveplatform_exporter::cli::{self, Cli};

#[tokio::main]
async fn main() -> ExitCode {
    cli::run(Cli::parse()).await
}
