//! Python and JavaScript bots run where a Rust bot runs: the same scenarios
//! as their Rust twins, and a `bothost local --script` transcript. Each test
//! skips (locally) or fails (in CI) when its toolchain was not installed;
//! see `bothost_tests::foreign`.

use bothost_tests::{Harness, cached_runtime, foreign, guests};

use crate::examples::{expect_echo, expect_repeat};

/// A host for `bot`, or `None` when the test skips (see `foreign`).
fn host_for(bot: Option<&'static str>, missing: &str) -> Option<(Harness, &'static str)> {
    foreign(bot, missing).map(|bot| (Harness::with_config(cached_runtime(8)), bot))
}

#[tokio::test]
async fn python_echo_answers_like_the_rust_one() {
    let Some((host, bot)) = host_for(guests::PY_ECHO, guests::PYTHON_MISSING) else {
        return;
    };
    expect_echo(&host, bot).await;
    host.close().await;
}

#[tokio::test]
async fn python_repeat_answers_like_the_rust_one() {
    let Some((host, bot)) = host_for(guests::PY_REPEAT, guests::PYTHON_MISSING) else {
        return;
    };
    expect_repeat(&host, bot).await;
    host.close().await;
}

#[tokio::test]
async fn js_echo_answers_like_the_rust_one() {
    let Some((host, bot)) = host_for(guests::JS_ECHO, guests::JS_MISSING) else {
        return;
    };
    expect_echo(&host, bot).await;
    host.close().await;
}

#[tokio::test]
async fn js_repeat_answers_like_the_rust_one() {
    let Some((host, bot)) = host_for(guests::JS_REPEAT, guests::JS_MISSING) else {
        return;
    };
    expect_repeat(&host, bot).await;
    host.close().await;
}

/// The same JS source built with componentize-js (SpiderMonkey).
#[tokio::test]
async fn spidermonkey_echo_answers_like_the_rust_one() {
    let Some((host, bot)) = host_for(guests::SM_ECHO, guests::SPIDERMONKEY_MISSING) else {
        return;
    };
    expect_echo(&host, bot).await;
    host.close().await;
}

/// The transcript `bothost local --script` prints, for `bot`.
async fn transcript(bot: &str, config: &[(&str, &str)], script: &str) -> String {
    crate::script::transcript_on(&cached_runtime(2), bot, config, script).await
}

const ECHO_SCRIPT: &str = "\
hello
@bot are you there?
bob@dm: psst
/react tada
/config prefix=x
";

const ECHO_TRANSCRIPT: &str = "\
[#general] alice: hello
[#general] alice: @bot are you there?
[#general] bot: are you there?
[@bob] bob: psst
[@bob] bot: psst
[@bob] alice reacted :tada: to 4
[host] config: prefix=x
";

#[tokio::test(start_paused = true)]
async fn python_echo_script_transcript() {
    let Some(bot) = foreign(guests::PY_ECHO, guests::PYTHON_MISSING) else {
        return;
    };
    assert_eq!(transcript(bot, &[], ECHO_SCRIPT).await, ECHO_TRANSCRIPT);
}

#[tokio::test(start_paused = true)]
async fn js_repeat_script_transcript() {
    let Some(bot) = foreign(guests::JS_REPEAT, guests::JS_MISSING) else {
        return;
    };
    assert_eq!(
        transcript(
            bot,
            &[("prefix", "> ")],
            "hi\nbob@dm: there\n/config prefix=\nagain\n"
        )
        .await,
        "\
[#general] alice: hi
[#general] bot: > hi
[@bob] bob: there
[@bob] bot: > there
[host] config: prefix=\"\"
[#general] alice: again
[#general] bot: again
"
    );
}

/// Crontable, jobs, kv (JSON and UTF-8, atomic increment and
/// compare-and-swap, paged keys), a refused config, an exception in
/// a handler (logged; the bot keeps running), lookups and reactions: the
/// SDK fixtures of both languages print the same transcript.
const SDK_SCRIPT: &str = "\
/wait 20
keys
boom
who
react
/react thumbsup
/config secs=0
/config secs=5
/wait 10
count
count
page
/status
";
// Each script line takes a second of the script's clock (`LINE_PACE`),
// so the tick due 5 s after the last `/wait` fires as the session ends.

const SDK_TRANSCRIPT: &str = "\
[#random] bot: tick 1 héllo ✓
[#random] bot: tick 2 héllo ✓
[#general] alice: keys
[#general] bot: n,s
[#general] alice: boom
[#general] alice: who
[#general] bot: None
[#general] alice: react
[#general] bot reacted :tada: to 8
[#general] alice reacted :thumbsup: to 8
[#random] bot: job ran
[#general] bot: saw thumbsup
[host] ! config refused: team T0LOCAL: bot refused the new config: invalid config: secs must be positive
[host] config: secs=5
[#random] bot: tick 3 héllo ✓
[#random] bot: tick 4 héllo ✓
[#general] alice: count
[#general] bot: count 2 True
[#general] alice: count
[#general] bot: count 4 False
[#general] alice: page
[#general] bot: flag next=flag
[host] ! bot running
[#random] bot: tick 5 héllo ✓
";

/// The 0.2.2 calls from Python and JS, the same transcript for both.
const ROOMS_TRANSCRIPT: &str = "\
[#general] alice: rooms
[#sdk-room] bot created #sdk-room
[#sdk-room] bot invited @alice
[#sdk-room] bot set the topic: sdk
[#sdk-room] bot: hi [blocks: divider]
[#general] bot (only @alice sees): just you
[#sdk-room] bot archived #sdk-room
[#general] bot: rooms 1 2 None
[host] ! bot running
";

#[tokio::test(start_paused = true)]
async fn python_and_js_sdks_reach_the_0_2_2_calls() {
    let bots = [
        foreign(guests::PY_SDK, guests::PYTHON_MISSING),
        foreign(guests::JS_SDK, guests::JS_MISSING),
    ];
    for bot in bots.into_iter().flatten() {
        assert_eq!(
            transcript(bot, &[], "rooms\n/status\n").await,
            ROOMS_TRANSCRIPT
        );
    }
}

#[tokio::test(start_paused = true)]
async fn python_sdk_timers_kv_and_errors() {
    let Some(bot) = foreign(guests::PY_SDK, guests::PYTHON_MISSING) else {
        return;
    };
    assert_eq!(transcript(bot, &[], SDK_SCRIPT).await, SDK_TRANSCRIPT);
}

#[tokio::test(start_paused = true)]
async fn js_sdk_timers_kv_and_errors() {
    let Some(bot) = foreign(guests::JS_SDK, guests::JS_MISSING) else {
        return;
    };
    assert_eq!(transcript(bot, &[], SDK_SCRIPT).await, SDK_TRANSCRIPT);
}

#[tokio::test(start_paused = true)]
async fn spidermonkey_sdk_timers_kv_and_errors() {
    let Some(bot) = foreign(guests::SM_SDK, guests::SPIDERMONKEY_MISSING) else {
        return;
    };
    assert_eq!(transcript(bot, &[], SDK_SCRIPT).await, SDK_TRANSCRIPT);
}
