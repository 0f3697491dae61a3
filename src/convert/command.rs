//! One Dockerfile command -> a [`StageState`] update: each instruction goes to its family's
//! module (`config`, `run`, `copy`).

use crate::instructions::{Command, Instruction};
use crate::syntax::check::under_comments;

use super::context::Context;
use super::state::{SourceStage, StageState};
use super::ConvertError;

/// Converts one command. `sources` are the filesystems of the stages its `--from`s name, in
/// order, each with whether that stage is already converted.
pub(crate) fn convert_command(
    st: &mut StageState,
    cmd: &Command,
    sources: &[SourceStage],
    ctx: &Context,
) -> Result<(), ConvertError> {
    // `dispatch` merges the command's own `# check=` comment into the linter for everything
    // the command reports, also MultipleInstructionsDisallowed about an earlier command.
    let given = st.warnings.len();
    let converted = match &cmd.instruction {
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
    };
    under_comments(&mut st.warnings[given..], &cmd.comments);
    converted
}
