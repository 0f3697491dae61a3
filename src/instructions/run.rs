//! RUN: the command, its heredocs and its flags (`--mount`, `--network`, `--security`,
//! `--device`). Mount values are checked here and interpreted after expansion
//! ([`RawMount::interpret`]).

use serde::Serialize;

use super::flags::{FlagKind, FlagSpec};
use super::mount::{parse_device, Device, RawMount};
use super::node_parser::NodeParser;
use super::{CommandLine, Diagnostic, Heredoc};
use crate::go::quote as go_quote;
use crate::syntax::suggest::search;

/// The flags RUN takes.
pub(super) const FLAGS: &FlagSpec = &[
    ("mount", FlagKind::Strings),
    ("network", FlagKind::String),
    ("security", FlagKind::String),
    ("device", FlagKind::Strings),
];

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
    /// [`RawMount::interpret`]; split and checked once here.
    pub mounts: Vec<RawMount>,
    pub network: NetworkMode,
    pub security: SecurityMode,
    /// `--device` values, parsed (literal).
    pub devices: Vec<Device>,
    /// Names of the flags used (the reference's `FlagsUsed`).
    pub flags_used: Vec<String>,
}

impl NodeParser<'_> {
    pub(super) fn run(&self) -> Result<Run, Diagnostic> {
        let values = self.flags(FLAGS)?;
        let cmd = self.command_line(false);
        let mut devices = Vec::new();
        for w in values.strings("device") {
            devices.push(parse_device(&w.text).map_err(|e| {
                Diagnostic::error(e.message, w.span)
                    .with_label("invalid --device value")
                    .with_optional_hint(e.hint)
                    .with_suggestion(e.suggestion)
            })?);
        }
        let mut mounts = Vec::new();
        for w in values.strings("mount") {
            let span = w.span;
            mounts.push(RawMount::parse(w).map_err(|e| {
                Diagnostic::error(e.message, span)
                    .with_label("invalid --mount value")
                    .with_optional_hint(e.hint)
                    .with_suggestion(e.suggestion)
            })?);
        }
        let network = match values.string("network") {
            None => NetworkMode::Default,
            Some(w) => match w.text.as_str() {
                "default" => NetworkMode::Default,
                "none" => NetworkMode::None,
                "host" => NetworkMode::Host,
                other => {
                    return Err(Diagnostic::error(
                        format!("invalid network mode {}", go_quote(other)),
                        w.span,
                    )
                    .with_label("expected default, none or host")
                    .with_optional_hint(
                        search(other, &["default", "none", "host"], true)
                            .map(|s| format!("did you mean `{s}`?")),
                    ))
                }
            },
        };
        let security = match values.string("security") {
            None => SecurityMode::Sandbox,
            Some(w) => match w.text.as_str() {
                "sandbox" => SecurityMode::Sandbox,
                "insecure" => SecurityMode::Insecure,
                other => {
                    return Err(Diagnostic::error(
                        format!("security {} is not valid", go_quote(other)),
                        w.span,
                    )
                    .with_label("expected sandbox or insecure")
                    .with_optional_hint(
                        search(other, &["sandbox", "insecure"], true)
                            .map(|s| format!("did you mean `{s}`?")),
                    ))
                }
            },
        };
        Ok(Run {
            cmd,
            heredocs: self.node.heredocs.clone(),
            mounts,
            network,
            security,
            devices,
            flags_used: values.used_names(),
        })
    }
}
