//! Configuration: a TOML file layered under `LIVEPLATFORM_EXPORTER__*` environment variables,
//! checked into typed settings. Every rejection names the offending key, because the operator
//! reading the message has only the file in front of them.
//!
//! Serde reads the file into typed values (durations and whole numbers through the helpers in
//! [`de`]); what is checked by hand is what a type cannot say: ranges, and rules across keys.

pub(crate) mod de;
mod error;
mod file;
mod limits;
pub(crate) mod pem;
pub(crate) mod secret;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::Url;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::config::error::{invalid, keyed};
use crate::config::file::ConfigFile;
use crate::config::secret::SecretSource;

pub(crate) use error::ConfigError;
pub use limits::DEFAULT_PORT;
use limits::*;
pub(crate) use limits::{
    DEFAULT_MAX_RESPONSE_BYTES, ENV_PREFIX, default_stale_after, stale_after_for,
};

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub server: ServerConfig,
    pub log: LogConfig,
    pub platforms: Vec<PlatformConfig>,
}

/// `[server]`; what it leaves unset is the default.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    #[serde(deserialize_with = "de::listen")]
    pub listen: SocketAddr,
    /// exporter-toolkit web configuration: TLS, basic auth, headers. Read and checked by the
    /// server at start-up (and by --check-config).
    pub web_config_file: Option<PathBuf>,
    #[serde(deserialize_with = "de::duration")]
    pub header_read_timeout: Duration,
    #[serde(deserialize_with = "de::duration")]
    pub request_timeout: Duration,
    /// Time a client has to take a response, from its first byte to its last.
    #[serde(deserialize_with = "de::duration")]
    pub write_timeout: Duration,
    #[serde(deserialize_with = "de::whole")]
    pub max_connections: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([0, 0, 0, 0], DEFAULT_PORT)),
            web_config_file: None,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            write_timeout: DEFAULT_WRITE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// `[log]`; what it leaves unset is the default.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    pub level: String,
    #[serde(deserialize_with = "de::by_name")]
    pub format: LogFormat,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".to_owned(),
            format: LogFormat::Text,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlatformConfig {
    pub name: String,
    pub base_url: Url,
    pub poll_interval: Duration,
    pub timeout: Duration,
    pub stale_after: Duration,
    pub channel_id: Option<i64>,
    pub max_response_bytes: u64,
    /// The limit of one customer's response (license information, details): far below the
    /// lists', so that the platform's fan-out in flight stays small whatever a server sends.
    pub max_customer_response_bytes: u64,
    /// The limit of one customer's request once it has its place: a customer whose request
    /// hangs costs that, not the run. A run bounds it further, to a share of its own time
    /// (`collect::per_customer`).
    pub customer_request_timeout: Duration,
    /// Requests in flight at once for the platform's collectors, the customer list excepted.
    pub max_concurrent_requests: usize,
    /// Requests started per second for them.
    pub max_requests_per_second: u32,
    pub auth: AuthConfig,
    pub tls: ClientTlsConfig,
    /// Proxy for every request of this platform, token requests included; without it the
    /// `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY` environment variables apply.
    pub proxy_url: Option<Url>,
    /// `[platforms.collectors.<name>]` of every collector but the customer list, whose table is
    /// merged into `poll_interval`, `timeout` and `stale_after` above. Names are checked
    /// against the collectors the exporter has when the platform is set up.
    pub collectors: BTreeMap<String, CollectorConfig>,
}

/// One collector's table; what it leaves unset is the collector's default.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct CollectorConfig {
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "de::optional_duration")]
    pub interval: Option<Duration>,
    #[serde(default, deserialize_with = "de::optional_duration")]
    pub timeout: Option<Duration>,
    #[serde(default, deserialize_with = "de::optional_duration")]
    pub stale_after: Option<Duration>,
    /// Every other key of the table: the collector's own options. Which a collector has only
    /// its kind knows, so they are read (or refused, for a kind that has none) when the
    /// platform's collectors are planned, not here.
    #[serde(flatten)]
    pub options: CollectorOptions,
}

