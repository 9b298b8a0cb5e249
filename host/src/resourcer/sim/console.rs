//! A line-command driver for the simulator, for `bothost resourcer-sim`:
//! an operator types `add`/`update`/`remove` and watches the host react.

use std::io;

use serde_json::{Map, Value};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

use super::Simulator;
use crate::text::{parse_pairs, quote};

const HELP: &str = "\
commands:
  add <resourceID> KEY=VALUE...     remember a resource and push add_resource
  update <resourceID> KEY=VALUE...  replace its settings and push update_resource
  remove <resourceID>               forget it and push remove_resource
  list                              remembered resources (tokens redacted)
  clients                           live clients and the ids they sent
  drop                              close every client connection abruptly
  raw <text>                        send <text> verbatim to every client
  pong on|off                       answer WS pings or not (stale testing)
  replay on|off                     replay resources after a client authenticates
  help                              this text
  quit                              stop the simulator (closing stdin does not:
                                    it keeps serving until Ctrl-C or SIGTERM)
values may be double-quoted (KEY=\"two words\"); keys are e.g. SlackTeamID,
SlackBotAccessToken, SlackAppToken, SlackBotUserID, or the bot's own config.
";

/// One parsed console line.
#[derive(Debug, PartialEq)]
enum Command {
    Add(String, Map<String, Value>),
    Update(String, Map<String, Value>),
    Remove(String),
    List,
    Clients,
    Drop,
    Raw(String),
    Pong(bool),
    Replay(bool),
    Help,
    Quit,
}

/// How a console session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsoleEnd {
    /// The operator typed `quit`: stop the simulator.
    Quit,
    /// The input ended (stdin closed or not a terminal). Not a request to
    /// stop: a simulator started from a script or a service manager keeps
    /// serving until it is signalled.
    InputClosed,
}

/// Reads commands from `input` until `quit` or end of input, answering
/// each on `out`. A bad line gets an `error: …` answer and the console
/// goes on.
///
/// # Errors
/// Only I/O errors of `input` or `out`.
pub async fn run_console(
    sim: &Simulator,
    mut input: impl AsyncBufRead + Unpin,
    mut out: impl AsyncWrite + Unpin,
) -> io::Result<ConsoleEnd> {
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line).await? == 0 {
            return Ok(ConsoleEnd::InputClosed);
        }
        let text = String::from_utf8_lossy(&line);
        let reply = match parse_line(&text) {
            Ok(None) => continue,
            Ok(Some(Command::Quit)) => {
                out.write_all(b"bye\n").await?;
                out.flush().await?;
                return Ok(ConsoleEnd::Quit);
            }
            Ok(Some(command)) => execute(sim, command),
            Err(e) => format!("error: {e}\n"),
        };
        out.write_all(reply.as_bytes()).await?;
        out.flush().await?;
    }
}

fn execute(sim: &Simulator, command: Command) -> String {
    match command {
        Command::Add(id, map) => format!("added {id} (msgID {})\n", sim.add(&id, map)),
        Command::Update(id, map) => format!("updated {id} (msgID {})\n", sim.update(&id, map)),
        Command::Remove(id) => format!("removed {id} (msgID {})\n", sim.remove(&id)),
        Command::List => {
            let resources = sim.resources();
            if resources.is_empty() {
                return "no resources\n".into();
            }
            let mut text = String::new();
            for (id, map) in resources {
                text.push_str(&id);
                for (key, value) in &map {
                    text.push(' ');
                    text.push_str(key);
                    text.push('=');
                    text.push_str(&shown(key, value));
                }
                text.push('\n');
            }
            text
        }
        Command::Clients => format!(
            "{} live client(s); auth ids so far: {:?}\n",
            sim.clients(),
            sim.auths()
        ),
        Command::Drop => {
            sim.drop_clients();
            "dropped every connection\n".into()
        }
        Command::Raw(text) => {
            sim.send_raw(&text);
            "sent\n".into()
        }
        Command::Pong(on) => {
            sim.set_pong(on);
            format!("pong {}\n", on_off(on))
        }
        Command::Replay(on) => {
            sim.set_replay_on_connect(on);
            format!("replay {}\n", on_off(on))
        }
        Command::Help => HELP.into(),
        Command::Quit => String::new(),
    }
}

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

/// A value for `list`: secrets redacted, text quoted when it would not
/// read back as one token.
fn shown(key: &str, value: &Value) -> String {
    if is_secret(key) {
        return "<redacted>".into();
    }
    match value {
        Value::String(s) => quote(s).into_owned(),
        other => other.to_string(),
    }
}

/// Tokens, webhook URLs and anything named like a credential.
fn is_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["token", "secret", "password", "webhookurl", "key"]
        .iter()
        .any(|word| key.contains(word))
}

