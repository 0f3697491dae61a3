//! The build checks the reference's linter runs while it parses instructions
//! (MaintainerDeprecated, StageNameCasing, FromAsCasing, InvalidDefinitionDescription,
//! ReservedStageName, DuplicateStageName, ConsistentInstructionCasing) and our own notes on
//! accepted input.

use super::{Diagnostic, Stage};
use crate::go::quote as go_quote;
use crate::syntax::rules;
use crate::syntax::Node;

/// Warnings the reference's linter gives for accepted instructions.
pub(super) fn lint_node(node: &Node, warnings: &mut Vec<Diagnostic>) {
    let command = node.command();
    match command.as_str() {
        "maintainer" => warnings.push(
            Diagnostic::warning(
                "Maintainer instruction is deprecated in favor of using label",
                node.keyword.span,
            )
            .with_rule(&rules::MAINTAINER_DEPRECATED, node.span)
            .with_label("deprecated")
                .with_hint(
                    "use `LABEL org.opencontainers.image.authors=\"...\"` instead (MaintainerDeprecated)",
                ),
        ),
        "run" | "cmd" | "entrypoint" => {
            // `CMD ['a']` is not JSON (single quotes), so it silently becomes a shell command.
            if let [only] = node.args.as_slice() {
                let t = only.text.trim();
                if !node.json && t.starts_with('[') && t.ends_with(']') {
                    warnings.push(
                        Diagnostic::warning(
                            format!(
                                "{} arguments look like a JSON array but are not valid JSON; they run as a shell command",
                                node.keyword.text.to_uppercase()
                            ),
                            only.span,
                        )
                        .with_label("not valid JSON")
                        .with_hint("in exec form use double quotes and commas: [\"executable\", \"arg\"]"),
                    );
                }
            }
        }
        _ => {}
    }
}

/// StageNameCasing and FromAsCasing, given on the words as written before FROM is parsed, so
/// also for a FROM that then fails to parse (`isLowerCaseStageName` looks at any third word,
/// `doesFromCaseMatchAsCase` at the second of three or more).
pub(super) fn from_warnings(node: &Node, warnings: &mut Vec<Diagnostic>) {
    let args = node.args.as_slice();
    if let [_, _, written] = args {
        if written.text != written.text.to_lowercase() {
            warnings.push(
                Diagnostic::warning(
                    format!("Stage name '{}' should be lowercase", written.text),
                    written.span,
                )
                .with_rule(&rules::STAGE_NAME_CASING, node.span)
                .with_label(format!("used as `{}`", written.text.to_lowercase()))
                .with_hint("stage names are case-insensitive and stored lower-cased"),
            );
        }
    }
    // Only when FROM itself is all lower or all upper case.
    if let [_, as_word, _, ..] = args {
        let from = &node.keyword.text;
        let lower = *from == from.to_lowercase();
        let upper = *from == from.to_uppercase();
        let matches = if lower {
            as_word.text == as_word.text.to_lowercase()
        } else {
            as_word.text == as_word.text.to_uppercase()
        };
        if (lower || upper) && !matches {
            warnings.push(
                Diagnostic::warning(
                    format!(
                        "'{}' and '{from}' keywords' casing do not match",
                        as_word.text
                    ),
                    as_word.span,
                )
                .with_rule(&rules::FROM_AS_CASING, node.span)
                .with_label(format!(
                    "`{from}` is written in {} case",
                    if lower { "lower" } else { "upper" }
                )),
            );
        }
    }
}

/// `validateDefinitionDescription` (InvalidDefinitionDescription, experimental): the last
/// comment right above a named FROM or an ARG is read as the description of what it defines, so
/// its first word should be that name.
pub(super) fn definition_description(
    node: &Node,
    instruction: &str,
    names: &[&str],
    warnings: &mut Vec<Diagnostic>,
) {
    let (Some(last), Some(first)) = (node.comments.last(), names.first()) else {
        return;
    };
    if names.contains(&last.split(' ').next().unwrap_or_default()) {
        return;
    }
    let example = if names.len() > 1 { "<arg_key>" } else { first };
    warnings.push(
        Diagnostic::warning(
            format!(
                "Comment for {instruction} should follow the format: `# {example} <description>`"
            ),
            node.keyword.span,
        )
        .with_rule(&rules::INVALID_DEFINITION_DESCRIPTION, node.span)
        .with_hint(
            "separate a comment that is no description from the instruction with an empty line",
        ),
    );
}

