//! Load test of `envguard serve` (issue 16): events of ~1 KB posted over
//! loopback HTTP in JSONL batches by several keep-alive clients to the staging
//! ledger (SQLite, WAL, synchronous=FULL, PII policy `reject`: every event is
//! screened), the server in this process on 127.0.0.1 with a free port.
//!
//! cargo run --release -p envguard-server --example serve_bench -- [EVENTS] [BATCH] [CLIENTS]
//! (defaults 200000 500 4). Prints events/s and request latency p50/p99/max.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use envguard_ledger::{Ledger, LedgerConfig};
use envguard_server::tokens::{create_token, Action, NewToken};
use std::time::{Duration, Instant};

fn event(i: usize) -> String {
    // Padded to ~1 KB of canonical JSON with words the PII screen reads but
    // does not flag.
    let pad =
        "the patient reported mild symptoms and the model suggested rest and fluids ".repeat(11);
    format!(
        r#"{{"environment":"staging","tenant_id":"clinic-{}","timestamp_utc":"2026-03-04T05:06:07Z","kind":"ai","actor_role":"clinician","model_version":"triage-2","prompt":"visit {i}: {pad}","response":"follow up in 2 weeks"}}"#,
        i % 7
    )
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numbers: EVENTS BATCH CLIENTS"))
        .collect();
    let total = args.first().copied().unwrap_or(200_000);
    let batch = args.get(1).copied().unwrap_or(500);
    let clients = args.get(2).copied().unwrap_or(4);
    let dir = tempfile::tempdir().unwrap();
    Ledger::init(dir.path(), LedgerConfig::defaults("staging")).unwrap();
    let tokens = dir.path().join(envguard_server::TOKENS_FILE);
    let (token, _) = create_token(
        &tokens,
        &NewToken {
            env: "staging".into(),
            role: "app".into(),
            actions: vec![Action::Append],
            expires: None,
        },
    )
    .unwrap();
    let opts = envguard_server::Options {
        dir: dir.path().to_path_buf(),
        tokens,
        body_limit: envguard_server::DEFAULT_BODY_LIMIT,
    };
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            addr_tx.send(l.local_addr().unwrap()).unwrap();
            envguard_server::serve(l, opts, async {
                let _ = stop_rx.await;
            })
            .await
            .unwrap();
        });
    });
    let addr = addr_rx.recv().unwrap();
    let url = format!("http://{addr}/v1/envs/staging/events");
    let bytes_per_event = event(0).len();
    let batches = total.div_ceil(batch);
    // Bodies are built before the clock starts: the figure is the server's.
    let bodies: Vec<String> = (0..batches)
        .map(|b| {
            (b * batch..((b + 1) * batch).min(total))
                .map(|i| event(i) + "\n")
                .collect()
        })
        .collect();
    let bodies = std::sync::Arc::new(bodies);
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let start = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|_| {
            let (bodies, next, url, token) =
                (bodies.clone(), next.clone(), url.clone(), token.clone());
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                let mut lat = Vec::new();
                loop {
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(body) = bodies.get(k) else { break };
                    let t = Instant::now();
                    let mut r = agent
                        .post(&url)
                        .header("content-type", "application/x-ndjson")
                        .header("authorization", &format!("Bearer {token}"))
                        .send(body.as_str())
                        .unwrap();
                    let text = r.body_mut().read_to_string().unwrap();
                    assert_eq!(r.status(), 200, "{text}");
                    lat.push(t.elapsed());
                }
                lat
            })
        })
        .collect();
    let mut lat: Vec<Duration> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let took = start.elapsed();
    let _ = stop_tx.send(());
    server.join().unwrap();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p).ceil() as usize).saturating_sub(1)];
    let size = Ledger::open(dir.path(), "staging")
        .unwrap()
        .store()
        .size()
        .unwrap();
    assert_eq!(size, total as u64);
    println!(
        "{total} events of {bytes_per_event} B in {batches} batches of {batch}, {clients} clients: {:.2} s, {:.0} events/s ({:.1} MB/s); request latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        took.as_secs_f64(),
        total as f64 / took.as_secs_f64(),
        (total * bytes_per_event) as f64 / took.as_secs_f64() / 1e6,
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        lat.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
}
