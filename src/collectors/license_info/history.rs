//! A customer's license history for the backfill: every daily record of
//! `licenseinfo?nrOfMonths=N`, not only the latest, rendered as the live families (the same
//! names and labels, by the live renderer) with each sample at its record's `lastUpdate`.
//!
//! The per-customer families get one sample per record. The license type sums, which live are
//! summed over the customers' current records at every run, get one sample per UTC day: the sum
//! of each customer's latest record of that day, at the latest `lastUpdate` among them, so that
//! a day's sum counts every customer once.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::time::Duration;

use time::OffsetDateTime;

use crate::api::client::ApiClient;
use crate::api::lenient::{Decoded, ShapeError};
use crate::collect::RequestError;
use crate::collect::directory::Listed;
use crate::collectors::license_info::decode::each_record;
use crate::collectors::license_info::model::LicenseInfo;
use crate::collectors::license_info::render::{
    FAMILY_COUNT, TYPE_ACQUIRED, TYPE_CURRENTLY_LICENSED, render,
};
use crate::collectors::license_info::{KIND, path};
use crate::model::SkipReason;

/// The months of history the endpoint serves, as `nrOfMonths`.
pub(crate) const MONTHS: RangeInclusive<u8> = 1..=24;

/// The families a backfill writes: the live collector's, in its order.
pub(crate) use crate::collectors::license_info::render::FAMILIES;

/// The labels the families' series carry of their own; a label the backfill adds must be
/// another.
pub(crate) const LABELS: [&str; 5] = [
    "platform",
    "customer_id",
    "customer_name",
    "license_type",
    "factor",
];

/// The families whose series sum customers by license type: per day, not per record.
const TYPE_FAMILIES: [usize; 2] = [TYPE_ACQUIRED, TYPE_CURRENTLY_LICENSED];

const MILLIS_PER_DAY: i64 = 86_400_000;

/// Sample lines by family, each `name{labels} value timestamp`, every series' lines together and
/// in time order.
pub(crate) type Lines = [Vec<u8>; FAMILY_COUNT];

/// One record placed in time: milliseconds since 1970, Prometheus' own resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Dated {
    at: i64,
    info: LicenseInfo,
}

/// A customer's dated records, oldest first, at most one per millisecond.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct History(Vec<Dated>);

impl History {
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

/// `months` of `customer_id`'s history, through the client's queue as the live collector's
/// requests go (its limiter, its pauses after a 429, `customer_request_timeout`). A backfill has
/// no run whose time a request could eat into: it holds its place for
/// `customer_request_timeout` alone.
pub(crate) async fn fetch(
    client: &ApiClient,
    customer_id: &str,
    months: u8,
) -> Result<Decoded<History>, RequestError> {
    let months = months.to_string();
    let query = [("nrOfMonths", months.as_str())];
    let body = client
        .get_customer(KIND.name, &path(customer_id), &query, Duration::MAX)
        .await?;
    Ok(decode_history(&body)?)
}

/// Every usable record, read as the live collector reads one, ordered by `lastUpdate`. A record
/// without a date (none, null, or before 1970) cannot be placed in time and is skipped as an
/// invalid field; of records at the same millisecond the first in the array wins, as live.
fn decode_history(body: &[u8]) -> Result<Decoded<History>, ShapeError> {
    let mut records = Vec::new();
    let mut undated = 0;
    let mut skipped = each_record(body, |info| match info.last_update.and_then(millis) {
        Some(at) => records.push(Dated { at, info }),
        None => undated += 1,
    })?;
    skipped.extend(std::iter::repeat_n(SkipReason::InvalidField, undated));
    // Stable: equal times keep the array's order, and dedup keeps the first of them.
    records.sort_by_key(|record| record.at);
    records.dedup_by_key(|record| record.at);
    Ok(Decoded {
        value: Some(History(records)),
        skipped,
    })
}

fn millis(at: OffsetDateTime) -> Option<i64> {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()
}

/// The sums of one license type on one day.
#[derive(Default)]
struct DayTotal {
    /// Only the summed counts are set.
    sums: LicenseInfo,
    /// The latest `lastUpdate` summed in.
    at: i64,
}

/// Renders the histories of one platform's customers, and their daily license type sums.
pub(crate) struct Renderer {
    /// `platform="…"` and the backfill's own labels: what every series starts with.
    labels: Vec<u8>,
    /// By license type code and day since 1970.
    totals: BTreeMap<(i64, i64), DayTotal>,
}

impl Renderer {
    /// `labels`: the series' first labels, `platform="…"` and any others, escaped.
    pub(crate) fn new(labels: Vec<u8>) -> Self {
        Self {
            labels,
            totals: BTreeMap::new(),
        }
    }

