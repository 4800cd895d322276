//! Configuration reloads (what SIGHUP triggers; `binary.rs` sends the signal itself): platforms
//! and collectors added, changed and removed while the exporter serves, the data of what did
//! not change kept, and a bad configuration refused with the running one left in place; and a
//! reload that moves, re-credentials or removes a platform whose per-customer collectors are
//! mid-run taking effect at once.

use std::time::Duration;

use crate::common::{Scrape, TestApp, fast, spawn_app, unauthenticated};
use liveplatform_exporter::{Config, DemoPlatform, PlatformConfig, ReloadError, SEED_CUSTOMERS};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A server whose customer list holds one customer, `id`.
async fn platform_api(id: &str) -> MockServer {
    let server = MockServer::start().await;
    let body = format!(
        r#"[{{"UmpCustomerGuid":"{id}","CustomerShortName":"{id}","LicenseType":1,"LicensedUsersCount":5}}]"#
    );
    Mock::given(method("GET"))
        .and(path("/api/v3/customer"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    server
}

fn has_customer(scrape: &Scrape, id: &str) -> bool {
    !scrape
        .find("liveplatform_customer_info", &[("customer_id", id)])
        .is_empty()
}

fn health(scrape: &Scrape, name: &str, platform: &str) -> Option<f64> {
    scrape.value(name, &[("platform", platform), ("collector", "customers")])
}

fn reload_succeeded(scrape: &Scrape) -> Option<f64> {
    scrape.value("liveplatform_exporter_config_last_reload_successful", &[])
}

async fn both_polled(app: &TestApp) -> Scrape {
    app.scrape_until("both platforms polled", |s| {
        has_customer(s, "a1") && has_customer(s, "b1")
    })
    .await
}

#[tokio::test]
async fn platforms_are_added_changed_and_removed_keeping_what_did_not_change() {
    let (a_api, b_api) = (platform_api("a1").await, platform_api("b1").await);
    let a = unauthenticated("a", &a_api.uri());
    let b = unauthenticated("b", &b_api.uri());
    let app = spawn_app(vec![a.clone()]).await;
    let first = app
        .scrape_until("a polled", |s| has_customer(s, "a1"))
        .await;
    assert_eq!(
        reload_succeeded(&first),
        Some(1.0),
        "start-up is a good load"
    );

    // b added; a untouched: its task goes on, its counters keep counting.
    app.reloader
        .reload(Ok(Config::with_platforms(vec![a.clone(), b.clone()])))
        .await
        .unwrap();
    let right_after = app.scrape().await;
    assert!(has_customer(&right_after, "a1"), "a's data never leaves");
    assert!(
        health(&right_after, "liveplatform_polls_total", "a")
            >= health(&first, "liveplatform_polls_total", "a"),
        "a's counters were not reset"
    );
    let both = both_polled(&app).await;
    assert_eq!(reload_succeeded(&both), Some(1.0));

    // a on a new schedule: restarted with the data it had, the new interval published.
    let mut slower = a.clone();
    slower.poll_interval = Duration::from_secs(2);
    app.reloader
        .reload(Ok(Config::with_platforms(vec![slower, b.clone()])))
        .await
        .unwrap();
    let rescheduled = app.scrape().await;
    assert!(
        has_customer(&rescheduled, "a1"),
        "same source: data carried over"
    );
    assert_eq!(
        health(&rescheduled, "liveplatform_poll_interval_seconds", "a"),
        Some(2.0)
    );

    // a removed: its customer series and its health series vanish at once.
    app.reloader
        .reload(Ok(Config::with_platforms(vec![b.clone()])))
        .await
        .unwrap();
    let removed = app.scrape().await;
    assert!(!has_customer(&removed, "a1"));
    assert!(has_customer(&removed, "b1"));
    assert!(
        !removed.text.contains("platform=\"a\""),
        "nothing of platform a is left:\n{}",
        removed.text
    );
    let ready = app.get("/-/ready").await;
    assert_eq!(ready.status(), 200, "b alone is polled and ready");
}

#[tokio::test]
async fn a_new_connection_starts_empty_and_waits_for_its_own_poll() {
    let (old_api, new_api) = (platform_api("old1").await, platform_api("new1").await);
    let app = spawn_app(vec![unauthenticated("a", &old_api.uri())]).await;
    app.scrape_until("a polled", |s| has_customer(s, "old1"))
        .await;
    // The same platform name, another API: what the old one said is not this one's data.
    app.reloader
        .reload(Ok(Config::with_platforms(vec![unauthenticated(
            "a",
            &new_api.uri(),
        )])))
        .await
        .unwrap();
    let moved = app.scrape().await;
    assert!(!has_customer(&moved, "old1"), "{}", moved.text);
    app.scrape_until("the new API polled", |s| has_customer(s, "new1"))
        .await;
}

#[tokio::test]
async fn a_bad_configuration_is_refused_by_key_and_the_running_one_stays() {
    let (a_api, b_api) = (platform_api("a1").await, platform_api("b1").await);
    let a = unauthenticated("a", &a_api.uri());
    let b = unauthenticated("b", &b_api.uri());
    let app = spawn_app(vec![a.clone(), b.clone()]).await;
    both_polled(&app).await;

    // A file that does not load.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    std::fs::write(
        &file,
        "[[platforms]]\nname = \"a\"\nbase_url = \"https://x.example\"\npoll_interval = \"1y\"\n[platforms.auth]\nkind = \"none\"\n",
    )
    .unwrap();
    let error = app
        .reloader
        .reload(Config::load(&file, []))
        .await
        .unwrap_err();
    assert!(matches!(error, ReloadError::Config(_)));
    assert!(
        error.to_string().contains("platforms[0].poll_interval"),
        "{error}"
    );
    let refused = app.scrape().await;
    assert_eq!(reload_succeeded(&refused), Some(0.0));

    // One that loads but cannot be followed: an unknown collector, named by its key.
    let mut unknown: PlatformConfig = b.clone();
    unknown
        .collectors
        .insert("nonsense".to_owned(), Default::default());
    let error = app
        .reloader
        .reload(Ok(Config::with_platforms(vec![unknown])))
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("platforms[0].collectors.nonsense"),
        "{error}"
    );

    // Both platforms still run: their data stays and keeps being polled.
    let before = app.scrape().await;
    let polls = health(&before, "liveplatform_polls_total", "a").unwrap();
    let after = app
        .scrape_until("a polled again", |s| {
            health(s, "liveplatform_polls_total", "a") > Some(polls)
        })
        .await;
    assert!(has_customer(&after, "a1") && has_customer(&after, "b1"));
    assert_eq!(
        reload_succeeded(&after),
        Some(0.0),
        "until a reload succeeds"
    );
    let stamp = "liveplatform_exporter_config_last_reload_success_timestamp_seconds";
    let last_good = after.value(stamp, &[]).unwrap();

    app.reloader
        .reload(Ok(Config::with_platforms(vec![a, b])))
        .await
        .unwrap();
    let good = app.scrape().await;
    assert_eq!(reload_succeeded(&good), Some(1.0));
    assert!(good.value(stamp, &[]).unwrap() >= last_good);
}

