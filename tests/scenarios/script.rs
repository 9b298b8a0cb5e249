//! Local mode: a script gives a deterministic transcript.

use bothost::local::{LocalSession, parse_script, run_script};
use bothost::runtime::RuntimeConfig;
use bothost_tests::{config_of, guests};

async fn transcript(bot: &str, config: &[(&str, &str)], script: &str) -> String {
    let runtime = RuntimeConfig {
        max_teams: 2,
        ..RuntimeConfig::default()
    };
    let mut session = LocalSession::start(bot.as_ref(), config_of(config), &runtime)
        .await
        .expect("session");
    let steps = parse_script(script).expect("script");
    let mut out = Vec::new();
    run_script(&mut session, steps, &mut out)
        .await
        .expect("run");
    for line in session.close().await {
        out.extend_from_slice(format!("{line}\n").as_bytes());
    }
    String::from_utf8(out).expect("utf-8")
}

#[tokio::test(start_paused = true)]
async fn echo_script_transcript() {
    let script = "\
# greet the bot
hello
@bot are you there?
bob@dm: psst
/as bob
/in #random
@bot from random
/react tada
nobody: hi
/wait nope
";
    let err = parse_script(script).expect_err("bad /wait is reported with its line");
    assert_eq!(err, "line 10: /wait takes whole seconds, not `nope`");
    let out = transcript(guests::ECHO, &[], &script.replace("/wait nope\n", "")).await;
    assert_eq!(
        out,
        "\
[#general] alice: hello
[#general] alice: @bot are you there?
[#general] bot: are you there?
[@bob] bob: psst
[@bob] bot: psst
[#random] bob: @bot from random
[#random] bot: from random
[host] ! unknown user `nobody` (try alice or bob)
"
    );
}

#[tokio::test(start_paused = true)]
async fn cron_script_uses_simulated_time() {
    let out = transcript(
        guests::CRON,
        &[("interval_secs", "30"), ("text", "half a minute")],
        "/wait 29\n/wait 1\n/config interval_secs=0\n/status\n",
    )
    .await;
    // Each line takes a simulated second, so the first tick lands with the
    // second /wait (1 + 29 = 30 s).
    assert_eq!(
        out,
        "\
[#general] bot: half a minute
[host] ! config refused: team T0LOCAL: bot refused the new config: invalid config: `interval_secs` must be at least 1
[host] ! bot running
"
    );
}
