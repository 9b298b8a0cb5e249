//! The Web API methods of contract 0.2.2 (channels, history, ephemeral,
//! deleted and scheduled messages), as pure functions over the state like
//! those of [`super::methods`]. Every call is recorded by the endpoint
//! with its arguments, so scenarios assert method and arguments.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::methods::{arg, checked_channel, page_of};
use super::state::{Inner, TeamState};

type Answer = Result<Value, &'static str>;
/// A 0.2.2 method: state, team of the token, arguments.
pub(crate) type BotMethod = fn(&mut Inner, &str, &Map<String, Value>) -> Answer;

/// A channel created through the Web API, or what changed on one of the
/// workspace's own.
#[derive(Debug, Default, Clone)]
pub(crate) struct Room {
    pub(crate) name: String,
    pub(crate) is_private: bool,
    pub(crate) archived: bool,
    pub(crate) topic: String,
    pub(crate) purpose: String,
    pub(crate) members: BTreeSet<String>,
}

/// The 0.2.2 state of a workspace.
#[derive(Debug, Default)]
pub(crate) struct Rooms {
    /// By channel id: channels created with `conversations.create`, and
    /// the workspace's own once something changed them.
    pub(crate) rooms: BTreeMap<String, Room>,
    /// Group DMs opened: sorted user list → `G…` id.
    pub(crate) groups: BTreeMap<String, String>,
    /// Scheduled messages: id → (channel, post_at, text).
    pub(crate) scheduled: BTreeMap<String, (String, u64, String)>,
}

impl Rooms {
    pub(crate) fn has(&self, channel: &str) -> bool {
        self.rooms.contains_key(channel) || self.groups.values().any(|g| g == channel)
    }

    pub(crate) fn is_archived(&self, channel: &str) -> bool {
        self.rooms.get(channel).is_some_and(|r| r.archived)
    }
}

/// The method named `name`, if it is one of these.
pub(crate) fn method(name: &str) -> Option<BotMethod> {
    Some(match name {
        "conversations.create" => create,
        "conversations.rename" => rename,
        "conversations.archive" => |i, t, p| set_archived(i, t, p, true),
        "conversations.unarchive" => |i, t, p| set_archived(i, t, p, false),
        "conversations.setTopic" => |i, t, p| set_about(i, t, p, "topic"),
        "conversations.setPurpose" => |i, t, p| set_about(i, t, p, "purpose"),
        "conversations.invite" => invite,
        "conversations.kick" => kick,
        "conversations.members" => members,
        "conversations.join" => join,
        "conversations.leave" => leave,
        "conversations.history" => |i, t, p| history(i, t, p, false),
        "conversations.replies" => |i, t, p| history(i, t, p, true),
        "chat.getPermalink" => permalink,
        "chat.postEphemeral" => post_ephemeral,
        "chat.delete" => delete,
        "chat.scheduleMessage" => schedule,
        "chat.scheduledMessages.list" => list_scheduled,
        "chat.deleteScheduledMessage" => delete_scheduled,
        _ => return None,
    })
}

fn team_mut<'a>(inner: &'a mut Inner, team: &str) -> &'a mut TeamState {
    inner
        .teams
        .get_mut(team)
        .expect("fake Slack: a bot token without its workspace")
}

/// The room of `channel` (one of the workspace's own gets its state on
/// first change: everyone is a member).
fn room<'a>(inner: &'a mut Inner, team: &str, channel: &str) -> Result<&'a mut Room, &'static str> {
    let state = team_mut(inner, team);
    if !state.rooms.rooms.contains_key(channel) {
        let name = state.ws.channel_name(channel).ok_or("channel_not_found")?;
        let mut members: BTreeSet<String> =
            state.ws.users.iter().map(|(id, _)| id.clone()).collect();
        members.insert(state.ws.bot_user_id.clone());
        let room = Room {
            name: name.to_owned(),
            members,
            ..Room::default()
        };
        state.rooms.rooms.insert(channel.to_owned(), room);
    }
    state
        .rooms
        .rooms
        .get_mut(channel)
        .ok_or("channel_not_found")
}

