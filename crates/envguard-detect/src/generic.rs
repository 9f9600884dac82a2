//! The generic rule: is a key name secret-like, and is the value assigned to
//! it a plausible literal secret?

use crate::placeholder::{is_placeholder, is_weak_default};
use crate::{shannon_entropy, Confidence, SecretKind};

/// Endings that make a single concatenated segment secret-like (`dbpassword`, `githubtoken`).
const SECRET_ENDINGS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "accesskey",
    "privatekey",
    "secretkey",
    "credentials",
    "credential",
];

/// Lower-cases `seg` into `buf`; `None` when it does not fit.
fn lower<'b>(b: &[u8], buf: &'b mut [u8; 32]) -> Option<&'b [u8]> {
    if b.len() > buf.len() {
        return None;
    }
    for (d, s) in buf.iter_mut().zip(b) {
        *d = s.to_ascii_lowercase();
    }
    Some(&buf[..b.len()])
}

/// Words that name a secret on their own when they end a key
/// (`DB_PASSWORD`, `sessionToken`, `basic_auth`).
fn is_secret_word(seg: &[u8]) -> bool {
    let mut buf = [0u8; 32];
    matches!(
        lower(seg, &mut buf),
        Some(
            b"password"
                | b"passwd"
                | b"pwd"
                | b"pw"
                | b"pass"
                | b"passphrase"
                | b"passcode"
                | b"secret"
                | b"token"
                | b"apikey"
                | b"accesskey"
                | b"privatekey"
                | b"secretkey"
                | b"clientsecret"
                | b"credential"
                | b"credentials"
                | b"creds"
                | b"auth"
                | b"authorization"
                | b"authtoken"
                | b"dsn"
        )
    )
}

/// `<word>_key` pairs that name a secret (`API_KEY`, `accessKey`, `APP_KEY`).
fn is_key_qualifier(seg: &[u8]) -> bool {
    let mut buf = [0u8; 32];
    matches!(
        lower(seg, &mut buf),
        Some(
            b"api"
                | b"access"
                | b"private"
                | b"secret"
                | b"master"
                | b"encryption"
                | b"encrypt"
                | b"signing"
                | b"sign"
                | b"app"
                | b"account"
                | b"shared"
                | b"client"
                | b"hmac"
                | b"jwt"
                | b"session"
                | b"auth"
                | b"crypto"
                | b"aes"
                | b"storage"
                | b"subscription"
                | b"cookie"
                | b"webhook"
                | b"service"
                | b"license"
                | b"consumer"
        )
    )
}

/// Segments allowed after the secret word without changing what the key holds
/// (`PASSWORD_PROD`, `secret_key_base`, `api_key_v2`).
fn is_neutral_word(seg: &[u8]) -> bool {
    let mut buf = [0u8; 32];
    matches!(
        lower(seg, &mut buf),
        Some(
            b"value"
                | b"val"
                | b"key"
                | b"str"
                | b"string"
                | b"b64"
                | b"base64"
                | b"hex"
                | b"raw"
                | b"plain"
                | b"plaintext"
                | b"prod"
                | b"production"
                | b"dev"
                | b"development"
                | b"staging"
                | b"stage"
                | b"test"
                | b"qa"
                | b"uat"
                | b"local"
                | b"live"
                | b"sandbox"
                | b"old"
                | b"new"
                | b"current"
                | b"prev"
                | b"previous"
                | b"primary"
                | b"secondary"
                | b"backup"
                | b"override"
                | b"default"
                | b"base"
                | b"pem"
                | b"der"
                | b"bytes"
                | b"secret"
                | b"data"
                | b"v"
        )
    )
}

/// Segments that say the key holds something other than a secret, wherever they appear.
fn is_disqualifier(seg: &[u8]) -> bool {
    let mut buf = [0u8; 32];
    matches!(
        lower(seg, &mut buf),
        // `hashed_secret` (a detect-secrets baseline), `hashedPassword`: a
        // one-way hash of a secret, not the secret.
        Some(b"public" | b"publishable" | b"pub" | b"hashed")
    )
}

fn is_neutral_suffix(seg: &[u8]) -> bool {
    if is_neutral_word(seg) {
        return true;
    }
    let b = seg;
    // Digits or a version: `1`, `v2`.
    !b.is_empty()
        && (b.iter().all(u8::is_ascii_digit)
            || (b.len() > 1 && (b[0] | 0x20) == b'v' && b[1..].iter().all(u8::is_ascii_digit)))
}

