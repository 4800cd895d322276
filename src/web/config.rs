//! The web configuration file (`--web.config.file`, `server.web_config_file`) in the Prometheus
//! exporter-toolkit format, so that operators reuse the file they already have for node_exporter:
//! TLS, basic authentication and response headers. Only what this exporter implements is
//! accepted; any other key is an error naming it, never silently ignored (a forgotten
//! `cipher_suites` would otherwise look enforced).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;

/// Headers the exporter-toolkit lets operators set; the same list, so that a file valid here is
/// valid there and the other way round.
const SETTABLE_HEADERS: [&str; 5] = [
    "Strict-Transport-Security",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "X-XSS-Protection",
    "Content-Security-Policy",
];

#[derive(Debug, thiserror::Error)]
pub enum WebConfigError {
    #[error("cannot read web configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// serde's message names the unknown or malformed key and its line.
    #[error("web configuration file {path}: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("web configuration file {path}: {key}: {message}")]
    Invalid {
        path: PathBuf,
        key: String,
        message: String,
    },
}

/// A validated web configuration. Paths are absolute or relative to the working directory:
/// relative paths in the file are resolved against the file's directory, as the toolkit does.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct WebConfig {
    pub tls: Option<TlsServerConfig>,
    pub users: Users,
    pub headers: HeaderMap,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TlsServerConfig {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    pub client_auth: ClientAuth,
    pub client_ca_file: Option<PathBuf>,
    pub min_version: TlsVersion,
    pub max_version: TlsVersion,
}

impl TlsServerConfig {
    /// Every file the TLS setup reads: a change to any of them means a new setup.
    pub(super) fn files(&self) -> Vec<&Path> {
        let mut files = vec![self.cert_file.as_path(), self.key_file.as_path()];
        files.extend(self.client_ca_file.as_deref());
        files
    }
}

/// The toolkit's (Go's) client authentication policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ClientAuth {
    NoClientCert,
    /// Asks for a certificate, accepts none, does not verify one given.
    RequestClientCert,
    /// Requires a certificate, does not verify it (only that the client holds its key).
    RequireAnyClientCert,
    VerifyClientCertIfGiven,
    RequireAndVerifyClientCert,
}

impl ClientAuth {
    fn verifies(self) -> bool {
        matches!(
            self,
            ClientAuth::VerifyClientCertIfGiven | ClientAuth::RequireAndVerifyClientCert
        )
    }
}

impl FromStr for ClientAuth {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Ok(match s {
            "NoClientCert" => ClientAuth::NoClientCert,
            "RequestClientCert" => ClientAuth::RequestClientCert,
            "RequireAnyClientCert" => ClientAuth::RequireAnyClientCert,
            "VerifyClientCertIfGiven" => ClientAuth::VerifyClientCertIfGiven,
            "RequireAndVerifyClientCert" => ClientAuth::RequireAndVerifyClientCert,
            _ => return Err(()),
        })
    }
}

/// TLS versions as the toolkit names them. rustls speaks only 1.2 and 1.3: a minimum of 1.0 or
/// 1.1 is accepted (the connection is then simply never older than 1.2), a maximum below 1.2 is
/// refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum TlsVersion {
    Tls10,
    Tls11,
    Tls12,
    Tls13,
}

impl FromStr for TlsVersion {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Ok(match s {
            "TLS10" => TlsVersion::Tls10,
            "TLS11" => TlsVersion::Tls11,
            "TLS12" => TlsVersion::Tls12,
            "TLS13" => TlsVersion::Tls13,
            _ => return Err(()),
        })
    }
}

/// The bcrypt costs the `bcrypt` crate accepts: a hash of another cost never matches.
const BCRYPT_COSTS: std::ops::RangeInclusive<u32> = 4..=31;

/// Basic-auth users and their bcrypt hashes. Debug shows the names only: a hash is not the
/// password, but it is what an offline guessing attack starts from.
#[derive(Clone, PartialEq, Eq)]
pub struct Users {
    hashes: BTreeMap<String, String>,
    /// Checked for a user that is not configured. It has the highest cost among `hashes`, so
    /// refusing an unknown user takes as long as refusing a wrong password of the costliest
    /// user: no user enumeration by timing, whatever cost the operator chose.
    decoy: String,
}

