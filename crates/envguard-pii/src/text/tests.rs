use super::*;

fn ents(t: &str) -> Vec<(Entity, &str)> {
    detect_text(t)
        .into_iter()
        .map(|d| (d.entity, &t[d.span]))
        .collect()
}

#[test]
fn ids_and_epochs() {
    assert_eq!(
        ents("Iqama 2123456788"),
        vec![(Entity::SaNationalId, "2123456788")]
            .into_iter()
            .filter(|_| validate::luhn_valid(b"2123456788"))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        ents("national ID 1058529940"),
        vec![(Entity::SaNationalId, "1058529940")]
    );
    assert!(ents("metrics epoch=1058529940 p99").is_empty());
    assert!(
        ents("batch 1058529940 rerun").is_empty(),
        "ambiguous without a person"
    );
    assert!(ents("legacy_ref=1058529941").is_empty(), "bad check digit");
}

#[test]
fn contacts() {
    assert_eq!(
        ents("call +966501234567 now"),
        vec![(Entity::PhoneSa, "+966501234567")]
    );
    assert_eq!(
        ents("جوال 0551234567."),
        vec![(Entity::PhoneSa, "0551234567")]
    );
    assert_eq!(
        ents("at +966 55 123 4567"),
        vec![(Entity::PhoneSa, "+966 55 123 4567")]
    );
    assert_eq!(
        ents("call (212) 736-1234 if"),
        vec![(Entity::PhoneUs, "(212) 736-1234")]
    );
    assert_eq!(
        ents("x 212.736.1234"),
        vec![(Entity::PhoneUs, "212.736.1234")]
    );
    assert_eq!(
        ents("mail a.b@gmail.com."),
        vec![(Entity::Email, "a.b@gmail.com")]
    );
    assert!(ents("mail a.b@clinic.example.com").is_empty());
    assert!(
        ents("call 212-555-0142").is_empty(),
        "reserved fiction range"
    );
}

#[test]
fn money_and_health() {
    assert_eq!(
        ents("IBAN SA03 8000 0000 6080 1016 7519."),
        vec![(Entity::Iban, "SA03 8000 0000 6080 1016 7519")]
    );
    assert_eq!(
        ents("to SA0380000000608010167519"),
        vec![(Entity::Iban, "SA0380000000608010167519")]
    );
    assert!(ents("to SA0480000000608010167519").is_empty());
    assert_eq!(
        ents("card 4539 5787 6362 1486"),
        vec![(Entity::CreditCard, "4539 5787 6362 1486")]
    );
    assert_eq!(
        ents("SSN 536-22-5477"),
        vec![(Entity::UsSsn, "536-22-5477")]
    );
    assert_eq!(ents("dx E11.9 noted"), vec![(Entity::Icd10, "E11.9")]);
    assert_eq!(ents("(MRN-00482913)"), vec![(Entity::Mrn, "MRN-00482913")]);
    assert_eq!(ents("Record 00482913"), vec![(Entity::Mrn, "00482913")]);
    assert_eq!(ents("DOB 1985-03-12"), vec![(Entity::Dob, "1985-03-12")]);
    assert!(ents("at 2024-03-12 10:22:01.123").is_empty());
    assert!(ents("room B20 is free").is_empty());
}

#[test]
fn versions_are_not_ips() {
    assert!(ents("upgrade from 10.2.0.14 to 11.3.1.20 finished").is_empty());
    assert!(ents("(build 10.2.0.14, req x)").is_empty());
    assert_eq!(
        ents("visit from IP 10.2.0.14."),
        vec![(Entity::Ipv4, "10.2.0.14")]
    );
}

#[test]
fn ipv6_addresses() {
    let v6 = |t: &'static str, a: &'static str| {
        assert_eq!(ents(t), vec![(Entity::Ipv6, a)], "{t}");
    };
    v6(
        "from 2a00:1450:4001:82a:0:0:0:200e ok",
        "2a00:1450:4001:82a:0:0:0:200e",
    );
    v6("client 2a00:1450:4001::200e.", "2a00:1450:4001::200e");
    v6("src=fd12:3456:789a::1, dst", "fd12:3456:789a::1");
    v6("peer fd00::1 up", "fd00::1");
    v6("mapped ::ffff:10.2.0.14 login", "::ffff:10.2.0.14");
    v6("via 2a02:c7f::5%eth0 now", "2a02:c7f::5");
    v6("GET [2a02:c7f:1::9]:443/x", "2a02:c7f:1::9");
    v6("addr 2A02:C7F:1::9: retry", "2A02:C7F:1::9");
    v6(
        "\"ip\":\"2600:1f18:24e6:b900::12\"",
        "2600:1f18:24e6:b900::12",
    );
}

