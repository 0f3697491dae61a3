//! Handing the build to another frontend, as the reference does when the Dockerfile starts with
//! `# syntax=<image>` or the `BUILDKIT_SYNTAX` build arg is set (builder/build.go
//! `forwardGateway`): the same options plus `source` and `cmdline` (which stops the next frontend
//! from forwarding again), the same frontend inputs, and its result returned as ours.

use std::collections::BTreeMap;

use crate::proto::moby::buildkit::v1::frontend as gw;
use crate::proto::pb;
use crate::syntax::detect_syntax;

use super::bridge::{Bridge, BridgeError};
use super::error::FrontendError;
use super::local_source::DockerfileSource;
use super::opts::FrontendOpts;
use super::status::{has_source_detail, line_ranges, ErrorSource};

const SYNTAX_ARG: &str = "build-arg:BUILDKIT_SYNTAX";

/// Where the frontend to forward to was named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Named {
    /// The `BUILDKIT_SYNTAX` build arg.
    BuildArg,
    /// The `syntax` directive on this line of the Dockerfile.
    Directive { line: usize },
}

/// A request to forward: the frontend image, its command line, and where it was named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Forward {
    pub reference: String,
    pub cmdline: String,
    pub named: Named,
}

/// The forward the reference would make for these options and this Dockerfile, if any. A
/// frontend that was itself forwarded to (`cmdline` set) builds the Dockerfile.
pub(crate) fn requested(opts: &FrontendOpts, dockerfile: &[u8]) -> Option<Forward> {
    if opts.get("cmdline").is_some() {
        return None;
    }
    if let Some(cmdline) = opts.get(SYNTAX_ARG) {
        return Some(Forward {
            reference: cmdline
                .trim()
                .split(' ')
                .next()
                .unwrap_or_default()
                .to_string(),
            cmdline: cmdline.to_string(),
            named: Named::BuildArg,
        });
    }
    detect_syntax(dockerfile).map(|d| Forward {
        reference: d.reference,
        cmdline: d.cmdline,
        named: Named::Directive { line: d.line },
    })
}

/// Solves through the named frontend and returns its result. Its error comes back as it is,
/// located at the directive (or naming the build arg) when it carries no location of its own.
pub(crate) async fn forward(
    bridge: &Bridge,
    opts: &FrontendOpts,
    inputs: BTreeMap<String, pb::Definition>,
    dockerfile: &DockerfileSource,
    to: &Forward,
) -> Result<gw::Result, FrontendError> {
    let mut frontend_opt = opts.0.clone();
    frontend_opt.insert("cmdline".to_string(), to.cmdline.clone());
    frontend_opt.insert("source".to_string(), to.reference.clone());
    let request = gw::SolveRequest {
        frontend: "gateway.v0".to_string(),
        frontend_opt,
        frontend_inputs: inputs
            .into_iter()
            .map(|(key, value)| gw::FrontendInputsEntry {
                key,
                value: Some(value),
            })
            .collect(),
        allow_result_return: true,
        allow_result_array_ref: true,
        ..Default::default()
    };
    let status = match bridge.solve_result(request).await {
        Ok(result) => return Ok(result),
        Err(BridgeError::Rpc { status, .. }) => status,
        Err(other) => return Err(other.into()),
    };
    if has_source_detail(&status) {
        return Err(FrontendError::Forwarded {
            message: status.message().to_string(),
            status,
            location: None,
        });
    }
    Err(match to.named {
        Named::BuildArg => FrontendError::Forwarded {
            message: format!(
                "failed with {SYNTAX_ARG} = {}: {}",
                to.cmdline,
                status.message()
            ),
            status,
            location: None,
        },
        Named::Directive { line } => FrontendError::Forwarded {
            message: status.message().to_string(),
            status,
            location: Some(Box::new(ErrorSource {
                filename: dockerfile.filename.clone(),
                data: dockerfile.data.clone(),
                definition: Some(dockerfile.definition.clone()),
                ranges: line_ranges(line, line),
                also: Vec::new(),
            })),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[(&str, &str)]) -> FrontendOpts {
        FrontendOpts::from_pairs(pairs)
    }

    #[test]
    fn forwards_like_the_reference() {
        let df = b"#syntax=foobar\nfrom alpine\n";
        assert_eq!(
            requested(&opts(&[]), df),
            Some(Forward {
                reference: "foobar".into(),
                cmdline: "foobar".into(),
                named: Named::Directive { line: 1 }
            })
        );
        // The build arg wins over the directive; its first word is the image.
        assert_eq!(
            requested(&opts(&[(SYNTAX_ARG, " x/y:1 --flag ")]), df).map(|f| (f.reference, f.named)),
            Some(("x/y:1".to_string(), Named::BuildArg))
        );
        // Forwarded to: build it.
        assert_eq!(requested(&opts(&[("cmdline", "foobar")]), df), None);
        assert_eq!(requested(&opts(&[]), b"FROM alpine\n"), None);
    }
}
