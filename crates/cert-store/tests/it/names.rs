//! File names: SPEC normalisation, hostile addresses, and a fuzz-style property test.

use std::collections::{HashMap, HashSet};
use std::fs;

use cert_store::{DirStore, Error, file_name_for};

use crate::support::{NOW, Rng, cert, ctx};

#[test]
fn spec_cases_map_to_the_expected_names() {
    let cases: &[(&str, &str)] = &[
        ("alice@example.com", "alice@example.com.crt"),
        ("Alice@EXAMPLE.com", "alice@example.com.crt"),
        ("ALICE.Smith@Example.COM", "alice.smith@example.com.crt"),
        ("../../etc/passwd@x", "%2E.%2F..%2Fetc%2Fpasswd@x.crt"),
        ("a/b@c", "a%2Fb@c.crt"),
        (".hidden@x", "%2Ehidden@x.crt"),
        ("..@x", "%2E.@x.crt"),
        (".history@x", "%2Ehistory@x.crt"),
        ("100%@x", "100%25@x.crt"),
        ("\"sp ace\"@x", "%22sp%20ace%22@x.crt"),
        ("\"Sp Ace\"@X", "%22sp%20ace%22@x.crt"),
        ("\"space\"@x", "space@x.crt"),
        ("\"back\\\\slash\"@x", "%22back%5C%5Cslash%22@x.crt"),
        ("\"quote\\\"colon:\"@x", "%22quote%5C%22colon%3A%22@x.crt"),
        ("\"../..\"@x", "%2E.%2F..@x.crt"),
        ("o'brien+tag=1@x", "o'brien+tag=1@x.crt"),
        ("!#$&'*+=?^_`{|}~-@x", "!#$&'*+=?^_`{|}~-@x.crt"),
        ("jörg@bücher.de", "j%C3%B6rg@xn--bcher-kva.de.crt"),
        ("Jörg@BÜCHER.DE", "j%C3%B6rg@xn--bcher-kva.de.crt"),
        ("jörg@xn--bcher-kva.de", "j%C3%B6rg@xn--bcher-kva.de.crt"),
        ("JÖRG@bücher.de", "j%C3%96rg@xn--bcher-kva.de.crt"),
        (
            "用户@例子.广告",
            "%E7%94%A8%E6%88%B7@xn--fsqu00a.xn--4rr70v.crt",
        ),
    ];
    for (address, name) in cases {
        assert_eq!(file_name_for(address).unwrap(), *name, "{address:?}");
    }
}

/// The Kelvin pair, U+1FEF, NFC/NFD, dotted I, fullwidth and Cyrillic look-alikes:
/// distinct keys where the rule says so, no key where the local part is not NFC.
#[test]
fn look_alikes_never_share_a_name() {
    let kate = file_name_for("kate@example.com").unwrap();
    assert_eq!(file_name_for("Kate@Example.com").unwrap(), kate);
    for no_key in [
        "\u{212A}ate@example.com",
        "a\u{1FEF}b@example.com",
        "jo\u{308}rg@example.com",
    ] {
        assert!(
            matches!(file_name_for(no_key), Err(Error::InvalidAddress(_))),
            "{no_key:?}"
        );
    }
    let distinct = [
        kate.clone(),
        file_name_for("j\u{f6}rg@example.com").unwrap(),
        file_name_for("j\u{d6}rg@example.com").unwrap(),
        file_name_for("\u{130}pek@example.com").unwrap(),
        file_name_for("ipek@example.com").unwrap(),
        file_name_for("\u{ff4b}ate@example.com").unwrap(),
        file_name_for("\u{ff2b}ate@example.com").unwrap(),
        file_name_for("\u{43a}ate@example.com").unwrap(),
        file_name_for("\u{41a}ate@example.com").unwrap(),
    ];
    let unique: HashSet<&String> = distinct.iter().collect();
    assert_eq!(unique.len(), distinct.len(), "{distinct:?}");
}

#[test]
fn addresses_without_a_key_have_no_name() {
    for address in [
        "",
        "../../etc/passwd",
        ".",
        "..",
        ".history",
        "nul\0byte@x",
        "tab\tcr\rlf\n@x",
        "del\x7f@x",
        "\"ctl\u{1b}[31m\"@x",
        "sp ace@x",
        "quote\"colon:@x",
        "a@b/c",
        "a@..",
    ] {
        let err = file_name_for(address).unwrap_err();
        assert!(
            matches!(err, Error::InvalidAddress(_)),
            "{address:?}: {err}"
        );
        assert_eq!(err.reason_code(), "ambiguous_from");
        assert!(!err.is_transient());
    }
}

#[test]
fn a_300_character_local_part_gets_a_short_stable_unique_name() {
    let a = format!("{}@example.com", "a".repeat(300));
    let b = format!("{}b@example.com", "a".repeat(299));
    let name_a = file_name_for(&a).unwrap();
    assert!(name_a.len() <= 255, "{}", name_a.len());
    assert!(name_a.ends_with(".crt"));
    assert!(name_a.starts_with(&"a".repeat(100)));
    assert_eq!(
        name_a,
        file_name_for(&a.to_uppercase()).unwrap(),
        "stable, normalised"
    );
    assert_ne!(
        name_a,
        file_name_for(&b).unwrap(),
        "distinct despite a common prefix"
    );
    // A 300-byte address made mostly of escapes is shortened too.
    let escapes = format!("{}@x", "\u{fc}".repeat(150));
    assert!(file_name_for(&escapes).unwrap().len() <= 255);
}

