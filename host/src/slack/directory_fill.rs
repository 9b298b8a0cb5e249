//! Fills a team's directory by paging `users.list` and
//! `conversations.list` under the team's rate scheduler. A failure leaves
//! the cache partly filled (events keep it growing) and is logged; it never
//! stops the team.

use std::future::Future;

use super::api::{ApiError, Page};
use super::link::TeamLink;
use super::ratelimit::{CallError, Method};
use crate::chat::{ChannelInfo, UserInfo};

/// Items per page (Slack recommends at most 200).
const PAGE: u32 = 200;
/// Pages read at most per list, so a huge workspace cannot hold a team in
/// its connect forever.
const MAX_PAGES: usize = 100;

pub(super) async fn fill(link: &TeamLink) {
    if let Err(e) = fill_users(link).await {
        tracing::warn!(team = %link.team, error = %e, "users.list failed; user lookups will be partial");
    }
    if let Err(e) = fill_channels(link).await {
        tracing::warn!(team = %link.team, error = %e, "conversations.list failed; channel lookups will be partial");
    }
    let (users, channels) = link.directory(|d| (d.users(), d.channels()));
    tracing::debug!(team = %link.team, users, channels, "directory filled");
}

/// Reads every page of a list method under the rate scheduler and hands
/// each page to `apply`.
async fn page_all<T, F, Fut>(
    link: &TeamLink,
    method: Method,
    fetch: F,
    mut apply: impl FnMut(Vec<T>),
) -> Result<(), CallError>
where
    F: Fn(Option<String>) -> Fut,
    Fut: Future<Output = Result<Page<T>, ApiError>>,
{
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = link
            .limiter
            .call_once(method, None, link.tuning.post_wait, || fetch(cursor.take()))
            .await?;
        apply(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(()),
        }
    }
    Ok(())
}

async fn fill_users(link: &TeamLink) -> Result<(), CallError> {
    let fetch = |cursor: Option<String>| async move {
        link.web
            .users_list_page(&link.token, cursor.as_deref(), PAGE)
            .await
    };
    page_all(link, Method::UsersList, fetch, |users| {
        link.directory_mut(|d| {
            for u in users.into_iter().filter(|u| !u.deleted) {
                d.upsert_user(UserInfo {
                    id: u.id,
                    name: u.name,
                    real_name: u.real_name,
                    is_bot: u.is_bot,
                });
            }
        });
    })
    .await
}

async fn fill_channels(link: &TeamLink) -> Result<(), CallError> {
    let fetch = |cursor: Option<String>| async move {
        link.web
            .conversations_list_page(&link.token, cursor.as_deref(), PAGE)
            .await
    };
    page_all(link, Method::ConversationsList, fetch, |channels| {
        link.directory_mut(|d| {
            for c in channels {
                d.upsert_channel(ChannelInfo {
                    id: c.id,
                    name: c.name,
                    is_private: c.is_private,
                    is_member: c.is_member,
                });
            }
        });
    })
    .await
}
