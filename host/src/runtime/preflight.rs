//! A component's shape, checked before it is compiled: compile time and
//! memory grow with the number of functions, their size, their locals and
//! their nesting, and a few kilobytes of hostile input can keep a
//! compiler busy for tens of seconds. The walk is linear in the file's
//! size and allocates nothing per function.

use std::path::Path;

use wasmparser::{Operator, Parser, Payload};

use super::error::RuntimeError;
use super::store::{MAX_MEMORIES, MAX_TABLES};
use crate::limits::CompileLimits;

/// What a component contains, counted across its nested modules.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Shape {
    pub functions: u64,
    pub memories: u64,
    pub tables: u64,
    pub core_instances: u64,
}

/// Checks `bytes` against `limits`; the error names the limit.
pub(super) fn check(
    path: &Path,
    bytes: &[u8],
    limits: &CompileLimits,
) -> Result<Shape, RuntimeError> {
    let refuse = |what: String| RuntimeError::OverLimit {
        path: path.to_path_buf(),
        what,
    };
    let invalid = |e: wasmparser::BinaryReaderError| RuntimeError::Invalid {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let mut shape = Shape::default();
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(invalid)? {
            Payload::FunctionSection(s) => shape.functions += u64::from(s.count()),
            Payload::MemorySection(s) => shape.memories += u64::from(s.count()),
            Payload::TableSection(s) => shape.tables += u64::from(s.count()),
            Payload::InstanceSection(s) => shape.core_instances += u64::from(s.count()),
            Payload::CodeSectionEntry(body) => {
                let size = body.as_bytes().len();
                if size > limits.max_function_bytes as usize {
                    return Err(refuse(format!(
                        "a function of {size} bytes (limit {} bytes, `limits.compile.max_function_bytes`)",
                        limits.max_function_bytes
                    )));
                }
                let mut locals: u64 = 0;
                for entry in body.get_locals_reader().map_err(invalid)? {
                    locals += u64::from(entry.map_err(invalid)?.0);
                }
                if locals > u64::from(limits.max_locals) {
                    return Err(refuse(format!(
                        "a function with {locals} locals (limit {}, `limits.compile.max_locals`)",
                        limits.max_locals
                    )));
                }
                let mut depth: u32 = 0;
                let mut ops = body.get_operators_reader().map_err(invalid)?;
                while !ops.eof() {
                    match ops.read().map_err(invalid)? {
                        Operator::Block { .. }
                        | Operator::Loop { .. }
                        | Operator::If { .. }
                        | Operator::TryTable { .. } => {
                            depth += 1;
                            if depth > limits.max_nesting {
                                return Err(refuse(format!(
                                    "blocks nested deeper than {} (`limits.compile.max_nesting`)",
                                    limits.max_nesting
                                )));
                            }
                        }
                        Operator::End => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        if shape.functions > u64::from(limits.max_functions) {
            return Err(refuse(format!(
                "{} functions (limit {}, `limits.compile.max_functions`)",
                shape.functions, limits.max_functions
            )));
        }
    }
    // Core instances are not counted here: an instance section also
    // declares instances made of exports, which take no pool slot; the
    // pool's own per-component limit refuses too many real ones.
    let per_team = [
        (shape.memories, MAX_MEMORIES, "memories"),
        (shape.tables, MAX_TABLES, "tables"),
    ];
    for (declared, limit, what) in per_team {
        if declared > limit as u64 {
            return Err(refuse(format!(
                "{declared} {what} (a bot's share of the instance pool is {limit})"
            )));
        }
    }
    Ok(shape)
}
