//! The routes, their OpenAPI description and the JSON errors.

use crate::ledgers::{CallError, Ledgers};
use crate::metrics::Metrics;
use crate::tokens::{Action, AuthError, Grant, TokenCache};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{FromRequest as _, MatchedPath, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use envguard_ledger::export::{export, ExportFilter, ExportFormat};
use envguard_ledger::merkle::Hash;
use envguard_ledger::{Access, LedgerError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;
use utoipa::{IntoParams, OpenApi, ToSchema};

/// What the handlers share.
pub struct AppState {
    pub ledgers: Ledgers,
    pub tokens: TokenCache,
    pub metrics: Metrics,
    pub openapi: String,
}

/// A JSON error: a stable code and a message naming the place and the problem.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable error code (`unauthorized`, `forbidden`, `schema`, `pii`, …).
    pub error: String,
    /// What was wrong, and where.
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            crate::log(&format!("error {}: {}", self.status.as_u16(), self.message));
        }
        let body = Json(ErrorBody {
            error: self.code.to_owned(),
            message: self.message,
        });
        let mut r = (self.status, body).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        r
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> ApiError {
        let (status, code) = match e {
            AuthError::Missing | AuthError::Unknown | AuthError::Expired { .. } => {
                (StatusCode::UNAUTHORIZED, "unauthorized")
            }
            AuthError::WrongEnv { .. } | AuthError::WrongAction { .. } => {
                (StatusCode::FORBIDDEN, "forbidden")
            }
        };
        ApiError::new(status, code, e.to_string())
    }
}

impl From<LedgerError> for ApiError {
    fn from(e: LedgerError) -> ApiError {
        let (status, code) = match &e {
            LedgerError::Schema { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "schema"),
            LedgerError::Pii { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "pii"),
            LedgerError::Denied { .. } => (StatusCode::FORBIDDEN, "forbidden"),
            LedgerError::Missing { .. } | LedgerError::NotFound(_) => {
                (StatusCode::NOT_FOUND, "not_found")
            }
            LedgerError::Invalid(_) => (StatusCode::BAD_REQUEST, "invalid"),
            LedgerError::Exists { .. }
            | LedgerError::Store(_)
            | LedgerError::Note(_)
            | LedgerError::Proof(_)
            | LedgerError::Io { .. } => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        };
        ApiError::new(status, code, e.to_string())
    }
}

impl From<CallError> for ApiError {
    fn from(e: CallError) -> ApiError {
        match e {
            CallError::Ledger(l) => l.into(),
            CallError::Stopped(_) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                e.to_string(),
            ),
        }
    }
}

fn query_error(e: QueryRejection) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", e.body_text())
}

fn body_error(e: BytesRejection) -> ApiError {
    let status = e.status();
    let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
        "too_large"
    } else {
        "bad_body"
    };
    ApiError::new(status, code, e.body_text())
}

type ApiResult<T> = Result<T, ApiError>;

/// Authenticates the request's token and checks its scope for `env` and `action`.
fn authorize(state: &AppState, headers: &HeaderMap, env: &str, action: Action) -> ApiResult<Grant> {
    let header = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok());
    let grant = state
        .tokens
        .get()
        .authenticate(header, jiff::Timestamp::now())?;
    grant.allows(env, action)?;
    Ok(grant)
}

/// The role's own access policy check (the environment's `ledger.toml`), as the CLI does.
fn policy(l: &envguard_ledger::Ledger, role: &str, access: Access) -> Result<(), LedgerError> {
    if l.config().access.allows(role, access) {
        Ok(())
    } else {
        Err(LedgerError::Denied {
            role: role.to_owned(),
            access: access.as_str(),
            env: l.config().environment.clone(),
            config: l
                .dir()
                .join(envguard_ledger::ledger::CONFIG_FILE)
                .display()
                .to_string(),
        })
    }
}

