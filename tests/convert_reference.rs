//! The converter against the reference converter itself: tests/go/convert-check runs the pinned
//! BuildKit's dockerfile2llb on the same Dockerfile, options and resolved images, and every op
//! (bytes, hence digest), every op's metadata, the source map and the image config JSON must be
//! identical. Needs `go` (part of the project environment; modules come from the Go proxy/cache).

mod go_program;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use base64::Engine;
use dockerfile_llb::convert::{
    self, BuildOptions, ConvertError, ConvertOptions, Converted, Platform, ResolvedImage,
    ResolvedImages,
};
use dockerfile_llb::gateway::local_source::{DockerfileSource, LocalRead};
use dockerfile_llb::gateway::subrequests;
use dockerfile_llb::instructions::{parse_dockerfile, parse_dockerfile_reporting, Diagnostic};
use dockerfile_llb::proto::pb;
use prost::Message;
use serde_json::json;
use sha2::{Digest, Sha256};

fn oracle() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| go_program::build("convert-check"))
}

fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A registry-like config for every image: one layer, env, cmd; some with ONBUILD or workdir.
fn image_config(reference: &str) -> String {
    let mut config = json!({
        "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", format!("IMAGE={reference}")],
        "Cmd": ["sh"],
    });
    if reference.contains("nginx") {
        config["WorkingDir"] = json!("/usr/share/nginx/html");
        config["User"] = json!("nginx");
        config["ExposedPorts"] = json!({"80/tcp": {}});
    }
    if reference.contains("onbuild-from-image") {
        config["OnBuild"] =
            json!(["COPY --from=alpine:3.20 /etc/alpine-release /out/alpine-release2"]);
    } else if reference.contains("onbuild-from-stage") {
        config["OnBuild"] = json!(["COPY --from=src /in/file /out/foo"]);
    } else if reference.contains("onbuild") {
        config["OnBuild"] = json!(["RUN echo triggered", "COPY . /app/"]);
    }
    let mut image = json!({
        "architecture": "amd64",
        "os": "linux",
        "created": "2024-10-01T00:00:00Z",
        "config": config,
        "rootfs": { "type": "layers", "diff_ids": [format!("sha256:{}", sha256_hex(reference.as_bytes()))] },
        "history": [{ "created": "2024-10-01T00:00:00Z", "created_by": "base layer <&>" }]
    });
    // Images of other platforms, named for theirs: the reference checks what it resolved.
    if reference.contains("arm64") {
        image["architecture"] = json!("arm64");
        image["variant"] = json!("v8");
    } else if reference.contains("armv6") {
        image["architecture"] = json!("arm");
        image["variant"] = json!("v6");
    }
    if reference.contains("windows") {
        image["os"] = json!("windows");
        image["os.version"] = json!("10.0.17763.1");
    }
    if reference.contains("empty") {
        image["rootfs"]["diff_ids"] = json!([]);
        image["history"][0]["empty_layer"] = json!(true);
    }
    image.to_string()
}

struct Case<'a> {
    dockerfile: &'a str,
    /// `platform` opt; `None` builds for the build platform (linux/amd64).
    platform: Option<&'a str>,
    multi_platform: bool,
    /// SOURCE_DATE_EPOCH.
    epoch: Option<i64>,
    target: Option<&'a str>,
    build_args: &'a [(&'a str, &'a str)],
    /// The resolved resource options (`memory`, ..., `cpusetmems`).
    linux_resources: Option<pb::LinuxResources>,
    /// LLB caps the daemon does not have (all others of the pinned release it has).
    disabled_caps: &'a [&'a str],
    /// `ulimit` (name, soft, hard) and `cgroup-parent`, resolved.
    ulimits: &'a [(&'a str, i64, i64)],
    cgroup_parent: &'a str,
    /// `build-arg:BUILDKIT_GIT_ADVICE`, parsed.
    git_advice: bool,
    /// The context's `.dockerignore`: read by both (ours with the gateway's reader, theirs by a
    /// dockerui.Client), it becomes the context's exclude patterns and the ignore matcher of
    /// CopyIgnoredFile. `None`: no such file and, on the reference's side, no Client.
    dockerignore: Option<&'a str>,
    /// Frontend options a client gives (`context:NAME`, `sharedkey:localdir:NAME`,
    /// `input-metadata:NAME`): with any, both look named contexts up (the reference through a
    /// dockerui.Client).
    opts: &'a [(&'a str, &'a str)],
    /// The `.dockerignore` of local named contexts, by local name.
    dockerignores: &'a [(&'a str, &'a str)],
    /// Frontend inputs, by name.
    inputs: &'a [(&'a str, pb::Definition)],
    /// A `context` option that is not the local directory: made by our gateway's functions
    /// and, on the reference's side, as dockerui's `initContext` makes it.
    main_context: Option<MainContextCase<'a>>,
}

/// The `context` option of a build: a git URL, or an http(s) URL whose download is an archive
/// (`archive`) or the Dockerfile itself; `BUILDKIT_CONTEXT_KEEP_GIT_DIR` as parsed, and
/// `contextsubdir`.
#[derive(Clone, Copy, Default)]
struct MainContextCase<'a> {
    url: &'a str,
    archive: bool,
    keep_git_dir: Option<bool>,
    subdir: Option<&'a str>,
}

/// Our gateway's main context for `m`, with the build's SOURCE_DATE_EPOCH and git advice.
fn main_context_of(m: MainContextCase, build: &BuildOptions) -> dockerfile_llb::llb::Output {
    use dockerfile_llb::gateway::main_context::{
        git_context, http_context, scope_to_subdir, unpacked_http_context, GitContextOptions,
    };
    let options = GitContextOptions {
        keep_git_dir: m.keep_git_dir,
        mtime_commit: build
            .build_args
            .get("SOURCE_DATE_EPOCH")
            .is_some_and(|v| !v.is_empty()),
        advice: build.git_advice,
    };
    let context = match git_context(m.url, options) {
        Some(git) => git.unwrap_or_else(|e| panic!("git context {}: {e}", m.url)),
        None => {
            let download = http_context(m.url).expect("a git or http(s) URL");
            if m.archive {
                unpacked_http_context(&download)
            } else {
                download
            }
        }
    };
    match m.subdir {
        Some(dir) => scope_to_subdir(Some(context), dir),
        None => context,
    }
}

impl<'a> Case<'a> {
    fn new(dockerfile: &'a str) -> Self {
        Case {
            dockerfile,
            platform: None,
            multi_platform: false,
            epoch: None,
            target: None,
            build_args: &[],
            linux_resources: None,
            disabled_caps: &[],
            ulimits: &[],
            cgroup_parent: "",
            git_advice: false,
            dockerignore: None,
            opts: &[],
            dockerignores: &[],
            inputs: &[],
            main_context: None,
        }
    }
}

/// A build-check warning as both converters report it: rule, message, and the location as one
/// range per line (`parser.Range`s).
type Warning = (String, String, Vec<[usize; 2]>);

/// The reference resolves the base images of one round concurrently, so the
/// InvalidBaseImagePlatform warnings of a round come in a random order: sorted in both lists.
fn in_resolve_order(mut warnings: Vec<Warning>) -> Vec<Warning> {
    let mut at = 0;
    while at < warnings.len() {
        let run = warnings[at..]
            .iter()
            .take_while(|w| w.0 == "InvalidBaseImagePlatform")
            .count();
        warnings[at..at + run].sort();
        at += run.max(1);
    }
    warnings
}

fn check(case: Case) {
    run_case(
        case,
        Expect::Same {
            with_metadata: true,
        },
    )
}

fn check_ops_only(case: Case) {
    run_case(
        case,
        Expect::Same {
            with_metadata: false,
        },
    )
}

/// Both converters refuse the case, with the same message.
fn check_error(case: Case) {
    run_case(case, Expect::Error)
}

enum Expect {
    Same { with_metadata: bool },
    Error,
}

/// Our conversion of a case (images answered from the table, in rounds, as the frontend
/// resolves them), the build-check warnings we report, and the request that gives the
/// reference the same Dockerfile, options and images.
fn convert_case(
    case: &Case,
) -> (
    Result<Converted, ConvertError>,
    Vec<Warning>,
    serde_json::Value,
) {
    let opts = case_options(case);
    let df = parse_dockerfile(case.dockerfile.as_bytes(), "Dockerfile")
        .unwrap_or_else(|d| panic!("parse: {}", d.message));
    let (ours, table) = convert_from_table(case, &df, &opts);
    // The parser's checks (filtered by the build's configuration, as the gateway sends them),
    // then the converter's, also those given before a failure.
    let check = convert::check_config(&df.directives, &opts.build).unwrap();
    let our_warnings = warnings_of(check.filter(df.warnings.clone()).iter().chain(match &ours {
        Ok(converted) => &converted.warnings,
        Err(e) => &e.warnings,
    }));
    (ours, our_warnings, oracle_request(case, &opts, table))
}

/// The conversion options of a case.
fn case_options(case: &Case) -> ConvertOptions {
    let mut opts = ConvertOptions {
        build: BuildOptions {
            build_platform: Platform::new("linux", "amd64"),
            target: case.target.map(str::to_string),
            build_args: case
                .build_args
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .chain(
                    case.epoch
                        .map(|e| ("SOURCE_DATE_EPOCH".to_string(), e.to_string())),
                )
                .collect(),
            multi_platform: case.multi_platform,
            linux_resources: case.linux_resources.clone(),
            ulimits: case
                .ulimits
                .iter()
                .map(|(n, s, h)| (n.to_string(), *s, *h))
                .collect(),
            cgroup_parent: case.cgroup_parent.to_string(),
            git_advice: case.git_advice,
            ..BuildOptions::default()
        },
        session_id: "oracle-session".to_string(),
        source: case.dockerfile.as_bytes().to_vec(),
        llb_caps: Some(
            dockerfile_llb::llb::caps::CapSet::all()
                .iter()
                .filter(|c| !case.disabled_caps.contains(c))
                .collect(),
        ),
        target_platform: case
            .platform
            .map(|p| Platform::parse(p).unwrap().normalize()),
        named_contexts: (!case.opts.is_empty()).then(|| {
            case.opts
                .iter()
                .filter_map(|(k, v)| Some((k.strip_prefix("context:")?.to_string(), v.to_string())))
                .collect()
        }),
        ..ConvertOptions::default()
    };
    opts.main_context = case
        .main_context
        .map(|m| Some(main_context_of(m, &opts.build)));
    opts
}

/// A named context answered as the frontend's loader would, from the case's tables; the image
/// configs go into the table the reference resolves from.
fn load_context(
    case: &Case,
    opts: &ConvertOptions,
    request: &convert::ContextRequest,
    table: &mut BTreeMap<String, serde_json::Value>,
) -> convert::LoadedContext {
    let opt = |key: String| {
        case.opts
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.to_string())
    };
    let mut image = |reference: &str| {
        let config = image_config(reference);
        let digest = format!(
            "sha256:{}",
            sha256_hex(format!("manifest {reference}").as_bytes())
        );
        table.insert(
            reference.to_string(),
            json!({ "digest": digest, "config": config }),
        );
        config.into_bytes()
    };
    match &request.load {
        convert::ContextLoad::Image { reference, .. } => convert::LoadedContext::Image {
            reference: reference.clone(),
            config: image(reference),
        },
        convert::ContextLoad::OciLayout { reference, .. } => convert::LoadedContext::OciLayout {
            config: image(reference),
        },
        convert::ContextLoad::Local { name } => convert::LoadedContext::Local {
            session: opts.session_id.clone(),
            shared_key: opt(format!("sharedkey:localdir:{}", request.key)).unwrap_or_default(),
            excludes: case
                .dockerignores
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, d)| convert::dockerignore::exclude_patterns(d.as_bytes()))
                .unwrap_or_default(),
        },
        convert::ContextLoad::Input { name } => {
            let definition = case
                .inputs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, d)| d.clone())
                .expect("the case gives the input");
            let config = opt(format!("input-metadata:{name}")).and_then(|md| {
                let map: BTreeMap<String, String> = serde_json::from_str(&md).unwrap();
                map.get("containerimage.config")
                    .map(|b| base64::engine::general_purpose::STANDARD.decode(b).unwrap())
            });
            convert::LoadedContext::Input { definition, config }
        }
    }
}

