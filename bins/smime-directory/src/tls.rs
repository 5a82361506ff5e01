//! TLS (rustls, ring provider) from PEM files: HTTPS, LDAPS and StartTLS share it.

use std::path::Path;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::Error;

/// A server configuration from a PEM certificate chain (leaf first) and a PEM private
/// key (PKCS#8, PKCS#1 or SEC1). TLS 1.2 and 1.3, no ALPN (the HTTP server adds
/// `http/1.1` to its copy).
///
/// # Errors
/// [`Error::Tls`] naming the file that cannot be read or holds no usable PEM block, or
/// saying that the key does not fit the certificate.
pub fn tls_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, Error> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| Error::Tls(format!("certificate file {}: {e}", cert.display())))?;
    if chain.is_empty() {
        return Err(Error::Tls(format!(
            "certificate file {}: no CERTIFICATE block",
            cert.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| Error::Tls(format!("key file {}: {e}", key.display())))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(chain, key))
        .map_err(|e| Error::Tls(e.to_string()))?;
    Ok(Arc::new(config))
}
