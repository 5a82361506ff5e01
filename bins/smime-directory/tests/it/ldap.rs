//! LDAP through the ldap3 crate (a real client, no TLS).

use std::collections::HashSet;
use std::time::Duration;

use ldap3::{LdapConnAsync, Mod, Scope, SearchEntry, SearchOptions};
use smime_directory::metrics::{LookupResult, Protocol};
use smime_directory::{BindIdentity, Entry, Secret};

use crate::support::{BASE_DN, BIND_DN, BIND_PW, Servers, UNICODE, directory, fixtures, options};

async fn connect(s: &Servers) -> ldap3::Ldap {
    let (conn, ldap) = LdapConnAsync::new(&s.ldap_url()).await.unwrap();
    ldap3::drive!(conn);
    ldap
}

/// `(result code, entries)` of a subtree search under the base.
async fn search(ldap: &mut ldap3::Ldap, filter: &str, attrs: &[&str]) -> (u32, Vec<SearchEntry>) {
    let r = ldap
        .search(BASE_DN, Scope::Subtree, filter, attrs.to_vec())
        .await
        .unwrap();
    let entries = r.0.into_iter().map(SearchEntry::construct).collect();
    (r.1.rc, entries)
}

#[tokio::test]
async fn exact_lookup_returns_the_inet_org_person_entry() {
    let s = Servers::default().await;
    let mut ldap = connect(&s).await;
    let (rc, entries) = search(&mut ldap, "(mail=alice@example.com)", &[]).await;
    assert_eq!((rc, entries.len()), (0, 1));
    let e = &entries[0];
    assert_eq!(e.dn, "mail=alice@example.com,dc=example,dc=com");
    let classes: HashSet<&str> = e.attrs["objectClass"].iter().map(String::as_str).collect();
    assert_eq!(
        classes,
        HashSet::from(["top", "person", "organizationalPerson", "inetOrgPerson"])
    );
    assert_eq!(e.attrs["mail"], ["alice@example.com"]);
    assert_eq!(e.attrs["cn"], ["Alice Liddell"]);
    assert_eq!(e.attrs["sn"], ["Liddell"]);
    let der = &fixtures().alice.der;
    assert_eq!(
        e.bin_attrs["userCertificate;binary"],
        std::slice::from_ref(der)
    );
    let expected = Entry::from_der("alice@example.com", der).unwrap();
    assert_eq!(
        e.bin_attrs["userSMIMECertificate"],
        [expected.pkcs7().to_vec()]
    );
    assert_eq!(
        s.app.metrics().lookups(Protocol::Ldap, LookupResult::Found),
        1
    );
}

#[tokio::test]
async fn client_filters_that_name_a_whole_address_find_it() {
    let s = Servers::default().await;
    let mut ldap = connect(&s).await;
    for filter in [
        "(mail=ALICE@Example.COM)",
        "(mail=alice@example.com*)",
        "(&(objectClass=inetOrgPerson)(mail=alice@example.com))",
        "(&(objectClass=*)(mail=alice@example.com))",
        // Outlook's default filter with a whole address typed.
        "(&(mail=*)(|(mail=alice@example.com*)(|(cn=alice@example.com*)(|(sn=alice@example.com*)(givenName=alice@example.com*)))))",
        // Thunderbird's autocomplete filter.
        "(|(cn=alice@example.com*)(mail=alice@example.com*)(sn=alice@example.com*))",
        "(anr=alice@example.com)",
    ] {
        let (rc, entries) = search(&mut ldap, filter, &["mail"]).await;
        assert_eq!(rc, 0, "{filter}");
        assert_eq!(entries.len(), 1, "{filter}");
        assert_eq!(entries[0].attrs["mail"], ["alice@example.com"]);
    }
}

