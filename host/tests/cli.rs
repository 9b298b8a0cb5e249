//! The `bothost` binary end to end: `local --script` prints the transcript;
//! bad input gives a clear error and a failing exit code.

use std::io::Write;
use std::process::{Command, Stdio};

fn bothost(args: &[&str], stdin: &str) -> (bool, String, String) {
    bothost_env(args, stdin, &[])
}

/// Runs the binary with extra environment variables (`RUST_LOG` is always
/// cleared first, so the caller's shell does not leak in).
fn bothost_env(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bothost"))
        .args(args)
        .env_remove("RUST_LOG")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn bothost");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write script");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn local_script_prints_the_transcript() {
    let (ok, stdout, stderr) = bothost(
        &[
            "local",
            bothost_guests::COUNTER,
            "--script",
            "-",
            "--no-cache",
            "-c",
            "label=seen",
        ],
        "one\nbob: two\n!count\n",
    );
    assert!(ok, "{stderr}");
    assert_eq!(
        stdout,
        "[#general] alice: one\n[#general] bob: two\n[#general] alice: !count\n[#general] bot: seen: 3\n"
    );
}

#[test]
fn a_bad_script_line_is_reported_before_anything_runs() {
    let (ok, stdout, stderr) = bothost(
        &["local", bothost_guests::ECHO, "--script", "-", "--no-cache"],
        "hello\n/wait forever\n",
    );
    assert!(!ok);
    assert!(stdout.is_empty(), "nothing ran: {stdout}");
    assert!(
        stderr.contains("line 2: /wait takes whole seconds"),
        "{stderr}"
    );
}

/// `local` with a bot file that does not exist: fails after logging is
/// set up, before anything runs.
const MISSING_BOT: [&str; 5] = [
    "local",
    "/nonexistent/bot.wasm",
    "--script",
    "-",
    "--no-cache",
];

#[test]
fn a_missing_component_is_a_clear_error() {
    let (ok, _, stderr) = bothost(&MISSING_BOT, "");
    assert!(!ok);
    assert!(
        stderr.contains("cannot read bot component /nonexistent/bot.wasm"),
        "{stderr}"
    );
}

