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

use std::sync::Arc;

use crate::ids::TeamId;
use crate::log_budget::{Admit, LogBudget, MAX_LINE};
use crate::text::sanitize;

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
    budget: Arc<LogBudget>,
}

impl GuestOutput {
    pub fn stdout(team: TeamId, budget: Arc<LogBudget>) -> Self {
        Self {
            team,
            stream: Stream::Stdout,
            budget,
        }
    }

    pub fn stderr(team: TeamId, budget: Arc<LogBudget>) -> Self {
        Self {
            team,
            stream: Stream::Stderr,
            budget,
        }
    }

    fn sink(&self) -> LineSink {
        LineSink {
            team: self.team.clone(),
            stream: self.stream,
            budget: self.budget.clone(),
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
    budget: Arc<LogBudget>,
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
        let admitted = self.budget.admit(self.line.len());
        let text = sanitize(&String::from_utf8_lossy(&self.line));
        self.line.clear();
        let Admit::Yes { dropped } = admitted else {
            return;
        };
        if dropped > 0 {
            tracing::warn!(team = %self.team, dropped, "bot log lines dropped (over the bot's log rate)");
        }
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
