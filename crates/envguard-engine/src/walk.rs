//! The parallel walk and the assembly of a [`ScanResult`].

use crate::process::{process_file, FileOutcome, InlineIgnore};
use crate::scope::{Read, Scope, Visit};
use crate::suppress::{today_utc, Baseline, Suppressor, WaiverFile};
use crate::EngineError;
use envguard_detect::{Detector, Fingerprinter};
use envguard_model::{
    Diagnostic, DiagnosticKind, EnvSummary, Finding, Inventory, ScanResult, ScanStats,
};
use envguard_rules::{Context, FileFacts};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

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
    /// Scan vendored, minified and generated code and lockfiles too.
    pub include_vendored: bool,
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
    /// Fingerprints of a store's current prod secrets (`check --store`).
    pub live_secrets: Option<&'a envguard_model::LiveSecrets>,
}

enum Msg {
    File(Box<FileOutcome>),
    /// A path not scanned (not read, binary, out of scope), named.
    Skipped(Diagnostic),
    /// A note about the walk that skipped nothing (an ignore file's bad line).
    Note(Diagnostic),
}

/// Runs a whole check. Errors only for a root that does not exist; every
/// per-path problem becomes a diagnostic (an unreadable root included: the run
/// is then incomplete, never a silent pass).
pub fn check(opts: &CheckOptions<'_>) -> Result<ScanResult, EngineError> {
    let started = std::time::Instant::now();
    std::fs::symlink_metadata(&opts.root).map_err(|source| EngineError::Io {
        path: opts.root.clone(),
        source,
    })?;
    let detector = Detector::builtin();
    let infra = infra_wanted(opts.skip_rules);
    let scope = opts.scope();
    // Each walker thread pushes its result under an uncontended lock: a
    // channel to a collector thread cost a futex wake and a context switch
    // per file (about 3 futex calls per file, 8% of a check's time).
    let msgs = std::sync::Mutex::new(Vec::<Msg>::new());
    let visit = |v: Visit<'_>| {
        let msg = match v {
            Visit::File { path, rel } => scan_one(path, &rel, detector, infra, opts),
            Visit::Diagnostic(d) if d.kind == DiagnosticKind::Config => Msg::Note(d),
            Visit::Diagnostic(d) => Msg::Skipped(d),
        };
        msgs.lock().unwrap_or_else(|e| e.into_inner()).push(msg);
    };
    scope.walk(&visit);
    let msgs = msgs.into_inner().unwrap_or_else(|e| e.into_inner());
    msgs.into_iter()
        .fold(Assembly::default(), |mut acc, msg| {
            acc.add(msg);
            acc
        })
        .finish(opts, started)
}

impl<'a> CheckOptions<'a> {
    /// A check of `root` with the defaults: every rule, ignore rules honoured,
    /// vendored code left out, one thread per core, no waivers, baseline, CI
    /// settings or progress, no isolation matrix.
    pub fn new(root: PathBuf, inventory: &'a Inventory, fingerprinter: &'a Fingerprinter) -> Self {
        CheckOptions {
            root_display: root.display().to_string(),
            root,
            inventory,
            include_ignored: false,
            include_vendored: false,
            threads: 0,
            waivers: None,
            baseline: None,
            fingerprinter,
            ci_settings: None,
            progress: None,
            skip_rules: &[],
            isolation: false,
            live_secrets: None,
        }
    }

    /// What this check walks.
    pub fn scope(&self) -> Scope<'_> {
        Scope {
            root: &self.root,
            inventory: self.inventory,
            include_ignored: self.include_ignored,
            include_vendored: self.include_vendored,
            threads: self.threads,
        }
    }
}

fn scan_one(
    path: &Path,
    rel: &str,
    detector: &Detector,
    infra: bool,
    opts: &CheckOptions<'_>,
) -> Msg {
    let inventory = opts.inventory;
    let (bytes, note) = match crate::scope::read(path, rel, inventory.scan.max_file_size) {
        Read::Text { bytes, note } => (bytes, note),
        Read::Binary(d) | Read::NotChecked(d) => return Msg::Skipped(d),
    };
    if let Some(p) = opts.progress {
        p.files.fetch_add(1, Ordering::Relaxed);
        p.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
    }
    if !opts.include_vendored {
        if let Some(why) = crate::scope::out_of_scope_content(rel, &bytes) {
            return Msg::Skipped(Diagnostic {
                kind: DiagnosticKind::OutOfScope,
                path: rel.to_owned(),
                region: None,
                message: format!("{why}, not scanned (--include-vendored scans it)"),
            });
        }
    }
    let env = inventory.attribute(rel);
    let mut outcome = process_file(
        rel,
        &bytes,
        env,
        inventory,
        detector,
        opts.fingerprinter,
        infra,
    );
    outcome.diagnostics.extend(note);
    if let Some(ds) = outcome.facts.dataset.as_mut() {
        ds.provenance = crate::dataset::provenance(path, rel, &bytes);
    }
    outcome.bytes = bytes.len() as u64;
    Msg::File(Box::new(outcome))
}

/// True when a rule that runs needs infrastructure facts: else none are read.
fn infra_wanted(skip: &[String]) -> bool {
    envguard_rules::registry()
        .iter()
        .any(|r| r.needs().infra && !is_skipped(r.meta().id, skip))
}

/// True when `id` equals one of the skip entries or starts with one and a `.`.
fn is_skipped(id: &str, skip: &[String]) -> bool {
    skip.iter().any(|s| {
        let s = s.trim().trim_end_matches('.');
        !s.is_empty() && (id == s || id.strip_prefix(s).is_some_and(|r| r.starts_with('.')))
    })
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
                match d.kind {
                    DiagnosticKind::Binary => self.stats.binary += 1,
                    DiagnosticKind::OutOfScope => self.stats.out_of_scope += 1,
                    _ => self.stats.not_checked += 1,
                }
                self.diagnostics.push(d);
            }
            Msg::Note(d) => self.diagnostics.push(d),
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
        // An environment that only CI/CD names (`environment: production`, a
        // workflow `env: ENVIRONMENT: production`) is still one of the tree's.
        for target in self
            .pipelines
            .iter()
            .flat_map(|p| &p.jobs)
            .filter_map(|j| j.target.as_ref())
        {
            envs.entry(target.env.clone())
                .or_insert_with(|| EnvSummary {
                    name: target.env.clone(),
                    tier: target.tier,
                    files: 0,
                    inferred: true,
                });
        }
        let mut environments: Vec<EnvSummary> = envs.into_values().collect();
        environments.sort_by(|a, b| (a.tier, &a.name).cmp(&(b.tier, &b.name)));

        let rules: Vec<&dyn envguard_rules::Rule> = envguard_rules::registry()
            .into_iter()
            .filter(|r| !is_skipped(r.meta().id, opts.skip_rules))
            .collect();
        let infra_wanted = rules.iter().any(|r| r.needs().infra);
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
            store: None,
            live_secrets: opts.live_secrets,
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
