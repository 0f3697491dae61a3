//! The build checks the reference gives on each stage's FROM while it expands the global ARGs
//! in it (`reportUnusedFromArgs`, `reportRedundantTargetPlatform`,
//! `reportConstPlatformDisallowed`): UndefinedArgInFrom, RedundantTargetPlatform and
//! FromPlatformFlagConstDisallowed. Not located yet.

use std::collections::BTreeSet;

use crate::instructions::{Dockerfile, Stage};
use crate::syntax::check::under_comments;
use crate::syntax::expand::Expansion;
use crate::syntax::{rules, Diagnostic};

use super::env::EnvList;
use super::platform::Platform;

/// `reportUnusedFromArgs`: a variable FROM uses that no global ARG declares.
pub(super) fn undefined_args_in_from(
    df: &Dockerfile,
    global_args: &EnvList,
    unset: &BTreeSet<String>,
    st: &Stage,
) -> Vec<Diagnostic> {
    let mut keys: Vec<&str> = df
        .meta_args
        .iter()
        .flat_map(|m| m.arg.args.iter().map(|d| d.key.text.as_str()))
        .collect();
    keys.extend(global_args.keys());
    let messages: Vec<String> = unset
        .iter()
        .filter(|n| !keys.contains(&n.as_str()))
        .map(
            |name| match crate::syntax::suggest::search(name, &keys, true) {
                Some(s) => {
                    format!("FROM argument '{name}' is not declared (did you mean {s}?)")
                }
                None => format!("FROM argument '{name}' is not declared"),
            },
        )
        .collect();
    messages
        .into_iter()
        .map(|message| warning(&rules::UNDEFINED_ARG_IN_FROM, message, st))
        .collect()
}

/// `reportRedundantTargetPlatform` and `reportConstPlatformDisallowed` on `--platform`.
pub(super) fn platform_checks(
    global_args: &EnvList,
    written: &str,
    expansion: &Expansion,
    st: &Stage,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let target = global_args.get("TARGETPLATFORM");
    if expansion.used.len() == 1
        && expansion.unset.is_empty()
        && expansion.used.contains("TARGETPLATFORM")
        && target == Some(expansion.value.as_str())
    {
        let message = format!(
            "Setting platform to predefined {written} in FROM is redundant as this is the default behavior"
        );
        out.push(warning(&rules::REDUNDANT_TARGET_PLATFORM, message, st));
    }
    if !expansion.used.is_empty() || !expansion.unset.is_empty() {
        return out;
    }
    let Ok(p) = Platform::parse(&expansion.value) else {
        return out;
    };
    let name = st.name.as_deref().unwrap_or_default();
    if name.contains(&p.os) || name.contains(&p.architecture) {
        return out;
    }
    let message = format!(
        "FROM --platform flag should not use constant value {}",
        crate::go::quote(&expansion.value)
    );
    out.push(warning(
        &rules::FROM_PLATFORM_FLAG_CONST_DISALLOWED,
        message,
        st,
    ));
    out
}

/// A warning about the stage's FROM, which answers to the stage's `# check=` comment too
/// (`buildDispatchStates`).
fn warning(rule: &'static rules::Rule, message: String, st: &Stage) -> Diagnostic {
    let mut w = Diagnostic::warning(message, st.span).with_rule(rule, st.span);
    under_comments(std::slice::from_mut(&mut w), &st.comments);
    w
}
