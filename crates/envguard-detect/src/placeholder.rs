//! Values that are not secrets: placeholders, references, documented
//! examples, and the dictionary of weak defaults.

/// Documented example credentials that appear in vendor docs and tutorials.
const KNOWN_EXAMPLES: &[&str] = &[
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    // Azurite / Azure storage emulator well-known key.
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    // jwt.io default example token signature.
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
];

/// Substrings (lower-case) that mark a value as a documented example or a stand-in.
const EXAMPLE_MARKERS: &[&str] = &[
    "example",
    "xxxx",
    "dummy",
    "fake",
    "sample",
    "redacted",
    "placeholder",
    "your_",
    "your-",
    "your ",
    "_here",
    "-here",
    "replace_me",
    "replace-me",
    "replaceme",
    "insert_",
    "insert-",
    "notreal",
    "not_real",
    "not-real",
    "not_a_real",
    "not-a-real",
    "notasecret",
    "anonymous",
    "not my real",
    "not a real",
    "notmyreal",
    "not_a_secret",
    "not-a-secret",
    "***",
    "\u{2022}\u{2022}\u{2022}",
    "...",
    "\u{2026}",
];

/// Prefixes (lower-case) of references to a secret manager or encrypted blob.
const REF_PREFIXES: &[&str] = &[
    "vault:",
    "ssm:",
    "arn:aws:secretsmanager:",
    "arn:aws:ssm:",
    "arn:aws:kms:",
    "secretsmanager:",
    "awssm:",
    "awskms:",
    "gcpkms:",
    "gcpsm:",
    "gsm:",
    "sm://",
    "azurekv:",
    "akv:",
    "keyvault:",
    "@microsoft.keyvault(",
    "op://",
    "sops:",
    "enc[",
    "ej[",
    "encrypted:",
    "enc(",
    "{cipher}",
    "$ansible_vault",
    "!vault",
    "secretref",
    "secretkeyref",
    "valuefrom",
    "k8s-secret:",
    "kms:",
    "file:",
    "env:",
    "doppler:",
    "infisical:",
    "bws:",
    "secrets.",
    "ref+",
];

/// Substrings (lower-case) of environment lookups in code and templates.
const ENV_LOOKUPS: &[&str] = &[
    "os.environ",
    "os.getenv",
    "getenv(",
    "process.env",
    "import.meta.env",
    "deno.env",
    "env(",
    "env::var",
    "env.fetch",
    "env[",
    "environment.getenvironmentvariable",
    "system.getenv",
    "system.getproperty",
    "secrets.get(",
    "config.get(",
    "settings.",
];

/// Template and interpolation syntax, as (opener, closer): a value holding an
/// opener, then a reference with a letter in it, then the closer is not a
/// literal. `${VAR}`, `{{ .Values.x }}`, Azure Pipelines / make `$(VAR)`,
/// Jinja `{% … %}`, ERB `<%= … %>`, Octopus / Ruby `#{VAR}`, Python `%(x)s`,
/// PowerShell `@{…}`, `$[…]`, `[[ … ]]`, Puppet `%{…}`, Cloud Foundry /
/// Concourse / CredHub `((var))`. The closer is required: a random secret that
/// merely contains `$(` (`Kx9$(mQ2!vL8`) is still a secret.
const TEMPLATE_OPENERS: &[(&str, &str)] = &[
    ("${", "}"),
    ("{{", "}}"),
    ("$(", ")"),
    ("{%", "%}"),
    ("<%", "%>"),
    ("#{", "}"),
    ("%(", ")"),
    ("@{", "}"),
    ("$[", "]"),
    ("[[", "]]"),
    ("%{", "}"),
    ("((", "))"),
];

