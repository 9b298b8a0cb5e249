//! A stand-in for the Beep Boop resourcer, which has shut down: a loopback
//! WebSocket server that checks the auth frame, remembers resources,
//! pushes `add_resource` / `update_resource` / `remove_resource` to its
//! clients, replays every resource after a client authenticates (as the
//! real one was expected to after a reconnect), and injects faults on
//! demand. Used by `bothost resourcer-sim` (through [`run_console`]) and
//! by tests as their fake resourcer.
//!
//! Every task belongs to the [`Simulator`]: [`Simulator::shutdown`] stops
//! and awaits them, dropping the handle stops them. Pushes go through a
//! bounded queue per client; a client that lets it fill is disconnected
//! rather than buffered without limit.

mod conn;
mod console;
mod wire;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use console::{ConsoleEnd, run_console};

use crate::secret::Secret;

/// Pushes queued per client before it counts as too slow and is dropped.
const CLIENT_QUEUE: usize = 1024;
/// Connections served at once; more are refused.
const MAX_CONNECTIONS: usize = 64;
/// How long the `wait_*` helpers wait before panicking.
const WAIT_LIMIT: Duration = Duration::from_secs(10);

/// A running simulator. Dropping it stops every task (without waiting);
/// [`shutdown`](Self::shutdown) stops and waits.
pub struct Simulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: CancellationToken,
    tracker: TaskTracker,
}

/// What the handle and the connection tasks share.
struct Shared {
    /// `(id, token)` a client must authenticate with; `None` accepts all.
    expected: Option<(String, Secret)>,
    replay: AtomicBool,
    /// Whether connections answer pings; a watch so live connections
    /// react at once.
    pong: watch::Sender<bool>,
    /// Clients that have authenticated successfully, ever.
    authed: watch::Sender<usize>,
    /// Pings answered, ever.
    pings: watch::Sender<u64>,
    msg_prefix: u32,
    state: Mutex<State>,
}

struct State {
    /// Remembered resources, by resource id.
    resources: BTreeMap<String, Map<String, Value>>,
    /// Authenticated, live clients: their push queues, by connection id.
    clients: HashMap<u64, mpsc::Sender<String>>,
    /// Ids from auth frames, in arrival order.
    auths: Vec<String>,
    next_msg: u64,
    next_conn: u64,
    /// Cancelled by `drop_clients`, then replaced for later connections.
    dropper: CancellationToken,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn next_msg_id(&self, state: &mut State) -> String {
        state.next_msg += 1;
        wire::msg_id(self.msg_prefix, state.next_msg)
    }

    /// Records the id of an auth frame (never its token).
    fn record_auth(&self, id: &str) {
        self.lock().auths.push(id.to_owned());
    }

    /// Makes an authenticated connection a client. Under one lock, so no
    /// push can slip between the replay snapshot and the registration:
    /// every later push lands in the queue, after the replay.
    fn register(&self, conn: u64) -> (mpsc::Receiver<String>, Vec<String>) {
        let mut state = self.lock();
        let (tx, rx) = mpsc::channel(CLIENT_QUEUE);
        state.clients.insert(conn, tx);
        let mut replay = Vec::new();
        if self.replay.load(Ordering::SeqCst) {
            let resources: Vec<_> = state
                .resources
                .iter()
                .map(|(id, r)| (id.clone(), r.clone()))
                .collect();
            for (id, resource) in resources {
                let msg_id = self.next_msg_id(&mut state);
                replay.push(wire::resource_message(
                    "add_resource",
                    &msg_id,
                    &id,
                    &resource,
                    Some(false),
                ));
            }
        }
        self.authed.send_modify(|n| *n += 1);
        (rx, replay)
    }

    fn unregister(&self, conn: u64) {
        self.lock().clients.remove(&conn);
    }
}

/// Queues `text` for every client; drops any whose queue is full.
fn broadcast(state: &mut State, text: &str) {
    state
        .clients
        .retain(|conn, tx| match tx.try_send(text.to_owned()) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!(conn, "resourcer-sim: client too slow; dropping it");
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        });
}

