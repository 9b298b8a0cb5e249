//! Resource sources drive add / update / remove end to end against the
//! fake Slack: the teams file (reloaded and watched).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bothost::bot_config::BotConfig;
use bothost::ids::TeamId;
use bothost::secret::Secret;
use bothost::sources::{FileTeams, WatchStats, watch};
use bothost::spec::{TeamSource, TeamSpec};
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

/// A teams file serving T1, applied and then watched.
struct Watched {
    dir: PathBuf,
    base: String,
    path: PathBuf,
    stats: tokio::sync::watch::Receiver<WatchStats>,
    cancel: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Watched {
    async fn start(env: &SlackEnv, name: &str) -> Self {
        add_workspaces(env, &["T1", "T2"]);
        let dir = temp_dir(name);
        let base = env.slack.base_url();
        let path = teams_file(&dir, &base, &[("T1", guests::ECHO, "")]);
        let mut file = FileTeams::default();
        file.reload(&env.host, &path, &env_tokens)
            .await
            .expect("initial load");
        let stats = file.stats();
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
        Self {
            dir,
            base,
            path,
            stats,
            cancel,
            task,
        }
    }

    /// Waits until the watcher's counts satisfy `want`.
    async fn wait(&self, want: fn(&WatchStats) -> bool) -> WatchStats {
        let mut stats = self.stats.clone();
        tokio::time::timeout(Duration::from_secs(10), stats.wait_for(want))
            .await
            .expect("the watcher reacts")
            .map(|s| *s)
            .expect("watcher running")
    }

    async fn stop(self) {
        self.cancel.cancel();
        self.task.await.expect("watcher stops");
    }
}

#[tokio::test]
async fn edits_to_a_watched_teams_file_apply_while_running() {
    let env = SlackEnv::start().await;
    let watched = Watched::start(&env, "teams-watch").await;
    let mut changes = env.host.changes();
    teams_file(&watched.dir, &watched.base, &[("T2", guests::ECHO, "")]);
    let served = async {
        loop {
            let teams = env.host.teams();
            if teams.len() == 1
                && teams[0].id.as_str() == "T2"
                && teams[0].bot == BotStatus::Running
            {
                return;
            }
            changes.changed().await.expect("host running");
        }
    };
    let served = tokio::time::timeout(Duration::from_secs(10), served)
        .await
        .is_ok();
    assert!(
        served,
        "the watcher applied the edit: {:?}",
        env.host.teams()
    );
    watched.stop().await;
    env.close().await;
}

#[tokio::test]
async fn reading_or_rewriting_the_same_teams_file_never_reloads_it() {
    let env = SlackEnv::start().await;
    let watched = Watched::start(&env, "teams-settle").await;
    assert_eq!(watched.stats.borrow().applied, 1);
    // Reads (what `cat` or the host's own reload do) are not changes.
    for _ in 0..20 {
        std::fs::read_to_string(&watched.path).expect("read");
    }
    // The same bytes written again (an editor saving, a config tool) are
    // looked at, and not applied.
    let same = std::fs::read(&watched.path).expect("read");
    std::fs::write(&watched.path, &same).expect("rewrite");
    let seen = watched.wait(|s| s.checked >= 1).await;
    assert_eq!(seen.applied, 1, "same content, no reload: {seen:?}");

    // A real change is applied once.
    teams_file(&watched.dir, &watched.base, &[("T2", guests::ECHO, "")]);
    let seen = watched.wait(|s| s.applied >= 2).await;
    assert_eq!(seen.applied, 2, "{seen:?}");
    let teams: Vec<String> = env.host.teams().iter().map(|t| t.id.to_string()).collect();
    assert_eq!(teams, ["T2"]);
    assert!(
        seen.checked <= 3,
        "reads are not events worth a look: {seen:?}"
    );
    watched.stop().await;
    env.close().await;
}

#[tokio::test]
async fn the_teams_file_changes_only_its_own_teams() {
    let env = SlackEnv::start().await;
    let ws = add_workspaces(&env, &["T1", "T2"]);
    // T1 is the admin API's, running echo.
    env.host
        .add(TeamSpec {
            id: TeamId::from("T1"),
            bot: PathBuf::from(guests::ECHO),
            token: Secret::new("xoxb-T1"),
            app: None,
            config: BotConfig::new(),
            source: TeamSource::Admin,
        })
        .await
        .expect("admin team");
    let dir = temp_dir("teams-owned");
    let base = env.slack.base_url();
    let mut file = FileTeams::default();
    let path = teams_file(
        &dir,
        &base,
        &[("T1", guests::COUNTER, ""), ("T2", guests::ECHO, "")],
    );
    let report = file
        .reload(&env.host, &path, &env_tokens)
        .await
        .expect("reload");
    assert_eq!(report.added, [TeamId::from("T2")]);
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert_eq!(report.failed[0].0, TeamId::from("T1"));
    assert!(
        report.failed[0].1.contains("belongs to the admin API"),
        "{report:?}"
    );
    let t1 = TeamId::from("T1");
    assert_eq!(env.host.owner(&t1), Some(TeamSource::Admin));
    assert_eq!(
        env.host.handle(&t1).expect("served").spec().bot,
        PathBuf::from(guests::ECHO),
        "the admin's bot was not replaced"
    );

    // A reload repeats the refusal: counted, not piled up.
    let path = teams_file(
        &dir,
        &base,
        &[
            ("T1", guests::COUNTER, "label = \"x\""),
            ("T2", guests::ECHO, ""),
        ],
    );
    let report = file
        .reload(&env.host, &path, &env_tokens)
        .await
        .expect("reload");
    assert_eq!(report.failed.len(), 1, "{report:?}");
    let conflicts = env.host.conflicts();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!((conflicts[0].action, conflicts[0].count), ("add", 2));

    // Dropping T1 from the file removes nothing: it never was the file's.
    let path = teams_file(&dir, &base, &[("T2", guests::ECHO, "")]);
    let report = file
        .reload(&env.host, &path, &env_tokens)
        .await
        .expect("reload");
    assert!(report.removed.is_empty(), "{report:?}");
    assert!(env.host.contains(&t1));
    env.slack.wait_rtm_connected("T1", 1).await;
    env.slack
        .rtm_message("T1", "CT1GENERAL", "UT1ALICE", &mention(&ws[0], "mine"));
    assert_eq!(env.slack.wait_posts(1).await[0].text, "mine");
    env.close().await;
}
