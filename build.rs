//! Records the git revision and compiler version for `liveplatform_exporter_build_info`.

use std::process::Command;

fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn main() {
    // Container builds have no .git: they pass the revision in instead.
    println!("cargo:rerun-if-env-changed=LIVEPLATFORM_EXPORTER_REVISION");
    // Where git keeps them: in a worktree `.git` is a file and these live elsewhere. A path
    // that does not exist would make cargo run this script, and rebuild the crate, every time.
    for watched in ["HEAD", "refs/heads"] {
        if let Some(path) = output("git", &["rev-parse", "--git-path", watched]) {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    let revision = std::env::var("LIVEPLATFORM_EXPORTER_REVISION")
        .ok()
        .or_else(|| output("git", &["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|| "unknown".to_owned());
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let rustc_version = output(&rustc, &["--version"])
        .and_then(|v| v.split_whitespace().nth(1).map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=LIVEPLATFORM_EXPORTER_REVISION={revision}");
    println!("cargo:rustc-env=LIVEPLATFORM_EXPORTER_RUSTC_VERSION={rustc_version}");
}
