//! Request bodies (1 MiB limit → 413, JSON only → 415, unparseable → 400)
//! and response builders.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited, combinators::BoxBody};
use hyper::body::Incoming;
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use hyper::{Request, StatusCode};
use serde::Serialize;
use serde_json::Value;

use super::error::ApiError;

pub type Body = BoxBody<Bytes, Infallible>;
pub type Response = hyper::Response<Body>;

pub const MAX_BODY_BYTES: usize = 1024 * 1024;

pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed()
}

pub fn response(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response {
    let mut response = hyper::Response::new(full(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

pub fn json_response<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Response {
    let body = serde_json::to_vec(value).expect("responses serialize");
    response(status, "application/json; charset=utf-8", body)
}

pub fn no_content() -> Response {
    let mut response = hyper::Response::new(full(Bytes::new()));
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

/// True when the request announces a body (non-zero length or chunked).
pub fn has_body<B>(req: &Request<B>) -> bool {
    match req.headers().get(CONTENT_LENGTH) {
        Some(len) => len.to_str().ok().and_then(|l| l.trim().parse::<u64>().ok()) != Some(0),
        None => req.headers().contains_key(hyper::header::TRANSFER_ENCODING),
    }
}

fn is_json(req: &Request<Incoming>) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// Checks the announced size and type before anything else reads it.
pub fn check_body_headers(req: &Request<Incoming>) -> Result<(), ApiError> {
    if let Some(len) = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        && len > MAX_BODY_BYTES as u64
    {
        return Err(too_large());
    }
    if has_body(req) && !is_json(req) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "request bodies must be JSON: send Content-Type: application/json",
        ));
    }
    Ok(())
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("request body is over {MAX_BODY_BYTES} bytes (1 MiB)"),
    )
}

/// Reads the body as JSON; `None` when there is no body.
pub async fn read_json(req: Request<Incoming>) -> Result<Option<Value>, ApiError> {
    let bytes = Limited::new(req.into_body(), MAX_BODY_BYTES)
        .collect()
        .await
        .map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                too_large()
            } else {
                ApiError::bad_request(format!("could not read the body: {e}"))
            }
        })?
        .to_bytes();
    // Only a body of no bytes at all is "no body": whitespace is not a JSON
    // document, and a schema-driven client rightly expects it refused.
    if bytes.is_empty() {
        return Ok(None);
    }
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| ApiError::bad_request(format!("body is not valid JSON: {e}")))
}

/// Reads a required JSON body.
pub async fn require_json(req: Request<Incoming>) -> Result<Value, ApiError> {
    read_json(req)
        .await?
        .ok_or_else(|| ApiError::bad_request("a JSON body is required"))
}
