//! What every per-customer collector must do, against the mock platform, written once: one
//! customer's failed request keeps its values while the others update, a 404 is counted as
//! `not_found`, customers that leave the list lose their series, and a run in which every
//! request fails fails. [`per_customer_behaviour!`] makes these the tests of one collector.

use std::collections::BTreeSet;

use crate::common::{Sample, Scrape, TestApp, fast, spawn_app};
use crate::metrics::license_name;
use liveplatform_exporter::{DemoPlatform, SEED_CUSTOMERS};
use serde_json::Value;

pub(crate) const PLATFORM: &str = "demo";

/// A per-customer collector as the shared tests see it.
pub(crate) struct Collector {
    pub name: &'static str,
    /// Its per-customer families.
    pub families: &'static [&'static str],
    /// Makes the mock answer the collector's request for a customer id with a status and body.
    pub answer: fn(&DemoPlatform, &str, u16, String),
    /// A good body unlike any the seed has, and the one sample (family, value) it becomes.
    pub changed: (&'static str, &'static str, f64),
}

/// The seed's customers, as the mock serves them.
pub(crate) fn seed() -> Vec<Value> {
    serde_json::from_slice(SEED_CUSTOMERS).unwrap()
}

pub(crate) fn id(customer: &Value) -> &str {
    customer["UmpCustomerGuid"].as_str().unwrap()
}

/// The labels every per-customer series of a seed customer carries, as the README documents
/// them.
pub(crate) struct CustomerLabels {
    id: String,
    name: String,
    license_type: String,
}

impl CustomerLabels {
    pub(crate) fn of(customer: &Value) -> Self {
        Self {
            id: id(customer).to_owned(),
            name: customer["CustomerShortName"].as_str().unwrap().to_owned(),
            license_type: license_name(customer["LicenseType"].as_i64().unwrap()),
        }
    }

    pub(crate) fn pairs(&self) -> [(&str, &str); 4] {
        [
            ("platform", PLATFORM),
            ("customer_id", &self.id),
            ("customer_name", &self.name),
            ("license_type", &self.license_type),
        ]
    }
}

/// The mock with the seed, and an exporter running every collector each second, more requests
/// in flight than by default so that a run of 35 customers takes a moment.
pub(crate) async fn start() -> (DemoPlatform, TestApp, Scrape) {
    let mock = DemoPlatform::start(SEED_CUSTOMERS).await.unwrap();
    let mut platform = fast(mock.platform_config(PLATFORM));
    platform.max_concurrent_requests = 8;
    let app = spawn_app(vec![platform]).await;
    let scrape = app.ready().await;
    (mock, app, scrape)
}

