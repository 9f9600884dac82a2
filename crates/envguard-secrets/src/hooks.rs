//! Running a rotation's generator, validation and health commands. A value
//! reaches a command on its standard input only (never in its arguments,
//! which any user can read in the process table); what a command prints is
//! kept only after every occurrence of the value has been cut out.

use crate::{SecretValue, SecretsError};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a command did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CommandOutcome {
    pub command: String,
    pub exit_code: Option<i32>,
    pub timed_out: bool,
    /// Its first output line, the value cut out, at most 160 characters.
    pub output: String,
}

impl CommandOutcome {
    pub fn ok(&self) -> bool {
        self.exit_code == Some(0) && !self.timed_out
    }
}

/// Removes every occurrence of `value` from `text`.
pub fn redact(text: &[u8], value: &[u8]) -> Vec<u8> {
    if value.len() < 4 {
        return text.to_vec();
    }
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text[i..].starts_with(value) {
            out.extend_from_slice(b"[REDACTED]");
            i += value.len();
        } else {
            out.push(text[i]);
            i += 1;
        }
    }
    out
}

fn argv(command: &str) -> Result<Vec<String>, SecretsError> {
    match shlex::split(command) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(SecretsError::Invalid(format!(
            "command {command:?} cannot be split into arguments (check its quotes)"
        ))),
    }
}

/// Runs `command` with `input` on stdin and `env` in its environment;
/// returns its outcome and its whole standard output. Without `input` the
/// command is taken for a generator: its output is the value, and only its
/// standard error may be shown.
pub fn run(
    command: &str,
    input: Option<&SecretValue>,
    env: &[(&str, String)],
    timeout: Duration,
) -> Result<(CommandOutcome, SecretValue), SecretsError> {
    let args = argv(command)?;
    let mut cmd = Command::new(&args[0]);
    cmd.args(&args[1..])
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| SecretsError::Invalid(format!("command {command:?}: cannot start: {e}")))?;
    let writer = match (input, child.stdin.take()) {
        (Some(v), Some(mut stdin)) => {
            let bytes = v.clone();
            Some(std::thread::spawn(move || {
                let _ = stdin.write_all(bytes.expose());
            }))
        }
        _ => None,
    };
    let mut out_pipe = child.stdout.take();
    let mut err_pipe = child.stderr.take();
    let out_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        if let Some(p) = out_pipe.as_mut() {
            let _ = p.read_to_end(&mut b);
        }
        b
    });
    let err_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        if let Some(p) = err_pipe.as_mut() {
            let _ = p.read_to_end(&mut b);
        }
        b
    });
    let start = Instant::now();
    let mut timed_out = false;
    // Polled with a growing pause: a trivial command (a batch rotation runs
    // two per secret) is seen to end within tens of microseconds, a slow one
    // costs at most a check every 5 ms.
    let mut pause = Duration::from_micros(20);
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if start.elapsed() >= timeout => {
                let _ = child.kill();
                timed_out = true;
                break child.wait().ok();
            }
            Ok(None) => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(5));
            }
            Err(e) => {
                return Err(SecretsError::Invalid(format!(
                    "command {command:?}: cannot wait for it: {e}"
                )))
            }
        }
    };
    if let Some(w) = writer {
        let _ = w.join();
    }
    let stdout = SecretValue::new(out_t.join().unwrap_or_default());
    let stderr = zeroize::Zeroizing::new(err_t.join().unwrap_or_default());
    // Without input the command is a generator: its standard output is the
    // new value and is never shown; with input, the value is cut out.
    let shown = zeroize::Zeroizing::new(match input {
        Some(v) => {
            let mut all = stdout.expose().to_vec();
            all.extend_from_slice(&stderr);
            redact(&all, v.expose())
        }
        None => stderr.to_vec(),
    });
    let text = String::from_utf8_lossy(&shown);
    let first: String = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .chars()
        .take(160)
        .collect();
    Ok((
        CommandOutcome {
            command: command.to_owned(),
            exit_code: status.and_then(|s| s.code()),
            timed_out,
            output: first,
        },
        stdout,
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_value_goes_in_on_stdin_and_never_comes_back_out() {
        let v = SecretValue::from("s3cr3t-value-XYZ");
        let (o, out) = run("cat", Some(&v), &[], Duration::from_secs(10)).unwrap();
        assert!(o.ok());
        assert_eq!(out.expose(), v.expose());
        assert_eq!(o.output, "[REDACTED]");
    }

    #[test]
    fn a_failing_command_is_reported_with_its_code() {
        let (o, _) = run(
            "sh -c 'echo bad login >&2; exit 3'",
            None,
            &[],
            Duration::from_secs(10),
        )
        .unwrap();
        assert_eq!(o.exit_code, Some(3));
        assert!(!o.ok());
        assert_eq!(o.output, "bad login");
    }

    #[test]
    fn a_generator_output_is_never_shown() {
        let (o, out) = run("echo gen-value-123456", None, &[], Duration::from_secs(10)).unwrap();
        assert_eq!(out.expose(), b"gen-value-123456\n");
        assert_eq!(o.output, "");
    }

    #[test]
    fn a_slow_command_is_stopped() {
        let (o, _) = run("sleep 5", None, &[], Duration::from_millis(100)).unwrap();
        assert!(o.timed_out && !o.ok());
    }
}
