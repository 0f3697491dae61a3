//! Glue between the gateway and the converter: plan the images a target needs, resolve them all
//! concurrently with ResolveImageConfig, then convert.
//!
//! INTERIM: until `crate::convert` lands, this converts a Dockerfile of a single `FROM <image>` by
//! hand, which is enough to prove the transport end to end on a real BuildKit. It is replaced by the
//! real two-phase converter as soon as that is on main.

use std::collections::BTreeMap;

use prost::Message;

use crate::proto::pb;

use super::bridge::{Bridge, Caps};
use super::frontend::{Built, DockerfileSource, FrontendError};
use super::local_source::op_digest;
use super::opts::BuildOpts;
use super::status::ErrorSource;

pub async fn convert(
    bridge: &Bridge,
    _caps: &Caps,
    opts: &BuildOpts,
    dockerfile: &DockerfileSource,
    platform: &pb::Platform,
) -> Result<Built, FrontendError> {
    let text = String::from_utf8_lossy(&dockerfile.data);
    let mut base = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = trimmed.split_whitespace().collect();
        match words.as_slice() {
            [from, image] if from.eq_ignore_ascii_case("FROM") && base.is_none() => {
                base = Some(*image)
            }
            _ => {
                return Err(dockerfile_error(
                    dockerfile,
                    index + 1,
                    line.len(),
                    format!("instruction not converted yet: {trimmed}"),
                ))
            }
        }
    }
    let Some(image) = base else {
        return Err(dockerfile_error(
            dockerfile,
            1,
            0,
            "the Dockerfile has no FROM".to_string(),
        ));
    };
    let reference = normalize_docker_reference(image);
    let resolved = bridge
        .resolve_image_config(
            &reference,
            Some(platform.clone()),
            opts.image_resolve_mode.as_attr(),
            &format!("[internal] load metadata for {reference}"),
        )
        .await?;
    let pinned = format!("{reference}@{}", resolved.digest);
    let source = pb::Op {
        op: Some(pb::op::Op::Source(pb::SourceOp {
            identifier: format!("docker-image://{pinned}"),
            attrs: BTreeMap::new(),
        })),
        platform: Some(platform.clone()),
        constraints: Some(pb::WorkerConstraints::default()),
        ..Default::default()
    };
    let bytes = source.encode_to_vec();
    let digest = op_digest(&bytes);
    let terminal = pb::Op {
        inputs: vec![pb::Input {
            digest: digest.clone(),
            index: 0,
        }],
        ..Default::default()
    };
    let metadata = pb::OpMetadata {
        description: BTreeMap::from([(
            "llb.customname".to_string(),
            format!("[1/1] FROM {pinned}"),
        )]),
        ignore_cache: opts.no_cache.applies_to(""),
        ..Default::default()
    };
    Ok(Built {
        definition: pb::Definition {
            def: vec![bytes, terminal.encode_to_vec()],
            metadata: BTreeMap::from([(digest, metadata)]),
            source: None,
        },
        image_config: resolved.config,
    })
}

fn dockerfile_error(
    dockerfile: &DockerfileSource,
    line: usize,
    end: usize,
    what: String,
) -> FrontendError {
    let line = line as i32;
    FrontendError::Dockerfile {
        message: format!("{}:{line}:1: {what}", dockerfile.filename),
        location: Box::new(ErrorSource {
            filename: dockerfile.filename.clone(),
            data: dockerfile.data.clone(),
            ranges: vec![pb::Range {
                start: Some(pb::Position { line, character: 0 }),
                end: Some(pb::Position {
                    line,
                    character: end as i32,
                }),
            }],
        }),
    }
}

fn normalize_docker_reference(image: &str) -> String {
    let (name, tag) = match image.rsplit_once(':') {
        Some((n, t)) if !t.contains('/') => (n, Some(t)),
        _ => (image, None),
    };
    let first = name.split('/').next().unwrap_or(name);
    let has_domain =
        name.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    let full = if has_domain {
        name.to_string()
    } else if name.contains('/') {
        format!("docker.io/{name}")
    } else {
        format!("docker.io/library/{name}")
    };
    format!("{full}:{}", tag.unwrap_or("latest"))
}