/// Converts `df` with `opts`, every base image answered from the table in rounds, as the
/// frontend resolves them (an image's ONBUILD triggers can ask for more); and the table, for
/// the reference.
fn convert_from_table(
    case: &Case,
    df: &dockerfile_llb::instructions::Dockerfile,
    opts: &ConvertOptions,
) -> (
    Result<Converted, ConvertError>,
    BTreeMap<String, serde_json::Value>,
) {
    let mut images = ResolvedImages::new();
    let mut table = BTreeMap::new();
    // As the gateway does: one plan, given each round's answers (`Plan::answered`).
    let mut plan = convert::plan(df, opts, &images);
    while let Ok(p) = &plan {
        let (requests, contexts) = (p.requests().to_vec(), p.context_requests().to_vec());
        if requests.is_empty() && contexts.is_empty() {
            break;
        }
        for c in &contexts {
            let loaded = load_context(case, opts, c, &mut table);
            images.insert_context(c, loaded);
        }
        for r in &requests {
            let digest = format!(
                "sha256:{}",
                sha256_hex(format!("manifest {}", r.reference).as_bytes())
            );
            let config = image_config(&r.reference);
            images.insert(
                r,
                ResolvedImage {
                    digest: Some(digest.clone()),
                    config: config.clone().into_bytes(),
                    reference: None,
                },
            );
            table.insert(
                r.reference.clone(),
                json!({ "digest": digest, "config": config }),
            );
        }
        plan = plan.and_then(|p| p.answered(&images));
    }
    let excludes = case
        .dockerignore
        .map(|d| convert::dockerignore::exclude_patterns(d.as_bytes()))
        .unwrap_or_default();
    let ours = plan.and_then(|p| p.convert(&images, &excludes));
    // A plan given its answers converts as one made from the start with them all.
    let again = convert::plan(df, opts, &images).and_then(|p| p.convert(&images, &excludes));
    match (&ours, &again) {
        (Ok(ours), Ok(again)) => {
            assert_eq!(
                ours.definition, again.definition,
                "answered plan, definition"
            );
            assert_eq!(
                ours.image_config.to_json(),
                again.image_config.to_json(),
                "answered plan, image config"
            );
            assert_eq!(
                format!("{:?}", ours.warnings),
                format!("{:?}", again.warnings),
                "answered plan, warnings"
            );
        }
        (Err(ours), Err(again)) => assert_eq!(format!("{ours:?}"), format!("{again:?}")),
        _ => panic!("an answered plan and a new plan disagree: {ours:?} / {again:?}"),
    }
    (ours, table)
}

/// The request that gives the reference the case's Dockerfile, options and images.
fn oracle_request(
    case: &Case,
    opts: &ConvertOptions,
    table: BTreeMap<String, serde_json::Value>,
) -> serde_json::Value {
    json!({
        "dockerfile": case.dockerfile,
        "target": case.target.unwrap_or(""),
        "buildArgs": opts.build.build_args,
        "sessionID": opts.session_id,
        "targetPlatform": case.platform.unwrap_or(""),
        "multiPlatform": case.multi_platform,
        "linuxResources": case.linux_resources.as_ref().map(|r| json!({
            "memory": r.memory,
            "memorySwap": r.memory_swap,
            "cpuShares": r.cpu_shares,
            "cpuPeriod": r.cpu_period,
            "cpuQuota": r.cpu_quota,
            "cpusetCpus": r.cpuset_cpus,
            "cpusetMems": r.cpuset_mems,
        })),
        "disabledCaps": case.disabled_caps,
        "ulimits": case.ulimits.iter().map(|(n, s, h)| json!({"Name": n, "Soft": s, "Hard": h})).collect::<Vec<_>>(),
        "cgroupParent": case.cgroup_parent,
        "gitAdvice": case.git_advice,
        "images": table,
        "dockerignore": case.dockerignore,
        "opts": case.opts.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>(),
        "dockerignores": case.dockerignores.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>(),
        "inputs": case.inputs.iter().map(|(k, d)| (k.to_string(), base64::engine::general_purpose::STANDARD.encode(d.encode_to_vec()))).collect::<BTreeMap<_, _>>(),
        "mainContext": case.main_context.map(|m| json!({
            "url": m.url,
            "archive": m.archive,
            "keepGitDir": m.keep_git_dir,
            "subdir": m.subdir,
        })),
    })
}

/// Both answer `frontend.lint` for the case (`DockerfileLint`: no target platform, every stage
/// unless a target is given) with the same result.json, result.txt, result.statuscode and
/// version, byte for byte.
fn check_lint(case: Case) {
    assert!(case.platform.is_none() && !case.multi_platform);
    let opts = case_options(&case);
    let dockerfile = DockerfileSource {
        filename: "Dockerfile".to_string(),
        data: case.dockerfile.as_bytes().to_vec(),
        dockerignore: None,
        definition: LocalRead::dockerfile("dockerfile", &opts.session_id, "Dockerfile")
            .definition(),
    };
    let (found, table) = match subrequests::Lint::parse(&dockerfile, &opts.build) {
        Err(found) => (found, BTreeMap::new()),
        Ok((df, found)) => {
            let opts = subrequests::Lint::options(opts.clone());
            let (result, table) = convert_from_table(&case, &df, &opts);
            (found.converted(result), table)
        }
    };
    let ours = subrequests::lint(&dockerfile, &found);
    let mut request = oracle_request(&case, &opts, table);
    request["subrequest"] = json!("frontend.lint");
    same_result(&ours, request);
}

fn run_case(case: Case, expect: Expect) {
    let (ours, our_warnings, request) = convert_case(&case);
    let (reply, out) = ask_oracle(&request);
    assert_eq!(
        in_resolve_order(our_warnings),
        in_resolve_order(warnings_in(&reply)),
        "build-check warnings"
    );
    let with_metadata = match expect {
        Expect::Same { with_metadata } => with_metadata,
        Expect::Error => {
            let ours = ours.expect_err("we convert what the reference should refuse");
            assert!(!out.status.success(), "the reference converts it");
            assert_eq!(
                String::from_utf8_lossy(&out.stderr),
                format!("convert: {}\n", ours.message)
            );
            return;
        }
    };
    let ours = ours.unwrap_or_else(|e| panic!("convert: {e}"));
    assert!(
        out.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let b64 = |k: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(reply[k].as_str().unwrap())
            .unwrap()
    };
    let their_bytes = b64("definition");
    let theirs = pb::Definition::decode(&their_bytes[..]).unwrap();
    let their_config = String::from_utf8(b64("config")).unwrap();

    compare_definitions(&ours.definition, &theirs, with_metadata);
    // Part by part equal, and so is the whole as Go marshals it (deterministically).
    if with_metadata {
        assert!(
            ours.definition.encode_to_vec() == their_bytes,
            "definitions differ as bytes"
        );
    }
    // containerimage.base.config, and what an SBOM scan would be given besides the target.
    let their_base = reply["baseConfig"].as_str().map(|_| b64("baseConfig"));
    assert_eq!(
        ours.base_image_config
            .as_deref()
            .map(String::from_utf8_lossy),
        their_base.as_deref().map(String::from_utf8_lossy),
        "base image config"
    );
    let their_extras: BTreeMap<String, Option<String>> = reply["sbom"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, def)| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(def.as_str().unwrap())
                .unwrap();
            let def = dockerfile_llb::llb::Definition::from_pb(
                pb::Definition::decode(&bytes[..]).unwrap(),
            );
            (name.clone(), def.head().map(|d| d.to_string()))
        })
        .collect();
    let our_extras: BTreeMap<String, Option<String>> = ours
        .sbom
        .extras
        .iter()
        .map(|(name, out)| (name.clone(), out.as_ref().map(|o| o.digest().to_string())))
        .collect();
    assert_eq!(our_extras, their_extras, "SBOM scan targets");
    let our_config = String::from_utf8(ours.image_config.to_json()).unwrap();
    if our_config != their_config {
        let at = our_config
            .bytes()
            .zip(their_config.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        let from = at.saturating_sub(80);
        panic!(
            "image config differs at byte {at}:\n ours: ...{}\n  ref: ...{}",
            &our_config[from..(at + 200).min(our_config.len())],
            &their_config[from..(at + 200).min(their_config.len())]
        );
    }
}

/// Both answer `frontend.outline` for the case (builder/build.go gives the converter no
/// target platform) with the same result.json, result.txt and version, byte for byte, after
/// the same build-check warnings; or both fail with the same message.
fn check_outline(case: Case) {
    outline_case(case, false)
}

/// [`check_outline`] for a case where entries share a line: the reference's order among them
/// is its map order (random), so each list is compared sorted by line and name, and the
/// text's lines as a set.
fn check_outline_ties(case: Case) {
    outline_case(case, true)
}

/// Asks the oracle for `subrequest` on the case and checks the build-check warnings and, when
/// either side fails, that both fail with the same text: then `None`. Otherwise our conversion and
/// the reference's reply.
fn subrequest_case(case: &Case, subrequest: &str) -> Option<(Converted, serde_json::Value)> {
    assert!(case.platform.is_none() && !case.multi_platform);
    let (ours, our_warnings, mut request) = convert_case(case);
    request["subrequest"] = json!(subrequest);
    let (reply, out) = ask_oracle(&request);
    assert_eq!(
        in_resolve_order(our_warnings),
        in_resolve_order(warnings_in(&reply)),
        "build-check warnings"
    );
    match ours {
        Ok(converted) => {
            assert!(
                out.status.success(),
                "oracle failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some((converted, reply))
        }
        Err(e) => {
            assert!(!out.status.success(), "the reference answers {subrequest}");
            assert_eq!(
                String::from_utf8_lossy(&out.stderr),
                format!("convert: {}\n", e.message)
            );
            None
        }
    }
}

fn outline_case(case: Case, ties: bool) {
    let Some((ours, reply)) = subrequest_case(&case, "frontend.outline") else {
        return;
    };
    let result = subrequests::outline(&ours.outline, case.dockerfile.as_bytes());
    for key in ["result.json", "result.txt", "version"] {
        // An empty text is a nil []byte to Go's JSON: null.
        let theirs = base64::engine::general_purpose::STANDARD
            .decode(reply["result"][key].as_str().unwrap_or_default())
            .unwrap();
        let (ours, theirs) = (
            String::from_utf8_lossy(&result.metadata[key]).into_owned(),
            String::from_utf8_lossy(&theirs).into_owned(),
        );
        match (ties, key) {
            (false, _) | (true, "version") => assert_eq!(ours, theirs, "{key}"),
            (true, "result.json") => {
                assert_eq!(untied(&ours), untied(&theirs), "{key} up to ties")
            }
            (true, _) => {
                let lines = |t: &str| t.lines().map(str::to_string).collect::<BTreeSet<_>>();
                assert_eq!(lines(&ours), lines(&theirs), "{key} up to ties");
            }
        }
    }
}

/// An outline's result.json with each list sorted by first line, then name.
fn untied(json: &str) -> serde_json::Value {
    let mut value: serde_json::Value = serde_json::from_str(json).unwrap();
    for list in ["args", "secrets", "ssh"] {
        if let Some(entries) = value[list].as_array_mut() {
            entries.sort_by_key(|e| {
                (
                    e["location"]["ranges"][0]["start"]["line"].as_u64(),
                    e["name"].as_str().map(str::to_string),
                )
            });
        }
    }
    value
}

/// Both refuse a Dockerfile that does not parse, with the same message, after the same
/// warnings (those given while parsing the instructions before it, and its own).
fn check_parse_error(dockerfile: &str) {
    let failure = parse_dockerfile_reporting(dockerfile.as_bytes(), "Dockerfile")
        .expect_err("the case must not parse");
    let check = convert::check_config(&failure.directives, &BuildOptions::default()).unwrap();
    let ours = warnings_of(check.filter(failure.warnings).iter());
    let (reply, out) = ask_oracle(&json!({ "dockerfile": dockerfile }));
    assert_eq!(ours, warnings_in(&reply), "build-check warnings");
    assert!(!out.status.success(), "the reference parses it");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("convert: {}\n", failure.error.reference_text())
    );
}

