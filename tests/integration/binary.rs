//! The built binary as an operator runs it: `--demo`, `--once`, `--check-config`, signals, and
//! its output checked by Prometheus' own `promtool`.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::demo::{BINARY, Demo, Log};

use liveplatform_exporter::poll_once;
use liveplatform_exporter::{DemoPlatform, SEED_CUSTOMERS};
use serde_json::json;

fn exporter(args: &[&str]) -> Output {
    Command::new(BINARY)
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("the exporter binary runs")
}

/// Runs `promtool check metrics` on `exposition` and fails on anything it reports.
fn assert_promtool_accepts(exposition: &[u8]) {
    let mut promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool is installed (Debian package `prometheus`; scripts/test.sh installs it)");
    promtool
        .stdin
        .take()
        .unwrap()
        .write_all(exposition)
        .unwrap();
    let output = promtool.wait_with_output().unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success() && report.trim().is_empty(),
        "promtool check metrics reported:\n{report}"
    );
}

#[test]
fn demo_once_prints_the_seed_data_and_promtool_finds_no_problem() {
    let output = exporter(&["--demo", "--once"]);
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout.clone()).unwrap();
    assert_eq!(text.matches("liveplatform_customer_info{").count(), 35);
    assert!(text.contains("liveplatform_up{collector=\"customers\",platform=\"demo\"} 1"));
    assert!(text.contains("liveplatform_exporter_build_info{"));
    assert!(text.contains("process_resident_memory_bytes"));
    assert_promtool_accepts(&output.stdout);
}

#[tokio::test]
async fn promtool_accepts_the_output_for_hostile_names_and_unknown_types() {
    let customers = json!([
        {"UmpCustomerGuid": "q\"uote", "CustomerShortName": "back\\slash", "CustomerFullName": "new\nline\r\t",
         "LicenseType": 77, "MsTenantId": "名前 😀", "LicensedUsersCount": 10, "ActiveUserCount": 19},
        {"UmpCustomerGuid": "{}=,", "CustomerShortName": "# HELP x", "CustomerFullName": "\\n\\\"",
         "LicenseType": -1, "MsTenantId": null, "ActiveUserCount": 0, "LiveHubActiveUsersCount": 0,
         "LiveHubSimpleUsersCount": 3},
    ]);
    let a = DemoPlatform::start(customers.to_string()).await.unwrap();
    let b = DemoPlatform::start(SEED_CUSTOMERS).await.unwrap();
    let mut down = b.platform_config("down");
    down.base_url = format!("http://{}/", crate::common::closed_loopback_addr())
        .parse()
        .unwrap();
    let platforms = [
        a.platform_config("hostile \"platform\"\n"),
        b.platform_config("seed"),
        down,
    ];
    let (exposition, all_ok) = poll_once(&platforms).await.unwrap();
    assert!(!all_ok, "the platform without a server fails");
    let text = String::from_utf8(exposition.clone()).unwrap();
    assert!(text.contains("license_type=\"unknown_77\""));
    assert!(text.contains("customer_name=\"back\\\\slash\""));
    assert_promtool_accepts(&exposition);
}

