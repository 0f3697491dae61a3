//! Errors as data: a [`Diagnostic`] names the file, the span, what was expected and, where it
//! helps, how to fix it. [`Diagnostic::render`] prints it rustc-style for the CLI; the gateway
//! puts the same positions into BuildKit's error source location.

use std::fmt::Write as _;

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};
use serde::Serialize;

use super::span::{LineIndex, LineRange, Position, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in a Dockerfile. Parsing functions create it with a span only; the entry points
/// ([`crate::syntax::parse`], [`crate::instructions::parse_dockerfile`]) fill in the filename and
/// positions with [`Diagnostic::locate`] before handing it out.
///
/// The data sits behind a `Box` so that `Result<_, Diagnostic>` stays small; fields are read
/// and written through `Deref` (`diag.message`, `diag.start.line`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}:{}:{}: {}", .0.filename, .0.start.line, .0.start.column, .0.message)]
#[serde(transparent)]
pub struct Diagnostic(Box<DiagnosticData>);

/// The fields of a [`Diagnostic`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DiagnosticData {
    pub severity: Severity,
    /// What is wrong, one line, no trailing period.
    pub message: String,
    pub filename: String,
    /// Primary span, underlined when rendered.
    pub span: Span,
    /// Position of `span.start` (1-based).
    pub start: Position,
    /// Position of `span.end` (1-based, exclusive column).
    pub end: Position,
    /// Short text printed next to the underline, usually what was expected.
    pub label: Option<String>,
    /// A suggested fix, printed as `= help: ...`.
    pub hint: Option<String>,
    /// The reference's "did you mean" word (util/suggest), in the case it prints it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
    /// The instruction the error is in, when the reference reports it as a parse error of that
    /// instruction (instructions.Parse wraps those as "dockerfile parse error on line N: ...").
    #[serde(skip)]
    pub instruction: Option<Span>,
    /// The lines of `instruction`, filled in by [`Diagnostic::locate`]; BuildKit is given one
    /// range per line, as the reference reports a node's location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instruction_lines: Option<LineRange>,
    /// The build-check rule a warning reports (its message is the rule's detail text).
    #[serde(skip)]
    pub rule: Option<&'static super::rules::Rule>,
    /// The `# check=` comment of the instruction the warning was given for, which the build's
    /// check configuration is merged with before it decides whether the rule reports.
    #[serde(skip)]
    pub check_comment: Option<super::CheckConfig>,
}

impl std::ops::Deref for Diagnostic {
    type Target = DiagnosticData;
    fn deref(&self) -> &DiagnosticData {
        &self.0
    }
}

impl std::ops::DerefMut for Diagnostic {
    fn deref_mut(&mut self) -> &mut DiagnosticData {
        &mut self.0
    }
}

impl Diagnostic {
    pub fn error(message: impl Into<String>, span: Span) -> Self {
        Diagnostic(Box::new(DiagnosticData {
            severity: Severity::Error,
            message: message.into(),
            filename: String::new(),
            span,
            start: Position::default(),
            end: Position::default(),
            label: None,
            hint: None,
            suggestion: None,
            instruction: None,
            instruction_lines: None,
            rule: None,
            check_comment: None,
        }))
    }

    pub fn warning(message: impl Into<String>, span: Span) -> Self {
        let mut d = Diagnostic::error(message, span);
        d.severity = Severity::Warning;
        d
    }

    pub(crate) fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a hint only when there is one (e.g. an optional "did you mean" suggestion).
    pub(crate) fn with_optional_hint(mut self, hint: Option<String>) -> Self {
        if hint.is_some() {
            self.hint = hint;
        }
        self
    }

    /// The reference's "did you mean" suggestion, when there is one.
    pub(crate) fn with_suggestion(mut self, suggestion: Option<impl Into<String>>) -> Self {
        self.suggestion = suggestion.map(Into::into);
        self
    }

    /// Marks the error as one of the instruction at `span` (see `instruction`). The innermost
    /// instruction wins (an ONBUILD trigger is reported at its ONBUILD line, like the reference).
    pub(crate) fn in_instruction(mut self, span: Span) -> Self {
        self.instruction.get_or_insert(span);
        self
    }

