//! The certificate and CRL structures we decode ourselves (RFC 5280 sections 4.1 and
//! 5.1), with `der` derives.
//!
//! x509-cert decodes times through `der::DateTime`, which stops at 1970: a certificate
//! valid from 1950 (RFC 5280 allows UTCTime back to 1950; PKITS 4.2.3 has one) would not
//! decode at all. So the outer structures are ours, with [`Time`] as signed Unix seconds,
//! and the inner ones (names, extensions, algorithm identifiers) are x509-cert's.

mod time;

use der::asn1::{AnyRef, BitStringRef, IntRef};
use der::{Decode, Encode, Sequence, Tag, Tagged};
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::Extension;

pub(crate) use time::Time;

/// ```text
/// Certificate  ::=  SEQUENCE  {
///      tbsCertificate       TBSCertificate,
///      signatureAlgorithm   AlgorithmIdentifier,
///      signatureValue       BIT STRING  }
/// ```
/// The TBSCertificate is kept as its bytes (the signed message).
#[derive(Sequence)]
pub(crate) struct Signed<'a> {
    pub(crate) tbs: AnyRef<'a>,
    pub(crate) signature_algorithm: AlgorithmIdentifierOwned,
    pub(crate) signature: BitStringRef<'a>,
}

impl<'a> Signed<'a> {
    /// The exact DER of the signed part (DER decoding is canonical, so re-encoding the
    /// header gives back the original bytes).
    pub(crate) fn tbs_der(&self) -> der::Result<Vec<u8>> {
        self.tbs.to_der()
    }
}

/// ```text
/// TBSCertificate  ::=  SEQUENCE  {
///      version         [0]  EXPLICIT Version DEFAULT v1,
///      serialNumber         CertificateSerialNumber,
///      signature            AlgorithmIdentifier,
///      issuer               Name,
///      validity             Validity,
///      subject              Name,
///      subjectPublicKeyInfo SubjectPublicKeyInfo,
///      issuerUniqueID  [1]  IMPLICIT UniqueIdentifier OPTIONAL,
///      subjectUniqueID [2]  IMPLICIT UniqueIdentifier OPTIONAL,
///      extensions      [3]  EXPLICIT Extensions OPTIONAL }
/// ```
#[derive(Sequence)]
pub(crate) struct TbsCertificate<'a> {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub(crate) version: Option<u8>,
    pub(crate) serial: Serial<'a>,
    pub(crate) signature: AlgorithmIdentifierOwned,
    pub(crate) issuer: x509_cert::name::Name,
    pub(crate) validity: Validity,
    pub(crate) subject: x509_cert::name::Name,
    pub(crate) spki: AnyRef<'a>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub(crate) issuer_unique_id: Option<BitStringRef<'a>>,
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT", optional = "true")]
    pub(crate) subject_unique_id: Option<BitStringRef<'a>>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    pub(crate) extensions: Option<Vec<Extension>>,
}

/// ```text
/// Validity ::= SEQUENCE { notBefore Time, notAfter Time }
/// ```
#[derive(Sequence)]
pub(crate) struct Validity {
    pub(crate) not_before: Time,
    pub(crate) not_after: Time,
}

/// ```text
/// CertificateList  ::=  SEQUENCE  {
///      tbsCertList          TBSCertList,
///      signatureAlgorithm   AlgorithmIdentifier,
///      signatureValue       BIT STRING  }
///
/// TBSCertList  ::=  SEQUENCE  {
///      version                 Version OPTIONAL, -- if present, MUST be v2
///      signature               AlgorithmIdentifier,
///      issuer                  Name,
///      thisUpdate              Time,
///      nextUpdate              Time OPTIONAL,
///      revokedCertificates     SEQUENCE OF SEQUENCE  {
///           userCertificate         CertificateSerialNumber,
///           revocationDate          Time,
///           crlEntryExtensions      Extensions OPTIONAL } OPTIONAL,
///      crlExtensions           [0] EXPLICIT Extensions OPTIONAL }
/// ```
/// (The outer CertificateList is [`Signed`].)
#[derive(Sequence)]
pub(crate) struct TbsCertList<'a> {
    pub(crate) version: Option<u8>,
    pub(crate) signature: AlgorithmIdentifierOwned,
    pub(crate) issuer: x509_cert::name::Name,
    pub(crate) this_update: Time,
    pub(crate) next_update: Option<Time>,
    pub(crate) revoked: Option<Vec<RevokedEntry<'a>>>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub(crate) extensions: Option<Vec<Extension>>,
}

/// One `revokedCertificates` entry.
#[derive(Sequence)]
pub(crate) struct RevokedEntry<'a> {
    pub(crate) serial: Serial<'a>,
    pub(crate) revocation_date: Time,
    pub(crate) extensions: Option<Vec<Extension>>,
}

/// `CertificateSerialNumber ::= INTEGER`, kept as its content bytes (negative and long
/// serials included: PKITS 4.4.14-4.4.17), checked to be a canonical INTEGER.
#[derive(Clone, Copy)]
pub(crate) struct Serial<'a>(pub(crate) &'a [u8]);

impl<'a> Decode<'a> for Serial<'a> {
    type Error = der::Error;

    fn decode<R: der::Reader<'a>>(reader: &mut R) -> der::Result<Self> {
        let any = AnyRef::decode(reader)?;
        any.decode_as::<IntRef<'a>>()?;
        Ok(Serial(any.value()))
    }
}

impl Encode for Serial<'_> {
    fn encoded_len(&self) -> der::Result<der::Length> {
        AnyRef::new(Tag::Integer, self.0)?.encoded_len()
    }

    fn encode(&self, writer: &mut impl der::Writer) -> der::Result<()> {
        AnyRef::new(Tag::Integer, self.0)?.encode(writer)
    }
}

impl Tagged for Serial<'_> {
    fn tag(&self) -> Tag {
        Tag::Integer
    }
}

impl<'a> der::Choice<'a> for Serial<'a> {
    fn can_decode(tag: Tag) -> bool {
        tag == Tag::Integer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_keep_their_content_bytes() {
        let neg = [0x02, 0x01, 0xff];
        assert_eq!(Serial::from_der(&neg).unwrap().0, [0xff]);
        let long = [0x02, 0x02, 0x00, 0x80];
        assert_eq!(Serial::from_der(&long).unwrap().0, [0x00, 0x80]);
        // Not minimal: refused.
        assert!(Serial::from_der(&[0x02, 0x02, 0x00, 0x01]).is_err());
        assert!(Serial::from_der(&[0x04, 0x01, 0x01]).is_err());
    }
}
