//! Free-text detection: one left-to-right pass over the bytes. Candidates
//! start only at token boundaries; a shape match is handed to a validator
//! and to context rules, and only what they accept is reported.
//!
//! Some values are ambiguous on their own: a Luhn-valid 10-digit number
//! starting with 1 is also a plausible Unix time, `B20` is also a room
//! number, a bare date is also an appointment. Without context naming them,
//! these are kept only when the same text also identifies a person (a name,
//! ID, contact detail or record number): that is when they become PHI.

use crate::context::{ctx_any, ctx_any_skip_digits, prev_words, word_in};
use crate::names;
use crate::validate;
use crate::{Confidence, Detection, Entity};
use memchr::memchr_iter;

/// Finds personal and health data in `text`, sorted by position.
pub fn detect_text(text: &str) -> Vec<Detection> {
    detect_text_with_hint(text, None)
}

/// Like [`detect_text`], with the column or field's entity as context: a
/// value in a `national_id` column needs no "ID" word before it.
pub fn detect_text_with_hint(text: &str, hint: Option<Entity>) -> Vec<Detection> {
    let mut out = Vec::new();
    detect_into(text, hint, &mut out);
    out
}

const ID_WORDS: &[&str] = &[
    "id",
    "nid",
    "iqama",
    "identity",
    "national",
    "nationalid",
    "hawiya",
    "resident",
    "residency",
    "هوية",
    "الهوية",
    "الإقامة",
    "إقامة",
    "اقامة",
    "الاقامة",
    "المدني",
    "السجل",
];
const TIME_WORDS: &[&str] = &[
    "epoch",
    "ts",
    "timestamp",
    "time",
    "unix",
    "created",
    "updated",
    "modified",
    "expires",
    "exp",
    "iat",
    "nbf",
    "since",
    "seconds",
    "secs",
    "ms",
    "date",
    "at",
    "until",
    "mtime",
];
const MRN_WORDS: &[&str] = &[
    "mrn",
    "record",
    "records",
    "clinic",
    "chart",
    "patient",
    "pt",
    "file",
    "mr",
    "emr",
    "ehr",
    "hospital",
    "الملف",
    "ملف",
    "الطبي",
    "السجل",
];
const SSN_WORDS: &[&str] = &["ssn", "social", "security", "ss", "tin"];
const DOB_WORDS: &[&str] = &[
    "dob",
    "born",
    "birth",
    "birthdate",
    "birthday",
    "b",
    "الميلاد",
    "ميلاد",
    "مواليد",
    "الولادة",
];
const ICD_WORDS: &[&str] = &[
    "icd",
    "icd10",
    "dx",
    "hx",
    "diagnosis",
    "diagnoses",
    "diagnosed",
    "code",
    "codes",
    "التشخيص",
    "تشخيص",
    "ddx",
];
const ICD_NEG: &[&str] = &[
    "room", "bed", "ward", "gate", "flight", "seat", "floor", "bay", "unit", "model", "version",
    "build", "step", "row", "column", "sheet", "block", "level", "zone", "platform", "cell", "ver",
];
const VERSION_WORDS: &[&str] = &[
    "build", "version", "ver", "release", "upgrade", "upgraded", "v", "app", "firmware", "sdk",
    "tag", "tagged", "kernel", "rev", "revision", "package", "pkg", "release", "patch",
];
const IP_WORDS: &[&str] = &[
    "ip", "ipv4", "ipv6", "addr", "address", "host", "client", "remote", "login",
];
const LATIN_CUES: &[&str] = &[
    "patient",
    "pt",
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "prof",
    "son",
    "daughter",
    "wife",
    "husband",
    "kin",
    "guardian",
    "mother",
    "father",
    "brother",
    "sister",
    "name",
    "dear",
    "hi",
    "hello",
    "sir",
    "madam",
    "nurse",
    "caregiver",
    "am",
    "named",
    "called",
    "patients",
];
const AR_CUES: &[&str] = &[
    "المريض",
    "المريضة",
    "للمريض",
    "للمريضة",
    "السيد",
    "السيدة",
    "الأستاذ",
    "الاستاذ",
    "الأستاذة",
    "الدكتور",
    "الدكتورة",
    "د",
    "اسم",
    "الاسم",
    "إبلاغ",
    "ابلاغ",
    "زوجة",
    "زوج",
    "الطفل",
    "الطفلة",
    "المواطن",
    "المواطنة",
    "المقيم",
    "المقيمة",
    "الأخ",
    "الأخت",
    "والد",
    "والدة",
    "تحويل",
];
const LATIN_STOP: &[&str] = &[
    "The",
    "A",
    "An",
    "And",
    "Or",
    "Of",
    "In",
    "On",
    "At",
    "To",
    "For",
    "With",
    "From",
    "By",
    "Is",
    "Was",
    "MRN",
    "DOB",
    "ID",
    "ICD",
    "SSN",
    "IBAN",
    "IP",
    "Patient",
    "Pt",
    "Dr",
    "Mr",
    "Mrs",
    "Ms",
    "Email",
    "Phone",
    "Call",
    "Called",
    "Contact",
    "Plan",
    "Order",
    "Build",
    "Record",
    "Lab",
    "Refund",
    "Referral",
    "Discharge",
    "Translate",
    "Draft",
    "Write",
    "Summarize",
    "Classify",
    "Debug",
    "Extract",
    "Here",
    "Why",
    "You",
    "Keep",
    "Continue",
    "Follow",
    "No",
    "Next",
    "Iqama",
    "National",
    "Telehealth",
    "English",
    "Arabic",
    "SMS",
    "Saudi",
    "Arabia",
    "Riyadh",
    "Jeddah",
    "Dammam",
    "Mecca",
    "Makkah",
    "Medina",
    "Hospital",
    "Clinic",
    "Center",
    "Centre",
    "Street",
    "Road",
    "Avenue",
    "King",
    "Prince",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Inc",
    "Ltd",
    "LLC",
    "Co",
    "Corp",
    "Bank",
    "University",
    "Ministry",
    "Health",
    "Care",
    "Insurance",
    "Department",
    "Dept",
    "Unit",
    "Ward",
    "Room",
    "Not",
    "Yes",
    "Thanks",
    "Thank",
    "Please",
];
const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const MONTHS_LONG: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// A detection that stands only when the text also identifies a person.
struct Pending(Detection);

struct Scan<'a> {
    text: &'a str,
    b: &'a [u8],
    hint: Option<Entity>,
    pending: Vec<Pending>,
}