/// What a password is checked against.
#[derive(Clone, Copy)]
pub enum Verifier<'a> {
    /// The hash of a configured user.
    Hash(&'a str),
    /// For a user that is not configured: as slow to check as the costliest configured hash.
    Decoy(&'a str),
}

impl Users {
    /// `hashes` are well-formed bcrypt hashes of costs within [`BCRYPT_COSTS`].
    fn new(hashes: BTreeMap<String, String>) -> Self {
        let cost = hashes
            .values()
            .filter_map(|hash| bcrypt::HashParts::from_str(hash).ok())
            .map(|parts| parts.get_cost())
            .max()
            .unwrap_or(*BCRYPT_COSTS.start());
        // A check costs the same for any hash of a given cost, so the decoy is written rather
        // than computed (a cost-12 hash would take a quarter second at every load): its salt
        // and digest are all zero bits, which no password hashes to in practice, and its
        // verdict is ignored anyway.
        let decoy = format!("$2b${cost:02}${}", ".".repeat(53));
        Self { hashes, decoy }
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// What `user`'s password is checked against: their hash, or the decoy when `user` is not
    /// configured.
    pub fn verifier(&self, user: &str) -> Verifier<'_> {
        match self.hashes.get(user) {
            Some(hash) => Verifier::Hash(hash),
            None => Verifier::Decoy(&self.decoy),
        }
    }
}

impl Default for Users {
    fn default() -> Self {
        Self::new(BTreeMap::new())
    }
}

impl fmt::Debug for Users {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.debug_list().entries(self.hashes.keys()).finish()
    }
}

