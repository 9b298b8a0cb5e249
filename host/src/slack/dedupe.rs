//! Remembers recently seen ids so Socket Mode redeliveries (same
//! `envelope_id`, or the same `event_id` in a new envelope) reach a bot once.

use std::collections::{HashSet, VecDeque};

/// A bounded set: the oldest ids are forgotten first.
#[derive(Debug)]
pub struct Seen {
    order: VecDeque<String>,
    set: HashSet<String>,
    capacity: usize,
}

impl Seen {
    pub fn new(capacity: usize) -> Self {
        Self {
            order: VecDeque::with_capacity(capacity),
            set: HashSet::with_capacity(capacity),
            capacity: capacity.max(1),
        }
    }

    /// Records `id`; returns false if it was already there.
    pub fn insert(&mut self, id: &str) -> bool {
        if self.set.contains(id) {
            return false;
        }
        if self.order.len() == self.capacity
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        self.order.push_back(id.to_owned());
        self.set.insert(id.to_owned());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::Seen;

    #[test]
    fn remembers_a_bounded_window() {
        let mut seen = Seen::new(2);
        assert!(seen.insert("a"));
        assert!(!seen.insert("a"));
        assert!(seen.insert("b"));
        assert!(seen.insert("c"));
        assert!(seen.insert("a"), "the oldest was forgotten");
    }
}