/// "Change me" markers (lower-case): a value holding one is a stand-in
/// (`changeme-in-prod`, `CHANGE_ME_BEFORE_DEPLOY`), except when the whole value
/// is a weak default that a service really runs with (`changeme`, `changeit`),
/// which [`is_weak_default`] reports where it matters.
const CHANGE_MARKERS: &[&str] = &[
    "changeme",
    "change_me",
    "change-me",
    "changethis",
    "change_this",
    "change-this",
    "changeit",
    "set_me",
    "set-me",
    "fill_me",
    "fill-me",
    "fillme",
    "update_me",
    "update-me",
    "to_be_replaced",
    "to-be-replaced",
    "tobereplaced",
    "replace_with",
    "replace-with",
];

const NULL_LIKE: &[&str] = &[
    "null",
    "nil",
    "none",
    "undefined",
    "true",
    "false",
    "yes",
    "no",
    "on",
    "off",
    "~",
    "-",
    "n/a",
    "na",
    "tbd",
    "todo",
    "fixme",
    "empty",
    "unset",
    "optional",
    "required",
    "string",
    "str",
    "secret_value",
    "<nil>",
    "nan",
];

/// Well-known weak defaults (compared ASCII case-insensitively).
const WEAK_DEFAULTS: &[&str] = &[
    "changeme",
    "change_me",
    "change-me",
    "changeit",
    "password",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "pa$$w0rd",
    "pa$$word",
    "password1",
    "password12",
    "password123",
    "password!",
    "admin",
    "admin1",
    "admin123",
    "admin1234",
    "administrator",
    "root",
    "toor",
    "secret",
    "secret123",
    "mysecret",
    "supersecret",
    "s3cr3t",
    "s3cret",
    "test",
    "test123",
    "test1234",
    "testing",
    "testpass",
    "testpassword",
    "guest",
    "default",
    "letmein",
    "welcome",
    "welcome1",
    "qwerty",
    "qwerty123",
    "abc123",
    "abcd1234",
    "123",
    "1234",
    "12345",
    "123456",
    "1234567",
    "12345678",
    "123456789",
    "1234567890",
    "pass",
    "pass123",
    "pass1234",
    "postgres",
    "mysql",
    "mariadb",
    "oracle",
    "sa",
    "user",
    "demo",
    "master",
    "dev",
    "local",
    "foobar",
    "foo",
    "bar",
    "hunter2",
    "iloveyou",
    "trustno1",
    "monkey",
    "dragon",
    "rabbitmq",
    "redis",
    "minio123",
    "minioadmin",
    "elastic",
    "kibana",
    "postgrespassword",
    "mypassword",
    "secretpassword",
];

/// True for a well-known weak default such as `changeme`, `admin` or `12345678`.
pub fn is_weak_default(value: &str) -> bool {
    let v = strip_quotes(value.trim());
    WEAK_DEFAULTS.iter().any(|w| w.eq_ignore_ascii_case(v))
}

pub(crate) fn strip_quotes(v: &str) -> &str {
    let b = v.as_bytes();
    if b.len() >= 2 {
        let (f, l) = (b[0], b[b.len() - 1]);
        if f == l && matches!(f, b'"' | b'\'' | b'`') {
            return &v[1..v.len() - 1];
        }
    }
    v
}

/// One automaton over every substring that marks a non-secret. Pattern ids:
/// template openers first (`0..TEMPLATE_OPENERS.len()`), then the change-me
/// markers, then documented examples, env lookups and example markers.
fn markers() -> &'static aho_corasick::AhoCorasick {
    static MARKERS: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    MARKERS.get_or_init(|| {
        let all = TEMPLATE_OPENERS
            .iter()
            .map(|(open, _)| open)
            .chain(CHANGE_MARKERS)
            .chain(KNOWN_EXAMPLES)
            .chain(ENV_LOOKUPS)
            .chain(EXAMPLE_MARKERS);
        match aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(all)
        {
            Ok(ac) => ac,
            // Fixed, small pattern list: cannot exceed the automaton limits.
            Err(e) => panic!("placeholder markers: {e}"),
        }
    })
}

