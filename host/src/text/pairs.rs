//! `key=value` pairs typed by a person: a bot's config in `bothost local`
//! (`--set`, `/config`) and resource settings in the resourcer console.
//! One syntax everywhere, so a value that works on one line works on the
//! others: a value is either bare (up to the next space) or a double-quoted
//! string, in which `\"` is a quote and `\\` a backslash. Single quotes are
//! ordinary characters, so `prefix=don't` needs no quoting.

use std::borrow::Cow;

use thiserror::Error;

/// Why a pair could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PairError {
    #[error("`{0}` is not key=value")]
    NotPair(String),
    #[error("`{0}` has an empty key")]
    EmptyKey(String),
    #[error("unterminated quote in `{0}`: end the value with `\"`")]
    Unterminated(String),
    #[error("text after the closing quote in `{0}`: quote the whole value")]
    AfterQuote(String),
    #[error("`{0}` given twice")]
    Twice(String),
}

/// Reads a line of `key=value` pairs separated by spaces, in order.
///
/// # Errors
/// [`PairError`] for a word without `=`, an empty key, a bad quote or a
/// key given twice.
pub fn parse_pairs(line: &str) -> Result<Vec<(String, String)>, PairError> {
    let mut pairs = Vec::new();
    let mut rest = line.trim_start();
    while !rest.is_empty() {
        let (pair, after) = read_pair(rest, false)?;
        push_once(&mut pairs, pair)?;
        rest = after.trim_start();
    }
    Ok(pairs)
}

/// Reads one whole argument as a single pair, for a command line where
/// the shell has already split the words: everything after the first `=`
/// is the value (spaces included), unless it starts with `"`, in which
/// case it is a quoted string that must end the argument. So both
/// `--set "prefix=You said: "` and `--set 'prefix="You said: "'` work.
///
/// # Errors
/// [`PairError`] for an argument without `=`, an empty or spaced key, or a
/// bad quote.
pub fn parse_pair(arg: &str) -> Result<(String, String), PairError> {
    let (pair, after) = read_pair(arg, true)?;
    debug_assert!(after.is_empty(), "a whole argument is one pair");
    Ok(pair)
}

/// Reads several whole arguments (see [`parse_pair`]), refusing a key
/// given twice.
///
/// # Errors
/// The first bad argument's [`PairError`].
pub fn parse_pair_args<S: AsRef<str>>(args: &[S]) -> Result<Vec<(String, String)>, PairError> {
    let mut pairs = Vec::new();
    for arg in args {
        push_once(&mut pairs, parse_pair(arg.as_ref())?)?;
    }
    Ok(pairs)
}

