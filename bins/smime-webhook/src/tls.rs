//! HTTPS: a rustls server configuration (ring provider) from PEM files.

use std::path::Path;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

use crate::Error;

/// Builds the TLS acceptor from a PEM certificate chain (leaf first) and a PEM private
/// key (PKCS#8, PKCS#1 or SEC1). TLS 1.2 and 1.3, ALPN `http/1.1`.
///
/// # Errors
/// [`Error::TlsCertificate`] or [`Error::TlsKey`] naming the file that cannot be read or
/// holds no usable PEM block, [`Error::TlsConfig`] when the key does not fit the
/// certificate.
pub fn tls_acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor, Error> {
    let cert_error = |detail: String| Error::TlsCertificate {
        path: cert.to_path_buf(),
        detail,
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(|e| cert_error(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| cert_error(e.to_string()))?;
    if chain.is_empty() {
        return Err(cert_error("no CERTIFICATE block".to_string()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| Error::TlsKey {
        path: key.to_path_buf(),
        detail: e.to_string(),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(Error::TlsConfig)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(Error::TlsConfig)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