/// Splits an identifier into words: on `_ - . / : space`, camelCase and
/// letter/digit boundaries (`dbPassword2` → `db`, `Password`, `2`;
/// `APIKey` → `API`, `Key`). At most 16 segments are kept.
fn segments(b: &[u8], out: &mut [(usize, usize); 16]) -> usize {
    let mut n = 0;
    let mut start = None::<usize>;
    let mut push = |s: usize, e: usize, n: &mut usize| {
        if e > s && *n < 16 {
            out[*n] = (s, e);
            *n += 1;
        }
    };
    for i in 0..b.len() {
        let c = b[i];
        if !c.is_ascii_alphanumeric() {
            if let Some(s) = start.take() {
                push(s, i, &mut n);
            }
            continue;
        }
        match start {
            None => start = Some(i),
            Some(s) => {
                let p = b[i - 1];
                let boundary = (p.is_ascii_lowercase() && c.is_ascii_uppercase())
                    || (p.is_ascii_digit() != c.is_ascii_digit())
                    || (p.is_ascii_uppercase()
                        && c.is_ascii_uppercase()
                        && b.get(i + 1).is_some_and(u8::is_ascii_lowercase));
                if boundary {
                    push(s, i, &mut n);
                    start = Some(i);
                }
            }
        }
    }
    if let Some(s) = start {
        push(s, b.len(), &mut n);
    }
    n
}