/// A value as it would be typed: bare when it reads back as itself,
/// double-quoted (with `\"` and `\\`) otherwise.
pub fn quote(value: &str) -> Cow<'_, str> {
    let bare = !value.is_empty() && !value.contains(|c: char| c.is_whitespace() || c == '"');
    if bare {
        return Cow::Borrowed(value);
    }
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for c in value.chars() {
        if matches!(c, '"' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    Cow::Owned(quoted)
}

/// Pairs written back as a line [`parse_pairs`] reads the same.
pub fn pairs_line<'a>(pairs: impl IntoIterator<Item = (&'a String, &'a String)>) -> String {
    pairs
        .into_iter()
        .map(|(key, value)| format!("{key}={}", quote(value)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn push_once(pairs: &mut Vec<(String, String)>, pair: (String, String)) -> Result<(), PairError> {
    if pairs.iter().any(|(key, _)| *key == pair.0) {
        return Err(PairError::Twice(pair.0));
    }
    pairs.push(pair);
    Ok(())
}

/// Reads the pair at the start of `input`; returns it and what follows.
/// `whole` makes `input` one pair: a bare value then runs to its end
/// instead of to the next space.
fn read_pair(input: &str, whole: bool) -> Result<((String, String), &str), PairError> {
    let word_end = if whole {
        input.len()
    } else {
        input.find(char::is_whitespace).unwrap_or(input.len())
    };
    let word = &input[..word_end];
    let (key, bare) = word
        .split_once('=')
        .ok_or_else(|| PairError::NotPair(word.to_owned()))?;
    if key.is_empty() {
        return Err(PairError::EmptyKey(word.to_owned()));
    }
    if key.contains(char::is_whitespace) {
        return Err(PairError::NotPair(word.to_owned()));
    }
    let value_start = key.len() + 1;
    let Some(quoted) = input[value_start..].strip_prefix('"') else {
        return Ok(((key.to_owned(), bare.to_owned()), &input[word_end..]));
    };
    // A quoted value may hold spaces: it is read from the input, past the
    // word.
    let (value, used) =
        read_quoted(quoted).ok_or_else(|| PairError::Unterminated(input.trim_end().to_owned()))?;
    let after = &quoted[used..];
    if after.is_empty() || !whole && after.starts_with(char::is_whitespace) {
        return Ok(((key.to_owned(), value), after));
    }
    let junk = if whole {
        after.len()
    } else {
        after.find(char::is_whitespace).unwrap_or(after.len())
    };
    let end = value_start + 1 + used + junk;
    Err(PairError::AfterQuote(input[..end].to_owned()))
}

/// Reads a quoted string after its opening quote: the unescaped text and
/// the bytes used up to and including the closing quote, or `None` when
/// the quote is never closed.
fn read_quoted(text: &str) -> Option<(String, usize)> {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return Some((value, at + 1)),
            '\\' => match chars.next() {
                Some((_, escaped @ ('"' | '\\'))) => value.push(escaped),
                Some((_, other)) => {
                    value.push('\\');
                    value.push(other);
                }
                None => return None,
            },
            other => value.push(other),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn lines_take_bare_and_quoted_values() {
        assert_eq!(parse_pairs("  "), Ok(Vec::new()));
        assert_eq!(
            parse_pairs(r#"prefix="You said: " b=x  empty= q="a \"b\" \\ c" o=don't"#),
            Ok(pairs(&[
                ("prefix", "You said: "),
                ("b", "x"),
                ("empty", ""),
                ("q", r#"a "b" \ c"#),
                ("o", "don't"),
            ]))
        );
        assert_eq!(
            parse_pairs(r#"prefix="You said: "#),
            Err(PairError::Unterminated(r#"prefix="You said:"#.into()))
        );
        assert_eq!(
            parse_pairs(r#"a="x"y b=1"#),
            Err(PairError::AfterQuote(r#"a="x"y"#.into()))
        );
        assert_eq!(
            parse_pairs("a=1 word"),
            Err(PairError::NotPair("word".into()))
        );
        assert_eq!(parse_pairs("=1"), Err(PairError::EmptyKey("=1".into())));
        assert_eq!(parse_pairs("a=1 a=2"), Err(PairError::Twice("a".into())));
        assert_eq!(
            PairError::Unterminated("p=\"x".into()).to_string(),
            "unterminated quote in `p=\"x`: end the value with `\"`"
        );
    }

    #[test]
    fn an_argument_is_one_pair() {
        assert_eq!(
            parse_pair("prefix=You said: "),
            Ok(("prefix".into(), "You said: ".into()))
        );
        assert_eq!(
            parse_pair(r#"prefix="You said: ""#),
            Ok(("prefix".into(), "You said: ".into()))
        );
        assert_eq!(
            parse_pair(r#"greeting=say "hi""#),
            Ok(("greeting".into(), r#"say "hi""#.into())),
            "only a value that starts with a quote is a quoted string"
        );
        assert_eq!(
            parse_pair(r#"p="open"#),
            Err(PairError::Unterminated(r#"p="open"#.into()))
        );
        assert_eq!(
            parse_pair(r#"p="a" b"#),
            Err(PairError::AfterQuote(r#"p="a" b"#.into()))
        );
        assert_eq!(
            parse_pair("my key=v"),
            Err(PairError::NotPair("my key=v".into()))
        );
        assert_eq!(
            parse_pair("novalue"),
            Err(PairError::NotPair("novalue".into()))
        );
        assert_eq!(
            parse_pair_args(&["a=1", "a=2"]),
            Err(PairError::Twice("a".into()))
        );
    }

    #[test]
    fn quoted_values_read_back_the_same() {
        for value in ["plain", "", "You said: ", r#"a "b" \ c"#, "don't", "x\\y"] {
            let line = pairs_line([(&"k".to_owned(), &value.to_owned())]);
            assert_eq!(parse_pairs(&line), Ok(pairs(&[("k", value)])), "{line}");
        }
        assert_eq!(quote("You said: "), r#""You said: ""#);
        assert_eq!(quote("plain"), "plain");
    }
}
