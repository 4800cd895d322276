//! Collectors: each fetches one data source of a platform on its own schedule and publishes its
//! own metric families into its own slot of that platform's snapshots.
//!
//! A collector only fetches and prepares: the [`scheduler`] around it runs it every interval
//! under its timeout, backs off after failures, counts runs, errors and skipped records into the
//! exporter's own metrics, logs, and publishes. One collector failing, or being slow, touches no
//! other collector's slot or schedule; its own slot keeps the last good data until
//! `stale_after`.
//!
//! The collectors a platform runs are the kinds the wiring hands to [`plan`], each switched on
//! or off and scheduled by its `[platforms.collectors.<name>]` table (`enabled`, `interval`,
//! `timeout`, `stale_after`); every health series, `/-/ready` and the landing page report a kind
//! without code of its own. A collector with options of its own (more keys in its table)
//! defines a serde type for them in its folder and names it in its kind
//! (`options: Some(collect::options::<T>)`); its `build` reads them with
//! [`Context::options`]. A collector implements [`Run`] (or [`per_customer::Source`]), and
//! `CONTRIBUTING.md` lists every step a new one takes.
//!
//! A collector that makes one request per customer (`license_info`, `customer_details`) reads
//! the customers from its platform's [`directory`], which the `customers` collector fills, sends
//! its requests with [`ApiClient::get_customer`] (the platform's limiter bounds them) and counts
//! them in [`ExporterMetrics::requests`]: [`per_customer`] does all of that for it.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::api::client::ApiClient;
use crate::api::error::FetchError;
use crate::api::lenient::ShapeError;
use crate::collect::directory::{Directory, NoCustomerList};
use crate::config::{self, CollectorOptions, CollectorSettings, ConfigError, PlatformConfig};
use crate::exposition::exporter_metrics::ExporterMetrics;
use crate::exposition::snapshot::{Slot, Snapshot};
use crate::exposition::text::Family;
use crate::model::{ErrorReason, SkipReason};

pub(crate) mod background;
pub(crate) mod directory;
pub(crate) mod per_customer;
pub(crate) mod scheduler;
pub(crate) mod supervisor;

/// A kind of collector: what it is called, what it publishes, how to make one.
pub(crate) struct Kind {
    /// Its name in the configuration and in the `collector` label.
    pub name: &'static str,
    /// The families it publishes, in the order of its snapshots' samples.
    pub families: &'static [Family],
    /// What the landing page calls the items a run finds.
    pub items: &'static str,
    /// Its schedule when `[platforms.collectors.<name>]` sets none.
    pub defaults: Defaults,
    pub build: fn(Context) -> Box<dyn Collector>,
    /// How it reads the keys of its table beyond the schedule's into its own options, which
    /// its `build` finds in [`Context::options`]; `None` for a kind without options, whose
    /// table then takes no other key.
    pub options: Option<ReadOptions>,
}

/// Reads a collector's own options from its table (`at` is the table's key, for errors), at
/// every plan: start-up, `--check-config`, reload. See [`options`].
pub(crate) type ReadOptions = fn(&CollectorOptions, &str) -> Result<Options, ConfigError>;

/// A collector's own options as its kind read them: the type its [`ReadOptions`] made.
pub(crate) type Options = Arc<dyn Any + Send + Sync>;

/// The [`ReadOptions`] of a serde type `T` (with `deny_unknown_fields`, and defaults for what a
/// table leaves out): `options: Some(collect::options::<MyOptions>)`. What a type cannot say
/// (a range) its `Deserialize` checks, so that the plan refuses it with the key.
pub(crate) fn options<T: DeserializeOwned + Send + Sync + 'static>(
    table: &CollectorOptions,
    at: &str,
) -> Result<Options, ConfigError> {
    Ok(Arc::new(table.read::<T>(at)?))
}

