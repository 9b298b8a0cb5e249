//! The line language of local chats, shared by scripts and the terminal.
//! [`HELP`] (what `/help` prints) lists every line; the README's local-mode
//! table says the same.
//!
//! A line is a comment, a command (`/name …`), or something said. What is
//! said may start with `NAME:` (or `NAME@PLACE:`, `NAME>TS:`,
//! `NAME@PLACE>TS:`) to say it as someone else, somewhere else, in a
//! thread. The name is not guessed: `note: remember` is NAME `note`, and an
//! unknown name is reported when the line runs. Text that starts like that
//! is said with a leading `\` (`\note: remember`) or a name (`alice: note:
//! remember`).

use std::time::Duration;

use crate::bot_config::BotConfig;
use crate::text::{PairError, parse_pair_args, parse_pairs};

/// One parsed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Something said; `None` fields are the cursor's (current user and
    /// place).
    Say {
        user: Option<String>,
        place: Option<String>,
        /// The thread to reply in: a message number, a ts or `last`.
        thread: Option<String>,
        text: String,
        /// Also an `app_mention`, as Slack's Events API sends one.
        mention: bool,
    },
    As(String),
    In(String),
    React(String),
    Unreact(String),
    Join(String),
    Leave(String),
    /// Create a channel (the name without `#`).
    Create(String),
    /// Rename the channel `from` (a place) to `to` (a name without `#`).
    Rename {
        from: String,
        to: String,
    },
    /// A user joins the team.
    NewUser(String),
    /// A slash command: `command` with its `/`, and its argument text.
    Slash {
        command: String,
        text: String,
    },
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
    let Some(command) = line.strip_prefix('/') else {
        return parse_say(line, false).map(Some);
    };
    let (name, rest) = command.split_once(' ').unwrap_or((command, ""));
    let rest = rest.trim();
    let need = |what: &str| {
        if rest.is_empty() {
            Err(format!("/{name} needs {what}"))
        } else {
            Ok(rest.to_owned())
        }
    };
    Ok(Some(match name {
        "as" => Step::As(need("a user name")?),
        "in" => Step::In(need("a place such as #random or dm")?),
        "react" => Step::React(emoji(name, &need("an emoji name")?)?),
        "unreact" => Step::Unreact(emoji(name, &need("an emoji name")?)?),
        "join" => Step::Join(need("a channel")?),
        "leave" => Step::Leave(need("a channel")?),
        "create" => Step::Create(channel_name(&need("a channel name")?)?),
        "rename" => match rest.split_whitespace().collect::<Vec<_>>()[..] {
            [from, to] => Step::Rename {
                from: from.to_owned(),
                to: channel_name(to)?,
            },
            _ => return Err("/rename needs a channel and its new name: /rename #old #new".into()),
        },
        "newuser" => Step::NewUser(user_name(&need("a user name")?)?),
        "thread" => {
            let usage =
                "/thread needs a message and text: /thread 3 hi (3: the third message; or last)";
            let (reference, text) = rest.split_once(' ').ok_or(usage)?;
            let text = text.trim_start();
            if text.is_empty() {
                return Err(usage.into());
            }
            Step::Say {
                user: None,
                place: None,
                thread: Some(thread_ref(reference)?),
                text: text.to_owned(),
                mention: false,
            }
        }
        "mention" => parse_say(rest, true)?,
        "slash" => {
            let (command, text) = rest.split_once(' ').unwrap_or((rest, ""));
            let command = command.trim_start_matches('/');
            if command.is_empty() {
                return Err("/slash needs a command: /slash /weather Paris".into());
            }
            Step::Slash {
                command: format!("/{command}"),
                text: text.trim().to_owned(),
            }
        }
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
    }))
}

/// Something said: plain text, `\text` (said as it is), or text after a
/// `NAME[@PLACE][>TS]:` prefix.
fn parse_say(line: &str, mention: bool) -> Result<Step, String> {
    let say = |user: Option<&str>, place: Option<&str>, thread, text: &str| Step::Say {
        user: user.map(str::to_owned),
        place: place.map(str::to_owned),
        thread,
        text: text.to_owned(),
        mention,
    };
    if let Some(text) = line.strip_prefix('\\') {
        if text.is_empty() {
            return Err("nothing to say after `\\`".into());
        }
        return Ok(say(None, None, None, text));
    }
    let Some((who, text)) = line
        .split_once(": ")
        .filter(|(who, _)| !who.is_empty() && !who.contains(' '))
    else {
        return Ok(say(None, None, None, line));
    };
    let (speaker, thread) = match who.split_once('>') {
        Some((speaker, reference)) => (speaker, Some(thread_ref(reference)?)),
        None => (who, None),
    };
    let (user, place) = match speaker.split_once('@') {
        Some((user, place)) => (user, Some(place)),
        None => (speaker, None),
    };
    if user.is_empty() || place == Some("") {
        return Err(format!(
            "`{who}:` needs NAME or NAME@PLACE before the colon; start the line with `\\` to say it as it is"
        ));
    }
    Ok(say(Some(user), place, thread, text))
}

/// A message to reply to: its number as the transcript shows it (`3`),
/// its full ts, or `last`.
fn thread_ref(reference: &str) -> Result<String, String> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let ok = reference == "last"
        || digits(reference)
        || reference
            .split_once('.')
            .is_some_and(|(secs, micros)| digits(secs) && digits(micros));
    if ok {
        Ok(reference.to_owned())
    } else {
        Err(format!(
            "a thread is a message number as the transcript shows it, a ts, or last; not `{reference}`"
        ))
    }
}