fn channel_json(id: &str, room: &Room, bot: &str) -> Value {
    json!({
        "id": id, "name": room.name, "is_channel": true, "is_private": room.is_private,
        "is_archived": room.archived, "is_member": room.members.contains(bot),
        "topic": {"value": room.topic}, "purpose": {"value": room.purpose},
    })
}

fn bot_of(inner: &Inner, team: &str) -> String {
    inner
        .teams
        .get(team)
        .map(|t| t.ws.bot_user_id.clone())
        .unwrap_or_default()
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= 80
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_'))
}

fn name_taken(inner: &Inner, team: &str, name: &str) -> bool {
    inner.teams.get(team).is_some_and(|t| {
        t.ws.channels.iter().any(|(_, n)| n == name)
            || t.rooms.rooms.values().any(|r| r.name == name)
    })
}

fn create(inner: &mut Inner, team: &str, p: &Map<String, Value>) -> Answer {
    let name = arg(p, "name").ok_or("invalid_name_required")?;
    if !valid_name(&name) {
        return Err("invalid_name_specials");
    }
    if name_taken(inner, team, &name) {
        return Err("name_taken");
    }
    let id = format!("C{team}N{}", inner.next_seq());
    let bot = bot_of(inner, team);
    let room = Room {
        name,
        is_private: arg(p, "is_private").is_some_and(|v| v == "true"),
        members: BTreeSet::from([bot.clone()]),
        ..Room::default()
    };
    let answer = channel_json(&id, &room, &bot);
    team_mut(inner, team).rooms.rooms.insert(id, room);
    Ok(json!({ "channel": answer }))
}

fn rename(inner: &mut Inner, team: &str, p: &Map<String, Value>) -> Answer {
    let channel = arg(p, "channel").ok_or("channel_not_found")?;
    let name = arg(p, "name").ok_or("invalid_name_required")?;
    if !valid_name(&name) {
        return Err("invalid_name_specials");
    }
    if name_taken(inner, team, &name) {
        return Err("name_taken");
    }
    let bot = bot_of(inner, team);
    let room = room(inner, team, &channel)?;
    room.name = name;
    Ok(json!({ "channel": channel_json(&channel, room, &bot) }))
}

fn set_archived(inner: &mut Inner, team: &str, p: &Map<String, Value>, archived: bool) -> Answer {
    let channel = arg(p, "channel").ok_or("channel_not_found")?;
    let room = room(inner, team, &channel)?;
    match (room.archived, archived) {
        (true, true) => Err("already_archived"),
        (false, false) => Err("not_archived"),
        _ if room.name == "general" => Err("cant_archive_general"),
        _ => {
            room.archived = archived;
            Ok(json!({}))
        }
    }
}

fn set_about(inner: &mut Inner, team: &str, p: &Map<String, Value>, key: &str) -> Answer {
    let channel = arg(p, "channel").ok_or("channel_not_found")?;
    let text = arg(p, key).unwrap_or_default();
    let room = room(inner, team, &channel)?;
    if room.archived {
        return Err("is_archived");
    }
    if key == "topic" {
        room.topic.clone_from(&text);
    } else {
        room.purpose.clone_from(&text);
    }
    Ok(json!({ key: text }))
}

fn known_user(inner: &Inner, team: &str, user: &str) -> bool {
    inner
        .teams
        .get(team)
        .is_some_and(|t| t.ws.user_name(user).is_some())
}

fn invite(inner: &mut Inner, team: &str, p: &Map<String, Value>) -> Answer {
    let channel = arg(p, "channel").ok_or("channel_not_found")?;
    let users = arg(p, "users").ok_or("no_user")?;
    let users: Vec<String> = users.split(',').map(|u| u.trim().to_owned()).collect();
    if let Some(unknown) = users.iter().find(|u| !known_user(inner, team, u)) {
        let _ = unknown;
        return Err("user_not_found");
    }
    let bot = bot_of(inner, team);
    let room = room(inner, team, &channel)?;
    if room.archived {
        return Err("is_archived");
    }
    if users.iter().all(|u| room.members.contains(u)) {
        return Err("already_in_channel");
    }
    room.members.extend(users);
    Ok(json!({ "channel": channel_json(&channel, room, &bot) }))
}

