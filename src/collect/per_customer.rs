//! What every collector that makes one request per customer shares: the fan-out over the
//! platform's latest good customer list, keeping a customer's last good value while its requests
//! fail, and publishing per customer with the customer list's labels.
//!
//! A run waits (within its timeout) for the platform's first customer list. It keeps as many
//! requests in flight as the platform's limiter lets through ([`ApiClient::get_customer`]): the
//! limiter, shared by every collector of the platform, paces them and honours a 429.
//!
//! No customer can starve a run. A request holds its place for at most a quarter of the run's
//! asking time (or `customer_request_timeout`, if shorter): requests that hang at the front of
//! the list cost the run that quarter, not all of it. Customers whose requests failed or were
//! not answered in the last run are asked after the others, so that customers who answer are
//! not kept waiting behind them run after run. No request outlives the run's asking time.
//!
//! One customer's failed request costs only that customer: its last good value stays until
//! `stale_after`. A 404 (the customer left, or has no such data) is counted as `not_found` and
//! publishes nothing for it. Customers that leave the list while a run is under way are not
//! asked about any more, and the run publishes for the latest list, so their series vanish.
//! Only a run in which every request failed fails, and then the scheduler logs why; a run in
//! which some failed logs one line for all of them.

use std::collections::{HashMap, HashSet, VecDeque};
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::api::client::{ApiClient, is_path_segment};
use crate::api::lenient::{Decoded, ShapeError};
use crate::collect::directory::{CustomerList, Directory, Listed};
use crate::collect::{CollectError, Collected, Context, RequestError, Run, background};
use crate::exposition::exporter_metrics::RequestHealth;
use crate::exposition::snapshot::{Samples, Snapshot};
use crate::exposition::text::platform_label;
use crate::model::{ErrorReason, SkipReason};
use prometheus::core::Atomic;

/// What makes one per-customer collector different from another: its request and its families.
pub(crate) trait Source: 'static {
    /// What is kept of a customer's good response until the next one.
    type Value: Clone + Send + Sync + 'static;

    /// The collector's name, as its `Kind` spells it: for the log.
    const NAME: &'static str;

    /// The query of every request.
    const QUERY: &'static [(&'static str, &'static str)];

    /// The path of a customer's request below `base_url`, in segments.
    fn path(customer_id: &str) -> impl AsRef<[&str]> + Send;

    /// A customer's response. A decoded response without a value publishes nothing for the
    /// customer.
    fn decode(body: &[u8]) -> Result<Decoded<Self::Value>, ShapeError>;

    /// One customer's request ([`ApiClient::get_customer`], holding its place for at most
    /// `hold`), decoded.
    fn fetch(
        client: &ApiClient,
        customer_id: &str,
        hold: Duration,
    ) -> impl Future<Output = Result<Decoded<Self::Value>, RequestError>> + Send {
        async move {
            let path = Self::path(customer_id);
            let body = client
                .get_customer(Self::NAME, path.as_ref(), Self::QUERY, hold)
                .await?;
            Ok(Self::decode(&body)?)
        }
    }

    /// The samples of the collector's families, in the order of its `Kind`, for `customers` (in
    /// the customer list's order; only those with a value). It runs off the async threads.
    fn render<'a>(
        platform_label: &[u8],
        customers: impl Iterator<Item = (&'a Listed, &'a Self::Value)>,
    ) -> Arc<[Samples]>;
}

/// A customer's last good value, and when it was fetched.
#[derive(Debug, Clone)]
struct Kept<V> {
    value: V,
    fetched: Instant,
}

/// By customer id: only customers of the latest list, so that those who left vanish.
type KeptByCustomer<V> = HashMap<Box<str>, Kept<V>>;