#[tokio::test]
async fn unicode_address_is_found_by_either_spelling_of_the_domain() {
    let s = Servers::default().await;
    let mut ldap = connect(&s).await;
    for filter in ["(mail=Jörg@Bücher.de)", "(mail=jörg@xn--bcher-kva.de)"] {
        let (rc, entries) = search(&mut ldap, filter, &["mail", "cn"]).await;
        assert_eq!((rc, entries.len()), (0, 1), "{filter}");
        assert_eq!(entries[0].dn, format!("mail={UNICODE},{BASE_DN}"));
        assert_eq!(entries[0].attrs["cn"], ["Jörg Müller"]);
    }
    // NFD is another mailbox: nothing.
    let (rc, entries) = search(&mut ldap, "(mail=jo\u{308}rg@xn--bcher-kva.de)", &[]).await;
    assert_eq!((rc, entries.len()), (0, 0));
}

#[tokio::test]
async fn unknown_expired_and_revoked_are_absent() {
    let s = Servers::default().await;
    let mut ldap = connect(&s).await;
    for address in [
        "nobody@example.com",
        "old@example.com",
        "revoked@example.com",
    ] {
        let (rc, entries) = search(&mut ldap, &format!("(mail={address})"), &[]).await;
        assert_eq!((rc, entries.len()), (0, 0), "{address}");
    }
}

#[tokio::test]
async fn enumeration_attempts_return_nothing_and_no_error() {
    let s = Servers::default().await;
    let mut ldap = connect(&s).await;
    for filter in [
        "(mail=*)",
        "(mail=a*)",
        "(cn=Alice*)",
        "(objectClass=*)",
        "(objectClass=inetOrgPerson)",
        "(|(mail=*)(cn=*))",
        "(mail=*@example.com)",
        "(!(mail=alice@example.com))",
        "(&(mail=*)(|(mail=ali*)(|(cn=ali*)(|(sn=ali*)(givenName=ali*)))))",
    ] {
        let (rc, entries) = search(&mut ldap, filter, &[]).await;
        assert_eq!((rc, entries.len()), (0, 0), "{filter}");
    }
    // The base entry and one-level under it are no way around it either.
    let r = ldap
        .search(BASE_DN, Scope::OneLevel, "(objectClass=*)", vec!["*"])
        .await
        .unwrap();
    assert_eq!((r.1.rc, r.0.len()), (0, 0));
    let r = ldap
        .search(BASE_DN, Scope::Base, "(objectClass=*)", vec!["*"])
        .await
        .unwrap();
    assert_eq!((r.1.rc, r.0.len()), (0, 0));
    assert_eq!(
        s.app.metrics().lookups(Protocol::Ldap, LookupResult::Found),
        0
    );
}

#[tokio::test]
async fn requested_attributes_types_only_and_schema_spelling() {
    let s = Servers::default().await;
    let mut ldap = connect(&s).await;
    let f = "(mail=bob@example.org)";
    let (_, e) = search(&mut ldap, f, &["1.1"]).await;
    assert!(
        e[0].attrs.is_empty() && e[0].bin_attrs.is_empty(),
        "{:?}",
        e[0]
    );
    let (_, e) = search(&mut ldap, f, &["usercertificate;binary"]).await;
    assert!(e[0].attrs.is_empty());
    assert_eq!(
        e[0].bin_attrs.keys().collect::<Vec<_>>(),
        ["userCertificate;binary"]
    );
    let (_, e) = search(&mut ldap, f, &["MAIL", "Cn", "usersmimecertificate;binary"]).await;
    let mut names: Vec<&String> = e[0].attrs.keys().chain(e[0].bin_attrs.keys()).collect();
    names.sort();
    assert_eq!(names, ["cn", "mail", "userSMIMECertificate;binary"]);
    let opts = SearchOptions::new().typesonly(true);
    let r = ldap
        .with_search_options(opts)
        .search(BASE_DN, Scope::Subtree, f, vec!["mail", "userCertificate"])
        .await
        .unwrap();
    let e = SearchEntry::construct(r.0[0].clone());
    assert_eq!(e.attrs["mail"], Vec::<String>::new());
    assert!(
        e.bin_attrs
            .get("userCertificate;binary")
            .is_none_or(Vec::is_empty)
    );
}

