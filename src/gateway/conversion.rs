//! Glue between the gateway and the converter (`crate::convert`): turn the build options into
//! `ConvertOptions`, plan the external images the target needs, resolve them all concurrently with
//! ResolveImageConfig, then convert. Converter and parser errors become located Dockerfile errors.

use tokio::task::JoinSet;

use crate::convert::{
    self, ConvertError, ConvertOptions, ImageRequest, Platform, ResolvedImage, ResolvedImages,
};
use crate::llb::caps::CapSet;
use crate::syntax::Diagnostic;

use super::bridge::{Bridge, BridgeError};
use super::error::FrontendError;
use super::local_source::DockerfileSource;
use super::main_context::MainContext;
use super::opts::{BuildOpts, ResolveMode};
use super::status::{line_ranges, ErrorSource};

/// The converter's options for one platform of this build. `llb_caps` are the daemon's (Ping), which
/// decide some of the LLB the reference emits; `main` is the build context.
pub(crate) fn convert_options(
    opts: &BuildOpts,
    target_platform: Option<Platform>,
    dockerfile: &DockerfileSource,
    llb_caps: Option<CapSet>,
    main: &MainContext,
) -> ConvertOptions {
    ConvertOptions {
        build: opts.build.clone(),
        target_platform,
        session_id: opts.session_for_local(&opts.context_local).to_string(),
        context_name: opts.context_local.clone(),
        filename: dockerfile.filename.clone(),
        source: dockerfile.data.clone(),
        source_definition: Some(dockerfile.definition.clone()),
        llb_caps,
        stage_epoch: None,
        all_stages: false,
        main_context: main.context.clone(),
        named_contexts: Some(opts.named_contexts.clone()),
    }
}

/// Every base image one platform's conversion needs, resolved in rounds (a base image's ONBUILD
/// triggers can name more), and the plan that needs nothing more, ready to convert.
/// A `SOURCE_DATE_EPOCH=<stage>` source is answered first, before any base image, as the
/// reference resolves it in toDispatchState.
pub(crate) async fn resolve_all<'a>(
    bridge: &Bridge,
    caps: &super::Caps,
    build_opts: &BuildOpts,
    parsed: convert::Parsed<'a>,
    options: &'a mut ConvertOptions,
) -> Result<(convert::Plan<'a>, ResolvedImages), PlanError> {
    let resolve_mode = build_opts.build.image_resolve_mode;
    let planned = |plan: Result<convert::Plan<'a>, ConvertError>| {
        plan.map_err(|e| PlanError::Dockerfile(Box::new(e)))
    };
    if convert::epoch_may_be_requested(&parsed, options) {
        let request = convert::plan(parsed.clone(), options, &ResolvedImages::new())
            .map_err(|e| PlanError::Dockerfile(Box::new(e)))?
            .epoch_request()
            .cloned();
        if let Some(request) = request {
            let epoch = super::epoch::resolve(bridge, caps, &request)
                .await
                .map_err(PlanError::Frontend)?;
            options.stage_epoch = Some(epoch);
        }
    }
    let options: &'a ConvertOptions = options;
    let mut images = ResolvedImages::new();
    let mut plan = planned(convert::plan(parsed, options, &images))?;
    loop {
        if plan.requests().is_empty() && plan.context_requests().is_empty() {
            return Ok((plan, images));
        }
        let contexts = plan.context_requests().to_vec();
        let requests = plan.requests().to_vec();
        // Named contexts are loaded in the same round as the base images, as the reference
        // loads them (resolveReachableStages).
        let loaded = async {
            super::named_context::load_contexts(
                bridge,
                build_opts,
                contexts,
                resolve_mode,
                &mut images,
            )
            .await
            .map_err(ResolveError::from)?;
            resolve_images(bridge, requests, resolve_mode, &mut images).await
        };
        loaded.await.map_err(|e| match e {
            ResolveError::Image(request, why) => {
                PlanError::Dockerfile(Box::new(request.resolve_error(&why)))
            }
            ResolveError::Context(request, why) => PlanError::Dockerfile(Box::new(ConvertError {
                message: why,
                location: Some(request.location),
                also_at: Vec::new(),
                warnings: Vec::new(),
            })),
            ResolveError::Bridge(e) => PlanError::Frontend(FrontendError::Bridge(e)),
        })?;
        plan = planned(plan.answered(&images))?;
    }
}