fn det(
    entity: Entity,
    start: usize,
    end: usize,
    confidence: Confidence,
    validator: &'static str,
) -> Detection {
    Detection {
        entity,
        span: start..end,
        confidence,
        validator,
    }
}

pub(crate) fn detect_into(text: &str, hint: Option<Entity>, out: &mut Vec<Detection>) {
    detect_into_opts(text, hint, false, out);
}

/// With `reserved`, e-mail addresses at reserved example domains are
/// reported too (low confidence): redaction before a prompt leaves the
/// boundary removes them anyway, while dataset findings leave them out.
pub(crate) fn detect_into_opts(
    text: &str,
    hint: Option<Entity>,
    reserved: bool,
    out: &mut Vec<Detection>,
) {
    let base = out.len();
    let b = text.as_bytes();
    if hint == Some(Entity::Person) {
        if let Some(d) = whole_cell_name(text) {
            out.push(d);
            return;
        }
    }
    let mut emails: Vec<Detection> = Vec::new();
    for at in memchr_iter(b'@', b) {
        if emails.last().is_some_and(|e| e.span.end > at) {
            continue;
        }
        if let Some((s, e, is_reserved)) = email_at(b, at) {
            if !is_reserved {
                emails.push(det(Entity::Email, s, e, Confidence::High, "email-syntax"));
            } else if reserved {
                emails.push(det(
                    Entity::Email,
                    s,
                    e,
                    Confidence::Low,
                    "email-syntax+reserved-domain",
                ));
            }
        }
    }
    if memchr::memchr(b':', b).is_some() {
        let before = emails.len();
        ipv6_scan(text, hint, reserved, &mut emails);
        if emails.len() > before && before > 0 {
            // keep the skip list sorted and non-overlapping (an address
            // never overlaps an e-mail: `@` ends an IPv6 candidate)
            let (e, v6) = emails.split_at(before);
            let v6: Vec<Detection> = v6
                .iter()
                .filter(|d| {
                    !e.iter()
                        .any(|m| m.span.start < d.span.end && d.span.start < m.span.end)
                })
                .cloned()
                .collect();
            emails.truncate(before);
            emails.extend(v6);
            emails.sort_by_key(|d| d.span.start);
        }
    }
    let mut sc = Scan {
        text,
        b,
        hint,
        pending: Vec::new(),
    };
    let n = b.len();
    let mut i = 0;
    let mut ei = 0;
    while i < n {
        while ei < emails.len() && emails[ei].span.end <= i {
            ei += 1;
        }
        if ei < emails.len() && i >= emails[ei].span.start {
            i = emails[ei].span.end;
            continue;
        }
        let c = b[i];
        match c {
            b'0'..=b'9' | b'+' | b'(' => {
                if boundary_before(b, i) {
                    if let Some(next) = sc.numeric(i, out) {
                        i = next;
                        continue;
                    }
                }
                i = if c.is_ascii_digit() {
                    skip_token(b, i)
                } else {
                    i + 1
                };
            }
            b'A'..=b'Z' => {
                if boundary_before(b, i) {
                    if let Some(next) = sc.upper(i, out) {
                        i = next;
                        continue;
                    }
                }
                i = skip_token(b, i);
            }
            b'a'..=b'z' => {
                if boundary_before(b, i) && matches!(hint, Some(Entity::Person)) {
                    if let Some(next) = sc.upper(i, out) {
                        i = next;
                        continue;
                    }
                }
                i = skip_token(b, i);
            }
            0xD8..=0xDB => {
                if let Some(next) = sc.arabic(i, out) {
                    i = next;
                    continue;
                }
                i = skip_arabic_word(text, i);
            }
            _ => i += 1,
        }
    }
    out.extend(emails.into_iter().filter(|d| !d.validator.is_empty()));
    if !sc.pending.is_empty() {
        let anchored = out[base..].iter().any(|d| {
            matches!(
                d.entity,
                Entity::Person
                    | Entity::Email
                    | Entity::PhoneSa
                    | Entity::PhoneUs
                    | Entity::Phone
                    | Entity::SaNationalId
                    | Entity::Iban
                    | Entity::CreditCard
                    | Entity::UsSsn
                    | Entity::Mrn
            )
        });
        if anchored {
            out.extend(sc.pending.into_iter().map(|p| p.0));
        }
    }
    if out.len() - base > 1 {
        out[base..].sort_by_key(|d| (d.span.start, d.span.end));
    }
}

#[inline]
fn boundary_before(b: &[u8], i: usize) -> bool {
    if i == 0 {
        return true;
    }
    let p = b[i - 1];
    !(p.is_ascii_alphanumeric()
        || matches!(p, b'_' | b'.' | b'-' | b'/' | b'#' | b'@' | b'+' | b'\\'))
}

#[inline]
fn boundary_after(b: &[u8], e: usize) -> bool {
    if e >= b.len() {
        return true;
    }
    let c = b[e];
    if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'@') {
        return false;
    }
    // "12.5" / "12-3" / "12/3" continue the token
    if matches!(c, b'.' | b'-' | b'/' | b':') && e + 1 < b.len() && b[e + 1].is_ascii_digit() {
        return false;
    }
    true
}

/// Skips an ASCII token: letters, digits, `_`, and `-` `.` `'` between them.
#[inline]
fn skip_token(b: &[u8], mut i: usize) -> usize {
    let n = b.len();
    i += 1;
    while i < n {
        let c = b[i];
        if c.is_ascii_alphanumeric() || c == b'_' {
            i += 1;
        } else if matches!(c, b'-' | b'.' | b'\'') && i + 1 < n && b[i + 1].is_ascii_alphanumeric()
        {
            i += 2;
        } else {
            break;
        }
    }
    i
}

fn is_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0621}'..='\u{064A}' | '\u{064B}'..='\u{0652}' | '\u{0670}'..='\u{06D3}')
}

fn arabic_word_end(text: &str, i: usize) -> usize {
    let mut e = i;
    for c in text[i..].chars() {
        if is_arabic_letter(c) {
            e += c.len_utf8();
        } else {
            break;
        }
    }
    e
}

fn skip_arabic_word(text: &str, i: usize) -> usize {
    let e = arabic_word_end(text, i);
    if e > i {
        e
    } else {
        // a non-letter Arabic-block char (digit, punctuation)
        i + text[i..].chars().next().map_or(1, char::len_utf8)
    }
}

