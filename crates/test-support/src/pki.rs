//! A test CA hierarchy and X.509 certificates for every policy case.
//!
//! Certificates are assembled field by field in DER (so fixtures can carry exactly the
//! oddity a test needs: MD5 signatures, missing extensions, name constraints...) and
//! signed with [`TestKey::sign`]. Everything is deterministic: keys and serials come
//! from the spec's `label`, times are fixed in the spec.
//!
//! - [`CertSpec::leaf`] / [`CertSpec::ca`] give sensible defaults to tweak;
//! - [`hierarchy`] is the shared "Test Root CA" → "Test Email CA" chain;
//! - [`leaf_for`] is a standard leaf for an address, issued by that intermediate;
//! - [`crl`] builds a CRL signed by a CA.

use std::collections::HashMap;
use std::io;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use x509_cert::Certificate;

use crate::keys::der_util::{
    bits, boolean, ctx, ctx_prim, ia5, int_bytes, int_u64, octets, oid, pem, seq, set, time, tlv,
    utf8,
};
use crate::keys::{KeyAlg, SigAlg, TestKey};
use crate::manifest::Manifest;

/// OIDs of extensions, attributes and purposes used by the fixtures.
pub mod oids {
    use const_oid::ObjectIdentifier as O;
    pub const CN: O = O::new_unwrap("2.5.4.3");
    pub const EMAIL_ADDRESS: O = O::new_unwrap("1.2.840.113549.1.9.1");
    pub const SUBJECT_KEY_ID: O = O::new_unwrap("2.5.29.14");
    pub const KEY_USAGE: O = O::new_unwrap("2.5.29.15");
    pub const SUBJECT_ALT_NAME: O = O::new_unwrap("2.5.29.17");
    pub const BASIC_CONSTRAINTS: O = O::new_unwrap("2.5.29.19");
    pub const CRL_NUMBER: O = O::new_unwrap("2.5.29.20");
    pub const NAME_CONSTRAINTS: O = O::new_unwrap("2.5.29.30");
    pub const AUTHORITY_KEY_ID: O = O::new_unwrap("2.5.29.35");
    pub const EXT_KEY_USAGE: O = O::new_unwrap("2.5.29.37");
    pub const ANY_EKU: O = O::new_unwrap("2.5.29.37.0");
    pub const SERVER_AUTH: O = O::new_unwrap("1.3.6.1.5.5.7.3.1");
    pub const CLIENT_AUTH: O = O::new_unwrap("1.3.6.1.5.5.7.3.2");
    pub const CODE_SIGNING: O = O::new_unwrap("1.3.6.1.5.5.7.3.3");
    pub const EMAIL_PROTECTION: O = O::new_unwrap("1.3.6.1.5.5.7.3.4");
    pub const SMTP_UTF8_MAILBOX: O = O::new_unwrap("1.3.6.1.5.5.7.8.9");
}

/// 2020-01-01T00:00:00Z.
pub const T2020: i64 = 1_577_836_800;
/// 2025-01-01T00:00:00Z.
pub const T2025: i64 = 1_735_689_600;
/// 2028-01-01T00:00:00Z.
pub const T2028: i64 = 1_830_297_600;
/// 2036-01-01T00:00:00Z: when the standard test leaves expire. Far enough ahead that tests
/// which run a daemon at the real current time keep passing for years.
pub const LEAF_NOT_AFTER: i64 = 2_082_758_400;
/// 2040-01-01T00:00:00Z.
pub const T2040: i64 = 2_208_988_800;

/// A certificate and its key pair.
#[derive(Clone, Debug)]
pub struct TestCert {
    /// The certificate DER.
    pub der: Vec<u8>,
    /// The subject's key pair.
    pub key: TestKey,
}

impl TestCert {
    fn parsed(&self) -> Certificate {
        Certificate::from_der(&self.der).expect("generated certificate parses")
    }

    /// PEM ("CERTIFICATE").
    pub fn pem(&self) -> String {
        pem("CERTIFICATE", &self.der)
    }

    /// The subject Name DER.
    pub fn subject_der(&self) -> Vec<u8> {
        self.parsed()
            .tbs_certificate()
            .subject()
            .to_der()
            .expect("Name encodes")
    }

    /// The issuer Name DER.
    pub fn issuer_der(&self) -> Vec<u8> {
        self.parsed()
            .tbs_certificate()
            .issuer()
            .to_der()
            .expect("Name encodes")
    }

