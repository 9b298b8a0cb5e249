//! Guest stdout and stderr, captured line by line into `tracing` with the
//! team id. Lines are capped and control characters escaped, so a bot can
//! neither flood a log line nor send escape sequences to an operator's
//! terminal.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

use crate::ids::TeamId;

/// Longest line kept; the rest of a longer line is cut.
const MAX_LINE: usize = 2048;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    Stdout,
    Stderr,
}

/// The `StdoutStream` given to WASI for one team's stdout or stderr.
#[derive(Debug, Clone)]
pub struct GuestOutput {
    team: TeamId,
    stream: Stream,
}

impl GuestOutput {
    pub fn stdout(team: TeamId) -> Self {
        Self {
            team,
            stream: Stream::Stdout,
        }
    }

    pub fn stderr(team: TeamId) -> Self {
        Self {
            team,
            stream: Stream::Stderr,
        }
    }

    fn sink(&self) -> LineSink {
        LineSink {
            team: self.team.clone(),
            stream: self.stream,
            line: Vec::new(),
        }
    }
}

impl IsTerminal for GuestOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for GuestOutput {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.sink())
    }

    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.sink())
    }
}

/// Splits written bytes into lines and emits each as a tracing event.
struct LineSink {
    team: TeamId,
    stream: Stream,
    line: Vec<u8>,
}

impl LineSink {
    fn push(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if b == b'\n' {
                self.emit();
            } else if self.line.len() < MAX_LINE {
                self.line.push(b);
            }
        }
    }

    fn emit(&mut self) {
        if self.line.is_empty() {
            return;
        }
        let text = sanitize(&String::from_utf8_lossy(&self.line));
        self.line.clear();
        match self.stream {
            Stream::Stdout => tracing::info!(team = %self.team, stream = "stdout", "{text}"),
            Stream::Stderr => tracing::warn!(team = %self.team, stream = "stderr", "{text}"),
        }
    }
}

impl Drop for LineSink {
    fn drop(&mut self) {
        self.emit();
    }
}

/// Escapes control characters (terminal escapes, carriage returns, …).
pub(crate) fn sanitize(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_owned();
    }
    s.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

#[wasmtime_wasi::async_trait]
impl Pollable for LineSink {
    async fn ready(&mut self) {}
}

impl OutputStream for LineSink {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.push(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(64 * 1024)
    }
}

impl AsyncWrite for LineSink {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.push(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn escapes_terminal_control_sequences() {
        assert_eq!(sanitize("plain"), "plain");
        assert_eq!(sanitize("\u{1b}[2Jgone\r"), "\\u{1b}[2Jgone\\r");
    }
}
