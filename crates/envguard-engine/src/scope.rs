//! What is in scope, and the one walk of it. `check`, `init`, `matrix` and the
//! pipeline reader all see the same files: the same ignore rules, the same
//! exclusions, the same size limit, the same idea of vendored code, and every
//! path that could not be read named in one place (fail closed).
//!
//! The walk itself is the `ignore` crate's (ripgrep's walker: `.gitignore`,
//! `.ignore`, parallel); what is envguard's own is which paths a guard must not
//! leave out silently, and which it leaves out on purpose (vendored, minified,
//! generated code and lockfiles), naming them too.

use envguard_model::{Diagnostic, DiagnosticKind, Inventory};
use ignore::{DirEntry, WalkBuilder, WalkState};
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// What to walk and how.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    pub root: &'a Path,
    pub inventory: &'a Inventory,
    /// Walk files that `.gitignore`/`.ignore` exclude too.
    pub include_ignored: bool,
    /// Walk vendored, minified and generated code and lockfiles too.
    pub include_vendored: bool,
    /// Worker threads; 0 = one per core.
    pub threads: usize,
}

/// One thing the walk met.
pub enum Visit<'p> {
    /// A regular file in scope: its path on disk and its root-relative,
    /// `/`-separated path.
    File { path: &'p Path, rel: String },
    /// A path the walk could not read, or left out on purpose, as a diagnostic.
    Diagnostic(Diagnostic),
}

impl<'a> Scope<'a> {
    fn builder(&self) -> WalkBuilder {
        let mut builder = WalkBuilder::new(self.root);
        let respect = !self.include_ignored;
        builder
            .hidden(false)
            .git_ignore(respect)
            .git_exclude(respect)
            .git_global(respect)
            .ignore(respect)
            .parents(respect)
            .follow_links(false)
            .threads(self.threads)
            .filter_entry(|e| e.file_name() != ".git");
        builder
    }