    /// The serial number's INTEGER content bytes (as IssuerAndSerialNumber carries them).
    pub fn serial(&self) -> Vec<u8> {
        self.parsed()
            .tbs_certificate()
            .serial_number()
            .as_bytes()
            .to_vec()
    }

    /// The subjectKeyIdentifier this generator puts in (= `key.key_id()`).
    pub fn key_id(&self) -> Vec<u8> {
        self.key.key_id()
    }
}

/// keyUsage bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyUsageBit {
    DigitalSignature,
    NonRepudiation,
    KeyEncipherment,
    DataEncipherment,
    KeyAgreement,
    KeyCertSign,
    CrlSign,
}

impl KeyUsageBit {
    fn bit(self) -> u8 {
        match self {
            KeyUsageBit::DigitalSignature => 0,
            KeyUsageBit::NonRepudiation => 1,
            KeyUsageBit::KeyEncipherment => 2,
            KeyUsageBit::DataEncipherment => 3,
            KeyUsageBit::KeyAgreement => 4,
            KeyUsageBit::KeyCertSign => 5,
            KeyUsageBit::CrlSign => 6,
        }
    }
}

/// What to put in a certificate.
#[derive(Clone, Debug)]
pub struct CertSpec {
    /// Seeds the key and the serial.
    pub label: String,
    pub key: KeyAlg,
    pub subject_cn: String,
    /// Legacy emailAddress RDN in the subject.
    pub subject_email: Option<String>,
    /// subjectAltName rfc822Name entries.
    pub san_emails: Vec<String>,
    /// subjectAltName SmtpUTF8Mailbox otherName entries (RFC 8398).
    pub san_smtputf8: Vec<String>,
    pub is_ca: bool,
    pub path_len: Option<u8>,
    /// `None` = no keyUsage extension.
    pub key_usage: Option<Vec<KeyUsageBit>>,
    /// `None` = no extendedKeyUsage extension.
    pub eku: Option<Vec<ObjectIdentifier>>,
    /// Name constraints: permitted rfc822Name subtrees ("example.com", ".example.com", "a@b").
    pub permitted_rfc822: Vec<String>,
    /// Name constraints: excluded rfc822Name subtrees.
    pub excluded_rfc822: Vec<String>,
    pub not_before_unix: i64,
    pub not_after_unix: i64,
    /// Signature by the issuer; `None` = `SigAlg::default_for(issuer key)`.
    pub sig: Option<SigAlg>,
    /// Extra raw extensions `(oid, critical, extnValue contents)`, appended last.
    pub extra_extensions: Vec<(ObjectIdentifier, bool, Vec<u8>)>,
}

impl CertSpec {
    /// An S/MIME leaf: SAN email, EKU emailProtection, KU digitalSignature + keyEncipherment
    /// (RSA) or keyAgreement (EC) or nothing else (Ed25519); valid 2025-01-01..2036-01-01.
    pub fn leaf(label: &str, email: &str, key: KeyAlg) -> CertSpec {
        let mut ku = vec![KeyUsageBit::DigitalSignature];
        if key.is_rsa() {
            ku.push(KeyUsageBit::KeyEncipherment);
        } else if key.is_ec() {
            ku.push(KeyUsageBit::KeyAgreement);
        }
        CertSpec {
            label: label.to_string(),
            key,
            subject_cn: email.to_string(),
            subject_email: None,
            san_emails: vec![email.to_string()],
            san_smtputf8: Vec::new(),
            is_ca: false,
            path_len: None,
            key_usage: Some(ku),
            eku: Some(vec![oids::EMAIL_PROTECTION]),
            permitted_rfc822: Vec::new(),
            excluded_rfc822: Vec::new(),
            not_before_unix: T2025,
            not_after_unix: LEAF_NOT_AFTER,
            sig: None,
            extra_extensions: Vec::new(),
        }
    }

    /// A CA: basicConstraints CA:true, KU keyCertSign + cRLSign, no EKU,
    /// valid 2020-01-01..2040-01-01.
    pub fn ca(label: &str, cn: &str, key: KeyAlg) -> CertSpec {
        CertSpec {
            label: label.to_string(),
            key,
            subject_cn: cn.to_string(),
            subject_email: None,
            san_emails: Vec::new(),
            san_smtputf8: Vec::new(),
            is_ca: true,
            path_len: None,
            key_usage: Some(vec![KeyUsageBit::KeyCertSign, KeyUsageBit::CrlSign]),
            eku: None,
            permitted_rfc822: Vec::new(),
            excluded_rfc822: Vec::new(),
            not_before_unix: T2020,
            not_after_unix: T2040,
            sig: None,
            extra_extensions: Vec::new(),
        }
    }