/// Splits a request body into events: a JSON object (one event) or array
/// (a batch) for `application/json`, one event a line for JSONL.
fn parse_events(headers: &HeaderMap, body: &[u8]) -> ApiResult<Vec<Value>> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let events = match mime.as_str() {
        "application/json" => {
            let v: Value = serde_json::from_slice(body).map_err(|e| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_json",
                    format!("request body, line {} column {}: {e}", e.line(), e.column()),
                )
            })?;
            match v {
                Value::Array(a) => a,
                Value::Object(_) => vec![v],
                _ => {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "bad_json",
                        "request body: expected an event (object) or a batch (array of events)",
                    ))
                }
            }
        }
        "application/x-ndjson" | "application/jsonl" | "application/x-jsonlines" => {
            let mut out = Vec::new();
            for (k, line) in body.split(|&b| b == b'\n').enumerate() {
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let v: Value = serde_json::from_slice(line).map_err(|e| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "bad_json",
                        format!("request body, line {} column {}: {e}", k + 1, e.column()),
                    )
                })?;
                out.push(v);
            }
            out
        }
        _ => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!(
                    "content type {:?}: send application/json (an event or an array) or application/x-ndjson (one event a line)",
                    ct
                ),
            ))
        }
    };
    if events.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "empty",
            "request body holds no event",
        ));
    }
    Ok(events)
}

/// Outcome of an append: the batch's place in the tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppendResponse {
    pub first_index: u64,
    pub count: u64,
    pub tree_size: u64,
    /// Hex SHA-256 root of the tree after the append.
    pub root: String,
    /// Events whose PII was replaced by `[REDACTED:KIND]` (policy `redact`).
    pub redacted: u64,
    /// The signed checkpoint note, when `checkpoint=true`.
    pub checkpoint: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AppendQuery {
    /// Sign a checkpoint covering the batch.
    #[serde(default)]
    pub checkpoint: bool,
}

