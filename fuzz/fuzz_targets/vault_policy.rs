#![no_main]

// Vault/OpenBao ACL policy text (HCL or JSON): parsing never panics, an error
// names a place inside the text, and a parsed policy can be evaluated.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match envguard_vault::Policy::parse("fuzz", &text) {
        Ok(policy) => {
            let set = envguard_vault::PolicySet::new([&policy]);
            for rule in &policy.rules {
                let _ = set.capabilities(rule.pattern.as_str());
                let _ = set.grants_under(rule.pattern.as_str());
            }
            let _ = set.can_read_under("secret/data/prod/");
        }
        Err(e) => {
            assert!(e.line >= 1 && e.column >= 1, "{e}");
            assert!(e.line <= text.lines().count().max(1) + 1, "{e}");
        }
    }
});
