//! Block Kit blocks as bots give them: JSON text the host checks against
//! Slack's limits before any call, so a bad payload is the bot's
//! `refused("invalid_blocks: …")` and never a wasted Slack call.

use serde_json::Value;
use thiserror::Error;

/// Most blocks in one message.
pub const MAX_MESSAGE_BLOCKS: usize = 50;
/// Most blocks in a modal or Home tab view.
pub const MAX_VIEW_BLOCKS: usize = 100;
/// Longest blocks JSON the host takes, in characters (Slack's own limit
/// for a message's text).
pub const MAX_BLOCKS_CHARS: usize = 40_000;

/// Where blocks are shown: the count limit differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Message,
    /// A modal or the Home tab.
    View,
}

impl Surface {
    fn max_blocks(self) -> usize {
        match self {
            Surface::Message => MAX_MESSAGE_BLOCKS,
            Surface::View => MAX_VIEW_BLOCKS,
        }
    }
}

/// Why blocks were refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BlocksError {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("not a JSON array of blocks")]
    NotAnArray,
    #[error("block {0} is not an object with a string `type`")]
    BadBlock(usize),
    #[error("{count} blocks, more than the {limit} allowed")]
    TooMany { count: usize, limit: usize },
    #[error("longer than {MAX_BLOCKS_CHARS} characters")]
    TooLong,
}

/// Checked Block Kit blocks: a JSON array of objects with a string
/// `type`, within Slack's limits for their surface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocks {
    json: String,
    types: Vec<String>,
}

impl Blocks {
    /// Checks `json` for `surface`.
    ///
    /// # Errors
    /// [`BlocksError`] saying what is wrong.
    pub fn parse(json: &str, surface: Surface) -> Result<Self, BlocksError> {
        if json.chars().count() > MAX_BLOCKS_CHARS {
            return Err(BlocksError::TooLong);
        }
        let value: Value =
            serde_json::from_str(json).map_err(|e| BlocksError::NotJson(e.to_string()))?;
        let Value::Array(blocks) = value else {
            return Err(BlocksError::NotAnArray);
        };
        let limit = surface.max_blocks();
        if blocks.len() > limit {
            return Err(BlocksError::TooMany {
                count: blocks.len(),
                limit,
            });
        }
        let types = blocks
            .iter()
            .enumerate()
            .map(|(i, block)| match block.get("type") {
                Some(Value::String(t)) if block.is_object() && !t.is_empty() => Ok(t.clone()),
                _ => Err(BlocksError::BadBlock(i)),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            json: json.to_owned(),
            types,
        })
    }

    /// The blocks as JSON text, as the bot gave them.
    pub fn json(&self) -> &str {
        &self.json
    }

    /// Each block's `type`, in order.
    pub fn types(&self) -> &[String] {
        &self.types
    }

    /// A compact form for transcripts: `[blocks: section, divider]`.
    pub fn summary(&self) -> String {
        format!("[blocks: {}]", self.types.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_an_array_of_typed_objects() {
        let blocks = Blocks::parse(
            r#"[{"type":"section","text":{"type":"mrkdwn","text":"hi"}},{"type":"divider"}]"#,
            Surface::Message,
        )
        .expect("valid");
        assert_eq!(blocks.types(), ["section", "divider"]);
        assert_eq!(blocks.summary(), "[blocks: section, divider]");
        assert!(Blocks::parse("[]", Surface::Message).is_ok());
    }

    #[test]
    fn refuses_what_slack_would() {
        let parse = |json: &str| Blocks::parse(json, Surface::Message).map(|_| ());
        assert!(matches!(parse("{"), Err(BlocksError::NotJson(_))));
        assert_eq!(parse(r#"{"type":"section"}"#), Err(BlocksError::NotAnArray));
        assert_eq!(
            parse(r#"[{"type":"divider"}, 3]"#),
            Err(BlocksError::BadBlock(1))
        );
        assert_eq!(parse(r#"[{"type":7}]"#), Err(BlocksError::BadBlock(0)));
        assert_eq!(parse(r#"[{"text":"x"}]"#), Err(BlocksError::BadBlock(0)));
        let long = format!(r#"[{{"type":"section","text":"{}"}}]"#, "x".repeat(40_000));
        assert_eq!(parse(&long), Err(BlocksError::TooLong));
    }

    #[test]
    fn counts_blocks_per_surface() {
        let many = |n: usize| format!("[{}]", vec![r#"{"type":"divider"}"#; n].join(","));
        assert!(Blocks::parse(&many(50), Surface::Message).is_ok());
        assert_eq!(
            Blocks::parse(&many(51), Surface::Message),
            Err(BlocksError::TooMany {
                count: 51,
                limit: 50
            })
        );
        assert!(Blocks::parse(&many(100), Surface::View).is_ok());
        assert!(Blocks::parse(&many(101), Surface::View).is_err());
    }
}
