//! Unit tests of the instructions layer: typed instructions, flags, errors and their locations.

use std::time::Duration;

use super::*;

fn parse(src: &str) -> Result<Dockerfile, Diagnostic> {
    parse_dockerfile(src.as_bytes(), "Dockerfile")
}

fn err(src: &str) -> String {
    let d = parse(src).unwrap_err();
    format!("{}:{}: {}", d.start.line, d.start.column, d.message)
}

#[test]
fn stages_and_meta_args() {
    let df = parse("ARG V=1\nFROM --platform=$BUILDPLATFORM alpine:$V AS Build\nRUN make\nFROM scratch\nCOPY --from=build /a /b\n").unwrap();
    assert_eq!(df.meta_args.len(), 1);
    assert_eq!(df.meta_args[0].arg.args[0].key.text, "V");
    assert_eq!(
        df.meta_args[0].arg.args[0].value.as_ref().unwrap().text,
        "1"
    );
    assert_eq!(df.stages.len(), 2);
    let s = &df.stages[0];
    assert_eq!(s.name.as_deref(), Some("build"));
    assert_eq!(s.from.image.text, "alpine:$V");
    assert_eq!(s.from.platform.as_ref().unwrap().text, "$BUILDPLATFORM");
    assert_eq!(s.commands[0].name(), "RUN");
    assert_eq!(s.commands[0].source_code(), "RUN make");
    let Instruction::Copy(c) = &df.stages[1].commands[0].instruction else {
        panic!("not a copy")
    };
    assert_eq!(c.from.as_ref().unwrap().text, "build");
    assert_eq!(c.args.sources[0].text, "/a");
    assert_eq!(c.args.dest.text, "/b");
}

#[test]
fn errors_with_locations() {
    let table = [
        ("FROM a\nCOPPY . /x\n", "2:1: unknown instruction: COPPY"),
        ("RUN x\n", "1:1: no build stage in current context"),
        ("FROM a AS 1x\n", "1:11: invalid name for build stage: \"1x\", name can't start with a number or contain symbols"),
        ("FROM python:3.9 AS builder #name\n", "1:17: FROM requires either one or three arguments"),
        ("FROM a\nCOPY --form=x a b\n", "2:6: unknown flag: --form"),
        ("FROM a\nCOPY a\n", "2:6: COPY requires at least two arguments, but only one was provided. Destination could not be determined"),
        ("FROM a\nSHELL /bin/sh -c\n", "2:7: SHELL requires the arguments to be in JSON form"),
        ("FROM a\nONBUILD ONBUILD RUN x\n", "2:9: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"),
        ("FROM a\nONBUILD FROM b\n", "2:9: FROM isn't allowed as an ONBUILD trigger"),
        ("FROM a\nHEALTHCHECK --interval=10 CMD x\n", "2:24: time: missing unit in duration \"10\""),
        ("FROM a\nHEALTHCHECK --timeout=1us CMD x\n", "2:23: Interval \"timeout\" cannot be less than 1ms"),
        ("FROM a\nHEALTHCHECK --retries=-1 CMD x\n", "2:23: --retries cannot be negative (-1)"),
        ("FROM a\nHEALTHCHECK CMD\n", "2:16: Missing command after HEALTHCHECK CMD"),
        ("FROM a\nHEALTHCHECK NONE x\n", "2:18: HEALTHCHECK NONE takes no arguments"),
        ("FROM a\nRUN --network=hots x\n", "2:15: invalid network mode \"hots\""),
        ("FROM a\nRUN --mount=type=cache,from=$X,target=/x x\n", "2:13: 'from' doesn't support variable expansion, define alias stage instead"),
        ("FROM a\nCOPY <<EOF <<EOF2\nx\nEOF\ny\nEOF2\n", "2:12: COPY cannot accept a heredoc as a destination"),
        ("FROM a\nENV =x\n", "2:5: ENV names can not be blank"),
        ("FROM a\nWORKDIR\n", "2:1: WORKDIR requires exactly one argument"),
        ("FROM a\nVOLUME [\"\"]\n", "2:9: VOLUME specified can not be an empty string"),
    ];
    for (src, want) in table {
        assert_eq!(err(src), want, "{src:?}");
    }
}