/// Email at the `@` at byte `at`: (start, end, reserved example domain).
fn email_at(b: &[u8], at: usize) -> Option<(usize, usize, bool)> {
    let local = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-');
    let mut s = at;
    while s > 0 && local(b[s - 1]) && at - s < 64 {
        s -= 1;
    }
    while s < at && b[s] == b'.' {
        s += 1;
    }
    if s == at {
        return None;
    }
    let mut e = at + 1;
    while e < b.len()
        && (b[e].is_ascii_alphanumeric() || b[e] == b'.' || b[e] == b'-')
        && e - at < 255
    {
        e += 1;
    }
    while e > at + 1 && matches!(b[e - 1], b'.' | b'-') {
        e -= 1;
    }
    let domain = &b[at + 1..e];
    let dot = domain.iter().rposition(|&c| c == b'.')?;
    let tld = &domain[dot + 1..];
    if tld.len() < 2 || !tld.iter().all(u8::is_ascii_alphabetic) || dot == 0 {
        return None;
    }
    Some((s, e, reserved_domain(domain)))
}

/// RFC 2606 / 6761 names reserved for documentation and tests.
fn reserved_domain(d: &[u8]) -> bool {
    let lower: Vec<u8> = d.iter().map(u8::to_ascii_lowercase).collect();
    let l = lower.as_slice();
    for base in [&b"example.com"[..], b"example.net", b"example.org"] {
        if l == base
            || (l.len() > base.len() && l.ends_with(base) && l[l.len() - base.len() - 1] == b'.')
        {
            return true;
        }
    }
    for tld in [
        &b".test"[..],
        b".example",
        b".invalid",
        b".localhost",
        b".local",
    ] {
        if l.ends_with(tld) {
            return true;
        }
    }
    false
}

/// IPv6 literals. Like e-mail (`@`), detection starts from a rare byte:
/// `memchr` finds each `:` and two neighbouring bytes reject most of them
/// (JSON `"k":"v"`, `http:`, `std::`), so text without IPv6 costs one
/// `memchr` pass. A candidate is the run of hex digits, `:` and `.` around
/// the colon; a cheap shape check (at most 45 bytes, a `::` or 7 colons,
/// or 6 colons and a dotted IPv4 tail) runs before `Ipv6Addr` parsing.
/// Brackets (`[2001:db8::1]:443`) and a zone id (`%eth0`) end the address;
/// the span covers the address only.
///
/// Look-alikes rejected: MAC / EUI-64 (every group two hex digits, no
/// `::`), times (`12:30:45` fails the shape check), `::` alone, code paths
/// (`std::vector` has a letter before the run; `a::b` has at most two
/// groups and no decimal digit, which real compressed addresses such as
/// `fd00::1` have), digests and versions without colons (never candidates).
///
/// Not personal data, never reported: unspecified `::`, loopback `::1`
/// (and IPv4-mapped loopback), link-local `fe80::/10` (valid only on one
/// link, usually auto-configured and not routable, so it cannot locate or
/// contact a person from outside that link), and multicast `ff00::/8`
/// (names a group, not a host). The documentation ranges `2001:db8::/32`
/// and `3fff::/20` are reserved example data, like `example.com` e-mail:
/// left out of findings, reported at low confidence when `reserved` is
/// set (redaction).
fn ipv6_scan(text: &str, hint: Option<Entity>, reserved: bool, out: &mut Vec<Detection>) {
    let b = text.as_bytes();
    let n = b.len();
    let mut resume = 0;
    for p in memchr_iter(b':', b) {
        if p < resume {
            continue;
        }
        // left: at most 4 hex digits (the first group), then a boundary
        let mut s = p;
        while s > 0 && p - s < 5 && b[s - 1].is_ascii_hexdigit() {
            s -= 1;
        }
        if p - s > 4 || (s == p && b.get(p + 1) != Some(&b':')) || !ipv6_boundary_before(b, s) {
            continue;
        }
        let mut e = p + 1;
        while e < n && e - s <= 45 && (b[e].is_ascii_hexdigit() || matches!(b[e], b':' | b'.')) {
            e += 1;
        }
        resume = e;
        if e - s > 45 {
            // a longer colon-hex run (fingerprint, dump): skip all of it
            while resume < n && (b[resume].is_ascii_hexdigit() || matches!(b[resume], b':' | b'.'))
            {
                resume += 1;
            }
            continue;
        }
        while e > s && b[e - 1] == b'.' {
            e -= 1;
        }
        if e - s > 2 && b[e - 1] == b':' && b[e - 2] != b':' {
            e -= 1; // "address fd12::1: ok"
        }
        if e < n && (b[e].is_ascii_alphanumeric() || matches!(b[e], b'_' | b'@')) {
            continue;
        }
        let Some((conf, validator)) = ipv6_classify(text, s, &b[s..e], hint) else {
            continue;
        };
        // an address that is not reported still hides its bytes from the
        // other detectors (the IPv4 tail of `::ffff:127.0.0.1`): it goes in
        // the skip list with an empty validator and is dropped afterwards
        let report = !validator.is_empty() && (reserved || validator != IPV6_DOC);
        out.push(det(
            Entity::Ipv6,
            s,
            e,
            conf,
            if report { validator } else { "" },
        ));
    }
}

#[inline]
fn ipv6_boundary_before(b: &[u8], s: usize) -> bool {
    s == 0
        || !(b[s - 1].is_ascii_alphanumeric()
            || matches!(b[s - 1], b'_' | b'.' | b'-' | b':' | b'@'))
}

const IPV6_DOC: &str = "ipv6-parse+documentation-range";

