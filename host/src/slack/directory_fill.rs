//! Fills a team's directory by paging `users.list` and
//! `conversations.list` under the team's rate scheduler. A failure leaves
//! the cache partly filled (events keep it growing) and is logged; it never
//! stops the team.

use super::api::ApiError;
use super::link::TeamLink;
use super::ratelimit::Method;
use crate::chat::{ChannelInfo, UserInfo};

/// Items per page (Slack recommends at most 200).
const PAGE: u32 = 200;
/// Pages read at most per list, so a huge workspace cannot hold a team in
/// its connect forever.
const MAX_PAGES: usize = 100;

pub(super) async fn fill(link: &TeamLink) {
    if let Err(e) = fill_users(link).await {
        tracing::warn!(team = %link.team, code = e.code(), "users.list failed; user lookups will be partial");
    }
    if let Err(e) = fill_channels(link).await {
        tracing::warn!(team = %link.team, code = e.code(), "conversations.list failed; channel lookups will be partial");
    }
    let (users, channels) = link.directory(|d| (d.users(), d.channels()));
    tracing::debug!(team = %link.team, users, channels, "directory filled");
}

async fn fill_users(link: &TeamLink) -> Result<(), ApiError> {
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let _permit = link
            .limiter
            .acquire(Method::UsersList, None, link.tuning.post_wait)
            .await;
        let page = link
            .web
            .users_list_page(&link.token, cursor.as_deref(), PAGE)
            .await?;
        link.directory_mut(|d| {
            for u in page.items.iter().filter(|u| !u.deleted) {
                d.upsert_user(UserInfo {
                    id: u.id.clone(),
                    name: u.name.clone(),
                    real_name: u.real_name.clone(),
                    is_bot: u.is_bot,
                });
            }
        });
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(()),
        }
    }
    Ok(())
}

async fn fill_channels(link: &TeamLink) -> Result<(), ApiError> {
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let _permit = link
            .limiter
            .acquire(Method::ConversationsList, None, link.tuning.post_wait)
            .await;
        let page = link
            .web
            .conversations_list_page(&link.token, cursor.as_deref(), PAGE)
            .await?;
        link.directory_mut(|d| {
            for c in &page.items {
                d.upsert_channel(ChannelInfo {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    is_private: c.is_private,
                    is_member: c.is_member,
                });
            }
        });
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(()),
        }
    }
    Ok(())
}
