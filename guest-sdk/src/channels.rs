//! Managing the team's channels and reading their history (contract
//! 0.2.2): create, rename, archive, topic, members, join, leave, group
//! DMs, and history pages with a stop point.

use crate::bindings::bothost::bot::channels as wit;
use crate::{Channel, ChatError};

pub use wit::{HistoryMessage, HistoryPage, HistoryQuery, MemberPage};

/// Create a channel (lower case, digits, `-` and `_`; at most 80).
pub fn create(name: &str, is_private: bool) -> Result<Channel, ChatError> {
    wit::create(name, is_private)
}

pub fn rename(channel: &str, name: &str) -> Result<Channel, ChatError> {
    wit::rename(channel, name)
}

pub fn archive(channel: &str) -> Result<(), ChatError> {
    wit::archive(channel)
}

pub fn unarchive(channel: &str) -> Result<(), ChatError> {
    wit::unarchive(channel)
}

pub fn set_topic(channel: &str, topic: &str) -> Result<(), ChatError> {
    wit::set_topic(channel, topic)
}

pub fn set_purpose(channel: &str, purpose: &str) -> Result<(), ChatError> {
    wit::set_purpose(channel, purpose)
}

/// Add users (ids) to a channel.
pub fn invite(channel: &str, users: &[&str]) -> Result<(), ChatError> {
    let users: Vec<String> = users.iter().map(|u| (*u).to_owned()).collect();
    wit::invite(channel, &users)
}

/// Remove a user from a channel.
pub fn kick(channel: &str, user: &str) -> Result<(), ChatError> {
    wit::kick(channel, user)
}

/// One page of members; pass the previous page's `next_cursor`.
pub fn members_page(
    channel: &str,
    cursor: Option<&str>,
    limit: u32,
) -> Result<MemberPage, ChatError> {
    wit::members(channel, cursor, limit)
}

/// Every member of a channel, page after page.
pub fn members(channel: &str) -> Result<Vec<String>, ChatError> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let page = wit::members(channel, cursor.as_deref(), 200)?;
        all.extend(page.members);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(all),
        }
    }
}

pub fn join(channel: &str) -> Result<Channel, ChatError> {
    wit::join(channel)
}

pub fn leave(channel: &str) -> Result<(), ChatError> {
    wit::leave(channel)
}

/// Open (or find) the DM (one user) or group DM (2 to 8) with `users`.
pub fn open(users: &[&str]) -> Result<String, ChatError> {
    let users: Vec<String> = users.iter().map(|u| (*u).to_owned()).collect();
    wit::open_conversation(&users)
}

/// One page of history, as the query says.
pub fn history_page(query: &HistoryQuery) -> Result<HistoryPage, ChatError> {
    wit::history(query)
}

/// Up to `limit` of a channel's newest top-level messages, newest first,
/// stopping at `stop_at` (a ts: only messages after it), reading as many
/// pages as it takes (shellbot's `list_messages`).
pub fn recent(
    channel: &str,
    limit: usize,
    stop_at: Option<&str>,
) -> Result<Vec<HistoryMessage>, ChatError> {
    collect(channel, None, limit, stop_at)
}

/// Up to `limit` messages of a thread, its root first.
pub fn thread(
    channel: &str,
    thread_ts: &str,
    limit: usize,
) -> Result<Vec<HistoryMessage>, ChatError> {
    collect(channel, Some(thread_ts), limit, None)
}

fn collect(
    channel: &str,
    thread_ts: Option<&str>,
    limit: usize,
    stop_at: Option<&str>,
) -> Result<Vec<HistoryMessage>, ChatError> {
    let mut all = Vec::new();
    let mut cursor = None;
    while all.len() < limit {
        let want = u32::try_from(limit - all.len())
            .unwrap_or(u32::MAX)
            .min(1000);
        let page = wit::history(&HistoryQuery {
            channel: channel.to_owned(),
            thread_ts: thread_ts.map(str::to_owned),
            limit: want,
            oldest: stop_at.map(str::to_owned),
            latest: None,
            cursor,
        })?;
        all.extend(page.messages);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    all.truncate(limit);
    Ok(all)
}
