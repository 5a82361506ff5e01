//! File names: SPEC normalisation, hostile addresses, and a fuzz-style property test.

use std::collections::HashMap;
use std::fs;

use cert_store::{DirStore, Error, file_name_for};

use crate::support::{NOW, Rng, cert, ctx};

#[test]
fn spec_cases_map_to_the_expected_names() {
    let cases: &[(&str, &str)] = &[
        ("alice@example.com", "alice@example.com.crt"),
        ("Alice@EXAMPLE.com", "alice@example.com.crt"),
        ("ALICE.Smith@Example.COM", "alice.smith@example.com.crt"),
        ("../../etc/passwd", "%2E.%2F..%2Fetc%2Fpasswd.crt"),
        ("a/b@c", "a%2Fb@c.crt"),
        (".hidden@x", "%2Ehidden@x.crt"),
        ("..@x", "%2E.@x.crt"),
        (".", "%2E.crt"),
        ("..", "%2E..crt"),
        (".history", "%2Ehistory.crt"),
        ("nul\0byte@x", "nul%00byte@x.crt"),
        ("tab\tcr\rlf\n@x", "tab%09cr%0Dlf%0A@x.crt"),
        ("del\x7f@x", "del%7F@x.crt"),
        ("100%@x", "100%25@x.crt"),
        ("sp ace@x", "sp%20ace@x.crt"),
        ("back\\slash@x", "back%5Cslash@x.crt"),
        ("o'brien+tag=1@x", "o'brien+tag=1@x.crt"),
        ("!#$&'*+=?^_`{|}~-@x", "!#$&'*+=?^_`{|}~-@x.crt"),
        ("quote\"colon:@x", "quote%22colon%3A@x.crt"),
        ("jörg@bücher.de", "j%C3%B6rg@b%C3%BCcher.de.crt"),
        ("JÖRG@BÜCHER.DE", "j%C3%B6rg@b%C3%BCcher.de.crt"),
        (
            "用户@例子.广告",
            "%E7%94%A8%E6%88%B7@%E4%BE%8B%E5%AD%90.%E5%B9%BF%E5%91%8A.crt",
        ),
    ];
    for (address, name) in cases {
        assert_eq!(file_name_for(address).unwrap(), *name, "{address:?}");
    }
}

#[test]
fn empty_address_has_no_name() {
    let err = file_name_for("").unwrap_err();
    assert!(matches!(err, Error::EmptyAddress));
    assert_eq!(err.reason_code(), "ambiguous_from");
    assert!(!err.is_transient());
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
    // A 300-byte name made only of escapes is shortened too.
    let escapes = "\u{1}".repeat(300);
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
        "../../../../tmp/evil",
        "/etc/passwd",
        "a/../../b@x",
        ".history",
        ".history/../x",
        "..",
        "nul\0@x",
        "ctl\x01\x1b[31m@x",
        &format!("{}@example.com", "x/".repeat(300)),
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
    // Every address comes back from list(), long (shortened) one included.
    let mut listed = store.list_blocking().unwrap();
    listed.sort();
    let mut want: Vec<String> = hostile.iter().map(|a| a.to_lowercase()).collect();
    want.sort();
    assert_eq!(listed, want);
}

fn random_address(rng: &mut Rng) -> String {
    const PIECES: &[&str] = &[
        ".", "..", "/", "%", "@", "a", "Z", "0", "\0", "\n", "\u{7f}", "ß", "İ", "Ω", "ω", "用",
        "😀", "~", "-", "%2E", "%25", "%-", " ", "\\", "\u{feff}",
    ];
    let len = match rng.below(10) {
        0 => 100 + rng.below(400),
        _ => rng.below(40),
    };
    let mut s = String::new();
    for _ in 0..len {
        if rng.below(3) == 0 {
            let bytes: Vec<u8> = (0..1 + rng.below(4))
                .map(|_| rng.next_u64() as u8)
                .collect();
            s.push_str(&String::from_utf8_lossy(&bytes));
        } else {
            s.push_str(PIECES[rng.below(PIECES.len() as u64) as usize]);
        }
    }
    s
}

#[test]
fn random_addresses_always_get_safe_distinct_names() {
    let mut rng = Rng::new(42);
    let mut seen: HashMap<String, String> = HashMap::new();
    for _ in 0..20_000 {
        let address = random_address(&mut rng);
        let name = match file_name_for(&address) {
            Ok(name) => name,
            Err(Error::EmptyAddress) if address.is_empty() => continue,
            Err(e) => panic!("{address:?}: {e}"),
        };
        assert!(!name.contains('/'), "{name:?}");
        assert!(!name.contains('\0'), "{name:?}");
        assert!(!name.starts_with('.'), "{name:?}");
        assert!(name.len() <= 255, "{} bytes", name.len());
        assert!(name.len() > ".crt".len());
        assert!(name.bytes().all(|b| b.is_ascii_graphic()), "{name:?}");
        let normalised = address.to_lowercase();
        if let Some(other) = seen.insert(name.clone(), normalised.clone()) {
            assert_eq!(other, normalised, "two addresses share {name:?}");
        }
    }
    assert!(
        seen.len() > 15_000,
        "the generator produced too few distinct addresses"
    );
}
