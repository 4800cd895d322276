//! The built binary serving its demo data (or a configuration file), as an operator starts it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

pub(crate) const BINARY: &str = env!("CARGO_BIN_EXE_liveplatform-exporter");

/// What becomes of the exporter's log once its address is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Log {
    /// Read to the end, into memory, so that the pipe never fills and tests can inspect it.
    Keep,
    /// The read end closed, as when a log pipeline goes away.
    Close,
}

/// The exporter binary on an ephemeral loopback port; killed when dropped, pass or fail.
pub(crate) struct Demo {
    child: Child,
    pub addr: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Demo {
    /// `--demo`.
    pub(crate) fn start(log: Log) -> Self {
        Self::start_with(&["--demo"], log)
    }

    /// With `args` (`--config PATH`, say).
    pub(crate) fn start_with(args: &[&str], log: Log) -> Self {
        let mut child = Command::new(BINARY)
            .args(args)
            .args(["--web.listen-address", "127.0.0.1:0"])
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the exporter binary runs");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr is piped")).lines();
        // The port is only known from the start-up line: "exporter listening address=...".
        let addr = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|line| {
                line.contains("exporter listening")
                    .then(|| {
                        line.split_whitespace()
                            .find_map(|field| field.strip_prefix("address="))
                            .map(str::to_owned)
                    })
                    .flatten()
            })
            .expect("the exporter logs the address it listens on");
        let kept = Arc::new(Mutex::new(Vec::new()));
        if log == Log::Keep {
            let sink = kept.clone();
            std::thread::spawn(move || {
                for line in lines.map_while(Result::ok) {
                    sink.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(line);
                }
            });
        }
        Self {
            child,
            addr,
            log: kept,
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends the process `signal` ("HUP", say), as an operator's `kill` would.
    pub(crate) fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    /// The log lines read so far (all of them once the process has exited).
    pub(crate) fn log(&self) -> String {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .join("\n")
    }

    pub(crate) async fn wait_until_ready(&self, http: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let ready = http.get(self.url("/-/ready")).send().await;
            if ready.is_ok_and(|r| r.status() == 200) {
                return;
            }
            assert!(Instant::now() < deadline, "the demo never became ready");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The exit status once the process ends, or `None` if it still runs after `patience`.
    pub(crate) async fn wait_for_exit(&mut self, patience: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + patience;
        loop {
            if let Some(status) = self.child.try_wait().expect("the child can be waited for") {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `liveplatform-exporter healthcheck --url URL`, run off the async runtime so that servers in
/// this process keep answering while it waits.
pub(crate) async fn run_healthcheck(url: String) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(BINARY)
            .args(["healthcheck", "--url", &url])
            .output()
            .expect("the exporter binary runs")
    })
    .await
    .unwrap()
}
