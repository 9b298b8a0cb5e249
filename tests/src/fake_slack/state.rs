//! Everything the fake remembers, behind one lock: workspaces, tokens, RTM
//! and Socket Mode sessions, messages, recordings and queued faults.
//!
//! The lock is a plain `std::sync::Mutex` that is never held across an
//! `.await`; changes are announced on a `watch` channel so `wait_*` helpers
//! wake without polling.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::conn::ConnHandle;
use super::faults::Fault;
use super::recording::{Call, Post};
use super::workspace::Workspace;

/// How long an `rtm.connect` / `apps.connections.open` URL stays usable.
pub(crate) const TICKET_TTL: Duration = Duration::from_secs(30);

/// Socket Mode ping interval until a scenario changes it.
pub(crate) const DEFAULT_PING_EVERY: Duration = Duration::from_secs(5);

/// State shared by the server tasks and every `FakeSlack` handle.
#[derive(Debug)]
pub(crate) struct Shared {
    /// Where the server listens (always on 127.0.0.1).
    pub(crate) addr: SocketAddr,
    inner: Mutex<Inner>,
    changed: watch::Sender<u64>,
    /// Stops every task of the fake.
    pub(crate) cancel: CancellationToken,
    /// Owns every task of the fake, so shutdown can wait for them.
    pub(crate) tracker: TaskTracker,
}

impl Shared {
    pub(crate) fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            inner: Mutex::new(Inner::default()),
            changed: watch::Sender::new(0),
            cancel: CancellationToken::new(),
            tracker: TaskTracker::new(),
        }
    }

    /// Locks the state. A panic elsewhere while it was held (a test
    /// assertion, say) must not turn every later call into a second panic,
    /// so poisoning is ignored: the state is only ever updated in whole
    /// steps.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wakes every `wait_*` so it re-checks its condition.
    pub(crate) fn notify(&self) {
        self.changed
            .send_modify(|generation| *generation = generation.wrapping_add(1));
    }

    /// A receiver that sees every later [`Shared::notify`].
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }
}

/// Who a token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenOwner {
    /// A workspace's bot token (`xoxb-`), by team id.
    Bot(String),
    /// A Socket Mode app-level token (`xapp-`), by app id.
    App(String),
}

/// A workspace and what the Web API created in it.
#[derive(Debug)]
pub(crate) struct TeamState {
    pub(crate) ws: Workspace,
    /// DM channels opened with `conversations.open`: user id → `D…` id.
    pub(crate) ims: BTreeMap<String, String>,
    /// Channels, group DMs and scheduled messages of contract 0.2.2.
    pub(crate) rooms: super::contract::Rooms,
}

impl TeamState {
    /// Whether `channel` is a public channel or an opened DM of this team.
    pub(crate) fn has_channel(&self, channel: &str) -> bool {
        self.ws.channel_name(channel).is_some()
            || self.ims.values().any(|d| d == channel)
            || self.rooms.has(channel)
    }
}

/// A WebSocket URL handed out by the Web API.
#[derive(Debug)]
pub(crate) struct Ticket {
    /// Team (RTM) or app id (Socket Mode).
    pub(crate) owner: String,
    pub(crate) token: String,
    pub(crate) issued: Instant,
    /// Single use: set by the first connect, valid or not.
    pub(crate) used: bool,
    /// Forced expiry (`expire_next_rtm_url`).
    pub(crate) expired: bool,
}

impl Ticket {
    /// Marks the ticket used and says whether this connect may proceed.
    pub(crate) fn redeem(&mut self, now: Instant, revoked: &HashSet<String>) -> bool {
        let fresh = !self.used
            && !self.expired
            && now.saturating_duration_since(self.issued) <= TICKET_TTL
            && !revoked.contains(&self.token);
        self.used = true;
        fresh
    }
}

/// RTM state of one team.
#[derive(Debug)]
pub(crate) struct RtmTeam {
    /// Open sockets, oldest first.
    pub(crate) live: Vec<ConnHandle>,
    /// Sockets opened with a ticket of this team, accepted or not.
    pub(crate) opened: usize,
    /// Sockets that were sent `hello`.
    pub(crate) hellos: usize,
    /// Whether new sockets get `hello`.
    pub(crate) send_hello: bool,
    /// The next `rtm.connect` URL is born expired.
    pub(crate) expire_next: bool,
    /// Every JSON frame the client sent, in order.
    pub(crate) frames: Vec<Value>,
}

impl Default for RtmTeam {
    fn default() -> Self {
        Self {
            live: Vec::new(),
            opened: 0,
            hellos: 0,
            send_hello: true,
            expire_next: false,
            frames: Vec::new(),
        }
    }
}

