//! FROM: the instruction that starts a stage (`FROM [--platform=p] image [AS name]`), with the
//! reference's argument rules and stage-name validation.

use serde::Serialize;

use super::flags::{parse_flags, Flag, FlagKind, FlagSpec};
use super::node_parser::comment_for;
use super::{Diagnostic, Span, Stage, Word};
use crate::go::quote as go_quote;
use crate::syntax::Node;

/// The flags FROM takes.
pub(super) const FLAGS: &FlagSpec = &[("platform", FlagKind::String)];

/// The FROM instruction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct From {
    /// `FROM`, as written.
    pub keyword: Word,
    /// Base image or stage name; expanded with the meta ARGs.
    pub image: Word,
    /// `--platform`; expanded with the meta ARGs (plus BUILDPLATFORM/TARGETPLATFORM).
    pub platform: Option<Word>,
    /// The stage name as written after `AS` (see [`Stage::name`] for the lower-cased name).
    pub name: Option<Word>,
    /// The `AS` word as written.
    pub as_keyword: Option<Word>,
}

fn valid_stage_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-' | '_' | '.'))
}

/// A hint for words that look like an inline comment.
fn inline_comment_hint(node: &Node) -> Option<String> {
    node.args.iter().find(|w| w.text.starts_with('#')).map(|_| {
        format!(
            "`#` starts a comment only at the beginning of a line: `{}` has extra words",
            node.original.trim()
        )
    })
}

pub(super) fn parse_from(
    node: &Node,
    all_flags: &[(&str, &FlagSpec)],
) -> Result<Stage, Diagnostic> {
    let args = &node.args;
    let (name, name_word, as_word) = match args.len() {
        3 if args[1].text.eq_ignore_ascii_case("as") => {
            let lower = args[2].text.to_lowercase();
            if !valid_stage_name(&lower) {
                return Err(Diagnostic::error(
                    format!(
                        "invalid name for build stage: {}, name can't start with a number or contain symbols",
                        go_quote(&args[2].text)
                    ),
                    args[2].span,
                )
                .with_label("invalid stage name")
                .with_hint("stage names start with a letter and use only letters, digits, `-`, `_` and `.`"));
            }
            (Some(lower), Some(args[2].clone()), Some(args[1].clone()))
        }
        1 => (None, None, None),
        n => {
            let span = if n == 0 {
                Span::empty(node.keyword.span.end)
            } else if n > 3 || n == 2 {
                Span::new(args[1.min(n - 1)].span.start, args[n - 1].span.end)
            } else {
                args[1].span
            };
            let label = match n {
                0 => "expected an image name",
                2 if args[1].text.eq_ignore_ascii_case("as") => "expected a stage name after AS",
                3 => "expected `AS`",
                _ => "unexpected words",
            };
            let hint = inline_comment_hint(node)
                .unwrap_or_else(|| "write `FROM <image>` or `FROM <image> AS <name>`".to_string());
            return Err(
                Diagnostic::error("FROM requires either one or three arguments", span)
                    .with_label(label)
                    .with_hint(hint),
            );
        }
    };
    let flags: Vec<Flag> = node.flags.iter().map(Flag::from_word).collect();
    let values = parse_flags(&flags, FLAGS, "FROM", all_flags)?;
    let comment = name.as_ref().and_then(|n| comment_for(&node.comments, n));
    Ok(Stage {
        name,
        from: From {
            keyword: node.keyword.clone(),
            image: args[0].clone(),
            platform: values.string("platform"),
            name: name_word,
            as_keyword: as_word,
        },
        commands: Vec::new(),
        span: node.span,
        lines: node.lines,
        original: node.original.trim().to_string(),
        comment,
        comments: node.comments.clone(),
    })
}
