//! One file: bytes → facts → secret occurrences. Pure over its inputs; the walk
//! calls it on every file in parallel.

use envguard_detect::{
    normalize_secret, redacted_preview, Detector, Fingerprinter, SecretKind, SecretMatch,
};
use envguard_model::{
    Diagnostic, DiagnosticKind, EnvAttribution, Fact, Format, Inventory, LineIndex, Region,
    ValueOrigin,
};
use envguard_rules::{FileFacts, SecretOccurrence};
use memchr::memmem;

/// An `envguard: ignore[...]` comment: it covers its own line and the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InlineIgnore {
    pub line: u32,
    pub rules: IgnoreRules,
}

/// The rules an inline ignore comment covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IgnoreRules {
    /// `envguard: ignore`: every rule.
    All,
    /// `envguard: ignore[R01.secret-reuse, …]`.
    Listed(Vec<String>),
    /// Another scanner's "not a secret" comment: the rules that report what the
    /// secret detector found ([`envguard_rules::Needs::secrets`]).
    Secrets,
}

impl IgnoreRules {
    pub fn covers(&self, rule_id: &str) -> bool {
        match self {
            IgnoreRules::All => true,
            IgnoreRules::Listed(ids) => ids.iter().any(|i| i == rule_id),
            IgnoreRules::Secrets => envguard_rules::needs_of(rule_id).secrets,
        }
    }
}

pub(crate) struct FileOutcome {
    pub facts: FileFacts,
    pub diagnostics: Vec<Diagnostic>,
    pub ignores: Vec<InlineIgnore>,
    pub parsed: bool,
    /// The CI/CD pipeline, when the file is one.
    pub pipeline: Option<envguard_pipeline::Pipeline>,
    /// Size of the file, filled in by the walk.
    pub bytes: u64,
    /// An HCL file's structure, evaluated with its directory after the walk.
    pub hcl: Option<envguard_infra::eval::HclFile>,
}

