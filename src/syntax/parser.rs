//! Dockerfile bytes -> parser directives and one [`Node`] per instruction, the same tree the
//! reference's `frontend/dockerfile/parser` builds, with a source [`Span`] on every word.
//!
//! File format rules (all from the reference): a UTF-8 BOM is dropped; parser directives
//! (`# syntax=`, `# escape=`, `# check=`) are recognised only before the first other line, each
//! at most once; a comment is a line whose first non-blank character is `#` (an inline `#` is
//! literal text); the escape character (`\` or `` ` ``) as the last non-blank character of a line
//! continues the instruction on the next line; comment lines and blank lines inside a
//! continuation are skipped (blank ones with a warning); heredoc bodies follow the instruction.
//!
//! Words are kept unexpanded and, for the shell-like argument forms, with their quotes and
//! escapes, exactly as the reference passes them to its instruction layer.

use crate::go::quote as go_quote;
use serde::Serialize;

use super::diagnostic::Diagnostic;
use super::heredoc::{heredocs_from_line, Heredoc};
use super::json::{parse_string_array, JsonArrayError};
use super::span::{LineIndex, LineRange, Span};

/// A piece of instruction text with the span it came from. `text` is what the reference's
/// parser produces for it (quotes and escapes kept where the reference keeps them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Word {
    pub text: String,
    pub span: Span,
}

impl Word {
    pub fn new(text: impl Into<String>, span: Span) -> Self {
        Word {
            text: text.into(),
            span,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// A parser directive from the top of the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Directive {
    /// Lower-cased name: `syntax`, `escape` or `check`.
    pub name: String,
    pub value: String,
    /// The whole directive line.
    pub span: Span,
    /// Span of the value.
    pub value_span: Span,
}

/// The parser directives found; each may appear at most once.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Directives {
    pub syntax: Option<Directive>,
    pub escape: Option<Directive>,
    pub check: Option<Directive>,
}

/// One instruction as the reference's parser sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Node {
    /// The instruction keyword as written (any case).
    pub keyword: Word,
    /// `--name[=value]` words before the arguments, quotes and escapes removed.
    pub flags: Vec<Word>,
    /// The arguments (the reference's `Next` chain). ENV and LABEL give `key, value, sep`
    /// triples where `sep` is `=` or empty for the legacy `KEY value` form.
    pub args: Vec<Word>,
    /// The trigger of ONBUILD, parsed as an instruction of its own.
    pub child: Option<Box<Node>>,
    /// Arguments were given in exec (JSON array) form.
    pub json: bool,
    /// Heredoc bodies read after the instruction line.
    pub heredocs: Vec<Heredoc>,
    /// The logical line: continuation lines joined, escape-newlines and comment lines removed.
    pub original: String,
    /// From the keyword to the end of the last line of the instruction (heredocs included).
    pub span: Span,
    /// Physical lines covered, 1-based inclusive.
    pub lines: LineRange,
    /// Comment lines directly above the instruction (`#` and surrounding blanks removed).
    pub comments: Vec<String>,
}

impl Node {
    /// The keyword in lower case, e.g. `run`.
    pub fn command(&self) -> String {
        self.keyword.text.to_ascii_lowercase()
    }

    /// The reference's `Node.Dump()` form: `copy ["--from=a"] "src" "dst"`.
    pub fn dump(&self) -> String {
        let mut s = self.keyword.text.to_lowercase();
        if !self.flags.is_empty() {
            s.push_str(" [");
            let quoted: Vec<String> = self.flags.iter().map(|f| go_quote(&f.text)).collect();
            s.push_str(&quoted.join(" "));
            s.push(']');
        }
        for a in &self.args {
            s.push(' ');
            s.push_str(&go_quote(&a.text));
        }
        if let Some(child) = &self.child {
            s.push_str(" (");
            s.push_str(&child.dump());
            s.push(')');
        }
        s.trim().to_string()
    }
}

/// Result of parsing the file format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ParsedDockerfile {
    pub directives: Directives,
    /// The escape character in effect (`\` unless `# escape=` changed it).
    pub escape_token: char,
    pub nodes: Vec<Node>,
    /// Non-fatal findings (empty continuation lines).
    pub warnings: Vec<Diagnostic>,
}

impl ParsedDockerfile {
    /// The reference's `(keyword "arg" ...)` dump, one instruction a line.
    pub fn dump(&self) -> String {
        self.nodes
            .iter()
            .map(|n| format!("({})\n", n.dump()))
            .collect()
    }
}

/// Parses the file format. Errors carry `filename` and positions.
pub fn parse(source: &[u8], filename: &str) -> Result<ParsedDockerfile, Diagnostic> {
    let index = LineIndex::new(source);
    let locate = |d: Diagnostic| d.locate(filename, source, &index);
    let text = utf8_text(source).map_err(locate)?;
    let mut parsed = LineParser::new(&text).run().map_err(locate)?;
    parsed.warnings = parsed.warnings.into_iter().map(locate).collect();
    Ok(parsed)
}

/// The source as text. Invalid UTF-8 is an error, except inside comment lines, which the
/// reference accepts and ignores: there each invalid byte becomes `?`, one byte for one, so
/// offsets stay those of the source.
fn utf8_text(source: &[u8]) -> Result<std::borrow::Cow<'_, str>, Diagnostic> {
    if let Ok(t) = std::str::from_utf8(source) {
        return Ok(std::borrow::Cow::Borrowed(t));
    }
    let mut out = String::with_capacity(source.len());
    let mut offset = 0;
    for (i, raw) in source.split_inclusive(|b| *b == b'\n').enumerate() {
        let body = if i == 0 {
            raw.strip_prefix(b"\xef\xbb\xbf").unwrap_or(raw)
        } else {
            raw
        };
        let is_comment = body.trim_ascii_start().starts_with(b"#");
        let mut rest = raw;
        let mut at = offset;
        loop {
            match std::str::from_utf8(rest) {
                Ok(t) => {
                    out.push_str(t);
                    break;
                }
                Err(e) => {
                    let good = e.valid_up_to();
                    let bad = e.error_len().unwrap_or(rest.len() - good).max(1);
                    if !is_comment {
                        let start = at + good;
                        return Err(Diagnostic::error(
                            "the Dockerfile is not valid UTF-8",
                            Span::new(start, start + bad),
                        )
                        .with_label("invalid UTF-8 byte sequence")
                        .with_hint("save the file as UTF-8"));
                    }
                    out.push_str(std::str::from_utf8(&rest[..good]).unwrap_or_default());
                    out.extend(std::iter::repeat_n('?', bad));
                    rest = &rest[good + bad..];
                    at += good + bad;
                }
            }
        }
        offset += raw.len();
    }
    Ok(std::borrow::Cow::Owned(out))
}

