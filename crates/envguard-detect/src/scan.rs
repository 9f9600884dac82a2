//! The detector: compiled rules, the keyword prefilter and the two entry
//! points, `scan_text` and `classify_value`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

use base64::Engine as _;

use crate::connstr::connection_string_password;
use crate::fingerprint::pem_body;
use crate::generic::{
    auth_scheme_len, is_secret_key_bytes, is_secret_key_name, judge_value, ValueContext,
};
use crate::placeholder::{is_placeholder, is_weak_default, strip_quotes};
use crate::prefilter::{Hit, Prefilter};
use crate::public::is_firebase_client_config;
use crate::rules::{self, Rule, RuleInfo, RuleKind, Validator};
use crate::{shannon_entropy, Confidence, SecretKind, SecretMatch};

/// Most bytes a line rule looks at on either side of a keyword hit (long,
/// minified lines are clipped to this window).
const LINE_WINDOW: usize = 8 * 1024;
/// Most bytes a PEM block may span.
const PEM_WINDOW: usize = 64 * 1024;
/// Most bytes of an assignment the generic rule reads.
const ASSIGNMENT_WINDOW: usize = 1024;
/// Rules are tracked in fixed-size per-scan arrays.
const MAX_RULES: usize = 64;
/// How Google API keys begin; public in a Firebase client config.
const GOOGLE_API_KEY_PREFIX: &[u8] = b"AIza";
/// Bytes read on either side of a Google API key for Firebase config markers
/// (a `firebaseConfig` object spans a few hundred bytes).
const FIREBASE_WINDOW: usize = 1024;

/// Per-thread scratch buffers, reused across calls so that a scan allocates
/// nothing in the steady state.
#[derive(Default)]
struct Scratch {
    hits: Vec<Hit>,
    streams: [Vec<Hit>; 4],
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Compiled rules, one keyword automaton over all of them, and their regexes.
pub struct Detector {
    rules: Vec<Rule>,
    prefilter: Prefilter,
    /// Keyword index -> rules that use it.
    kw_rules: Vec<Vec<u16>>,
    /// Rules with `key_regex`/`value_regex`, for `classify_value`.
    gated: Vec<usize>,
    generic: Option<usize>,
}

impl std::fmt::Debug for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detector")
            .field("rules", &self.rules.len())
            .finish()
    }
}

/// A match before overlap resolution, with its rule's priority (index).
struct Found {
    prio: usize,
    m: SecretMatch,
}

fn is_key_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-')
}

fn trim_key(k: &str) -> &str {
    k.trim_start_matches(['-', '.'])
        .trim_end_matches(['-', '.'])
}

