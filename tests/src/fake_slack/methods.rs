//! The Web API methods the fake implements, as pure functions over the
//! state: each returns the answer's fields (without `ok`) or a Slack error
//! code.

use std::net::SocketAddr;

use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::recording::Post;
use super::state::{Inner, TeamState, Ticket, TokenOwner};
use super::web_api::Request;
use super::workspace::BOT_NAME;

type Answer = Result<Value, &'static str>;

/// Longest `text` accepted by `chat.postMessage` / `chat.update`.
const MAX_TEXT_CHARS: usize = 40_000;

/// Runs `request` against the state.
pub(crate) fn dispatch(inner: &mut Inner, addr: SocketAddr, request: &Request) -> Answer {
    let bot_method: fn(&mut Inner, &str, SocketAddr, &Map<String, Value>) -> Answer =
        match request.method.as_str() {
            "apps.connections.open" => return connections_open(inner, addr, request),
            "auth.test" => |inner, team, _, _| auth_test(team_of(inner, team)),
            "rtm.connect" | "rtm.start" => rtm_connect,
            "chat.postMessage" => |inner, team, _, p| post_message(inner, team, p),
            "chat.update" => |inner, team, _, p| update(inner, team, p),
            "reactions.add" => |inner, team, _, p| react(inner, team, p),
            "conversations.list" => |inner, team, _, p| list_channels(team_of(inner, team), p),
            "users.list" => |inner, team, _, p| list_users(team_of(inner, team), p),
            "conversations.open" => |inner, team, _, p| open_dm(inner, team, p),
            other => {
                let method = super::contract::method(other).ok_or("unknown_method")?;
                return match authenticate(inner, request.token.as_deref())? {
                    TokenOwner::Bot(team) => method(inner, &team, &request.params),
                    TokenOwner::App(_) => Err("not_allowed_token_type"),
                };
            }
        };
    match authenticate(inner, request.token.as_deref())? {
        TokenOwner::Bot(team) => bot_method(inner, &team, addr, &request.params),
        TokenOwner::App(_) => Err("not_allowed_token_type"),
    }
}

/// Who `token` belongs to, or the error Slack gives for it.
fn authenticate(inner: &Inner, token: Option<&str>) -> Result<TokenOwner, &'static str> {
    let token = token.ok_or("not_authed")?;
    if inner.revoked.contains(token) {
        return Err("token_revoked");
    }
    inner.tokens.get(token).cloned().ok_or("invalid_auth")
}

fn team_of<'a>(inner: &'a Inner, team: &str) -> &'a TeamState {
    // Tokens are only registered together with their workspace.
    inner
        .teams
        .get(team)
        .expect("fake Slack: a bot token without its workspace")
}

fn team_mut<'a>(inner: &'a mut Inner, team: &str) -> &'a mut TeamState {
    inner
        .teams
        .get_mut(team)
        .expect("fake Slack: a bot token without its workspace")
}

/// A string argument; numbers and booleans are accepted in their JSON form
/// (a JSON body may send `"limit": 2`), empty strings count as absent.
pub(crate) fn arg(params: &Map<String, Value>, key: &str) -> Option<String> {
    let text = match params.get(key)? {
        Value::Null => return None,
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    (!text.is_empty()).then_some(text)
}

/// Whether `blocks`/`attachments` carry content (then `text` may be empty).
fn has_rich_content(params: &Map<String, Value>) -> bool {
    ["blocks", "attachments"]
        .iter()
        .any(|key| arg(params, key).is_some_and(|v| !matches!(v.trim(), "" | "[]" | "null")))
}

fn auth_test(team: &TeamState) -> Answer {
    let ws = &team.ws;
    Ok(json!({
        "url": format!("https://{}.slack.com/", ws.domain()),
        "team": ws.team_name,
        "user": BOT_NAME,
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": false,
    }))
}

/// Hands out a single-use RTM URL.
fn rtm_connect(inner: &mut Inner, team: &str, addr: SocketAddr, _: &Map<String, Value>) -> Answer {
    let ticket = format!("rtm{:08}", inner.next_seq());
    let rtm = inner.rtm_team(team);
    let expired = std::mem::take(&mut rtm.expire_next);
    let ws = &team_of(inner, team).ws;
    let answer = json!({
        "url": format!("ws://{addr}/rtm/{ticket}"),
        "self": {"id": ws.bot_user_id, "name": BOT_NAME},
        "team": {"id": ws.team_id, "name": ws.team_name, "domain": ws.domain()},
    });
    let token = ws.bot_token.clone();
    inner.rtm_tickets.insert(
        ticket,
        Ticket {
            owner: team.to_owned(),
            token,
            issued: Instant::now(),
            used: false,
            expired,
        },
    );
    Ok(answer)
}

/// Hands out a single-use Socket Mode URL; only an app token in the header
/// will do.
fn connections_open(inner: &mut Inner, addr: SocketAddr, request: &Request) -> Answer {
    let app_id = match authenticate(inner, request.token.as_deref())? {
        TokenOwner::App(app_id) => app_id,
        TokenOwner::Bot(_) => return Err("not_allowed_token_type"),
    };
    let token = request.token.clone().unwrap_or_default();
    let ticket = format!("sm{:08}", inner.next_seq());
    let url = format!("ws://{addr}/link/?ticket={ticket}&app_id={app_id}");
    inner.socket_tickets.insert(
        ticket,
        Ticket {
            owner: app_id,
            token,
            issued: Instant::now(),
            used: false,
            expired: false,
        },
    );
    Ok(json!({ "url": url }))
}

/// Checks a message text as `chat.postMessage`/`chat.update` do.
fn checked_text(params: &Map<String, Value>) -> Result<String, &'static str> {
    let text = arg(params, "text").unwrap_or_default();
    if text.is_empty() && !has_rich_content(params) {
        return Err("no_text");
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err("msg_too_long");
    }
    Ok(text)
}

