//! Resource sources drive add / update / remove end to end against the
//! fake Slack: the teams file (reloaded and watched).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bothost::ids::TeamId;
use bothost::sources::{FileTeams, watch};
use bothost::team::BotStatus;
use bothost_tests::fake_slack::Workspace;
use bothost_tests::guests;
use bothost_tests::slack_env::{SlackEnv, mention};
use tokio_util::sync::CancellationToken;

fn env_tokens(var: &str) -> Option<String> {
    var.strip_suffix("_TOKEN")
        .map(|team| format!("xoxb-{team}"))
}

fn teams_file(dir: &std::path::Path, base: &str, teams: &[(&str, &str, &str)]) -> PathBuf {
    let mut text = format!("[slack]\napi_base = \"{base}\"\n");
    for (id, bot, config) in teams {
        text.push_str(&format!(
            "\n[[teams]]\nid = \"{id}\"\nbot = \"{bot}\"\ntoken_env = \"{id}_TOKEN\"\nconfig = {{ {config} }}\n"
        ));
    }
    let path = dir.join("bothost.toml");
    // Write-then-rename, as editors do, so a watcher never sees half a file.
    let tmp = dir.join(".bothost.toml.tmp");
    std::fs::write(&tmp, text).expect("write");
    std::fs::rename(&tmp, &path).expect("rename");
    path
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bothost-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

fn add_workspaces(env: &SlackEnv, ids: &[&str]) -> Vec<Workspace> {
    ids.iter()
        .map(|id| {
            let ws = Workspace::new(id, &format!("xoxb-{id}"));
            env.slack.add_workspace(ws.clone());
            ws
        })
        .collect()
}

#[tokio::test]
async fn teams_file_reload_adds_updates_and_removes_and_a_bad_file_changes_nothing() {
    let env = SlackEnv::start().await;
    let ws = add_workspaces(&env, &["T1", "T2"]);
    let dir = temp_dir("teams-reload");
    let base = env.slack.base_url();
    let mut file = FileTeams::default();

    let path = teams_file(&dir, &base, &[("T1", guests::COUNTER, "")]);
    let report = file
        .reload(&env.host, &path, &env_tokens)
        .await
        .expect("reload");
    assert_eq!(report.added, [TeamId::from("T1")]);
    env.slack.wait_rtm_connected("T1", 1).await;
    env.slack.rtm_message("T1", "CT1GENERAL", "UT1ALICE", "one");

    let path = teams_file(
        &dir,
        &base,
        &[
            ("T1", guests::COUNTER, "label = \"n\""),
            ("T2", guests::ECHO, ""),
        ],
    );
    let report = file
        .reload(&env.host, &path, &env_tokens)
        .await
        .expect("reload");
    assert_eq!(
        (
            report.added.len(),
            report.updated.len(),
            report.removed.len()
        ),
        (1, 1, 0)
    );
    env.slack
        .rtm_message("T1", "CT1GENERAL", "UT1ALICE", "!count");
    assert_eq!(
        env.slack.wait_posts(1).await[0].text,
        "n: 2",
        "reconfigured in place, count kept"
    );
    assert_eq!(
        env.slack.rtm_connections("T1"),
        1,
        "a config change kept the socket"
    );

    std::fs::write(&path, "[[teams]]\nid = 'T1'\nbroken").expect("write");
    assert!(file.reload(&env.host, &path, &env_tokens).await.is_err());
    assert_eq!(env.host.teams().len(), 2, "a bad file loses nothing");

    let path = teams_file(&dir, &base, &[("T2", guests::ECHO, "")]);
    let report = file
        .reload(&env.host, &path, &env_tokens)
        .await
        .expect("reload");
    assert_eq!(report.removed, [TeamId::from("T1")]);
    assert_eq!(report.unchanged, 1, "T2 untouched");
    env.slack.wait_rtm_connected("T2", 1).await;
    env.slack
        .rtm_message("T2", "CT2GENERAL", "UT2ALICE", &mention(&ws[1], "still"));
    assert_eq!(env.slack.wait_posts(2).await[1].text, "still");
    env.close().await;
}

#[tokio::test]
async fn edits_to_a_watched_teams_file_apply_while_running() {
    let env = SlackEnv::start().await;
    add_workspaces(&env, &["T1", "T2"]);
    let dir = temp_dir("teams-watch");
    let base = env.slack.base_url();
    let path = teams_file(&dir, &base, &[("T1", guests::ECHO, "")]);
    let mut file = FileTeams::default();
    file.reload(&env.host, &path, &env_tokens)
        .await
        .expect("initial load");
    let cancel = CancellationToken::new();
    let watcher = watch(
        path.clone(),
        env.host.clone(),
        file,
        Arc::new(env_tokens),
        cancel.clone(),
    )
    .expect("watcher");
    let task = tokio::spawn(watcher);
    teams_file(&dir, &base, &[("T2", guests::ECHO, "")]);
    let served = wait_until(|| {
        let teams = env.host.teams();
        teams.len() == 1 && teams[0].team.as_str() == "T2" && teams[0].bot == BotStatus::Running
    })
    .await;
    assert!(
        served,
        "the watcher applied the edit: {:?}",
        env.host.teams()
    );
    cancel.cancel();
    task.await.expect("watcher stops");
    env.close().await;
}

/// Waits up to 10 s for a condition the host exposes no signal for (file
/// system notifications arrive on their own thread).
async fn wait_until(check: impl Fn() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::time::Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    check()
}