    /// Names the build-check rule of a warning reported at the lines of `at` (usually the
    /// instruction's).
    pub(crate) fn with_rule(mut self, rule: &'static super::rules::Rule, at: Span) -> Self {
        self.rule = Some(rule);
        self.instruction = Some(at);
        self
    }

    /// Names the build-check rule of a warning the reference reports without a location.
    pub(crate) fn with_unlocated_rule(mut self, rule: &'static super::rules::Rule) -> Self {
        self.rule = Some(rule);
        self.instruction = None;
        self
    }

    /// Fills in the filename and the line/column positions of the span.
    pub(crate) fn locate(mut self, filename: &str, source: &[u8], index: &LineIndex) -> Self {
        self.filename = filename.to_string();
        self.start = index.position(source, self.span.start);
        self.end = index.position(source, self.span.end);
        self.instruction_lines = self.instruction.map(|span| LineRange {
            start: index.position(source, span.start).line,
            end: index
                .position(source, span.end.saturating_sub(1).max(span.start))
                .line,
        });
        self
    }

    /// The text the reference reports for this problem, verbatim: the message, its
    /// " (did you mean X?)" and, for an instruction's parse error, the
    /// "dockerfile parse error on line N: " before it. BuildKit clients show this.
    pub fn reference_text(&self) -> String {
        let mut text = String::new();
        if let Some(lines) = self
            .instruction_lines
            .filter(|_| self.severity == Severity::Error)
        {
            let _ = write!(text, "dockerfile parse error on line {}: ", lines.start);
        }
        text.push_str(&self.message);
        if let Some(suggestion) = &self.suggestion {
            let _ = write!(text, " (did you mean {suggestion}?)");
        }
        text
    }

    /// Lines covered by the span, for BuildKit's `Range` list.
    pub fn lines(&self) -> LineRange {
        LineRange {
            start: self.start.line,
            end: self.end.line.max(self.start.line),
        }
    }

    /// Renders rustc-style with `annotate-snippets`, without colours:
    ///
    /// ```text
    /// error: unknown instruction `COPPY`
    ///  --> Dockerfile:3:1
    ///   |
    /// 3 | COPPY . /app
    ///   | ^^^^^ not a Dockerfile instruction
    ///   |
    ///   = help: did you mean `COPY`?
    /// ```
    ///
    /// The excerpt is the span's lines (a BOM left out, as editors do not show it); the crate
    /// widens tabs and cuts very long lines to a window around the span.
    pub fn render(&self, source: &[u8]) -> String {
        let index = LineIndex::new(source);
        let first = self.start.line.max(1);
        let mut shown = index.line_span(source, first);
        // A BOM is not shown by editors (nor counted as a column): leave it out of the excerpt.
        if shown.start == 0 && source.starts_with(b"\xef\xbb\xbf") {
            shown.start = 3.min(shown.end);
        }
        // A span that ends at the start of a later line ends with the line before it.
        let last = if self.end.line > first && self.end.column <= 1 {
            self.end.line - 1
        } else {
            self.end.line
        };
        if last > first {
            shown.end = index.line_span(source, last).end;
        }
        let (text, offsets) = excerpt(&source[shown.start..shown.end]);
        let at = |offset: usize| offsets[offset.clamp(shown.start, shown.end) - shown.start];
        let (start, end) = (at(self.span.start), at(self.span.end));
        let mut underline = AnnotationKind::Primary.span(start..end.max(start));
        if let Some(label) = &self.label {
            underline = underline.label(label.as_str());
        }
        let level = match self.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let suggested = self
            .suggestion
            .as_ref()
            .map(|s| format!("did you mean `{s}`?"));
        let mut group = level.primary_title(self.message.as_str()).element(
            Snippet::source(text.as_str())
                .line_start(first)
                .path(self.filename.as_str())
                .annotation(underline),
        );
        if let Some(hint) = self.hint.as_ref().or(suggested.as_ref()) {
            group = group.element(Level::HELP.message(hint.as_str()));
        }
        let mut out = Renderer::plain().render(&[group]);
        out.push('\n');
        out
    }
}

