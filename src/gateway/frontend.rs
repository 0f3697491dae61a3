//! The frontend flow BuildKit drives (`dockerfile-llb frontend`): Ping, resolve options, find the
//! build context (`main_context`), read the Dockerfile from the client's `dockerfile` local (or
//! the git or HTTP context, or the `dockerfile` input), convert it (resolving base images between the two
//! conversion phases), Solve, and Return the result or a located error. Exactly one Return per run.

use std::collections::BTreeMap;

use crate::proto::moby::buildkit::v1::frontend as gw;
use crate::proto::pb;

use crate::convert::{self, Platform};
use crate::instructions::{self, Dockerfile};

use super::bridge::{Bridge, BridgeError, Caps};
use super::conversion::{self, convert_options, parse_error, PlanError};
use super::error::FrontendError;
use super::forward;
use super::local_source::{lowercase_dockerfile, DockerfileSource, LocalRead};
use super::main_context::{self, MainContext};
use super::opts::{BuildOpts, FrontendOpts};
use super::sbom::{self, Scanner};
use super::status::line_ranges;
use super::subrequests;
use crate::convert::dockerignore;

/// The process's whole run as the image entrypoint: connect, build, Return once.
pub async fn serve() -> Result<(), BridgeError> {
    let bridge = Bridge::connect_stdio().await?;
    let opts = FrontendOpts::from_env();
    let session_id = std::env::var("BUILDKIT_SESSION_ID").unwrap_or_default();
    let workers = std::env::var("BUILDKIT_WORKERS").ok();
    let outcome = build(&bridge, &opts, &session_id, workers.as_deref())
        .await
        .map_err(|err| {
            // stderr is buildkitd's log of this frontend run; stdout carries the gRPC frames.
            eprintln!("dockerfile-llb: build failed: {err}");
            err.to_status()
        });
    bridge.return_outcome(outcome).await
}

/// One build (or subrequest) from raw options to the Result to Return.
pub async fn build(
    bridge: &Bridge,
    opts: &FrontendOpts,
    session_id: &str,
    workers_json: Option<&str>,
) -> Result<gw::Result, FrontendError> {
    let caps = bridge.ping().await?;
    if std::env::var_os("DFLLB_DEBUG").is_some() {
        eprintln!("dockerfile-llb: daemon frontend caps {:?}", caps.frontend);
    }
    let build_opts = BuildOpts::resolve(opts, session_id, workers_json)?;
    let (forward_anyway, caps_error) = check_frontend_caps(opts.get("frontend.caps"));
    if let (false, Some(unsupported)) = (forward_anyway, &caps_error) {
        return Err(FrontendError::UnsupportedFrontendCap(unsupported.clone()));
    }
    let inputs = frontend_inputs(bridge, &caps).await?;
    let main = main_context::init(bridge, opts, build_opts.build.git_advice, &inputs).await?;
    let mut build_opts = build_opts;
    if let Some(filename) = &main.filename {
        build_opts.filename = filename.clone();
    }
    // A git or HTTP context holds the Dockerfile, else the `dockerfile` input does;
    // `dockerfilekey` forces the local, as in the reference.
    let dockerfile_input = main
        .dockerfile
        .as_ref()
        .or_else(|| inputs.get("dockerfile"))
        .filter(|_| opts.get("dockerfilekey").is_none());
    let dockerfile = read_dockerfile(bridge, &build_opts, dockerfile_input).await?;
    // Before subrequests, as in the reference: the frontend forwarded to answers those too.
    if let Some(to) = forward::requested(opts, &dockerfile.data) {
        return forward::forward(bridge, opts, inputs, &dockerfile, &to).await;
    }
    if let Some(unsupported) = caps_error {
        return Err(FrontendError::UnsupportedFrontendCap(unsupported));
    }
    let parse = || {
        instructions::parse_dockerfile(&dockerfile.data, &dockerfile.filename)
            .map_err(|d| parse_error(d, &dockerfile))
    };
    // Like the reference, subrequests are answered after the Dockerfile is read; the outline
    // is a conversion, which reports its build checks as a build does.
    match build_opts.request_id.as_deref() {
        None | Some(subrequests::OUTLINE) | Some(subrequests::CONVERT_LLB) => {}
        Some(subrequests::DESCRIBE) => return Ok(subrequests::describe()),
        Some(subrequests::TARGETS) => return Ok(subrequests::targets(&parse()?, &dockerfile.data)),
        Some(subrequests::LINT) => {
            let found = lint(bridge, &build_opts, &dockerfile, &caps, &main).await?;
            return Ok(subrequests::lint(&dockerfile, &found));
        }
        Some(other) => return Err(FrontendError::UnsupportedSubrequest(other.to_string())),
    }
    // The build checks in force decide which of the parser's warnings are reported; those
    // given before a parse error reach the client before it, as in the reference.
    let instructions::ParseReport {
        dockerfile: parsed,
        warnings: early,
        directives,
    } = instructions::parse_dockerfile_report(&dockerfile.data, &dockerfile.filename);
    let check = convert::check_config(&directives, &build_opts.build).map_err(|e| {
        let e = convert::check_config_error_hinted(e, &directives, &dockerfile.data);
        conversion::convert_error(e, &dockerfile)
    })?;
    if caps.has_frontend("gateway.warnings") {
        send_warnings(bridge, &dockerfile, &check.filter(early)).await;
    }
    let parsed = parsed.map_err(|d| parse_error(d, &dockerfile))?;
    let subrequest = || {
        convert_for_subrequest(
            bridge,
            &build_opts,
            &dockerfile,
            (&parsed).into(),
            &caps,
            &main,
        )
    };
    match build_opts.request_id.as_deref() {
        Some(subrequests::OUTLINE) => {
            let converted = subrequest().await?;
            return Ok(subrequests::outline(&converted.outline, &dockerfile.data));
        }
        Some(subrequests::CONVERT_LLB) => {
            return subrequests::convert_llb(&subrequest().await?.definition)
                .map_err(FrontendError::Convert);
        }
        _ => {}
    }
    convert_and_solve(bridge, &build_opts, &dockerfile, parsed, &caps, &main).await
}

