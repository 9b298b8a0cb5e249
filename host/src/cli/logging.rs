//! Log setup: which filter (`--log` first, then `RUST_LOG`, then the
//! command's default), which format (text for people, JSON lines for log
//! shippers), and colour only when a person is looking (stderr is a
//! terminal and `NO_COLOR` is unset), so files and pipes get no escape
//! codes. A filter that does not parse is an error naming it: silently
//! falling back to `info` hides the very logs someone asked for.

use std::io::IsTerminal;

use thiserror::Error;
use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt;

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line (timestamp, level, target, fields).
    Json,
}

/// Why logging could not be set up.
#[derive(Debug, Error)]
pub enum LogError {
    #[error("invalid log filter {filter:?} (from {from}): {reason}")]
    BadFilter {
        filter: String,
        /// `--log` or `RUST_LOG`: where to fix it.
        from: &'static str,
        reason: String,
    },
}

/// Where the filter comes from: `--log` wins over `RUST_LOG` (the flag is
/// the more specific ask), which wins over the command's default. An empty
/// `RUST_LOG` counts as unset.
pub fn choose_filter<'a>(
    flag: Option<&'a str>,
    rust_log: Option<&'a str>,
    default: &'a str,
) -> (&'a str, &'static str) {
    match (flag, rust_log) {
        (Some(flag), _) => (flag, "--log"),
        (None, Some(env)) if !env.trim().is_empty() => (env, "RUST_LOG"),
        _ => (default, "the default"),
    }
}

/// Parses a filter, refusing what `EnvFilter` would otherwise half-accept.
///
/// # Errors
/// [`LogError::BadFilter`] naming the filter and where it came from.
pub fn parse_filter(filter: &str, from: &'static str) -> Result<EnvFilter, LogError> {
    EnvFilter::builder()
        .parse(filter)
        .map_err(|e| LogError::BadFilter {
            filter: filter.to_owned(),
            from,
            reason: e.to_string(),
        })
}

/// The subscriber for `format`, writing to `writer`.
pub fn subscriber<W>(
    format: LogFormat,
    filter: EnvFilter,
    writer: W,
    ansi: bool,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    // A log line that cannot be written (stderr a broken pipe) is lost;
    // the subscriber must not report it with `eprintln!`, which panics
    // on that same broken pipe inside whatever task was logging (a bot's
    // host call, a team's actor).
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .log_internal_errors(false);
    match format {
        LogFormat::Text => Box::new(builder.with_ansi(ansi).finish()),
        // JSON is for machines: never coloured.
        LogFormat::Json => Box::new(builder.json().with_ansi(false).finish()),
    }
}

/// Installs the process's logger, writing to stderr (stdout carries
/// transcripts and `status` tables).
///
/// # Errors
/// A filter that does not parse.
pub fn init(flag: Option<&str>, format: LogFormat, default: &str) -> Result<(), LogError> {
    let rust_log = std::env::var("RUST_LOG").ok();
    let (filter, from) = choose_filter(flag, rust_log.as_deref(), default);
    let filter = parse_filter(filter, from)?;
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    // Only fails if a logger is already installed (tests): keep that one.
    let _ = subscriber(format, filter, std::io::stderr, ansi).try_init();
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[test]
    fn the_flag_wins_over_rust_log_which_wins_over_the_default() {
        assert_eq!(
            choose_filter(Some("debug"), Some("trace"), "info"),
            ("debug", "--log")
        );
        assert_eq!(
            choose_filter(None, Some("trace"), "info"),
            ("trace", "RUST_LOG")
        );
        assert_eq!(
            choose_filter(None, Some(" "), "warn"),
            ("warn", "the default")
        );
        assert_eq!(choose_filter(None, None, "warn"), ("warn", "the default"));
    }

    #[test]
    fn a_bad_filter_is_an_error_that_names_it() {
        let err = parse_filter("bothost=loud", "--log")
            .expect_err("not a level")
            .to_string();
        assert!(
            err.starts_with("invalid log filter \"bothost=loud\" (from --log): "),
            "{err}"
        );
        assert!(parse_filter("info,bothost::admin=debug", "RUST_LOG").is_ok());
    }

    /// Captures what a subscriber writes.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("buffer").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn logged(format: LogFormat, ansi: bool) -> String {
        let buffer = Buffer::default();
        let sink = buffer.clone();
        let filter = parse_filter("info", "--log").expect("filter");
        let subscriber = subscriber(format, filter, move || sink.clone(), ansi);
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(team = "T1", "team added");
            tracing::debug!("filtered out");
        });
        let bytes = buffer.0.lock().expect("buffer").clone();
        String::from_utf8(bytes).expect("utf-8")
    }

    #[test]
    fn json_lines_for_machines() {
        let text = logged(LogFormat::Json, true);
        let line: serde_json::Value = serde_json::from_str(text.trim()).expect("one JSON line");
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["fields"]["message"], "team added");
        assert_eq!(line["fields"]["team"], "T1");
        assert!(!text.contains('\x1b'), "never coloured: {text:?}");
    }

    #[test]
    fn text_without_colour_when_not_a_terminal() {
        let plain = logged(LogFormat::Text, false);
        assert!(
            plain.contains("team added") && plain.contains("team=\"T1\""),
            "{plain}"
        );
        assert!(!plain.contains('\x1b'), "{plain:?}");
        assert!(!plain.contains("filtered out"));
        assert!(logged(LogFormat::Text, true).contains('\x1b'));
    }
}
