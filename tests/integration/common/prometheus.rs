//! A real Prometheus server on a free loopback port, for the tests that check what it makes of
//! the exporter's data: scraped (`prometheus_e2e`) or backfilled (`backfill`).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long a start may take: generous for a loaded 2-core CI machine; a healthy start needs a
/// few seconds.
const PATIENCE: Duration = Duration::from_secs(40);

/// A child process killed when dropped, so that neither a passing nor a failing test leaves one
/// behind.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) struct PrometheusServer {
    // Declared before the directory: the server stops before its storage is deleted.
    _process: KillOnDrop,
    pub url: String,
    pub http: reqwest::Client,
    dir: tempfile::TempDir,
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// Starts Prometheus with the configuration `config` (YAML) on a free loopback port and waits
/// until it is ready. Its storage is `storage` (blocks made beforehand, kept for two years), or
/// fresh. The port is chosen before Prometheus binds it, so another process may take it in
/// between: a start that fails on a taken port is retried on another.
pub(crate) async fn start(config: &str, storage: Option<&Path>) -> PrometheusServer {
    let dir = tempfile::tempdir().unwrap();
    let config_file = dir.path().join("prometheus.yml");
    std::fs::write(&config_file, config).unwrap();
    let log = dir.path().join("prometheus.log");
    let data: PathBuf = storage.map_or_else(|| dir.path().join("data"), Path::to_owned);
    for _attempt in 0..3 {
        let port = crate::common::closed_loopback_addr().port();
        let output = File::create(&log).unwrap();
        let mut command = Command::new("prometheus");
        command
            .arg(format!("--config.file={}", config_file.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"));
        if storage.is_some() {
            // The default 15 days would delete a backfilled history at the first compaction.
            command.arg("--storage.tsdb.retention.time=2y");
        }
        let child = command
            .stdout(output.try_clone().unwrap())
            .stderr(output)
            .spawn()
            .expect("prometheus is installed (Debian package `prometheus`; .ci/run installs it)");
        let mut process = KillOnDrop(child);
        let url = format!("http://127.0.0.1:{port}");
        // A hung server fails the test instead of hanging it.
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = process.0.try_wait().unwrap() {
                if tail(&log).contains("address already in use") {
                    break;
                }
                panic!("prometheus exited with {status}:\n{}", tail(&log));
            }
            let ready = http.get(format!("{url}/-/ready")).send().await;
            if ready.is_ok_and(|r| r.status() == 200) {
                return PrometheusServer {
                    _process: process,
                    url,
                    http,
                    dir,
                };
            }
            assert!(
                Instant::now() < deadline,
                "prometheus never became ready:\n{}",
                tail(&log)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    panic!("no free port for prometheus:\n{}", tail(&log));
}

impl PrometheusServer {
    pub(crate) fn log(&self) -> String {
        tail(&self.dir.path().join("prometheus.log"))
    }

    pub(crate) async fn get_json(&self, request: reqwest::RequestBuilder) -> Result<Value, String> {
        let response = request.send().await.map_err(|e| e.to_string())?;
        let body: Value = serde_json::from_str(&response.text().await.map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
        if body["status"] != "success" {
            return Err(format!("{}: {}", body["errorType"], body["error"]));
        }
        Ok(body["data"].clone())
    }

    /// The series of `data`'s result; a scalar counts as one.
    fn series(data: &Value) -> Vec<Value> {
        match data["resultType"].as_str() {
            Some("scalar" | "string") => vec![data["result"].clone()],
            _ => data["result"].as_array().cloned().unwrap_or_default(),
        }
    }

    /// Evaluates `promql` at the current time; `Ok` holds the result's series.
    pub(crate) async fn query(&self, promql: &str) -> Result<Vec<Value>, String> {
        self.query_with(&[("query", promql)]).await
    }

    /// Evaluates `promql` at `time` (Unix seconds).
    pub(crate) async fn query_at(&self, promql: &str, time: f64) -> Result<Vec<Value>, String> {
        self.query_with(&[("query", promql), ("time", &time.to_string())])
            .await
    }

    async fn query_with(&self, form: &[(&str, &str)]) -> Result<Vec<Value>, String> {
        let request = self
            .http
            .post(format!("{}/api/v1/query", self.url))
            .form(form);
        Ok(Self::series(&self.get_json(request).await?))
    }

    /// Evaluates `promql` from `start` to `end` (Unix seconds) every `step` seconds; `Ok` holds
    /// the result's series, each with its `values`.
    pub(crate) async fn query_range(
        &self,
        promql: &str,
        start: f64,
        end: f64,
        step: f64,
    ) -> Result<Vec<Value>, String> {
        let (start, end, step) = (start.to_string(), end.to_string(), step.to_string());
        let request = self
            .http
            .post(format!("{}/api/v1/query_range", self.url))
            .form(&[
                ("query", promql),
                ("start", &start),
                ("end", &end),
                ("step", &step),
            ]);
        Ok(Self::series(&self.get_json(request).await?))
    }
}
