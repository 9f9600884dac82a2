//! Context around a candidate: the words just before it.

/// The Arabic letters hamza to ghain and feh to yeh: all Unicode letters.
#[inline]
fn is_basic_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0621}'..='\u{063A}' | '\u{0641}'..='\u{064A}')
}

/// `char::is_alphabetic`, answered without the Unicode table lookup for
/// ASCII and the basic Arabic letters (the bulk of the text scanned here).
#[inline]
pub(crate) fn is_alphabetic_fast(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        is_basic_arabic_letter(c) || c.is_alphabetic()
    }
}

/// A word character: Unicode letter or digit.
#[inline]
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        is_basic_arabic_letter(c) || c.is_alphanumeric()
    }
}

/// Up to `max_words` words before byte `pos`, nearest first, looking back at
/// most `max_bytes` bytes. Words are runs of letters and digits, so
/// `national_id=` yields `id` then `national`.
pub(crate) fn prev_words(
    text: &str,
    pos: usize,
    max_words: usize,
    max_bytes: usize,
) -> PrevWords<'_> {
    let mut lo = pos.saturating_sub(max_bytes);
    while lo > 0 && !text.is_char_boundary(lo) {
        lo -= 1;
    }
    let pos = pos.min(text.len());
    PrevWords {
        text: &text[lo..pos],
        left: max_words,
    }
}

pub(crate) struct PrevWords<'a> {
    text: &'a str,
    left: usize,
}

impl<'a> Iterator for PrevWords<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        if self.left == 0 {
            return None;
        }
        let t = self.text;
        let end = t
            .char_indices()
            .rev()
            .find(|&(_, c)| is_word_char(c))
            .map(|(i, c)| i + c.len_utf8())?;
        let start = t[..end]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| is_word_char(c))
            .last()
            .map(|(i, _)| i)
            .unwrap_or(end);
        self.text = &t[..start];
        self.left -= 1;
        Some(&t[start..end])
    }
}

/// Whether `word` equals one of `keys` (ASCII case-insensitive; Arabic exact).
#[inline]
pub(crate) fn word_in(word: &str, keys: &[&str]) -> bool {
    keys.iter().any(|k| k.eq_ignore_ascii_case(word))
}

/// Any of the previous `n` words (within `bytes`) is in `keys`.
pub(crate) fn ctx_any(text: &str, pos: usize, n: usize, bytes: usize, keys: &[&str]) -> bool {
    prev_words(text, pos, n, bytes).any(|w| word_in(w, keys))
}

/// Like [`ctx_any`] but digit-only words do not count against `n`, so that
/// "upgrade from 10.2.0.14 to" still sees "upgrade".
pub(crate) fn ctx_any_skip_digits(
    text: &str,
    pos: usize,
    n: usize,
    bytes: usize,
    keys: &[&str],
) -> bool {
    let mut seen = 0;
    for w in prev_words(text, pos, 64, bytes) {
        if w.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if word_in(w, keys) {
            return true;
        }
        seen += 1;
        if seen >= n {
            break;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_classes_agree_with_unicode() {
        for c in ('\0'..='\u{07FF}').chain(['’', 'ـ', '\u{FEFF}', '٣']) {
            assert_eq!(is_alphabetic_fast(c), c.is_alphabetic(), "{c:?}");
            assert_eq!(is_word_char(c), c.is_alphanumeric(), "{c:?}");
        }
    }

    #[test]
    fn words_back() {
        let t = "the national_id= 1234";
        let w: Vec<_> = prev_words(t, 17, 5, 64).collect();
        assert_eq!(w, vec!["id", "national", "the"]);
        let t = "رقم الهوية 1058529940";
        let w: Vec<_> = prev_words(t, t.len() - 10, 2, 64).collect();
        assert_eq!(w, vec!["الهوية", "رقم"]);
        assert!(ctx_any_skip_digits(
            "upgrade from 10.2.0.14 to ",
            26,
            3,
            60,
            &["upgrade"]
        ));
    }
}
