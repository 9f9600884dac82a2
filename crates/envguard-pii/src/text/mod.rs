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

mod letters;
mod net;
mod numeric;
mod words;

use letters::*;
use net::*;
use words::*;

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
    let emails = emails_and_ipv6(text, hint, reserved);
    let mut sc = Scan {
        text,
        b,
        hint,
        pending: Vec::new(),
    };
    sc.run(&emails, out);
    out.extend(emails.into_iter().filter(|d| !d.validator.is_empty()));
    let anchored = out[base..].iter().any(|d| identifies_a_person(d.entity));
    if anchored {
        out.extend(sc.pending.into_iter().map(|p| p.0));
    }
    if out.len() - base > 1 {
        out[base..].sort_by_key(|d| (d.span.start, d.span.end));
    }
}

/// The e-mail and IPv6 addresses of `text`, sorted and non-overlapping: found
/// first, they are skipped by the main pass (their digits and words are not
/// phones or names).
fn emails_and_ipv6(text: &str, hint: Option<Entity>, reserved: bool) -> Vec<Detection> {
    let b = text.as_bytes();
    let mut emails: Vec<Detection> = Vec::new();
    // most dataset cells are a few bytes long: one look for either byte
    // (a plain loop below 64 bytes, where a memchr call costs more than it saves)
    let any = if b.len() < 64 {
        b.iter().any(|&c| c == b'@' || c == b':')
    } else {
        memchr::memchr2(b'@', b':', b).is_some()
    };
    if !any {
        return emails;
    }
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
    emails
}

impl Scan<'_> {
    /// The left-to-right pass: at each token boundary, the candidate the first
    /// byte can start (digits, a capital, Arabic letters); `skip` is passed over.
    fn run(&mut self, skip: &[Detection], out: &mut Vec<Detection>) {
        let (text, b, hint) = (self.text, self.b, self.hint);
        let n = b.len();
        let mut i = 0;
        let mut ei = 0;
        while i < n {
            while ei < skip.len() && skip[ei].span.end <= i {
                ei += 1;
            }
            if ei < skip.len() && i >= skip[ei].span.start {
                i = skip[ei].span.end;
                continue;
            }
            let c = b[i];
            match c {
                b'0'..=b'9' | b'+' | b'(' => {
                    if boundary_before(b, i) {
                        if let Some(next) = self.numeric(i, out) {
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
                        if let Some(next) = self.upper(i, out) {
                            i = next;
                            continue;
                        }
                    }
                    i = skip_token(b, i);
                }
                b'a'..=b'z' => {
                    if boundary_before(b, i) && matches!(hint, Some(Entity::Person)) {
                        if let Some(next) = self.upper(i, out) {
                            i = next;
                            continue;
                        }
                    }
                    i = skip_token(b, i);
                }
                0xD8..=0xDB => {
                    if let Some(next) = self.arabic(i, out) {
                        i = next;
                        continue;
                    }
                    i = skip_arabic_word(text, i);
                }
                _ => i += 1,
            }
        }
    }
}

/// Entities that identify a person: with one of them in the text, an
/// ambiguous value (a bare date, a Luhn-valid number that is also a Unix
/// time) becomes personal data.
fn identifies_a_person(e: Entity) -> bool {
    matches!(
        e,
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
}

#[cfg(test)]
mod tests;
