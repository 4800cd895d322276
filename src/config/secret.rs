//! Where a credential comes from, and reading it without ever exposing it.

use std::io::Read;
use std::path::PathBuf;

use secrecy::SecretString;

/// A credential's origin. Files and variables are read at every use so that a rotated secret is
/// picked up without a restart; `Inline` exists for the built-in demo, which mints its own.
#[derive(Debug, Clone)]
pub enum SecretSource {
    File(PathBuf),
    Env(String),
    Inline(SecretString),
}

/// Whether two sources name the same credential: what a configuration reload compares. Inline
/// secrets compare their values in constant time.
impl PartialEq for SecretSource {
    fn eq(&self, other: &Self) -> bool {
        use secrecy::ExposeSecret;
        use subtle::ConstantTimeEq;
        match (self, other) {
            (SecretSource::File(a), SecretSource::File(b)) => a == b,
            (SecretSource::Env(a), SecretSource::Env(b)) => a == b,
            (SecretSource::Inline(a), SecretSource::Inline(b)) => a
                .expose_secret()
                .as_bytes()
                .ct_eq(b.expose_secret().as_bytes())
                .into(),
            _ => false,
        }
    }
}

/// Far more than any client secret or token (Entra's are 40 characters, a JWT a few KiB).
const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("cannot read secret file {path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("secret file {0} is empty")]
    EmptyFile(PathBuf),
    #[error("secret file {0} is over {MAX_SECRET_FILE_BYTES} bytes: not a secret")]
    TooLarge(PathBuf),
    #[error("environment variable {0} is not set or is empty")]
    Env(String),
}

impl SecretSource {
    /// Why the file is exposed to other local users, if it is: readable by others, or by a
    /// group that is not the exporter's own (a Kubernetes `fsGroup` or a systemd credential's
    /// group is its own). `None` for variables and inline secrets, and for files that are fine
    /// or cannot be inspected (reading them reports that).
    pub fn exposure(&self) -> Option<String> {
        let SecretSource::File(path) = self else {
            return None;
        };
        let metadata = std::fs::metadata(path).ok()?;
        exposure(path, &metadata)
    }

    /// Reads the secret, trimming the trailing newline that editors and `echo` leave behind.
    pub fn read(&self) -> Result<SecretString, SecretError> {
        match self {
            SecretSource::File(path) => {
                let error = |source| SecretError::File {
                    path: path.clone(),
                    source,
                };
                // A path mistaken for the secret's (a log, /dev/zero) is not read whole.
                let mut raw = String::new();
                std::fs::File::open(path)
                    .and_then(|file| {
                        file.take(MAX_SECRET_FILE_BYTES + 1)
                            .read_to_string(&mut raw)
                    })
                    .map_err(error)?;
                if raw.len() as u64 > MAX_SECRET_FILE_BYTES {
                    return Err(SecretError::TooLarge(path.clone()));
                }
                let trimmed = raw.trim();
                if trimmed.is_empty() {
                    return Err(SecretError::EmptyFile(path.clone()));
                }
                Ok(SecretString::from(trimmed))
            }
            SecretSource::Env(name) => match std::env::var(name) {
                Ok(value) if !value.trim().is_empty() => Ok(SecretString::from(value.trim())),
                _ => Err(SecretError::Env(name.clone())),
            },
            SecretSource::Inline(secret) => Ok(secret.clone()),
        }
    }
}

#[cfg(unix)]
fn exposure(path: &std::path::Path, metadata: &std::fs::Metadata) -> Option<String> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let mode = metadata.permissions().mode();
    // SAFETY: getegid has no preconditions and cannot fail.
    let own_group = metadata.gid() == unsafe { libc::getegid() };
    let readers = if mode & 0o004 != 0 {
        "every local user"
    } else if mode & 0o040 != 0 && !own_group {
        "its group"
    } else {
        return None;
    };
    Some(format!(
        "secret file {} (mode {:o}) is readable by {readers}; chmod 0400 it, owned by the exporter's user",
        path.display(),
        mode & 0o777
    ))
}

#[cfg(not(unix))]
fn exposure(_: &std::path::Path, _: &std::fs::Metadata) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::io::Write;

    #[test]
    fn file_secret_is_trimmed_and_reread_after_rotation() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        writeln!(file, "first-secret").unwrap();
        let source = SecretSource::File(file.path().to_path_buf());
        assert_eq!(source.read().unwrap().expose_secret(), "first-secret");

        std::fs::write(file.path(), "rotated\n").unwrap();
        assert_eq!(source.read().unwrap().expose_secret(), "rotated");
    }

    #[test]
    fn empty_or_missing_file_is_an_error_naming_the_path() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let err = SecretSource::File(file.path().to_path_buf())
            .read()
            .unwrap_err();
        assert!(err.to_string().contains(&file.path().display().to_string()));

        let missing = SecretSource::File("/nonexistent/secret".into())
            .read()
            .unwrap_err();
        assert!(missing.to_string().contains("/nonexistent/secret"));
    }

    #[test]
    fn a_file_far_larger_than_a_secret_is_refused_without_being_read_whole() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let limit = usize::try_from(MAX_SECRET_FILE_BYTES).unwrap();
        std::fs::write(file.path(), "x".repeat(limit)).unwrap();
        let source = SecretSource::File(file.path().to_path_buf());
        assert_eq!(source.read().unwrap().expose_secret().len(), limit);
        std::fs::write(file.path(), "x".repeat(limit + 1)).unwrap();
        let error = source.read().unwrap_err();
        assert!(matches!(error, SecretError::TooLarge(_)), "{error}");
        #[cfg(unix)]
        {
            let endless = SecretSource::File("/dev/zero".into()).read().unwrap_err();
            assert!(matches!(endless, SecretError::TooLarge(_)), "{endless}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_file_readable_by_others_is_reported_and_a_private_one_is_not() {
        use std::os::unix::fs::PermissionsExt;
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), "s3cret").unwrap();
        let source = SecretSource::File(file.path().to_path_buf());
        let chmod = |mode| {
            std::fs::set_permissions(file.path(), std::fs::Permissions::from_mode(mode)).unwrap()
        };
        chmod(0o644);
        let warning = source.exposure().expect("0644 is readable by everyone");
        assert!(
            warning.contains("every local user") && warning.contains("644"),
            "{warning}"
        );
        assert!(!warning.contains("s3cret"));
        chmod(0o600);
        assert_eq!(source.exposure(), None);
        // The file's group is the test's own group: group-readable is the Kubernetes fsGroup case.
        chmod(0o640);
        assert_eq!(source.exposure(), None);
        assert_eq!(SecretSource::Env("X".into()).exposure(), None);
    }

    #[test]
    fn debug_output_never_shows_an_inline_secret() {
        let source = SecretSource::Inline(SecretString::from("hunter2"));
        assert!(!format!("{source:?}").contains("hunter2"));
    }
}
