//! Channel-admin bot: runs a project's channel from chat commands (contract
//! 0.2.2). In any channel:
//!
//! * `!project <name> [@user|<@U…>] …` creates `#<name>`, invites the
//!   requester and the users named, sets its topic and says hello there;
//! * `!summary` (in the project channel) reads its recent history and posts
//!   a Block Kit summary with a link to the newest message;
//! * `!members` says how many members the channel has;
//! * `!archive` says goodbye and archives the channel;
//! * `!rename <name>`, `!purpose <text>`, `!remove <@user>`, `!leave`
//!   and `!join <channel-id>` (then `!unarchive <channel-id>`) manage it;
//! * `!whisper <text>` answers the requester only (ephemeral);
//! * `!thread` reads the thread it is in and answers there, broadcast;
//! * `!remind <unix-time>|+<seconds> <text>` schedules a message, `!reminders`
//!   lists them, `!cancel <id>` cancels one;
//! * `!oops` deletes the bot's newest message in the channel;
//! * `!group <@user> <@user>` opens a group DM and says hello there.
//!
//! Every answer to a failed call names Slack's reason, so a missing scope
//! or a taken name shows up in the channel.

use bothost_sdk::blocks::Block;
use bothost_sdk::{Bot, BotError, ChatError, Message, TeamInfo, channels, chat};

#[derive(Default)]
struct ChannelAdmin {
    me: String,
}

/// How much history a summary reads.
const SUMMARY_WINDOW: usize = 50;

/// A user id from `<@U…>`, `<@U…|name>`, `@name` or `name`.
fn user_id(word: &str) -> Result<Option<String>, ChatError> {
    if let Some(inner) = word.strip_prefix("<@").and_then(|w| w.strip_suffix('>')) {
        let id = inner.split('|').next().unwrap_or(inner);
        return Ok(Some(id.to_owned()));
    }
    Ok(chat::find_user(word.trim_start_matches('@'))?.map(|u| u.id))
}

/// Unix time now, in seconds.
fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn reason(e: &ChatError) -> String {
    match e {
        ChatError::NotFound(s) => format!("not found: {s}"),
        ChatError::TooLong(n) => format!("too long (limit {n})"),
        ChatError::RateLimited => "rate limited, try later".to_owned(),
        ChatError::Refused(s) => format!("refused: {s}"),
        ChatError::Unavailable(s) => format!("unavailable: {s}"),
    }
}

impl ChannelAdmin {
    fn project(&self, message: &Message, args: &[&str]) -> Result<(), ChatError> {
        let Some((name, people)) = args.split_first() else {
            chat::post(&message.channel, "usage: !project <name> [@user …]")?;
            return Ok(());
        };
        let channel = channels::create(name, false)?;
        let mut invited = vec![message.user.clone()];
        for word in people {
            match user_id(word)? {
                Some(id) if !invited.contains(&id) && id != self.me => invited.push(id),
                Some(_) => {}
                None => {
                    chat::post(&message.channel, &format!("no user {word}"))?;
                }
            }
        }
        let ids: Vec<&str> = invited.iter().map(String::as_str).collect();
        channels::invite(&channel.id, &ids)?;
        channels::set_topic(&channel.id, &format!("Project {name}"))?;
        chat::post(&channel.id, &format!("Welcome to project {name}!"))?;
        chat::post(
            &message.channel,
            &format!("created <#{}> with {} members", channel.id, ids.len()),
        )?;
        Ok(())
    }

    fn summary(&self, message: &Message) -> Result<(), ChatError> {
        let recent = channels::recent(&message.channel, SUMMARY_WINDOW, None)?;
        // Commands and the bot's own messages are not what is summarised.
        let talk: Vec<_> = recent
            .iter()
            .filter(|m| !m.text.starts_with('!') && m.user.as_deref() != Some(self.me.as_str()))
            .collect();
        let mut people: Vec<&str> = talk.iter().filter_map(|m| m.user.as_deref()).collect();
        people.sort_unstable();
        people.dedup();
        let mut blocks = vec![
            Block::header("Channel summary"),
            Block::section(&format!(
                "*{}* messages from *{}* people",
                talk.len(),
                people.len()
            )),
        ];
        if let Some(newest) = talk.first() {
            let link = chat::permalink(&message.channel, &newest.ts)?;
            blocks.push(Block::Divider);
            blocks.push(Block::context(&format!("latest: {} <{link}>", newest.text)));
        }
        let text = format!("summary: {} messages, {} people", talk.len(), people.len());
        chat::post_blocks(&message.channel, &text, &blocks)?;
        Ok(())
    }

