//! The line language of local chats, shared by scripts and the terminal.
//!
//! ```text
//! # a comment
//! hello there            the current user says this in the current place
//! bob: hi @bot           bob says it (`@bot` mentions the bot)
//! bob@dm: hi             bob says it in his DM with the bot
//! alice@#random: hi      alice says it in #random
//! /as bob                later plain lines come from bob
//! /in #random            later plain lines go to #random (`/in dm` for a DM)
//! /react thumbsup        the current user reacts to the last message
//! /join #random          the current user joins #random
//! /wait 90               90 seconds pass (timers fire)
//! /config key=value …    replace the bot's config (reconfigure)
//! /status                print the bot's status
//! ```

use std::time::Duration;

use crate::profile::BotConfig;

/// One parsed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Say {
        user: Option<String>,
        place: Option<String>,
        text: String,
    },
    As(String),
    In(String),
    React(String),
    Join(String),
    Wait(Duration),
    Config(BotConfig),
    Status,
    Help,
    Quit,
}

/// Parses one line; `Ok(None)` for blank lines and comments.
///
/// # Errors
/// A message saying what is wrong with the line.
pub fn parse_line(line: &str) -> Result<Option<Step>, String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    if let Some(command) = line.strip_prefix('/') {
        let (name, rest) = command.split_once(' ').unwrap_or((command, ""));
        let rest = rest.trim();
        let need = |what: &str| {
            if rest.is_empty() {
                Err(format!("/{name} needs {what}"))
            } else {
                Ok(rest.to_owned())
            }
        };
        return Ok(Some(match name {
            "as" => Step::As(need("a user name")?),
            "in" => Step::In(need("a place such as #random or dm")?),
            "react" => Step::React(need("an emoji name")?.trim_matches(':').to_owned()),
            "join" => Step::Join(need("a channel")?),
            "wait" => {
                let secs: u64 = need("a number of seconds")?
                    .parse()
                    .map_err(|_| format!("/wait takes whole seconds, not `{rest}`"))?;
                Step::Wait(Duration::from_secs(secs))
            }
            "config" => Step::Config(parse_config(rest)?),
            "status" => Step::Status,
            "help" => Step::Help,
            "quit" | "exit" => Step::Quit,
            other => return Err(format!("unknown command /{other} (try /help)")),
        }));
    }
    if let Some((who, text)) = line.split_once(": ")
        && !who.is_empty()
        && !who.contains(' ')
    {
        let (user, place) = match who.split_once('@') {
            Some((u, p)) => (u.to_owned(), Some(p.to_owned())),
            None => (who.to_owned(), None),
        };
        return Ok(Some(Step::Say {
            user: Some(user),
            place,
            text: text.to_owned(),
        }));
    }
    Ok(Some(Step::Say {
        user: None,
        place: None,
        text: line.to_owned(),
    }))
}

/// Parses `key=value key2=value2`.
///
/// # Errors
/// An entry without `=`.
pub fn parse_config(text: &str) -> Result<BotConfig, String> {
    text.split_whitespace()
        .map(|pair| {
            pair.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| format!("config entries are key=value, not `{pair}`"))
        })
        .collect()
}

/// Parses a whole script, reporting the first bad line by number.
///
/// # Errors
/// `line N: reason`.
pub fn parse_script(text: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if let Some(step) = parse_line(line).map_err(|e| format!("line {}: {e}", n + 1))? {
            steps.push(step);
        }
    }
    Ok(steps)
}

pub const HELP: &str = "\
Type a message to say it. Commands:
  name: text        say as another user (alice, bob); name@dm: text for a DM
  /as NAME          speak as NAME from now on
  /in PLACE         speak in PLACE (#general, #random, dm)
  /react EMOJI      react to the last message
  /join CHANNEL     join a channel
  /wait SECONDS     let time pass (timers fire)
  /config k=v ...   reconfigure the bot
  /status           show the bot's status
  /quit             leave";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_says_commands_and_errors() {
        assert_eq!(parse_line("  # note").expect("ok"), None);
        assert_eq!(
            parse_line("bob@dm: hi there").expect("ok"),
            Some(Step::Say {
                user: Some("bob".into()),
                place: Some("dm".into()),
                text: "hi there".into()
            })
        );
        assert_eq!(
            parse_line("well: it depends").expect("ok"),
            Some(Step::Say {
                user: Some("well".into()),
                place: None,
                text: "it depends".into()
            }),
            "user names are checked when run, not parsed"
        );
        assert_eq!(
            parse_line("/wait 5").expect("ok"),
            Some(Step::Wait(Duration::from_secs(5)))
        );
        assert_eq!(
            parse_line("/config a=1 b=x").expect("ok"),
            Some(Step::Config(BotConfig::from([
                ("a".into(), "1".into()),
                ("b".into(), "x".into())
            ])))
        );
        assert!(parse_line("/wait soon").is_err());
        assert!(parse_line("/nope").is_err());
        assert_eq!(
            parse_script("hi\n/wait x").expect_err("bad line"),
            "line 2: /wait takes whole seconds, not `x`"
        );
    }
}
