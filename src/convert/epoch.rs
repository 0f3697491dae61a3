//! SOURCE_DATE_EPOCH as the converter resolves it since frontend 1.24 (dockerfile2llb/epoch.go):
//! from the build argument, else the global `ARG SOURCE_DATE_EPOCH=<n>` default; the resolved
//! value is written back in Go's integer form so `ARG` and `RUN` see `100` for `0100`, and an
//! empty value unsets the argument rather than leaving it empty. A value naming a stage takes
//! the time of that stage's one remote source, which only the gateway can ask BuildKit for: the
//! converter hands out the source op ([`EpochRequest`]) and is given the answer.

use super::named_context;
use std::collections::BTreeMap;

use super::copy::url_file_name;
use super::env::EnvList;
use super::git_ref::{is_http_source, parse_git_ref, GitRefError};
use super::{ConvertError, EpochRequest};
use crate::instructions::{Add, Dockerfile, Instruction, Stage};
use crate::llb;
use crate::proto::pb;
use crate::syntax::expand::Expander;

const KEY: &str = "SOURCE_DATE_EPOCH";

/// Whether a plan of `df` can ask for a source's time ([`EpochRequest`]): only when
/// SOURCE_DATE_EPOCH is given, as a build argument or as a global ARG.
pub(crate) fn may_be_requested(df: &Dockerfile, build_args: &BTreeMap<String, String>) -> bool {
    build_args.contains_key(KEY)
        || df
            .meta_args
            .iter()
            .any(|meta| meta.arg.args.iter().any(|def| def.key.text == KEY))
}

/// The epoch in unix seconds, if any, and the source stage's op when its time is still to be
/// asked for; `build_args` and `global_args` are rewritten as the reference does
/// (`getBuildArgValue`, `resolveSourceDateEpochValue`, `setBuildArgValue`). `stage_epoch` is
/// the gateway's answer for the source stage ([`super::ConvertOptions::stage_epoch`]); without
/// one the stage gives no epoch, as in the reference without a gateway client.
#[allow(clippy::too_many_arguments)]
pub(crate) fn resolve(
    df: &Dockerfile,
    build_args: &mut BTreeMap<String, String>,
    global_args: &mut EnvList,
    expander: &Expander,
    git_advice: bool,
    stage_epoch: Option<Option<i64>>,
    main_context: Option<&Option<llb::Output>>,
    named_contexts: Option<&BTreeMap<String, String>>,
) -> Result<(Option<i64>, Option<EpochRequest>), ConvertError> {
    let value = match build_args.get(KEY) {
        Some(v) => v.clone(),
        None => match global_args.get(KEY) {
            Some(v) if !v.is_empty() => v.to_string(),
            _ => return Ok((None, None)),
        },
    };
    let mut request = None;
    let epoch = if value.is_empty() {
        None
    } else if let Ok(seconds) = value.parse::<i64>() {
        // Rust's integer syntax is strconv.ParseInt's base 10: an optional sign, then digits.
        Some(seconds)
    } else if value == "context" {
        // A local context's metadata has no time: the reference's lookup finds nothing and
        // the argument is removed. Other contexts are asked about their one source op
        // (`sourceOpFromState`: none when there are several, or none at all).
        match main_context
            .and_then(Option::as_ref)
            .and_then(single_source_op)
        {
            None => None,
            Some(source) => match stage_epoch {
                Some(answer) => answer,
                None => {
                    request = Some(EpochRequest {
                        source,
                        log_name: "[internal] resolve main build context metadata".to_string(),
                    });
                    None
                }
            },
        }
    } else if let Some(found) = named_contexts
        .map(|c| named_context::lookup(c, &value, &super::Platform::host()))
        .transpose()
        .map_err(ConvertError::new)?
        .flatten()
    {
        let source = named_context::epoch_source(&found, git_advice).map_err(ConvertError::new)?;
        match (stage_epoch, source) {
            (Some(answer), _) => answer,
            (None, None) => None,
            (None, Some(source)) => {
                request = Some(EpochRequest {
                    source,
                    log_name: format!("[internal] resolve SOURCE_DATE_EPOCH named context {value}"),
                });
                None
            }
        }
    } else if let Some(stage) = df.stages.iter().find(|s| {
        s.name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(&value))
    }) {
        let mut env = global_args.clone();
        env.delete(KEY);
        let source = source_stage(stage, build_args, env, expander, git_advice)
            .map_err(|e| ConvertError::at(e, stage.lines, Some(stage.span)))?;
        match stage_epoch {
            Some(answer) => answer,
            None => {
                request = Some(EpochRequest {
                    source,
                    log_name: format!(
                        "[internal] resolve SOURCE_DATE_EPOCH source stage {}",
                        stage.name.as_deref().unwrap_or_default()
                    ),
                });
                None
            }
        }
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
    Ok((epoch, request))
}

