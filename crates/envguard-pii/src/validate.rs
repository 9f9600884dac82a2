//! Check-digit and structure validators. Each is a pure function over ASCII
//! digits or characters; detectors call them after a shape match, and the
//! name of the one that passed is recorded on the detection.

/// Luhn (mod 10) over ASCII digits; false on any non-digit or empty input.
pub fn luhn_valid(digits: &[u8]) -> bool {
    if digits.is_empty() {
        return false;
    }
    let mut sum = 0u32;
    for (i, &c) in digits.iter().rev().enumerate() {
        if !c.is_ascii_digit() {
            return false;
        }
        let mut d = u32::from(c - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

/// The digit that makes `payload` followed by it pass Luhn.
pub fn luhn_check_digit(payload: &[u8]) -> u8 {
    let mut sum = 0u32;
    for (i, &c) in payload.iter().rev().enumerate() {
        let mut d = u32::from(c.wrapping_sub(b'0') % 10);
        if i % 2 == 0 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    b'0' + ((10 - sum % 10) % 10) as u8
}

/// Saudi national ID (leading 1) or Iqama (leading 2): 10 digits, Luhn.
pub fn saudi_id_valid(digits: &[u8]) -> bool {
    digits.len() == 10 && matches!(digits[0], b'1' | b'2') && luhn_valid(digits)
}

/// IBAN lengths by country (ISO 13616 registry).
#[rustfmt::skip]
pub fn iban_length(country: &[u8]) -> Option<usize> {
    Some(match country {
        b"AD" => 24, b"AE" => 23, b"AL" => 28, b"AT" => 20, b"AZ" => 28, b"BA" => 20,
        b"BE" => 16, b"BG" => 22, b"BH" => 22, b"BI" => 27, b"BR" => 29, b"BY" => 28,
        b"CH" => 21, b"CR" => 22, b"CY" => 28, b"CZ" => 24, b"DE" => 22, b"DJ" => 27,
        b"DK" => 18, b"DO" => 28, b"EE" => 20, b"EG" => 29, b"ES" => 24, b"FI" => 18,
        b"FK" => 18, b"FO" => 18, b"FR" => 27, b"GB" => 22, b"GE" => 22, b"GI" => 23,
        b"GL" => 18, b"GR" => 27, b"GT" => 28, b"HR" => 21, b"HU" => 28, b"IE" => 22,
        b"IL" => 23, b"IQ" => 23, b"IS" => 26, b"IT" => 27, b"JO" => 30, b"KW" => 30,
        b"KZ" => 20, b"LB" => 28, b"LC" => 32, b"LI" => 21, b"LT" => 20, b"LU" => 20,
        b"LV" => 21, b"LY" => 25, b"MC" => 27, b"MD" => 24, b"ME" => 22, b"MK" => 19,
        b"MN" => 20, b"MR" => 27, b"MT" => 31, b"MU" => 30, b"NI" => 28, b"NL" => 18,
        b"NO" => 15, b"OM" => 23, b"PK" => 24, b"PL" => 28, b"PS" => 29, b"PT" => 25,
        b"QA" => 29, b"RO" => 24, b"RS" => 22, b"RU" => 33, b"SA" => 24, b"SC" => 31,
        b"SD" => 18, b"SE" => 24, b"SI" => 19, b"SK" => 24, b"SM" => 27, b"SO" => 23,
        b"ST" => 25, b"SV" => 28, b"TL" => 23, b"TN" => 24, b"TR" => 26, b"UA" => 29,
        b"VA" => 22, b"VG" => 24, b"XK" => 20, b"YE" => 30,
        _ => return None,
    })
}

/// ISO 7064 mod 97-10 over a compact IBAN (no spaces): country, check digits,
/// BBAN; letters count as 10..35. Also checks the country's registered length.
pub fn iban_valid(iban: &[u8]) -> bool {
    if iban.len() < 15 || iban.len() > 34 {
        return false;
    }
    if !iban[0].is_ascii_uppercase() || !iban[1].is_ascii_uppercase() {
        return false;
    }
    if !iban[2].is_ascii_digit() || !iban[3].is_ascii_digit() {
        return false;
    }
    if iban_length(&iban[..2]) != Some(iban.len()) {
        return false;
    }
    iban_mod97(iban) == Some(1)
}

/// The mod-97 remainder of the rearranged IBAN, or None on a bad character.
pub fn iban_mod97(iban: &[u8]) -> Option<u32> {
    let mut rem = 0u32;
    for &c in iban[4..].iter().chain(iban[..4].iter()) {
        match c {
            b'0'..=b'9' => rem = (rem * 10 + u32::from(c - b'0')) % 97,
            b'A'..=b'Z' => rem = (rem * 100 + u32::from(c - b'A' + 10)) % 97,
            b'a'..=b'z' => rem = (rem * 100 + u32::from(c - b'a' + 10)) % 97,
            _ => return None,
        }
    }
    Some(rem)
}

/// Check digits ("00".."98") for `country` + `bban`.
pub fn iban_check_digits(country: &[u8], bban: &[u8]) -> [u8; 2] {
    let mut buf = Vec::with_capacity(bban.len() + 4);
    buf.extend_from_slice(country);
    buf.extend_from_slice(b"00");
    buf.extend_from_slice(bban);
    let rem = iban_mod97(&buf).unwrap_or(0);
    let cd = 98 - rem;
    [b'0' + (cd / 10) as u8, b'0' + (cd % 10) as u8]
}

/// Payment card: 12–19 digits, Luhn, and an issuer identification number of
/// a known scheme (Visa, Mastercard incl. 2-series, Amex, Discover, JCB,
/// Diners, UnionPay, Maestro, mada).
pub fn card_valid(d: &[u8]) -> bool {
    let n = d.len();
    if !(12..=19).contains(&n) || !luhn_valid(d) {
        return false;
    }
    if is_test_card(d) {
        return false;
    }
    card_scheme(d).is_some()
}

/// The card scheme from the issuer identification number and length.
pub fn card_scheme(d: &[u8]) -> Option<&'static str> {
    let n = d.len();
    let p = |k: usize| -> u32 {
        d[..k.min(n)]
            .iter()
            .fold(0u32, |a, &c| a * 10 + u32::from(c - b'0'))
    };
    let p6 = p(6);
    if MADA_BINS.contains(&p6) && n == 16 {
        return Some("mada");
    }
    let (p1, p2, p3, p4) = (p(1), p(2), p(3), p(4));
    if p1 == 4 && matches!(n, 13 | 16 | 19) {
        return Some("visa");
    }
    if ((51..=55).contains(&p2) || (2221..=2720).contains(&p4)) && n == 16 {
        return Some("mastercard");
    }
    if (p2 == 34 || p2 == 37) && n == 15 {
        return Some("amex");
    }
    if (p4 == 6011 || p2 == 65 || (644..=649).contains(&p3)) && (16..=19).contains(&n) {
        return Some("discover");
    }
    if (3528..=3589).contains(&p4) && (16..=19).contains(&n) {
        return Some("jcb");
    }
    if ((300..=305).contains(&p3) || p2 == 36 || p2 == 38 || p2 == 39) && (14..=19).contains(&n) {
        return Some("diners");
    }
    if p2 == 62 && (16..=19).contains(&n) {
        return Some("unionpay");
    }
    if (p2 == 50 || (56..=58).contains(&p2) || p1 == 6) && (12..=19).contains(&n) {
        return Some("maestro");
    }
    None
}

/// mada (Saudi debit) BINs, a common subset.
const MADA_BINS: &[u32] = &[
    440647, 440795, 446404, 457865, 968208, 968201, 968202, 968203, 968204, 968205, 968206, 968207,
    968209, 968210, 968211, 588845, 588848, 588850, 589005, 636120, 417633, 468540, 468541, 468542,
    468543, 483010, 483011, 483012, 489317, 489318, 489319, 504300, 508160, 521076, 529415, 535825,
    543085, 549760, 554180, 557606, 558848, 585265, 604906, 605141,
];

/// Published test card numbers (scheme documentation): reserved, not PII.
fn is_test_card(d: &[u8]) -> bool {
    const TEST: &[&[u8]] = &[
        b"4111111111111111",
        b"4242424242424242",
        b"4012888888881881",
        b"4000056655665556",
        b"5555555555554444",
        b"5105105105105100",
        b"2223003122003222",
        b"378282246310005",
        b"371449635398431",
        b"6011111111111117",
        b"3530111333300000",
        b"30569309025904",
    ];
    TEST.contains(&d)
}

/// US SSN area/group/serial rules (SSA): area not 000, 666 or 900–999; group
/// not 00; serial not 0000; the advertising numbers and 123-45-6789 excluded.
pub fn ssn_valid(d: &[u8]) -> bool {
    if d.len() != 9 || !d.iter().all(u8::is_ascii_digit) {
        return false;
    }
    if &d[..3] == b"000" || &d[..3] == b"666" || d[0] == b'9' {
        return false;
    }
    if &d[3..5] == b"00" || &d[5..] == b"0000" {
        return false;
    }
    !matches!(d, b"078051120" | b"219099999" | b"123456789")
}

/// NANP number (area + exchange + line, 10 digits): area and exchange start
/// 2–9 and are not N11; 555-0100..0199 is reserved for fiction.
pub fn nanp_valid(d: &[u8]) -> bool {
    if d.len() != 10 || !d.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let ok3 = |s: &[u8]| s[0] >= b'2' && !(s[1] == b'1' && s[2] == b'1');
    if !ok3(&d[..3]) || !ok3(&d[3..6]) {
        return false;
    }
    !(&d[3..6] == b"555" && &d[6..8] == b"01")
}

/// Saudi mobile, national significant number: 9 digits, `5` then a carrier
/// prefix digit (0, 3–9). Landlines (`1x` + 7 digits) are accepted too.
pub fn sa_phone_nsn_valid(d: &[u8]) -> bool {
    if d.len() != 9 && d.len() != 8 {
        return false;
    }
    if !d.iter().all(u8::is_ascii_digit) {
        return false;
    }
    if d.len() == 9 {
        d[0] == b'5' && matches!(d[1], b'0' | b'3'..=b'9')
    } else {
        d[0] == b'1' && matches!(d[1], b'1'..=b'7')
    }
}

/// ICD-10 (WHO / ICD-10-CM) code structure: a category letter, two more
/// characters (digit + digit, or the few alphanumeric categories such as
/// C4A, O9A), then optionally a dot and one to four characters (digits, the
/// placeholder X, or a 7th-character extension letter).
pub fn icd10_valid(code: &[u8]) -> bool {
    let (cat, sub) = match memchr::memchr(b'.', code) {
        Some(i) => (&code[..i], Some(&code[i + 1..])),
        None => (code, None),
    };
    if cat.len() != 3 || !cat[0].is_ascii_uppercase() || !cat[1].is_ascii_digit() {
        return false;
    }
    let third_ok = cat[2].is_ascii_digit()
        || matches!(
            cat,
            b"C4A" | b"C7A" | b"C7B" | b"D3A" | b"M1A" | b"O9A" | b"Z3A"
        );
    if !third_ok {
        return false;
    }
    match sub {
        None => true,
        Some(s) => {
            (1..=4).contains(&s.len())
                && s.iter()
                    .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
                && s[0] != b'.'
        }
    }
}

/// Gregorian calendar date check (proleptic, 1 ≤ month ≤ 12, real day count).
pub fn gregorian_valid(y: u32, m: u32, d: u32) -> bool {
    if !(1..=12).contains(&m) || d == 0 {
        return false;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    d <= days
}

/// Hijri (Umm al-Qura) date shape: month 1–12, day 1–30.
pub fn hijri_valid(y: u32, m: u32, d: u32) -> bool {
    (1300..=1500).contains(&y) && (1..=12).contains(&m) && (1..=30).contains(&d)
}

/// True for obviously fake test values: one repeated digit, or a run of
/// consecutive ascending or descending digits over the whole value.
pub fn is_obvious_test_digits(d: &[u8]) -> bool {
    if d.len() < 6 {
        return false;
    }
    let all_same = d.iter().all(|&c| c == d[0]);
    let asc = d.windows(2).all(|w| (w[1] + 10 - w[0]) % 10 == 1);
    let desc = d.windows(2).all(|w| (w[0] + 10 - w[1]) % 10 == 1);
    all_same || asc || desc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saudi_ids() {
        for good in ["1058529940", "1001244019", "1000000008"] {
            assert!(saudi_id_valid(good.as_bytes()), "{good}");
        }
        assert!(!saudi_id_valid(b"1000000000"));
        assert!(!saudi_id_valid(b"3058529940"));
    }

    #[test]
    fn ibans() {
        assert!(iban_valid(b"SA0380000000608010167519"));
        assert!(iban_valid(b"GB82WEST12345698765432"));
        assert!(!iban_valid(b"SA0480000000608010167519"));
        let cd = iban_check_digits(b"SA", b"80000000608010167519");
        assert_eq!(&cd, b"03");
    }

    #[test]
    fn cards_ssn_icd() {
        assert!(card_valid(b"4539578763621486"));
        assert!(!card_valid(b"4111111111111111"), "published test card");
        assert!(!card_valid(b"4539578763621487"));
        assert!(ssn_valid(b"536225477"));
        assert!(!ssn_valid(b"666225477"));
        assert!(!ssn_valid(b"536005477"));
        assert!(icd10_valid(b"E11.9"));
        assert!(icd10_valid(b"O9A.211"));
        assert!(icd10_valid(b"I10"));
        assert!(!icd10_valid(b"E1.9"));
        assert!(!icd10_valid(b"E11."));
        assert!(nanp_valid(b"2125551234"));
        assert!(!nanp_valid(b"2125550123"));
        assert!(!nanp_valid(b"1125551234"));
    }
}
