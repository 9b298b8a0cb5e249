//! `bothost serve` as a whole (`bothost::serve::serve`): a config file with
//! a team and the admin API, the fake Slack behind it, a clean stop.

use std::sync::Arc;

use bothost::serve::ServeOptions;
use bothost::sources::EnvLookup;
use bothost_tests::fake_slack::{FakeSlack, Workspace};
use bothost_tests::guests;
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
             [[teams]]\nid = \"T1\"\nbot = \"{bot}\"\ntoken_env = \"T1_TOKEN\"\n",
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
        "[runtime]\nmax_teams = 2\n\n[admin]\nbind = \"{addr}\"\ntoken_env = \"ADMIN_T\"\n"
    );
    let env: EnvLookup = Arc::new(|var: &str| (var == "ADMIN_T").then(|| "admin".to_owned()));
    assert_eq!(
        serve_error_with("inuse", &config, env).await,
        format!("admin API: cannot bind {addr}: address in use")
    );
}
