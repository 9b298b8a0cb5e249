//! The [`Bot`] trait that bot authors implement.

use crate::{
    AppMention, BotError, ChannelCreated, ChannelRenamed, Config, Event, Membership, Message,
    OtherEvent, Reaction, SlashCommand, TeamInfo, TeamJoin,
};

/// A bot serving one team.
///
/// Every method has a default that does nothing and succeeds, so a bot
/// overrides only what it reacts to. The host calls the methods one at a
/// time, never concurrently; an `Err` is logged by the host with the team
/// id and does not stop the bot, while a panic traps the instance.
///
/// The type must be `Default`: [`export_bot!`](crate::export_bot) creates the
/// instance with it before calling [`Bot::init`].
pub trait Bot: Default + 'static {
    /// Called once per instance before any event. Return
    /// [`BotError::InvalidConfig`] when the configuration is unusable.
    fn init(&mut self, team: &TeamInfo, config: &Config) -> Result<(), BotError> {
        let _ = (team, config);
        Ok(())
    }

    /// The team's configuration changed; `self` (and the instance's memory)
    /// is kept, so re-read whatever `init` read from `config`.
    fn reconfigure(&mut self, config: &Config) -> Result<(), BotError> {
        let _ = config;
        Ok(())
    }

    /// Any event. The default routes each case to the matching `on_*`
    /// method; override it to see every event in one place.
    fn on_event(&mut self, event: Event) -> Result<(), BotError> {
        match event {
            Event::Message(m) => self.on_message(m),
            Event::AppMention(m) => self.on_app_mention(m),
            Event::ReactionAdded(r) => self.on_reaction_added(r),
            Event::ReactionRemoved(r) => self.on_reaction_removed(r),
            Event::MemberJoinedChannel(m) => self.on_member_joined_channel(m),
            Event::MemberLeftChannel(m) => self.on_member_left_channel(m),
            Event::ChannelCreated(c) => self.on_channel_created(c),
            Event::ChannelRenamed(c) => self.on_channel_renamed(c),
            Event::TeamJoin(t) => self.on_team_join(t),
            Event::SlashCommand(c) => self.on_slash_command(c),
            Event::Other(o) => self.on_other(o),
        }
    }

    /// A message in a channel or DM, including the bot's own messages and
    /// messages with a subtype (edits, joins, …): filter as needed.
    fn on_message(&mut self, message: Message) -> Result<(), BotError> {
        let _ = message;
        Ok(())
    }

    /// An explicit `app_mention` event (Events API apps).
    fn on_app_mention(&mut self, mention: AppMention) -> Result<(), BotError> {
        let _ = mention;
        Ok(())
    }

    /// A reaction was added to a message.
    fn on_reaction_added(&mut self, reaction: Reaction) -> Result<(), BotError> {
        let _ = reaction;
        Ok(())
    }

    /// A reaction was removed from a message.
    fn on_reaction_removed(&mut self, reaction: Reaction) -> Result<(), BotError> {
        let _ = reaction;
        Ok(())
    }

    /// A user joined a channel.
    fn on_member_joined_channel(&mut self, membership: Membership) -> Result<(), BotError> {
        let _ = membership;
        Ok(())
    }

    /// A user left a channel.
    fn on_member_left_channel(&mut self, membership: Membership) -> Result<(), BotError> {
        let _ = membership;
        Ok(())
    }

    /// A channel was created.
    fn on_channel_created(&mut self, created: ChannelCreated) -> Result<(), BotError> {
        let _ = created;
        Ok(())
    }

    /// A channel was renamed.
    fn on_channel_renamed(&mut self, renamed: ChannelRenamed) -> Result<(), BotError> {
        let _ = renamed;
        Ok(())
    }

    /// A user joined the team.
    fn on_team_join(&mut self, join: TeamJoin) -> Result<(), BotError> {
        let _ = join;
        Ok(())
    }

    /// A slash command was invoked.
    fn on_slash_command(&mut self, command: SlashCommand) -> Result<(), BotError> {
        let _ = command;
        Ok(())
    }

    /// An event the contract has no case for yet, as raw JSON.
    fn on_other(&mut self, event: OtherEvent) -> Result<(), BotError> {
        let _ = event;
        Ok(())
    }

    /// A timer set through [`timers`](crate::timers) fired; `name` is the
    /// name it was set with.
    fn on_timer(&mut self, name: &str) -> Result<(), BotError> {
        let _ = name;
        Ok(())
    }

    /// The team is being removed: last chance to save state in
    /// [`kv`](crate::kv). Bounded in time by the host.
    fn shutdown(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records which handler the default `on_event` picked.
    #[derive(Default)]
    struct Recorder(Vec<&'static str>);

    impl Bot for Recorder {
        fn on_message(&mut self, _: Message) -> Result<(), BotError> {
            self.0.push("message");
            Ok(())
        }
        fn on_reaction_removed(&mut self, _: Reaction) -> Result<(), BotError> {
            self.0.push("reaction-removed");
            Ok(())
        }
        fn on_other(&mut self, _: OtherEvent) -> Result<(), BotError> {
            self.0.push("other");
            Err(BotError::failed("nope"))
        }
    }

    #[test]
    fn default_on_event_routes_by_case() {
        let mut bot = Recorder::default();
        let message = Message {
            channel: "C1".into(),
            user: "U1".into(),
            text: "hi".into(),
            ts: "1.0".into(),
            thread_ts: None,
            subtype: None,
            direct: false,
            mentions_bot: false,
        };
        let reaction = Reaction {
            user: "U1".into(),
            name: "tada".into(),
            channel: "C1".into(),
            item_ts: "1.0".into(),
        };
        let other = OtherEvent {
            type_name: "x".into(),
            raw_json: "{}".into(),
        };
        assert_eq!(bot.on_event(Event::Message(message)), Ok(()));
        assert_eq!(
            bot.on_event(Event::ReactionRemoved(reaction.clone())),
            Ok(())
        );
        assert_eq!(bot.on_event(Event::ReactionAdded(reaction)), Ok(()));
        assert_eq!(
            bot.on_event(Event::Other(other)),
            Err(BotError::Failed("nope".into()))
        );
        assert_eq!(bot.0, ["message", "reaction-removed", "other"]);
    }
}