/// A collector for the machinery's own tests: on the platform's schedule and gating readiness,
/// as the customer list is; its runs are the test's own, so it builds nothing.
#[cfg(test)]
pub(crate) static TEST_KIND: Kind = Kind {
    name: "list",
    families: &[],
    items: "entries",
    defaults: Defaults::Platform,
    build: |_| unreachable!("tests run collectors of their own"),
    options: None,
};

/// Where a kind's schedule comes from.
pub(crate) enum Defaults {
    /// The platform's `poll_interval`, `timeout` and `stale_after`: the customer list's, which
    /// the configuration has merged with its table already. It cannot be switched off.
    Platform,
    /// Its own, each overridden by its table; `stale_after` three intervals unless set.
    Own {
        interval: Duration,
        timeout: Duration,
    },
}

impl Kind {
    /// An empty slot for this collector's data on `platform`.
    pub(crate) fn slot(&self, platform: &str, stale_after: Duration) -> Slot {
        let mut slot = Slot::new(platform, self.name, self.families, self.items, stale_after);
        // The customer list is what the platform's data stands on; the others follow it.
        slot.gates_readiness = matches!(self.defaults, Defaults::Platform);
        slot
    }
}

/// What a collector is built with.
#[derive(Clone)]
pub(crate) struct Context {
    pub platform: String,
    pub client: Arc<ApiClient>,
    /// The platform's customers, shared by its collectors.
    pub directory: Directory,
    pub metrics: Arc<ExporterMetrics>,
    /// The collector's own: how long a per-customer collector keeps a customer's last good
    /// values while its requests fail.
    pub stale_after: Duration,
    /// The collector's run timeout: a per-customer run stops asking shortly before it, to
    /// publish what it has.
    pub timeout: Duration,
    /// Its own options, as its kind's [`Kind::options`] read them (`()` for a kind without).
    pub options: Options,
}

impl Context {
    /// The collector's own options: the `T` its kind's [`Kind::options`] reads.
    ///
    /// # Panics
    /// When `T` is another type than the kind reads: a bug of the kind, which its first run
    /// (and its unit test) shows.
    pub(crate) fn options<T: Any>(&self) -> &T {
        self.options
            .downcast_ref()
            .expect("a kind builds with the options type it reads")
    }
}

/// One data source as the scheduler holds it, whatever its type. `collect` fetches and prepares
/// one run's snapshot; the scheduler does the rest. A collector implements [`Run`] instead.
pub(crate) trait Collector: Send {
    fn collect(
        &mut self,
    ) -> Pin<Box<dyn Future<Output = Result<Collected, CollectError>> + Send + '_>>;
}

/// One data source's run, as an async fn: what each collector implements.
pub(crate) trait Run: Send {
    fn run(&mut self) -> impl Future<Output = Result<Collected, CollectError>> + Send;
}

impl<R: Run> Collector for R {
    fn collect(
        &mut self,
    ) -> Pin<Box<dyn Future<Output = Result<Collected, CollectError>> + Send + '_>> {
        Box::pin(self.run())
    }
}

