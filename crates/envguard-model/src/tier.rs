use serde::{Deserialize, Serialize};
use std::fmt;

/// The tier of an environment decides which rules apply to it.
///
/// Tiers are ordered: `Dev < Test < Prod`. A finding about two environments sits
/// on the lower tier's occurrence (the place a fix is expected).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Developer iteration; synthetic data only (000 §2 DEV).
    Dev,
    /// Integration, QA, staging, pre-production (000 §2 TEST).
    Test,
    /// Live production (000 §2 PROD).
    Prod,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Dev => "dev",
            Tier::Test => "test",
            Tier::Prod => "prod",
        }
    }

    /// The tier a conventional environment name belongs to, if it is one.
    ///
    /// Aliases (DESIGN "Core model"): local/development/dev/sandbox → dev;
    /// test/testing/qa/uat/staging/stage/preprod/integration → test;
    /// prod/production/live → prod.
    pub fn of_alias(name: &str) -> Option<Tier> {
        let n = name.to_ascii_lowercase();
        Some(match n.as_str() {
            "dev" | "develop" | "development" | "local" | "sandbox" => Tier::Dev,
            "test" | "testing" | "qa" | "uat" | "staging" | "stage" | "stg" | "preprod"
            | "pre-prod" | "pre-production" | "preproduction" | "integration" | "int" => Tier::Test,
            "prod" | "production" | "prd" | "live" => Tier::Prod,
            _ => return None,
        })
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