    /// The per-customer families' lines of `customer`'s history; its records count towards the
    /// license type sums [`Renderer::totals`] renders.
    pub(crate) fn customer(&mut self, customer: &Listed, history: &History) -> Lines {
        let mut lines: [Vec<Stamped>; FAMILY_COUNT] = Default::default();
        for record in &history.0 {
            let item = (&*customer.labels, customer.license_type, &record.info);
            let rendered = render(&self.labels, std::iter::once(item));
            for (family, text) in rendered.iter().enumerate() {
                if !TYPE_FAMILIES.contains(&family) {
                    lines[family].extend(Line::split(text, record.at).map(Stamped::from));
                }
            }
        }
        self.add_to_totals(customer.license_type, history);
        lines.map(|mut family| {
            // One record's lines are one per series; each series' lines are made contiguous,
            // and stay in time order (the sort is stable).
            family.sort_by(|a, b| a.series().cmp(b.series()));
            concat(&family)
        })
    }

    /// Each day's latest record of the customer, added to its license type's sums of the day.
    fn add_to_totals(&mut self, license_type: i64, history: &History) {
        let days = history.0.chunk_by(|a, b| day(a.at) == day(b.at));
        for latest in days.filter_map(<[Dated]>::last) {
            let total = self
                .totals
                .entry((license_type, day(latest.at)))
                .or_default();
            add(&mut total.sums.acquired, latest.info.acquired);
            add(
                &mut total.sums.currently_licensed,
                latest.info.currently_licensed,
            );
            total.at = total.at.max(latest.at);
        }
    }

    /// The license type families' lines: one sample a day per license type, in time order.
    pub(crate) fn totals(self) -> Lines {
        let mut out = Lines::default();
        for ((license_type, _), total) in &self.totals {
            let item = (&b""[..], *license_type, &total.sums);
            let rendered = render(&self.labels, std::iter::once(item));
            for family in TYPE_FAMILIES {
                for line in Line::split(&rendered[family], total.at) {
                    line.write(&mut out[family]);
                }
            }
        }
        out
    }
}

fn day(at: i64) -> i64 {
    at.div_euclid(MILLIS_PER_DAY)
}

/// `value` added to `sum`, which exists once a value was added; saturating as live.
fn add(sum: &mut Option<u64>, value: Option<u64>) {
    if let Some(value) = value {
        *sum = Some(sum.unwrap_or(0).saturating_add(value));
    }
}

/// A line written with its timestamp, and how long its series' part is.
struct Stamped {
    text: Vec<u8>,
    series: usize,
}

impl From<Line<'_>> for Stamped {
    fn from(line: Line<'_>) -> Self {
        let mut text = Vec::with_capacity(line.text.len() + 16);
        line.write(&mut text);
        Stamped {
            series: line.series().len(),
            text,
        }
    }
}

impl Stamped {
    fn series(&self) -> &[u8] {
        &self.text[..self.series]
    }
}

/// The lines' text, one after the other.
fn concat(lines: &[Stamped]) -> Vec<u8> {
    let mut out = Vec::with_capacity(lines.iter().map(|line| line.text.len()).sum());
    for line in lines {
        out.extend_from_slice(&line.text);
    }
    out
}

