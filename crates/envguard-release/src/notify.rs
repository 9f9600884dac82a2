//! `release notify`: after a production deploy, tell the people who must
//! know (001 "Compliance and audit — Notifications": version, time, release
//! notes) on each configured channel: a JSON webhook (Slack-compatible
//! `text` + `blocks`) and e-mail over SMTP. Each delivery is retried with
//! bounded exponential backoff (backon) on 5xx answers, timeouts and
//! connection failures; every attempt is reported, a failure never dropped.

use backon::{BlockingRetryable, ExponentialBuilder};
use serde::Serialize;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::time::Duration;

/// What a deploy notification says.
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    pub environment: String,
    /// The release tag (`v1.4.0`), or the ref when there is none.
    pub version: String,
    pub commit: String,
    pub artifact: String,
    pub approvers: Vec<String>,
    /// RFC 3339 UTC.
    pub time_utc: String,
    pub notes: Option<String>,
    /// The release decision's entry in the environment's ledger.
    pub ledger_index: u64,
}

/// Slack's limit for a section's text.
const SLACK_SECTION_MAX: usize = 3000;

fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max.saturating_sub(3);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

impl Notice {
    fn approvers_text(&self) -> String {
        if self.approvers.is_empty() {
            "none recorded".to_owned()
        } else {
            self.approvers.join(", ")
        }
    }

    /// One line, for the webhook's `text` and the e-mail subject.
    pub fn summary(&self) -> String {
        format!(
            "Deployed {} {} to {} at {} (commit {}, approved by {})",
            self.artifact,
            self.version,
            self.environment,
            self.time_utc,
            self.commit.get(..12).unwrap_or(&self.commit),
            self.approvers_text()
        )
    }

    /// The webhook body: Slack's `text` (also what other receivers show)
    /// and Block Kit `blocks`.
    pub fn webhook_body(&self) -> Value {
        let mut blocks = vec![
            json!({"type": "header", "text": {"type": "plain_text",
                "text": clip(&format!("Deployed to {}: {}", self.environment, self.version), 150)}}),
            json!({"type": "section", "fields": [
                {"type": "mrkdwn", "text": format!("*Version*\n{}", self.version)},
                {"type": "mrkdwn", "text": format!("*Commit*\n`{}`", self.commit)},
                {"type": "mrkdwn", "text": format!("*Time (UTC)*\n{}", self.time_utc)},
                {"type": "mrkdwn", "text": format!("*Approvers*\n{}", self.approvers_text())},
                {"type": "mrkdwn", "text": format!("*Artifact*\n{}", self.artifact)},
                {"type": "mrkdwn", "text": format!("*Ledger*\n{} entry {}", self.environment, self.ledger_index)},
            ]}),
        ];
        if let Some(n) = self.notes.as_deref().filter(|n| !n.trim().is_empty()) {
            blocks.push(json!({"type": "section", "text": {"type": "mrkdwn",
                "text": clip(&format!("*Release notes*\n{}", n.trim()), SLACK_SECTION_MAX)}}));
        }
        blocks.push(json!({"type": "context", "elements": [
            {"type": "mrkdwn", "text": "envguard release notify (policy 001: production deployment notification)"}]}));
        json!({"text": self.summary(), "blocks": blocks})
    }

    pub fn email_subject(&self) -> String {
        format!(
            "[{}] deployed {} {}",
            self.environment, self.artifact, self.version
        )
    }

    pub fn email_body(&self) -> String {
        let mut b = format!(
            "{}\n\nVersion:     {}\nCommit:      {}\nArtifact:    {}\nTime (UTC):  {}\nApprovers:   {}\nLedger:      {} entry {}\n",
            self.summary(),
            self.version,
            self.commit,
            self.artifact,
            self.time_utc,
            self.approvers_text(),
            self.environment,
            self.ledger_index
        );
        if let Some(n) = self.notes.as_deref().filter(|n| !n.trim().is_empty()) {
            b.push_str("\nRelease notes\n\n");
            b.push_str(n.trim());
            b.push('\n');
        }
        b
    }
}

