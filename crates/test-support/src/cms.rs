//! CMS SignedData fixtures (RFC 5652), assembled field by field in DER so a fixture can
//! carry exactly the variation a test needs, plus a DER→BER converter that writes what
//! Thunderbird/NSS and Outlook write (indefinite lengths, chunked OCTET STRINGs) while
//! leaving certificate bytes untouched.
//!
//! [`SignedDataSpec::new`] gives the common case (signed attributes with contentType,
//! signingTime, messageDigest and SMIMECapabilities; issuerAndSerialNumber signer id;
//! the signer's certificate and the test intermediate); tweak its fields, then
//! [`SignedDataSpec::build`].

mod ber;

pub use ber::der_to_ber;

use const_oid::ObjectIdentifier;

use crate::keys::der_util::{ctx, ctx_prim, int_bytes, int_u64, octets, oid, seq, set, time, tlv};
use crate::keys::{HashAlg, SigAlg, TestKey};
use crate::pki::TestCert;

/// OIDs of CMS content types and attributes.
pub mod oids {
    use const_oid::ObjectIdentifier as O;
    pub const ID_DATA: O = O::new_unwrap("1.2.840.113549.1.7.1");
    pub const ID_SIGNED_DATA: O = O::new_unwrap("1.2.840.113549.1.7.2");
    pub const ID_ENVELOPED_DATA: O = O::new_unwrap("1.2.840.113549.1.7.3");
    pub const CONTENT_TYPE: O = O::new_unwrap("1.2.840.113549.1.9.3");
    pub const MESSAGE_DIGEST: O = O::new_unwrap("1.2.840.113549.1.9.4");
    pub const SIGNING_TIME: O = O::new_unwrap("1.2.840.113549.1.9.5");
    pub const SMIME_CAPABILITIES: O = O::new_unwrap("1.2.840.113549.1.9.15");
    pub const ENCRYPTION_KEY_PREFERENCE: O = O::new_unwrap("1.2.840.113549.1.9.16.2.11");
    pub const AES256_CBC: O = O::new_unwrap("2.16.840.1.101.3.4.1.42");
    pub const AES128_CBC: O = O::new_unwrap("2.16.840.1.101.3.4.1.2");
    pub const AES256_GCM: O = O::new_unwrap("2.16.840.1.101.3.4.1.46");
}

/// How the SignerInfo names its signer (RFC 5652 §5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignerId {
    IssuerAndSerial,
    SubjectKeyId,
}

/// SMIMEEncryptionKeyPreference value to put in the signed attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyPreference {
    /// `[0] IssuerAndSerialNumber`: issuer Name DER and serial content octets.
    IssuerSerial {
        issuer_der: Vec<u8>,
        serial: Vec<u8>,
    },
    /// `[2] SubjectKeyIdentifier`.
    SubjectKeyId(Vec<u8>),
}

impl KeyPreference {
    /// Names `cert` by issuer and serial number.
    pub fn issuer_serial(cert: &TestCert) -> KeyPreference {
        KeyPreference::IssuerSerial {
            issuer_der: cert.issuer_der(),
            serial: cert.serial(),
        }
    }
}

/// Everything a SignedData fixture may vary.
#[derive(Clone, Debug)]
pub struct SignedDataSpec {
    /// Named by the signer id; its key signs unless `sign_with` is set.
    pub signer: TestCert,
    /// Sign with this key instead ("signature by another key").
    pub sign_with: Option<TestKey>,
    pub sig: SigAlg,
    /// The SignerInfo digestAlgorithm (messageDigest and digestAlgorithms).
    pub digest: HashAlg,
    pub sid: SignerId,
    /// Whether signed attributes are present (otherwise the signature covers the content).
    pub signed_attrs: bool,
    /// The contentType attribute's value; `None` leaves the attribute out.
    pub content_type: Option<ObjectIdentifier>,
    pub signing_time: Option<i64>,
    /// SMIMECapabilities OIDs; empty = attribute absent.
    pub capabilities: Vec<ObjectIdentifier>,
    pub encryption_key_preference: Option<KeyPreference>,
    /// Certificates (DER) in the order they are carried.
    pub certificates: Vec<Vec<u8>>,
    /// The content that is signed (a MIME entity, CRLF line ends).
    pub content: Vec<u8>,
    /// Opaque signing: carry the content inside (eContent).
    pub encapsulate: bool,
}