/// Validates one candidate: `None` when it is not an IPv6 address; an
/// empty validator for an address that is not personal data; [`IPV6_DOC`]
/// for a documentation-range address.
fn ipv6_classify(
    text: &str,
    s: usize,
    c: &[u8],
    hint: Option<Entity>,
) -> Option<(Confidence, &'static str)> {
    let colons = c.iter().filter(|&&x| x == b':').count();
    let dc = c.windows(2).any(|w| w == b"::");
    let dotted = c.contains(&b'.');
    if !dc && colons != 7 && !(colons == 6 && dotted) {
        return None;
    }
    let a: std::net::Ipv6Addr = std::str::from_utf8(c).ok()?.parse().ok()?;
    let groups = c.split(|&x| x == b':').filter(|g| !g.is_empty());
    let (mut ng, mut long, mut all_two) = (0, false, true);
    for g in groups {
        ng += 1;
        long |= g.len() >= 3;
        all_two &= g.len() == 2;
    }
    if !dc && all_two {
        return None; // EUI-64 / MAC-style
    }
    if ng <= 2 && !(long && c.iter().any(u8::is_ascii_digit)) {
        return None; // `a::b`, `A::B`, `ab::cd`: code paths, not addresses
    }
    let seg = a.segments();
    if a.is_unspecified()
        || a.is_loopback()
        || seg[0] & 0xffc0 == 0xfe80
        || seg[0] & 0xff00 == 0xff00
    {
        return Some((Confidence::Low, ""));
    }
    if let Some(v4) = a.to_ipv4_mapped() {
        if v4.is_loopback() || v4.is_unspecified() {
            return Some((Confidence::Low, ""));
        }
    }
    if (seg[0] == 0x2001 && seg[1] == 0x0db8) || seg[0] & 0xfff0 == 0x3ff0 {
        return Some((Confidence::Low, IPV6_DOC));
    }
    let ctx =
        matches!(hint, Some(Entity::Ipv4 | Entity::Ipv6)) || ctx_any(text, s, 1, 16, IP_WORDS);
    let conf = if ctx || ng >= 4 {
        Confidence::High
    } else {
        Confidence::Medium
    };
    Some((conf, "ipv6-parse"))
}

/// Up to 8 digit groups with one kind of separator.
struct Groups {
    g: [(usize, usize); 8],
    n: usize,
    sep: Option<u8>,
}

impl Groups {
    fn lens(&self) -> ([usize; 8], usize) {
        let mut l = [0usize; 8];
        for (o, g) in l.iter_mut().zip(&self.g[..self.n]) {
            *o = g.1 - g.0;
        }
        (l, self.n)
    }
    fn end(&self) -> usize {
        self.g[self.n - 1].1
    }
    fn digits(&self, b: &[u8], buf: &mut [u8; 32]) -> usize {
        let mut k = 0;
        for &(s, e) in &self.g[..self.n] {
            for &c in &b[s..e] {
                if k < 32 {
                    buf[k] = c;
                    k += 1;
                }
            }
        }
        k
    }
    fn num(&self, b: &[u8], k: usize) -> u32 {
        let (s, e) = self.g[k];
        b[s..e]
            .iter()
            .take(9)
            .fold(0u32, |a, &c| a * 10 + u32::from(c - b'0'))
    }
}

fn read_groups(b: &[u8], mut j: usize) -> Groups {
    let n = b.len();
    let mut g = Groups {
        g: [(0, 0); 8],
        n: 0,
        sep: None,
    };
    loop {
        let s = j;
        while j < n && b[j].is_ascii_digit() {
            j += 1;
        }
        g.g[g.n] = (s, j);
        g.n += 1;
        if g.n == 8 || j + 1 >= n {
            break;
        }
        let c = b[j];
        if matches!(c, b' ' | b'-' | b'.' | b'/')
            && g.sep.is_none_or(|s| s == c)
            && b[j + 1].is_ascii_digit()
        {
            g.sep = Some(c);
            j += 1;
        } else {
            break;
        }
    }
    g
}

struct Hit {
    entity: Entity,
    conf: Confidence,
    validator: &'static str,
    pending: bool,
    /// extra bytes after the groups that belong to the value (Hijri suffix)
    end: usize,
}

