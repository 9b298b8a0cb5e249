//! The `bothost` binary end to end: `local --script` prints the transcript;
//! bad input gives a clear error and a failing exit code.

use std::io::Write;
use std::process::{Command, Stdio};

fn bothost(args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bothost"))
        .args(args)
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

#[test]
fn a_missing_component_is_a_clear_error() {
    let (ok, _, stderr) = bothost(
        &[
            "local",
            "/nonexistent/bot.wasm",
            "--script",
            "-",
            "--no-cache",
        ],
        "",
    );
    assert!(!ok);
    assert!(
        stderr.contains("cannot read bot component /nonexistent/bot.wasm"),
        "{stderr}"
    );
}
