//! Server-Sent Events: a streaming response fed by a channel, and the
//! event framing (`id:`, `event:`, `data:` lines, blank-line terminated;
//! multi-line data split into several `data:` lines).

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use tokio::sync::mpsc;

use super::body::Response;

/// Formats one event.
pub fn event(name: &str, id: Option<&str>, data: &str) -> Bytes {
    let mut out = String::with_capacity(data.len() + 32);
    if let Some(id) = id {
        out.push_str("id: ");
        out.push_str(id);
        out.push('\n');
    }
    out.push_str("event: ");
    out.push_str(name);
    out.push('\n');
    for line in data.split('\n') {
        out.push_str("data: ");
        out.push_str(line.strip_suffix('\r').unwrap_or(line));
        out.push('\n');
    }
    out.push('\n');
    Bytes::from(out)
}

/// A comment line that keeps idle connections alive.
pub fn keep_alive() -> Bytes {
    Bytes::from_static(b": keep-alive\n\n")
}

/// A `text/event-stream` response and the sender that feeds it; the
/// stream ends when the sender is dropped.
pub fn stream() -> (mpsc::Sender<Bytes>, Response) {
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|bytes| (Ok::<_, Infallible>(Frame::data(bytes)), rx))
    });
    let mut response = hyper::Response::new(StreamBody::new(stream).boxed());
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream; charset=utf-8"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    (tx, response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_events_with_multi_line_data() {
        assert_eq!(
            &event("log", Some("12"), "{\"a\":1}")[..],
            b"id: 12\nevent: log\ndata: {\"a\":1}\n\n"
        );
        assert_eq!(
            &event("x", None, "a\nb")[..],
            b"event: x\ndata: a\ndata: b\n\n"
        );
    }
}
