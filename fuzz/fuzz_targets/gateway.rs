//! What the daemon and the client hand the frontend, fuzzed: the options map (frontend opts,
//! build args, named contexts), BUILDKIT_WORKERS JSON, the Ping reply (protobuf bytes), the
//! ResolveImageConfig replies (config JSON and digest, for every base image and every image
//! named context) and the ReadFile replies (the Dockerfile, the .dockerignore). They go through
//! the gateway's own readers (`BuildOpts::resolve`, `Caps::from_pong`, `check_config`) and the
//! plan/resolve loop the gateway runs, then the conversion and marshal.
//! Invariants: no panic; two runs of one input give identical results; every error renders.
//!
//! Input layout: sections separated by `\0\xff\0`, in order: options (NUL-separated
//! `key=value`), workers JSON, Pong bytes, image config JSON, image digest, Dockerfile,
//! .dockerignore. Missing sections are empty.

#![no_main]

#[path = "../common/resolve.rs"]
mod resolve;

use dockerfile_llb::convert::{
    self, ConvertError, ConvertOptions, Converted, LoadedContext, ResolvedImage,
};
use dockerfile_llb::gateway::opts::{BuildOpts, FrontendOpts};
use dockerfile_llb::gateway::Caps;
use dockerfile_llb::instructions::{parse_dockerfile_report, Dockerfile};
use dockerfile_llb::proto::moby::buildkit::v1::frontend::PongResponse;
use libfuzzer_sys::fuzz_target;
use prost::Message;

const SEPARATOR: &[u8] = b"\0\xff\0";

fuzz_target!(|data: &[u8]| {
    let sections = split(data);
    let first = run(&sections);
    let second = run(&sections);
    assert!(first == second, "two runs of one input differ");
});

fn split(data: &[u8]) -> Vec<&[u8]> {
    let mut sections = Vec::new();
    let mut rest = data;
    while sections.len() < 6 {
        match rest.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
            Some(at) => {
                sections.push(&rest[..at]);
                rest = &rest[at + SEPARATOR.len()..];
            }
            None => break,
        }
    }
    sections.push(rest);
    sections.resize(7, &[][..]);
    sections
}

#[derive(PartialEq, Debug)]
enum Outcome {
    Options(String),
    Pong,
    Check(String),
    Parse(String),
    Convert(String),
    Converted(Vec<(Vec<u8>, Vec<u8>)>),
}

fn run(sections: &[&[u8]]) -> Outcome {
    let [options, workers, pong, config, digest, dockerfile, dockerignore] = sections else {
        unreachable!("split gives seven sections");
    };
    // The frontend reads options from environment variables, which are strings.
    let options = String::from_utf8_lossy(options);
    let opts = FrontendOpts(
        options
            .split('\0')
            .filter(|e| !e.is_empty())
            .map(|e| {
                let (k, v) = e.split_once('=').unwrap_or((e, ""));
                (k.to_string(), v.to_string())
            })
            .collect(),
    );
    let workers = std::str::from_utf8(workers).ok().filter(|w| !w.is_empty());
    let build_opts = match BuildOpts::resolve(&opts, "fuzz-session", workers) {
        Ok(b) => b,
        Err(e) => return Outcome::Options(rendered(&e)),
    };
    // A reply that does not decode is tonic's error before it reaches us.
    let Ok(pong) = PongResponse::decode(*pong) else {
        return Outcome::Pong;
    };
    let caps = Caps::from_pong(pong);
    let report = parse_dockerfile_report(dockerfile, "Dockerfile");
    for w in &report.warnings {
        let _ = w.render(dockerfile);
    }
    if let Err(e) = convert::check_config(&report.directives, &build_opts.build) {
        return Outcome::Check(located(dockerfile, &e));
    }
    let df = match report.dockerfile {
        Ok(df) => df,
        Err(d) => return Outcome::Parse(d.render(dockerfile)),
    };
    let excludes = convert::dockerignore::exclude_patterns(dockerignore);
    let answer = Answer {
        config: config.to_vec(),
        digest: String::from_utf8_lossy(digest).into_owned(),
    };
    let mut platforms: Vec<_> = build_opts
        .target_platforms
        .iter()
        .cloned()
        .map(Some)
        .collect();
    if platforms.is_empty() {
        platforms.push(None);
    }
    let mut results = Vec::new();
    for target_platform in platforms {
        let mut options = ConvertOptions {
            build: build_opts.build.clone(),
            target_platform,
            session_id: build_opts.session_id.clone(),
            context_name: build_opts.context_local.clone(),
            filename: "Dockerfile".to_string(),
            source: dockerfile.to_vec(),
            llb_caps: Some(caps.llb.clone()),
            named_contexts: Some(build_opts.named_contexts.clone()),
            ..ConvertOptions::default()
        };
        match convert_resolving(&df, &mut options, &answer, &excludes) {
            Ok(converted) => {
                for w in &converted.warnings {
                    let _ = w.render(dockerfile);
                }
                results.push((
                    converted.definition.encode_to_vec(),
                    converted.image_config.to_json(),
                ));
            }
            Err(e) => return Outcome::Convert(located(dockerfile, &e)),
        }
    }
    Outcome::Converted(results)
}

struct Answer {
    config: Vec<u8>,
    digest: String,
}

/// Every image and every image named context answered by the fuzzed reply, local ones as a
/// directory with the fuzzed .dockerignore.
fn convert_resolving(
    df: &Dockerfile,
    opts: &mut ConvertOptions,
    answer: &Answer,
    excludes: &[String],
) -> Result<Converted, ConvertError> {
    let image = |_: &convert::ImageRequest| ResolvedImage {
        digest: (!answer.digest.is_empty()).then(|| answer.digest.clone()),
        config: answer.config.clone(),
        reference: None,
    };
    let context = |request: &convert::ContextRequest| match &request.load {
        convert::ContextLoad::Image { reference, .. } => LoadedContext::Image {
            reference: reference.clone(),
            config: answer.config.clone(),
        },
        convert::ContextLoad::OciLayout { .. } => LoadedContext::OciLayout {
            config: answer.config.clone(),
        },
        convert::ContextLoad::Local { .. } => LoadedContext::Local {
            session: "fuzz-session".to_string(),
            shared_key: String::new(),
            excludes: excludes.to_vec(),
        },
        // An input the daemon has no definition for, with the fuzzed config as its metadata.
        convert::ContextLoad::Input { .. } => LoadedContext::Input {
            definition: Default::default(),
            config: Some(answer.config.clone()),
        },
    };
    resolve::convert_resolving(df, opts, excludes, image, context)
}

fn rendered(e: &dyn std::fmt::Display) -> String {
    let text = e.to_string();
    assert!(!text.is_empty(), "an error with no text");
    text
}

/// An error's text, with its lines inside the file when it has a location.
fn located(data: &[u8], e: &ConvertError) -> String {
    assert!(!e.message.is_empty(), "an error with no text");
    if let Some(d) = e.diagnostic("Dockerfile", data) {
        assert!(
            d.span.end <= data.len(),
            "span outside the file: {}",
            e.message
        );
        return d.render(data);
    }
    format!("{:?}", (&e.message, &e.location))
}
