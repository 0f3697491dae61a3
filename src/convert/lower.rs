//! Lowering of the build graph to LLB (filled in when `crate::llb` lands).
use super::stages::Dispatched;
use super::{ConvertError, ConvertOptions, Converted};

pub(crate) fn lower(d: Dispatched, _opts: &ConvertOptions) -> Result<Converted, ConvertError> {
    let _ = (&d.context_paths, &d.main_context, &d.target.fs);
    Ok(Converted { definition: Default::default(), image_config: d.target.image, platform: d.target_platform })
}