/// A channel argument that exists in `team`.
pub(crate) fn checked_channel(
    inner: &Inner,
    team: &str,
    params: &Map<String, Value>,
) -> Result<String, &'static str> {
    let channel = arg(params, "channel").ok_or("channel_not_found")?;
    let state = team_of(inner, team);
    if !state.has_channel(&channel) {
        Err("channel_not_found")
    } else if state.rooms.is_archived(&channel) {
        Err("is_archived")
    } else {
        Ok(channel)
    }
}

fn post_message(inner: &mut Inner, team: &str, params: &Map<String, Value>) -> Answer {
    let channel = checked_channel(inner, team, params)?;
    let text = checked_text(params)?;
    let thread_ts = arg(params, "thread_ts");
    let ts = inner.next_ts();
    let ws = &team_of(inner, team).ws;
    let (bot_user, bot_id) = (ws.bot_user_id.clone(), ws.bot_id.clone());
    inner.store_message(team, &channel, &ts, &bot_user, &text);
    if let Some(message) = inner
        .messages
        .get_mut(&(team.to_owned(), channel.clone(), ts.clone()))
    {
        message.thread_ts.clone_from(&thread_ts);
    }
    inner.posts.push(Post {
        team: team.to_owned(),
        channel: channel.clone(),
        text: text.clone(),
        thread_ts: thread_ts.clone(),
        ts: ts.clone(),
        at: Instant::now(),
    });
    let mut message = json!({
        "type": "message",
        "subtype": "bot_message",
        "bot_id": bot_id,
        "text": text,
        "ts": ts,
    });
    if let Some(thread_ts) = thread_ts {
        message["thread_ts"] = Value::String(thread_ts);
    }
    Ok(json!({"channel": channel, "ts": ts, "message": message}))
}

fn update(inner: &mut Inner, team: &str, params: &Map<String, Value>) -> Answer {
    let channel = checked_channel(inner, team, params)?;
    let ts = arg(params, "ts").ok_or("message_not_found")?;
    let text = checked_text(params)?;
    let ws = &team_of(inner, team).ws;
    let (bot_user, bot_id) = (ws.bot_user_id.clone(), ws.bot_id.clone());
    let key = (team.to_owned(), channel.clone(), ts.clone());
    let message = inner.messages.get_mut(&key).ok_or("message_not_found")?;
    if message.user != bot_user {
        return Err("cant_update_message");
    }
    message.text.clone_from(&text);
    Ok(json!({
        "channel": channel,
        "ts": ts,
        "text": text,
        "message": {"type": "message", "subtype": "bot_message", "bot_id": bot_id, "text": text},
    }))
}

fn react(inner: &mut Inner, team: &str, params: &Map<String, Value>) -> Answer {
    let (Some(channel), Some(ts)) = (arg(params, "channel"), arg(params, "timestamp")) else {
        return Err("no_item_specified");
    };
    let name = arg(params, "name").ok_or("invalid_name")?;
    if name.contains(':') || name.contains(char::is_whitespace) {
        return Err("invalid_name");
    }
    if !team_of(inner, team).has_channel(&channel) {
        return Err("channel_not_found");
    }
    let message = inner
        .messages
        .get_mut(&(team.to_owned(), channel, ts))
        .ok_or("message_not_found")?;
    if message.reactions.insert(name) {
        Ok(json!({}))
    } else {
        Err("already_reacted")
    }
}

