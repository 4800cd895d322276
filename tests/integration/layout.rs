//! The source tree as a newcomer reads it: what it promises stays true.

use std::path::{Path, PathBuf};

fn files_under(dir: &Path, extension: &str, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, extension, found);
        } else if path.extension().is_some_and(|e| e == extension) {
            found.push(path);
        }
    }
}

/// proptest replays the failures saved in `proptest-regressions/<path below src>.txt` for the
/// file `src/<path>.rs` (its `SourceParallel` persistence): a seed file whose source moved is
/// never read again, and the failures it records stop being tested.
#[test]
fn every_saved_proptest_failure_belongs_to_a_source_file_with_property_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seeds_dir = root.join("proptest-regressions");
    let mut seeds = Vec::new();
    files_under(&seeds_dir, "txt", &mut seeds);
    assert!(
        !seeds.is_empty(),
        "the saved seeds are where this test looks"
    );
    for seeds in seeds {
        let below = seeds.strip_prefix(&seeds_dir).unwrap().with_extension("rs");
        let source = root.join("src").join(&below);
        let text = std::fs::read_to_string(&source).unwrap_or_else(|_| {
            panic!(
                "{} is orphaned: no src/{} (move it beside the file's new path)",
                seeds.display(),
                below.display()
            )
        });
        assert!(
            text.contains("proptest!"),
            "{} has no property tests to replay {}",
            source.display(),
            seeds.display()
        );
    }
}

/// The production and test code of `src/<folder>/`, file by file.
fn sources_of(folder: &str) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    files_under(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src")
            .join(folder),
        "rs",
        &mut files,
    );
    assert!(!files.is_empty(), "src/{folder} holds the machinery");
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (path, text)
        })
        .collect()
}

/// The machinery runs whatever collectors the wiring hands it: none of it, its tests included,
/// names one, so that adding a data source edits nothing shared.
#[test]
fn the_machinery_names_no_collector() {
    for folder in ["collect", "exposition", "api", "web", "config", "demo"] {
        for (path, text) in sources_of(folder) {
            for (number, line) in text.lines().enumerate() {
                // demo/ may route to the collectors' own endpoints, which the registry lists.
                let allowed = folder == "demo" && line.contains("crate::collectors::DEMOS");
                assert!(
                    allowed || !line.contains("crate::collectors"),
                    "{}:{}: {line}",
                    path.display(),
                    number + 1
                );
            }
        }
    }
    for (path, text) in sources_of("exposition") {
        assert!(
            !text.contains("crate::collect::"),
            "{}: the exposition is below the collectors' runs",
            path.display()
        );
    }
}

/// A production file over this many lines, its unit tests aside, does more than one job.
const LONGEST_FILE: usize = 600;

/// Each file of `src/` has one job: its code before its `#[cfg(test)]` module stays short
/// enough to read in one sitting, unless a comment at its top says why it is one job anyway.
#[test]
fn no_production_file_is_longer_than_one_job() {
    let mut files = Vec::new();
    files_under(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        "rs",
        &mut files,
    );
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let production = text
            .lines()
            .take_while(|line| !line.starts_with("#[cfg(test)]"))
            .count();
        let says_why = text
            .lines()
            .take_while(|line| line.starts_with("//!"))
            .any(|line| line.contains("one job"));
        assert!(
            production <= LONGEST_FILE || says_why,
            "{}: {production} lines before its tests; split it along its jobs",
            path.display()
        );
    }
}