/// `frontend.lint`: the checks are collected, not sent, and the conversion's error is a
/// finding.
async fn lint(
    bridge: &Bridge,
    opts: &BuildOpts,
    dockerfile: &DockerfileSource,
    caps: &Caps,
    main: &MainContext,
) -> Result<subrequests::Lint, FrontendError> {
    let (parsed, found) = match subrequests::Lint::parse(dockerfile, &opts.build) {
        Ok(parsed) => parsed,
        Err(found) => return Ok(found),
    };
    let mut options = subrequests::Lint::options(convert_options(
        opts,
        None,
        dockerfile,
        Some(caps.llb),
        main,
    ));
    let planned = conversion::resolve_all(bridge, caps, opts, (&parsed).into(), &mut options).await;
    let (plan, images) = match planned {
        Ok(planned) => planned,
        Err(PlanError::Frontend(e)) => return Err(e),
        Err(PlanError::Dockerfile(e)) => return Ok(found.ended(*e)),
    };
    let excludes = context_excludes(bridge, opts, dockerfile, main).await?;
    Ok(found.converted(plan.convert(&images, &excludes)))
}

/// `frontend.outline` and `frontend.convertllb`: the reference converts the target without a
/// target platform (so for the build platform, one platform only), reporting its build checks
/// as a build does, and outlines what the conversion used or writes out its definition.
async fn convert_for_subrequest(
    bridge: &Bridge,
    opts: &BuildOpts,
    dockerfile: &DockerfileSource,
    parsed: convert::Parsed<'_>,
    caps: &Caps,
    main: &MainContext,
) -> Result<convert::Converted, FrontendError> {
    let mut options = convert_options(opts, None, dockerfile, Some(caps.llb), main);
    options.build.multi_platform = false;
    let report = caps.has_frontend("gateway.warnings");
    let converted = convert_platform(
        bridge,
        caps,
        opts,
        dockerfile,
        parsed,
        &mut options,
        main,
        &mut None,
        report,
    )
    .await?;
    Ok(converted)
}