/// Why [`resolve_all`] failed: the Dockerfile (the error carries the warnings given before it,
/// for the caller to report first), or the daemon.
pub(crate) enum PlanError {
    Dockerfile(Box<ConvertError>),
    Frontend(FrontendError),
}

/// Why [`resolve_images`] failed.
#[derive(Debug)]
pub(crate) enum ResolveError {
    /// BuildKit could not resolve this image (e.g. not found): the Dockerfile's fault.
    Image(Box<ImageRequest>, String),
    /// A named context could not be loaded: located at the stage that names it.
    Context(Box<convert::ContextRequest>, String),
    /// The connection to BuildKit failed.
    Bridge(BridgeError),
}

/// Resolves every requested image at once into `images`; HTTP/2 multiplexes the calls over the
/// one connection.
pub(crate) async fn resolve_images(
    bridge: &Bridge,
    requests: Vec<ImageRequest>,
    resolve_mode: ResolveMode,
    images: &mut ResolvedImages,
) -> Result<(), ResolveError> {
    let mut calls = JoinSet::new();
    for request in requests {
        let bridge = bridge.clone();
        calls.spawn(async move {
            let answer = bridge
                .resolve_image_config(
                    &request.reference,
                    Some(request.platform.to_pb()),
                    resolve_mode.attr(),
                    &request.log_name,
                )
                .await;
            (request, answer)
        });
    }
    while let Some(joined) = calls.join_next().await {
        // A resolve task only panics if the runtime is shutting down; treat it as a lost connection.
        let (request, answer) = joined.map_err(|e| {
            ResolveError::Bridge(BridgeError::Rpc {
                rpc: "ResolveImageConfig",
                status: tonic::Status::cancelled(e.to_string()),
            })
        })?;
        let image = match answer {
            Ok(image) => image,
            Err(BridgeError::Rpc { status, .. }) => {
                return Err(ResolveError::Image(
                    Box::new(request),
                    status.message().to_string(),
                ))
            }
            Err(e) => return Err(ResolveError::Bridge(e)),
        };
        let reference = (image.reference != request.reference).then_some(image.reference);
        images.insert(
            &request,
            ResolvedImage {
                digest: (!image.digest.is_empty()).then_some(image.digest),
                config: image.config,
                reference,
            },
        );
    }
    Ok(())
}

/// A converter error: located in the Dockerfile when the converter knows the instruction.
/// Further locations (a dependency cycle's commands) become snippets of their own after it.
pub(crate) fn convert_error(err: ConvertError, dockerfile: &DockerfileSource) -> FrontendError {
    match err.diagnostic(&dockerfile.filename, &dockerfile.data) {
        Some(diagnostic) => match parse_error(diagnostic, dockerfile) {
            FrontendError::Dockerfile {
                message,
                mut location,
            } => {
                location.also = err
                    .also_at
                    .iter()
                    .map(|l| line_ranges(l.start_line, l.end_line))
                    .collect();
                FrontendError::Dockerfile { message, location }
            }
            other => other,
        },
        None => FrontendError::Convert(err.message),
    }
}

