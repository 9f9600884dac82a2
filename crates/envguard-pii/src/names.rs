//! Gazetteers of given and family names, shipped as data in the binary.

use std::collections::HashSet;
use std::sync::OnceLock;

const GIVEN_LATIN: &str = include_str!("../data/given_latin.txt");
const FAMILY_LATIN: &str = include_str!("../data/family_latin.txt");
const GIVEN_ARABIC: &str = include_str!("../data/given_arabic.txt");
const FAMILY_ARABIC: &str = include_str!("../data/family_arabic.txt");

fn words(data: &'static str) -> impl Iterator<Item = &'static str> {
    data.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(str::split_whitespace)
}

struct Gazetteers {
    given_latin: HashSet<String>,
    family_latin: HashSet<String>,
    given_arabic: HashSet<String>,
    family_arabic: HashSet<String>,
}

fn gaz() -> &'static Gazetteers {
    static G: OnceLock<Gazetteers> = OnceLock::new();
    G.get_or_init(|| Gazetteers {
        given_latin: words(GIVEN_LATIN).map(str::to_ascii_lowercase).collect(),
        family_latin: words(FAMILY_LATIN).map(str::to_ascii_lowercase).collect(),
        given_arabic: words(GIVEN_ARABIC).map(normalize_arabic).collect(),
        family_arabic: words(FAMILY_ARABIC).map(normalize_arabic).collect(),
    })
}

/// Lower-cases an ASCII word into `buf` and returns it, or None if too long.
fn lower<'b>(w: &str, buf: &'b mut [u8; 40]) -> Option<&'b str> {
    let b = w.as_bytes();
    if b.len() > buf.len() {
        return None;
    }
    for (o, &c) in buf.iter_mut().zip(b) {
        *o = c.to_ascii_lowercase();
    }
    std::str::from_utf8(&buf[..b.len()]).ok()
}

/// A known Latin-script given name (any case).
pub(crate) fn is_given_latin(w: &str) -> bool {
    let mut buf = [0u8; 40];
    lower(w, &mut buf).is_some_and(|l| gaz().given_latin.contains(l))
}

/// A known Latin-script family name (any case; `Al-` prefix optional).
pub(crate) fn is_family_latin(w: &str) -> bool {
    let mut buf = [0u8; 40];
    let Some(l) = lower(w, &mut buf) else {
        return false;
    };
    let g = gaz();
    if g.family_latin.contains(l) {
        return true;
    }
    for p in ["al-", "el-", "al", "el"] {
        if let Some(rest) = l.strip_prefix(p) {
            if rest.len() >= 3 && g.family_latin.contains(rest) {
                return true;
            }
        }
    }
    false
}

/// Folds spelling variants: hamza forms of alef to bare alef, taa marbuta to
/// haa, alef maqsura to yaa; drops tatweel and short-vowel marks.
pub(crate) fn normalize_arabic(w: &str) -> String {
    let mut s = String::with_capacity(w.len());
    for c in w.chars() {
        match c {
            'أ' | 'إ' | 'آ' | 'ٱ' => s.push('ا'),
            'ة' => s.push('ه'),
            'ى' => s.push('ي'),
            'ـ' | '\u{064B}'..='\u{0652}' | '\u{0670}' => {}
            _ => s.push(c),
        }
    }
    s
}

/// A known Arabic-script given name (normalised form).
pub(crate) fn is_given_arabic(norm: &str) -> bool {
    gaz().given_arabic.contains(norm)
}

/// A known Arabic-script family name (normalised form).
pub(crate) fn is_family_arabic(norm: &str) -> bool {
    gaz().family_arabic.contains(norm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups() {
        assert!(is_given_latin("Sarah"));
        assert!(is_given_latin("MOHAMMED"));
        assert!(is_family_latin("Al-Otaibi"));
        assert!(is_family_latin("O'Brien"));
        assert!(!is_given_latin("Patient"));
        assert!(is_given_arabic(&normalize_arabic("نورة")));
        assert!(is_given_arabic(&normalize_arabic("احمد")));
        assert!(is_family_arabic(&normalize_arabic("القحطاني")));
        assert!(gaz().given_latin.len() > 300);
        assert!(gaz().given_arabic.len() > 200);
    }
}
