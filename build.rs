//! Records what `--version` and `liveplatform_exporter_build_info` report: the git revision and
//! branch, the build date, the compiler version and the target.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// `seconds` since the epoch as Prometheus prints its build date, `20260131-23:59:59` (UTC).
fn build_date(seconds: u64) -> String {
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    // Howard Hinnant's days-to-civil, for the proleptic Gregorian calendar: no date crate needed
    // in a build script.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}-{:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

fn main() {
    // Container builds have no .git: they pass the revision (and the branch) in instead.
    println!("cargo:rerun-if-env-changed=LIVEPLATFORM_EXPORTER_REVISION");
    println!("cargo:rerun-if-env-changed=LIVEPLATFORM_EXPORTER_BRANCH");
    // Reproducible builds fix the date through the convention's variable.
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    // Where git keeps them: in a worktree `.git` is a file and these live elsewhere. A path
    // that does not exist would make cargo run this script, and rebuild the crate, every time.
    // HEAD changes with the branch, refs/heads with a new commit on it.
    for watched in ["HEAD", "refs/heads"] {
        if let Some(path) = output("git", &["rev-parse", "--git-path", watched]) {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    let revision = std::env::var("LIVEPLATFORM_EXPORTER_REVISION")
        .ok()
        .or_else(|| output("git", &["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|| "unknown".to_owned());
    let branch = std::env::var("LIVEPLATFORM_EXPORTER_BRANCH")
        .ok()
        .or_else(|| output("git", &["rev-parse", "--abbrev-ref", "HEAD"]))
        .unwrap_or_else(|| "unknown".to_owned());
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let rustc_version = output(&rustc, &["--version"])
        .and_then(|v| v.split_whitespace().nth(1).map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned());
    // The time this script ran: the crate's build, since cargo reruns it whenever the commit
    // changes (a rebuild of the same commit keeps the first date, as it keeps the binary).
    let now = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        });
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".to_owned());
    println!("cargo:rustc-env=LIVEPLATFORM_EXPORTER_REVISION={revision}");
    println!("cargo:rustc-env=LIVEPLATFORM_EXPORTER_BRANCH={branch}");
    println!(
        "cargo:rustc-env=LIVEPLATFORM_EXPORTER_BUILD_DATE={}",
        build_date(now)
    );
    println!("cargo:rustc-env=LIVEPLATFORM_EXPORTER_RUSTC_VERSION={rustc_version}");
    println!("cargo:rustc-env=LIVEPLATFORM_EXPORTER_TARGET={target}");
}
