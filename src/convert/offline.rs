//! Conversion without BuildKit (the `llb` and `check` commands, and tests): base images are
//! answered from a table instead of a registry, with the same plan/resolve loop the gateway runs.

use std::collections::BTreeMap;

use crate::instructions::Dockerfile;

use super::image::History;
use super::{
    plan, ConvertError, ConvertOptions, ImageConfig, ImageRequest, Platform, ResolvedImage,
    ResolvedImages,
};

/// Every base image the conversion needs, answered offline. An image in `supplied` (normalised
/// reference -> config JSON) gets that config; any other gets the empty image of its platform.
/// Either way the source stays unpinned (no digest). The empty image carries one non-empty
/// history entry so it is not mistaken for `scratch`, which would drop its source.
pub fn resolve_offline(
    df: &Dockerfile,
    opts: &ConvertOptions,
    supplied: &BTreeMap<String, Vec<u8>>,
) -> Result<ResolvedImages, ConvertError> {
    let mut images = ResolvedImages::new();
    loop {
        let requests = plan(df, opts, &images)?;
        if requests.is_empty() {
            return Ok(images);
        }
        for request in &requests {
            images.insert(request, offline_image(request, supplied));
        }
    }
}

fn offline_image(request: &ImageRequest, supplied: &BTreeMap<String, Vec<u8>>) -> ResolvedImage {
    let config = supplied
        .get(&request.reference)
        .cloned()
        .unwrap_or_else(|| unresolved_image_config(&request.platform));
    ResolvedImage {
        digest: None,
        config,
        reference: None,
    }
}

fn unresolved_image_config(platform: &Platform) -> Vec<u8> {
    let mut config = ImageConfig::empty(platform);
    config.history = vec![History {
        comment: "dockerfile-llb: base image not resolved (offline)".to_string(),
        ..History::default()
    }];
    config.to_json()
}