    fn members(&self, message: &Message) -> Result<(), ChatError> {
        let members = channels::members(&message.channel)?;
        chat::post(&message.channel, &format!("{} members", members.len()))?;
        Ok(())
    }

    fn archive(&self, message: &Message) -> Result<(), ChatError> {
        chat::post(&message.channel, "archiving this channel, bye!")?;
        channels::archive(&message.channel)
    }
}

impl ChannelAdmin {
    fn manage(&self, message: &Message, command: &str, args: &[&str]) -> Result<(), ChatError> {
        let channel = message.channel.as_str();
        let rest = args.join(" ");
        match command {
            "!rename" => {
                let renamed = channels::rename(channel, &rest)?;
                chat::post(channel, &format!("now #{}", renamed.name))?;
            }
            "!purpose" => channels::set_purpose(channel, &rest)?,
            "!remove" => {
                for word in args {
                    if let Some(id) = user_id(word)? {
                        channels::kick(channel, &id)?;
                    }
                }
            }
            "!leave" => channels::leave(channel)?,
            "!join" => {
                let joined = channels::join(&rest)?;
                chat::post(&joined.id, "hello, I joined")?;
            }
            "!unarchive" => {
                channels::unarchive(&rest)?;
                chat::post(channel, &format!("unarchived <#{rest}>"))?;
            }
            "!whisper" => chat::post_ephemeral(channel, &message.user, &format!("psst: {rest}"))?,
            "!thread" => {
                let root = message.thread_ts.as_deref().unwrap_or(&message.ts);
                let replies = channels::thread(channel, root, 100)?;
                let text = format!("this thread has {} messages", replies.len());
                chat::reply_broadcast(channel, root, &text)?;
            }
            "!remind" => {
                let (at, text) = rest.split_once(' ').unwrap_or((rest.as_str(), "reminder"));
                let at = match at.strip_prefix('+') {
                    Some(secs) => now() + secs.parse::<u64>().unwrap_or(0),
                    None => at.parse().unwrap_or(0),
                };
                let id = chat::schedule(channel, at, text)?;
                chat::post(channel, &format!("scheduled {id}"))?;
            }
            "!reminders" => {
                let list = chat::scheduled(Some(channel))?;
                let ids: Vec<&str> = list.iter().map(|m| m.id.as_str()).collect();
                chat::post(
                    channel,
                    &format!("{} scheduled: {}", ids.len(), ids.join(" ")),
                )?;
            }
            "!cancel" => chat::unschedule(channel, &rest)?,
            "!oops" => {
                let mine = channels::recent(channel, 100, None)?
                    .into_iter()
                    .find(|m| m.user.as_deref() == Some(self.me.as_str()));
                if let Some(mine) = mine {
                    chat::delete(channel, &mine.ts)?;
                }
            }
            "!group" => {
                let mut ids = Vec::new();
                for word in args {
                    if let Some(id) = user_id(word)? {
                        ids.push(id);
                    }
                }
                let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                let group = channels::open(&ids)?;
                chat::post(&group, "hello, group")?;
            }
            _ => {}
        }
        Ok(())
    }
}

impl Bot for ChannelAdmin {
    fn init(&mut self, team: &TeamInfo, _config: &bothost_sdk::Config) -> Result<(), BotError> {
        self.me = team.bot_user_id.clone();
        Ok(())
    }

    fn on_message(&mut self, message: Message) -> Result<(), BotError> {
        if message.subtype.is_some() || message.user == self.me {
            return Ok(());
        }
        let words: Vec<&str> = message.text.split_whitespace().collect();
        let result = match words.split_first() {
            Some((&"!project", args)) => self.project(&message, args),
            Some((&"!summary", _)) => self.summary(&message),
            Some((&"!members", _)) => self.members(&message),
            Some((&"!archive", _)) => self.archive(&message),
            Some((command, args)) if command.starts_with('!') => {
                self.manage(&message, command, args)
            }
            _ => return Ok(()),
        };
        if let Err(e) = result {
            chat::post(&message.channel, &format!("sorry: {}", reason(&e)))?;
        }
        Ok(())
    }
}

bothost_sdk::export_bot!(ChannelAdmin);