/// The one source op of a context's graph, as `sourceOpFromState` (epoch.go) finds it in the
/// marshalled definition: none when it has several or none.
fn single_source_op(context: &llb::Output) -> Option<pb::SourceOp> {
    use prost::Message;
    let definition = llb::Definition::marshal(context).into_pb();
    let mut found = None;
    for bytes in &definition.def {
        let op = pb::Op::decode(&bytes[..]).ok()?;
        if let Some(pb::op::Op::Source(source)) = op.op {
            if found.is_some() {
                return None;
            }
            found = Some(source);
        }
    }
    found
}

/// `sourceDateEpochStageSource`: a source stage is `FROM scratch` with ARGs and exactly one ADD
/// of one remote source, expanded with the global ARGs (without SOURCE_DATE_EPOCH) and its own.
/// The errors are the reference's, located at the stage's FROM by the caller.
fn source_stage(
    stage: &Stage,
    build_args: &BTreeMap<String, String>,
    mut env: EnvList,
    expander: &Expander,
    git_advice: bool,
) -> Result<pb::SourceOp, String> {
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
    let mut source = None;
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
                if source.is_some() {
                    return Err(exactly_one());
                }
                source = Some(add_source(add, &env, expander, git_advice)?);
            }
            _ => {
                return Err(format!(
                    "SOURCE_DATE_EPOCH stage does not meet source-only requirements: unsupported {} instruction",
                    cmd.keyword.text
                ))
            }
        }
    }
    source.ok_or_else(exactly_one)
}

