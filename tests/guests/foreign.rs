//! Python and JavaScript example bots and SDK fixtures, built by their own
//! toolchains when those are installed (`tools/`), cached by a hash of
//! everything that goes into them. A missing toolchain is not an error
//! here: the constant is `None` and the reason is exported, so tests can
//! skip locally and fail in CI (see `bothost_guests::foreign`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

/// A language whose bots are built by an external toolchain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Python,
    /// componentize-qjs (QuickJS), the default for JS.
    Js,
    /// componentize-js (SpiderMonkey): the same JS sources, a fuller engine.
    SpiderMonkey,
}

/// (constant, language, example directory).
pub const FOREIGN: &[(&str, Lang, &str)] = &[
    ("PY_ECHO", Lang::Python, "examples/python/echo"),
    ("PY_REPEAT", Lang::Python, "examples/python/repeat"),
    ("JS_ECHO", Lang::Js, "examples/js/echo"),
    ("JS_REPEAT", Lang::Js, "examples/js/repeat"),
    ("PY_SDK", Lang::Python, "tests/fixtures/python-sdk"),
    ("JS_SDK", Lang::Js, "tests/fixtures/js-sdk"),
    ("SM_ECHO", Lang::SpiderMonkey, "examples/js/echo"),
    ("SM_SDK", Lang::SpiderMonkey, "tests/fixtures/js-sdk"),
];

/// A toolchain found on this machine.
#[derive(Debug, Clone)]
pub struct Toolchain {
    program: PathBuf,
    /// Part of the cache key: a new toolchain rebuilds.
    version: String,
}

impl Lang {
    pub fn name(self) -> &'static str {
        match self {
            Lang::Python => "python",
            Lang::Js => "js",
            Lang::SpiderMonkey => "spidermonkey",
        }
    }

    fn sdk(self) -> &'static str {
        match self {
            Lang::Python => "guest-sdk/python",
            Lang::Js | Lang::SpiderMonkey => "guest-sdk/js",
        }
    }

    /// The toolchain, or why it is missing (with the command that installs it).
    pub fn toolchain(self, workspace: &Path) -> Result<Toolchain, String> {
        match self {
            Lang::Python => {
                let out = Command::new("componentize-py").arg("--version").output();
                match out {
                    Ok(out) if out.status.success() => Ok(Toolchain {
                        program: "componentize-py".into(),
                        version: String::from_utf8_lossy(&out.stdout).trim().to_owned(),
                    }),
                    _ => Err("componentize-py is not on PATH \
                              (pip install -r tools/python/requirements.txt)"
                        .into()),
                }
            }
            Lang::Js | Lang::SpiderMonkey => {
                let (package, bin) = match self {
                    Lang::Js => ("componentize-qjs", "componentize-qjs"),
                    _ => ("@bytecodealliance/componentize-js", "componentize-js"),
                };
                let tools = workspace.join("tools/js/node_modules");
                let program = tools.join(".bin").join(bin);
                let manifest = fs::read_to_string(tools.join(package).join("package.json"));
                match manifest {
                    Ok(version) if program.exists() => Ok(Toolchain { program, version }),
                    _ => Err(format!("{bin} is not installed (npm ci --prefix tools/js)")),
                }
            }
        }
    }

    /// The command that builds `dir`'s bot into `out`.
    fn command(self, tool: &Toolchain, workspace: &Path, dir: &str, out: &Path) -> Command {
        let mut cmd = Command::new(&tool.program);
        cmd.current_dir(workspace);
        match self {
            Lang::Python => {
                cmd.args(["-d", "wit", "-w", "bot", "componentize", "-p", dir])
                    .args(["-p", self.sdk(), "bot", "-o"])
                    .arg(out)
                    // Keep __pycache__ out of the watched source tree.
                    .env("PYTHONDONTWRITEBYTECODE", "1");
            }
            Lang::Js => {
                cmd.args(["--sync", "--wit", "wit", "-n", "bot", "-j"])
                    .arg(format!("{dir}/bot.js"))
                    .arg("-o")
                    .arg(out);
            }
            Lang::SpiderMonkey => {
                // Without `-d`, it imports wasi:http and more the host
                // does not serve.
                cmd.arg(format!("{dir}/bot.js"))
                    .args(["--wit", "wit", "-n", "bot", "-o"])
                    .arg(out)
                    .args(["-d", "stdio", "random", "clocks", "http", "fetch-event"]);
            }
        }
        cmd
    }
}

/// Builds one example (or takes it from the cache); `Err` is a build failure.
pub fn build(
    lang: Lang,
    tool: &Toolchain,
    workspace: &Path,
    dir: &str,
    cache: &Path,
) -> Result<PathBuf, String> {
    let key = cache_key(lang, tool, workspace, dir);
    let name = dir.rsplit('/').next().unwrap_or(dir);
    let out = cache.join(lang.name()).join(format!("{name}-{key}.wasm"));
    if out.is_file() {
        return Ok(out);
    }
    fs::create_dir_all(out.parent().expect("has a parent")).map_err(|e| e.to_string())?;
    let partial = out.with_extension("partial");
    let mut cmd = lang.command(tool, workspace, dir, &partial);
    let result = cmd
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if !result.status.success() {
        return Err(format!(
            "{cmd:?} failed ({}):\n{}{}",
            result.status,
            String::from_utf8_lossy(&result.stdout),
            String::from_utf8_lossy(&result.stderr)
        ));
    }
    fs::rename(&partial, &out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// Hash of the toolchain version and every source file that goes in.
fn cache_key(lang: Lang, tool: &Toolchain, workspace: &Path, dir: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(lang.name());
    hash.update(&tool.version);
    for root in ["wit", lang.sdk(), dir] {
        let mut files = Vec::new();
        collect(&workspace.join(root), &mut files);
        files.sort();
        for file in files {
            hash.update(
                file.strip_prefix(workspace)
                    .unwrap_or(&file)
                    .to_string_lossy()
                    .as_bytes(),
            );
            hash.update(fs::read(&file).unwrap_or_default());
        }
    }
    hash.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if entry.file_name() != "__pycache__" {
                collect(&path, files);
            }
        } else {
            files.push(path);
        }
    }
}