/// Longest physical line (newline included) the reference accepts.
const MAX_LINE_BYTES: usize = 64 * 1024;

/// A physical line: byte offset of its start and its text including the line ending.
#[derive(Clone, Copy)]
struct PhysLine<'a> {
    start: usize,
    text: &'a str,
}

/// Maps offsets in a logical line (joined continuation lines) back to source offsets.
#[derive(Default)]
struct LogicalLine {
    text: String,
    /// (logical offset, source offset) at the start of each joined piece.
    segments: Vec<(usize, usize)>,
}

impl LogicalLine {
    fn push(&mut self, piece: &str, source_offset: usize) {
        if piece.is_empty() {
            return;
        }
        self.segments.push((self.text.len(), source_offset));
        self.text.push_str(piece);
    }

    fn to_source(&self, offset: usize) -> usize {
        let i = match self.segments.binary_search_by(|(l, _)| l.cmp(&offset)) {
            Ok(i) => i,
            Err(0) => 0,
            Err(i) => i - 1,
        };
        match self.segments.get(i) {
            Some((l, s)) => s + offset.saturating_sub(*l),
            None => 0,
        }
    }

    /// Source span of the logical range `start..end`.
    fn span(&self, start: usize, end: usize) -> Span {
        if end <= start {
            let s = self.to_source(start);
            return Span::new(s, s);
        }
        Span::new(self.to_source(start), self.to_source(end - 1) + 1)
    }
}

/// Recognises parser directives at the top of the file.
#[derive(Default)]
struct DirectiveParser {
    done: bool,
    seen: Vec<String>,
}

/// `\s` of Go's regexp syntax.
fn is_re_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c')
}

/// `[\t\v\f\r ]`, the reference's `reWhitespace`.
fn is_split_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\x0b' | '\x0c' | '\r')
}

impl DirectiveParser {
    /// Matches `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` (`comment` in place of `#`);
    /// returns the name, the value and the value's byte range in `line`.
    fn match_line(line: &str, comment: &str) -> Option<(String, String, usize, usize)> {
        let rest = line.strip_prefix(comment)?;
        let name_start = line.len() - rest.trim_start_matches(is_re_space).len();
        let after = &line[name_start..];
        let name_len = after
            .char_indices()
            .take_while(|(i, c)| {
                if *i == 0 {
                    c.is_ascii_alphabetic()
                } else {
                    c.is_ascii_alphanumeric()
                }
            })
            .count();
        if name_len == 0 {
            return None;
        }
        let name = &after[..name_len];
        let after = after[name_len..].trim_start_matches(is_re_space);
        let after = after.strip_prefix('=')?;
        let value_start = line.len() - after.trim_start_matches(is_re_space).len();
        let value = line[value_start..].trim_end_matches(is_re_space);
        if value.is_empty() {
            return None;
        }
        Some((
            name.to_ascii_lowercase(),
            value.to_string(),
            value_start,
            value_start + value.len(),
        ))
    }

    fn parse_line(&mut self, line: &str) -> Result<Option<(String, String, usize, usize)>, String> {
        if self.done {
            return Ok(None);
        }
        let Some(m) = Self::match_line(line, "#") else {
            self.done = true;
            return Ok(None);
        };
        if !matches!(m.0.as_str(), "syntax" | "escape" | "check") {
            self.done = true;
            return Ok(None);
        }
        if self.seen.contains(&m.0) {
            return Err(m.0);
        }
        self.seen.push(m.0.clone());
        Ok(Some(m))
    }
}

/// A `syntax` directive: the frontend image to forward the build to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxDirective {
    /// The image: the value's first word.
    pub reference: String,
    /// The whole value (`cmdline` for the frontend forwarded to).
    pub cmdline: String,
    /// The directive's line (1-based).
    pub line: usize,
}

/// `parser.DetectSyntax`: `# syntax=` among the leading directives, else `// syntax=`, else a
/// JSON document's `"syntax"` string; a BOM and a `#!` first line are skipped. It looks at the
/// bytes only, so it works on files that are not Dockerfiles.
pub fn detect_syntax(data: &[u8]) -> Option<SyntaxDirective> {
    let data = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    let (data, first_line) = match data.split(|&b| b == b'\n').next() {
        Some(first) if first.starts_with(b"#!") => (&data[(first.len() + 1).min(data.len())..], 1),
        _ => (data, 0),
    };
    for comment in ["#", "//"] {
        for (i, line) in data.split(|&b| b == b'\n').enumerate() {
            let line = String::from_utf8_lossy(line);
            let line = line.strip_suffix('\r').unwrap_or(&line);
            match DirectiveParser::match_line(line, comment) {
                Some((name, value, _, _)) if name == "syntax" => {
                    let reference = value.split(' ').next().unwrap_or_default().to_string();
                    return Some(SyntaxDirective {
                        reference,
                        cmdline: value,
                        line: first_line + i + 1,
                    });
                }
                Some((name, _, _, _)) if matches!(name.as_str(), "escape" | "check") => {}
                _ => break,
            }
        }
    }
    let json: serde_json::Value = serde_json::from_slice(data).ok()?;
    let value = json.as_object()?.get("syntax")?.as_str()?;
    Some(SyntaxDirective {
        reference: value.to_string(),
        cmdline: value.to_string(),
        line: first_line,
    })
}

fn trim_newline(s: &str) -> &str {
    s.trim_end_matches(['\r', '\n'])
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

struct LineParser<'a> {
    lines: Vec<PhysLine<'a>>,
    next: usize,
    escape: char,
    directive_parser: DirectiveParser,
    directives: Directives,
    warnings: Vec<Diagnostic>,
}