fn kick(inner: &mut Inner, team: &str, p: &Map<String, Value>) -> Answer {
    let channel = arg(p, "channel").ok_or("channel_not_found")?;
    let user = arg(p, "user").ok_or("user_not_found")?;
    if user == bot_of(inner, team) {
        return Err("cant_kick_self");
    }
    let room = room(inner, team, &channel)?;
    if room.members.remove(&user) {
        Ok(json!({}))
    } else {
        Err("not_in_channel")
    }
}

fn members(inner: &mut Inner, team: &str, p: &Map<String, Value>) -> Answer {
    let channel = arg(p, "channel").ok_or("channel_not_found")?;
    let room = room(inner, team, &channel)?;
    let all: Vec<Value> = room.members.iter().map(|m| json!(m)).collect();
    let (page, next) = page_of(all, p, 100)?;
    Ok(json!({"members": page, "response_metadata": {"next_cursor": next}}))
}

fn join(inner: &mut Inner, team: &str, p: &Map<String, Value>) -> Answer {
    let channel = arg(p, "channel").ok_or("channel_not_found")?;
    let bot = bot_of(inner, team);
    let room = room(inner, team, &channel)?;
    if room.archived {
        return Err("is_archived");
    }
    room.members.insert(bot.clone());
    Ok(json!({ "channel": channel_json(&channel, room, &bot) }))
}

fn leave(inner: &mut Inner, team: &str, p: &Map<String, Value>) -> Answer {
    let channel = arg(p, "channel").ok_or("channel_not_found")?;
    let bot = bot_of(inner, team);
    let room = room(inner, team, &channel)?;
    if room.name == "general" {
        return Err("cant_leave_general");
    }
    if room.members.remove(&bot) {
        Ok(json!({}))
    } else {
        Ok(json!({"not_in_channel": true}))
    }
}

/// `conversations.open` with several users: a group DM, stable per set.
pub(crate) fn open_group(inner: &mut Inner, team: &str, users: Vec<String>) -> Answer {
    if users.len() > 8 {
        return Err("too_many_users");
    }
    if users.iter().any(|u| !known_user(inner, team, u)) {
        return Err("user_not_found");
    }
    let mut users = users;
    users.sort();
    let key = users.join(",");
    let seq = inner.next_seq();
    let id = team_mut(inner, team)
        .rooms
        .groups
        .entry(key)
        .or_insert_with(|| format!("G{team}{seq}"))
        .clone();
    Ok(json!({"channel": {"id": id}}))
}

