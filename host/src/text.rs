//! Text from outside (a bot's logs and output) made safe for an operator's
//! log: capped, and with control characters escaped so it can neither
//! forge log lines nor send escape sequences to a terminal. And text typed
//! by a person: `key=value` pairs with quoted values ([`parse_pairs`]).

mod pairs;

pub use pairs::{PairError, pairs_line, parse_pair, parse_pair_args, parse_pairs, quote};

/// Escapes control characters (terminal escapes, carriage returns, …).
pub fn sanitize(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_owned();
    }
    s.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

/// Cuts `s` to at most `max` bytes, on a character boundary.
pub fn truncate(s: &mut String, max: usize) {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_control_sequences() {
        assert_eq!(sanitize("plain"), "plain");
        assert_eq!(sanitize("\u{1b}[2Jgone\r"), "\\u{1b}[2Jgone\\r");
    }

    #[test]
    fn truncates_on_a_char_boundary() {
        let mut s = "héllo".to_owned();
        truncate(&mut s, 2);
        assert_eq!(s, "h");
        let mut short = "ok".to_owned();
        truncate(&mut short, 10);
        assert_eq!(short, "ok");
    }
}
