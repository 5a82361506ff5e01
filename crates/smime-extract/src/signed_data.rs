//! SPEC step 4, decoding: ContentInfo → SignedData (RFC 5652 §3, §5), BER tolerated.
//!
//! The outer layers are walked with our bounded BER reader ([`crate::ber`]) so that the
//! certificates keep their exact carried bytes and message order, and the encapsulated
//! content its chunked OCTET STRING value. Each SignerInfo is normalised to DER and
//! decoded with the `cms` crate's types; certificates with `x509-cert`.
//!
//! ```text
//! ContentInfo ::= SEQUENCE { contentType OBJECT IDENTIFIER, content [0] EXPLICIT ANY }
//! SignedData ::= SEQUENCE {
//!   version CMSVersion, digestAlgorithms SET OF DigestAlgorithmIdentifier,
//!   encapContentInfo EncapsulatedContentInfo,
//!   certificates [0] IMPLICIT CertificateSet OPTIONAL,
//!   crls [1] IMPLICIT RevocationInfoChoices OPTIONAL,
//!   signerInfos SET OF SignerInfo }
//! EncapsulatedContentInfo ::= SEQUENCE {
//!   eContentType OBJECT IDENTIFIER, eContent [0] EXPLICIT OCTET STRING OPTIONAL }
//! ```

pub(crate) mod attrs;

use crate::ber::{self, BerError, Tag, Tlv};
use crate::{Error, Limits};
use cms::signed_data::SignerInfo;
use const_oid::ObjectIdentifier;
use der::{Decode, Encode};

/// id-signedData.
pub(crate) const ID_SIGNED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
/// id-envelopedData.
const ID_ENVELOPED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.3");
/// id-ct-authEnvelopedData.
const ID_AUTH_ENVELOPED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.23");
/// id-data.
pub(crate) const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");

/// The parts of a SignedData that verification needs.
#[derive(Debug)]
pub(crate) struct SignedData<'a> {
    /// The OIDs listed in digestAlgorithms.
    pub(crate) digest_algorithms: Vec<ObjectIdentifier>,
    /// eContent, when encapsulated (opaque signing).
    pub(crate) econtent: Option<Vec<u8>>,
    /// Every certificate carried, exact bytes, message order (other choices skipped).
    pub(crate) certificates: Vec<&'a [u8]>,
    /// The SignerInfos.
    pub(crate) signers: Vec<Signer<'a>>,
}

/// One SignerInfo, decoded, with its signed attributes as carried.
#[derive(Debug)]
pub(crate) struct Signer<'a> {
    pub(crate) info: SignerInfo,
    /// The `[0] IMPLICIT SignedAttributes` element exactly as carried.
    pub(crate) signed_attrs_raw: Option<&'a [u8]>,
}

