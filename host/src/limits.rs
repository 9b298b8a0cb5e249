//! Per-bot limits: what a single team's bot may consume. They keep a hostile
//! or buggy bot from hurting the host or any other team.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Limits applied to every bot instance. Deserialised from the `[limits]`
/// section of the config file; every field has a safe default.
/// (Serialised only to hand the compile worker the same limits.)
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct BotLimits {
    /// Linear memory per instance, in bytes (all memories of a component).
    pub memory_bytes: u64,
    /// Guest CPU time per call (event, timer, init…), in milliseconds,
    /// measured in epoch ticks while guest code runs.
    pub cpu_ms_per_call: u64,
    /// Wall-clock time per call, host calls included, in milliseconds.
    pub wall_ms_per_call: u64,
    /// Time `shutdown` gets before the instance is dropped anyway.
    pub shutdown_ms: u64,
    /// Table elements per table.
    pub table_elements: usize,
    /// Timers a bot may hold at once.
    pub max_timers: usize,
    /// Posts (messages, replies, updates) per minute over the whole
    /// workspace, with bursts of `post_burst`. Slack publishes no number
    /// for its workspace-wide post limit; the default is above what a
    /// bot answering every event of a busy workspace needs (Slack delivers
    /// at most 30,000 events an hour, 500 a minute), so the guard refuses
    /// only a runaway bot. Slack's own 429s pause posting for their
    /// `Retry-After` instead of failing posts.
    pub posts_per_minute: u32,
    pub post_burst: u32,
    /// Posts per minute into one channel, with bursts of
    /// `channel_post_burst`: Slack takes about one message a second per
    /// channel with short bursts. The rate scheduler sends queued posts at
    /// that pace; the burst is what can queue and still go out within the
    /// post's wait, so a post past it is refused at once instead of timing
    /// out later.
    pub channel_posts_per_minute: u32,
    pub channel_post_burst: u32,
    /// Reactions, typing and opening DMs per minute, with bursts of
    /// `action_burst` (Slack's tier 3, about 50 a minute, for reactions).
    pub actions_per_minute: u32,
    pub action_burst: u32,
    /// Key-value storage, in bytes: keys and values together, plus 64 bytes
    /// per entry (the host's own cost of keeping it).
    pub storage_bytes: u64,
    /// Longest key-value key, in bytes.
    pub storage_key_bytes: usize,
    /// Most key-value keys per team: bounds the rows (and cached entries)
    /// one team costs, however small its entries.
    pub storage_keys: u64,
    /// Largest key-value value, in bytes: one write never holds up the
    /// storage writer, and so every other team's writes, for long.
    pub storage_value_bytes: usize,
    /// Largest component file accepted, in bytes. Compilation of hostile
    /// input is not covered by wasmtime's security promise, so bound it.
    pub component_bytes: u64,
    /// Events queued for one team before new ones are refused.
    pub mailbox: usize,
    /// An instance that has had no event or timer for this many seconds
    /// is dropped, and a fresh one (with `init`) serves the team's next
    /// event or timer, as after a crash: an idle team costs no instance
    /// and no pool slot. Its key-value state and timers stay with the
    /// host; what a bot keeps only in memory is lost, as on any restart.
    /// 0 keeps every instance warm.
    pub idle_secs: u64,
    /// Share of one core a bot may use over time, in percent. The
    /// per-call budget bounds one call; this bounds a bot that makes many
    /// (timers, a stream of events). Host-call time counts.
    pub cpu_share_percent: u32,
    /// CPU a bot may use in a burst above its share, in milliseconds.
    pub cpu_burst_ms: u64,
    /// Faults (traps, timeouts) and CPU throttles within
    /// `strike_window_secs` that put a bot in quarantine.
    pub strikes: u32,
    pub strike_window_secs: u64,
    /// How long a quarantined bot stays out unless updated or released.
    pub quarantine_secs: u64,
    /// Log lines (bot `log`, stdout, stderr) per second a bot may write,
    /// with bursts of `log_burst_lines`; more are dropped and counted.
    pub log_lines_per_sec: u32,
    pub log_burst_lines: u32,
    /// Bytes of log text per second, with bursts of 64 times that.
    pub log_bytes_per_sec: u64,
    /// What a component may contain, checked before it is compiled
    /// (compiling hostile input is not covered by wasmtime's security
    /// promise, and cost grows with these).
    pub compile: CompileLimits,
}

/// Bounds on a component's code, checked before compiling it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CompileLimits {
    /// Functions in all its core modules together.
    pub max_functions: u32,
    /// Locals of one function.
    pub max_locals: u32,
    /// Nesting of blocks, loops and ifs in one function.
    pub max_nesting: u32,
    /// Body of one function, in bytes.
    pub max_function_bytes: u32,
    /// Longest a compilation may take before the bot is refused, in
    /// seconds.
    pub timeout_secs: u64,
    /// Compilations at once; the rest wait (cached bots never compile).
    pub concurrency: usize,
    /// Memory a compilation may use, in bytes, when components are
    /// compiled in a child process (`bothost serve` and `bothost local`
    /// with a compile cache): past it the component is refused.
    pub memory_bytes: u64,
}

impl Default for CompileLimits {
    fn default() -> Self {
        Self {
            max_functions: 100_000,
            max_locals: 10_000,
            max_nesting: 1_000,
            max_function_bytes: 4 * 1024 * 1024,
            timeout_secs: 60,
            concurrency: 1,
            memory_bytes: 4 * 1024 * 1024 * 1024,
        }
    }
}

impl Default for BotLimits {
    fn default() -> Self {
        Self {
            memory_bytes: 64 * 1024 * 1024,
            cpu_ms_per_call: 500,
            wall_ms_per_call: 10_000,
            shutdown_ms: 2_000,
            table_elements: 20_000,
            max_timers: 32,
            posts_per_minute: 600,
            post_burst: 100,
            channel_posts_per_minute: 60,
            channel_post_burst: 10,
            actions_per_minute: 60,
            action_burst: 10,
            storage_bytes: 1024 * 1024,
            storage_key_bytes: 256,
            storage_keys: 10_000,
            storage_value_bytes: 256 * 1024,
            component_bytes: 64 * 1024 * 1024,
            mailbox: 256,
            idle_secs: 900,
            cpu_share_percent: 25,
            cpu_burst_ms: 2_000,
            strikes: 5,
            strike_window_secs: 600,
            quarantine_secs: 600,
            log_lines_per_sec: 20,
            log_burst_lines: 100,
            log_bytes_per_sec: 16 * 1024,
            compile: CompileLimits::default(),
        }
    }
}

impl BotLimits {
    /// How long an instance may be idle before it is dropped; `None` keeps
    /// it warm.
    pub fn idle_after(&self) -> Option<Duration> {
        (self.idle_secs > 0).then(|| Duration::from_secs(self.idle_secs))
    }

    /// Wall-clock budget of one call.
    pub fn wall_per_call(&self) -> Duration {
        Duration::from_millis(self.wall_ms_per_call)
    }

    /// Grace period of `shutdown`.
    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_millis(self.shutdown_ms)
    }
}
