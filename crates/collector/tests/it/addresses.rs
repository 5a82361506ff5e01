//! The one address rule through the whole pipeline (issue 11, items 1 and 7): the From
//! gate, the certificate binding and the store key agree, so a certificate can only land
//! under the mailbox it names.

use std::path::Path;

use collector::{Collector, Config, Reason, Report, Verdict};
use test_support::dns::TestDns;
use test_support::keys::KeyAlg;
use test_support::pipeline::{KELVIN_KATE, dkim_record, signed_message, smtputf8_leaf};
use test_support::pki::{CertSpec, TestCert, hierarchy, leaf_for};

const AT: i64 = test_support::FIXED_NOW_UNIX as i64;
const DAY: i64 = 86_400;

/// A collector over a directory store in `dir`, asking a test DNS server that also
/// publishes `s1._domainkey.xn--bcher-kva.de`.
struct Pipeline {
    collector: Collector,
    _dns: TestDns,
}

impl Pipeline {
    async fn new(store: &Path) -> Pipeline {
        let mut records = test_support::dkim::zone_records();
        records.push(dkim_record("xn--bcher-kva.de"));
        let dns = TestDns::start(&records).await;
        let config = Config::from_toml(&format!(
            "[trust]\nanchors = [{:?}]\n[dkim]\ndns = [\"{}\"]\n[store]\nlocation = {store:?}\n",
            test_support::testdata_dir().join("pki/root.pem"),
            dns.addr_string(),
        ))
        .unwrap();
        Pipeline {
            collector: Collector::from_config(&config).unwrap(),
            _dns: dns,
        }
    }

    async fn run(&self, from: &str, cert: &TestCert, dkim_domain: &str) -> Report {
        let raw = signed_message(from, "addresses", cert, dkim_domain);
        self.collector.process_at(&raw, from, AT).await
    }

    fn store(&self) -> &dyn cert_store::CertStore {
        self.collector.store().unwrap()
    }
}

fn accepted(report: &Report, outcome: &str) {
    assert_eq!(report.verdict, Verdict::Accepted, "{}", report.detail);
    assert_eq!(
        report.stored.as_ref().unwrap().outcome,
        outcome,
        "{}",
        report.detail
    );
}

fn rejected(report: &Report, reason: Reason) {
    assert_eq!(report.verdict, Verdict::Rejected, "{}", report.detail);
    assert_eq!(report.reason, Some(reason), "{}", report.detail);
    assert!(report.stored.is_none());
}

/// A leaf whose only name is an SmtpUTF8Mailbox, valid from `not_before`.
fn utf8_leaf_from(label: &str, mailbox: &str, not_before: i64) -> TestCert {
    let mut spec = CertSpec::leaf(label, "x@example.com", KeyAlg::P256);
    spec.subject_cn = label.to_owned();
    spec.san_emails.clear();
    spec.san_smtputf8 = vec![mailbox.to_owned()];
    spec.not_before_unix = not_before;
    spec.issue(&hierarchy().intermediate)
}

/// The regression test of the substitution: a sender writing Kate with the Kelvin sign
/// (U+212A), holding a newer certificate that names that spelling, never replaces ASCII
/// kate's certificate; neither as From, nor with ASCII kate's From.
#[tokio::test]
async fn a_kelvin_sign_sender_cannot_replace_kates_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let p = Pipeline::new(&dir.path().join("certs")).await;
    let kate = leaf_for("kate@example.com");
    accepted(
        &p.run("Kate <kate@example.com>", &kate, "example.com").await,
        "created",
    );

    // Newer than kate's: under the old rule it would have been `replaced`.
    let kelvin = utf8_leaf_from(
        "kelvin-kate-newer",
        KELVIN_KATE,
        test_support::pki::T2025 + DAY,
    );
    let as_from = p.run(KELVIN_KATE, &kelvin, "example.com").await;
    rejected(&as_from, Reason::AmbiguousFrom);
    assert!(
        as_from.detail.contains("not in Unicode NFC"),
        "{}",
        as_from.detail
    );
    let as_cert = p.run("kate@example.com", &kelvin, "example.com").await;
    rejected(&as_cert, Reason::EmailMismatch);

    let store = p.store();
    assert_eq!(
        store.get("kate@example.com").await.unwrap(),
        Some(kate.der.clone())
    );
    assert_eq!(store.list().await.unwrap(), ["kate@example.com"]);
    let history = store.history("KATE@example.com").await.unwrap();
    assert_eq!(history.len(), 1, "only kate's certificate was ever stored");
}