impl Scan<'_> {
    fn emit(&mut self, out: &mut Vec<Detection>, start: usize, h: Hit) -> usize {
        let d = det(h.entity, start, h.end, h.conf, h.validator);
        if h.pending {
            self.pending.push(Pending(d));
        } else {
            out.push(d);
        }
        h.end
    }

    fn numeric(&mut self, i: usize, out: &mut Vec<Detection>) -> Option<usize> {
        let b = self.b;
        let n = b.len();
        match b[i] {
            b'+' => {
                if i + 1 >= n || !b[i + 1].is_ascii_digit() {
                    return None;
                }
                let g = read_groups(b, i + 1);
                if g.sep == Some(b'/') || g.sep == Some(b'.') && g.n > 1 {
                    return None;
                }
                let mut buf = [0u8; 32];
                let k = g.digits(b, &mut buf);
                let d = &buf[..k];
                let e = g.end();
                if !boundary_after(b, e) {
                    return None;
                }
                let hit = if d.starts_with(b"966") && validate::sa_phone_nsn_valid(&d[3..]) {
                    Some((Entity::PhoneSa, Confidence::High, "e164+sa-numbering"))
                } else if d.len() == 11 && d[0] == b'1' && validate::nanp_valid(&d[1..]) {
                    Some((Entity::PhoneUs, Confidence::High, "e164+nanp"))
                } else if (8..=15).contains(&d.len())
                    && d[0] != b'0'
                    && !validate::is_obvious_test_digits(d)
                {
                    Some((Entity::Phone, Confidence::Medium, "e164"))
                } else {
                    None
                };
                let (entity, conf, validator) = hit?;
                return Some(self.emit(
                    out,
                    i,
                    Hit {
                        entity,
                        conf,
                        validator,
                        pending: false,
                        end: e,
                    },
                ));
            }
            b'(' => {
                // (AAA) EEE-SSSS
                if i + 13 < n + 1
                    && b.len() >= i + 5
                    && b[i + 1..i + 4].iter().all(u8::is_ascii_digit)
                    && b[i + 4] == b')'
                {
                    let mut j = i + 5;
                    if j < n && b[j] == b' ' {
                        j += 1;
                    }
                    if j + 8 <= n
                        && b[j..j + 3].iter().all(u8::is_ascii_digit)
                        && matches!(b[j + 3], b'-' | b' ' | b'.')
                        && b[j + 4..j + 8].iter().all(u8::is_ascii_digit)
                        && boundary_after(b, j + 8)
                    {
                        let mut d = [0u8; 10];
                        d[..3].copy_from_slice(&b[i + 1..i + 4]);
                        d[3..6].copy_from_slice(&b[j..j + 3]);
                        d[6..].copy_from_slice(&b[j + 4..j + 8]);
                        if validate::nanp_valid(&d) {
                            let h = Hit {
                                entity: Entity::PhoneUs,
                                conf: Confidence::High,
                                validator: "nanp",
                                pending: false,
                                end: j + 8,
                            };
                            return Some(self.emit(out, i, h));
                        }
                    }
                }
                return None;
            }
            _ => {}
        }
        let g = read_groups(b, i);
        if let Some(h) = self.classify(i, &g) {
            return Some(self.emit(out, i, h));
        }
        if g.n > 1 && g.sep == Some(b' ') {
            let first = Groups {
                g: g.g,
                n: 1,
                sep: None,
            };
            if let Some(h) = self.classify(i, &first) {
                return Some(self.emit(out, i, h));
            }
        }
        None
    }

    fn classify(&self, i: usize, g: &Groups) -> Option<Hit> {
        let b = self.b;
        let text = self.text;
        let e = g.end();
        let (l, ng) = g.lens();
        let mut buf = [0u8; 32];
        let k = g.digits(b, &mut buf);
        let d = &buf[..k];
        let hint = self.hint;
        let hit = |entity, conf, validator| {
            Some(Hit {
                entity,
                conf,
                validator,
                pending: false,
                end: e,
            })
        };

        // dates are checked before the boundary: "12 Mar 1985", Hijri suffix
        if ng == 1 && (1..=2).contains(&l[0]) {
            return self.month_name_date(i, g.num(b, 0), e);
        }
        if matches!(g.sep, Some(b'/') | Some(b'-') | Some(b'.')) && ng == 3 {
            if let Some(h) = self.numeric_date(i, g) {
                return Some(h);
            }
        }
        if !boundary_after(b, e) {
            return None;
        }
        match (g.sep, ng) {
            (None, 1) => {
                let len = l[0];
                if validate::is_obvious_test_digits(d) {
                    return None;
                }
                if len == 10 && d[0] == b'0' && validate::sa_phone_nsn_valid(&d[1..]) {
                    return hit(Entity::PhoneSa, Confidence::High, "sa-numbering");
                }
                if len == 12 && d.starts_with(b"966") && validate::sa_phone_nsn_valid(&d[3..]) {
                    return hit(Entity::PhoneSa, Confidence::Medium, "sa-numbering");
                }
                if len == 14 && d.starts_with(b"00966") && validate::sa_phone_nsn_valid(&d[5..]) {
                    return hit(Entity::PhoneSa, Confidence::High, "sa-numbering");
                }
                if len == 10 && matches!(d[0], b'1' | b'2') && validate::luhn_valid(d) {
                    return self.saudi_id(i, d, e);
                }
                if (12..=19).contains(&len) && validate::card_valid(d) {
                    return hit(Entity::CreditCard, Confidence::High, "luhn+iin");
                }
                if len == 9
                    && (hint == Some(Entity::UsSsn) || ctx_any(text, i, 3, 40, SSN_WORDS))
                    && validate::ssn_valid(d)
                {
                    return hit(Entity::UsSsn, Confidence::High, "ssa-ranges+context");
                }
                if len == 10
                    && matches!(hint, Some(Entity::PhoneUs) | Some(Entity::Phone))
                    && validate::nanp_valid(d)
                {
                    return hit(Entity::PhoneUs, Confidence::Medium, "nanp+column");
                }
                if (5..=12).contains(&len)
                    && (hint == Some(Entity::Mrn) || ctx_any(text, i, 3, 48, MRN_WORDS))
                {
                    return hit(Entity::Mrn, Confidence::Medium, "mrn-context");
                }
                if len == 8 && hint == Some(Entity::Dob) {
                    let (y, m, dd) = (
                        g.num(b, 0) / 10000,
                        g.num(b, 0) / 100 % 100,
                        g.num(b, 0) % 100,
                    );
                    if (1900..=2030).contains(&y) && validate::gregorian_valid(y, m, dd) {
                        return hit(Entity::Dob, Confidence::Medium, "date+column");
                    }
                }
                None
            }
            (Some(b'-'), 3) if l[..3] == [3, 2, 4] => {
                if validate::ssn_valid(d) {
                    let c = if ctx_any(text, i, 3, 40, SSN_WORDS) || hint == Some(Entity::UsSsn) {
                        Confidence::High
                    } else {
                        Confidence::Medium
                    };
                    return hit(Entity::UsSsn, c, "ssa-ranges");
                }
                None
            }
            (Some(b' '), 3) if l[..3] == [3, 2, 4] => {
                if validate::ssn_valid(d)
                    && (hint == Some(Entity::UsSsn) || ctx_any(text, i, 3, 40, SSN_WORDS))
                {
                    return hit(Entity::UsSsn, Confidence::High, "ssa-ranges+context");
                }
                None
            }
            (Some(b'-') | Some(b' ') | Some(b'.'), 3) if l[..3] == [3, 3, 4] => {
                if d[0] == b'0' && validate::sa_phone_nsn_valid(&d[1..]) {
                    return hit(Entity::PhoneSa, Confidence::High, "sa-numbering");
                }
                if validate::nanp_valid(d) {
                    return hit(Entity::PhoneUs, Confidence::High, "nanp");
                }
                None
            }
            (Some(b' ') | Some(b'-'), 4) if l[..4] == [4, 4, 4, 4] => {
                if validate::card_valid(d) {
                    return hit(Entity::CreditCard, Confidence::High, "luhn+iin");
                }
                None
            }
            (Some(b' ') | Some(b'-'), 3) if l[..3] == [4, 6, 5] || l[..3] == [4, 6, 4] => {
                if validate::card_valid(d) {
                    return hit(Entity::CreditCard, Confidence::High, "luhn+iin");
                }
                None
            }
            (Some(b' ') | Some(b'-'), 5) if l[..5] == [4, 4, 4, 4, 3] => {
                if validate::card_valid(d) {
                    return hit(Entity::CreditCard, Confidence::High, "luhn+iin");
                }
                None
            }
            (Some(b'.'), 4) => self.ipv4(i, g),
            _ => None,
        }
    }

    fn saudi_id(&self, i: usize, d: &[u8], e: usize) -> Option<Hit> {
        let text = self.text;
        let mk = |conf, validator, pending| {
            Some(Hit {
                entity: Entity::SaNationalId,
                conf,
                validator,
                pending,
                end: e,
            })
        };
        if self.hint == Some(Entity::SaNationalId) || ctx_any(text, i, 4, 48, ID_WORDS) {
            return mk(Confidence::High, "luhn+saudi-id+context", false);
        }
        if ctx_any(text, i, 2, 24, TIME_WORDS) {
            return None; // a Luhn-valid Unix time is not an ID
        }
        if d[0] == b'2' {
            return mk(Confidence::Medium, "luhn+saudi-id", false);
        }
        mk(Confidence::Medium, "luhn+saudi-id+linked", true)
    }

    fn ipv4(&self, i: usize, g: &Groups) -> Option<Hit> {
        let b = self.b;
        for k in 0..4 {
            let (s, e) = g.g[k];
            if e - s > 3 || (e - s > 1 && b[s] == b'0') || g.num(b, k) > 255 {
                return None;
            }
        }
        let text = self.text;
        let ip_ctx = self.hint == Some(Entity::Ipv4) || ctx_any(text, i, 1, 16, IP_WORDS);
        if !ip_ctx && ctx_any_skip_digits(text, i, 3, 64, VERSION_WORDS) {
            return None;
        }
        if g.num(b, 0) == 0 {
            return None;
        }
        let conf = if ip_ctx {
            Confidence::High
        } else {
            Confidence::Medium
        };
        Some(Hit {
            entity: Entity::Ipv4,
            conf,
            validator: "ipv4-octets",
            pending: false,
            end: g.end(),
        })
    }

    /// `Y-M-D`, `Y/M/D` (Gregorian or Hijri), `D/M/Y`, `M/D/Y`, `D.M.Y`.
    fn numeric_date(&self, i: usize, g: &Groups) -> Option<Hit> {
        let b = self.b;
        let (l, _) = g.lens();
        let (a, m, c) = (g.num(b, 0), g.num(b, 1), g.num(b, 2));
        let mut e = g.end();
        let mut hijri = false;
        let valid = if l[0] == 4 && (1..=2).contains(&l[1]) && (1..=2).contains(&l[2]) {
            if g.sep == Some(b'.') {
                false // Y.M.D with dots is a version string far more often than a date
            } else if (1300..=1500).contains(&a) {
                hijri = validate::hijri_valid(a, m, c);
                hijri
            } else {
                (1900..=2030).contains(&a) && validate::gregorian_valid(a, m, c)
            }
        } else if (1..=2).contains(&l[0]) && (1..=2).contains(&l[1]) && l[2] == 4 {
            (1900..=2030).contains(&c)
                && (validate::gregorian_valid(c, m, a) || validate::gregorian_valid(c, a, m))
        } else {
            false
        };
        if !valid {
            return None;
        }
        // Hijri era suffix "هـ" (optionally after a space)
        let rest = &self.text[e..];
        let suffix = ["هـ", " هـ", "ه", " ه"].iter().find(|s| {
            rest.starts_with(*s)
                && rest[s.len()..]
                    .chars()
                    .next()
                    .is_none_or(|ch| !is_arabic_letter(ch))
        });
        if let Some(s) = suffix {
            e += s.len();
            hijri = true;
        } else if !boundary_after(b, e) {
            return None;
        }
        // a time after the date makes it a timestamp, not a birth date
        if e + 3 < b.len()
            && b[e] == b' '
            && b[e + 1].is_ascii_digit()
            && b[e + 2].is_ascii_digit()
            && b[e + 3] == b':'
        {
            return None;
        }
        if hijri
            && suffix.is_none()
            && !ctx_any(self.text, i, 4, 64, &["هجري", "الهجري", "hijri", "ah", "h"])
        {
            // a 13xx/14xx year without the era marker or context is not known to be Hijri
            if self.hint != Some(Entity::Dob) && !ctx_any(self.text, i, 4, 48, DOB_WORDS) {
                return None;
            }
        }
        Some(self.date_hit(
            i,
            e,
            if hijri {
                "hijri-date"
            } else {
                "gregorian-date"
            },
        ))
    }

    fn date_hit(&self, i: usize, e: usize, what: &'static str) -> Hit {
        if self.hint == Some(Entity::Dob) || ctx_any(self.text, i, 4, 48, DOB_WORDS) {
            let validator = if what == "hijri-date" {
                "hijri-date+dob-context"
            } else {
                "date+dob-context"
            };
            Hit {
                entity: Entity::Dob,
                conf: Confidence::High,
                validator,
                pending: false,
                end: e,
            }
        } else {
            let validator = if what == "hijri-date" {
                "hijri-date+linked"
            } else {
                "date+linked"
            };
            Hit {
                entity: Entity::Dob,
                conf: Confidence::Medium,
                validator,
                pending: true,
                end: e,
            }
        }
    }

    /// `12 Mar 1985`, `3 March 1985`.
    fn month_name_date(&self, i: usize, day: u32, e: usize) -> Option<Hit> {
        let b = self.b;
        if e >= b.len() || b[e] != b' ' {
            return None;
        }
        let (m, me) = month_at(b, e + 1)?;
        if me + 5 > b.len() || b[me] != b' ' {
            return None;
        }
        let ys = me + 1;
        if !b[ys..ys + 4].iter().all(u8::is_ascii_digit) || !boundary_after(b, ys + 4) {
            return None;
        }
        let y = b[ys..ys + 4]
            .iter()
            .fold(0u32, |a, &c| a * 10 + u32::from(c - b'0'));
        if !(1900..=2030).contains(&y) || !validate::gregorian_valid(y, m, day) {
            return None;
        }
        Some(self.date_hit(i, ys + 4, "gregorian-date"))
    }

    /// `March 12, 1985` at an upper-case letter.
    fn month_first_date(&self, i: usize) -> Option<Hit> {
        let b = self.b;
        let (m, me) = month_at(b, i)?;
        let mut j = me;
        if j >= b.len() || b[j] != b' ' {
            return None;
        }
        j += 1;
        let ds = j;
        while j < b.len() && b[j].is_ascii_digit() && j - ds < 2 {
            j += 1;
        }
        if j == ds {
            return None;
        }
        let day = b[ds..j]
            .iter()
            .fold(0u32, |a, &c| a * 10 + u32::from(c - b'0'));
        if j < b.len() && b[j] == b',' {
            j += 1;
        }
        if j >= b.len() || b[j] != b' ' {
            return None;
        }
        let ys = j + 1;
        if ys + 4 > b.len()
            || !b[ys..ys + 4].iter().all(u8::is_ascii_digit)
            || !boundary_after(b, ys + 4)
        {
            return None;
        }
        let y = b[ys..ys + 4]
            .iter()
            .fold(0u32, |a, &c| a * 10 + u32::from(c - b'0'));
        if !(1900..=2030).contains(&y) || !validate::gregorian_valid(y, m, day) {
            return None;
        }
        Some(self.date_hit(i, ys + 4, "gregorian-date"))
    }

    fn upper(&mut self, i: usize, out: &mut Vec<Detection>) -> Option<usize> {
        let b = self.b;
        let n = b.len();
        let at = |k: usize| if i + k < n { b[i + k] } else { 0 };
        // IBAN: CC + 2 check digits
        if at(1).is_ascii_uppercase() && at(2).is_ascii_digit() && at(3).is_ascii_digit() {
            if let Some(e) = iban_at(b, i) {
                let h = Hit {
                    entity: Entity::Iban,
                    conf: Confidence::High,
                    validator: "mod97",
                    pending: false,
                    end: e,
                };
                return Some(self.emit(out, i, h));
            }
        }
        // MRN-00482913, MRN00482913
        if b[i..].starts_with(b"MRN") {
            let mut j = i + 3;
            if j < n && matches!(b[j], b'-' | b':' | b'#') {
                j += 1;
            }
            let ds = j;
            while j < n && b[j].is_ascii_digit() {
                j += 1;
            }
            if (4..=12).contains(&(j - ds)) && boundary_after(b, j) {
                let h = Hit {
                    entity: Entity::Mrn,
                    conf: Confidence::High,
                    validator: "mrn-prefix",
                    pending: false,
                    end: j,
                };
                return Some(self.emit(out, i, h));
            }
        }
        // letter-prefixed record numbers (H00482913) with record context
        {
            let mut j = i;
            while j < n && j - i < 3 && b[j].is_ascii_uppercase() {
                j += 1;
            }
            if j < n && b[j] == b'-' {
                j += 1;
            }
            let ds = j;
            while j < n && b[j].is_ascii_digit() {
                j += 1;
            }
            if (6..=10).contains(&(j - ds))
                && boundary_after(b, j)
                && (self.hint == Some(Entity::Mrn) || ctx_any(self.text, i, 3, 48, MRN_WORDS))
            {
                let h = Hit {
                    entity: Entity::Mrn,
                    conf: Confidence::Medium,
                    validator: "mrn-context",
                    pending: false,
                    end: j,
                };
                return Some(self.emit(out, i, h));
            }
        }
        // ICD-10: A00, E11.9, O9A.211
        if at(1).is_ascii_digit() && (at(2).is_ascii_digit() || at(2).is_ascii_uppercase()) {
            let mut j = i + 3;
            let mut dotted = false;
            if j + 1 < n
                && b[j] == b'.'
                && (b[j + 1].is_ascii_digit() || b[j + 1].is_ascii_uppercase())
            {
                j += 1;
                while j < n && (b[j].is_ascii_digit() || b[j].is_ascii_uppercase()) && j - i < 8 {
                    j += 1;
                }
                dotted = true;
            }
            if j <= n
                && boundary_after(b, j)
                && !(j < n && b[j] == b'-')
                && validate::icd10_valid(&b[i..j])
            {
                let ctx =
                    self.hint == Some(Entity::Icd10) || ctx_any(self.text, i, 4, 48, ICD_WORDS);
                let neg = ctx_any(self.text, i, 1, 16, ICD_NEG);
                if !neg {
                    let (conf, validator, pending) = if ctx {
                        (Confidence::High, "icd10-structure+context", false)
                    } else if dotted {
                        (Confidence::Medium, "icd10-structure", false)
                    } else {
                        (Confidence::Low, "icd10-structure+linked", true)
                    };
                    let h = Hit {
                        entity: Entity::Icd10,
                        conf,
                        validator,
                        pending,
                        end: j,
                    };
                    return Some(self.emit(out, i, h));
                }
            }
        }
        if let Some(h) = self.month_first_date(i) {
            return Some(self.emit(out, i, h));
        }
        let (e, conf) = self.latin_name(i)?;
        out.push(det(Entity::Person, i, e, conf, "gazetteer+structure"));
        Some(e)
    }

    fn latin_name(&self, i: usize) -> Option<(usize, Confidence)> {
        let text = self.text;
        let b = self.b;
        let e0 = latin_word_end(b, i);
        let w0 = strip_possessive(&text[i..e0]);
        let e0 = i + w0.len();
        let cap0 = is_cap(w0);
        let given0 = cap0 && names::is_given_latin(w0);
        let cue = self.hint == Some(Entity::Person) || ctx_any(text, i, 1, 20, LATIN_CUES);
        let cue_ok = cue && cap0 && !word_in(w0, LATIN_STOP) && w0.len() > 1;
        if !given0 && !cue_ok {
            return None;
        }
        let mut end = e0;
        let mut tokens = 1;
        let mut gaz = usize::from(given0 || names::is_family_latin(w0));
        loop {
            if end + 1 >= b.len() || b[end] != b' ' || !b[end + 1].is_ascii_alphabetic() {
                break;
            }
            let j = end + 1;
            let e = latin_word_end(b, j);
            let w = strip_possessive(&text[j..e]);
            let e = j + w.len();
            if word_in(
                w,
                &[
                    "bin", "bint", "ibn", "ben", "binti", "abu", "abd", "abdel", "abdul", "al",
                    "el", "van", "von", "de", "del", "da", "di", "le", "la",
                ],
            ) {
                // connector: needs a capitalised word after it
                if e + 1 < b.len() && b[e] == b' ' && b[e + 1].is_ascii_uppercase() {
                    let e2 = latin_word_end(b, e + 1);
                    let w2 = strip_possessive(&text[e + 1..e2]);
                    if is_cap(w2) && !word_in(w2, LATIN_STOP) {
                        end = e + 1 + w2.len();
                        tokens += 2;
                        gaz += 1;
                        continue;
                    }
                }
                break;
            }
            if !is_cap(w) {
                break;
            }
            let fam_struct = (w.starts_with("Al-") || w.starts_with("El-") || w.starts_with("al-"))
                && w.len() > 4;
            if fam_struct || names::is_family_latin(w) {
                end = e;
                tokens += 1;
                gaz += 1;
                if fam_struct {
                    break;
                }
                continue;
            }
            if names::is_given_latin(w) {
                end = e;
                tokens += 1;
                gaz += 1;
                continue;
            }
            if tokens == 1 && (given0 || cue) && !is_all_caps(w) && !word_in(w, LATIN_STOP) {
                end = e;
                tokens += 1;
                continue;
            }
            break;
        }
        if tokens >= 2 {
            let conf = if gaz >= 2 {
                Confidence::High
            } else {
                Confidence::Medium
            };
            return Some((end, conf));
        }
        if cue && given0 {
            return Some((end, Confidence::Medium));
        }
        None
    }

    fn arabic(&mut self, i: usize, out: &mut Vec<Detection>) -> Option<usize> {
        let text = self.text;
        let e0 = arabic_word_end(text, i);
        if e0 == i {
            return None;
        }
        let n0 = names::normalize_arabic(&text[i..e0]);
        let given0 = names::is_given_arabic(&n0) || n0 == "عبد";
        let cue = self.hint == Some(Entity::Person)
            || prev_words(text, i, 1, 40).any(|w| AR_CUES.contains(&w));
        if !given0 && !cue {
            return None;
        }
        let mut end = if n0 == "عبد" {
            self.arabic_next(e0)?.1
        } else {
            e0
        };
        let mut tokens = 1;
        let mut gaz = usize::from(given0);
        while let Some((j, e)) = self.arabic_next(end) {
            let raw = &text[j..e];
            if raw == "آل" {
                if let Some((_, e2)) = self.arabic_next(e) {
                    end = e2;
                    tokens += 2;
                    gaz += 1;
                }
                break;
            }
            let nw = names::normalize_arabic(raw);
            if matches!(nw.as_str(), "بن" | "بنت" | "ابن" | "ابو" | "عبد" | "بو") {
                if let Some((_, e2)) = self.arabic_next(e) {
                    end = e2;
                    tokens += 2;
                    continue;
                }
                break;
            }
            if names::is_family_arabic(&nw) {
                end = e;
                tokens += 1;
                gaz += 1;
                break;
            }
            if names::is_given_arabic(&nw) {
                end = e;
                tokens += 1;
                gaz += 1;
                continue;
            }
            let chars = nw.chars().count();
            if gaz >= 1 && nw.starts_with("ال") && nw.ends_with('ي') && chars >= 5 {
                // nisba family name (al-...i) after a known given name
                end = e;
                tokens += 1;
                break;
            }
            break;
        }
        if tokens >= 2 || (cue && given0) {
            let conf = if gaz >= 2 {
                Confidence::High
            } else {
                Confidence::Medium
            };
            out.push(det(Entity::Person, i, end, conf, "gazetteer+structure"));
            return Some(end);
        }
        None
    }

    /// The next Arabic word after a single space at `e`.
    fn arabic_next(&self, e: usize) -> Option<(usize, usize)> {
        let b = self.b;
        if e >= b.len() || b[e] != b' ' {
            return None;
        }
        let j = e + 1;
        if j >= b.len() || !matches!(b[j], 0xD8..=0xDB) {
            return None;
        }
        let end = arabic_word_end(self.text, j);
        (end > j).then_some((j, end))
    }
}