    /// Walks the tree on `threads` threads, calling `visit` for every file in
    /// scope and every diagnostic, in no particular order.
    pub fn walk(&self, visit: &(dyn Fn(Visit<'_>) + Sync)) {
        let single_file = self.root.is_file();
        self.builder()
            .build_parallel()
            .run(|| Box::new(move |entry| self.step(entry, single_file, visit)));
    }

    /// Every file in scope, in path order, and the diagnostics of the walk (for
    /// commands that read names only, or few files).
    pub fn files(&self) -> (Vec<(PathBuf, String)>, Vec<Diagnostic>) {
        let found = std::sync::Mutex::new((Vec::new(), Vec::new()));
        self.walk(&|v| {
            // A poisoned lock means a walker thread panicked; the walk re-raises it.
            if let Ok(mut found) = found.lock() {
                match v {
                    Visit::File { path, rel } => found.0.push((path.to_path_buf(), rel)),
                    Visit::Diagnostic(d) => found.1.push(d),
                }
            }
        });
        let (mut files, mut diagnostics) = found.into_inner().unwrap_or_default();
        files.sort_by(|a: &(PathBuf, String), b| a.1.cmp(&b.1));
        diagnostics.sort();
        (files, diagnostics)
    }

    fn step(
        &self,
        entry: Result<DirEntry, ignore::Error>,
        single_file: bool,
        visit: &dyn Fn(Visit<'_>),
    ) -> WalkState {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                visit(Visit::Diagnostic(walk_error(self.root, &err)));
                return WalkState::Continue;
            }
        };
        let Some(ft) = entry.file_type() else {
            return WalkState::Continue;
        };
        let rel = relative(self.root, entry.path(), single_file);
        if ft.is_dir() {
            if entry.depth() > 0 && !self.include_vendored {
                if let Some(why) = vendored_dir(&rel) {
                    visit(Visit::Diagnostic(diagnostic(
                        DiagnosticKind::OutOfScope,
                        &rel,
                        format!("{why} directory, not walked (--include-vendored walks it)"),
                    )));
                    return WalkState::Skip;
                }
            }
            return WalkState::Continue;
        }
        if ft.is_symlink() {
            if let Some(d) = symlink(self.root, entry.path(), &rel) {
                visit(Visit::Diagnostic(d));
            }
            return WalkState::Continue;
        }
        if !ft.is_file() || self.inventory.is_excluded(&rel) {
            return WalkState::Continue;
        }
        if !self.include_vendored {
            if let Some(why) = out_of_scope_file(&rel) {
                visit(Visit::Diagnostic(diagnostic(
                    DiagnosticKind::OutOfScope,
                    &rel,
                    format!("{why}, not scanned (--include-vendored scans it)"),
                )));
                return WalkState::Continue;
            }
        }
        visit(Visit::File {
            path: entry.path(),
            rel,
        });
        WalkState::Continue
    }
}

fn diagnostic(kind: DiagnosticKind, rel: &str, message: String) -> Diagnostic {
    Diagnostic {
        kind,
        path: rel.to_owned(),
        region: None,
        message,
    }
}

/// A walk error as a diagnostic: a directory or file that could not be read is
/// `not-checked`; a bad line in an ignore file only means more is scanned, a
/// `config` note.
fn walk_error(root: &Path, err: &ignore::Error) -> Diagnostic {
    fn path_of(err: &ignore::Error) -> Option<&Path> {
        match err {
            ignore::Error::WithPath { path, .. } => Some(path),
            ignore::Error::Loop { child, .. } => Some(child),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                path_of(err)
            }
            ignore::Error::Partial(errs) => errs.iter().find_map(path_of),
            _ => None,
        }
    }
    let rel = path_of(err)
        .map(|p| relative(root, p, false))
        .unwrap_or_default();
    let rel = if rel.is_empty() { ".".to_owned() } else { rel };
    let loop_ = matches!(err, ignore::Error::Loop { .. });
    let kind = if err.io_error().is_some() || loop_ {
        DiagnosticKind::NotChecked
    } else {
        DiagnosticKind::Config
    };
    let message = match (kind, err.io_error()) {
        (DiagnosticKind::NotChecked, Some(io)) => format!("could not be read: {io}"),
        (DiagnosticKind::NotChecked, None) => "a symbolic link loop; not followed".to_owned(),
        _ => format!("ignore rules: {}", strip_path(&err.to_string(), &rel)),
    };
    diagnostic(kind, &rel, message)
}

/// The message of an error without its leading path (the diagnostic names it).
fn strip_path(message: &str, rel: &str) -> String {
    message
        .split_once(": ")
        .filter(|(head, _)| head.ends_with(rel))
        .map_or(message, |(_, tail)| tail)
        .to_owned()
}

/// A symbolic link is not followed: its target is scanned where it lies in the
/// tree. One that points out of the tree is named (its target was not read);
/// one that loops could not be read.
fn symlink(root: &Path, path: &Path, rel: &str) -> Option<Diagnostic> {
    match std::fs::canonicalize(path) {
        Ok(target) => {
            let root = std::fs::canonicalize(root).ok()?;
            (target.is_file() && !target.starts_with(&root)).then(|| {
                diagnostic(
                    DiagnosticKind::OutOfScope,
                    rel,
                    "symbolic link to a file outside the scanned tree; not followed".to_owned(),
                )
            })
        }
        // ELOOP: too many levels of symbolic links.
        Err(e) if e.raw_os_error() == Some(40) => Some(diagnostic(
            DiagnosticKind::NotChecked,
            rel,
            format!("could not be read: {e}"),
        )),
        // A dangling link holds nothing to read.
        Err(_) => None,
    }
}

