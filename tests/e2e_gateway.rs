#![cfg(feature = "e2e")]
//! End to end on a real BuildKit: the frontend image built by scripts/build-frontend-image.sh, driven by
//! `buildctl` directly (`gateway.v0`) and through the reference frontend's `# syntax=` forwarding.
//! Needs scripts/env-up.sh first; run with `cargo test --features e2e --test e2e_gateway`.

mod e2e_support;

use e2e_support::{
    build, build_command, build_exporting, buildctl, context, push_frontend_image, rawjson_build,
    rawjson_warnings, subrequest_text, warning_short, Export, DOCKERFILE_V0, GATEWAY,
};

#[test]
fn gateway_source_builds_a_dockerfile() {
    let ctx = context(&[("Dockerfile", "FROM busybox\n")]);
    let b = build(&ctx, GATEWAY);
    assert!(b.output.status.success(), "buildctl failed:\n{}", b.log());
    assert!(
        b.log()
            .contains("[internal] load build definition from Dockerfile"),
        "{}",
        b.log()
    );
    assert!(
        b.log()
            .contains("[internal] load metadata for docker.io/library/busybox:latest"),
        "{}",
        b.log()
    );
    assert!(
        b.out_dir.join("bin/busybox").exists(),
        "busybox rootfs not exported:\n{}",
        b.log()
    );
}

#[test]
fn lower_case_dockerfile_is_found() {
    let ctx = context(&[("dockerfile", "FROM busybox\n")]);
    let b = build(&ctx, GATEWAY);
    assert!(b.output.status.success(), "buildctl failed:\n{}", b.log());
    assert!(b.out_dir.join("bin/busybox").exists());
}

#[test]
fn syntax_directive_forwards_to_our_frontend() {
    let ctx = context(&[("Dockerfile", "# syntax=myorg/frontend\nFROM busybox\n")]);
    let b = build(&ctx, DOCKERFILE_V0);
    assert!(b.output.status.success(), "buildctl failed:\n{}", b.log());
    // The reference frontend resolved our image, then ran it.
    assert!(b.log().contains("docker.io/myorg/frontend"), "{}", b.log());
    assert!(b.out_dir.join("bin/busybox").exists());
}

#[test]
fn missing_dockerfile_is_reported() {
    let ctx = context(&[("README", "no Dockerfile here\n")]);
    let b = build(&ctx, GATEWAY);
    assert!(!b.output.status.success());
    assert!(b.log().contains("failed to read dockerfile"), "{}", b.log());
}

#[test]
fn dockerfile_error_names_the_line() {
    let ctx = context(&[("Dockerfile", "FROM busybox\nRUNN echo hi\n")]);
    let b = build(&ctx, GATEWAY);
    assert!(!b.output.status.success());
    let log = b.log();
    assert!(log.contains("Dockerfile:2"), "{log}");
    // buildctl prints the lines around the error from the errdefs.Source detail.
    assert!(log.contains("   2 | >>> RUNN echo hi"), "{log}");
}

/// `# syntax=` naming another frontend forwards the build to it, like the reference; a frontend
/// that cannot be loaded fails at the directive's line.
#[test]
fn syntax_directive_is_forwarded_from_the_gateway() {
    let ctx = context(&[("Dockerfile", "#syntax=foobar\nfrom busybox\n")]);
    let b = build(&ctx, GATEWAY);
    assert!(!b.output.status.success());
    let log = b.log();
    assert!(log.contains("docker.io/library/foobar"), "{log}");
    assert!(log.contains("   1 | >>> #syntax=foobar"), "{log}");
    // Naming ourselves forwards once more, and that instance builds.
    let ctx = context(&[("Dockerfile", "# syntax=myorg/frontend\nFROM busybox\n")]);
    let b = build(&ctx, GATEWAY);
    b.assert_ok();
    assert!(b.out_dir.join("bin/busybox").exists());
}

