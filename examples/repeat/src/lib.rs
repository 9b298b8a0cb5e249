//! Repeat bot, after python-rtmbot's `repeat` plugin: every plain message
//! (no subtype, not from the bot) in a channel or a DM is posted back in the
//! same conversation, prefixed with config `prefix` (default empty, so the
//! reply is exactly the text).

use bothost_sdk::{Bot, BotError, Config, Message, TeamInfo, chat};

#[derive(Default)]
struct Repeat {
    me: String,
    prefix: String,
}

impl Repeat {
    fn read_config(&mut self, config: &Config) {
        self.prefix = config.get_or("prefix", "").to_owned();
    }
}

impl Bot for Repeat {
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
        let reply = format!("{}{}", self.prefix, message.text);
        // Slack refuses empty messages; there is nothing to repeat anyway.
        if !reply.is_empty() {
            chat::post(&message.channel, &reply)?;
        }
        Ok(())
    }
}

bothost_sdk::export_bot!(Repeat);
