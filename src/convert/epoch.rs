//! SOURCE_DATE_EPOCH as the converter resolves it since frontend 1.24 (dockerfile2llb/epoch.go):
//! from the build argument, else the global `ARG SOURCE_DATE_EPOCH=<n>` default; the resolved
//! value is written back in Go's integer form so `ARG` and `RUN` see `100` for `0100`, and an
//! empty value unsets the argument rather than leaving it empty.

use std::collections::BTreeMap;

use super::env::EnvList;
use super::git_ref::{is_http_source, parse_git_ref, GitRefError};
use super::ConvertError;
use crate::instructions::{Dockerfile, Instruction, Stage};
use crate::syntax::expand::Expander;

const KEY: &str = "SOURCE_DATE_EPOCH";

/// The epoch in unix seconds, if any; `build_args` and `global_args` are rewritten as the
/// reference does (`getBuildArgValue`, `resolveSourceDateEpochValue`, `setBuildArgValue`).
pub(crate) fn resolve(
    df: &Dockerfile,
    build_args: &mut BTreeMap<String, String>,
    global_args: &mut EnvList,
    expander: &Expander,
) -> Result<Option<i64>, ConvertError> {
    let value = match build_args.get(KEY) {
        Some(v) => v.clone(),
        None => match global_args.get(KEY) {
            Some(v) if !v.is_empty() => v.to_string(),
            _ => return Ok(None),
        },
    };
    let epoch = if value.is_empty() {
        None
    } else if let Ok(seconds) = value.parse::<i64>() {
        // Rust's integer syntax is strconv.ParseInt's base 10: an optional sign, then digits.
        Some(seconds)
    } else if value == "context" {
        // The main context is always a local directory here, whose metadata has no time: the
        // reference's lookup finds nothing and the argument is removed.
        None
    } else if let Some(stage) = df.stages.iter().find(|s| {
        s.name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(&value))
    }) {
        let mut env = global_args.clone();
        env.delete(KEY);
        source_stage(stage, build_args, env, expander)
            .map_err(|e| ConvertError::at(e, stage.lines, Some(stage.span)))?;
        return Err(ConvertError::new(format!(
            "SOURCE_DATE_EPOCH={value}: taking the epoch from a source stage is not supported by the dockerfile-llb frontend yet"
        )));
    } else {
        return Err(ConvertError::new(format!(
            "invalid SOURCE_DATE_EPOCH: {value}"
        )));
    };
    let normalized = epoch.map(|s| s.to_string());
    if build_args.contains_key(KEY) {
        match &normalized {
            Some(v) => {
                build_args.insert(KEY.to_string(), v.clone());
            }
            None => {
                build_args.remove(KEY);
            }
        }
    }
    if global_args.get(KEY).is_some() {
        match &normalized {
            Some(v) => global_args.add_or_replace(KEY, v),
            None => global_args.delete(KEY),
        }
    }
    Ok(epoch)
}

