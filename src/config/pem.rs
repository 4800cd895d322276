//! PEM files: certificates and private keys, read when the configuration is checked and again
//! when a client or the server is set up.

use std::path::{Path, PathBuf};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

#[derive(Debug, thiserror::Error)]
pub enum PemError {
    #[error("cannot read certificates from {path}: {message}")]
    Certificates { path: PathBuf, message: String },
    #[error("no certificate in {0}")]
    NoCertificate(PathBuf),
    #[error("cannot read a private key from {path}: {message}")]
    PrivateKey { path: PathBuf, message: String },
}

/// Every certificate of a PEM file, in order; at least one.
pub(crate) fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, PemError> {
    let certificates = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| PemError::Certificates {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
    if certificates.is_empty() {
        return Err(PemError::NoCertificate(path.to_owned()));
    }
    Ok(certificates)
}

/// The first private key (PKCS#8, PKCS#1 or SEC1) of a PEM file. The error never quotes the
/// file's content.
pub(crate) fn read_private_key(path: &Path) -> Result<PrivateKeyDer<'static>, PemError> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| PemError::PrivateKey {
        path: path.to_owned(),
        message: e.to_string(),
    })
}
