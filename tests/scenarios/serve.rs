//! `bothost serve` as a whole (`bothost::serve::serve`): a config file with
//! a team and the admin API, the fake Slack behind it, a clean stop.

use std::sync::Arc;

use bothost::serve::ServeOptions;
use bothost::sources::EnvLookup;
use bothost_tests::fake_slack::{FakeSlack, Workspace};
use bothost_tests::{guests, serve_config};
use tokio::sync::oneshot;

#[tokio::test]
async fn serves_the_config_file_until_stopped() {
    let slack = FakeSlack::start().await;
    let ws = Workspace::new("T1", "xoxb-T1");
    slack.add_workspace(ws.clone());
    let dir = std::env::temp_dir().join(format!("bothost-serve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let config = dir.join("bothost.toml");
    std::fs::write(
        &config,
        format!(
            "[runtime]\nmax_teams = 4\ncache_dir = \"{cache}\"\n\n[slack]\napi_base = \"{base}\"\n\n\
             [storage]\npath = \":memory:\"\n\n[[teams]]\nid = \"T1\"\nbot = \"{bot}\"\ntoken_env = \"T1_TOKEN\"\n",
            cache = dir.join("cache").display(),
            base = slack.base_url(),
            bot = guests::ECHO,
        ),
    )
    .expect("config");
    let env: EnvLookup = Arc::new(|var: &str| (var == "T1_TOKEN").then(|| "xoxb-T1".to_owned()));
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        bothost::serve::serve(&config, env, &ServeOptions::default(), async {
            let _ = stopped.await;
        })
        .await
    });
    slack.wait_rtm_connected("T1", 1).await;
    slack.rtm_message(
        "T1",
        "CT1GENERAL",
        "UT1ALICE",
        &format!("<@{}> served", ws.bot_user_id),
    );
    assert_eq!(slack.wait_posts(1).await[0].text, "served");
    stop.send(()).expect("stop");
    server.await.expect("join").expect("serve returned cleanly");
    slack.shutdown().await;
}

/// What `serve` says about `config` when no environment variable is set.
async fn serve_error(name: &str, config: &str) -> String {
    serve_error_with(name, config, Arc::new(|_: &str| None)).await
}

/// What `serve` says about `config` with `env`.
async fn serve_error_with(name: &str, config: &str, env: EnvLookup) -> String {
    let dir = std::env::temp_dir().join(format!("bothost-serve-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("bothost.toml");
    std::fs::write(&path, config).expect("config");
    bothost::serve::serve(&path, env, &ServeOptions::default(), std::future::pending())
        .await
        .expect_err("serve refuses")
        .to_string()
}

#[tokio::test]
async fn a_missing_token_variable_is_a_clear_error() {
    let config = "[[teams]]\nid = \"T1\"\nbot = \"b.wasm\"\ntoken_env = \"NOPE_TOKEN\"\n";
    assert_eq!(
        serve_error("team", config).await,
        "team T1: environment variable NOPE_TOKEN is not set"
    );
}

#[tokio::test]
async fn an_admin_section_without_its_token_is_a_clear_error() {
    let config =
        "[runtime]\nmax_teams = 2\n\n[admin]\nbind = \"127.0.0.1:0\"\ntoken_env = \"ADMIN_T\"\n";
    assert_eq!(
        serve_error("admin", config).await,
        "admin API: environment variable ADMIN_T is not set"
    );
}

#[tokio::test]
async fn an_admin_address_in_use_is_named() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr");
    let config = format!(
        "[runtime]\nmax_teams = 2\n\n[storage]\npath = \":memory:\"\n\n[admin]\nbind = \"{addr}\"\ntoken_env = \"ADMIN_T\"\n"
    );
    let env: EnvLookup = Arc::new(|var: &str| (var == "ADMIN_T").then(|| "admin".to_owned()));
    assert_eq!(
        serve_error_with("inuse", &config, env).await,
        format!("admin API: cannot bind {addr}: address in use")
    );
}

/// Runs `serve` on `config` until the returned sender is dropped or fired.
fn serve_in_background(
    config: std::path::PathBuf,
) -> (
    oneshot::Sender<()>,
    tokio::task::JoinHandle<Result<(), bothost::serve::ServeError>>,
) {
    let env: EnvLookup = Arc::new(|var: &str| {
        var.strip_suffix("_TOKEN")
            .map(|team| format!("xoxb-{team}"))
    });
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        bothost::serve::serve(&config, env, &ServeOptions::default(), async {
            let _ = stopped.await;
        })
        .await
    });
    (stop, server)
}

