//! The whole conversion on arbitrary input: parse -> plan -> resolve (a fixed table of base
//! image configs) -> convert -> marshal (the Definition's bytes, `llb --json`, the image
//! config). Invariants: no panic; two conversions of the same input give identical bytes;
//! every error lies inside the file, or is one that is about the options or the whole file.
//!
//! Input layout: the Dockerfile, then optionally `\0\xff\0` and NUL-separated options:
//! `target=NAME`, `platform=P`, `caps=none|old`, `ignore=PATTERN` (a `.dockerignore` line),
//! `multi`, or `KEY=VALUE` (a build arg). A seed that is a plain Dockerfile has no options.

#![no_main]

#[path = "../common/resolve.rs"]
mod resolve;

use dockerfile_llb::convert::{
    self, BuildOptions, ConvertError, ConvertOptions, Converted, Platform, ResolvedImage,
};
use dockerfile_llb::instructions::{parse_dockerfile, Diagnostic};
use dockerfile_llb::llb;
use libfuzzer_sys::fuzz_target;
use prost::Message;

const SEPARATOR: &[u8] = b"\0\xff\0";

fuzz_target!(|data: &[u8]| {
    let (dockerfile, options) = match find(data, SEPARATOR) {
        Some(at) => (&data[..at], &data[at + SEPARATOR.len()..]),
        None => (data, &[][..]),
    };
    let Some(case) = Case::read(dockerfile, options) else {
        return;
    };
    let first = run(&case);
    let second = run(&case);
    assert!(first == second, "two conversions of one input differ");
});

struct Case<'a> {
    dockerfile: &'a [u8],
    opts: ConvertOptions,
    excludes: Vec<String>,
}