/// A per-customer collector of the data `S` describes.
pub(crate) struct PerCustomer<S: Source> {
    platform: String,
    platform_label: Arc<[u8]>,
    client: Arc<ApiClient>,
    directory: Directory,
    requests: RequestHealth,
    stale_after: Duration,
    /// How long a run asks before it publishes what it has: most of the run's timeout, the rest
    /// left for rendering.
    asking_time: Duration,
    /// Shared with the rendering thread of the run that made it.
    kept: Arc<KeptByCustomer<S::Value>>,
    /// The customers whose requests failed or went unanswered in the last run: the next run asks
    /// them last.
    late: HashSet<Box<str>>,
    /// `S` is only a set of functions: no value of it is held.
    source: PhantomData<fn() -> S>,
}

impl<S: Source> PerCustomer<S> {
    pub(crate) fn new(context: Context) -> Self {
        Self {
            requests: context.metrics.requests(&context.platform, S::NAME),
            platform_label: platform_label(&context.platform).into(),
            platform: context.platform,
            client: context.client,
            directory: context.directory,
            stale_after: context.stale_after,
            asking_time: context.timeout.mul_f64(ASKING_SHARE),
            kept: Arc::default(),
            late: HashSet::new(),
            source: PhantomData,
        }
    }
}

impl<S: Source> Run for PerCustomer<S> {
    async fn run(&mut self) -> Result<Collected, CollectError> {
        let deadline = Instant::now() + self.asking_time;
        let mut updates = self.directory.updates();
        let mut list = self.directory.latest().await?;
        // As many requests in flight as the platform's limiter lets through, no more: each
        // waiting request is a task, and a list may hold 100 000 customers.
        let in_flight = self.client.max_concurrent_requests();
        let mut tasks = JoinSet::new();
        let hold = self.asking_time / HOLD_SHARE;
        let mut to_ask = ids(&list, &HashSet::new(), &self.late);
        let mut asked = HashSet::with_capacity(list.len());
        // Every customer asked, until it answers (a 404 included): those left are the next run's
        // late ones.
        let mut late = HashSet::new();
        let mut kept = KeptByCustomer::with_capacity(list.len());
        let mut skipped = Vec::new();
        let mut tally = Tally::default();
        loop {
            // A run takes hours on a large platform: customers that leave the list meanwhile
            // are not asked about, and the list they were in is let go.
            if let Some(newer) = updates.newer() {
                to_ask = ids(&newer, &asked, &self.late);
                list = newer;
            }
            while tasks.len() < in_flight
                && let Some(id) = to_ask.pop_front()
            {
                if !is_path_segment(&id) {
                    // Normalised away or stripped, it would address another resource: the list
                    // itself, with every customer's details.
                    skipped.push(SkipReason::InvalidField);
                    continue;
                }
                asked.insert(id.clone());
                late.insert(id.clone());
                let client = self.client.clone();
                tasks.spawn(async move {
                    let result = S::fetch(&client, &id, hold).await;
                    (id, result)
                });
            }
            let joined = tokio::select! {
                joined = tasks.join_next() => joined,
                () = tokio::time::sleep_until(deadline) => {
                    // Out of time: what was answered is published, and the customers not
                    // answered keep their last good values, as for a failed request.
                    tally.unanswered = tasks.len() + to_ask.len();
                    for _ in 0..tasks.len() {
                        self.requests.requests.inc_by(1);
                        self.requests.error(ErrorReason::Timeout);
                    }
                    tasks.abort_all();
                    break;
                }
            };
            let Some(joined) = joined else {
                break;
            };
            let (id, result) = joined.map_err(|e| CollectError::Crashed(e.to_string()))?;
            self.requests.requests.inc_by(1);
            match result {
                Ok(decoded) => {
                    late.remove(&id);
                    tally.succeeded += 1;
                    skipped.extend(decoded.skipped);
                    if let Some(value) = decoded.value {
                        let fetched = Instant::now();
                        kept.insert(id, Kept { value, fetched });
                    }
                }
                Err(error) => {
                    let reason = error.reason();
                    self.requests.error(reason);
                    if reason == ErrorReason::NotFound {
                        late.remove(&id);
                        tally.not_found += 1;
                        continue;
                    }
                    self.keep_last_good(&mut kept, id);
                    tally.failed(error);
                }
            }
        }
        // When every customer is late (the API is down), none goes before another.
        if late.len() >= list.len() {
            late = HashSet::new();
        }
        self.late = late;
        if tally.unanswered > 0 {
            if tally.succeeded + tally.not_found == 0 {
                // Nothing answered in time: the API, not a few customers, is the problem.
                return Err(CollectError::Timeout(self.asking_time));
            }
            for listed in list.iter() {
                if !kept.contains_key(&listed.id) {
                    self.keep_last_good(&mut kept, listed.id.clone());
                }
            }
            tracing::warn!(
                platform = %self.platform,
                collector = S::NAME,
                unanswered = tally.unanswered,
                succeeded = tally.succeeded,
                "run out of time; publishing the answers it has and keeping the others' last good values"
            );
        }
        let requests = asked.len();
        if let Some(first) = tally.first_error.take() {
            if tally.failures == requests {
                return Err(CollectError::AllRequestsFailed {
                    requests,
                    first: Box::new(first),
                });
            }
            tracing::warn!(
                platform = %self.platform,
                collector = S::NAME,
                failed = tally.failures,
                succeeded = tally.succeeded,
                not_found = tally.not_found,
                requests,
                first_reason = first.reason().as_str(),
                first_error = %first,
                "some requests failed; keeping those customers' last good values"
            );
        }
        let kept = Arc::new(fitted(kept, &list));
        let platform_label = self.platform_label.clone();
        let rendered = kept.clone();
        // Rendering and compressing take time proportional to the customers: off the async
        // threads, as the customer list does.
        let families = background::run(move || {
            let items = list.iter().filter_map(|listed| {
                let kept = rendered.get(&listed.id)?;
                Some((listed, &kept.value))
            });
            S::render(&platform_label, items)
        })
        .await;
        let snapshot = Snapshot::new(Instant::now(), kept.len(), families);
        self.kept = kept;
        Ok(Collected {
            snapshot: Arc::new(snapshot),
            skipped,
        })
    }
}

