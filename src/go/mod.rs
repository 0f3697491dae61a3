//! Everything whose text must equal Go's, byte for byte: the reference frontend decides what
//! belongs to a variable name with `unicode.IsLetter` / `unicode.IsDigit`, quotes words in
//! messages and image history with `%q` (`strconv.Quote`, which escapes what `strconv.IsPrint`
//! rejects), reads booleans with `strconv.ParseBool` and decimal integers with
//! `strconv.ParseInt`/`ParseUint` (whose errors it shows), prints `time.Duration`s with `String`
//! and writes history times as `time.Time` JSON; slash paths are in [`path`], duration parsing in
//! [`time`]. Rust's nearest equivalents differ on some code points, so the classes come from
//! tables generated from Go itself (`go run ./tests/go/text-check tables`). tests/go_text.rs
//! checks this module against Go.

use std::cmp::Ordering;
use std::fmt::{self, Write};

pub(crate) mod json;
pub mod path;
pub mod sort;
pub mod time;
mod unicode_tables;
pub(crate) mod url;

use unicode_tables::{DIGIT, LETTER, PRINT};

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
pub(crate) fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        in_table(LETTER, c)
    }
}

/// Go's `unicode.IsDigit` (general category Nd, not only ASCII).
pub(crate) fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit()
    } else {
        in_table(DIGIT, c)
    }
}

/// Go's `strconv.IsPrint`.
pub(crate) fn is_print(c: char) -> bool {
    if c.is_ascii() {
        (' '..='~').contains(&c)
    } else {
        in_table(PRINT, c)
    }
}

/// Displays a string the way Go's `%q` verb does (`strconv.Quote`), so our error messages read
/// like the reference's: `failed to process "he${PWD": ...`.
pub(crate) struct Quoted<'a>(pub &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('"')?;
        for c in self.0.chars() {
            write_escaped(f, c, '"')?;
        }
        f.write_char('"')
    }
}

/// `strconv.Quote`.
pub fn quote(s: &str) -> String {
    Quoted(s).to_string()
}

/// `url.PathUnescape`: `%XX` escapes decoded (`+` stays); the error is `url.EscapeError`'s text.
pub(crate) fn path_unescape(s: &str) -> Result<String, String> {
    // Go keeps invalid UTF-8 in a string; a platform field never needs it.
    url::unescape(s, url::Encoding::PathSegment).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// `strconv.Quote` of bytes that need not be UTF-8: each invalid byte is `\xNN`, as Go writes it.
pub(crate) fn quote_bytes(b: &[u8]) -> String {
    let mut out = String::from('"');
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            write_escaped(&mut out, c, '"').expect("writing to a String");
        }
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    }
    out.push('"');
    out
}

/// `%q` of a `[]string`: `["a" "b"]`.
pub(crate) fn quote_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", quoted.join(" "))
}

/// `%v` of a `[]string`: `[a b]`.
pub fn list(items: &[String]) -> String {
    format!("[{}]", items.join(" "))
}

/// `strconv.ParseBool`.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// A failed `strconv.ParseInt`/`ParseUint`, displayed as Go's `*NumError`:
/// `strconv.ParseInt: parsing "x": invalid syntax`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumError {
    func: &'static str,
    num: String,
    out_of_range: bool,
}

impl fmt::Display for NumError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = if self.out_of_range {
            "value out of range"
        } else {
            "invalid syntax"
        };
        write!(
            f,
            "strconv.{}: parsing {}: {why}",
            self.func,
            Quoted(&self.num)
        )
    }
}

impl std::error::Error for NumError {}

/// The digits of a base-10 `ParseUint`: `Err(true)` when out of range. Go stops at the first
/// digit that overflows, so `99999999999999999999x` is out of range, not a syntax error.
fn decimal_digits(s: &str) -> Result<u64, bool> {
    if s.is_empty() {
        return Err(false);
    }
    s.bytes().try_fold(0u64, |n, c| {
        if !c.is_ascii_digit() {
            return Err(false);
        }
        n.checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(c - b'0')))
            .ok_or(true)
    })
}

/// `strconv.ParseUint(s, 10, 64)`: ASCII digits only, no sign.
pub fn parse_uint(s: &str) -> Result<u64, NumError> {
    decimal_digits(s).map_err(|out_of_range| NumError {
        func: "ParseUint",
        num: s.to_string(),
        out_of_range,
    })
}

/// `strconv.ParseInt(s, 10, 64)` (also what `strconv.Atoi` accepts on 64-bit platforms).
pub fn parse_int(s: &str) -> Result<i64, NumError> {
    let error = |out_of_range| NumError {
        func: "ParseInt",
        num: s.to_string(),
        out_of_range,
    };
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let magnitude = decimal_digits(digits).map_err(error)?;
    if negative {
        0i64.checked_sub_unsigned(magnitude)
            .ok_or_else(|| error(true))
    } else {
        i64::try_from(magnitude).map_err(|_| error(true))
    }
}

