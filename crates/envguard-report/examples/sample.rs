//! Renders a test fixture in one format, for manual checks such as
//! `scripts/sarif-validate.sh`:
//! `cargo run -p envguard-report --example sample -- sarif [realistic|empty|absolute] > x.sarif`

#[path = "../tests/common/mod.rs"]
mod common;

use envguard_report::{render, OutputFormat, RenderOptions};
use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let format: OutputFormat = args.next().as_deref().unwrap_or("sarif").parse()?;
    let result = match args.next().as_deref().unwrap_or("realistic") {
        "empty" => common::empty(),
        "absolute" => {
            let mut r = common::realistic();
            r.root = "/srv/repos/infra live".to_owned();
            r
        }
        "realistic" => common::realistic(),
        other => return Err(format!("unknown fixture `{other}`").into()),
    };
    let opts = RenderOptions {
        tool_version: common::TOOL_VERSION,
        ..RenderOptions::default()
    };
    let mut out = std::io::stdout().lock();
    render(format, &result, &opts, &mut out)?;
    out.flush()?;
    Ok(())
}