/// One rendered sample line, without its line feed, and its time.
struct Line<'a> {
    text: &'a [u8],
    at: i64,
}

impl<'a> Line<'a> {
    /// The lines of a render's family text, each to be stamped with `at`.
    fn split(text: &'a [u8], at: i64) -> impl Iterator<Item = Line<'a>> {
        text.split(|&b| b == b'\n')
            .filter(|line| !line.is_empty())
            .map(move |text| Line { text, at })
    }

    /// `name{labels}`: what tells the line's series. The value after it holds no brace.
    fn series(&self) -> &[u8] {
        let end = self.text.iter().rposition(|&b| b == b'}').unwrap_or(0);
        &self.text[..end]
    }

    /// The line with its timestamp in seconds, to the millisecond, as OpenMetrics writes it.
    fn write(&self, out: &mut Vec<u8>) {
        let mut buffer = itoa::Buffer::new();
        out.extend_from_slice(self.text);
        out.push(b' ');
        out.extend_from_slice(buffer.format(self.at.div_euclid(1000)).as_bytes());
        out.push(b'.');
        let millis = self.at.rem_euclid(1000);
        out.extend_from_slice(format!("{millis:03}").as_bytes());
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposition::text::platform_label;

    fn history(body: &str) -> Decoded<History> {
        decode_history(body.as_bytes()).unwrap()
    }

    fn customer(id: &str, license_type: i64) -> Listed {
        Listed {
            id: id.into(),
            license_type,
            labels: format!(r#"customer_id="{id}",customer_name="n{id}",license_type="t""#)
                .into_bytes()
                .into(),
        }
    }

    fn text(lines: &[u8]) -> &str {
        std::str::from_utf8(lines).unwrap()
    }

    #[test]
    fn records_come_in_time_order_and_undated_or_unreadable_ones_are_skipped_and_counted() {
        let decoded = history(
            r#"[{"acquiredLicenses": 3, "lastUpdate": "2024-04-03T00:00:00.5Z"},
                {"acquiredLicenses": 1, "lastUpdate": "2024-04-01T00:00:00Z"},
                {"acquiredLicenses": 9},
                {"acquiredLicenses": 8, "lastUpdate": "0001-01-01T00:00:00Z"},
                {"acquiredLicenses": -1, "lastUpdate": "2024-04-02T00:00:00Z"},
                {"acquiredLicenses": 2, "lastUpdate": "2024-04-03T02:00:00.5+02:00"},
                42]"#,
        );
        assert_eq!(
            decoded.skipped,
            [
                SkipReason::InvalidField,
                SkipReason::NotAnObject,
                SkipReason::InvalidField,
                SkipReason::InvalidField,
            ]
        );
        let records = decoded.value.unwrap().0;
        let acquired: Vec<_> = records.iter().map(|r| r.info.acquired).collect();
        assert_eq!(
            acquired,
            [Some(1), Some(3)],
            "of two records at one instant the first in the array wins, as live"
        );
        assert_eq!(records[0].at, 1_711_929_600_000);
        assert_eq!(records[1].at, 1_712_102_400_500);
    }

    #[test]
    fn a_body_that_is_no_array_is_an_error() {
        assert!(decode_history(b"{}").is_err());
        assert_eq!(history("[]").value.unwrap(), History::default());
    }

    #[test]
    fn each_series_is_contiguous_in_time_order_with_live_names_and_labels() {
        let decoded = history(
            r#"[{"acquiredLicenses": 5, "managedUsersDirectRouting": 1, "managedUsersUserInterface": 2,
                 "lastUpdate": "2024-04-02T06:00:00.25Z"},
                {"acquiredLicenses": 4, "managedUsersDirectRouting": 3, "managedUsersUserInterface": 4,
                 "lastUpdate": "2024-04-01T06:00:00Z"}]"#,
        );
        let mut labels = platform_label("p");
        labels.extend_from_slice(br#",job="lp""#);
        let mut renderer = Renderer::new(labels);
        let lines = renderer.customer(&customer("a", 2), &decoded.value.unwrap());
        let series = r#"platform="p",job="lp",customer_id="a",customer_name="na",license_type="t""#;
        assert_eq!(
            text(&lines[0]),
            format!(
                "liveplatform_customer_acquired_licenses{{{series}}} 4 1711951200.000\n\
                 liveplatform_customer_acquired_licenses{{{series}}} 5 1712037600.250\n"
            )
        );
        assert_eq!(
            text(&lines[3]),
            format!(
                "liveplatform_customer_managed_users{{{series},factor=\"direct_routing\"}} 3 1711951200.000\n\
                 liveplatform_customer_managed_users{{{series},factor=\"direct_routing\"}} 1 1712037600.250\n\
                 liveplatform_customer_managed_users{{{series},factor=\"user_interface\"}} 4 1711951200.000\n\
                 liveplatform_customer_managed_users{{{series},factor=\"user_interface\"}} 2 1712037600.250\n"
            )
        );
        assert_eq!(
            text(&lines[5]),
            format!(
                "liveplatform_customer_license_last_update_timestamp_seconds{{{series}}} 1711951200 1711951200.000\n\
                 liveplatform_customer_license_last_update_timestamp_seconds{{{series}}} 1712037600 1712037600.250\n"
            )
        );
        for family in TYPE_FAMILIES {
            assert!(lines[family].is_empty(), "sums come from totals()");
        }
        for label in text(&lines.concat()).split(['{', ',']).skip(1) {
            let name = label.split('=').next().unwrap();
            assert!(
                LABELS.contains(&name) || name == "job",
                "{name} is not in LABELS"
            );
        }
    }

    #[test]
    fn license_type_sums_take_each_customers_latest_record_of_the_day() {
        let a = history(
            r#"[{"acquiredLicenses": 100, "currentlyLicensed": 1, "lastUpdate": "2024-04-01T05:00:00Z"},
                {"acquiredLicenses": 10, "currentlyLicensed": 2, "lastUpdate": "2024-04-01T06:00:00Z"},
                {"acquiredLicenses": 11, "lastUpdate": "2024-04-02T06:00:00Z"}]"#,
        );
        let b = history(
            r#"[{"acquiredLicenses": 5, "lastUpdate": "2024-04-01T07:00:00Z"},
                {"acquiredLicenses": 6, "lastUpdate": "2024-04-02T05:00:00Z"}]"#,
        );
        let c = history(r#"[{"acquiredLicenses": 7, "lastUpdate": "2024-04-01T00:00:00Z"}]"#);
        let mut renderer = Renderer::new(platform_label("p"));
        renderer.customer(&customer("a", 2), &a.value.unwrap());
        renderer.customer(&customer("b", 2), &b.value.unwrap());
        renderer.customer(&customer("c", 77), &c.value.unwrap());
        let totals = renderer.totals();
        assert_eq!(
            text(&totals[TYPE_ACQUIRED]),
            "liveplatform_license_type_acquired_licenses{platform=\"p\",license_type=\"hosted_pro\"} 15 1711954800.000\n\
             liveplatform_license_type_acquired_licenses{platform=\"p\",license_type=\"hosted_pro\"} 17 1712037600.000\n\
             liveplatform_license_type_acquired_licenses{platform=\"p\",license_type=\"unknown_77\"} 7 1711929600.000\n"
        );
        assert_eq!(
            text(&totals[TYPE_CURRENTLY_LICENSED]),
            "liveplatform_license_type_currently_licensed_users{platform=\"p\",license_type=\"hosted_pro\"} 2 1711954800.000\n",
            "a day on which no customer of the type reports the count has no sum"
        );
        let others = (0..FAMILY_COUNT).filter(|f| !TYPE_FAMILIES.contains(f));
        for family in others {
            assert!(totals[family].is_empty());
        }
    }
}