impl SignedDataSpec {
    /// Defaults: the key's default algorithm (SHA-512 for Ed25519, RFC 8419), signed
    /// attributes with signingTime one day before [`crate::FIXED_NOW_UNIX`] and AES
    /// capabilities, issuerAndSerialNumber, certificates signer then intermediate,
    /// detached.
    pub fn new(signer: &TestCert, content: &[u8]) -> SignedDataSpec {
        let sig = SigAlg::default_for(signer.key.alg());
        SignedDataSpec {
            signer: signer.clone(),
            sign_with: None,
            sig,
            digest: sig.hash().unwrap_or(HashAlg::Sha512),
            sid: SignerId::IssuerAndSerial,
            signed_attrs: true,
            content_type: Some(oids::ID_DATA),
            signing_time: Some(crate::FIXED_NOW_UNIX as i64 - 86_400),
            capabilities: vec![oids::AES256_GCM, oids::AES256_CBC, oids::AES128_CBC],
            encryption_key_preference: None,
            certificates: vec![
                signer.der.clone(),
                crate::pki::hierarchy().intermediate.der.clone(),
            ],
            content: content.to_vec(),
            encapsulate: false,
        }
    }

    /// Sets the signature algorithm and the matching digest.
    pub fn with_sig(mut self, sig: SigAlg) -> SignedDataSpec {
        self.sig = sig;
        self.digest = sig.hash().unwrap_or(HashAlg::Sha512);
        self
    }

    /// The signed attributes, each an encoded `Attribute`.
    fn attributes(&self) -> Vec<Vec<u8>> {
        let attr = |o: ObjectIdentifier, value: &[u8]| seq(&[&oid(o), &set(&[value])]);
        let mut attrs = Vec::new();
        if let Some(ct) = self.content_type {
            attrs.push(attr(oids::CONTENT_TYPE, &oid(ct)));
        }
        if let Some(t) = self.signing_time {
            attrs.push(attr(oids::SIGNING_TIME, &time(t)));
        }
        attrs.push(attr(
            oids::MESSAGE_DIGEST,
            &octets(&self.digest.digest(&self.content)),
        ));
        if !self.capabilities.is_empty() {
            let caps: Vec<Vec<u8>> = self.capabilities.iter().map(|c| seq(&[&oid(*c)])).collect();
            let refs: Vec<&[u8]> = caps.iter().map(Vec::as_slice).collect();
            attrs.push(attr(oids::SMIME_CAPABILITIES, &seq(&refs)));
        }
        if let Some(pref) = &self.encryption_key_preference {
            let value = match pref {
                KeyPreference::IssuerSerial { issuer_der, serial } => {
                    tlv(0xa0, &[issuer_der.clone(), int_bytes(serial)].concat())
                }
                KeyPreference::SubjectKeyId(id) => ctx_prim(2, id),
            };
            attrs.push(attr(oids::ENCRYPTION_KEY_PREFERENCE, &value));
        }
        attrs
    }

    /// The `[0] IMPLICIT SignedAttributes` element (DER), if signed attributes are on.
    pub fn signed_attrs_implicit(&self) -> Option<Vec<u8>> {
        if !self.signed_attrs {
            return None;
        }
        let attrs = self.attributes();
        let refs: Vec<&[u8]> = attrs.iter().map(Vec::as_slice).collect();
        let mut implicit = set(&refs);
        implicit[0] = 0xa0;
        Some(implicit)
    }

