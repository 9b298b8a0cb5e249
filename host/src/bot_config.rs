//! A team's custom configuration for its bot.

use std::collections::BTreeMap;

/// Plain key/value strings, sorted by key so bots see them in a stable
/// order. Secrets are stripped before a value ever lands here; given to the
/// bot in `init` and `reconfigure`.
pub type BotConfig = BTreeMap<String, String>;