impl<'a> LineParser<'a> {
    fn new(text: &'a str) -> Self {
        let mut lines = Vec::new();
        let mut start = 0;
        for piece in text.split_inclusive('\n') {
            lines.push(PhysLine { start, text: piece });
            start += piece.len();
        }
        LineParser {
            lines,
            next: 0,
            escape: '\\',
            directive_parser: DirectiveParser::default(),
            directives: Directives::default(),
            warnings: Vec::new(),
        }
    }

    fn line_span(&self, line: PhysLine) -> Span {
        Span::new(line.start, line.start + trim_newline(line.text).len())
    }

    /// Strips the line ending (and leading blanks for the first line of an instruction),
    /// records a parser directive, and blanks out comment lines. Returns the text, its source
    /// offset and whether the line was a directive.
    fn process_line(
        &mut self,
        line: PhysLine<'a>,
        strip_left: bool,
    ) -> Result<(&'a str, usize, bool), Diagnostic> {
        let mut text = trim_newline(line.text);
        let mut offset = line.start;
        if strip_left {
            let trimmed = text.trim_start();
            offset += text.len() - trimmed.len();
            text = trimmed;
        }
        let directive = self.directive_parser.parse_line(text).map_err(|name| {
            Diagnostic::error(
                format!("only one {name} parser directive can be used"),
                Span::new(offset, offset + text.len()),
            )
            .with_label("repeated directive")
            .with_hint(format!("remove this `# {name}=` line"))
        })?;
        let is_directive = directive.is_some();
        if let Some((name, value, vs, ve)) = directive {
            let d = Directive {
                name: name.clone(),
                value: value.clone(),
                span: Span::new(offset, offset + text.len()),
                value_span: Span::new(offset + vs, offset + ve),
            };
            match name.as_str() {
                "escape" => {
                    if value != "`" && value != "\\" {
                        return Err(Diagnostic::error(
                            format!("invalid escape token '{value}' does not match ` or \\"),
                            d.value_span,
                        )
                        .with_label("expected ` or \\")
                        .with_hint("use `# escape=\\` (the default) or `# escape=``"));
                    }
                    self.escape = value.chars().next().unwrap_or('\\');
                    self.directives.escape = Some(d);
                }
                "syntax" => self.directives.syntax = Some(d),
                _ => self.directives.check = Some(d),
            }
        }
        if is_comment(text) {
            text = "";
        }
        Ok((text, offset, is_directive))
    }

    /// Removes a trailing line-continuation escape: the escape character followed only by
    /// spaces and tabs, and not itself escaped. Returns the text and whether the line ends
    /// the instruction.
    fn trim_continuation<'b>(&self, line: &'b str) -> (&'b str, bool) {
        let body = line.trim_end_matches([' ', '\t']);
        let Some(before) = body.strip_suffix(self.escape) else {
            return (line, true);
        };
        if before.ends_with(self.escape) {
            return (line, true);
        }
        (before, false)
    }

    fn run(mut self) -> Result<ParsedDockerfile, Diagnostic> {
        // The reference reads lines with a bufio.Scanner whose 64 KiB buffer must hold the
        // line and its newline; longer lines make it reject the file.
        if let Some(long) = self.lines.iter().find(|l| l.text.len() > MAX_LINE_BYTES) {
            let end = long.start + trim_newline(long.text).len();
            return Err(Diagnostic::error(
                format!(
                    "dockerfile line greater than max allowed size of {}",
                    MAX_LINE_BYTES - 1
                ),
                Span::new(long.start + MAX_LINE_BYTES - 1, end),
            )
            .with_label("line too long")
            .with_hint(
                "split the line with the escape character, or move long content to a file",
            ));
        }
        let mut nodes = Vec::new();
        let mut comments: Vec<String> = Vec::new();
        while self.next < self.lines.len() {
            let first_index = self.next;
            let mut line = self.lines[self.next];
            self.next += 1;
            if first_index == 0 {
                if let Some(rest) = line.text.strip_prefix('\u{feff}') {
                    line = PhysLine {
                        start: line.start + 3,
                        text: rest,
                    };
                }
            }
            if is_comment(line.text) {
                // The reference trims from the second byte of the raw line.
                let c = line.text.get(1..).unwrap_or("").trim();
                if c.is_empty() {
                    comments.clear();
                } else {
                    comments.push(c.to_string());
                }
            }
            let (text, offset, is_directive) = self.process_line(line, true)?;
            if is_directive {
                comments.pop();
            }
            let (text, mut end_of_line) = self.trim_continuation(text);
            if end_of_line && text.is_empty() {
                continue;
            }
            let mut logical = LogicalLine::default();
            logical.push(text, offset);
            let mut last_line = first_index;
            let mut empty_continuation: Option<Span> = None;
            while !end_of_line && self.next < self.lines.len() {
                let cont = self.lines[self.next];
                self.next += 1;
                last_line = self.next - 1;
                let (text, offset, _) = self.process_line(cont, false)?;
                if is_comment(cont.text) {
                    continue;
                }
                if text.trim_start().is_empty() {
                    empty_continuation.get_or_insert(self.line_span(cont));
                    continue;
                }
                let (text, end) = self.trim_continuation(text);
                end_of_line = end;
                logical.push(text, offset);
            }
            if let Some(span) = empty_continuation {
                // The reference reports it at the instruction's last line.
                let last = self.line_span(self.lines[last_line]);
                self.warnings.push(
                    Diagnostic::warning("Empty continuation line", span)
                        .with_rule(&super::rules::NO_EMPTY_CONTINUATION, last)
                        .with_label("blank line inside a continued instruction")
                        .with_hint("remove the blank line, or end the previous line without the escape character"),
                );
            }
            let base_span = self.line_span(self.lines[first_index]);
            let mut node = new_node_from_line(&logical, 0, logical.text.len(), self.escape, 0)?;
            node.comments = std::mem::take(&mut comments);
            if can_contain_heredoc(&node) && logical.text.contains("<<") {
                let words = heredocs_from_line(&logical.text)
                    .map_err(|e| Diagnostic::error(e, logical.span(0, logical.text.len())))?;
                let mut search_from = 0;
                for w in words {
                    let (word_span, after) = find_heredoc_word(&logical, search_from, &w.name);
                    search_from = after;
                    let heredoc = self.read_heredoc_body(w, word_span)?;
                    last_line = self.next - 1;
                    node.heredocs.push(heredoc);
                }
            }
            let end = self.line_span(self.lines[last_line]).end;
            node.span = Span::new(node.keyword.span.start.min(base_span.end), end);
            node.lines = LineRange {
                start: first_index + 1,
                end: last_line + 1,
            };
            nodes.push(node);
        }
        if nodes.is_empty() {
            let end = self
                .lines
                .last()
                .map(|l| l.start + l.text.len())
                .unwrap_or(0);
            return Err(
                Diagnostic::error("file with no instructions", Span::empty(end))
                    .with_label("expected an instruction such as FROM")
                    .with_hint("a Dockerfile needs at least a `FROM` instruction"),
            );
        }
        Ok(ParsedDockerfile {
            directives: self.directives,
            escape_token: self.escape,
            nodes,
            warnings: self.warnings,
        })
    }

    fn read_heredoc_body(
        &mut self,
        word: super::heredoc::HeredocWord,
        word_span: Span,
    ) -> Result<Heredoc, Diagnostic> {
        let mut content = String::new();
        let first_body_line = self.next;
        let body_start = self.lines.get(self.next).map(|l| l.start);
        let mut body_end = body_start.unwrap_or(0);
        while self.next < self.lines.len() {
            let line = self.lines[self.next];
            self.next += 1;
            let mut candidate = trim_newline(line.text);
            if word.chomp {
                candidate = candidate.trim_start_matches('\t');
            }
            if candidate == word.name {
                return Ok(Heredoc {
                    name: word.name,
                    file_descriptor: word.file_descriptor,
                    expand: word.expand,
                    chomp: word.chomp,
                    content,
                    content_span: Span::new(
                        body_start.unwrap_or(line.start),
                        body_end.max(body_start.unwrap_or(line.start)),
                    ),
                    terminator_span: self.line_span(line),
                });
            }
            content.push_str(line.text);
            body_end = line.start + line.text.len();
        }
        // A line that is the delimiter apart from blanks is the likely intended end.
        let near_miss = self.lines[first_body_line.min(self.lines.len())..]
            .iter()
            .enumerate()
            .find(|(_, l)| trim_newline(l.text).trim() == word.name);
        let hint = match near_miss {
            Some((i, l)) => {
                let text = trim_newline(l.text);
                let tabs_only =
                    text.trim_end() == text && text.trim_start_matches('\t') == word.name;
                format!(
                    "line {} (`{}`) would end it, but the delimiter line must be exactly `{}`{}",
                    first_body_line + i + 1,
                    text.replace('\t', "\\t"),
                    word.name,
                    if tabs_only {
                        "; use `<<-` to allow leading tabs"
                    } else {
                        " (remove the surrounding blanks)"
                    }
                )
            }
            None => format!(
                "add a line containing only `{}` after the heredoc body",
                word.name
            ),
        };
        Err(Diagnostic::error("unterminated heredoc", word_span)
            .with_label(format!("no line `{}` ends this heredoc", word.name))
            .with_hint(hint))
    }
}

