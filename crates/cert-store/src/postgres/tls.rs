//! TLS to the database: tokio-postgres's TLS traits over tokio-rustls (ring provider).
//!
//! `sslmode=require` encrypts without verifying the server certificate (libpq's
//! meaning; the handshake signatures are still checked), `verify-full` verifies the
//! chain against `sslrootcert` or the system roots and the name against the host.
//! Both offer SCRAM `tls-server-end-point` channel binding (RFC 5929) when the
//! server certificate's signature hash is known.

use std::future::Future;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use der::Decode;
use der::oid::ObjectIdentifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use sha2::{Digest, Sha256, Sha384, Sha512};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::Socket;
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};

use super::config::TlsMode;
use crate::Error;

/// Makes rustls connectors for the pool (cheap to clone).
#[derive(Clone)]
pub(crate) struct RustlsMakeConnect {
    config: Arc<ClientConfig>,
}

impl RustlsMakeConnect {
    /// The connector of a TLS mode; `None` for [`TlsMode::Off`].
    pub(crate) fn for_mode(mode: &TlsMode) -> Result<Option<RustlsMakeConnect>, Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::BadDatabaseUrl {
                detail: format!("TLS set-up failed: {e}"),
            })?;
        let config = match mode {
            TlsMode::Off => return Ok(None),
            TlsMode::EncryptOnly => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(EncryptOnly {
                    algorithms: provider.signature_verification_algorithms,
                }))
                .with_no_client_auth(),
            TlsMode::VerifyFull { root_cert } => builder
                .with_root_certificates(roots(root_cert.as_deref())?)
                .with_no_client_auth(),
        };
        Ok(Some(RustlsMakeConnect {
            config: Arc::new(config),
        }))
    }
}

/// The trust anchors of `verify-full`: the PEM file, or the system's.
fn roots(file: Option<&Path>) -> Result<RootCertStore, Error> {
    let certs: Vec<CertificateDer<'static>> = match file {
        Some(path) => CertificateDer::pem_file_iter(path)
            .and_then(|iter| iter.collect::<Result<_, _>>())
            .map_err(|e| Error::BadDatabaseUrl {
                detail: format!("sslrootcert {} is not readable PEM: {e}", path.display()),
            })?,
        None => rustls_native_certs::load_native_certs().certs,
    };
    let mut store = RootCertStore::empty();
    let (added, _ignored) = store.add_parsable_certificates(certs);
    if added == 0 {
        return Err(Error::BadDatabaseUrl {
            detail: "sslmode=verify-full but no trust anchor could be loaded".to_owned(),
        });
    }
    Ok(store)
}

impl MakeTlsConnect<Socket> for RustlsMakeConnect {
    type Stream = RustlsStream;
    type TlsConnect = RustlsConnect;
    type Error = rustls_pki_types::InvalidDnsNameError;

    fn make_tls_connect(&mut self, domain: &str) -> Result<RustlsConnect, Self::Error> {
        Ok(RustlsConnect {
            connector: tokio_rustls::TlsConnector::from(self.config.clone()),
            name: ServerName::try_from(domain.to_owned())?,
        })
    }
}

/// One handshake to come.
pub(crate) struct RustlsConnect {
    connector: tokio_rustls::TlsConnector,
    name: ServerName<'static>,
}

impl TlsConnect<Socket> for RustlsConnect {
    type Stream = RustlsStream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<RustlsStream>> + Send>>;

    fn connect(self, stream: Socket) -> Self::Future {
        Box::pin(async move {
            let stream = self.connector.connect(self.name, stream).await?;
            Ok(RustlsStream(stream))
        })
    }
}

/// A TLS connection to the server.
pub(crate) struct RustlsStream(tokio_rustls::client::TlsStream<Socket>);

impl TlsStream for RustlsStream {
    fn channel_binding(&self) -> ChannelBinding {
        let (_, session) = self.0.get_ref();
        session
            .peer_certificates()
            .and_then(|chain| chain.first())
            .and_then(|leaf| end_point_hash(leaf))
            .map_or_else(ChannelBinding::none, ChannelBinding::tls_server_end_point)
    }
}

/// RFC 5929 `tls-server-end-point`: the certificate's hash under its signature's hash
/// function, SHA-256 for MD5 and SHA-1; `None` when that function is not one of these.
fn end_point_hash(cert: &[u8]) -> Option<Vec<u8>> {
    const SHA256: &[&str] = &[
        "1.2.840.113549.1.1.4",
        "1.2.840.113549.1.1.5",
        "1.2.840.113549.1.1.11",
        "1.2.840.10045.4.1",
        "1.2.840.10045.4.3.2",
    ];
    const SHA384: &[&str] = &["1.2.840.113549.1.1.12", "1.2.840.10045.4.3.3"];
    const SHA512: &[&str] = &["1.2.840.113549.1.1.13", "1.2.840.10045.4.3.4"];
    let parsed = x509_cert::Certificate::from_der(cert).ok()?;
    let oid: ObjectIdentifier = parsed.signature_algorithm().oid;
    let is = |list: &[&str]| list.iter().any(|o| oid.to_string() == *o);
    if is(SHA256) {
        Some(Sha256::digest(cert).to_vec())
    } else if is(SHA384) {
        Some(Sha384::digest(cert).to_vec())
    } else if is(SHA512) {
        Some(Sha512::digest(cert).to_vec())
    } else {
        None
    }
}

impl AsyncRead for RustlsStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for RustlsStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// `sslmode=require`: any server certificate, but a handshake signed by its key.
#[derive(Debug)]
struct EncryptOnly {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_needs_no_connector() {
        assert!(
            RustlsMakeConnect::for_mode(&TlsMode::Off)
                .unwrap()
                .is_none()
        );
        assert!(
            RustlsMakeConnect::for_mode(&TlsMode::EncryptOnly)
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn unreadable_root_file_is_a_configuration_error() {
        let mode = TlsMode::VerifyFull {
            root_cert: Some("/nonexistent/ca.pem".into()),
        };
        let err = RustlsMakeConnect::for_mode(&mode).err().unwrap();
        assert!(matches!(err, Error::BadDatabaseUrl { .. }), "{err}");
    }

    #[test]
    fn end_point_hash_needs_a_certificate() {
        assert_eq!(end_point_hash(b"junk"), None);
    }
}
