//! The build checks the reference gives on each stage's FROM: with only the global ARGs'
//! defaults (`validateBaseImagesWithDefaultArgs`: InvalidDefaultArgInFrom), while it expands the
//! global ARGs in it (`reportUnusedFromArgs`, `reportRedundantTargetPlatform`,
//! `reportConstPlatformDisallowed`: UndefinedArgInFrom, RedundantTargetPlatform and
//! FromPlatformFlagConstDisallowed), and once its base image is resolved
//! (`validateBaseImagePlatform`: InvalidBaseImagePlatform). Not located yet.

use std::collections::BTreeSet;

use crate::instructions::{Dockerfile, Span, Stage};
use crate::syntax::check::under_comments;
use crate::syntax::expand::{Expander, Expansion};
use crate::syntax::{rules, Diagnostic};

use super::env::EnvList;
use super::image::ImageConfig;
use super::platform::Platform;
use super::reference::ImageRef;

/// `validateBaseImagesWithDefaultArgs`: every base name must still be an image reference when no
/// build argument is given, so that the Dockerfile builds without any. `defaults` are the
/// global ARGs as their defaults leave them; an expansion that fails ends the check silently
/// (the build fails on it later). Reported under the file's checks only.
pub(super) fn invalid_default_args_in_from(
    df: &Dockerfile,
    expander: &Expander,
    defaults: &EnvList,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for st in &df.stages {
        let Ok(base) = expander.expand_word(&st.from.image.text, defaults) else {
            break;
        };
        if ImageRef::parse_normalized(&base.value).is_err() {
            let message = format!(
                "Default value for ARG {} results in empty or invalid base image name",
                st.from.image.text
            );
            out.push(at_from(&rules::INVALID_DEFAULT_ARG_IN_FROM, message, st));
        }
    }
    out
}

/// `validateBaseImagePlatform`: the image resolved for `expected` is for another OS or
/// architecture (a variant or OS version of its own does not count); both are printed
/// normalised, with `FormatAll`. Reported under the file's checks only, at `at` (the lines of
/// the FROM, or of the COPY naming the image), or nowhere for the image of a RUN mount, which
/// the reference does not locate.
pub(super) fn base_image_platform(
    name: &str,
    expected: &Platform,
    image: &ImageConfig,
    at: Span,
    located: bool,
) -> Option<Diagnostic> {
    if expected.os == image.os && expected.architecture == image.architecture {
        return None;
    }
    let message = format!(
        "Base image {name} was pulled with platform {}, expected {} for current build",
        crate::go::quote(&image.platform().normalize().format_all()),
        crate::go::quote(&expected.clone().normalize().format_all())
    );
    let rule = &rules::INVALID_BASE_IMAGE_PLATFORM;
    let w = Diagnostic::warning(message, at);
    Some(if located {
        w.with_rule(rule, at)
    } else {
        w.with_unlocated_rule(rule)
    })
}

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
    let mut w = at_from(rule, message, st);
    under_comments(std::slice::from_mut(&mut w), &st.comments);
    w
}

fn at_from(rule: &'static rules::Rule, message: String, st: &Stage) -> Diagnostic {
    Diagnostic::warning(message, st.span).with_rule(rule, st.span)
}