/// The page of `items` that `cursor` and `limit` (default `default`)
/// select, and the next cursor (`""` on the last page).
pub(crate) fn page_of(
    items: Vec<Value>,
    params: &Map<String, Value>,
    default: usize,
) -> Result<(Vec<Value>, String), &'static str> {
    let limit = limit(params)?.unwrap_or(default);
    page(items, params, limit)
}

/// The page of `items` that `cursor` and `limit` select, and the next
/// cursor (`""` on the last page).
fn page(
    items: Vec<Value>,
    params: &Map<String, Value>,
    limit: usize,
) -> Result<(Vec<Value>, String), &'static str> {
    let start = match arg(params, "cursor") {
        None => 0,
        Some(cursor) => cursor
            .strip_prefix("next:")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|&n| n > 0 && n < items.len())
            .ok_or("invalid_cursor")?,
    };
    let end = start.saturating_add(limit.max(1)).min(items.len());
    let next = if end < items.len() {
        format!("next:{end}")
    } else {
        String::new()
    };
    let page = items.into_iter().skip(start).take(end - start).collect();
    Ok((page, next))
}

/// The `limit` argument; `None` when absent or 0.
fn limit(params: &Map<String, Value>) -> Result<Option<usize>, &'static str> {
    match arg(params, "limit") {
        None => Ok(None),
        Some(text) => match text.parse::<usize>() {
            Ok(0) => Ok(None),
            Ok(n) => Ok(Some(n)),
            Err(_) => Err("invalid_limit"),
        },
    }
}

fn list_channels(team: &TeamState, params: &Map<String, Value>) -> Answer {
    let limit = limit(params)?.unwrap_or(100).min(1000);
    let types = arg(params, "types").unwrap_or_else(|| "public_channel".to_owned());
    let wants = |kind: &str| types.split(',').any(|t| t.trim() == kind);
    let mut channels = Vec::new();
    if wants("public_channel") {
        channels.extend(team.ws.channels.iter().map(|(id, name)| {
            json!({
                "id": id, "name": name, "is_channel": true, "is_im": false,
                "is_private": false, "is_archived": false, "is_member": true,
            })
        }));
    }
    if wants("im") {
        channels.extend(team.ims.iter().map(|(user, id)| {
            json!({"id": id, "is_channel": false, "is_im": true, "user": user, "is_private": true})
        }));
    }
    let (channels, next) = page(channels, params, limit)?;
    Ok(json!({"channels": channels, "response_metadata": {"next_cursor": next}}))
}

fn list_users(team: &TeamState, params: &Map<String, Value>) -> Answer {
    let limit = limit(params)?.unwrap_or(usize::MAX);
    let ws = &team.ws;
    let member = |id: &str, name: &str, is_bot: bool| {
        let real_name = capitalised(name);
        let mut profile = json!({"real_name": real_name, "display_name": name});
        if is_bot {
            profile["bot_id"] = Value::String(ws.bot_id.clone());
        }
        json!({
            "id": id, "team_id": ws.team_id, "name": name, "real_name": real_name,
            "deleted": false, "is_bot": is_bot, "profile": profile,
        })
    };
    let mut members: Vec<Value> = ws
        .users
        .iter()
        .map(|(id, name)| member(id, name, false))
        .collect();
    members.push(member(&ws.bot_user_id, BOT_NAME, true));
    let (members, next) = page(members, params, limit)?;
    Ok(json!({"members": members, "response_metadata": {"next_cursor": next}}))
}

fn capitalised(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Opens (or finds) the DM with one user; the id is stable per user.
fn open_dm(inner: &mut Inner, team: &str, params: &Map<String, Value>) -> Answer {
    let users = arg(params, "users").ok_or("users_list_not_supplied")?;
    let mut users = users.split(',').map(str::trim).filter(|u| !u.is_empty());
    let (Some(user), None) = (users.next(), users.next()) else {
        let users = arg(params, "users").unwrap_or_default();
        let users = users.split(',').map(|u| u.trim().to_owned()).collect();
        return super::contract::open_group(inner, team, users);
    };
    let state = team_mut(inner, team);
    if user == state.ws.bot_user_id {
        return Err("cannot_dm_bot");
    }
    if state.ws.user_name(user).is_none() {
        return Err("user_not_found");
    }
    let id = state
        .ims
        .entry(user.to_owned())
        .or_insert_with(|| format!("D{}", user.get(1..).unwrap_or(user)))
        .clone();
    Ok(json!({"channel": {"id": id}}))
}
