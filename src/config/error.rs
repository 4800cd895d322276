//! What a configuration that cannot be followed is reported as: always the key, as the file
//! writes it, and what is wrong with its value.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {0} not found")]
    NotFound(PathBuf),
    #[error("cannot load configuration: {0}")]
    Load(String),
    #[error("{key}: {message}")]
    Invalid { key: String, message: String },
}

pub(super) fn invalid(key: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        message: message.into(),
    }
}

/// A `config` crate error as the others read: `key: message`, the key as the file writes it.
///
/// That crate puts the key of a value that failed after the message ("... for key
/// `platforms[0]auth.kind`"), without the dot after an index, and reports a missing key as
/// "missing configuration field"; serde names an unknown key only inside its message, whose
/// key is the table holding it. The one place that knows all of this.
pub(super) fn keyed(error: config::ConfigError) -> ConfigError {
    use config::ConfigError as E;
    let in_origin = |message: String, origin: Option<String>| match origin {
        Some(origin) => format!("{message} in {origin}"),
        None => message,
    };
    let (path, message) = match error {
        E::NotFound(path) => (path, "is required".to_owned()),
        E::At {
            error,
            origin,
            key: Some(path),
        } => (path, in_origin(error.to_string(), origin)),
        E::Type {
            origin,
            unexpected,
            expected,
            key: Some(path),
        } => (
            path,
            in_origin(
                format!("invalid type: {unexpected}, expected {expected}"),
                origin,
            ),
        ),
        E::Message(message) => (String::new(), message),
        other => return ConfigError::Load(other.to_string()),
    };
    let table = dotted(&path);
    // serde's wording, stable since 1.0: "unknown field `x`, expected one of `a`, `b`".
    if let Some((name, expected)) = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split_once("`, "))
    {
        let key = if table.is_empty() {
            name.to_owned()
        } else {
            format!("{table}.{name}")
        };
        return invalid(key, format!("unknown key, {expected}"));
    }
    if table.is_empty() {
        return ConfigError::Load(message);
    }
    invalid(table, message)
}

/// `platforms[0]collectors` as the file writes it: `platforms[0].collectors`.
pub(super) fn dotted(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 4);
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == ']'
            && chars
                .peek()
                .is_some_and(|n| n.is_alphanumeric() || *n == '_')
        {
            out.push('.');
        }
    }
    out
}
