//! `--backfill.months=N --backfill.output=PATH`: each platform's customers' daily license
//! history as OpenMetrics, for `promtool tsdb create-blocks-from openmetrics`, so that a new
//! install's graphs start months back instead of empty.
//!
//! The requests are the `license_info` collector's with `nrOfMonths=N`, one per customer of the
//! platform's customer list (read once, as the `customers` collector reads it), through the same
//! client: its limiter and concurrency, its pauses after a 429, `customer_request_timeout`. A
//! customer whose request fails is logged and counted and costs only its own series; a platform
//! whose customer list cannot be read (unreachable, credentials refused) costs its own. Either
//! makes the exit status 1, with everything else written. What the history holds and how it is
//! rendered is the collector's ([`history`]); this module runs the requests, reports progress
//! and writes the file ([`output`]).

mod output;
mod progress;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::api::client::{ApiClient, is_path_segment};
use crate::api::error::ClientError;
use crate::api::transport::Transports;
use crate::collect::directory::{CustomerList, Directory, NoCustomerList};
use crate::collect::{CollectError, Context};
use crate::collectors::customers;
use crate::collectors::license_info::{self, history};
use crate::config::{Config, PlatformConfig};
use crate::exposition::exporter_metrics::ExporterMetrics;
use crate::exposition::text::{platform_label, push_label};
use crate::model::ErrorReason;
use output::{Output, OutputError};
use progress::Progress;

/// The backfill's flags; `--backfill.months` switches it on.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Write each customer's daily license history of the last N months (1 to 24) as
    /// OpenMetrics to --backfill.output, for `promtool tsdb create-blocks-from openmetrics`,
    /// and exit. One request per customer.
    #[arg(
        id = "backfill.months",
        long = "backfill.months",
        value_name = "N",
        value_parser = months(),
        requires = "backfill.output",
        conflicts_with_all = ["once", "check_config"]
    )]
    pub months: Option<u8>,
    /// Where --backfill.months writes: a file (written under a temporary name beside it and
    /// renamed when complete), or `-` for standard output.
    #[arg(
        id = "backfill.output",
        long = "backfill.output",
        value_name = "PATH",
        requires = "backfill.months"
    )]
    pub output: Option<PathBuf>,
    /// A label for every backfilled series, e.g. `job=liveplatform` and `instance=host:9867`,
    /// as Prometheus labels the exporter's scraped series, so that the history joins them.
    /// Repeatable.
    #[arg(
        id = "backfill.label",
        long = "backfill.label",
        value_name = "NAME=VALUE",
        value_parser = parse_label,
        requires = "backfill.months"
    )]
    pub labels: Vec<Label>,
}

fn months() -> clap::builder::RangedI64ValueParser<u8> {
    let (first, last) = (*history::MONTHS.start(), *history::MONTHS.end());
    clap::value_parser!(u8).range(i64::from(first)..=i64::from(last))
}

/// One `--backfill.label`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    name: String,
    value: String,
}

/// `NAME=VALUE`, with a name Prometheus accepts, not reserved (`__…`) and not one the series
/// carry already, and a value that is not empty (an empty value is no label in Prometheus).
fn parse_label(text: &str) -> Result<Label, String> {
    let Some((name, value)) = text.split_once('=') else {
        return Err("expected NAME=VALUE".to_owned());
    };
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!(
            "{name:?} is not a label name (letters, digits and _, not starting with a digit)"
        ));
    }
    if name.starts_with("__") {
        return Err(format!(
            "{name}: names starting with __ are Prometheus' own"
        ));
    }
    if history::LABELS.contains(&name) {
        return Err(format!("{name}: the series carry this label already"));
    }
    if value.is_empty() {
        return Err(format!("{name}: the value is empty"));
    }
    Ok(Label {
        name: name.to_owned(),
        value: value.to_owned(),
    })
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum BackfillError {
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("--backfill.label {0} is given twice")]
    LabelTwice(String),
    #[error("a request task crashed: {0}")]
    Crashed(String),
    #[error("stopped before the end: nothing written to --backfill.output {}", .0.display())]
    Stopped(PathBuf),
}