#[tokio::test]
async fn a_restarted_serve_resumes_its_teams_with_their_state() {
    let slack = FakeSlack::start().await;
    let (t1, t2) = (
        Workspace::new("T1", "xoxb-T1"),
        Workspace::new("T2", "xoxb-T2"),
    );
    slack.add_workspace(t1.clone());
    slack.add_workspace(t2.clone());
    let dir = std::env::temp_dir().join(format!("bothost-serve-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let config = dir.join("bothost.toml");
    let both = [("T1", guests::COUNTER), ("T2", guests::COUNTER)];
    std::fs::write(&config, serve_config(&slack.base_url(), &dir, &both)).expect("config");

    let (stop, server) = serve_in_background(config.clone());
    slack.wait_rtm_connected("T1", 1).await;
    slack.wait_rtm_connected("T2", 1).await;
    for _ in 0..2 {
        slack.rtm_message("T1", "CT1GENERAL", "UT1ALICE", "hello");
    }
    slack.rtm_message("T1", "CT1GENERAL", "UT1ALICE", "!count");
    assert_eq!(slack.wait_posts(1).await[0].text, "count: 3");
    stop.send(()).expect("stop");
    server
        .await
        .expect("join")
        .expect("first serve stopped cleanly");

    // While the host was down, T2 left the file.
    std::fs::write(&config, serve_config(&slack.base_url(), &dir, &both[..1])).expect("config");
    let (stop, server) = serve_in_background(config);
    slack.wait_rtm_connected("T1", 2).await;
    slack.rtm_message("T1", "CT1GENERAL", "UT1ALICE", "!count");
    assert_eq!(
        slack.wait_posts(2).await[1].text,
        "count: 4",
        "T1 resumed with its key-value state"
    );
    assert!(
        slack.wait_posts(2).await.iter().all(|p| p.team == "T1"),
        "only T1 answered"
    );
    assert_eq!(
        slack.rtm_connections("T2"),
        1,
        "T2, gone from the file while the host was down, was not resumed"
    );
    stop.send(()).expect("stop");
    server
        .await
        .expect("join")
        .expect("second serve stopped cleanly");
    slack.shutdown().await;
}

#[tokio::test]
async fn storage_errors_are_clear_before_anything_starts() {
    let dir = std::env::temp_dir().join(format!("bothost-serve-storage-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let db = dir.join("bothost.db");
    let config = format!(
        "[storage]\npath = \"{}\"\nkey_env = \"NOPE_KEY\"\n",
        db.display()
    );
    assert_eq!(
        serve_error("storage-key-env", &config).await,
        "environment variable NOPE_KEY (the storage key) is not set"
    );
    let env: EnvLookup = Arc::new(|var: &str| (var == "BAD_KEY").then(|| "not-a-key".to_owned()));
    let config = format!(
        "[storage]\npath = \"{}\"\nkey_env = \"BAD_KEY\"\n",
        db.display()
    );
    assert!(
        serve_error_with("storage-bad-key", &config, env)
            .await
            .contains("does not hold a storage key"),
        "a malformed key is named, never printed"
    );
    // No [storage] path and no HOME or XDG_DATA_HOME to put the default in.
    assert_eq!(
        serve_error("storage-no-home", "[runtime]\nmax_teams = 2\n").await,
        "storage: no data directory (neither XDG_DATA_HOME nor HOME is set); set [storage] path"
    );
    // A database created with one key refuses another.
    let first: EnvLookup = Arc::new(|var: &str| (var == "KEY").then(|| "11".repeat(32)));
    let config = format!(
        "[storage]\npath = \"{}\"\nkey_env = \"KEY\"\n",
        db.display()
    );
    let (stop, stopped) = oneshot::channel::<()>();
    drop(stop);
    let path = dir.join("first.toml");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(&path, &config).expect("config");
    bothost::serve::serve(&path, first, &ServeOptions::default(), async {
        let _ = stopped.await;
    })
    .await
    .expect("the first start creates the database");
    let second: EnvLookup = Arc::new(|var: &str| (var == "KEY").then(|| "22".repeat(32)));
    let refused = serve_error_with("storage-wrong-key", &config, second).await;
    assert!(
        refused.starts_with("the storage key does not open"),
        "{refused}"
    );
}
