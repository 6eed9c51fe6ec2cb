//! The change feed behind `GET /api/events` and the log streams: a
//! broadcast of run and job changes. Slow subscribers skip what they
//! missed rather than holding memory.

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::broadcast;

#[derive(Debug, Clone)]
pub enum Event {
    /// A run changed; `run` is its API JSON.
    Run {
        id: i64,
        job_id: i64,
        finished: bool,
        run: Arc<Value>,
    },
    Job(Arc<Value>),
    JobDeleted(i64),
}

#[derive(Clone)]
pub struct EventHub {
    sender: broadcast::Sender<Event>,
}

impl Default for EventHub {
    fn default() -> Self {
        EventHub {
            sender: broadcast::channel(4096).0,
        }
    }
}

impl EventHub {
    pub fn publish(&self, event: Event) {
        // No subscribers is fine.
        let _ = self.sender.send(event);
    }

    /// Whether anyone listens (so costly event payloads can be skipped).
    pub fn has_subscribers(&self) -> bool {
        self.sender.receiver_count() > 0
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }
}