pub(crate) fn process_file(
    path: &str,
    bytes: &[u8],
    env: Option<EnvAttribution>,
    inventory: &Inventory,
    detector: &Detector,
    fingerprinter: &Fingerprinter,
    infra_wanted: bool,
) -> FileOutcome {
    // What a test's fixture names (an `environment: test` label in a Prometheus
    // rule test under `rules/production/`) is test data, not configuration.
    let infra_wanted = infra_wanted && !envguard_model::is_test_fixture(path);
    let mut secrets = Vec::new();
    let mut diagnostics = Vec::new();
    let mut hints = Vec::new();
    let mut parsed = false;
    // Lines that hold a parsed value: the text scan leaves them to the parser,
    // which knows the key and decodes base64.
    let mut fact_lines: Vec<(u32, u32)> = Vec::new();
    let mut lines: Option<LineIndex<'_>> = None;

    // The facts of a structured file other than HCL, read for the R04/NAM
    // rules once the file's environment is known (a file of no environment
    // gives the rules nothing).
    let mut infra_source: Vec<envguard_model::Fact> = Vec::new();
    let mut hcl = None;
    // A file too large for a structured reading (generated data) gets the
    // text scan only: bounded memory, time linear in its size.
    let limits = envguard_extract::Limits {
        structured_max_bytes: usize::try_from(inventory.scan.structured_max_bytes)
            .unwrap_or(usize::MAX),
    };
    let format = structured_format(path, bytes.len(), &limits, &mut diagnostics);
    // A CI file is configuration to scan and a pipeline to model: parsed once
    // for both.
    let ci = envguard_pipeline::CiSystem::of_path(path).filter(|_| format == Some(Format::Yaml));
    let mut ci_docs = None;
    if let Some(format) = format {
        parsed = true;
        let extraction = if format == Format::Hcl {
            let (extraction, text, body) = envguard_extract::extract_hcl(bytes);
            hcl = body
                .filter(|_| infra_wanted)
                .map(|b| envguard_infra::eval::HclFile {
                    path: path.to_owned(),
                    kind: envguard_infra::eval::HclKind::of_path(path),
                    body: envguard_infra::hcl::mirror(&text, &b),
                });
            extraction
        } else if ci.is_some() {
            let (extraction, docs) = envguard_extract::extract_yaml_with_docs(bytes);
            ci_docs = Some(docs);
            extraction
        } else {
            envguard_extract::extract(format, bytes)
        };
        for fact in &extraction.facts {
            fact_lines.push((fact.region.start_line, fact.region.end_line));
            // The key's own name (a JSON key may hold dots: `aws.secret.access.key`),
            // not its parents: `shared_secret_kms.statement.0.sid` is a `sid`.
            if let Some(m) = detector.classify_value(Some(fact.name()), &fact.value) {
                // A Firebase client config's API key (`AIza…`) is public by design.
                if fact
                    .value
                    .get(m.span.clone())
                    .is_some_and(|v| v.starts_with("AIza"))
                    && (envguard_detect::is_firebase_client_config(fact.key.as_bytes())
                        || envguard_detect::is_firebase_client_config(bytes))
                {
                    continue;
                }
                secrets.push(occurrence_from_fact(fact, &m, fingerprinter));
            }
        }
        // A template (Helm `templates/`, ERB, `${…}`-templated JSON) is not YAML
        // or JSON until rendered: its parse errors say nothing; its text is scanned.
        let template = !extraction.errors.is_empty()
            && matches!(format, Format::Yaml | Format::Json)
            && [&b"{{"[..], b"${", b"<%"]
                .iter()
                .any(|m| memmem::find(bytes, m).is_some());
        for issue in extraction.errors.iter().filter(|_| !template) {
            diagnostics.push(Diagnostic {
                kind: DiagnosticKind::ParseError,
                path: path.to_owned(),
                region: Some(issue.region),
                message: format!(
                    "not valid {}: {}; scanned as plain text instead",
                    format.as_str(),
                    issue.message
                ),
            });
        }
        if content_may_name_env(path) {
            hints = extraction.hints;
        }
        if infra_wanted && format != Format::Hcl {
            infra_source = extraction.facts;
        }
    }

    // Every file is scanned as text too: comments and values a parser does not
    // turn into facts (commented-out keys, interpolated strings) can hold secrets.
    {
        let mut matches: Vec<SecretMatch> = Vec::new();
        scan_text_bounded(detector, bytes, &mut matches);
        if !matches.is_empty() {
            let idx = lines.get_or_insert_with(|| LineIndex::new(bytes));
            for m in matches {
                // A dictionary default outside a parsed value is a comment or
                // prose (`# SMTP_PASSWORD=changeme`), not a configured credential.
                if m.kind == SecretKind::WeakDefault {
                    continue;
                }
                let region = idx.region(m.span.start, m.span.end);
                let overlaps = |(a, b): (u32, u32)| a <= region.end_line && region.start_line <= b;
                let covered = fact_lines.iter().any(|r| overlaps(*r))
                    || secrets.iter().any(|s: &SecretOccurrence| {
                        overlaps((s.region.start_line, s.region.end_line))
                    });
                if covered {
                    continue;
                }
                let Some(secret) = bytes.get(m.span.clone()) else {
                    continue;
                };
                let mut occ = occurrence(&m, secret, region, None, false, fingerprinter);
                // `# DB_PASSWORD=…` in an env file: a commented-out line.
                occ.commented = format == Some(Format::Dotenv) && {
                    let ls = memchr::memrchr(b'\n', &bytes[..m.span.start]).map_or(0, |p| p + 1);
                    bytes[ls..m.span.start].trim_ascii_start().first() == Some(&b'#')
                };
                secrets.push(occ);
            }
        }
    }

    let pipeline = ci.zip(ci_docs.as_ref()).and_then(|(system, docs)| {
        let resolve = |name: &str| inventory.resolve_name(name);
        // Parse problems of the file were reported by the YAML extractor already.
        envguard_pipeline::read(path, system, docs, &resolve)
    });
    drop(ci_docs);
    // A CI file names many environments (`environment: production`, `stage: test`):
    // its jobs are judged one by one by the pipeline rules, the file belongs to none.
    let env = env.or_else(|| {
        if pipeline.is_some() {
            None
        } else {
            env_from_hints(path, &hints, inventory)
        }
    });
    if env.is_none() {
        scope_to_env_maps(&mut secrets, inventory);
    }
    let mut infra = if env.is_some() && !infra_source.is_empty() {
        envguard_infra::from_facts(&infra_source)
    } else {
        envguard_infra::InfraFacts::default()
    };
    drop(infra_source);
    // A Terraform plan (`terraform show -json`) gives the production profile
    // rules the same resource controls as the `.tf` files it was made from.
    if env.is_some()
        && infra_wanted
        && format == Some(Format::Json)
        && envguard_infra::plan::looks_like_plan(bytes)
    {
        match envguard_infra::plan::read(bytes) {
            Ok(Some(p)) => {
                infra.resources.extend(p.resources);
                infra.cloud_regions.extend(p.cloud_regions);
            }
            Ok(None) => {}
            Err(e) => diagnostics.push(Diagnostic {
                kind: DiagnosticKind::ParseError,
                path: path.to_owned(),
                region: None,
                message: e.to_string(),
            }),
        }
    }
    // A token inside a secret is never a marker (and is never printed).
    infra.tokens.retain(|t| {
        !secrets.iter().any(|s| {
            s.region.start_line <= t.region.end_line && t.region.start_line <= s.region.end_line
        })
    });
    let ignores = find_inline_ignores(bytes, &mut lines);
    // A YAML value written once under an anchor (`password: &pw …`) and used
    // through aliases (`*pw`, `<<: *defaults`) is one secret: the extractor
    // gives a fact per key path, all at the place the value is written, and
    // the first that is a secret stands for them (see envguard-extract's tree walk).
    secrets.sort_by_key(|s| (s.region, s.fingerprint));
    secrets.dedup_by_key(|s| (s.region, s.fingerprint));
    // A log or event sample is judged by R03.event-labels, not as a dataset.
    let event_log = crate::events::is_event_log(path, bytes)
        .then(|| crate::events::scan(path, bytes, env.as_ref(), inventory, &mut diagnostics));
    FileOutcome {
        facts: FileFacts {
            path: path.to_owned(),
            role: envguard_model::PathRole::of(path),
            dataset: if event_log.is_none()
                && crate::dataset::is_nonprod_dataset(path, env.as_ref(), bytes)
            {
                crate::dataset::scan(path, bytes)
            } else {
                None
            },
            event_log,
            env,
            secrets,
            hints,
            infra,
        },
        diagnostics,
        ignores,
        parsed,
        pipeline,
        bytes: bytes.len() as u64,
        hcl,
    }
}

