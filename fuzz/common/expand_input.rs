//! How the expand fuzz target reads its input, shared (by `#[path]`) with the unit test that
//! replays what a fuzzing run found (src/syntax/expand/tests.rs).

// Both users import `Expander` (the fuzz crate by name, the library as `crate::`).
use super::Expander;

/// Byte 0 picks the escape character and the reference's switches; the rest, as UTF-8, is the
/// word followed by NUL-separated `KEY=VALUE` variables. `None` when the rest is not UTF-8.
pub fn decode(data: &[u8]) -> Option<(Expander, &str, Vec<String>)> {
    let (&flags, rest) = data.split_first()?;
    let text = std::str::from_utf8(rest).ok()?;
    let mut parts = text.split('\0');
    let word = parts.next().unwrap_or_default();
    let env = parts.map(str::to_string).collect();
    let escape = if flags & 1 == 0 { '\\' } else { '`' };
    let expander = Expander::new(escape)
        .raw_quotes(flags & 2 != 0)
        .raw_escapes(flags & 4 != 0)
        .skip_unset(flags & 8 != 0)
        .skip_quotes(flags & 16 != 0);
    Some((expander, word, env))
}