/// One character of a quoted string or rune (`strconv.appendEscapedRune`).
fn write_escaped(f: &mut impl Write, c: char, quote: char) -> fmt::Result {
    match c {
        c if c == quote || c == '\\' => {
            f.write_char('\\')?;
            f.write_char(c)
        }
        c if is_print(c) => f.write_char(c),
        '\u{7}' => f.write_str("\\a"),
        '\u{8}' => f.write_str("\\b"),
        '\u{c}' => f.write_str("\\f"),
        '\n' => f.write_str("\\n"),
        '\r' => f.write_str("\\r"),
        '\t' => f.write_str("\\t"),
        '\u{b}' => f.write_str("\\v"),
        c if c < ' ' || c == '\u{7f}' => write!(f, "\\x{:02x}", c as u32),
        c if (c as u32) < 0x10000 => write!(f, "\\u{:04x}", c as u32),
        c => write!(f, "\\U{:08x}", c as u32),
    }
}

/// Go `time.Duration.String`: `0s`, `1.5s`, `2m0s`, `1h0m0s`, `500ms`, `3µs`, `7ns`.
pub fn duration(d: i64) -> String {
    if d == 0 {
        return "0s".to_string();
    }
    let mut u = d.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        let (unit, prec) = if u < 1_000 {
            ("ns", 0)
        } else if u < 1_000_000 {
            ("µs", 3)
        } else {
            ("ms", 6)
        };
        let (whole, frac) = split_frac(u, prec);
        out.push_str(&whole.to_string());
        out.push_str(&frac);
        out.push_str(unit);
    } else {
        let (secs, frac) = split_frac(u, 9);
        u = secs;
        let s = format!("{}{}s", u % 60, frac);
        u /= 60;
        if u > 0 {
            let m = u % 60;
            u /= 60;
            out = if u > 0 {
                format!("{u}h{m}m{s}")
            } else {
                format!("{m}m{s}")
            };
        } else {
            out = s;
        }
    }
    if d < 0 {
        out.insert(0, '-');
    }
    out
}

/// `time.Time` JSON of a UTC instant with whole seconds (`time.Unix(secs, 0).UTC()`):
/// `2006-01-02T15:04:05Z`, in the proleptic Gregorian calendar for any `secs` (Go's JSON stops
/// at years 0..=9999; we give the date rather than fail).
pub fn rfc3339_utc(secs: i64) -> String {
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    let (h, m, s) = (rest / 3600, rest / 60 % 60, rest % 60);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}Z")
}

/// The Gregorian (year, month, day) of a day count from 1970-01-01, by eras of 400 years
/// (146 097 days, the calendar's period) counted from 0000-03-01 so the leap day ends a year.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Go `fmtFrac`: the whole part of `v / 10^prec` and `.digits` without trailing zeros.
fn split_frac(v: u64, prec: u32) -> (u64, String) {
    let pow = 10u64.pow(prec);
    let frac = v % pow;
    if frac == 0 {
        return (v / pow, String::new());
    }
    let digits = format!("{:0width$}", frac, width = prec as usize);
    (v / pow, format!(".{}", digits.trim_end_matches('0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_strconv() {
        assert_eq!(quote("a \"b\" \\ c"), r#""a \"b\" \\ c""#);
        assert_eq!(quote("tab\there\n"), r#""tab\there\n""#);
        assert_eq!(quote("\u{1}é"), r#""\x01é""#);
        assert_eq!(quote("nb\u{a0}sp"), r#""nb\u00a0sp""#);
    }

    #[test]
    fn lists_like_fmt() {
        let v = vec![
            "/bin/sh".to_string(),
            "-c".to_string(),
            "echo hi".to_string(),
        ];
        assert_eq!(quote_list(&v), r#"["/bin/sh" "-c" "echo hi"]"#);
        assert_eq!(list(&v), "[/bin/sh -c echo hi]");
        assert_eq!(list(&[]), "[]");
    }

    #[test]
    fn durations_like_time_package() {
        assert_eq!(duration(0), "0s");
        assert_eq!(duration(30_000_000_000), "30s");
        assert_eq!(duration(1_500_000_000), "1.5s");
        assert_eq!(duration(90_000_000_000), "1m30s");
        assert_eq!(duration(3_600_000_000_000), "1h0m0s");
        assert_eq!(duration(500_000_000), "500ms");
        assert_eq!(duration(1_500), "1.5µs");
        assert_eq!(duration(7), "7ns");
        assert_eq!(duration(-2_000_000_000), "-2s");
    }

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
            assert_eq!(quote(input), want, "input {input:?}");
        }
    }

    #[test]
    fn rfc3339_of_epoch() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(1_700_000_000), "2023-11-14T22:13:20Z");
        // The ends of what Go's MarshalJSON encodes, and a leap day.
        assert_eq!(rfc3339_utc(-62_167_219_200), "0000-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(253_402_300_799), "9999-12-31T23:59:59Z");
        assert_eq!(rfc3339_utc(951_868_799), "2000-02-29T23:59:59Z");
        // Beyond them (Go refuses): the proleptic date, no panic.
        assert_eq!(rfc3339_utc(-62_167_219_201), "-001-12-31T23:59:59Z");
        assert_eq!(rfc3339_utc(i64::MAX), "292277026596-12-04T15:30:07Z");
        assert_eq!(rfc3339_utc(i64::MIN), "-292277022657-01-27T08:29:52Z");
    }
}