/// The text of an excerpt's bytes as the diagnostic shows it, and for each byte offset (and the
/// end) the offset in that text. Invalid UTF-8 shows one U+FFFD per byte that
/// [`LineIndex::position`] counts as a column, so the crate's `file:line:column` is ours.
fn excerpt(bytes: &[u8]) -> (String, Vec<usize>) {
    let mut text = String::with_capacity(bytes.len());
    let mut offsets = Vec::with_capacity(bytes.len() + 1);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            offsets.extend(std::iter::repeat_n(text.len(), c.len_utf8()));
            text.push(c);
        }
        for b in chunk.invalid() {
            offsets.push(text.len());
            if b & 0xC0 != 0x80 {
                text.push(char::REPLACEMENT_CHARACTER);
            }
        }
    }
    offsets.push(text.len());
    (text, offsets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_rustc() {
        let src = b"FROM alpine\n\nCOPPY . /app\n";
        let index = LineIndex::new(src);
        let d = Diagnostic::error("unknown instruction `COPPY`", Span::new(13, 18))
            .with_label("not a Dockerfile instruction")
            .with_hint("did you mean `COPY`?")
            .locate("Dockerfile", src, &index);
        assert_eq!(d.to_string(), "Dockerfile:3:1: unknown instruction `COPPY`");
        assert_eq!(
            d.render(src),
            "error: unknown instruction `COPPY`\n --> Dockerfile:3:1\n  |\n3 | COPPY . /app\n  | ^^^^^ not a Dockerfile instruction\n  |\n  = help: did you mean `COPY`?\n"
        );
        assert_eq!(d.lines(), LineRange { start: 3, end: 3 });
    }

    #[test]
    fn long_lines_are_windowed_and_bom_hidden() {
        let mut src = b"\xef\xbb\xbfRUN ".to_vec();
        src.extend(std::iter::repeat_n(b'x', 300));
        src.extend(b" BAD y\n");
        let index = LineIndex::new(&src);
        let at = 3 + 4 + 300 + 1;
        let d = Diagnostic::error("bad", Span::new(at, at + 3)).locate("Dockerfile", &src, &index);
        assert_eq!((d.start.line, d.start.column), (1, 306));
        let r = d.render(&src);
        let lines: Vec<&str> = r.lines().collect();
        assert!(
            lines[3].starts_with("1 | ...") && lines[3].ends_with("BAD y"),
            "{r}"
        );
        let caret = lines[4].find('^').unwrap();
        assert_eq!(&lines[3][caret..caret + 3], "BAD");
    }

    #[test]
    fn multi_line_spans_show_their_lines() {
        let src = b"FROM a\nRUN echo a \\\n  b\nCOPY x y\n";
        let index = LineIndex::new(src);
        let d = Diagnostic::warning("odd", Span::new(7, 24))
            .with_label("here")
            .locate("Dockerfile", src, &index);
        assert_eq!(
            d.render(src),
            "warning: odd\n --> Dockerfile:2:1\n  |\n2 | / RUN echo a \\\n3 | |   b\n  | |___^ here\n"
        );
        // A span that ends where the next line starts is shown on its own line.
        let d = Diagnostic::error("bad", Span::new(7, 20)).locate("Dockerfile", src, &index);
        assert_eq!(
            d.render(src),
            "error: bad\n --> Dockerfile:2:1\n  |\n2 | RUN echo a \\\n  | ^^^^^^^^^^^^\n"
        );
    }

    #[test]
    fn tabs_and_invalid_utf8_keep_the_column() {
        // Stray continuation bytes are not a column (LineIndex::position), so they are not shown.
        let src = b"RUN \tx\xf0\x80\x80y caf\xc3\xa9 \x80BAD\n";
        let index = LineIndex::new(src);
        let at = src.len() - 4;
        let d = Diagnostic::error("bad", Span::new(at, at + 3)).locate("Dockerfile", src, &index);
        assert_eq!(d.start.column, 15);
        let r = d.render(src);
        assert_eq!(
            r,
            "error: bad\n --> Dockerfile:1:15\n  |\n1 | RUN     x\u{FFFD}y café BAD\n  |                  ^^^\n"
        );
    }
}