/// One platform's conversion: its base images resolved, then the context's `.dockerignore`
/// read (once per build, kept in `excludes`), then the stages dispatched, as the reference
/// does it (toDispatchState), so progress shows the same steps in the same order. With
/// `report`, the build checks are sent before the result or the error.
#[allow(clippy::too_many_arguments)]
async fn convert_platform(
    bridge: &Bridge,
    caps: &Caps,
    opts: &BuildOpts,
    dockerfile: &DockerfileSource,
    parsed: convert::Parsed<'_>,
    options: &mut convert::ConvertOptions,
    main: &MainContext,
    excludes: &mut Option<Vec<String>>,
    report: bool,
) -> Result<convert::Converted, FrontendError> {
    let planned = conversion::resolve_all(bridge, caps, opts, parsed, options).await;
    let (plan, images) = match planned {
        Ok(planned) => planned,
        Err(PlanError::Frontend(e)) => return Err(e),
        Err(PlanError::Dockerfile(e)) => {
            if report {
                send_warnings(bridge, dockerfile, &e.warnings).await;
            }
            return Err(conversion::convert_error(*e, dockerfile));
        }
    };
    if excludes.is_none() {
        *excludes = Some(context_excludes(bridge, opts, dockerfile, main).await?);
    }
    match plan.convert(&images, excludes.as_deref().unwrap_or_default()) {
        Ok(converted) => {
            if report {
                send_warnings(bridge, dockerfile, &converted.warnings).await;
            }
            Ok(converted)
        }
        Err(e) => {
            if report {
                send_warnings(bridge, dockerfile, &e.warnings).await;
            }
            Err(conversion::convert_error(e, dockerfile))
        }
    }
}

/// Reads the Dockerfile the way the reference does (frontend/dockerui/config.go `ReadEntrypoint`):
/// solve a `local://dockerfile` source that follows only the needed paths (or `input`: a git or
/// HTTP context, or the `dockerfile` frontend input), then ReadFile it, falling back to the lower-case
/// `dockerfile`. The source map keeps the requested name either way, as the reference does.
pub(crate) async fn read_dockerfile(
    bridge: &Bridge,
    opts: &BuildOpts,
    input: Option<&pb::Definition>,
) -> Result<DockerfileSource, FrontendError> {
    let definition = match input {
        Some(definition) => definition.clone(),
        None => LocalRead::dockerfile(
            &opts.dockerfile_local,
            opts.session_for_local(&opts.dockerfile_local),
            &opts.filename,
        )
        .definition(),
    };
    let ref_id = bridge
        .solve(definition.clone(), Vec::new())
        .await
        .map_err(FrontendError::ReadDockerfile)?;
    let data = match bridge.read_file(&ref_id, &opts.filename).await {
        Ok(data) => data,
        Err(err @ BridgeError::FileTooLarge { .. }) => {
            return Err(FrontendError::ReadDockerfile(err))
        }
        Err(err) => {
            let Some(lower) = lowercase_dockerfile(&opts.filename) else {
                return Err(FrontendError::ReadDockerfile(err));
            };
            bridge
                .read_file(&ref_id, &lower)
                .await
                .map_err(|_| FrontendError::ReadDockerfile(err))?
        }
    };
    // A missing ignore file is fine; an oversized one must not be skipped silently.
    let dockerignore = match bridge
        .read_file(&ref_id, &format!("{}.dockerignore", opts.filename))
        .await
    {
        Ok(data) => Some(data),
        Err(err @ BridgeError::FileTooLarge { .. }) => return Err(err.into()),
        Err(_) => None,
    };
    Ok(DockerfileSource {
        filename: opts.filename.clone(),
        data,
        dockerignore,
        definition,
    })
}

/// Build-check warnings, attached to the Dockerfile's source vertex like the reference's
/// (`warning_request`). A warning that cannot be sent is only logged.
async fn send_warnings(
    bridge: &Bridge,
    dockerfile: &DockerfileSource,
    warnings: &[crate::syntax::Diagnostic],
) {
    let Some(vertex) = crate::llb::Definition::from_pb(dockerfile.definition.clone()).head() else {
        return;
    };
    for warning in warnings {
        let Some(request) = warning_request(dockerfile, vertex.as_str(), warning) else {
            continue;
        };
        if let Err(err) = bridge.warn(request).await {
            eprintln!("dockerfile-llb: could not send a Dockerfile warning: {err}");
        }
    }
}

