//! The layering rules of `host/src` (see `lib.rs` and the architecture
//! doc), checked on the source: a module may name only the modules its
//! layer may depend on, and only the runtime and the capabilities may
//! name wasmtime. A forbidden import fails this test with the file and
//! line.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Modules of the bottom layer: plain types and helpers every layer uses.
const BOTTOM: &[&str] = &[
    "ids",
    "event",
    "team_info",
    "bot_config",
    "spec",
    "limits",
    "secret",
    "text",
    "deadline",
    "shutdown",
    "metrics",
    "config",
    "backoff",
    "counters",
    "log_budget",
    "bot_file",
    "fuzz",
];

/// What each module may name besides the bottom layer (`None`: anything).
fn allowed(module: &str) -> Option<&'static [&'static str]> {
    Some(match module {
        m if BOTTOM.contains(&m) => &[],
        // The chat port and the adapters.
        "chat" | "storage" | "resourcer" => &[],
        "slack" | "local" => &["chat"],
        // The sandbox knows no capability, no team and no adapter.
        "runtime" => &[],
        "capabilities" => &["runtime", "chat", "storage"],
        "team" => &["runtime", "capabilities", "chat", "storage"],
        // The top wires everything.
        _ => return None,
    })
}

/// Modules allowed to name wasmtime.
const WASMTIME: &[&str] = &["runtime", "capabilities"];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`slack/api/client.rs` → `slack`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let first = rel.components().next().expect("component");
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_owned()
}

/// Every `crate::name` a line of code mentions.
fn crate_refs(line: &str) -> BTreeSet<String> {
    let mut refs = BTreeSet::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            refs.insert(name);
        }
    }
    refs
}

#[test]
fn no_module_names_a_layer_above_its_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    assert!(files.len() > 50, "found the sources");
    let mut problems = Vec::new();
    for file in &files {
        let module = module_of(&src, file);
        let text = std::fs::read_to_string(file).expect("read");
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            if let Some(extra) = allowed(&module) {
                for name in crate_refs(code) {
                    let ok = name == module
                        || BOTTOM.contains(&name.as_str())
                        || extra.contains(&name.as_str());
                    if !ok {
                        problems.push(format!(
                            "{}:{}: `{module}` must not use `crate::{name}`",
                            file.display(),
                            n + 1
                        ));
                    }
                }
            }
            let names_wasmtime = code.contains("wasmtime");
            let top = allowed(&module).is_none();
            if names_wasmtime && !top && !WASMTIME.contains(&module.as_str()) {
                problems.push(format!(
                    "{}:{}: `{module}` must not name wasmtime",
                    file.display(),
                    n + 1
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "layering broken:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_checker_sees_a_forbidden_import() {
    assert!(crate_refs("use crate::team::TeamError;").contains("team"));
    assert_eq!(allowed("runtime"), Some(&[][..]));
    assert!(!allowed("slack").expect("adapter").contains(&"team"));
}
