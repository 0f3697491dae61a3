//! Heredocs (`<<EOF`, `<<-EOF`, `<<"EOF"`, `2<<EOF`) in RUN, COPY and ADD.
//!
//! The reference finds heredoc words by running its shell lexer over the whole instruction line
//! with quotes and escapes kept raw and no variables set, then matches each word against
//! `^(\d*)<<(-?)\s*([^<]*)$`. A delimiter with any quoted part turns expansion of the body off.
//! The lexer here reproduces just the word-splitting behaviour of that lexer (variables are
//! never set, so `$x` and `${x...}` stay as written), including the errors it can raise.

use serde::Serialize;

use super::span::Span;

/// A heredoc attached to an instruction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Heredoc {
    /// The delimiter with quotes removed, e.g. `EOF` for `<<"EOF"`.
    pub name: String,
    /// File descriptor written before `<<` (`2<<EOF`), 0 when absent.
    pub file_descriptor: u32,
    /// False when any part of the delimiter was quoted: the body is then used verbatim.
    pub expand: bool,
    /// `<<-`: leading tabs are stripped from body lines (see [`Heredoc::chomped_content`]).
    pub chomp: bool,
    /// The body exactly as written, every line with its line ending, terminator excluded.
    pub content: String,
    /// Span of the body lines in the source (empty span at the terminator for an empty body).
    pub content_span: Span,
    /// Span of the terminator line.
    pub terminator_span: Span,
}

impl Heredoc {
    /// The body with leading tabs removed from each line when the heredoc is `<<-`.
    pub(crate) fn chomped_content(&self) -> String {
        if self.chomp {
            chomp_leading_tabs(&self.content)
        } else {
            self.content.clone()
        }
    }
}

/// A heredoc start word, before its body has been read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HeredocWord {
    pub name: String,
    pub file_descriptor: u32,
    pub expand: bool,
    pub chomp: bool,
}

/// Removes leading tabs from every line (the `<<-` form).
pub(crate) fn chomp_leading_tabs(content: &str) -> String {
    let mut out = String::with_capacity(content.len());
    for line in content.split_inclusive('\n') {
        out.push_str(line.trim_start_matches('\t'));
    }
    out
}

/// Parses one word as a heredoc start (`[n]<<[-]NAME`). `Ok(None)` when the word is not one.
pub(crate) fn parse_heredoc_word(word: &str) -> Result<Option<HeredocWord>, String> {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    let Some(after) = word[digits..].strip_prefix("<<") else {
        return Ok(None);
    };
    let (chomp, after) = match after.strip_prefix('-') {
        Some(a) => (true, a),
        None => (false, after),
    };
    // `\s*` of Go's regexp: ASCII whitespace except \v.
    let rest = after.trim_start_matches([' ', '\t', '\n', '\r', '\x0c']);
    if rest.contains('<') || rest.is_empty() {
        return Ok(None);
    }
    let fd = word[..digits].parse::<u64>().unwrap_or(0);
    let cooked = ShellWords::new('\\', false, false).words(rest)?;
    if cooked.len() != 1 {
        return Ok(None);
    }
    let raw = ShellWords::new('\\', true, false).words(rest)?;
    if raw.len() != 1 {
        return Err(format!(
            "internal lexing of heredoc produced inconsistent results: {rest}"
        ));
    }
    let quotes = |s: &str| s.chars().filter(|c| *c == '\'' || *c == '"').count();
    Ok(Some(HeredocWord {
        expand: quotes(&cooked[0]) == quotes(&raw[0]),
        name: cooked[0].clone(),
        chomp,
        file_descriptor: u32::try_from(fd).unwrap_or(u32::MAX),
    }))
}

/// All heredoc start words of an instruction line, in order.
pub(crate) fn heredocs_from_line(line: &str) -> Result<Vec<HeredocWord>, String> {
    // The reference ignores lexing errors here (and then finds no heredoc).
    let words = ShellWords::new('\\', true, true)
        .words(line)
        .unwrap_or_default();
    let mut docs = Vec::new();
    for word in words {
        if let Some(doc) = parse_heredoc_word(&word)? {
            docs.push(doc);
        }
    }
    Ok(docs)
}

/// Shell-style word splitting with no variables set (unset ones stay as written).
struct ShellWords {
    chars: Vec<char>,
    pos: usize,
    escape: char,
    raw_quotes: bool,
    raw_escapes: bool,
    /// Shared by nested scans, as in the reference (a nested `${x:-...}` resets it).
    buf: String,
    /// Nesting of `${...}` scans, bounded to keep the recursion shallow.
    depth: usize,
}

/// Deepest `${x:-${y:-...}}` nesting lexed; deeper input is reported as an error (and the
/// line then has no heredocs), where the reference, without a limit, would go on.
const MAX_NESTING: usize = 100;