/// The caller's frontend inputs (e.g. what `dockerfile.v0` forwards), when the daemon can list them.
async fn frontend_inputs(
    bridge: &Bridge,
    caps: &Caps,
) -> Result<BTreeMap<String, pb::Definition>, FrontendError> {
    if !caps.has_frontend("frontend.inputs") {
        return Ok(BTreeMap::new());
    }
    Ok(bridge.inputs().await?)
}

/// The capabilities a client may ask for with `frontend.caps` (builder/caps.go); the image's
/// `moby.buildkit.frontend.caps` label lists the same.
pub(crate) const FRONTEND_CAPS: [&str; 5] = [
    "moby.buildkit.frontend.inputs",
    "moby.buildkit.frontend.subrequests",
    "moby.buildkit.frontend.contexts",
    "moby.buildkit.frontend.gitquerystring",
    "moby.buildkit.frontend.contexts.zstd",
];

/// `validateCaps`: the first requested cap we lack, and whether the request allows forwarding
/// anyway (a `+forward` suffix on an unknown cap: the `# syntax=` frontend may know it).
fn check_frontend_caps(requested: Option<&str>) -> (bool, Option<String>) {
    let mut forward = false;
    let mut first = None;
    for cap in requested
        .filter(|r| !r.is_empty())
        .into_iter()
        .flat_map(|r| r.split(','))
    {
        let name = cap.split('+').next().unwrap_or(cap);
        if FRONTEND_CAPS.contains(&name) {
            continue;
        }
        if !cap.contains("+forward") {
            return (false, Some(name.to_string()));
        }
        forward = true;
        // Go keeps the last unknown cap's error.
        first = Some(name.to_string());
    }
    (forward, first)
}

/// The exclude patterns for the main context: `<Dockerfile>.dockerignore` if present, otherwise the
/// context's own `.dockerignore`, read with a source that transfers only that file. A missing file
/// means no patterns, and so does a context that is not the local one (`DockerIgnorePatterns`).
pub(crate) async fn context_excludes(
    bridge: &Bridge,
    opts: &BuildOpts,
    dockerfile: &DockerfileSource,
    main: &MainContext,
) -> Result<Vec<String>, FrontendError> {
    if !main.is_local() {
        return Ok(Vec::new());
    }
    if let Some(data) = &dockerfile.dockerignore {
        return Ok(dockerignore::exclude_patterns(data));
    }
    let read = LocalRead::context_dockerignore(
        &opts.context_local,
        opts.session_for_local(&opts.context_local),
    );
    let ref_id = bridge
        .solve(read.definition(), Vec::new())
        .await
        .map_err(FrontendError::ReadDockerignore)?;
    let data = match bridge.read_file(&ref_id, ".dockerignore").await {
        Ok(data) => data,
        Err(err @ BridgeError::FileTooLarge { .. }) => return Err(err.into()),
        Err(_) => Vec::new(),
    };
    Ok(dockerignore::exclude_patterns(&data))
}

/// Converts for each target platform and solves; `platform_result` shapes what was solved.
async fn convert_and_solve(
    bridge: &Bridge,
    opts: &BuildOpts,
    dockerfile: &DockerfileSource,
    parsed: Dockerfile,
    caps: &Caps,
    main: &MainContext,
) -> Result<gw::Result, FrontendError> {
    let mut excludes: Option<Vec<String>> = None;
    let scanner = match &opts.sbom {
        Some(sbom) => Some(
            Scanner::resolve(
                bridge,
                sbom,
                opts.build.image_resolve_mode,
                &opts.build.build_platform,
            )
            .await?,
        ),
        None => None,
    };
    let mut solved = Vec::new();
    let platforms = opts.platforms_to_build();
    let count = match opts.build.multi_platform {
        true => platforms.len(),
        false => platforms.len().min(1),
    };
    // The last conversion is given the parsed file, and frees it before its definition is
    // lowered: one platform's build then never holds both at once.
    let mut parsed = Some(std::sync::Arc::new(parsed));
    for (i, platform) in platforms.into_iter().take(count).enumerate() {
        let Some(df) = (if i + 1 == count {
            parsed.take()
        } else {
            parsed.clone()
        }) else {
            break;
        };
        let mut options = convert_options(opts, platform.clone(), dockerfile, Some(caps.llb), main);
        // Like the reference, only the first platform's conversion reports warnings.
        let report = solved.is_empty() && caps.has_frontend("gateway.warnings");
        let converted = convert_platform(
            bridge,
            caps,
            opts,
            dockerfile,
            df.into(),
            &mut options,
            main,
            &mut excludes,
            report,
        )
        .await?;
        let ref_id = bridge
            .solve(converted.definition, opts.cache_imports.clone())
            .await?;
        let platform = platform.unwrap_or(converted.platform);
        let sbom = match &scanner {
            Some(scanner) => {
                let scan = scanner.scan(&platform.format_all(), &converted.sbom)?;
                let scan_ref = bridge.solve(scan.into_pb(), Vec::new()).await?;
                Some(sbom::attestation(scan_ref))
            }
            None => None,
        };
        solved.push(SolvedPlatform {
            platform,
            ref_id,
            image_config: converted.image_config.to_json(),
            base_image_config: converted.base_image_config,
            epoch: converted.epoch,
            sbom,
        });
    }
    Ok(platform_result(solved, opts.build.multi_platform))
}

