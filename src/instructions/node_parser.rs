//! What every instruction's parser reads from its node: the arguments, the flags checked
//! against the instruction's table, and the reference's argument-count rules with their
//! messages. Each instruction module adds its own `impl NodeParser` block.

use super::flags::{parse_flags, Flag, FlagSpec, FlagValues};
use super::{CommandLine, Diagnostic, Span, Word};
use crate::syntax::Node;

pub(super) fn comment_for(comments: &[String], name: &str) -> Option<String> {
    if name.is_empty() {
        return None;
    }
    comments
        .iter()
        .find_map(|c| c.strip_prefix(&format!("{name} ")).map(str::to_string))
}

pub(super) struct NodeParser<'a> {
    pub(super) node: &'a Node,
    pub(super) flags: &'a [Flag],
    /// The keyword in upper case, for messages.
    pub(super) upper: String,
    /// Every instruction's flags, to name the owner of a misplaced flag.
    pub(super) all_flags: &'a [(&'a str, &'a FlagSpec)],
}

impl NodeParser<'_> {
    pub(super) fn after_keyword(&self) -> Span {
        Span::empty(self.node.keyword.span.end)
    }

    pub(super) fn args_span(&self) -> Span {
        match (self.node.args.first(), self.node.args.last()) {
            (Some(a), Some(b)) => a.span.cover(b.span),
            _ => self.after_keyword(),
        }
    }

    pub(super) fn at_least_one(&self) -> Result<(), Diagnostic> {
        if self.node.args.is_empty() && self.node.child.is_none() {
            return Err(Diagnostic::error(
                format!("{} requires at least one argument", self.upper),
                self.node.keyword.span,
            )
            .with_label("expected at least one argument"));
        }
        Ok(())
    }

    pub(super) fn exactly_one(&self) -> Result<Word, Diagnostic> {
        match self.node.args.as_slice() {
            [one] => Ok(one.clone()),
            _ => Err(Diagnostic::error(
                format!("{} requires exactly one argument", self.upper),
                self.node.keyword.span,
            )
            .with_label("expected one argument")),
        }
    }

    pub(super) fn exactly_one_then_flags(&self) -> Result<Word, Diagnostic> {
        let w = self.exactly_one()?;
        self.no_flags()?;
        Ok(w)
    }

    pub(super) fn no_flags(&self) -> Result<(), Diagnostic> {
        parse_flags(self.flags, &[], &self.upper, self.all_flags).map(|_| ())
    }

    pub(super) fn warn_ignored_flags(&self, warnings: &mut Vec<Diagnostic>) {
        for f in self.flags {
            warnings.push(
                Diagnostic::warning(
                    format!("flag --{} is ignored by {}", f.name, self.upper),
                    f.span,
                )
                .with_label("ignored")
                .with_hint(format!("{} takes no flags; remove it", self.upper)),
            );
        }
    }

    pub(super) fn flags(&self, spec: &FlagSpec) -> Result<FlagValues, Diagnostic> {
        parse_flags(self.flags, spec, &self.upper, self.all_flags)
    }

    /// The reference's `handleJSONArgs` + `ShellDependantCmdLine`.
    pub(super) fn command_line(&self, empty_as_nil: bool) -> CommandLine {
        let _ = empty_as_nil; // an empty list is represented the same way either way
        command_line_from(&self.node.args, self.node.json)
    }
}

/// `handleJSONArgs`: exec form keeps the strings; shell form joins the words with spaces
/// (there is at most one).
pub(super) fn command_line_from(args: &[Word], json: bool) -> CommandLine {
    if json {
        return CommandLine {
            args: args.to_vec(),
            prepend_shell: false,
        };
    }
    let args = match (args.first(), args.last()) {
        (Some(first), Some(last)) => vec![Word::new(
            args.iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            first.span.cover(last.span),
        )],
        _ => Vec::new(),
    };
    CommandLine {
        args,
        prepend_shell: true,
    }
}