#[test]
fn run_copy_and_image_config_follow_the_options() {
    let ctx = context(&[
        (
            "Dockerfile",
            "FROM busybox AS base\nARG GREETING=hello\nRUN echo \"$GREETING\" > /greeting\n\
             FROM base AS final\nCOPY app/ /app/\nENV MODE=test\nWORKDIR /app\nCMD [\"cat\", \"/greeting\"]\n\
             FROM busybox AS other\n",
        ),
        ("app/main.txt", "main\n"),
        ("app/skip.log", "ignored\n"),
        (".dockerignore", "**/*.log\n"),
    ]);
    let args = [
        GATEWAY,
        &[
            "--opt",
            "target=final",
            "--opt",
            "build-arg:GREETING=bonjour",
            "--opt",
            "label:org.example.e2e=yes",
        ],
    ]
    .concat();
    let b = build(&ctx, &args);
    b.assert_ok();
    assert_eq!(
        std::fs::read_to_string(b.out_dir.join("greeting")).unwrap(),
        "bonjour\n"
    );
    assert!(b.out_dir.join("app/main.txt").exists());
    assert!(
        !b.out_dir.join("app/skip.log").exists(),
        ".dockerignore not applied"
    );
    assert!(
        b.log().contains("[internal] load .dockerignore"),
        "{}",
        b.log()
    );

    let ctx_oci = context(&[(
        "Dockerfile",
        "FROM busybox\nENV MODE=test\nWORKDIR /app\nCMD [\"sh\"]\n",
    )]);
    let b = build_exporting(
        &ctx_oci,
        &[GATEWAY, &["--opt", "label:org.example.e2e=yes"]].concat(),
        Export::Oci,
    );
    b.assert_ok();
    let config = b.image_config();
    assert_eq!(config["config"]["WorkingDir"], "/app");
    assert_eq!(config["config"]["Cmd"], serde_json::json!(["sh"]));
    assert_eq!(config["config"]["Labels"]["org.example.e2e"], "yes");
    let env = config["config"]["Env"].as_array().unwrap();
    assert!(env.iter().any(|e| e == "MODE=test"), "{env:?}");
    assert_eq!(config["os"], "linux");
}

#[test]
fn targets_subrequest_matches_the_reference() {
    let ctx = context(&[(
        "Dockerfile",
        "FROM busybox AS base\n# final the shipped image\nFROM base AS final\nFROM scratch\n",
    )]);
    let ours = subrequest_text(&ctx, GATEWAY, "frontend.targets");
    let reference = subrequest_text(&ctx, DOCKERFILE_V0, "frontend.targets");
    assert!(ours.contains("final     the shipped image\n"), "{ours}");
    assert_eq!(ours, reference);
}

#[test]
fn describe_subrequest_matches_the_reference() {
    let ctx = context(&[("Dockerfile", "FROM busybox\n")]);
    let ours = subrequest_text(&ctx, GATEWAY, "frontend.subrequests.describe");
    let reference = subrequest_text(&ctx, DOCKERFILE_V0, "frontend.subrequests.describe");
    assert!(ours.contains("\noutline "), "{ours}");
    assert_eq!(ours, reference);
}

#[test]
fn outline_subrequest_matches_the_reference() {
    let ctx = context(&[(
        "Dockerfile",
        "ARG TAG=latest\n# final the shipped image\nFROM busybox:$TAG AS final\n# VERSION what to stamp\nARG VERSION=dev\nRUN --mount=type=secret,id=token,required true\nRUN --mount=type=ssh true\n",
    )]);
    let ours = subrequest_text(&ctx, GATEWAY, "frontend.outline");
    let reference = subrequest_text(&ctx, DOCKERFILE_V0, "frontend.outline");
    assert!(
        ours.contains("what to stamp") && ours.contains("\ntoken "),
        "{ours}"
    );
    assert_eq!(ours, reference);
}