/// Decodes a ContentInfo holding SignedData.
pub(crate) fn decode<'a>(bytes: &'a [u8], limits: &Limits) -> Result<SignedData<'a>, Error> {
    let depth = limits.max_ber_depth;
    let ber = |what: &'static str| move |e: BerError| ber_error(e, what, depth);
    // Trailing bytes after the ContentInfo (padding some tools add) are ignored.
    let (content_info, _) = ber::read(bytes, depth).map_err(ber("ContentInfo"))?;
    let ci = expect_children(&content_info, ber::SEQUENCE, 2, "ContentInfo", depth)?;
    let content_type = oid(&ci[0], "ContentInfo.contentType")?;
    if content_type == ID_ENVELOPED_DATA || content_type == ID_AUTH_ENVELOPED_DATA {
        return Err(Error::Enveloped);
    }
    if content_type != ID_SIGNED_DATA {
        return Err(Error::UnexpectedContentType {
            oid: content_type.to_string(),
        });
    }
    let explicit = expect_children(
        &ci[1],
        Tag::context(0, true),
        1,
        "ContentInfo.content",
        depth,
    )?;
    let sd = expect_children(&explicit[0], ber::SEQUENCE, 4, "SignedData", depth)?;
    // sd[0] version (not checked: clients disagree on it).
    let digest_algorithms = expect_children(&sd[1], ber::SET, 0, "digestAlgorithms", depth)?
        .iter()
        .map(|alg| {
            expect_children(alg, ber::SEQUENCE, 1, "DigestAlgorithmIdentifier", depth)
                .and_then(|f| oid(&f[0], "digestAlgorithm"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let econtent = encapsulated_content(&sd[2], depth)?;
    let mut certificates = Vec::new();
    let mut signer_infos = None;
    for element in &sd[3..] {
        match element.tag {
            t if t == Tag::context(0, true) => {
                for cert in ber::children(element, depth).map_err(ber("certificates"))? {
                    if certificates.len() >= limits.max_certificates {
                        return Err(Error::TooManyCertificates {
                            limit: limits.max_certificates,
                        });
                    }
                    // Other CertificateChoices (attribute certificates, ...) are not ours.
                    if cert.tag == ber::SEQUENCE {
                        certificates.push(cert.raw);
                    }
                }
            }
            t if t == Tag::context(1, true) => {} // crls: not used here
            t if t == ber::SET && signer_infos.is_none() => signer_infos = Some(*element),
            _ => return Err(Error::cms("unexpected element in SignedData")),
        }
    }
    let signer_infos = signer_infos.ok_or_else(|| Error::cms("SignedData has no signerInfos"))?;
    let infos = ber::children(&signer_infos, depth).map_err(ber("signerInfos"))?;
    if infos.is_empty() || infos.len() > limits.max_signer_infos {
        return Err(Error::SignerInfoCount {
            count: infos.len(),
            limit: limits.max_signer_infos,
        });
    }
    let signers = infos
        .iter()
        .map(|tlv| signer(tlv, depth))
        .collect::<Result<_, _>>()?;
    Ok(SignedData {
        digest_algorithms,
        econtent,
        certificates,
        signers,
    })
}

fn encapsulated_content(tlv: &Tlv<'_>, depth: usize) -> Result<Option<Vec<u8>>, Error> {
    let eci = expect_children(tlv, ber::SEQUENCE, 1, "EncapsulatedContentInfo", depth)?;
    let Some(explicit) = eci.get(1) else {
        return Ok(None);
    };
    let inner = expect_children(explicit, Tag::context(0, true), 1, "eContent", depth)?;
    if inner[0].tag.class != 0 || inner[0].tag.number != 4 {
        return Err(Error::cms("eContent is not an OCTET STRING"));
    }
    ber::octets(&inner[0], depth)
        .map(Some)
        .map_err(|e| ber_error(e, "eContent", depth))
}

fn signer<'a>(tlv: &Tlv<'a>, depth: usize) -> Result<Signer<'a>, Error> {
    let fields = expect_children(tlv, ber::SEQUENCE, 5, "SignerInfo", depth)?;
    let signed_attrs_raw = fields
        .iter()
        .find(|f| f.tag == Tag::context(0, true))
        .map(|f| f.raw);
    let der = ber::to_der(tlv, depth).map_err(|e| ber_error(e, "SignerInfo", depth))?;
    let info = SignerInfo::from_der(&der).map_err(|e| Error::cms(format!("SignerInfo: {e}")))?;
    Ok(Signer {
        info,
        signed_attrs_raw,
    })
}

impl Signer<'_> {
    /// The encodings the signature may cover (RFC 5652 §5.4: the DER `SET OF`): the
    /// attributes as carried with the SET tag, then their DER re-encoding if different.
    pub(crate) fn signed_attrs_encodings(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        if let Some(raw) = self.signed_attrs_raw
            && let Ok(tlv) = ber::read_all(raw, 2)
            && !tlv.indefinite
            && raw.first() == Some(&0xa0)
        {
            let mut as_set = raw.to_vec();
            as_set[0] = 0x31;
            out.push(as_set);
        }
        if let Some(attrs) = &self.info.signed_attrs
            && let Ok(der) = attrs.to_der()
            && !out.contains(&der)
        {
            out.push(der);
        }
        out
    }
}

/// The children of `tlv`, which must have `tag` and at least `min` children.
fn expect_children<'a>(
    tlv: &Tlv<'a>,
    tag: Tag,
    min: usize,
    what: &'static str,
    depth: usize,
) -> Result<Vec<Tlv<'a>>, Error> {
    if tlv.tag != tag {
        return Err(Error::cms(format!("{what} has the wrong tag")));
    }
    let children = ber::children(tlv, depth).map_err(|e| ber_error(e, what, depth))?;
    if children.len() < min {
        return Err(Error::cms(format!("{what} is missing elements")));
    }
    Ok(children)
}

fn oid(tlv: &Tlv<'_>, what: &'static str) -> Result<ObjectIdentifier, Error> {
    if tlv.tag != ber::OID {
        return Err(Error::cms(format!("{what} is not an OBJECT IDENTIFIER")));
    }
    ObjectIdentifier::from_bytes(tlv.content).map_err(|e| Error::cms(format!("{what}: {e}")))
}

fn ber_error(e: BerError, what: &str, limit: usize) -> Error {
    match e {
        BerError::TooDeep => Error::BerTooDeep { limit },
        other => Error::cms(format!("{what}: {other}")),
    }
}
