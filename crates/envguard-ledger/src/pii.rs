//! The PII screen dev and test ledgers apply at the door (000 §5: dev and test
//! AI logs hold no PHI/PII).
//!
//! [`PiiScreen`] is the seam. [`EnvguardPii`], the default, is the
//! envguard-pii detector (Saudi national IDs and Iqama numbers, IBANs, cards,
//! phones, e-mail, SSNs, MRNs, …, each with its check-digit validator);
//! [`BuiltinPii`] is a minimal screen (Saudi national IDs and
//! e-mail only).

/// One PII finding in a text: its kind and byte span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PiiHit {
    pub kind: String,
    pub start: usize,
    pub end: usize,
}

/// A detector (and redactor) of personal data in text.
pub trait PiiScreen: Send + Sync {
    /// Every PII span found in `text`, in order, non-overlapping.
    fn detect(&self, text: &str) -> Vec<PiiHit>;

    /// `text` with each detected span replaced by a `[REDACTED:KIND]` tag.
    fn redact(&self, text: &str) -> (String, Vec<PiiHit>) {
        let hits = self.detect(text);
        if hits.is_empty() {
            return (text.to_owned(), hits);
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for h in &hits {
            out.push_str(&text[at..h.start]);
            out.push_str("[REDACTED:");
            out.push_str(&h.kind);
            out.push(']');
            at = h.end;
        }
        out.push_str(&text[at..]);
        (out, hits)
    }
}

/// The envguard-pii detector. E-mail addresses at reserved example domains
/// count too (a dev ledger has no reason to keep them).
#[derive(Debug, Clone)]
pub struct EnvguardPii {
    redactor: envguard_pii::Redactor,
}

impl Default for EnvguardPii {
    fn default() -> Self {
        // Tag redaction uses no key; the one given only seeds the unused HMAC.
        EnvguardPii {
            redactor: envguard_pii::Redactor::new(envguard_pii::Operator::Tag, &[0u8; 32]),
        }
    }
}

impl PiiScreen for EnvguardPii {
    fn detect(&self, text: &str) -> Vec<PiiHit> {
        let mut hits: Vec<PiiHit> = self
            .redactor
            .redact_text(text)
            .detections
            .into_iter()
            .map(|d| PiiHit {
                kind: d.entity.id().to_owned(),
                start: d.span.start,
                end: d.span.end,
            })
            .collect();
        hits.sort_by_key(|h| h.start);
        hits.dedup_by(|b, a| b.start < a.end);
        hits
    }
}

/// Saudi national ID / Iqama numbers (envguard-pii's check-digit validator)
/// and email addresses.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuiltinPii;

fn email_local(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-')
}

fn email_domain(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-')
}

impl PiiScreen for BuiltinPii {
    fn detect(&self, text: &str) -> Vec<PiiHit> {
        let b = text.as_bytes();
        let mut hits = Vec::new();
        // National IDs: maximal runs of exactly 10 ASCII digits.
        let mut i = 0;
        while i < b.len() {
            if b[i].is_ascii_digit() {
                let s = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                let run = &b[s..i];
                if envguard_pii::validate::saudi_id_valid(run) {
                    hits.push(PiiHit {
                        kind: "SA_NATIONAL_ID".into(),
                        start: s,
                        end: i,
                    });
                }
            } else {
                i += 1;
            }
        }
        // Emails: around each '@'.
        for (at, _) in b.iter().enumerate().filter(|(_, c)| **c == b'@') {
            let mut s = at;
            while s > 0 && email_local(b[s - 1]) {
                s -= 1;
            }
            let mut e = at + 1;
            while e < b.len() && email_domain(b[e]) {
                e += 1;
            }
            while e > at + 1 && matches!(b[e - 1], b'.' | b'-') {
                e -= 1;
            }
            let domain = &text[at + 1..e];
            let tld_ok = domain.rsplit_once('.').is_some_and(|(h, t)| {
                !h.is_empty() && t.len() >= 2 && t.bytes().all(|c| c.is_ascii_alphabetic())
            });
            if s < at && tld_ok {
                hits.push(PiiHit {
                    kind: "EMAIL".into(),
                    start: s,
                    end: e,
                });
            }
        }
        hits.sort_by_key(|h| h.start);
        hits.dedup_by(|b, a| b.start < a.end);
        hits
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn finds_saudi_ids_and_emails() {
        // 1000000008 and 2000000006 pass Luhn; 1000000009 does not.
        let t = "id 1000000008, iqama 2000000006, bad 1000000009, long 10000000080, mail a.b@example.sa.";
        let hits = BuiltinPii.detect(t);
        let kinds: Vec<&str> = hits.iter().map(|h| h.kind.as_str()).collect();
        assert_eq!(kinds, ["SA_NATIONAL_ID", "SA_NATIONAL_ID", "EMAIL"]);
        let (r, _) = BuiltinPii.redact(t);
        assert_eq!(
            r,
            "id [REDACTED:SA_NATIONAL_ID], iqama [REDACTED:SA_NATIONAL_ID], bad 1000000009, long 10000000080, mail [REDACTED:EMAIL]."
        );
        assert!(BuiltinPii.detect("no pii @ here, 3000000004").is_empty());
    }

    #[test]
    fn envguard_pii_finds_ids_ibans_and_emails() {
        let s = EnvguardPii::default();
        let t = "id 1000000008, iban SA0380000000608010167519, mail a.b@clinic.sa, ok";
        let kinds: Vec<String> = s.detect(t).into_iter().map(|h| h.kind).collect();
        assert_eq!(kinds, ["SA_NATIONAL_ID", "IBAN", "EMAIL"]);
        let (r, hits) = s.redact(t);
        assert_eq!(hits.len(), 3);
        assert_eq!(
            r,
            "id [REDACTED:SA_NATIONAL_ID], iban [REDACTED:IBAN], mail [REDACTED:EMAIL], ok"
        );
        assert!(s.detect("x@example.com").len() == 1);
        assert!(s.detect("triage-2026.01 clinician tenant-3").is_empty());
    }
}
