//! The parallel walk and the assembly of a [`ScanResult`].

use crate::process::{is_binary, process_file, FileOutcome, InlineIgnore};
use crate::suppress::{today_utc, Baseline, Suppressor, WaiverFile};
use crate::EngineError;
use envguard_detect::{Detector, Fingerprinter};
use envguard_model::{
    Diagnostic, DiagnosticKind, EnvSummary, Finding, Inventory, ScanResult, ScanStats,
};
use envguard_rules::{Context, FileFacts};
use ignore::{WalkBuilder, WalkState};
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

/// Counters the CLI reads to draw a progress line.
#[derive(Debug, Default)]
pub struct Progress {
    pub files: AtomicU64,
    pub bytes: AtomicU64,
}

/// What to scan and how.
pub struct CheckOptions<'a> {
    pub root: PathBuf,
    /// How the root is shown in reports (as the user typed it).
    pub root_display: String,
    pub inventory: &'a Inventory,
    /// Scan files that `.gitignore` excludes (a git-ignored `.env.production` on
    /// disk is still worth knowing about in a working copy).
    pub include_ignored: bool,
    /// Worker threads; 0 = one per core.
    pub threads: usize,
    pub waivers: Option<&'a WaiverFile>,
    pub baseline: Option<&'a Baseline>,
    pub fingerprinter: &'a Fingerprinter,
    /// Environment protection rules (`--ci-settings`).
    pub ci_settings: Option<&'a envguard_pipeline::CiSettings>,
    pub progress: Option<&'a Progress>,
    /// Rules not to run: ids or id prefixes (`R04`, `NAM.naming`).
    pub skip_rules: &'a [String],
    /// Build the isolation matrix (`envguard matrix`); `check` does not need it.
    pub isolation: bool,
}

enum Msg {
    File(Box<FileOutcome>),
    Skipped(Diagnostic),
    Binary,
}

/// Runs a whole check. Errors only for a root that cannot be read; every
/// per-file problem becomes a diagnostic.
pub fn check(opts: &CheckOptions<'_>) -> Result<ScanResult, EngineError> {
    let started = std::time::Instant::now();
    let meta = std::fs::metadata(&opts.root).map_err(|source| EngineError::Io {
        path: opts.root.clone(),
        source,
    })?;
    let detector = Detector::builtin();
    let inventory = opts.inventory;
    let max = inventory.scan.max_file_size;

    let (tx, rx) = mpsc::channel::<Msg>();
    let root = opts.root.clone();
    let single_file = meta.is_file();

    let mut builder = WalkBuilder::new(&root);
    builder
        .hidden(false)
        .git_ignore(!opts.include_ignored)
        .git_exclude(!opts.include_ignored)
        .git_global(!opts.include_ignored)
        .ignore(!opts.include_ignored)
        .parents(!opts.include_ignored)
        .follow_links(false)
        .threads(opts.threads)
        .filter_entry(|e| e.file_name() != ".git");
    let walker = builder.build_parallel();

    std::thread::scope(|scope| {
        let collector = scope.spawn(move || rx.into_iter().collect::<Vec<Msg>>());
        walker.run(|| {
            let tx = tx.clone();
            let root = root.clone();
            Box::new(move |entry| {
                let Ok(entry) = entry else {
                    return WalkState::Continue;
                };
                if !entry.file_type().is_some_and(|t| t.is_file()) {
                    return WalkState::Continue;
                }
                let rel = relative(&root, entry.path(), single_file);
                if inventory.is_excluded(&rel) {
                    return WalkState::Continue;
                }
                let msg = scan_one(entry.path(), &rel, max, inventory, detector, opts);
                let _ = tx.send(msg);
                WalkState::Continue
            })
        });
        drop(tx);
        collector.join().unwrap_or_default()
    })
    .into_iter()
    .fold(Assembly::default(), |mut acc, msg| {
        acc.add(msg);
        acc
    })
    .finish(opts, started)
}

