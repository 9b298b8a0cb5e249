//! Cursor pagination, as used by `conversations.list` and `users.list`.
//!
//! Slack signals the last page with a missing *or empty* `next_cursor`;
//! normalising both to `None` here means callers loop on
//! `while let Some(cursor)` and can never re-request page one forever.

use serde::Deserialize;

/// One page of a cursor-paginated list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The records on this page, in Slack's order.
    pub items: Vec<T>,
    /// Pass back as `cursor` to get the next page; `None` on the last page
    /// (Slack sent no cursor or `""`).
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Whether this is the final page.
    pub fn is_last(&self) -> bool {
        self.next_cursor.is_none()
    }
}

/// `response_metadata` in a list response; only the cursor matters here.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ResponseMetadata {
    #[serde(default)]
    next_cursor: Option<String>,
}

/// Builds a page from `items` and the response's metadata, mapping a
/// missing or empty cursor to `None`.
pub(super) fn page<T>(items: Vec<T>, metadata: Option<ResponseMetadata>) -> Page<T> {
    let next_cursor = metadata
        .and_then(|m| m.next_cursor)
        .filter(|cursor| !cursor.is_empty());
    Page { items, next_cursor }
}
