//! Plumbing shared by RTM and Socket Mode sockets: how a scenario reaches a
//! live socket (a bounded command queue read by the socket's own task) and
//! how a socket is closed.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Largest client message the fake reads at all (bounds memory; RTM's own
/// limit of 16 KB is enforced separately, as Slack does, by closing).
pub(crate) const MAX_MESSAGE: usize = 1 << 20;

/// Commands queued for one socket. The queue is bounded and fed only by the
/// scenario, never by the network.
const QUEUE: usize = 256;

/// How long a closing socket waits for the client's close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// What a scenario asks a live socket to do.
#[derive(Debug, Clone)]
pub(crate) enum Command {
    /// Send this text frame.
    Send(String),
    /// Send this text frame, then close with 1000.
    SendAndClose(String),
    /// Close with this code and reason.
    Close(u16, &'static str),
    /// Drop the TCP connection without a close frame.
    Drop,
}

/// A live socket as the state sees it.
#[derive(Debug, Clone)]
pub(crate) struct ConnHandle {
    /// Unique across the fake.
    pub(crate) id: u64,
    /// Token the socket was opened with (revocation closes it).
    pub(crate) token: String,
    tx: mpsc::Sender<Command>,
}

impl ConnHandle {
    /// A handle and the queue its socket task reads.
    pub(crate) fn new(id: u64, token: &str) -> (Self, mpsc::Receiver<Command>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        (
            Self {
                id,
                token: token.to_owned(),
                tx,
            },
            rx,
        )
    }

    /// Queues `command`; false if the socket has already ended.
    ///
    /// # Panics
    /// If the queue is full: the client stopped reading while the scenario
    /// kept injecting, which would otherwise hide as a lost frame.
    pub(crate) fn command(&self, command: Command) -> bool {
        match self.tx.try_send(command) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Closed(_)) => false,
            Err(mpsc::error::TrySendError::Full(_)) => panic!(
                "fake Slack: {QUEUE} frames queued for socket {} and the client is not reading",
                self.id
            ),
        }
    }
}

/// Sends `commands` to `targets`.
///
/// # Panics
/// If none of them is still live (`what` says what the scenario wanted).
pub(crate) fn deliver(targets: &[ConnHandle], command: &Command, what: &str) {
    let delivered = targets
        .iter()
        .filter(|t| t.command(command.clone()))
        .count();
    assert!(delivered > 0, "fake Slack: no live socket to {what}");
}

/// Carries out a scenario's command on a socket; `Some` ends the socket.
pub(crate) async fn perform(socket: &mut WebSocket, command: Command) -> Option<End> {
    match command {
        Command::Send(text) => socket
            .send(Message::Text(text.into()))
            .await
            .err()
            .map(|_| End::Drop),
        Command::SendAndClose(text) => Some(match socket.send(Message::Text(text.into())).await {
            Ok(()) => End::Close(1000, ""),
            Err(_) => End::Drop,
        }),
        Command::Close(code, reason) => Some(End::Close(code, reason)),
        Command::Drop => Some(End::Drop),
    }
}

/// A text frame of `value`.
pub(crate) fn json_frame(value: &serde_json::Value) -> Message {
    Message::Text(value.to_string().into())
}

/// How a socket's task ends.
#[derive(Debug)]
pub(crate) enum End {
    /// The client is gone (closed, errored or hung up).
    Gone,
    /// Close with this code and reason, politely.
    Close(u16, &'static str),
    /// Hang up without a close frame.
    Drop,
}

/// Ends `socket` as `end` says. A polite close waits (briefly, and not
/// during shutdown) for the client's answering close frame, so the client
/// sees a clean close rather than a reset.
pub(crate) async fn finish(mut socket: WebSocket, end: End, cancel: &CancellationToken) {
    let End::Close(code, reason) = end else {
        return;
    };
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    if socket.send(Message::Close(Some(frame))).await.is_err() || cancel.is_cancelled() {
        return;
    }
    let drain = async { while let Some(Ok(_)) = socket.recv().await {} };
    tokio::select! {
        () = cancel.cancelled() => {}
        _ = tokio::time::timeout(CLOSE_GRACE, drain) => {}
    }
}