#[test]
fn lint_subrequest_matches_the_reference() {
    let ctx = context(&[(
        "Dockerfile",
        "FROM busybox as Base\nCMD echo a\nFROM base\nENV A 1\n",
    )]);
    push_frontend_image();
    let run = |frontend: &[&str]| {
        let out = build_command(
            &ctx,
            &[frontend, &["--opt", "requestid=frontend.lint"]].concat(),
        )
        .output()
        .expect("running buildctl");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let ours = run(GATEWAY);
    assert!(ours.1.contains("WARNING: FromAsCasing"), "{ours:?}");
    assert_eq!(ours, run(DOCKERFILE_V0));
}

#[test]
fn unknown_subrequest_is_unsupported() {
    let ctx = context(&[("Dockerfile", "FROM busybox\n")]);
    let b = build(
        &ctx,
        &[GATEWAY, &["--opt", "requestid=frontend.nonesuch"]].concat(),
    );
    assert!(!b.output.status.success());
    assert!(
        b.log().contains("unsupported request frontend.nonesuch"),
        "{}",
        b.log()
    );
}

#[test]
fn forwarded_build_reports_the_failing_line() {
    let ctx = context(&[(
        "Dockerfile",
        "# syntax=myorg/frontend\nFROM busybox\nCOPPY a b\n",
    )]);
    let b = build(&ctx, DOCKERFILE_V0);
    assert!(!b.output.status.success());
    let log = b.log();
    assert!(log.contains("Dockerfile:3"), "{log}");
    assert!(log.contains("   3 | >>> COPPY a b"), "{log}");
}

#[test]
fn parser_warnings_reach_the_client() {
    // Build checks reach the client exactly as the builtin frontend's do: the same rule, text,
    // description, URL, level and ranges, in the same order (`--progress=rawjson` shows every
    // status message; the plain printer can drop late ones on a busy machine).
    let ctx = context(&[(
        "Dockerfile",
        // LegacyKeyValueFormat only where a stage is built: LABEL in the unused stage is quiet.
        "FROM busybox AS Build\nMAINTAINER me\nLABEL a b\nRUN echo a \\\n\n  b\nFROM busybox as other\nENV k v\n",
    )]);
    let warnings = |frontend_args: &[&str]| -> Vec<serde_json::Value> {
        let (output, log) = rawjson_build(&ctx, frontend_args);
        assert!(output.status.success(), "buildctl failed:\n{log}");
        rawjson_warnings(&log)
            .into_iter()
            .map(|mut w| {
                // Vertex digests and the source info are the daemon's and the read's, not the rule's.
                w.as_object_mut().map(|o| {
                    o.remove("vertex");
                    o.remove("sourceInfo")
                });
                w
            })
            .collect()
    };
    let ours = warnings(GATEWAY);
    let shorts: Vec<String> = ours.iter().map(warning_short).collect();
    assert_eq!(shorts.len(), 5, "{shorts:#?}");
    assert!(
        shorts[0].starts_with("NoEmptyContinuation: "),
        "{shorts:#?}"
    );
    assert_eq!(ours, warnings(DOCKERFILE_V0));
}

#[test]
fn multi_platform_builds_one_result_per_platform() {
    let ctx = context(&[
        ("Dockerfile", "FROM scratch\nCOPY hello /hello\n"),
        ("hello", "hi\n"),
    ]);
    let b = build(
        &ctx,
        &[GATEWAY, &["--opt", "platform=linux/amd64,linux/386"]].concat(),
    );
    b.assert_ok();
    for platform in ["linux_amd64", "linux_386"] {
        let file = b.out_dir.join(platform).join("hello");
        assert_eq!(
            std::fs::read_to_string(&file).unwrap_or_default(),
            "hi\n",
            "{}\n{}",
            file.display(),
            b.log()
        );
    }
}

/// An empty (scratch) result per platform once made buildkitd panic in Return (a nil *Ref from a
/// map entry prost wrote without its value). The build must succeed and the daemon stay up.
#[test]
fn empty_results_keep_the_daemon_up() {
    let ctx = context(&[("Dockerfile", "FROM scratch\n")]);
    for platforms in ["linux/amd64", "linux/amd64,linux/arm64"] {
        let option = format!("platform={platforms}");
        let args = [GATEWAY, &["--opt", option.as_str()]].concat();
        build(&ctx, &args).assert_ok();
        let workers = buildctl().args(["debug", "workers"]).output().unwrap();
        assert!(
            workers.status.success(),
            "buildkitd is gone after {platforms}"
        );
    }
}

#[test]
fn check_directive_and_error_true_match_the_builtin_frontend() {
    // The reference's own cases (testRuleCheckOption): what is skipped is not reported, and
    // error=true fails after reporting, with the same warnings and the same error text.
    let outcome = |text: &str, frontend_args: &[&str]| -> (bool, Vec<String>, bool) {
        let ctx = context(&[("Dockerfile", text)]);
        let (output, log) = rawjson_build(&ctx, frontend_args);
        let rules = rawjson_warnings(&log).iter().map(warning_short).collect();
        let violation = log.contains("lint violation found for rules: FromAsCasing");
        (output.status.success(), rules, violation)
    };
    let casing = "FROM scratch as base\ncopy Dockerfile .\n";
    for (directive, arg) in [
        ("#check=skip=all\n", None),
        ("#check=skip=all;error=true\n", None),
        ("#check=skip=ConsistentInstructionCasing\n", None),
        ("#check=skip=ConsistentInstructionCasing;error=true\n", None),
        (
            "#check=skip=all\n",
            Some("build-arg:BUILDKIT_DOCKERFILE_CHECK=skip=ConsistentInstructionCasing;error=true"),
        ),
        // A warning reported before a conversion error still reaches the client.
        ("", None),
    ] {
        let text = if directive.is_empty() {
            "FROM scratch\nCMD echo hi\nSTOPSIGNAL bogus\n".to_string()
        } else {
            format!("{directive}{casing}")
        };
        let args: Vec<String> = arg
            .map(|a| vec!["--opt".to_string(), a.to_string()])
            .unwrap_or_default();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let ours = outcome(&text, &[GATEWAY, args.as_slice()].concat());
        let reference = outcome(&text, &[DOCKERFILE_V0, args.as_slice()].concat());
        assert_eq!(ours, reference, "{text}");
    }
}
