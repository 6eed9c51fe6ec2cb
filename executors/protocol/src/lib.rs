//! Backbeat executor protocol, version 1: the messages exchanged between the
//! supervisor and an executor over stdio, one JSON object per line, and the
//! codec that reads and writes them. No async runtime: executors are small
//! synchronous programs.
//!
//! The full contract is `api-spec/executor-protocol.md`. Rules encoded here:
//! unknown message `type`s decode to [`Decoded::Unknown`] (forward
//! compatibility); lines over [`MAX_LINE_BYTES`] or that are not JSON are
//! [`ProtocolError`]s the caller logs and skips.

mod codec;
mod messages;
pub mod utf8;

pub use codec::{
    Decoded, LineWriter, ProtocolError, decode_executor_line, decode_supervisor_line, encode_line,
};
pub use messages::*;

/// The protocol version this crate speaks; sent in `start` and `--describe`.
pub const PROTOCOL_VERSION: u32 = 1;

/// Longest accepted protocol line, in bytes (without the newline).
pub const MAX_LINE_BYTES: usize = 1024 * 1024;
