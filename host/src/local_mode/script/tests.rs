use super::*;

/// What `alice: hi`-style lines parse to, for short expectations.
fn say(user: Option<&str>, place: Option<&str>, thread: Option<&str>, text: &str) -> Step {
    Step::Say {
        user: user.map(str::to_owned),
        place: place.map(str::to_owned),
        thread: thread.map(str::to_owned),
        text: text.to_owned(),
        mention: false,
    }
}

fn mention(step: Step) -> Step {
    match step {
        Step::Say {
            user,
            place,
            thread,
            text,
            ..
        } => Step::Say {
            user,
            place,
            thread,
            text,
            mention: true,
        },
        other => other,
    }
}

fn parsed(line: &str) -> Step {
    parse_line(line)
        .unwrap_or_else(|e| panic!("{line}: {e}"))
        .unwrap_or_else(|| panic!("{line}: nothing parsed"))
}

#[test]
fn parses_says_commands_and_errors() {
    assert_eq!(parse_line("  # note").expect("ok"), None);
    assert_eq!(
        parsed("bob@dm: hi there"),
        say(Some("bob"), Some("dm"), None, "hi there")
    );
    assert_eq!(
        parsed("well: it depends"),
        say(Some("well"), None, None, "it depends"),
        "a name is not guessed: it is checked (and reported) when the line runs"
    );
    assert_eq!(parsed("/wait 5"), Step::Wait(Duration::from_secs(5)));
    assert_eq!(
        parsed("/config a=1 b=x"),
        Step::Config(BotConfig::from([
            ("a".into(), "1".into()),
            ("b".into(), "x".into())
        ]))
    );
    assert!(parse_line("/wait soon").is_err());
    assert!(parse_line("/nope").is_err());
    assert_eq!(
        parse_script("hi\n/wait x").expect_err("bad line"),
        "line 2: /wait takes whole seconds, not `x`"
    );
}

#[test]
fn text_that_looks_like_a_name_is_said_with_a_backslash_or_a_name() {
    assert_eq!(
        parsed(r"\note: remember"),
        say(None, None, None, "note: remember")
    );
    assert_eq!(
        parsed("alice: note: remember"),
        say(Some("alice"), None, None, "note: remember")
    );
    assert_eq!(parsed(r"\/help"), say(None, None, None, "/help"));
    assert_eq!(
        parsed(r"\# not a comment"),
        say(None, None, None, "# not a comment")
    );
    assert!(parse_line("\\").is_err());
    let err = parse_line("@bot: hi").expect_err("no name before @");
    assert!(err.contains("start the line with `\\`"), "{err}");
    assert!(parse_line("bob@: hi").is_err());
}

#[test]
fn threads_by_command_or_prefix() {
    assert_eq!(
        parsed("/thread 3 thanks: really"),
        say(None, None, Some("3"), "thanks: really")
    );
    assert_eq!(
        parsed("/thread last ok"),
        say(None, None, Some("last"), "ok")
    );
    assert_eq!(
        parsed("bob@#random>1700000000.000004: same"),
        say(
            Some("bob"),
            Some("#random"),
            Some("1700000000.000004"),
            "same"
        )
    );
    assert_eq!(
        parsed("bob>last: me too"),
        say(Some("bob"), None, Some("last"), "me too")
    );
    assert!(parse_line("/thread 3").is_err(), "no text");
    assert!(parse_line("/thread three hi").is_err());
    assert!(parse_line("bob>x: hi").is_err());
}

#[test]
fn mentions_slash_commands_and_channel_actions() {
    assert_eq!(
        parsed("/mention hello"),
        mention(say(None, None, None, "hello"))
    );
    assert_eq!(
        parsed("/mention bob@#random>2: hi @bot"),
        mention(say(Some("bob"), Some("#random"), Some("2"), "hi @bot"))
    );
    assert_eq!(parsed("/mention"), mention(say(None, None, None, "")));
    assert_eq!(
        parsed("/slash /weather  Paris, France "),
        Step::Slash {
            command: "/weather".into(),
            text: "Paris, France".into()
        }
    );
    assert_eq!(
        parsed("/slash deploy"),
        Step::Slash {
            command: "/deploy".into(),
            text: String::new()
        }
    );
    assert!(parse_line("/slash").is_err());
    assert_eq!(parsed("/unreact :tada:"), Step::Unreact("tada".into()));
    assert!(parse_line("/react tada party").is_err());
    assert_eq!(parsed("/leave #random"), Step::Leave("#random".into()));
    assert_eq!(parsed("/create #ops-2"), Step::Create("ops-2".into()));
    assert_eq!(
        parsed("/rename #ops ops_team"),
        Step::Rename {
            from: "#ops".into(),
            to: "ops_team".into()
        }
    );
    assert_eq!(parsed("/newuser carol.k"), Step::NewUser("carol.k".into()));
    for bad in [
        "/create Ops",
        "/create #",
        "/rename #ops",
        "/rename #ops Ops Team",
        "/newuser Carol",
        "/newuser carol@x",
        "/leave",
    ] {
        assert!(parse_line(bad).is_err(), "{bad} should be refused");
    }
}

#[test]
fn config_values_may_be_quoted_on_lines_and_arguments_alike() {
    let expected = BotConfig::from([("prefix".into(), "You said: ".into())]);
    assert_eq!(
        parsed(r#"/config prefix="You said: ""#),
        Step::Config(expected.clone())
    );
    assert_eq!(
        parse_config_args(&[r#"prefix="You said: ""#]),
        Ok(expected.clone())
    );
    assert_eq!(parse_config_args(&["prefix=You said: "]), Ok(expected));
    assert_eq!(
        parse_line(r#"/config prefix="You said: "#).expect_err("open quote"),
        r#"config: unterminated quote in `prefix="You said:`: end the value with `"`"#
    );
    assert_eq!(
        parse_config_args(&["a=1", "a=2"]).expect_err("twice"),
        "config: `a` given twice"
    );
}

#[test]
fn help_lists_every_command() {
    for command in [
        "/thread", "/mention", "/slash", "/react", "/unreact", "/join", "/leave", "/create",
        "/rename", "/newuser", "/as", "/in", "/wait", "/config", "/status", "/help", "/quit",
    ] {
        assert!(
            HELP.contains(&format!("\n  {command} ")),
            "{command} missing from HELP"
        );
        assert!(
            !matches!(parse_line(command), Err(e) if e.starts_with("unknown command")),
            "{command} is listed but not parsed"
        );
    }
}
