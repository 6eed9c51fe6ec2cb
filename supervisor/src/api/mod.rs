//! The HTTP server (hyper, HTTP/1.1): accept loop with graceful drain,
//! connection cap and accept back-off, the checks every request passes
//! (head size, Host, token, Origin, body), and the route table. One file
//! per resource below.

mod ai;
pub mod auth;
mod body;
mod channels;
mod error;
mod events;
mod jobs;
pub mod limits;
mod logs;
mod mcp;
mod query;
mod runs;
mod schedule;
mod settings;
mod spend;
mod sse;
mod statics;

use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use self::body::Response;
use self::error::{ApiError, ApiResult};
use crate::app::App;

/// Serves until the app's shutdown token fires, then drains connections
/// (at most `drain` long). At most `max_connections` are open at once
/// (more wait in the listen backlog); a client that does not send a full
/// request head in time (also between kept-alive requests) is dropped.
pub async fn serve(app: Arc<App>, listener: TcpListener, drain: Duration) {
    let graceful = GracefulShutdown::new();
    let limits = app.config.http.clone();
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let mut http = http1::Builder::new();
    http.keep_alive(true)
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(limits::HYPER_MAX_BUF)
        .max_headers(limits::HYPER_MAX_HEADERS);
    let mut accept_errors = AcceptBackoff::default();
    loop {
        let slot = tokio::select! {
            _ = app.shutdown.cancelled() => break,
            slot = slots.clone().acquire_owned() => slot.expect("never closed"),
        };
        let (stream, _) = tokio::select! {
            _ = app.shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(conn) => {
                    accept_errors.recovered();
                    conn
                }
                Err(e) => {
                    tokio::time::sleep(accept_errors.failed(&e)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = service_fn(move |req| {
            let app = app.clone();
            async move { Ok::<_, std::convert::Infallible>(handle(app, req).await) }
        });
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _ = conn.await;
            drop(slot);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(drain, graceful.shutdown()).await;
}

/// Failed `accept`s: out of file descriptors (or memory) is not fixed by
/// retrying at once, so wait, longer each time (10 ms … 1 s), and say so
/// once per streak instead of once per attempt.
#[derive(Default)]
struct AcceptBackoff {
    streak: u32,
}

impl AcceptBackoff {
    fn failed(&mut self, error: &std::io::Error) -> Duration {
        if self.streak == 0 {
            eprintln!(
                "backbeat: accept failed: {error}; new connections wait until it recovers (BACKBEAT_HTTP_MAX_CONNECTIONS caps open connections)"
            );
        }
        self.streak = self.streak.saturating_add(1);
        Duration::from_millis(10u64 << self.streak.min(7)).min(Duration::from_secs(1))
    }

    fn recovered(&mut self) {
        if self.streak > 0 {
            eprintln!(
                "backbeat: accepting connections again after {} failed attempts",
                self.streak
            );
            self.streak = 0;
        }
    }
}

async fn handle(app: Arc<App>, req: Request<Incoming>) -> Response {
    if let Some(refusal) = head_too_large(&req) {
        return refusal.into_response();
    }
    if !auth::host_allowed(&app.config, &req) {
        return ApiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            "misdirected_request",
            "this Host is not allowed; use localhost or 127.0.0.1, or add the name to BACKBEAT_ALLOWED_HOSTS",
        )
        .into_response();
    }
    match route(&app, req).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

/// 414 for a long URI, 431 for large headers, with the JSON error body.
fn head_too_large(req: &Request<Incoming>) -> Option<ApiError> {
    let uri_bytes = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if uri_bytes > limits::MAX_URI_BYTES {
        return Some(ApiError::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!(
                "the request URI is {uri_bytes} bytes; at most {} are accepted",
                limits::MAX_URI_BYTES
            ),
        ));
    }
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if header_bytes > limits::MAX_HEADER_BYTES || req.headers().len() > limits::MAX_HEADERS {
        return Some(ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            format!(
                "the request headers are too large ({} headers, {header_bytes} bytes); at most {} headers and {} bytes are accepted",
                req.headers().len(),
                limits::MAX_HEADERS,
                limits::MAX_HEADER_BYTES
            ),
        ));
    }
    None
}

async fn route(app: &Arc<App>, req: Request<Incoming>) -> ApiResult {
    let path = req.uri().path().to_string();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let method = req.method().clone();

    match segments.as_slice() {
        [""] if matches!(method, Method::GET | Method::HEAD) => {
            return statics::index(app, &req).await;
        }
        ["assets", rest @ ..] if matches!(method, Method::GET | Method::HEAD) => {
            return statics::asset(&rest.join("/"));
        }
        ["api", "health"] if matches!(method, Method::GET | Method::HEAD) => {
            return settings::health(app);
        }
        ["api", ..] | ["metrics"] | ["mcp"] => {}
        _ => return Err(ApiError::not_found(format!("no route for {method} {path}"))),
    }

    if !auth::authorized(app, &req) {
        let mut response = ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or wrong token: send Authorization: Bearer <token> (run `backbeat url` or read <config-dir>/token)",
        )
        .into_response();
        response.headers_mut().insert(
            hyper::header::WWW_AUTHENTICATE,
            hyper::header::HeaderValue::from_static("Bearer realm=\"backbeat\""),
        );
        return Ok(response);
    }
    if !auth::origin_allowed(app, &req) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden_origin",
            "cross-origin request refused: the Origin header is not this server",
        ));
    }
    if matches!(
        method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    ) {
        body::check_body_headers(&req)?;
    }

    if segments == ["mcp"] {
        return Ok(mcp::handle(app, req).await);
    }
    if segments == ["metrics"] {
        return match method {
            Method::GET => settings::metrics(app),
            _ => Err(ApiError::not_found(format!("no route for {method} {path}"))),
        };
    }
    use Method as M;
    match (&method, &segments[1..]) {
        (&M::GET, ["jobs"]) => jobs::list(app, &req).await,
        (&M::POST, ["jobs"]) => jobs::create(app, req).await,
        (&M::GET, ["jobs", id]) => jobs::get(app, jobs::parse_id(id, "job")?).await,
        (&M::PATCH, ["jobs", id]) => jobs::update(app, jobs::parse_id(id, "job")?, req).await,
        (&M::DELETE, ["jobs", id]) => jobs::delete(app, jobs::parse_id(id, "job")?).await,
        (&M::POST, ["jobs", id, "runs"]) => {
            jobs::run_now(app, jobs::parse_id(id, "job")?, req).await
        }
        (&M::GET, ["runs"]) => runs::list(app, &req).await,
        (&M::GET, ["runs", id]) => runs::get(app, jobs::parse_id(id, "run")?).await,
        (&M::POST, ["runs", id, "stop"]) => runs::stop(app, jobs::parse_id(id, "run")?).await,
        (&M::GET, ["runs", id, "log"]) => logs::text(app, jobs::parse_id(id, "run")?, &req).await,
        (&M::GET, ["runs", id, "log", "stream"]) => {
            logs::stream(app, jobs::parse_id(id, "run")?, &req).await
        }
        (&M::GET, ["runs", id, "deliveries"]) => {
            channels::run_deliveries(app, jobs::parse_id(id, "run")?).await
        }
        (&M::GET, ["channels"]) => channels::list(app).await,
        (&M::POST, ["channels"]) => channels::create(app, req).await,
        (&M::GET, ["channels", id]) => channels::get(app, jobs::parse_id(id, "channel")?).await,
        (&M::PATCH, ["channels", id]) => {
            channels::update(app, jobs::parse_id(id, "channel")?, req).await
        }
        (&M::DELETE, ["channels", id]) => {
            channels::delete(app, jobs::parse_id(id, "channel")?).await
        }
        (&M::POST, ["channels", id, "test"]) => {
            channels::test(app, jobs::parse_id(id, "channel")?).await
        }
        (&M::GET, ["events"]) => events::feed(app).await,
        (&M::GET, ["schedule"]) => schedule::upcoming(app, &req).await,
        (&M::POST, ["cron", "preview"]) => schedule::preview(req).await,
        (&M::GET, ["executors"]) => settings::executors(app).await,
        (&M::GET, ["preferences"]) => settings::preferences(app),
        (&M::PATCH, ["preferences"]) => settings::update_preferences(app, req).await,
        (&M::POST, ["ai", "draft"]) => ai::draft(app, req).await,
        (&M::POST, ["ai", "refine"]) => ai::refine(app, req).await,
        (&M::GET, ["ai", "spend"]) => spend::spend(app).await,
        _ => Err(ApiError::not_found(format!("no route for {method} {path}"))),
    }
}