fn scan_one(
    path: &Path,
    rel: &str,
    max: u64,
    inventory: &Inventory,
    detector: &Detector,
    opts: &CheckOptions<'_>,
) -> Msg {
    let skipped = |message: String| {
        Msg::Skipped(Diagnostic {
            kind: DiagnosticKind::Skipped,
            path: rel.to_owned(),
            region: None,
            message,
        })
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return skipped(format!("{rel}: could not be read: {e}")),
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len > max {
        return skipped(format!(
            "{rel}: {len} bytes is over the {max}-byte limit (`[scan] max_file_size`); not scanned"
        ));
    }
    let mut bytes = Vec::with_capacity(len as usize + 1);
    if let Err(e) = file.take(max + 1).read_to_end(&mut bytes) {
        return skipped(format!("{rel}: could not be read: {e}"));
    }
    if let Some(p) = opts.progress {
        p.files.fetch_add(1, Ordering::Relaxed);
        p.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
    }
    if is_binary(&bytes) {
        return Msg::Binary;
    }
    let env = inventory.attribute(rel);
    let infra = infra_wanted(opts.skip_rules);
    let mut outcome = process_file(
        rel,
        &bytes,
        env,
        inventory,
        detector,
        opts.fingerprinter,
        infra,
    );
    if let Some(ds) = outcome.facts.dataset.as_mut() {
        ds.provenance = crate::dataset::provenance(path, rel, &bytes);
    }
    outcome.bytes = bytes.len() as u64;
    Msg::File(Box::new(outcome))
}

/// True unless every R04 and NAM rule is skipped: then no infrastructure
/// facts are read at all.
fn infra_wanted(skip: &[String]) -> bool {
    envguard_rules::registry().iter().any(|r| {
        let id = r.meta().id;
        (id.starts_with("R04.") || id.starts_with("NAM.")) && !is_skipped(id, skip)
    })
}

/// True when `id` equals one of the skip entries or starts with one and a `.`.
fn is_skipped(id: &str, skip: &[String]) -> bool {
    skip.iter().any(|s| {
        let s = s.trim().trim_end_matches('.');
        !s.is_empty() && (id == s || id.strip_prefix(s).is_some_and(|r| r.starts_with('.')))
    })
}

/// `root`-relative, `/`-separated path; a single-file root is shown by its name.
fn relative(root: &Path, path: &Path, single_file: bool) -> String {
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

#[derive(Default)]
struct Assembly {
    files: Vec<FileFacts>,
    diagnostics: Vec<Diagnostic>,
    inline: HashMap<String, Vec<InlineIgnore>>,
    pipelines: Vec<envguard_pipeline::Pipeline>,
    hcl: Vec<envguard_infra::eval::HclFile>,
    stats: ScanStats,
}

impl Assembly {
    fn add(&mut self, msg: Msg) {
        match msg {
            Msg::File(outcome) => {
                let outcome = *outcome;
                self.stats.files_scanned += 1;
                self.stats.bytes_scanned += outcome.bytes;
                if outcome.parsed {
                    self.stats.files_parsed += 1;
                }
                self.diagnostics.extend(outcome.diagnostics);
                self.pipelines.extend(outcome.pipeline);
                self.hcl.extend(outcome.hcl);
                if !outcome.ignores.is_empty() {
                    self.inline
                        .insert(outcome.facts.path.clone(), outcome.ignores);
                }
                self.files.push(outcome.facts);
            }
            Msg::Skipped(d) => {
                self.stats.files_skipped += 1;
                self.diagnostics.push(d);
            }
            Msg::Binary => self.stats.files_skipped += 1,
        }
    }

    fn finish(
        mut self,
        opts: &CheckOptions<'_>,
        started: std::time::Instant,
    ) -> Result<ScanResult, EngineError> {
        phase("walk", started);
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
        self.pipelines.sort_by(|a, b| a.path.cmp(&b.path));
        // Scripts the jobs run and local workflows they call (pipelines.rs).
        let read = |rel: &str| crate::pipelines::read_repo_file(&opts.root, rel);
        let resolve = |name: &str| opts.inventory.resolve_name(name);
        envguard_pipeline::link(&mut self.pipelines, &read, &resolve);
        let today = today_utc();
        let expired = opts.waivers.map(|w| w.expired(today)).unwrap_or_default();

        let mut envs: BTreeMap<String, EnvSummary> = BTreeMap::new();
        for e in &opts.inventory.environments {
            envs.insert(
                e.name.clone(),
                EnvSummary {
                    name: e.name.clone(),
                    tier: e.tier,
                    files: 0,
                    inferred: false,
                },
            );
        }
        for f in &self.files {
            if let Some(a) = &f.env {
                envs.entry(a.name.clone())
                    .or_insert_with(|| EnvSummary {
                        name: a.name.clone(),
                        tier: a.tier,
                        files: 0,
                        inferred: true,
                    })
                    .files += 1;
            }
        }
        let mut environments: Vec<EnvSummary> = envs.into_values().collect();
        environments.sort_by(|a, b| (a.tier, &a.name).cmp(&(b.tier, &b.name)));

        let rules: Vec<&dyn envguard_rules::Rule> = envguard_rules::registry()
            .into_iter()
            .filter(|r| !is_skipped(r.meta().id, opts.skip_rules))
            .collect();
        let infra_wanted = rules
            .iter()
            .any(|r| r.meta().id.starts_with("R04.") || r.meta().id.starts_with("NAM."));
        let markers = if infra_wanted {
            let t = std::time::Instant::now();
            crate::isolation::attach_hcl_facts(&mut self.files, std::mem::take(&mut self.hcl));
            phase("hcl evaluation", t);
            let t = std::time::Instant::now();
            let m = crate::isolation::marker_index(opts.inventory, &environments, &self.files);
            phase("marker index", t);
            m
        } else {
            crate::isolation::marker_index(opts.inventory, &environments, &[])
        };

        let ctx = Context {
            inventory: opts.inventory,
            files: &self.files,
            pipelines: &self.pipelines,
            ci_settings: opts.ci_settings,
            expired_waivers: &expired,
            markers: &markers,
        };
        let t = std::time::Instant::now();
        let mut findings = run_rules(&rules, &ctx, opts.threads);
        phase("rules", t);
        Suppressor {
            inline: &self.inline,
            waivers: opts.waivers,
            baseline: opts.baseline,
            today,
        }
        .apply(&mut findings);
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.diagnostics.sort();
        let isolation = if !opts.isolation {
            Default::default()
        } else {
            crate::isolation::matrix(
                opts.inventory,
                &environments,
                &self.files,
                &markers,
                &findings,
            )
        };

        let rules = rules.iter().map(|r| *r.meta()).collect();
        envguard_model::drop_in_background((self.files, self.pipelines, self.inline, markers));
        phase("check", started);
        Ok(ScanResult {
            root: opts.root_display.clone(),
            findings,
            diagnostics: self.diagnostics,
            environments,
            stats: self.stats,
            rules,
            isolation,
        })
    }
}

/// Runs every rule, on as many threads as the scan was given, and returns the
/// findings in rule order (the same output whatever the thread count).
fn run_rules(
    rules: &[&dyn envguard_rules::Rule],
    ctx: &Context<'_>,
    threads: usize,
) -> Vec<Finding> {
    envguard_model::par_map(
        rules,
        threads,
        1,
        || (),
        |_, rule| {
            let t = std::time::Instant::now();
            let mut out = Vec::new();
            rule.check(ctx, &mut out);
            phase(rule.meta().id, t);
            out
        },
    )
    .into_iter()
    .flatten()
    .collect()
}

/// With `ENVGUARD_TIMINGS=1`, prints how long a phase of the check took (stderr).
#[allow(clippy::print_stderr)]
fn phase(name: &str, since: std::time::Instant) {
    if std::env::var_os("ENVGUARD_TIMINGS").is_some() {
        eprintln!(
            "timing: {name:<32} {:>8.1} ms",
            since.elapsed().as_secs_f64() * 1e3
        );
    }
}