impl Simulator {
    /// Listens on `bind` (`127.0.0.1:0` in tests) and serves until shut
    /// down. With `expected`, only that id and token are accepted; others
    /// get `{"type":"auth_result","success":"false"}` and are closed.
    /// Any request path is accepted.
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub async fn start(bind: SocketAddr, expected: Option<(String, Secret)>) -> io::Result<Self> {
        let listener = TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        let stop = CancellationToken::new();
        let tracker = TaskTracker::new();
        let shared = Arc::new(Shared {
            expected,
            replay: AtomicBool::new(true),
            pong: watch::Sender::new(true),
            authed: watch::Sender::new(0),
            pings: watch::Sender::new(0),
            msg_prefix: rand::random(),
            state: Mutex::new(State {
                resources: BTreeMap::new(),
                clients: HashMap::new(),
                auths: Vec::new(),
                next_msg: 0,
                next_conn: 0,
                dropper: stop.child_token(),
            }),
        });
        tracker.spawn(accept_loop(
            listener,
            Arc::clone(&shared),
            stop.clone(),
            tracker.clone(),
        ));
        tracing::info!(%addr, "resourcer-sim: listening");
        Ok(Self {
            shared,
            addr,
            stop,
            tracker,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `ws://IP:PORT/ws`, for `BEEPBOOP_RESOURCER`. An unspecified bind
    /// address (`0.0.0.0`) is given as loopback.
    pub fn url(&self) -> String {
        let ip = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        format!("ws://{}/ws", SocketAddr::new(ip, self.addr.port()))
    }

    /// Remembers a resource (a flat string map, e.g. `SlackBotAccessToken`,
    /// `SlackTeamID`, custom keys) and pushes `add_resource` to every
    /// client. `isNew` is true unless the id was already remembered.
    /// Returns the message's `msgID`.
    pub fn add(&self, resource_id: &str, resource: Map<String, Value>) -> String {
        let mut state = self.shared.lock();
        let msg_id = self.shared.next_msg_id(&mut state);
        let is_new = state
            .resources
            .insert(resource_id.to_owned(), resource.clone())
            .is_none();
        let text = wire::resource_message(
            "add_resource",
            &msg_id,
            resource_id,
            &resource,
            Some(is_new),
        );
        broadcast(&mut state, &text);
        msg_id
    }

    /// Replaces a resource's map (remembering it if unknown) and pushes
    /// `update_resource`. Returns the `msgID`.
    pub fn update(&self, resource_id: &str, resource: Map<String, Value>) -> String {
        let mut state = self.shared.lock();
        let msg_id = self.shared.next_msg_id(&mut state);
        let text = wire::resource_message("update_resource", &msg_id, resource_id, &resource, None);
        state.resources.insert(resource_id.to_owned(), resource);
        broadcast(&mut state, &text);
        msg_id
    }

    /// Forgets a resource and pushes `remove_resource` (even for an
    /// unknown id, which clients are to ignore). Returns the `msgID`.
    pub fn remove(&self, resource_id: &str) -> String {
        let mut state = self.shared.lock();
        let msg_id = self.shared.next_msg_id(&mut state);
        let text = wire::remove_message(&msg_id, resource_id);
        state.resources.remove(resource_id);
        broadcast(&mut state, &text);
        msg_id
    }

    /// The remembered resources, sorted by id.
    pub fn resources(&self) -> Vec<(String, Map<String, Value>)> {
        self.shared
            .lock()
            .resources
            .iter()
            .map(|(id, r)| (id.clone(), r.clone()))
            .collect()
    }

    /// Closes every connection abruptly: no close frame, the TCP stream
    /// is just dropped. Later connections are served normally.
    pub fn drop_clients(&self) {
        let mut state = self.shared.lock();
        let old = std::mem::replace(&mut state.dropper, self.stop.child_token());
        state.clients.clear();
        old.cancel();
    }

    /// Sends `text` verbatim, as a text frame, to every client.
    pub fn send_raw(&self, text: &str) {
        broadcast(&mut self.shared.lock(), text);
    }

    /// Whether an authenticated client is sent `add_resource` for every
    /// remembered resource (default on).
    pub fn set_replay_on_connect(&self, on: bool) {
        self.shared.replay.store(on, Ordering::SeqCst);
    }

    /// Whether connections answer WS pings (default on). Turned off, every
    /// connection stops answering at once and, since tungstenite answers
    /// pings by itself while reading, stops reading: it only discards
    /// bytes until the client leaves. Such a connection stays silent even
    /// if pongs are turned back on; new connections follow the flag.
    pub fn set_pong(&self, on: bool) {
        self.shared.pong.send_replace(on);
    }

    /// Resolves once the `nth` (1-based, counted over the simulator's
    /// life) client has authenticated successfully.
    ///
    /// # Panics
    /// After 10 s without it: a test helper.
    pub async fn wait_clients(&self, nth: usize) {
        let mut rx = self.shared.authed.subscribe();
        let waited = tokio::time::timeout(WAIT_LIMIT, rx.wait_for(|n| *n >= nth)).await;
        assert!(
            matches!(waited, Ok(Ok(_))),
            "resourcer-sim: client #{nth} did not authenticate within {WAIT_LIMIT:?}"
        );
    }

    /// Resolves once `n` pings have been answered (over the simulator's
    /// life); the pong has been written to the socket by then.
    ///
    /// # Panics
    /// After 10 s without it: a test helper.
    pub async fn wait_pings(&self, n: u64) {
        let mut rx = self.shared.pings.subscribe();
        let waited = tokio::time::timeout(WAIT_LIMIT, rx.wait_for(|p| *p >= n)).await;
        assert!(
            matches!(waited, Ok(Ok(_))),
            "resourcer-sim: {n} pings not answered within {WAIT_LIMIT:?}"
        );
    }

    /// The ids of the auth frames received, in order (accepted or not;
    /// never the tokens).
    pub fn auths(&self) -> Vec<String> {
        self.shared.lock().auths.clone()
    }

    /// Live authenticated clients.
    pub fn clients(&self) -> usize {
        self.shared.lock().clients.len()
    }

    /// Stops every task and waits for them.
    pub async fn shutdown(self) {
        self.stop.cancel();
        self.tracker.close();
        self.tracker.wait().await;
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.stop.cancel();
        self.tracker.close();
    }
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator")
            .field("addr", &self.addr)
            .field("clients", &self.clients())
            .finish_non_exhaustive()
    }
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    stop: CancellationToken,
    tracker: TaskTracker,
) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let accepted = tokio::select! {
            () = stop.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // E.g. out of file descriptors: do not spin.
                tracing::warn!(error = %e, "resourcer-sim: accept failed");
                tokio::select! {
                    () = stop.cancelled() => return,
                    () = tokio::time::sleep(Duration::from_millis(50)) => continue,
                }
            }
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            tracing::warn!(%peer, "resourcer-sim: too many connections; refused");
            continue;
        };
        let (id, dropped) = {
            let mut state = shared.lock();
            state.next_conn += 1;
            (state.next_conn, state.dropper.clone())
        };
        let conn = conn::Conn {
            shared: Arc::clone(&shared),
            id,
            stop: stop.clone(),
            dropped,
        };
        tracker.spawn(async move {
            conn::serve(stream, conn).await;
            drop(slot);
        });
    }
}

#[cfg(test)]
mod tests;
