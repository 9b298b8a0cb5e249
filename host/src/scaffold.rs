//! `bothost new <name> --lang rust|python|js`: a bot project that builds
//! and passes its own scripted test with `./test.sh`.
//!
//! The templates live in `templates/`; the contract (`wit/`) and the SDK of
//! the language are the repository's own files, embedded at build time, so
//! a project is self-contained and matches the host that made it.

use std::path::{Path, PathBuf};

use thiserror::Error;

/// The language of a new bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    Rust,
    Python,
    Js,
}

#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The bot's name: lower-case letters, digits and `-`, starting with a letter.
    pub name: String,
    #[arg(long, value_enum, default_value_t = Lang::Rust)]
    pub lang: Lang,
    /// Where to create it (default: `./<name>`); must not exist or be empty.
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Error)]
pub enum ScaffoldError {
    #[error(
        "`{0}` is not a bot name: use lower-case letters, digits and `-`, starting with a letter"
    )]
    BadName(String),
    #[error("{0} already exists and is not empty")]
    Exists(PathBuf),
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// (path in the project, contents).
type Files = &'static [(&'static str, &'static str)];

macro_rules! repo_file {
    ($project:literal, $repo:literal) => {
        ($project, include_str!(concat!("../../", $repo)))
    };
}

const COMMON: Files = &[
    repo_file!("wit/world.wit", "wit/world.wit"),
    repo_file!("wit/handler.wit", "wit/handler.wit"),
    repo_file!("wit/types.wit", "wit/types.wit"),
    repo_file!("wit/chat.wit", "wit/chat.wit"),
    repo_file!("wit/channels.wit", "wit/channels.wit"),
    repo_file!("wit/kv.wit", "wit/kv.wit"),
    repo_file!("wit/timers.wit", "wit/timers.wit"),
    repo_file!("wit/log.wit", "wit/log.wit"),
    repo_file!("test.script", "templates/common/test.script"),
    repo_file!("expected.txt", "templates/common/expected.txt"),
    repo_file!("README.md", "templates/common/README.md"),
];

const RUST: Files = &[
    repo_file!("Cargo.toml", "templates/rust/Cargo.toml"),
    repo_file!("src/lib.rs", "templates/rust/src/lib.rs"),
    repo_file!("test.sh", "templates/rust/test.sh"),
    repo_file!("rust-toolchain.toml", "rust-toolchain.toml"),
    repo_file!("bothost-sdk/Cargo.toml", "templates/rust/sdk.toml"),
    repo_file!("bothost-sdk/src/lib.rs", "guest-sdk/src/lib.rs"),
    repo_file!("bothost-sdk/src/blocks.rs", "guest-sdk/src/blocks.rs"),
    repo_file!("bothost-sdk/src/bot.rs", "guest-sdk/src/bot.rs"),
    repo_file!("bothost-sdk/src/channels.rs", "guest-sdk/src/channels.rs"),
    repo_file!("bothost-sdk/src/chat.rs", "guest-sdk/src/chat.rs"),
    repo_file!("bothost-sdk/src/config.rs", "guest-sdk/src/config.rs"),
    repo_file!("bothost-sdk/src/error.rs", "guest-sdk/src/error.rs"),
    repo_file!("bothost-sdk/src/kv.rs", "guest-sdk/src/kv.rs"),
    repo_file!("bothost-sdk/src/log.rs", "guest-sdk/src/log.rs"),
    repo_file!("bothost-sdk/src/rt.rs", "guest-sdk/src/rt.rs"),
    repo_file!("bothost-sdk/src/timers.rs", "guest-sdk/src/timers.rs"),
    (".gitignore", "target/\n"),
];

const PYTHON: Files = &[
    repo_file!("bot.py", "templates/python/bot.py"),
    repo_file!("test.sh", "templates/python/test.sh"),
    repo_file!(
        "bothost/__init__.py",
        "guest-sdk/python/bothost/__init__.py"
    ),
    repo_file!("bothost/api.py", "guest-sdk/python/bothost/api.py"),
    repo_file!("bothost/events.py", "guest-sdk/python/bothost/events.py"),
    (".gitignore", "bot.wasm\n__pycache__/\n"),
];

const JS: Files = &[
    repo_file!("bot.js", "templates/js/bot.js"),
    repo_file!("package.json", "templates/js/package.json"),
    repo_file!("test.sh", "templates/js/test.sh"),
    repo_file!("bothost/bothost.js", "guest-sdk/js/bothost.js"),
    repo_file!("bothost/api.js", "guest-sdk/js/api.js"),
    repo_file!("bothost/events.js", "guest-sdk/js/events.js"),
    (".gitignore", "bot.wasm\nnode_modules/\n"),
];

impl Lang {
    fn files(self) -> Files {
        match self {
            Lang::Rust => RUST,
            Lang::Python => PYTHON,
            Lang::Js => JS,
        }
    }

    fn title(self) -> &'static str {
        match self {
            Lang::Rust => "Rust",
            Lang::Python => "Python",
            Lang::Js => "JavaScript",
        }
    }

    /// Where `./test.sh` leaves the component.
    fn wasm(self, name: &str) -> String {
        match self {
            Lang::Rust => format!(
                "target/wasm32-wasip2/release/{}.wasm",
                name.replace('-', "_")
            ),
            Lang::Python | Lang::Js => "bot.wasm".to_owned(),
        }
    }
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && name.len() <= 64
}

/// Creates the project; returns its directory.
///
/// # Errors
/// A bad name, an existing non-empty directory, or a write that fails.
pub fn create(args: &NewArgs) -> Result<PathBuf, ScaffoldError> {
    if !valid_name(&args.name) {
        return Err(ScaffoldError::BadName(args.name.clone()));
    }
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(&args.name));
    if std::fs::read_dir(&dir).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(ScaffoldError::Exists(dir));
    }
    let wasm = args.lang.wasm(&args.name);
    let fill = |text: &str| {
        text.replace("{{name}}", &args.name)
            .replace("{{crate}}", &args.name.replace('-', "_"))
            .replace("{{lang}}", args.lang.title())
            .replace("{{wasm}}", &wasm)
    };
    for (path, text) in COMMON.iter().chain(args.lang.files()) {
        write(&dir.join(path), &fill(text))?;
    }
    Ok(dir)
}

fn write(path: &Path, text: &str) -> Result<(), ScaffoldError> {
    let io = |source| ScaffoldError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(path, text).map_err(io)?;
    #[cfg(unix)]
    if path.extension().is_some_and(|e| e == "sh") {
        use std::os::unix::fs::PermissionsExt;
        let executable = std::fs::Permissions::from_mode(0o755);
        std::fs::set_permissions(path, executable).map_err(io)?;
    }
    Ok(())
}

/// `bothost new`: creates the project and says what to do next.
///
/// # Errors
/// See [`create`].
pub fn run(args: &NewArgs) -> Result<(), ScaffoldError> {
    let dir = create(args)?;
    println!(
        "created a {} bot in {}\nbuild and test it: cd {} && ./test.sh",
        args.lang.title(),
        dir.display(),
        dir.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(valid_name("my-bot2"));
        for bad in ["", "2bot", "My", "a_b", "../x"] {
            assert!(!valid_name(bad), "{bad}");
        }
    }
}
