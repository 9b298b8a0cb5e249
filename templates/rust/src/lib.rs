//! {{name}}: greets whoever mentions it or writes to it directly.

use bothost_sdk::{Bot, BotError, Config, Message, TeamInfo, chat};

#[derive(Default)]
struct Greeter {
    me: String,
}

impl Bot for Greeter {
    fn init(&mut self, team: &TeamInfo, _config: &Config) -> Result<(), BotError> {
        self.me = team.bot_user_id.clone();
        Ok(())
    }

    fn on_message(&mut self, message: Message) -> Result<(), BotError> {
        let for_me = message.direct || message.mentions_bot;
        if message.subtype.is_some() || message.user == self.me || !for_me {
            return Ok(());
        }
        let text = chat::strip_mention(&message.text, &self.me);
        let answer = format!("hello <@{}>, you said: {text}", message.user);
        chat::respond(&message, &answer)?;
        Ok(())
    }
}

bothost_sdk::export_bot!(Greeter);