#[test]
fn check_config_accepts_a_valid_file_and_names_the_bad_key() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        r#"
        [[platforms]]
        name = "prod"
        base_url = "https://sp.example.com/tenantui"
        [platforms.auth]
        kind = "none"
        "#,
    )
    .unwrap();
    let output = exporter(&["--config", good.to_str().unwrap(), "--check-config"]);
    assert!(output.status.success(), "{output:?}");

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        std::fs::read_to_string(&good)
            .unwrap()
            .replace("kind = \"none\"", "kind = \"oauth2\"\nclient_id = \"x\""),
    )
    .unwrap();
    let output = exporter(&["--config", bad.to_str().unwrap(), "--check-config"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("platforms[0].auth"), "{stderr}");

    for (table, key) in [
        (
            "[platforms.collectors.nonsense]\n",
            "platforms[0].collectors.nonsense",
        ),
        (
            "[platforms.collectors.customers]\nintervall = \"2s\"\n",
            "platforms[0].collectors.customers",
        ),
        // Once a panic (exit 101): now refused like any other bad value.
        (
            "[platforms.collectors.customers]\ninterval = \"18446744073709551615s\"\n",
            "platforms[0].collectors.customers.interval",
        ),
    ] {
        let with_table = dir.path().join("table.toml");
        let text = std::fs::read_to_string(&good).unwrap();
        std::fs::write(&with_table, format!("{text}\n{table}")).unwrap();
        let output = exporter(&["--config", with_table.to_str().unwrap(), "--check-config"]);
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(key), "{stderr}");
    }

    let output = exporter(&["--config", "/nonexistent/config.toml"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/config.toml"));
}

#[test]
fn the_example_config_is_valid_once_its_secret_exists() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "example-secret\n").unwrap();
    let example = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml"))
        .unwrap()
        .replace("/run/secrets/lp_client_secret", secret.to_str().unwrap());
    let config = dir.path().join("config.toml");
    std::fs::write(&config, example).unwrap();
    let output = Command::new(BINARY)
        .args(["--config", config.to_str().unwrap(), "--check-config"])
        .env("LP_TOKEN", "example-token")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
}

#[test]
fn once_exits_non_zero_when_a_poll_fails() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            r#"
            [[platforms]]
            name = "down"
            base_url = "http://{}/tenantui"
            timeout = "2s"
            [platforms.auth]
            kind = "none"
            "#,
            crate::common::closed_loopback_addr()
        ),
    )
    .unwrap();
    let output = exporter(&["--config", config.to_str().unwrap(), "--once"]);
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("liveplatform_up{collector=\"customers\",platform=\"down\"} 0"),
        "{text}"
    );
    assert!(
        text.contains("liveplatform_poll_errors_total{collector=\"customers\",platform=\"down\",reason=\"connect\"} 1")
    );
}

