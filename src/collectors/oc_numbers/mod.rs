//! The collector `oc_numbers`: `GET {base_url}/api/v3/oc/numbers` ("Get Operator Connect
//! Customer Numbers V3"), the platform's Operator Connect numbers page by page, published as
//! counts: each customer's numbers by status, assignment and country, its active numbers by
//! capability, and the platform's numbers by status.
//!
//! A run asks for pages 1 to the first page's `totalPages`, each once, in turn with the
//! platform's other queued requests. The query keys are not confirmed by the vendor, so they
//! are options (`page_number_param`, `page_size_param`), and the answers are checked: a page
//! that answers another `currentPage` than asked, holds only numbers seen already, or a
//! `totalPages` the records cannot fill fails the run (`paging_ignored`) at once, naming the
//! keys to check; nothing of a failed run is published, the last good counts stay until
//! stale. A number found twice in one run (the list moved between pages) counts once.
//!
//! A run holds counts and the ids seen, never numbers: 100,000 numbers cost a few megabytes
//! for the run. Numbers change over days, and a run of 100,000 numbers in pages of 200 is 500
//! requests: the default interval is an hour. Older platforms answer 404: that fails this
//! collector only; `enabled = false` in its table switches it off.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Deserializer};
use tokio::time::Instant;

use crate::api::client::ApiClient;
use crate::api::lenient::ShapeError;
use crate::collect::directory::{CustomerList, Directory};
use crate::collect::{self, CollectError, Collected, Context, Defaults, Kind, Run};
use crate::exposition::snapshot::{Samples, Snapshot};
use crate::exposition::text::platform_label;
use crate::model::SkipReason;
use decode::{EXPECTED, decode};
use model::{Guid, Tally};
use render::{FAMILIES, render};

mod decode;
pub(super) mod demo;
mod model;
mod render;

/// The number inventory, below the platform's `base_url`.
pub(crate) const PATH: &[&str] = &["api", "v3", "oc", "numbers"];

/// How long a run waits for the platform's first customer list, once its pages are counted:
/// long enough that the first counts carry their customers' names (a series published without
/// them and then with them would be two series), short enough that a customer list that hangs
/// delays the numbers by little.
const FIRST_LIST_PATIENCE: Duration = Duration::from_secs(10);

pub(crate) const KIND: Kind = Kind {
    name: "oc_numbers",
    families: &FAMILIES,
    items: "numbers",
    defaults: Defaults::Own {
        interval: Duration::from_secs(60 * 60),
        timeout: Duration::from_secs(15 * 60),
    },
    build: |context| Box::new(OcNumbers::new(context)),
    options: Some(collect::options::<Options>),
};

/// `[platforms.collectors.oc_numbers]`'s own keys.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Options {
    /// Numbers per page: the vendor's default is 200; no maximum is documented, other paged
    /// endpoints of the API allow far more than 1000.
    #[serde(deserialize_with = "page_size")]
    pub(crate) page_size: u32,
    /// The query key of the page number, 1 for the first page.
    #[serde(deserialize_with = "query_key")]
    pub(crate) page_number_param: String,
    /// The query key of the page size.
    #[serde(deserialize_with = "query_key")]
    pub(crate) page_size_param: String,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            page_size: 200,
            page_number_param: "pageNumber".to_owned(),
            page_size_param: "pageSize".to_owned(),
        }
    }
}

const PAGE_SIZES: std::ops::RangeInclusive<u32> = 1..=1000;

fn page_size<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let size: u32 = crate::config::de::whole(deserializer)?;
    if !PAGE_SIZES.contains(&size) {
        return Err(serde::de::Error::custom(format_args!(
            "must be between {} and {}",
            PAGE_SIZES.start(),
            PAGE_SIZES.end()
        )));
    }
    Ok(size)
}

/// A query key: not empty, without blanks or control characters, which no server binds.
fn query_key<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let key = String::deserialize(deserializer)?;
    if key.is_empty() || key.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(serde::de::Error::custom(format_args!(
            "{key:?} is not a query key such as \"pageNumber\""
        )));
    }
    Ok(key)
}

struct OcNumbers {
    platform_label: Arc<[u8]>,
    client: Arc<ApiClient>,
    directory: Directory,
    options: Options,
}

impl OcNumbers {
    fn new(context: Context) -> Self {
        Self {
            platform_label: platform_label(&context.platform).into(),
            options: context.options::<Options>().clone(),
            client: context.client,
            directory: context.directory,
        }
    }
}

