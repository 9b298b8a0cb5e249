//! Compiling untrusted components in a child process with a memory and
//! CPU ceiling.
//!
//! wasmtime's security promise does not cover compilation: a component
//! within every preflight limit can still make cranelift take a lot of
//! memory. So when the host runs as the `bothost` binary with a compile
//! cache, a component not yet in the cache is first compiled by
//! `bothost compile-worker`, a child that builds the very same engine,
//! lowers its own address-space and CPU limits (`setrlimit`), compiles, and
//! leaves the result in the shared cache. If the child dies (out of memory,
//! out of CPU time) the component is refused naming the ceiling; if it
//! succeeds, the host's own compile is a cache hit. No compiled code ever
//! crosses the process boundary except through wasmtime's own cache.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};
use wasmtime::component::Component;

use super::engine::{RuntimeConfig, build_engine};
use super::error::RuntimeError;
use crate::limits::BotLimits;

/// The environment variable that carries a [`WorkerConfig`] to the child.
pub const WORKER_CONFIG_ENV: &str = "BOTHOST_COMPILE_WORKER";

/// The subcommand of the `bothost` binary that runs [`run_worker`].
pub const WORKER_SUBCOMMAND: &str = "compile-worker";

/// What the child needs to build the same engine as the host.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkerConfig {
    pub max_teams: u32,
    pub cache_dir: PathBuf,
    pub limits: BotLimits,
}

impl WorkerConfig {
    /// The worker's view of `config`; `None` without a cache (the child's
    /// result could not reach the host).
    pub fn of(config: &RuntimeConfig) -> Option<Self> {
        Some(Self {
            max_teams: config.max_teams,
            cache_dir: config.cache_dir.clone()?,
            limits: config.limits.clone(),
        })
    }

    fn runtime(&self) -> RuntimeConfig {
        RuntimeConfig {
            max_teams: self.max_teams,
            cache_dir: Some(self.cache_dir.clone()),
            limits: self.limits.clone(),
            compile_worker: None,
        }
    }
}

/// The host's side: how to run a worker.
#[derive(Debug, Clone)]
pub(super) struct Worker {
    program: PathBuf,
    config: String,
    memory_bytes: u64,
}

impl Worker {
    /// A worker running `program` (the `bothost` binary) for `config`, or
    /// `None` when the config has no worker or no cache.
    pub(super) fn of(config: &RuntimeConfig) -> Option<Self> {
        let program = config.compile_worker.clone()?;
        let worker = WorkerConfig::of(config)?;
        Some(Self {
            program,
            memory_bytes: worker.limits.compile.memory_bytes,
            config: serde_json::to_string(&worker).ok()?,
        })
    }

    /// Compiles `bytes` in a child and waits for it (a blocking call: run
    /// it on a blocking thread). Its CPU time is capped by the compile
    /// timeout, its memory by `compile.memory_bytes`.
    ///
    /// # Errors
    /// [`RuntimeError::Invalid`] saying why the child failed: the
    /// component's own compile error, or the ceiling it hit.
    pub(super) fn compile(&self, path: &Path, bytes: &[u8]) -> Result<(), RuntimeError> {
        let invalid = |reason: String| RuntimeError::Invalid {
            path: path.to_path_buf(),
            reason,
        };
        let mut child = Command::new(&self.program)
            .arg(WORKER_SUBCOMMAND)
            .env(WORKER_CONFIG_ENV, &self.config)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                invalid(format!(
                    "cannot start the compile worker {}: {e}",
                    self.program.display()
                ))
            })?;
        if let Some(mut stdin) = child.stdin.take() {
            // A child that died early closes its end; its status says why.
            let _ = stdin.write_all(bytes);
        }
        let output = child
            .wait_with_output()
            .map_err(|e| invalid(format!("compile worker: {e}")))?;
        if output.status.success() {
            return Ok(());
        }
        let said = String::from_utf8_lossy(&output.stderr);
        let last = said
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        let mib = self.memory_bytes / (1024 * 1024);
        let reason = match output.status.code() {
            Some(WORKER_REFUSED) if !last.contains("Cannot allocate memory") => {
                last.trim().to_owned()
            }
            // Killed by a signal (SIGXCPU / SIGKILL at the CPU limit, SIGABRT
            // when an allocation failed at the memory limit), or an exit
            // the worker never chooses itself.
            _ if last.contains("memory allocation") || last.contains("out of memory") => {
                format!("compilation needed more than the {mib} MiB ceiling (compile.memory_bytes)")
            }
            _ => format!(
                "compilation stopped ({}): over the {mib} MiB memory ceiling (compile.memory_bytes) \
                 or the CPU time limit (compile.timeout_secs)",
                output.status
            ),
        };
        Err(invalid(reason))
    }
}

/// The worker's exit code when the component itself is refused (its
/// reason is the last line of stderr).
const WORKER_REFUSED: i32 = 3;

/// `bothost compile-worker`: reads a component on stdin, compiles it into
/// the cache with the engine [`WORKER_CONFIG_ENV`] describes, under its own
/// rlimits. Returns the process exit code.
pub fn run_worker() -> i32 {
    match worker_main() {
        Ok(()) => 0,
        Err((code, message)) => {
            let _ = writeln!(std::io::stderr(), "{message}");
            code
        }
    }
}

fn worker_main() -> Result<(), (i32, String)> {
    let fail = |message: String| (1, message);
    let json = std::env::var(WORKER_CONFIG_ENV).map_err(|_| {
        fail(format!(
            "{WORKER_CONFIG_ENV} is not set: this subcommand is run by the host"
        ))
    })?;
    let config: WorkerConfig =
        serde_json::from_str(&json).map_err(|e| fail(format!("bad worker config: {e}")))?;
    let engine = build_engine(&config.runtime()).map_err(|e| fail(e.to_string()))?;
    // After the engine: its pool is address space reserved up front, which
    // the ceiling must leave alone.
    limit_self(
        config.limits.compile.memory_bytes,
        config.limits.compile.timeout_secs,
    )
    .map_err(fail)?;
    let cap = usize::try_from(config.limits.component_bytes).unwrap_or(usize::MAX);
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| fail(format!("reading the component: {e}")))?;
    if bytes.len() > cap {
        return Err((WORKER_REFUSED, format!("larger than {cap} bytes")));
    }
    Component::new(&engine, &bytes).map_err(|e| (WORKER_REFUSED, format!("{e:#}")))?;
    Ok(())
}

/// Caps this process: `memory_bytes` of address space beyond what it has
/// now, and `cpu_secs` of CPU time.
fn limit_self(memory_bytes: u64, cpu_secs: u64) -> Result<(), String> {
    use rustix::process::{Resource, Rlimit, setrlimit};
    let now = mapped_bytes().unwrap_or(0);
    let address_space = now.saturating_add(memory_bytes);
    setrlimit(
        Resource::As,
        Rlimit {
            current: Some(address_space),
            maximum: Some(address_space),
        },
    )
    .map_err(|e| format!("cannot limit the worker's memory: {e}"))?;
    let cpu = cpu_secs.max(1);
    setrlimit(
        Resource::Cpu,
        Rlimit {
            current: Some(cpu),
            maximum: Some(cpu.saturating_add(1)),
        },
    )
    .map_err(|e| format!("cannot limit the worker's CPU time: {e}"))
}

/// This process's mapped address space (`VmSize`), in bytes.
fn mapped_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmSize:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib.saturating_mul(1024))
}
