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

mod args;
mod directives;
#[cfg(test)]
mod tests;

use args::new_node_from_line;
pub(crate) use directives::comment_directive;
use directives::DirectiveParser;
pub use directives::{detect_syntax, SyntaxDirective};

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
    // Lines are counted only for a file with a finding to locate.
    let index = std::cell::OnceCell::new();
    let locate = |d: Diagnostic| {
        d.locate(
            filename,
            source,
            index.get_or_init(|| LineIndex::new(source)),
        )
    };
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

/// `[\t\v\f\r ]`, the reference's `reWhitespace`.
fn is_split_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\x0b' | '\x0c' | '\r')
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
        // At most one node per line that is neither blank nor a comment: reserved at once, as
        // a node is large and growing the vector would copy them all again.
        let mut nodes = Vec::with_capacity(
            self.lines
                .iter()
                .filter(|l| !matches!(l.text.trim_start().bytes().next(), None | Some(b'#')))
                .count(),
        );
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
            // On the last line read, as the reference's scanner counts them (a final newline
            // starts no line).
            let end = self
                .lines
                .last()
                .map(|l| self.line_span(*l).end)
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