#[test]
fn inline_comment_hint() {
    let d = parse("FROM python:3.9 AS builder #name\n").unwrap_err();
    assert_eq!(
        d.hint.as_deref(),
        Some("`#` starts a comment only at the beginning of a line: `FROM python:3.9 AS builder #name` has extra words")
    );
}

#[test]
fn command_forms() {
    let df = parse("FROM a\nRUN [\"echo\", \"hi\"]\nCMD echo hi\nENTRYPOINT []\nHEALTHCHECK --interval=1m30s --retries=3 CMD curl -f x\n").unwrap();
    let cmds = &df.stages[0].commands;
    let Instruction::Run(r) = &cmds[0].instruction else {
        panic!()
    };
    assert!(r.cmd.is_exec_form());
    assert_eq!(r.cmd.strings(), vec!["echo", "hi"]);
    let Instruction::Cmd(c) = &cmds[1].instruction else {
        panic!()
    };
    assert_eq!(
        c.cmd,
        CommandLine {
            args: vec![Word::new("echo hi", Span::new(30, 37))],
            prepend_shell: true
        }
    );
    let Instruction::Entrypoint(e) = &cmds[2].instruction else {
        panic!()
    };
    assert!(e.cmd.is_exec_form() && e.cmd.args.is_empty());
    let Instruction::Healthcheck(h) = &cmds[3].instruction else {
        panic!()
    };
    assert_eq!(h.test, vec!["CMD-SHELL", "curl -f x"]);
    assert_eq!(h.interval, Duration::from_secs(90));
    assert_eq!(h.retries, 3);
}

#[test]
fn heredoc_sources_and_onbuild() {
    let df =
        parse("FROM a\nCOPY <<-\"A\" <<B /dst/\n\tx $y\n\tA\nz\nB\nONBUILD RUN <<EOF\necho\nEOF\n")
            .unwrap();
    let cmds = &df.stages[0].commands;
    let Instruction::Copy(c) = &cmds[0].instruction else {
        panic!()
    };
    assert_eq!(c.args.contents.len(), 2);
    assert_eq!(
        (
            c.args.contents[0].path.as_str(),
            c.args.contents[0].data.as_str(),
            c.args.contents[0].expand
        ),
        ("A", "x $y\n", false)
    );
    assert_eq!(
        (c.args.contents[1].data.as_str(), c.args.contents[1].expand),
        ("z\n", true)
    );
    let Instruction::Onbuild(o) = &cmds[1].instruction else {
        panic!()
    };
    assert_eq!(o.expression, "RUN <<EOF\necho\nEOF");
    let t = parse_trigger(&o.expression, "onbuild").unwrap();
    let Instruction::Run(r) = &t.instruction else {
        panic!()
    };
    assert_eq!(r.heredocs[0].content, "echo\n");
}

#[test]
fn env_label_arg_forms() {
    let df =
        parse("FROM a\nENV A=1 B=\"x y\"\nENV C legacy value\nLABEL a.b=c\nARG X Y=2\n").unwrap();
    let cmds = &df.stages[0].commands;
    let Instruction::Env(e) = &cmds[0].instruction else {
        panic!()
    };
    assert_eq!(e.pairs[1].value.text, "\"x y\"");
    let Instruction::Env(e) = &cmds[1].instruction else {
        panic!()
    };
    assert_eq!(
        (
            e.pairs[0].key.text.as_str(),
            e.pairs[0].value.text.as_str(),
            e.pairs[0].no_delim
        ),
        ("C", "legacy value", true)
    );
    let Instruction::Arg(a) = &cmds[3].instruction else {
        panic!()
    };
    assert_eq!(a.args.len(), 2);
    assert!(a.args[0].value.is_none());
}

#[test]
fn comments_describe_args_and_stages() {
    let df = parse("# foo sets foo\nARG foo=bar\n\n# base defines first stage\nFROM busybox AS base\n# this is irrelevant\nARG foo\n# bar defines bar\n# baz is something else\nARG bar baz=123\n").unwrap();
    assert_eq!(df.stages[0].comment.as_deref(), Some("defines first stage"));
    assert_eq!(
        df.meta_args[0].arg.args[0].comment.as_deref(),
        Some("sets foo")
    );
    let cmds = &df.stages[0].commands;
    let Instruction::Arg(a) = &cmds[0].instruction else {
        panic!()
    };
    assert_eq!(a.args[0].comment, None);
    let Instruction::Arg(a) = &cmds[1].instruction else {
        panic!()
    };
    assert_eq!(a.args[0].comment.as_deref(), Some("defines bar"));
    assert_eq!(a.args[1].comment.as_deref(), Some("is something else"));
}

