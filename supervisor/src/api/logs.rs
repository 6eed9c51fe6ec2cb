//! Run logs over HTTP: `GET …/log` (plain text from an offset, streamed
//! from the file) and `GET …/log/stream` (SSE: existing then new output,
//! resumable by byte offset, status changes, `end` when all was sent).

use std::os::unix::fs::FileExt;
use std::sync::Arc;
use std::time::Duration;

use backbeat_protocol::utf8::complete_prefix_len;
use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Request, StatusCode};
use serde_json::json;
use tokio::io::AsyncSeekExt;
use tokio::sync::broadcast::error::RecvError;

use super::body::response;
use super::error::{ApiError, ApiResult};
use super::query::Query;
use super::sse;
use crate::app::App;
use crate::events::Event;
use crate::runner::logfile::log_path;
use crate::service;

const CHUNK: usize = 64 * 1024;

fn offset_of(req: &Request<Incoming>) -> Result<u64, ApiError> {
    let query = Query::of(req);
    let from_query = query.int("offset")?;
    // Not a byte offset: ignored, as EventSource clients cannot fix it.
    let from_header = req
        .headers()
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .and_then(|v| i64::try_from(v).ok());
    match from_header.or(from_query) {
        Some(offset) if offset < 0 => Err(ApiError::bad_request("offset must be 0 or more")),
        Some(offset) => Ok(offset as u64),
        None => Ok(0),
    }
}

pub async fn text(app: &Arc<App>, id: i64, req: &Request<Incoming>) -> ApiResult {
    let offset = offset_of(req)?;
    let run = service::runs::get(app, id).await?;
    let path = log_path(&app.config.logs_dir(), run.job_id, run.id);
    let mut file = match tokio::fs::File::open(&path).await {
        Ok(file) => file,
        Err(_) => {
            return Ok(response(
                StatusCode::OK,
                "text/plain; charset=utf-8",
                Bytes::new(),
            ));
        }
    };
    // Past the end (even past i64::MAX, where seek fails) is an empty body.
    let size = file
        .metadata()
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .len();
    file.seek(std::io::SeekFrom::Start(offset.min(size)))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    // An I/O error mid-way ends the body early.
    let stream = tokio_util::io::ReaderStream::with_capacity(file, CHUNK)
        .take_while(|chunk| std::future::ready(chunk.is_ok()))
        .map(|chunk| Ok::<_, std::convert::Infallible>(Frame::data(chunk.unwrap_or_default())));
    let mut response = hyper::Response::new(BodyExt::boxed(StreamBody::new(stream)));
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    Ok(response)
}

pub async fn stream(app: &Arc<App>, id: i64, req: &Request<Incoming>) -> ApiResult {
    let offset = offset_of(req)?;
    // Subscribe before reading the state, so no change falls in between.
    let events = app.events.subscribe();
    let run = service::runs::get(app, id).await?;
    let (tx, response) = sse::stream();
    let app = app.clone();
    tokio::spawn(async move {
        let _ = follow(&app, run, offset, events, tx).await;
    });
    Ok(response)
}

async fn follow(
    app: &Arc<App>,
    run: crate::model::Run,
    mut offset: u64,
    mut events: tokio::sync::broadcast::Receiver<Event>,
    tx: tokio::sync::mpsc::Sender<Bytes>,
) -> Result<(), ()> {
    let path = log_path(&app.config.logs_dir(), run.job_id, run.id);
    let run_id = run.id;
    let mut finished = run.status.is_finished();
    let send = |bytes: Bytes| {
        let tx = tx.clone();
        async move { tx.send(bytes).await.map_err(|_| ()) }
    };
    send(sse::event("status", None, &run.to_json().to_string())).await?;
    let mut live = app.live_logs.watch(run_id);
    let mut file: Option<std::fs::File> = None;
    loop {
        // Everything written so far.
        loop {
            if file.is_none() {
                file = std::fs::File::open(&path).ok();
            }
            let Some(f) = &file else { break };
            let mut buf = vec![0u8; CHUNK];
            let n = f.read_at(&mut buf, offset).unwrap_or(0);
            if n == 0 {
                break;
            }
            buf.truncate(n);
            // Never split a character, except at the true end of a
            // finished log (where a broken tail can no longer complete).
            let at_end = n < CHUNK;
            let cut = match complete_prefix_len(&buf) {
                _ if finished && at_end => n,
                0 if finished => n,
                cut => cut,
            };
            if cut == 0 {
                break;
            }
            let text = String::from_utf8_lossy(&buf[..cut]);
            let data = json!({ "offset": offset, "text": text }).to_string();
            offset += cut as u64;
            send(sse::event("log", Some(&offset.to_string()), &data)).await?;
        }
        if finished {
            // The log's final size, also when the client asked for an
            // offset past it.
            let size = file
                .as_ref()
                .and_then(|f| f.metadata().ok())
                .map_or(0, |m| m.len());
            send(sse::event(
                "end",
                None,
                &json!({ "offset": offset.min(size) }).to_string(),
            ))
            .await?;
            return Ok(());
        }
        tokio::select! {
            _ = app.shutdown.cancelled() => return Ok(()),
            _ = tx.closed() => return Ok(()),
            changed = async { live.as_mut().expect("guarded").changed().await }, if live.is_some() => {
                if changed.is_err() {
                    live = None;
                }
            },
            event = events.recv() => match event {
                Ok(Event::Run { id, finished: done, run, .. }) if id == run_id => {
                    send(sse::event("status", None, &run.to_string())).await?;
                    if live.is_none() {
                        live = app.live_logs.watch(run_id);
                    }
                    finished = done;
                }
                Ok(Event::JobDeleted(job_id)) if job_id == run.job_id => return Ok(()),
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => {
                    let latest = service::runs::get(app, run_id).await.map_err(|_| ())?;
                    finished = latest.status.is_finished();
                }
                Err(RecvError::Closed) => return Ok(()),
            },
            _ = tokio::time::sleep(Duration::from_secs(15)) => {
                send(sse::keep_alive()).await?;
                if live.is_none() {
                    live = app.live_logs.watch(run_id);
                }
            }
        }
    }
}
