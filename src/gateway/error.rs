//! Everything that can end a build, as data; each becomes the `google.rpc.Status` sent with
//! Return (`FrontendError::to_status`).

use crate::proto::google::rpc::Status;

use super::bridge::BridgeError;
use super::opts::OptsError;
use super::status::{
    error_status, forwarded_details, unsupported_frontend_cap, unsupported_subrequest, ErrorSource,
};

/// Everything that can end a build. Each becomes the Status sent with Return.
#[derive(Debug, thiserror::Error)]
pub enum FrontendError {
    #[error(transparent)]
    Opts(#[from] OptsError),
    #[error("failed to read dockerfile: {0}")]
    ReadDockerfile(BridgeError),
    #[error("failed to read .dockerignore: {0}")]
    ReadDockerignore(BridgeError),
    #[error(transparent)]
    Bridge(#[from] BridgeError),
    /// A daemon call made to find the main build context failed, in the reference's words
    /// (`failed to resolve httpcontext`, `failed to read downloaded context`).
    #[error("{what}: {source}")]
    MainContext {
        what: &'static str,
        source: BridgeError,
    },
    /// A conversion error the converter could not locate in the Dockerfile.
    #[error("{0}")]
    Convert(String),
    /// A problem in the Dockerfile itself, located in it.
    #[error("{message}")]
    Dockerfile {
        message: String,
        location: Box<ErrorSource>,
    },
    #[error("unsupported request {0}")]
    UnsupportedSubrequest(String),
    /// A `frontend.caps` entry we do not have (`errdefs.UnsupportedFrontendCapError`).
    #[error("unsupported frontend capability {0}")]
    UnsupportedFrontendCap(String),
    /// The frontend we forwarded to failed: its status, with our message and location.
    #[error("{message}")]
    Forwarded {
        message: String,
        status: tonic::Status,
        location: Option<Box<ErrorSource>>,
    },
}

impl FrontendError {
    /// The Status for Return. Dockerfile errors use code Unknown like the reference, so clients print
    /// the bare message (BuildKit prefixes other codes' names). A failed RPC keeps its code and typed
    /// details (e.g. which vertex failed) so the client shows them as if no frontend were in between.
    pub fn to_status(&self) -> Status {
        match self {
            FrontendError::Dockerfile { message, location } => {
                error_status(tonic::Code::Unknown, message.clone(), Some(location))
            }
            FrontendError::UnsupportedSubrequest(id) => unsupported_subrequest(id),
            FrontendError::UnsupportedFrontendCap(name) => unsupported_frontend_cap(name),
            FrontendError::Forwarded {
                message,
                status,
                location,
            } => {
                let mut out = error_status(status.code(), message.clone(), location.as_deref());
                out.details.extend(forwarded_details(status));
                out
            }
            FrontendError::Convert(message) => {
                error_status(tonic::Code::Unknown, message.clone(), None)
            }
            // The reference's text, so sent as the reference sends a plain error: clients
            // print other codes' names before the message.
            FrontendError::Opts(e) if e.is_reference_text() => {
                error_status(tonic::Code::Unknown, self.to_string(), None)
            }
            FrontendError::Opts(_) => {
                error_status(tonic::Code::InvalidArgument, self.to_string(), None)
            }
            FrontendError::ReadDockerfile(e)
            | FrontendError::ReadDockerignore(e)
            | FrontendError::Bridge(e)
            | FrontendError::MainContext { source: e, .. } => {
                let mut status = error_status(tonic::Code::Unknown, self.to_string(), None);
                if let BridgeError::Rpc { status: rpc, .. } = e {
                    status.code = match rpc.code() {
                        tonic::Code::Ok => tonic::Code::Unknown as i32,
                        code => code as i32,
                    };
                    status.details = forwarded_details(rpc);
                }
                status
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_rpcs_keep_their_code() {
        let err = FrontendError::ReadDockerfile(BridgeError::Rpc {
            rpc: "ReadFile",
            status: tonic::Status::not_found("open Dockerfile: no such file"),
        });
        let status = err.to_status();
        assert_eq!(status.code, tonic::Code::NotFound as i32);
        assert_eq!(
            status.message,
            "failed to read dockerfile: ReadFile: open Dockerfile: no such file"
        );
    }

    #[test]
    fn resource_option_errors_are_plain_like_the_references() {
        let err = FrontendError::Opts(OptsError::Resources(
            "invalid memory value: 0: must be > 0".to_string(),
        ));
        let status = err.to_status();
        assert_eq!(status.code, tonic::Code::Unknown as i32);
        assert_eq!(
            status.message,
            "failed to parse resource limits: invalid memory value: 0: must be > 0"
        );
    }
}