/// The keys every collector's table has; any other is one of the collector's own options.
const SCHEDULE_KEYS: &str = "`enabled`, `interval`, `timeout`, `stale_after`";

/// The keys of a collector's table beyond its schedule, as written: read into the collector's
/// own options type with [`CollectorOptions::read`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct CollectorOptions(BTreeMap<String, config::Value>);

impl CollectorOptions {
    /// The keys read into `T`, whose errors name the key below `at` (the table's key), as
    /// every other refusal does. Values are read as leniently as the rest of the file (an
    /// environment override is a string); `T` says which keys there are (its
    /// `deny_unknown_fields`) and what they hold.
    pub(crate) fn read<T: DeserializeOwned>(&self, at: &str) -> Result<T, ConfigError> {
        let table = config::Value::new(
            None,
            config::ValueKind::Table(self.0.clone().into_iter().collect()),
        );
        T::deserialize(table).map_err(|e| match keyed(e) {
            ConfigError::Invalid { key, message } if key.is_empty() => invalid(at, message),
            ConfigError::Invalid { key, message } => invalid(format!("{at}.{key}"), message),
            other => invalid(at, other.to_string()),
        })
    }

    /// Refuses the first key, for a collector that has no options of its own.
    pub(crate) fn refuse(&self, at: &str) -> Result<(), ConfigError> {
        match self.0.keys().next() {
            Some(key) => Err(invalid(
                format!("{at}.{key}"),
                format!("unknown key, expected one of {SCHEDULE_KEYS}"),
            )),
            None => Ok(()),
        }
    }
}

/// A collector's schedule: its kind's defaults, overridden by its table (for the customer list,
/// by the platform's keys), the configuration's rule filling in `stale_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CollectorSettings {
    pub interval: Duration,
    pub timeout: Duration,
    pub stale_after: Duration,
}

/// `[platforms.tls]`: how the API's (and token endpoint's) certificates are checked, and the
/// client certificate to present.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ClientTlsConfig {
    /// Extra trusted roots, on top of the built-in ones.
    pub ca_file: Option<PathBuf>,
    pub client_cert: Option<ClientCertificate>,
    pub insecure_skip_verify: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientCertificate {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
}