/// A Socket Mode app and its sessions.
#[derive(Debug)]
pub(crate) struct AppState {
    /// Teams the app is installed in.
    pub(crate) teams: Vec<String>,
    /// Open sockets, oldest first; envelopes go to the last one.
    pub(crate) live: Vec<ConnHandle>,
    /// Sockets accepted (each was sent `hello`).
    pub(crate) opened: usize,
    /// Server WS ping interval; live sockets follow changes.
    pub(crate) ping_every: watch::Sender<Option<Duration>>,
    /// `envelope_id`s acked, in order.
    pub(crate) acks: Vec<String>,
    /// WS Pong frames received.
    pub(crate) pongs: usize,
    /// Every JSON frame the client sent, in order.
    pub(crate) frames: Vec<Value>,
    /// Envelopes sent (for redelivery), by id.
    pub(crate) envelopes: HashMap<String, Value>,
}

impl AppState {
    pub(crate) fn new(teams: &[&str]) -> Self {
        Self {
            teams: teams.iter().map(|t| (*t).to_owned()).collect(),
            live: Vec::new(),
            opened: 0,
            ping_every: watch::Sender::new(Some(DEFAULT_PING_EVERY)),
            acks: Vec::new(),
            pongs: 0,
            frames: Vec::new(),
            envelopes: HashMap::new(),
        }
    }
}

/// Where a message lives: team, channel, ts.
pub(crate) type MessageKey = (String, String, String);

/// A message the fake knows (posted by the bot or injected as a user's).
#[derive(Debug)]
pub(crate) struct StoredMessage {
    /// Author's user id.
    pub(crate) user: String,
    pub(crate) text: String,
    /// Reactions the bot added.
    pub(crate) reactions: BTreeSet<String>,
    /// The thread it is a reply in.
    pub(crate) thread_ts: Option<String>,
}

/// The lock-protected part of [`Shared`].
#[derive(Debug, Default)]
pub(crate) struct Inner {
    pub(crate) teams: HashMap<String, TeamState>,
    pub(crate) tokens: HashMap<String, TokenOwner>,
    pub(crate) revoked: HashSet<String>,
    pub(crate) apps: HashMap<String, AppState>,
    pub(crate) faults: HashMap<String, VecDeque<Fault>>,
    pub(crate) rtm_tickets: HashMap<String, Ticket>,
    pub(crate) socket_tickets: HashMap<String, Ticket>,
    pub(crate) rtm: HashMap<String, RtmTeam>,
    pub(crate) messages: HashMap<MessageKey, StoredMessage>,
    pub(crate) posts: Vec<Post>,
    pub(crate) calls: Vec<Call>,
    pub(crate) oauth: super::oauth::OAuthState,
    seq: u64,
}

/// Seconds part of every `ts`: a fixed, plausible epoch, so timestamps are
/// deterministic and independent of the (possibly paused) clock.
const TS_EPOCH: u64 = 1_700_000_000;

impl Inner {
    /// A number never returned before; every id and `ts` comes from it so
    /// they are unique and increasing across the whole fake.
    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// A fresh message `ts` like `"1700000000.000123"`, greater than every
    /// earlier one.
    pub(crate) fn next_ts(&mut self) -> String {
        let n = self.next_seq();
        format!("{}.{:06}", TS_EPOCH + n / 1_000_000, n % 1_000_000)
    }

    /// Unix time to put in `event_time`.
    pub(crate) fn event_time(&self) -> u64 {
        TS_EPOCH + self.seq / 1_000_000
    }

    /// The RTM state of `team`, created on first use.
    pub(crate) fn rtm_team(&mut self, team: &str) -> &mut RtmTeam {
        self.rtm.entry(team.to_owned()).or_default()
    }

    /// The app `app_id`.
    ///
    /// # Panics
    /// If no such app was added: a mistake in the scenario.
    pub(crate) fn app(&mut self, app_id: &str) -> &mut AppState {
        match self.apps.get_mut(app_id) {
            Some(app) => app,
            None => panic!("fake Slack: unknown app {app_id:?}; call add_app first"),
        }
    }

    /// Remembers a message so `chat.update` and `reactions.add` can find it.
    pub(crate) fn store_message(
        &mut self,
        team: &str,
        channel: &str,
        ts: &str,
        user: &str,
        text: &str,
    ) {
        self.messages.insert(
            (team.to_owned(), channel.to_owned(), ts.to_owned()),
            StoredMessage {
                user: user.to_owned(),
                text: text.to_owned(),
                reactions: BTreeSet::new(),
                thread_ts: None,
            },
        );
    }
}