    /// The SignerInfo DER.
    pub fn signer_info(&self) -> Vec<u8> {
        let (version, sid) = match self.sid {
            SignerId::IssuerAndSerial => (
                1,
                seq(&[&self.signer.issuer_der(), &int_bytes(&self.signer.serial())]),
            ),
            SignerId::SubjectKeyId => (3, ctx_prim(0, &self.signer.key_id())),
        };
        let key = self.sign_with.as_ref().unwrap_or(&self.signer.key);
        let mut fields = vec![
            int_u64(version),
            sid,
            self.digest.algorithm_identifier_der(),
        ];
        match self.signed_attrs_implicit() {
            Some(implicit) => {
                let mut as_set = implicit.clone();
                as_set[0] = 0x31;
                fields.push(implicit);
                fields.push(self.sig.algorithm_identifier_der());
                fields.push(octets(&key.sign(self.sig, &as_set)));
            }
            None => {
                fields.push(self.sig.algorithm_identifier_der());
                fields.push(octets(&key.sign(self.sig, &self.content)));
            }
        }
        let refs: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
        seq(&refs)
    }

    /// The ContentInfo DER. Certificates keep the order given (a BER-style SET, as
    /// clients write it).
    pub fn build(&self) -> Vec<u8> {
        let version = if self.sid == SignerId::SubjectKeyId {
            3
        } else {
            1
        };
        let econtent = if self.encapsulate {
            seq(&[&oid(oids::ID_DATA), &ctx(0, &octets(&self.content))])
        } else {
            seq(&[&oid(oids::ID_DATA)])
        };
        let mut fields = vec![
            int_u64(version),
            set(&[&self.digest.algorithm_identifier_der()]),
            econtent,
        ];
        if !self.certificates.is_empty() {
            fields.push(tlv(0xa0, &self.certificates.concat()));
        }
        fields.push(set(&[&self.signer_info()]));
        let refs: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
        seq(&[&oid(oids::ID_SIGNED_DATA), &ctx(0, &seq(&refs))])
    }

    /// [`SignedDataSpec::build`] converted to BER with [`der_to_ber`], OCTET STRINGs cut
    /// in `chunk`-byte pieces. As NSS and Outlook do, the certificates and the signed
    /// attributes stay DER (the signature covers the attributes' DER).
    pub fn build_ber(&self, chunk: usize) -> Vec<u8> {
        let attrs = self.signed_attrs_implicit();
        let mut keep: Vec<&[u8]> = self.certificates.iter().map(Vec::as_slice).collect();
        keep.extend(attrs.as_deref());
        der_to_ber(&self.build(), &keep, chunk)
    }
}

/// A minimal EnvelopedData ContentInfo (structure only; nothing decrypts it).
pub fn enveloped_data_stub() -> Vec<u8> {
    let body = seq(&[&int_u64(0), &set(&[]), &seq(&[&oid(oids::ID_DATA)])]);
    seq(&[&oid(oids::ID_ENVELOPED_DATA), &ctx(0, &body)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::leaf_for;

    #[test]
    fn signed_data_decodes_with_the_cms_crate() {
        use der::Decode;
        let cert = leaf_for("alice@example.com");
        let der = SignedDataSpec::new(&cert, b"Content-Type: text/plain\r\n\r\nhi\r\n").build();
        let ci = cms::content_info::ContentInfo::from_der(&der).unwrap();
        assert_eq!(ci.content_type, oids::ID_SIGNED_DATA);
        let sd: cms::signed_data::SignedData = ci.content.decode_as().unwrap();
        assert_eq!(sd.signer_infos.0.len(), 1);
        assert_eq!(sd.certificates.unwrap().0.len(), 2);
    }

    #[test]
    fn build_is_deterministic() {
        let cert = leaf_for("alice@example.com");
        let spec = SignedDataSpec::new(&cert, b"x");
        assert_eq!(spec.build(), spec.build());
    }
}