impl<'a> Case<'a> {
    /// None when the options themselves do not parse (the gateway refuses those first).
    fn read(dockerfile: &'a [u8], options: &[u8]) -> Option<Case<'a>> {
        let options = std::str::from_utf8(options).ok()?;
        let mut build = BuildOptions {
            build_platform: Platform::new("linux", "amd64"),
            ..BuildOptions::default()
        };
        let mut target_platform = None;
        let mut llb_caps = Some(llb::caps::CapSet::all());
        let mut excludes = Vec::new();
        for entry in options.split('\0').filter(|e| !e.is_empty()) {
            let (key, value) = entry.split_once('=').unwrap_or((entry, ""));
            match key {
                "target" => build.target = Some(value.to_string()),
                "platform" => target_platform = Some(Platform::parse(value).ok()?.normalize()),
                "caps" if value == "none" => llb_caps = None,
                // A daemon of the first LLB caps: no MergeOp, no setsdefaultpath, no CDI.
                "caps" => llb_caps = Some(["source.image"].into_iter().collect()),
                "ignore" => excludes.push(value.to_string()),
                "multi" => build.multi_platform = true,
                _ => {
                    build.build_args.insert(key.to_string(), value.to_string());
                }
            }
        }
        if let Some(check) = build.build_args.get("BUILDKIT_DOCKERFILE_CHECK") {
            build.check = Some(dockerfile_llb::syntax::parse_check(check).ok()?);
        }
        Some(Case {
            dockerfile,
            opts: ConvertOptions {
                build,
                target_platform,
                source: dockerfile.to_vec(),
                llb_caps,
                ..ConvertOptions::default()
            },
            excludes,
        })
    }
}

/// What one conversion gave, as bytes: compared between two runs.
#[derive(PartialEq)]
enum Outcome {
    Parse(String),
    Convert(String),
    Converted {
        definition: Vec<u8>,
        json: Vec<u8>,
        config: Vec<u8>,
        warnings: Vec<String>,
    },
}

fn run(case: &Case) -> Outcome {
    let data = case.dockerfile;
    let df = match parse_dockerfile(data, "Dockerfile") {
        Ok(df) => df,
        Err(d) => {
            check_diagnostic(data, &d);
            return Outcome::Parse(d.render(data));
        }
    };
    let mut opts = case.opts.clone();
    match convert_resolving(&df, &mut opts, &case.excludes) {
        Ok(converted) => {
            for w in &converted.warnings {
                check_diagnostic(data, w);
            }
            let definition = converted.definition.encode_to_vec();
            // What the daemon decodes is what we encoded.
            let decoded =
                dockerfile_llb::proto::pb::Definition::decode(&definition[..]).expect("decodes");
            assert_eq!(decoded.def.len(), converted.definition.def.len());
            let json =
                serde_json::to_vec(&llb::Definition::from_pb(converted.definition).to_json())
                    .expect("JSON dump");
            let config = converted.image_config.to_json();
            serde_json::from_slice::<serde_json::Value>(&config).expect("image config is JSON");
            Outcome::Converted {
                definition,
                json,
                config,
                warnings: converted.warnings.iter().map(|w| w.render(data)).collect(),
            }
        }
        Err(e) => {
            check_error(data, &e);
            Outcome::Convert(format!("{:?}", (&e.message, &e.location)))
        }
    }
}

/// The table's answers; this target names no contexts.
fn convert_resolving(
    df: &dockerfile_llb::instructions::Dockerfile,
    opts: &mut ConvertOptions,
    excludes: &[String],
) -> Result<Converted, ConvertError> {
    let image = |request: &convert::ImageRequest| ResolvedImage {
        digest: Some(format!(
            "sha256:{:064x}",
            request.reference.len() * 7919 + request.platform.architecture.len()
        )),
        config: image_config(&request.reference, &request.platform),
        reference: None,
    };
    let context = |request: &convert::ContextRequest| -> convert::LoadedContext {
        panic!(
            "a named context was asked for without a context option: {:?}",
            request.key
        )
    };
    resolve::convert_resolving(df, opts, excludes, image, context)
}

/// A registry-like config per image, chosen by words in its name: ONBUILD triggers (with
/// `--from` a stage or an image), workdir, user, healthcheck, shell, another platform, no
/// layers.
fn image_config(reference: &str, platform: &Platform) -> Vec<u8> {
    use serde_json::json;
    let mut config = json!({
        "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "X=1"],
        "Cmd": ["sh"],
    });
    let has = |word: &str| reference.contains(word);
    if has("onbuild") {
        config["OnBuild"] = json!([
            "RUN echo triggered $X",
            "COPY --from=src /a /b",
            "COPY --from=busybox:onbuild /c /d",
            "ONBUILD RUN nested"
        ]);
    } else if has("trigger") {
        config["OnBuild"] = json!(["COPY . /app/", "RUN --mount=from=0,target=/m ls", "FROM x"]);
    }
    if has("work") {
        config["WorkingDir"] = json!("rel/dir");
        config["User"] = json!("app:staff");
    }
    if has("health") {
        config["Healthcheck"] = json!({"Test": ["CMD-SHELL", "true"], "Interval": 1000});
        config["Shell"] = json!(["/bin/bash", "-c"]);
        config["Entrypoint"] = json!(["/entry"]);
    }
    let mut image = json!({
        "architecture": platform.architecture,
        "os": platform.os,
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": ["sha256:0000000000000000000000000000000000000000000000000000000000000001"]},
        "history": [{"created_by": "base"}],
    });
    if has("arm") {
        image["architecture"] = json!("arm64");
        image["variant"] = json!("v8");
    }
    if has("windows") {
        image["os"] = json!("windows");
    }
    if has("empty") {
        image["rootfs"]["diff_ids"] = json!([]);
        image["history"][0]["empty_layer"] = json!(true);
    }
    if has("broken") {
        return b"{\"config\": [".to_vec();
    }
    image.to_string().into_bytes()
}

fn check_diagnostic(data: &[u8], d: &Diagnostic) {
    assert!(
        d.span.start <= d.span.end && d.span.end <= data.len(),
        "span {:?} outside the file: {}",
        d.span,
        d.message
    );
    assert!(d.start.line >= 1 && d.start.column >= 1, "{}", d.message);
    let _ = d.render(data);
}

/// Errors that have no place in the file, because they are about the options, the base
/// images' answers or the whole file.
const UNLOCATED: &[&str] = &[
    "target stage ",
    "dockerfile contains no stages to build",
    "failed to parse check options",
    "lint violation",
    "invalid ignore pattern",
    "syntax error in pattern",
];

fn check_error(data: &[u8], e: &ConvertError) {
    for w in &e.warnings {
        check_diagnostic(data, w);
    }
    let lines = data.split(|&b| b == b'\n').count().max(1);
    match &e.location {
        Some(l) => {
            assert!(
                l.start_line >= 1 && l.start_line <= l.end_line && l.end_line <= lines,
                "lines {}-{} of {lines}: {}",
                l.start_line,
                l.end_line,
                e.message
            );
            if let Some(span) = l.span {
                assert!(
                    span.start <= span.end && span.end <= data.len(),
                    "span {span:?} outside the file: {}",
                    e.message
                );
            }
            let d = e.diagnostic("Dockerfile", data).expect("a located error");
            check_diagnostic(data, &d);
        }
        None => assert!(
            UNLOCATED.iter().any(|p| e.message.contains(p)),
            "an error with no location that does not say why: {}",
            e.message
        ),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