/// How hard to try one channel.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub retries: usize,
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// Per attempt.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: 3,
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            timeout: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.retries)
            .with_jitter()
    }
}

/// The outcome of one channel: every attempt, in order.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    /// `webhook https://hooks.example.com/…` / `smtp smtp.example.com:587`.
    pub channel: String,
    pub delivered: bool,
    pub attempts: Vec<String>,
}

/// One failed attempt: what happened, and whether trying again may help.
struct Attempt {
    what: String,
    retry: bool,
}

fn run_with_retries(
    channel: String,
    policy: &RetryPolicy,
    mut once: impl FnMut() -> Result<String, Attempt>,
) -> Delivery {
    let log = RefCell::new(Vec::new());
    let result = (|| match once() {
        Ok(ok) => {
            log.borrow_mut().push(ok);
            Ok(())
        }
        Err(e) => {
            log.borrow_mut().push(e.what.clone());
            Err(e)
        }
    })
    .retry(policy.backoff())
    .sleep(std::thread::sleep)
    .when(|e: &Attempt| e.retry)
    .call();
    Delivery {
        channel,
        delivered: result.is_ok(),
        attempts: log.into_inner(),
    }
}

/// `https://hooks.slack.com/services/T…/B…/secret` → `https://hooks.slack.com/…`:
/// a webhook URL's path is its credential.
pub fn redact_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            let host = host.rsplit('@').next().unwrap_or(host);
            format!("{scheme}://{host}/…")
        }
        None => "(not a URL)".to_owned(),
    }
}

/// POSTs the notice's webhook body to `url`.
pub fn send_webhook(url: &str, notice: &Notice, policy: &RetryPolicy) -> Delivery {
    let channel = format!("webhook {}", redact_url(url));
    let body = notice.webhook_body().to_string();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(policy.timeout))
        .http_status_as_error(false)
        .build()
        .into();
    run_with_retries(channel, policy, || {
        match agent
            .post(url)
            .header("Content-Type", "application/json")
            .send(body.as_bytes())
        {
            Ok(resp) => {
                let status = resp.status();
                let line = format!(
                    "HTTP {} {}",
                    status.as_u16(),
                    status.canonical_reason().unwrap_or("")
                )
                .trim_end()
                .to_owned();
                if status.is_success() {
                    Ok(line)
                } else {
                    Err(Attempt {
                        retry: status.is_server_error() || status.as_u16() == 429,
                        what: line,
                    })
                }
            }
            Err(e) => Err(Attempt {
                retry: matches!(
                    e,
                    ureq::Error::Timeout(_)
                        | ureq::Error::Io(_)
                        | ureq::Error::ConnectionFailed
                        | ureq::Error::HostNotFound
                ),
                // ureq's messages name the problem, never the URL's path.
                what: match &e {
                    ureq::Error::Timeout(_) => "timed out".to_owned(),
                    other => format!("{other}"),
                },
            }),
        }
    })
}

/// TLS of an SMTP channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// STARTTLS, required (port 587 by default).
    Starttls,
    /// TLS from the first byte (port 465 by default).
    Tls,
    /// Plain text: only to a loopback address (a local relay).
    None,
}

