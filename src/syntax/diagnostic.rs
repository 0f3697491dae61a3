//! Errors as data: a [`Diagnostic`] names the file, the span, what was expected and, where it
//! helps, how to fix it. [`Diagnostic::render`] prints it rustc-style for the CLI; the gateway
//! puts the same positions into BuildKit's error source location.

use std::fmt::Write as _;

use serde::Serialize;

use super::span::{LineIndex, LineRange, Position, Span};

/// Longest source excerpt shown under a diagnostic, in characters.
const MAX_SHOWN: usize = 120;

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
        }))
    }

    pub fn warning(message: impl Into<String>, span: Span) -> Self {
        let mut d = Diagnostic::error(message, span);
        d.severity = Severity::Warning;
        d
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a hint only when there is one (e.g. an optional "did you mean" suggestion).
    pub fn with_optional_hint(mut self, hint: Option<String>) -> Self {
        if hint.is_some() {
            self.hint = hint;
        }
        self
    }

    /// The reference's "did you mean" suggestion, when there is one.
    pub fn with_suggestion(mut self, suggestion: Option<impl Into<String>>) -> Self {
        self.suggestion = suggestion.map(Into::into);
        self
    }

    /// Marks the error as one of the instruction at `span` (see `instruction`). The innermost
    /// instruction wins (an ONBUILD trigger is reported at its ONBUILD line, like the reference).
    pub fn in_instruction(mut self, span: Span) -> Self {
        self.instruction.get_or_insert(span);
        self
    }

    /// Names the build-check rule of a warning reported at the lines of `at` (usually the
    /// instruction's).
    pub fn with_rule(mut self, rule: &'static super::rules::Rule, at: Span) -> Self {
        self.rule = Some(rule);
        self.instruction = Some(at);
        self
    }

    /// Fills in the filename and the line/column positions of the span.
    pub fn locate(mut self, filename: &str, source: &[u8], index: &LineIndex) -> Self {
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

    /// Renders rustc-style:
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
    pub fn render(&self, source: &[u8]) -> String {
        let index = LineIndex::new(source);
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let line_no = self.start.line.max(1);
        let gutter = line_no.to_string().len();
        let pad = " ".repeat(gutter);
        let mut out = String::new();
        let _ = writeln!(out, "{kind}: {}", self.message);
        let _ = writeln!(
            out,
            "{pad}--> {}:{}:{}",
            self.filename,
            line_no,
            self.start.column.max(1)
        );
        let _ = writeln!(out, "{pad} |");
        let mut line_span = index.line_span(source, line_no);
        // A BOM is not shown by editors: leave it out of the displayed line.
        if line_span.start == 0 && source.starts_with(b"\xef\xbb\xbf") {
            line_span.start = 3.min(line_span.end);
        }
        let line_bytes = &source[line_span.start..line_span.end];
        let text = String::from_utf8_lossy(line_bytes);
        // Display cells: tabs widened to four spaces so the underline lines up.
        let cells: Vec<String> = text
            .chars()
            .map(|c| {
                if c == '\t' {
                    "    ".to_string()
                } else {
                    c.to_string()
                }
            })
            .collect();
        let col_of = |offset: usize| -> usize {
            let upto = offset.clamp(line_span.start, line_span.end) - line_span.start;
            String::from_utf8_lossy(&line_bytes[..upto])
                .chars()
                .map(|c| if c == '\t' { 4 } else { 1 })
                .sum()
        };
        let mut start_col = col_of(self.span.start);
        let mut end_col = if self.end.line > line_no {
            col_of(line_span.end)
        } else {
            col_of(self.span.end)
        };
        let mut shown: String = cells.concat();
        // Very long lines: show a window around the span.
        let width: usize = shown.chars().count();
        if width > MAX_SHOWN {
            let from = start_col.saturating_sub(40).min(width - MAX_SHOWN);
            let window: String = shown.chars().skip(from).take(MAX_SHOWN).collect();
            let prefix = if from > 0 { "..." } else { "" };
            let suffix = if from + MAX_SHOWN < width { "..." } else { "" };
            shown = format!("{prefix}{window}{suffix}");
            start_col = start_col - from + prefix.len();
            end_col = (end_col.min(from + MAX_SHOWN) - from + prefix.len()).max(start_col);
        }
        let _ = writeln!(out, "{line_no} | {shown}");
        let carets = "^".repeat(end_col.saturating_sub(start_col).max(1));
        let label = self
            .label
            .as_deref()
            .map(|l| format!(" {l}"))
            .unwrap_or_default();
        let _ = writeln!(out, "{pad} | {}{carets}{label}", " ".repeat(start_col));
        let suggested = self
            .suggestion
            .as_ref()
            .map(|s| format!("did you mean `{s}`?"));
        if let Some(hint) = self.hint.as_ref().or(suggested.as_ref()) {
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{pad} = help: {hint}");
        }
        out
    }
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
}
