//! `envguard schema`: the JSON Schema of `envguard.toml`, generated from the
//! types that read it (schemars): the inventory's sections from
//! envguard-model, `[secrets]` from envguard-secrets. Published as
//! docs/schemas/envguard.schema.json (a test keeps it current); taplo and
//! Even Better TOML complete and check a file that starts with
//! `#:schema ./docs/schemas/envguard.schema.json`.

use anyhow::{bail, Result};
use clap::Args;
use serde_json::Value;
use std::path::PathBuf;

#[derive(Args)]
pub struct SchemaArgs {
    /// Write the schema to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(args: SchemaArgs) -> Result<u8> {
    let mut text = serde_json::to_string_pretty(&schema()?)?;
    text.push('\n');
    crate::config::write_output(args.output.as_deref(), text.as_bytes())?;
    Ok(0)
}

/// The inventory's schema with the `[secrets]` section's put in its place.
pub(crate) fn schema() -> Result<Value> {
    let mut file = envguard_model::inventory_schema();
    let mut secrets = envguard_secrets::secrets_schema();
    let defs = secrets
        .as_object_mut()
        .and_then(|s| s.remove("$defs"))
        .unwrap_or_default();
    if let (Some(into), Value::Object(defs)) =
        (file.get_mut("$defs").and_then(Value::as_object_mut), defs)
    {
        for (name, def) in defs {
            match into.get(&name) {
                Some(existing) if *existing != def => {
                    bail!("schema: two different types named {name}")
                }
                _ => {
                    into.insert(name, def);
                }
            }
        }
    }
    if let Some(s) = secrets.as_object_mut() {
        s.remove("$schema");
        s.remove("title");
    }
    let Some(properties) = file.get_mut("properties").and_then(Value::as_object_mut) else {
        bail!("schema: the inventory schema has no properties");
    };
    properties.insert("secrets".to_owned(), secrets);
    if let Some(f) = file.as_object_mut() {
        f.insert("title".to_owned(), Value::from("envguard.toml"));
        f.insert(
            "description".to_owned(),
            Value::from(
                "The inventory of environments and envguard's settings (README: Configuration).",
            ),
        );
    }
    Ok(file)
}