/// `root`-relative, `/`-separated path; a single-file root is shown by its name.
pub(crate) fn relative(root: &Path, path: &Path, single_file: bool) -> String {
    let rel = if single_file {
        path.file_name().map(PathBuf::from).unwrap_or_default()
    } else {
        path.strip_prefix(root)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| path.to_path_buf())
    };
    let s = rel.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        s.into_owned()
    } else {
        s.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

/// Folders that hold other people's code, copied in by a package manager or a
/// tool: scanning them reports the vendor's test keys and minified bundles as
/// the repository's own (80 of 272 findings on one real repository came from
/// sixteen copies of a vendored Yarn release).
fn vendored_dir(rel: &str) -> Option<&'static str> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let parent = rel.rsplit('/').nth(1).unwrap_or("");
    match name {
        "node_modules" | "bower_components" | "jspm_packages" | "web_modules" => {
            Some("vendored packages")
        }
        "vendor" | "third_party" | "third-party" | "thirdparty" => Some("vendored code"),
        "site-packages" | "__pycache__" => Some("installed packages"),
        "Pods" | "Carthage" => Some("vendored packages"),
        // Terraform's download cache of providers and modules.
        ".terraform" | ".terragrunt-cache" => Some("Terraform download cache"),
        "releases" | "cache" | "unplugged" | "sdks" | "plugins" if parent == ".yarn" => {
            Some("vendored Yarn release or cache")
        }
        _ => None,
    }
}

/// Lockfiles (dependency specs and integrity hashes, never configuration),
/// minified bundles and generated code, by name.
fn out_of_scope_file(rel: &str) -> Option<&'static str> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    const LOCKFILES: [&str; 19] = [
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "bun.lock",
        "Cargo.lock",
        "Gemfile.lock",
        "poetry.lock",
        "Pipfile.lock",
        "uv.lock",
        "pdm.lock",
        "composer.lock",
        "go.sum",
        "mix.lock",
        "pubspec.lock",
        "Podfile.lock",
        "packages.lock.json",
        "flake.lock",
        ".terraform.lock.hcl",
    ];
    if LOCKFILES.contains(&name) {
        return Some("lockfile");
    }
    let lower = name.to_ascii_lowercase();
    let minified = [".min.js", ".min.mjs", ".min.cjs", ".min.css", ".min.map"];
    if minified.iter().any(|s| lower.ends_with(s)) || lower.ends_with(".js.map") {
        return Some("minified bundle");
    }
    if name == ".pnp.cjs" || name == ".pnp.loader.mjs" {
        return Some("generated Yarn Plug'n'Play loader");
    }
    None
}

/// Source-code extensions whose generated or minified copies are out of scope.
/// Configuration is never judged by its content here: a rendered Kubernetes
/// manifest marked "generated" is exactly the deploy configuration to check.
fn is_code(rel: &str) -> bool {
    let ext = rel.rsplit_once('.').map_or("", |(_, e)| e);
    matches!(
        ext,
        "js" | "mjs"
            | "cjs"
            | "jsx"
            | "ts"
            | "tsx"
            | "css"
            | "go"
            | "py"
            | "java"
            | "kt"
            | "cs"
            | "rb"
            | "rs"
            | "swift"
            | "dart"
            | "php"
            | "c"
            | "h"
            | "cc"
            | "cpp"
            | "hpp"
            | "m"
    )
}

/// Minified or generated code, from its first bytes: a `Code generated … DO
/// NOT EDIT` or `@generated` header (the Go and Meta conventions), or a
/// JavaScript/CSS file whose lines run to thousands of characters.
pub(crate) fn out_of_scope_content(rel: &str, bytes: &[u8]) -> Option<&'static str> {
    if !is_code(rel) {
        return None;
    }
    // The first five lines, at most 1 KiB: where the conventions put the mark.
    let head = &bytes[..bytes.len().min(1024)];
    let head = memchr::memchr_iter(b'\n', head)
        .nth(4)
        .map_or(head, |end| &head[..end]);
    let generated = (memchr::memmem::find(head, b"Code generated").is_some()
        && memchr::memmem::find(head, b"DO NOT EDIT").is_some())
        || memchr::memmem::find(head, b"@generated").is_some();
    if generated {
        return Some("generated code");
    }
    let ext = rel.rsplit_once('.').map_or("", |(_, e)| e);
    if matches!(ext, "js" | "mjs" | "cjs" | "css") {
        // Minified: lines of a thousand characters on average over the first
        // 64 KiB (one SIMD count of the newlines), and one of over 5,000.
        let window = &bytes[..bytes.len().min(64 * 1024)];
        let lines = memchr::memchr_iter(b'\n', window).count() + 1;
        if window.len() / lines > 1_000 {
            let mut longest = 0;
            let mut start = 0;
            for end in memchr::memchr_iter(b'\n', window).chain([window.len()]) {
                longest = longest.max(end - start);
                start = end + 1;
            }
            if longest > 5_000 {
                return Some("minified bundle");
            }
        }
    }
    None
}