/// Finds the `<<NAME` word in the logical line (for error spans).
fn find_heredoc_word(line: &LogicalLine, from: usize, name: &str) -> (Span, usize) {
    let text = &line.text;
    let mut at = from;
    while let Some(i) = text.get(at..).and_then(|t| t.find("<<")) {
        let start = at + i;
        let end = text[start..]
            .find(char::is_whitespace)
            .map(|e| start + e)
            .unwrap_or(text.len());
        let end = if text[start..end]
            .trim_end_matches("<<-")
            .trim_end_matches("<<")
            .is_empty()
        {
            // `<< NAME`: include the delimiter word.
            let rest = &text[end..];
            let skip = rest.len() - rest.trim_start().len();
            text[end + skip..]
                .find(char::is_whitespace)
                .map(|e| end + skip + e)
                .unwrap_or(text.len())
        } else {
            end
        };
        if text[start..end].contains(name) {
            return (line.span(start, end), end);
        }
        at = start + 2;
    }
    (line.span(from, text.len()), text.len())
}

fn can_contain_heredoc(node: &Node) -> bool {
    let target = match (node.command().as_str(), &node.child) {
        ("onbuild", Some(child)) => child,
        _ => node,
    };
    matches!(target.command().as_str(), "add" | "copy" | "run") && !target.json
}

/// Deepest `ONBUILD ONBUILD ...` nesting parsed. The reference rejects any nesting (in its
/// instructions layer), so refusing very deep ones here changes no verdict and keeps the
/// recursion (parse, drop, dump) shallow.
const MAX_ONBUILD_DEPTH: usize = 16;

/// Splits `line[start..end]` (logical offsets) into keyword, flags and arguments and parses the
/// arguments with the instruction's argument syntax. `depth` counts enclosing ONBUILDs.
fn new_node_from_line(
    line: &LogicalLine,
    start: usize,
    end: usize,
    escape: char,
    depth: usize,
) -> Result<Node, Diagnostic> {
    let text = &line.text[start..end];
    let trimmed = text.trim();
    let t0 = start + (text.len() - text.trim_start().len());
    let (cmd, rest, rest_at) = match trimmed.find(is_split_space) {
        Some(k) => {
            let after = &trimmed[k..];
            let skip = after.len() - after.trim_start_matches(is_split_space).len();
            (&trimmed[..k], &trimmed[k + skip..], t0 + k + skip)
        }
        None => (trimmed, "", t0 + trimmed.len()),
    };
    let keyword = Word::new(cmd, line.span(t0, t0 + cmd.len()));
    let (flags, args_at_rel) = extract_builder_flags(rest, escape);
    let flags = flags
        .into_iter()
        .map(|(t, s, e)| Word::new(t, line.span(rest_at + s, rest_at + e)))
        .collect();
    let args_raw = &rest[args_at_rel..];
    let args = args_raw.trim();
    let args_at = rest_at + args_at_rel + (args_raw.len() - args_raw.trim_start().len());
    let ctx = ArgContext {
        line,
        base: args_at,
        escape,
        keyword: cmd,
    };
    let mut node = Node {
        keyword,
        flags,
        args: Vec::new(),
        child: None,
        json: false,
        heredocs: Vec::new(),
        original: text.to_string(),
        span: line.span(t0, start + text.trim_end().len()),
        lines: LineRange::default(),
        comments: Vec::new(),
    };
    match cmd.to_ascii_lowercase().as_str() {
        "add" | "copy" | "volume" => ctx.maybe_json_to_list(args, &mut node)?,
        "arg" => node.args = ctx.words(args),
        "cmd" | "entrypoint" | "run" | "shell" => ctx.maybe_json(args, &mut node)?,
        "env" | "label" => node.args = ctx.name_val(args)?,
        "expose" | "from" => node.args = ctx.whitespace_list(args, 0),
        "healthcheck" => ctx.health_config(args, &mut node)?,
        "maintainer" | "stopsignal" | "user" | "workdir" => {
            if !args.is_empty() {
                node.args = vec![ctx.word(args, 0, args.len())];
            }
        }
        "onbuild" => {
            if !args.is_empty() {
                if depth >= MAX_ONBUILD_DEPTH {
                    return Err(Diagnostic::error(
                        "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
                        node.keyword.span,
                    )
                    .with_label("ONBUILD nested too deeply"));
                }
                let child =
                    new_node_from_line(line, args_at, args_at + args.len(), escape, depth + 1)?;
                node.child = Some(Box::new(child));
            }
        }
        // Unknown instructions are rejected by the instructions layer, with a suggestion.
        _ => node.args = vec![Word::new("", line.span(args_at, args_at))],
    }
    Ok(node)
}

