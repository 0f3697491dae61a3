//! Character classes and string quoting with Go's exact rules. The reference frontend decides
//! what belongs to a variable name with `unicode.IsLetter` / `unicode.IsDigit`, and quotes the
//! word in its error messages with `%q`; Rust's nearest equivalents differ on some code points.

use std::cmp::Ordering;
use std::fmt::{self, Write};

use super::unicode_tables::{DIGIT, LETTER, PRINT};

fn in_table(table: &[(char, char)], c: char) -> bool {
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                Ordering::Less
            } else if lo > c {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        })
        .is_ok()
}

/// Go's `unicode.IsLetter` (general categories L*).
pub(super) fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        in_table(LETTER, c)
    }
}

/// Go's `unicode.IsDigit` (general category Nd, not only ASCII).
pub(super) fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit()
    } else {
        in_table(DIGIT, c)
    }
}

/// Go's `strconv.IsPrint`.
fn is_print(c: char) -> bool {
    if c.is_ascii() {
        (' '..='~').contains(&c)
    } else {
        in_table(PRINT, c)
    }
}

/// Displays a string the way Go's `%q` verb does (`strconv.Quote`), so our error messages read
/// like the reference's: `failed to process "he${PWD": ...`.
pub(super) struct GoQuoted<'a>(pub(super) &'a str);

impl fmt::Display for GoQuoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('"')?;
        for c in self.0.chars() {
            match c {
                '"' | '\\' => {
                    f.write_char('\\')?;
                    f.write_char(c)?;
                }
                c if is_print(c) => f.write_char(c)?,
                '\u{7}' => f.write_str("\\a")?,
                '\u{8}' => f.write_str("\\b")?,
                '\u{c}' => f.write_str("\\f")?,
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                '\u{b}' => f.write_str("\\v")?,
                c if c < ' ' || c == '\u{7f}' => write!(f, "\\x{:02x}", c as u32)?,
                c if (c as u32) < 0x10000 => write!(f, "\\u{:04x}", c as u32)?,
                c => write!(f, "\\U{:08x}", c as u32)?,
            }
        }
        f.write_char('"')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_follow_go_not_rust_alphabetic() {
        // U+093F DEVANAGARI VOWEL SIGN I is Alphabetic for Rust but a mark (Mc) for Go.
        assert!('\u{93f}'.is_alphabetic());
        assert!(!is_letter('\u{93f}'));
        assert!(is_letter('한'));
        assert!(is_letter('é'));
        assert!(!is_letter('_'));
        assert!(!is_letter('1'));
    }

    #[test]
    fn digits_are_decimal_numbers_only() {
        assert!(is_digit('7'));
        assert!(is_digit('\u{663}')); // ARABIC-INDIC DIGIT THREE
        assert!('\u{b2}'.is_numeric()); // SUPERSCRIPT TWO is No, not Nd
        assert!(!is_digit('\u{b2}'));
        assert!(!is_digit('a'));
    }

    #[test]
    fn quoting_matches_go_percent_q() {
        let cases = [
            ("plain", r#""plain""#),
            (r#"a"b\c"#, r#""a\"b\\c""#),
            ("tab\there\n", r#""tab\there\n""#),
            ("\u{0}\u{1b}\u{7f}", r#""\x00\x1b\x7f""#),
            ("\u{85}\u{a0}\u{feff}", r#""\u0085\u00a0\ufeff""#),
            ("한국어 ok", r#""한국어 ok""#),
            ("\u{e0001}", r#""\U000e0001""#),
        ];
        for (input, want) in cases {
            assert_eq!(GoQuoted(input).to_string(), want, "input {input:?}");
        }
    }
}
