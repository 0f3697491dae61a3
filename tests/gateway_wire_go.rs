//! The requests our frontend sends, decoded by BuildKit's own Go types the way the daemon decodes
//! them (tests/go/gateway-check): no map entry may decode as a nil message, since the daemon
//! dereferences those (an empty platform result in a Return once crashed buildkitd). Covers Solve
//! (a converted multi-stage build, the Dockerfile read, scratch), ResolveSourceMeta (the
//! SOURCE_DATE_EPOCH source stage's, HTTP and git), Warn, and Return for
//! single-platform, multi-platform, empty and scratch results and for a located error. Also the
//! resource options, resolved by dockerui itself (`gateway-check opts`): same limits, same errors.

mod go_program;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use base64::Engine;

use dockerfile_llb::convert::{self, BuildOptions, ConvertOptions, Platform};
use dockerfile_llb::gateway::bridge::{return_request, solve_request};
use dockerfile_llb::gateway::conversion::parse_error;
use dockerfile_llb::gateway::frontend::{platform_result, warning_request, SolvedPlatform};
use dockerfile_llb::gateway::local_source::DockerfileSource;
use dockerfile_llb::gateway::local_source::LocalRead;
use dockerfile_llb::gateway::opts::{parse_linux_resources, FrontendOpts};
use dockerfile_llb::gateway::sbom::attestation as sbom_attestation;
use dockerfile_llb::instructions::parse_dockerfile;
use dockerfile_llb::llb;
use dockerfile_llb::proto::moby::buildkit::v1::frontend as gw;
use prost::Message;

fn checker() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| go_program::build("gateway-check"))
}

/// Runs the checker on `messages` (file stem -> message bytes): (exit success, stdout).
fn check(messages: &[(String, Vec<u8>)]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in messages {
        std::fs::write(dir.path().join(format!("{name}.pb")), bytes).unwrap();
    }
    let output = Command::new(checker()).arg(dir.path()).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.is_empty(), "gateway-check: {stderr}");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

fn dockerfile_source(text: &str) -> DockerfileSource {
    DockerfileSource {
        filename: "Dockerfile".to_string(),
        data: text.as_bytes().to_vec(),
        dockerignore: None,
        definition: LocalRead::dockerfile("dockerfile", "session", "Dockerfile").definition(),
    }
}

/// Converts `text` offline (base images get the empty image of their platform).
fn converted(text: &str, platform: &Platform) -> convert::Converted {
    let parsed = parse_dockerfile(text.as_bytes(), "Dockerfile").unwrap();
    let options = ConvertOptions {
        build: BuildOptions {
            build_platform: Platform::new("linux", "amd64"),
            ..BuildOptions::default()
        },
        target_platform: Some(platform.clone()),
        source: text.as_bytes().to_vec(),
        llb_caps: Some(dockerfile_llb::llb::caps::CapSet::all()),
        ..ConvertOptions::default()
    };
    convert::offline::convert_offline(&parsed, &options, &BTreeMap::new()).unwrap()
}

fn solved(platform: &Platform, ref_id: &str) -> SolvedPlatform {
    SolvedPlatform {
        platform: platform.clone(),
        ref_id: ref_id.to_string(),
        image_config: format!(
            r#"{{"architecture":"{}","os":"linux"}}"#,
            platform.architecture
        )
        .into_bytes(),
        base_image_config: Some(b"{}".to_vec()),
        epoch: Some(1_700_000_000),
        sbom: None,
    }
}

fn returned(result: gw::Result) -> Vec<u8> {
    return_request(Ok(result)).encode_to_vec()
}

