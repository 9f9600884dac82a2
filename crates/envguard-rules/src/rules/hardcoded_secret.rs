use crate::{finding_id, Context, FileFacts, Rule};
use envguard_model::{
    Confidence, Finding, FindingBuilder, Location, PathRole, RuleMeta, Severity, Tier,
};
use std::collections::HashMap;

crate::declare_rule! {
    /// # R01.hardcoded-secret
    ///
    /// ## What it does
    /// Finds a secret written into a file of the repository: a provider key (AWS,
    /// GCP, Azure, GitHub, GitLab, Slack, Stripe, Twilio, SendGrid, OpenAI,
    /// Anthropic), a JWT, a PEM private key, a password inside a connection string,
    /// or a value assigned to a secret-named key (`password`, `secret`, `token`,
    /// `api_key`, `dsn`, …) that is random enough to be real.
    ///
    /// Placeholders are not secrets: `${VAR}`, `$(cmd)`, `{{ … }}`, `<your-key>`,
    /// `${{ secrets.X }}`, vault and secret-manager references, empty values,
    /// public keys, and documented example credentials (`AKIAIOSFODNN7EXAMPLE`).
    /// Dictionary defaults such as `changeme` or `admin` are reported only in
    /// prod-attributed files, as weak defaults.
    ///
    /// Public identifiers are not secrets either: Stripe publishable keys
    /// (`pk_live_…`), Mapbox public tokens (`pk.…`), Google Analytics and Tag
    /// Manager ids and `gtm_auth`, Algolia search-only keys, Sentry DSNs, and
    /// the API key of a Firebase client config. Neither are the hashes and
    /// fingerprints other scanners leave behind (`hashed_secret` in a
    /// detect-secrets `.secrets.baseline`, gitleaks fingerprints).
    ///
    /// Severity follows the file's role (its path, see `PathRole`): error in
    /// deploy configuration and source of prod- and test-attributed files and
    /// of shared files (which every environment builds from), warning in
    /// dev-attributed ones. In docs (`*.md`, `docs/`), tests and fixtures
    /// (`tests/`, `testdata/`, `*_test.go`, `*.spec.ts`), examples
    /// (`.env.example`, `sample.env`, `*.template`, `examples/`), local stacks
    /// (`docker-compose*.yml`, `.devcontainer/`, unless attributed to a test or
    /// prod environment) and on commented-out lines of env files
    /// (`# DB_PASSWORD=…`), a value is a note, unless the same value is in the
    /// configuration an environment runs with (for a local stack: a test or
    /// prod environment), which makes it an error.
    /// `# gitleaks:allow` and `# pragma: allowlist secret` comments are honoured
    /// like `envguard: ignore`, so a repository moving from those tools keeps its
    /// reviewed exceptions.
    ///
    /// ## Why it matters
    /// 002 §5: "No secrets in repositories"; 000 §3 R-01 and 000 §2: production
    /// secrets are "stored and accessed via production secret store". A secret in
    /// git is readable by everyone with clone access, forever (history keeps it).
    ///
    /// ## Example
    /// ```yaml
    /// # k8s/overlays/prod/secret.yaml
    /// apiVersion: v1
    /// kind: Secret
    /// data:
    ///   STRIPE_KEY: c2tfbGl2ZV8...   # base64 of a live Stripe key
    /// ```
    ///
    /// ## Fix
    /// Remove the value, rotate it (it is in git history), and load it at deploy
    /// time from the environment's secret store: an `ExternalSecret`, a sealed or
    /// SOPS-encrypted secret, a CI secret bound to a protected environment.
    pub struct HardcodedSecret {
        id: "R01.hardcoded-secret",
        summary: "A secret value is written into the repository",
        severity: Severity::Error,
        clauses: "000 §3 R-01; 002 §5",
    }
}

impl Rule for HardcodedSecret {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn needs(&self) -> crate::Needs {
        crate::Needs::SECRETS
    }