/// The format a file is read in, when it has one and its size allows a
/// structured reading; a note when its size does not.
fn structured_format(
    path: &str,
    len: usize,
    limits: &envguard_extract::Limits,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Format> {
    let format = envguard_extract::detect_format(path)?;
    if limits.allows(len) {
        return Some(format);
    }
    diagnostics.push(Diagnostic {
        kind: DiagnosticKind::TextOnly,
        path: path.to_owned(),
        region: None,
        message: format!(
            "{len} bytes is over the {}-byte limit for reading a {} file's structure (`[scan] structured_max_bytes`); scanned as text only",
            limits.structured_max_bytes,
            format.as_str()
        ),
    });
    None
}

/// Bytes the text scan reads at once on a file with a very long line.
const SCAN_WINDOW: usize = 256 * 1024;
/// Context read on each side of a window: the key before a value, a long token.
const SCAN_OVERLAP: usize = 16 * 1024;

/// [`Detector::scan_text`] in time linear in the text, whatever its lines.
///
/// The detector looks at the line around each candidate (its start for the
/// key, its end for what follows a value): on one 10 MB line (minified JSON,
/// one-line YAML, generated data) every candidate costs the whole line, and
/// the scan is quadratic. A text with a line longer than [`SCAN_WINDOW`] is
/// scanned in windows of that size, each read with [`SCAN_OVERLAP`] bytes of
/// context on both sides; a window keeps the matches that start in it. Other
/// texts are scanned whole, as before.
fn scan_text_bounded(detector: &Detector, bytes: &[u8], out: &mut Vec<SecretMatch>) {
    if has_line_longer_than(bytes, SCAN_WINDOW) {
        scan_windows(detector, bytes, SCAN_WINDOW, SCAN_OVERLAP, out);
    } else {
        detector.scan_text(bytes, out);
    }
}

fn scan_windows(
    detector: &Detector,
    bytes: &[u8],
    window: usize,
    overlap: usize,
    out: &mut Vec<SecretMatch>,
) {
    let mut found = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let end = (start + window).min(bytes.len());
        let lo = start.saturating_sub(overlap);
        let hi = (end + overlap).min(bytes.len());
        detector.scan_text(&bytes[lo..hi], &mut found);
        for mut m in found.drain(..) {
            let at = m.span.start + lo;
            if (start..end).contains(&at) {
                m.span = at..m.span.end + lo;
                out.push(m);
            }
        }
        start = end;
    }
}

