//! Prints what `extract` finds in a file: `cargo run -p envguard-extract --example dump -- PATH`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: dump PATH");
        std::process::exit(2);
    };
    let Some(format) = envguard_extract::detect_format(&path) else {
        eprintln!("unknown format: {path}");
        std::process::exit(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let out = envguard_extract::extract(format, &bytes);
    for f in &out.facts {
        let r = f.region;
        println!(
            "fact {} = {:?} @{}:{}-{}:{} {:?}",
            f.key, f.value, r.start_line, r.start_column, r.end_line, r.end_column, f.origin
        );
    }
    for h in &out.hints {
        let r = h.region;
        println!(
            "hint {} = {:?} @{}:{}-{}:{}",
            h.key, h.name, r.start_line, r.start_column, r.end_line, r.end_column
        );
    }
    for e in &out.errors {
        let r = e.region;
        println!(
            "issue {:?} @{}:{}-{}:{}",
            e.message, r.start_line, r.start_column, r.end_line, r.end_column
        );
    }
}
