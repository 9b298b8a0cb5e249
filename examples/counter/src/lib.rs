//! Counter bot: counts the plain messages (no subtype, not from the bot) of
//! each channel in kv under `count/<channel-id>`; a message that is exactly
//! `!count` gets `count: N` posted in its channel, N including that message.
//! Config `label` (default `count`) replaces the word before the colon. The
//! counts live in kv, so they survive `reconfigure` and restarts.

use bothost_sdk::{Bot, BotError, Config, Message, TeamInfo, chat, kv};

struct Counter {
    me: String,
    label: String,
}

/// The label default applies even if the host never called `init`.
impl Default for Counter {
    fn default() -> Self {
        Counter {
            me: String::new(),
            label: "count".to_owned(),
        }
    }
}

impl Counter {
    fn read_config(&mut self, config: &Config) {
        self.label = config.get_or("label", "count").to_owned();
    }
}

impl Bot for Counter {
    fn init(&mut self, team: &TeamInfo, config: &Config) -> Result<(), BotError> {
        self.me = team.bot_user_id.clone();
        self.read_config(config);
        Ok(())
    }

    fn reconfigure(&mut self, config: &Config) -> Result<(), BotError> {
        self.read_config(config);
        Ok(())
    }

    fn on_message(&mut self, message: Message) -> Result<(), BotError> {
        if message.subtype.is_some() || message.user == self.me {
            return Ok(());
        }
        // One atomic step in the host: the count survives restarts (the
        // host keeps key-value state in its database) and never races.
        let count = kv::increment(&format!("count/{}", message.channel), 1)?;
        if message.text == "!count" {
            chat::post(&message.channel, &format!("{}: {count}", self.label))?;
        }
        Ok(())
    }
}

bothost_sdk::export_bot!(Counter);