#[test]
fn stage_names_are_lower_cased() {
    for (written, name) in [
        ("STAGE_NAME", "stage_name"),
        ("StageName", "stagename"),
        ("St4g3N4m3", "st4g3n4m3"),
        ("a.b-c_d", "a.b-c_d"),
    ] {
        let df = parse(&format!("FROM a AS {written}\n")).unwrap();
        assert_eq!(df.stages[0].name.as_deref(), Some(name));
        assert_eq!(df.stages[0].from.name.as_ref().unwrap().text, written);
    }
    for bad in ["-x", "x$y", "_a", "é"] {
        assert!(parse(&format!("FROM a AS {bad}\n")).is_err(), "{bad}");
    }
}

#[test]
fn json_form_fallbacks() {
    // (instruction, exec form?, resulting strings)
    let table: &[(&str, bool, &[&str])] = &[
        ("RUN [\"ls\", \"/\"]", true, &["ls", "/"]),
        ("RUN ['ls', '/']", false, &["['ls', '/']"]),
        ("RUN [\"ls\" \"/\"]", false, &["[\"ls\" \"/\"]"]),
        ("RUN [\"ls\", \"/\"", false, &["[\"ls\", \"/\""]),
        ("CMD [ ]", true, &[]),
        (
            "CMD [\"a\"] # not a comment",
            false,
            &["[\"a\"] # not a comment"],
        ),
        ("ENTRYPOINT [\"a\\u0041\\n\"]", true, &["aA\n"]),
        ("CMD echo \"$HOME\"", false, &["echo \"$HOME\""]),
    ];
    for (line, exec, want) in table {
        let df = parse(&format!("FROM a\n{line}\n")).unwrap();
        let cl = match &df.stages[0].commands[0].instruction {
            Instruction::Run(r) => r.cmd.clone(),
            Instruction::Cmd(c) => c.cmd.clone(),
            Instruction::Entrypoint(e) => e.cmd.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(cl.is_exec_form(), *exec, "{line}");
        assert_eq!(
            cl.strings(),
            want.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            "{line}"
        );
    }
    let df = parse("FROM a\nCOPY [\"a b\", \"/c d/\"]\nVOLUME /a /b\nVOLUME [\"/c\"]\n").unwrap();
    let Instruction::Copy(c) = &df.stages[0].commands[0].instruction else {
        panic!()
    };
    assert_eq!(
        (
            c.args.sources[0].text.as_str(),
            c.args.dest.text.as_str(),
            c.args.json
        ),
        ("a b", "/c d/", true)
    );
    let Instruction::Volume(v) = &df.stages[0].commands[1].instruction else {
        panic!()
    };
    assert_eq!(v.paths.len(), 2);
    assert!(
        err("FROM a\nCMD [\"echo\", 1]\n").ends_with("arrays must be comprised of strings only")
    );
}

#[test]
fn run_flags() {
    let df = parse("FROM a\nRUN --mount=type=tmpfs,target=/foo/ --network=none --security=insecure --device=gpu,required --mount=type=secret,id=s echo hello\n").unwrap();
    let Instruction::Run(r) = &df.stages[0].commands[0].instruction else {
        panic!()
    };
    assert_eq!(r.flags_used, vec!["mount", "network", "security", "device"]);
    assert_eq!(r.mounts.len(), 2);
    assert_eq!(r.network, NetworkMode::None);
    assert_eq!(r.security, SecurityMode::Insecure);
    assert_eq!(
        r.devices,
        vec![Device {
            name: "gpu".into(),
            required: true
        }]
    );
    assert_eq!(r.cmd.strings(), vec!["echo hello"]);
    let src = "FROM a\nRUN --mount=type=tmpfs,target=/foo/ echo hello\n";
    let df = parse(src).unwrap();
    let Instruction::Run(r) = &df.stages[0].commands[0].instruction else {
        panic!()
    };
    let m = &r.mounts[0];
    assert_eq!(
        &src[m.word.span.start..m.word.span.end],
        "type=tmpfs,target=/foo/"
    );
    let mount = m.interpret(&mut |v: &str| Ok(v.to_string())).unwrap();
    assert_eq!(mount.mount_type, MountType::Tmpfs);
}

#[test]
fn copy_add_flags() {
    let df = parse("FROM a\nCOPY --link --parents --exclude=*.md --exclude=x --chmod=u+rwx,g=rx --chown=1:1 a b\nADD --checksum=sha256:abc --keep-git-dir=false --unpack=true --link=false https://x/y.tar /z\n").unwrap();
    let Instruction::Copy(c) = &df.stages[0].commands[0].instruction else {
        panic!()
    };
    assert!(c.args.link && c.parents);
    assert_eq!(
        c.args
            .excludes
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>(),
        vec!["*.md", "x"]
    );
    assert_eq!(c.args.chmod.as_ref().unwrap().text, "u+rwx,g=rx");
    let Instruction::Add(a) = &df.stages[0].commands[1].instruction else {
        panic!()
    };
    assert_eq!(a.checksum.as_ref().unwrap().text, "sha256:abc");
    assert_eq!(
        (a.keep_git_dir, a.unpack, a.args.link),
        (Some(false), Some(true), false)
    );
    assert!(err("FROM a\nADD --parents a b\n").ends_with("unknown flag: --parents"));
    assert!(err("FROM a\nCOPY --checksum=x a b\n").ends_with("unknown flag: --checksum"));
    assert!(err("FROM a\nCOPY --link --link a b\n").ends_with("duplicate flag specified: --link"));
    // `--` ends the flags.
    let df = parse("FROM a\nCOPY -- --weird /dst\n").unwrap();
    let Instruction::Copy(c) = &df.stages[0].commands[0].instruction else {
        panic!()
    };
    assert_eq!(c.args.sources[0].text, "--weird");
}

#[test]
fn flags_ignored_where_the_reference_ignores_them() {
    let df = parse("FROM a\nARG --x=1 A\nSTOPSIGNAL --y SIGKILL\nHEALTHCHECK --whatever NONE\n")
        .unwrap();
    assert_eq!(df.warnings.len(), 2);
    assert_eq!(df.warnings[0].message, "flag --x is ignored by ARG");
    assert_eq!(
        (df.warnings[0].start.line, df.warnings[0].start.column),
        (2, 5)
    );
    assert!(err("FROM a\nMAINTAINER --boo joe@example.com\n").ends_with("unknown flag: --boo"));
    assert!(err("FROM a\nEXPOSE --x 80\n").ends_with("unknown flag: --x"));
}

#[test]
fn expose_user_workdir_stopsignal() {
    let df = parse("FROM a\nEXPOSE 80 443/tcp 8000-8010/udp $P\nUSER app:app\nWORKDIR /a b\nSTOPSIGNAL SIGTERM\nMAINTAINER Me <me@x>\n").unwrap();
    let cmds = &df.stages[0].commands;
    let Instruction::Expose(e) = &cmds[0].instruction else {
        panic!()
    };
    assert_eq!(e.ports.len(), 4);
    let Instruction::Workdir(w) = &cmds[2].instruction else {
        panic!()
    };
    assert_eq!(w.path.text, "/a b");
    let Instruction::Maintainer(m) = &cmds[4].instruction else {
        panic!()
    };
    assert_eq!(m.name.text, "Me <me@x>");
}

#[test]
fn errors_carry_the_reference_text() {
    let table = [
        ("FROM scratch\nFNTRYPOINT [\"x\"]\n", "dockerfile parse error on line 2: unknown instruction: FNTRYPOINT (did you mean ENTRYPOINT?)"),
        ("FROM scratch\ncoppy a b\n", "dockerfile parse error on line 2: unknown instruction: coppy (did you mean copy?)"),
        ("FROM a\nRUN --mont=type=cache,target=/x \\\n  true\n", "dockerfile parse error on line 2: unknown flag: --mont (did you mean mount?)"),
        // A multi-line instruction is reported at its first line, as the reference does.
        ("FROM a\nRUN \\\n  --mount=type=cache,from=$X,target=/x x\n", "dockerfile parse error on line 2: 'from' doesn't support variable expansion, define alias stage instead"),
        ("", "file with no instructions"),
    ];
    for (src, want) in table {
        let d = parse(src).unwrap_err();
        assert_eq!(d.reference_text(), want, "{src:?}");
    }
    // Mount keys and types are checked after expansion, not when parsing.
    assert!(parse("FROM a\nARG T=cache\nRUN --mount=type=$T,target=/x x\n").is_ok());
}

#[test]
fn a_trigger_must_be_one_instruction() {
    assert!(parse_trigger("RUN make", "Dockerfile").is_ok());
    for two in ["RUN a\nRUN b", "# comment only\n"] {
        let d = parse_trigger(two, "Dockerfile").unwrap_err();
        assert!(
            [
                "onbuild trigger should be a single expression",
                "file with no instructions"
            ]
            .contains(&d.message.as_str()),
            "{two:?}: {}",
            d.message
        );
    }
}

/// Issue 11: `parse_trigger` indexed `nodes[0]`, relying on the parser refusing empty input.
/// It now takes the one node by pattern: an expression with no instruction, or two, is an
/// error (not a panic), whatever the parser makes of it.
#[test]
fn parse_trigger_takes_exactly_one_node_without_indexing() {
    for expression in ["", " ", "\n", "\\\n", "# c\n", "RUN a\nRUN b", "\u{feff}"] {
        assert!(
            parse_trigger(expression, "Dockerfile").is_err(),
            "{expression:?}"
        );
    }
}

#[test]
fn stage_name_and_casing_checks() {
    let df = parse("From scratch as context\nFROM scratch AS b\nrun true\nRUN true\n").unwrap();
    let got: Vec<(usize, &str, &str)> = df
        .warnings
        .iter()
        .map(|w| (w.start.line, w.rule.unwrap().name, w.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                1,
                "ReservedStageName",
                "Stage name should not use the same name as reserved stage \"context\""
            ),
            (
                1,
                "ConsistentInstructionCasing",
                "Command 'From' should match the case of the command majority (uppercase)"
            ),
            (
                3,
                "ConsistentInstructionCasing",
                "Command 'run' should match the case of the command majority (uppercase)"
            ),
        ]
    );
}

