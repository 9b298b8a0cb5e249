//! Cron bot, after python-rtmbot's `crontable`: posts config `text`
//! (default `tick`) to config `channel` (a name like `general` or `#general`,
//! or an id; default `general`) every `interval_secs` seconds (default 60),
//! using a host timer named `tick`. `reconfigure` re-reads the config and
//! resets the timer; an interval of 0 or one that is not a number is
//! `BotError::InvalidConfig`.

use bothost_sdk::{Bot, BotError, Config, TeamInfo, chat, timers};

/// The one timer this bot uses; setting it again replaces it.
const TIMER: &str = "tick";

#[derive(Default)]
struct Cron {
    /// Resolved channel id.
    channel: String,
    text: String,
}

impl Cron {
    /// Validate everything before changing state, so a bad `reconfigure`
    /// leaves the running schedule alone.
    fn apply(&mut self, config: &Config) -> Result<(), BotError> {
        let interval: u32 = config.parse_or("interval_secs", 60)?;
        if interval == 0 {
            return Err(BotError::config("`interval_secs` must be at least 1"));
        }
        let channel = resolve_channel(config.get_or("channel", "general"))?;
        timers::every(TIMER, interval)?;
        self.channel = channel;
        self.text = config.get_or("text", "tick").to_owned();
        bothost_sdk::info!("posting to {} every {interval}s", self.channel);
        Ok(())
    }
}

/// Looks like a Slack conversation id (`C…`, `G…`, `D…` then upper-case
/// letters and digits). Slack channel names cannot contain upper-case
/// letters, so no name is mistaken for an id.
fn is_channel_id(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('C' | 'G' | 'D'))
        && s.len() >= 2
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

fn resolve_channel(wanted: &str) -> Result<String, BotError> {
    let wanted = wanted.trim();
    if is_channel_id(wanted) {
        return Ok(wanted.to_owned());
    }
    match chat::find_channel(wanted)? {
        Some(channel) => Ok(channel.id),
        None => Err(BotError::config(format_args!(
            "`channel`: no channel named {wanted:?}"
        ))),
    }
}

impl Bot for Cron {
    fn init(&mut self, _team: &TeamInfo, config: &Config) -> Result<(), BotError> {
        self.apply(config)
    }

    fn reconfigure(&mut self, config: &Config) -> Result<(), BotError> {
        self.apply(config)
    }

    fn on_timer(&mut self, name: &str) -> Result<(), BotError> {
        if name == TIMER && !self.channel.is_empty() {
            chat::post(&self.channel, &self.text)?;
        }
        Ok(())
    }
}

bothost_sdk::export_bot!(Cron);
