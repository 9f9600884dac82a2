//! Throughput of `Detector::scan_text` on synthetic source code.
//!
//! Run with `cargo bench -p envguard-detect`. The text is generated here: a
//! few MB of Python/JS/Go/Rust/YAML/Markdown-like lines built from a word list
//! full of `token`, `key`, `secret`, `auth`, `password` identifiers (the
//! prefilter's worst ordinary case), with a secret every ~2,000 lines.

use divan::counter::BytesCount;
use divan::Bencher;
use envguard_detect::Detector;

fn main() {
    divan::main();
}

const WORDS: &[&str] = &[
    "account",
    "user",
    "order",
    "invoice",
    "payment",
    "customer",
    "session",
    "token",
    "cache",
    "queue",
    "event",
    "handler",
    "router",
    "service",
    "client",
    "server",
    "request",
    "response",
    "config",
    "logger",
    "metric",
    "record",
    "batch",
    "stream",
    "buffer",
    "parser",
    "builder",
    "key",
    "name",
    "path",
    "file",
    "node",
    "tree",
    "auth",
    "secret",
    "password",
    "credential",
    "worker",
    "job",
    "task",
    "retry",
    "timeout",
    "limit",
    "offset",
    "page",
    "item",
    "value",
];

const SECRETS: &[&str] = &[
    "GITHUB_TOKEN = \"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\"",
    "DB_PASSWORD = \"XRx##V*Ik2k3x+LPnkPLN5\"",
    "const AWS_ACCESS_KEY_ID = \"AKIA3K5AQLGTMJXKAU7B\";",
    "SLACK_TOKEN: xoxb-48465648236-6299468044369-MPuDCCRnGEY59YVkQfsGQONv",
    "DATABASE_URL=postgres://orders:Xq7!tRw2pLm9ZkVb@db.prod.internal:5432/orders",
];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, s: &[&'a str]) -> &'a str {
        s[(self.next() % s.len() as u64) as usize]
    }
    fn ident(&mut self) -> String {
        let a = self.pick(WORDS);
        let b = self.pick(WORDS);
        let mut s = String::from(a);
        s.push_str(&b[..1].to_ascii_uppercase());
        s.push_str(&b[1..]);
        s
    }
}

fn source_text(target: usize) -> String {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let mut s = String::with_capacity(target + 256);
    let mut line = 0u64;
    while s.len() < target {
        line += 1;
        let (a, b, c) = (r.ident(), r.ident(), r.ident());
        let n = r.next() % 90;
        let l = match r.next() % 14 {
            0 => format!("    {a} = self.{b}({c}, timeout={n})"),
            1 => format!("def {a}({b}, {c}=None):"),
            2 => format!("    if {a} is None:\n        raise ValueError(\"{b} missing\")"),
            3 => format!("    # TODO: handle {a} when {b} is empty"),
            4 => format!("  const {a} = await {b}.{c}({a});"),
            5 => format!("export function {a}({b}, {c}) {{"),
            6 => format!("  if (!{a}) {{ throw new Error('{b} missing'); }}"),
            7 => format!("\t{a}, err := {b}.{c}(ctx, {a})"),
            8 => format!("\tif err != nil {{\n\t\treturn nil, fmt.Errorf(\"{a}: %w\", err)\n\t}}"),
            9 => format!(
                "    let {} = {}.get(&{})?;",
                a.to_lowercase(),
                b.to_lowercase(),
                c.to_lowercase()
            ),
            10 => format!("  {a}: {{ enabled: true, ttl: {n} }}"),
            11 => format!("The {a} sends each {b} to the {c} before it is stored."),
            12 => format!("  {a}Key: config.{b}Key,"),
            _ => format!("    {a}_token = {b}.refresh_token({c})"),
        };
        s.push_str(&l);
        s.push('\n');
        if line % 2000 == 0 {
            s.push_str(r.pick(SECRETS));
            s.push('\n');
        }
    }
    s
}

/// One 4 MB buffer.
#[divan::bench]
fn scan_text_4mb(bencher: Bencher) {
    let text = source_text(4_000_000);
    let d = Detector::builtin();
    let mut out = Vec::new();
    bencher
        .counter(BytesCount::new(text.len()))
        .bench_local(|| {
            out.clear();
            d.scan_text(divan::black_box(text.as_bytes()), &mut out);
            out.len()
        });
}

/// The same text as 16 KB files (per-call overhead included).
#[divan::bench]
fn scan_text_16kb_files(bencher: Bencher) {
    let text = source_text(4_000_000);
    let files: Vec<&[u8]> = text.as_bytes().chunks(16 * 1024).collect();
    let d = Detector::builtin();
    let mut out = Vec::new();
    bencher
        .counter(BytesCount::new(text.len()))
        .bench_local(|| {
            out.clear();
            for f in &files {
                d.scan_text(divan::black_box(f), &mut out);
            }
            out.len()
        });
}

/// `classify_value` on a typical mix of config values.
#[divan::bench]
fn classify_value_mix(bencher: Bencher) {
    let values: &[(&str, &str)] = &[
        ("LOG_LEVEL", "info"),
        ("PORT", "8080"),
        ("DB_HOST", "db.prod.internal"),
        ("DB_PASSWORD", "XRx##V*Ik2k3x+LPnkPLN5"),
        ("DB_PASSWORD_HINT", "${DB_PASSWORD}"),
        ("GITHUB_TOKEN", "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"),
        (
            "DATABASE_URL",
            "postgres://orders:Xq7!tRw2pLm9ZkVb@db.prod.internal:5432/orders",
        ),
        ("FEATURE_FLAGS", "queue,cache,retry"),
    ];
    let d = Detector::builtin();
    bencher
        .counter(divan::counter::ItemsCount::new(values.len()))
        .bench(|| {
            values
                .iter()
                .filter(|(k, v)| {
                    d.classify_value(Some(divan::black_box(k)), divan::black_box(v))
                        .is_some()
                })
                .count()
        });
}
