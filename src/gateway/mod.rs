//! The gateway layer: talks to BuildKit over the LLBBridge gRPC service on stdin/stdout.
//!
//! - `stdio`: the h2c connection over fds 0/1.
//! - `bridge`: a typed LLBBridge client (Ping, Solve, ReadFile, ResolveImageConfig, Return).
//! - `opts`: frontend options, raw (`BUILDKIT_FRONTEND_OPT_*`) then resolved.
//! - `local_source`: reading the Dockerfile and `.dockerignore` from the client.
//! - `main_context`: a build context that is not the client's directory (git, HTTP, an input).
//! - `conversion`: build options to `ConvertOptions`; plan, resolve base images, convert; offline answers.
//! - `named_context`: loading what `context:NAME` options name (image configs, a local's
//!   `.dockerignore`, frontend inputs).
//! - `epoch`: the time of a SOURCE_DATE_EPOCH source stage, asked of BuildKit.
//! - `sbom`: SBOM attestations with the scanner `attest:sbom` names.
//! - `error`: everything that can end a build, and its Status for Return.
//! - `status`: errors as `google.rpc.Status` with BuildKit's typed details.
//! - `subrequests`: `requestid` answers (describe, targets).
//! - `forward`: handing the build to the frontend a `# syntax=` line names.
//! - `frontend`: the whole flow, one Return per run.

pub mod bridge;
pub mod conversion;
pub mod epoch;
pub mod error;
pub mod forward;
pub mod frontend;
pub mod local_source;
pub mod main_context;
pub(crate) mod named_context;
pub mod opts;
pub mod sbom;
pub mod status;
pub(crate) mod stdio;
pub mod subrequests;

pub use bridge::{Bridge, BridgeError, Caps};
pub use error::FrontendError;
pub use frontend::serve;