#[tokio::test]
async fn a_quoted_local_part_is_collected_under_its_content() {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("certs");
    let p = Pipeline::new(&store_dir).await;
    let mut spec = CertSpec::leaf("quoted-a-b", "\"a b\"@example.com", KeyAlg::P256);
    spec.subject_cn = "A B".into();
    let cert = spec.issue(&hierarchy().intermediate);

    let first = p.run("\"A B\"@Example.com", &cert, "example.com").await;
    accepted(&first, "created");
    // The report keeps the address as the sender wrote it; the key is its content.
    assert_eq!(first.from.as_deref(), Some("\"A B\"@Example.com"));
    let file = store_dir.join("%22a%20b%22@example.com.crt");
    assert_eq!(
        first.stored.unwrap().location.as_deref(),
        Some(file.to_str().unwrap())
    );
    assert!(file.is_file());
    accepted(
        &p.run("B <\"a b\"@example.com>", &cert, "example.com").await,
        "unchanged",
    );
    assert_eq!(p.store().list().await.unwrap(), ["\"a b\"@example.com"]);
    // Another mailbox, even without its space.
    rejected(
        &p.run("ab@example.com", &cert, "example.com").await,
        Reason::EmailMismatch,
    );
    // `"ab"` is `ab`: its certificate is ab's.
    let ab = leaf_for("ab@example.com");
    accepted(
        &p.run("\"ab\"@example.com", &ab, "example.com").await,
        "created",
    );
    assert!(store_dir.join("ab@example.com.crt").is_file());
}

#[tokio::test]
async fn an_idn_domain_in_u_labels_and_a_labels_is_one_mailbox() {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("certs");
    let p = Pipeline::new(&store_dir).await;
    let cert = smtputf8_leaf("joerg-buecher", "J\u{f6}rg@B\u{fc}cher.de");
    let first = p
        .run(
            "J\u{f6}rg <j\u{f6}rg@b\u{fc}cher.de>",
            &cert,
            "xn--bcher-kva.de",
        )
        .await;
    accepted(&first, "created");
    assert_eq!(first.dkim.as_ref().unwrap().result, "pass");
    assert!(store_dir.join("j%C3%B6rg@xn--bcher-kva.de.crt").is_file());
    let again = p
        .run("J\u{f6}rg@XN--BCHER-KVA.de", &cert, "xn--bcher-kva.de")
        .await;
    accepted(&again, "unchanged");
    assert_eq!(
        p.store().list().await.unwrap(),
        ["j\u{f6}rg@xn--bcher-kva.de"]
    );
}

#[tokio::test]
async fn look_alikes_and_non_ascii_case_are_other_mailboxes() {
    let dir = tempfile::tempdir().unwrap();
    let p = Pipeline::new(&dir.path().join("certs")).await;
    let alice = leaf_for("alice@example.com");
    accepted(
        &p.run("Alice@EXAMPLE.com", &alice, "example.com").await,
        "created",
    );
    // Cyrillic and fullwidth look-alikes: valid addresses with their own keys.
    let cyrillic = smtputf8_leaf("cyrillic-alice", "\u{430}lice@example.com");
    accepted(
        &p.run("\u{430}lice@example.com", &cyrillic, "example.com")
            .await,
        "created",
    );
    rejected(
        &p.run("alice@example.com", &cyrillic, "example.com").await,
        Reason::EmailMismatch,
    );
    let fullwidth = smtputf8_leaf("fullwidth-alice", "\u{ff41}lice@example.com");
    accepted(
        &p.run("\u{ff41}lice@example.com", &fullwidth, "example.com")
            .await,
        "created",
    );
    rejected(
        &p.run("\u{ff21}lice@example.com", &fullwidth, "example.com")
            .await,
        Reason::EmailMismatch,
    );
    // Turkish dotted capital I keeps its case; U+1FEF and NFD are not NFC.
    let ipek = smtputf8_leaf("dotted-ipek", "\u{130}pek@example.com");
    accepted(
        &p.run("\u{130}pek@example.com", &ipek, "example.com").await,
        "created",
    );
    rejected(
        &p.run("ipek@example.com", &ipek, "example.com").await,
        Reason::EmailMismatch,
    );
    let varia = smtputf8_leaf("varia", "a\u{1FEF}b@example.com");
    rejected(
        &p.run("a\u{1FEF}b@example.com", &varia, "example.com").await,
        Reason::AmbiguousFrom,
    );
    let nfc = smtputf8_leaf("nfc-joerg", "j\u{f6}rg@example.com");
    rejected(
        &p.run("jo\u{308}rg@example.com", &nfc, "example.com").await,
        Reason::AmbiguousFrom,
    );
    accepted(
        &p.run("J\u{f6}rg@example.com", &nfc, "example.com").await,
        "created",
    );

    let mut listed = p.store().list().await.unwrap();
    listed.sort();
    let mut want = vec![
        "alice@example.com",
        "\u{430}lice@example.com",
        "\u{ff41}lice@example.com",
        "\u{130}pek@example.com",
        "j\u{f6}rg@example.com",
    ];
    want.sort();
    assert_eq!(listed, want);
    assert_eq!(
        p.store().get("alice@example.com").await.unwrap(),
        Some(alice.der)
    );
}
