//! The embedded dashboard: `/` (the app with a session, else the login
//! page), `/?token=` login (sets the session cookie, redirects to `/`),
//! and `/assets/…`.

use std::sync::Arc;

use hyper::header::{CACHE_CONTROL, LOCATION, SET_COOKIE};
use hyper::{Request, StatusCode};
use include_dir::{Dir, include_dir};

use super::auth::{SESSION_COOKIE, has_session, random_hex, token_matches};
use super::body::{Response, full, response};
use super::error::ApiError;
use super::query::Query;
use crate::app::App;
use crate::time::now_ms;

static DASHBOARD: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../dashboard");

const FALLBACK_LOGIN: &str = "<!doctype html><meta charset=utf-8><title>Backbeat — sign in</title>\
<h1>Backbeat</h1><p>Open the link printed when Backbeat started, or run <code>backbeat url</code> \
in a terminal to print a login link.</p>";

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" => "application/json; charset=utf-8",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn file(path: &str, status: StatusCode) -> Option<Response> {
    let file = DASHBOARD.get_file(path)?;
    let mut resp = response(status, content_type(path), file.contents());
    resp.headers_mut().insert(
        CACHE_CONTROL,
        hyper::header::HeaderValue::from_static("no-cache"),
    );
    Some(resp)
}

fn login_page(status: StatusCode) -> Response {
    file("login.html", status)
        .unwrap_or_else(|| response(status, "text/html; charset=utf-8", FALLBACK_LOGIN))
}

/// `GET /` and `GET /?token=…`.
pub async fn index<B>(app: &Arc<App>, req: &Request<B>) -> Result<Response, ApiError> {
    let query = Query::of(req);
    if let Some(token) = query.get("token") {
        if app.token.is_none() || !token_matches(app, token) {
            return Ok(login_page(StatusCode::UNAUTHORIZED));
        }
        let session = random_hex(32);
        let id = session.clone();
        let now = now_ms();
        let fingerprint = super::auth::token_fingerprint(app.token.as_deref());
        app.db
            .call(move |c| crate::db::sessions::insert(c, &id, &fingerprint, now))
            .await?;
        app.sessions.insert(session.clone());
        let mut resp = hyper::Response::new(full(""));
        *resp.status_mut() = StatusCode::SEE_OTHER;
        let headers = resp.headers_mut();
        headers.insert(LOCATION, hyper::header::HeaderValue::from_static("/"));
        let cookie = format!(
            "{SESSION_COOKIE}={session}; HttpOnly; SameSite=Strict; Path=/; Max-Age=31536000"
        );
        headers.insert(
            SET_COOKIE,
            cookie.parse().expect("cookie is a valid header"),
        );
        return Ok(resp);
    }
    if !has_session(app, req) {
        return Ok(login_page(StatusCode::OK));
    }
    Ok(file("index.html", StatusCode::OK).unwrap_or_else(|| {
        response(
            StatusCode::OK,
            "text/html; charset=utf-8",
            "<!doctype html><title>Backbeat</title><p>The dashboard is not built into this binary.",
        )
    }))
}

/// `GET /assets/<path>`.
pub fn asset(path: &str) -> Result<Response, ApiError> {
    if path.split('/').any(|part| part == ".." || part.is_empty()) {
        return Err(ApiError::not_found("no such asset"));
    }
    file(&format!("assets/{path}"), StatusCode::OK)
        .ok_or_else(|| ApiError::not_found(format!("no asset {path:?}")))
}