fn emoji(command: &str, name: &str) -> Result<String, String> {
    let name = name.trim_matches(':');
    if name.is_empty() || name.contains(char::is_whitespace) {
        return Err(format!("/{command} takes one emoji name, such as tada"));
    }
    Ok(name.to_owned())
}

/// A channel name as Slack allows it: lowercase letters, digits, `-` and
/// `_`, at most 80. Checked here so a script's typo fails before it runs.
fn channel_name(name: &str) -> Result<String, String> {
    let name = name.trim_start_matches('#');
    let ok = !name.is_empty()
        && name.len() <= 80
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(name.to_owned())
    } else {
        Err(format!(
            "a channel name is lowercase letters, digits, - and _ (at most 80), not `{name}`"
        ))
    }
}

/// A user name as Slack allows it: lowercase letters, digits, `.`, `-`
/// and `_`. Nothing else, so it can never clash with `@`, `>` or `:` in a
/// `NAME@PLACE>TS:` prefix.
fn user_name(name: &str) -> Result<String, String> {
    let ok = !name.is_empty()
        && name.len() <= 80
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_')
        });
    if ok {
        Ok(name.to_owned())
    } else {
        Err(format!(
            "a user name is lowercase letters, digits, ., - and _, not `{name}`"
        ))
    }
}

/// Parses `/config`'s `key=value key2="a value"` (see [`crate::text::parse_pairs`]).
///
/// # Errors
/// A bad entry, quote or repeated key.
pub fn parse_config(text: &str) -> Result<BotConfig, String> {
    Ok(parse_pairs(text)
        .map_err(config_error)?
        .into_iter()
        .collect())
}

/// Parses the config arguments of `bothost local --set`, one entry each:
/// the same values as `/config`, but the shell has split the words, so an
/// unquoted value runs to the end of its argument.
///
/// # Errors
/// A bad entry, quote or repeated key.
pub fn parse_config_args<S: AsRef<str>>(args: &[S]) -> Result<BotConfig, String> {
    Ok(parse_pair_args(args)
        .map_err(config_error)?
        .into_iter()
        .collect())
}

fn config_error(e: PairError) -> String {
    format!("config: {e}")
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
Type a message to say it as the current user in the current place. Lines:
  text                 say it; @bot in it is a mention (a message event only)
  NAME: text           say it as NAME (alice, bob, or a /newuser)
  NAME@PLACE: text     say it as NAME in PLACE (#random, dm)
  NAME>TS: text        say it in the thread of message TS (also NAME@PLACE>TS:)
  \\text                say text as it is, e.g. \\note: remember or \\/etc
  /thread TS text      reply in the thread of message TS: last (the newest
                       message here) or its number (every message counts, 1, 2,
                       3… in order, the bot's too; `thread 3` in the transcript)
  /mention text        mention the bot as Slack's Events API does: a message and
                       an app_mention (any line above works after /mention; a DM
                       gets no app_mention)
  /slash /CMD text     run the slash command /CMD (a slash_command event)
  /react EMOJI         react to the last message a user said (not the bot's)
  /unreact EMOJI       take that reaction off it
  /join #CHANNEL       join a channel
  /leave #CHANNEL      leave a channel
  /create #CHANNEL     create a channel
  /rename #OLD #NEW    rename a channel
  /newuser NAME        NAME joins the team (team_join)
  /as NAME             speak as NAME from now on
  /in PLACE            speak in PLACE from now on (#general, #random, dm)
  /wait SECONDS        let time pass (timers fire)
  /config k=v ...      reconfigure the bot; k=\"a value\" for spaces and quotes
  /status              show the bot's status
  /help                this text
  /quit                leave
  # text               a comment";

#[cfg(test)]
mod tests;

/// Property tests: any script parses or names its bad line, never panics;
/// says and configs read back what was written.
#[cfg(test)]
mod fuzz_tests {
    use proptest::prelude::*;

    use super::*;
    use crate::fuzz::{any_text, config, damaged_text};

    const SAMPLE: &str = "# a comment\nhello there\nbob: hi @bot\nbob@dm: psst\n/as bob\n/in #random\n/react :tada:\n/join #random\n/wait 90\n/config a=1 b=x\n/status\n/quit\n";

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn any_script_parses_or_names_its_bad_line(text in prop_oneof![
            damaged_text(SAMPLE.to_owned()),
            prop::collection::vec(any_text(), 0..8).prop_map(|lines| lines.join("\n")),
            any_text(),
        ]) {
            if let Err(e) = parse_script(&text) {
                prop_assert!(e.starts_with("line "), "{}", e);
            }
        }

        #[test]
        fn a_say_line_reads_back(
            user in "[a-z]{1,8}",
            place in proptest::option::of(prop_oneof![Just("dm".to_owned()), "#[a-z]{1,8}"]),
            text in "[a-zA-Z0-9@<>!?.,'\" -]{0,20}[a-zA-Z0-9]",
        ) {
            let line = match &place {
                Some(place) => format!("{user}@{place}: {text}"),
                None => format!("{user}: {text}"),
            };
            prop_assert_eq!(
                parse_line(&line).expect("parses"),
                Some(Step::Say { user: Some(user), place, thread: None, text, mention: false })
            );
        }

        #[test]
        fn a_config_line_reads_back(
            pairs in prop::collection::btree_map("[a-z_]{1,8}", "[a-zA-Z0-9_.:/-]{0,10}", 0..6),
        ) {
            let text = pairs
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ");
            prop_assert_eq!(parse_config(&text).expect("parses"), pairs);
        }
    }
}
