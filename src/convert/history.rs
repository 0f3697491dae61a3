//! The text of image history entries. The reference builds them with Go's `fmt` verbs
//! (`CMD %q`, `EXPOSE %v`, `HEALTHCHECK %q` on a struct pointer), so this module reproduces
//! `strconv.Quote`, `strconv.QuoteRune`, `%v` of a string slice and `time.Duration.String`.

/// Go `strconv.Quote`.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_escaped(&mut out, c, '"');
    }
    out.push('"');
    out
}

/// Go `strconv.QuoteRune` of an integer (what `%q` prints for an `int`).
pub fn go_quote_rune(n: i64) -> String {
    let c = u32::try_from(n)
        .ok()
        .and_then(char::from_u32)
        .unwrap_or('\u{FFFD}');
    let mut out = String::from("'");
    push_escaped(&mut out, c, '\'');
    out.push('\'');
    out
}

/// `%q` of a `[]string`: `["a" "b"]`.
pub fn go_quote_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| go_quote(s)).collect();
    format!("[{}]", quoted.join(" "))
}

/// `%v` of a `[]string`: `[a b]`.
pub fn go_list(items: &[String]) -> String {
    format!("[{}]", items.join(" "))
}

fn push_escaped(out: &mut String, c: char, quote: char) {
    if c == quote || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if is_go_printable(c) {
        out.push(c);
        return;
    }
    match c {
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

/// Go `strconv.IsPrint`, close enough: letters, marks, numbers, punctuation, symbols and the
/// ASCII space; not controls, other spaces, or format characters.
fn is_go_printable(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    !(c.is_control()
        || c.is_whitespace()
        || matches!(c, '\u{AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
        || ('\u{E000}'..='\u{F8FF}').contains(&c)
        || ('\u{FFF9}'..='\u{FFFB}').contains(&c))
}

/// Go `time.Duration.String`: `0s`, `1.5s`, `2m0s`, `1h0m0s`, `500ms`, `3µs`, `7ns`.
pub fn duration_string(d: i64) -> String {
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
        assert_eq!(go_quote("a \"b\" \\ c"), r#""a \"b\" \\ c""#);
        assert_eq!(go_quote("tab\there\n"), r#""tab\there\n""#);
        assert_eq!(go_quote("\u{1}é"), r#""\x01é""#);
        assert_eq!(go_quote("nb\u{a0}sp"), r#""nb\u00a0sp""#);
        assert_eq!(go_quote_rune(3), r"'\x03'");
        assert_eq!(go_quote_rune(65), "'A'");
        assert_eq!(go_quote_rune(0), r"'\x00'");
        assert_eq!(go_quote_rune(39), r"'\''");
    }

    #[test]
    fn lists_like_fmt() {
        let v = vec![
            "/bin/sh".to_string(),
            "-c".to_string(),
            "echo hi".to_string(),
        ];
        assert_eq!(go_quote_list(&v), r#"["/bin/sh" "-c" "echo hi"]"#);
        assert_eq!(go_list(&v), "[/bin/sh -c echo hi]");
        assert_eq!(go_list(&[]), "[]");
    }

    #[test]
    fn durations_like_time_package() {
        assert_eq!(duration_string(0), "0s");
        assert_eq!(duration_string(30_000_000_000), "30s");
        assert_eq!(duration_string(1_500_000_000), "1.5s");
        assert_eq!(duration_string(90_000_000_000), "1m30s");
        assert_eq!(duration_string(3_600_000_000_000), "1h0m0s");
        assert_eq!(duration_string(500_000_000), "500ms");
        assert_eq!(duration_string(1_500), "1.5µs");
        assert_eq!(duration_string(7), "7ns");
        assert_eq!(duration_string(-2_000_000_000), "-2s");
    }
}
