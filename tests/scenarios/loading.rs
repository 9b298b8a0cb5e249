//! Bad components get a clear error and the host keeps serving.

use bothost::runtime::RuntimeError;
use bothost::team::{BotStatus, TeamError};
use bothost_tests::{Harness, guests, temp_file};

async fn load_error(host: &Harness, path: &str) -> RuntimeError {
    match host.add("T1", path, &[]).await {
        Err(TeamError::Load(e)) => e,
        other => panic!("expected a load error, got {other:?}"),
    }
}

#[tokio::test]
async fn missing_file_names_the_path() {
    let host = Harness::new();
    let err = load_error(&host, "/nonexistent/bot.wasm").await;
    assert!(matches!(err, RuntimeError::Read { .. }));
    assert!(err.to_string().contains("/nonexistent/bot.wasm"), "{err}");
    assert!(host.is_empty(), "nothing added");
    host.close().await;
}

#[tokio::test]
async fn a_text_file_is_not_wasm() {
    let host = Harness::new();
    let path = temp_file("notes.wasm", b"definitely not wasm");
    let err = load_error(&host, path.to_str().expect("utf-8")).await;
    assert!(matches!(err, RuntimeError::NotWasm { .. }), "{err}");
    host.close().await;
}

#[tokio::test]
async fn a_core_module_is_told_to_become_a_component() {
    let host = Harness::new();
    let module = wat::parse_str("(module (func (export \"init\")))").expect("wat");
    let path = temp_file("core.wasm", &module);
    let err = load_error(&host, path.to_str().expect("utf-8")).await;
    assert!(matches!(err, RuntimeError::CoreModule { .. }), "{err}");
    assert!(
        err.to_string().contains("wasm32-wasip2"),
        "says how to fix it: {err}"
    );
    host.close().await;
}

#[tokio::test]
async fn a_truncated_component_is_invalid() {
    let host = Harness::new();
    let bytes = std::fs::read(guests::ECHO).expect("echo");
    let path = temp_file("truncated.wasm", &bytes[..bytes.len() / 2]);
    let err = load_error(&host, path.to_str().expect("utf-8")).await;
    assert!(matches!(err, RuntimeError::Invalid { .. }), "{err}");
    host.close().await;
}

#[tokio::test]
async fn a_component_for_another_world_names_what_is_missing() {
    let host = Harness::new();
    let err = load_error(&host, guests::OTHER_WORLD).await;
    let text = err.to_string();
    assert!(matches!(err, RuntimeError::WrongWorld { .. }), "{text}");
    assert!(
        text.contains("missing exports: bothost:bot/handler@0.2.2"),
        "{text}"
    );
    host.close().await;
}

#[tokio::test]
async fn a_component_for_another_wit_version_names_what_is_served() {
    let host = Harness::new();
    // What a bot built against a contract this host never served looks
    // like from outside: it imports the same interfaces at that version.
    let component = wat::parse_str(
        r#"(component
            (import "bothost:bot/log@0.3.0" (instance
                (export "log" (func (param "message" string)))))
        )"#,
    )
    .expect("wat");
    let path = temp_file("other-version.wasm", &component);
    let err = load_error(&host, path.to_str().expect("utf-8")).await;
    let text = err.to_string();
    assert!(matches!(err, RuntimeError::WrongWorld { .. }), "{text}");
    assert!(
        text.contains(
            "built for bothost:bot@0.3.0; this host serves bothost:bot@0.2.2 (and the 0.2 versions before it) and bothost:bot@0.1.0"
        ),
        "{text}"
    );
    host.close().await;
}

#[tokio::test]
async fn a_0_1_0_component_missing_an_export_is_told_which() {
    let host = Harness::new();
    let component = wat::parse_str(
        r#"(component
            (import "bothost:bot/log@0.1.0" (instance
                (export "log" (func (param "message" string)))))
            (core module $m (func (export "init")))
            (core instance $i (instantiate $m))
            (func $init (canon lift (core func $i "init")))
            (export "init" (func $init))
        )"#,
    )
    .expect("wat");
    let path = temp_file("old-partial.wasm", &component);
    let err = load_error(&host, path.to_str().expect("utf-8")).await;
    let text = err.to_string();
    assert!(matches!(err, RuntimeError::WrongWorld { .. }), "{text}");
    assert!(
        text.contains("missing exports: reconfigure, on-event, on-timer, shutdown"),
        "{text}"
    );
    host.close().await;
}

#[tokio::test]
async fn a_component_for_a_newer_minor_version_is_refused_naming_it() {
    let host = Harness::new();
    // It may call what this host does not have yet.
    let component = wat::parse_str(
        r#"(component
            (import "bothost:bot/log@0.2.9" (instance
                (export "log" (func (param "message" string)))))
        )"#,
    )
    .expect("wat");
    let path = temp_file("newer-version.wasm", &component);
    let err = load_error(&host, path.to_str().expect("utf-8")).await;
    let text = err.to_string();
    assert!(matches!(err, RuntimeError::WrongWorld { .. }), "{text}");
    assert!(text.contains("built for bothost:bot@0.2.9"), "{text}");
    host.close().await;
}

#[tokio::test]
async fn an_init_that_fails_leaves_the_team_failed_until_updated() {
    let host = Harness::new();
    let err = host
        .add("T1", guests::FAILING_INIT, &[])
        .await
        .expect_err("init refuses");
    assert!(matches!(err, TeamError::InitRefused { .. }), "{err}");
    assert!(err.to_string().contains("missing key `required`"), "{err}");
    assert!(matches!(host.status("T1"), BotStatus::Failed { .. }));
    assert_eq!(
        host.say("T1", "alice", "#general", "anyone?").await,
        ["[#general] alice: anyone?"],
        "a failed bot gets no events"
    );
    host.update(Harness::spec(
        "T1",
        guests::FAILING_INIT,
        &[("required", "yes")],
    ))
    .await
    .expect("fixed config starts it");
    assert_eq!(host.status("T1"), BotStatus::Running);
    assert_eq!(
        host.say("T1", "alice", "#general", "now?").await[1],
        "[#general] bot: ready"
    );
    host.close().await;
}

#[tokio::test]
async fn an_oversized_component_is_refused_before_compiling() {
    let host = Harness::with_config(bothost::runtime::RuntimeConfig {
        max_teams: 2,
        limits: bothost::limits::BotLimits {
            component_bytes: 1024,
            ..Default::default()
        },
        ..Default::default()
    });
    let err = load_error(&host, guests::ECHO).await;
    assert!(
        matches!(err, RuntimeError::TooLarge { limit: 1024, .. }),
        "{err}"
    );
    host.close().await;
}
