//! What converting any instruction needs: the [`Context`] of the build, word expansion with the
//! stage's env, the command's location and its progress text.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::instructions::{Command, Word};
use crate::syntax::expand::{Env, Expander};
use crate::syntax::suggest::search;
use crate::syntax::{rules, Diagnostic, Span};

use super::args::is_non_env_arg;
use super::dockerignore::PatternMatcher;
use super::env::EnvList;
use super::graph::{LineRange, Op};
use super::platform::Platform;
use super::state::{RunDefaults, StageState};
use super::ConvertError;

/// What every instruction of a build may need besides its stage.
pub(crate) struct Context<'a> {
    pub expander: &'a Expander,
    pub global_args: &'a EnvList,
    pub build_args: &'a BTreeMap<String, String>,
    pub run_defaults: &'a RunDefaults,
    pub target_platform: &'a Platform,
    pub main_context: &'a Arc<Op>,
    pub stage_name: &'a str,
    pub cache_mount_ns: &'a str,
    /// LLB caps of the daemon; `None` when unknown.
    pub llb_caps: Option<crate::llb::caps::CapSet>,
    /// The context's `.dockerignore` patterns, when it has any (CopyIgnoredFile).
    pub dockerignore: Option<&'a PatternMatcher>,
    /// `BUILDKIT_GIT_ADVICE`.
    pub git_advice: bool,
}

impl Context<'_> {
    /// Whether the daemon has an LLB cap (unknown caps count as missing, as the reference
    /// does without a cap set).
    pub fn supports(&self, cap: &str) -> bool {
        self.llb_caps.is_some_and(|caps| caps.contains(cap))
    }
}

impl Env for EnvList {
    fn get(&self, name: &str) -> Option<&str> {
        EnvList::get(self, name)
    }
}

impl Context<'_> {
    /// Expands one word with the stage's env, reporting the variables it uses that are not
    /// defined (UndefinedVar); an error points at the word.
    pub(super) fn word(
        &self,
        st: &mut StageState,
        cmd: &Command,
        w: &Word,
    ) -> Result<String, ConvertError> {
        let e = self
            .expander
            .expand_word(&w.text, &st.env)
            .map_err(|e| ConvertError::at(e.to_string(), cmd.lines, Some(w.span)))?;
        report_undefined(st, cmd, &e.unset);
        Ok(e.value)
    }
}

/// `reportUnmatchedVariables`: UndefinedVar for each variable an expansion used that is neither
/// set nor declared by an ARG of the stage, with a "did you mean" from the stage's env.
pub(super) fn report_undefined(st: &mut StageState, cmd: &Command, unset: &BTreeSet<String>) {
    for name in unset {
        if is_non_env_arg(name) || st.build_args.iter().any(|(k, _)| k == name) {
            continue;
        }
        let keys: Vec<&str> = st.env.keys().collect();
        let message = match search(name, &keys, true) {
            Some(s) => format!("Usage of undefined variable '${name}' (did you mean ${s}?)"),
            None => format!("Usage of undefined variable '${name}'"),
        };
        st.warnings.push(
            Diagnostic::warning(message, cmd.span).with_rule(&rules::UNDEFINED_VAR, cmd.span),
        );
    }
}

/// An error of the command as a whole, located at it.
pub(super) fn step_error(cmd: &Command, message: String) -> ConvertError {
    ConvertError::at(message, cmd.lines, Some(cmd.span))
}

/// The command's lines, for the op's source location.
pub(super) fn location(cmd: &Command) -> Option<LineRange> {
    Some(LineRange {
        start: cmd.lines.start as u32,
        end: cmd.lines.end as u32,
    })
}

/// `processCmdEnv` + `uppercaseCmd`: the instruction text with variables expanded (left as
/// written when expansion fails), keyword upper-cased.
pub(super) fn display_name(expander: &Expander, text: &str, env: &dyn Env) -> String {
    let expanded = expander
        .expand_word(text, env)
        .map(|e| e.value)
        .unwrap_or_else(|_| text.to_string());
    uppercase_cmd(&expanded)
}

pub(super) fn uppercase_cmd(s: &str) -> String {
    match s.split_once(' ') {
        Some((first, rest)) => format!("{} {rest}", first.to_uppercase()),
        None => s.to_uppercase(),
    }
}

/// Where a warning about a word points: the word, except in an ONBUILD trigger, whose words are
/// in the trigger's text and not in the Dockerfile (the trigger is located at the FROM).
pub(super) fn word_span(st: &StageState, cmd: &Command, word: Span) -> Span {
    if st.onbuild {
        cmd.span
    } else {
        word
    }
}