#[tokio::test]
async fn size_and_time_limits_are_honoured() {
    let s = Servers::default().await;
    let mut ldap = connect(&s).await;
    let two = "(|(mail=alice@example.com)(mail=bob@example.org))";
    let (rc, e) = search(&mut ldap, two, &["mail"]).await;
    assert_eq!((rc, e.len()), (0, 2));
    let r = ldap
        .with_search_options(SearchOptions::new().sizelimit(1))
        .search(BASE_DN, Scope::Subtree, two, vec!["mail"])
        .await
        .unwrap();
    assert_eq!((r.1.rc, r.0.len()), (4, 1));
    // A slow store and a one-second limit.
    let slow = Servers::start(
        directory().with_delay(Duration::from_millis(1500)),
        options(),
    )
    .await;
    let mut ldap = connect(&slow).await;
    let r = ldap
        .with_search_options(SearchOptions::new().timelimit(1))
        .search(
            BASE_DN,
            Scope::Subtree,
            "(mail=alice@example.com)",
            vec!["mail"],
        )
        .await
        .unwrap();
    assert_eq!((r.1.rc, r.0.len()), (3, 0));
}

#[tokio::test]
async fn entry_dn_as_base_root_dse_and_foreign_bases() {
    let s = Servers::default().await;
    let mut ldap = connect(&s).await;
    let dn = "mail=Alice@example.com,dc=Example,dc=com";
    let r = ldap
        .search(dn, Scope::Base, "(objectClass=*)", vec!["cn"])
        .await
        .unwrap();
    assert_eq!((r.1.rc, r.0.len()), (0, 1));
    let r = ldap
        .search(
            "dc=other",
            Scope::Subtree,
            "(mail=alice@example.com)",
            vec!["cn"],
        )
        .await
        .unwrap();
    assert_eq!(r.1.rc, 32);
    let r = ldap
        .search("", Scope::Base, "(objectClass=*)", vec!["*", "+"])
        .await
        .unwrap();
    let root = SearchEntry::construct(r.0[0].clone());
    assert_eq!(root.attrs["namingContexts"], [BASE_DN]);
    assert_eq!(root.attrs["supportedLDAPVersion"], ["3"]);
}

#[tokio::test]
async fn quoted_local_parts_are_escaped_in_the_dn() {
    let s = Servers::default().await;
    let mut ldap = connect(&s).await;
    let (rc, e) = search(&mut ldap, "(mail=\"a,b+c\"@example.com)", &["mail"]).await;
    assert_eq!((rc, e.len()), (0, 1));
    assert_eq!(
        e[0].dn,
        "mail=\\\"a\\,b\\+c\\\"@example.com,dc=example,dc=com"
    );
    // The escaped DN reads the entry back.
    let r = ldap
        .search(&e[0].dn, Scope::Base, "(objectClass=*)", vec!["mail"])
        .await
        .unwrap();
    assert_eq!(r.0.len(), 1);
}

#[tokio::test]
async fn binds_anonymous_wrong_and_right() {
    let mut o = options();
    o.bind = Some(BindIdentity {
        dn: BIND_DN.to_string(),
        password: Secret::new(BIND_PW).unwrap(),
    });
    let s = Servers::start(directory(), o).await;
    let mut ldap = connect(&s).await;
    let (rc, _) = search(&mut ldap, "(mail=alice@example.com)", &[]).await;
    assert_eq!(rc, 50, "reads need the bind");
    assert_eq!(ldap.simple_bind(BIND_DN, "wrong").await.unwrap().rc, 49);
    assert_eq!(
        ldap.simple_bind("cn=other,dc=example,dc=com", BIND_PW)
            .await
            .unwrap()
            .rc,
        49
    );
    let (rc, _) = search(&mut ldap, "(mail=alice@example.com)", &[]).await;
    assert_eq!(rc, 50, "a failed bind leaves the connection anonymous");
    assert_eq!(ldap.simple_bind(BIND_DN, "").await.unwrap().rc, 53);
    assert_eq!(
        ldap.simple_bind("CN=Reader, dc=example,dc=com", BIND_PW)
            .await
            .unwrap()
            .rc,
        0
    );
    let (rc, e) = search(&mut ldap, "(mail=alice@example.com)", &[]).await;
    assert_eq!((rc, e.len()), (0, 1));
    // The Root DSE stays readable anonymously.
    let mut anon = connect(&s).await;
    let r = anon
        .search("", Scope::Base, "(objectClass=*)", vec!["namingContexts"])
        .await
        .unwrap();
    assert_eq!((r.1.rc, r.0.len()), (0, 1));
}