#[test]
fn duplicate_stage_names_warn() {
    let df = parse("FROM a AS x\nFROM b AS X\n").unwrap();
    assert_eq!(df.stages.len(), 2);
    let w = &df.warnings[df.warnings.len() - 1];
    assert_eq!(
        (w.start.line, w.message.as_str()),
        (
            2,
            "Duplicate stage name \"x\", stage names should be unique"
        )
    );
}

#[test]
fn lint_warnings() {
    let df = parse("FROM a AS Build\nMAINTAINER me\nENV A b\nCMD ['a']\nRUN [\"ok\"]\n").unwrap();
    let got: Vec<String> = df
        .warnings
        .iter()
        .map(|w| format!("{}:{}: {}", w.start.line, w.start.column, w.message))
        .collect();
    assert_eq!(
        got,
        vec![
            "1:11: Stage name 'Build' should be lowercase",
            "2:1: Maintainer instruction is deprecated in favor of using label",
            "4:5: CMD arguments look like a JSON array but are not valid JSON; they run as a shell command",
        ]
    );
}

#[test]
fn warnings_before_a_parse_error_are_kept() {
    // The reference's testWarningsBeforeError: both checks reach the client before the error.
    let src = "\nFROM scratch AS BadStageName\nMAINTAINER me@example.org\nBADCMD\n";
    let failure = parse_dockerfile_reporting(src.as_bytes(), "Dockerfile").unwrap_err();
    assert_eq!(failure.error.message, "unknown instruction: BADCMD");
    assert_eq!(failure.error.start.line, 4);
    let rules: Vec<(&str, usize)> = failure
        .warnings
        .iter()
        .map(|w| (w.rule.map(|r| r.name).unwrap_or_default(), w.start.line))
        .collect();
    assert_eq!(
        rules,
        vec![("StageNameCasing", 2), ("MaintainerDeprecated", 3)]
    );
}
