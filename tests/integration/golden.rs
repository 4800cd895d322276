//! The exposition of the seed's 35 customers, compared byte for byte with
//! `tests/integration/golden/seed.prom`, so that any change to a name, a label, a value, an
//! order or a HELP text shows up in review as a diff of that file.
//!
//! Lines that cannot be fixed are normalised before the comparison: the values of timestamps
//! and durations become `<varies>`, and the build info and process metrics (which depend on the
//! commit and the machine) are left out. To accept an intended change, regenerate the file:
//!
//! ```text
//! UPDATE_GOLDEN=1 cargo test --test integration golden
//! ```

use std::path::PathBuf;

use liveplatform_exporter::{DemoPlatform, SEED_CUSTOMERS, poll_once};

const GOLDEN: &str = "tests/integration/golden/seed.prom";

/// Families whose sample values change from run to run; their labels are still compared.
fn varies(name: &str) -> bool {
    name.ends_with("_timestamp_seconds") || name.contains("_duration_seconds")
}

/// Lines that depend on the machine (process metrics) or the commit (the build info's labels).
fn machine_dependent(line: &str, name: &str) -> bool {
    name.starts_with("process_")
        || (!line.starts_with('#') && name == "liveplatform_exporter_build_info")
}

/// The metric name a line is about: the sample's name, or the family named by `# HELP`/`# TYPE`.
fn metric_name(line: &str) -> &str {
    let rest = line
        .strip_prefix("# HELP ")
        .or_else(|| line.strip_prefix("# TYPE "))
        .unwrap_or(line);
    let end = rest.find(['{', ' ']).unwrap_or(rest.len());
    &rest[..end]
}

fn normalise(exposition: &str) -> String {
    let mut out = String::with_capacity(exposition.len());
    for line in exposition.lines() {
        let name = metric_name(line);
        if machine_dependent(line, name) {
            continue;
        }
        if !line.starts_with('#') && varies(name) {
            // Label values may hold spaces, but never an unescaped one after the closing brace.
            let labels_end = line.rfind('}').map_or(name.len(), |brace| brace + 1);
            out.push_str(&line[..labels_end]);
            out.push_str(" <varies>\n");
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[tokio::test]
async fn the_seed_exposition_matches_the_golden_file() {
    let mock = DemoPlatform::start(SEED_CUSTOMERS).await.unwrap();
    let (exposition, all_ok) = poll_once(&[mock.platform_config("seed")]).await.unwrap();
    assert!(all_ok, "the seed is served and decoded");
    let actual = normalise(&String::from_utf8(exposition).unwrap());

    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(GOLDEN);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!("{GOLDEN}: {error}; regenerate it with UPDATE_GOLDEN=1 cargo test --test integration golden")
    });
    if actual != expected {
        let first = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()));
        panic!(
            "the exposition differs from {GOLDEN} at line {}:\n  actual:   {:?}\n  expected: {:?}\n\
             If the change is intended, regenerate the file with \
             UPDATE_GOLDEN=1 cargo test --test integration golden and review its diff.",
            first + 1,
            actual.lines().nth(first),
            expected.lines().nth(first),
        );
    }
}

#[test]
fn normalising_keeps_labels_and_hides_only_what_varies() {
    let text = "# HELP liveplatform_up Whether it worked.\n\
                # TYPE liveplatform_up gauge\n\
                liveplatform_up{platform=\"a b\"} 1\n\
                # HELP liveplatform_exporter_build_info Build.\n\
                liveplatform_exporter_build_info{revision=\"abc\"} 1\n\
                # HELP process_cpu_seconds_total CPU.\n\
                process_cpu_seconds_total 0.5\n\
                liveplatform_last_poll_success_timestamp_seconds{platform=\"x} y\"} 1.7e9\n\
                liveplatform_poll_duration_seconds_sum{platform=\"x\"} 0.25\n";
    assert_eq!(
        normalise(text),
        "# HELP liveplatform_up Whether it worked.\n\
         # TYPE liveplatform_up gauge\n\
         liveplatform_up{platform=\"a b\"} 1\n\
         # HELP liveplatform_exporter_build_info Build.\n\
         liveplatform_last_poll_success_timestamp_seconds{platform=\"x} y\"} <varies>\n\
         liveplatform_poll_duration_seconds_sum{platform=\"x\"} <varies>\n"
    );
}
