//! Runs [`Step`]s against a [`LocalSession`], for scripts and the terminal.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWrite, AsyncWriteExt, BufReader};

use super::script::{HELP, Step, parse_line};
use super::session::{LocalSession, SessionError};
use crate::local::{ChatLine, ReactionChange};

/// Scripted time between two lines, as if someone typed them.
pub const LINE_PACE: Duration = Duration::from_secs(1);

/// Who speaks where when a line names neither.
#[derive(Debug, Clone)]
pub struct Cursor {
    pub user: String,
    pub place: String,
}

impl Default for Cursor {
    fn default() -> Self {
        Self {
            user: "alice".into(),
            place: "#general".into(),
        }
    }
}

/// What a step asks of the driver besides its transcript lines.
#[derive(Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

/// Runs one step. Errors of the step (unknown user, refused config) become
/// transcript notes, so a script carries on like a person would.
pub async fn run_step(
    session: &mut LocalSession,
    cursor: &mut Cursor,
    step: Step,
) -> (Vec<String>, Flow) {
    let user = cursor.user.clone();
    let place = cursor.place.clone();
    let result: Result<Vec<ChatLine>, SessionError> = match step {
        Step::Say {
            user: who,
            place: at,
            thread,
            text,
            mention,
        } => {
            let who = who.unwrap_or(user);
            let at = at.unwrap_or(place);
            session
                .say_in(&who, &at, thread.as_deref(), &text, mention)
                .await
        }
        Step::As(who) => session.check(&who, &place).map(|()| {
            cursor.user = who;
            Vec::new()
        }),
        Step::In(at) => session.check(&user, &at).map(|()| {
            cursor.place = at;
            Vec::new()
        }),
        Step::React(name) => session.react(&user, &name, ReactionChange::Added).await,
        Step::Unreact(name) => session.react(&user, &name, ReactionChange::Removed).await,
        Step::Join(at) => session.join(&user, &at).await,
        Step::Leave(at) => session.leave(&user, &at).await,
        Step::Create(name) => session.create(&user, &name).await,
        Step::Rename { from, to } => {
            let renamed = session.rename(&user, &from, &to).await;
            // Keep speaking where we were, under its new name.
            if renamed.is_ok() && from.trim_start_matches('#') == place.trim_start_matches('#') {
                cursor.place = format!("#{to}");
            }
            renamed
        }
        Step::NewUser(name) => session.new_user(&name).await,
        Step::Slash { command, text } => session.slash(&user, &place, &command, &text).await,
        Step::Wait(d) => session.wait(d).await,
        Step::Config(config) => session.reconfigure(config).await,
        Step::Status => {
            return (
                vec![format!("[host] ! bot {}", session.status())],
                Flow::Continue,
            );
        }
        Step::Help => return (HELP.lines().map(str::to_owned).collect(), Flow::Continue),
        Step::Quit => return (Vec::new(), Flow::Quit),
    };
    let lines = match result {
        Ok(lines) => lines.iter().map(ToString::to_string).collect(),
        Err(e) => vec![format!("[host] ! {e}")],
    };
    (lines, Flow::Continue)
}

/// Runs a parsed script and writes the transcript. Lines are [`LINE_PACE`]
/// apart; run it on a paused clock for a deterministic transcript.
///
/// # Errors
/// Writing the transcript failed.
pub async fn run_script(
    session: &mut LocalSession,
    steps: Vec<Step>,
    out: &mut (impl AsyncWrite + Unpin),
) -> std::io::Result<()> {
    let mut cursor = Cursor::default();
    for step in steps {
        let (lines, flow) = run_step(session, &mut cursor, step).await;
        write_lines(out, &lines).await?;
        if flow == Flow::Quit {
            break;
        }
        tokio::time::sleep(LINE_PACE).await;
    }
    Ok(())
}

async fn write_lines(out: &mut (impl AsyncWrite + Unpin), lines: &[String]) -> std::io::Result<()> {
    for line in lines {
        out.write_all(line.as_bytes()).await?;
        out.write_all(b"\n").await?;
    }
    out.flush().await
}

/// An interactive chat on stdin/stdout. Messages the bot posts on its own
/// (timers) are printed as they happen.
///
/// # Errors
/// Reading stdin or writing stdout failed.
pub async fn run_terminal(session: &mut LocalSession) -> std::io::Result<()> {
    let mut out = tokio::io::stdout();
    let mut input = BufReader::new(tokio::io::stdin()).lines();
    let mut cursor = Cursor::default();
    write_lines(
        &mut out,
        &["bothost local chat: type /help for commands, /quit to leave".to_owned()],
    )
    .await?;
    prompt(&mut out, &cursor).await?;
    loop {
        let space = session.space().clone();
        tokio::select! {
            line = input.next_line() => {
                let Some(line) = line? else { break };
                let step = match parse_line(&line) {
                    Ok(Some(step)) => step,
                    Ok(None) => {
                        prompt(&mut out, &cursor).await?;
                        continue;
                    }
                    Err(e) => {
                        write_lines(&mut out, &[format!("[host] ! {e}")]).await?;
                        prompt(&mut out, &cursor).await?;
                        continue;
                    }
                };
                let (lines, flow) = run_step(session, &mut cursor, step).await;
                write_lines(&mut out, &lines).await?;
                if flow == Flow::Quit {
                    break;
                }
                prompt(&mut out, &cursor).await?;
            }
            () = space.changed() => {
                // Lines the bot posted on its own (timers) while idle.
                let lines: Vec<String> = space.take_lines().iter().map(ToString::to_string).collect();
                if lines.is_empty() {
                    continue;
                }
                out.write_all(b"\n").await?;
                write_lines(&mut out, &lines).await?;
                prompt(&mut out, &cursor).await?;
            }
        }
    }
    Ok(())
}

async fn prompt(out: &mut (impl AsyncWrite + Unpin), cursor: &Cursor) -> std::io::Result<()> {
    out.write_all(format!("{}@{}> ", cursor.user, cursor.place).as_bytes())
        .await?;
    out.flush().await
}
