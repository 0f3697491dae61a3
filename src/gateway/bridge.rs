//! A typed client for BuildKit's LLBBridge service: one method per RPC the frontend needs, each
//! returning our own error that names the RPC. The connection itself comes from `stdio`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use tonic::transport::Channel;

use crate::proto::google::rpc::Status;
use crate::proto::moby::buildkit::v1::frontend as gw;
use crate::proto::moby::buildkit::v1::frontend::llb_bridge_client::LlbBridgeClient;
use crate::proto::moby::buildkit::v1::types::WorkerRecord;
use crate::proto::pb;

/// BuildKit accepts 16 MiB messages each way (containerd's default); tonic's default is 4 MiB.
pub(crate) const MAX_MESSAGE_SIZE: usize = 16 << 20;
/// How much one ReadFile asks for: well under a message.
const READ_CHUNK: usize = 4 << 20;

/// The Go client gives Ping 15 seconds (frontend/gateway/grpcclient/client.go).
const PING_TIMEOUT: Duration = Duration::from_secs(15);

/// Frontend API caps assumed when the daemon lists none (the frozen set of the first gateway API).
const DEFAULT_FRONTEND_CAPS: &[&str] = &[
    "solve.base",
    "solve.inlinereturn",
    "resolveimage",
    "readfile",
];

#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    #[error("connecting to buildkitd over stdio: {0}")]
    Connect(#[from] tonic::transport::Error),
    #[error("opening stdin/stdout: {0}")]
    Stdio(#[from] std::io::Error),
    #[error("{rpc}: {}", rpc_message(.status))]
    Rpc {
        rpc: &'static str,
        status: tonic::Status,
    },
    #[error("Ping: no answer from buildkitd within {} s", PING_TIMEOUT.as_secs())]
    PingTimeout,
    #[error("Solve returned no single ref")]
    NoRef,
    /// dockerui `fileTooLargeError`: the cap is one gRPC message, so the builtin frontend reads
    /// no more than one over the gateway can.
    #[error("{path} exceeds maximum allowed size of {} bytes", MAX_MESSAGE_SIZE)]
    FileTooLarge { path: String },
}

/// A status's message, followed by its causes when our client made it: a lost connection is
/// otherwise only "transport error". A daemon's status has no cause, so its message stays as is.
fn rpc_message(status: &tonic::Status) -> String {
    let mut message = status.message().to_string();
    let mut cause = std::error::Error::source(status);
    while let Some(error) = cause {
        let text = error.to_string();
        if !message.contains(&text) {
            message = format!("{message}: {text}");
        }
        cause = error.source();
    }
    message
}

impl BridgeError {
    fn rpc(rpc: &'static str) -> impl FnOnce(tonic::Status) -> BridgeError {
        move |status| BridgeError::Rpc { rpc, status }
    }
}

/// What the daemon told us in `Pong`.
#[derive(Debug, Clone, Default)]
pub struct Caps {
    pub frontend: BTreeSet<String>,
    pub llb: crate::llb::caps::CapSet,
    pub workers: Vec<WorkerRecord>,
}

impl Caps {
    /// What a Ping answered. Public for the gateway-inputs fuzz target, which feeds it the
    /// replies a daemon could send.
    pub fn from_pong(pong: gw::PongResponse) -> Caps {
        let enabled = |caps: Vec<crate::proto::moby::buildkit::v1::apicaps::ApiCap>| {
            caps.into_iter()
                .filter(|c| c.enabled)
                .map(|c| c.id)
                .collect::<BTreeSet<_>>()
        };
        let mut frontend = enabled(pong.frontend_api_caps);
        if frontend.is_empty() {
            frontend = DEFAULT_FRONTEND_CAPS
                .iter()
                .map(|c| c.to_string())
                .collect();
        }
        Caps {
            frontend,
            llb: enabled(pong.llb_caps).iter().collect(),
            workers: pong.workers,
        }
    }

    pub(crate) fn has_frontend(&self, id: &str) -> bool {
        self.frontend.contains(id)
    }
}

/// A base image's manifest digest and config, as ResolveImageConfig returns them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedImage {
    /// The reference after source policies (usually the one asked for).
    pub reference: String,
    pub digest: String,
    pub config: Vec<u8>,
}

/// The LLBBridge client. Cheap to clone: clones share the one HTTP/2 connection.
#[derive(Clone)]
pub struct Bridge {
    client: LlbBridgeClient<Channel>,
}