/// Serves the demo until ready, checks the data, sends SIGTERM and returns the exit status,
/// failing if the process outlives the 5 s a stop may take.
async fn serve_then_terminate(demo: &mut Demo) -> std::process::ExitStatus {
    let http = reqwest::Client::new();
    demo.wait_until_ready(&http).await;
    let metrics = http
        .get(demo.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(metrics.matches("liveplatform_customer_info{").count(), 35);

    let killed = Command::new("kill")
        .args(["-TERM", &demo.pid().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    demo.wait_for_exit(Duration::from_secs(5))
        .await
        .expect("stopped within 5 s of SIGTERM")
}

/// Scrapes the exporter until `done` holds, for at most 15 s.
async fn metrics_until(demo: &Demo, what: &str, done: impl Fn(&str) -> bool) -> String {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let text = match http.get(demo.url("/metrics")).send().await {
            Ok(response) => response.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if done(&text) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; log:\n{}\nlast scrape:\n{text}",
            demo.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The sample lines, not the HELP text (which starts with "1 if").
const RELOADED: &str = "\nliveplatform_exporter_config_last_reload_successful 1\n";
const REFUSED: &str = "\nliveplatform_exporter_config_last_reload_successful 0\n";

#[tokio::test]
async fn sighup_reloads_the_configuration_and_a_bad_file_is_refused_by_key() {
    let mut apis = Vec::new();
    for id in ["a1", "b1"] {
        let server = wiremock::MockServer::start().await;
        wiremock::Mock::given(wiremock::matchers::path("/api/v3/customer"))
            .respond_with(wiremock::ResponseTemplate::new(200).set_body_raw(
                format!(
                    r#"[{{"UmpCustomerGuid":"{id}","CustomerShortName":"{id}","LicenseType":1}}]"#
                ),
                "application/json",
            ))
            .mount(&server)
            .await;
        apis.push(server);
    }
    let platform = |name: &str, api: &wiremock::MockServer| {
        format!(
            "[[platforms]]\nname = \"{name}\"\nbase_url = \"{}\"\npoll_interval = \"1s\"\n\
             [platforms.auth]\nkind = \"none\"\n",
            api.uri()
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    std::fs::write(&file, platform("a", &apis[0])).unwrap();
    let demo = Demo::start_with(&["--config", file.to_str().unwrap()], Log::Keep);
    let customer = |id: &str| format!("customer_id=\"{id}\"");
    metrics_until(&demo, "a polled", |t| t.contains(&customer("a1"))).await;

    // A platform added.
    std::fs::write(&file, platform("a", &apis[0]) + &platform("b", &apis[1])).unwrap();
    demo.signal("HUP");
    let both = metrics_until(&demo, "b polled after SIGHUP", |t| {
        t.contains(&customer("b1"))
    })
    .await;
    assert!(both.contains(&customer("a1")));
    assert!(both.contains(RELOADED));

    // A bad file: refused, the key named in the log, both platforms still served.
    std::fs::write(
        &file,
        platform("a", &apis[0]) + "[platforms.collectors.nonsense]\n",
    )
    .unwrap();
    demo.signal("HUP");
    let refused = metrics_until(&demo, "the reload refused", |t| t.contains(REFUSED)).await;
    assert!(refused.contains(&customer("a1")) && refused.contains(&customer("b1")));
    let log = demo.log();
    assert!(
        log.contains("configuration reload refused")
            && log.contains("platforms[0].collectors.nonsense"),
        "{log}"
    );

    // A platform removed: its series go.
    std::fs::write(&file, platform("b", &apis[1])).unwrap();
    demo.signal("HUP");
    let removed = metrics_until(&demo, "a removed", |t| t.contains(RELOADED)).await;
    assert!(!removed.contains("platform=\"a\""), "{removed}");
    assert!(removed.contains(&customer("b1")));
}

#[tokio::test]
async fn sigterm_stops_the_exporter_cleanly_and_quickly() {
    let mut demo = Demo::start(Log::Keep);
    let status = serve_then_terminate(&mut demo).await;
    assert!(status.success(), "exit status {status:?}");
    // The log reader may still be taking the last lines in.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !demo.log().contains("exporter stopped") && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let log = demo.log();
    assert!(
        log.contains("stop requested") && log.contains("exporter stopped"),
        "{log}"
    );
}

#[tokio::test]
async fn sigterm_stops_the_exporter_even_when_its_log_pipe_is_gone() {
    let mut demo = Demo::start(Log::Close);
    let status = serve_then_terminate(&mut demo).await;
    assert!(status.success(), "exit status {status:?}");
}

// ---------------------------------------------------------------------------------------------
// Prometheus-style flags: --config.file, --log.level, --log.format, --version

#[test]
fn config_file_is_the_flag_and_config_still_works() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("exporter.toml");
    std::fs::write(
        &file,
        "[[platforms]]\nname = \"prod\"\nbase_url = \"https://sp.example.com/tenantui\"\n\
         [platforms.auth]\nkind = \"none\"\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    for args in [
        vec!["--config.file", path],
        vec![&format!("--config.file={path}")],
        vec!["--config", path],
    ] {
        let mut args = args.iter().map(|a| a.as_ref()).collect::<Vec<&str>>();
        args.push("--check-config");
        let output = exporter(&args);
        assert!(output.status.success(), "{args:?}: {output:?}");
        assert!(String::from_utf8_lossy(&output.stdout).contains("1 platform(s)"));
    }
    // The default file is still config.toml, named when it is missing.
    let output = Command::new(BINARY)
        .arg("--check-config")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("config.toml"));
}

#[test]
fn version_names_version_revision_branch_build_date_and_rustc() {
    let output = exporter(&["--version"]);
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(exporter(&["-V"]).stdout, text.as_bytes(), "-V is --version");
    let first = text.lines().next().unwrap();
    // Prometheus' layout: "prometheus, version 3.5.0 (branch: HEAD, revision: 8be3a9560fbd...)".
    assert_eq!(
        first,
        format!(
            "liveplatform-exporter, version {} (branch: {}, revision: {})",
            env!("CARGO_PKG_VERSION"),
            env!("LIVEPLATFORM_EXPORTER_BRANCH"),
            env!("LIVEPLATFORM_EXPORTER_REVISION"),
        )
    );
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(name).map(|v| v.trim().to_owned()))
            .unwrap_or_else(|| panic!("no {name} in:\n{text}"))
    };
    assert_eq!(
        field("rustc version:"),
        env!("LIVEPLATFORM_EXPORTER_RUSTC_VERSION")
    );
    // 20261203-16:40:00, as Prometheus writes its build date.
    let date = field("build date:");
    assert!(
        date.len() == 17
            && date.as_bytes()[8] == b'-'
            && date[..8].bytes().all(|b| b.is_ascii_digit())
            && date.starts_with("20"),
        "{date}"
    );
    assert!(!field("platform:").is_empty());
    for value in [
        env!("LIVEPLATFORM_EXPORTER_REVISION"),
        env!("LIVEPLATFORM_EXPORTER_BRANCH"),
    ] {
        assert!(!value.is_empty() && value != "unknown", "{text}");
    }
}

/// `--once` against a platform that logs a warning at start-up (insecure_skip_verify) and
/// then fails to connect: a run that logs at WARN and ERROR, with `extra` flags.
fn logging_run(extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    std::fs::write(
        &file,
        format!(
            "[[platforms]]\nname = \"prod\"\nbase_url = \"https://{}/tenantui\"\n\
             [platforms.auth]\nkind = \"none\"\n[platforms.tls]\ninsecure_skip_verify = true\n",
            crate::common::closed_loopback_addr()
        ),
    )
    .unwrap();
    let mut args = vec!["--config.file", file.to_str().unwrap(), "--once"];
    args.extend_from_slice(extra);
    let output = Command::new(BINARY)
        .args(&args)
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "the poll fails: {output:?}");
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn the_default_log_is_logfmt_as_prometheus_writes_it_without_colour() {
    for log in [logging_run(&[]), logging_run(&["--log.format", "logfmt"])] {
        assert!(
            !log.contains('\u{1b}'),
            "no colour codes off a terminal: {log:?}"
        );
        for line in log.lines() {
            assert!(
                line.starts_with("time=") && line.contains(" level=") && line.contains(" msg="),
                "not a logfmt line: {line}"
            );
        }
        let warning = log
            .lines()
            .find(|l| l.contains("insecure_skip_verify"))
            .unwrap_or_else(|| panic!("no warning about insecure_skip_verify in:\n{log}"));
        // time=<RFC 3339, UTC> level=WARN source=<module> msg="..." platform=prod
        let mut fields = warning.split(' ');
        let time = fields.next().unwrap().strip_prefix("time=").unwrap();
        assert!(time.ends_with('Z') && time.contains('T'), "{time}");
        assert_eq!(fields.next(), Some("level=WARN"));
        assert!(
            fields
                .next()
                .is_some_and(|f| f.starts_with("source=liveplatform_exporter")),
            "{warning}"
        );
        assert!(
            fields.next().is_some_and(|f| f.starts_with("msg=\"tls.")),
            "{warning}"
        );
        assert!(warning.ends_with(" platform=prod"), "{warning}");
    }
}

#[test]
fn log_format_json_writes_one_object_per_line() {
    let log = logging_run(&["--log.format", "json"]);
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    assert!(
        lines.iter().any(|l| l["level"] == "WARN"
            && l["fields"]["platform"] == "prod"
            && l["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("insecure_skip_verify"))),
        "{log}"
    );
}

#[test]
fn log_level_drops_what_is_below_it_and_refuses_unknown_levels() {
    // The run logs warnings (the insecure setting, the failed polls) and nothing worse.
    for level in ["warn", "info"] {
        let log = logging_run(&["--log.level", level]);
        assert!(log.contains(" level=WARN "), "{level}: {log}");
        assert!(!log.contains(" level=DEBUG "), "{level}: {log}");
    }
    let errors_only = logging_run(&["--log.level", "error"]);
    assert_eq!(errors_only, "", "nothing at ERROR or above");
    let debug = logging_run(&["--log.level", "debug"]);
    assert!(debug.contains(" level=DEBUG "), "{debug}");
    let output = exporter(&["--demo", "--log.level", "verbose"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("verbose"));
    let output = exporter(&["--demo", "--log.format", "text"]);
    assert_eq!(output.status.code(), Some(2), "logfmt or json: {output:?}");
}

// ---------------------------------------------------------------------------------------------
// The README's first screen, as a newcomer follows it

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

#[test]
fn the_readme_starts_with_the_demo_and_test_commands() {
    let readme = readme();
    let first_block: Vec<&str> = readme
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap()
        .lines()
        .map(|l| l.split('#').next().unwrap().trim())
        .collect();
    assert_eq!(
        first_block,
        ["cargo run --release -- --demo", "scripts/test.sh"]
    );
    assert!(
        readme.find("```sh").unwrap() < readme.find("\n## ").unwrap(),
        "the commands come before any section"
    );
}

/// The sample of /metrics in the README is the demo's real output, line for line.
#[test]
fn the_readmes_metrics_sample_is_what_the_demo_prints() {
    let readme = readme();
    let sample = readme
        .split("## What /metrics looks like")
        .nth(1)
        .and_then(|rest| rest.split("```text\n").nth(1))
        .and_then(|rest| rest.split("```").next())
        .expect("a ```text block under \"What /metrics looks like\"");
    let output = exporter(&["--demo", "--once"]);
    assert!(output.status.success(), "{output:?}");
    let exposition = String::from_utf8(output.stdout).unwrap();
    let lines: std::collections::BTreeSet<&str> = exposition.lines().collect();
    assert!(sample.lines().count() >= 8);
    for line in sample.lines() {
        assert!(lines.contains(line), "the demo does not print: {line}");
    }
}

/// The contents line links to sections that exist, and to files that exist.
#[test]
fn the_readmes_contents_links_resolve() {
    let readme = readme();
    let contents = readme
        .lines()
        .skip_while(|l| !l.starts_with("**Contents:**"))
        .take_while(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let anchors = crate::monitoring::heading_anchors(&readme);
    let targets: Vec<&str> = contents
        .split("](")
        .skip(1)
        .map(|rest| rest.split(')').next().unwrap())
        .collect();
    assert!(targets.len() >= 10, "{contents}");
    for target in targets {
        match target.strip_prefix('#') {
            Some(anchor) => assert!(anchors.contains(anchor), "no section #{anchor}"),
            None => assert!(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join(target)
                    .exists(),
                "no file {target}"
            ),
        }
    }
}

/// `--check-config` warns about what start-up would warn about: a secret file others can read,
/// plain http to a remote API; and still accepts the file.
#[cfg(unix)]
#[test]
fn check_config_warns_as_start_up_does() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("client-secret");
    std::fs::write(&secret, "s3cret-never-printed").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            r#"
            [[platforms]]
            name = "prod"
            base_url = "http://sp.example.com/tenantui"
            [platforms.auth]
            kind = "oauth2"
            tenant_id = "00000000-0000-4000-8000-000000000000"
            client_id = "app"
            client_secret_file = "{}"
            scope = "api://app/.default"
            "#,
            secret.display()
        ),
    )
    .unwrap();
    let output = exporter(&["--config.file", config.to_str().unwrap(), "--check-config"]);
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("warning: platform prod: secret file") && stderr.contains("chmod 0400"),
        "{stderr}"
    );
    assert!(stderr.contains("plain http://"), "{stderr}");
    assert!(!stderr.contains("s3cret-never-printed"), "{stderr}");
}
