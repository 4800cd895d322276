//! The web configuration in force, re-read when its file or the certificates it names change,
//! so that a rotated certificate or a new password takes effect without a restart.
//!
//! Every new connection and request asks for [`WebConfigWatch::current`], which compares the
//! files' modification times and sizes with the last load: a handful of `stat` calls, far
//! cheaper than a TLS handshake or a scrape, and no watcher task to keep alive. A reload that
//! fails (a half-written file, a key that does not match its certificate) keeps the last good
//! configuration, as Prometheus does with its own configuration, and is logged once per change.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use axum::http::HeaderMap;

use crate::sync;
use crate::web::config::{Users, WebConfig, WebConfigError};
use crate::web::tls::{self, TlsError};

#[derive(Debug, thiserror::Error)]
pub enum WebLoadError {
    #[error(transparent)]
    Config(#[from] WebConfigError),
    #[error("web configuration file {path}: tls_server_config: {source}")]
    Tls { path: PathBuf, source: TlsError },
    #[error(
        "web configuration file {0}: tls_server_config was added or removed; \
         switching between HTTP and HTTPS needs a restart"
    )]
    TlsToggled(PathBuf),
}

/// What the server applies to connections and requests.
#[derive(Debug, Default)]
pub struct Active {
    pub users: Users,
    pub headers: HeaderMap,
    /// `None`: plain HTTP.
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

/// The modification time and size of each file a configuration was built from.
type Fingerprint = Vec<Option<(SystemTime, u64)>>;

pub struct WebConfigWatch {
    /// `None` without a web configuration file: plain HTTP, no authentication, never reloaded.
    path: Option<PathBuf>,
    state: RwLock<State>,
}

struct State {
    active: Arc<Active>,
    /// The files the active configuration was built from, and how they looked.
    files: Vec<PathBuf>,
    loaded: Fingerprint,
    /// The last fingerprint that failed to load, so that its error is logged once.
    failed: Option<Fingerprint>,
}

impl WebConfigWatch {
    /// No file: plain HTTP without authentication.
    pub fn none() -> Self {
        Self {
            path: None,
            state: RwLock::new(State {
                active: Arc::new(Active::default()),
                files: Vec::new(),
                loaded: Vec::new(),
                failed: None,
            }),
        }
    }

    /// Loads `path` at start-up: any error is fatal, naming the file and the key.
    pub fn load(path: &Path) -> Result<Self, WebLoadError> {
        let (active, files, loaded) = build(path)?;
        Ok(Self {
            path: Some(path.to_owned()),
            state: RwLock::new(State {
                active: Arc::new(active),
                files,
                loaded,
                failed: None,
            }),
        })
    }

    /// The configuration to apply now, reloaded first if a file changed since the last look.
    pub fn current(&self) -> Arc<Active> {
        let Some(path) = &self.path else {
            return sync::read(&self.state).active.clone();
        };
        {
            let state = sync::read(&self.state);
            let now = fingerprint(&state.files);
            if now == state.loaded || state.failed.as_ref() == Some(&now) {
                return state.active.clone();
            }
        }
        let mut state = sync::write(&self.state);
        // Another request may have reloaded while this one waited for the lock.
        let seen = fingerprint(&state.files);
        if seen == state.loaded || state.failed.as_ref() == Some(&seen) {
            return state.active.clone();
        }
        match build(path).and_then(|(active, files, loaded)| {
            if active.tls.is_some() != state.active.tls.is_some() {
                return Err(WebLoadError::TlsToggled(path.clone()));
            }
            Ok((active, files, loaded))
        }) {
            Ok((active, files, loaded)) => {
                tracing::info!(path = %path.display(), "web configuration reloaded");
                *state = State {
                    active: Arc::new(active),
                    files,
                    loaded,
                    failed: None,
                };
            }
            Err(error) => {
                tracing::error!(%error, "web configuration not reloaded; keeping the previous one");
                state.failed = Some(seen);
            }
        }
        state.active.clone()
    }
}

/// Loads the file and what it names. The fingerprint is taken before reading, so a change made
/// during the read is seen as a change by the next look.
fn build(path: &Path) -> Result<(Active, Vec<PathBuf>, Fingerprint), WebLoadError> {
    let mut files = vec![path.to_owned()];
    let before_config = fingerprint(&files);
    let config = WebConfig::load(path)?;
    if let Some(tls) = &config.tls {
        files.extend(tls.files().into_iter().map(Path::to_owned));
    }
    let mut loaded = before_config;
    loaded.extend(fingerprint(&files[1..]));
    let tls = config
        .tls
        .as_ref()
        .map(tls::server_config)
        .transpose()
        .map_err(|source| WebLoadError::Tls {
            path: path.to_owned(),
            source,
        })?;
    Ok((
        Active {
            users: config.users,
            headers: config.headers,
            tls,
        },
        files,
        loaded,
    ))
}

fn fingerprint(files: &[PathBuf]) -> Fingerprint {
    files
        .iter()
        .map(|file| {
            // Follows symlinks: Kubernetes swaps a Secret's files by retargeting a symlink.
            let metadata = std::fs::metadata(file).ok()?;
            Some((metadata.modified().ok()?, metadata.len()))
        })
        .collect()
}