#[test]
fn every_request_we_send_decodes_with_buildkits_types() {
    let amd64 = Platform::new("linux", "amd64");
    let arm64 = Platform::new("linux", "arm64");
    let multistage = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/patterns/1-system-builder/Dockerfile"
    ))
    .unwrap();
    let scratch_only = "FROM scratch\n";
    let build = converted(&multistage, &amd64);
    let empty = converted(scratch_only, &amd64);
    let warned = "FROM busybox\nRUN echo a \\\n\n  b\n";
    let parsed = parse_dockerfile(warned.as_bytes(), "Dockerfile").unwrap();
    assert!(
        !parsed.warnings.is_empty(),
        "the fixture must give a warning"
    );
    let source = dockerfile_source(warned);
    let read = LocalRead::dockerfile("dockerfile", "session", "Dockerfile").definition();
    let cache_import = gw::CacheOptionsEntry {
        r#type: "registry".to_string(),
        attrs: BTreeMap::from([("ref".to_string(), "r/cache".to_string())]),
    };
    let located = parse_dockerfile(b"FROM busybox\nCOPPY a b\n", "Dockerfile").unwrap_err();
    let error = parse_error(located, &dockerfile_source("FROM busybox\nCOPPY a b\n")).to_status();

    let epoch_request = |source: &str| {
        let text = format!("FROM scratch AS src\n{source}FROM busybox\n");
        let parsed = parse_dockerfile(text.as_bytes(), "Dockerfile").unwrap();
        let mut build = BuildOptions::default();
        build
            .build_args
            .insert("SOURCE_DATE_EPOCH".to_string(), "src".to_string());
        let options = ConvertOptions {
            build,
            ..ConvertOptions::default()
        };
        let plan = convert::plan(&parsed, &options, &convert::ResolvedImages::new()).unwrap();
        let request = plan.epoch_request().expect("a source stage").clone();
        dockerfile_llb::gateway::epoch::meta_request(&request).encode_to_vec()
    };

    let messages: Vec<(String, Vec<u8>)> = vec![
        (
            "ResolveSourceMetaRequest-epoch-http".into(),
            epoch_request("ADD --checksum=sha256:0000000000000000000000000000000000000000000000000000000000000000 https://example.com/a.tar.gz /\n"),
        ),
        (
            "ResolveSourceMetaRequest-epoch-git".into(),
            epoch_request("ADD https://github.com/moby/buildkit.git?ref=v0.34.2 /\n"),
        ),
        (
            "SolveRequest-multistage".into(),
            solve_request(build.definition.clone(), vec![cache_import]).encode_to_vec(),
        ),
        (
            "SolveRequest-scratch".into(),
            solve_request(empty.definition.clone(), Vec::new()).encode_to_vec(),
        ),
        (
            "SolveRequest-empty-definition".into(),
            solve_request(llb::Definition::scratch().into_pb(), Vec::new()).encode_to_vec(),
        ),
        (
            "SolveRequest-read-dockerfile".into(),
            solve_request(read, Vec::new()).encode_to_vec(),
        ),
        (
            "WarnRequest-empty-continuation".into(),
            warning_request(&source, "sha256:00", &parsed.warnings[0])
                .expect("NoEmptyContinuation is a build check")
                .encode_to_vec(),
        ),
        (
            "ReturnRequest-single".into(),
            returned(platform_result(vec![solved(&amd64, "ref-1")], false)),
        ),
        (
            "ReturnRequest-single-empty".into(),
            returned(platform_result(vec![solved(&amd64, "")], false)),
        ),
        (
            "ReturnRequest-multi".into(),
            returned(platform_result(
                vec![solved(&amd64, "ref-1"), solved(&arm64, "ref-2")],
                true,
            )),
        ),
        (
            "ReturnRequest-multi-scratch".into(),
            returned(platform_result(
                vec![solved(&amd64, ""), solved(&arm64, "")],
                true,
            )),
        ),
        (
            "ReturnRequest-multi-one-empty".into(),
            returned(platform_result(
                vec![solved(&amd64, "ref-1"), solved(&arm64, "")],
                true,
            )),
        ),
        (
            "ReturnRequest-multi-sbom".into(),
            returned(platform_result(
                vec![
                    SolvedPlatform {
                        sbom: Some(sbom_attestation("sbom-ref-1".into())),
                        ..solved(&amd64, "ref-1")
                    },
                    SolvedPlatform {
                        sbom: Some(sbom_attestation(String::new())),
                        base_image_config: None,
                        ..solved(&arm64, "")
                    },
                ],
                true,
            )),
        ),
        (
            "ReturnRequest-error".into(),
            return_request(Err(error)).encode_to_vec(),
        ),
    ];
    let (ok, report) = check(&messages);
    assert!(ok, "BuildKit's types reject what we send:\n{report}");
    assert_eq!(report.lines().count(), messages.len(), "{report}");
}