/// Extracts leading `--flag` words from `rest`, removing quotes and escapes as the reference
/// does. Returns the flags with their byte ranges in `rest` and the offset where arguments begin.
fn extract_builder_flags(rest: &str, escape: char) -> (Vec<(String, usize, usize)>, usize) {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let chars: Vec<(usize, char)> = rest.char_indices().collect();
    let n = chars.len();
    let at = |i: usize| chars.get(i).map(|c| c.0).unwrap_or(rest.len());
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut buf = String::new();
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut word_start = 0;
    let mut i = 0;
    loop {
        if phase == Phase::Spaces {
            if i == n {
                break;
            }
            let ch = chars[i].1;
            if ch.is_whitespace() {
                i += 1;
                continue;
            }
            if ch != '-' || i + 1 == n || chars[i + 1].1 != '-' {
                return (words, at(i));
            }
            phase = Phase::Word;
            word_start = at(i);
        }
        if i == n {
            if buf != "--" && (blank_ok || !buf.is_empty()) {
                words.push((buf, word_start, rest.len()));
            }
            return (words, rest.len());
        }
        let mut ch = chars[i].1;
        if phase == Phase::Word {
            if ch.is_whitespace() {
                phase = Phase::Spaces;
                if buf == "--" {
                    return (words, at(i));
                }
                if blank_ok || !buf.is_empty() {
                    words.push((std::mem::take(&mut buf), word_start, at(i)));
                }
                buf.clear();
                blank_ok = false;
                i += 1;
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
                i += 1;
                continue;
            }
            if ch == escape {
                if i + 1 == n {
                    i += 1;
                    continue;
                }
                i += 1;
                ch = chars[i].1;
            }
            buf.push(ch);
            i += 1;
            continue;
        }
        // Phase::Quote
        if ch == quote {
            phase = Phase::Word;
            i += 1;
            continue;
        }
        if ch == escape {
            if i + 1 == n {
                phase = Phase::Word;
                i += 1;
                continue;
            }
            i += 1;
            ch = chars[i].1;
        }
        buf.push(ch);
        i += 1;
    }
    (words, rest.len())
}

/// Argument parsers for one instruction; `base` is the logical offset of the argument text.
struct ArgContext<'l> {
    line: &'l LogicalLine,
    base: usize,
    escape: char,
    keyword: &'l str,
}