/// A successful run.
pub(crate) struct Collected {
    pub snapshot: Arc<Snapshot>,
    /// Records left out of the response, in order.
    pub skipped: Vec<SkipReason>,
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CollectError {
    #[error("no complete response within {0:?}")]
    Timeout(Duration),
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The response is not what the collector reads, in the collector's own words.
    #[error(transparent)]
    Decode(Box<dyn std::error::Error + Send + Sync>),
    #[error(transparent)]
    Shape(#[from] ShapeError),
    #[error(transparent)]
    NoCustomerList(#[from] NoCustomerList),
    /// Every request of a per-customer run failed: the API, not one customer, is the problem.
    #[error("all {requests} requests failed; the first: {first}")]
    AllRequestsFailed {
        requests: usize,
        first: Box<RequestError>,
    },
    /// A paged list's server does not page as asked: counting on would count some records
    /// twice and others never. What it answered, and which settings to check.
    #[error("the API ignores paging: {0}")]
    PagingIgnored(String),
    #[error("the run crashed: {0}")]
    Crashed(String),
}

/// Why one request of a per-customer collector brought nothing.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RequestError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Shape(#[from] ShapeError),
}

impl RequestError {
    pub(crate) fn reason(&self) -> ErrorReason {
        match self {
            RequestError::Fetch(FetchError::Status { status, .. })
                if *status == reqwest::StatusCode::NOT_FOUND =>
            {
                ErrorReason::NotFound
            }
            RequestError::Fetch(e) => e.reason(),
            RequestError::Shape(_) => ErrorReason::Decode,
        }
    }
}

impl CollectError {
    pub(crate) fn reason(&self) -> ErrorReason {
        match self {
            CollectError::Timeout(_) => ErrorReason::Timeout,
            CollectError::Fetch(e) => e.reason(),
            CollectError::Decode(_) | CollectError::Shape(_) => ErrorReason::Decode,
            CollectError::NoCustomerList(_) => ErrorReason::NoCustomerList,
            CollectError::AllRequestsFailed { first, .. } => first.reason(),
            CollectError::Crashed(_) => ErrorReason::Crashed,
            CollectError::PagingIgnored(_) => ErrorReason::PagingIgnored,
        }
    }

    /// How long the API asked the platform to wait before its next request.
    pub(crate) fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            CollectError::Fetch(e) => e.retry_after(),
            CollectError::AllRequestsFailed { first, .. } => match first.as_ref() {
                RequestError::Fetch(e) => e.retry_after(),
                RequestError::Shape(_) => None,
            },
            _ => None,
        }
    }
}

/// A collector the configuration switched on, with its schedule and options.
pub(crate) struct Planned {
    pub kind: &'static Kind,
    pub settings: CollectorSettings,
    pub options: Options,
    /// Its options as written: a reload that changes them restarts the collector.
    pub written: CollectorOptions,
}

/// A `[platforms.collectors.<name>]` table that cannot be followed.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{key}: {message}")]
    Table { key: String, message: String },
    /// One of the collector's own options, or a key a collector without options does not have.
    #[error(transparent)]
    Options(#[from] ConfigError),
}

