//! Echo bot: in a DM it replies with the same text; in a channel it answers
//! only when mentioned (a message mentioning it, or an `app_mention` event),
//! with the text minus the `<@BOT>` mention, in the message's thread if the
//! message is in one. Messages with a subtype and its own messages are
//! ignored, so it never answers itself. A slash command (`/echo text`, as
//! the app defines it) is answered with its text in the command's channel.

use bothost_sdk::{AppMention, Bot, BotError, Config, Message, SlashCommand, TeamInfo, chat};

/// Remembers only its own user id, to recognise and strip mentions.
#[derive(Default)]
struct Echo {
    me: String,
}

impl Echo {
    /// The text to echo, or `None` when the bot was mentioned with nothing
    /// else (echoing an empty message would fail anyway).
    fn echo_text(&self, text: &str) -> Option<String> {
        let text = chat::strip_mention(text, &self.me);
        (!text.is_empty()).then_some(text)
    }
}

impl Bot for Echo {
    fn init(&mut self, team: &TeamInfo, _config: &Config) -> Result<(), BotError> {
        self.me = team.bot_user_id.clone();
        Ok(())
    }

    fn on_message(&mut self, message: Message) -> Result<(), BotError> {
        if message.subtype.is_some() || message.user == self.me {
            return Ok(());
        }
        let text = if message.direct {
            Some(message.text.clone())
        } else if message.mentions_bot {
            self.echo_text(&message.text)
        } else {
            None
        };
        if let Some(text) = text {
            chat::respond(&message, &text)?;
        }
        Ok(())
    }

    /// Events API apps get both a `message` and an `app_mention` for a
    /// mention; Slack delivers the `message` only when the app subscribes to
    /// channel messages, so answering `app_mention` covers the other case.
    /// A host that sends both for the same `ts` would get two echoes; the
    /// bot does not dedupe because nothing in the contract promises either.
    fn on_app_mention(&mut self, mention: AppMention) -> Result<(), BotError> {
        if mention.user == self.me {
            return Ok(());
        }
        if let Some(text) = self.echo_text(&mention.text) {
            chat::respond(&mention, &text)?;
        }
        Ok(())
    }

    fn on_slash_command(&mut self, command: SlashCommand) -> Result<(), BotError> {
        if !command.text.trim().is_empty() {
            chat::post(&command.channel, &command.text)?;
        }
        Ok(())
    }
}

bothost_sdk::export_bot!(Echo);