#[tokio::test]
async fn a_collector_switched_off_takes_its_series_along_and_on_brings_them_back() {
    let mock = DemoPlatform::start(SEED_CUSTOMERS).await.unwrap();
    let platform = fast(mock.platform_config("demo"));
    let app = spawn_app(vec![platform.clone()]).await;
    let running = app.ready().await;
    let numbers = "liveplatform_oc_numbers_ready_for_removal";
    assert!(running.value(numbers, &[("platform", "demo")]).is_some());

    let mut without = platform.clone();
    without
        .collectors
        .entry("number_removal".to_owned())
        .or_default()
        .enabled = Some(false);
    app.reloader
        .reload(Ok(Config::with_platforms(vec![without])))
        .await
        .unwrap();
    let off = app.scrape().await;
    assert_eq!(off.value(numbers, &[("platform", "demo")]), None);
    assert!(
        !off.text.contains("collector=\"number_removal\""),
        "its health series went too:\n{}",
        off.text
    );
    assert_eq!(off.find("liveplatform_customer_info", &[]).len(), 35);

    app.reloader
        .reload(Ok(Config::with_platforms(vec![platform])))
        .await
        .unwrap();
    app.scrape_until("number_removal back", |s| {
        s.value(numbers, &[("platform", "demo")]).is_some()
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// POST /-/reload (--web.enable-lifecycle), on the built binary

mod lifecycle {
    use crate::common::demo::{Demo, Log};

    const RELOADED: &str = "\nliveplatform_exporter_config_last_reload_successful 1\n";
    const REFUSED: &str = "\nliveplatform_exporter_config_last_reload_successful 0\n";

    fn platform(name: &str, api: &wiremock::MockServer) -> String {
        format!(
            "[[platforms]]\nname = \"{name}\"\nbase_url = \"{}\"\npoll_interval = \"1s\"\n\
             [platforms.auth]\nkind = \"none\"\n",
            api.uri()
        )
    }

    async fn metrics(http: &reqwest::Client, demo: &Demo) -> String {
        http.get(demo.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn post_reload(http: &reqwest::Client, demo: &Demo) -> (u16, String) {
        let response = http.post(demo.url("/-/reload")).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    #[tokio::test]
    async fn post_reload_applies_the_file_as_sighup_does_and_refuses_a_bad_one() {
        let (a, b) = (
            super::platform_api("a1").await,
            super::platform_api("b1").await,
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(&file, platform("a", &a)).unwrap();
        let demo = Demo::start_with(
            &[
                "--config.file",
                file.to_str().unwrap(),
                "--web.enable-lifecycle",
            ],
            Log::Keep,
        );
        let http = reqwest::Client::new();
        demo.wait_until_ready(&http).await;
        assert!(!metrics(&http, &demo).await.contains("platform=\"b\""));

        // GET never reloads: a crawler or a browser's prefetch must not.
        let get = http.get(demo.url("/-/reload")).send().await.unwrap();
        assert_eq!(get.status(), 405);

        std::fs::write(&file, platform("a", &a) + &platform("b", &b)).unwrap();
        let (status, body) = post_reload(&http, &demo).await;
        assert_eq!(status, 200, "{body}");
        // Applied by the time the answer comes: b is a platform of the exporter already.
        let after = metrics(&http, &demo).await;
        assert!(after.contains(RELOADED), "{after}");
        assert!(after.contains("liveplatform_up{collector=\"customers\",platform=\"b\"}"));

        std::fs::write(
            &file,
            platform("a", &a) + "[platforms.collectors.nonsense]\n",
        )
        .unwrap();
        let (status, body) = post_reload(&http, &demo).await;
        assert_eq!(status, 500);
        assert!(body.contains("platforms[0].collectors.nonsense"), "{body}");
        let refused = metrics(&http, &demo).await;
        assert!(refused.contains(REFUSED), "{refused}");
        assert!(
            refused.contains("platform=\"b\""),
            "the running configuration stays"
        );
        assert!(
            demo.log()
                .contains("POST /-/reload: reloading the configuration")
        );
    }

    #[tokio::test]
    async fn without_the_flag_there_is_no_reload_endpoint() {
        let demo = Demo::start(Log::Keep);
        let http = reqwest::Client::new();
        demo.wait_until_ready(&http).await;
        let (status, _) = post_reload(&http, &demo).await;
        assert_eq!(status, 404);
        assert!(metrics(&http, &demo).await.contains(RELOADED));
    }

    #[tokio::test]
    async fn the_demo_says_it_has_no_file_to_reload() {
        let demo = Demo::start_with(&["--demo", "--web.enable-lifecycle"], Log::Keep);
        let http = reqwest::Client::new();
        demo.wait_until_ready(&http).await;
        let (status, body) = post_reload(&http, &demo).await;
        assert_eq!(status, 500);
        assert!(body.contains("no configuration file"), "{body}");
    }
}

// ---------------------------------------------------------------------------------------------
// A reload takes effect at once, with every per-customer collector mid-run (issue 29)

mod at_once {
    use std::time::Duration;

    use crate::common::demo::{Demo, Log};
    use crate::common::stand_in::{Answer, Endpoint, Seen, StandIn};
    use crate::common::{TestApp, customers_only, enable, spawn_app};
    use liveplatform_exporter::{
        AuthConfig, Config, PlatformConfig, SecretSource, collector_names,
    };
    use reqwest::Url;
    use secrecy::SecretString;
    use tokio::time::Instant;

    const PER_CUSTOMER: [Endpoint; 2] = [Endpoint::LicenseInfo, Endpoint::Details];
    /// How soon a reload takes effect.
    const AT_ONCE: Duration = Duration::from_secs(1);
    /// How long a test waits for what should come at once, before it says what came instead.
    const PATIENCE: Duration = Duration::from_secs(10);

    /// The issue's platform: 200 customers answering in 300 ms each, 4 requests in flight, 20
    /// started a second, the customer list hourly, every per-customer collector at its defaults
    /// (runs of 45 minutes and 3 hours).
    fn platform(name: &str, api: &StandIn, auth: AuthConfig) -> PlatformConfig {
        let base_url = Url::parse(&api.uri()).unwrap();
        let mut platform = customers_only(PlatformConfig::new(name, base_url, auth));
        platform.max_concurrent_requests = 4;
        platform.max_requests_per_second = 20;
        platform.poll_interval = Duration::from_secs(3600);
        platform.stale_after = Duration::from_secs(3 * 3600);
        for collector in ["license_info", "customer_details"] {
            enable(&mut platform, collector);
        }
        platform
    }

    fn bearer(token: &str) -> AuthConfig {
        AuthConfig::Bearer {
            token: SecretSource::Inline(SecretString::from(token)),
        }
    }

    async fn slow_api() -> StandIn {
        let api = StandIn::start(200).await;
        api.answer_after(Duration::from_millis(300));
        api
    }

    /// Polls `probe` every 10 ms until it holds; panics with what `api` saw after [`PATIENCE`].
    async fn until(what: &str, api: &StandIn, probe: impl Fn(&[Seen]) -> bool) {
        let deadline = Instant::now() + PATIENCE;
        while !probe(&api.seen()) {
            assert!(Instant::now() < deadline, "never {what}: {:?}", api.seen());
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Whether every per-customer collector has a request of `which` being answered.
    fn mid_run(seen: &[Seen], which: &impl Fn(&Seen) -> bool) -> bool {
        PER_CUSTOMER.iter().all(|&endpoint| {
            seen.iter()
                .any(|s| s.endpoint == endpoint && s.answer == Answer::Coming && which(s))
        })
    }

    /// Reloads `app` to `platforms` and says when the reload was applied.
    async fn reload(app: &TestApp, platforms: Vec<PlatformConfig>) -> Instant {
        let reload = app.reloader.reload(Ok(Config::with_platforms(platforms)));
        tokio::time::timeout(AT_ONCE, reload)
            .await
            .expect("a reload is applied at once")
            .unwrap();
        Instant::now()
    }

    /// Requests of `which` sent to `api` were let go by a reload applied at `applied`: none
    /// after it, and none still being answered within [`AT_ONCE`].
    async fn let_go(api: &StandIn, applied: Instant, which: impl Fn(&Seen) -> bool) {
        until("the requests in flight given up", api, |seen| {
            !seen.iter().any(|s| which(s) && s.answer == Answer::Coming)
        })
        .await;
        let took = Instant::now() - applied;
        assert!(took < AT_ONCE, "in flight for {took:?} after the reload");
        let late: Vec<Seen> = api
            .seen()
            .into_iter()
            .filter(|s| which(s) && s.at > applied)
            .collect();
        assert!(late.is_empty(), "requests after the reload: {late:?}");
    }

    /// Some request of `which` was given up on while `api` was answering it.
    fn cancelled(api: &StandIn, which: impl Fn(&Seen) -> bool) {
        let seen = api.seen();
        assert!(
            seen.iter().any(|s| which(s) && s.answer == Answer::GivenUp),
            "no request in flight was cancelled: {seen:?}"
        );
    }

    /// The platform's per-customer collectors ask `api` (with `which` requests) within
    /// [`AT_ONCE`] of a reload applied at `applied`.
    async fn started(api: &StandIn, applied: Instant, which: impl Fn(&Seen) -> bool) {
        until("asked by every per-customer collector", api, |seen| {
            PER_CUSTOMER.iter().all(|&endpoint| {
                seen.iter()
                    .any(|s| s.endpoint == endpoint && s.at > applied && which(s))
            })
        })
        .await;
        assert!(
            Instant::now() - applied < AT_ONCE,
            "started after {:?}",
            Instant::now() - applied
        );
    }

    fn any(_: &Seen) -> bool {
        true
    }

    #[tokio::test]
    async fn a_moved_base_url_is_asked_at_once_and_the_old_one_no_more() {
        let (old, new) = (slow_api().await, slow_api().await);
        let app = spawn_app(vec![platform("lp", &old, AuthConfig::None)]).await;
        until("mid-run", &old, |seen| mid_run(seen, &any)).await;
        let applied = reload(&app, vec![platform("lp", &new, AuthConfig::None)]).await;
        started(&new, applied, any).await;
        let_go(&old, applied, any).await;
        cancelled(&old, any);
        app.stop().await.unwrap();
    }

    #[tokio::test]
    async fn changed_credentials_are_used_at_once_and_the_old_ones_no_more() {
        let api = slow_api().await;
        let app = spawn_app(vec![platform("lp", &api, bearer("old-token"))]).await;
        let old = |s: &Seen| s.authorization.as_deref() == Some("Bearer old-token");
        until("mid-run", &api, |seen| mid_run(seen, &old)).await;
        let applied = reload(&app, vec![platform("lp", &api, bearer("new-token"))]).await;
        started(&api, applied, |s| {
            s.authorization.as_deref() == Some("Bearer new-token")
        })
        .await;
        let_go(&api, applied, old).await;
        cancelled(&api, old);
        app.stop().await.unwrap();
    }

    #[tokio::test]
    async fn a_removed_platform_is_asked_no_more_at_once() {
        let (removed, kept) = (slow_api().await, slow_api().await);
        let app = spawn_app(vec![
            platform("removed", &removed, AuthConfig::None),
            platform("kept", &kept, AuthConfig::None),
        ])
        .await;
        until("mid-run", &removed, |seen| mid_run(seen, &any)).await;
        let applied = reload(&app, vec![platform("kept", &kept, AuthConfig::None)]).await;
        let_go(&removed, applied, any).await;
        cancelled(&removed, any);
        app.stop().await.unwrap();
    }

    /// 50 reloads in a second, each moving the platform to the other API and its credentials
    /// to another token: the last one's takes effect at once, and nothing else is asked.
    #[tokio::test]
    async fn fifty_reloads_in_a_second_leave_only_the_last_configuration_asking() {
        let apis = [slow_api().await, slow_api().await];
        let app = spawn_app(vec![platform("lp", &apis[0], bearer("token-0"))]).await;
        until("mid-run", &apis[0], |seen| mid_run(seen, &any)).await;
        let mut reloads = tokio::task::JoinSet::new();
        for number in 1..=50 {
            let config = Config::with_platforms(vec![platform(
                "lp",
                &apis[number % 2],
                bearer(&format!("token-{number}")),
            )]);
            let reloader = app.reloader.clone();
            // One every 20 ms, each sent without waiting for the one before.
            reloads.spawn(async move { reloader.reload(Ok(config)).await });
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let outcomes = tokio::time::timeout(AT_ONCE, reloads.join_all())
            .await
            .expect("the reloads are applied at once");
        for outcome in outcomes {
            outcome.unwrap();
        }
        let applied = Instant::now();
        let last = |s: &Seen| s.authorization.as_deref() == Some("Bearer token-50");
        started(&apis[0], applied, last).await;
        cancelled(&apis[0], |s| {
            s.authorization.as_deref() == Some("Bearer token-0")
        });
        let_go(&apis[0], applied, |s| !last(s)).await;
        let_go(&apis[1], applied, any).await;
        app.stop().await.unwrap();
    }

    /// [`platform`], as the binary's configuration file says it.
    fn platform_file(api: &StandIn) -> String {
        let mut file = format!(
            "[[platforms]]\nname = \"lp\"\nbase_url = \"{}\"\npoll_interval = \"1h\"\n\
             stale_after = \"3h\"\nmax_concurrent_requests = 4\nmax_requests_per_second = 20\n\
             [platforms.auth]\nkind = \"none\"\n",
            api.uri()
        );
        let kept = ["customers", "license_info", "customer_details"];
        for name in collector_names().filter(|name| !kept.contains(name)) {
            file += &format!("[platforms.collectors.{name}]\nenabled = false\n");
        }
        file
    }

    /// What tells the built binary to reread its configuration file.
    enum Trigger {
        Sighup,
        PostReload,
    }

    /// The binary's configuration file moves the platform to another API, mid-run, and
    /// `trigger` tells it: the new API is asked and the old one let go within a second.
    async fn the_binary_moves_a_platform_at_once(trigger: Trigger) {
        const LAST_RELOAD: &str =
            "liveplatform_exporter_config_last_reload_success_timestamp_seconds ";
        let (old, new) = (slow_api().await, slow_api().await);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(&file, platform_file(&old)).unwrap();
        let path = file.to_str().unwrap();
        let args = ["--config.file", path, "--web.enable-lifecycle"];
        let demo = Demo::start_with(&args, Log::Keep);
        let http = reqwest::Client::new();
        let last_reload = || async {
            let metrics = http.get(demo.url("/metrics")).send().await.unwrap();
            let text = metrics.text().await.unwrap();
            let line = text.lines().find(|line| line.starts_with(LAST_RELOAD));
            line.expect("the exporter's own series").to_owned()
        };
        until("mid-run", &old, |seen| mid_run(seen, &any)).await;
        let started_up = last_reload().await;

        std::fs::write(&file, platform_file(&new)).unwrap();
        let sent = Instant::now();
        match trigger {
            Trigger::Sighup => demo.signal("HUP"),
            Trigger::PostReload => {
                let response = http.post(demo.url("/-/reload")).send().await.unwrap();
                assert_eq!(response.status(), 200);
            }
        }
        while last_reload().await == started_up {
            assert!(
                sent.elapsed() < AT_ONCE,
                "not reloaded in time: {}",
                demo.log()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let applied = Instant::now();
        started(&new, sent, any).await;
        let_go(&old, applied, any).await;
        cancelled(&old, any);
    }

    #[tokio::test]
    async fn sighup_to_the_binary_moves_a_platform_at_once() {
        the_binary_moves_a_platform_at_once(Trigger::Sighup).await;
    }

    #[tokio::test]
    async fn post_reload_to_the_binary_moves_a_platform_at_once() {
        the_binary_moves_a_platform_at_once(Trigger::PostReload).await;
    }
}