impl<S: Source> PerCustomer<S> {
    /// `id`'s value of an earlier run into `kept`, for a customer not answered now, unless it is
    /// older than `stale_after`.
    fn keep_last_good(&self, kept: &mut KeptByCustomer<S::Value>, id: Box<str>) {
        if let Some(last) = self.kept.get(&id)
            && last.fetched.elapsed() < self.stale_after
        {
            kept.insert(id, last.clone());
        }
    }
}

/// The share of its timeout a run spends asking; rendering a large platform's answers takes
/// seconds.
const ASKING_SHARE: f64 = 0.9;

/// A request holds its place for at most this share of the run's asking time: requests that hang
/// at the front of the list cost a run a quarter of its time, and the next ones to hang another
/// quarter; a request slower than a quarter of a run (`timeout` = 8 s: 1.8 s) is cut. A run
/// whose `timeout` is long (the default: 45 minutes and more) leaves the bound to
/// `customer_request_timeout`.
const HOLD_SHARE: u32 = 4;

/// The values of `list`'s customers alone, in a map sized for them. The run's map was sized for
/// the list it started with, and holds the answers of customers who left since: when the list
/// shrank during the run (200,000 customers to 3), it would keep room for the old list until the
/// next run, hours later.
fn fitted<V>(mut kept: KeptByCustomer<V>, list: &CustomerList) -> KeptByCustomer<V> {
    let mut fitted = KeptByCustomer::with_capacity(kept.len().min(list.len()));
    for listed in list.iter() {
        if let Some((id, value)) = kept.remove_entry(&listed.id) {
            fitted.insert(id, value);
        }
    }
    fitted
}