impl Collector {
    /// Every sample of the collector's families about `customer`, in the scrape's order.
    pub(crate) fn series<'a>(&self, scrape: &'a Scrape, customer: &str) -> Vec<&'a Sample> {
        scrape
            .samples
            .iter()
            .filter(|s| self.families.contains(&s.name.as_str()))
            .filter(|s| s.labels.get("customer_id").map(String::as_str) == Some(customer))
            .collect()
    }

    /// The customers with at least one sample of the collector's families.
    pub(crate) fn customers_with_series(&self, scrape: &Scrape) -> BTreeSet<String> {
        scrape
            .samples
            .iter()
            .filter(|s| self.families.contains(&s.name.as_str()))
            .filter_map(|s| s.labels.get("customer_id").cloned())
            .collect()
    }

    /// A series of the collector's own health, with `reason` if given.
    pub(crate) fn health(&self, scrape: &Scrape, name: &str, reason: Option<&str>) -> Option<f64> {
        let mut labels = vec![("platform", PLATFORM), ("collector", self.name)];
        labels.extend(reason.map(|reason| ("reason", reason)));
        scrape.value(name, &labels)
    }

    /// Up, with a request for every seed customer made and the error reasons at zero from the
    /// start.
    pub(crate) fn assert_up_with_a_request_per_customer(&self, scrape: &Scrape) {
        assert_eq!(self.health(scrape, "liveplatform_up", None), Some(1.0));
        assert!(
            self.health(scrape, "liveplatform_collector_requests_total", None)
                >= Some(seed().len() as f64)
        );
        for reason in ["not_found", "http_status", "decode"] {
            assert_eq!(
                self.health(
                    scrape,
                    "liveplatform_collector_request_errors_total",
                    Some(reason)
                ),
                Some(0.0),
                "{reason} exists from the start"
            );
        }
    }

    fn request_errors(&self, scrape: &Scrape, reason: &str) -> f64 {
        self.health(
            scrape,
            "liveplatform_collector_request_errors_total",
            Some(reason),
        )
        .unwrap_or(0.0)
    }

    /// Seed customers with series in `scrape`, in the seed's order.
    fn seed_with_series(&self, scrape: &Scrape) -> Vec<String> {
        let with = self.customers_with_series(scrape);
        seed()
            .iter()
            .map(|c| id(c).to_owned())
            .filter(|id| with.contains(id))
            .collect()
    }

    pub(crate) async fn one_customers_failed_request_keeps_its_values_while_the_others_update(
        &self,
    ) {
        let (mock, app, first) = start().await;
        let with = self.seed_with_series(&first);
        let (failing, changing) = (&with[0], &with[1]);
        let kept: Vec<Sample> = self.series(&first, failing).into_iter().cloned().collect();
        (self.answer)(
            &mock,
            failing,
            500,
            r#"{"title":"Internal Server Error","status":500}"#.to_owned(),
        );
        let (body, family, value) = self.changed;
        (self.answer)(&mock, changing, 200, body.to_owned());
        let scrape = app
            .scrape_until("the change and the failure to be collected", |s| {
                s.value(family, &[("customer_id", changing)]) == Some(value)
                    && self.request_errors(s, "http_status") >= 1.0
            })
            .await;
        let now: Vec<Sample> = self.series(&scrape, failing).into_iter().cloned().collect();
        assert_eq!(now, kept, "the last good values stay");
        assert_eq!(
            self.health(&scrape, "liveplatform_up", None),
            Some(1.0),
            "one customer's failure is not the collector's"
        );
        assert_eq!(
            self.series(&scrape, changing).len(),
            1,
            "what the new response leaves out loses its series"
        );
        app.stop().await.unwrap();
    }

    pub(crate) async fn a_404_is_counted_as_not_found_and_the_collector_stays_up(&self) {
        let (mock, app, first) = start().await;
        let before = self.customers_with_series(&first).len();
        let gone = self.seed_with_series(&first)[2].clone();
        (self.answer)(
            &mock,
            &gone,
            404,
            r#"{"title":"Not Found","status":404}"#.to_owned(),
        );
        let scrape = app
            .scrape_until("the 404 to be collected", |s| {
                self.request_errors(s, "not_found") >= 1.0 && self.series(s, &gone).is_empty()
            })
            .await;
        assert_eq!(self.health(&scrape, "liveplatform_up", None), Some(1.0));
        assert_eq!(
            self.health(
                &scrape,
                "liveplatform_poll_errors_total",
                Some("http_status")
            ),
            Some(0.0)
        );
        assert_eq!(self.customers_with_series(&scrape).len(), before - 1);
        app.stop().await.unwrap();
    }

    pub(crate) async fn customers_that_leave_the_list_lose_their_series(&self) {
        let (mock, app, first) = start().await;
        let customers = seed();
        let leaving: Vec<&str> = customers[..3].iter().map(id).collect();
        let with = self.customers_with_series(&first);
        mock.set_customers(serde_json::to_vec(&customers[3..]).unwrap());
        let scrape = app
            .scrape_until("the customers who left to lose their series", |s| {
                leaving.iter().all(|c| self.series(s, c).is_empty())
            })
            .await;
        let staying: BTreeSet<String> = with
            .into_iter()
            .filter(|c| !leaving.contains(&c.as_str()))
            .collect();
        assert_eq!(self.customers_with_series(&scrape), staying);
        app.stop().await.unwrap();
    }

    pub(crate) async fn a_run_in_which_every_request_fails_fails_and_keeps_the_values(&self) {
        let (mock, app, first) = start().await;
        for customer in &seed() {
            (self.answer)(&mock, id(customer), 503, String::new());
        }
        let scrape = app
            .scrape_until(&format!("the {} collector to fail", self.name), |s| {
                self.health(s, "liveplatform_up", None) == Some(0.0)
            })
            .await;
        assert!(
            self.health(
                &scrape,
                "liveplatform_poll_errors_total",
                Some("http_status")
            ) >= Some(1.0)
        );
        let one = &self.seed_with_series(&first)[3];
        assert_eq!(self.series(&scrape, one), self.series(&first, one));
        app.stop().await.unwrap();
    }
}

/// The shared tests, as tests of the collector `$collector` (a [`Collector`]).
macro_rules! per_customer_behaviour {
    ($collector:expr) => {
        #[tokio::test]
        async fn one_customers_failed_request_keeps_its_values_while_the_others_update() {
            $collector
                .one_customers_failed_request_keeps_its_values_while_the_others_update()
                .await;
        }

        #[tokio::test]
        async fn a_404_is_counted_as_not_found_and_the_collector_stays_up() {
            $collector
                .a_404_is_counted_as_not_found_and_the_collector_stays_up()
                .await;
        }

        #[tokio::test]
        async fn customers_that_leave_the_list_lose_their_series() {
            $collector
                .customers_that_leave_the_list_lose_their_series()
                .await;
        }

        #[tokio::test]
        async fn a_run_in_which_every_request_fails_fails_and_keeps_the_values() {
            $collector
                .a_run_in_which_every_request_fails_fails_and_keeps_the_values()
                .await;
        }
    };
}

pub(crate) use per_customer_behaviour;
