//! The HTTP server (hyper, HTTP/1.1): accept loop with graceful drain, the
//! security checks every request passes (Host, token, Origin, body), and
//! the route table. One file per resource below.

mod ai;
pub mod auth;
mod body;
mod error;
mod events;
mod jobs;
mod logs;
mod query;
mod runs;
mod schedule;
mod settings;
mod sse;
mod statics;

use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use self::body::Response;
use self::error::{ApiError, ApiResult};
use crate::app::App;

/// Serves until the app's shutdown token fires, then drains connections
/// (at most `drain` long).
pub async fn serve(app: Arc<App>, listener: TcpListener, drain: Duration) {
    let graceful = GracefulShutdown::new();
    loop {
        let (stream, _) = tokio::select! {
            _ = app.shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    eprintln!("backbeat: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
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
        let conn = http1::Builder::new()
            .keep_alive(true)
            .serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(drain, graceful.shutdown()).await;
}

async fn handle(app: Arc<App>, req: Request<Incoming>) -> Response {
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
        ["api", "health"] if method == Method::GET => return settings::health(app),
        ["api", ..] | ["metrics"] => {}
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
        (&M::PATCH | &M::PUT, ["jobs", id]) => {
            jobs::update(app, jobs::parse_id(id, "job")?, req).await
        }
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
        (&M::GET, ["events"]) => events::feed(app).await,
        (&M::GET, ["schedule"]) => schedule::upcoming(app, &req).await,
        (&M::POST, ["cron", "preview"]) => schedule::preview(req).await,
        (&M::GET, ["executors"]) => settings::executors(app).await,
        (&M::GET, ["preferences"]) => settings::preferences(app),
        (&M::PATCH, ["preferences"]) => settings::update_preferences(app, req).await,
        (&M::POST, ["ai", "draft"]) => ai::draft(app, req).await,
        (&M::POST, ["ai", "refine"]) => ai::refine(app, req).await,
        _ => Err(ApiError::not_found(format!("no route for {method} {path}"))),
    }
}