// The raw layer mirrors the file; `deny_unknown_fields` is what refuses unsupported keys
// (cipher_suites, curve_preferences, client_allowed_sans, http2, rate_limit, ...) by name.

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawWebConfig {
    tls_server_config: Option<RawTls>,
    http_server_config: Option<RawHttp>,
    basic_auth_users: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTls {
    cert_file: Option<PathBuf>,
    key_file: Option<PathBuf>,
    client_auth_type: Option<String>,
    client_ca_file: Option<PathBuf>,
    min_version: Option<String>,
    max_version: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    headers: Option<BTreeMap<String, String>>,
}

impl WebConfig {
    /// Reads and validates the file. Certificates are not read here (see [`crate::web::tls`]).
    pub(super) fn load(path: &Path) -> Result<Self, WebConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| WebConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses `text` as the content of the file at `path` (which anchors relative paths and
    /// names the file in errors).
    pub(super) fn parse(text: &str, path: &Path) -> Result<Self, WebConfigError> {
        // An empty file is valid for the toolkit: no TLS, no authentication.
        let raw: RawWebConfig = if text.trim().is_empty() {
            RawWebConfig::default()
        } else {
            serde_norway::from_str(text).map_err(|e| WebConfigError::Syntax {
                path: path.to_owned(),
                message: e.to_string(),
            })?
        };
        let invalid = |key: &str, message: String| WebConfigError::Invalid {
            path: path.to_owned(),
            key: key.to_owned(),
            message,
        };
        let base = path.parent().unwrap_or(Path::new(""));
        let tls = raw
            .tls_server_config
            .map(|tls| tls.validate(base, &invalid))
            .transpose()?;
        let hashes = raw.basic_auth_users.unwrap_or_default();
        for (user, hash) in &hashes {
            let key = format!("basic_auth_users.{user}");
            if user.contains(':') {
                return Err(invalid(&key, "a user name cannot contain ':'".to_owned()));
            }
            let cost = bcrypt::HashParts::from_str(hash)
                .map_err(|_| invalid(&key, "is not a bcrypt hash ($2y$...)".to_owned()))?
                .get_cost();
            if !BCRYPT_COSTS.contains(&cost) {
                return Err(invalid(
                    &key,
                    format!(
                        "bcrypt cost {cost} is outside {}..={}: no password would match",
                        BCRYPT_COSTS.start(),
                        BCRYPT_COSTS.end()
                    ),
                ));
            }
        }
        let users = Users::new(hashes);
        let headers = raw
            .http_server_config
            .and_then(|http| http.headers)
            .unwrap_or_default();
        let headers = header_map(headers, &invalid)?;
        Ok(WebConfig {
            tls,
            users,
            headers,
        })
    }
}

impl RawTls {
    fn validate(
        self,
        base: &Path,
        invalid: &impl Fn(&str, String) -> WebConfigError,
    ) -> Result<TlsServerConfig, WebConfigError> {
        let key = |field: &str| format!("tls_server_config.{field}");
        let file = |value: Option<PathBuf>, field: &str| {
            value
                .filter(|p| !p.as_os_str().is_empty())
                .map(|p| base.join(p))
                .ok_or_else(|| invalid(&key(field), "is required".to_owned()))
        };
        let cert_file = file(self.cert_file, "cert_file")?;
        let key_file = file(self.key_file, "key_file")?;
        let client_auth = match self.client_auth_type.as_deref() {
            None | Some("") => ClientAuth::NoClientCert,
            Some(name) => name.parse().map_err(|()| {
                invalid(
                    &key("client_auth_type"),
                    format!(
                        "{name:?} is not one of NoClientCert, RequestClientCert, \
                         RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert"
                    ),
                )
            })?,
        };
        let client_ca_file = self
            .client_ca_file
            .filter(|p| !p.as_os_str().is_empty())
            .map(|p| base.join(p));
        match (&client_ca_file, client_auth.verifies()) {
            (None, true) => {
                return Err(invalid(
                    &key("client_ca_file"),
                    format!("is required with client_auth_type {client_auth:?}"),
                ));
            }
            (Some(_), false) => {
                // The toolkit refuses this too: a CA that is never used suggests a mistaken policy.
                return Err(invalid(
                    &key("client_ca_file"),
                    format!(
                        "is only used with VerifyClientCertIfGiven or RequireAndVerifyClientCert, not {client_auth:?}"
                    ),
                ));
            }
            _ => {}
        }
        let version = |value: Option<String>, field: &str, default: TlsVersion| {
            value.map_or(Ok(default), |name| {
                name.parse().map_err(|()| {
                    invalid(
                        &key(field),
                        format!("{name:?} is not one of TLS10, TLS11, TLS12, TLS13"),
                    )
                })
            })
        };
        let min_version = version(self.min_version, "min_version", TlsVersion::Tls12)?;
        let max_version = version(self.max_version, "max_version", TlsVersion::Tls13)?;
        if max_version < TlsVersion::Tls12 {
            return Err(invalid(
                &key("max_version"),
                "must be TLS12 or TLS13: older versions are not supported".to_owned(),
            ));
        }
        if min_version > max_version {
            return Err(invalid(
                &key("min_version"),
                "must not be above max_version".to_owned(),
            ));
        }
        Ok(TlsServerConfig {
            cert_file,
            key_file,
            client_auth,
            client_ca_file,
            min_version,
            max_version,
        })
    }
}

fn header_map(
    headers: BTreeMap<String, String>,
    invalid: &impl Fn(&str, String) -> WebConfigError,
) -> Result<HeaderMap, WebConfigError> {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        let key = format!("http_server_config.headers.{name}");
        if !SETTABLE_HEADERS
            .iter()
            .any(|allowed| allowed.eq_ignore_ascii_case(&name))
        {
            return Err(invalid(
                &key,
                format!(
                    "cannot be set; settable headers: {}",
                    SETTABLE_HEADERS.join(", ")
                ),
            ));
        }
        let header = HeaderName::from_str(&name).map_err(|e| invalid(&key, e.to_string()))?;
        let value = HeaderValue::from_str(&value)
            .map_err(|_| invalid(&key, "is not a valid header value".to_owned()))?;
        map.insert(header, value);
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid hash, cheap to compute (cost 4).
    fn hash() -> String {
        bcrypt::hash("secret", 4).unwrap()
    }

    fn parse(text: &str) -> Result<WebConfig, WebConfigError> {
        WebConfig::parse(text, Path::new("/etc/exporter/web.yml"))
    }

    fn error(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn an_empty_file_means_plain_http_without_authentication() {
        assert_eq!(parse("").unwrap(), WebConfig::default());
        assert_eq!(parse("# nothing\n").unwrap(), WebConfig::default());
    }

    #[test]
    fn a_complete_file_is_read_with_relative_paths_beside_it() {
        let hash = hash();
        let config = parse(&format!(
            "tls_server_config:\n  cert_file: tls/cert.pem\n  key_file: /abs/key.pem\n  \
             client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.pem\n  \
             min_version: TLS13\n\
             http_server_config:\n  headers:\n    X-Frame-Options: deny\n\
             basic_auth_users:\n  prometheus: '{hash}'\n"
        ))
        .unwrap();
        let tls = config.tls.unwrap();
        assert_eq!(tls.cert_file, Path::new("/etc/exporter/tls/cert.pem"));
        assert_eq!(tls.key_file, Path::new("/abs/key.pem"));
        assert_eq!(
            tls.client_ca_file.as_deref(),
            Some(Path::new("/etc/exporter/ca.pem"))
        );
        assert_eq!(tls.client_auth, ClientAuth::RequireAndVerifyClientCert);
        assert_eq!(tls.min_version, TlsVersion::Tls13);
        assert_eq!(tls.max_version, TlsVersion::Tls13);
        assert!(matches!(
            config.users.verifier("prometheus"),
            Verifier::Hash(configured) if configured == hash
        ));
        assert_eq!(config.headers["x-frame-options"], "deny");
        assert!(
            !format!("{:?}", config.users).contains(&hash),
            "Debug shows user names only"
        );
    }

    #[test]
    fn unsupported_keys_are_refused_by_name() {
        for (text, key) in [
            (
                "tls_server_config:\n  cert_file: c\n  key_file: k\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n",
                "cipher_suites",
            ),
            ("http_server_config:\n  http2: false\n", "http2"),
            ("rate_limit:\n  interval: 1s\n", "rate_limit"),
            ("basic_auth_user:\n  a: b\n", "basic_auth_user"),
        ] {
            let message = error(text);
            assert!(message.contains(key), "{key} not named in {message:?}");
            assert!(message.contains("/etc/exporter/web.yml"), "{message}");
        }
    }

    #[test]
    fn each_invalid_value_is_named_in_the_error() {
        for (text, key) in [
            (
                "tls_server_config:\n  key_file: k\n",
                "tls_server_config.cert_file",
            ),
            (
                "tls_server_config:\n  cert_file: c\n",
                "tls_server_config.key_file",
            ),
            (
                "tls_server_config:\n  cert_file: c\n  key_file: k\n  client_auth_type: Always\n",
                "tls_server_config.client_auth_type",
            ),
            (
                "tls_server_config:\n  cert_file: c\n  key_file: k\n  client_auth_type: RequireAndVerifyClientCert\n",
                "tls_server_config.client_ca_file",
            ),
            (
                "tls_server_config:\n  cert_file: c\n  key_file: k\n  client_ca_file: ca\n",
                "tls_server_config.client_ca_file",
            ),
            (
                "tls_server_config:\n  cert_file: c\n  key_file: k\n  max_version: TLS11\n",
                "tls_server_config.max_version",
            ),
            (
                "tls_server_config:\n  cert_file: c\n  key_file: k\n  min_version: TLS13\n  max_version: TLS12\n",
                "tls_server_config.min_version",
            ),
            (
                "tls_server_config:\n  cert_file: c\n  key_file: k\n  min_version: SSL3\n",
                "tls_server_config.min_version",
            ),
            (
                "basic_auth_users:\n  alice: plaintext\n",
                "basic_auth_users.alice",
            ),
            (
                "basic_auth_users:\n  alice: $2y$32$L6Bc/AlTQHyd9liGgGEZyOFLPHNgyxeEPfgYfBCVxJ7JIlwxyVU3u\n",
                "basic_auth_users.alice",
            ),
            (
                "http_server_config:\n  headers:\n    Set-Cookie: x\n",
                "http_server_config.headers.Set-Cookie",
            ),
        ] {
            let message = error(text);
            assert!(
                message.contains(&format!("{key}:")),
                "expected {key} in {message:?}"
            );
        }
    }

    /// The cost of the hash an unknown user's password is checked against.
    fn decoy_cost(users: &Users) -> u32 {
        let Verifier::Decoy(decoy) = users.verifier("nobody") else {
            panic!("an unknown user gets the decoy");
        };
        assert_eq!(
            bcrypt::verify("any password", decoy).ok(),
            Some(false),
            "the decoy is a valid hash that matches nothing"
        );
        bcrypt::HashParts::from_str(decoy).unwrap().get_cost()
    }

    #[test]
    fn an_unknown_user_is_checked_against_the_highest_configured_cost() {
        let users = |costs: &[u32]| {
            let lines: String = costs
                .iter()
                .map(|cost| {
                    let hash = bcrypt::hash("secret", *cost).unwrap();
                    format!("  user{cost}: '{hash}'\n")
                })
                .collect();
            parse(&format!("basic_auth_users:\n{lines}")).unwrap().users
        };
        assert_eq!(decoy_cost(&users(&[4])), 4);
        assert_eq!(decoy_cost(&users(&[6, 4])), 6);
        assert_eq!(decoy_cost(&users(&[4, 7, 5])), 7);
        assert!(
            !format!("{:?}", users(&[4])).contains("$2"),
            "Debug shows no hash, decoy included"
        );
    }

    #[test]
    fn old_minimum_versions_are_accepted_as_tls12() {
        let config =
            parse("tls_server_config:\n  cert_file: c\n  key_file: k\n  min_version: TLS10\n")
                .unwrap();
        assert_eq!(config.tls.unwrap().min_version, TlsVersion::Tls10);
    }
}
