//! Reads protocol lines from an executor's stdout with the 1 MiB line cap:
//! an over-long line is reported (with its first bytes) and skipped, never
//! buffered whole.

use backbeat_protocol::MAX_LINE_BYTES;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

pub enum Line {
    Complete(Vec<u8>),
    /// Longer than the cap; holds its first bytes.
    TooLong(Vec<u8>),
}

pub struct LineReader<R> {
    reader: R,
    buf: Vec<u8>,
    overflow: bool,
}

impl<R: AsyncBufRead + Unpin> LineReader<R> {
    pub fn new(reader: R) -> Self {
        LineReader {
            reader,
            buf: Vec::new(),
            overflow: false,
        }
    }

    /// The next line (without its newline), or `None` at EOF. Cancel-safe:
    /// partial data stays in the reader's state.
    pub async fn next_line(&mut self) -> std::io::Result<Option<Line>> {
        loop {
            let available = self.reader.fill_buf().await?;
            if available.is_empty() {
                // EOF: a last line without newline still counts.
                if self.buf.is_empty() && !self.overflow {
                    return Ok(None);
                }
                return Ok(Some(self.take_line()));
            }
            let (chunk, found) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (&available[..i], Some(i + 1)),
                None => (available, None),
            };
            if !self.overflow {
                let room = MAX_LINE_BYTES.saturating_sub(self.buf.len());
                if chunk.len() > room {
                    self.buf.extend_from_slice(&chunk[..room.min(200)]);
                    self.buf.truncate(200);
                    self.overflow = true;
                } else {
                    self.buf.extend_from_slice(chunk);
                }
            }
            let consumed = found.unwrap_or(available.len());
            self.reader.consume(consumed);
            if found.is_some() {
                return Ok(Some(self.take_line()));
            }
        }
    }

    fn take_line(&mut self) -> Line {
        let line = std::mem::take(&mut self.buf);
        if std::mem::take(&mut self.overflow) {
            Line::TooLong(line)
        } else {
            Line::Complete(line)
        }
    }
}