/// Why one platform's customers could not be asked about.
#[derive(Debug, thiserror::Error)]
enum PlatformError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("cannot read the customer list: {0}")]
    CustomerList(#[from] CollectError),
    #[error("cannot read the customer list: no answer within {} (the platform's timeout)", humantime::format_duration(*.0))]
    Timeout(Duration),
    #[error(transparent)]
    NoCustomerList(#[from] NoCustomerList),
}

/// What the backfill did, over every platform.
#[derive(Debug, Default)]
struct Tally {
    platforms_failed: usize,
    customers_written: usize,
    customers_failed: usize,
    /// 404: no license information for the customer (as live, not a failure).
    customers_not_found: usize,
    records: usize,
    records_skipped: usize,
}

/// Runs the backfill of `months` for `config`'s platforms: exit status 0 when every platform
/// and customer was written, 1 when any failed (the others are written all the same). An output
/// that cannot be written, or `stop` (SIGINT, SIGTERM) before the end, is an error, and leaves no
/// file.
pub(crate) async fn run(
    config: &Config,
    months: u8,
    args: &Args,
    stop: CancellationToken,
) -> Result<ExitCode, BackfillError> {
    let labels = extra_labels(&args.labels)?;
    let path = args.output.clone().unwrap_or_else(|| PathBuf::from("-"));
    let mut output = Output::create(&path, &history::FAMILIES)?;
    let mut tally = Tally::default();
    tokio::select! {
        done = every_platform(config, months, &labels, &mut output, &mut tally) => done?,
        () = stop.cancelled() => return Err(BackfillError::Stopped(path)),
    }
    output.finish()?;
    let failed = tally.platforms_failed + tally.customers_failed;
    let outcome = if failed == 0 {
        "written"
    } else {
        "written without what failed"
    };
    tracing::info!(
        output = %path.display(),
        customers = tally.customers_written,
        records = tally.records,
        failed_customers = tally.customers_failed,
        failed_platforms = tally.platforms_failed,
        customers_without_license_information = tally.customers_not_found,
        skipped_records = tally.records_skipped,
        "backfill {outcome}"
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Each platform in turn into `output`; one that fails is logged and counted.
async fn every_platform(
    config: &Config,
    months: u8,
    labels: &[u8],
    output: &mut Output,
    tally: &mut Tally,
) -> Result<(), BackfillError> {
    let mut transports = Transports::default();
    for platform in &config.platforms {
        let license_info = platform.collectors.get(license_info::KIND.name);
        if license_info.and_then(|table| table.enabled) == Some(false) {
            tracing::info!(
                platform = %platform.name,
                "license_info is switched off for this platform: nothing to backfill"
            );
            continue;
        }
        let asked = Platform {
            config: platform,
            months,
            labels,
        };
        match asked.backfill(&mut transports, output, tally).await {
            Ok(()) => {}
            Err(Failure::Platform(error)) => {
                tally.platforms_failed += 1;
                tracing::error!(platform = %platform.name, %error, "platform not backfilled");
            }
            Err(Failure::Fatal(error)) => return Err(error),
        }
    }
    Ok(())
}

/// The labels every series gets after `platform`, escaped, each name once.
fn extra_labels(labels: &[Label]) -> Result<Vec<u8>, BackfillError> {
    let mut out = Vec::new();
    for (i, label) in labels.iter().enumerate() {
        if labels[..i].iter().any(|earlier| earlier.name == label.name) {
            return Err(BackfillError::LabelTwice(label.name.clone()));
        }
        out.push(b',');
        push_label(&mut out, &label.name, &label.value);
    }
    Ok(out)
}

enum Failure {
    /// This platform alone.
    Platform(PlatformError),
    /// The whole backfill: the output cannot be written.
    Fatal(BackfillError),
}

impl From<PlatformError> for Failure {
    fn from(error: PlatformError) -> Self {
        Failure::Platform(error)
    }
}

impl From<OutputError> for Failure {
    fn from(error: OutputError) -> Self {
        Failure::Fatal(error.into())
    }
}

/// One platform's backfill.
struct Platform<'a> {
    config: &'a PlatformConfig,
    months: u8,
    /// From `--backfill.label`, escaped, each after a comma.
    labels: &'a [u8],
}

impl Platform<'_> {
    async fn backfill(
        &self,
        transports: &mut Transports,
        output: &mut Output,
        tally: &mut Tally,
    ) -> Result<(), Failure> {
        let name = &self.config.name;
        let client =
            Arc::new(ApiClient::new(self.config, transports).map_err(PlatformError::from)?);
        let list = self.customer_list(client.clone()).await?;
        let listed: Vec<_> = list.iter().collect();
        let mut series_labels = platform_label(name);
        series_labels.extend_from_slice(self.labels);
        let mut renderer = history::Renderer::new(series_labels);
        let mut progress = Progress::start(name, listed.len());
        // As many requests in flight as the platform's limiter lets through, as live: a
        // waiting request is a task, and a list may hold 100 000 customers.
        let in_flight = client.max_concurrent_requests();
        let mut to_ask = listed.iter().enumerate();
        let mut tasks = JoinSet::new();
        loop {
            while tasks.len() < in_flight
                && let Some((index, customer)) = to_ask.next()
            {
                if !is_path_segment(&customer.id) {
                    // Not a request the API could answer for this customer (see the live
                    // collector): a record of the list that is skipped.
                    tally.records_skipped += 1;
                    progress.done();
                    continue;
                }
                let (client, id, months) = (client.clone(), customer.id.clone(), self.months);
                tasks.spawn(async move { (index, history::fetch(&client, &id, months).await) });
            }
            let Some(joined) = tasks.join_next().await else {
                break;
            };
            let (index, result) =
                joined.map_err(|e| Failure::Fatal(BackfillError::Crashed(e.to_string())))?;
            let customer = listed[index];
            match result {
                Ok(decoded) => {
                    tally.records_skipped += decoded.skipped.len();
                    if let Some(history) = decoded.value {
                        output.append(&renderer.customer(customer, &history))?;
                        tally.records += history.len();
                        tally.customers_written += 1;
                    }
                }
                Err(error) if error.reason() == ErrorReason::NotFound => {
                    tally.customers_not_found += 1;
                    progress.log(|| {
                        tracing::info!(
                            platform = %name,
                            customer = %customer.id,
                            "no license information for this customer (404)"
                        );
                    });
                }
                Err(error) => {
                    tally.customers_failed += 1;
                    progress.log(|| {
                        tracing::error!(
                            platform = %name,
                            customer = %customer.id,
                            %error,
                            "customer not backfilled"
                        );
                    });
                }
            }
            progress.done();
        }
        progress.finish();
        output.append(&renderer.totals())?;
        Ok(())
    }

    /// The platform's customers, read by the `customers` collector within the platform's
    /// timeout, as a live run reads them for the per-customer collectors.
    async fn customer_list(&self, client: Arc<ApiClient>) -> Result<CustomerList, PlatformError> {
        let directory = Directory::default();
        let mut collector = (customers::KIND.build)(Context {
            platform: self.config.name.clone(),
            client,
            directory: directory.clone(),
            metrics: Arc::new(ExporterMetrics::new()),
            stale_after: self.config.stale_after,
            timeout: self.config.timeout,
            // The customer list has no options of its own.
            options: Arc::new(()),
        });
        tokio::time::timeout(self.config.timeout, collector.collect())
            .await
            .map_err(|_| PlatformError::Timeout(self.config.timeout))??;
        Ok(directory.latest().await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_checked_as_prometheus_would_and_against_the_series_own() {
        assert_eq!(
            parse_label("instance=host:9867=x"),
            Ok(Label {
                name: "instance".to_owned(),
                value: "host:9867=x".to_owned()
            })
        );
        for (bad, problem) in [
            ("job", "NAME=VALUE"),
            ("=x", "not a label name"),
            ("9a=x", "not a label name"),
            ("a-b=x", "not a label name"),
            ("__name__=x", "Prometheus' own"),
            ("platform=x", "carry this label already"),
            ("customer_name=x", "carry this label already"),
            ("job=", "empty"),
        ] {
            let message = parse_label(bad).unwrap_err();
            assert!(message.contains(problem), "{bad}: {message}");
        }
    }

    #[test]
    fn extra_labels_are_escaped_and_each_name_given_once() {
        let label = |text| parse_label(text).unwrap();
        assert_eq!(
            extra_labels(&[label("job=lp"), label("note=a\"b")]).unwrap(),
            br#",job="lp",note="a\"b""#
        );
        let message = extra_labels(&[label("job=a"), label("job=b")])
            .unwrap_err()
            .to_string();
        assert_eq!(message, "--backfill.label job is given twice");
    }
}