    /// The subject's key.
    pub fn test_key(&self) -> TestKey {
        TestKey::generate(self.key, &self.label)
    }

    /// The subject Name DER (CN, then the optional emailAddress RDN).
    pub fn subject_der(&self) -> Vec<u8> {
        let mut rdns = vec![set(&[&seq(&[&oid(oids::CN), &utf8(&self.subject_cn)])])];
        if let Some(e) = &self.subject_email {
            rdns.push(set(&[&seq(&[&oid(oids::EMAIL_ADDRESS), &ia5(e)])]));
        }
        let refs: Vec<&[u8]> = rdns.iter().map(Vec::as_slice).collect();
        seq(&refs)
    }

    /// The serial number magnitude: 16 bytes from the label, positive, no leading zero.
    pub fn serial_bytes(&self) -> Vec<u8> {
        let mut s =
            crate::keys::HashAlg::Sha256.digest(format!("serial:{}", self.label).as_bytes());
        s.truncate(16);
        s[0] = (s[0] & 0x7f) | 0x40;
        s
    }

    /// A self-signed certificate (no authorityKeyIdentifier).
    pub fn self_signed(&self) -> TestCert {
        let key = self.test_key();
        let subject = self.subject_der();
        self.build(&subject, &key, None)
    }

    /// A certificate issued by `issuer` (AKI = issuer's key id, SKI = own key id).
    pub fn issue(&self, issuer: &TestCert) -> TestCert {
        self.build(
            &issuer.subject_der(),
            &issuer.key,
            Some(issuer.key.key_id()),
        )
    }

    fn extensions(&self, key: &TestKey, aki: Option<Vec<u8>>) -> Vec<u8> {
        let mut exts: Vec<Vec<u8>> = Vec::new();
        let ext = |o: ObjectIdentifier, critical: bool, value: &[u8]| {
            if critical {
                seq(&[&oid(o), &boolean(true), &octets(value)])
            } else {
                seq(&[&oid(o), &octets(value)])
            }
        };
        if self.is_ca {
            let mut parts = vec![boolean(true)];
            if let Some(n) = self.path_len {
                parts.push(int_u64(u64::from(n)));
            }
            let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
            exts.push(ext(oids::BASIC_CONSTRAINTS, true, &seq(&refs)));
        }
        if let Some(ku) = &self.key_usage {
            exts.push(ext(oids::KEY_USAGE, true, &key_usage_bits(ku)));
        }
        if let Some(eku) = &self.eku {
            let parts: Vec<Vec<u8>> = eku.iter().map(|o| oid(*o)).collect();
            let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
            exts.push(ext(oids::EXT_KEY_USAGE, false, &seq(&refs)));
        }
        if !self.san_emails.is_empty() || !self.san_smtputf8.is_empty() {
            let mut names: Vec<Vec<u8>> = self
                .san_emails
                .iter()
                .map(|e| ctx_prim(1, e.as_bytes()))
                .collect();
            for m in &self.san_smtputf8 {
                // otherName [0] IMPLICIT SEQUENCE { type-id, [0] EXPLICIT UTF8String }
                let inner = [oid(oids::SMTP_UTF8_MAILBOX), ctx(0, &utf8(m))].concat();
                names.push(tlv(0xa0, &inner));
            }
            let refs: Vec<&[u8]> = names.iter().map(Vec::as_slice).collect();
            exts.push(ext(oids::SUBJECT_ALT_NAME, false, &seq(&refs)));
        }
        if !self.permitted_rfc822.is_empty() || !self.excluded_rfc822.is_empty() {
            let subtrees = |list: &[String]| -> Vec<u8> {
                let parts: Vec<Vec<u8>> = list
                    .iter()
                    .map(|n| seq(&[&ctx_prim(1, n.as_bytes())]))
                    .collect();
                parts.concat()
            };
            let mut content = Vec::new();
            if !self.permitted_rfc822.is_empty() {
                content.extend(tlv(0xa0, &subtrees(&self.permitted_rfc822)));
            }
            if !self.excluded_rfc822.is_empty() {
                content.extend(tlv(0xa1, &subtrees(&self.excluded_rfc822)));
            }
            exts.push(ext(oids::NAME_CONSTRAINTS, true, &tlv(0x30, &content)));
        }
        exts.push(ext(oids::SUBJECT_KEY_ID, false, &octets(&key.key_id())));
        if let Some(id) = aki {
            exts.push(ext(
                oids::AUTHORITY_KEY_ID,
                false,
                &seq(&[&ctx_prim(0, &id)]),
            ));
        }
        for (o, critical, value) in &self.extra_extensions {
            exts.push(ext(*o, *critical, value));
        }
        let refs: Vec<&[u8]> = exts.iter().map(Vec::as_slice).collect();
        seq(&refs)
    }

