//! Values of the channel, history and scheduling calls (contract 0.2.2).

use super::blocks::Blocks;
use crate::ids::{ChannelId, Ts, UserId};

/// Most items a bot may ask for in one page (members, history).
pub const MAX_PAGE: u32 = 1000;

/// A rich post: blocks, a thread, a broadcast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RichMessage {
    pub channel: ChannelId,
    /// The message, or the fallback text of its blocks.
    pub text: String,
    pub blocks: Option<Blocks>,
    pub thread_ts: Option<Ts>,
    /// With `thread_ts`: shown in the channel too.
    pub reply_broadcast: bool,
}

/// A message only `user` sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EphemeralMessage {
    pub channel: ChannelId,
    pub user: UserId,
    pub text: String,
    pub blocks: Option<Blocks>,
}

/// One page of a channel's members.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemberPage {
    pub members: Vec<UserId>,
    pub next_cursor: Option<String>,
}

/// What to read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryQuery {
    pub channel: ChannelId,
    /// A thread's replies instead of the channel's messages.
    pub thread_ts: Option<Ts>,
    /// 1 to [`MAX_PAGE`].
    pub limit: u32,
    /// Only messages after this ts (exclusive).
    pub oldest: Option<Ts>,
    /// Only messages before this ts (exclusive).
    pub latest: Option<Ts>,
    pub cursor: Option<String>,
}

/// A message read back from history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryMessage {
    pub user: Option<UserId>,
    pub text: String,
    pub ts: Ts,
    pub thread_ts: Option<Ts>,
    pub reply_count: u32,
}

/// One page of history.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HistoryPage {
    pub messages: Vec<HistoryMessage>,
    pub next_cursor: Option<String>,
}

/// A message waiting to be posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledMessage {
    pub id: String,
    pub channel: ChannelId,
    /// Unix time, seconds.
    pub post_at: u64,
    pub text: String,
}

/// Keeps a page size within 1..=[`MAX_PAGE`].
pub fn page_limit(limit: u32) -> u32 {
    limit.clamp(1, MAX_PAGE)
}

/// The page of `items` starting at `cursor` (an offset written as
/// decimal text, as the local space hands them out), at most `limit`
/// long, and the cursor of the next one.
///
/// # Errors
/// A cursor that is not one this function made (`invalid_cursor`).
pub fn offset_page<T: Clone>(
    items: &[T],
    cursor: Option<&str>,
    limit: u32,
) -> Result<(Vec<T>, Option<String>), super::ChatError> {
    let start = match cursor {
        None | Some("") => 0,
        Some(c) => c
            .parse::<usize>()
            .ok()
            .filter(|&n| n <= items.len())
            .ok_or_else(|| super::ChatError::Refused("invalid_cursor".into()))?,
    };
    let take = usize::try_from(page_limit(limit)).unwrap_or(usize::MAX);
    let end = start.saturating_add(take).min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    Ok((items[start..end].to_vec(), next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_walk_the_whole_list_once() {
        let items: Vec<u32> = (0..7).collect();
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let (page, next) = offset_page(&items, cursor.as_deref(), 3).expect("page");
            assert!(page.len() <= 3);
            seen.extend(page);
            match next {
                Some(n) => cursor = Some(n),
                None => break,
            }
        }
        assert_eq!(seen, items);
    }

    #[test]
    fn limits_are_clamped_and_bad_cursors_refused() {
        let items = [1, 2];
        assert_eq!(offset_page(&items, None, 0).expect("page").0, [1]);
        assert_eq!(page_limit(5000), MAX_PAGE);
        assert!(offset_page(&items, Some("x"), 1).is_err());
        assert!(offset_page(&items, Some("9"), 1).is_err());
        assert_eq!(
            offset_page(&items, Some("2"), 1).expect("end"),
            (vec![], None)
        );
    }
}