    fn check(&self, ctx: &Context<'_>, out: &mut Vec<Finding>) {
        // The highest tier whose running configuration holds each value, and
        // that environment's name.
        let mut deployed: HashMap<[u8; 32], (Tier, &str)> = HashMap::new();
        for file in ctx.files {
            let Some(env) = file.env.as_ref().filter(|_| runs_with(file)) else {
                continue;
            };
            for s in file
                .secrets
                .iter()
                .filter(|s| !s.commented && !s.weak_default)
            {
                let e = deployed
                    .entry(s.fingerprint)
                    .or_insert((env.tier, env.name.as_str()));
                if env.tier > e.0 {
                    *e = (env.tier, env.name.as_str());
                }
            }
        }
        for file in ctx.files {
            let tier = file.env.as_ref().map(|e| e.tier);
            let env_name = file.env.as_ref().map(|e| e.name.as_str()).unwrap_or("");
            let role = PathRole::of(&file.path);
            let illustrative = !runs_with(file) && role.is_illustrative();
            let severity = match tier {
                Some(Tier::Dev) => Severity::Warning,
                _ => Severity::Error,
            };
            // Disambiguates the id when one file assigns the same key twice.
            let mut seen: HashMap<String, u32> = HashMap::new();
            // A YAML anchor's value read again through each alias
            // (`value: *gtm-auth`) is one secret at one place: reported once.
            let mut at: std::collections::HashSet<(u32, u32, [u8; 32])> =
                std::collections::HashSet::new();
            for s in &file.secrets {
                if s.weak_default && tier != Some(Tier::Prod) {
                    continue;
                }
                if !at.insert((s.region.start_line, s.region.start_column, s.fingerprint)) {
                    continue;
                }
                let id_key = s.key_path.clone().unwrap_or_else(|| s.label().to_owned());
                let n = seen.entry(id_key.clone()).or_insert(0);
                *n += 1;
                let id_key = if *n > 1 {
                    format!("{id_key}#{n}")
                } else {
                    id_key
                };
                let where_ = match (&file.env, role) {
                    (Some(e), _) => format!("in {} ({} tier)", e.name, e.tier),
                    (None, PathRole::Docs) if illustrative => "in a docs file".to_owned(),
                    (None, PathRole::Test) if illustrative => "in a test file".to_owned(),
                    (None, PathRole::Example) if illustrative => "in an example file".to_owned(),
                    (None, PathRole::Local) if illustrative => "in a local dev stack".to_owned(),
                    (None, _) => "in a shared file".to_owned(),
                };
                // Docs, tests, examples, local stacks and commented-out lines
                // hold stand-ins: a note, unless an environment runs with the
                // same value (a local stack: a test or prod environment).
                let mut severity = severity;
                let mut also_in = None;
                if illustrative || s.commented {
                    match deployed.get(&s.fingerprint) {
                        Some(&(t, env)) if role != PathRole::Local || t > Tier::Dev => {
                            severity = Severity::Error;
                            also_in = Some(env);
                        }
                        _ => severity = Severity::Note,
                    }
                }
                let what = if s.base64 {
                    format!("{} (base64-encoded)", s.detector_name)
                } else {
                    s.detector_name.to_owned()
                };
                let message = if s.weak_default {
                    format!(
                        "{} has a weak default credential ({}) in production",
                        s.display_key(),
                        s.preview
                    )
                } else if s.key.is_some() {
                    format!(
                        "{} holds a hard-coded {what} ({}) {where_}",
                        s.display_key(),
                        s.preview
                    )
                } else {
                    format!("Hard-coded {what} ({}) {where_}", s.preview)
                };
                let message = match (also_in, s.commented) {
                    (Some(env), _) => format!("{message}; {env} runs with the same value"),
                    (None, true) => format!("{message} (commented out)"),
                    (None, false) => message,
                };
                let mut b = FindingBuilder::new(
                    Self::META.id,
                    severity,
                    Location {
                        path: file.path.clone(),
                        region: s.region,
                    },
                )
                .message(message)
                .confidence(if s.weak_default {
                    Confidence::Medium
                } else {
                    Confidence::High
                })
                .id(finding_id(Self::META.id, &file.path, &id_key, env_name));
                if let Some(e) = &file.env {
                    b = b.environment(e.name.clone());
                }
                out.push(b.build());
            }
        }
    }
}

/// Whether an environment runs with the values of `file`: deploy configuration
/// and source, and a local stack (`docker-compose.yml`) attributed to a test or
/// prod environment (`envs/prod/docker-compose.yml`). Not docs, tests, examples
/// or a developer's local stack.
pub(crate) fn runs_with(file: &FileFacts) -> bool {
    match PathRole::of(&file.path) {
        PathRole::Deploy | PathRole::Source => true,
        PathRole::Local => file.env.as_ref().is_some_and(|e| e.tier > Tier::Dev),
        PathRole::Test | PathRole::Docs | PathRole::Example => false,
    }
}
