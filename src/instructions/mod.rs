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
//!   (see [`mount::parse_mount`]), COPY/ADD heredoc bodies whose delimiter is unquoted
//!   ([`SourceContent::expand`]).
//! - literal: RUN/CMD/ENTRYPOINT/HEALTHCHECK/SHELL command lines (the shell expands at run
//!   time), RUN heredoc bodies, MAINTAINER, ONBUILD expressions.

pub mod duration;
pub mod flags;
pub mod mount;
mod parse;

use std::time::Duration;

use serde::Serialize;

pub use crate::syntax::{Diagnostic, Directives, Heredoc, LineRange, Span, Word};
pub use flags::Flag;
pub use mount::{parse_device, parse_mount, Device, Mount, MountError, MountType};
pub use parse::{parse_command, parse_dockerfile, parse_nodes, parse_trigger};

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
}

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
    pub fn source_code(&self) -> &str {
        self.original.trim()
    }
}

/// The instructions that can appear inside a stage. FROM begins a stage instead ([`From`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Instruction {
    Run(Run),
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
    Healthcheck(Healthcheck),
    Onbuild(Onbuild),
    Maintainer(Maintainer),
    Copy(Copy),
    Add(Add),
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
    pub fn is_exec_form(&self) -> bool {
        !self.prepend_shell
    }

    pub fn strings(&self) -> Vec<String> {
        self.args.iter().map(|w| w.text.clone()).collect()
    }
}

/// RUN network mode (`--network`), validated at parse time, literal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NetworkMode {
    #[default]
    Default,
    None,
    Host,
}

/// RUN security mode (`--security`), validated at parse time, literal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SecurityMode {
    #[default]
    Sandbox,
    Insecure,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Run {
    pub cmd: CommandLine,
    /// Heredoc files (`RUN <<EOF`): literal; when the command is only a heredoc, the converter
    /// runs its body with the shell, as the reference does.
    pub heredocs: Vec<Heredoc>,
    /// Raw `--mount` values: each CSV value is expanded then parsed with
    /// [`mount::parse_mount`]. Already checked with [`mount::check_mount_syntax`].
    pub mounts: Vec<Word>,
    pub network: NetworkMode,
    pub security: SecurityMode,
    /// `--device` values, parsed (literal).
    pub devices: Vec<Device>,
    /// Names of the flags used (the reference's `FlagsUsed`).
    pub flags_used: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Cmd {
    pub cmd: CommandLine,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entrypoint {
    /// `ENTRYPOINT []` gives an empty exec-form list (clears the entrypoint).
    pub cmd: CommandLine,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Shell {
    /// The JSON strings (SHELL accepts only the exec form), literal.
    pub shell: Vec<Word>,
}

/// `key=value` (or legacy `key value`) of ENV and LABEL; key and value expanded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyValue {
    pub key: Word,
    pub value: Word,
    /// Legacy `KEY value` form (no `=`).
    pub no_delim: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Env {
    pub pairs: Vec<KeyValue>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Label {
    pub pairs: Vec<KeyValue>,
}

/// One `NAME[=default]` of ARG; name and default expanded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ArgDef {
    pub key: Word,
    pub value: Option<Word>,
    /// Description from a `# NAME description` comment right above.
    pub comment: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Arg {
    pub args: Vec<ArgDef>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Workdir {
    /// Expanded.
    pub path: Word,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct User {
    /// Expanded.
    pub user: Word,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Expose {
    /// `80`, `80/udp`, `8000-8010/tcp`; expanded, then validated by the converter.
    pub ports: Vec<Word>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Volume {
    /// Expanded; never empty strings.
    pub paths: Vec<Word>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StopSignal {
    /// Expanded.
    pub signal: Word,
}

/// HEALTHCHECK, as the image config's `Healthcheck` (literal).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Healthcheck {
    /// `["NONE"]`, `["CMD", args...]` (exec form) or `["CMD-SHELL", "command"]`.
    pub test: Vec<String>,
    /// Zero means "not set" (inherit), as in the image config.
    pub interval: Duration,
    pub timeout: Duration,
    pub start_period: Duration,
    pub start_interval: Duration,
    /// Zero means "not set".
    pub retries: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Onbuild {
    /// The trigger instruction text, `ONBUILD` removed, heredocs appended (literal), stored in
    /// the image config's `OnBuild` list.
    pub expression: String,
    /// The trigger's keyword.
    pub trigger: Word,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Maintainer {
    /// Literal.
    pub name: Word,
}

/// A COPY/ADD source given inline as a heredoc.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceContent {
    /// The heredoc name, used as the file name.
    pub path: String,
    /// The body, tabs already removed for `<<-`.
    pub data: String,
    /// Expand variables in `data` (the delimiter was unquoted).
    pub expand: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Copy {
    /// Source paths (expanded).
    pub sources: Vec<Word>,
    /// Heredoc sources.
    pub contents: Vec<SourceContent>,
    /// Destination (expanded).
    pub dest: Word,
    /// `--from`: stage name, index or image.
    pub from: Option<Word>,
    /// `--chown` (expanded).
    pub chown: Option<Word>,
    /// `--chmod`, octal or symbolic (expanded).
    pub chmod: Option<Word>,
    pub link: bool,
    pub parents: bool,
    /// `--exclude` patterns.
    pub excludes: Vec<Word>,
    /// Arguments were in JSON form.
    pub json: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Add {
    pub sources: Vec<Word>,
    pub contents: Vec<SourceContent>,
    pub dest: Word,
    pub chown: Option<Word>,
    pub chmod: Option<Word>,
    pub link: bool,
    /// `--keep-git-dir`, `None` when not given.
    pub keep_git_dir: Option<bool>,
    /// `--checksum` (expanded).
    pub checksum: Option<Word>,
    /// `--unpack`, `None` when not given.
    pub unpack: Option<bool>,
    pub excludes: Vec<Word>,
    pub json: bool,
}