fn has_line_longer_than(bytes: &[u8], max: usize) -> bool {
    if bytes.len() <= max {
        return false;
    }
    let mut line_start = 0;
    for nl in memchr::memchr_iter(b'\n', bytes) {
        if nl - line_start > max {
            return true;
        }
        line_start = nl + 1;
    }
    bytes.len() - line_start > max
}

fn occurrence_from_fact(fact: &Fact, m: &SecretMatch, fp: &Fingerprinter) -> SecretOccurrence {
    let value = fact.value.as_bytes();
    let secret = value.get(m.span.clone()).unwrap_or(value);
    // When the value is written verbatim on one line, point at the secret inside
    // it (the password of a connection string), else at the whole value.
    let r = fact.region;
    let written_chars = r.end_column.saturating_sub(r.start_column) as usize;
    let region = if fact.origin == ValueOrigin::Plain
        && r.start_line == r.end_line
        && written_chars == fact.value.chars().count()
        && fact.value.is_char_boundary(m.span.start)
        && fact.value.is_char_boundary(m.span.end)
    {
        let before = fact.value[..m.span.start].chars().count() as u32;
        let len = fact.value[m.span.clone()].chars().count() as u32;
        Region::new(
            r.start_line,
            r.start_column + before,
            r.end_line,
            r.start_column + before + len,
        )
    } else {
        r
    };
    let mut occ = occurrence(
        m,
        secret,
        region,
        Some(fact),
        fact.origin == ValueOrigin::Base64,
        fp,
    );
    if occ.key.is_none() {
        occ.key = Some(fact.name().to_owned());
    }
    occ
}

fn occurrence(
    m: &SecretMatch,
    secret: &[u8],
    region: Region,
    fact: Option<&Fact>,
    base64: bool,
    fp: &Fingerprinter,
) -> SecretOccurrence {
    let normalized = normalize_secret(m.rule_id, secret);
    SecretOccurrence {
        detector: m.rule_id,
        detector_name: m.rule_name,
        key: fact.map(|f| f.name().to_owned()).or_else(|| m.key.clone()),
        key_path: fact.map(|f| f.key.clone()),
        region,
        fingerprint: fp.fingerprint(m.rule_id, &normalized),
        preview: redacted_preview(&String::from_utf8_lossy(secret)),
        weak_default: m.kind == SecretKind::WeakDefault,
        base64,
        commented: false,
        scope: None,
    }
}

