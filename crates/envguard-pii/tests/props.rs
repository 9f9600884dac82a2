//! Property tests: validators against simple reference implementations,
//! redaction never leaves a detected span's bytes, synth values validate.

#![allow(clippy::unwrap_used)]

use envguard_pii::validate::{card_valid, iban_valid, luhn_valid, saudi_id_valid, ssn_valid};
use envguard_pii::{detect_text, Entity, Operator, Redactor};
use proptest::prelude::*;

/// Luhn as usually written: double every second digit from the right.
fn luhn_ref(s: &str) -> bool {
    let mut sum = 0;
    for (i, c) in s.chars().rev().enumerate() {
        let mut d = c.to_digit(10).unwrap();
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    !s.is_empty() && sum % 10 == 0
}

/// The positional Saudi ID rule as published (double even positions, add digit sums).
fn saudi_ref(s: &str) -> bool {
    if s.len() != 10 || !(s.starts_with('1') || s.starts_with('2')) {
        return false;
    }
    let mut total = 0;
    for (i, c) in s.chars().enumerate() {
        let d = c.to_digit(10).unwrap();
        if i % 2 == 0 {
            let p = d * 2;
            total += p / 10 + p % 10;
        } else {
            total += d;
        }
    }
    total % 10 == 0
}

/// mod-97 with big-number arithmetic on the decimal string, chunked.
fn iban_ref(s: &str) -> bool {
    let r: String = s[4..]
        .chars()
        .chain(s[..4].chars())
        .map(|c| c.to_digit(36).unwrap().to_string())
        .collect();
    let mut rem: u64 = 0;
    for chunk in r.as_bytes().chunks(7) {
        let part = format!("{rem}{}", std::str::from_utf8(chunk).unwrap());
        rem = part.parse::<u64>().unwrap() % 97;
    }
    rem == 1
}

fn ssn_ref(s: &str) -> bool {
    let area: u32 = s[..3].parse().unwrap();
    let group: u32 = s[3..5].parse().unwrap();
    let serial: u32 = s[5..].parse().unwrap();
    area != 0
        && area != 666
        && area < 900
        && group != 0
        && serial != 0
        && !["078051120", "219099999", "123456789"].contains(&s)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn luhn_matches_reference(s in "[0-9]{1,19}") {
        prop_assert_eq!(luhn_valid(s.as_bytes()), luhn_ref(&s));
    }

    #[test]
    fn saudi_id_matches_reference(s in "[0-9]{10}") {
        prop_assert_eq!(saudi_id_valid(s.as_bytes()), saudi_ref(&s));
    }

    #[test]
    fn iban_matches_reference(bban in "[0-9]{20}", cd in 0u32..100) {
        let s = format!("SA{cd:02}{bban}");
        prop_assert_eq!(iban_valid(s.as_bytes()), iban_ref(&s));
    }

    #[test]
    fn ssn_matches_reference(s in "[0-9]{9}") {
        prop_assert_eq!(ssn_valid(s.as_bytes()), ssn_ref(&s));
    }

    #[test]
    fn card_implies_luhn(s in "[3-6][0-9]{12,18}") {
        if card_valid(s.as_bytes()) {
            prop_assert!(luhn_ref(&s));
        }
    }

    #[test]
    fn detection_never_panics_and_spans_are_char_boundaries(s in "\\PC{0,200}") {
        for d in detect_text(&s) {
            prop_assert!(s.is_char_boundary(d.span.start) && s.is_char_boundary(d.span.end));
            prop_assert!(d.span.start < d.span.end);
        }
    }

    #[test]
    fn redaction_removes_detected_bytes(
        payload in "[12][0-9]{8}",
        phone in "5[03-9][0-9]{7}",
        noise in "[a-z ]{0,20}",
        op in prop_oneof![Just(Operator::Mask), Just(Operator::Tag), Just(Operator::Hash), Just(Operator::Synth)],
    ) {
        let check = (b'0' + (0..10u8).find(|c| luhn_ref(&format!("{payload}{c}"))).unwrap()) as char;
        let text = format!("{noise} Iqama {payload}{check} mobile 0{phone} {noise}");
        let r = Redactor::new(op, b"k").redact_text(&text);
        prop_assert!(!r.detections.is_empty());
        for d in &r.detections {
            let orig = &text[d.span.clone()];
            prop_assert!(!r.text.contains(orig), "{} left in {}", orig, r.text);
        }
    }

    #[test]
    fn ipv6_redaction_and_synth(
        segs in proptest::array::uniform8(any::<u16>()),
        compress in any::<bool>(),
        noise in "[a-z ]{0,20}",
        op in prop_oneof![Just(Operator::Mask), Just(Operator::Tag), Just(Operator::Hash), Just(Operator::Synth)],
    ) {
        // a global unicast address (2000::/3 outside the documentation ranges)
        let mut w = segs;
        w[0] = 0x2400 | (w[0] & 0x0bff);
        w[7] |= 0x100;
        let a = std::net::Ipv6Addr::new(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]);
        let lit = if compress {
            a.to_string()
        } else {
            w.iter().map(|x| format!("{x:x}")).collect::<Vec<_>>().join(":")
        };
        let text = format!("{noise} client {lit} login {noise}");
        let found = detect_text(&text);
        prop_assert!(
            found.iter().any(|d| d.entity == Entity::Ipv6 && text[d.span.clone()] == lit),
            "{} not found in {:?}", lit, found
        );
        let r = Redactor::new(op, b"k");
        let red = r.redact_text(&text);
        for d in &red.detections {
            let orig = &text[d.span.clone()];
            prop_assert!(!red.text.contains(orig), "{} left in {}", orig, red.text);
        }
        let fake = Redactor::new(Operator::Synth, b"key").replacement(Entity::Ipv6, &lit);
        let parsed = fake.parse::<std::net::Ipv6Addr>();
        prop_assert!(parsed.is_ok(), "{}", fake);
        prop_assert_eq!(parsed.unwrap().segments()[0] >> 8, 0xfd);
        prop_assert_eq!(&fake, &Redactor::new(Operator::Synth, b"key").replacement(Entity::Ipv6, &a.to_string()));
    }

    #[test]
    fn synth_values_pass_validators(payload in "[12][0-9]{8}", bban in "[0-9]{20}") {
        let check = (b'0' + (0..10u8).find(|c| luhn_ref(&format!("{payload}{c}"))).unwrap()) as char;
        let id = format!("{payload}{check}");
        let cd = envguard_pii::validate::iban_check_digits(b"SA", bban.as_bytes());
        let iban = format!("SA{}{}", std::str::from_utf8(&cd).unwrap(), bban);
        let r = Redactor::new(Operator::Synth, b"key");
        let fake_id = r.replacement(Entity::SaNationalId, &id);
        prop_assert!(saudi_id_valid(fake_id.as_bytes()), "{}", fake_id);
        let fake_iban = r.replacement(Entity::Iban, &iban);
        prop_assert!(iban_valid(fake_iban.as_bytes()), "{}", fake_iban);
        prop_assert_eq!(&fake_id, &r.replacement(Entity::SaNationalId, &id), "stable per input");
        let card = "4539578763621486";
        let fake_card = r.replacement(Entity::CreditCard, card);
        prop_assert!(card_valid(fake_card.as_bytes()) || fake_card.starts_with('['), "{}", fake_card);
        let fake_ssn = r.replacement(Entity::UsSsn, "536-22-5477");
        prop_assert!(ssn_valid(fake_ssn.replace('-', "").as_bytes()), "{}", fake_ssn);
    }
}
