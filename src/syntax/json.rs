//! The exec (JSON array) form of RUN, CMD, ENTRYPOINT, SHELL, COPY, ADD, VOLUME and HEALTHCHECK.
//!
//! The reference decodes the argument text with Go's `encoding/json` into `[]any`: text that is
//! not valid JSON makes the instruction fall back to its shell (or whitespace-list) form, while
//! valid JSON holding anything but strings is a hard error. This module follows those rules and
//! also records where each string sits, so errors can point at one element.

/// Deepest nesting Go's JSON decoder accepts.
const MAX_DEPTH: usize = 10_000;

/// Why the text is not an exec-form argument list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum JsonArrayError {
    /// Not a JSON array at all: the caller falls back to the shell form.
    NotJson,
    /// A valid JSON array with a non-string element (byte range of that element).
    NotStringArray { start: usize, end: usize },
}

/// One string of the array, decoded, with the byte range of its literal (quotes included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct JsonString {
    pub value: String,
    pub start: usize,
    pub end: usize,
}

/// Parses `text` (leading Unicode whitespace allowed, trailing JSON whitespace allowed) as a JSON
/// array of strings.
pub(crate) fn parse_string_array(text: &str) -> Result<Vec<JsonString>, JsonArrayError> {
    let lead = text.len() - text.trim_start().len();
    if !text[lead..].starts_with('[') {
        return Err(JsonArrayError::NotJson);
    }
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        pos: lead,
    };
    // Go checks the whole document's syntax before decoding, so a syntax error anywhere wins
    // over a non-string element.
    let items = p.array().ok_or(JsonArrayError::NotJson)?;
    p.ws();
    if p.pos != p.s.len() {
        return Err(JsonArrayError::NotJson);
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Item::Str(s) => out.push(s),
            Item::Other { start, end } => {
                return Err(JsonArrayError::NotStringArray { start, end })
            }
        }
    }
    Ok(out)
}

