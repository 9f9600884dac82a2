//! Redaction operators over detections.

use crate::text::detect_into_opts;
use crate::validate;
use crate::{Detection, Entity};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// How a detected value is replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// Keep the format, hide the characters: `05******12`.
    Mask,
    /// The entity name: `[SA_NATIONAL_ID]`.
    Tag,
    /// `[EMAIL:3fa9c01b2d4e5f60]`: HMAC-SHA-256 keyed per project, so equal
    /// values map to equal tokens and joins still work.
    Hash,
    /// A format-valid fake (valid check digit), the same for the same input.
    Synth,
}

impl Operator {
    /// Parses `mask`, `tag`, `hash`, `synth`.
    pub fn parse(s: &str) -> Option<Operator> {
        Some(match s {
            "mask" => Operator::Mask,
            "tag" => Operator::Tag,
            "hash" => Operator::Hash,
            "synth" => Operator::Synth,
            _ => return None,
        })
    }
}

/// Redacted text and what was replaced (spans refer to the input).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    /// The output text.
    pub text: String,
    /// Detections in the input text, in order.
    pub detections: Vec<Detection>,
}

/// Applies one operator to everything [`crate::detect_text`] finds.
#[derive(Clone)]
pub struct Redactor {
    op: Operator,
    mac: HmacSha256,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("op", &self.op)
            .finish_non_exhaustive()
    }
}

impl Redactor {
    /// A redactor; `key` keys the `hash` and `synth` operators (any length).
    pub fn new(op: Operator, key: &[u8]) -> Self {
        let mac = match HmacSha256::new_from_slice(key) {
            Ok(m) => m,
            Err(_) => match HmacSha256::new_from_slice(&[0u8; 32]) {
                Ok(m) => m,
                Err(_) => unreachable!("HMAC accepts any key length"),
            },
        };
        Redactor { op, mac }
    }

    /// The operator.
    pub fn operator(&self) -> Operator {
        self.op
    }

    /// Detects and replaces personal data in `text`. E-mail addresses at
    /// reserved example domains are replaced too: over-redacting them costs
    /// nothing before a prompt leaves the boundary.
    pub fn redact_text(&self, text: &str) -> Redacted {
        self.redact_with_hint(text, None)
    }

    /// Like [`Redactor::redact_text`] with a column/field entity as context.
    pub fn redact_with_hint(&self, text: &str, hint: Option<Entity>) -> Redacted {
        let mut detections = Vec::new();
        detect_into_opts(text, hint, true, &mut detections);
        let text = self.apply(text, &detections);
        Redacted { text, detections }
    }

    /// Replaces the given spans of `text` (sorted, non-overlapping).
    pub fn apply(&self, text: &str, detections: &[Detection]) -> String {
        if detections.is_empty() {
            return text.to_owned();
        }
        let mut out = String::with_capacity(text.len() + 16 * detections.len());
        let mut pos = 0;
        for d in detections {
            if d.span.start < pos || d.span.end > text.len() {
                continue;
            }
            out.push_str(&text[pos..d.span.start]);
            let orig = &text[d.span.clone()];
            let rep = self.replacement(d.entity, orig);
            out.push_str(&rep);
            pos = d.span.end;
        }
        out.push_str(&text[pos..]);
        out
    }

    /// The replacement for one value.
    pub fn replacement(&self, entity: Entity, value: &str) -> String {
        match self.op {
            Operator::Tag => format!("[{}]", entity.id()),
            Operator::Mask => mask(entity, value),
            Operator::Hash => {
                let h = self.digest(b"hash", entity, value);
                let mut s = format!("[{}:", entity.id());
                for b in &h[..8] {
                    s.push_str(&format!("{b:02x}"));
                }
                s.push(']');
                s
            }
            Operator::Synth => {
                let s = synth(entity, value, &self.digest(b"synth", entity, value));
                if s == value {
                    format!("[{}]", entity.id())
                } else {
                    s
                }
            }
        }
    }

    fn digest(&self, purpose: &[u8], entity: Entity, value: &str) -> [u8; 32] {
        let mut mac = self.mac.clone();
        mac.update(purpose);
        mac.update(&[0]);
        mac.update(entity.id().as_bytes());
        mac.update(&[0]);
        // IPv6: the full 32-hex-digit form, so `2001:DB8:0::1` == `2001:db8::1`
        // (stripping the colons of the text form would merge `1::23` and `12::3`)
        if entity == Entity::Ipv6 {
            if let Ok(a) = value.parse::<std::net::Ipv6Addr>() {
                for seg in a.segments() {
                    mac.update(format!("{seg:04x}").as_bytes());
                }
                return mac.finalize().into_bytes().into();
            }
        }
        // normalise: digits and letters only, case-folded, so "+966 55.." == "+96655.."
        let norm: String = value
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '@')
            .flat_map(char::to_lowercase)
            .collect();
        mac.update(norm.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

/// Keeps separators and, for values with at least 8 letters or digits, the
/// first two and last two of them; every other letter or digit becomes `*`.
/// E-mail addresses keep the first character and the top-level domain.
fn mask(entity: Entity, value: &str) -> String {
    if entity == Entity::Email {
        if let Some(at) = value.find('@') {
            let tld = value.rfind('.').filter(|&d| d > at).unwrap_or(value.len());
            let mut s = String::new();
            for (k, c) in value.char_indices() {
                if k == 0 || k == at || k >= tld {
                    s.push(c);
                } else {
                    s.push('*');
                }
            }
            return s;
        }
    }
    let total = value.chars().filter(|c| c.is_alphanumeric()).count();
    let keep = if total >= 8 && entity != Entity::Person {
        2
    } else {
        0
    };
    let mut seen = 0;
    value
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                seen += 1;
                if seen <= keep || seen > total - keep {
                    c
                } else {
                    '*'
                }
            } else {
                c
            }
        })
        .collect()
}