/// A located error: the message is the reference's text, the detail carries the lines it covers.
/// Our hint rides along after that text (BuildKit clients show only the message and the source
/// snippet, so a hint left out there would never reach the user), unless it only repeats the
/// reference's own "did you mean".
pub fn parse_error(diagnostic: Diagnostic, dockerfile: &DockerfileSource) -> FrontendError {
    let message = match (&diagnostic.hint, &diagnostic.suggestion) {
        (Some(hint), None) => format!("{} ({hint})", diagnostic.reference_text()),
        _ => diagnostic.reference_text(),
    };
    // One range per line, character 0: parser.Node.Location, what the reference reports (a
    // multi-line instruction names each of its lines).
    let lines = diagnostic.lines();
    let ranges = line_ranges(lines.start, lines.end);
    FrontendError::Dockerfile {
        message,
        location: Box::new(ErrorSource {
            filename: dockerfile.filename.clone(),
            data: dockerfile.data.clone(),
            definition: Some(dockerfile.definition.clone()),
            ranges,
            also: Vec::new(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::convert::Converted;
    use crate::proto::pb;
    use pretty_assertions::assert_eq;

    fn dockerfile(text: &str) -> DockerfileSource {
        DockerfileSource {
            filename: "Dockerfile".to_string(),
            data: text.as_bytes().to_vec(),
            dockerignore: None,
            definition: pb::Definition::default(),
        }
    }

    fn convert_offline(
        text: &str,
        supplied: &BTreeMap<String, Vec<u8>>,
    ) -> Result<Converted, ConvertError> {
        let parsed = crate::instructions::parse_dockerfile(text.as_bytes(), "Dockerfile").unwrap();
        let options = ConvertOptions {
            build: convert::BuildOptions {
                build_platform: Platform::new("linux", "amd64"),
                ..convert::BuildOptions::default()
            },
            source: text.as_bytes().to_vec(),
            ..ConvertOptions::default()
        };
        convert::offline::convert_offline(&parsed, &options, supplied)
    }

    /// The build-check warnings of converting `text` offline.
    fn warnings(text: &str) -> Vec<crate::syntax::Diagnostic> {
        convert_offline(text, &BTreeMap::new()).unwrap().warnings
    }

    fn image_identifiers(def: &pb::Definition) -> Vec<String> {
        use prost::Message;
        def.def
            .iter()
            .filter_map(|bytes| match pb::Op::decode(&bytes[..]).ok()?.op? {
                pb::op::Op::Source(s) if s.identifier.starts_with("docker-image://") => {
                    Some(s.identifier)
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn offline_base_images_stay_unpinned_sources() {
        let converted = convert_offline("FROM busybox\nRUN true\n", &BTreeMap::new()).unwrap();
        assert_eq!(
            image_identifiers(&converted.definition),
            ["docker-image://docker.io/library/busybox:latest"]
        );
        assert_eq!(converted.image_config.os, "linux");
    }

    #[test]
    fn supplied_image_config_is_used() {
        let config = br#"{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin","FOO=bar"],"WorkingDir":"/srv"},"rootfs":{"type":"layers","diff_ids":["sha256:0000000000000000000000000000000000000000000000000000000000000000"]}}"#;
        let supplied = BTreeMap::from([(
            "docker.io/library/busybox:latest".to_string(),
            config.to_vec(),
        )]);
        let converted = convert_offline("FROM busybox\n", &supplied).unwrap();
        let json: serde_json::Value =
            serde_json::from_slice(&converted.image_config.to_json()).unwrap();
        assert_eq!(json["config"]["WorkingDir"], "/srv");
        assert_eq!(json["config"]["Env"][1], "FOO=bar");
    }

    #[test]
    fn located_convert_errors_keep_the_reference_text_and_lines() {
        let text = "FROM busybox\nFROM ${NOPE}\n";
        let err = convert_offline(text, &BTreeMap::new()).unwrap_err();
        match convert_error(err, &dockerfile(text)) {
            FrontendError::Dockerfile { message, location } => {
                assert_eq!(message, "base name (${NOPE}) should not be blank");
                assert_eq!(location.ranges[0].start.unwrap().line, 2);
            }
            other => panic!("not located: {other:?}"),
        }
    }

    /// Regression (scripts/bad-input.sh, copy-from-cycle-three): the reference shows one snippet
    /// per command along the cycle, the closing command first; we showed only that one.
    #[test]
    fn a_cycle_names_every_command_along_it() {
        let text =
            "FROM busybox AS a\nCOPY --from=c /x /x\nFROM busybox AS b\nCOPY --from=a /x /y\n\
                    FROM busybox AS c\nCOPY --from=b /x /z\n";
        let err = convert_offline(text, &BTreeMap::new()).unwrap_err();
        let lines = |ranges: &[pb::Range]| -> Vec<i32> {
            ranges.iter().map(|r| r.start.unwrap().line).collect()
        };
        match convert_error(err, &dockerfile(text)) {
            FrontendError::Dockerfile { message, location } => {
                assert_eq!(message, "circular dependency detected on stage: a");
                assert_eq!(lines(&location.ranges), [4]);
                let also: Vec<Vec<i32>> = location.also.iter().map(|r| lines(r)).collect();
                assert_eq!(also, [vec![6], vec![2]]);
            }
            other => panic!("not located: {other:?}"),
        }
    }

    /// Regression (scripts/bad-input.sh, add-checksum-bad-digest): a malformed ADD --checksum
    /// reached the daemon and failed unlocated at solve time; the reference parses it first.
    #[test]
    fn a_bad_add_checksum_is_a_located_error() {
        for (checksum, want) in [
            ("sha256:xyz", "invalid checksum digest length"),
            (
                "md5:d41d8cd98f00b204e9800998ecf8427e",
                "unsupported digest algorithm",
            ),
            ("nocolon", "invalid checksum digest format"),
        ] {
            let text = format!("FROM scratch\nADD --checksum={checksum} http://127.0.0.1/x /x\n");
            let err = convert_offline(&text, &BTreeMap::new()).unwrap_err();
            match convert_error(err, &dockerfile(&text)) {
                FrontendError::Dockerfile { message, location } => {
                    assert_eq!(message, want);
                    assert_eq!(location.ranges[0].start.unwrap().line, 2);
                }
                other => panic!("{checksum}: not located: {other:?}"),
            }
        }
    }

    #[test]
    fn misspelt_platform_args_get_a_suggestion() {
        let text = "FROM --platform=$BULIDPLATFORM busybox\n";
        let err = convert_offline(text, &BTreeMap::new()).unwrap_err();
        assert_eq!(
            err.message,
            "empty platform value from expression $BULIDPLATFORM (did you mean BUILDPLATFORM?)"
        );
    }

    #[test]
    fn add_sources_are_classified_after_expansion() {
        let digest = "sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d";
        let text = format!(
            "FROM busybox\nENV DIGEST={digest}\nENV LINK=https://example.com/foo\nADD --checksum=${{DIGEST}} ${{LINK}} /tmp/foo\n"
        );
        let converted = convert_offline(&text, &BTreeMap::new()).unwrap();
        let json = crate::llb::Definition::from_pb(converted.definition).to_json();
        let text = json.to_string();
        assert!(text.contains("https://example.com/foo"), "{text}");
        assert!(text.contains(digest), "{text}");
    }

    #[test]
    fn legacy_key_value_warnings_come_from_dispatched_stages_only() {
        let text = "FROM busybox AS a\nENV k v\nFROM busybox AS b\nLABEL k v\nFROM a\nENV x=y\n";
        let found = warnings(text);
        let got: Vec<(usize, &str)> = found
            .iter()
            .map(|w| (w.start.line, w.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [(
                2,
                "\"ENV key=value\" should be used instead of legacy \"ENV key value\" format"
            )]
        );
    }

    #[test]
    fn dispatch_checks_warn_where_the_reference_does() {
        let text = "FROM busybox AS base\nWORKDIR rel\nWORKDIR /abs\nCMD a\nCMD [\"b\"]\nENTRYPOINT run\nFROM base\nWORKDIR again\nSHELL [\"/bin/bash\", \"-c\"]\nCMD c\n";
        let found = warnings(text);
        let got: Vec<(usize, &str)> = found
            .iter()
            .map(|w| (w.instruction_lines.unwrap().start, w.rule.unwrap().name))
            .collect();
        assert_eq!(
            got,
            [
                (2, "WorkdirRelativePath"),
                (4, "JSONArgsRecommended"),
                (4, "MultipleInstructionsDisallowed"),
                (6, "JSONArgsRecommended"),
            ]
        );
    }

    #[test]
    fn from_checks() {
        let text = "ARG DECLARED\nFROM --platform=$TARGETPLATFORM busybox${TAG} AS a\nFROM --platform=linux/arm64 busybox AS b\nFROM --platform=linux/amd64 busybox AS build-amd64\nFROM busybox${DECLARED}\n";
        let found = warnings(text);
        let got: Vec<(usize, &str)> = found
            .iter()
            .map(|w| (w.start.line, w.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (2, "FROM argument 'TAG' is not declared"),
                (2, "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior"),
                (3, "FROM --platform flag should not use constant value \"linux/arm64\""),
            ]
        );
    }

    #[test]
    fn expose_checks() {
        let text = "FROM busybox\nEXPOSE 80/TCP 127.0.0.1:8080:80 90:90/udp 443\n";
        let found = warnings(text);
        let got: Vec<&str> = found.iter().map(|w| w.rule.unwrap().name).collect();
        assert_eq!(
            got,
            [
                "ExposeInvalidFormat",
                "ExposeProtoCasing",
                "ExposeInvalidFormat"
            ]
        );
    }

    #[test]
    fn secret_looking_names_warn() {
        let text = "FROM busybox\nARG API_KEY GITHUB_TOKEN=x PUBLIC_KEY keyboard SECRET_PASSPHRASE_FILE AUTH_MODULE_VERSION\nENV password=1 A_Secret_B=2 passwords=3 password_file=4\n";
        let found = warnings(text);
        let got: Vec<&str> = found.iter().map(|w| w.message.as_str()).collect();
        assert_eq!(
            got,
            [
                "Do not use ARG or ENV instructions for sensitive data (ARG \"API_KEY\")",
                "Do not use ARG or ENV instructions for sensitive data (ARG \"GITHUB_TOKEN\")",
                "Do not use ARG or ENV instructions for sensitive data (ENV \"password\")",
                "Do not use ARG or ENV instructions for sensitive data (ENV \"A_Secret_B\")",
            ]
        );
    }

    #[test]
    fn run_devices_reach_only_a_daemon_with_cdi() {
        use prost::Message;
        let text =
            "FROM busybox\nRUN --device=vendor.com/gpu=all,required --device=x.org/y=z true\n";
        let parsed = crate::instructions::parse_dockerfile(text.as_bytes(), "Dockerfile").unwrap();
        let devices = |caps: CapSet| -> Vec<(String, bool)> {
            let options = ConvertOptions {
                llb_caps: Some(caps),
                ..ConvertOptions::default()
            };
            let out =
                convert::offline::convert_offline(&parsed, &options, &BTreeMap::new()).unwrap();
            out.definition
                .def
                .iter()
                .filter_map(|b| crate::proto::pb::Op::decode(&b[..]).ok())
                .filter_map(|op| match op.op {
                    Some(crate::proto::pb::op::Op::Exec(e)) => Some(e.cdi_devices),
                    _ => None,
                })
                .flatten()
                .map(|d| (d.name, d.optional))
                .collect()
        };
        let all = CapSet::all();
        assert_eq!(
            devices(all),
            [
                ("vendor.com/gpu=all".to_string(), false),
                ("x.org/y=z".to_string(), true)
            ]
        );
        let mut old = all;
        old.remove("exec.meta.cdi");
        assert_eq!(devices(old), []);
    }

    #[test]
    fn mounts_are_checked_after_expansion() {
        let ok = "FROM busybox\nARG T=cache\nRUN --mount=type=$T,target=/c true\n";
        assert!(convert_offline(ok, &BTreeMap::new()).is_ok());
        let env =
            "FROM busybox AS base\nENV T=tmpfs\nFROM base\nRUN --mount=type=$T,target=/t true\n";
        assert!(convert_offline(env, &BTreeMap::new()).is_ok());
        let text = "FROM busybox\nRUN --mount=type=cache,targte=/root/.cache make\n";
        let err = convert_offline(text, &BTreeMap::new()).unwrap_err();
        match convert_error(err, &dockerfile(text)) {
            FrontendError::Dockerfile { message, location } => {
                assert_eq!(
                    message,
                    "unexpected key 'targte' in 'targte=/root/.cache' (did you mean target?)"
                );
                assert_eq!(location.ranges[0].start.unwrap().line, 2);
            }
            other => panic!("not located: {other:?}"),
        }
    }

    #[test]
    fn parse_errors_are_located() {
        let text = "FROM busybox\nRUNN x\n";
        let diagnostic =
            crate::instructions::parse_dockerfile(text.as_bytes(), "Dockerfile").unwrap_err();
        let status = parse_error(diagnostic, &dockerfile(text)).to_status();
        assert_eq!(
            status.message,
            "dockerfile parse error on line 2: unknown instruction: RUNN (did you mean RUN?)"
        );
        assert_eq!(status.code, tonic::Code::Unknown as i32);
        assert_eq!(status.details.len(), 1);
    }

    #[test]
    fn parse_error_messages_carry_the_suggestion() {
        let text = "FROM busybox\nRUNN x\n";
        let diagnostic =
            crate::instructions::parse_dockerfile(text.as_bytes(), "Dockerfile").unwrap_err();
        let status = parse_error(diagnostic, &dockerfile(text)).to_status();
        assert_eq!(
            status.message,
            "dockerfile parse error on line 2: unknown instruction: RUNN (did you mean RUN?)"
        );
    }

    /// The reference's text comes first, verbatim; our hint follows it in parentheses.
    #[test]
    fn parse_error_messages_are_the_reference_text_then_our_hint() {
        for (text, reference) in [
            (
                "FROM scratch\nCOPY --nosuch=1 a /\n",
                "dockerfile parse error on line 2: unknown flag: --nosuch",
            ),
            (
                "FROM scratch\nBADCMD\n",
                "dockerfile parse error on line 2: unknown instruction: BADCMD",
            ),
        ] {
            let diagnostic =
                crate::instructions::parse_dockerfile(text.as_bytes(), "Dockerfile").unwrap_err();
            let hint = diagnostic.hint.clone().expect("a hint");
            let status = parse_error(diagnostic, &dockerfile(text)).to_status();
            assert_eq!(status.message, format!("{reference} ({hint})"));
        }
    }
}