/// `Ok(None)` for a blank line or a `#` comment.
fn parse_line(line: &str) -> Result<Option<Command>, String> {
    let trimmed = line.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(None);
    }
    let (word, rest) = trimmed
        .split_once(char::is_whitespace)
        .unwrap_or((trimmed, ""));
    let rest = rest.trim_start();
    if word == "raw" {
        if rest.is_empty() {
            return Err("usage: raw <text>".into());
        }
        return Ok(Some(Command::Raw(rest.to_owned())));
    }
    // Only `add` and `update` take values that may be quoted; every other
    // argument is a plain word.
    let (first, pairs) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let args: Vec<&str> = rest.split_whitespace().collect();
    let command = match (word, args.as_slice()) {
        ("add", [_, ..]) => Command::Add(first.to_owned(), key_values(pairs)?),
        ("add", []) => return Err("usage: add <resourceID> KEY=VALUE...".into()),
        ("update", [_, ..]) => Command::Update(first.to_owned(), key_values(pairs)?),
        ("update", []) => return Err("usage: update <resourceID> KEY=VALUE...".into()),
        ("remove", [id]) => Command::Remove((*id).to_owned()),
        ("remove", _) => return Err("usage: remove <resourceID>".into()),
        ("pong", [flag]) => Command::Pong(parse_flag(flag)?),
        ("pong", _) => return Err("usage: pong on|off".into()),
        ("replay", [flag]) => Command::Replay(parse_flag(flag)?),
        ("replay", _) => return Err("usage: replay on|off".into()),
        ("list", []) => Command::List,
        ("clients", []) => Command::Clients,
        ("drop", []) => Command::Drop,
        ("help", _) => Command::Help,
        ("quit" | "exit", []) => Command::Quit,
        ("list" | "clients" | "drop" | "quit" | "exit", _) => {
            return Err(format!("`{word}` takes no arguments"));
        }
        _ => return Err(format!("unknown command `{word}`; try `help`")),
    };
    Ok(Some(command))
}

fn parse_flag(flag: &str) -> Result<bool, String> {
    match flag {
        "on" => Ok(true),
        "off" => Ok(false),
        other => Err(format!("expected on or off, got `{other}`")),
    }
}

/// Resource settings, with the same quoting as a bot's config in
/// `bothost local`.
fn key_values(pairs: &str) -> Result<Map<String, Value>, String> {
    Ok(parse_pairs(pairs)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|(key, value)| (key, Value::String(value)))
        .collect())
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, SocketAddr};

    use super::*;

    #[test]
    fn lines_parse() {
        assert_eq!(parse_line("  "), Ok(None));
        assert_eq!(parse_line("# note"), Ok(None));
        assert_eq!(
            parse_line(r#"add r1 SlackTeamID=T1 NAME="two words" Q="a\"b""#),
            Ok(Some(Command::Add(
                "r1".into(),
                Map::from_iter([
                    ("SlackTeamID".to_owned(), Value::from("T1")),
                    ("NAME".to_owned(), Value::from("two words")),
                    ("Q".to_owned(), Value::from("a\"b")),
                ])
            )))
        );
        assert_eq!(
            parse_line("update r1"),
            Ok(Some(Command::Update("r1".into(), Map::new())))
        );
        assert_eq!(
            parse_line("remove r1"),
            Ok(Some(Command::Remove("r1".into())))
        );
        assert_eq!(
            parse_line("raw  {not json"),
            Ok(Some(Command::Raw("{not json".into())))
        );
        assert_eq!(parse_line("pong off"), Ok(Some(Command::Pong(false))));
        assert_eq!(parse_line("quit"), Ok(Some(Command::Quit)));
        for bad in [
            "add",
            "add r1 NOEQUALS",
            "add r1 =v",
            "add r1 A=1 A=2",
            "add r1 A=\"open",
            "remove",
            "remove a b",
            "pong maybe",
            "list extra",
            "frobnicate",
            "raw",
        ] {
            assert!(parse_line(bad).is_err(), "{bad} should be an error");
        }
    }

    #[test]
    fn secrets_are_redacted_in_listings() {
        for key in [
            "SlackBotAccessToken",
            "SlackAccessToken",
            "SlackAppToken",
            "SlackIncomingWebhookURL",
            "OPENAI_API_KEY",
        ] {
            assert_eq!(shown(key, &Value::from("x")), "<redacted>", "{key}");
        }
        assert_eq!(shown("SlackTeamID", &Value::from("T1")), "T1");
        assert_eq!(shown("NAME", &Value::from("a b")), "\"a b\"");
    }

    #[tokio::test]
    async fn console_acts_on_the_simulator() {
        let sim = Simulator::start(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), None)
            .await
            .expect("simulator starts");
        let script =
            b"help\nadd r1 SlackTeamID=T1 SlackBotAccessToken=xoxb-secret GREETING=\"hi there\"\n\
bogus line\nadd r2 A=1\nlist\nupdate r2 A=2\nremove r1\nlist\ndrop\nquit\nadd r3 A=1\n";
        let mut out = Vec::new();
        let end = run_console(&sim, &script[..], &mut out)
            .await
            .expect("console runs");
        assert_eq!(end, ConsoleEnd::Quit);
        let out = String::from_utf8(out).expect("utf-8 output");
        assert!(out.contains("commands:"), "{out}");
        assert!(out.contains("error: unknown command `bogus`"), "{out}");
        assert!(
            out.contains("r1 GREETING=\"hi there\" SlackBotAccessToken=<redacted> SlackTeamID=T1"),
            "{out}"
        );
        assert!(!out.contains("xoxb-secret"), "{out}");
        assert!(out.contains("dropped"), "{out}");
        assert!(out.ends_with("bye\n"), "{out}");
        let resources = sim.resources();
        assert_eq!(
            resources.len(),
            1,
            "r1 removed, r3 after quit: {resources:?}"
        );
        assert_eq!(resources[0].0, "r2");
        assert_eq!(resources[0].1["A"], "2");
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn end_of_input_is_not_quit() {
        let sim = Simulator::start(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), None)
            .await
            .expect("simulator starts");
        let mut out = Vec::new();
        let end = run_console(&sim, &b"add r1 A=1\n"[..], &mut out)
            .await
            .expect("console runs");
        assert_eq!(end, ConsoleEnd::InputClosed);
        assert_eq!(sim.resources().len(), 1);
        sim.shutdown().await;
    }
}