impl Bridge {
    pub fn new(channel: Channel) -> Bridge {
        let client = LlbBridgeClient::new(channel)
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE);
        Bridge { client }
    }

    /// Connects over this process's stdin/stdout.
    pub(crate) async fn connect_stdio() -> Result<Bridge, BridgeError> {
        let stream = super::stdio::stdio_stream()?;
        Ok(Bridge::new(super::stdio::channel_over(stream).await?))
    }

    pub(crate) async fn ping(&self) -> Result<Caps, BridgeError> {
        let mut client = self.client.clone();
        let pong = tokio::time::timeout(PING_TIMEOUT, client.ping(gw::PingRequest {}))
            .await
            .map_err(|_| BridgeError::PingTimeout)?
            .map_err(BridgeError::rpc("Ping"))?;
        Ok(Caps::from_pong(pong.into_inner()))
    }

    /// Solves `definition` and returns the id of its (lazy) result ref.
    pub async fn solve(
        &self,
        definition: pb::Definition,
        cache_imports: Vec<gw::CacheOptionsEntry>,
    ) -> Result<String, BridgeError> {
        let response = self
            .send_solve(solve_request(definition, cache_imports))
            .await?;
        match response.result.and_then(|r| r.result) {
            Some(gw::result::Result::Ref(r)) => Ok(r.id),
            Some(gw::result::Result::RefDeprecated(id)) => Ok(id),
            // An empty definition gives an empty result: the scratch ref "".
            None => Ok(response.r#ref),
            Some(_) => Err(BridgeError::NoRef),
        }
    }

    /// Solves `definition` now (`Evaluate: true`), so that a failure is this call's error and
    /// not a later read's, and returns the id of its result ref.
    pub async fn solve_evaluated(&self, definition: pb::Definition) -> Result<String, BridgeError> {
        let request = gw::SolveRequest {
            evaluate: true,
            ..solve_request(definition, Vec::new())
        };
        match self
            .send_solve(request)
            .await?
            .result
            .and_then(|r| r.result)
        {
            Some(gw::result::Result::Ref(r)) => Ok(r.id),
            Some(gw::result::Result::RefDeprecated(id)) => Ok(id),
            _ => Err(BridgeError::NoRef),
        }
    }

    /// Sends a Solve request and returns its whole result (a frontend's, when forwarding).
    pub(crate) async fn solve_result(
        &self,
        request: gw::SolveRequest,
    ) -> Result<gw::Result, BridgeError> {
        Ok(self.send_solve(request).await?.result.unwrap_or_default())
    }

    async fn send_solve(
        &self,
        request: gw::SolveRequest,
    ) -> Result<gw::SolveResponse, BridgeError> {
        Ok(self
            .client
            .clone()
            .solve(request)
            .await
            .map_err(BridgeError::rpc("Solve"))?
            .into_inner())
    }

    /// Reads a file from a solved ref as dockerui's `ReadFile` does (frontend 1.27+): refused on
    /// its stat size when larger than one message, else read with a range one byte past the cap
    /// so an unstattable file cannot make us load more. Stat failures are left to the read.
    pub(crate) async fn read_file(&self, ref_id: &str, path: &str) -> Result<Vec<u8>, BridgeError> {
        let too_large = || BridgeError::FileTooLarge {
            path: path.to_string(),
        };
        let stat = gw::StatFileRequest {
            r#ref: ref_id.to_string(),
            path: path.to_string(),
        };
        if let Ok(answer) = self.client.clone().stat_file(stat).await {
            if answer
                .into_inner()
                .stat
                .is_some_and(|s| s.size > MAX_MESSAGE_SIZE as i64)
            {
                return Err(too_large());
            }
        }
        // In pieces: a file of the cap's size does not fit in one answer with its framing (the
        // daemon refuses to send 16777221 bytes), where the reference, in-process, reads it whole.
        let mut data = Vec::new();
        loop {
            let want = READ_CHUNK.min(MAX_MESSAGE_SIZE + 1 - data.len());
            let chunk = self
                .read_range(ref_id, path, data.len() as i64, want as i64)
                .await?;
            let short = chunk.len() < want;
            data.extend_from_slice(&chunk);
            if data.len() > MAX_MESSAGE_SIZE {
                return Err(too_large());
            }
            if short {
                return Ok(data);
            }
        }
    }

    /// The first `length` bytes of a file of a solved ref: one ranged ReadFile and no size
    /// check, as dockerui reads the head of an HTTP context.
    pub(crate) async fn read_file_head(
        &self,
        ref_id: &str,
        path: &str,
        length: i64,
    ) -> Result<Vec<u8>, BridgeError> {
        self.read_range(ref_id, path, 0, length).await
    }

    async fn read_range(
        &self,
        ref_id: &str,
        path: &str,
        offset: i64,
        length: i64,
    ) -> Result<Vec<u8>, BridgeError> {
        let request = gw::ReadFileRequest {
            r#ref: ref_id.to_string(),
            file_path: path.to_string(),
            range: Some(gw::FileRange { offset, length }),
        };
        Ok(self
            .client
            .clone()
            .read_file(request)
            .await
            .map_err(BridgeError::rpc("ReadFile"))?
            .into_inner()
            .data)
    }

    pub(crate) async fn resolve_image_config(
        &self,
        reference: &str,
        platform: Option<pb::Platform>,
        resolve_mode: &str,
        log_name: &str,
    ) -> Result<ResolvedImage, BridgeError> {
        let request = gw::ResolveImageConfigRequest {
            r#ref: reference.to_string(),
            platform,
            resolve_mode: resolve_mode.to_string(),
            log_name: log_name.to_string(),
            ..Default::default()
        };
        self.resolve_config(request).await
    }

    /// ResolveImageConfig of an image in the client's OCI layout store `store_id`
    /// (`sourceresolver.ResolverTypeOCILayout`).
    pub(crate) async fn resolve_oci_layout_config(
        &self,
        reference: &str,
        platform: Option<pb::Platform>,
        session_id: &str,
        store_id: &str,
        log_name: &str,
    ) -> Result<ResolvedImage, BridgeError> {
        let request = gw::ResolveImageConfigRequest {
            r#ref: reference.to_string(),
            platform,
            log_name: log_name.to_string(),
            resolver_type: 1,
            session_id: session_id.to_string(),
            store_id: store_id.to_string(),
            ..Default::default()
        };
        self.resolve_config(request).await
    }

    async fn resolve_config(
        &self,
        request: gw::ResolveImageConfigRequest,
    ) -> Result<ResolvedImage, BridgeError> {
        let reference = request.r#ref.clone();
        let response = self
            .client
            .clone()
            .resolve_image_config(request)
            .await
            .map_err(BridgeError::rpc("ResolveImageConfig"))?
            .into_inner();
        let resolved_reference = if response.r#ref.is_empty() {
            reference.to_string()
        } else {
            response.r#ref
        };
        Ok(ResolvedImage {
            reference: resolved_reference,
            digest: response.digest,
            config: response.config,
        })
    }

    pub(crate) async fn resolve_source_meta(
        &self,
        request: gw::ResolveSourceMetaRequest,
    ) -> Result<gw::ResolveSourceMetaResponse, BridgeError> {
        Ok(self
            .client
            .clone()
            .resolve_source_meta(request)
            .await
            .map_err(BridgeError::rpc("ResolveSourceMeta"))?
            .into_inner())
    }

    /// The definitions the caller passed as frontend inputs, by name.
    pub async fn inputs(&self) -> Result<BTreeMap<String, pb::Definition>, BridgeError> {
        let response = self
            .client
            .clone()
            .inputs(gw::InputsRequest {})
            .await
            .map_err(BridgeError::rpc("Inputs"))?;
        Ok(response.into_inner().definitions)
    }

    /// Attaches a warning to vertex `digest` (shown by buildctl/buildx after the build).
    pub async fn warn(&self, request: gw::WarnRequest) -> Result<(), BridgeError> {
        self.client
            .clone()
            .warn(request)
            .await
            .map_err(BridgeError::rpc("Warn"))?;
        Ok(())
    }

    /// Hands the build's outcome to BuildKit: the result, or a failure. Call once; exit right after.
    pub(crate) async fn return_outcome(
        &self,
        outcome: Result<gw::Result, Status>,
    ) -> Result<(), BridgeError> {
        self.send_return(return_request(outcome)).await
    }

    async fn send_return(&self, request: gw::ReturnRequest) -> Result<(), BridgeError> {
        self.client
            .clone()
            .r#return(request)
            .await
            .map_err(BridgeError::rpc("Return"))?;
        Ok(())
    }
}