/// Where and to whom e-mail goes; credentials already read from the environment.
#[derive(Debug, Clone)]
pub struct SmtpChannel {
    pub host: String,
    pub port: Option<u16>,
    pub tls: SmtpTls,
    pub from: String,
    pub to: Vec<String>,
    pub credentials: Option<(String, String)>,
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Sends the notice as a plain-text e-mail.
pub fn send_email(smtp: &SmtpChannel, notice: &Notice, policy: &RetryPolicy) -> Delivery {
    use lettre::message::header::ContentType;
    use lettre::transport::smtp::authentication::Credentials;
    use lettre::{Message, SmtpTransport, Transport};
    let port = smtp.port.unwrap_or(match smtp.tls {
        SmtpTls::Starttls => 587,
        SmtpTls::Tls => 465,
        SmtpTls::None => 25,
    });
    let channel = format!("smtp {}:{port}", smtp.host);
    let fail_now = |what: String| Delivery {
        channel: channel.clone(),
        delivered: false,
        attempts: vec![what],
    };
    if smtp.tls == SmtpTls::None && !is_loopback(&smtp.host) {
        return fail_now(format!(
            "tls = \"none\" is only allowed to a loopback relay, not {}",
            smtp.host
        ));
    }
    let mut builder = Message::builder()
        .subject(notice.email_subject())
        .header(ContentType::TEXT_PLAIN);
    match smtp.from.parse() {
        Ok(a) => builder = builder.from(a),
        Err(e) => return fail_now(format!("from {:?}: {e}", smtp.from)),
    }
    for to in &smtp.to {
        match to.parse() {
            Ok(a) => builder = builder.to(a),
            Err(e) => return fail_now(format!("to {to:?}: {e}")),
        }
    }
    let email = match builder.body(notice.email_body()) {
        Ok(m) => m,
        Err(e) => return fail_now(format!("cannot build the message: {e}")),
    };
    let transport = match smtp.tls {
        SmtpTls::None => Ok(SmtpTransport::builder_dangerous(&smtp.host)),
        SmtpTls::Starttls => SmtpTransport::starttls_relay(&smtp.host),
        SmtpTls::Tls => SmtpTransport::relay(&smtp.host),
    };
    let mut transport = match transport {
        Ok(t) => t.port(port).timeout(Some(policy.timeout)),
        Err(e) => return fail_now(format!("{e}")),
    };
    if let Some((user, pass)) = &smtp.credentials {
        transport = transport.credentials(Credentials::new(user.clone(), pass.clone()));
    }
    let mailer = transport.build();
    run_with_retries(channel.clone(), policy, || match mailer.send(&email) {
        Ok(r) => Ok(format!("accepted ({})", r.code())),
        Err(e) => Err(Attempt {
            retry: !e.is_permanent(),
            what: format!("{e}"),
        }),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn notice() -> Notice {
        Notice {
            environment: "prod".into(),
            version: "v1.4.0".into(),
            commit: "4b825dc642cb6eb9a060e54bf8d69288fbee4904".into(),
            artifact: "dist/api.tar.gz".into(),
            approvers: vec!["bob".into(), "carol".into()],
            time_utc: "2026-12-06T22:00:00Z".into(),
            notes: Some("Fixes the login timeout.".into()),
            ledger_index: 7,
        }
    }

    #[test]
    fn slack_body_has_text_and_blocks() {
        let b = notice().webhook_body();
        assert_eq!(
            b["text"],
            "Deployed dist/api.tar.gz v1.4.0 to prod at 2026-12-06T22:00:00Z (commit 4b825dc642cb, approved by bob, carol)"
        );
        assert_eq!(b["blocks"][0]["type"], "header");
        assert_eq!(
            b["blocks"][2]["text"]["text"],
            "*Release notes*\nFixes the login timeout."
        );
        let long = Notice {
            notes: Some("é".repeat(4000)),
            ..notice()
        };
        let t = long.webhook_body()["blocks"][2]["text"]["text"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(t.len() <= SLACK_SECTION_MAX, "{}", t.len());
    }

    #[test]
    fn webhook_urls_are_redacted() {
        assert_eq!(
            redact_url("https://hooks.slack.com/services/T000/B000/XXXXXXXX"),
            "https://hooks.slack.com/…"
        );
        assert_eq!(
            redact_url("https://user:pw@h.example:8443/x?y"),
            "https://h.example:8443/…"
        );
    }

    #[test]
    fn plain_smtp_only_on_loopback() {
        let smtp = SmtpChannel {
            host: "smtp.example.com".into(),
            port: Some(25),
            tls: SmtpTls::None,
            from: "releases@example.com".into(),
            to: vec!["ops@example.com".into()],
            credentials: None,
        };
        let d = send_email(&smtp, &notice(), &RetryPolicy::default());
        assert!(!d.delivered);
        assert!(
            d.attempts[0].contains("only allowed to a loopback relay"),
            "{d:?}"
        );
    }
}