/// The ids of `list`'s customers not in `asked`, in the list's order: first those not `late`,
/// then those late.
fn ids(
    list: &CustomerList,
    asked: &HashSet<Box<str>>,
    late: &HashSet<Box<str>>,
) -> VecDeque<Box<str>> {
    let unasked = |is_late: bool| {
        list.iter().filter(move |listed| {
            !asked.contains(&listed.id) && late.contains(&listed.id) == is_late
        })
    };
    unasked(false)
        .chain(unasked(true))
        .map(|listed| listed.id.clone())
        .collect()
}

/// The outcome of a run's requests.
#[derive(Default)]
struct Tally {
    succeeded: usize,
    /// Customers not answered when the run ran out of time.
    unanswered: usize,
    not_found: usize,
    failures: usize,
    /// For the one log line of the run.
    first_error: Option<RequestError>,
}

impl Tally {
    fn failed(&mut self, error: RequestError) {
        self.failures += 1;
        self.first_error.get_or_insert(error);
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::sync::OnceLock;

    use super::*;
    use crate::api::error::{FetchError, Problem};
    use crate::api::transport::Transports;
    use crate::config::{AuthConfig, PlatformConfig};
    use crate::exposition::exporter_metrics::ExporterMetrics;

    /// The request parts of a test source whose `fetch` is its own: never used.
    macro_rules! fetch_is_the_tests_own {
        () => {
            const QUERY: &'static [(&'static str, &'static str)] = &[];

            fn path(_: &str) -> impl AsRef<[&str]> + Send {
                [] as [&str; 0]
            }

            fn decode(_: &[u8]) -> Result<Decoded<()>, ShapeError> {
                unreachable!("fetch is the test's own")
            }
        };
    }

    /// The directory of the platform [`Shrinking`] serves.
    static DIRECTORY: OnceLock<Directory> = OnceLock::new();

    fn list(prefix: &str, customers: usize) -> CustomerList {
        let block: Arc<[Listed]> = (0..customers)
            .map(|i| Listed {
                id: format!("{prefix}-{i}").into(),
                license_type: 0,
                labels: Box::default(),
            })
            .collect();
        CustomerList::new([block])
    }

    /// Answers every customer; asked about the first of the large list, it makes the
    /// platform's list shrink to 3 customers.
    struct Shrinking;

    impl Source for Shrinking {
        type Value = ();

        const NAME: &'static str = "shrinking";
        fetch_is_the_tests_own!();

        async fn fetch(_: &ApiClient, id: &str, _: Duration) -> Result<Decoded<()>, RequestError> {
            if id == "large-0"
                && let Some(directory) = DIRECTORY.get()
            {
                directory.publish(list("small", 3));
            }
            Ok(Decoded {
                value: Some(()),
                skipped: Vec::new(),
            })
        }

        fn render<'a>(_: &[u8], _: impl Iterator<Item = (&'a Listed, &'a ())>) -> Arc<[Samples]> {
            Arc::new([])
        }
    }

    /// A collector of `S` over `directory`, whose platform allows `in_flight` requests at once.
    fn collector<S: Source>(
        directory: Directory,
        in_flight: usize,
        timeout: Duration,
    ) -> PerCustomer<S> {
        let mut platform = PlatformConfig::new(
            "p",
            "http://127.0.0.1:9/".parse().unwrap(),
            AuthConfig::None,
        );
        platform.max_concurrent_requests = in_flight;
        let client = ApiClient::new(&platform, &mut Transports::default()).unwrap();
        PerCustomer::new(Context {
            platform: "p".to_owned(),
            client: Arc::new(client),
            directory,
            metrics: Arc::new(ExporterMetrics::new()),
            stale_after: Duration::from_secs(3600),
            timeout,
            options: Arc::new(()),
        })
    }

    #[tokio::test]
    async fn a_list_that_shrinks_during_a_run_leaves_no_room_for_the_old_one() {
        let directory = DIRECTORY.get_or_init(Directory::default).clone();
        directory.publish(list("large", 10_000));
        // One request at a time: the list shrinks after the first.
        let mut collector = collector::<Shrinking>(directory, 1, Duration::from_secs(60));
        let collected = collector.run().await.unwrap();
        assert_eq!(collected.snapshot.items, 3, "the latest list's customers");
        assert_eq!(collector.kept.len(), 3);
        assert!(
            collector.kept.capacity() < 100,
            "room for {} values kept until the next run",
            collector.kept.capacity()
        );
    }