fn is_cap(w: &str) -> bool {
    let b = w.as_bytes();
    !b.is_empty() && b[0].is_ascii_uppercase()
}

fn is_all_caps(w: &str) -> bool {
    w.len() > 1 && w.bytes().all(|c| !c.is_ascii_lowercase())
}

fn strip_possessive(w: &str) -> &str {
    w.strip_suffix("'s")
        .or_else(|| w.strip_suffix("’s"))
        .unwrap_or(w)
}

/// End of a Latin word: letters, with `'` / `’` / `-` between letters.
fn latin_word_end(b: &[u8], i: usize) -> usize {
    let n = b.len();
    let mut j = i;
    while j < n {
        let c = b[j];
        if c.is_ascii_alphabetic() {
            j += 1;
        } else if (c == b'\'' || c == b'-') && j + 1 < n && b[j + 1].is_ascii_alphabetic() && j > i
        {
            j += 2;
        } else if c == 0xE2
            && b[j..].starts_with("’".as_bytes())
            && j + 3 < n
            && b[j + 3].is_ascii_alphabetic()
        {
            j += 4;
        } else {
            break;
        }
    }
    j
}

fn month_at(b: &[u8], i: usize) -> Option<(u32, usize)> {
    let mut j = i;
    while j < b.len() && b[j].is_ascii_alphabetic() && j - i < 10 {
        j += 1;
    }
    if j - i < 3 || !b[i].is_ascii_uppercase() {
        return None;
    }
    let w = &b[i..j];
    for (k, (short, long)) in MONTHS.iter().zip(MONTHS_LONG.iter()).enumerate() {
        if w.eq_ignore_ascii_case(short.as_bytes()) || w.eq_ignore_ascii_case(long.as_bytes()) {
            let j = if j < b.len() && b[j] == b'.' {
                j + 1
            } else {
                j
            };
            return Some((k as u32 + 1, j));
        }
    }
    None
}