impl ArgContext<'_> {
    fn word(&self, args: &str, s: usize, e: usize) -> Word {
        Word::new(&args[s..e], self.line.span(self.base + s, self.base + e))
    }

    fn span(&self, s: usize, e: usize) -> Span {
        self.line.span(self.base + s, self.base + e)
    }

    /// Words split on `[\t\v\f\r ]+`, the reference's plain word list (FROM, EXPOSE, the
    /// non-JSON form of COPY, ADD and VOLUME). `offset` is where `args` starts within the
    /// argument text.
    fn whitespace_list(&self, args: &str, offset: usize) -> Vec<Word> {
        if args.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut start = None;
        for (i, c) in args.char_indices() {
            if is_split_space(c) {
                if let Some(s) = start.take() {
                    out.push(Word::new(&args[s..i], self.span(offset + s, offset + i)));
                }
            } else if start.is_none() {
                start = Some(i);
            }
        }
        if let Some(s) = start {
            out.push(Word::new(
                &args[s..],
                self.span(offset + s, offset + args.len()),
            ));
        }
        out
    }

    /// Shell-like words with quotes and escapes kept (ARG, and ENV/LABEL before splitting).
    fn words(&self, args: &str) -> Vec<Word> {
        #[derive(PartialEq)]
        enum Phase {
            Spaces,
            Word,
            Quote,
        }
        let chars: Vec<(usize, char)> = args.char_indices().collect();
        let n = chars.len();
        let at = |i: usize| chars.get(i).map(|c| c.0).unwrap_or(args.len());
        let mut words = Vec::new();
        let mut phase = Phase::Spaces;
        let mut buf = String::new();
        let mut quote = '\0';
        let mut blank_ok = false;
        let mut start = 0;
        let mut i = 0;
        loop {
            if phase == Phase::Spaces {
                if i == n {
                    break;
                }
                if chars[i].1.is_whitespace() {
                    i += 1;
                    continue;
                }
                phase = Phase::Word;
                start = at(i);
            }
            if i == n {
                if blank_ok || !buf.is_empty() {
                    words.push(Word::new(buf, self.span(start, args.len())));
                }
                break;
            }
            let mut ch = chars[i].1;
            if phase == Phase::Word {
                if ch.is_whitespace() {
                    phase = Phase::Spaces;
                    if blank_ok || !buf.is_empty() {
                        words.push(Word::new(std::mem::take(&mut buf), self.span(start, at(i))));
                    }
                    buf.clear();
                    blank_ok = false;
                    i += 1;
                    continue;
                }
                if ch == '\'' || ch == '"' {
                    quote = ch;
                    blank_ok = true;
                    phase = Phase::Quote;
                }
                if ch == self.escape {
                    if i + 1 == n {
                        i += 1;
                        continue;
                    }
                    buf.push(ch);
                    i += 1;
                    ch = chars[i].1;
                }
                buf.push(ch);
                i += 1;
                continue;
            }
            if ch == quote {
                phase = Phase::Word;
            }
            if ch == self.escape && quote != '\'' {
                if i + 1 == n {
                    phase = Phase::Word;
                    i += 1;
                    continue;
                }
                i += 1;
                buf.push(ch);
                ch = chars[i].1;
            }
            buf.push(ch);
            i += 1;
        }
        words
    }

    /// ENV and LABEL: `key=value ...` or the legacy `key value`.
    fn name_val(&self, args: &str) -> Result<Vec<Word>, Diagnostic> {
        let words = self.words(args);
        let Some(first) = words.first() else {
            return Ok(Vec::new());
        };
        let upper = self.keyword.to_ascii_uppercase();
        if !first.text.contains('=') {
            let Some(k) = args.find(is_split_space) else {
                return Err(Diagnostic::error(
                    format!("{upper} must have two arguments"),
                    self.span(0, args.len()),
                )
                .with_label("expected a value after the name")
                .with_hint(format!("write `{upper} {args}=value`")));
            };
            let after = &args[k..];
            let v = k + (after.len() - after.trim_start_matches(is_split_space).len());
            return Ok(vec![
                self.word(args, 0, k),
                self.word(args, v, args.len()),
                Word::new("", self.span(k, k)),
            ]);
        }
        let mut out = Vec::new();
        for w in words {
            let Some(eq) = w.text.find('=') else {
                return Err(Diagnostic::error(
                    format!(
                        "Syntax error - can't find = in {}. Must be of the form: name=value",
                        go_quote(&w.text)
                    ),
                    w.span,
                )
                .with_label("expected name=value")
                .with_hint(format!(
                    "{upper} takes name=value pairs once the first one uses `=`"
                )));
            };
            // The word text equals its source text up to the `=`, so offsets carry over.
            let key_end = w.span.start + eq;
            let key_span = Span::new(w.span.start, key_end.min(w.span.end));
            let value_span = Span::new((key_end + 1).min(w.span.end), w.span.end);
            out.push(Word::new(&w.text[..eq], key_span));
            out.push(Word::new(&w.text[eq + 1..], value_span));
            out.push(Word::new(
                "=",
                Span::new(key_end, (key_end + 1).min(w.span.end)),
            ));
        }
        Ok(out)
    }

    fn json_error(&self, start: usize, end: usize) -> Diagnostic {
        Diagnostic::error(
            "when using JSON array syntax, arrays must be comprised of strings only",
            self.span(start, end),
        )
        .with_label("not a string")
        .with_hint("quote every element, e.g. [\"echo\", \"hello\"]")
    }

    fn json_words(&self, args: &str, offset: usize) -> Result<Option<Vec<Word>>, Diagnostic> {
        match parse_string_array(args) {
            Ok(items) => Ok(Some(
                items
                    .into_iter()
                    .map(|s| Word::new(s.value, self.span(offset + s.start, offset + s.end)))
                    .collect(),
            )),
            Err(JsonArrayError::NotStringArray { start, end }) => {
                Err(self.json_error(offset + start, offset + end))
            }
            Err(JsonArrayError::NotJson) => Ok(None),
        }
    }

    /// RUN, CMD, ENTRYPOINT, SHELL: a JSON array, or else the whole text as one word.
    fn maybe_json(&self, args: &str, node: &mut Node) -> Result<(), Diagnostic> {
        self.maybe_json_at(args, 0, node)
    }

    fn maybe_json_at(&self, args: &str, offset: usize, node: &mut Node) -> Result<(), Diagnostic> {
        if args.is_empty() {
            return Ok(());
        }
        if let Some(words) = self.json_words(args, offset)? {
            node.args.extend(words);
            node.json = true;
        } else {
            node.args
                .push(Word::new(args, self.span(offset, offset + args.len())));
        }
        Ok(())
    }

    /// COPY, ADD, VOLUME: a JSON array, or else whitespace-separated words.
    fn maybe_json_to_list(&self, args: &str, node: &mut Node) -> Result<(), Diagnostic> {
        if let Some(words) = self.json_words(args, 0)? {
            node.args = words;
            node.json = true;
        } else {
            node.args = self.whitespace_list(args, 0);
        }
        Ok(())
    }

    /// HEALTHCHECK: a type word (NONE, CMD) then a command in either form.
    fn health_config(&self, args: &str, node: &mut Node) -> Result<(), Diagnostic> {
        let sep = args.find(char::is_whitespace).unwrap_or(args.len());
        if sep == 0 {
            return Ok(());
        }
        let after = &args[sep..];
        let next = sep + (after.len() - after.trim_start().len());
        node.args.push(self.word(args, 0, sep));
        self.maybe_json_at(&args[next..], next, node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dump(src: &str) -> String {
        parse(src.as_bytes(), "Dockerfile").unwrap().dump()
    }

    #[test]
    fn dumps_like_the_reference() {
        assert_eq!(dump("FROM a AS b\n"), "(from \"a\" \"AS\" \"b\")\n");
        assert_eq!(
            dump("COPY --from=x --chown=\"a b\" s d\n"),
            "(copy [\"--from=x\" \"--chown=a b\"] \"s\" \"d\")\n"
        );
        assert!(parse(b"ENV a=b c\n", "Dockerfile").is_err());
        assert_eq!(dump("ENV a b c\n"), "(env \"a\" \"b c\" \"\")\n");
        assert_eq!(dump("ONBUILD RUN [\"x\"]\n"), "(onbuild (run \"x\"))\n");
        assert_eq!(dump("CMD --doit -- [ ]\n"), "(cmd [\"--doit\"])\n");
    }

    #[test]
    fn spans_point_into_the_source() {
        let src = "FROM a\nRUN echo \\\n  # comment\n  hi\n";
        let p = parse(src.as_bytes(), "Dockerfile").unwrap();
        let run = &p.nodes[1];
        assert_eq!(run.original, "RUN echo   hi");
        assert_eq!(&src[run.keyword.span.start..run.keyword.span.end], "RUN");
        let arg = &run.args[0];
        assert_eq!(arg.text, "echo   hi");
        assert_eq!(arg.span.start, src.find("echo").unwrap());
        assert_eq!(arg.span.end, src.find("hi").unwrap() + 2);
        assert_eq!(run.lines, LineRange { start: 2, end: 4 });
    }

    #[test]
    fn syntax_is_detected_like_the_reference() {
        let found =
            |src: &str| detect_syntax(src.as_bytes()).map(|d| (d.reference, d.cmdline, d.line));
        let some = |r: &str, c: &str, l: usize| Some((r.to_string(), c.to_string(), l));
        assert_eq!(
            found("#syntax=foobar\nfrom alpine"),
            some("foobar", "foobar", 1)
        );
        assert_eq!(
            found("\u{feff}# escape=`\n# syntax = a/b:1 --x y \r\nFROM x\n"),
            some("a/b:1", "a/b:1 --x y", 2)
        );
        assert_eq!(found("#!/usr/bin/env x\n# syntax=s\n"), some("s", "s", 2));
        assert_eq!(found("// syntax=c/d\n{}"), some("c/d", "c/d", 1));
        assert_eq!(found(r#"{"syntax": "j/k"}"#), some("j/k", "j/k", 0));
        // Only leading directives count.
        assert_eq!(found("FROM x\n# syntax=late\n"), None);
        assert_eq!(found("# comment\n# syntax=late\n"), None);
        assert_eq!(found("FROM x\n"), None);
    }

    #[test]
    fn directives_and_escape() {
        let src = "# syntax=foo/bar\n# escape=`\nFROM a\nRUN a `\n b\n";
        let p = parse(src.as_bytes(), "Dockerfile").unwrap();
        assert_eq!(p.directives.syntax.as_ref().unwrap().value, "foo/bar");
        assert_eq!(p.escape_token, '`');
        assert_eq!(p.nodes[1].args[0].text, "a  b");
        let err = parse(b"# escape=`\n# escape=\\\nFROM a\n", "Dockerfile").unwrap_err();
        assert_eq!(err.message, "only one escape parser directive can be used");
        assert_eq!((err.start.line, err.start.column), (2, 1));
    }

    #[test]
    fn heredocs_are_read() {
        let src = "FROM a\nRUN <<EOF cat <<-'END'\nhello $x\nEOF\n\tbye\n\tEND\nRUN b\n";
        let p = parse(src.as_bytes(), "Dockerfile").unwrap();
        let run = &p.nodes[1];
        assert_eq!(run.heredocs.len(), 2);
        assert_eq!(run.heredocs[0].content, "hello $x\n");
        assert!(run.heredocs[0].expand);
        assert_eq!(run.heredocs[1].chomped_content(), "bye\n");
        assert!(!run.heredocs[1].expand);
        assert_eq!(run.lines, LineRange { start: 2, end: 6 });
        assert_eq!(p.nodes[2].lines.start, 7);
        let err = parse(b"FROM a\nRUN <<EOF\nx\n", "Dockerfile").unwrap_err();
        assert_eq!(err.message, "unterminated heredoc");
        assert_eq!((err.start.line, err.start.column), (2, 5));
    }

    #[test]
    fn invalid_utf8_in_comments_is_accepted() {
        let p = parse(b"# caf\xe9\nFROM a\n  # \xff\xfe\nRUN x\n", "Dockerfile").unwrap();
        assert_eq!(p.nodes.len(), 2);
        assert_eq!(p.nodes[1].keyword.span, Span::new(21, 24));
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        let err = parse(b"FROM a\nRUN \xff\n", "Dockerfile").unwrap_err();
        assert_eq!((err.start.line, err.start.column), (2, 5));
        assert!(err.message.contains("UTF-8"));
    }

    /// The reference's TestParseExtractsHeredoc cases: (instruction line(s), expected heredocs as
    /// (name, content, expand, chomp, fd)).
    #[test]
    fn heredoc_table() {
        type H = (&'static str, &'static str, bool, bool, u32);
        let table: &[(&str, &[H])] = &[
            ("RUN ls\n", &[]),
            ("USER <<INVALID\nINVALID\n", &[]),
            ("RUN <<EMPTY\nEMPTY\n", &[("EMPTY", "", true, false, 0)]),
            ("RUN 3<<EMPTY2\nEMPTY2\n", &[("EMPTY2", "", true, false, 3)]),
            ("RUN \"<<NOHEREDOC\"\n", &[]),
            (
                "RUN <<INDENT\n\tfoo\n\tbar\nINDENT\n",
                &[("INDENT", "\tfoo\n\tbar\n", true, false, 0)],
            ),
            (
                "RUN <<-UNINDENT\n\tbaz\n\tquux\nUNINDENT\n",
                &[("UNINDENT", "\tbaz\n\tquux\n", true, true, 0)],
            ),
            (
                "RUN <<-UNINDENT2\n\tbaz\n\tquux\n\tUNINDENT2\n",
                &[("UNINDENT2", "\tbaz\n\tquux\n", true, true, 0)],
            ),
            (
                "RUN <<-'NOEXPAND'\n\tdon't expand $NAME\nNOEXPAND\n",
                &[("NOEXPAND", "\tdon't expand $NAME\n", false, true, 0)],
            ),
            (
                "RUN <<COMMENT\n# internal comment\necho x # trailing\nCOMMENT\n",
                &[(
                    "COMMENT",
                    "# internal comment\necho x # trailing\n",
                    true,
                    false,
                    0,
                )],
            ),
            (
                "RUN --mount=type=cache,target=/foo <<MOUNT\necho hello\nMOUNT\n",
                &[("MOUNT", "echo hello\n", true, false, 0)],
            ),
            (
                "COPY <<FILE1 <<FILE2 /dest\ncontent 1\nFILE1\ncontent 2\nFILE2\n",
                &[
                    ("FILE1", "content 1\n", true, false, 0),
                    ("FILE2", "content 2\n", true, false, 0),
                ],
            ),
            (
                "COPY <<X <<Y /dest\nY\nX\nX\nY\n",
                &[("X", "Y\n", true, false, 0), ("Y", "X\n", true, false, 0)],
            ),
            (
                "RUN <<COMPLEX python3\nprint('hello world')\nCOMPLEX\n",
                &[("COMPLEX", "print('hello world')\n", true, false, 0)],
            ),
            (
                "COPY <<file.txt /dest\nhello world\nfile.txt\n",
                &[("file.txt", "hello world\n", true, false, 0)],
            ),
            (
                "RUN <<eo'f'\necho foo\neof\n",
                &[("eof", "echo foo\n", false, false, 0)],
            ),
            (
                "RUN <<eo\\'f\necho foo\neo'f\n",
                &[("eo'f", "echo foo\n", true, false, 0)],
            ),
            (
                "RUN <<'e'o\\'f\necho foo\neo'f\n",
                &[("eo'f", "echo foo\n", false, false, 0)],
            ),
            (
                "RUN <<'one two'\necho bar\none two\n",
                &[("one two", "echo bar\n", false, false, 0)],
            ),
            ("RUN <<$EOF\n$EOF\n", &[("$EOF", "", true, false, 0)]),
            ("RUN <<  EOF\nEOF\n", &[("EOF", "", true, false, 0)]),
            ("RUN <<  EOF  > foo\nEOF\n", &[("EOF", "", true, false, 0)]),
            ("RUN << -EOF\n-EOF\n", &[("-EOF", "", true, false, 0)]),
            ("RUN [\"<<EOF\"]\n", &[]),
            ("RUN ['<<EOF']\n", &[]),
            (
                "ONBUILD COPY <<A /a\nx\nA\n",
                &[("A", "x\n", true, false, 0)],
            ),
        ];
        for (src, want) in table {
            let full = format!("FROM a\n{src}RUN after\n");
            let p = parse(full.as_bytes(), "Dockerfile").unwrap_or_else(|e| panic!("{src:?}: {e}"));
            let got: Vec<H> = p.nodes[1]
                .heredocs
                .iter()
                .map(|h| {
                    let name: &'static str = Box::leak(h.name.clone().into_boxed_str());
                    let content: &'static str = Box::leak(h.content.clone().into_boxed_str());
                    (name, content, h.expand, h.chomp, h.file_descriptor)
                })
                .collect();
            assert_eq!(&got, want, "{src:?}");
            if !want.is_empty() {
                assert_eq!(p.nodes.len(), 3, "{src:?}");
            }
        }
    }

    #[test]
    fn heredoc_words() {
        for w in [
            "<<EOF",
            "<<'EOF'",
            "<<\"EOF\"",
            "<<-EOF",
            "<<-'EOF'",
            "<<-\"EOF\"",
            "<<EO\"F\"",
            "<< EOF",
            "<<- EOF",
        ] {
            let h = super::super::heredoc::parse_heredoc_word(w)
                .unwrap()
                .unwrap();
            assert_eq!(h.name, "EOF", "{w}");
        }
        for w in ["<<'EOF", "<<\"EOF", "<<EOF'", "<<EOF\""] {
            assert!(super::super::heredoc::parse_heredoc_word(w).is_err(), "{w}");
        }
        for w in ["", "EOF", "<<", "<<-", "<EOF", "<<<EOF", "<<EOF sh"] {
            assert_eq!(
                super::super::heredoc::parse_heredoc_word(w).unwrap(),
                None,
                "{w}"
            );
        }
    }

    #[test]
    fn empty_continuation_lines_warn() {
        let src = "FROM a\nRUN valid \\\n    continuation\nRUN something \\\n\n    following \\\n\n    more\nRUN non-indented \\\n# comment\n   after\n";
        let p = parse(src.as_bytes(), "Dockerfile").unwrap();
        assert_eq!(p.warnings.len(), 1);
        assert_eq!(p.warnings[0].start.line, 5);
        assert_eq!(p.nodes[2].original, "RUN something     following     more");
        assert_eq!(p.nodes[3].original, "RUN non-indented    after");
    }

    #[test]
    fn parse_words_table() {
        let table: &[(&str, &[&str])] = &[
            ("foo", &["foo"]),
            ("foo bar", &["foo", "bar"]),
            ("foo\\ bar", &["foo\\ bar"]),
            ("foo=bar", &["foo=bar"]),
            ("foo bar 'abc xyz'", &["foo", "bar", "'abc xyz'"]),
            ("foo bar \"abc xyz\"", &["foo", "bar", "\"abc xyz\""]),
            ("àöû", &["àöû"]),
            ("föo bàr \"âbc xÿz\"", &["föo", "bàr", "\"âbc xÿz\""]),
        ];
        for (input, want) in table {
            let p = parse(format!("ARG {input}\n").as_bytes(), "Dockerfile").unwrap();
            let got: Vec<&str> = p.nodes[0].args.iter().map(|w| w.text.as_str()).collect();
            assert_eq!(&got, want, "{input}");
            for w in &p.nodes[0].args {
                assert_eq!(
                    &format!("ARG {input}\n")[w.span.start..w.span.end],
                    w.text,
                    "{input}"
                );
            }
        }
    }

    #[test]
    fn long_lines_are_rejected_like_the_reference() {
        let src = format!("FROM a\nLABEL x={}\n", "a".repeat(65536));
        let err = parse(src.as_bytes(), "Dockerfile").unwrap_err();
        assert_eq!(
            err.message,
            "dockerfile line greater than max allowed size of 65535"
        );
        assert_eq!(err.start.line, 2);
        let ok = format!("FROM a\nLABEL x={}\n", "a".repeat(65536 - 9));
        assert!(parse(ok.as_bytes(), "Dockerfile").is_ok());
    }

    /// Deliberate divergence: the reference mangles non-ASCII bytes in flag values.
    #[test]
    fn non_ascii_flag_values_stay_intact() {
        let p = parse(
            "FROM a\nCOPY --chown=josé --\"x=é\" a b\n".as_bytes(),
            "Dockerfile",
        )
        .unwrap();
        let flags: Vec<&str> = p.nodes[1].flags.iter().map(|f| f.text.as_str()).collect();
        assert_eq!(flags, vec!["--chown=josé", "--x=é"]);
    }

    #[test]
    fn go_quoting() {
        assert_eq!(
            go_quote("a\"b\\c\n\u{1}é\u{a0}"),
            "\"a\\\"b\\\\c\\n\\x01é\\u00a0\""
        );
    }
}