/// Runs tests/go/convert-check on `request`: its JSON reply and how it exited.
fn ask_oracle(request: &serde_json::Value) -> (serde_json::Value, std::process::Output) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("request.json");
    std::fs::write(&path, request.to_string()).unwrap();
    let out = Command::new(oracle()).arg(&path).output().unwrap();
    let reply = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "oracle printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (reply, out)
}

/// Our build-check warnings as the reference's Warn callback is given them.
fn warnings_of<'a>(warnings: impl Iterator<Item = &'a Diagnostic>) -> Vec<Warning> {
    warnings
        .filter_map(|w| {
            let lines = w
                .instruction_lines
                .map_or(Vec::new(), |l| (l.start..=l.end).map(|l| [l, l]).collect());
            Some((w.rule?.name.to_string(), w.message.clone(), lines))
        })
        .collect()
}

fn warnings_in(reply: &serde_json::Value) -> Vec<Warning> {
    reply["warnings"]
        .as_array()
        .expect("the oracle lists warnings")
        .iter()
        .map(|w| {
            (
                w["rule"].as_str().unwrap().to_string(),
                w["message"].as_str().unwrap().to_string(),
                serde_json::from_value(w["lines"].clone()).unwrap(),
            )
        })
        .collect()
}

fn describe(bytes: &[u8]) -> String {
    format!("{:#?}", pb::Op::decode(bytes).unwrap())
}

fn compare_definitions(ours: &pb::Definition, theirs: &pb::Definition, with_metadata: bool) {
    let by_digest = |d: &pb::Definition| -> BTreeMap<String, Vec<u8>> {
        d.def
            .iter()
            .map(|op| (format!("sha256:{}", sha256_hex(op)), op.to_vec()))
            .collect()
    };
    let (a, b) = (by_digest(ours), by_digest(theirs));
    let only_ours: Vec<String> = a
        .keys()
        .filter(|k| !b.contains_key(*k))
        .map(|k| describe(&a[k]))
        .collect();
    let only_theirs: Vec<String> = b
        .keys()
        .filter(|k| !a.contains_key(*k))
        .map(|k| describe(&b[k]))
        .collect();
    assert!(
        only_ours.is_empty() && only_theirs.is_empty(),
        "ops differ\n--- only ours:\n{}\n--- only reference:\n{}",
        only_ours.join("\n"),
        only_theirs.join("\n")
    );
    // The order the Go client marshals ops in (what each op reads first) decides which op's
    // metadata wins for a digest and the order of its source locations.
    let order =
        |d: &pb::Definition| -> Vec<String> { d.def.iter().map(|op| sha256_hex(op)).collect() };
    assert_eq!(order(ours), order(theirs), "op order differs");
    if !with_metadata {
        return;
    }
    let keys: BTreeSet<&String> = ours.metadata.keys().chain(theirs.metadata.keys()).collect();
    for k in keys {
        assert_eq!(
            ours.metadata.get(k),
            theirs.metadata.get(k),
            "metadata of {k} differs: {}",
            describe(&a[k])
        );
    }
    // Every op but the terminal one has an entry, empty when it has no location.
    let locations = |d: &pb::Definition| -> BTreeMap<String, pb::Locations> {
        d.source
            .as_ref()
            .map(|s| s.locations.clone().into_iter().collect())
            .unwrap_or_default()
    };
    let (ol, tl) = (locations(ours), locations(theirs));
    for k in ol.keys().chain(tl.keys()).collect::<BTreeSet<_>>() {
        assert_eq!(
            ol.get(k),
            tl.get(k),
            "source locations of {k} differ: {}",
            describe(&a[k])
        );
    }
    let infos = |d: &pb::Definition| {
        d.source
            .as_ref()
            .map(|s| s.infos.clone())
            .unwrap_or_default()
    };
    assert_eq!(infos(ours), infos(theirs), "source infos differ");
}

#[test]
fn multi_stage_patterns_match_reference() {
    check(Case::new(
        "FROM debian:bookworm-slim AS system_builder\nENV DEBIAN_FRONTEND=noninteractive\nRUN apt-get update\nWORKDIR /build\n\nFROM system_builder\nENV APP_HOME=/app\nWORKDIR $APP_HOME\nCOPY . .\nRUN make -C $APP_HOME\n",
    ));
    check(Case {
        target: Some("system_builder"),
        ..Case::new("FROM debian:bookworm-slim AS system_builder\nRUN apt-get update\nWORKDIR /build\nFROM system_builder\nCOPY . .\n")
    });
    check(Case::new(
        "FROM python:3.12-slim AS backend-builder\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install --prefix=/app/deps -r requirements.txt\nCOPY src/ ./src/\n\nFROM python:3.12-slim\nCOPY --from=backend-builder /app /app\nEXPOSE 8000\nCMD [\"python\", \"-m\", \"src.server\"]\n",
    ));
    check(Case::new(
        "FROM golang:1.23 AS build\nWORKDIR /src\nCOPY main.go .\nRUN go build -o /out/app main.go\n\nFROM alpine:3.20\nCOPY --from=0 /out/app /usr/local/bin/app\nCOPY --from=nginx:1.27 /etc/nginx/nginx.conf /etc/nginx/nginx.conf\nENTRYPOINT [\"/usr/local/bin/app\"]\n",
    ));
    check(Case::new(
        "from node:20-alpine as build\nworkdir /app\ncopy package*.json ./\nrun npm ci\ncopy . .\nrun npm run build\n\nfrom nginx:alpine as server\ncopy --from=build /app/dist /usr/share/nginx/html\nexpose 80\n",
    ));
    let c = "FROM gcc:14 AS dev\nWORKDIR /src\nCOPY hello.c .\nRUN gcc -static -O2 -o hello hello.c\n\nFROM scratch AS release\nCOPY --from=dev /src/hello /hello\nENTRYPOINT [\"/hello\"]\n";
    check(Case::new(c));
    check(Case {
        target: Some("dev"),
        ..Case::new(c)
    });
}

/// A stage's config is dropped after the last stage that starts from it (`FROM <stage>`): a
/// second fork after other stages, and results read of retired stages (`COPY --from`,
/// `RUN --mount=from=`), still convert as the reference converts them.
#[test]
fn stages_forked_twice_and_read_after_their_last_fork_match_reference() {
    check(Case::new(
        "FROM alpine AS base\nENV A=1\nWORKDIR /w\nUSER 7\nRUN echo $A > f\n\nFROM base AS one\nENV B=2\nRUN echo $A $B\n\nFROM busybox AS other\nCOPY --from=one /w/f /f\n\nFROM base AS two\nENV C=3\nRUN echo $A $C\n\nFROM two\nCOPY --from=one /w /one\nCOPY --from=base /w/f /base-f\nRUN --mount=from=other,target=/o --mount=from=base,target=/b cat /o/f /b/w/f\n",
    ));
}

#[test]
fn instructions_match_reference() {
    check(Case {
        build_args: &[("VERSION", "2"), ("HTTP_PROXY", "http://proxy:3128")],
        ..Case::new(
            "ARG VERSION=1\nARG BASE=alpine\nFROM ${BASE}:3.${VERSION}0 AS base\nARG VERSION\nARG OTHER=x${VERSION}\nENV A=1 B=\"two words\" C=$VERSION\nLABEL a=b \"c d\"=e\nUSER 1000:1000\nWORKDIR rel/dir\nWORKDIR ../other\nRUN echo $A $OTHER 'quoted $A' && ls\nRUN [\"sh\", \"-c\", \"echo exec\"]\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN echo after shell\nCOPY --chown=app:staff --chmod=0644 a.txt b*.txt /dst/\nCOPY --chmod=u+x script.sh .\nEXPOSE 80 443/udp 8000-8001\nVOLUME /data [\"/other\"]\nSTOPSIGNAL SIGQUIT\nHEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD curl -f http://localhost/ || exit 1\nMAINTAINER someone <a@b.c>\nONBUILD RUN echo child\nCMD echo shell form\nENTRYPOINT [\"/entry\"]\n",
        )
    });
}

#[test]
fn single_stage_names_match_reference() {
    check(Case::new(
        "FROM alpine\nRUN echo hi\nCOPY . /src\nWORKDIR /src\n",
    ));
}

#[test]
fn run_mounts_match_reference() {
    check(Case::new(
        "FROM golang:1.23 AS deps\nRUN --mount=type=cache,target=/root/.cache/go-build --mount=type=cache,id=mod,target=/go/pkg/mod,sharing=locked go mod download\n\nFROM golang:1.23\nWORKDIR /src\nRUN --mount=type=bind,from=deps,source=/go,target=/deps --mount=type=bind,target=/ctx,rw ls /deps /ctx\nRUN --mount=type=secret,id=token --mount=type=secret,id=npm,env=NPM_TOKEN,required --mount=type=ssh cat /run/secrets/token\nRUN --mount=type=tmpfs,target=/tmp,size=64m --mount=type=cache,target=cache,uid=1000,gid=1000,mode=0700 --network=none --security=insecure true\n",
    ));
}

#[test]
fn heredocs_and_copy_flags_match_reference() {
    check(Case::new(
        "FROM alpine\nRUN <<EOF\necho one\necho two\nEOF\nRUN <<-EOT bash\n\techo tabbed\nEOT\nRUN <<EOF\n#!/bin/sh\necho script\nEOF\nCOPY <<EOF /etc/motd\nhello $HOSTNAME\nEOF\nCOPY --exclude=*.md --exclude=docs docs/ README.md /docs/\nCOPY --parents ./a/./b/c.txt x/*.go /dst/\nADD archive.tar.gz /opt/\nADD --chown=1:2 --unpack=false archive.tar.gz /raw/\n",
    ));
}

#[test]
fn args_platforms_and_onbuild_match_reference() {
    check(Case {
        build_args: &[("NAME", "world")],
        ..Case::new(
            "ARG TAG=3.20\nFROM --platform=$BUILDPLATFORM alpine:$TAG AS tools\nARG TARGETPLATFORM\nARG TARGETARCH\nARG NAME=nobody\nRUN echo $TARGETPLATFORM $TARGETARCH $NAME\nONBUILD RUN echo from child\nONBUILD COPY . /child/\n\nFROM tools AS child\nRUN echo child\n\nFROM example/onbuild:1 AS imageonbuild\nRUN echo after\n\nFROM child\nCOPY --from=imageonbuild /app /app\n",
        )
    });
}

#[test]
fn onbuild_copy_from_match_reference() {
    // A stage reached only through a trigger inherited from a base stage.
    check(Case::new(
        "FROM alpine AS src\nRUN mkdir -p /in && echo -n 12 > /in/file\n\nFROM busybox AS base\nONBUILD COPY --from=src /in/file /out/foo\n\nFROM base AS mid\nRUN cp /out/foo /out/bar\n\nFROM scratch\nCOPY --from=mid /out/bar /\n",
    ));
    // An image's trigger that copies from another image, and one that names a stage of ours.
    check(Case::new("FROM example/onbuild-from-image:1\n"));
    check(Case::new(
        "FROM alpine AS src\nRUN mkdir -p /in && echo -n 12 > /in/file\nFROM example/onbuild-from-stage:1\nRUN cat /out/foo\n",
    ));
}

/// Issue 11: `ONBUILD COPY --from=<stage>` (and `RUN --mount=from=`) in a parent stage, run by a
/// child stage of the same Dockerfile, used to fail with "cannot copy from stage ..., it needs
/// to be defined before current stage" although the stage comes before the child. The
/// reference dispatches stages in file order, so a source after the child is refused by both.
#[test]
fn onbuild_copy_from_a_stage_triggered_by_a_child_stage() {
    for dockerfile in [
        // The source before the parent, the child the target.
        "FROM alpine AS src\nRUN echo -n 1 > /a\nFROM busybox AS base\nONBUILD COPY --from=src /a /b\nFROM base\nRUN cat /b\n",
        // The source between the parent and the child.
        "FROM busybox AS base\nONBUILD COPY --from=src /a /b\nFROM alpine AS src\nRUN echo -n 1 > /a\nFROM base\nRUN cat /b\n",
        // By index, and as a RUN mount.
        "FROM alpine AS src\nFROM busybox AS base\nONBUILD COPY --from=0 /a /b\nFROM base\n",
        "FROM busybox AS base\nONBUILD RUN --mount=from=src,target=/m ls /m\nFROM alpine AS src\nFROM base AS child\nRUN true\n",
        // Two children of one parent, both used; and a grandchild (triggers do not inherit).
        "FROM alpine AS src\nFROM busybox AS base\nONBUILD COPY --from=src /a /b\nFROM base AS c1\nFROM base AS c2\nFROM scratch\nCOPY --from=c1 /b /1\nCOPY --from=c2 /b /2\n",
        "FROM alpine AS src\nFROM busybox AS base\nONBUILD COPY --from=src /a /b\nFROM base AS mid\nONBUILD COPY --from=src /c /d\nFROM mid\n",
    ] {
        check(Case::new(dockerfile));
    }
    check(Case {
        platform: Some("linux/arm64"),
        ..Case::new("FROM alpine AS src\nFROM busybox AS base\nONBUILD COPY --from=src /a /b\nFROM base AS mid\nFROM mid\n")
    });
    // The source after the child: not dispatched yet when the child runs its trigger.
    check_error(Case {
        target: Some("c"),
        ..Case::new("FROM busybox AS base\nONBUILD COPY --from=src /a /b\nFROM base AS c\nFROM alpine AS src\n")
    });
}