    fn build(&self, issuer_name: &[u8], issuer_key: &TestKey, aki: Option<Vec<u8>>) -> TestCert {
        let key = self.test_key();
        let sig = self
            .sig
            .unwrap_or_else(|| SigAlg::default_for(issuer_key.alg()));
        let sig_alg = sig.algorithm_identifier_der();
        let tbs = seq(&[
            &ctx(0, &int_u64(2)),
            &int_bytes(&self.serial_bytes()),
            &sig_alg,
            issuer_name,
            &seq(&[&time(self.not_before_unix), &time(self.not_after_unix)]),
            &self.subject_der(),
            &key.spki_der(),
            &ctx(3, &self.extensions(&key, aki)),
        ]);
        let signature = issuer_key.sign(sig, &tbs);
        let der = seq(&[&tbs, &sig_alg, &bits(&signature)]);
        TestCert { der, key }
    }
}

/// KeyUsage BIT STRING (DER: trailing zero bits counted as unused).
fn key_usage_bits(ku: &[KeyUsageBit]) -> Vec<u8> {
    let mut v: u16 = 0;
    for b in ku {
        v |= 0x8000 >> b.bit();
    }
    if v == 0 {
        return tlv(0x03, &[0]);
    }
    let bytes = v.to_be_bytes();
    let used = if bytes[1] == 0 { 1 } else { 2 };
    let last = bytes[used - 1];
    let unused = last.trailing_zeros() as u8;
    let mut content = vec![unused];
    content.extend_from_slice(&bytes[..used]);
    tlv(0x03, &content)
}

/// The shared test hierarchy: "Test Root CA" (RSA-3072, self-signed) → "Test Email CA"
/// (RSA-2048 intermediate, pathLen 0, EKU emailProtection).
#[derive(Debug)]
pub struct Hierarchy {
    pub root: TestCert,
    pub intermediate: TestCert,
}

/// The spec of the shared root.
pub fn root_spec() -> CertSpec {
    CertSpec::ca("test-root-ca", "Test Root CA", KeyAlg::Rsa3072)
}

/// The spec of the shared intermediate.
pub fn intermediate_spec() -> CertSpec {
    let mut s = CertSpec::ca("test-email-ca", "Test Email CA", KeyAlg::Rsa2048);
    s.path_len = Some(0);
    s.eku = Some(vec![oids::EMAIL_PROTECTION]);
    s
}

/// The shared hierarchy (built once, deterministic).
pub fn hierarchy() -> &'static Hierarchy {
    static H: OnceLock<Hierarchy> = OnceLock::new();
    H.get_or_init(|| {
        let root = root_spec().self_signed();
        let intermediate = intermediate_spec().issue(&root);
        Hierarchy { root, intermediate }
    })
}

/// A standard RSA-2048 leaf for `email` issued by `hierarchy().intermediate`
/// (label `leaf:<email>`; cached by email).
pub fn leaf_for(email: &str) -> TestCert {
    static LEAVES: OnceLock<Mutex<HashMap<String, TestCert>>> = OnceLock::new();
    let map = LEAVES.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(c) = map.lock().unwrap_or_else(|e| e.into_inner()).get(email) {
        return c.clone();
    }
    let cert = CertSpec::leaf(&format!("leaf:{email}"), email, KeyAlg::Rsa2048)
        .issue(&hierarchy().intermediate);
    map.lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(email.to_string(), cert.clone());
    cert
}

mod crl;
pub use crl::{crl, crl_pem};
pub mod ocsp;

