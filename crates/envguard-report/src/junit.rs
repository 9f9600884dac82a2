//! JUnit XML via `quick-junit`, for CI test reports.
//!
//! One `<testsuite>` per rule (in id order), one `<testcase>` per finding:
//! - an active finding at or above `--fail-on` is a `<failure>` (message, type =
//!   severity, body = location, environments, related locations, id, help);
//! - an active finding below `--fail-on` (or with `--fail-on never`) passes, its
//!   details in `<system-out>`, so the JUnit verdict matches the exit code;
//! - a suppressed finding is `<skipped>` with the suppression kind and reason;
//! - a rule with no active finding gets one passing case, `no active findings`.
//!
//! Diagnostics, when there are any, form a last suite `diagnostics` of skipped
//! cases: the files they name were not fully checked.

use crate::view::View;
use crate::RenderOptions;
use envguard_model::Finding;
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use std::io::{self, Write};

fn case_name(f: &Finding) -> String {
    let r = &f.location.region;
    format!(
        "{}:{}:{} [{}]",
        f.location.path, r.start_line, r.start_column, f.id
    )
}

fn details(f: &Finding, help: &str) -> String {
    let r = &f.location.region;
    let mut s = format!(
        "{}:{}:{}: {}: {}\n",
        f.location.path, r.start_line, r.start_column, f.severity, f.message
    );
    if !f.environments.is_empty() {
        s.push_str(&format!("environments: {}\n", f.environments.join(", ")));
    }
    for rel in &f.related {
        s.push_str(&format!(
            "{}: {}:{}\n",
            rel.label, rel.location.path, rel.location.region.start_line
        ));
    }
    s.push_str(&format!("id: {}\nhelp: {help}\n", f.id));
    s
}

pub(crate) fn render(
    view: &View<'_>,
    _opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut report = Report::new("envguard");
    for rule in &view.rules {
        let help = rule.doc_path();
        let mut suite = TestSuite::new(rule.id);
        suite.add_property(Property::new("summary", rule.summary()));
        suite.add_property(Property::new("severity", rule.default_severity().as_str()));
        suite.add_property(Property::new("help", help.as_str()));

        let mut any_active = false;
        for f in view.active_for(rule.id) {
            any_active = true;
            let status = if view.is_failing(f) {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(f.message.as_str())
                    .set_type(f.severity.as_str())
                    .set_description(details(f, &help));
                s
            } else {
                TestCaseStatus::success()
            };
            let failing = view.is_failing(f);
            let mut case = TestCase::new(case_name(f), status);
            case.set_classname(rule.id);
            if !failing {
                let threshold = match view.fail_on {
                    Some(t) => format!("below --fail-on {t}"),
                    None => "--fail-on never".to_owned(),
                };
                case.set_system_out(format!("{}({threshold})\n", details(f, &help)));
            }
            suite.add_test_case(case);
        }
        for f in view.suppressed_for(rule.id) {
            let mut status = TestCaseStatus::skipped();
            if let Some(s) = &f.suppression {
                status
                    .set_message(format!(
                        "suppressed ({}): {}",
                        s.kind.as_str(),
                        s.justification
                    ))
                    .set_type(s.kind.as_str())
                    .set_description(details(f, &help));
            }
            let mut case = TestCase::new(case_name(f), status);
            case.set_classname(rule.id);
            suite.add_test_case(case);
        }
        if !any_active {
            let mut case = TestCase::new("no active findings", TestCaseStatus::success());
            case.set_classname(rule.id);
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }

    if !view.diagnostics.is_empty() {
        let mut suite = TestSuite::new("diagnostics");
        for d in &view.diagnostics {
            let place = match d.region {
                Some(r) => format!("{}:{}:{}", d.path, r.start_line, r.start_column),
                None => d.path.clone(),
            };
            // A path in scope that was not read is an error case: the JUnit
            // verdict fails closed like the exit code (unless allowed).
            let mut status = if d.kind.incomplete() && !view.allow_incomplete {
                TestCaseStatus::non_success(NonSuccessKind::Error)
            } else {
                TestCaseStatus::skipped()
            };
            status
                .set_message(d.message.as_str())
                .set_type(d.kind.as_str());
            let mut case = TestCase::new(format!("{} {place}", d.kind.as_str()), status);
            case.set_classname("diagnostics");
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }

    report.serialize(&mut *out).map_err(io::Error::other)
}
