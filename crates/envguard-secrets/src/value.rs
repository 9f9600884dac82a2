use zeroize::Zeroizing;

/// A secret value in clear. Its bytes are zeroized when it is dropped, and
/// `Debug` never shows them.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(Zeroizing<Vec<u8>>);

impl SecretValue {
    pub fn new(bytes: Vec<u8>) -> Self {
        SecretValue(Zeroizing::new(bytes))
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Removes one trailing newline (`echo value | envguard secrets put`).
    pub fn trim_newline(mut self) -> Self {
        if self.0.last() == Some(&b'\n') {
            self.0.pop();
            if self.0.last() == Some(&b'\r') {
                self.0.pop();
            }
        }
        self
    }
}

impl From<&str> for SecretValue {
    fn from(s: &str) -> Self {
        SecretValue::new(s.as_bytes().to_vec())
    }
}

impl std::fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretValue(<redacted, {} bytes>)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let v = SecretValue::from("hunter2-correct-horse");
        let shown = format!("{v:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(shown, "SecretValue(<redacted, 21 bytes>)");
    }

    #[test]
    fn trailing_newline_is_trimmed_once() {
        assert_eq!(SecretValue::from("a\n\n").trim_newline().expose(), b"a\n");
        assert_eq!(SecretValue::from("a\r\n").trim_newline().expose(), b"a");
        assert_eq!(SecretValue::from("a").trim_newline().expose(), b"a");
    }
}