/// Writes `out/pki/`: the shared root and intermediate, a few leaves with their keys,
/// a CRL of the intermediate revoking `revoked@example.com`'s leaf, and a CRL of the
/// root revoking nothing (so every certificate of a path can be shown good, as
/// `readsmimesig --check-cert --crl` requires).
pub fn write_fixtures(out: &Path, _manifest: &mut Manifest) -> io::Result<()> {
    let dir = out.join("pki");
    std::fs::create_dir_all(&dir)?;
    let h = hierarchy();
    std::fs::write(dir.join("root.pem"), h.root.pem())?;
    std::fs::write(dir.join("intermediate.pem"), h.intermediate.pem())?;
    for (name, email) in [
        ("alice", "alice@example.com"),
        ("bob", "bob@example.org"),
        ("revoked", "revoked@example.com"),
    ] {
        let leaf = leaf_for(email);
        std::fs::write(dir.join(format!("{name}.pem")), leaf.pem())?;
        std::fs::write(dir.join(format!("{name}.key.pem")), leaf.key.pkcs8_pem())?;
    }
    let revoked = leaf_for("revoked@example.com").serial();
    let list = crl(&h.intermediate, &[revoked], T2025, T2040);
    std::fs::write(dir.join("intermediate.crl.pem"), crl_pem(&list))?;
    let root_list = crl(&h.root, &[], T2025, T2040);
    std::fs::write(dir.join("root.crl.pem"), crl_pem(&root_list))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::HashAlg;
    use rsa::pkcs8::DecodePublicKey;
    use rsa::traits::SignatureScheme;

    fn verify_rsa_sha256(cert: &[u8], issuer: &TestCert) {
        let c = Certificate::from_der(cert).unwrap();
        let tbs = c.tbs_certificate().to_der().unwrap();
        let pubk = rsa::PublicKey::from_public_key_der(&issuer.key.spki_der()).unwrap();
        rsa::Pkcs1v15Sign::new::<sha2::Sha256>()
            .verify(
                &pubk,
                &HashAlg::Sha256.digest(&tbs),
                c.signature().raw_bytes(),
            )
            .unwrap();
    }

    #[test]
    fn hierarchy_and_leaf_parse_and_verify() {
        let h = hierarchy();
        verify_rsa_sha256(&h.root.der, &h.root);
        verify_rsa_sha256(&h.intermediate.der, &h.root);
        let leaf = leaf_for("alice@example.com");
        verify_rsa_sha256(&leaf.der, &h.intermediate);
        assert_eq!(leaf.issuer_der(), h.intermediate.subject_der());
        let c = Certificate::from_der(&leaf.der).unwrap();
        let exts = c.tbs_certificate().extensions().unwrap();
        assert!(exts.iter().any(|e| e.extn_id == oids::SUBJECT_ALT_NAME));
        assert!(leaf.serial()[0] & 0x80 == 0);
    }

    #[test]
    fn same_label_same_der() {
        let mut spec = CertSpec::leaf("det", "det@example.com", KeyAlg::P256);
        spec.subject_email = Some("det@example.com".into());
        spec.san_smtputf8 = vec!["用户@例子.广告".into()];
        spec.permitted_rfc822 = vec!["example.com".into()];
        spec.excluded_rfc822 = vec!["bad.example.com".into()];
        let a = spec.issue(&hierarchy().intermediate);
        let b = spec.issue(&hierarchy().intermediate);
        assert_eq!(a.der, b.der);
        Certificate::from_der(&a.der).unwrap();
    }

    #[test]
    fn weak_signatures_and_other_keys_parse() {
        for (key, sig) in [
            (KeyAlg::Rsa1024, Some(SigAlg::RsaPkcs1(HashAlg::Md5))),
            (KeyAlg::Ed25519, Some(SigAlg::RsaPkcs1(HashAlg::Sha1))),
            (KeyAlg::P384, Some(SigAlg::RsaPss(HashAlg::Sha256))),
            (KeyAlg::K256, None),
        ] {
            let mut spec = CertSpec::leaf(&format!("weak-{key:?}"), "w@example.com", key);
            spec.sig = sig;
            let c = spec.issue(&hierarchy().intermediate);
            Certificate::from_der(&c.der).unwrap();
        }
        let ec_ca = CertSpec::ca("ec-ca", "EC CA", KeyAlg::P256).self_signed();
        Certificate::from_der(&ec_ca.der).unwrap();
    }

    #[test]
    fn crl_parses() {
        let h = hierarchy();
        let leaf = leaf_for("crl@example.com");
        let der = crl(&h.intermediate, &[leaf.serial()], T2025, T2028);
        let list: x509_cert::crl::CertificateList =
            x509_cert::crl::CertificateList::from_der(&der).unwrap();
        let revoked = list.tbs_cert_list.revoked_certificates.unwrap();
        assert_eq!(
            revoked[0].serial_number.as_bytes(),
            leaf.serial().as_slice()
        );
    }
}
