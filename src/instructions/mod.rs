//! The instructions layer: parsed [`Node`](crate::syntax::Node)s -> typed instructions grouped
//! into build stages, with the reference's validation rules (`frontend/dockerfile/instructions`).
//!
//! Entry point: [`parse_dockerfile`] (bytes + filename -> [`Dockerfile`] or a located
//! [`Diagnostic`]).
//!
//! ```text
//! Dockerfile { directives, escape_token, meta_args: Vec<MetaArg>, stages: Vec<Stage>, warnings }
//!   Stage { name: Option<String> (lower-cased), from: From, commands: Vec<Command>, ... }
//!     Command { instruction: Instruction, keyword, flags, span, lines, original, comments }
//! ```
//!
//! **Expansion.** Nothing here is expanded: every [`Word`] holds the text as the reference's
//! parser leaves it (quotes and escapes still in for shell-form words) plus its source span.
//! Each field's documentation says whether the converter expands it with the stage's
//! environment ("expanded") or uses it as is ("literal"), following the reference:
//! - expanded: FROM image and `--platform` (with the meta ARGs only), ENV and LABEL keys and
//!   values, ARG names and defaults, COPY/ADD sources, destination, `--chown`, `--chmod`,
//!   ADD `--checksum`, WORKDIR, USER, VOLUME, STOPSIGNAL, EXPOSE, each value of RUN `--mount`
//!   (see [`RawMount::interpret`]), COPY/ADD heredoc bodies whose delimiter is unquoted
//!   ([`SourceContent::expand`]).
//! - literal: RUN/CMD/ENTRYPOINT/HEALTHCHECK/SHELL command lines (the shell expands at run
//!   time), RUN heredoc bodies, MAINTAINER, ONBUILD expressions.

mod config;
mod copy;
pub mod flags;
mod from;
mod lint;
pub mod mount;
mod node_parser;
mod parse;
mod run;
#[cfg(test)]
mod tests;

use serde::Serialize;

pub use crate::syntax::{Diagnostic, Directives, Heredoc, LineRange, Span, Word};
pub use config::{
    Arg, ArgDef, Cmd, Entrypoint, Env, Expose, Healthcheck, KeyValue, Label, Maintainer, Onbuild,
    Shell, StopSignal, User, Volume, Workdir,
};
pub use copy::{Add, Copy, CopyArgs, SourceContent};
pub use flags::Flag;
pub use from::From;
pub use mount::{parse_device, Device, Mount, MountError, MountType, RawMount};
pub use parse::{
    parse_command, parse_dockerfile, parse_dockerfile_report, parse_dockerfile_reporting,
    parse_nodes, parse_trigger, ParseFailure, ParseReport,
};
pub use run::{NetworkMode, Run, SecurityMode};

/// A whole Dockerfile, ready for the converter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Dockerfile {
    pub filename: String,
    pub directives: Directives,
    /// The escape character in effect (`\` or `` ` ``), also the escape of word expansion.
    pub escape_token: char,
    /// ARG instructions before the first FROM (global scope: usable in FROM lines).
    pub meta_args: Vec<MetaArg>,
    pub stages: Vec<Stage>,
    /// Non-fatal findings, located.
    pub warnings: Vec<Diagnostic>,
}

/// An ARG before the first FROM.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MetaArg {
    pub arg: Arg,
    pub span: Span,
    pub lines: LineRange,
    /// The logical line as written (continuations joined).
    pub original: String,
}

/// A build stage: a FROM line and the commands after it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Stage {
    /// `AS name`, lower-cased as the reference does (`AS Builder` names stage `builder`).
    pub name: Option<String>,
    pub from: From,
    pub commands: Vec<Command>,
    /// The FROM instruction's span and lines.
    pub span: Span,
    pub lines: LineRange,
    /// The FROM logical line, trimmed (the reference's `Stage.SourceCode`).
    pub original: String,
    /// Description from a `# name description` comment right above FROM, if any.
    pub comment: Option<String>,
    /// Comment lines directly above FROM.
    pub comments: Vec<String>,
}

/// One instruction inside a stage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Command {
    pub instruction: Instruction,
    /// The keyword as written (`run`, `RUN`, ...).
    pub keyword: Word,
    /// Every flag as written, in order.
    pub flags: Vec<Flag>,
    /// From the keyword to the end of the instruction's last line, heredocs included.
    pub span: Span,
    /// Physical lines covered (1-based, inclusive): BuildKit source map ranges.
    pub lines: LineRange,
    /// The logical line (continuations joined, comment lines dropped), the reference's
    /// `Original`: source of history `created_by` and progress names like `RUN make`.
    pub original: String,
    /// Comment lines directly above.
    pub comments: Vec<String>,
}

impl Command {
    /// The instruction name in upper case, e.g. `RUN`.
    pub fn name(&self) -> &'static str {
        self.instruction.name()
    }

    /// `original` trimmed, as the reference's `String()` of a command.
    pub(crate) fn source_code(&self) -> &str {
        self.original.trim()
    }
}

/// The instructions that can appear inside a stage. FROM begins a stage instead ([`From`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Instruction {
    // The large ones are boxed so that a parsed command, one per line of a long Dockerfile, is
    // the size of a small one (a COPY is 248 bytes, an ENV 24).
    Run(Box<Run>),
    Cmd(Cmd),
    Entrypoint(Entrypoint),
    Shell(Shell),
    Env(Env),
    Label(Label),
    Arg(Arg),
    Workdir(Workdir),
    User(User),
    Expose(Expose),
    Volume(Volume),
    StopSignal(StopSignal),
    Healthcheck(Box<Healthcheck>),
    Onbuild(Onbuild),
    Maintainer(Maintainer),
    Copy(Box<Copy>),
    Add(Box<Add>),
}

impl Instruction {
    pub fn name(&self) -> &'static str {
        match self {
            Instruction::Run(_) => "RUN",
            Instruction::Cmd(_) => "CMD",
            Instruction::Entrypoint(_) => "ENTRYPOINT",
            Instruction::Shell(_) => "SHELL",
            Instruction::Env(_) => "ENV",
            Instruction::Label(_) => "LABEL",
            Instruction::Arg(_) => "ARG",
            Instruction::Workdir(_) => "WORKDIR",
            Instruction::User(_) => "USER",
            Instruction::Expose(_) => "EXPOSE",
            Instruction::Volume(_) => "VOLUME",
            Instruction::StopSignal(_) => "STOPSIGNAL",
            Instruction::Healthcheck(_) => "HEALTHCHECK",
            Instruction::Onbuild(_) => "ONBUILD",
            Instruction::Maintainer(_) => "MAINTAINER",
            Instruction::Copy(_) => "COPY",
            Instruction::Add(_) => "ADD",
        }
    }
}

/// A command line in shell or exec form (the reference's `ShellDependantCmdLine`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CommandLine {
    /// Exec form: the JSON strings. Shell form: zero or one word, the whole command text
    /// (flags removed), to be run as `SHELL + [text]`. Literal (never expanded by us).
    pub args: Vec<Word>,
    /// True for the shell form: the stage's SHELL is prepended.
    pub prepend_shell: bool,
}

impl CommandLine {
    #[cfg(test)]
    pub(crate) fn is_exec_form(&self) -> bool {
        !self.prepend_shell
    }

    pub fn strings(&self) -> Vec<String> {
        self.args.iter().map(|w| w.text.clone()).collect()
    }
}
