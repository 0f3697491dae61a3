//! Loading the named contexts a conversion asks for ([`ContextRequest`]), as dockerui's
//! `NamedContext.load` does: an image's config (ResolveImageConfig, from a registry or the
//! client's OCI layout store), a client directory's `.dockerignore`, a frontend input's
//! definition and image config. The converter builds the LLB; this module only asks.

use std::collections::BTreeMap;

use base64::Engine;

use crate::convert::{ContextLoad, ContextRequest, LoadedContext, ResolvedImages};
use crate::proto::pb;

use super::bridge::{Bridge, BridgeError};
use super::conversion::ResolveError;
use super::local_source::LocalRead;
use super::opts::{BuildOpts, ResolveMode};

/// Loads every request into `images`, one after the other (a build names a few).
pub(crate) async fn load_contexts(
    bridge: &Bridge,
    opts: &BuildOpts,
    requests: Vec<ContextRequest>,
    resolve_mode: ResolveMode,
    images: &mut ResolvedImages,
) -> Result<(), ContextError> {
    let mut inputs: Option<BTreeMap<String, pb::Definition>> = None;
    for request in requests {
        let loaded = load(bridge, opts, &request, resolve_mode, &mut inputs).await;
        match loaded {
            Ok(loaded) => images.insert_context(&request, loaded),
            // The converter plans again with what the policy made of it.
            Err(ContextError::Redirected(value)) => images.insert_redirect(&request, value),
            Err(ContextError::Failed(_, why)) => {
                return Err(ContextError::Failed(Box::new(request), why))
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Why a named context could not be loaded.
#[derive(Debug)]
pub(crate) enum ContextError {
    /// The daemon or the client refused it: the build fails at the stage that names it.
    Failed(Box<ContextRequest>, String),
    /// A source policy made the image something else (`ResolveToNonImageError`): the named
    /// context is this value now (`local:x`).
    Redirected(String),
    Bridge(BridgeError),
}

impl From<ContextError> for ResolveError {
    fn from(e: ContextError) -> ResolveError {
        match e {
            ContextError::Failed(request, why) => ResolveError::Context(request, why),
            ContextError::Bridge(e) => ResolveError::Bridge(e),
            ContextError::Redirected(value) => ResolveError::Bridge(BridgeError::Rpc {
                rpc: "ResolveImageConfig",
                status: tonic::Status::internal(format!("unhandled redirect to {value}")),
            }),
        }
    }
}

async fn load(
    bridge: &Bridge,
    opts: &BuildOpts,
    request: &ContextRequest,
    resolve_mode: ResolveMode,
    inputs: &mut Option<BTreeMap<String, pb::Definition>>,
) -> Result<LoadedContext, ContextError> {
    let failed = |why: String| ContextError::Failed(Box::new(request.clone()), why);
    let rpc = |e: BridgeError| match e {
        BridgeError::Rpc { status, .. } => failed(status.message().to_string()),
        other => ContextError::Bridge(other),
    };
    let platform = request.platform.as_ref().map(|p| p.to_pb());
    match &request.load {
        ContextLoad::Image {
            reference,
            log_name,
        } => {
            let image = bridge
                .resolve_image_config(reference, platform, resolve_mode.attr(), log_name)
                .await
                .map_err(|e| match non_image(&e) {
                    Some(updated) => match updated.split_once("://") {
                        Some((scheme, rest)) => {
                            ContextError::Redirected(format!("{scheme}:{rest}"))
                        }
                        None => failed(format!("could not parse ref: {updated}")),
                    },
                    None => rpc(e),
                })?;
            Ok(LoadedContext::Image {
                reference: image.reference,
                config: image.config,
            })
        }
        ContextLoad::OciLayout {
            reference,
            store,
            log_name,
        } => {
            let image = bridge
                .resolve_oci_layout_config(reference, platform, &opts.session_id, store, log_name)
                .await
                .map_err(rpc)?;
            Ok(LoadedContext::OciLayout {
                config: image.config,
            })
        }
        ContextLoad::Local { name } => {
            let session = opts.session_for_local(name).to_string();
            let read = LocalRead::named_context_dockerignore(name, &session, &request.key);
            // Evaluated, as dockerui's NamedContext.Load solves it: a directory the client does
            // not share fails here, located at the instruction that names the context.
            let ref_id = bridge
                .solve_evaluated(read.definition())
                .await
                .map_err(rpc)?;
            let excludes = match bridge.read_file(&ref_id, ".dockerignore").await {
                Ok(data) => crate::convert::dockerignore::exclude_patterns(&data),
                Err(err @ BridgeError::FileTooLarge { .. }) => return Err(failed(err.to_string())),
                Err(_) => Vec::new(),
            };
            Ok(LoadedContext::Local {
                session,
                shared_key: opts
                    .local_shared_keys
                    .get(&request.key)
                    .cloned()
                    .unwrap_or_default(),
                excludes,
            })
        }
        ContextLoad::Input { name } => {
            if inputs.is_none() {
                *inputs = Some(bridge.inputs().await.map_err(rpc)?);
            }
            let definition = inputs
                .as_ref()
                .and_then(|i| i.get(name))
                .cloned()
                .ok_or_else(|| failed(format!("invalid input {name} for {}", request.key)))?;
            let config = match opts.input_metadata.get(name) {
                Some(md) => input_image_config(md)
                    .map_err(|e| failed(format!("failed to parse input metadata {md}: {e}")))?,
                None => None,
            };
            Ok(LoadedContext::Input { definition, config })
        }
    }
}

/// What a source policy turned an image into, when the daemon refused to resolve it for that
/// (`imageutil.ResolveToNonImageError`, which reaches us as its text only).
fn non_image(e: &BridgeError) -> Option<String> {
    let BridgeError::Rpc { status, .. } = e else {
        return None;
    };
    let (_, rest) = status
        .message()
        .split_once("ref mutated by policy to non-image: docker-image://")?;
    let (_, updated) = rest.split_once(" -> ")?;
    Some(updated.trim().to_string())
}

/// `containerimage.config` of an input's metadata: a JSON object of base64 values (Go's
/// `map[string][]byte`).
fn input_image_config(md: &str) -> Result<Option<Vec<u8>>, String> {
    let map: BTreeMap<String, String> = serde_json::from_str(md).map_err(|e| e.to_string())?;
    map.get("containerimage.config")
        .map(|b64| {
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| e.to_string())
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_metadata_carries_the_image_config_in_base64() {
        let md = r#"{"containerimage.config":"eyJvcyI6ImxpbnV4In0=","other":""}"#;
        assert_eq!(
            input_image_config(md),
            Ok(Some(br#"{"os":"linux"}"#.to_vec()))
        );
        assert_eq!(input_image_config("{}"), Ok(None));
        assert!(input_image_config("[").is_err());
    }

    #[test]
    fn a_policy_that_makes_an_image_something_else_is_read_from_its_text() {
        let status = tonic::Status::unknown(
            "ref mutated by policy to non-image: docker-image://docker.io/library/alpine:latest -> local://test",
        );
        let e = BridgeError::Rpc {
            rpc: "ResolveImageConfig",
            status,
        };
        assert_eq!(non_image(&e), Some("local://test".to_string()));
        let other = BridgeError::Rpc {
            rpc: "ResolveImageConfig",
            status: tonic::Status::not_found("no such image"),
        };
        assert_eq!(non_image(&other), None);
    }
}
