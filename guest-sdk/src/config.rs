//! The team's custom configuration, as handed to `init` and `reconfigure`.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::str::FromStr;

use crate::{BotError, ConfigEntry};

/// The team's configuration entries (never secrets), keyed by name.
///
/// Built from the `list<config-entry>` the host passes. If the host ever
/// sends a key twice, the last value wins. Iteration is in key order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    entries: BTreeMap<String, String>,
}

impl Config {
    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries.get(key).map(String::as_str)
    }

    /// The value of `key`, or `default` when it is not set.
    pub fn get_or<'a>(&'a self, key: &str, default: &'a str) -> &'a str {
        self.get(key).unwrap_or(default)
    }

    /// Whether `key` is set (possibly to an empty string).
    pub fn contains_key(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    /// The value of `key` parsed as `T`, or `default` when it is not set.
    ///
    /// A value that does not parse is a [`BotError::InvalidConfig`] naming
    /// the key, which is what `init` should return for it.
    pub fn parse_or<T>(&self, key: &str, default: T) -> Result<T, BotError>
    where
        T: FromStr,
        T::Err: Display,
    {
        match self.get(key) {
            None => Ok(default),
            Some(raw) => raw
                .trim()
                .parse()
                .map_err(|e| BotError::config(format_args!("`{key}` = {raw:?} is not valid: {e}"))),
        }
    }

    /// The value of `key`, or a [`BotError::InvalidConfig`] saying it is
    /// missing.
    pub fn require(&self, key: &str) -> Result<&str, BotError> {
        self.get(key)
            .ok_or_else(|| BotError::config(format_args!("missing key `{key}`")))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `(key, value)` pairs in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl From<Vec<ConfigEntry>> for Config {
    fn from(entries: Vec<ConfigEntry>) -> Self {
        entries.into_iter().map(|e| (e.key, e.value)).collect()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Config {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Config {
            entries: iter
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }
}

impl<'a> IntoIterator for &'a Config {
    type Item = (&'a str, &'a str);
    type IntoIter = Box<dyn Iterator<Item = (&'a str, &'a str)> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &str, value: &str) -> ConfigEntry {
        ConfigEntry {
            key: key.into(),
            value: value.into(),
        }
    }

    #[test]
    fn builds_from_entries_last_wins() {
        let c = Config::from(vec![entry("b", "1"), entry("a", "x"), entry("b", "2")]);
        assert_eq!(c.len(), 2);
        assert_eq!(c.get("b"), Some("2"));
        assert_eq!(c.get("zz"), None);
        assert_eq!(c.get_or("zz", "d"), "d");
        assert!(c.contains_key("a"));
        let pairs: Vec<_> = (&c).into_iter().collect();
        assert_eq!(pairs, [("a", "x"), ("b", "2")]);
        assert!(Config::default().is_empty());
    }

    #[test]
    fn parse_or_and_require() {
        let c: Config = [("n", " 42 "), ("bad", "x")].into_iter().collect();
        assert_eq!(c.parse_or("n", 0u32), Ok(42));
        assert_eq!(c.parse_or("missing", 7u32), Ok(7));
        assert!(matches!(
            c.parse_or("bad", 0u32),
            Err(BotError::InvalidConfig(m)) if m.contains("`bad`")
        ));
        assert_eq!(c.require("n"), Ok(" 42 "));
        assert_eq!(
            c.require("k"),
            Err(BotError::InvalidConfig("missing key `k`".into()))
        );
    }
}