/// The checker catches the defect this test exists for: a map entry without its value, as prost
/// writes a `map<string, Ref>` whose Ref is empty.
#[test]
fn checker_reports_a_map_entry_without_value() {
    fn field(tag: u8, body: &[u8]) -> Vec<u8> {
        [&[tag << 3 | 2, body.len() as u8][..], body].concat()
    }
    let entry = field(1, b"linux/amd64");
    let request = field(1, &field(4, &field(1, &entry)));
    let (ok, report) = check(&[("ReturnRequest-prost-map".to_string(), request)]);
    assert!(!ok, "{report}");
    assert!(
        report.contains(r#"refs["linux/amd64"] has no value: the daemon sees nil"#),
        "{report}"
    );
}

/// dockerui.NewClient's answer for each option map: its error text, or the marshaled limits
/// (`None` when it sets none).
/// dockerui.NewClient's answer for each set of options: `error`, or what it resolved.
fn dockerui_answers(cases: &[BTreeMap<String, String>]) -> Vec<serde_json::Value> {
    let mut child = Command::new(checker())
        .arg("opts")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = serde_json::to_vec(cases).unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "gateway-check opts: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answers: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answers.len(), cases.len());
    answers
}

fn dockerui_resolves(cases: &[BTreeMap<String, String>]) -> Vec<Result<Option<Vec<u8>>, String>> {
    dockerui_answers(cases)
        .iter()
        .map(|a| match a["error"].as_str() {
            Some(error) => Err(error.to_string()),
            None => Ok(a["linuxResources"]
                .as_str()
                .map(|b| base64::engine::general_purpose::STANDARD.decode(b).unwrap())),
        })
        .collect()
}

#[test]
fn resource_options_resolve_as_dockerui_resolves_them() {
    // Each case, and a part of dockerui's answer that says what the case is for ("" when it
    // must be accepted), so the table cannot drift into testing nothing.
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[], ""),
        (
            &[
                ("memory", ""),
                ("memswap", ""),
                ("cpushares", ""),
                ("cpuperiod", ""),
                ("cpuquota", ""),
                ("cpusetcpus", ""),
                ("cpusetmems", ""),
            ],
            "",
        ),
        (
            &[
                ("memory", "1073741824"),
                ("memswap", "-1"),
                ("cpushares", "512"),
                ("cpuperiod", "100000"),
                ("cpuquota", "50000"),
                ("cpusetcpus", "0-3,5"),
                ("cpusetmems", "0"),
            ],
            "",
        ),
        (&[("memory", "+100")], ""),
        (&[("memswap", "-1")], ""),
        (&[("cpushares", "18446744073709551615")], ""),
        (&[("cpusetcpus", "8192")], ""),
        (&[("cpusetcpus", " 0 , 2 - 3 ,,")], ""),
        (&[("cpusetmems", "\t1\u{a0}, 2\u{85}-\u{3000}4")], ""),
        (
            &[("memory", "abc")],
            "invalid memory value: abc: strconv.ParseInt",
        ),
        (&[("memory", "64m")], "invalid syntax"),
        (&[("memory", "0")], "must be > 0"),
        (&[("memory", "-5")], "must be > 0"),
        (&[("memory", "9223372036854775808")], "value out of range"),
        (&[("memory", "99999999999999999999x")], "value out of range"),
        (&[("memswap", "-2")], "must be -1 (unlimited) or > 0"),
        (&[("memswap", "0")], "must be -1 (unlimited) or > 0"),
        (
            &[("memswap", "x")],
            "invalid memswap value: x: strconv.ParseInt",
        ),
        (
            &[("cpushares", "-1")],
            "strconv.ParseUint: parsing \"-1\": invalid syntax",
        ),
        (&[("cpushares", "+1")], "strconv.ParseUint"),
        (
            &[("cpushares", "0")],
            "invalid cpushares value: 0: must be > 0",
        ),
        (
            &[("cpushares", "18446744073709551616")],
            "value out of range",
        ),
        (
            &[("cpuperiod", "0")],
            "invalid cpuperiod value: 0: must be > 0",
        ),
        (&[("cpuperiod", "1.5")], "strconv.ParseUint"),
        (
            &[("cpuquota", "0")],
            "invalid cpuquota value: 0: must be > 0",
        ),
        (&[("cpuquota", "-1")], "must be > 0"),
        (&[("cpuquota", "q")], "strconv.ParseInt"),
        (&[("cpusetcpus", "a")], "invalid cpuset element"),
        (
            &[("cpusetcpus", "8193")],
            "cpuset element \"8193\" exceeds maximum 8192",
        ),
        (
            &[("cpusetcpus", "99999999999999999999")],
            "invalid cpuset element",
        ),
        (&[("cpusetcpus", "\u{ff11}")], "invalid cpuset element"),
        (&[("cpusetcpus", "1,\u{200b}2")], "invalid cpuset element"),
        (&[("cpusetcpus", "0-8193")], "exceeds maximum 8192"),
        (&[("cpusetcpus", "0-999999999")], "exceeds maximum 8192"),
        (&[("cpusetcpus", "3-1")], "invalid cpuset range"),
        (&[("cpusetcpus", "-1")], "invalid cpuset range"),
        (&[("cpusetcpus", "1-2-3")], "invalid cpuset range"),
        (&[("cpusetcpus", "0, 4 - x ")], "invalid cpuset range"),
        (
            &[("cpusetmems", "0,x")],
            "invalid cpusetmems value: 0,x: invalid cpuset element",
        ),
        // The first bad option in dockerui's order is the one reported.
        (
            &[("memory", "x"), ("cpusetmems", "x")],
            "invalid memory value",
        ),
        (
            &[("cpushares", "x"), ("memswap", "x")],
            "invalid memswap value",
        ),
        (
            &[("cpuquota", "x"), ("cpuperiod", "0")],
            "invalid cpuperiod value",
        ),
        (
            &[("cpusetmems", "y"), ("cpusetcpus", "x")],
            "invalid cpusetcpus value",
        ),
        (
            &[("cpuquota", "x"), ("cpushares", "0")],
            "invalid cpushares value",
        ),
    ];
    let options: Vec<BTreeMap<String, String>> = cases
        .iter()
        .map(|(pairs, _)| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect();
    let theirs = dockerui_resolves(&options);
    assert_eq!(theirs.len(), cases.len());
    for ((opts, (_, why)), want) in options.iter().zip(cases).zip(theirs) {
        match (&want, why.is_empty()) {
            (Ok(_), true) => {}
            (Err(e), false) if e.contains(why) => {}
            _ => panic!("dockerui gives {want:?} for {opts:?}, the case expects {why:?}"),
        }
        let ours = parse_linux_resources(&FrontendOpts(opts.clone()))
            .map(|r| r.map(|r| r.encode_to_vec()))
            .map_err(|e| e.to_string());
        assert_eq!(ours, want, "options {opts:?}");
    }
}

