//! No team is ever silently lost: a team that cannot start stays
//! registered with a status that says why, is retried where retrying can
//! help, and starts by itself once it can; mistakes are reported at once,
//! before any network call.

use std::path::PathBuf;

use bothost::chat::LinkStatus;
use bothost::ids::TeamId;
use bothost::secret::Secret;
use bothost::spec::{TeamSource, TeamSpec};
use bothost::team::{BotStatus, TeamError};
use bothost_tests::fake_slack::{Fault, Workspace};
use bothost_tests::guests;
use bothost_tests::slack_env::{SlackEnv, mention};

fn file_team(ws: &Workspace, bot: &str, token: &str) -> TeamSpec {
    TeamSpec {
        id: TeamId::from(ws.team_id.as_str()),
        bot: PathBuf::from(bot),
        token: Secret::new(token),
        app: None,
        config: Default::default(),
        source: TeamSource::File,
    }
}

fn workspace(env: &SlackEnv, id: &str) -> Workspace {
    let ws = Workspace::new(id, &format!("xoxb-{id}-token"));
    env.slack.add_workspace(ws.clone());
    ws
}

#[tokio::test]
async fn a_team_whose_slack_is_down_at_start_waits_and_starts_by_itself() {
    let env = SlackEnv::start().await;
    let ws = workspace(&env, "T1");
    env.slack.fail_next("auth.test", Fault::Http(503));
    let added = env
        .host
        .add(file_team(&ws, guests::ECHO, &ws.bot_token))
        .await;
    assert!(
        matches!(added, Err(TeamError::Link(ref e)) if e.is_retryable()),
        "{added:?}"
    );
    let view = env.host.team(&"T1".into()).expect("still registered");
    assert!(
        matches!(&view.bot, BotStatus::Pending { attempts: 1, last_error, .. } if last_error.contains("503")),
        "{:?}",
        view.bot
    );
    let handle = env.host.handle(&"T1".into()).expect("handle");
    handle
        .wait_for(|s| *s == BotStatus::Running)
        .await
        .expect("started after its backoff");
    env.wait_link("T1", |s| *s == LinkStatus::Connected).await;
    env.slack.rtm_message(
        "T1",
        &format!("C{}GENERAL", ws.team_id),
        &format!("U{}ALICE", ws.team_id),
        &mention(&ws, "hello"),
    );
    assert_eq!(env.slack.wait_posts(1).await[0].text, "hello");
    env.close().await;
}

#[tokio::test]
async fn bad_bot_files_are_reported_before_any_network_call_and_listed() {
    let env = SlackEnv::start().await;
    let one = workspace(&env, "T1");
    let two = workspace(&env, "T2");
    let missing = env
        .host
        .add(file_team(&one, "/nonexistent/bot.wasm", &one.bot_token))
        .await;
    assert!(matches!(missing, Err(TeamError::Load(_))), "{missing:?}");
    let garbage = std::env::temp_dir().join(format!("bothost-garbage-{}.wasm", std::process::id()));
    std::fs::write(&garbage, b"not a component").expect("write");
    let invalid = env
        .host
        .add(file_team(
            &two,
            garbage.to_str().expect("utf-8"),
            &two.bot_token,
        ))
        .await;
    assert!(matches!(invalid, Err(TeamError::Load(_))), "{invalid:?}");
    assert!(
        env.slack.calls("auth.test").is_empty(),
        "the bot file is checked before Slack is asked anything"
    );
    let teams = env.host.teams();
    assert_eq!(teams.len(), 2, "both listed: {teams:?}");
    assert!(
        matches!(&teams[0].bot, BotStatus::Pending { last_error, .. } if last_error.contains("cannot read")),
        "a missing file may still appear: retried ({:?})",
        teams[0].bot
    );
    assert!(
        matches!(&teams[1].bot, BotStatus::Failed { reason } if reason.contains("not a WebAssembly file")),
        "an invalid file waits for an update ({:?})",
        teams[1].bot
    );
    // Fixing the entry starts the team.
    env.host
        .update(file_team(&two, guests::ECHO, &two.bot_token))
        .await
        .expect("fixed");
    assert_eq!(
        env.host.team(&"T2".into()).expect("served").bot,
        BotStatus::Running
    );
    let _ = std::fs::remove_file(garbage);
    env.close().await;
}

#[tokio::test]
async fn a_refused_token_is_listed_as_failed_until_updated() {
    let env = SlackEnv::start().await;
    let ws = workspace(&env, "T1");
    let refused = env
        .host
        .add(file_team(&ws, guests::ECHO, "xoxb-revoked"))
        .await;
    assert!(matches!(refused, Err(TeamError::Link(_))), "{refused:?}");
    let view = env.host.team(&"T1".into()).expect("registered");
    assert!(
        matches!(&view.bot, BotStatus::Failed { reason } if reason.contains("token check failed")),
        "{:?}",
        view.bot
    );
    env.host
        .update(file_team(&ws, guests::ECHO, &ws.bot_token))
        .await
        .expect("a good token starts it");
    env.wait_link("T1", |s| *s == LinkStatus::Connected).await;
    env.close().await;
}
