//! Object identifiers the policy recognises.

use const_oid::ObjectIdentifier as O;

pub(crate) const EMAIL_ADDRESS: O = O::new_unwrap("1.2.840.113549.1.9.1");
pub(crate) const SUBJECT_KEY_ID: O = O::new_unwrap("2.5.29.14");
pub(crate) const KEY_USAGE: O = O::new_unwrap("2.5.29.15");
pub(crate) const SUBJECT_ALT_NAME: O = O::new_unwrap("2.5.29.17");
pub(crate) const BASIC_CONSTRAINTS: O = O::new_unwrap("2.5.29.19");
pub(crate) const NAME_CONSTRAINTS: O = O::new_unwrap("2.5.29.30");
pub(crate) const AUTHORITY_KEY_ID: O = O::new_unwrap("2.5.29.35");
pub(crate) const EXT_KEY_USAGE: O = O::new_unwrap("2.5.29.37");
pub(crate) const ANY_EKU: O = O::new_unwrap("2.5.29.37.0");
pub(crate) const EMAIL_PROTECTION: O = O::new_unwrap("1.3.6.1.5.5.7.3.4");
pub(crate) const SMTP_UTF8_MAILBOX: O = O::new_unwrap("1.3.6.1.5.5.7.8.9");

// Certificate policies (RFC 5280 4.2.1.4, 4.2.1.5, 4.2.1.11, 4.2.1.14).
pub(crate) const CERTIFICATE_POLICIES: O = O::new_unwrap("2.5.29.32");
pub(crate) const ANY_POLICY: O = O::new_unwrap("2.5.29.32.0");
pub(crate) const POLICY_MAPPINGS: O = O::new_unwrap("2.5.29.33");
pub(crate) const POLICY_CONSTRAINTS: O = O::new_unwrap("2.5.29.36");
pub(crate) const INHIBIT_ANY_POLICY: O = O::new_unwrap("2.5.29.54");

// Revocation pointers (RFC 5280 4.2.1.13, 4.2.1.15).
pub(crate) const CRL_DISTRIBUTION_POINTS: O = O::new_unwrap("2.5.29.31");
pub(crate) const FRESHEST_CRL: O = O::new_unwrap("2.5.29.46");

// CRL and CRL entry extensions (RFC 5280 5.2, 5.3).
pub(crate) const ISSUER_ALT_NAME: O = O::new_unwrap("2.5.29.18");
pub(crate) const AUTHORITY_INFO_ACCESS: O = O::new_unwrap("1.3.6.1.5.5.7.1.1");
pub(crate) const CRL_NUMBER: O = O::new_unwrap("2.5.29.20");
pub(crate) const CRL_REASON: O = O::new_unwrap("2.5.29.21");
pub(crate) const HOLD_INSTRUCTION_CODE: O = O::new_unwrap("2.5.29.23");
pub(crate) const INVALIDITY_DATE: O = O::new_unwrap("2.5.29.24");
pub(crate) const DELTA_CRL_INDICATOR: O = O::new_unwrap("2.5.29.27");
pub(crate) const ISSUING_DISTRIBUTION_POINT: O = O::new_unwrap("2.5.29.28");
pub(crate) const CERTIFICATE_ISSUER: O = O::new_unwrap("2.5.29.29");

// Keys.
pub(crate) const RSA_ENCRYPTION: O = O::new_unwrap("1.2.840.113549.1.1.1");
pub(crate) const EC_PUBLIC_KEY: O = O::new_unwrap("1.2.840.10045.2.1");
pub(crate) const ED25519: O = O::new_unwrap("1.3.101.112");
pub(crate) const DSA: O = O::new_unwrap("1.2.840.10040.4.1");
pub(crate) const ED448: O = O::new_unwrap("1.3.101.113");
pub(crate) const P256: O = O::new_unwrap("1.2.840.10045.3.1.7");
pub(crate) const P384: O = O::new_unwrap("1.3.132.0.34");
pub(crate) const P521: O = O::new_unwrap("1.3.132.0.35");
pub(crate) const SECP256K1: O = O::new_unwrap("1.3.132.0.10");

// Signatures.
pub(crate) const MD2_WITH_RSA: O = O::new_unwrap("1.2.840.113549.1.1.2");
pub(crate) const MD5_WITH_RSA: O = O::new_unwrap("1.2.840.113549.1.1.4");
pub(crate) const SHA1_WITH_RSA: O = O::new_unwrap("1.2.840.113549.1.1.5");
pub(crate) const SHA256_WITH_RSA: O = O::new_unwrap("1.2.840.113549.1.1.11");
pub(crate) const SHA384_WITH_RSA: O = O::new_unwrap("1.2.840.113549.1.1.12");
pub(crate) const SHA512_WITH_RSA: O = O::new_unwrap("1.2.840.113549.1.1.13");
pub(crate) const RSASSA_PSS: O = O::new_unwrap("1.2.840.113549.1.1.10");
pub(crate) const MGF1: O = O::new_unwrap("1.2.840.113549.1.1.8");
pub(crate) const ECDSA_SHA1: O = O::new_unwrap("1.2.840.10045.4.1");
pub(crate) const ECDSA_SHA256: O = O::new_unwrap("1.2.840.10045.4.3.2");
pub(crate) const ECDSA_SHA384: O = O::new_unwrap("1.2.840.10045.4.3.3");
pub(crate) const ECDSA_SHA512: O = O::new_unwrap("1.2.840.10045.4.3.4");
pub(crate) const DSA_SHA1: O = O::new_unwrap("1.2.840.10040.4.3");

// Hashes.
pub(crate) const MD5: O = O::new_unwrap("1.2.840.113549.2.5");
pub(crate) const SHA1: O = O::new_unwrap("1.3.14.3.2.26");
pub(crate) const SHA256: O = O::new_unwrap("2.16.840.1.101.3.4.2.1");
pub(crate) const SHA384: O = O::new_unwrap("2.16.840.1.101.3.4.2.2");
pub(crate) const SHA512: O = O::new_unwrap("2.16.840.1.101.3.4.2.3");