/// True when `v` holds a marker of a non-secret: a template reference with its
/// closer, a change-me marker (unless `v` is a weak default), a documented
/// example, an environment lookup or an example marker.
fn has_marker(v: &str) -> bool {
    // Most values hold no marker at all: the plain search (with its
    // prefilter) answers them; only a hit is looked at match by match.
    if !markers().is_match(v) {
        return false;
    }
    let openers = TEMPLATE_OPENERS.len();
    let changes = openers + CHANGE_MARKERS.len();
    for m in markers().find_overlapping_iter(v) {
        let id = m.pattern().as_usize();
        if id < openers {
            if closes(&v[m.end()..], TEMPLATE_OPENERS[id].1)
                || (m.start() == 0 && is_cut_call(&v[m.end()..]))
            {
                return true;
            }
        } else if id < changes {
            if !is_weak_default(v) {
                return true;
            }
        } else {
            return true;
        }
    }
    false
}

/// `rest` (what follows a template opener) holds a reference and then `closer`:
/// at most 256 printable ASCII bytes with a letter among them.
fn closes(rest: &str, closer: &str) -> bool {
    let Some(end) = memchr::memmem::find(rest.as_bytes(), closer.as_bytes()) else {
        return false;
    };
    let inner = &rest.as_bytes()[..end];
    end <= 256
        && inner.iter().any(u8::is_ascii_alphabetic)
        && inner.iter().all(|c| (b' '..=b'~').contains(c))
}

/// What follows a template opener that starts the value is a function call
/// cut at its first argument's quote: `"${base64encode("${user}:${pw}")}"`
/// reads as the value `${base64encode(` (the inner `"` ends it). A secret does
/// not start with an opener, a name and `(`.
fn is_cut_call(rest: &str) -> bool {
    let Some(name) = rest.strip_suffix('(') else {
        return false;
    };
    name.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
        && name.bytes().all(|c| is_ident_byte(c) || c == b'.')
}

fn starts_with_ci(hay: &str, prefix: &str) -> bool {
    hay.len() >= prefix.len()
        && hay.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `$NAME`, `%NAME%`, `@name@`, `__NAME__`, `{name}`, `<name>`, `[NAME]`: a
/// whole value that is only a variable reference or a stand-in.
fn is_reference_shape(v: &str) -> bool {
    let b = v.as_bytes();
    let n = b.len();
    if n < 2 {
        return false;
    }
    let inner_ident = |s: &[u8], extra: &[u8]| {
        !s.is_empty()
            && !s[0].is_ascii_digit()
            && s.iter().all(|&c| is_ident_byte(c) || extra.contains(&c))
    };
    // printf / format-string placeholders: `%s`, `%-10v`, `{}`, `{0}`, `?`, `:name`.
    if b[0] == b'%'
        && b[n - 1].is_ascii_alphabetic()
        && n <= 8
        && b[1..n - 1]
            .iter()
            .all(|c| matches!(c, b'-' | b'+' | b' ' | b'#' | b'.' | b'0'..=b'9'))
    {
        return true;
    }
    if b[0] == b'{'
        && b[n - 1] == b'}'
        && b[1..n - 1].iter().all(|c| c.is_ascii_digit() || *c == b':')
    {
        return true;
    }
    if b[0] == b':' && inner_ident(&b[1..], b"") {
        return true;
    }
    match (b[0], b[n - 1]) {
        (b'$', _) => inner_ident(&b[1..], b""),
        (b'%', b'%') if n > 2 => inner_ident(&b[1..n - 1], b".-"),
        (b'@', b'@') if n > 2 => inner_ident(&b[1..n - 1], b".-"),
        (b'{', b'}') => inner_ident(&b[1..n - 1], b".-: "),
        (b'<', b'>') => n <= 82 && !b[1..n - 1].contains(&b'<'),
        (b'[', b']') => inner_ident(&b[1..n - 1], b".- "),
        (b'_', b'_') if n > 4 && b[1] == b'_' && b[n - 2] == b'_' => inner_ident(&b[2..n - 2], b""),
        _ => false,
    }
}

/// `$NAME` inside a value (`anonymous:$FROM_EMAIL`, `pw-$ENV_SUFFIX`), with
/// NAME an upper-case identifier of three or more characters.
fn has_embedded_env_var(v: &str) -> bool {
    let b = v.as_bytes();
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'$', &b[i..]) {
        let start = i + p + 1;
        let mut j = start;
        while j < b.len()
            && (b[j].is_ascii_uppercase() || b[j] == b'_' || (j > start && b[j].is_ascii_digit()))
        {
            j += 1;
        }
        let ends_clean = j == b.len() || !b[j].is_ascii_alphanumeric();
        if j - start >= 3 && ends_clean && b[start] != b'_' {
            return true;
        }
        i = start;
    }
    false
}

