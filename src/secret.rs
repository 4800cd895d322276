//! Where a credential comes from, and reading it without ever exposing it.

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

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("cannot read secret file {path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("secret file {0} is empty")]
    EmptyFile(PathBuf),
    #[error("environment variable {0} is not set or is empty")]
    Env(String),
}

impl SecretSource {
    /// Reads the secret, trimming the trailing newline that editors and `echo` leave behind.
    pub fn read(&self) -> Result<SecretString, SecretError> {
        match self {
            SecretSource::File(path) => {
                let raw = std::fs::read_to_string(path).map_err(|source| SecretError::File {
                    path: path.clone(),
                    source,
                })?;
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
    fn debug_output_never_shows_an_inline_secret() {
        let source = SecretSource::Inline(SecretString::from("hunter2"));
        assert!(!format!("{source:?}").contains("hunter2"));
    }
}