/// What one platform's build produced: its ref ("" for an empty, scratch result), image config,
/// its base image's config, and its SBOM attestation when one was asked for.
pub struct SolvedPlatform {
    pub platform: Platform,
    pub ref_id: String,
    pub image_config: Vec<u8>,
    pub base_image_config: Option<Vec<u8>>,
    /// SOURCE_DATE_EPOCH as the converter resolved it.
    pub epoch: Option<i64>,
    pub sbom: Option<gw::Attestation>,
}

/// The Result the reference returns (frontend/dockerui/build.go, `Finalize`): a single ref with
/// `containerimage.config`, or (multi-platform) a ref per platform ID with
/// `containerimage.config/<id>`; the base image's config beside each; always the
/// `refs.platforms` mapping; attestations by platform ID.
pub fn platform_result(solved: Vec<SolvedPlatform>, multi_platform: bool) -> gw::Result {
    let mut result = gw::Result::default();
    let mut refs = Vec::new();
    let mut platform_list = Vec::new();
    for one in solved
        .into_iter()
        .take(if multi_platform { usize::MAX } else { 1 })
    {
        let id = one.platform.format_all();
        let suffix = if multi_platform {
            format!("/{id}")
        } else {
            String::new()
        };
        result
            .metadata
            .insert(format!("containerimage.config{suffix}"), one.image_config);
        if let Some(base) = one.base_image_config {
            result
                .metadata
                .insert(format!("containerimage.base.config{suffix}"), base);
        }
        // The exporter's epoch (exptypes.ExporterEpochKey), so a global `ARG SOURCE_DATE_EPOCH`
        // default reaches the image's timestamps as well.
        if let Some(epoch) = one.epoch {
            result.metadata.insert(
                format!("source.date.epoch{suffix}"),
                epoch.to_string().into_bytes(),
            );
        }
        platform_list
            .push(serde_json::json!({ "ID": id, "Platform": oci_platform_json(&one.platform) }));
        if let Some(attestation) = one.sbom {
            result.attestations.push(gw::AttestationsEntry {
                key: id.clone(),
                value: Some(gw::Attestations {
                    attestation: vec![attestation],
                }),
            });
        }
        let reference = gw::Ref {
            id: one.ref_id,
            def: None,
        };
        if multi_platform {
            refs.push(gw::RefMapEntry {
                key: id,
                value: Some(reference),
            });
        } else {
            result.result = Some(gw::result::Result::Ref(reference));
        }
    }
    let mapping = serde_json::json!({ "Platforms": platform_list });
    result.metadata.insert(
        "refs.platforms".to_string(),
        mapping.to_string().into_bytes(),
    );
    if multi_platform {
        result.result = Some(gw::result::Result::Refs(gw::RefMap { refs }));
    }
    result
}