/// A file as envguard reads it.
pub enum Read {
    /// Text to scan; `note` says when bytes were replaced or transcoded.
    Text {
        bytes: Vec<u8>,
        note: Option<Diagnostic>,
    },
    /// A binary file, named.
    Binary(Diagnostic),
    /// Could not be read or is over the size limit: the run is incomplete.
    NotChecked(Diagnostic),
}

/// Bytes checked for a NUL to call a file binary (as git and ripgrep do).
const BINARY_PROBE: usize = 8192;

/// Reads one file in scope: at most `max` bytes (over it, not read and
/// named), UTF-16 with a byte-order mark transcoded, a NUL byte in a file whose
/// name says configuration replaced (never skipped as binary: one NUL must not
/// hide a hard-coded production secret), other files with a NUL named binary.
pub fn read(path: &Path, rel: &str, max: u64) -> Read {
    let not_checked =
        |message: String| Read::NotChecked(diagnostic(DiagnosticKind::NotChecked, rel, message));
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return not_checked(format!("could not be read: {e}")),
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len > max {
        return not_checked(format!(
            "{len} bytes is over the {max}-byte limit (`[scan] max_file_size`); not read"
        ));
    }
    let bytes = match read_all(file, len, max) {
        Ok(b) => b,
        Err(e) => return not_checked(format!("could not be read: {e}")),
    };
    if bytes.len() as u64 > max {
        return not_checked(format!(
            "grew over the {max}-byte limit (`[scan] max_file_size`) while read; not read"
        ));
    }
    decode(rel, bytes)
}