/// The collectors of `kinds` that `platform` (the configuration's `platforms[index]`) runs, with
/// their schedules.
pub(crate) fn plan(
    kinds: &[&'static Kind],
    platform: &PlatformConfig,
    index: usize,
) -> Result<Vec<Planned>, PlanError> {
    let key = |name: &str, field: &str| format!("platforms[{index}].collectors.{name}{field}");
    if let Some(unknown) = platform
        .collectors
        .keys()
        .find(|name| !kinds.iter().any(|kind| kind.name == name.as_str()))
    {
        let known: Vec<&str> = kinds.iter().map(|kind| kind.name).collect();
        return Err(PlanError::Table {
            key: key(unknown, ""),
            message: format!("no such collector; known: {}", known.join(", ")),
        });
    }
    let mut planned = Vec::with_capacity(kinds.len());
    for &kind in kinds {
        // The customer list's table is merged into the platform keys (and its other keys
        // refused) by the configuration: it has no table here.
        let table = platform
            .collectors
            .get(kind.name)
            .cloned()
            .unwrap_or_default();
        let at = key(kind.name, "");
        // Read even when switched off, so that a typo shows before the collector is switched on.
        let options = match kind.options {
            Some(read) => read(&table.options, &at)?,
            None => {
                table.options.refuse(&at)?;
                Arc::new(())
            }
        };
        let settings = match kind.defaults {
            Defaults::Platform => CollectorSettings {
                interval: platform.poll_interval,
                timeout: platform.timeout,
                stale_after: platform.stale_after,
            },
            Defaults::Own { interval, timeout } => {
                if !table.enabled.unwrap_or(true) {
                    continue;
                }
                let interval = table.interval.unwrap_or(interval);
                let stale_after = config::stale_after_for(
                    table.stale_after,
                    interval,
                    &key(kind.name, ".interval"),
                )
                .map_err(|e| PlanError::Table {
                    key: key(kind.name, ".stale_after"),
                    message: e.to_string(),
                })?;
                CollectorSettings {
                    interval,
                    timeout: table.timeout.unwrap_or(timeout),
                    stale_after,
                }
            }
        };
        planned.push(Planned {
            kind,
            settings,
            options,
            written: table.options,
        });
    }
    Ok(planned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AuthConfig, CollectorConfig};

    fn platform() -> PlatformConfig {
        PlatformConfig::new(
            "prod",
            "https://sp.example.com/tenantui".parse().unwrap(),
            AuthConfig::None,
        )
    }

    const LIST: &Kind = &TEST_KIND;

    #[test]
    fn a_collector_on_the_platform_schedule_follows_the_platform_keys() {
        let mut platform = platform();
        platform.poll_interval = Duration::from_secs(2);
        platform.stale_after = Duration::from_secs(6);
        let planned = plan(&[LIST, &SLOW], &platform, 0).unwrap();
        let list = planned
            .iter()
            .find(|p| p.kind.name == "list")
            .expect("it cannot be switched off");
        assert_eq!(list.settings.interval, Duration::from_secs(2));
        assert_eq!(list.settings.stale_after, Duration::from_secs(6));
        assert_eq!(list.settings.timeout, platform.timeout);
    }

    #[test]
    fn an_unknown_collector_is_refused_by_its_key() {
        let mut platform = platform();
        platform
            .collectors
            .insert("nonsense".to_owned(), CollectorConfig::default());
        let error = plan(&[LIST, &SLOW], &platform, 3)
            .err()
            .expect("refused")
            .to_string();
        assert!(
            error.starts_with("platforms[3].collectors.nonsense: no such collector"),
            "{error}"
        );
    }

    const MINUTE: Duration = Duration::from_secs(60);

    /// A kind of its own schedule, a minute apart, that plans only.
    const fn own(name: &'static str, options: Option<ReadOptions>) -> Kind {
        Kind {
            name,
            families: &[],
            items: "things",
            defaults: Defaults::Own {
                interval: MINUTE,
                timeout: Duration::from_secs(5),
            },
            build: |_| unreachable!("plans build nothing"),
            options,
        }
    }

    static SLOW: Kind = own("slow", None);

    fn settings_of_slow(
        table: Option<CollectorConfig>,
    ) -> Result<Option<CollectorSettings>, PlanError> {
        let mut platform = platform();
        if let Some(table) = table {
            platform.collectors.insert("slow".to_owned(), table);
        }
        let planned = plan(&[LIST, &SLOW], &platform, 0)?;
        Ok(planned
            .iter()
            .find(|p| p.kind.name == "slow")
            .map(|p| p.settings))
    }

    #[test]
    fn a_collector_of_its_own_takes_its_defaults_then_its_table() {
        assert_eq!(
            settings_of_slow(None).unwrap(),
            Some(CollectorSettings {
                interval: MINUTE,
                timeout: Duration::from_secs(5),
                stale_after: 3 * MINUTE
            })
        );
        let table = CollectorConfig {
            interval: Some(2 * MINUTE),
            timeout: Some(Duration::from_secs(9)),
            ..CollectorConfig::default()
        };
        assert_eq!(
            settings_of_slow(Some(table)).unwrap(),
            Some(CollectorSettings {
                interval: 2 * MINUTE,
                timeout: Duration::from_secs(9),
                stale_after: 6 * MINUTE
            })
        );
    }

    #[test]
    fn a_collector_of_its_own_can_be_switched_off() {
        let table = CollectorConfig {
            enabled: Some(false),
            ..CollectorConfig::default()
        };
        assert_eq!(settings_of_slow(Some(table)).unwrap(), None);
    }

    #[test]
    fn a_stale_after_shorter_than_the_interval_is_refused_by_its_key() {
        let table = CollectorConfig {
            stale_after: Some(Duration::from_secs(30)),
            ..CollectorConfig::default()
        };
        let error = settings_of_slow(Some(table)).unwrap_err().to_string();
        assert!(
            error.starts_with("platforms[0].collectors.slow.stale_after: must be at least"),
            "{error}"
        );
    }

    /// A table as the configuration file writes it.
    fn table(toml: &str) -> CollectorConfig {
        ::config::Config::builder()
            .add_source(::config::File::from_str(toml, ::config::FileFormat::Toml))
            .build()
            .and_then(|c| c.try_deserialize())
            .unwrap()
    }

    /// The options of a test kind: a default, a range its `Deserialize` checks.
    #[derive(Debug, PartialEq, serde::Deserialize)]
    #[serde(default, deny_unknown_fields)]
    struct Knobs {
        #[serde(deserialize_with = "depth")]
        depth: u32,
        label: String,
    }

    impl Default for Knobs {
        fn default() -> Self {
            Self {
                depth: 7,
                label: "x".to_owned(),
            }
        }
    }

    fn depth<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
        let depth: u32 = crate::config::de::whole(deserializer)?;
        if !(1..=9).contains(&depth) {
            return Err(serde::de::Error::custom("must be between 1 and 9"));
        }
        Ok(depth)
    }

    static TUNED: Kind = own("tuned", Some(options::<Knobs>));

    fn plan_tuned(table: Option<CollectorConfig>) -> Result<Vec<Planned>, PlanError> {
        let mut platform = platform();
        if let Some(table) = table {
            platform.collectors.insert("tuned".to_owned(), table);
        }
        plan(&[&SLOW, &TUNED], &platform, 2)
    }

    #[test]
    fn a_kind_with_options_reads_them_from_its_table_with_defaults_for_the_rest() {
        let planned = plan_tuned(None).unwrap();
        assert_eq!(planned[1].options.downcast_ref(), Some(&Knobs::default()));
        // Written as a number, or as an environment override writes it: a string.
        for depth in ["3", "\"3\""] {
            let planned =
                plan_tuned(Some(table(&format!("interval = \"2m\"\ndepth = {depth}")))).unwrap();
            assert_eq!(
                planned[1].options.downcast_ref(),
                Some(&Knobs {
                    depth: 3,
                    label: "x".to_owned()
                })
            );
            assert_eq!(planned[1].settings.interval, 2 * MINUTE);
        }
        // Read even while switched off: a typo shows before it is switched on.
        let error = plan_tuned(Some(table("enabled = false\ndepht = 3")))
            .err()
            .expect("refused")
            .to_string();
        assert!(
            error.starts_with("platforms[2].collectors.tuned.depht: unknown key"),
            "{error}"
        );
    }

    #[test]
    fn a_bad_option_is_refused_by_its_key() {
        for (toml, start) in [
            (
                "depth = 10",
                "platforms[2].collectors.tuned.depth: must be between 1 and 9",
            ),
            (
                "depth = 1.5",
                "platforms[2].collectors.tuned.depth: invalid value",
            ),
            (
                "depth = \"deep\"",
                "platforms[2].collectors.tuned.depth: invalid value",
            ),
            (
                "label = [1]",
                "platforms[2].collectors.tuned.label: invalid type",
            ),
        ] {
            let error = plan_tuned(Some(table(toml)))
                .err()
                .expect("refused")
                .to_string();
            assert!(error.starts_with(start), "{toml}: {error}");
        }
    }

    #[test]
    fn a_kind_without_options_refuses_any_other_key_and_builds_with_none() {
        let error = settings_of_slow(Some(table("intervall = \"5m\"")))
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "platforms[0].collectors.slow.intervall: unknown key, expected one of `enabled`, \
             `interval`, `timeout`, `stale_after`"
        );
        let planned = plan_tuned(None).unwrap();
        assert!(planned[0].options.downcast_ref::<()>().is_some());
    }
}
