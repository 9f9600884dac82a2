//! The environments' ledgers a backend writes its access log to, each opened
//! once and kept (both backends record every access, refusal and rotation
//! step in the environment's ledger: 000 §4's access log).

use crate::SecretsError;
use envguard_ledger::Ledger;
use std::collections::btree_map::{BTreeMap, Entry};

#[derive(Default)]
pub(crate) struct Ledgers {
    open: BTreeMap<String, Ledger>,
}

impl Ledgers {
    /// The ledger of `env` under `dir`, opened on first use.
    pub(crate) fn get(
        &mut self,
        dir: &std::path::Path,
        env: &str,
    ) -> Result<&mut Ledger, SecretsError> {
        match self.open.entry(env.to_owned()) {
            Entry::Occupied(e) => Ok(e.into_mut()),
            Entry::Vacant(v) => {
                let l = Ledger::open(dir, env).map_err(|source| SecretsError::Ledger {
                    env: env.to_owned(),
                    source,
                })?;
                Ok(v.insert(l))
            }
        }
    }
}