/// Reads a file of `len` bytes (as its metadata says), and at most `max + 1`.
/// Two `read` calls for a file that did not change: `read_to_end` through
/// `take` starts with 8 KiB reads and probes the end once more (about 3.2
/// calls per file on the benchmark corpus).
fn read_all(mut file: std::fs::File, len: u64, max: u64) -> std::io::Result<Vec<u8>> {
    let cap = |n: u64| usize::try_from(n.min(max + 1)).unwrap_or(usize::MAX);
    let mut bytes = vec![0u8; cap(len + 1)];
    let mut filled = 0;
    loop {
        if filled == bytes.len() {
            // grew since its metadata was read: on, up to the limit
            if filled as u64 > max {
                break;
            }
            bytes.resize(cap(filled as u64 * 2), 0);
        }
        match file.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    bytes.truncate(filled);
    Ok(bytes)
}

/// The decoding half of [`read`], over bytes already read.
pub fn decode(rel: &str, bytes: Vec<u8>) -> Read {
    if let Some(text) = utf16(&bytes) {
        return Read::Text {
            bytes: text.into_bytes(),
            note: Some(diagnostic(
                DiagnosticKind::Decoded,
                rel,
                "UTF-16 text transcoded to UTF-8 to be scanned; columns are of the transcoded text"
                    .to_owned(),
            )),
        };
    }
    let probe = &bytes[..bytes.len().min(BINARY_PROBE)];
    if memchr::memchr(0, probe).is_none() {
        return Read::Text { bytes, note: None };
    }
    if !says_config(rel) {
        return Read::Binary(diagnostic(
            DiagnosticKind::Binary,
            rel,
            "binary file (a NUL byte in its first 8 KiB); not scanned".to_owned(),
        ));
    }
    let mut bytes = bytes;
    let mut replaced = 0usize;
    for b in bytes.iter_mut().filter(|b| **b == 0) {
        *b = b' ';
        replaced += 1;
    }
    Read::Text {
        bytes,
        note: Some(diagnostic(
            DiagnosticKind::Decoded,
            rel,
            format!(
                "a configuration file holding {replaced} NUL byte(s): read as text with them replaced by spaces"
            ),
        )),
    }
}

/// UTF-16 text with a byte-order mark, as UTF-8 (unpaired surrogates replaced).
fn utf16(bytes: &[u8]) -> Option<String> {
    let (le, body) = match bytes {
        [0xFF, 0xFE, rest @ ..] => (true, rest),
        [0xFE, 0xFF, rest @ ..] => (false, rest),
        _ => return None,
    };
    let units: Vec<u16> = body
        .chunks_exact(2)
        .map(|c| {
            if le {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        })
        .collect();
    Some(String::from_utf16_lossy(&units))
}

/// True when a file's name says it is configuration or a script: such a file is
/// read as text whatever bytes it holds.
pub fn says_config(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let lower = name.to_ascii_lowercase();
    if lower.starts_with(".env") || lower.ends_with(".env") || lower == "dockerfile" {
        return true;
    }
    if envguard_extract::detect_format(rel).is_some() {
        return true;
    }
    let ext = lower.rsplit_once('.').map_or("", |(_, e)| e);
    matches!(
        ext,
        "env"
            | "yaml"
            | "yml"
            | "json"
            | "jsonc"
            | "toml"
            | "tf"
            | "tfvars"
            | "hcl"
            | "properties"
            | "ini"
            | "cfg"
            | "conf"
            | "config"
            | "xml"
            | "sh"
            | "bash"
            | "zsh"
            | "ps1"
            | "npmrc"
            | "netrc"
            | "pypirc"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendored_dirs_lockfiles_and_minified_names_are_out_of_scope() {
        assert!(vendored_dir("web/node_modules").is_some());
        assert!(vendored_dir(".yarn/releases").is_some());
        assert!(
            vendored_dir("releases").is_none(),
            "a plain releases/ folder"
        );
        assert!(vendored_dir("envs/prod").is_none());
        assert!(out_of_scope_file("web/package-lock.json").is_some());
        assert!(out_of_scope_file(".terraform.lock.hcl").is_some());
        assert!(out_of_scope_file("public/app.min.js").is_some());
        assert!(out_of_scope_file("config/production.json").is_none());
        assert!(out_of_scope_file("locks.json").is_none());
    }

    #[test]
    fn generated_and_minified_code_is_known_by_content_configuration_never() {
        let gen = b"// Code generated by protoc-gen-go. DO NOT EDIT.\npackage x\n";
        assert_eq!(
            out_of_scope_content("api/x.pb.go", gen),
            Some("generated code")
        );
        assert_eq!(
            out_of_scope_content(
                "k8s/prod/all.yaml",
                b"# Code generated by kustomize. DO NOT EDIT.\n"
            ),
            None
        );
        let mut bundle = b"!function(e){".to_vec();
        bundle.extend(std::iter::repeat_n(b'a', 20_000));
        assert_eq!(
            out_of_scope_content("static/app.js", &bundle),
            Some("minified bundle")
        );
        assert_eq!(
            out_of_scope_content("src/app.js", b"const a = 1;\nconst b = 2;\n"),
            None
        );
    }

    #[test]
    fn a_nul_in_a_configuration_file_is_replaced_not_skipped() {
        let bytes = b"DB_HOST=db\0local\n".to_vec();
        match decode("envs/prod/.env.prod", bytes.clone()) {
            Read::Text { bytes, note } => {
                assert_eq!(bytes, b"DB_HOST=db local\n");
                assert_eq!(note.map(|d| d.kind), Some(DiagnosticKind::Decoded));
            }
            _ => panic!("a .env file must be read as text"),
        }
        assert!(matches!(decode("img/logo.png", bytes), Read::Binary(_)));
    }

    #[test]
    fn utf16_with_a_bom_is_transcoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "API_KEY=x\r\n".encode_utf16() {
            bytes.extend(u.to_le_bytes());
        }
        match decode("app.config", bytes) {
            Read::Text { bytes, note } => {
                assert_eq!(bytes, b"API_KEY=x\r\n");
                assert!(note.is_some());
            }
            _ => panic!("UTF-16 text must be read"),
        }
    }
}
