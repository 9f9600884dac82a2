//! Hand-built scan results shared by the renderer tests and the `sample` example.
#![allow(dead_code)]

use envguard_model::{
    Confidence, Diagnostic, DiagnosticKind, EnvSummary, FindingBuilder, Location, Region, RuleMeta,
    ScanResult, ScanStats, Severity, Suppression, SuppressionKind, Tier,
};

pub const TOOL_VERSION: &str = "1.2.3";

pub const SECRET_REUSE: RuleMeta = RuleMeta {
    id: "R01.secret-reuse",
    summary: "The same secret value is used in two or more environments",
    default_severity: Severity::Error,
    clauses: "000 §3 R-01; 002 §2; 002 §7",
    doc: "# R01.secret-reuse\n\n## What it does\nFinds a secret value that occurs in files of two or more environments.\n\n## Why it matters\n000 §3 R-01: \"No secret value may be reused across DEV/TEST/PROD\".\n\n## Fix\nGenerate a distinct secret for each environment and rotate the shared one.\n",
};

pub const HARDCODED_SECRET: RuleMeta = RuleMeta {
    id: "R01.hardcoded-secret",
    summary: "A secret value is written into the repository",
    default_severity: Severity::Error,
    clauses: "000 §3 R-01; 002 §5",
    doc: "# R01.hardcoded-secret\n\n## What it does\nFinds a secret written into a file of the repository.\n\n## Why it matters\n002 §5: \"No secrets in repositories\".\n\n## Fix\nRemove the value, rotate it and load it from the environment's secret store.\n",
};

fn loc(path: &str, line: u32, col: u32, end_col: u32) -> Location {
    Location {
        path: path.to_owned(),
        region: Region::new(line, col, line, end_col),
    }
}

/// Two rules; a reuse finding with two related locations in prod; a hard-coded
/// secret; a finding suppressed by a waiver; a parse-error diagnostic. Findings
/// are deliberately out of report order.
pub fn realistic() -> ScanResult {
    let hardcoded = FindingBuilder::new(
        HARDCODED_SECRET.id,
        Severity::Error,
        loc("k8s/prod/secret.yaml", 7, 15, 47),
    )
    .message("STRIPE_KEY holds a hard-coded Stripe live secret key (sk_l…) in prod (prod tier)")
    .environment("prod")
    .id("9b3e41c07d2a6f58")
    .build();

    let reuse = FindingBuilder::new(
        SECRET_REUSE.id,
        Severity::Error,
        loc("app/.env.staging", 3, 13, 29),
    )
    .message("DB_PASSWORD in staging has the same value (Zt…) as in prod")
    .environment("staging")
    .environment("prod")
    .related("same value in prod", loc("app/.env.production", 2, 13, 29))
    .related("same value in prod", loc("k8s/prod/secret.yaml", 9, 17, 41))
    .id("5d1c0a8e2f7b9134")
    .build();

    let mut waived = FindingBuilder::new(
        HARDCODED_SECRET.id,
        Severity::Warning,
        loc("config/dev/settings.json", 4, 16, 56),
    )
    .message("api.token holds a hard-coded generic secret (a1…) in dev (dev tier)")
    .confidence(Confidence::Medium)
    .environment("dev")
    .id("0c7f2e9a41d35b86")
    .build();
    waived.suppression = Some(Suppression {
        kind: SuppressionKind::Waiver,
        justification: "Mock token for the `local` profile | expires 2027-01-31 (SEC-1234)"
            .to_owned(),
    });

    ScanResult {
        root: ".".to_owned(),
        findings: vec![hardcoded, waived, reuse],
        diagnostics: vec![Diagnostic {
            kind: DiagnosticKind::ParseError,
            path: "k8s/prod/broken.yaml".to_owned(),
            region: Some(Region::new(12, 5, 12, 5)),
            message: "did not find expected key while parsing a block mapping".to_owned(),
        }],
        environments: vec![
            EnvSummary {
                name: "prod".into(),
                tier: Tier::Prod,
                files: 5,
                inferred: false,
            },
            EnvSummary {
                name: "dev".into(),
                tier: Tier::Dev,
                files: 3,
                inferred: true,
            },
            EnvSummary {
                name: "staging".into(),
                tier: Tier::Test,
                files: 4,
                inferred: false,
            },
        ],
        stats: ScanStats {
            files_scanned: 14,
            bytes_scanned: 48_213,
            files_parsed: 12,
            files_skipped: 1,
            binary: 1,
            ..ScanStats::default()
        },
        rules: vec![HARDCODED_SECRET, SECRET_REUSE],
        isolation: Default::default(),
    }
}

/// A clean scan: both rules ran, nothing was found, nothing was attributed.
pub fn empty() -> ScanResult {
    ScanResult {
        root: ".".to_owned(),
        findings: Vec::new(),
        diagnostics: Vec::new(),
        environments: Vec::new(),
        stats: ScanStats::default(),
        rules: vec![HARDCODED_SECRET, SECRET_REUSE],
        isolation: Default::default(),
    }
}
