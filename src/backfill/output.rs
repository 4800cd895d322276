//! The backfill's OpenMetrics file: every family's lines together (promtool reads a family only
//! once), each family's `# TYPE` and `# HELP` once, `# EOF` last.
//!
//! Customers finish in any order and each brings lines of every family, so each family's lines
//! first go to a spill file of their own (memory stays flat whatever the platform's size); the
//! output is assembled from them at the end. A file target is written under a temporary name in
//! its own directory and renamed when complete: a run that fails or is stopped leaves no file
//! that looks finished (the temporary files are removed as they are dropped).

use std::fs::File;
use std::io::{self, BufWriter, Seek, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::exposition::text::Family;

/// `--backfill.output`'s value for standard output.
const STDOUT: &str = "-";

#[derive(Debug, thiserror::Error)]
pub(crate) enum OutputError {
    #[error("--backfill.output {}: is a directory; name the file to write", .0.display())]
    Directory(PathBuf),
    #[error("--backfill.output {}: cannot create a file in {}: {source}", .path.display(), .dir.display())]
    Create {
        path: PathBuf,
        dir: PathBuf,
        source: io::Error,
    },
    #[error("--backfill.output {}: cannot write: {source}", .path.display())]
    Write { path: PathBuf, source: io::Error },
}

/// Where the file goes once complete.
enum Target {
    File { temp: NamedTempFile, path: PathBuf },
    Stdout,
}

/// One family's spill file, and whether anything was written to it.
struct Spill {
    file: BufWriter<File>,
    used: bool,
}

pub(crate) struct Output {
    target: Target,
    families: &'static [Family],
    spills: Vec<Spill>,
}

impl Output {
    /// Opens `path` (`-` for standard output) for `families`, before any request is made, so
    /// that a path that cannot be written costs no API calls.
    pub(crate) fn create(path: &Path, families: &'static [Family]) -> Result<Self, OutputError> {
        let (target, spill_dir) = if path.as_os_str() == STDOUT {
            (Target::Stdout, std::env::temp_dir())
        } else {
            if path.is_dir() {
                return Err(OutputError::Directory(path.to_owned()));
            }
            let dir = match path.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
                _ => PathBuf::from("."),
            };
            let create = |source| OutputError::Create {
                path: path.to_owned(),
                dir: dir.clone(),
                source,
            };
            let temp = tempfile::Builder::new()
                .prefix(".backfill-")
                .suffix(".tmp")
                .tempfile_in(&dir)
                .map_err(create)?;
            let target = Target::File {
                temp,
                path: path.to_owned(),
            };
            (target, dir)
        };
        let mut spills = Vec::with_capacity(families.len());
        for _ in families {
            let file = tempfile::tempfile_in(&spill_dir).map_err(|source| OutputError::Create {
                path: path.to_owned(),
                dir: spill_dir.clone(),
                source,
            })?;
            spills.push(Spill {
                file: BufWriter::new(file),
                used: false,
            });
        }
        Ok(Self {
            target,
            families,
            spills,
        })
    }

    fn path(&self) -> PathBuf {
        match &self.target {
            Target::File { path, .. } => path.clone(),
            Target::Stdout => PathBuf::from(STDOUT),
        }
    }

    fn write_error(&self, source: io::Error) -> OutputError {
        OutputError::Write {
            path: self.path(),
            source,
        }
    }

    /// Appends each family's complete lines, `lines[i]` to the `i`th family.
    pub(crate) fn append(&mut self, lines: &[Vec<u8>]) -> Result<(), OutputError> {
        for (spill, lines) in self.spills.iter_mut().zip(lines) {
            if lines.is_empty() {
                continue;
            }
            spill.used = true;
            if let Err(source) = spill.file.write_all(lines) {
                return Err(self.write_error(source));
            }
        }
        Ok(())
    }

    /// Writes the file from the spill files and gives it its name: the file is complete, or
    /// not there.
    pub(crate) fn finish(self) -> Result<(), OutputError> {
        let path = self.path();
        let error = |source| OutputError::Write {
            path: path.clone(),
            source,
        };
        match self.target {
            Target::Stdout => {
                let mut out = io::stdout().lock();
                assemble(self.families, self.spills, &mut out).map_err(error)?;
                out.flush().map_err(error)
            }
            Target::File { temp, path: name } => {
                let mut out = BufWriter::new(temp);
                assemble(self.families, self.spills, &mut out).map_err(error)?;
                let temp = out.into_inner().map_err(|e| error(e.into_error()))?;
                // On disk before it has its name: a crash after the rename finds it whole.
                temp.as_file().sync_all().map_err(error)?;
                temp.persist(&name).map_err(|e| error(e.error))?;
                Ok(())
            }
        }
    }
}

fn assemble(families: &[Family], spills: Vec<Spill>, out: &mut impl Write) -> io::Result<()> {
    for (family, spill) in families.iter().zip(spills) {
        if !spill.used {
            continue;
        }
        writeln!(out, "# TYPE {} gauge", family.name)?;
        writeln!(out, "# HELP {} {}", family.name, escape_help(family.help))?;
        let mut file = spill
            .file
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        file.rewind()?;
        io::copy(&mut file, out)?;
    }
    out.write_all(b"# EOF\n")
}

/// OpenMetrics escapes a backslash, a double quote and a line feed in help text.
fn escape_help(help: &str) -> String {
    help.replace('\\', r"\\")
        .replace('"', "\\\"")
        .replace('\n', r"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAMILIES: [Family; 3] = [
        Family {
            name: "a",
            help: "A \"quoted\" back\\slash.",
        },
        Family {
            name: "b",
            help: "Never written.",
        },
        Family {
            name: "c",
            help: "C.",
        },
    ];

    #[test]
    fn each_family_is_written_together_and_the_file_appears_only_when_complete() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.om");
        let mut output = Output::create(&path, &FAMILIES).unwrap();
        output
            .append(&[b"a 1 1.000\n".to_vec(), Vec::new(), b"c 1 1.000\n".to_vec()])
            .unwrap();
        output
            .append(&[b"a 2 2.000\n".to_vec(), Vec::new(), Vec::new()])
            .unwrap();
        assert!(
            !path.exists(),
            "no file under the final name before the end"
        );
        output.finish().unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "# TYPE a gauge\n# HELP a A \\\"quoted\\\" back\\\\slash.\na 1 1.000\na 2 2.000\n\
             # TYPE c gauge\n# HELP c C.\nc 1 1.000\n# EOF\n"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
    }

    #[test]
    fn an_output_dropped_before_the_end_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.om");
        let mut output = Output::create(&path, &FAMILIES).unwrap();
        output.append(&[b"a 1 1.000\n".to_vec()]).unwrap();
        drop(output);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_path_that_cannot_be_written_is_named_with_the_flag() {
        let dir = tempfile::tempdir().unwrap();
        let message = Output::create(dir.path(), &FAMILIES)
            .err()
            .unwrap()
            .to_string();
        assert!(message.starts_with("--backfill.output "), "{message}");
        assert!(message.contains("is a directory"), "{message}");
        let missing = dir.path().join("no/such/dir/history.om");
        let message = Output::create(&missing, &FAMILIES)
            .err()
            .unwrap()
            .to_string();
        assert!(message.contains("cannot create a file in"), "{message}");
        assert!(message.contains("no/such/dir"), "{message}");
    }
}