/// Issue 11: `RUN --device` was parsed and dropped. Since frontend 1.27 (stable) each device is
/// a CDIDevice of the exec op, and a daemon without `exec.meta.cdi` gets none, as from the
/// reference.
#[test]
fn run_device_reaches_the_exec_op() {
    let df = "FROM alpine\nRUN --device=vendor.com/gpu=all,required --device=x.org/y true\n";
    check(Case::new(df));
    check(Case {
        disabled_caps: &["exec.meta.cdi"],
        ..Case::new(df)
    });
    let devices_of = |case: &Case| -> Vec<(String, bool)> {
        let converted = convert_case(case).0.unwrap();
        converted
            .definition
            .def
            .iter()
            .filter_map(|bytes| match pb::Op::decode(&bytes[..]).unwrap().op {
                Some(pb::op::Op::Exec(exec)) => Some(exec.cdi_devices),
                _ => None,
            })
            .flatten()
            .map(|d| (d.name, d.optional))
            .collect()
    };
    assert_eq!(
        devices_of(&Case::new(df)),
        [
            ("vendor.com/gpu=all".to_string(), false),
            ("x.org/y".to_string(), true)
        ]
    );
    assert!(devices_of(&Case {
        disabled_caps: &["exec.meta.cdi"],
        ..Case::new(df)
    })
    .is_empty());
}

#[test]
fn sbom_scan_targets_and_base_config_match_reference() {
    check(Case::new(
        "ARG BUILDKIT_SBOM_SCAN_CONTEXT=true\nFROM alpine AS file\nARG BUILDKIT_SBOM_SCAN_STAGE=true\nCOPY <<EOF /file\ndata\nEOF\nFROM scratch AS base\nARG BUILDKIT_SBOM_SCAN_STAGE=true\nCOPY --from=file /file /foo\nFROM scratch AS base2\nARG BUILDKIT_SBOM_SCAN_STAGE=true\nCOPY --from=file /file /bar\nRUN non-existent-command-would-fail\nFROM base\nARG BUILDKIT_SBOM_SCAN_STAGE=true\nCOPY a /a\n",
    ));
    // A list of stage names, an override to false in a stage, and the context from a build arg.
    check(Case {
        build_args: &[("BUILDKIT_SBOM_SCAN_STAGE", "one,three")],
        ..Case::new(
            "ARG BUILDKIT_SBOM_SCAN_STAGE\nARG BUILDKIT_SBOM_SCAN_CONTEXT\nFROM busybox AS one\nRUN echo 1 > /1\nFROM busybox AS two\nRUN echo 2 > /2\nFROM one AS three\nARG BUILDKIT_SBOM_SCAN_STAGE=false\nCOPY --from=two /2 /2\nFROM three\nARG BUILDKIT_SBOM_SCAN_CONTEXT=1\nCOPY --from=one /1 /one\n",
        )
    });
}

#[test]
fn history_quotes_like_go_for_format_and_private_use_characters() {
    // strconv.Quote escapes what strconv.IsPrint rejects: U+0600 (Cf), private use, U+00A0.
    check(Case::new(
        "FROM alpine\nCMD [\"echo\", \"\u{600}a\u{e000}b\u{f0000}c\u{a0}d\u{200b}e\u{ad}\"]\nENTRYPOINT [\"\u{61c}\"]\nHEALTHCHECK --retries=1536 CMD [\"\u{6dd}\"]\n",
    ));
}

#[test]
fn copy_link_ops_match_reference() {
    // The reference gives each --link step a random progress group id, so only ops are compared.
    check_ops_only(Case::new(
        "FROM alpine AS a\nRUN echo a > /a\nFROM alpine\nCOPY --link --from=a /a /a\nCOPY --link --chown=1:1 file /file\nCOPY --link --chmod=755 run.sh /usr/bin/\n",
    ));
}

#[test]
fn add_urls_match_reference() {
    check(Case::new(
        "FROM alpine\nWORKDIR /opt\nADD https://example.com/pkg/tool.tar.gz?v=1 ./\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d --chmod=755 https://example.com/bin/tool /usr/local/bin/tool\nADD --unpack=true https://example.com/ /srv/\nADD local.txt https://example.com/other.txt /mixed/\nADD https://example.com/a%20b.txt https://h:x/y /esc/\n",
    ));
}

#[test]
fn generated_ten_stage_benchmark_matches_reference() {
    // benches/gen_dockerfile.py 10 100: 1,000 instructions, stages chained by FROM and
    // COPY --from, context copies feeding local.followpaths. CONVERT_ORACLE_STAGES=40 checks the
    // 4,000-instruction one (about 5 s more).
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/gen_dockerfile.py");
    let out = Command::new("python3")
        .arg(&script)
        .args([
            std::env::var("CONVERT_ORACLE_STAGES")
                .as_deref()
                .unwrap_or("10"),
            "100",
        ])
        .output()
        .expect("python3 runs the generator");
    assert!(
        out.status.success(),
        "generator failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dockerfile = String::from_utf8(out.stdout).unwrap();
    check(Case::new(&dockerfile));
}

#[test]
fn explicit_target_platform_matches_reference() {
    let images = "FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nARG TARGETOS TARGETARCH TARGETVARIANT\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app\nFROM alpine:3.20\nCOPY --from=build /out/app /app\n";
    check(Case {
        platform: Some("linux/arm64"),
        ..Case::new(images)
    });
    check(Case {
        platform: Some("linux/arm/v7"),
        ..Case::new(images)
    });
    check(Case {
        platform: Some("linux/arm64"),
        ..Case::new("FROM scratch\nCOPY app /app\n")
    });
}

#[test]
fn multi_platform_names_and_source_date_epoch_match_reference() {
    let df = "FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nARG TARGETARCH\nWORKDIR /src\nRUN echo $TARGETARCH\nFROM alpine:3.20\nCOPY --from=build /src /src\nRUN echo done\n";
    check(Case {
        platform: Some("linux/arm64"),
        multi_platform: true,
        ..Case::new(df)
    });
    check(Case {
        epoch: Some(1_700_000_000),
        ..Case::new(df)
    });
}

#[test]
fn implicit_stages_from_mounts_and_copies_match_reference() {
    // A lone stage with mounts still counts the implicit `scratch`/image stages, so its
    // progress names say `stage-0`.
    check(Case::new(
        "FROM alpine\nRUN --mount=type=cache,target=/var/cache/apk apk add git\nRUN --mount=from=busybox:1.36,target=/bb ls /bb\nCOPY --from=busybox:1.36 /bin/busybox /bin/\n",
    ));
}

#[test]
fn changes_of_frontend_1_21_to_1_28_match_reference() {
    // <<- chomps before the shebang test (1.21), --chown=user: has no group (1.28),
    // RUN --device is stable (1.27), HEALTHCHECK history is %+v (1.24).
    check_error(Case::new("FROM alpine\nCOPY --link --chown=app:0 a /a\n"));
    check_error(Case::new(
        "FROM alpine\nARG G=staff\nADD --link --chown=1:$G a /a\n",
    ));
    check_ops_only(Case::new(
        "FROM alpine\nCOPY --link --chown=root:0 a /a\nCOPY --link --chown=1: b /b\n",
    ));
    check(Case::new(
        "FROM alpine\nRUN <<-EOF\n\t#!/bin/sh\n\techo tabbed shebang\nEOF\nCOPY --chown=1000: a /a\nCOPY --chown=app: b /b\nCOPY --chown=app:0 c /c\nRUN --device=vendor.com/gpu=all,required --device=x.org/y true\nHEALTHCHECK NONE\n",
    ));
}

#[test]
fn source_date_epoch_is_resolved_like_the_reference() {
    // Frontend 1.23/1.24: a global ARG default is the epoch; values are normalized and
    // written back (ARG and RUN see 100); an empty build arg unsets the ARG.
    let df = "ARG SOURCE_DATE_EPOCH=0042\nFROM alpine\nARG SOURCE_DATE_EPOCH\nRUN echo $SOURCE_DATE_EPOCH\nWORKDIR /app\nENV E=$SOURCE_DATE_EPOCH\n";
    check(Case::new(df));
    check(Case {
        build_args: &[("SOURCE_DATE_EPOCH", "0100")],
        ..Case::new(df)
    });
    check(Case {
        build_args: &[("SOURCE_DATE_EPOCH", "")],
        ..Case::new(df)
    });
    check(Case {
        build_args: &[("SOURCE_DATE_EPOCH", "context")],
        ..Case::new(df)
    });
    check_error(Case {
        build_args: &[("SOURCE_DATE_EPOCH", "1.5")],
        ..Case::new(df)
    });
    // A source stage (`SOURCE_DATE_EPOCH=<stage>`, 1.24) that breaks the rules, in each way.
    for stage in [
        "FROM alpine AS src\nADD https://example.com/a.tar /\n",
        "ARG BASE=busybox\nFROM $BASE AS src\nADD https://example.com/a.tar /\n",
        "FROM scratch AS src\nRUN true\n",
        "FROM scratch AS src\nexpose 80\n",
        "FROM scratch AS src\nARG U=https://example.com/a\nADD $U /\nADD $U /b\n",
        "FROM scratch AS src\nADD https://example.com/a https://example.com/b /\n",
        "FROM scratch AS src\nADD local.txt /\n",
        "FROM scratch AS src\nARG A=1\n",
        "FROM scratch AS Src\nCOPY a /\n",
    ] {
        check_error(Case {
            build_args: &[("SOURCE_DATE_EPOCH", "src")],
            ..Case::new(Box::leak(
                format!("{stage}FROM alpine\nRUN true\n").into_boxed_str(),
            ))
        });
    }
    // A valid source stage: without a gateway client (the Go oracle has none, nor has the
    // offline conversion) its source gives no epoch and the argument is removed.
    for stage in [
        "ARG V=1\nADD --checksum=sha256:${SUM} https://example.com/v${V}.tar.gz /\n",
        "ADD --keep-git-dir https://github.com/moby/buildkit.git?ref=v0.34.2&subdir=docs /\n",
        "ADD git@github.com:moby/buildkit.git#main /\n",
    ] {
        let stage = stage.replace("${SUM}", &"a".repeat(64));
        check(Case {
            build_args: &[("SOURCE_DATE_EPOCH", "src")],
            ..Case::new(Box::leak(
                format!("ARG SOURCE_DATE_EPOCH=9\nFROM scratch AS src\n{stage}FROM alpine\nARG SOURCE_DATE_EPOCH\nRUN echo $SOURCE_DATE_EPOCH\n").into_boxed_str(),
            ))
        });
    }
    check_error(Case {
        build_args: &[("SOURCE_DATE_EPOCH", "src")],
        ..Case::new(
            "FROM scratch AS src\nADD --checksum=sha256:00 https://example.com/a /\nFROM alpine\n",
        )
    });
    check(Case {
        build_args: &[("SOURCE_DATE_EPOCH", "+7")],
        ..Case::new("FROM alpine\nARG SOURCE_DATE_EPOCH\nRUN echo $SOURCE_DATE_EPOCH\n")
    });
}

#[test]
fn windows_secret_targets_match_reference() {
    // Frontend 1.27/1.28: backslashes become slashes; relative or missing targets fail. (A
    // scratch stage takes the target platform, whatever its --platform says.)
    let windows = |dockerfile: &'static str| Case {
        platform: Some("windows/amd64"),
        ..Case::new(dockerfile)
    };
    check(windows(
        "# escape=`\nFROM example/nanoserver\nRUN --mount=type=secret,id=tok,target=C:\\secrets\\tok --mount=type=secret,id=e,env=E cmd\n",
    ));
    check_error(windows(
        "FROM scratch\nRUN --mount=type=secret,id=tok,target=C:secret cmd\n",
    ));
    check_error(windows(
        "FROM scratch\nRUN --mount=type=secret,id=tok cmd\n",
    ));
}