/// Hostile addresses land exactly on their file directly inside the store.
#[test]
fn hostile_addresses_stay_inside_the_store() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("certs");
    let store = DirStore::open(&dir).unwrap();
    let hostile = [
        "../outside@x",
        "../../../../tmp/evil@x",
        "/etc/passwd@x",
        "a/../../b@x",
        ".history@x",
        ".history/../x@x",
        "..@x",
        "\"../../b c\"@x",
        "\"a@b/..\"@x",
        "\"\\\\\"@x",
        &format!("{}@example.com", "x/".repeat(200)),
        "ÜBER@Bücher.DE",
    ];
    for (i, address) in hostile.iter().enumerate() {
        let der = cert(&format!("hostile{i}"), NOW - 10 * 86_400);
        let stored = store
            .put_blocking(address, &der, &ctx("<h@x>", NOW))
            .unwrap();
        let name = file_name_for(address).unwrap();
        assert_eq!(stored.location, dir.join(&name).display().to_string());
        assert!(dir.join(&name).is_file(), "{address:?}");
        assert_eq!(store.get_blocking(address).unwrap().unwrap(), der);
    }
    // Nothing but the certificates and the bookkeeping directory, nothing outside.
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let mut expected: Vec<String> = hostile.iter().map(|a| file_name_for(a).unwrap()).collect();
    expected.push(".history".to_owned());
    expected.sort();
    assert_eq!(names, expected);
    let outside: Vec<_> = fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(outside.len(), 1, "only the store directory in its parent");
    // Every address comes back from list(), long (shortened) one included, in its
    // normalised form, which is itself an address of the same entry.
    let mut listed = store.list_blocking().unwrap();
    listed.sort();
    let mut want: Vec<String> = hostile.iter().map(|a| key(a)).collect();
    want.sort();
    assert_eq!(listed, want);
    for address in &listed {
        assert!(
            store.get_blocking(address).unwrap().is_some(),
            "{address:?}"
        );
    }
}

fn key(address: &str) -> String {
    smime_address::normalize(address).unwrap().into_string()
}

fn random_address(rng: &mut Rng) -> String {
    const PIECES: &[&str] = &[
        ".", "..", "/", "%", "a", "Z", "0", "ß", "İ", "Ω", "ω", "用", "😀", "~", "-", "%2E", "%25",
        "%-", "\u{feff}", "K", "\u{f6}", "\u{d6}",
    ];
    // Pieces that are refused, or refused unquoted.
    const RARE: &[&str] = &[
        "@", "\0", "\n", "\u{7f}", " ", "\\", "\"", "\u{212A}", "o\u{308}",
    ];
    const DOMAINS: &[&str] = &[
        "x",
        "example.com",
        "EXAMPLE.com",
        "bücher.de",
        "xn--bcher-kva.de",
        "例子.广告",
        "a..b",
        "",
    ];
    let len = match rng.below(10) {
        0 => 50 + rng.below(150),
        _ => 1 + rng.below(20),
    };
    let mut local = String::new();
    for _ in 0..len {
        match rng.below(40) {
            0 => {
                let bytes: Vec<u8> = (0..1 + rng.below(4))
                    .map(|_| rng.next_u64() as u8)
                    .collect();
                local.push_str(&String::from_utf8_lossy(&bytes));
            }
            1 | 2 => local.push_str(RARE[rng.below(RARE.len() as u64) as usize]),
            _ => local.push_str(PIECES[rng.below(PIECES.len() as u64) as usize]),
        }
    }
    if rng.below(2) == 0 {
        local = format!("\"{}\"", local.replace('\\', "\\\\").replace('"', "\\\""));
    }
    let domain = DOMAINS[rng.below(DOMAINS.len() as u64) as usize];
    format!("{local}@{domain}")
}

#[test]
fn random_addresses_always_get_safe_distinct_names() {
    let mut rng = Rng::new(42);
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut refused = 0;
    for _ in 0..20_000 {
        let address = random_address(&mut rng);
        let name = match file_name_for(&address) {
            Ok(name) => name,
            Err(Error::InvalidAddress(_)) => {
                refused += 1;
                continue;
            }
            Err(e) => panic!("{address:?}: {e}"),
        };
        assert!(!name.contains('/'), "{name:?}");
        assert!(!name.contains('\0'), "{name:?}");
        assert!(!name.starts_with('.'), "{name:?}");
        assert!(name.len() <= 255, "{} bytes", name.len());
        assert!(name.len() > ".crt".len());
        assert!(name.bytes().all(|b| b.is_ascii_graphic()), "{name:?}");
        let normalised = key(&address);
        // The normalised form is its own key.
        assert_eq!(file_name_for(&normalised).unwrap(), name, "{address:?}");
        if let Some(other) = seen.insert(name.clone(), normalised.clone()) {
            assert_eq!(other, normalised, "two addresses share {name:?}");
        }
    }
    assert!(
        seen.len() > 5_000 && refused > 5_000,
        "the generator produced too few distinct addresses ({}) or refusals ({refused})",
        seen.len()
    );
}