#[test]
fn option_errors_with_the_reference_text_match_dockerui() {
    use dockerfile_llb::gateway::opts::BuildOpts;
    let cases: &[&[(&str, &str)]] = &[
        &[("build-arg:BUILDKIT_GIT_ADVICE", "maybe")],
        &[("build-arg:BUILDKIT_GIT_ADVICE", "TRUE ")],
        &[("build-arg:BUILDKIT_DOCKERFILE_CHECK", "error=maybe")],
        &[("build-arg:BUILDKIT_DOCKERFILE_CHECK", "bogus")],
        // The check is parsed first.
        &[
            ("build-arg:BUILDKIT_GIT_ADVICE", "x"),
            ("build-arg:BUILDKIT_DOCKERFILE_CHECK", "error=x"),
        ],
    ];
    let options: Vec<BTreeMap<String, String>> = cases
        .iter()
        .map(|pairs| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect();
    let theirs = dockerui_resolves(&options);
    for (opts, want) in options.iter().zip(theirs) {
        let want = want.expect_err("dockerui refuses each case");
        let ours = BuildOpts::resolve(&FrontendOpts(opts.clone()), "s", None)
            .err()
            .map(|e| e.to_string());
        assert_eq!(ours.as_deref(), Some(want.as_str()), "options {opts:?}");
    }
    // Accepted values pass, with dockerui's value (git sources get `git.advice` with it).
    let accepted: Vec<BTreeMap<String, String>> = ["true", "0", "T", "", "1", "FALSE"]
        .iter()
        .map(|v| BTreeMap::from([("build-arg:BUILDKIT_GIT_ADVICE".to_string(), v.to_string())]))
        .chain([BTreeMap::new()])
        .collect();
    for (opts, theirs) in accepted.iter().zip(dockerui_answers(&accepted)) {
        let ours = BuildOpts::resolve(&FrontendOpts(opts.clone()), "s", None)
            .unwrap_or_else(|e| panic!("{opts:?}: {e}"));
        assert_eq!(ours.build.git_advice, theirs["gitAdvice"], "{opts:?}");
    }
}

#[test]
fn ulimit_and_cgroup_parent_options_resolve_as_dockerui_resolves_them() {
    use dockerfile_llb::gateway::opts::BuildOpts;
    let cases = [
        "nofile=1024:2048",
        "nofile=1024",
        "nofile=1024:2048,nproc=-1",
        "\"nofile=1:2\",core=0",
        "nproc=-1:-1",
        "stack=8:-1",
        "bogus=1",
        "as=1",
        "nofile",
        "nofile=a",
        "nofile=1:b",
        "nofile=a:b",
        "nofile=1:2:3",
        "nofile=3:2",
        "nofile=-1:5",
        "nofile=9223372036854775808",
        "nofile=1,\"x",
        "NOFILE=1",
    ];
    let options: Vec<BTreeMap<String, String>> = cases
        .iter()
        .map(|v| {
            BTreeMap::from([
                ("ulimit".to_string(), v.to_string()),
                ("cgroup-parent".to_string(), "/my/parent".to_string()),
            ])
        })
        .collect();
    let answers = dockerui_answers(&options);
    let mut refused = 0;
    for (opts, theirs) in options.iter().zip(answers) {
        let ours = BuildOpts::resolve(&FrontendOpts(opts.clone()), "s", None);
        match (ours, theirs["error"].as_str()) {
            (Err(e), Some(want)) => {
                refused += 1;
                assert_eq!(e.to_string(), want, "{opts:?}");
            }
            (Ok(b), None) => {
                let ulimits: Vec<serde_json::Value> = b
                    .build
                    .ulimits
                    .iter()
                    .map(|(n, s, h)| serde_json::json!([n, s, h]))
                    .collect();
                assert_eq!(
                    serde_json::Value::from(ulimits),
                    theirs["ulimits"],
                    "{opts:?}"
                );
                assert_eq!(b.build.cgroup_parent, theirs["cgroupParent"], "{opts:?}");
            }
            (ours, theirs) => panic!("{opts:?}: ours {:?}, dockerui {theirs:?}", ours.err()),
        }
    }
    assert!(refused >= 10 && refused < cases.len(), "{refused} refused");
}