impl Run for OcNumbers {
    async fn run(&mut self) -> Result<Collected, CollectError> {
        let options = &self.options;
        let size = options.page_size.to_string();
        let mut pages = Pages::new(options.page_size);
        let mut asked: u64 = 1;
        loop {
            let number = asked.to_string();
            let query = [
                (options.page_number_param.as_str(), number.as_str()),
                (options.page_size_param.as_str(), size.as_str()),
            ];
            let body = self.client.get_queued(KIND.name, PATH, &query).await?;
            match pages.count(asked, &body) {
                Ok(true) => asked = asked.saturating_add(1),
                Ok(false) => break,
                Err(PageError::Shape(e)) => return Err(e.into()),
                Err(PageError::Ignored(ignored)) => {
                    return Err(CollectError::PagingIgnored(format!(
                        "{ignored}; no more pages asked this run. Check that the server reads \
                         the query keys page_number_param ({:?}) and page_size_param ({:?}) of \
                         [platforms.collectors.oc_numbers]",
                        options.page_number_param, options.page_size_param
                    )));
                }
            }
        }
        let customers = self.directory.settled(FIRST_LIST_PATIENCE).await;
        pages.finish(&self.platform_label, customers.as_ref())
    }
}

/// How the server's answers show that it does not page as asked. Numbers from the answer's
/// paging fields only: nothing of its records.
#[derive(Debug, thiserror::Error)]
enum Ignored {
    #[error("page {asked} was answered as currentPage {answered}")]
    OtherPage { asked: u64, answered: u64 },
    #[error("page {asked} holds only numbers of earlier pages")]
    Repeated { asked: u64 },
    #[error(
        "totalPages {total_pages} is more than {total_records} numbers in pages of {page_size} fill"
    )]
    TooManyPages {
        total_pages: u64,
        total_records: u64,
        page_size: u64,
    },
}