/// A base64 value whose decoding is printable text that is itself a
/// placeholder (`bm90IG15IHJlYWwgcGFzc3dvcmQ=` is "not my real password").
fn decodes_to_placeholder(v: &str) -> bool {
    use base64::Engine as _;
    let b = v.as_bytes();
    if b.len() < 8 || b.len() > 512 || b.len() % 4 != 0 {
        return false;
    }
    if !b
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='))
    {
        return false;
    }
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(b) else {
        return false;
    };
    match std::str::from_utf8(&decoded) {
        Ok(text) if text.chars().all(|c| !c.is_control()) => {
            // Only one level deep: the decoded text is checked without decoding again.
            has_marker(text)
        }
        _ => false,
    }
}

/// The longest run of one repeated character, counted in bytes.
fn longest_run(v: &str) -> usize {
    let mut best = 0;
    let mut run = 0;
    let mut prev = None;
    for &b in v.as_bytes() {
        if Some(b) == prev {
            run += 1;
        } else {
            run = 1;
            prev = Some(b);
        }
        best = best.max(run);
    }
    best
}

/// True when `value` is not a literal secret but a stand-in for one: empty,
/// `null`-like, a variable or template reference (`${VAR}`, `$VAR`, `$(cmd)`,
/// `{{ … }}`, `${{ secrets.X }}`, `%(x)s`, `#{x}`, `@x@`, `<your-password>`),
/// a secret-manager reference (`vault:`, `ssm:`, `arn:aws:secretsmanager:…`,
/// `op://`, `ENC[…]`, `secretRef`, …), an environment lookup
/// (`os.environ[…]`, `process.env.X`, `getenv(…)`), a documented example
/// (`AKIAIOSFODNN7EXAMPLE`, anything containing `EXAMPLE`, `xxxx`, `dummy`,
/// `fake`, `sample`, `redacted`, `your_…`, `…_here`), a masked value
/// (`****`, `...`) or a run of one repeated character (`00000000`).
///
/// Weak defaults such as `changeme` are *not* placeholders: see
/// [`is_weak_default`].
pub fn is_placeholder(value: &str) -> bool {
    let v = strip_quotes(value.trim()).trim();
    if v.is_empty() || v == "?" {
        return true;
    }
    if NULL_LIKE.iter().any(|w| w.eq_ignore_ascii_case(v)) {
        return true;
    }
    // Documented examples, template openers, env lookups and example markers,
    // all as one case-insensitive substring search.
    if has_marker(v) {
        return true;
    }
    if is_reference_shape(v) || has_embedded_env_var(v) {
        return true;
    }
    if REF_PREFIXES.iter().any(|p| starts_with_ci(v, p)) {
        return true;
    }
    // GCP Secret Manager resource names.
    if v.starts_with("projects/") && v.contains("/secrets/") {
        return true;
    }
    if starts_with_ci(v, "your") || starts_with_ci(v, "replace") || starts_with_ci(v, "insert") {
        return true;
    }
    if decodes_to_placeholder(v) {
        return true;
    }
    let n = v.len();
    let run = longest_run(v);
    // One repeated character, or a run of six or more inside the value.
    n >= 2 && (run == n || run >= 6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_defaults_are_not_placeholders() {
        for w in WEAK_DEFAULTS {
            assert!(!is_placeholder(w), "{w}");
            assert!(is_weak_default(w), "{w}");
        }
    }
}