    thread_local! {
        /// The customers [`Hanging`] was asked about, in order: each test runs on a thread of
        /// its own.
        static ASKED: RefCell<Vec<Box<str>>> = const { RefCell::new(Vec::new()) };
    }

    /// The default `customer_request_timeout`.
    const CUSTOMER_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

    /// Customers `hung-*` never answer: their request fails when it has held its place as long
    /// as [`ApiClient::get_customer`] lets it. The others answer at once.
    struct Hanging;

    impl Source for Hanging {
        type Value = ();

        const NAME: &'static str = "hanging";
        fetch_is_the_tests_own!();

        async fn fetch(
            _: &ApiClient,
            id: &str,
            hold: Duration,
        ) -> Result<Decoded<()>, RequestError> {
            ASKED.with_borrow_mut(|asked| asked.push(id.into()));
            if id.starts_with("hung") {
                tokio::time::sleep(hold.min(CUSTOMER_REQUEST_TIMEOUT)).await;
                return Err(RequestError::Fetch(FetchError::Status {
                    status: reqwest::StatusCode::GATEWAY_TIMEOUT,
                    problem: Problem::default(),
                }));
            }
            Ok(Decoded {
                value: Some(()),
                skipped: Vec::new(),
            })
        }

        fn render<'a>(_: &[u8], _: impl Iterator<Item = (&'a Listed, &'a ())>) -> Arc<[Samples]> {
            Arc::new([])
        }
    }

    /// 20 customers, the first 4 hung, at the default 4 requests in flight.
    fn four_of_twenty_hung(timeout: Duration) -> PerCustomer<Hanging> {
        let ids = (0..20).map(|i| {
            let state = if i < 4 { "hung" } else { "ok" };
            format!("{state}-{i}")
        });
        let block: Arc<[Listed]> = ids
            .map(|id| Listed {
                id: id.into(),
                license_type: 0,
                labels: Box::default(),
            })
            .collect();
        let directory = Directory::default();
        directory.publish(CustomerList::new([block]));
        collector(directory, 4, timeout)
    }

    /// Issue 29's case: `timeout = "8s"`, `interval = "10s"`, the default
    /// `customer_request_timeout`. Every run ends within its timeout with the 16 others.
    #[tokio::test(start_paused = true)]
    async fn four_hung_customers_of_twenty_cannot_keep_the_others_out_of_any_run() {
        let timeout = Duration::from_secs(8);
        let mut collector = four_of_twenty_hung(timeout);
        for run in 1..=3 {
            let started = Instant::now();
            // Not under a timeout: its timer would be the next one when the run renders on a
            // thread of its own, and the paused clock would jump to it.
            let collected = collector
                .run()
                .await
                .unwrap_or_else(|e| panic!("run {run} failed: {e}"));
            assert!(
                started.elapsed() < timeout,
                "run {run} outlasted its timeout"
            );
            assert_eq!(collected.snapshot.items, 16, "run {run}");
            tokio::time::sleep_until(started + Duration::from_secs(10)).await;
        }
    }

    #[tokio::test(start_paused = true)]
    async fn customers_that_failed_in_the_last_run_are_asked_after_the_others() {
        let mut collector = four_of_twenty_hung(Duration::from_secs(60));
        collector.run().await.unwrap();
        ASKED.with_borrow_mut(Vec::clear);
        collector.run().await.unwrap();
        let asked = ASKED.take();
        let (first, last) = asked.split_at(16);
        assert!(first.iter().all(|id| id.starts_with("ok")), "{asked:?}");
        // Among themselves, in the list's order.
        assert_eq!(
            *last,
            ["hung-0", "hung-1", "hung-2", "hung-3"].map(Box::from)
        );
    }
}