fn ends_with_ci(hay: &[u8], suffix: &str) -> bool {
    hay.len() >= suffix.len()
        && hay[hay.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

/// True when `key` names a secret: its last meaningful word (ignoring neutral
/// suffixes such as `_PROD` or `_v2`) is `password`, `secret`, `token`,
/// `api_key`, `credentials`, `auth`, `dsn`, … in any of snake, kebab, dotted
/// or camel case. `password_field`, `tokenCache`, `AUTH_URL`, `public_key` or
/// `secret_name` are not.
pub(crate) fn is_secret_key_name(key: &str) -> bool {
    is_secret_key_bytes(key.as_bytes())
}

/// [`is_secret_key_name`] over bytes (keys are ASCII identifiers).
pub(crate) fn is_secret_key_bytes(key: &[u8]) -> bool {
    let mut segs = [(0usize, 0usize); 16];
    let n = segments(key, &mut segs);
    if n == 0 {
        return false;
    }
    let seg = |i: usize| &key[segs[i].0..segs[i].1];
    // Skip neutral suffixes from the end, but never the only segment.
    let mut last = n - 1;
    while !is_secret_word_at(key, &segs, last) {
        if last == 0 || !is_neutral_suffix(seg(last)) {
            return false;
        }
        last -= 1;
    }
    if (0..n).any(|i| is_disqualifier(seg(i))) {
        return false;
    }
    let mut words: [&[u8]; 16] = [&[]; 16];
    for (i, w) in words.iter_mut().enumerate().take(n) {
        *w = seg(i);
    }
    !crate::public::is_public_key_segments(&words[..n])
}

fn is_secret_word_at(key: &[u8], segs: &[(usize, usize); 16], i: usize) -> bool {
    let s = &key[segs[i].0..segs[i].1];
    if is_secret_word(s) {
        return true;
    }
    if s.len() > 6 && SECRET_ENDINGS.iter().any(|e| ends_with_ci(s, e)) {
        return true;
    }
    if s.eq_ignore_ascii_case(b"key") && i > 0 {
        return is_key_qualifier(&key[segs[i - 1].0..segs[i - 1].1]);
    }
    false
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueContext {
    /// A literal from a parsed config file, or a quoted literal in text.
    Literal,
    /// An unquoted token in text: it may be code (`self.token`, `get_pw()`).
    UnquotedText,
}

fn looks_like_number(v: &str) -> bool {
    let b = v.as_bytes();
    b.iter().any(u8::is_ascii_digit)
        && b.iter()
            .all(|&c| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+' | b'_' | b','))
}

fn looks_like_path(v: &str) -> bool {
    let b = v.as_bytes();
    let pathy = b.iter().all(|&c| {
        c.is_ascii_alphanumeric() || matches!(c, b'/' | b'\\' | b'.' | b'_' | b'-' | b'~' | b':')
    });
    if !pathy {
        return false;
    }
    let rooted = v.starts_with('/')
        || v.starts_with("./")
        || v.starts_with("../")
        || v.starts_with("~/")
        || (b.len() > 2
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && (b[2] == b'\\' || b[2] == b'/'));
    let seps = b.iter().filter(|&&c| c == b'/' || c == b'\\').count();
    // A file extension at the end: `.json`, `.pem`, `.key` (base64 never has '.').
    let ext = match v.rfind('.') {
        Some(i) => {
            let e = &b[i + 1..];
            (1..=5).contains(&e.len()) && e.iter().all(u8::is_ascii_alphabetic) && i > 0
        }
        None => false,
    };
    (rooted && (seps >= 2 || ext)) || (seps >= 1 && ext) || v.starts_with("file:")
}

fn is_url_without_credentials(v: &str) -> bool {
    match v.find("://") {
        Some(i) => {
            i > 0
                && v.as_bytes()[..i]
                    .iter()
                    .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-'))
        }
        None => false,
    }
}

fn is_public_material(v: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "ssh-rsa ",
        "ssh-dss ",
        "ssh-ed25519 ",
        "ecdsa-sha2-",
        "sk-ssh-ed25519@",
        "sk-ecdsa-sha2-",
        "-----BEGIN PUBLIC KEY",
        "-----BEGIN RSA PUBLIC KEY",
        "-----BEGIN CERTIFICATE",
        "-----BEGIN TRUSTED CERTIFICATE",
        "-----BEGIN X509 CRL",
        "-----BEGIN NEW CERTIFICATE REQUEST",
        "-----BEGIN PGP PUBLIC KEY",
        "-----BEGIN SSH2 PUBLIC KEY",
        "---- BEGIN SSH2 PUBLIC KEY",
        "-----BEGIN DH PARAMETERS",
        "-----BEGIN EC PARAMETERS",
        "age1",
    ];
    PREFIXES.iter().any(|p| v.starts_with(p))
}

fn is_integrity_hash(v: &str) -> bool {
    ["sha512-", "sha384-", "sha256-", "sha1-", "md5-"]
        .iter()
        .any(|p| v.starts_with(p))
}

/// Letters-only words joined by `_ - .` or camelCase, e.g. `password_reset`,
/// `orders-db-credentials`, `MyServiceName`: a name, not a secret.
fn is_wordish(v: &str) -> bool {
    let b = v.as_bytes();
    if !b.iter().all(|&c| {
        c.is_ascii_alphabetic() || matches!(c, b'_' | b'-' | b'.' | b'/' | b':' | b'|' | b',')
    }) {
        return false;
    }
    // Average word length: random letter strings split by case changes give short words.
    let mut words = 0usize;
    let mut letters = 0usize;
    let mut prev: u8 = b' ';
    for &c in b {
        if c.is_ascii_alphabetic() {
            letters += 1;
            let new_word = !prev.is_ascii_alphabetic()
                || (prev.is_ascii_lowercase() && c.is_ascii_uppercase());
            if new_word {
                words += 1;
            }
        }
        prev = c;
    }
    words > 0 && 2 * letters >= 5 * words
}

/// An unquoted token that reads as code: an identifier, a dotted path
/// (`self.token`, `cfg.Password`), a call or index (`get_pw`, followed by `(`).
fn is_code_like(v: &str, next: Option<u8>) -> bool {
    if matches!(next, Some(b'(' | b'[' | b'<' | b'{')) {
        return true;
    }
    let is_ident = |p: &str| {
        let p = p.as_bytes();
        !p.is_empty()
            && (p[0].is_ascii_alphabetic() || matches!(p[0], b'_' | b'$' | b'@'))
            && p.iter()
                .all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'$')
    };
    // Unary operators before an expression: `!req.headers.auth`, `&cfg.token`, `*secret`.
    let v = v.trim_start_matches(['!', '&', '*']);
    let mut parts = 0;
    for part in v.split("::").flat_map(|p| p.split('.')) {
        if !is_ident(part) {
            return false;
        }
        parts += 1;
    }
    if parts > 1 {
        return true; // `self.token`, `cfg.Password`, `crate::__u32`
    }
    // A plain identifier: code unless it looks random.
    !looks_random_ident(v)
}

fn class_of(c: u8) -> u8 {
    if c.is_ascii_lowercase() {
        0
    } else if c.is_ascii_uppercase() {
        1
    } else if c.is_ascii_digit() {
        2
    } else {
        3
    }
}

/// Random tokens switch between lower case, upper case and digits far more
/// often than identifiers do (`WeyjKDt5gNy` vs `sessionTokenCache`, `user2Name`).
fn looks_random_ident(v: &str) -> bool {
    let random = |b: &[u8]| {
        if b.len() < 8 {
            return false;
        }
        let digit_switches = b
            .windows(2)
            .filter(|w| w[0].is_ascii_digit() != w[1].is_ascii_digit())
            .count();
        let class_switches = b
            .windows(2)
            .filter(|w| class_of(w[0]) != class_of(w[1]))
            .count();
        let has = |k: u8| b.iter().any(|&c| class_of(c) == k);
        digit_switches >= 3 || (has(0) && has(1) && has(2) && 5 * class_switches >= 2 * b.len())
    };
    v.split('_').any(|part| random(part.as_bytes()))
}

/// A `/`-separated reference made of words (`org/repo#assets/name`,
/// `team/service/db-password`): a path or resource name, not a secret.
fn is_word_path(v: &str) -> bool {
    let b = v.as_bytes();
    if b.iter().filter(|&&c| c == b'/').count() < 2 {
        return false;
    }
    v.split(|c: char| !c.is_ascii_alphanumeric()).all(|seg| {
        if seg.is_empty() {
            return true;
        }
        let letters = seg.bytes().take_while(u8::is_ascii_alphabetic).count();
        let rest = &seg.as_bytes()[letters..];
        (letters >= 3 && rest.len() <= 4 && rest.iter().all(u8::is_ascii_digit))
            || (letters == 0 && seg.len() <= 4 && rest.iter().all(u8::is_ascii_digit))
    })
}

fn char_classes(v: &str) -> usize {
    let b = v.as_bytes();
    let lower = b.iter().any(u8::is_ascii_lowercase) as usize;
    let upper = b.iter().any(u8::is_ascii_uppercase) as usize;
    let digit = b.iter().any(u8::is_ascii_digit) as usize;
    let other = b.iter().any(|c| !c.is_ascii_alphanumeric()) as usize;
    lower + upper + digit + other
}

/// Authorization schemes that may precede a credential in a value.
const AUTH_SCHEMES: &[&str] = &["bearer ", "basic ", "token ", "bot ", "apikey ", "digest "];

/// Length of a leading `Bearer ` / `Basic ` / `Token ` scheme, if any.
pub(crate) fn auth_scheme_len(v: &str) -> usize {
    for s in AUTH_SCHEMES {
        if v.len() > s.len() && v.as_bytes()[..s.len()].eq_ignore_ascii_case(s.as_bytes()) {
            return s.len();
        }
    }
    0
}

/// Judges a value assigned to a secret-named key. `v` is the bare value (no
/// quotes, no surrounding whitespace). Returns `None` for anything that is not
/// a plausible literal secret.
pub(crate) fn judge_value(
    v: &str,
    ctx: ValueContext,
    next: Option<u8>,
) -> Option<(SecretKind, Confidence)> {
    if v.is_empty() || is_placeholder(v) {
        return None;
    }
    if is_weak_default(v) {
        return Some((SecretKind::WeakDefault, Confidence::Medium));
    }
    if v.len() > 4096
        || looks_like_number(v)
        || looks_like_path(v)
        || is_url_without_credentials(v)
        || is_public_material(v)
        || is_integrity_hash(v)
        || crate::public::is_public_value(v)
    {
        return None;
    }
    // Leading/trailing blanks or inner whitespace: prose, a message, a
    // command; control characters: binary data.
    if v.chars().any(|c| c.is_whitespace() || c.is_control()) || is_word_path(v) {
        return None;
    }
    if ctx == ValueContext::UnquotedText {
        // `&oauth2.Token{AccessToken: ghToken},`: the closers end the literal.
        let code = v.trim_end_matches(['}', ']', ')']);
        if !code.is_empty() && (is_code_like(code, next) || is_code_reference(code)) {
            return None;
        }
    }
    if is_natural_word(v) || is_resource_name(v) || is_encoded_non_secret(v) || is_email_address(v)
    {
        return None;
    }
    if v.len() < 8 || is_wordish(v) || char_classes(v) < 2 {
        return None;
    }
    let h = shannon_entropy(v.as_bytes());
    if h < 2.5 {
        return None;
    }
    let classes = char_classes(v);
    let confidence = if v.len() >= 16 && h >= 3.5 && classes >= 2 {
        Confidence::High
    } else if v.len() >= 12 && h >= 3.0 {
        Confidence::Medium
    } else {
        Confidence::Low
    };
    Some((SecretKind::Secret, confidence))
}

/// Unquoted code that reads a value rather than writing one: `@user.api_token`,
/// `self.secret_string`, `config.auth.token`, a regex literal `/…/i`.
fn is_code_reference(v: &str) -> bool {
    if v.starts_with('/') {
        return true;
    }
    // JSONPath (`$.a.b`, `$$.Task.Token`): a reference into a document.
    if v.starts_with("$.") || v.starts_with("$$.") {
        return true;
    }
    let body = v
        .trim_start_matches(['@', '$', '&', '*'])
        .trim_end_matches(['!', '?']);
    let mut parts = body.split('.');
    let ident = |p: &str| {
        let mut cs = p.chars();
        cs.next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let first_ok = parts.next().is_some_and(ident);
    let rest: Vec<&str> = parts.collect();
    first_ok
        && (!rest.is_empty() && rest.iter().all(|p| ident(p.trim_end_matches("()")))
            || v.starts_with('@'))
}

/// A word of natural language (`Contraseña`, `Mot-de-passe`): letters only,
/// with at least one outside ASCII. Passwords people choose like that are weak
/// defaults at best; in locale files they are translations.
fn is_natural_word(v: &str) -> bool {
    if v.is_ascii() {
        return false;
    }
    // Mostly letters outside ASCII (Chinese, Arabic, accented words): language.
    let total = v.chars().count();
    let foreign = v
        .chars()
        .filter(|c| !c.is_ascii() && c.is_alphabetic())
        .count();
    foreign * 2 >= total
        || v.chars()
            .all(|c| c.is_alphabetic() || c == '-' || c == '\'' || c == ' ')
}

/// A resource name or reference in kebab, dotted or slashed lower case:
/// `web-ns/basic-auth-users`, `auth0-client-id`, `my-app.db-credentials`, or
/// the upper-case snake name of a variable (`K8S_GHA_UAT_TOKEN`: the name of
/// the CI secret a module writes the token into, not the token).
/// Needs two or more segments of three letters or more.
fn is_resource_name(v: &str) -> bool {
    let lower = v.bytes().all(|b| {
        b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'/' | b'.' | b'_')
    });
    let upper_snake = v
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    if !lower && !upper_snake {
        return false;
    }
    let segs: Vec<&str> = v
        .split(['-', '/', '.', '_'])
        .filter(|s| !s.is_empty())
        .collect();
    if segs.len() < 2 {
        return false;
    }
    let wordy = segs
        .iter()
        .filter(|s| s.len() >= 3 && s.bytes().filter(|b| b.is_ascii_digit()).count() <= 1)
        .count();
    wordy >= 2 && wordy * 2 >= segs.len()
}

/// An e-mail address (`alerts@acme.org`, `no@email.com`): a contact or a
/// login name, not a credential. The top-level domain is letters in one case,
/// so `Xk9@mQ2.vL` is not taken for one.
fn is_email_address(v: &str) -> bool {
    let Some((local, domain)) = v.split_once('@') else {
        return false;
    };
    let Some((host, tld)) = domain.rsplit_once('.') else {
        return false;
    };
    !local.is_empty()
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-'))
        && !host.is_empty()
        && host
            .split('.')
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        && (2..=24).contains(&tld.len())
        && (tld.bytes().all(|b| b.is_ascii_lowercase())
            || tld.bytes().all(|b| b.is_ascii_uppercase()))
}

/// Base64 of something that is not a secret: a placeholder or dictionary
/// default (`YWRtaW4=` is `admin`), or a certificate or public key.
fn is_encoded_non_secret(v: &str) -> bool {
    use base64::Engine as _;
    if v.len() < 8
        || v.len() % 4 != 0
        || !v
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
    {
        return false;
    }
    let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(v) else {
        return false;
    };
    let Ok(d) = std::str::from_utf8(&raw) else {
        return false;
    };
    let d = d.trim();
    is_placeholder(d)
        || is_weak_default(d)
        || d.starts_with("-----BEGIN CERTIFICATE")
        || d.contains("PUBLIC KEY-----")
        || d.starts_with("ssh-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_that_are_not_secrets() {
        for v in [
            "@user.api_token",
            "self.secret_string",
            "config.auth.token",
            "/\\s?auto?\\s?/i",
            "user.issue_reset!",
            "$$.Task.Token",
        ] {
            assert!(is_code_reference(v), "{v}");
        }
        for v in ["Xq7tRw2pLm9ZkVb", "abc.def9GH!x"] {
            assert!(!is_code_reference(v), "{v}");
        }
        assert!(is_natural_word("Contraseña"));
        assert!(is_natural_word("多因素身份验证（MFA）"));
        assert!(!is_natural_word("Zt4#q9LmW2x!pR7v"));
        for v in [
            "web-ns/basic-auth2-users",
            "auth0-client-id",
            "my-app.db-credentials",
        ] {
            assert!(is_resource_name(v), "{v}");
        }
        for v in [
            "x9k2-qq8f-7hv3",
            "c116f6ca9f885ccf77de2c106b631f61",
            "k3jd9-x",
        ] {
            assert!(!is_resource_name(v), "{v}");
        }
        assert!(is_encoded_non_secret("YWRtaW4="));
        assert!(is_encoded_non_secret(
            "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM="
        ));
        assert!(!is_encoded_non_secret("WnQ0I3E5TG1XMnghcFI3dg=="));
    }

    #[test]
    fn key_names() {
        for k in [
            "DB_PASSWORD",
            "password",
            "dbPassword",
            "db-password",
            "spring.datasource.password",
            "JWT_SECRET",
            "SESSION_SECRET",
            "INTERNAL_API_TOKEN",
            "GITHUB_TOKEN",
            "apiKey",
            "API_KEY",
            "x-api-key",
            "APIKEY",
            "AWS_SECRET_ACCESS_KEY",
            "accessKey",
            "private_key",
            "client_secret",
            "clientSecret",
            "GOOGLE_CREDENTIALS",
            "basic_auth",
            "SENTRY_DSN",
            "DB_PASS",
            "REDIS_PWD",
            "secret_key_base",
            "PASSWORD_PROD",
            "api_key_v2",
            "password1",
            "githubtoken",
            "Authorization",
            "APP_KEY",
            "self.password",
        ] {
            assert!(is_secret_key_name(k), "{k} should be secret-named");
        }
        for k in [
            "password_field",
            "tokenCache",
            "AUTH_URL",
            "public_key",
            "stripe_publishable_key",
            "secret_name",
            "token_type",
            "PASSWORD_MIN_LENGTH",
            "author",
            "key",
            "keyName",
            "monkey",
            "bypass",
            "tokenizer",
            "AWS_ACCESS_KEY_ID",
            "TWILIO_ACCOUNT_SID",
            "passwordHash",
            "secretary",
            "password.length",
            "GOOGLE_APPLICATION_CREDENTIALS_FILE",
        ] {
            assert!(!is_secret_key_name(k), "{k} should not be secret-named");
        }
    }

    #[test]
    fn values() {
        let lit = ValueContext::Literal;
        let code = ValueContext::UnquotedText;
        assert!(judge_value("XRx##V*Ik2k3x+LPnkPLN5", lit, None).is_some());
        assert!(judge_value(
            "388e69f6342e5e2ab29955b73647f0bbe4229cfdd24a2eeb454d134955a7b928",
            lit,
            None
        )
        .is_some());
        assert_eq!(
            judge_value("changeme", lit, None).map(|x| x.0),
            Some(SecretKind::WeakDefault)
        );
        for v in [
            "None",
            "true",
            "3600",
            "/var/run/secrets/x.json",
            "https://example.com/a",
            "Enter your password",
            "password_reset",
            "orders-db-credentials",
            "str",
            "${X}",
            "ssh-rsa AAAAB3NzaC1yc2E",
            "sha512-abc",
            "short1!",
        ] {
            assert!(judge_value(v, lit, None).is_none(), "{v}");
        }
        for (v, next) in [
            ("self.token", None),
            ("get_password", Some(b'(')),
            ("userPassword", None),
            ("cfg.Password", None),
            ("pw_hash", None),
            ("request.form", Some(b'[')),
        ] {
            assert!(judge_value(v, code, next).is_none(), "{v}");
        }
        assert!(judge_value("Xk9fjw3LqP0a", code, None).is_some());
    }
}
