//! Word expansion on arbitrary input: never panics, errors point inside the word, and the
//! bookkeeping stays consistent.
//!
//! Input layout: byte 0 picks the escape character and the reference's switches; the rest,
//! as UTF-8, is the word followed by NUL-separated `KEY=VALUE` variables.

#![no_main]

use dockerfile_llb::syntax::expand::{ExpandError, Expander};
use libfuzzer_sys::fuzz_target;

#[path = "../common/expand_input.rs"]
mod expand_input;

fuzz_target!(|data: &[u8]| {
    let Some((expander, word, mut env)) = expand_input::decode(data) else {
        return;
    };
    let escape = expander.escape();
    // Values with pattern and quoting characters, so substitutions have something to chew on.
    env.extend([
        "P=*a?\\*".to_string(),
        "V=a*b\nab/c".to_string(),
        "E=".to_string(),
    ]);

    let single = expander.expand_word(word, &env);
    let split = expander.expand_words(word, &env);
    match (&single, &split) {
        (Ok(expansion), Ok(_)) => {
            assert!(expansion.used.is_disjoint(&expansion.unset));
            let plain = !word.contains(['$', '\'', '"', escape, '\u{feff}']);
            if plain {
                assert_eq!(expansion.value, word, "a word without $, quotes or escapes");
                assert!(expansion.used.is_empty() && expansion.unset.is_empty());
            }
        }
        (Err(a), Err(b)) => {
            // Both modes run the same scan, so they fail the same way.
            assert_eq!(a, b);
            check_span(word, a);
        }
        _ => panic!("modes disagree on {word:?}: {single:?} vs {split:?}"),
    }
});

fn check_span(word: &str, err: &ExpandError) {
    assert!(err.span.start <= err.span.end && err.span.end <= word.len());
    assert!(word.is_char_boundary(err.span.start) && word.is_char_boundary(err.span.end));
    assert_eq!(err.word, word);
    // Display must not panic either.
    let _ = err.to_string();
}