/// The Warn request for a build-check warning on the Dockerfile's source vertex `digest`, as the
/// reference sends it (builder/build.go): `<Rule>: <detail> (line N)`, the rule's description as
/// detail, its URL, level 1, a range per line of the instruction (none, and no line in the
/// text, for a warning the reference does not locate). Warnings of ours that the
/// reference does not give (no rule) are for `dockerfile-llb check` only: `None`.
pub fn warning_request(
    dockerfile: &DockerfileSource,
    digest: &str,
    warning: &crate::syntax::Diagnostic,
) -> Option<gw::WarnRequest> {
    let rule = warning.rule?;
    let lines = warning.instruction_lines;
    let short = match lines {
        None => format!("{}: {}", rule.name, warning.message),
        Some(lines) => format!("{}: {} (line {})", rule.name, warning.message, lines.start),
    };
    Some(gw::WarnRequest {
        digest: digest.to_string(),
        level: 1,
        short: short.into_bytes(),
        detail: vec![rule.description.as_bytes().to_vec()],
        url: rule.url.to_string(),
        info: Some(pb::SourceInfo {
            filename: dockerfile.filename.clone(),
            data: dockerfile.data.clone(),
            definition: Some(dockerfile.definition.clone()),
            language: "Dockerfile".to_string(),
        }),
        ranges: lines
            .map(|l| line_ranges(l.start, l.end))
            .unwrap_or_default(),
    })
}

/// An OCI platform as JSON (`architecture`, `os`, `variant`, omitted when empty).
fn oci_platform_json(p: &Platform) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    map.insert("architecture".into(), p.architecture.clone().into());
    map.insert("os".into(), p.os.clone().into());
    if !p.os_version.is_empty() {
        map.insert("os.version".into(), p.os_version.clone().into());
    }
    if let Some(features) = p.os_features.as_ref().filter(|f| !f.is_empty()) {
        map.insert("os.features".into(), features.clone().into());
    }
    if !p.variant.is_empty() {
        map.insert("variant".into(), p.variant.clone().into());
    }
    serde_json::Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frontend_caps_are_checked_like_the_reference() {
        assert_eq!(check_frontend_caps(None), (false, None));
        assert_eq!(check_frontend_caps(Some("")), (false, None));
        let all = FRONTEND_CAPS.join(",");
        assert_eq!(check_frontend_caps(Some(&all)), (false, None));
        assert_eq!(
            check_frontend_caps(Some("moby.buildkit.frontend.inputs,x.y")),
            (false, Some("x.y".to_string()))
        );
        assert_eq!(
            check_frontend_caps(Some(
                "a+forward,moby.buildkit.frontend.contexts+forward,b+forward"
            )),
            (true, Some("b".to_string()))
        );
        assert_eq!(
            check_frontend_caps(Some("a+forward,c")),
            (false, Some("c".to_string()))
        );
        // The image label BuildKit reads before starting us claims exactly these.
        let dockerfile = include_str!("../../frontend.Dockerfile");
        let label = format!("LABEL moby.buildkit.frontend.caps=\"{all}\"");
        assert!(dockerfile.lines().any(|l| l == label), "{label}");
    }

    #[test]
    fn a_warning_the_reference_does_not_locate_has_no_line() {
        use crate::syntax::{rules, Diagnostic, LineIndex, Span};
        let text = b"FROM alpine\nRUN --mount=from=other,target=/o true\n";
        let dockerfile = DockerfileSource {
            filename: "Dockerfile".to_string(),
            data: text.to_vec(),
            dockerignore: None,
            definition: pb::Definition::default(),
        };
        let index = LineIndex::new(text);
        let at = Span::new(12, 47);
        let request = |w: Diagnostic| {
            let w = w.locate("Dockerfile", text, &index);
            warning_request(&dockerfile, "sha256:00", &w).unwrap()
        };
        let rule = &rules::INVALID_BASE_IMAGE_PLATFORM;
        let unlocated = request(Diagnostic::warning("m", at).with_unlocated_rule(rule));
        assert_eq!(unlocated.short, b"InvalidBaseImagePlatform: m");
        assert!(unlocated.ranges.is_empty() && unlocated.url.is_empty());
        let located = request(Diagnostic::warning("m", at).with_rule(rule, at));
        assert_eq!(located.short, b"InvalidBaseImagePlatform: m (line 2)");
        assert_eq!(located.ranges, line_ranges(2, 2));
    }
}