impl PlatformConfig {
    /// A platform with the documented defaults; the rest of the fields are plain to override.
    pub fn new(name: impl Into<String>, base_url: Url, auth: AuthConfig) -> Self {
        Self {
            name: name.into(),
            base_url,
            poll_interval: DEFAULT_POLL_INTERVAL,
            timeout: DEFAULT_TIMEOUT,
            stale_after: default_stale_after(DEFAULT_POLL_INTERVAL),
            channel_id: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_customer_response_bytes: DEFAULT_MAX_CUSTOMER_RESPONSE_BYTES,
            customer_request_timeout: DEFAULT_CUSTOMER_REQUEST_TIMEOUT,
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS,
            max_requests_per_second: DEFAULT_MAX_REQUESTS_PER_SECOND,
            auth,
            tls: ClientTlsConfig::default(),
            proxy_url: None,
            collectors: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum AuthConfig {
    None,
    Bearer { token: SecretSource },
    OAuth2(OAuth2Config),
}

#[derive(Debug, Clone, PartialEq)]
pub struct OAuth2Config {
    pub token_url: Url,
    pub client_id: String,
    pub client_secret: SecretSource,
    pub scope: String,
}

impl Config {
    /// Loads `path`, then applies `env` (pass `std::env::vars()`; tests pass their own map so they
    /// never touch the process environment).
    pub fn load(
        path: &Path,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        if !path.exists() {
            return Err(ConfigError::NotFound(path.to_path_buf()));
        }
        let prefix = format!("{ENV_PREFIX}__");
        let overrides: HashMap<String, String> = env
            .into_iter()
            .filter(|(key, _)| key.starts_with(&prefix))
            .collect();
        let file: ConfigFile = config::Config::builder()
            .add_source(config::File::from(path).format(config::FileFormat::Toml))
            .add_source(
                config::Environment::with_prefix(ENV_PREFIX)
                    .prefix_separator("__")
                    .separator("__")
                    .source(Some(overrides)),
            )
            .build()
            .and_then(|c| c.try_deserialize())
            .map_err(keyed)?;
        file.validate()
    }

    /// Settings for running without a file (demo mode): defaults plus the given platforms.
    pub fn with_platforms(platforms: Vec<PlatformConfig>) -> Self {
        Self {
            server: ServerConfig::default(),
            log: LogConfig::default(),
            platforms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn load_str(toml: &str) -> Result<Config, ConfigError> {
        load_with_env(toml, [])
    }

    fn load_with_env<const N: usize>(
        toml: &str,
        env: [(&str, &str); N],
    ) -> Result<Config, ConfigError> {
        let mut file = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
        file.write_all(toml.as_bytes()).unwrap();
        Config::load(file.path(), env.map(|(k, v)| (k.to_owned(), v.to_owned())))
    }

    fn error_of(toml: &str) -> String {
        load_str(toml).unwrap_err().to_string()
    }

    const MINIMAL: &str = r#"
        [[platforms]]
        name = "prod"
        base_url = "https://sp.example.com/tenantui"
        [platforms.auth]
        kind = "none"
    "#;

    #[test]
    fn minimal_file_gets_documented_defaults() {
        let config = load_str(MINIMAL).unwrap();
        assert_eq!(config.server.listen.port(), DEFAULT_PORT);
        assert_eq!(config.log.level, "info");
        assert_eq!(config.log.format, LogFormat::Text);
        let platform = &config.platforms[0];
        assert_eq!(platform.poll_interval, Duration::from_secs(300));
        assert_eq!(platform.timeout, Duration::from_secs(30));
        assert_eq!(platform.stale_after, Duration::from_secs(900));
        assert_eq!(platform.channel_id, None);
        assert_eq!(platform.max_concurrent_requests, 4);
        assert_eq!(platform.max_requests_per_second, 10);
        assert!(matches!(platform.auth, AuthConfig::None));
    }

    #[test]
    fn stale_after_defaults_to_three_poll_intervals() {
        let config = load_str(&MINIMAL.replace(
            "[platforms.auth]",
            "poll_interval = \"90s\"\n[platforms.auth]",
        ))
        .unwrap();
        assert_eq!(config.platforms[0].stale_after, Duration::from_secs(270));
    }

    #[test]
    fn the_customer_lists_table_overrides_the_platform_keys() {
        let config = load_str(&format!(
            "{}\n[platforms.collectors.customers]\ninterval = \"2s\"\ntimeout = \"1s\"\n",
            MINIMAL.replace(
                "[platforms.auth]",
                "poll_interval = \"1m\"\ntimeout = \"20s\"\n[platforms.auth]"
            )
        ))
        .unwrap();
        let platform = &config.platforms[0];
        assert_eq!(platform.poll_interval, Duration::from_secs(2));
        assert_eq!(platform.timeout, Duration::from_secs(1));
        assert_eq!(platform.stale_after, Duration::from_secs(6));
        assert!(
            platform.collectors.is_empty(),
            "merged into the platform keys"
        );
    }

    #[test]
    fn other_collector_tables_are_kept_for_the_plan() {
        let config = load_str(&format!(
            "{MINIMAL}\n[platforms.collectors.later]\nenabled = false\ninterval = \"1h\"\n\
             page_size = 5\n"
        ))
        .unwrap();
        let table = &config.platforms[0].collectors["later"];
        assert_eq!(table.enabled, Some(false));
        assert_eq!(table.interval, Some(Duration::from_secs(3600)));
        assert_eq!(table.timeout, None);
        // The collector's own keys wait for its kind to read them (or refuse them).
        #[derive(Debug, Deserialize)]
        struct Own {
            page_size: u32,
        }
        let own: Own = table.options.read("t").unwrap();
        assert_eq!(own.page_size, 5);
    }

    #[test]
    fn environment_overrides_scalar_keys() {
        let config = load_with_env(
            MINIMAL,
            [
                ("LIVEPLATFORM_EXPORTER__SERVER__LISTEN", "127.0.0.1:9999"),
                ("LIVEPLATFORM_EXPORTER__LOG__FORMAT", "json"),
                ("LIVEPLATFORM_EXPORTER__SERVER__REQUEST_TIMEOUT", "5s"),
            ],
        )
        .unwrap();
        assert_eq!(config.server.listen, "127.0.0.1:9999".parse().unwrap());
        assert_eq!(config.log.format, LogFormat::Json);
        assert_eq!(config.server.request_timeout, Duration::from_secs(5));
    }

    #[test]
    fn oauth2_tenant_id_gives_the_entra_token_url_and_reads_the_secret() {
        let mut secret = tempfile::NamedTempFile::new().unwrap();
        writeln!(secret, "s3cret").unwrap();
        let config = load_str(&format!(
            r#"
            [[platforms]]
            name = "prod"
            base_url = "https://sp.example.com/tenantui/"
            channel_id = 12
            [platforms.auth]
            kind = "oauth2"
            tenant_id = "0ad77c8d-c023-4054-ac4e-07d02b4b07a6"
            client_id = "app"
            client_secret_file = "{}"
            scope = "api://app/.default"
            "#,
            secret.path().display()
        ))
        .unwrap();
        let platform = &config.platforms[0];
        assert_eq!(platform.channel_id, Some(12));
        let AuthConfig::OAuth2(oauth) = &platform.auth else {
            panic!("expected oauth2, got {:?}", platform.auth);
        };
        assert_eq!(
            oauth.token_url.as_str(),
            "https://login.microsoftonline.com/0ad77c8d-c023-4054-ac4e-07d02b4b07a6/oauth2/v2.0/token"
        );
        assert!(!format!("{config:?}").contains("s3cret"));
    }

    #[test]
    fn each_bad_key_is_named_in_the_error() {
        let cases = [
            (MINIMAL.replace("name = \"prod\"", ""), "platforms[0].name"),
            (
                MINIMAL.replace("https://sp.example.com/tenantui", "ftp://x"),
                "platforms[0].base_url",
            ),
            (
                MINIMAL.replace("https://sp.example.com", "https://user:pw@sp.example.com"),
                "platforms[0].base_url",
            ),
            (
                MINIMAL.replace("[platforms.auth]", "poll_interval = \"soon\"\n[platforms.auth]"),
                "platforms[0].poll_interval",
            ),
            (
                MINIMAL.replace("[platforms.auth]", "poll_interval = \"10ms\"\n[platforms.auth]"),
                "platforms[0].poll_interval",
            ),
            (
                MINIMAL.replace(
                    "[platforms.auth]",
                    "poll_interval = \"5m\"\nstale_after = \"1m\"\n[platforms.auth]",
                ),
                "platforms[0].stale_after",
            ),
            (MINIMAL.replace("kind = \"none\"", "kind = \"magic\""), "platforms[0].auth.kind"),
            (MINIMAL.replace("kind = \"none\"", ""), "platforms[0].auth.kind"),
            (
                MINIMAL.replace(
                    "kind = \"none\"",
                    "kind = \"oauth2\"\ntenant_id = \"t\"\nscope = \"s\"\nclient_secret_env = \"PATH\"",
                ),
                "platforms[0].auth.client_id",
            ),
            (
                MINIMAL.replace("kind = \"none\"", "kind = \"none\"\nclient_id = \"x\""),
                "platforms[0].auth.client_id",
            ),
            (
                MINIMAL.replace("kind = \"none\"", "kind = \"bearer\""),
                "platforms[0].auth.token_file",
            ),
            (
                MINIMAL.replace(
                    "kind = \"none\"",
                    "kind = \"bearer\"\ntoken_env = \"LIVEPLATFORM_TEST_SURELY_UNSET\"",
                ),
                "platforms[0].auth.token_env",
            ),
            (
                MINIMAL.replace(
                    "kind = \"none\"",
                    "kind = \"oauth2\"\nclient_id = \"a\"\nscope = \"s\"\ntoken_env = \"X\"",
                ),
                "platforms[0].auth.token_env",
            ),
            (
                MINIMAL.replace(
                    "kind = \"none\"",
                    "kind = \"oauth2\"\nclient_id = \"a\"\nscope = \"s\"\nclient_secret_env = \"PATH\"",
                ),
                "platforms[0].auth.tenant_id",
            ),
            (format!("[server]\nlisten = \"nowhere\"\n{MINIMAL}"), "server.listen"),
            (format!("[server]\nmax_connections = 0\n{MINIMAL}"), "server.max_connections"),
            (
                format!("[server]\nheader_read_timeout = \"0s\"\n{MINIMAL}"),
                "server.header_read_timeout",
            ),
            (
                format!("[server]\nrequest_timeout = \"soon\"\n{MINIMAL}"),
                "server.request_timeout",
            ),
            (
                format!("[server]\nwrite_timeout = \"0s\"\n{MINIMAL}"),
                "server.write_timeout",
            ),
            (
                MINIMAL.replace("[platforms.auth]", "proxy_url = \"socks5://p:1080\"\n[platforms.auth]"),
                "platforms[0].proxy_url",
            ),
            (
                MINIMAL.replace("[platforms.auth]", "proxy_url = \"http://u:pw@p:3128\"\n[platforms.auth]"),
                "platforms[0].proxy_url",
            ),
            (
                format!("{MINIMAL}\n[platforms.tls]\nca_file = \"/nonexistent/ca.pem\"\n"),
                "platforms[0].tls.ca_file",
            ),
            (
                format!("{MINIMAL}\n[platforms.tls]\ncert_file = \"/nonexistent/c.pem\"\n"),
                "platforms[0].tls.key_file",
            ),
            (
                format!("{MINIMAL}\n[platforms.collectors.customers]\nenabled = false\n"),
                "platforms[0].collectors.customers.enabled",
            ),
            (
                format!("{MINIMAL}\n[platforms.collectors.customers]\ninterval = \"10ms\"\n"),
                "platforms[0].collectors.customers.interval",
            ),
            (
                format!(
                    "{MINIMAL}\n[platforms.collectors.customers]\ninterval = \"5m\"\n\
                     stale_after = \"1m\"\n"
                ),
                "platforms[0].collectors.customers.stale_after",
            ),
            (
                format!("{MINIMAL}\n[platforms.collectors.other]\ntimeout = \"never\"\n"),
                "platforms[0].collectors.other.timeout",
            ),
            (
                MINIMAL.replace(
                    "[platforms.auth]",
                    "poll_interval = \"18446744073709551615s\"\n[platforms.auth]",
                ),
                "platforms[0].poll_interval",
            ),
            (
                MINIMAL.replace("[platforms.auth]", "timeout = \"2days\"\n[platforms.auth]"),
                "platforms[0].timeout",
            ),
            (
                MINIMAL.replace("[platforms.auth]", "stale_after = \"1year\"\n[platforms.auth]"),
                "platforms[0].stale_after",
            ),
            (
                MINIMAL.replace("[platforms.auth]", "max_response_bytes = 0\n[platforms.auth]"),
                "platforms[0].max_response_bytes",
            ),
            (
                MINIMAL.replace(
                    "[platforms.auth]",
                    "max_customer_response_bytes = 0\n[platforms.auth]",
                ),
                "platforms[0].max_customer_response_bytes",
            ),
            (
                MINIMAL.replace(
                    "[platforms.auth]",
                    "max_response_bytes = 5_000_000_000\n[platforms.auth]",
                ),
                "platforms[0].max_response_bytes",
            ),
            (
                format!(
                    "{MINIMAL}\n[platforms.collectors.customers]\n\
                     timeout = \"18446744073709551615s\"\n"
                ),
                "platforms[0].collectors.customers.timeout",
            ),
            (
                format!("{MINIMAL}\n[platforms.collectors.other]\nstale_after = \"99999d\"\n"),
                "platforms[0].collectors.other.stale_after",
            ),
            (
                MINIMAL.replace("[platforms.auth]", "max_concurrent_requests = 0\n[platforms.auth]"),
                "platforms[0].max_concurrent_requests",
            ),
            (
                MINIMAL.replace(
                    "[platforms.auth]",
                    "max_requests_per_second = 100000\n[platforms.auth]",
                ),
                "platforms[0].max_requests_per_second",
            ),
            (
                format!("[server]\nrequest_timeout = \"2h\"\n{MINIMAL}"),
                "server.request_timeout",
            ),
            (
                format!("[server]\nwrite_timeout = \"2h\"\n{MINIMAL}"),
                "server.write_timeout",
            ),
            (
                format!("[server]\nmax_connections = 1_000_000\n{MINIMAL}"),
                "server.max_connections",
            ),
            (format!("[log]\nformat = \"xml\"\n{MINIMAL}"), "log.format"),
            (format!("{MINIMAL}\n{MINIMAL}"), "platforms[1].name"),
            ("[server]\n".to_owned(), "platforms"),
        ];
        for (toml, key) in cases {
            let message = error_of(&toml);
            assert!(
                message.starts_with(key),
                "expected an error naming {key}, got {message:?}"
            );
        }
    }

    #[test]
    fn numbers_that_would_be_rounded_are_refused_by_name() {
        for (line, key) in [
            (
                "max_response_bytes = 1.5",
                "platforms[0].max_response_bytes",
            ),
            ("max_response_bytes = -1", "platforms[0].max_response_bytes"),
            (
                "max_response_bytes = \"lots\"",
                "platforms[0].max_response_bytes",
            ),
            ("channel_id = 2.5", "platforms[0].channel_id"),
        ] {
            let message = error_of(
                &MINIMAL.replace("[platforms.auth]", &format!("{line}\n[platforms.auth]")),
            );
            assert!(message.contains(key), "{line}: {message}");
            assert!(message.contains("whole number"), "{line}: {message}");
        }
        let message = error_of(&format!("[server]\nmax_connections = 64.5\n{MINIMAL}"));
        assert!(message.contains("server.max_connections"), "{message}");

        let config = load_with_env(
            &MINIMAL.replace(
                "[platforms.auth]",
                "max_response_bytes = 1e6\n[platforms.auth]",
            ),
            [("LIVEPLATFORM_EXPORTER__SERVER__MAX_CONNECTIONS", "12")],
        )
        .unwrap();
        assert_eq!(config.platforms[0].max_response_bytes, 1_000_000);
        assert_eq!(config.server.max_connections, 12);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Whatever number a duration key is given, start-up either gets a value in its range
        /// or an error naming the key: never a panic, never an overflow later on.
        #[test]
        fn any_duration_is_in_range_or_refused_by_name(
            n in proptest::num::u64::ANY,
            unit in proptest::sample::select(vec!["ms", "s", "m", "h", "d", "y"]),
            key in proptest::sample::select(vec!["poll_interval", "timeout", "stale_after"]),
        ) {
            let toml = MINIMAL.replace("[platforms.auth]", &format!("{key} = \"{n}{unit}\"\n[platforms.auth]"));
            match load_str(&toml) {
                Ok(config) => {
                    let platform = &config.platforms[0];
                    proptest::prop_assert!(INTERVALS.contains(&platform.poll_interval));
                    proptest::prop_assert!(TIMEOUTS.contains(&platform.timeout));
                    proptest::prop_assert!(platform.poll_interval <= platform.stale_after && platform.stale_after <= STALE_AFTER_MAX);
                }
                Err(e) => {
                    let message = e.to_string();
                    proptest::prop_assert!(message.starts_with(&format!("platforms[0].{key}")), "{}", message);
                }
            }
        }
    }

    #[test]
    fn server_limits_web_config_proxy_and_tls_keys_are_read() {
        let config = load_str(&format!(
            "[server]\nweb_config_file = \"/etc/x/web.yml\"\nheader_read_timeout = \"5s\"\n\
             request_timeout = \"1m\"\nwrite_timeout = \"2m\"\nmax_connections = 8\n{}\n\
             [platforms.tls]\n\
             insecure_skip_verify = true\n",
            MINIMAL.replace(
                "[platforms.auth]",
                "proxy_url = \"http://proxy.example:3128\"\n[platforms.auth]"
            )
        ))
        .unwrap();
        assert_eq!(
            config.server.web_config_file.as_deref(),
            Some(Path::new("/etc/x/web.yml"))
        );
        assert_eq!(config.server.header_read_timeout, Duration::from_secs(5));
        assert_eq!(config.server.request_timeout, Duration::from_secs(60));
        assert_eq!(config.server.write_timeout, Duration::from_secs(120));
        assert_eq!(config.server.max_connections, 8);
        let platform = &config.platforms[0];
        assert_eq!(
            platform.proxy_url.as_ref().map(Url::as_str),
            Some("http://proxy.example:3128/")
        );
        assert!(platform.tls.insecure_skip_verify);
        let defaults = load_str(MINIMAL).unwrap();
        assert_eq!(defaults.server.web_config_file, None);
        assert_eq!(defaults.server.max_connections, 64);
        assert_eq!(defaults.server.write_timeout, Duration::from_secs(60));
        assert!(!defaults.platforms[0].tls.insecure_skip_verify);
    }

    #[test]
    fn unknown_keys_are_refused_by_name() {
        let message = error_of(&MINIMAL.replace(
            "name = \"prod\"",
            "name = \"prod\"\npoll_intervall = \"5m\"",
        ));
        assert!(message.contains("poll_intervall"), "{message}");
        let message = error_of(&format!(
            "{MINIMAL}\n[platforms.collectors.customers]\nintervall = \"5m\"\n"
        ));
        assert!(
            message.contains("intervall") && message.contains("platforms[0].collectors.customers"),
            "{message}"
        );
        // The customer list has no options: its table is merged here, and so refused here.
        let message = error_of(&format!(
            "{MINIMAL}\n[platforms.collectors.customers]\npage_size = 5\n"
        ));
        assert!(
            message.starts_with("platforms[0].collectors.customers.page_size: unknown key"),
            "{message}"
        );
    }

    /// Missing, unknown and mistyped keys are found by serde; their messages read like the
    /// checks' own: the key as the file writes it, then what is wrong.
    #[test]
    fn what_serde_refuses_is_named_like_every_other_refusal() {
        for (toml, start) in [
            (
                MINIMAL.replace("name = \"prod\"", ""),
                "platforms[0].name: is required",
            ),
            (
                MINIMAL.replace("kind = \"none\"", "kind = \"none\"\nclient_id = \"x\""),
                "platforms[0].auth.client_id: unknown key",
            ),
            (
                format!("{MINIMAL}\n[platforms.tls]\ncafile = \"x\"\n"),
                "platforms[0].tls.cafile: unknown key, expected one of `ca_file`",
            ),
            (
                format!("{MINIMAL}\n[platforms.tls]\ninsecure_skip_verify = \"maybe\"\n"),
                "platforms[0].tls.insecure_skip_verify: invalid type: string \"maybe\"",
            ),
            (
                format!("[serverr]\n{MINIMAL}"),
                "serverr: unknown key, expected one of `server`, `log`, `platforms`",
            ),
        ] {
            let message = error_of(&toml);
            assert!(
                message.starts_with(start),
                "expected {start:?}, got {message:?}"
            );
        }
    }

    #[test]
    fn missing_file_is_reported_with_its_path() {
        let err = Config::load(Path::new("/nonexistent/config.toml"), []).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/config.toml"));
    }
}
