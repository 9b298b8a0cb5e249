//! Resource limits of one bot's store. wasmtime's `StoreLimits` caps each
//! linear memory on its own; a component can have several, so this limiter
//! caps their sum: the memory limit is per bot, not per memory.

use wasmtime::ResourceLimiter;

use super::store::{MAX_INSTANCES, MAX_MEMORIES, MAX_TABLES};

#[derive(Debug, Clone)]
pub struct BotLimiter {
    memory_limit: usize,
    memory_used: usize,
    table_elements: usize,
}

impl BotLimiter {
    pub fn new(memory_limit: usize, table_elements: usize) -> Self {
        Self {
            memory_limit,
            memory_used: 0,
            table_elements,
        }
    }
}

impl ResourceLimiter for BotLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let grow = desired.saturating_sub(current);
        let total = self.memory_used.saturating_add(grow);
        if total > self.memory_limit {
            // `memory.grow` returns -1; the guest decides what to do.
            return Ok(false);
        }
        self.memory_used = total;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= self.table_elements)
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_covers_all_memories_together() {
        let mut l = BotLimiter::new(100, 10);
        assert!(l.memory_growing(0, 60, None).expect("ok"), "first memory");
        assert!(
            !l.memory_growing(0, 60, None).expect("ok"),
            "second memory would pass the sum"
        );
        assert!(l.memory_growing(0, 40, None).expect("ok"), "fits exactly");
        assert!(
            !l.memory_growing(60, 61, None).expect("ok"),
            "nothing left to grow"
        );
        assert!(!l.table_growing(0, 11, None).expect("ok"));
    }
}
