//! LDAP through OpenLDAP's `ldapsearch` (Debian's ldap-utils), plain, StartTLS and LDAPS;
//! HTTPS through curl.

use std::process::Command;
use std::sync::Arc;

use smime_directory::{BindIdentity, CancellationToken, Entry, Secret, serve_ldaps, tls_config};
use tokio::net::TcpListener;

use crate::support::{
    BASE_DN, BIND_DN, BIND_PW, Servers, UNICODE, directory, fixtures, have, ldapsearch, options,
    run,
};

/// A self-signed server certificate for 127.0.0.1 in `dir`: `(cert path, key path)`.
fn server_tls(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let key = rcgen::KeyPair::generate().unwrap();
    let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    let cert = rcgen::CertificateParams::new(names)
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let (c, k) = (dir.join("server.crt"), dir.join("server.key"));
    std::fs::write(&c, cert.pem()).unwrap();
    std::fs::write(&k, key.serialize_pem()).unwrap();
    (c, k)
}

#[tokio::test]
async fn thunderbird_style_lookup_gets_the_certificate() {
    if !have("ldapsearch") {
        return;
    }
    let s = Servers::default().await;
    let (rc, entries, err) = ldapsearch(
        &s.ldap_url(),
        &[
            "-b",
            BASE_DN,
            "(mail=Alice@Example.com)",
            "usercertificate;binary",
            "usersmimecertificate",
            "cn",
        ],
    )
    .await;
    assert_eq!(rc, 0, "{err}");
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!(e.dn, "mail=alice@example.com,dc=example,dc=com");
    assert_eq!(
        e.one("userCertificate;binary"),
        fixtures().alice.der.as_slice()
    );
    let expected = Entry::from_der("alice@example.com", &fixtures().alice.der).unwrap();
    assert_eq!(e.one("userSMIMECertificate"), expected.pkcs7());
    assert_eq!(e.one("cn"), b"Alice Liddell");
    assert!(!e.attrs.contains_key("mail"));
}

#[tokio::test]
async fn unicode_enumeration_and_root_dse() {
    if !have("ldapsearch") {
        return;
    }
    let s = Servers::default().await;
    let url = s.ldap_url();
    let (rc, entries, err) =
        ldapsearch(&url, &["-b", BASE_DN, "(mail=jörg@bücher.de)", "mail"]).await;
    assert_eq!((rc, entries.len()), (0, 1), "{err}");
    assert_eq!(entries[0].one("mail"), UNICODE.as_bytes());
    for filter in ["(mail=*)", "(mail=a*)", "(cn=Alice*)", "(objectClass=*)"] {
        let (rc, entries, err) = ldapsearch(&url, &["-b", BASE_DN, filter]).await;
        assert_eq!((rc, entries.len()), (0, 0), "{filter}: {err}");
    }
    let (rc, entries, err) = ldapsearch(&url, &["-b", "", "-s", "base", "+"]).await;
    assert_eq!(rc, 0, "{err}");
    assert_eq!(entries[0].one("namingContexts"), BASE_DN.as_bytes());
    assert_eq!(entries[0].one("supportedLDAPVersion"), b"3");
}

#[tokio::test]
async fn wrong_bind_is_invalid_credentials() {
    if !have("ldapsearch") {
        return;
    }
    let mut o = options();
    o.bind = Some(BindIdentity {
        dn: BIND_DN.to_string(),
        password: Secret::new(BIND_PW).unwrap(),
    });
    let s = Servers::start(directory(), o).await;
    let url = s.ldap_url();
    let filter = "(mail=alice@example.com)";
    let (rc, _, err) =
        ldapsearch(&url, &["-D", BIND_DN, "-w", "wrong", "-b", BASE_DN, filter]).await;
    assert_eq!(rc, 49, "{err}");
    let (rc, _, err) = ldapsearch(&url, &["-b", BASE_DN, filter]).await;
    assert_eq!(rc, 50, "{err}");
    let (rc, entries, err) =
        ldapsearch(&url, &["-D", BIND_DN, "-w", BIND_PW, "-b", BASE_DN, filter]).await;
    assert_eq!((rc, entries.len()), (0, 1), "{err}");
}

#[tokio::test]
async fn starttls_ldaps_and_https() {
    if !have("ldapsearch") || !have("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = server_tls(dir.path());
    let mut o = options();
    o.tls = Some(tls_config(&cert, &key).unwrap());
    o.bind = Some(BindIdentity {
        dn: BIND_DN.to_string(),
        password: Secret::new(BIND_PW).unwrap(),
    });
    let s = Servers::start(directory(), o).await;
    let filter = "(mail=bob@example.org)";
    let bind = ["-D", BIND_DN, "-w", BIND_PW, "-b", BASE_DN, filter, "mail"];
    // A password in clear text is refused when TLS is available.
    let (rc, _, err) = ldapsearch(&s.ldap_url(), &bind).await;
    assert_eq!(rc, 13, "{err}");
    let mut starttls = vec!["-ZZ"];
    starttls.extend(bind);
    let (rc, entries, err) = ldapsearch(&s.ldap_url(), &starttls).await;
    assert_eq!((rc, entries.len()), (0, 1), "StartTLS: {err}");
    // LDAPS on its own listener.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ldaps = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    tokio::spawn(serve_ldaps(listener, Arc::clone(&s.app), shutdown.clone()));
    let (rc, entries, err) = ldapsearch(&format!("ldaps://{ldaps}"), &bind).await;
    assert_eq!((rc, entries.len()), (0, 1), "LDAPS: {err}");
    shutdown.cancel();
    // HTTPS on the HTTP listener.
    let mut curl = Command::new("curl");
    curl.args(["-fsS", "--cacert"]).arg(&cert).arg(format!(
        "https://127.0.0.1:{}/v1/certificates/bob@example.org",
        s.http.port()
    ));
    let out = run(curl).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        out.stdout,
        fixtures().bob.pem().replace("\r\n", "\n").as_bytes()
    );
}