/// A scratch file with `text`, unique to this test process.
fn scratch(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("bothost-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

#[test]
fn max_teams_zero_is_refused_with_the_file_named() {
    let config = scratch("zero.toml", "[runtime]\nmax_teams = 0\n");
    let path = config.to_str().expect("utf-8");
    let (ok, _, stderr) = bothost(&["serve", "--config", path], "");
    assert!(!ok);
    assert_eq!(
        stderr.trim(),
        format!(
            "bothost: config {path}: [runtime] max_teams must be at least 1 (it sizes the instance pool)"
        )
    );
}

#[test]
fn a_bad_log_filter_is_an_error_and_the_flag_wins_over_rust_log() {
    let (ok, _, stderr) = bothost(&["--log", "bothost=loud", "status"], "");
    assert!(!ok);
    assert!(
        stderr.starts_with("bothost: invalid log filter \"bothost=loud\" (from --log)"),
        "{stderr}"
    );
    let (ok, _, stderr) = bothost_env(&["status"], "", &[("RUST_LOG", "bothost=loud")]);
    assert!(!ok);
    assert!(stderr.contains("(from RUST_LOG)"), "{stderr}");
    // With --log, RUST_LOG is not even read: the failure is status's own.
    let (ok, _, stderr) = bothost_env(
        &[
            "--log",
            "warn",
            "status",
            "--token-env",
            "BOTHOST_CLI_TEST_NO_TOKEN",
        ],
        "",
        &[("RUST_LOG", "bothost=loud")],
    );
    assert!(!ok);
    assert!(
        stderr.starts_with("bothost: no admin token: BOTHOST_CLI_TEST_NO_TOKEN is not set"),
        "{stderr}"
    );
}

#[test]
fn json_logs_and_no_colour_in_a_pipe() {
    // Trace shows the runtime's first lines before the missing bot stops
    // the run: each must be a JSON object without escape codes.
    let args = [
        &["--log", "trace", "--log-format", "json"][..],
        &MISSING_BOT,
    ]
    .concat();
    let (ok, _, stderr) = bothost(&args, "");
    assert!(!ok);
    assert!(!stderr.contains('\x1b'), "{stderr}");
    let logged: Vec<&str> = stderr.lines().filter(|l| l.starts_with('{')).collect();
    assert!(!logged.is_empty(), "some JSON log line: {stderr}");
    for line in logged {
        assert!(line.contains("\"level\":") && line.ends_with('}'), "{line}");
    }
}

#[test]
fn help_points_at_readme_sections_that_exist() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README");
    let headings: Vec<&str> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .collect();
    let mut seen = 0;
    for command in ["serve", "local", "status", "resourcer-sim"] {
        let (ok, help, _) = bothost(&[command, "--help"], "");
        assert!(ok);
        for part in help.split("README, section \"").skip(1) {
            let section = part.split('"').next().expect("closing quote");
            assert!(
                headings.contains(&section),
                "`{command} --help` names README section {section:?}; README has {headings:?}"
            );
            seen += 1;
        }
    }
    assert!(seen >= 2, "serve --help points at the README");
}

#[test]
fn status_without_a_host_says_what_to_check() {
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let (ok, stdout, stderr) = bothost_env(
        &["status", "--url", &url],
        "",
        &[("BOTHOST_ADMIN_TOKEN", "t")],
    );
    assert!(!ok);
    assert!(stdout.is_empty());
    assert!(
        stderr.starts_with(&format!(
            "bothost: cannot reach the admin API at {url}: connection refused"
        )),
        "{stderr}"
    );
}

/// `bothost local BOT --script - --no-cache EXTRA…` with `script` on stdin.
fn local_script(bot: &str, extra: &[&str], script: &str) -> (bool, String, String) {
    let mut args = vec!["local", bot, "--script", "-", "--no-cache"];
    args.extend_from_slice(extra);
    bothost(&args, script)
}

/// `--set` takes a value with spaces, quoted or as the shell leaves it, and
/// says what is wrong with an open quote.
#[test]
fn local_set_takes_a_quoted_value() {
    for arg in [r#"prefix="You said: ""#, "prefix=You said: "] {
        let (ok, stdout, stderr) = local_script(bothost_guests::REPEAT, &["--set", arg], "hello\n");
        assert!(ok, "{arg}: {stderr}");
        assert_eq!(
            stdout, "[#general] alice: hello\n[#general] bot: You said: hello\n",
            "{arg}"
        );
        assert!(!stderr.contains("warning"), "{stderr}");
    }
    let open = ["--set", r#"prefix="You said: "#];
    let (ok, stdout, stderr) = local_script(bothost_guests::REPEAT, &open, "hello\n");
    assert!(!ok);
    assert!(stdout.is_empty(), "nothing ran: {stdout}");
    assert!(
        stderr.contains(r#"unterminated quote in `prefix="You said:`"#),
        "{stderr}"
    );
}

#[test]
fn local_config_flag_is_a_deprecated_name_of_set() {
    let old = ["--config", "prefix=> "];
    let (ok, stdout, stderr) = local_script(bothost_guests::REPEAT, &old, "hi\n");
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "[#general] alice: hi\n[#general] bot: > hi\n");
    assert!(stderr.contains("is now `--set`"), "{stderr}");
}

/// Starts `bothost resourcer-sim` on a free port with stdin closed at once;
/// returns the child and the address it serves. Its stderr is drained
/// until it exits, so a late line cannot fail on a closed pipe.
fn sim_with_closed_stdin(extra: &[&str]) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_bothost"))
        .args(["resourcer-sim", "--bind", "127.0.0.1:0"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn bothost");
    let stderr = child.stderr.take().expect("stderr");
    let (lines, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = lines.send(line);
        }
    });
    let addr = received
        .iter()
        .find_map(|line| {
            let rest = line.split("resourcer simulator on ws://").nth(1)?;
            Some(rest.split('/').next()?.to_owned())
        })
        .expect("the simulator says where it listens");
    (child, addr)
}

#[test]
fn resourcer_sim_keeps_serving_after_stdin_closes_until_sigterm() {
    for extra in [&[][..], &["--no-console"][..]] {
        let (mut child, addr) = sim_with_closed_stdin(extra);
        std::thread::sleep(std::time::Duration::from_millis(500));
        assert!(
            child.try_wait().expect("poll").is_none(),
            "{extra:?}: the simulator stopped when stdin closed"
        );
        std::net::TcpStream::connect(&addr).unwrap_or_else(|e| panic!("{extra:?}: {addr}: {e}"));
        let term = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill");
        assert!(term.success());
        let status = child.wait().expect("wait");
        assert!(
            status.success(),
            "{extra:?}: SIGTERM is a clean stop: {status}"
        );
    }
}

/// A broken stderr (a log reader that went away) loses log lines, never
/// the run: the transcript still comes out whole on stdout.
#[test]
fn a_broken_stderr_never_stops_the_host() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bothost"))
        .args([
            "--log",
            "bothost=trace",
            "local",
            bothost_guests::TRAPPER,
            "--script",
            "-",
            "--no-cache",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn bothost");
    // Close the read end of stderr before anything is logged.
    drop(child.stderr.take());
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"print\nmem\n")
        .expect("script");
    let out = child.wait_with_output().expect("wait");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("bot: printed"), "{stdout}");
    assert!(stdout.contains("bot: mem: 1 config v=-"), "{stdout}");
}
