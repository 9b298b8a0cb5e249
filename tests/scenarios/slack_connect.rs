//! The connect calls (`rtm.connect`, `apps.connections.open`) go through
//! the rate scheduler like every Web API call: a 429 on one is waited out
//! for its `Retry-After`, then the link comes up.

use std::time::Duration;

use bothost_tests::fake_slack::Fault;
use bothost_tests::slack_env::SlackEnv;
use bothost_tests::{config_of, guests};

#[tokio::test]
async fn a_429_on_a_connect_call_is_waited_out_for_retry_after() {
    let env = SlackEnv::start().await;
    let methods = ["rtm.connect", "apps.connections.open"];
    for method in methods {
        env.slack.fail_next(
            method,
            Fault::RateLimited {
                retry_after_secs: 1,
            },
        );
    }
    env.app("A1", &["T2"]);
    env.team("T1", guests::ECHO, None, config_of(&[])).await;
    env.team("T2", guests::ECHO, Some("A1"), config_of(&[]))
        .await;
    env.slack.wait_rtm_connected("T1", 1).await;
    env.slack.wait_socket_connected("A1", 1).await;
    for method in methods {
        let calls = env.slack.calls(method);
        assert_eq!(calls.len(), 2, "{method}: one refused call, one retry");
        assert!(!calls[0].ok && calls[1].ok, "{method}");
        let waited = calls[1].at.duration_since(calls[0].at);
        assert!(
            waited >= Duration::from_secs(1),
            "{method} retried after {waited:?}, before Retry-After"
        );
    }
    env.close().await;
}
