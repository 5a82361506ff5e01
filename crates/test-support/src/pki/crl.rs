//! CRLs for revocation tests.

use crate::keys::SigAlg;
use crate::keys::der_util::{bits, ctx, ctx_prim, int_u64, octets, oid, pem, seq, time, tlv};
use crate::pki::{TestCert, oids};

/// A v2 CRL signed by `issuer` (default signature for its key) listing `revoked` serials
/// (INTEGER content bytes, as [`TestCert::serial`] returns), revoked at `this_update`.
pub fn crl(issuer: &TestCert, revoked: &[Vec<u8>], this_update: i64, next_update: i64) -> Vec<u8> {
    let sig = SigAlg::default_for(issuer.key.alg());
    let sig_alg = sig.algorithm_identifier_der();
    let mut parts: Vec<Vec<u8>> = vec![
        int_u64(1),
        sig_alg.clone(),
        issuer.subject_der(),
        time(this_update),
        time(next_update),
    ];
    if !revoked.is_empty() {
        let entries: Vec<Vec<u8>> = revoked
            .iter()
            .map(|s| seq(&[&tlv(0x02, s), &time(this_update)]))
            .collect();
        let refs: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
        parts.push(seq(&refs));
    }
    let aki = seq(&[
        &oid(oids::AUTHORITY_KEY_ID),
        &octets(&seq(&[&ctx_prim(0, &issuer.key.key_id())])),
    ]);
    let number = seq(&[&oid(oids::CRL_NUMBER), &octets(&int_u64(1))]);
    parts.push(ctx(0, &seq(&[&aki, &number])));
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    let tbs = seq(&refs);
    let signature = issuer.key.sign(sig, &tbs);
    seq(&[&tbs, &sig_alg, &bits(&signature)])
}

/// PEM of a CRL DER ("X509 CRL").
pub fn crl_pem(der: &[u8]) -> String {
    pem("X509 CRL", der)
}
