//! Conversion without BuildKit (the `llb` and `check` commands, and tests): base images are
//! answered from a table instead of a registry, with the same plan/resolve loop the gateway runs.

use std::collections::BTreeMap;

use super::image::History;
use super::{
    plan, ConvertError, ConvertOptions, Converted, ImageConfig, ImageRequest, Parsed, Plan,
    Platform, ResolvedImage, ResolvedImages,
};

/// Every base image the conversion needs, answered offline. An image in `supplied` (normalised
/// reference -> config JSON) gets that config; any other gets the empty image of its platform.
/// Either way the source stays unpinned (no digest). The empty image carries one non-empty
/// history entry so it is not mistaken for `scratch`, which would drop its source.
pub(crate) fn resolve_offline<'a>(
    df: impl Into<Parsed<'a>>,
    opts: &'a ConvertOptions,
    supplied: &BTreeMap<String, Vec<u8>>,
) -> Result<(Plan<'a>, ResolvedImages), ConvertError> {
    let df = df.into();
    let mut images = ResolvedImages::new();
    loop {
        let plan = plan(df.clone(), opts, &images)?;
        if plan.requests().is_empty() {
            return Ok((plan, images));
        }
        for request in plan.requests() {
            images.insert(request, offline_image(request, supplied));
        }
    }
}

/// Resolves offline ([`resolve_offline`]) and converts the last plan.
pub fn convert_offline<'a>(
    df: impl Into<Parsed<'a>>,
    opts: &'a ConvertOptions,
    supplied: &BTreeMap<String, Vec<u8>>,
) -> Result<Converted, ConvertError> {
    convert_offline_excluding(df, opts, supplied, &[])
}

/// [`convert_offline`] with the context's `.dockerignore` patterns (`excludes`), which the
/// CopyIgnoredFile check reads.
pub fn convert_offline_excluding<'a>(
    df: impl Into<Parsed<'a>>,
    opts: &'a ConvertOptions,
    supplied: &BTreeMap<String, Vec<u8>>,
    excludes: &[String],
) -> Result<Converted, ConvertError> {
    let (plan, images) = resolve_offline(df, opts, supplied)?;
    plan.convert(&images, excludes)
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
    config.history = vec![std::sync::Arc::new(History {
        comment: "dockerfile-llb: base image not resolved (offline)".to_string(),
        ..History::default()
    })];
    config.to_json()
}
