//! The file's own shape, where it differs from the settings, and its translation into them.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;

use reqwest::Url;
use serde::Deserialize;

use crate::config::error::{ConfigError, invalid};
use crate::config::limits::*;
use crate::config::secret::SecretSource;
use crate::config::{
    AuthConfig, ClientCertificate, ClientTlsConfig, CollectorConfig, Config, LogConfig,
    OAuth2Config, PlatformConfig, ServerConfig, de, pem,
};

// The file's own shape, where it differs from the settings: a platform's customer-list keys
// are merged with its table, TLS files come in pairs, and auth's keys depend on its kind.
// Unknown keys are refused so that a typo is never silently ignored.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ConfigFile {
    #[serde(default)]
    server: ServerConfig,
    #[serde(default)]
    log: LogConfig,
    #[serde(default)]
    platforms: Vec<PlatformFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PlatformFile {
    name: String,
    base_url: String,
    #[serde(default, deserialize_with = "de::optional_duration")]
    poll_interval: Option<Duration>,
    #[serde(default, deserialize_with = "de::optional_duration")]
    timeout: Option<Duration>,
    #[serde(default, deserialize_with = "de::optional_duration")]
    stale_after: Option<Duration>,
    #[serde(default, deserialize_with = "de::optional_whole")]
    channel_id: Option<i64>,
    #[serde(default, deserialize_with = "de::optional_whole")]
    max_response_bytes: Option<u64>,
    #[serde(default, deserialize_with = "de::optional_whole")]
    max_customer_response_bytes: Option<u64>,
    #[serde(default, deserialize_with = "de::optional_duration")]
    customer_request_timeout: Option<Duration>,
    #[serde(default, deserialize_with = "de::optional_whole")]
    max_concurrent_requests: Option<usize>,
    #[serde(default, deserialize_with = "de::optional_whole")]
    max_requests_per_second: Option<u32>,
    auth: AuthFile,
    #[serde(default)]
    tls: TlsFile,
    proxy_url: Option<String>,
    #[serde(default)]
    collectors: BTreeMap<String, CollectorConfig>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TlsFile {
    ca_file: Option<PathBuf>,
    cert_file: Option<PathBuf>,
    key_file: Option<PathBuf>,
    #[serde(default)]
    insecure_skip_verify: bool,
}

/// `[platforms.auth]`: `kind` says which of the other keys apply; any other is refused.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
enum AuthFile {
    None {},
    Bearer {
        token_file: Option<PathBuf>,
        token_env: Option<String>,
    },
    OAuth2 {
        tenant_id: Option<String>,
        token_url: Option<String>,
        client_id: String,
        client_secret_file: Option<PathBuf>,
        client_secret_env: Option<String>,
        scope: String,
    },
}

/// The collector whose schedule the platform-level `poll_interval`, `timeout` and
/// `stale_after` keys set.
pub(super) const CUSTOMERS: &str = "customers";

impl ConfigFile {
    pub(super) fn validate(self) -> Result<Config, ConfigError> {
        self.server.check()?;
        self.log.check()?;
        if self.platforms.is_empty() {
            return Err(invalid(
                "platforms",
                "at least one [[platforms]] entry is required",
            ));
        }
        let mut names = HashSet::new();
        let platforms = self
            .platforms
            .into_iter()
            .enumerate()
            .map(|(i, file)| {
                let platform = file.validate(&format!("platforms[{i}]"))?;
                if !names.insert(platform.name.clone()) {
                    return Err(invalid(
                        format!("platforms[{i}].name"),
                        format!("{:?} is used by another platform", platform.name),
                    ));
                }
                Ok(platform)
            })
            .collect::<Result<_, _>>()?;
        Ok(Config {
            server: self.server,
            log: self.log,
            platforms,
        })
    }
}

impl ServerConfig {
    fn check(&self) -> Result<(), ConfigError> {
        within(
            self.header_read_timeout,
            &SERVER_TIMEOUTS,
            "server.header_read_timeout",
        )?;
        within(
            self.request_timeout,
            &SERVER_TIMEOUTS,
            "server.request_timeout",
        )?;
        within(self.write_timeout, &SERVER_TIMEOUTS, "server.write_timeout")?;
        within(
            self.max_connections,
            &MAX_CONNECTIONS,
            "server.max_connections",
        )
    }
}

impl LogConfig {
    fn check(&self) -> Result<(), ConfigError> {
        tracing_subscriber::EnvFilter::try_new(&self.level).map_err(|e| {
            invalid(
                "log.level",
                format!("{:?} is not a valid filter: {e}", self.level),
            )
        })?;
        Ok(())
    }
}

impl CollectorConfig {
    /// Each duration within its range; `at` is the table's key.
    fn check(&self, at: &str) -> Result<(), ConfigError> {
        within(self.interval, &INTERVALS, &format!("{at}.interval"))?;
        within(self.timeout, &TIMEOUTS, &format!("{at}.timeout"))?;
        within(
            self.stale_after,
            &STALE_AFTERS,
            &format!("{at}.stale_after"),
        )
    }
}

impl TlsFile {
    /// Files are read now, so that a wrong path or a file that is not PEM stops start-up.
    fn validate(self, at: &str) -> Result<ClientTlsConfig, ConfigError> {
        let key = |field: &str| format!("{at}.{field}");
        if let Some(ca_file) = &self.ca_file {
            pem::read_certificates(ca_file).map_err(|e| invalid(key("ca_file"), e.to_string()))?;
        }
        let client_cert = match (self.cert_file, self.key_file) {
            (None, None) => None,
            (Some(cert_file), Some(key_file)) => {
                pem::read_certificates(&cert_file)
                    .map_err(|e| invalid(key("cert_file"), e.to_string()))?;
                pem::read_private_key(&key_file)
                    .map_err(|e| invalid(key("key_file"), e.to_string()))?;
                Some(ClientCertificate {
                    cert_file,
                    key_file,
                })
            }
            (Some(_), None) => return Err(invalid(key("key_file"), "is required with cert_file")),
            (None, Some(_)) => return Err(invalid(key("cert_file"), "is required with key_file")),
        };
        Ok(ClientTlsConfig {
            ca_file: self.ca_file,
            client_cert,
            insecure_skip_verify: self.insecure_skip_verify,
        })
    }
}

fn url(value: &str, key: &str) -> Result<Url, ConfigError> {
    let parsed =
        Url::parse(value).map_err(|e| invalid(key, format!("{value:?} is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid(key, "must be an http:// or https:// URL"));
    }
    // Credentials in a URL end up in logs and error messages; they belong in [platforms.auth].
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(invalid(
            key,
            "must not contain credentials; use [platforms.auth]",
        ));
    }
    Ok(parsed)
}

impl PlatformFile {
    fn validate(self, at: &str) -> Result<PlatformConfig, ConfigError> {
        let key = |field: &str| format!("{at}.{field}");
        if self.name.trim().is_empty() {
            return Err(invalid(key("name"), "must not be empty"));
        }
        let base_url = url(&self.base_url, &key("base_url"))?;
        let mut collectors = self.collectors;
        for (name, table) in &collectors {
            table.check(&key(&format!("collectors.{name}")))?;
        }
        // The customer list's table overrides the platform keys, which keep their meaning.
        let customers = collectors.remove(CUSTOMERS).unwrap_or_default();
        customers
            .options
            .refuse(&key(&format!("collectors.{CUSTOMERS}")))?;
        let customers_key = |field: &str| key(&format!("collectors.{CUSTOMERS}.{field}"));
        if customers.enabled == Some(false) {
            return Err(invalid(
                customers_key("enabled"),
                "the customer list cannot be switched off: every other collector needs it",
            ));
        }
        // Both keys are checked, so that a bad value is named even when overridden.
        within(self.poll_interval, &INTERVALS, &key("poll_interval"))?;
        within(self.timeout, &TIMEOUTS, &key("timeout"))?;
        within(self.stale_after, &STALE_AFTERS, &key("stale_after"))?;
        let (poll_interval, interval_key) = match customers.interval {
            Some(interval) => (interval, customers_key("interval")),
            None => (
                self.poll_interval.unwrap_or(DEFAULT_POLL_INTERVAL),
                key("poll_interval"),
            ),
        };
        let timeout = customers
            .timeout
            .or(self.timeout)
            .unwrap_or(DEFAULT_TIMEOUT);
        let (stale_after, stale_key) = match customers.stale_after {
            Some(stale_after) => (Some(stale_after), customers_key("stale_after")),
            None => (self.stale_after, key("stale_after")),
        };
        let stale_after = stale_after_for(stale_after, poll_interval, &interval_key)
            .map_err(|e| invalid(stale_key, e.to_string()))?;
        within(
            self.max_response_bytes,
            &MAX_RESPONSE_BYTES,
            &key("max_response_bytes"),
        )?;
        within(
            self.max_customer_response_bytes,
            &MAX_RESPONSE_BYTES,
            &key("max_customer_response_bytes"),
        )?;
        within(
            self.customer_request_timeout,
            &TIMEOUTS,
            &key("customer_request_timeout"),
        )?;
        within(
            self.max_concurrent_requests,
            &MAX_CONCURRENT_REQUESTS,
            &key("max_concurrent_requests"),
        )?;
        within(
            self.max_requests_per_second,
            &MAX_REQUESTS_PER_SECOND,
            &key("max_requests_per_second"),
        )?;
        let auth = self.auth.validate(&key("auth"))?;
        let tls = self.tls.validate(&key("tls"))?;
        let proxy_url = self
            .proxy_url
            .map(|proxy| {
                // Checked before url() so that the message fits: proxy credentials would be
                // printed wherever the URL is (Debug output, error messages).
                if Url::parse(&proxy).is_ok_and(|u| !u.username().is_empty() || u.password().is_some()) {
                    return Err(invalid(
                        key("proxy_url"),
                        "must not contain credentials: use a proxy that authenticates the exporter's address",
                    ));
                }
                url(&proxy, &key("proxy_url"))
            })
            .transpose()?;
        Ok(PlatformConfig {
            name: self.name,
            base_url,
            poll_interval,
            timeout,
            stale_after,
            channel_id: self.channel_id,
            max_response_bytes: self
                .max_response_bytes
                .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
            max_customer_response_bytes: self
                .max_customer_response_bytes
                .unwrap_or(DEFAULT_MAX_CUSTOMER_RESPONSE_BYTES),
            customer_request_timeout: self
                .customer_request_timeout
                .unwrap_or(DEFAULT_CUSTOMER_REQUEST_TIMEOUT),
            max_concurrent_requests: self
                .max_concurrent_requests
                .unwrap_or(DEFAULT_MAX_CONCURRENT_REQUESTS),
            max_requests_per_second: self
                .max_requests_per_second
                .unwrap_or(DEFAULT_MAX_REQUESTS_PER_SECOND),
            auth,
            tls,
            proxy_url,
            collectors,
        })
    }
}

impl AuthFile {
    fn validate(self, at: &str) -> Result<AuthConfig, ConfigError> {
        let key = |field: &str| format!("{at}.{field}");
        match self {
            AuthFile::None {} => Ok(AuthConfig::None),
            AuthFile::Bearer {
                token_file,
                token_env,
            } => Ok(AuthConfig::Bearer {
                token: secret_source(token_file, token_env, &key("token_file"), &key("token_env"))?,
            }),
            AuthFile::OAuth2 {
                tenant_id,
                token_url,
                client_id,
                client_secret_file,
                client_secret_env,
                scope,
            } => {
                let token_url = match (token_url, tenant_id) {
                    (Some(token_url), _) => url(&token_url, &key("token_url"))?,
                    (None, Some(tenant)) => {
                        if tenant.is_empty()
                            || !tenant
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || "-.".contains(c))
                        {
                            return Err(invalid(
                                key("tenant_id"),
                                "must be a tenant GUID or domain name",
                            ));
                        }
                        url(
                            &format!(
                                "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
                            ),
                            &key("tenant_id"),
                        )?
                    }
                    (None, None) => {
                        return Err(invalid(key("tenant_id"), "is required (or set token_url)"));
                    }
                };
                Ok(AuthConfig::OAuth2(OAuth2Config {
                    token_url,
                    client_id,
                    client_secret: secret_source(
                        client_secret_file,
                        client_secret_env,
                        &key("client_secret_file"),
                        &key("client_secret_env"),
                    )?,
                    scope,
                }))
            }
        }
    }
}

/// Exactly one of a file or an environment variable; checked readable now so that a typo in a
/// path stops start-up instead of failing the first poll minutes later.
fn secret_source(
    file: Option<PathBuf>,
    env: Option<String>,
    file_key: &str,
    env_key: &str,
) -> Result<SecretSource, ConfigError> {
    let (source, key) = match (file, env) {
        (Some(path), None) => (SecretSource::File(path), file_key),
        (None, Some(var)) => (SecretSource::Env(var), env_key),
        (Some(_), Some(_)) => {
            return Err(invalid(
                file_key,
                format!("set either {file_key} or {env_key}, not both"),
            ));
        }
        (None, None) => {
            return Err(invalid(file_key, format!("is required (or set {env_key})")));
        }
    };
    source.read().map_err(|e| invalid(key, e.to_string()))?;
    Ok(source)
}