/// A shared file's per-environment maps (`production:` and `staging:` in one
/// Helm `values.yaml`, top level or one down): a value under such a map
/// belongs to that environment, so reuse between them is seen. Only names
/// that are environments whatever the context (`test:` is as often test
/// settings as the test environment).
fn scope_to_env_maps(secrets: &mut [SecretOccurrence], inventory: &Inventory) {
    for s in secrets.iter_mut() {
        let Some(key) = s.key_path.as_deref() else {
            continue;
        };
        let names_env =
            |seg: &str| !envguard_model::is_weak_name(seg) && inventory.resolve_name(seg).is_some();
        let Some(seg) = envguard_extract::env_scope(key, names_env) else {
            continue;
        };
        s.scope = inventory
            .resolve_name(seg)
            .map(|(name, tier)| EnvAttribution {
                name,
                tier,
                evidence: format!("the `{seg}:` map of a shared file"),
            });
    }
}

/// Whether the environments a file's content names may be its own: not in a
/// test or fixture (`tests/`, `testdata/`, `alerts_test.yaml`), which
/// describes environments, and not in a reusable Terraform module (a `.tf`
/// under `modules/`), whose `variable "env" { default = "dev" }` is a default
/// for its callers.
fn content_may_name_env(path: &str) -> bool {
    if envguard_model::is_test_path(path) {
        return false;
    }
    let lower = path.to_ascii_lowercase();
    let module_tf = lower.ends_with(".tf") && lower.rsplit('/').skip(1).any(|d| d == "modules");
    !module_tf
}

/// A file with no environment in its path takes the one its content names
/// (a Kubernetes namespace, a Terraform `environment = "prod"`), when every
/// hint that resolves agrees. Conventional names that are ordinary words
/// (`live`, `local`, `test`, …) count only when `envguard.toml` declares them.
fn env_from_hints(
    path: &str,
    hints: &[envguard_model::EnvHint],
    inventory: &Inventory,
) -> Option<EnvAttribution> {
    let mut found: Option<(String, envguard_model::Tier, &envguard_model::EnvHint)> = None;
    for h in hints {
        // A weak word (`test`, `sandbox`, `integration`) counts when the path
        // agrees: `environment = "test"` in `namespaces/payments-test/…`.
        let resolved = inventory.resolve_content_name(&h.name).or_else(|| {
            path_names(path, &h.name)
                .then(|| inventory.resolve_name(&h.name))
                .flatten()
        });
        let Some((name, tier)) = resolved else {
            continue;
        };
        match &found {
            Some((n, _, _)) if *n != name => return None,
            Some(_) => {}
            None => found = Some((name, tier, h)),
        }
    }
    // A folder whose name ends in another environment (`ai-training-preprod/`
    // with `environment = "staging"` inside) outranks the content: the two
    // disagree, and the file is attributed to neither. Only the last part of a
    // folder name counts: `laa-ccms-staging-api-prod/` is a product named
    // `…-staging-api` deployed to prod.
    if let (Some((name, _, _)), Some((dirs, _))) = (&found, path.rsplit_once('/')) {
        let other = dirs
            .split('/')
            .filter_map(|seg| seg.rsplit(['-', '_', '.']).next())
            .filter_map(|part| inventory.resolve_content_name(part))
            .any(|(n, _)| n != *name);
        if other {
            return None;
        }
    }
    found.map(|(name, tier, h)| EnvAttribution {
        evidence: format!("{} \"{}\" on line {}", h.key, h.name, h.region.start_line),
        name,
        tier,
    })
}

/// True when a folder of `path` has `word` as one of its `-`/`_`/`.`-separated
/// parts (`payments-test` has `test`). The file name itself does not count.
fn path_names(path: &str, word: &str) -> bool {
    let Some((dirs, _)) = path.rsplit_once('/') else {
        return false;
    };
    dirs.split('/')
        .flat_map(|seg| seg.split(['-', '_', '.']))
        .any(|part| part.eq_ignore_ascii_case(word))
}

