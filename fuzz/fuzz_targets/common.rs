// Shared by every fuzz target: extract, then check what must hold of any output.
use envguard_model::{Format, Region};

fn well_formed(r: &Region) -> bool {
    r.start_line >= 1
        && r.start_column >= 1
        && (r.start_line, r.start_column) <= (r.end_line, r.end_column)
}

pub fn check(format: Format, data: &[u8]) {
    let out = envguard_extract::extract(format, data);
    let lines = data.iter().filter(|b| **b == b'\n').count() as u32 + 1;
    for f in &out.facts {
        assert!(well_formed(&f.region), "{f:?}");
        assert!(f.region.end_line <= lines, "{f:?}");
        assert!(!f.key.is_empty() || format != Format::Dotenv, "{f:?}");
    }
    for h in &out.hints {
        assert!(well_formed(&h.region), "{h:?}");
    }
    for e in &out.errors {
        assert!(e.region.start_line >= 1 && e.region.end_line <= lines, "{e:?}");
    }
}