#[tokio::test]
async fn a_bind_without_a_configured_reader_is_invalid_credentials() {
    let s = Servers::default().await;
    let mut ldap = connect(&s).await;
    assert_eq!(ldap.simple_bind(BIND_DN, BIND_PW).await.unwrap().rc, 49);
    assert_eq!(ldap.simple_bind("", "").await.unwrap().rc, 0);
}

#[tokio::test]
async fn writes_are_refused_compare_only_on_mail_and_object_class() {
    let s = Servers::default().await;
    let mut ldap = connect(&s).await;
    let dn = "mail=alice@example.com,dc=example,dc=com";
    let add = ldap
        .add(
            "mail=eve@example.com,dc=example,dc=com",
            vec![("mail", HashSet::from(["eve@example.com"]))],
        )
        .await
        .unwrap();
    assert_eq!(add.rc, 53);
    let modify = ldap
        .modify(dn, vec![Mod::Replace("cn", HashSet::from(["Eve"]))])
        .await
        .unwrap();
    assert_eq!(modify.rc, 53);
    assert_eq!(ldap.delete(dn).await.unwrap().rc, 53);
    assert_eq!(
        ldap.modifydn(dn, "mail=eve@example.com", true, None)
            .await
            .unwrap()
            .rc,
        53
    );
    assert_eq!(
        ldap.compare(dn, "mail", "Alice@Example.com")
            .await
            .unwrap()
            .0
            .rc,
        6
    );
    assert_eq!(
        ldap.compare(dn, "mail", "bob@example.org")
            .await
            .unwrap()
            .0
            .rc,
        5
    );
    assert_eq!(
        ldap.compare(dn, "objectClass", "inetOrgPerson")
            .await
            .unwrap()
            .0
            .rc,
        6
    );
    assert_eq!(
        ldap.compare(dn, "cn", "Alice Liddell").await.unwrap().0.rc,
        53
    );
    let gone = "mail=nobody@example.com,dc=example,dc=com";
    assert_eq!(
        ldap.compare(gone, "mail", "nobody@example.com")
            .await
            .unwrap()
            .0
            .rc,
        32
    );
}

#[tokio::test]
async fn thousand_concurrent_searches_all_answer() {
    let mut o = options();
    o.limits.max_connections_per_ip = 1000;
    let s = Servers::start(directory(), o).await;
    let url = s.ldap_url();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..1000 {
        let url = url.clone();
        tasks.spawn(async move {
            let (conn, mut ldap) = LdapConnAsync::new(&url).await.unwrap();
            ldap3::drive!(conn);
            let who = ["alice@example.com", "bob@example.org", "nobody@example.com"][i % 3];
            let (rc, e) = search(&mut ldap, &format!("(mail={who})"), &["mail"]).await;
            let _ = ldap.unbind().await;
            (i % 3, rc, e.len())
        });
    }
    while let Some(done) = tasks.join_next().await {
        let (kind, rc, n) = done.unwrap();
        assert_eq!((rc, n), (0, usize::from(kind != 2)));
    }
    assert_eq!(
        s.app.metrics().lookups(Protocol::Ldap, LookupResult::Found),
        667
    );
}