#[test]
fn windows_working_directories_keep_backslashes_like_the_reference() {
    let windows = |dockerfile: &'static str| Case {
        platform: Some("windows/amd64"),
        ..Case::new(dockerfile)
    };
    // The scratch stage's `/` is `\` in the config (reference-changes W1); WORKDIR with a
    // drive, backslashes, relative steps and `..`; the state's dir and the mkdir keep slashes.
    check(windows(
        "# escape=`\nFROM scratch\nWORKDIR C:\\app\\sub\nWORKDIR ..\\other\nWORKDIR rel\nCOPY a.txt .\n",
    ));
    check(windows(
        "FROM example/nanoserver\nWORKDIR /app\nRUN cmd /c echo\nFROM scratch\nCOPY --from=0 /app /\n",
    ));
    // COPY destinations: a C: drive removed, backslashes, relative to the working directory.
    check(windows(
        "# escape=`\nFROM scratch\nWORKDIR C:\\w\nCOPY a.txt C:\\dest\\\nCOPY b.txt sub\\\nCOPY c.txt .\nCOPY d.txt /abs/d.txt\n",
    ));
    check_error(windows("# escape=`\nFROM scratch\nCOPY a.txt D:\\x\n"));
    // Another drive, a drive alone and a UNC path fail as they fail in the reference.
    for wd in ["D:\\x", "C:", "\\\\server\\share"] {
        let dockerfile = format!("# escape=`\nFROM scratch\nWORKDIR {wd}\n");
        check_error(Case {
            platform: Some("windows/amd64"),
            ..Case::new(Box::leak(dockerfile.into_boxed_str()))
        });
    }
}

