//! The syntax layer: Dockerfile bytes -> logical lines, parser directives, heredocs, spans, and
//! shell-style word expansion. Knows nothing of BuildKit.
//!
//! - [`parse`] reads the file format into [`ParsedDockerfile`]: directives and one [`Node`] per
//!   instruction (keyword, flags, argument words, heredocs), the same tree as the reference's
//!   `frontend/dockerfile/parser`, printable in its dump format with [`ParsedDockerfile::dump`].
//! - Every word carries a [`Span`] (byte offsets); [`LineIndex`] converts to line/column.
//! - Errors are [`Diagnostic`]s: message, span, label, hint, filename; rendered rustc-style.
//! - [`check`] reads the `# check=` directive's lint options.
//! - [`expand`] does word expansion (`$v`, `${v:-w}`, quotes) for the converter.

pub mod check;
pub mod diagnostic;
pub mod expand;
pub mod heredoc;
pub mod json;
pub mod parser;
pub mod rules;
pub mod span;
pub(crate) mod suggest;

pub use check::{parse_check, CheckConfig};
pub use diagnostic::{Diagnostic, DiagnosticData, Severity};
pub use heredoc::Heredoc;
pub use parser::{
    detect_syntax, parse, Directive, Directives, Node, ParsedDockerfile, SyntaxDirective, Word,
};
pub use span::{LineIndex, LineRange, Position, Span};