enum Item {
    Str(JsonString),
    Other { start: usize, end: usize },
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while matches!(self.s.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.s.get(self.pos) == Some(&b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn array(&mut self) -> Option<Vec<Item>> {
        if !self.eat(b'[') {
            return None;
        }
        let mut items = Vec::new();
        self.ws();
        if self.eat(b']') {
            return Some(items);
        }
        loop {
            self.ws();
            let start = self.pos;
            if self.s.get(self.pos) == Some(&b'"') {
                let value = self.string()?;
                items.push(Item::Str(JsonString {
                    value,
                    start,
                    end: self.pos,
                }));
            } else {
                self.value()?;
                items.push(Item::Other {
                    start,
                    end: self.pos,
                });
            }
            self.ws();
            if self.eat(b',') {
                continue;
            }
            if self.eat(b']') {
                return Some(items);
            }
            return None;
        }
    }

    /// Checks one JSON value that is not a top-level string. Nesting may be deep, so arrays
    /// and objects are tracked on an explicit stack rather than by recursion; like Go, more
    /// than [`MAX_DEPTH`] levels (the outer array included) is a syntax error.
    fn value(&mut self) -> Option<()> {
        let mut open: Vec<u8> = Vec::new();
        loop {
            self.ws();
            match *self.s.get(self.pos)? {
                c @ (b'[' | b'{') => {
                    self.pos += 1;
                    if open.len() + 2 > MAX_DEPTH {
                        return None;
                    }
                    open.push(c);
                    self.ws();
                    let close = if c == b'[' { b']' } else { b'}' };
                    if self.eat(close) {
                        open.pop();
                    } else {
                        if c == b'{' {
                            self.object_key()?;
                        }
                        continue;
                    }
                }
                b'"' => {
                    self.string()?;
                }
                b't' => self.literal("true")?,
                b'f' => self.literal("false")?,
                b'n' => self.literal("null")?,
                b'-' | b'0'..=b'9' => self.number()?,
                _ => return None,
            }
            // A value is complete: close finished containers, or go on after a comma.
            loop {
                let Some(&top) = open.last() else {
                    return Some(());
                };
                self.ws();
                if self.eat(b',') {
                    if top == b'{' {
                        self.object_key()?;
                    }
                    break;
                }
                let close = if top == b'[' { b']' } else { b'}' };
                if !self.eat(close) {
                    return None;
                }
                open.pop();
            }
        }
    }

    /// `"key" :` inside an object.
    fn object_key(&mut self) -> Option<()> {
        self.ws();
        if self.s.get(self.pos) != Some(&b'"') {
            return None;
        }
        self.string()?;
        self.ws();
        self.eat(b':').then_some(())
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        if self.s[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Some(())
        } else {
            None
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.s.get(self.pos), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Option<()> {
        self.eat(b'-');
        if self.eat(b'0') {
            // no leading zeros
        } else if self.digits() == 0 {
            return None;
        }
        if self.eat(b'.') && self.digits() == 0 {
            return None;
        }
        if matches!(self.s.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(())
    }

    fn hex4(&mut self) -> Option<u32> {
        let h = self.text.get(self.pos..self.pos + 4)?;
        if !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.pos += 4;
        u32::from_str_radix(h, 16).ok()
    }

    fn string(&mut self) -> Option<String> {
        self.eat(b'"');
        let mut out = String::new();
        loop {
            let rest = &self.text[self.pos..];
            let c = rest.chars().next()?;
            self.pos += c.len_utf8();
            match c {
                '"' => return Some(out),
                '\\' => {
                    let e = *self.s.get(self.pos)?;
                    self.pos += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            out.push(self.surrogate_pair(hi));
                        }
                        _ => return None,
                    }
                }
                c if (c as u32) < 0x20 => return None,
                c => out.push(c),
            }
        }
    }

    /// Decodes a `\u` escape, joining a UTF-16 surrogate pair; lone surrogates become U+FFFD as
    /// in Go.
    fn surrogate_pair(&mut self, hi: u32) -> char {
        if (0xD800..0xDC00).contains(&hi) && self.s[self.pos..].starts_with(b"\\u") {
            let save = self.pos;
            self.pos += 2;
            if let Some(lo) = self.hex4() {
                if (0xDC00..0xE000).contains(&lo) {
                    let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                    return char::from_u32(c).unwrap_or('\u{FFFD}');
                }
            }
            self.pos = save;
        }
        char::from_u32(hi).unwrap_or('\u{FFFD}')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Result<Vec<String>, JsonArrayError> {
        parse_string_array(text).map(|v| v.into_iter().map(|s| s.value).collect())
    }

    #[test]
    fn string_arrays() {
        assert_eq!(values(r#"["a", "b c"]"#).unwrap(), vec!["a", "b c"]);
        assert_eq!(values("[ ]").unwrap(), Vec::<String>::new());
        assert_eq!(
            values(r#"  ["\u00e9\n\"", "\ud83d\ude00"] "#).unwrap(),
            vec!["é\n\"", "😀"]
        );
        let s = parse_string_array(r#"[ "x" ]"#).unwrap();
        assert_eq!((s[0].start, s[0].end), (2, 5));
    }

    #[test]
    fn invalid_json_falls_back() {
        for text in [
            "['a']",
            r#"["a""#,
            r#"["a"] x"#,
            r#"["a",]"#,
            "echo [",
            r#"["a\x"]"#,
        ] {
            assert_eq!(values(text), Err(JsonArrayError::NotJson), "{text}");
        }
    }

    #[test]
    fn non_strings_are_errors() {
        assert_eq!(
            values(r#"[ "echo", [ "nested json" ] ]"#),
            Err(JsonArrayError::NotStringArray { start: 10, end: 27 })
        );
        assert!(matches!(
            values("[1, true, null, {\"a\": -1.5e3}]"),
            Err(JsonArrayError::NotStringArray { .. })
        ));
        assert_eq!(values("[1, "), Err(JsonArrayError::NotJson));
        assert!(matches!(
            values(r#"[{"a": [1, {"b": null}], "c": {}}, "x"]"#),
            Err(JsonArrayError::NotStringArray { .. })
        ));
        assert_eq!(values(r#"[{"a" 1}]"#), Err(JsonArrayError::NotJson));
        assert_eq!(values(r#"[{"a": 1,}]"#), Err(JsonArrayError::NotJson));
        assert_eq!(values("[[1], [2]"), Err(JsonArrayError::NotJson));
        // Go's depth limit: 10000 levels including the outer array.
        let at_limit = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(matches!(
            values(&at_limit),
            Err(JsonArrayError::NotStringArray { .. })
        ));
        let over = format!("{}{}", "[".repeat(10_001), "]".repeat(10_001));
        assert_eq!(values(&over), Err(JsonArrayError::NotJson));
    }
}
