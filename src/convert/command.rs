//! One Dockerfile command -> a [`StageState`] update: what every instruction needs (the
//! [`Context`] of the build, word expansion with the stage's env, locations, progress text),
//! and the routing of each instruction to its family's module (`config`, `run`, `copy`).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::instructions::{Command, Instruction, Word};
use crate::syntax::expand::{Env, Expander};
use crate::syntax::Span;

use super::env::EnvList;
use super::graph::{Fs, LineRange, Op};
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
    pub llb_caps: Option<&'a std::collections::BTreeSet<String>>,
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
    /// Expands one word with the stage's env; an error points at the word.
    pub(super) fn word(
        &self,
        st: &StageState,
        cmd: &Command,
        w: &Word,
    ) -> Result<String, ConvertError> {
        self.expander
            .expand_word(&w.text, &st.env)
            .map(|e| e.value)
            .map_err(|e| ConvertError::at(e.to_string(), cmd.lines, Some(w.span)))
    }
}

/// Converts one command. `sources` are the filesystems of the stages its `--from`s name, in
/// order, each with whether that stage is already converted.
pub(crate) fn convert_command(
    st: &mut StageState,
    cmd: &Command,
    sources: &[(Fs, bool)],
    ctx: &Context,
) -> Result<(), ConvertError> {
    match &cmd.instruction {
        Instruction::Run(r) => super::run::convert_run(st, cmd, r, sources, ctx),
        Instruction::Copy(c) => super::copy::convert_copy(st, cmd, c, sources.first(), ctx),
        Instruction::Add(a) => super::copy::convert_add(st, cmd, a, ctx),
        Instruction::Env(x) => super::config::env(st, cmd, x, ctx),
        Instruction::Label(x) => super::config::label(st, cmd, x, ctx),
        Instruction::Arg(x) => super::config::arg(st, cmd, x, ctx),
        Instruction::Workdir(x) => super::config::workdir(st, cmd, x, ctx),
        Instruction::User(x) => super::config::user(st, cmd, x, ctx),
        Instruction::Volume(x) => super::config::volume(st, cmd, x, ctx),
        Instruction::StopSignal(x) => super::config::stop_signal(st, cmd, x, ctx),
        Instruction::Expose(x) => super::config::expose(st, cmd, x, ctx),
        Instruction::Maintainer(x) => super::config::maintainer(st, cmd, x, ctx),
        Instruction::Onbuild(x) => super::config::onbuild(st, cmd, x, ctx),
        Instruction::Shell(x) => super::config::shell(st, cmd, x, ctx),
        Instruction::Cmd(x) => super::config::cmd(st, cmd, x, ctx),
        Instruction::Entrypoint(x) => super::config::entrypoint(st, cmd, x, ctx),
        Instruction::Healthcheck(x) => super::config::healthcheck(st, cmd, x, ctx),
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
