use std::process::ExitCode;

use clap::Parser;
use liveplatform_exporter::Cli;

#[tokio::main]
async fn main() -> ExitCode {
    liveplatform_exporter::run(Cli::parse()).await
}
