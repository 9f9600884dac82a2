//! Values that start with a letter: IBANs, ICD-10 codes and MRNs after
//! their words, Latin and Arabic person names.

use super::*;

impl Scan<'_> {
    pub(super) fn upper(&mut self, i: usize, out: &mut Vec<Detection>) -> Option<usize> {
        let hit = self
            .iban(i)
            .or_else(|| self.mrn_prefixed(i))
            .or_else(|| self.record_number(i))
            .or_else(|| self.icd10(i))
            .or_else(|| self.month_first_date(i));
        if let Some(h) = hit {
            return Some(self.emit(out, i, h));
        }
        let (e, conf) = self.latin_name(i)?;
        out.push(det(Entity::Person, i, e, conf, "gazetteer+structure"));
        Some(e)
    }

    /// IBAN: country code, 2 check digits, then the mod-97 check.
    fn iban(&self, i: usize) -> Option<Hit> {
        let b = self.b;
        let n = b.len();
        let at = |k: usize| if i + k < n { b[i + k] } else { 0 };
        if !(at(1).is_ascii_uppercase() && at(2).is_ascii_digit() && at(3).is_ascii_digit()) {
            return None;
        }
        let e = iban_at(b, i)?;
        Some(Hit {
            entity: Entity::Iban,
            conf: Confidence::High,
            validator: "mod97",
            pending: false,
            end: e,
        })
    }

    /// MRN-00482913, MRN00482913.
    fn mrn_prefixed(&self, i: usize) -> Option<Hit> {
        let b = self.b;
        let n = b.len();
        if !b[i..].starts_with(b"MRN") {
            return None;
        }
        let mut j = i + 3;
        if j < n && matches!(b[j], b'-' | b':' | b'#') {
            j += 1;
        }
        let ds = j;
        while j < n && b[j].is_ascii_digit() {
            j += 1;
        }
        ((4..=12).contains(&(j - ds)) && boundary_after(b, j)).then_some(Hit {
            entity: Entity::Mrn,
            conf: Confidence::High,
            validator: "mrn-prefix",
            pending: false,
            end: j,
        })
    }

    /// Letter-prefixed record numbers (H00482913) with record context.
    fn record_number(&self, i: usize) -> Option<Hit> {
        let b = self.b;
        let n = b.len();
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
        ((6..=10).contains(&(j - ds))
            && boundary_after(b, j)
            && (self.hint == Some(Entity::Mrn) || ctx_any(self.text, i, 3, 48, MRN_WORDS)))
        .then_some(Hit {
            entity: Entity::Mrn,
            conf: Confidence::Medium,
            validator: "mrn-context",
            pending: false,
            end: j,
        })
    }

    /// ICD-10: A00, E11.9, O9A.211; a bare code without context or a dot
    /// stands only when the text also identifies a person.
    fn icd10(&self, i: usize) -> Option<Hit> {
        let b = self.b;
        let n = b.len();
        let at = |k: usize| if i + k < n { b[i + k] } else { 0 };
        if !(at(1).is_ascii_digit() && (at(2).is_ascii_digit() || at(2).is_ascii_uppercase())) {
            return None;
        }
        let mut j = i + 3;
        let mut dotted = false;
        if j + 1 < n && b[j] == b'.' && (b[j + 1].is_ascii_digit() || b[j + 1].is_ascii_uppercase())
        {
            j += 1;
            while j < n && (b[j].is_ascii_digit() || b[j].is_ascii_uppercase()) && j - i < 8 {
                j += 1;
            }
            dotted = true;
        }
        if !(j <= n
            && boundary_after(b, j)
            && !(j < n && b[j] == b'-')
            && validate::icd10_valid(&b[i..j]))
        {
            return None;
        }
        let ctx = self.hint == Some(Entity::Icd10) || ctx_any(self.text, i, 4, 48, ICD_WORDS);
        if ctx_any(self.text, i, 1, 16, ICD_NEG) {
            return None;
        }
        let (conf, validator, pending) = if ctx {
            (Confidence::High, "icd10-structure+context", false)
        } else if dotted {
            (Confidence::Medium, "icd10-structure", false)
        } else {
            (Confidence::Low, "icd10-structure+linked", true)
        };
        Some(Hit {
            entity: Entity::Icd10,
            conf,
            validator,
            pending,
            end: j,
        })
    }

    pub(super) fn latin_name(&self, i: usize) -> Option<(usize, Confidence)> {
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

    pub(super) fn arabic(&mut self, i: usize, out: &mut Vec<Detection>) -> Option<usize> {
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
    pub(super) fn arabic_next(&self, e: usize) -> Option<(usize, usize)> {
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

pub(super) fn is_cap(w: &str) -> bool {
    let b = w.as_bytes();
    !b.is_empty() && b[0].is_ascii_uppercase()
}

pub(super) fn is_all_caps(w: &str) -> bool {
    w.len() > 1 && w.bytes().all(|c| !c.is_ascii_lowercase())
}

pub(super) fn strip_possessive(w: &str) -> &str {
    w.strip_suffix("'s")
        .or_else(|| w.strip_suffix("’s"))
        .unwrap_or(w)
}

/// End of a Latin word: letters, with `'` / `’` / `-` between letters.
pub(super) fn latin_word_end(b: &[u8], i: usize) -> usize {
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

/// IBAN at `i` (two capitals, two digits already checked), compact or in
/// groups of four separated by single spaces. Returns the end on a mod-97 pass.
pub(super) fn iban_at(b: &[u8], i: usize) -> Option<usize> {
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
pub(super) fn whole_cell_name(text: &str) -> Option<Detection> {
    let t = text.trim();
    if t.is_empty() || t.len() > 120 {
        return None;
    }
    // one pass; the only whitespace a name cell may hold is ' ' (letters never are)
    let (mut alpha, mut words, mut in_word) = (false, 0, false);
    for c in t.chars() {
        if crate::context::is_alphabetic_fast(c) {
            alpha = true;
        } else if !matches!(c, ' ' | '\'' | '-' | '.' | '’' | 'ـ') {
            return None;
        }
        // words: runs between spaces
        words += usize::from(c != ' ' && !in_word);
        in_word = c != ' ';
    }
    if !alpha || !(1..=6).contains(&words) {
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
