//! TLS material and the server's rustls setup for a [`TlsServerConfig`], on the `ring` provider
//! (the one reqwest already links: no second crypto library in the binary).

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme};

use crate::config::pem::{PemError, read_certificates, read_private_key};
use crate::web::config::{ClientAuth, TlsServerConfig, TlsVersion};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error(transparent)]
    Pem(#[from] PemError),
    #[error("TLS setup refused: {0}")]
    Setup(String),
}

pub(super) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The rustls server setup: certificate chain and key, protocol versions, client policy.
pub(super) fn server_config(
    config: &TlsServerConfig,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let provider = provider();
    let chain = read_certificates(&config.cert_file)?;
    let key = read_private_key(&config.key_file)?;
    let verifier = client_verifier(config, &provider)?;
    let versions: Vec<_> = [
        (TlsVersion::Tls12, &rustls::version::TLS12),
        (TlsVersion::Tls13, &rustls::version::TLS13),
    ]
    .into_iter()
    .filter(|(v, _)| (config.min_version..=config.max_version).contains(v))
    .map(|(_, supported)| supported)
    .collect();
    let mut server = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&versions)
        .map_err(|e| TlsError::Setup(e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Setup(format!("{}: {e}", config.cert_file.display())))?;
    // The server speaks HTTP/1.1 only; saying so spares clients a failed HTTP/2 attempt.
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(server))
}

fn client_verifier(
    config: &TlsServerConfig,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<dyn ClientCertVerifier>, TlsError> {
    let verified = |ca_file: &Path, optional: bool| {
        let mut roots = RootCertStore::empty();
        for certificate in read_certificates(ca_file)? {
            roots
                .add(certificate)
                .map_err(|e| TlsError::Setup(format!("{}: {e}", ca_file.display())))?;
        }
        let builder =
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone());
        let builder = if optional {
            builder.allow_unauthenticated()
        } else {
            builder
        };
        builder.build().map_err(|e| TlsError::Setup(e.to_string()))
    };
    let ca_file = || {
        config
            .client_ca_file
            .as_deref()
            .ok_or_else(|| TlsError::Setup("client_ca_file is required".to_owned()))
    };
    Ok(match config.client_auth {
        ClientAuth::NoClientCert => WebPkiClientVerifier::no_client_auth(),
        ClientAuth::RequestClientCert => Arc::new(AnyClientCert::new(false, provider)),
        ClientAuth::RequireAnyClientCert => Arc::new(AnyClientCert::new(true, provider)),
        ClientAuth::VerifyClientCertIfGiven => verified(ca_file()?, true)?,
        ClientAuth::RequireAndVerifyClientCert => verified(ca_file()?, false)?,
    })
}

/// Go's RequestClientCert and RequireAnyClientCert: any certificate is accepted without a chain
/// check, but the handshake signature is still verified, so the client holds the certificate's
/// key.
#[derive(Debug)]
struct AnyClientCert {
    mandatory: bool,
    algorithms: WebPkiSupportedAlgorithms,
}

impl AnyClientCert {
    fn new(mandatory: bool, provider: &CryptoProvider) -> Self {
        Self {
            mandatory,
            algorithms: provider.signature_verification_algorithms,
        }
    }
}

impl ClientCertVerifier for AnyClientCert {
    fn client_auth_mandatory(&self) -> bool {
        self.mandatory
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