/// IBAN at `i` (two capitals, two digits already checked), compact or in
/// groups of four separated by single spaces. Returns the end on a mod-97 pass.
fn iban_at(b: &[u8], i: usize) -> Option<usize> {
    let want = validate::iban_length(&b[i..i + 2]);
    let max = want.unwrap_or(34);
    let mut compact = [0u8; 34];
    let mut k = 0;
    let mut j = i;
    let mut spaced = false;
    while j < b.len() && k < max {
        let c = b[j];
        if c.is_ascii_alphanumeric() {
            compact[k] = c.to_ascii_uppercase();
            k += 1;
            j += 1;
        } else if c == b' '
            && k % 4 == 0
            && k > 0
            && (spaced || k == 4)
            && j + 1 < b.len()
            && b[j + 1].is_ascii_alphanumeric()
        {
            spaced = true;
            j += 1;
        } else {
            break;
        }
    }
    if want.is_some_and(|w| k != w) || k < 15 {
        return None;
    }
    if j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
        return None;
    }
    validate::iban_valid(&compact[..k]).then_some(j)
}

/// A whole cell in a name column: letters (any script), spaces, `'`, `-`, `.`.
fn whole_cell_name(text: &str) -> Option<Detection> {
    let t = text.trim();
    if t.is_empty() || t.len() > 120 {
        return None;
    }
    let ok = t
        .chars()
        .all(|c| c.is_alphabetic() || matches!(c, ' ' | '\'' | '-' | '.' | '’' | 'ـ'));
    let words = t.split_whitespace().count();
    if !ok || !(1..=6).contains(&words) || !t.chars().any(char::is_alphabetic) {
        return None;
    }
    let s = text.len() - text.trim_start().len();
    Some(det(
        Entity::Person,
        s,
        s + t.len(),
        Confidence::High,
        "name-column",
    ))
}

#[cfg(test)]
mod tests {
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
}