#[test]
fn ipv6_look_alikes() {
    for t in [
        "mac 00:1a:2b:3c:4d:5e on eth0",
        "eui 00:1a:2b:ff:fe:3c:4d:5e",
        "at 12:30:45 and 10:00",
        "ts 2024-03-12T10:22:01.123Z",
        "range :: only",
        "use std::vector<int> v;",
        "let x = a::b; Foo::Bar::baz(); A::B; ab::cd",
        "commit 3f786850e387550fdab836ed7e6dc881de23001b",
        "version 2.14.3 build 10.2.0.14:8080",
        "fingerprint 43:51:43:a1:b5:fc:8b:b7:0a:3a:a9:b1:0f:66:73:a8",
        "http://example.org:8080/a {\"k\":\"v\"}",
        "loopback ::1 and fe80::1ff:fe23:4567:890a%eth0 and ff02::1",
        "mapped ::ffff:127.0.0.1 and 2001:db8::1 and [2001:db8:85a3::8a2e:370:7334]:443",
        "prefix 3fff:12::7",
        "bad 2001:db8::1::2 and 12345::1 and 1:2:3:4:5:6:7",
    ] {
        assert!(ents(t).is_empty(), "{t}: {:?}", ents(t));
    }
}

#[test]
fn ipv6_documentation_range_is_reserved() {
    let t = "host 2001:db8::42 and 2a00:1450:4001::200e";
    let mut out = Vec::new();
    detect_into_opts(t, None, true, &mut out);
    let got: Vec<_> = out
        .iter()
        .map(|d| (&t[d.span.clone()], d.confidence))
        .collect();
    assert_eq!(
        got,
        vec![
            ("2001:db8::42", Confidence::Low),
            ("2a00:1450:4001::200e", Confidence::High)
        ]
    );
}

#[test]
fn names() {
    assert_eq!(
        ents("Patient Emily O'Brien (MRN"),
        vec![(Entity::Person, "Emily O'Brien")]
    );
    assert_eq!(
        ents("for Abdullah bin Fahad Al-Ghamdi today"),
        vec![(Entity::Person, "Abdullah bin Fahad Al-Ghamdi")]
    );
    assert_eq!(
        ents("المريض نورة سعد القحطاني رقم"),
        vec![(Entity::Person, "نورة سعد القحطاني")]
    );
    assert_eq!(
        ents("إبلاغ فهد آل سعود بنتيجة"),
        vec![(Entity::Person, "فهد آل سعود")]
    );
    assert_eq!(
        ents("Hijri ١ تاريخ الميلاد 1405/06/21هـ"),
        vec![(Entity::Dob, "1405/06/21هـ")]
    );
    assert!(ents("The printer on floor 3 is out of toner").is_empty());
}

#[test]
fn written_out_dates_of_birth() {
    assert_eq!(
        ents("Date of birth: 12 Mar 1985"),
        vec![(Entity::Dob, "12 Mar 1985")]
    );
    assert_eq!(
        ents("DOB March 12, 1985"),
        vec![(Entity::Dob, "March 12, 1985")]
    );
    // Not a date: day 31 in April, a year out of range, a year run on.
    assert!(ents("DOB 31 Apr 1985").is_empty());
    assert!(ents("DOB March 12, 2199").is_empty());
    assert!(ents("DOB 12 Mar 19850").is_empty());
    // A bare appointment date is not personal data on its own.
    assert!(ents("the review is on 12 Mar 2024").is_empty());
}

#[test]
fn name_column_cells() {
    fn name(t: &str) -> Option<&str> {
        whole_cell_name(t).map(|d| &t[d.span])
    }
    assert_eq!(name("  Noura  Al-Qahtani "), Some("Noura  Al-Qahtani"));
    assert_eq!(
        name("عبدالرحمن تركي التميمي"),
        Some("عبدالرحمن تركي التميمي")
    );
    assert_eq!(name("Mary O'Brien"), Some("Mary O'Brien"));
    // Not a name cell: seven words, a digit, punctuation only.
    assert_eq!(name("a b c d e f g"), None);
    assert_eq!(name("Room 12"), None);
    assert_eq!(name(" - . "), None);
}