fn history(inner: &mut Inner, team: &str, p: &Map<String, Value>, replies: bool) -> Answer {
    let channel = checked_channel(inner, team, p)?;
    let thread = if replies {
        Some(arg(p, "ts").ok_or("thread_not_found")?)
    } else {
        None
    };
    let oldest = arg(p, "oldest");
    let latest = arg(p, "latest");
    let mut found: Vec<(String, Value)> = inner
        .messages
        .iter()
        .filter(|((t, c, _), _)| t == team && c == &channel)
        .filter(|((_, _, ts), m)| match &thread {
            Some(root) => ts == root || m.thread_ts.as_ref() == Some(root),
            None => m.thread_ts.as_ref().is_none_or(|root| root == ts),
        })
        .filter(|((_, _, ts), _)| {
            oldest.as_ref().is_none_or(|o| ts > o) && latest.as_ref().is_none_or(|l| ts < l)
        })
        .map(|((_, _, ts), m)| {
            let mut message = json!({"type": "message", "user": m.user, "text": m.text, "ts": ts});
            if let Some(root) = &m.thread_ts {
                message["thread_ts"] = json!(root);
            }
            (ts.clone(), message)
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    if thread.is_none() {
        found.reverse();
    }
    if replies && found.is_empty() {
        return Err("thread_not_found");
    }
    let all = found.into_iter().map(|(_, m)| m).collect();
    let (page, next) = page_of(all, p, 100)?;
    let has_more = !next.is_empty();
    Ok(json!({"messages": page, "has_more": has_more, "response_metadata": {"next_cursor": next}}))
}

fn permalink(inner: &mut Inner, team: &str, p: &Map<String, Value>) -> Answer {
    let channel = checked_channel(inner, team, p)?;
    let ts = arg(p, "message_ts").ok_or("message_not_found")?;
    if !inner
        .messages
        .contains_key(&(team.to_owned(), channel.clone(), ts.clone()))
    {
        return Err("message_not_found");
    }
    let domain = inner
        .teams
        .get(team)
        .map(|t| t.ws.domain())
        .unwrap_or_default();
    let digits: String = ts.chars().filter(char::is_ascii_digit).collect();
    Ok(json!({
        "channel": channel,
        "permalink": format!("https://{domain}.slack.com/archives/{channel}/p{digits}"),
    }))
}

fn post_ephemeral(inner: &mut Inner, team: &str, p: &Map<String, Value>) -> Answer {
    let channel = checked_channel(inner, team, p)?;
    let user = arg(p, "user").ok_or("user_not_found")?;
    if !known_user(inner, team, &user) {
        return Err("user_not_found");
    }
    if arg(p, "text").is_none() && arg(p, "blocks").is_none() {
        return Err("no_text");
    }
    if room(inner, team, &channel).is_ok_and(|r| !r.members.contains(&user)) {
        return Err("user_not_in_channel");
    }
    Ok(json!({ "message_ts": inner.next_ts() }))
}

fn delete(inner: &mut Inner, team: &str, p: &Map<String, Value>) -> Answer {
    let channel = checked_channel(inner, team, p)?;
    let ts = arg(p, "ts").ok_or("message_not_found")?;
    let bot = bot_of(inner, team);
    let key = (team.to_owned(), channel.clone(), ts.clone());
    match inner.messages.get(&key) {
        None => Err("message_not_found"),
        Some(m) if m.user != bot => Err("cant_delete_message"),
        Some(_) => {
            inner.messages.remove(&key);
            Ok(json!({"channel": channel, "ts": ts}))
        }
    }
}

fn schedule(inner: &mut Inner, team: &str, p: &Map<String, Value>) -> Answer {
    let channel = checked_channel(inner, team, p)?;
    let post_at: u64 = arg(p, "post_at")
        .and_then(|v| v.parse().ok())
        .ok_or("invalid_time")?;
    // The fake's clock is its `ts` epoch, not the wall clock.
    if post_at <= inner.event_time() {
        return Err("time_in_past");
    }
    let text = arg(p, "text").unwrap_or_default();
    let id = format!("Q{}", inner.next_seq());
    team_mut(inner, team)
        .rooms
        .scheduled
        .insert(id.clone(), (channel.clone(), post_at, text));
    Ok(json!({"channel": channel, "scheduled_message_id": id, "post_at": post_at}))
}

fn list_scheduled(inner: &mut Inner, team: &str, p: &Map<String, Value>) -> Answer {
    let channel = arg(p, "channel");
    let list: Vec<Value> = team_mut(inner, team)
        .rooms
        .scheduled
        .iter()
        .filter(|(_, (c, _, _))| channel.as_ref().is_none_or(|want| want == c))
        .map(|(id, (c, at, text))| {
            json!({"id": id, "channel_id": c, "post_at": at, "date_created": at, "text": text})
        })
        .collect();
    Ok(json!({"scheduled_messages": list, "response_metadata": {"next_cursor": ""}}))
}

fn delete_scheduled(inner: &mut Inner, team: &str, p: &Map<String, Value>) -> Answer {
    let channel = arg(p, "channel").ok_or("channel_not_found")?;
    let id = arg(p, "scheduled_message_id").ok_or("invalid_scheduled_message_id")?;
    let scheduled = &mut team_mut(inner, team).rooms.scheduled;
    match scheduled.get(&id) {
        Some((c, _, _)) if *c == channel => {
            scheduled.remove(&id);
            Ok(json!({}))
        }
        _ => Err("invalid_scheduled_message_id"),
    }
}