/// `sourceDateEpochStageSource`: a source stage is `FROM scratch` with ARGs and exactly one ADD
/// of one remote source, expanded with the global ARGs (without SOURCE_DATE_EPOCH) and its own.
/// The errors are the reference's, located at the stage's FROM by the caller.
fn source_stage(
    stage: &Stage,
    build_args: &BTreeMap<String, String>,
    mut env: EnvList,
    expander: &Expander,
) -> Result<(), String> {
    let base = expander
        .expand_word(&stage.from.image.text, &env)
        .map_err(|e| {
            format!(
                "failed to process source stage base name {}: {e}",
                crate::go::quote(&stage.from.image.text)
            )
        })?
        .value;
    if base != "scratch" {
        return Err("SOURCE_DATE_EPOCH stage must use FROM scratch".to_string());
    }
    let exactly_one = || "SOURCE_DATE_EPOCH stage must contain exactly one remote ADD".to_string();
    let mut add_seen = false;
    for cmd in &stage.commands {
        match &cmd.instruction {
            Instruction::Arg(a) => {
                for def in &a.args {
                    let key = &def.key.text;
                    if let Some(v) = build_args.get(key) {
                        env.add_or_replace(key, v);
                    } else if let Some(w) = &def.value {
                        let v = expander.expand_word(&w.text, &env).map_err(|e| e.to_string())?;
                        env.add_or_replace(key, &v.value);
                    }
                }
            }
            Instruction::Add(add) => {
                if add_seen {
                    return Err(exactly_one());
                }
                add_seen = true;
                if !add.args.contents.is_empty() || add.args.sources.len() != 1 {
                    return Err(
                        "SOURCE_DATE_EPOCH stage must contain exactly one remote ADD source"
                            .to_string(),
                    );
                }
                let src = expander
                    .expand_word(&add.args.sources[0].text, &env)
                    .map_err(|e| e.to_string())?
                    .value;
                // HTTP first, as the reference: an http(s) `.git` URL whose query is wrong is
                // a download here, not an error.
                let git = || match parse_git_ref(&src) {
                    Ok(git) => Ok(!git.indistinguishable_from_local),
                    Err(GitRefError::Invalid(e)) => Err(e),
                    Err(GitRefError::NotGit(_)) => Ok(false),
                };
                if !is_http_source(&src) && !git()? {
                    return Err(
                        "SOURCE_DATE_EPOCH stage source must be a single HTTP(S) or Git ADD"
                            .to_string(),
                    );
                }
            }
            _ => {
                return Err(format!(
                    "SOURCE_DATE_EPOCH stage does not meet source-only requirements: unsupported {} instruction",
                    cmd.keyword.text
                ))
            }
        }
    }
    if add_seen {
        Ok(())
    } else {
        Err(exactly_one())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        dockerfile: &str,
        arg: Option<&str>,
    ) -> (Result<Option<i64>, String>, Option<String>, Option<String>) {
        let df =
            crate::instructions::parse_dockerfile(dockerfile.as_bytes(), "Dockerfile").unwrap();
        let mut build_args = BTreeMap::new();
        if let Some(v) = arg {
            build_args.insert(KEY.to_string(), v.to_string());
        }
        let mut global = EnvList::new();
        for meta in &df.meta_args {
            for def in &meta.arg.args {
                let value = build_args
                    .get(&def.key.text)
                    .cloned()
                    .or_else(|| def.value.as_ref().map(|w| w.text.clone()));
                if let Some(v) = value {
                    global.add_or_replace(&def.key.text, &v);
                }
            }
        }
        let got =
            resolve(&df, &mut build_args, &mut global, &Expander::default()).map_err(|e| e.message);
        (
            got,
            build_args.get(KEY).cloned(),
            global.get(KEY).map(str::to_string),
        )
    }

    #[test]
    fn integers_are_normalized_and_written_back() {
        let df = "ARG SOURCE_DATE_EPOCH\nFROM scratch\n";
        let want = (
            Ok(Some(100)),
            Some("100".to_string()),
            Some("100".to_string()),
        );
        assert_eq!(run(df, Some("0100")), want);
        assert_eq!(run(df, Some("+100")).0, Ok(Some(100)));
        assert_eq!(run(df, Some("-5")).0, Ok(Some(-5)));
    }

    #[test]
    fn the_global_default_is_the_epoch_without_a_build_arg() {
        let df = "ARG SOURCE_DATE_EPOCH=0042\nFROM scratch\n";
        assert_eq!(run(df, None), (Ok(Some(42)), None, Some("42".to_string())));
        assert_eq!(
            run("ARG SOURCE_DATE_EPOCH=\nFROM scratch\n", None).0,
            Ok(None)
        );
    }

    #[test]
    fn an_empty_build_arg_unsets_the_argument() {
        let df = "ARG SOURCE_DATE_EPOCH=7\nFROM scratch\n";
        assert_eq!(run(df, Some("")), (Ok(None), None, None));
        assert_eq!(run(df, Some("context")), (Ok(None), None, None));
    }

    #[test]
    fn other_values_fail_after_parsing() {
        assert_eq!(
            run("FROM scratch\n", Some("1.5")).0,
            Err("invalid SOURCE_DATE_EPOCH: 1.5".to_string())
        );
        assert_eq!(
            run("FROM scratch\n", Some(" 1")).0,
            Err("invalid SOURCE_DATE_EPOCH:  1".to_string())
        );
        assert!(run("FROM scratch AS src\n", Some("SRC")).0.is_err());
    }
}