/// Append one event, a batch (JSON array) or JSONL, atomically: every event
/// is checked (schema v1, R-03 labels, the environment, the PII policy)
/// before any is written.
#[utoipa::path(
    post,
    path = "/v1/envs/{env}/events",
    tag = "ledger",
    params(("env" = String, Path, description = "Environment"), AppendQuery),
    request_body(
        description = "An event, an array of events, or one event a line",
        content(
            (Value = "application/json"),
            (String = "application/x-ndjson")
        )
    ),
    responses(
        (status = 200, description = "Committed", body = AppendResponse),
        (status = 400, description = "Malformed body or query", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Token or role not allowed here", body = ErrorBody),
        (status = 404, description = "No such environment", body = ErrorBody),
        (status = 413, description = "Body over the limit", body = ErrorBody),
        (status = 415, description = "Unsupported content type", body = ErrorBody),
        (status = 422, description = "An event breaks the schema or the PII policy", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn post_events(
    State(state): State<Arc<AppState>>,
    Path(env): Path<String>,
    query: Result<Query<AppendQuery>, QueryRejection>,
    req: Request,
) -> ApiResult<Json<AppendResponse>> {
    // The token is checked before the body is read: a caller without one
    // cannot make the server buffer a body.
    let headers = req.headers().clone();
    let grant = authorize(&state, &headers, &env, Action::Append)?;
    let Query(q) = query.map_err(query_error)?;
    let body = Bytes::from_request(req, &()).await.map_err(body_error)?;
    let events = parse_events(&headers, &body)?;
    drop(body);
    let role = grant.role;
    let o = state
        .ledgers
        .call(&env, move |l| l.append(&role, events, 1, q.checkpoint))
        .await?;
    state.metrics.appended(&env, o.count);
    Ok(Json(AppendResponse {
        first_index: o.first_index,
        count: o.count,
        tree_size: o.tree_size,
        root: o.root,
        redacted: o.redacted,
        checkpoint: o.checkpoint,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Only events at or after this RFC 3339 UTC time.
    pub since: Option<String>,
    /// Only events before this RFC 3339 UTC time.
    pub until: Option<String>,
    /// Only events of this tenant.
    pub tenant: Option<String>,
    /// Only events by this role.
    pub actor_role: Option<String>,
    /// Only events of this kind.
    pub kind: Option<String>,
}

/// Read events: the ledger's export (JSONL: header, checkpoints with
/// consistency proofs, entries with inclusion proofs), filtered. The read
/// itself is recorded as an audit event in this environment's ledger.
#[utoipa::path(
    get,
    path = "/v1/envs/{env}/events",
    tag = "ledger",
    params(("env" = String, Path, description = "Environment"), EventsQuery),
    responses(
        (status = 200, description = "The export, one JSON record a line", body = String, content_type = "application/x-ndjson"),
        (status = 400, description = "Malformed query", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Token or role not allowed here", body = ErrorBody),
        (status = 404, description = "No such environment", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn get_events(
    State(state): State<Arc<AppState>>,
    Path(env): Path<String>,
    query: Result<Query<EventsQuery>, QueryRejection>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let grant = authorize(&state, &headers, &env, Action::Export)?;
    let Query(q) = query.map_err(query_error)?;
    let filter = ExportFilter {
        since: q.since,
        until: q.until,
        tenant: q.tenant,
        actor_role: q.actor_role,
        kind: q.kind,
    };
    let role = grant.role;
    let out = state
        .ledgers
        .call(&env, move |l| {
            let mut out = Vec::new();
            export(l, &role, &filter, ExportFormat::Jsonl, &mut out)?;
            Ok(out)
        })
        .await?;
    Ok((
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Bytes::from(out),
    )
        .into_response())
}

/// A signed checkpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointResponse {
    pub size: u64,
    /// Hex SHA-256 root.
    pub root: String,
    /// The C2SP signed note.
    pub note: String,
}

/// Sign a checkpoint over the current tree (or return the one that covers it).
#[utoipa::path(
    post,
    path = "/v1/envs/{env}/checkpoints",
    tag = "ledger",
    params(("env" = String, Path, description = "Environment")),
    responses(
        (status = 200, description = "The checkpoint", body = CheckpointResponse),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Token or role not allowed here", body = ErrorBody),
        (status = 404, description = "No such environment", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn post_checkpoint(
    State(state): State<Arc<AppState>>,
    Path(env): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<CheckpointResponse>> {
    let grant = authorize(&state, &headers, &env, Action::Append)?;
    let cp = state
        .ledgers
        .call(&env, move |l| l.checkpoint(&grant.role))
        .await?;
    Ok(Json(CheckpointResponse {
        size: cp.size,
        root: cp.root.to_hex(),
        note: cp.note,
    }))
}

/// The latest signed checkpoint as a C2SP signed note (`text/plain`).
#[utoipa::path(
    get,
    path = "/v1/envs/{env}/checkpoints/latest",
    tag = "ledger",
    params(("env" = String, Path, description = "Environment")),
    responses(
        (status = 200, description = "The note", body = String, content_type = "text/plain"),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Token or role not allowed here", body = ErrorBody),
        (status = 404, description = "No such environment, or no checkpoint yet", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn latest_checkpoint(
    State(state): State<Arc<AppState>>,
    Path(env): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let grant = authorize(&state, &headers, &env, Action::Read)?;
    let name = env.clone();
    let cp = state
        .ledgers
        .call(&env, move |l| {
            policy(l, &grant.role, Access::Read)?;
            Ok(l.store().latest_checkpoint()?)
        })
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("the {name} ledger has no checkpoint yet"),
            )
        })?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        cp.note,
    )
        .into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InclusionQuery {
    /// The entry's index.
    pub index: Option<u64>,
    /// Or the event's leaf hash (64 hex digits).
    pub event_hash: Option<String>,
}

/// An inclusion proof with the signed checkpoint it leads to.
#[derive(Debug, Serialize, ToSchema)]
pub struct InclusionResponse {
    pub index: u64,
    pub tree_size: u64,
    pub leaf_hash: String,
    pub proof: Vec<String>,
    pub checkpoint: String,
}

/// Inclusion proof of one entry against the latest checkpoint (an audited read).
#[utoipa::path(
    get,
    path = "/v1/envs/{env}/proofs/inclusion",
    tag = "ledger",
    params(("env" = String, Path, description = "Environment"), InclusionQuery),
    responses(
        (status = 200, description = "The proof", body = InclusionResponse),
        (status = 400, description = "Malformed query", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Token or role not allowed here", body = ErrorBody),
        (status = 404, description = "No such environment or entry", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn inclusion(
    State(state): State<Arc<AppState>>,
    Path(env): Path<String>,
    query: Result<Query<InclusionQuery>, QueryRejection>,
    headers: HeaderMap,
) -> ApiResult<Json<InclusionResponse>> {
    let grant = authorize(&state, &headers, &env, Action::Read)?;
    let Query(q) = query.map_err(query_error)?;
    let hash = match (q.index, q.event_hash.as_deref()) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                "give exactly one of index and event_hash",
            ))
        }
        (None, Some(h)) => Some(Hash::from_hex(h).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                "event_hash: expected 64 hex digits",
            )
        })?),
        (Some(_), None) => None,
    };
    let index = q.index;
    let p = state
        .ledgers
        .call(&env, move |l| match (index, hash) {
            (Some(i), _) => l.prove(&grant.role, i),
            (None, Some(h)) => l.prove_hash(&grant.role, &h),
            (None, None) => Err(LedgerError::Invalid("give index or event_hash".into())),
        })
        .await?;
    Ok(Json(InclusionResponse {
        index: p.index,
        tree_size: p.tree_size,
        leaf_hash: p.leaf_hash,
        proof: p.proof,
        checkpoint: p.checkpoint,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    /// The older tree size.
    pub old: u64,
    /// The newer tree size.
    pub new: u64,
}

/// A consistency proof between two tree sizes.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsistencyResponse {
    pub old_size: u64,
    pub new_size: u64,
    pub old_root: String,
    pub new_root: String,
    pub proof: Vec<String>,
    pub old_checkpoint: Option<String>,
    pub new_checkpoint: Option<String>,
}

/// Consistency proof between tree sizes `old` and `new` (an audited read).
#[utoipa::path(
    get,
    path = "/v1/envs/{env}/proofs/consistency",
    tag = "ledger",
    params(("env" = String, Path, description = "Environment"), ConsistencyQuery),
    responses(
        (status = 200, description = "The proof", body = ConsistencyResponse),
        (status = 400, description = "Malformed query or sizes out of range", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Token or role not allowed here", body = ErrorBody),
        (status = 404, description = "No such environment", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn consistency(
    State(state): State<Arc<AppState>>,
    Path(env): Path<String>,
    query: Result<Query<ConsistencyQuery>, QueryRejection>,
    headers: HeaderMap,
) -> ApiResult<Json<ConsistencyResponse>> {
    let grant = authorize(&state, &headers, &env, Action::Read)?;
    let Query(q) = query.map_err(query_error)?;
    let c = state
        .ledgers
        .call(&env, move |l| l.consistency(&grant.role, q.old, q.new))
        .await?;
    Ok(Json(ConsistencyResponse {
        old_size: c.old_size,
        new_size: c.new_size,
        old_root: c.old_root,
        new_root: c.new_root,
        proof: c.proof,
        old_checkpoint: c.old_checkpoint,
        new_checkpoint: c.new_checkpoint,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: String,
}

/// Liveness: the server answers.
#[utoipa::path(get, path = "/healthz", tag = "service",
    responses((status = 200, description = "Up", body = Health)))]
async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
    })
}

/// Prometheus text exposition: requests by route and status, latency, events appended.
#[utoipa::path(get, path = "/metrics", tag = "service",
    responses((status = 200, description = "Metrics", body = String, content_type = "text/plain")))]
async fn metrics(State(state): State<Arc<AppState>>) -> ApiResult<Response> {
    let text = state
        .metrics
        .render()
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response())
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "service",
    responses((status = 200, description = "OpenAPI 3.1", body = Object)))]
async fn openapi(State(state): State<Arc<AppState>>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi.clone(),
    )
        .into_response()
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let c = doc.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "envguard serve",
        description = "The per-environment, tamper-evident audit and AI log over HTTP (policy 000 §5, R-03)."
    ),
    paths(
        post_events,
        get_events,
        post_checkpoint,
        latest_checkpoint,
        inclusion,
        consistency,
        healthz,
        metrics,
        openapi
    ),
    components(schemas(
        ErrorBody,
        AppendResponse,
        CheckpointResponse,
        InclusionResponse,
        ConsistencyResponse,
        Health
    )),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// Counts each request by route template and status, and its latency.
async fn track(
    State(state): State<Arc<AppState>>,
    matched: Option<MatchedPath>,
    req: Request,
    next: Next,
) -> Response {
    let start = std::time::Instant::now();
    let method = req.method().as_str().to_owned();
    let route = matched.map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let res = next.run(req).await;
    state
        .metrics
        .request(&route, &method, res.status().as_u16(), start.elapsed());
    res
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method",
    )
}

/// The application, with its body limit.
pub fn router(state: Arc<AppState>, body_limit: usize) -> Router {
    Router::new()
        .route("/v1/envs/{env}/events", post(post_events).get(get_events))
        .route("/v1/envs/{env}/checkpoints", post(post_checkpoint))
        .route("/v1/envs/{env}/checkpoints/latest", get(latest_checkpoint))
        .route("/v1/envs/{env}/proofs/inclusion", get(inclusion))
        .route("/v1/envs/{env}/proofs/consistency", get(consistency))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), track))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::max(body_limit))
        .with_state(state)
}
