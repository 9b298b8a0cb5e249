//! Local mode: a script gives a deterministic transcript.

use bothost::local_mode::{LocalSession, parse_script, run_script};
use bothost::runtime::RuntimeConfig;
use bothost_tests::{config_of, guests};

/// The transcript `bothost local --script` prints, for `bot`.
pub(crate) async fn transcript(bot: &str, config: &[(&str, &str)], script: &str) -> String {
    let runtime = RuntimeConfig {
        max_teams: 2,
        ..RuntimeConfig::default()
    };
    transcript_on(&runtime, bot, config, script).await
}

/// The same, on `runtime` (a compile cache for Python and JS bots).
pub(crate) async fn transcript_on(
    runtime: &RuntimeConfig,
    bot: &str,
    config: &[(&str, &str)],
    script: &str,
) -> String {
    let mut session = LocalSession::start(bot.as_ref(), config_of(config), runtime)
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
[#random] bob reacted :tada: to 6
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

/// Every event of the WIT contract can be sent from a script, each action
/// leaves a line, and the trapper's `events` shows what the bot received.
#[tokio::test(start_paused = true)]
async fn every_event_the_contract_has_can_be_sent() {
    let out = transcript(
        guests::TRAPPER,
        &[],
        "\
hello
/thread 1 first reply
bob>3: second reply
/thread last on the bot's answer
events
/mention bob@#random: are you there?
/mention alice@dm: psst
/slash /weather Paris, France
events
/join #random
/leave #random
/create #ops
/rename #ops #ops-team
/newuser carol
carol@#ops-team: welcome
/react tada
/unreact tada
events
",
    )
    .await;
    assert_eq!(
        out,
        "\
[#general] alice: hello
[#general] bot: ok: hello
[#general thread 1] alice: first reply
[#general] bot: ok: first reply
[#general thread 1] bob: second reply
[#general] bot: ok: second reply
[#general thread 6] alice: on the bot's answer
[#general] bot: ok: on the bot's answer
[#general] alice: events
[#general] bot: events: \
message C0GENERAL U0ALICE \"hello\" ts=1700000000.000001 | \
message C0GENERAL U0ALICE \"first reply\" ts=1700000000.000003 thread=1700000000.000001 | \
message C0GENERAL U0BOB \"second reply\" ts=1700000000.000005 thread=1700000000.000001 | \
message C0GENERAL U0ALICE \"on the bot's answer\" ts=1700000000.000007 thread=1700000000.000006
[#random] bob: @bot are you there?
[#random] bot: ok: <@U0BOT> are you there?
[@alice] alice: @bot psst
[host] ! no app_mention in a DM: Slack sends only the message there
[@alice] bot: ok: <@U0BOT> psst
[#general] alice ran /weather Paris, France
[#general] alice: events
[#general] bot: events: \
message C0RANDOM U0BOB \"<@U0BOT> are you there?\" ts=1700000000.000011 mentions-bot | \
app_mention C0RANDOM U0BOB \"<@U0BOT> are you there?\" ts=1700000000.000011 | \
message DU0ALICE U0ALICE \"<@U0BOT> psst\" ts=1700000000.000013 mentions-bot | \
slash_command /weather \"Paris, France\" C0GENERAL U0ALICE
[#random] alice joined
[#random] alice left
[#ops] alice created #ops
[#ops-team] alice renamed #ops to #ops-team
[team] carol joined the team
[#ops-team] carol: welcome
[#ops-team] bot: ok: welcome
[#ops-team] alice reacted :tada: to 17
[#ops-team] alice removed :tada: from 17
[#general] alice: events
[#general] bot: events: \
member_joined_channel U0ALICE C0RANDOM | \
member_left_channel U0ALICE C0RANDOM | \
channel_created C0NEW1 ops by U0ALICE | \
channel_renamed C0NEW1 ops-team | \
team_join U0CAROL | \
message C0NEW1 U0CAROL \"welcome\" ts=1700000000.000017 | \
reaction_added U0ALICE :tada: C0NEW1 1700000000.000017 | \
reaction_removed U0ALICE :tada: C0NEW1 1700000000.000017
[#general] bot: bye
"
    );
}

/// `/mention` is a mention as Slack's Events API delivers it: a message
/// and an app_mention, so the echo bot (which answers both) echoes twice;
/// in a DM Slack sends no app_mention. Replies land in threads.
#[tokio::test(start_paused = true)]
async fn mentions_and_threads_reach_the_echo_bot() {
    let out = transcript(
        guests::ECHO,
        &[],
        "\
/mention hi
/mention bob@dm: psst
@bot plain mention
/thread 1 @bot in the thread
",
    )
    .await;
    assert_eq!(
        out,
        "\
[#general] alice: @bot hi
[#general] bot: hi
[#general] bot: hi
[@bob] bob: @bot psst
[host] ! no app_mention in a DM: Slack sends only the message there
[@bob] bot: <@U0BOT> psst
[#general] alice: @bot plain mention
[#general] bot: plain mention
[#general thread 1] alice: @bot in the thread
[#general thread 1] bot: in the thread
"
    );
}

/// `/config` takes quoted values and says what the bot now has.
#[tokio::test(start_paused = true)]
async fn config_with_a_quoted_value_shows_in_the_transcript() {
    let out = transcript(
        guests::REPEAT,
        &[],
        "/config prefix=\"You said: \"\nhello\n/config\nagain\n",
    )
    .await;
    assert_eq!(
        out,
        "\
[host] config: prefix=\"You said: \"
[#general] alice: hello
[#general] bot: You said: hello
[host] config: (empty)
[#general] alice: again
[#general] bot: again
"
    );
    let err = parse_script("hello\n/config prefix=\"You said: \n").expect_err("open quote");
    assert_eq!(
        err,
        "line 2: config: unterminated quote in `prefix=\"You said:`: end the value with `\"`"
    );
}

/// A `name:` that is no user is reported, not said; the text is said with
/// a leading `\` or a name. Impossible actions are reported too.
#[tokio::test(start_paused = true)]
async fn unknown_names_and_impossible_actions_are_reported() {
    let out = transcript(
        guests::REPEAT,
        &[],
        "\
/react tada
note: remember
\\note: remember
alice: note: also
/as nobody
/in #nowhere
/thread 42 hi
/unreact tada
/create #general
/rename #random #general
/join dm
/newuser bob
",
    )
    .await;
    assert_eq!(
        out,
        "\
[host] ! no message to react to yet
[host] ! unknown user `note` (try alice or bob)
[#general] alice: note: remember
[#general] bot: note: remember
[#general] alice: note: also
[#general] bot: note: also
[host] ! unknown user `nobody` (try alice or bob)
[host] ! unknown channel `#nowhere` (try #general, #random or dm)
[host] ! no message 42 in #general
[host] ! alice has no :tada: on 3 to remove
[host] ! #general already exists
[host] ! #general already exists
[host] ! @alice is a DM, not a channel
[host] ! user `bob` already exists
"
    );
}