#[derive(Debug, thiserror::Error)]
enum PageError {
    #[error(transparent)]
    Shape(#[from] ShapeError),
    #[error(transparent)]
    Ignored(#[from] Ignored),
}

/// One run's pages so far: the ids seen and the counts.
struct Pages {
    page_size: u64,
    /// The first page's `totalPages`: the last page the run asks for.
    last_page: u64,
    seen: HashSet<u64>,
    tally: Tally,
    skipped: Vec<SkipReason>,
}

impl Pages {
    fn new(page_size: u32) -> Self {
        Self {
            page_size: u64::from(page_size).max(1),
            last_page: 1,
            seen: HashSet::new(),
            tally: Tally::default(),
            skipped: Vec::new(),
        }
    }

    /// Counts page `asked` (from 1) from its `body`: whether another page follows.
    fn count(&mut self, asked: u64, body: &[u8]) -> Result<bool, PageError> {
        let page = decode(body)?;
        if let Some(answered) = page.current_page
            && answered != asked
        {
            return Err(Ignored::OtherPage { asked, answered }.into());
        }
        if asked == 1 {
            // A server that pages by a smaller size than asked (the size key ignored) needs
            // more pages than the records fill at the size asked: refused, not followed.
            let fill = page.total_records.div_ceil(self.page_size);
            if page.total_pages > fill {
                return Err(Ignored::TooManyPages {
                    total_pages: page.total_pages,
                    total_records: page.total_records,
                    page_size: self.page_size,
                }
                .into());
            }
            self.last_page = page.total_pages;
        }
        let (mut new, mut again) = (0u64, 0u64);
        for number in page.numbers() {
            match number {
                Ok(number) if self.seen.insert(number.id) => {
                    self.tally.add(&number);
                    new = new.saturating_add(1);
                }
                Ok(_) => {
                    again = again.saturating_add(1);
                    self.skipped.push(SkipReason::DuplicateId);
                }
                Err(reason) => self.skipped.push(reason),
            }
        }
        // A few numbers again are the list moving between two pages; a page of nothing but
        // numbers seen is the first page again.
        if asked > 1 && new == 0 && again > 0 {
            return Err(Ignored::Repeated { asked }.into());
        }
        Ok(asked < self.last_page)
    }

    /// The run's snapshot, each customer named as `customers` lists it.
    fn finish(
        self,
        platform_label: &[u8],
        customers: Option<&CustomerList>,
    ) -> Result<Collected, CollectError> {
        // Publishing no number would make every customer's series vanish: the run fails
        // instead, and the last good counts stay.
        if self.tally.numbers == 0 && !self.skipped.is_empty() {
            let problem = format!("none of its {} numbers is usable", self.skipped.len());
            return Err(ShapeError::new(EXPECTED, problem).into());
        }
        let names: HashMap<Guid, &[u8]> = customers
            .iter()
            .flat_map(|list| list.iter())
            .filter_map(|listed| Some((Guid::parse(&listed.id)?, listed.name_label())))
            .collect();
        let families = render(platform_label, &self.tally, |guid| names.get(guid).copied());
        Ok(Collected {
            snapshot: Arc::new(Snapshot::new(
                Instant::now(),
                self.tally.numbers,
                families.map(Samples::encode),
            )),
            skipped: self.skipped,
        })
    }
}

/// Counts `bodies`, the pages 1 to n of one run in pages of `page_size`, and renders them, as a
/// run does without the network: for the benchmarks. The numbers counted.
pub fn count_pages(page_size: u32, bodies: &[Vec<u8>]) -> usize {
    let mut pages = Pages::new(page_size);
    for (asked, body) in (1..).zip(bodies) {
        if !matches!(pages.count(asked, body), Ok(true)) {
            break;
        }
    }
    pages
        .finish(b"platform=\"bench\"", None)
        .map_or(0, |collected| collected.snapshot.items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{CollectorConfig, PlatformConfig};
    use serde_json::{Value, json};

    const GUID: &str = "0d3e4dd6-1a2b-4c3d-8e9f-0123456789ab";

    fn number(id: u64, status: Value) -> Value {
        json!({"id": id, "umpCustomerGuid": GUID, "acquiredNumberStatus": status,
               "telephoneNumber": "+15550100000", "isoCountryCode": "US",
               "assignmentStatus": "Unassigned", "acquiredCapabilities": ["Mobile"]})
    }

    /// Page `current` of `total_records` numbers in pages of `size`, holding `ids`.
    fn page(
        current: u64,
        size: u64,
        total_records: u64,
        ids: impl Iterator<Item = u64>,
    ) -> Vec<u8> {
        let data: Vec<Value> = ids.map(|id| number(id, json!(0))).collect();
        json!({"currentPage": current, "pageSize": size, "totalRecords": total_records,
               "totalPages": total_records.div_ceil(size), "data": data})
        .to_string()
        .into_bytes()
    }

    fn error(result: Result<bool, PageError>) -> String {
        result.expect_err("refused").to_string()
    }

    #[test]
    fn pages_are_counted_up_to_the_first_pages_total_and_a_number_moved_counts_once() {
        let mut pages = Pages::new(2);
        assert!(matches!(pages.count(1, &page(1, 2, 5, 1..=2)), Ok(true)));
        // Number 2 moved onto page 2 as the list changed: counted once, the page kept.
        assert!(matches!(pages.count(2, &page(2, 2, 5, 2..=3)), Ok(true)));
        assert!(matches!(pages.count(3, &page(3, 2, 5, 4..=4)), Ok(false)));
        assert_eq!(pages.tally.numbers, 4);
        assert_eq!(pages.skipped, [SkipReason::DuplicateId]);
        let collected = pages.finish(b"platform=\"p\"", None).unwrap();
        assert_eq!(collected.snapshot.items, 4);
    }

    #[test]
    fn a_server_that_ignores_paging_fails_the_run_at_the_first_page_that_shows_it() {
        // Another page than asked: the page number key is not read.
        let mut pages = Pages::new(2);
        pages.count(1, &page(1, 2, 4, 1..=2)).unwrap();
        assert_eq!(
            error(pages.count(2, &page(1, 2, 4, 1..=2))),
            "page 2 was answered as currentPage 1"
        );
        // The first page again without a currentPage.
        let mut pages = Pages::new(2);
        let without_current = |ids: std::ops::RangeInclusive<u64>| {
            let data: Vec<Value> = ids.map(|id| number(id, json!(0))).collect();
            json!({"totalRecords": 4, "totalPages": 2, "data": data}).to_string()
        };
        pages.count(1, without_current(1..=2).as_bytes()).unwrap();
        assert_eq!(
            error(pages.count(2, without_current(1..=2).as_bytes())),
            "page 2 holds only numbers of earlier pages"
        );
        // More pages than the records fill at the size asked: the size key is not read.
        let mut pages = Pages::new(1000);
        assert_eq!(
            error(pages.count(1, &page(1, 200, 1000, 1..=200))),
            "totalPages 5 is more than 1000 numbers in pages of 1000 fill"
        );
        // Fewer pages (a server paging by a larger size than asked) are followed.
        let mut pages = Pages::new(100);
        assert!(matches!(
            pages.count(1, &page(1, 1000, 2000, 1..=1000)),
            Ok(true)
        ));
        assert_eq!(pages.last_page, 2);
    }

    #[test]
    fn absurd_paging_numbers_are_refused_without_overflow() {
        for (total_pages, total_records) in [(u64::MAX, u64::MAX), (10_001, 10_001_000), (2, 1)] {
            let body = json!({"currentPage": 1, "totalPages": total_pages,
                              "totalRecords": total_records, "data": []});
            let mut pages = Pages::new(1000);
            let message = error(pages.count(1, body.to_string().as_bytes()));
            assert!(
                message.contains("totalPages") && !message.contains("+1555"),
                "{message}"
            );
        }
        // An empty inventory is a good answer: every total is 0.
        let mut pages = Pages::new(200);
        assert!(matches!(pages.count(1, &page(1, 200, 0, 0..0)), Ok(false)));
        let collected = pages.finish(b"platform=\"p\"", None).unwrap();
        assert_eq!(collected.snapshot.items, 0);
    }

    #[test]
    fn a_run_of_nothing_but_unusable_numbers_fails_and_publishes_nothing() {
        let body = json!({"currentPage": 1, "totalPages": 1, "totalRecords": 2,
                          "data": [{"id": 1}, {"id": 2, "umpCustomerGuid": "x"}]});
        let mut pages = Pages::new(200);
        assert!(matches!(
            pages.count(1, body.to_string().as_bytes()),
            Ok(false)
        ));
        let error = pages
            .finish(b"platform=\"p\"", None)
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("none of its 2 numbers is usable"), "{error}");
    }

    #[test]
    fn a_run_over_100k_numbers_holds_counts_not_records() {
        let bodies: Vec<Vec<u8>> = (0..100u64)
            .map(|p| page(p + 1, 1000, 100_000, p * 1000 + 1..=p * 1000 + 1000))
            .collect();
        let before = crate::memory::counted::live_bytes();
        let mut pages = Pages::new(1000);
        for (asked, body) in (1..).zip(&bodies) {
            pages.count(asked, body).unwrap();
        }
        let held = crate::memory::counted::live_bytes() - before;
        assert_eq!(pages.tally.numbers, 100_000);
        // The ids seen (8 bytes each in a hash set) and a handful of counts; the records
        // themselves, some 300 bytes each as sent, would be 30 MB.
        assert!(held < 4 << 20, "{held} bytes held for 100k numbers");
        assert_eq!(count_pages(1000, &bodies), 100_000);
    }

    fn options(table: Value) -> Result<Options, String> {
        let mut platform = PlatformConfig::new(
            "p",
            "https://sp.example.com/tenantui".parse().unwrap(),
            crate::config::AuthConfig::None,
        );
        let table: CollectorConfig = serde_json::from_value(table).unwrap();
        platform.collectors.insert(KIND.name.to_owned(), table);
        let planned = collect::plan(&[&KIND], &platform, 0).map_err(|e| e.to_string())?;
        Ok(planned[0]
            .options
            .downcast_ref::<Options>()
            .unwrap()
            .clone())
    }

    #[test]
    fn options_have_the_vendors_defaults_and_are_refused_by_key() {
        assert_eq!(options(json!({})).unwrap(), Options::default());
        let set = options(json!({"page_size": "1000", "page_number_param": "PageNumber"}));
        assert_eq!(
            set.unwrap(),
            Options {
                page_size: 1000,
                page_number_param: "PageNumber".to_owned(),
                ..Options::default()
            }
        );
        for (table, start) in [
            (
                json!({"page_size": 0}),
                "platforms[0].collectors.oc_numbers.page_size: must be between 1 and 1000",
            ),
            (
                json!({"page_size": 1001}),
                "platforms[0].collectors.oc_numbers.page_size: must be between 1 and 1000",
            ),
            (
                json!({"page_size": 2.5}),
                "platforms[0].collectors.oc_numbers.page_size: invalid value",
            ),
            (
                json!({"page_size_param": ""}),
                "platforms[0].collectors.oc_numbers.page_size_param: \"\" is not a query key",
            ),
            (
                json!({"page_number_param": "page\nNumber"}),
                "platforms[0].collectors.oc_numbers.page_number_param: ",
            ),
            (
                json!({"pagesize": 100}),
                "platforms[0].collectors.oc_numbers.pagesize: unknown key",
            ),
        ] {
            let error = options(table.clone()).unwrap_err();
            assert!(error.starts_with(start), "{table}: {error}");
        }
    }
}
