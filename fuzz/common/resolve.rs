//! The gateway's plan/resolve loop (`gateway::conversion::resolve_all`) without a daemon, for
//! the targets that convert: each target answers the requests its own way.

use dockerfile_llb::convert::{
    self, ContextRequest, ConvertError, ConvertOptions, Converted, ImageRequest, LoadedContext,
    ResolvedImage, ResolvedImages,
};
use dockerfile_llb::instructions::Dockerfile;

/// Plans until nothing more is asked (a base image's ONBUILD triggers can name more images),
/// the SOURCE_DATE_EPOCH stage first, then converts.
pub fn convert_resolving(
    df: &Dockerfile,
    opts: &mut ConvertOptions,
    excludes: &[String],
    mut image: impl FnMut(&ImageRequest) -> ResolvedImage,
    mut context: impl FnMut(&ContextRequest) -> LoadedContext,
) -> Result<Converted, ConvertError> {
    if convert::plan(df, opts, &ResolvedImages::new())?
        .epoch_request()
        .is_some()
    {
        opts.stage_epoch = Some(Some(1_700_000_000));
    }
    let opts: &ConvertOptions = opts;
    let mut images = ResolvedImages::new();
    for _round in 0..64 {
        let plan = convert::plan(df, opts, &images)?;
        if plan.requests().is_empty() && plan.context_requests().is_empty() {
            return plan.convert(&images, excludes);
        }
        for request in plan.context_requests() {
            images.insert_context(request, context(request));
        }
        for request in plan.requests() {
            images.insert(request, image(request));
        }
    }
    panic!("the plan keeps asking after 64 rounds");
}