/// The identifier a secret starting at `pos` is assigned to, read backwards:
/// `KEY = "…`, `"key": '…`, `key := …`, `'key' => …`, `Authorization: Bearer …`.
/// With `multiline`, one line break and a YAML block indicator (`key: |`) may
/// sit between the key and the secret.
fn assigned_key(text: &[u8], lo: usize, pos: usize, multiline: bool) -> Option<String> {
    let mut i = pos;
    let skip_blanks = |i: &mut usize| {
        while *i > lo && matches!(text[*i - 1], b' ' | b'\t') {
            *i -= 1;
        }
    };
    while i > lo && matches!(text[i - 1], b'"' | b'\'' | b'`') {
        i -= 1;
    }
    skip_blanks(&mut i);
    if multiline && i > lo && text[i - 1] == b'\n' {
        i -= 1;
        if i > lo && text[i - 1] == b'\r' {
            i -= 1;
        }
        skip_blanks(&mut i);
        while i > lo && matches!(text[i - 1], b'|' | b'>' | b'-' | b'+') {
            i -= 1;
        }
        skip_blanks(&mut i);
    }
    // An authorization scheme between the operator and the secret.
    let word_end = i;
    while i > lo && text[i - 1].is_ascii_alphabetic() {
        i -= 1;
    }
    let word = &text[i..word_end];
    let is_scheme = word_end > i
        && [&b"bearer"[..], b"basic", b"token", b"bot"]
            .iter()
            .any(|s| s.eq_ignore_ascii_case(word));
    if is_scheme {
        skip_blanks(&mut i);
    } else {
        i = word_end;
    }
    // The operator.
    if i >= lo + 2 && (&text[i - 2..i] == b"=>" || &text[i - 2..i] == b":=") {
        i -= 2;
    } else if i > lo && matches!(text[i - 1], b'=' | b':') {
        i -= 1;
    } else {
        return None;
    }
    skip_blanks(&mut i);
    while i > lo && matches!(text[i - 1], b'"' | b'\'' | b'`' | b']') {
        i -= 1;
    }
    let end = i;
    while i > lo && is_key_byte(text[i - 1]) {
        i -= 1;
    }
    let key = trim_key(std::str::from_utf8(&text[i..end]).ok()?);
    (!key.is_empty()).then(|| key.to_string())
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// GitHub's token checksum: CRC-32 of the 30-character body, base62, 6 chars.
fn github_checksum_ok(token: &[u8]) -> bool {
    const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    if token.len() != 40 {
        return false;
    }
    let (body, sum) = (&token[4..34], &token[34..]);
    let mut n = crc32(body);
    let mut enc = [b'0'; 6];
    for slot in enc.iter_mut().rev() {
        *slot = B62[(n % 62) as usize];
        n /= 62;
    }
    n == 0 && enc == sum
}

/// A JWT whose header and payload decode to JSON objects and whose header
/// names a signing algorithm other than `none`.
fn jwt_ok(token: &[u8]) -> bool {
    let mut parts = token.split(|&c| c == b'.');
    let (Some(h), Some(p)) = (parts.next(), parts.next()) else {
        return false;
    };
    let decode = |s: &[u8]| {
        let s: Vec<u8> = s.iter().copied().filter(|&c| c != b'=').collect();
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s)
            .ok()
    };
    let (Some(header), Some(payload)) = (decode(h), decode(p)) else {
        return false;
    };
    let header = String::from_utf8_lossy(&header).to_ascii_lowercase();
    header.starts_with('{')
        && header.contains("\"alg\"")
        && !header.contains("\"none\"")
        && payload.first() == Some(&b'{')
}

fn pem_ok(block: &[u8]) -> bool {
    if memchr::memmem::find(block, b"...").is_some() {
        return false;
    }
    match pem_body(block) {
        Some(body) => {
            if body.len() < 64 || shannon_entropy(&body) < 4.0 {
                return false;
            }
            let mut run = 0;
            let mut prev = 0u8;
            for &c in &body {
                run = if c == prev { run + 1 } else { 1 };
                prev = c;
                if run >= 32 {
                    return false;
                }
            }
            true
        }
        None => false,
    }
}

fn first_group(caps: &regex::bytes::Captures<'_>) -> Option<(usize, Range<usize>)> {
    (1..caps.len()).find_map(|g| caps.get(g).map(|m| (g, m.range())))
}

/// Bytes that end an unquoted value (mirrors the generic rule's regex).
fn is_unquoted_stop(c: u8) -> bool {
    c.is_ascii_whitespace()
        || matches!(
            c,
            b'"' | b'\'' | b'`' | b',' | b';' | b'&' | b'(' | b')' | b'[' | b']' | b'<' | b'>'
        )
}

/// What may follow an unquoted value for it to be the whole value: the end of
/// the line, a comment, or the end of an enclosing string / key-value pair.
fn ends_statement(rest: &[u8]) -> bool {
    let mut i = 0;
    while i < rest.len() && matches!(rest[i], b' ' | b'\t' | b'\r') {
        i += 1;
    }
    match rest.get(i) {
        None => true,
        Some(b'#' | b';' | b'&' | b'"' | b'\'' | b'`') => true,
        Some(b'/') => rest.get(i + 1) == Some(&b'/'),
        Some(b',') => i == 0 && rest[1..].iter().all(|c| c.is_ascii_whitespace()),
        _ => false,
    }
}

/// True when an unquoted value repeats the key's own word (`password = password`).
fn key_mentions(key: &str, value: &str) -> bool {
    value.len() >= 3
        && key
            .as_bytes()
            .windows(value.len())
            .any(|w| w.eq_ignore_ascii_case(value.as_bytes()))
}