fn find_inline_ignores<'a>(
    bytes: &'a [u8],
    lines: &mut Option<LineIndex<'a>>,
) -> Vec<InlineIgnore> {
    const MARK: &[u8] = b"envguard: ignore";
    let mut out = Vec::new();
    // The allow comments of gitleaks, detect-secrets and trufflehog say "not a secret" too.
    for mark in [
        &b"gitleaks:allow"[..],
        b"pragma: allowlist secret",
        b"trufflehog:ignore",
    ] {
        for at in memmem::find_iter(bytes, mark) {
            let idx = lines.get_or_insert_with(|| LineIndex::new(bytes));
            let (line, _) = idx.position(at);
            out.push(InlineIgnore {
                line,
                rules: IgnoreRules::Secrets,
            });
        }
    }
    for at in memmem::find_iter(bytes, MARK) {
        let idx = lines.get_or_insert_with(|| LineIndex::new(bytes));
        let (line, _) = idx.position(at);
        let rest = &bytes[at + MARK.len()..];
        let rules = if rest.first() == Some(&b'[') {
            let end = memchr::memchr2(b']', b'\n', rest).unwrap_or(rest.len());
            let list = String::from_utf8_lossy(&rest[1..end]);
            IgnoreRules::Listed(
                list.split(',')
                    .map(|r| r.trim().to_owned())
                    .filter(|r| !r.is_empty())
                    .collect(),
            )
        } else {
            IgnoreRules::All
        };
        out.push(InlineIgnore { line, rules });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_ignores_parse_rule_lists() {
        let text = b"a=1\n# envguard: ignore[R01.secret-reuse, R01.hardcoded-secret]\nb=2 # envguard: ignore\n";
        let mut lines = None;
        let found = find_inline_ignores(text, &mut lines);
        assert_eq!(
            found,
            vec![
                InlineIgnore {
                    line: 2,
                    rules: IgnoreRules::Listed(vec![
                        "R01.secret-reuse".into(),
                        "R01.hardcoded-secret".into()
                    ])
                },
                InlineIgnore {
                    line: 3,
                    rules: IgnoreRules::All
                },
            ]
        );
    }

    /// The environment `process_file` gives a file whose path names none.
    fn env_of(path: &str, text: &str, inventory: &Inventory) -> Option<String> {
        let fp = envguard_detect::Fingerprinter::with_key(b"process-tests");
        let out = process_file(
            path,
            text.as_bytes(),
            inventory.attribute(path),
            inventory,
            Detector::builtin(),
            &fp,
            false,
        );
        out.facts.env.map(|e| e.name)
    }

    #[test]
    fn a_file_over_the_structured_limit_is_read_as_text_only() {
        let limits = envguard_extract::Limits {
            structured_max_bytes: 1000,
        };
        let mut notes = Vec::new();
        assert_eq!(
            structured_format("data/dump.yaml", 1000, &limits, &mut notes),
            Some(Format::Yaml)
        );
        assert_eq!(
            structured_format("README.md", 5000, &limits, &mut notes),
            None
        );
        assert_eq!(notes, vec![]);
        assert_eq!(
            structured_format("data/dump.yaml", 1001, &limits, &mut notes),
            None
        );
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].kind, DiagnosticKind::TextOnly);
        assert_eq!(
            notes[0].message,
            "1001 bytes is over the 1000-byte limit for reading a yaml file's structure (`[scan] structured_max_bytes`); scanned as text only"
        );
    }

    /// A one-line file (minified JSON) is scanned in windows: the same matches
    /// as a scan of the whole text, those across window edges included.
    #[test]
    fn a_long_line_is_scanned_in_windows_with_the_same_matches() {
        let mut text = String::from("{\"items\":[");
        let mut i = 0u64;
        while text.len() < 48 * 1024 {
            // A distinct GitHub token per item, and a generic password.
            let token: String = format!("{:036x}", i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
                .chars()
                .take(36)
                .collect();
            text.push_str(&format!(
                "{{\"name\":\"svc-{i}\",\"token\":\"ghp_{token}\",\"db_password\":\"Qz{i}x-Lm8vR2tK9p\"}},"
            ));
            i += 1;
        }
        text.push_str("{}]}");
        let bytes = text.as_bytes();
        let detector = Detector::builtin();
        let mut whole = Vec::new();
        detector.scan_text(bytes, &mut whole);
        // Small windows keep the whole-text scan (quadratic) quick; the first
        // window's edge falls inside a secret.
        let cut = whole
            .iter()
            .find(|m| m.span.start > 15 * 1024)
            .map(|m| m.span.start + 5)
            .unwrap();
        let (window, overlap) = (cut, 4 * 1024);
        assert!(has_line_longer_than(bytes, window));
        let mut windowed = Vec::new();
        scan_windows(detector, bytes, window, overlap, &mut windowed);
        let spans = |v: &[SecretMatch]| {
            v.iter()
                .map(|m| (m.rule_id, m.span.clone(), m.key.clone()))
                .collect::<Vec<_>>()
        };
        assert!(whole.len() > 400, "{}", whole.len());
        // Matches start on both sides of every window edge.
        for edge in [window, 2 * window] {
            assert!(whole
                .iter()
                .any(|m| m.span.start < edge && m.span.start > edge - 200));
            assert!(whole
                .iter()
                .any(|m| m.span.start >= edge && m.span.start < edge + 200));
        }
        assert_eq!(spans(&windowed), spans(&whole));
        // Short lines: no windows.
        assert!(!has_line_longer_than(b"a=1\nb=2\n", 4));
        assert!(has_line_longer_than(b"a=1\nb=22222\n", 4));
    }

    fn secrets_of(path: &str, text: &str) -> Vec<(Option<String>, Region)> {
        let fp = envguard_detect::Fingerprinter::with_key(b"process-tests");
        let inv = Inventory::default();
        let out = process_file(
            path,
            text.as_bytes(),
            None,
            &inv,
            Detector::builtin(),
            &fp,
            false,
        );
        out.facts
            .secrets
            .iter()
            .map(|s| (s.key.clone(), s.region))
            .collect()
    }

    /// A secret written once under an anchor and used through aliases is one
    /// occurrence, where it is written; the same value written twice is two.
    #[test]
    fn an_aliased_secret_is_one_occurrence() {
        let text = "\
x-db: &db
  DB_PASSWORD: \"Vq8#nR2xLm5tK9pZ\"
  DB_HOST: db.internal
services:
  api:
    environment: *db
  worker:
    environment: *db
  cron:
    environment:
      <<: *db
      LOG_LEVEL: info
";
        assert_eq!(
            secrets_of("docker-compose.yml", text),
            vec![(Some("DB_PASSWORD".into()), Region::new(2, 17, 2, 33))]
        );
        // The anchor's key says nothing; an alias's key says `password`.
        let text = "value: &v \"Vq8#nR2xLm5tK9pZ\"\napp:\n  password: *v\n  db_password: *v\n";
        assert_eq!(
            secrets_of("config.yaml", text),
            vec![(Some("password".into()), Region::new(1, 12, 1, 28))]
        );
        let copies = "x-db:\n  DB_PASSWORD: \"Vq8#nR2xLm5tK9pZ\"\nservices:\n  api:\n    environment:\n      DB_PASSWORD: \"Vq8#nR2xLm5tK9pZ\"\n";
        assert_eq!(secrets_of("docker-compose.yml", copies).len(), 2);
    }

    #[test]
    fn module_arguments_do_not_attribute_a_file() {
        let inv = Inventory::default();
        let text =
            "module \"app\" {\n  source      = \"./app\"\n  environment = \"production\"\n}\n";
        assert_eq!(env_of("stacks/app/main.tf", text, &inv), None);
        let text = "resource \"x\" \"y\" {\n  environment = \"production\"\n}\n";
        assert_eq!(env_of("stacks/app/main.tf", text, &inv), None);
        let text = "locals {\n  environment = \"production\"\n}\n";
        assert_eq!(
            env_of("stacks/app/main.tf", text, &inv).as_deref(),
            Some("prod")
        );
    }

    #[test]
    fn weak_names_in_content_need_a_declaration() {
        let text = "variable \"environment\" {\n  default = \"live\"\n}\n";
        assert_eq!(
            env_of("stacks/app/main.tf", text, &Inventory::default()),
            None
        );
        let ns = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: test\n";
        assert_eq!(env_of("k8s/app/cm.yaml", ns, &Inventory::default()), None);
        let inv = Inventory::parse("[environments.prod]\ntier = \"prod\"\naliases = [\"live\"]\n")
            .unwrap();
        assert_eq!(
            env_of("stacks/app/main.tf", text, &inv).as_deref(),
            Some("prod")
        );
        let text = "variable \"environment\" {\n  default = \"production\"\n}\n";
        assert_eq!(
            env_of("stacks/app/main.tf", text, &Inventory::default()).as_deref(),
            Some("prod")
        );
        // A weak word the path agrees with counts: the folder says `test` too.
        let text = "variable \"environment\" {\n  default = \"test\"\n}\n";
        assert_eq!(
            env_of(
                "namespaces/payments-test/main.tf",
                text,
                &Inventory::default()
            )
            .as_deref(),
            Some("test")
        );
        assert_eq!(
            env_of("namespaces/payments/test.tf", text, &Inventory::default()),
            None
        );
        // A folder naming another environment outranks the content.
        let text = "variable \"environment\" {\n  default = \"staging\"\n}\n";
        assert_eq!(
            env_of(
                "namespaces/ai-training-preprod/resources/variables.tf",
                text,
                &Inventory::default()
            ),
            None
        );
        assert_eq!(
            env_of(
                "namespaces/ai-training-staging/resources/variables.tf",
                text,
                &Inventory::default()
            )
            .as_deref(),
            Some("staging")
        );
        // A product whose name holds another environment, deployed to prod.
        let text = "variable \"environment\" {\n  default = \"production\"\n}\n";
        assert_eq!(
            env_of(
                "namespaces/laa-ccms-staging-api-prod/resources/variables.tf",
                text,
                &Inventory::default()
            )
            .as_deref(),
            Some("prod")
        );
    }

    #[test]
    fn test_fixtures_are_not_attributed_by_content() {
        let inv = Inventory::default();
        let ns = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: production\n";
        assert_eq!(env_of("k8s/app/cm.yaml", ns, &inv).as_deref(), Some("prod"));
        assert_eq!(env_of("tests/k8s/cm.yaml", ns, &inv), None);
        assert_eq!(env_of("pkg/testdata/cm.yaml", ns, &inv), None);
        assert_eq!(env_of("k8s/app/cm_test.yaml", ns, &inv), None);
        let promtool = "rule_files:\n  - alerts.yaml\ntests:\n  - interval: 1m\n    alert_rule_test:\n      - alertname: Down\n        exp_alerts:\n          - exp_labels:\n              environment: production\n";
        assert_eq!(
            env_of("monitoring/alerts.test-cases.yml", promtool, &inv),
            None
        );
        assert_eq!(env_of("monitoring/alert-tests.yml", promtool, &inv), None);
        // A path that names the test environment keeps it.
        assert_eq!(
            env_of("envs/test/cm.yaml", ns, &inv).as_deref(),
            Some("test")
        );
    }

    #[test]
    fn reusable_modules_are_not_attributed_by_content() {
        let inv = Inventory::default();
        let text = "variable \"env\" {\n  default = \"dev\"\n}\n";
        assert_eq!(env_of("modules/vpc/variables.tf", text, &inv), None);
        assert_eq!(
            env_of("infra/modules/net/vpc/variables.tf", text, &inv),
            None
        );
        assert_eq!(
            env_of("stacks/vpc/variables.tf", text, &inv).as_deref(),
            Some("dev")
        );
        // Path attribution stays as it is.
        assert_eq!(
            env_of("envs/prod/modules/vpc/variables.tf", text, &inv).as_deref(),
            Some("prod")
        );
    }
}
