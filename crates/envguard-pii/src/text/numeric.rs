//! Values that start with a digit: national IDs, phones, cards, SSNs,
//! IPv4 addresses and dates, read as groups of digits.

use super::*;

/// Up to 8 digit groups with one kind of separator.
pub(super) struct Groups {
    g: [(usize, usize); 8],
    n: usize,
    sep: Option<u8>,
}

impl Groups {
    pub(super) fn lens(&self) -> ([usize; 8], usize) {
        let mut l = [0usize; 8];
        for (o, g) in l.iter_mut().zip(&self.g[..self.n]) {
            *o = g.1 - g.0;
        }
        (l, self.n)
    }
    pub(super) fn end(&self) -> usize {
        self.g[self.n - 1].1
    }
    pub(super) fn digits(&self, b: &[u8], buf: &mut [u8; 32]) -> usize {
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
    pub(super) fn num(&self, b: &[u8], k: usize) -> u32 {
        let (s, e) = self.g[k];
        b[s..e]
            .iter()
            .take(9)
            .fold(0u32, |a, &c| a * 10 + u32::from(c - b'0'))
    }
}

pub(super) fn read_groups(b: &[u8], mut j: usize) -> Groups {
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

impl Scan<'_> {
    pub(super) fn numeric(&mut self, i: usize, out: &mut Vec<Detection>) -> Option<usize> {
        let b = self.b;
        let hit = match b[i] {
            b'+' => Some(self.e164(i)?),
            b'(' => Some(self.nanp_parenthesised(i)?),
            _ => None,
        };
        if let Some(h) = hit {
            return Some(self.emit(out, i, h));
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

    /// `+966 5x…`, `+1 …`, another E.164 number.
    fn e164(&self, i: usize) -> Option<Hit> {
        let b = self.b;
        let n = b.len();
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
        let (entity, conf, validator) =
            if d.starts_with(b"966") && validate::sa_phone_nsn_valid(&d[3..]) {
                (Entity::PhoneSa, Confidence::High, "e164+sa-numbering")
            } else if d.len() == 11 && d[0] == b'1' && validate::nanp_valid(&d[1..]) {
                (Entity::PhoneUs, Confidence::High, "e164+nanp")
            } else if (8..=15).contains(&d.len())
                && d[0] != b'0'
                && !validate::is_obvious_test_digits(d)
            {
                (Entity::Phone, Confidence::Medium, "e164")
            } else {
                return None;
            };
        Some(Hit {
            entity,
            conf,
            validator,
            pending: false,
            end: e,
        })
    }

    /// (AAA) EEE-SSSS
    fn nanp_parenthesised(&self, i: usize) -> Option<Hit> {
        let b = self.b;
        let n = b.len();
        if !(i + 13 < n + 1
            && b.len() >= i + 5
            && b[i + 1..i + 4].iter().all(u8::is_ascii_digit)
            && b[i + 4] == b')')
        {
            return None;
        }
        let mut j = i + 5;
        if j < n && b[j] == b' ' {
            j += 1;
        }
        if !(j + 8 <= n
            && b[j..j + 3].iter().all(u8::is_ascii_digit)
            && matches!(b[j + 3], b'-' | b' ' | b'.')
            && b[j + 4..j + 8].iter().all(u8::is_ascii_digit)
            && boundary_after(b, j + 8))
        {
            return None;
        }
        let mut d = [0u8; 10];
        d[..3].copy_from_slice(&b[i + 1..i + 4]);
        d[3..6].copy_from_slice(&b[j..j + 3]);
        d[6..].copy_from_slice(&b[j + 4..j + 8]);
        validate::nanp_valid(&d).then_some(Hit {
            entity: Entity::PhoneUs,
            conf: Confidence::High,
            validator: "nanp",
            pending: false,
            end: j + 8,
        })
    }

    pub(super) fn classify(&self, i: usize, g: &Groups) -> Option<Hit> {
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
            (None, 1) => self.one_group(i, g, d, e),
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

    /// A run of digits without separators: a Saudi phone, national ID or
    /// Iqama, a card, or (with their context words or column) an SSN, a US
    /// phone, an MRN or a compact date of birth.
    fn one_group(&self, i: usize, g: &Groups, d: &[u8], e: usize) -> Option<Hit> {
        let (b, text, hint) = (self.b, self.text, self.hint);
        let hit = |entity, conf, validator| {
            Some(Hit {
                entity,
                conf,
                validator,
                pending: false,
                end: e,
            })
        };
        let len = g.lens().0[0];
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

    pub(super) fn saudi_id(&self, i: usize, d: &[u8], e: usize) -> Option<Hit> {
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

    pub(super) fn ipv4(&self, i: usize, g: &Groups) -> Option<Hit> {
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
    pub(super) fn numeric_date(&self, i: usize, g: &Groups) -> Option<Hit> {
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

    pub(super) fn date_hit(&self, i: usize, e: usize, what: &'static str) -> Hit {
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
    pub(super) fn month_name_date(&self, i: usize, day: u32, e: usize) -> Option<Hit> {
        let b = self.b;
        if e >= b.len() || b[e] != b' ' {
            return None;
        }
        let (m, me) = month_at(b, e + 1)?;
        if me + 5 > b.len() || b[me] != b' ' {
            return None;
        }
        self.year_ending_date(i, me + 1, m, day)
    }

    /// `March 12, 1985` at an upper-case letter.
    pub(super) fn month_first_date(&self, i: usize) -> Option<Hit> {
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
        self.year_ending_date(i, j + 1, m, day)
    }

    /// The 4-digit year at `ys` that ends a written-out Gregorian date
    /// (`12 Mar 1985`, `March 12, 1985`) of month `m` and day `day`.
    fn year_ending_date(&self, i: usize, ys: usize, m: u32, day: u32) -> Option<Hit> {
        let b = self.b;
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
}

pub(super) fn month_at(b: &[u8], i: usize) -> Option<(u32, usize)> {
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