/// Deterministic digits from a seed.
struct Rng<'a> {
    seed: &'a [u8; 32],
    k: usize,
}

impl Rng<'_> {
    fn next(&mut self) -> u8 {
        let v = self.seed[self.k % 32].wrapping_add((self.k / 32) as u8 * 31);
        self.k += 1;
        v
    }
    fn digit(&mut self) -> u8 {
        b'0' + self.next() % 10
    }
    fn pick<'s>(&mut self, xs: &[&'s str]) -> &'s str {
        xs[usize::from(self.next()) % xs.len()]
    }
}

/// Re-lays `digits` into the separator layout of `template` (its digits are
/// replaced in order; other characters kept).
fn relay(template: &str, digits: &[u8]) -> String {
    let mut it = digits.iter();
    template
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                it.next().map_or(c, |&d| d as char)
            } else {
                c
            }
        })
        .collect()
}

fn digits_of(v: &str) -> Vec<u8> {
    v.bytes().filter(u8::is_ascii_digit).collect()
}

fn synth(entity: Entity, value: &str, seed: &[u8; 32]) -> String {
    let mut r = Rng { seed, k: 0 };
    match entity {
        Entity::SaNationalId => {
            let d = digits_of(value);
            let mut out = vec![*d.first().unwrap_or(&b'1')];
            for _ in 0..8 {
                out.push(r.digit());
            }
            out.push(validate::luhn_check_digit(&out));
            relay(value, &out)
        }
        Entity::CreditCard => {
            let d = digits_of(value);
            // keep the scheme prefix, randomise the rest
            let keep = match d.first() {
                Some(b'3') => 2,
                Some(b'4') => 1,
                _ => 2,
            };
            let mut out: Vec<u8> = d.iter().take(keep).copied().collect();
            while out.len() + 1 < d.len() {
                out.push(r.digit());
            }
            out.push(validate::luhn_check_digit(&out));
            relay(value, &out)
        }
        Entity::Iban => {
            let compact: Vec<u8> = value
                .bytes()
                .filter(u8::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_uppercase())
                .collect();
            if compact.len() < 5 {
                return format!("[{}]", entity.id());
            }
            let country = &compact[..2];
            let bban: Vec<u8> = compact[4..]
                .iter()
                .map(|&c| if c.is_ascii_digit() { r.digit() } else { c })
                .collect();
            let cd = validate::iban_check_digits(country, &bban);
            let mut full = country.to_vec();
            full.extend_from_slice(&cd);
            full.extend_from_slice(&bban);
            let mut it = full.iter();
            value
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        it.next().map_or(c, |&x| x as char)
                    } else {
                        c
                    }
                })
                .collect()
        }
        Entity::UsSsn => {
            let mut d = Vec::with_capacity(9);
            let area = 1 + (u16::from(r.next()) * 3 + u16::from(r.next())) % 665; // 001..665
            d.extend_from_slice(format!("{area:03}").as_bytes());
            let group = 1 + r.next() % 99;
            d.extend_from_slice(format!("{group:02}").as_bytes());
            let serial = 1 + (u16::from(r.next()) * 39 + u16::from(r.next())) % 9999;
            d.extend_from_slice(format!("{serial:04}").as_bytes());
            relay(value, &d)
        }
        Entity::PhoneSa => {
            let d = digits_of(value);
            // keep the country/trunk prefix and the 5x carrier digit, replace the subscriber digits
            let mut out = d.clone();
            let n = out.len();
            for x in out.iter_mut().skip(n.saturating_sub(7)) {
                *x = r.digit();
            }
            relay(value, &out)
        }
        Entity::PhoneUs | Entity::Phone => {
            let d = digits_of(value);
            let mut out = d.clone();
            let n = out.len();
            for x in out.iter_mut().skip(n.saturating_sub(4)) {
                *x = r.digit();
            }
            // exchange 2..9, not N11
            if n >= 7 {
                out[n - 7] = b'2' + r.next() % 8;
                out[n - 6] = b'2' + r.next() % 8;
            }
            relay(value, &out)
        }
        Entity::Email => {
            let mut s = String::from("user");
            for b in &seed[..4] {
                s.push_str(&format!("{b:02x}"));
            }
            s.push_str("@example.org");
            s
        }
        Entity::Mrn => {
            let d = digits_of(value);
            let out: Vec<u8> = d.iter().map(|_| r.digit()).collect();
            relay(value, &out)
        }
        Entity::Dob => {
            // keep the layout; a valid date 1950..=2005, day <= 28
            let y = 1950 + u32::from(r.next()) % 56;
            let m = 1 + u32::from(r.next()) % 12;
            let dd = 1 + u32::from(r.next()) % 28;
            let d = digits_of(value);
            let text = value.to_owned();
            let hijri = text.contains('ه');
            let y = if hijri { 1370 + y % 70 } else { y };
            let out: Vec<u8> = match d.len() {
                8 if value.find(|c: char| c.is_ascii_digit()).is_some_and(|p| {
                    value[p..].chars().take_while(char::is_ascii_digit).count() == 4
                }) =>
                {
                    format!("{y:04}{m:02}{dd:02}").into_bytes()
                }
                8 => format!("{dd:02}{m:02}{y:04}").into_bytes(),
                _ => {
                    return format!("{y:04}-{m:02}-{dd:02}");
                }
            };
            relay(value, &out)
        }
        Entity::Icd10 => r
            .pick(&["Z00.00", "Z71.1", "R69", "Z02.9", "Z76.89"])
            .to_owned(),
        Entity::Ipv4 => format!("192.0.2.{}", 1 + r.next() % 254),
        Entity::Ipv6 => {
            // unique-local fd00::/8 (RFC 4193): format-valid, routable
            // nowhere, and outside the documentation ranges the detector
            // treats as example data
            let mut w = [0u16; 8];
            for x in &mut w {
                *x = u16::from(r.next()) << 8 | u16::from(r.next());
            }
            w[0] = 0xfd00 | (w[0] & 0xff);
            w[7] |= 1;
            std::net::Ipv6Addr::new(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]).to_string()
        }
        Entity::Person => {
            if value
                .chars()
                .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
            {
                let a = r.pick(&[
                    "سلمى", "هالة", "رامي", "وسيم", "دانة", "كريم", "لينا", "مازن",
                ]);
                let b = r.pick(&["الفلاني", "العلاني", "الخيالي", "المجهول"]);
                format!("{a} {b}")
            } else {
                let a = r.pick(&[
                    "Alex", "Sam", "Jordan", "Casey", "Riley", "Morgan", "Taylor", "Jamie",
                ]);
                let b = r.pick(&["Doe", "Roe", "Placeholder", "Sample", "Example"]);
                format!("{a} {b}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect_text;

    #[test]
    fn operators() {
        let t = "Iqama 2123456788? call 0551234567";
        let key = b"k";
        let m = Redactor::new(Operator::Mask, key).redact_text(t);
        assert!(m.text.contains("05******67"), "{}", m.text);
        let tg = Redactor::new(Operator::Tag, key).redact_text(t);
        assert!(tg.text.contains("[PHONE_SA]"));
        let h1 = Redactor::new(Operator::Hash, key).redact_text("call 0551234567");
        let h2 = Redactor::new(Operator::Hash, key).redact_text("tel 0551234567");
        assert_eq!(h1.text[5..], h2.text[4..]);
        let s = Redactor::new(Operator::Synth, key)
            .redact_text("national ID 1058529940 and IBAN SA0380000000608010167519");
        let again = detect_text(&s.text);
        assert_eq!(again.len(), 2, "{}", s.text);
        assert!(!s.text.contains("1058529940"));
    }

    #[test]
    fn ipv6_operators() {
        let t = "client 2a00:1450:4001:82a::200e logged in";
        let key = b"k";
        let m = Redactor::new(Operator::Mask, key).redact_text(t);
        assert_eq!(m.text, "client 2a**:****:****:***::**0e logged in");
        let tg = Redactor::new(Operator::Tag, key).redact_text(t);
        assert_eq!(tg.text, "client [IPV6] logged in");
        let r = Redactor::new(Operator::Hash, key);
        assert_eq!(
            r.replacement(Entity::Ipv6, "2A00:1450:4001:82a:0::200e"),
            r.replacement(Entity::Ipv6, "2a00:1450:4001:82a::200e")
        );
        assert_ne!(
            r.replacement(Entity::Ipv6, "fd00::1:23"),
            r.replacement(Entity::Ipv6, "fd00::12:3")
        );
        let s = Redactor::new(Operator::Synth, key);
        let fake = s.replacement(Entity::Ipv6, "2a00:1450:4001:82a::200e");
        let a: std::net::Ipv6Addr = fake.parse().unwrap_or_else(|_| panic!("{fake}"));
        assert_eq!(a.segments()[0] >> 8, 0xfd, "{fake}");
        assert_eq!(
            fake,
            s.replacement(Entity::Ipv6, "2a00:1450:4001:82a:0:0:0:200e")
        );
        let out = s.redact_text(t);
        assert_eq!(detect_text(&out.text).len(), 1, "{}", out.text);
        assert!(!out.text.contains("2a00:1450"));
    }
}
