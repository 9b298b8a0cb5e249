//! Components compiled in a child process under a ceiling: the real
//! `bothost compile-worker` started by a real runtime.

use std::path::Path;

use bothost::capabilities::BotRuntime;
use bothost::limits::BotLimits;
use bothost::runtime::{RuntimeConfig, RuntimeError};

fn runtime(cache: &Path, memory_bytes: u64) -> BotRuntime {
    let mut limits = BotLimits::default();
    limits.compile.memory_bytes = memory_bytes;
    BotRuntime::new(&RuntimeConfig {
        max_teams: 2,
        cache_dir: Some(cache.to_path_buf()),
        limits,
        compile_worker: Some(env!("CARGO_BIN_EXE_bothost").into()),
    })
    .expect("runtime")
}

#[tokio::test]
async fn a_component_compiled_by_the_worker_loads() {
    let cache = tempfile::tempdir().expect("cache dir");
    let rt = runtime(cache.path(), BotLimits::default().compile.memory_bytes);
    let bot = rt
        .load(Path::new(bothost_guests::ECHO))
        .await
        .expect("the worker compiles it into the cache, the host loads it");
    assert!(!bot.digest().short().is_empty());
}

#[tokio::test]
async fn a_compilation_over_the_memory_ceiling_is_refused_naming_it() {
    let cache = tempfile::tempdir().expect("cache dir");
    // Far less than compiling even a small bot takes.
    let rt = runtime(cache.path(), 8 * 1024 * 1024);
    let err = rt
        .load(Path::new(bothost_guests::ECHO))
        .await
        .expect_err("over the ceiling");
    let text = err.to_string();
    assert!(matches!(err, RuntimeError::Invalid { .. }), "{text}");
    assert!(
        text.contains("MiB") && text.contains("compile.memory_bytes"),
        "{text}"
    );
}