/// `validateStageNames`, after every stage is parsed as in the reference: ReservedStageName and
/// DuplicateStageName (the last stage of a name wins in --target, FROM and --from).
pub(super) fn validate_stage_names(stages: &[Stage], warnings: &mut Vec<Diagnostic>) {
    for (i, stage) in stages.iter().enumerate() {
        let Some(name) = &stage.name else { continue };
        let span = stage
            .from
            .name
            .as_ref()
            .map(|w| w.span)
            .unwrap_or(stage.span);
        if matches!(name.as_str(), "context" | "scratch") {
            warnings.push(
                Diagnostic::warning(
                    format!(
                        "Stage name should not use the same name as reserved stage {}",
                        go_quote(name)
                    ),
                    span,
                )
                .with_rule(&rules::RESERVED_STAGE_NAME, stage.span)
                .with_label("a reserved name"),
            );
        }
        if let Some(first) = stages[..i].iter().find(|s| s.name.as_ref() == Some(name)) {
            warnings.push(
                Diagnostic::warning(
                    format!(
                        "Duplicate stage name {}, stage names should be unique",
                        go_quote(name)
                    ),
                    span,
                )
                .with_rule(&rules::DUPLICATE_STAGE_NAME, stage.span)
                .with_label("already used by an earlier stage")
                .with_hint(format!(
                    "stage `{name}` is first defined on line {}; a later stage of the same name replaces it",
                    first.lines.start
                )),
            );
        }
    }
}

/// `validateCommandCasing`: every instruction keyword (FROM included) should be all lower or all
/// upper case like the majority of those that are.
/// Whether `text` equals `text.to_lowercase()` (or upper), without making the copy: each
/// character maps to itself. The one context rule of `str::to_lowercase`, a final sigma, maps
/// a character that changes either way.
fn unchanged_by<I: Iterator<Item = char>>(text: &str, map: fn(char) -> I) -> bool {
    text.chars().all(|c| {
        let mut mapped = map(c);
        mapped.next() == Some(c) && mapped.next().is_none()
    })
}

pub(super) fn validate_command_casing(stages: &[Stage], warnings: &mut Vec<Diagnostic>) {
    let keywords = || {
        stages.iter().flat_map(|stage| {
            std::iter::once((&stage.from.keyword, stage.span))
                .chain(stage.commands.iter().map(|c| (&c.keyword, c.span)))
        })
    };
    let (mut lower, mut upper) = (0, 0);
    for (keyword, _) in keywords() {
        if unchanged_by(&keyword.text, char::to_lowercase) {
            lower += 1;
        } else if unchanged_by(&keyword.text, char::to_uppercase) {
            upper += 1;
        }
    }
    let majority_lower = lower > upper;
    for (keyword, at) in keywords() {
        let text = &keyword.text;
        let casing = if majority_lower && !unchanged_by(text, char::to_lowercase) {
            "lowercase"
        } else if !majority_lower && !unchanged_by(text, char::to_uppercase) {
            "uppercase"
        } else {
            continue;
        };
        warnings.push(
            Diagnostic::warning(
                format!(
                    "Command '{text}' should match the case of the command majority ({casing})"
                ),
                keyword.span,
            )
            .with_rule(&rules::CONSISTENT_INSTRUCTION_CASING, at),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::unchanged_by;

    #[test]
    fn casing_is_judged_as_the_string_conversions_judge_it() {
        let chars = [
            'a', 'A', 'ß', 'Σ', 'σ', 'ς', 'İ', 'ı', 'ǅ', 'ﬁ', '1', '-', 'é', 'É',
        ];
        for a in chars {
            for b in chars {
                let text = format!("{a}{b}");
                assert_eq!(
                    unchanged_by(&text, char::to_lowercase),
                    text == text.to_lowercase(),
                    "{text}"
                );
                assert_eq!(
                    unchanged_by(&text, char::to_uppercase),
                    text == text.to_uppercase(),
                    "{text}"
                );
            }
        }
    }
}