struct WordsAcc {
    words: Vec<String>,
    in_word: bool,
}

impl ShellWords {
    fn new(escape: char, raw_quotes: bool, raw_escapes: bool) -> Self {
        ShellWords {
            chars: Vec::new(),
            pos: 0,
            escape,
            raw_quotes,
            raw_escapes,
            buf: String::new(),
            depth: 0,
        }
    }

    fn words(mut self, input: &str) -> Result<Vec<String>, String> {
        self.chars = input.chars().collect();
        let raw = self.raw_escapes;
        let (_, words) = self.stop_on(None, raw)?;
        Ok(words)
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn add_char(&mut self, acc: &mut WordsAcc, ch: char) {
        if ch.is_whitespace() {
            if acc.in_word && !self.buf.is_empty() {
                acc.words.push(std::mem::take(&mut self.buf));
                acc.in_word = false;
            }
        } else {
            self.buf.push(ch);
            acc.in_word = true;
        }
    }

    fn stop_on(
        &mut self,
        stop: Option<char>,
        raw_escapes: bool,
    ) -> Result<(String, Vec<String>), String> {
        if self.depth >= MAX_NESTING {
            return Err("variable substitutions nested too deeply".into());
        }
        let saved_raw = self.raw_escapes;
        self.raw_escapes = raw_escapes;
        self.depth += 1;
        let r = self.stop_on_inner(stop);
        self.depth -= 1;
        self.raw_escapes = saved_raw;
        r
    }

    fn stop_on_inner(&mut self, stop: Option<char>) -> Result<(String, Vec<String>), String> {
        let mut result = String::new();
        self.buf.clear();
        let mut acc = WordsAcc {
            words: Vec::new(),
            in_word: false,
        };
        while let Some(ch) = self.peek() {
            if stop == Some(ch) {
                self.next();
                return Ok((result, self.finish(acc)));
            }
            let special = match ch {
                '$' => Some(self.dollar()?),
                '<' => Some(self.possible_heredoc()),
                '\'' => Some(self.single_quote()?),
                '"' => Some(self.double_quote()?),
                _ => None,
            };
            if let Some(tmp) = special {
                result.push_str(&tmp);
                if ch == '$' {
                    for c in tmp.chars() {
                        self.add_char(&mut acc, c);
                    }
                } else {
                    self.buf.push_str(&tmp);
                    acc.in_word = true;
                }
                continue;
            }
            let mut ch = self.next().unwrap_or_default();
            if ch == self.escape {
                if self.raw_escapes {
                    self.buf.push(ch);
                    acc.in_word = true;
                    result.push(ch);
                }
                match self.next() {
                    None => break,
                    Some(c) => ch = c,
                }
                self.buf.push(ch);
                acc.in_word = true;
            } else {
                self.add_char(&mut acc, ch);
            }
            result.push(ch);
        }
        if let Some(stop) = stop {
            return Err(format!(
                "unexpected end of statement while looking for matching {stop}"
            ));
        }
        Ok((result, self.finish(acc)))
    }

    fn finish(&mut self, mut acc: WordsAcc) -> Vec<String> {
        if !self.buf.is_empty() {
            acc.words.push(std::mem::take(&mut self.buf));
        }
        acc.words
    }

    fn single_quote(&mut self) -> Result<String, String> {
        let mut out = String::new();
        let open = self.next().unwrap_or('\'');
        if self.raw_quotes {
            out.push(open);
        }
        loop {
            match self.next() {
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching single-quote"
                            .into(),
                    )
                }
                Some('\'') => {
                    if self.raw_quotes {
                        out.push('\'');
                    }
                    return Ok(out);
                }
                Some(c) => out.push(c),
            }
        }
    }

    fn double_quote(&mut self) -> Result<String, String> {
        let mut out = String::new();
        let open = self.next().unwrap_or('"');
        if self.raw_quotes {
            out.push(open);
        }
        loop {
            match self.peek() {
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching double-quote"
                            .into(),
                    )
                }
                Some('"') => {
                    self.next();
                    if self.raw_quotes {
                        out.push('"');
                    }
                    return Ok(out);
                }
                Some('$') => {
                    let v = self.dollar()?;
                    out.push_str(&v);
                }
                Some(_) => {
                    let mut ch = self.next().unwrap_or_default();
                    if ch == self.escape {
                        if self.raw_escapes {
                            out.push(ch);
                        }
                        match self.peek() {
                            None => continue,
                            Some(c) if c == '"' || c == '$' || c == self.escape => {
                                self.next();
                                ch = c;
                            }
                            _ => {}
                        }
                    }
                    out.push(ch);
                }
            }
        }
    }

    fn name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.peek() {
            if name.is_empty() && ch.is_numeric() {
                while let Some(d) = self.peek().filter(|d| d.is_numeric()) {
                    self.next();
                    name.push(d);
                }
                return name;
            }
            if name.is_empty() && matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0') {
                self.next();
                return ch.to_string();
            }
            if !ch.is_alphabetic() && !ch.is_numeric() && ch != '_' {
                break;
            }
            self.next();
            name.push(ch);
        }
        name
    }

    /// `$...` with no variable set: reproduces the text (or the reference's syntax errors).
    fn dollar(&mut self) -> Result<String, String> {
        self.next();
        if self.peek() != Some('{') {
            let name = self.name();
            return Ok(format!("${name}"));
        }
        self.next();
        match self.peek() {
            None => return Err("syntax error: missing '}'".into()),
            Some('{' | '}' | ':') => return Err("syntax error: bad substitution".into()),
            _ => {}
        }
        let name = self.name();
        let Some(ch) = self.next() else {
            return Err("unsupported modifier () in substitution".into());
        };
        let mut modifier = ch.to_string();
        match ch {
            '}' => Ok(format!("${{{name}}}")),
            ':' | '+' | '-' | '?' | '#' | '%' => {
                let mut op = ch;
                let null_is_unset = ch == ':';
                if null_is_unset {
                    op = self.next().unwrap_or_default();
                    modifier.push(op);
                    if !matches!(op, '+' | '-' | '?' | '#' | '%') {
                        // Go reads the word first, then rejects the modifier.
                        self.nested_word('}', false)?;
                        return Err(format!("unsupported modifier ({modifier}) in substitution"));
                    }
                }
                let raw = op == '#' || op == '%';
                if null_is_unset && raw {
                    return Err(format!("unsupported modifier ({modifier}) in substitution"));
                }
                let word = self.nested_word('}', raw)?;
                Ok(format!("${{{name}{modifier}{word}}}"))
            }
            '/' => {
                if self.peek() == Some('/') {
                    self.next();
                }
                let pattern = match self.stop_on(Some('/'), true) {
                    Ok((w, _)) => w,
                    Err(e) if self.peek().is_none() => {
                        let _ = e;
                        return Err("syntax error: missing '/' in ${}".into());
                    }
                    Err(e) => return Err(e),
                };
                let replacement = self.nested_word('}', true)?;
                Ok(format!("${{{name}/{pattern}/{replacement}}}"))
            }
            _ => Err(format!("unsupported modifier ({modifier}) in substitution")),
        }
    }

    fn nested_word(&mut self, stop: char, raw: bool) -> Result<String, String> {
        match self.stop_on(Some(stop), raw) {
            Ok((w, _)) => Ok(w),
            Err(_) if self.peek().is_none() => Err("syntax error: missing '}'".into()),
            Err(e) => Err(e),
        }
    }

    fn possible_heredoc(&mut self) -> String {
        self.next();
        if self.peek() != Some('<') {
            return "<".into();
        }
        self.next();
        let mut out = String::from("<<");
        while let Some(c) = self.peek().filter(|c| matches!(c, '\t' | '\r' | ' ')) {
            self.next();
            out.push(c);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(line: &str) -> Vec<(String, u32, bool, bool)> {
        heredocs_from_line(line)
            .unwrap()
            .into_iter()
            .map(|h| (h.name, h.file_descriptor, h.expand, h.chomp))
            .collect()
    }

    #[test]
    fn finds_heredoc_words() {
        assert_eq!(names("RUN <<EOF"), vec![("EOF".into(), 0, true, false)]);
        assert_eq!(names("RUN cat <<-EOT"), vec![("EOT".into(), 0, true, true)]);
        assert_eq!(
            names("RUN cat << EOF"),
            vec![("EOF".into(), 0, true, false)]
        );
        assert_eq!(
            names(r#"RUN <<"EOF""#),
            vec![("EOF".into(), 0, false, false)]
        );
        assert_eq!(names("RUN <<'E'OF"), vec![("EOF".into(), 0, false, false)]);
        assert_eq!(names("RUN 3<<A cat"), vec![("A".into(), 3, true, false)]);
        assert_eq!(
            names("COPY <<one <<two /dest"),
            vec![
                ("one".into(), 0, true, false),
                ("two".into(), 0, true, false)
            ]
        );
    }

    #[test]
    fn not_heredocs() {
        assert!(names(r#"RUN echo "<<EOF""#).is_empty());
        assert!(names("RUN echo a<<EOF").is_empty());
        assert!(names("RUN echo <<").is_empty());
        assert!(names("RUN echo <<-").is_empty());
        assert!(names("RUN echo <<EOF<<").is_empty());
        // An unterminated quote makes the reference's lexer fail, which it ignores.
        assert!(names("RUN echo 'x <<EOF").is_empty());
    }

    #[test]
    fn chomps_tabs() {
        assert_eq!(chomp_leading_tabs("\t\ta\n\tb\n c\n"), "a\nb\n c\n");
    }
}
