use crate::{finding_id, Context, Rule};
use envguard_model::{Confidence, Finding, FindingBuilder, Location, RuleMeta, Severity, Tier};
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
    /// Severity: error in prod- and test-attributed files and in shared files
    /// (which every environment builds from), warning in dev-attributed files
    /// and in tests and fixtures (`tests/`, `testdata/`, `*_test.go`, `*.spec.ts`).
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
        for file in ctx.files {
            let tier = file.env.as_ref().map(|e| e.tier);
            let env_name = file.env.as_ref().map(|e| e.name.as_str()).unwrap_or("");
            // Tests and fixtures mostly hold fakes: a warning, not an error.
            let test_file = envguard_model::is_test_path(&file.path);
            let severity = match tier {
                Some(Tier::Dev) => Severity::Warning,
                _ if test_file => Severity::Warning,
                _ => Severity::Error,
            };
            // Disambiguates the id when one file assigns the same key twice.
            let mut seen: HashMap<String, u32> = HashMap::new();
            for s in &file.secrets {
                if s.weak_default && tier != Some(Tier::Prod) {
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
                let where_ = match &file.env {
                    Some(e) => format!("in {} ({} tier)", e.name, e.tier),
                    None => "in a shared file".to_owned(),
                };
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