/// The Solve request for a definition (the daemon answers with the result shapes of today).
pub fn solve_request(
    definition: pb::Definition,
    cache_imports: Vec<gw::CacheOptionsEntry>,
) -> gw::SolveRequest {
    gw::SolveRequest {
        definition: Some(definition),
        // Without these two the daemon answers with the deprecated string-ref shapes.
        allow_result_return: true,
        allow_result_array_ref: true,
        cache_imports,
        ..Default::default()
    }
}

/// The Return request: exactly one of result and error (the daemon reads `result` when `error` is
/// unset). A failure's status code must not be 0: the daemon reads OK as success.
pub fn return_request(outcome: Result<gw::Result, Status>) -> gw::ReturnRequest {
    fit_in_one_message(match outcome {
        Ok(result) => gw::ReturnRequest {
            result: Some(result),
            error: None,
        },
        Err(status) => gw::ReturnRequest {
            result: None,
            error: Some(status),
        },
    })
}

/// A Return larger than one gRPC message never arrives: the stream breaks and the client sees
/// only "exit code: 1" (scripts/bad-input.sh, a 15 MiB Dockerfile). So an error gives up its
/// details (the source snippets, each of which carries the whole Dockerfile) and keeps its
/// message, which names the line; a result that large becomes an error saying so.
fn fit_in_one_message(request: gw::ReturnRequest) -> gw::ReturnRequest {
    use prost::Message;
    // Room for the gRPC framing.
    const LIMIT: usize = MAX_MESSAGE_SIZE - 1024;
    let size = request.encoded_len();
    if size <= LIMIT {
        return request;
    }
    let status = match request.error {
        Some(mut status) => {
            status.details.clear();
            if status.message.len() > LIMIT / 2 {
                let mut end = LIMIT / 2;
                while !status.message.is_char_boundary(end) {
                    end -= 1;
                }
                status.message.truncate(end);
            }
            status
        }
        None => Status {
            code: tonic::Code::ResourceExhausted as i32,
            message: format!(
                "the build result is too large to return: {size} bytes, over the gRPC message limit of {MAX_MESSAGE_SIZE} bytes"
            ),
            details: Vec::new(),
        },
    };
    gw::ReturnRequest {
        result: None,
        error: Some(status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (scripts/bad-input.sh, big-15mib-error): the located error of a 15 MiB
    /// Dockerfile carried the file in its source detail, the Return broke the stream and the
    /// client saw only "exit code: 1".
    #[test]
    fn an_error_too_large_for_one_message_keeps_its_message() {
        let status = Status {
            code: tonic::Code::Unknown as i32,
            message: "dockerfile parse error on line 15362: unknown instruction: COPPY".into(),
            details: vec![prost_types::Any {
                type_url: "github.com/moby/buildkit/errdefs.Source+json".into(),
                value: vec![b'x'; 17 << 20],
            }],
        };
        let request = return_request(Err(status.clone()));
        let sent = request.error.expect("an error");
        assert_eq!(sent.message, status.message);
        assert_eq!(sent.code, status.code);
        assert!(sent.details.is_empty());

        let small = return_request(Err(Status {
            details: vec![prost_types::Any::default()],
            ..status
        }));
        assert_eq!(small.error.expect("an error").details.len(), 1);
    }

    #[test]
    fn a_result_too_large_for_one_message_becomes_an_error() {
        let result = gw::Result {
            metadata: BTreeMap::from([("containerimage.config".to_string(), vec![b'x'; 17 << 20])]),
            ..Default::default()
        };
        let request = return_request(Ok(result));
        assert!(request.result.is_none());
        let error = request.error.expect("an error");
        assert_eq!(error.code, tonic::Code::ResourceExhausted as i32);
        assert!(
            error
                .message
                .starts_with("the build result is too large to return: "),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_client_side_status_names_its_cause() {
        // What tonic's channel gives when the connection breaks under a call.
        #[derive(Debug, thiserror::Error)]
        #[error("transport error")]
        struct Transport(#[source] std::io::Error);
        let broken = std::io::Error::new(std::io::ErrorKind::BrokenPipe, "broken pipe");
        let err = BridgeError::Rpc {
            rpc: "Return",
            status: tonic::Status::from_error(Box::new(Transport(broken))),
        };
        assert_eq!(err.to_string(), "Return: transport error: broken pipe");
        // A daemon's status has no cause: its message is kept as it is.
        let err = BridgeError::Rpc {
            rpc: "Solve",
            status: tonic::Status::internal("failed to solve"),
        };
        assert_eq!(err.to_string(), "Solve: failed to solve");
    }
}