fn line_bounds(text: &[u8], pos: usize) -> (usize, usize) {
    let ls = memchr::memrchr(b'\n', &text[..pos]).map_or(0, |p| p + 1);
    let le = memchr::memchr(b'\n', &text[pos..]).map_or(text.len(), |p| pos + p);
    (ls, le)
}

impl Detector {
    /// The built-in rules (`data/secrets.toml`), compiled once per process.
    pub fn builtin() -> &'static Detector {
        static BUILTIN: OnceLock<Detector> = OnceLock::new();
        BUILTIN.get_or_init(|| match Detector::compile(rules::BUILTIN_RULES) {
            Ok(d) => d,
            // The embedded file is checked by this crate's tests.
            Err(e) => panic!("envguard-detect: built-in rules do not compile: {e}"),
        })
    }

    fn compile(src: &str) -> Result<Detector, String> {
        let rules = rules::parse(src)?;
        if rules.len() > MAX_RULES {
            return Err(format!("at most {MAX_RULES} rules"));
        }
        let mut keywords: Vec<String> = Vec::new();
        let mut kw_index: HashMap<String, usize> = HashMap::new();
        let mut kw_rules: Vec<Vec<u16>> = Vec::new();
        for (ri, r) in rules.iter().enumerate() {
            for k in &r.keywords {
                let idx = *kw_index.entry(k.clone()).or_insert_with(|| {
                    keywords.push(k.clone());
                    kw_rules.push(Vec::new());
                    keywords.len() - 1
                });
                if !kw_rules[idx].contains(&(ri as u16)) {
                    kw_rules[idx].push(ri as u16);
                }
            }
        }
        let prefilter = Prefilter::new(&keywords)?;
        let gated = (0..rules.len())
            .filter(|&i| rules[i].key_regex.is_some())
            .collect();
        let generic = rules.iter().position(|r| r.kind == RuleKind::Generic);
        Ok(Detector {
            rules,
            prefilter,
            kw_rules,
            gated,
            generic,
        })
    }

    /// The rules, in priority order.
    pub fn rules(&self) -> impl Iterator<Item = RuleInfo<'_>> + '_ {
        self.rules.iter().map(|r| RuleInfo {
            id: r.id,
            name: r.name,
            confidence: r.confidence,
            examples: &r.examples,
            negative_examples: &r.negative_examples,
        })
    }

    /// Unstructured text (source code, docs, unknown files): every secret
    /// found is appended to `out`; spans are byte ranges into `text`.
    ///
    /// One keyword pass over `text`, then only the rules whose keywords hit
    /// run, on the hit's line. Overlapping matches are resolved in favour of
    /// the earlier (more specific) rule; the generic assignment rule has the
    /// lowest priority and lends its key name to a provider match it overlaps.
    pub fn scan_text(&self, text: &[u8], out: &mut Vec<SecretMatch>) {
        let mut found = Vec::new();
        self.scan_into(text, true, &mut found);
        // A Firebase client config's API key is public by design (see
        // `is_firebase_client_config`), whichever rule found it: judged on the
        // text around it.
        found.retain(|f| {
            let span = &f.m.span;
            !(text[span.clone()].starts_with(GOOGLE_API_KEY_PREFIX)
                && is_firebase_client_config(
                    &text[span.start.saturating_sub(FIREBASE_WINDOW)
                        ..text.len().min(span.end + FIREBASE_WINDOW)],
                ))
        });
        resolve(found, out);
    }

    fn scan_into(&self, text: &[u8], with_generic: bool, found: &mut Vec<Found>) {
        // Taken out of the thread-local so that a nested call (none today)
        // would simply start with empty buffers.
        let mut scratch = SCRATCH.with(|s| std::mem::take(&mut *s.borrow_mut()));
        scratch.hits.clear();
        self.prefilter
            .find_all(text, &mut scratch.hits, &mut scratch.streams);
        if !scratch.hits.is_empty() {
            self.verify(text, &scratch.hits, with_generic, found);
        }
        scratch.hits.clear();
        SCRATCH.with(|s| *s.borrow_mut() = scratch);
    }

    fn verify(&self, text: &[u8], hits: &[Hit], with_generic: bool, found: &mut Vec<Found>) {
        let mut done_until = [0usize; MAX_RULES];
        let mut last_ident = usize::MAX;
        let mut locs = None;
        let (mut ls, mut le) = (usize::MAX, 0usize);
        for h in hits {
            for &ri in &self.kw_rules[h.kw as usize] {
                let ri = ri as usize;
                let rule = &self.rules[ri];
                if rule.kind == RuleKind::Generic {
                    if with_generic {
                        self.generic_at(ri, text, h, &mut last_ident, &mut locs, found);
                    }
                    continue;
                }
                if !(ls..le).contains(&h.start) {
                    (ls, le) = line_bounds(text, h.start);
                }
                match rule.kind {
                    RuleKind::Generic => {}
                    RuleKind::Line | RuleKind::Url => {
                        if h.end <= done_until[ri] {
                            continue;
                        }
                        let ws = ls.max(h.start.saturating_sub(LINE_WINDOW));
                        let we = le.min(h.end + LINE_WINDOW);
                        done_until[ri] = we;
                        self.run_rule(ri, text, ws, we, ls, found);
                    }
                    RuleKind::Pem => {
                        if h.end <= done_until[ri]
                            || memchr::memmem::find(&text[ls..h.start], b"-----BEGIN").is_none()
                        {
                            continue;
                        }
                        let we = text.len().min(ls + PEM_WINDOW);
                        let last = self.run_rule(ri, text, ls, we, ls, found);
                        done_until[ri] = last.max(h.end);
                    }
                }
            }
        }
    }

    /// Runs rule `ri`'s regex on `text[ws..we]`; returns the end of the last match.
    fn run_rule(
        &self,
        ri: usize,
        text: &[u8],
        ws: usize,
        we: usize,
        ls: usize,
        found: &mut Vec<Found>,
    ) -> usize {
        let rule = &self.rules[ri];
        let mut last_end = 0;
        for caps in rule.regex.captures_iter(&text[ws..we]) {
            let Some((_, r)) = first_group(&caps) else {
                continue;
            };
            let mut span = ws + r.start..ws + r.end;
            last_end = span.end;
            let mut kind = SecretKind::Secret;
            let mut confidence = rule.confidence;
            // The key is read before the whole match (for a URL, before the URL).
            let key_pos = span.start;
            if rule.kind == RuleKind::Url {
                let Ok(url) = std::str::from_utf8(&text[span.clone()]) else {
                    continue;
                };
                // Documentation URLs (`https://user:pass@example.com`) and templated ones.
                if is_placeholder(url) {
                    continue;
                }
                let Some(pw) = connection_string_password(url) else {
                    continue;
                };
                span = span.start + pw.start..span.start + pw.end;
                let Ok(pw) = std::str::from_utf8(&text[span.clone()]) else {
                    continue;
                };
                if is_placeholder(pw) || (pw.len() < 3 && !is_weak_default(pw)) {
                    continue;
                }
                if is_weak_default(pw) {
                    kind = SecretKind::WeakDefault;
                    confidence = Confidence::Medium;
                }
            } else {
                let Some(c) = self.check_secret(rule, &text[span.clone()]) else {
                    continue;
                };
                confidence = c;
            }
            let lo = if rule.kind == RuleKind::Pem {
                memchr::memrchr(b'\n', &text[..ls.saturating_sub(1)]).map_or(0, |p| p + 1)
            } else {
                ls.max(key_pos.saturating_sub(256))
            };
            let key = assigned_key(text, lo, key_pos, rule.kind == RuleKind::Pem);
            found.push(Found {
                prio: ri,
                m: SecretMatch {
                    rule_id: rule.id,
                    rule_name: rule.name,
                    span,
                    key,
                    confidence,
                    kind,
                },
            });
        }
        last_end
    }

    /// Placeholder, entropy and validator checks for a provider match;
    /// returns the confidence to report.
    fn check_secret(&self, rule: &Rule, secret: &[u8]) -> Option<Confidence> {
        let mut confidence = rule.confidence;
        match rule.validator {
            Some(Validator::PemBody) => {
                if !pem_ok(secret) {
                    return None;
                }
                if memchr::memmem::find(secret, b"ENCRYPTED").is_some() {
                    confidence = Confidence::Medium;
                }
            }
            other => {
                let s = std::str::from_utf8(secret).ok()?;
                if is_placeholder(s) {
                    return None;
                }
                match other {
                    Some(Validator::GithubChecksum) if !github_checksum_ok(secret) => {
                        confidence = confidence.min(Confidence::Medium);
                    }
                    Some(Validator::Jwt) if !jwt_ok(secret) => return None,
                    _ => {}
                }
            }
        }
        if let Some(min) = rule.min_entropy {
            if shannon_entropy(secret) < min {
                return None;
            }
        }
        Some(confidence)
    }

    fn generic_at(
        &self,
        ri: usize,
        text: &[u8],
        h: &Hit,
        last_ident: &mut usize,
        locs: &mut Option<regex::bytes::CaptureLocations>,
        found: &mut Vec<Found>,
    ) {
        // The identifier around the keyword (a line break is not a key byte).
        let mut is = h.start;
        while is > 0 && is_key_byte(text[is - 1]) {
            is -= 1;
        }
        if is == *last_ident {
            return;
        }
        *last_ident = is;
        // What precedes the identifier says whether it is a key at all:
        // `arn:aws:secretsmanager:…:secret:name` (a segment of an ARN, URN or
        // path) and `${PASSWORD:+x}` (a shell expansion) are not assignments;
        // `"\nDB_PASSWORD=…"`: the `n` belongs to an escape, not to the key.
        let before = |k: usize| {
            if is >= k {
                text.get(is - k).copied()
            } else {
                None
            }
        };
        if before(1) == Some(b':') || (before(1) == Some(b'{') && before(2) == Some(b'$')) {
            return;
        }
        let escaped = before(1) == Some(b'\\');
        let mut ie = h.end;
        while ie < text.len() && is_key_byte(text[ie]) {
            ie += 1;
        }
        // Cheap checks first: an assignment operator must follow ...
        let at = |i: usize| text.get(i).copied().unwrap_or(b'\n');
        let mut j = ie;
        if matches!(at(j), b'"' | b'\'' | b'`') {
            j += 1;
        }
        if at(j) == b']' {
            j += 1;
        }
        while matches!(at(j), b' ' | b'\t') {
            j += 1;
        }
        match (at(j), at(j + 1)) {
            (b'=', b'=') | (b':', b':') => return,
            (b'=', b'>') | (b':', b'=') => j += 2,
            (b'=' | b':', _) => j += 1,
            _ => return,
        }
        while matches!(at(j), b' ' | b'\t') {
            j += 1;
        }
        // ... and an unquoted value must be the whole rest of the statement
        // (`x = self.token(...)` is code).
        if !matches!(at(j), b'"' | b'\'' | b'`') {
            let mut e = j;
            while e < text.len() && !is_unquoted_stop(text[e]) {
                e += 1;
            }
            let le = memchr::memchr(b'\n', &text[e..]).map_or(text.len(), |p| e + p);
            if e == j || !ends_statement(&text[e..le]) {
                return;
            }
        }
        let le = memchr::memchr(b'\n', &text[ie..]).map_or(text.len(), |p| ie + p);
        let mut ks = if escaped { is + 1 } else { is };
        while ks < ie && matches!(text[ks], b'-' | b'.') {
            ks += 1;
        }
        if !is_secret_key_bytes(&text[ks..ie]) {
            return;
        }
        // ASCII by construction (`is_key_byte`).
        let Ok(key) = std::str::from_utf8(&text[ks..ie]) else {
            return;
        };
        let key = trim_key(key);
        let rule = &self.rules[ri];
        let end = le.min(is + ASSIGNMENT_WINDOW);
        let locs = locs.get_or_insert_with(|| rule.regex.capture_locations());
        if rule.regex.captures_read(locs, &text[is..end]).is_none() {
            return;
        }
        let Some((group, r)) = (1..locs.len()).find_map(|g| locs.get(g).map(|(a, b)| (g, a..b)))
        else {
            return;
        };
        let (mut vs, mut ve) = (is + r.start, is + r.end);
        let quoted = group < 4;
        // `Authorization: Bearer <token>`.
        if !quoted {
            let word = &text[vs..ve];
            if [&b"bearer"[..], b"basic", b"token"]
                .iter()
                .any(|s| s.eq_ignore_ascii_case(word))
                && text.get(ve) == Some(&b' ')
            {
                vs = ve + 1;
                ve = vs;
                while ve < end
                    && !text[ve].is_ascii_whitespace()
                    && !matches!(text[ve], b'"' | b'\'' | b'`' | b',' | b';')
                {
                    ve += 1;
                }
            }
        }
        let Ok(mut value) = std::str::from_utf8(&text[vs..ve]) else {
            return;
        };
        let skip = auth_scheme_len(value);
        if skip > 0 {
            vs += skip;
            value = &value[skip..];
        }
        // `password2 = 'password2'`, `NextToken: NextToken}`: the value names the key.
        let bare = value.trim_end_matches(['}', ']', ')', ',', ';', '"', '\'']);
        if bare.eq_ignore_ascii_case(key)
            || key
                .to_ascii_lowercase()
                .ends_with(&bare.to_ascii_lowercase())
                && bare.len() >= 4
        {
            return;
        }
        let ctx = if quoted {
            ValueContext::Literal
        } else {
            ValueContext::UnquotedText
        };
        let next = if quoted { None } else { text.get(ve).copied() };
        if !quoted && !ends_statement(&text[ve..le]) {
            return; // `password = password + pad`, `a, b = user, password`
        }
        if !quoted && key_mentions(key, value) {
            return; // `self.password = password`
        }
        let Some((kind, confidence)) = judge_value(value, ctx, next) else {
            return;
        };
        found.push(Found {
            prio: ri,
            m: SecretMatch {
                rule_id: rule.id,
                rule_name: rule.name,
                span: vs..ve,
                key: Some(key.to_string()),
                confidence,
                kind,
            },
        });
    }

    /// A value taken from a parsed config file, with its key name (the last
    /// key segment, e.g. `DB_PASSWORD`) when known. In order:
    ///
    /// 1. placeholders (`${VAR}`, `vault:…`, `<your-password>`, …) give `None`;
    /// 2. provider patterns are tried on the value (tokens, PEM blocks, URLs
    ///    with credentials, `AccountKey=…`);
    /// 3. key-gated provider rules (a 40-char value under `AWS_SECRET_ACCESS_KEY`);
    /// 4. connection strings yield their password part;
    /// 5. the generic rule: a secret-named key plus a value that passes the
    ///    entropy/character-class floor, or a weak default (`SecretKind::WeakDefault`).
    ///
    /// The span is the byte range of the secret inside `value`.
    pub fn classify_value(&self, key: Option<&str>, value: &str) -> Option<SecretMatch> {
        // Trim whitespace and one pair of quotes, remembering the offset.
        let lead = value.len() - value.trim_start().len();
        let t = value.trim();
        let inner = strip_quotes(t);
        let off = lead + if inner.len() < t.len() { 1 } else { 0 };
        let v = inner;
        if is_placeholder(v) {
            return None;
        }
        // `firebaseApiKey`, google-services.json's `current_key`: a Firebase
        // client config's API key, public by design.
        if v.as_bytes().starts_with(GOOGLE_API_KEY_PREFIX)
            && key.is_some_and(|k| is_firebase_client_config(k.as_bytes()))
        {
            return None;
        }
        let key_string = key.map(|k| k.to_string());

        // 2. Provider rules over the value as text.
        let mut found = Vec::new();
        self.scan_into(v.as_bytes(), false, &mut found);
        let mut resolved = Vec::new();
        resolve(found, &mut resolved);
        if let Some(m) = resolved.into_iter().next() {
            if v.is_char_boundary(m.span.start) && v.is_char_boundary(m.span.end) {
                return Some(SecretMatch {
                    span: off + m.span.start..off + m.span.end,
                    key: key_string.or(m.key),
                    ..m
                });
            }
        }

        // 3. Key-gated provider rules.
        if let Some(k) = key {
            for &ri in &self.gated {
                let rule = &self.rules[ri];
                let (Some(kr), Some(vr)) = (&rule.key_regex, &rule.value_regex) else {
                    continue;
                };
                if !kr.is_match(k.as_bytes()) {
                    continue;
                }
                let Some(caps) = vr.captures(v.as_bytes()) else {
                    continue;
                };
                let Some((_, r)) = first_group(&caps) else {
                    continue;
                };
                let Some(confidence) = self.check_secret(rule, &v.as_bytes()[r.clone()]) else {
                    continue;
                };
                return Some(SecretMatch {
                    rule_id: rule.id,
                    rule_name: rule.name,
                    span: off + r.start..off + r.end,
                    key: key_string,
                    confidence,
                    kind: SecretKind::Secret,
                });
            }
        }

        // 4. Connection strings (key/value forms; URLs were handled in 2).
        if let Some(r) = connection_string_password(v) {
            let pw = &v[r.clone()];
            if is_placeholder(pw) {
                return None;
            }
            let rule = self.rule_by_id("connection-string")?;
            let kind = if is_weak_default(pw) {
                SecretKind::WeakDefault
            } else {
                SecretKind::Secret
            };
            let confidence = if kind == SecretKind::WeakDefault {
                Confidence::Medium
            } else {
                rule.confidence
            };
            return Some(SecretMatch {
                rule_id: rule.id,
                rule_name: rule.name,
                span: off + r.start..off + r.end,
                key: key_string,
                confidence,
                kind,
            });
        }

        // 5. Generic: secret-named key and a plausible value.
        let k = key?;
        if !is_secret_key_name(k) {
            return None;
        }
        let rule = &self.rules[self.generic?];
        let skip = auth_scheme_len(v);
        let val = &v[skip..];
        let (kind, confidence) = judge_value(val, ValueContext::Literal, None)?;
        Some(SecretMatch {
            rule_id: rule.id,
            rule_name: rule.name,
            span: off + skip..off + v.len(),
            key: key_string,
            confidence,
            kind,
        })
    }

    /// The "rules check": runs every rule's `examples` (each must be reported
    /// under that rule) and `negative_examples` (none may be) through
    /// [`Detector::scan_text`], and checks that every rule has at least one of
    /// each. Returns one line per problem; empty when all is well.
    pub fn check_rules(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut out = Vec::new();
        for r in &self.rules {
            if r.examples.is_empty() {
                problems.push(format!("{}: no examples", r.id));
            }
            if r.negative_examples.is_empty() {
                problems.push(format!("{}: no negative examples", r.id));
            }
            for ex in &r.examples {
                out.clear();
                self.scan_text(ex.as_bytes(), &mut out);
                if !out.iter().any(|m| m.rule_id == r.id) {
                    problems.push(format!("{}: example not detected: {ex:?}", r.id));
                }
            }
            for ex in &r.negative_examples {
                out.clear();
                self.scan_text(ex.as_bytes(), &mut out);
                if out.iter().any(|m| m.rule_id == r.id) {
                    problems.push(format!("{}: negative example detected: {ex:?}", r.id));
                }
            }
        }
        problems
    }

    fn rule_by_id(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// Sorts matches by position and drops those overlapping a higher-priority
/// (earlier) rule's match; a dropped match's key name is lent to the winner.
fn resolve(mut found: Vec<Found>, out: &mut Vec<SecretMatch>) {
    if found.is_empty() {
        return;
    }
    found.sort_by(|a, b| {
        a.m.span
            .start
            .cmp(&b.m.span.start)
            .then(a.prio.cmp(&b.prio))
            .then(b.m.span.end.cmp(&a.m.span.end))
    });
    let mut kept: Vec<Found> = Vec::with_capacity(found.len());
    for f in found {
        match kept.last_mut() {
            Some(k) if f.m.span.start < k.m.span.end => {
                if f.prio < k.prio {
                    let key = k.m.key.take();
                    *k = f;
                    if k.m.key.is_none() {
                        k.m.key = key;
                    }
                } else if k.m.key.is_none() {
                    k.m.key = f.m.key;
                }
            }
            _ => kept.push(f),
        }
    }
    out.extend(kept.into_iter().map(|f| f.m));
}
