//! Rough extraction throughput on synthetic files, one core:
//! `cargo run --release -p envguard-extract --example throughput [MB] [FORMAT]`.
#![allow(clippy::print_stdout)]

use envguard_model::Format;
use std::time::Instant;

fn dotenv(n: usize) -> String {
    (0..n)
        .map(|i| match i % 4 {
            0 => format!("DB_PASSWORD_{i}=s3cr3t-{i}-abcdefghijklmnop\n"),
            1 => format!("export API_URL_{i}=\"https://api.example.com/v1/{i}\" # api\n"),
            2 => format!("TOKEN_{i}='tok_{i}_ABCDEFGHIJKLMNOPQRSTUV'\n"),
            _ => "# a comment line about the next settings\n".to_owned(),
        })
        .collect()
}

fn properties(n: usize) -> String {
    (0..n)
        .map(|i| match i % 4 {
            0 => format!("spring.datasource.password.{i}=s3cr3t-{i}-abcdefghijklmnop\n"),
            1 => format!("app.url.{i} : https://api.example.com/v1/{i}\n"),
            2 => format!("message.{i}=caf\\u00e9 line one \\\n    line two {i}\n"),
            _ => "# a comment line about the next settings\n".to_owned(),
        })
        .collect()
}

fn yaml(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api-{i}\n  namespace: prod\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n        - name: api\n          image: \"example/api:{i}\"\n          env:\n            - name: DB_PASSWORD\n              value: s3cr3t-{i}\n            - name: LOG_LEVEL\n              value: info\n"
        ));
    }
    s
}

fn json(n: usize) -> String {
    let items: Vec<String> = (0..n)
        .map(|i| format!("{{\"name\": \"svc-{i}\", \"environment\": [{{\"name\": \"DB_PASSWORD\", \"value\": \"s3cr3t-{i}\"}}], \"cpu\": 256, \"essential\": true}}"))
        .collect();
    format!(
        "{{\"containerDefinitions\": [\n{}\n]}}\n",
        items.join(",\n")
    )
}

fn toml(n: usize) -> String {
    (0..n)
        .map(|i| format!("[[servers]]\nname = \"svc-{i}\"\npassword = \"s3cr3t-{i}\"\nport = 5432\ntags = {{ Environment = \"prod\" }}\n"))
        .collect()
}

fn hcl(n: usize) -> String {
    (0..n)
        .map(|i| format!("resource \"aws_db_instance\" \"db{i}\" {{\n  password = \"s3cr3t-{i}\"\n  username = var.user\n  port     = 5432\n  tags = {{\n    Environment = \"prod\"\n  }}\n}}\n"))
        .collect()
}

type Generator = fn(usize) -> String;

fn main() {
    let mb: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let target = mb * 1_000_000;
    let gens: [(Format, Generator); 6] = [
        (Format::Dotenv, dotenv),
        (Format::Properties, properties),
        (Format::Yaml, yaml),
        (Format::Json, json),
        (Format::Toml, toml),
        (Format::Hcl, hcl),
    ];
    let only = std::env::args().nth(2);
    for (format, generate) in gens {
        if only.as_deref().is_some_and(|o| o != format.as_str()) {
            continue;
        }
        let one = generate(100).len().max(1);
        let text = generate(100 * target / one);
        let start = Instant::now();
        let out = envguard_extract::extract(format, text.as_bytes());
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{:<10} {:>6.1} MB  {:>8.3} s  {:>7.1} MB/s  {} facts, {} hints, {} issues",
            format.as_str(),
            text.len() as f64 / 1e6,
            secs,
            text.len() as f64 / 1e6 / secs,
            out.facts.len(),
            out.hints.len(),
            out.errors.len()
        );
    }
}