/// `sourceDateEpochAddSource`: the source op of the stage's ADD, as `llb.HTTP` or `llb.Git`
/// write it (only `--checksum` and `--keep-git-dir` of the ADD count).
fn add_source(
    add: &Add,
    env: &EnvList,
    expander: &Expander,
    git_advice: bool,
) -> Result<pb::SourceOp, String> {
    if !add.args.contents.is_empty() || add.args.sources.len() != 1 {
        return Err(
            "SOURCE_DATE_EPOCH stage must contain exactly one remote ADD source".to_string(),
        );
    }
    let expand = |text: &str| {
        expander
            .expand_word(text, env)
            .map(|w| w.value)
            .map_err(|e| e.to_string())
    };
    let src = expand(&add.args.sources[0].text)?;
    // The reference tests the flag before expanding it: `--checksum=` is no checksum.
    let checksum = add.checksum.as_ref().filter(|w| !w.text.is_empty());
    // HTTP first, as the reference: an http(s) `.git` URL whose query is wrong is a download
    // here, not an error.
    let output = if is_http_source(&src) {
        let mut http = llb::Source::http(src.clone()).http_filename(url_file_name(&src));
        if let Some(w) = checksum {
            let c = expand(&w.text)?;
            super::reference::parse_digest(&c).map_err(|e| e.to_string())?;
            http = http.checksum(c);
        }
        http.build()
    } else {
        let git = match parse_git_ref(&src) {
            Ok(git) if !git.indistinguishable_from_local => git,
            Err(GitRefError::Invalid(e)) => return Err(e),
            _ => {
                return Err(
                    "SOURCE_DATE_EPOCH stage source must be a single HTTP(S) or Git ADD"
                        .to_string(),
                )
            }
        };
        let mut g = llb::Source::git(git.remote.clone(), "")
            .git_ref(git.git_ref.clone())
            .advice(git_advice);
        if add.keep_git_dir == Some(true) || git.keep_git_dir == Some(true) {
            g = g.keep_git_dir();
        }
        match checksum {
            // An empty expansion of `--checksum` still wins over the URL's, as in the reference.
            Some(w) => g = g.checksum(expand(&w.text)?),
            None if !git.checksum.is_empty() => g = g.checksum(git.checksum.clone()),
            None => {}
        }
        if !git.subdir.is_empty() {
            g = g.subdir(git.subdir.clone());
        }
        if git.submodules == Some(false) {
            g = g.skip_submodules();
        }
        g.build()
    };
    match &output.node().op().op {
        Some(pb::op::Op::Source(source)) => Ok(source.clone()),
        _ => unreachable!("a source builder seals a source op"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        dockerfile: &str,
        arg: Option<&str>,
    ) -> (Result<Option<i64>, String>, Option<String>, Option<String>) {
        run_answered(dockerfile, arg, None).0
    }

    /// As [`run`], with the gateway's answer for a source stage; also the request made.
    #[allow(clippy::type_complexity)]
    fn run_answered(
        dockerfile: &str,
        arg: Option<&str>,
        answer: Option<Option<i64>>,
    ) -> (
        (Result<Option<i64>, String>, Option<String>, Option<String>),
        Option<EpochRequest>,
    ) {
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
        let got = resolve(
            &df,
            &mut build_args,
            &mut global,
            &Expander::default(),
            false,
            answer,
            None,
            None,
        )
        .map_err(|e| e.message);
        let request = got.as_ref().ok().and_then(|(_, r)| r.clone());
        (
            (
                got.map(|(epoch, _)| epoch),
                build_args.get(KEY).cloned(),
                global.get(KEY).map(str::to_string),
            ),
            request,
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

    #[test]
    fn a_source_stage_asks_for_its_op_and_takes_the_answer() {
        let df = "ARG SOURCE_DATE_EPOCH=src\nFROM scratch AS Src\nARG V=1\nADD --checksum=sha256:${SUM} https://example.com/a/v${V}.tar.gz /\nFROM alpine\n";
        let sum = "0".repeat(64);
        let df = df.replace("${SUM}", &sum);
        let ((got, _, global), request) = run_answered(&df, None, None);
        assert_eq!((got, global), (Ok(None), None));
        let request = request.expect("the stage's source is asked for");
        assert_eq!(
            request.log_name,
            "[internal] resolve SOURCE_DATE_EPOCH source stage src"
        );
        assert_eq!(request.source.identifier, "https://example.com/a/v1.tar.gz");
        assert_eq!(
            request.source.attrs,
            BTreeMap::from([
                ("http.checksum".to_string(), format!("sha256:{sum}")),
                ("http.filename".to_string(), "v1.tar.gz".to_string()),
            ])
        );
        let ((got, _, global), request) = run_answered(&df, None, Some(Some(1700000000)));
        assert_eq!(
            (got, global, request),
            (Ok(Some(1700000000)), Some("1700000000".to_string()), None)
        );
        let ((got, arg, _), _) = run_answered(&df, Some("src"), Some(None));
        assert_eq!((got, arg), (Ok(None), None));
    }

    #[test]
    fn a_git_source_is_written_as_llb_git_writes_it() {
        let df = "FROM scratch AS src\nADD --keep-git-dir https://github.com/moby/buildkit.git?ref=v0.1&subdir=docs /\nFROM alpine\n";
        let (_, request) = run_answered(df, Some("src"), None);
        let source = request.unwrap().source;
        assert_eq!(
            source.identifier,
            "git://github.com/moby/buildkit.git#v0.1:docs"
        );
        assert_eq!(
            source.attrs.get("git.keepgitdir").map(String::as_str),
            Some("true")
        );
        assert_eq!(
            source.attrs.get("git.fullurl").map(String::as_str),
            Some("https://github.com/moby/buildkit.git")
        );
        let bad =
            "FROM scratch AS src\nADD --checksum=md5:00 https://example.com/a /\nFROM alpine\n";
        assert_eq!(
            run(bad, Some("src")).0,
            Err("unsupported digest algorithm".to_string())
        );
    }
}
