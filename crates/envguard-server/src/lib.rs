//! `envguard serve`: the per-environment ledgers as an HTTP API (issue 16).
//!
//! axum on a tokio runtime, HTTP/1.1. Each request names its environment in
//! the path and carries a bearer token scoped to one environment, role and
//! set of actions ([`tokens`]); events are checked at the door exactly as
//! `envguard ledger append` checks them (the ledger's own validation: schema
//! v1, R-03 labels, the environment, the PII policy) and committed before the
//! answer, so an acknowledged event survives a crash of the server.

pub mod api;
pub mod ledgers;
pub mod metrics;
pub mod tokens;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use utoipa::OpenApi as _;

/// Default request body limit: 16 MiB (a batch of ~15,000 events of 1 KB).
pub const DEFAULT_BODY_LIMIT: usize = 16 << 20;

/// The tokens file under the ledger directory.
pub const TOKENS_FILE: &str = "serve-tokens.json";

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{addr}: cannot listen: {message}")]
    Listen { addr: String, message: String },
    #[error(transparent)]
    Tokens(#[from] tokens::TokenError),
    #[error("server: {0}")]
    Io(String),
    #[error("openapi: {0}")]
    OpenApi(String),
}

/// How to serve.
#[derive(Debug, Clone)]
pub struct Options {
    /// The ledger directory (one ledger per environment).
    pub dir: PathBuf,
    /// The tokens file.
    pub tokens: PathBuf,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
}

/// One line on standard error. Never given a token or an event.
pub fn log(line: &str) {
    #[allow(clippy::print_stderr)]
    {
        eprintln!("envguard serve: {line}");
    }
}

/// The OpenAPI 3.1 document, as JSON.
///
/// The request body of `POST …/events` is the ledger's own event JSON Schema
/// (`envguard_ledger::schema::json_schema`, shared with the R03 rule),
/// inserted here as the `Event` component rather than described a second
/// time in Rust types that could drift from the validator.
pub fn openapi_json() -> Result<String, ServeError> {
    let bad = |e: &dyn std::fmt::Display| ServeError::OpenApi(e.to_string());
    let mut doc = serde_json::to_value(api::ApiDoc::openapi()).map_err(|e| bad(&e))?;
    let mut event = envguard_ledger::schema::json_schema();
    if let Some(o) = event.as_object_mut() {
        o.remove("$schema");
        o.remove("$id");
    }
    let schemas = doc
        .pointer_mut("/components/schemas")
        .and_then(serde_json::Value::as_object_mut)
        .ok_or_else(|| bad(&"no components.schemas"))?;
    schemas.insert("Event".into(), event);
    let body = doc
        .pointer_mut("/paths/~1v1~1envs~1{env}~1events/post/requestBody/content/application~1json")
        .and_then(serde_json::Value::as_object_mut)
        .ok_or_else(|| bad(&"no request body for POST /v1/envs/{env}/events"))?;
    body.insert(
        "schema".into(),
        serde_json::json!({"oneOf": [
            {"$ref": "#/components/schemas/Event"},
            {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/Event"}}
        ]}),
    );
    serde_json::to_string_pretty(&doc).map_err(|e| bad(&e))
}

/// Serves on `listener` until `shutdown` resolves, then finishes the requests
/// in flight and the ledger work they queued.
pub async fn serve(
    listener: tokio::net::TcpListener,
    opts: Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let tokens = tokens::TokenCache::load(&opts.tokens)?;
    if tokens.get().is_empty() {
        log(&format!(
            "no token in {}: no request is accepted until `envguard serve token create` adds one",
            opts.tokens.display()
        ));
    }
    let state = Arc::new(api::AppState {
        ledgers: ledgers::Ledgers::new(opts.dir.clone()),
        tokens,
        metrics: metrics::Metrics::default(),
        openapi: openapi_json()?,
    });
    let app = api::router(state.clone(), opts.body_limit);
    let r = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| ServeError::Io(e.to_string()));
    state.ledgers.close().await;
    r
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C).
async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => log("SIGTERM: finishing the requests in flight"),
                    _ = int.recv() => log("SIGINT: finishing the requests in flight"),
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Binds `listen`, calls `ready` with the bound address, and serves until
/// SIGTERM or SIGINT.
pub fn run(listen: &str, opts: Options, ready: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("envguard-serve")
        .build()
        .map_err(|e| ServeError::Io(e.to_string()))?;
    rt.block_on(async move {
        let listener =
            tokio::net::TcpListener::bind(listen)
                .await
                .map_err(|e| ServeError::Listen {
                    addr: listen.to_owned(),
                    message: e.to_string(),
                })?;
        let addr = listener.local_addr().map_err(|e| ServeError::Listen {
            addr: listen.to_owned(),
            message: e.to_string(),
        })?;
        ready(addr);
        serve(listener, opts, terminated()).await
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_openapi_document_is_3_1_with_the_event_schema_and_every_route() {
        let doc: serde_json::Value =
            serde_json::from_str(&super::openapi_json().expect("openapi")).expect("json");
        assert_eq!(doc["openapi"], "3.1.0");
        let event = &doc["components"]["schemas"]["Event"];
        assert!(event["required"]
            .as_array()
            .expect("required")
            .contains(&serde_json::json!("tenant_id")));
        let body = &doc["paths"]["/v1/envs/{env}/events"]["post"]["requestBody"]["content"];
        assert_eq!(
            body["application/json"]["schema"]["oneOf"][0]["$ref"],
            "#/components/schemas/Event"
        );
        let paths: Vec<&String> = doc["paths"].as_object().expect("paths").keys().collect();
        for p in [
            "/v1/envs/{env}/events",
            "/v1/envs/{env}/checkpoints",
            "/v1/envs/{env}/checkpoints/latest",
            "/v1/envs/{env}/proofs/inclusion",
            "/v1/envs/{env}/proofs/consistency",
            "/healthz",
            "/metrics",
            "/openapi.json",
        ] {
            assert!(paths.iter().any(|k| *k == p), "{p} missing: {paths:?}");
        }
        assert!(doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer");
    }
}