#[test]
fn escapes_in_run_names_and_quoted_patterns_match_reference() {
    // RUN's progress name keeps escapes (1.28); single-quoted patterns keep their escape
    // characters literal (1.28: `${FOO#'a\b'}` was an invalid pattern before).
    check(Case::new(
        r#"FROM alpine
ENV FOO=a\\bc WIN=C:\\hello
ENV A=${FOO#'a\b'} B=${FOO%'\bc'} C=${FOO/'a\'/x} D=${FOO#"a\b"} E="${FOO##*'\'}"
RUN echo \$HOME $A "$B" 'C:\dir\' $C $D $E
RUN C:\hello\world
RUN echo a\ b "C:\hello\world" "\$FOO" "$WIN\x" "a\"b" ${NOPE#'a\b'}
WORKDIR /${FOO#'a\'}
"#,
    ));
    check(Case::new(
        "# escape=`\nFROM alpine\nENV FOO=a``bc\nENV A=${FOO#'a`b'}\nRUN dir C:\\hello `$FOO \"C:\\x`$FOO\" $A\n",
    ));
}

#[test]
fn resource_limits_reach_run_ops_only_match_reference() {
    // RUNs of both stages, a heredoc script (its Mkfile is a file op), a mount and an ONBUILD
    // trigger get the limits; FROM, COPY, WORKDIR and the linked copy's ops do not.
    let df = "FROM alpine AS base\nONBUILD RUN echo trigger\nRUN --mount=type=cache,target=/c make\nWORKDIR /w\nCOPY a b\n\nFROM base\nRUN <<EOF\n#!/bin/sh\necho script\nEOF\nCOPY --from=alpine:3.20 /etc/os-release /\nRUN echo done\n";
    let all = pb::LinuxResources {
        memory: 1 << 30,
        memory_swap: -1,
        cpu_shares: u64::MAX,
        cpu_period: 100_000,
        cpu_quota: 50_000,
        cpuset_cpus: "0-3, 5".into(),
        cpuset_mems: "0".into(),
    };
    check(Case {
        linux_resources: Some(all.clone()),
        ..Case::new(df)
    });
    check(Case {
        linux_resources: Some(pb::LinuxResources {
            memory: 64 << 20,
            ..Default::default()
        }),
        ..Case::new(df)
    });
    // A daemon without the cap gets neither the limits nor the cap.
    check(Case {
        linux_resources: Some(all),
        disabled_caps: &["exec.meta.linux.resources"],
        ..Case::new(df)
    });
}

#[test]
fn ulimits_and_cgroup_parent_reach_run_ops_like_the_reference() {
    let df = "FROM alpine AS a\nRUN true\nFROM alpine\nCOPY --from=a / /a\nRUN --mount=type=cache,target=/c make\n";
    let limits = [("nofile", 1024, 2048), ("nproc", -1, -1)];
    check(Case {
        ulimits: &limits,
        cgroup_parent: "/build/parent",
        ..Case::new(df)
    });
    // A daemon without the caps gets neither.
    check(Case {
        ulimits: &limits,
        cgroup_parent: "/build/parent",
        disabled_caps: &["exec.meta.ulimit", "exec.meta.cgroup.parent"],
        ..Case::new(df)
    });
}

#[test]
fn check_comments_above_parsed_instructions_match_reference() {
    // Frontend 1.21 (P2): the comment above an instruction adds to the checks in force for the
    // checks run while parsing it; an instruction without one keeps the file's. (A comment on
    // the first line would be the file's `# check=` directive, hence the ARG.)
    check(Case::new(
        "ARG V=1\n# check=skip=StageNameCasing,FromAsCasing\nFROM alpine as Base\nFROM alpine as Other\n# check=skip=MaintainerDeprecated\nMAINTAINER one\nMAINTAINER two\n",
    ));
    // The only experimental rule, enabled by a comment: the description comment's first word
    // must be what the instruction defines; the last comment is the description, even when
    // it is the `check` one.
    check(Case::new(
        "ARG V=1\n# check=experimental=InvalidDefinitionDescription\n# builds it\nFROM alpine AS base\n# no check comment\nFROM alpine AS other\n# check=experimental=InvalidDefinitionDescription\n# foo the foo\nARG foo\n# check=experimental=InvalidDefinitionDescription\nARG a=1 b\n# check=experimental=all\n# not the version\nARG version\n# check=experimental=InvalidDefinitionDescription\n# x described\nARG x\n",
    ));
    // The file's checks are merged with, not replaced: skip= in a comment does not stop an
    // experimental rule the file enables.
    check(Case::new(
        "# check=experimental=InvalidDefinitionDescription\nFROM alpine\n# check=skip=InvalidDefinitionDescription\n# nothing\nARG one\n# two described\nARG two\n# three\nARG four\n",
    ));
}

#[test]
fn check_comments_leave_the_whole_file_checks_alone() {
    // NoEmptyContinuation, ConsistentInstructionCasing, DuplicateStageName and
    // ReservedStageName run on the whole file, with its configuration only.
    check(Case::new(
        "FROM alpine AS a\n# check=skip=ConsistentInstructionCasing,DuplicateStageName\nfrom alpine AS a\n# check=skip=NoEmptyContinuation,ConsistentInstructionCasing\nrun echo a \\\n\n  b\n# check=skip=ReservedStageName\nFROM alpine AS context\nRUN true\n",
    ));
}

#[test]
fn check_comments_above_dispatched_instructions_match_reference() {
    // Every check the converter gives while dispatching an instruction answers to the comment
    // above it; the same instruction without one still warns.
    check(Case::new(
        r#"FROM alpine
# check=skip=JSONArgsRecommended
CMD echo skipped
# check=skip=LegacyKeyValueFormat
ENV A 1
ENV B 2
# check=skip=LegacyKeyValueFormat,SecretsUsedInArgOrEnv
LABEL c 3
# check=skip=UndefinedVar
ENV C=$NOPE
ENV D=$NADA
# check=skip=SecretsUsedInArgOrEnv
ARG API_TOKEN
ARG GITHUB_TOKEN
# check=skip=WorkdirRelativePath
WORKDIR rel
# check=skip=ExposeProtoCasing
EXPOSE 80/TCP
EXPOSE 81/UDP
# check=skip=ExposeInvalidFormat
EXPOSE 127.0.0.1:80:80
EXPOSE 82:82
ENTRYPOINT echo warned
"#,
    ));
    // MultipleInstructionsDisallowed is reported at the earlier instruction but checked with
    // the later one's comment.
    check(Case::new(
        "FROM alpine\nCMD [\"a\"]\n# check=skip=MultipleInstructionsDisallowed\nCMD [\"b\"]\nCMD [\"c\"]\n# check=skip=MultipleInstructionsDisallowed\nENTRYPOINT [\"a\"]\nENTRYPOINT [\"b\"]\nHEALTHCHECK CMD [\"a\"]\n# check=skip=all\nHEALTHCHECK CMD [\"b\"]\n",
    ));
    // A stage's comment covers the checks of its FROM line (the base and --platform), not the
    // commands in the stage.
    check(Case::new(
        "ARG TAG=3.20\n# check=skip=UndefinedArgInFrom\nFROM alpine${NOPE} AS a\nFROM busybox${NADA} AS b\n# check=skip=RedundantTargetPlatform\nFROM --platform=$TARGETPLATFORM debian AS c\nFROM --platform=$TARGETPLATFORM ubuntu AS d\n# check=skip=FromPlatformFlagConstDisallowed,JSONArgsRecommended\nFROM --platform=linux/amd64 node AS e\nCMD echo still warned\nFROM --platform=linux/amd64 golang AS f\nCOPY --from=a / /a\nCOPY --from=b / /b\nCOPY --from=c / /c\nCOPY --from=d / /d\nCOPY --from=e / /e\n",
    ));
}

#[test]
fn check_comment_values_are_read_like_the_reference() {
    // Cut at the first space; the first `check` comment decides, even when its value does not
    // parse (then it is ignored, silently); other comments and blank lines in between do not
    // matter, an empty `#` ends the comments; the name is case-insensitive.
    check(Case::new(
        r#"FROM alpine
# check=skip=JSONArgsRecommended // a note on why
CMD echo a
# a note first
# syntax=not/a/directive/here
# CHECK = skip=JSONArgsRecommended
CMD echo b

# check=skip=JSONArgsRecommended

CMD echo c
# check=skip=JSONArgsRecommended
#
CMD echo d
# check=error=maybe
# check=skip=JSONArgsRecommended
CMD echo e
# check=skip
CMD echo f
# check=bogus=1
CMD echo g
# check=skip=MultipleInstructionsDisallowed;experimental=InvalidDefinitionDescription;error=false
# arg described badly
ARG x
ENTRYPOINT echo h
"#,
    ));
}

#[test]
fn check_comments_cannot_make_warnings_errors() {
    // error= in a comment is ignored; the file's error=true counts every warning a merged
    // check gave (one list of reported rules), and none that a comment skipped.
    check(Case::new(
        "FROM alpine\n# check=error=true\nCMD echo warned but not an error\n",
    ));
    check(Case::new(
        "# check=error=true\nFROM alpine\n# check=skip=JSONArgsRecommended\nCMD echo skipped\n",
    ));
    check_error(Case::new(
        "# check=error=true\nFROM alpine\n# check=experimental=InvalidDefinitionDescription\n# not it\nARG one\nCMD [\"ok\"]\n",
    ));
    check_error(Case::new(
        "# check=error=true;skip=JSONArgsRecommended\nFROM alpine\nCMD echo skipped\n# check=skip=SecretsUsedInArgOrEnv\nENV A_KEY=1\nENV ok 1\n",
    ));
}

/// A case whose context has `dockerignore` as its `.dockerignore`.
fn ignoring<'a>(dockerignore: &'a str, dockerfile: &'a str) -> Case<'a> {
    Case {
        dockerignore: Some(dockerignore),
        ..Case::new(dockerfile)
    }
}

#[test]
fn copy_ignored_file_matches_reference() {
    // Frontend 1.21 (P7, P8): on by default; local sources of COPY without --from and of ADD,
    // after expansion, cleaned; wildcards are matched as written, a parent directory counts.
    let df = r#"FROM alpine AS base
RUN echo base
FROM alpine
ARG F=secret.txt
COPY a kept ./c/../b /
ADD a b /add/
COPY $F *.log logs/*.txt dir/sub/file.go /x/
COPY --from=base a /from-stage/
COPY --from=busybox:1.36 a /from-image/
ADD https://example.com/a /url/
COPY <<EOF /inline
a
EOF
COPY --parents ./a/./b/c.txt keep/./dir/ /parents/
# check=skip=CopyIgnoredFile
COPY a /skipped/
"#;
    check(ignoring(
        "a\n/b\n# comment\nsecret.txt\n*.log\nlogs/\n**/sub\n",
        df,
    ));
    check(ignoring("", df));
    check(ignoring("keep/**\nnothing\n", df));
    // Any `!` pattern turns the check off (P9).
    check(ignoring("a\nb\n!a/keep\n", df));
}

#[test]
fn copy_ignored_file_checks_the_context_root_like_the_reference() {
    // `.` and `/` warn only for a pattern that excludes every entry (P10).
    let df = "FROM alpine\nCOPY . /app/\nCOPY / /root/\nADD ./ /add/\nCOPY ./sub/.. /sub/\n";
    for dockerignore in ["*\n", "**\n", "**/*\n", "/*\n"] {
        check(ignoring(dockerignore, df));
    }
    for dockerignore in [".*\n", "node_modules\n*.md\n", "?\n", "*/\n", "./*\n"] {
        check(ignoring(dockerignore, df));
    }
    // The context of an image's ONBUILD trigger too, reported at the FROM.
    check(ignoring("**\n", "FROM example/onbuild:1\n"));
}

#[test]
fn dockerignore_patterns_are_checked_like_the_reference() {
    // A pattern filepath.Match refuses fails the build; one that only the regexp compiler
    // refuses stops the check at that pattern.
    check_error(ignoring("a\n[\n", "FROM alpine\nCOPY a /\n"));
    check_error(ignoring("!\n", "FROM alpine\nCOPY a /\n"));
    check(ignoring(
        "x*a\\q\nb\n",
        "FROM alpine\nCOPY b /\nCOPY xya\\q /\n",
    ));
    check(ignoring(
        "b\nx*a\\q\n",
        "FROM alpine\nCOPY b /\nCOPY [\"x\", \"/x\"]\n",
    ));
    check(ignoring(
        "[a-c]?.txt\n\\*.md\nd[!x]\n**/deep/**\ntmp**\n",
        "FROM alpine\nCOPY a1.txt b22.txt *.md d! dx /\nCOPY one/deep/two/f tmpfile /x/\n",
    ));
}

#[test]
fn invalid_default_args_in_from_match_reference() {
    // The base names must be image references with the global ARGs' defaults alone; the build
    // itself uses the build arguments. Only the file's checks apply.
    check(Case {
        build_args: &[("IMAGE", "alpine"), ("TAG", "3.20"), ("NAME", "busybox")],
        ..Case::new(
            "ARG IMAGE\nARG TAG=\nARG NAME=BusyBox\nARG OK=latest\nARG TARGETARCH\nFROM $IMAGE AS a\nFROM alpine:${TAG} AS b\n# check=skip=InvalidDefaultArgInFrom\nFROM ${NAME} AS c\nFROM alpine:$OK AS d\nFROM example/${TARGETARCH} AS e\nFROM d\nCOPY --from=a / /a\nCOPY --from=b / /b\nCOPY --from=c / /c\nCOPY --from=e / /e\n",
        )
    });
    check(Case {
        build_args: &[("IMAGE", "alpine")],
        ..Case::new("# check=skip=InvalidDefaultArgInFrom\nARG IMAGE\nFROM $IMAGE\n")
    });
    // A default that fails to expand, in a global ARG or in a FROM, ends the check.
    check(Case {
        build_args: &[("A", "alpine"), ("B", "busybox")],
        ..Case::new("ARG A\nARG B=${A:?needsA}\nFROM $B\n")
    });
    check(Case {
        build_args: &[("A", "alpine"), ("B", "busybox")],
        ..Case::new("ARG A\nARG B\nFROM ${A:?needsA} AS one\nFROM $B\nCOPY --from=one / /\n")
    });
    // A build argument for a platform ARG counts as a default.
    check_error(Case {
        build_args: &[("TARGETARCH", "")],
        ..Case::new("ARG TARGETARCH\nFROM example/x:${TARGETARCH}\n")
    });
    // Reported before the error the build then gives.
    check_error(Case::new("ARG IMAGE\nFROM $IMAGE\n"));
    check_error(Case::new("ARG TAG=\nFROM alpine:$TAG\n"));
    check_error(Case {
        build_args: &[("B", "")],
        ..Case::new("ARG IMAGE\nARG B=1\nARG A=${B:?unset}\nFROM alpine:${IMAGE}\n")
    });
}

#[test]
fn invalid_base_image_platforms_match_reference() {
    let on = |platform: &'static str, dockerfile: &'static str| Case {
        platform: Some(platform),
        ..Case::new(dockerfile)
    };
    // Another architecture, OS, or both, for the target platform or the stage's own; a variant
    // of its own does not count, nor does an image without layers or an unreachable stage.
    // A COPY's image is located at the COPY, a RUN mount's nowhere.
    check(on(
        "linux/arm64",
        "FROM alpine AS a\nFROM --platform=linux/amd64 busybox AS b\nFROM --platform=$BUILDPLATFORM debian AS c\nFROM example/empty AS d\nFROM example/arm64 AS e\nFROM unreachable AS f\nFROM --platform=windows/amd64 example/nano AS g\nFROM e\nCOPY --from=a / /a\nCOPY --from=b / /b\nCOPY --from=c / /c\nCOPY --from=d / /d\nCOPY --from=g / /g\nCOPY --from=example/copied / /copied\nRUN --mount=from=example/mounted,target=/m true\n",
    ));
    check(on(
        "linux/arm/v7",
        "FROM example/armv6\nCOPY --from=example/arm64 / /\n",
    ));
    // The OS version and features are printed as FormatAll does.
    check(on(
        "windows(10.0.20348)/amd64",
        "FROM example/windows-arm64\nFROM example/windows\nCOPY --from=0 / /\n",
    ));
    // With the build platform implied, an image of another platform the workers do not run.
    check(Case::new("FROM example/arm64\n"));
    // A stage first reached through a trigger is resolved in a later round, under its
    // normalised name.
    check(on(
        "linux/arm64",
        "FROM alpine AS src\nRUN mkdir -p /in && echo -n 12 > /in/file\nFROM example/onbuild-from-stage:1\nRUN cat /out/foo\n",
    ));
    // One check per image resolved; the stage's comment does not apply, the file's does.
    check(on(
        "linux/arm64",
        "FROM alpine AS a\n# check=skip=InvalidBaseImagePlatform\nFROM alpine AS b\nFROM scratch\nCOPY --from=a / /a\nCOPY --from=b / /b\n",
    ));
    check(on(
        "linux/arm64",
        "# check=skip=InvalidBaseImagePlatform\nFROM alpine\n",
    ));
    // Reported before a later error, and counted by error=true.
    check_error(on(
        "linux/arm64",
        "FROM alpine\nCOPY --link --chown=app:0 a /a\n",
    ));
    check_error(on("linux/arm64", "# check=error=true\nFROM alpine\n"));
    check(Case {
        platform: Some("linux/arm64"),
        multi_platform: true,
        ..Case::new(
            "FROM --platform=$BUILDPLATFORM golang AS build\nFROM alpine\nCOPY --from=build / /\n",
        )
    });
}

#[test]
fn stages_on_the_same_image_keep_both_locations_like_the_reference() {
    // Two FROM lines give one op (same digest) with both lines in the source map and the
    // metadata of the one marshalled last: a file op walks its base before its sources.
    check(Case::new(
        "FROM alpine AS a\nRUN echo a > /a\nFROM alpine\nCOPY --from=a /a /a\n",
    ));
    check(Case::new(
        "FROM alpine AS a\nFROM alpine AS b\nFROM b\nCOPY --from=a / /a\n",
    ));
    check(Case::new(
        "FROM alpine AS a\nFROM alpine AS b\nCOPY --from=a / /a\n",
    ));
    check(Case::new("FROM alpine AS a\nFROM busybox AS b\nFROM alpine AS c\nFROM c\nCOPY --from=a / /a\nCOPY --from=b / /b\n"));
}

#[test]
fn warnings_of_a_from_that_does_not_parse_match_reference() {
    // StageNameCasing looks at any third word and FromAsCasing at the second of three or
    // more, before FROM's arguments are checked; the instructions before it warn too.
    for dockerfile in [
        "FROM alpine AS Foo!\n",
        "from alpine AS 1X\n",
        "FROM alpine x Y\n",
        "FROM alpine as Base extra\n",
        "FROM --nope=1 alpine as Base\n",
        "FROM alpine AS base\nMAINTAINER me\nFrom alpine as Other junk\n",
        "# check=skip=StageNameCasing\nFROM alpine as Base extra\n",
        "FROM alpine\n# check=skip=FromAsCasing\nFROM alpine as Base extra\n",
    ] {
        check_parse_error(dockerfile);
    }
}

#[test]
fn outline_matches_reference() {
    // Global ARGs reached through FROM, --platform and the defaults that read them; stage ARGs
    // with descriptions, values from build arguments, an ARG that takes the global value;
    // secrets and SSH sockets, required or not, in the target and in the stages it reads.
    let df = r#"ARG GO_VERSION=1.22
# BASE the image <released> & shipped
ARG BASE=alpine
ARG TAG=${GO_VERSION}-bookworm
ARG UNUSED=1
# PLATFORM where the tools run
ARG PLATFORM=linux/amd64
# X global x
ARG X=1
ARG EMPTY

# build compiles the app
FROM --platform=$PLATFORM golang:${TAG} AS build
ARG TARGETOS
# VERSION the version to stamp
ARG VERSION=dev
ARG COMMIT
ARG X
RUN --mount=type=secret,id=token,required --mount=type=ssh echo $VERSION
RUN --mount=type=secret,id=token --mount=type=secret,id=aws,target=/root/.aws/credentials true

FROM build AS test
ARG COVERAGE=off
RUN --mount=type=ssh,id=github,required=true go test

# release the final image
FROM ${BASE} AS release
COPY --from=build /out /app
ARG PORT=80
ARG EMPTY
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc true
RUN --mount=type=secret,id=token,required true
"#;
    check_outline(Case {
        build_args: &[("VERSION", "1.2.3"), ("GO_VERSION", "1.23")],
        ..Case::new(df)
    });
    check_outline(Case {
        target: Some("build"),
        ..Case::new(df)
    });
    check_outline(Case {
        target: Some("Test"),
        ..Case::new(df)
    });
}

#[test]
fn outline_args_through_dependencies_match_reference() {
    // C reads B, which reads A and itself; a build argument has no dependencies; an unnamed
    // target has no TARGET section; a stage reached through a RUN mount counts.
    let df = "ARG A=1\nARG B=${A}x\nARG B=$B-y\nARG C=$B\nARG D=4\nARG E=$D\nFROM alpine:$C AS base\nFROM busybox AS tools\nARG T=tool\nFROM base\nRUN --mount=from=tools,target=/t true\n";
    check_outline(Case::new(df));
    check_outline(Case {
        build_args: &[("B", "given")],
        ..Case::new(df)
    });
    check_outline(Case {
        build_args: &[("E", "3.20")],
        ..Case::new("ARG D=4\nARG E=$D\nFROM alpine:$E\n")
    });
    // Nothing to outline: only the source.
    check_outline(Case::new("FROM scratch\nCOPY a /a\n"));
    // An ONBUILD ARG runs in the stage built on it, located at that stage's FROM.
    check_outline(Case::new(
        "FROM alpine AS base\nONBUILD ARG FROM_TRIGGER=1\nFROM base\nRUN true\n",
    ));
}

#[test]
fn outline_entries_on_one_line_match_reference_up_to_order() {
    check_outline_ties(Case::new(
        "ARG B=2 A=1\nFROM alpine:$A$B AS base\nARG D C=3\nRUN --mount=type=secret,id=y --mount=type=secret,id=x,required --mount=type=ssh,id=two --mount=type=ssh,id=one true\n",
    ));
}

#[test]
fn outline_errors_and_warnings_match_reference() {
    check_outline(Case {
        target: Some("nope"),
        ..Case::new("FROM alpine AS base\n")
    });
    check_outline(Case::new(
        "FROM alpine as Base\nCMD echo warned\nRUN --mount=type=secret,id=s,required cat /run/secrets/s\n",
    ));
    check_outline(ignoring(
        "secret.txt\n",
        "FROM alpine\nCOPY secret.txt /\nARG V=1\n",
    ));
}

/// `frontend.convertllb` (`DockerfileConvertLLB`, `Result.ToResult`): the warnings, then
/// result.json (every op through protojson, the metadata, the source map) and version byte
/// for byte, or the error.
fn check_convertllb(case: Case) {
    let Some((ours, reply)) = subrequest_case(&case, "frontend.convertllb") else {
        return;
    };
    let result = subrequests::convert_llb(&ours.definition).expect("our ops decode");
    let keys: BTreeSet<&String> = result.metadata.keys().collect();
    assert_eq!(
        keys,
        reply["result"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<BTreeSet<_>>()
    );
    for key in keys {
        let theirs = base64::engine::general_purpose::STANDARD
            .decode(reply["result"][key].as_str().unwrap_or_default())
            .unwrap();
        assert_eq!(
            without_progress_group_ids(&String::from_utf8_lossy(&result.metadata[key])),
            without_progress_group_ids(&String::from_utf8_lossy(&theirs)),
            "{key}"
        );
    }
}

/// The reference gives each `--link` step a random progress group id: the line after
/// `"progress_group": {` has it, and it is replaced on both sides.
fn without_progress_group_ids(text: &str) -> String {
    let mut out = String::new();
    let mut after_group = false;
    for line in text.split_inclusive('\n') {
        match line.trim_start().strip_prefix("\"id\": ") {
            Some(_) if after_group => {
                out.push_str(&line[..line.len() - line.trim_start().len()]);
                out.push_str("\"id\": \"<random>\",\n");
            }
            _ => out.push_str(line),
        }
        after_group = line.trim_end().ends_with("\"progress_group\": {");
    }
    out
}

#[test]
fn convertllb_subrequest_matches_reference() {
    // Every op kind the converter makes: image and local sources, exec with mounts of each
    // type, network and security modes, file actions (copy with chown and chmod, mkfile from a
    // heredoc), a merge (COPY --link), git and http sources.
    let df = r#"ARG BASE=alpine:3.20
FROM ${BASE} AS build
WORKDIR /src
ENV A="<x> & y" B=2
COPY --chown=1000:1000 --chmod=0755 main.go ./
COPY --link --exclude=*.md . /ctx/
ADD https://example.com/archive.tar.gz /tmp/a.tgz
ADD --keep-git-dir=true https://github.com/moby/buildkit.git#v0.34.2 /bk
RUN --mount=type=cache,target=/root/.cache,id=go,sharing=locked \
    --mount=type=secret,id=token,env=TOKEN \
    --mount=type=ssh \
    --mount=type=tmpfs,target=/tmp,size=64m \
    --mount=type=bind,from=busybox,source=/bin,target=/b \
    --network=none --security=insecure go build -o /out/app
COPY <<EOF /etc/motd
hello
EOF
RUN <<EOT
set -e
echo one > /one
EOT
USER app:app
HEALTHCHECK --interval=30s CMD ["true"]

FROM scratch AS release
COPY --from=build --parents /out/./app /
EXPOSE 80/tcp
ENTRYPOINT ["/app"]
"#;
    check_convertllb(Case::new(df));
    check_convertllb(Case {
        target: Some("build"),
        build_args: &[("BASE", "busybox")],
        ..Case::new(df)
    });
    check_convertllb(Case::new("FROM scratch\nCOPY a /a\n"));
    // The build checks are reported as a build reports them; an error ends it.
    check_convertllb(Case::new("FROM alpine as Base\nCMD echo warned\n"));
    check_convertllb(Case {
        target: Some("nope"),
        ..Case::new("FROM alpine AS base\n")
    });
    check_convertllb(Case::new(
        "# check=error=true\nFROM alpine\nMAINTAINER me\n",
    ));
}

/// The metadata of a subrequest's result equals the reference's for `request`.
fn same_result(
    ours: &dockerfile_llb::proto::moby::buildkit::v1::frontend::Result,
    request: serde_json::Value,
) {
    let (reply, out) = ask_oracle(&request);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let keys: BTreeSet<&String> = ours.metadata.keys().collect();
    assert_eq!(
        keys,
        reply["result"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<BTreeSet<_>>()
    );
    for key in keys {
        // An empty text is a nil []byte to Go's JSON: null.
        let theirs = base64::engine::general_purpose::STANDARD
            .decode(reply["result"][key].as_str().unwrap_or_default())
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&ours.metadata[key]),
            String::from_utf8_lossy(&theirs),
            "{key}"
        );
    }
}

#[test]
fn subrequests_describe_matches_reference() {
    same_result(
        &subrequests::describe(),
        json!({"subrequest": "frontend.subrequests.describe"}),
    );
}

#[test]
fn targets_subrequest_matches_reference() {
    for dockerfile in [
        "FROM busybox AS base\n# build compiles <it> & \"more\"\nFROM --platform=$BUILDPLATFORM base AS build\nFROM scratch\n",
        "FROM alpine\n",
        "# release the\ttabbed one\nFROM alpine \\\n  AS release\n# other no\nFROM release AS next\n",
    ] {
        let parsed = parse_dockerfile(dockerfile.as_bytes(), "Dockerfile").unwrap();
        same_result(
            &subrequests::targets(&parsed, dockerfile.as_bytes()),
            json!({"subrequest": "frontend.targets", "dockerfile": dockerfile}),
        );
    }
}

#[test]
fn lint_matches_reference() {
    // Every stage is checked without a target, only the target's with one.
    let df = "FROM alpine as Base\nCMD echo a\nFROM busybox AS unused\nENV A 1\nFROM base\nWORKDIR rel\nRUN --mount=type=secret,id=s true\n";
    check_lint(Case::new(df));
    check_lint(Case {
        target: Some("base"),
        ..Case::new(df)
    });
    // Nothing to report.
    check_lint(Case::new("FROM alpine\nCMD [\"a\"]\n"));
    // A warning without a line, of a rule without a URL (one per resolve round: the
    // reference's order within a round is random); a multi-line instruction.
    check_lint(Case::new(
        "FROM alpine\nRUN --mount=from=example/arm64,target=/m \\\n  true\nCMD echo \\\n  a\n",
    ));
}

#[test]
fn lint_of_many_warnings_sorts_them_as_go_does() {
    // More than 12 warnings are sorted by pdqsort, which is not stable: those of one line come
    // out in the order Go's algorithm leaves them.
    let cmds: String = (0..13).map(|i| format!("CMD echo {i}\n")).collect();
    check_lint(Case::new(Box::leak(
        format!("FROM alpine\n{cmds}").into_boxed_str(),
    )));
    // The parser's warnings of every line, then the converter's of every line.
    let stages: String = (0..13)
        .map(|i| format!("FROM alpine${{NOPE}} as S{i}\n"))
        .collect();
    check_lint(Case::new(Box::leak(stages.into_boxed_str())));
}

#[test]
fn lint_errors_match_reference() {
    // A parse error after the warnings before it, a conversion error, an error without a
    // location, error=true, checks that do not parse.
    check_lint(Case::new("FROM alpine AS Base\nMAINTAINER me\nCOPPY a b\n"));
    check_lint(Case::new(
        "FROM alpine as Base\nCOPY --link --chown=app:0 a /a\n",
    ));
    check_lint(Case {
        target: Some("nope"),
        ..Case::new("FROM alpine AS base\n")
    });
    check_lint(Case::new("# check=error=true\nFROM alpine\nCMD echo a\n"));
    check_lint(Case::new("# check=bogus\nFROM alpine as A\n"));
    check_lint(Case::new("# check=skip=all\nFROM alpine as A\n"));
    check_lint(ignoring("secret.txt\n", "FROM alpine\nCOPY secret.txt /\n"));
    // What the parser refuses before any instruction is typed. (Not compared: the lines the
    // reference gives a parser directive's error, the line before it, and an unterminated
    // heredoc, through the end of the file; ours name the directive and the heredoc's word.)
    for dockerfile in [
        "# only a comment\n",
        "FROM alpine\nRUN echo \\\n",
        "ARG A\n",
        "ENV A=1\nFROM alpine\n",
        "FROM alpine\nONBUILD ONBUILD RUN x\n",
        "FROM alpine\nRUN --mount=type=bogus true\n",
    ] {
        check_lint(Case::new(dockerfile));
    }
}

#[test]
fn add_git_sources_match_reference() {
    // Every form ParseGitRef takes, fragment and query, with ADD's flags and the context's
    // follow paths (ADD leaves out http(s) sources only, so an scp-like remote is one).
    check(Case::new(
        "FROM alpine\nWORKDIR /src\nCOPY a.txt /\n\
         ADD https://github.com/moby/buildkit.git#v0.34.2:frontend/dockerfile bk/\n\
         ADD --keep-git-dir=true https://github.com/moby/buildkit.git /bk2\n\
         ADD --checksum=0123456789abcdef0123456789abcdef01234567 https://github.com/moby/buildkit.git#v0.34.2 /bk3\n\
         ADD git@github.com:moby/buildkit.git#main:a/../docs ./docs\n\
         ADD ssh://git@github.com:2222/moby/buildkit.git /ssh\n\
         ADD git://github.com/moby/buildkit.git#v1 /gitproto\n\
         ADD http://example.com/repo.git#:/ /plain\n\
         ADD --chown=1000:1000 --chmod=644 --exclude=*.md https://h/repo.git?ref=main&subdir=docs /q\n\
         ADD https://h/repo.git?tag=v1&keep-git-dir&submodules=false&fetch-by-commit&checksum=abc&mtime=commit /t\n\
         ADD --keep-git-dir=false https://h/repo.git?branch=dev&keep-git-dir=false /b\n\
         ADD https://h/repo.git?commit=abc#main:sub /c\n\
         ADD --checksum=abc https://h/repo.git?checksum=abc /same\n\
         ADD --unpack=true HTTPS://User@H.example:8443/a%20b/repo.git /u\n\
         ADD github.com/moby/buildkit /gh\n",
    ));
    // A git source's query keep-git-dir and checksum carry over to the sources after it.
    check(Case::new(
        "FROM alpine\nADD https://h/a.git?keep-git-dir https://h/b.git /two/\n\
         ADD https://h/a.git?checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/f.tar /mixed/\n",
    ));
    // BUILDKIT_GIT_ADVICE, and the ARGs a git source expands.
    check(Case {
        git_advice: true,
        build_args: &[("BUILDKIT_GIT_ADVICE", "true"), ("REF", "v2")],
        ..Case::new(
            "FROM alpine\nARG REF=v1\nADD https://github.com/moby/buildkit.git#${REF} /bk\n",
        )
    });
    check_ops_only(Case::new(
        "FROM alpine\nADD --link https://github.com/moby/buildkit.git /l\nADD --link --chown=1:2 git@h:r.git /s\n",
    ));
}

#[test]
fn add_git_source_errors_match_reference() {
    for dockerfile in [
        "FROM alpine\nCOPY https://github.com/moby/buildkit.git /x\n",
        "FROM alpine AS a\nFROM alpine\nCOPY --from=a git@h:r.git /x\n",
        "FROM alpine\nCOPY https://example.com/file /x\n",
        "FROM alpine\nCOPY https://h/repo.git?x=1 /x\n",
        "FROM alpine\nADD --keep-git-dir=false https://h/repo.git?keep-git-dir=true /x\n",
        "FROM alpine\nADD https://h/a.git?keep-git-dir=true https://h/b.git?keep-git-dir=0 /x/\n",
        "FROM alpine\nADD --checksum=abc https://h/repo.git?checksum=def /x\n",
        "FROM alpine\nADD https://h/a.git?checksum=a https://h/b.git?commit=b /x/\n",
        "FROM alpine\nADD --checksum=abc local.txt /x\n",
        "FROM alpine\nADD --checksum=abc https://h/a.git https://h/b.git /x/\n",
        "FROM alpine\nADD https://h/repo.git?foo=bar /x\n",
        "FROM alpine\nADD https://h/repo.git?mtime=now /x\n",
        "FROM alpine\nADD https://h/repo.git?fetch-by-commit=nope /x\n",
        "FROM alpine\nADD https://h/repo.git?keep-git-dir=maybe /x\n",
        "FROM alpine\nADD git@h:repo.git?submodules=x /x\n",
        "FROM alpine\nADD https://h/repo.git?ref=dev#main /x\n",
        "FROM alpine\nADD https://h/repo.git?subdir=a/../b#main:b /x\n",
        "FROM alpine\nADD https://h/repo.git?branch=dev&tag=v1 /x\n",
        "FROM alpine\nADD https://h/repo.git?ref=main&tag=v1 /x\n",
        "FROM alpine\nADD https://h/repo.git?ref= /x\n",
        "FROM alpine\nADD https://h/repo.git?ref=a&ref=b /x\n",
        "FROM alpine\nADD --chmod=999 https://h/repo.git?foo=bar /x\n",
    ] {
        check_error(Case::new(dockerfile));
    }
    // A SOURCE_DATE_EPOCH source stage's git source is parsed the same way (an https one with
    // a wrong query would be taken for a download).
    for stage in [
        "ADD git://h/repo.git?foo=1 /\n",
        "ADD git@h:repo.git?ref=a&ref=b /\n",
        "ADD github.com/moby/buildkit /\n",
    ] {
        check_error(Case {
            build_args: &[("SOURCE_DATE_EPOCH", "src")],
            ..Case::new(Box::leak(
                format!("FROM scratch AS src\n{stage}FROM alpine\nRUN true\n").into_boxed_str(),
            ))
        });
    }
}

fn named<'a>(dockerfile: &'a str, opts: &'a [(&'a str, &'a str)]) -> Case<'a> {
    Case {
        opts,
        ..Case::new(dockerfile)
    }
}

#[test]
fn named_image_contexts_replace_images_and_stages_like_the_reference() {
    // The FROM image, a --from image, and a stage, each replaced by an image.
    check(named(
        "FROM busybox AS base\nRUN cat /etc/alpine-release > /out\nFROM scratch\nCOPY --from=base /out /\nCOPY --from=nginx:1.27 /etc/nginx /nginx\n",
        &[
            ("context:busybox", "docker-image://alpine"),
            ("context:nginx:1.27", "docker-image://docker.io/library/nginx-ctx:1.27"),
        ],
    ));
    check(named(
        "FROM busybox AS base\nRUN false\nFROM base AS child\nRUN echo child\nFROM busybox\nCOPY --from=child /etc /etc2\n",
        &[("context:base", "docker-image://alpine:3.20")],
    ));
    // The target itself replaced, and scratch as a context.
    check(named(
        "FROM busybox AS base\nRUN false\n",
        &[("context:base", "docker-image://alpine:3.20")],
    ));
    check(named(
        "FROM busybox AS base\nRUN false\nFROM busybox\nCOPY --from=base / /b\n",
        &[("context:base", "docker-image://scratch")],
    ));
    // A base image's ONBUILD triggers run on the context's image.
    check(named(
        "FROM busybox\nRUN echo after\n",
        &[("context:busybox", "docker-image://onbuild-ctx")],
    ));
}

#[test]
fn named_contexts_are_looked_up_for_the_stage_platform_first() {
    let opts = [
        ("context:base::linux/arm64", "docker-image://alpine-arm64"),
        ("context:base", "docker-image://alpine"),
    ];
    for platform in ["linux/arm64", "linux/amd64"] {
        check(Case {
            platform: Some(platform),
            ..named("FROM busybox AS base\nFROM base\nRUN true\n", &opts)
        });
    }
    check(named(
        "FROM --platform=linux/arm64 busybox AS base\nFROM base\nRUN true\n",
        &opts,
    ));
}

#[test]
fn named_local_contexts_transfer_what_is_read_like_the_reference() {
    check(Case {
        dockerignores: &[("extra", "*.tmp\n")],
        ..named(
            "FROM busybox\nCOPY --from=extra /a /b/\nCOPY --from=extra /c* /d/\nRUN --mount=from=extra,source=/m,target=/m cat /m\n",
            &[
                ("context:extra", "local:extra"),
                ("sharedkey:localdir:extra", "key1"),
            ],
        )
    });
    // A stage replaced by a directory; a RUN on it reads all of it.
    check(named(
        "FROM scratch AS assets\nFROM busybox AS user\nCOPY --from=assets /x /y\nFROM assets AS whole\nRUN ls\n",
        &[("context:assets", "local:assetsdir")],
    ));
    check(Case {
        target: Some("user"),
        ..named(
            "FROM scratch AS assets\nFROM busybox AS user\nCOPY --from=assets /x /y\n",
            &[("context:assets", "local:assetsdir")],
        )
    });
}

#[test]
fn named_git_and_http_contexts_match_the_reference() {
    check(named(
        "FROM busybox\nCOPY --from=src /README.md /\nCOPY --from=ssh / /ssh\nCOPY --from=dl /context /dl\nCOPY --from=q / /q\n",
        &[
            ("context:src", "https://github.com/moby/buildkit.git#v0.10.0:docs"),
            ("context:ssh", "git@github.com:moby/buildkit.git"),
            ("context:dl", "https://example.com/file.tar.gz"),
            (
                "context:q",
                "https://github.com/moby/buildkit.git?tag=v0.10.0&subdir=docs&keep-git-dir=true&submodules=false",
            ),
        ],
    ));
    check(Case {
        git_advice: true,
        ..named(
            "FROM busybox\nCOPY --from=src / /src\n",
            &[("context:src", "git://example.com/repo.git#main")],
        )
    });
}

#[test]
fn named_oci_layout_and_input_contexts_match_the_reference() {
    let digest = format!("sha256:{}", "0123456789abcdef".repeat(4));
    let oci = format!("oci-layout://teststore@{digest}");
    check(named(
        "FROM busybox AS base\nFROM base\nRUN true\n",
        &[("context:base", oci.as_str())],
    ));
    let input = {
        use dockerfile_llb::llb::{Definition, OpOptions, Source};
        let src = Source::image("docker.io/library/busybox:latest")
            .custom_name("input image")
            .build();
        Definition::marshal(&src).into_pb()
    };
    let config = base64::engine::general_purpose::STANDARD.encode(image_config("input-image"));
    let metadata = format!("{{\"containerimage.config\":\"{config}\"}}");
    let inputs = [("in", input)];
    check(Case {
        inputs: &inputs,
        ..named(
            "FROM busybox AS base\nFROM base\nRUN env\nFROM alpine\nCOPY --from=raw / /raw\n",
            &[
                ("context:base", "input:in"),
                ("input-metadata:in", metadata.as_str()),
                ("context:raw", "input:in"),
            ],
        )
    });
}

#[test]
fn named_context_values_are_refused_like_the_reference() {
    for value in ["nothing", "ftp://example.com/x", "docker-image://UPPER"] {
        check_error(named(
            "FROM busybox AS base\nFROM base\n",
            &[("context:base", value)],
        ));
    }
    let no_digest = "oci-layout://teststore:tag";
    check_error(named(
        "FROM busybox AS base\nFROM base\n",
        &[("context:base", no_digest)],
    ));
    // A stage name that is no image name fails once a client can name contexts.
    check_error(named(
        "FROM busybox AS a..b\n",
        &[("context:other", "docker-image://alpine")],
    ));
}

#[test]
fn git_main_contexts_match_reference() {
    let df =
        "FROM alpine\nWORKDIR /src\nCOPY . .\nCOPY a.txt /\nADD --chmod=644 b /b\nRUN cat /a.txt\n";
    // Every form ParseGitRef takes, fragment and query, as the `context` option.
    for url in [
        "https://github.com/moby/buildkit.git",
        "https://github.com/moby/buildkit.git#v0.34.2:frontend/dockerfile",
        "https://github.com/moby/buildkit.git#main:a/../docs",
        "git@github.com:moby/buildkit.git#main",
        "ssh://git@github.com:2222/moby/buildkit.git",
        "git://github.com/moby/buildkit.git#v1",
        "github.com/moby/buildkit",
        "https://h/repo.git?ref=main&subdir=docs",
        "https://h/repo.git?tag=v1&keep-git-dir&submodules=false&fetch-by-commit&checksum=abc",
        "https://h/repo.git?branch=dev&mtime=checkout",
        "https://h/repo.git?commit=abc#main:sub",
        "HTTPS://User@H.example:8443/a%20b/repo.git",
    ] {
        check(Case {
            main_context: Some(MainContextCase {
                url,
                ..MainContextCase::default()
            }),
            ..Case::new(df)
        });
    }
    // BUILDKIT_CONTEXT_KEEP_GIT_DIR, SOURCE_DATE_EPOCH (file times of the commit, unless the
    // query says otherwise), BUILDKIT_GIT_ADVICE, and the context scanned for an SBOM.
    for (url, keep_git_dir) in [
        ("https://github.com/moby/buildkit.git#v0.34.2", Some(true)),
        ("https://h/repo.git?mtime=checkout", Some(false)),
        ("https://h/repo.git?keep-git-dir=false", Some(true)),
    ] {
        check(Case {
            epoch: Some(1_700_000_000),
            git_advice: true,
            build_args: &[
                ("BUILDKIT_GIT_ADVICE", "true"),
                ("BUILDKIT_SBOM_SCAN_CONTEXT", "true"),
            ],
            main_context: Some(MainContextCase {
                url,
                keep_git_dir,
                ..MainContextCase::default()
            }),
            ..Case::new(df)
        });
    }
    // SOURCE_DATE_EPOCH=context without a client to ask: no epoch on either side.
    check(Case {
        build_args: &[("SOURCE_DATE_EPOCH", "context")],
        main_context: Some(MainContextCase {
            url: "https://github.com/moby/buildkit.git",
            ..MainContextCase::default()
        }),
        ..Case::new(
            "FROM alpine\nARG SOURCE_DATE_EPOCH\nCOPY . /src\nRUN echo $SOURCE_DATE_EPOCH\n",
        )
    });
}

#[test]
fn http_main_contexts_match_reference() {
    let df = "FROM alpine\nCOPY . /src\nCOPY --from=busybox /bin/busybox /bin/\nRUN ls /src\n";
    for (url, archive) in [
        ("https://example.com/context.tar.gz", true),
        ("http://example.com/ctx", true),
        ("https://example.com/Dockerfile", false),
    ] {
        check(Case {
            build_args: &[("BUILDKIT_SBOM_SCAN_CONTEXT", "true")],
            main_context: Some(MainContextCase {
                url,
                archive,
                ..MainContextCase::default()
            }),
            ..Case::new(df)
        });
    }
}

#[test]
fn context_subdirs_match_reference() {
    let df = "FROM alpine\nCOPY . /src\nCOPY sub/f /f\n";
    for (url, archive, subdir) in [
        (
            "https://github.com/moby/buildkit.git#v0.34.2",
            false,
            "frontend",
        ),
        (
            "https://github.com/moby/buildkit.git#v0.34.2:frontend",
            false,
            "dockerfile/",
        ),
        ("https://example.com/context.tar", true, "/a/b"),
        ("https://example.com/context.tar", true, ""),
        ("https://example.com/context.tar", true, "./x/../y"),
    ] {
        check(Case {
            main_context: Some(MainContextCase {
                url,
                archive,
                subdir: Some(subdir),
                ..MainContextCase::default()
            }),
            ..Case::new(df)
        });
    }
}

#[test]
fn the_frontend_image_cross_builds_like_the_reference_converts_it() {
    // frontend.Dockerfile for each platform the image is made for, from a linux/amd64 build
    // platform: the builder stays on the build platform, the result is the target's.
    let dockerfile = include_str!("../frontend.Dockerfile");
    for platform in ["linux/amd64", "linux/arm64"] {
        check(Case {
            platform: Some(platform),
            ..Case::new(dockerfile)
        });
    }
    // One platform of a two-platform build (progress names carry the platform).
    check(Case {
        platform: Some("linux/arm64"),
        multi_platform: true,
        ..Case::new(dockerfile)
    });
}
