//! A fake buildkitd for `tests/fake_gateway.rs`: an LLBBridge gRPC server (tonic's HTTP/2
//! server, one connection) on one end of a socketpair whose other end is the stdin and stdout of
//! the real `dockerfile-llb frontend` process, started with the environment BuildKit gives a
//! gateway frontend.
//!
//! It answers the way a daemon does for the fixture build (tests/fixtures/fake-gateway): caps in
//! Pong, a ref per Solve, the shared files by ref in StatFile and ReadFile, an image config in
//! ResolveImageConfig, and records every request. At one [`Step`] of that flow it can misbehave
//! instead ([`Fault`]): bytes that are no protobuf, a truncated gRPC frame, another message's
//! bytes, an error status (with or without `google.rpc.Status` details), a reply above the
//! client's 16 MiB limit, a slow reply, or the connection closed.
//!
//! Messages travel as raw bytes through tonic's unary machinery ([`RawCodec`]): the fake decodes
//! requests and encodes good replies with the crate's prost types itself, so a bad reply is just
//! other bytes. This needs no generated server code, so build.rs (and the frontend binary) stay
//! as they are.

use std::convert::Infallible;
use std::io::Read;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream as StdUnixStream;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::{Buf, BufMut, Bytes};
use prost::Message;
use tonic::body::Body;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::http;
use tonic::server::{Grpc, NamedService, UnaryService};
use tonic::{Code, Request, Response, Status};

use dockerfile_llb::proto::moby::buildkit::v1::frontend as gw;
use dockerfile_llb::proto::pb;

/// How long a frontend run may take before the test kills it and fails.
pub const EXIT_DEADLINE: Duration = Duration::from_secs(20);
/// The delay of a slow reply: well under the 15 s the frontend gives Ping, so waiting is right.
pub const SLOW_REPLY: Duration = Duration::from_secs(3);
/// Above the client's 16 MiB message limit (`bridge::MAX_MESSAGE_SIZE`, BuildKit's own).
pub const HUGE_REPLY: usize = 20 << 20;
/// The number of caps in a huge Pong.
pub const HUGE_CAPS: usize = 1_000_000;

const SERVICE: &str = "moby.buildkit.v1.frontend.LLBBridge";

/// The steps of the fixture build's flow, in the order the frontend takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Ping,
    /// Listing the frontend inputs (asked because Pong has `frontend.inputs`).
    Inputs,
    /// Solving the `local://dockerfile` source.
    SolveDockerfile,
    /// The size check before the Dockerfile is read.
    StatDockerfile,
    ReadDockerfile,
    /// `Dockerfile.dockerignore`, which the fixture does not have.
    ReadDockerfileIgnore,
    /// The fixture's build-check warning (Pong has `gateway.warnings`).
    Warn,
    /// The base image's config.
    ResolveImageConfig,
    /// Solving the context's `.dockerignore` source.
    SolveContextIgnore,
    ReadContextIgnore,
    /// Solving the converted build.
    SolveBuild,
    Return,
}

impl Step {
    /// The fixture build's whole flow, as a well-behaved daemon sees it.
    pub const FLOW: [Step; 12] = [
        Step::Ping,
        Step::Inputs,
        Step::SolveDockerfile,
        Step::StatDockerfile,
        Step::ReadDockerfile,
        Step::ReadDockerfileIgnore,
        Step::Warn,
        Step::ResolveImageConfig,
        Step::SolveContextIgnore,
        Step::ReadContextIgnore,
        Step::SolveBuild,
        Step::Return,
    ];
}

/// How the fake misbehaves at its step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Bytes that no message decodes from (an unterminated varint).
    Malformed,
    /// A gRPC frame whose length prefix promises more than is sent; then the stream ends.
    Truncated,
    /// The bytes of another message (`ReadFileResponse` for Ping, `PongResponse` elsewhere).
    WrongType,
    /// An error status without details.
    Status,
    /// An error status with `google.rpc.Status` details (a vertex, as BuildKit attaches).
    StatusWithDetails,
    /// A reply above 16 MiB: a million caps for Ping, 20 MiB of data for ReadFile, else the good
    /// reply padded with 20 MiB of an unknown field.
    Huge,
    /// The good reply, [`SLOW_REPLY`] late.
    Slow,
    /// The connection is shut down instead of a reply.
    Closed,
}

/// The vertex digest the fake names in its detailed error statuses.
pub const FAILED_VERTEX: &str =
    "sha256:6e2e5b0f0c0a4f1b8e7d9c3a2b1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a39";
pub const VERTEX_TYPE_URL: &str = "github.com/moby/buildkit/errdefs.Vertex+json";

/// `google.rpc.Status` as it travels in `grpc-status-details-bin` (our own encoder: the crate's
/// type is not public).
#[derive(Clone, PartialEq, prost::Message)]
pub struct RpcStatus {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
    #[prost(message, repeated, tag = "3")]
    pub details: Vec<prost_types::Any>,
}

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Call {
    pub step: Option<Step>,
    pub method: String,
    pub request: Vec<u8>,
}

/// What one frontend run did.
#[derive(Debug)]
pub struct Run {
    pub status: ExitStatus,
    pub stderr: String,
    pub calls: Vec<Call>,
    pub elapsed: Duration,
}

impl Run {
    /// The Return requests the fake received (decoded).
    pub fn returns(&self) -> Vec<gw::ReturnRequest> {
        self.calls
            .iter()
            .filter(|c| c.method == "Return")
            .map(|c| gw::ReturnRequest::decode(c.request.as_slice()).expect("a ReturnRequest"))
            .collect()
    }

    pub fn steps(&self) -> Vec<Step> {
        self.calls.iter().filter_map(|c| c.step).collect()
    }
}

/// The fixture build: its Dockerfile (`dockerfile` local) and the context's `.dockerignore`.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub dockerfile: Vec<u8>,
    pub context_dockerignore: Vec<u8>,
}

impl Fixture {
    pub fn load(dir: &Path) -> Fixture {
        Fixture {
            dockerfile: std::fs::read(dir.join("Dockerfile")).expect("fixture Dockerfile"),
            context_dockerignore: std::fs::read(dir.join(".dockerignore"))
                .expect("fixture .dockerignore"),
        }
    }
}

/// The files a ref shares, by path.
type Files = Vec<(String, Vec<u8>)>;

/// A boxed future, as tower and tonic services return them.
type BoxFuture<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>>;

/// What the fake knows and has seen: the fault, the refs it handed out (with the files each
/// shares), every request.
struct State {
    fixture: Fixture,
    fault: Option<(Step, Fault)>,
    /// Set once the fault has fired: each fault happens once, at the first call of its step.
    fired: bool,
    refs: Vec<(String, Files)>,
    calls: Vec<Call>,
    /// The fake's end of the socketpair, to shut the connection down.
    socket: Arc<OwnedFd>,
}

#[derive(Clone)]
struct FakeBridge {
    state: Arc<Mutex<State>>,
}

impl NamedService for FakeBridge {
    const NAME: &'static str = SERVICE;
}

/// What the fake does with one call.
enum Reply {
    /// These bytes as the message, or this status.
    Message(Result<Vec<u8>, Status>),
    /// This answer after a delay.
    Late(Result<Vec<u8>, Status>, Duration),
    /// A response whose body is one broken frame.
    Truncated,
    /// Shut the connection down and never answer.
    Close,
}

impl tower::Service<http::Request<Body>> for FakeBridge {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Self::Response, Infallible>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Infallible>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let state = self.state.clone();
        let method = request
            .uri()
            .path()
            .strip_prefix(&format!("/{SERVICE}/"))
            .unwrap_or("")
            .to_string();
        Box::pin(async move {
            let mut grpc = Grpc::new(RawCodec)
                .max_decoding_message_size(64 << 20)
                .max_encoding_message_size(usize::MAX);
            Ok(grpc.unary(Method { state, method }, request).await)
        })
    }
}

/// One unary call: decode, answer (or misbehave), record.
struct Method {
    state: Arc<Mutex<State>>,
    method: String,
}

impl UnaryService<Vec<u8>> for Method {
    type Response = Vec<u8>;
    type Future = BoxFuture<Result<Response<Vec<u8>>, Status>>;

    fn call(&mut self, request: Request<Vec<u8>>) -> Self::Future {
        let bytes = request.into_inner();
        let (reply, socket) = {
            let mut state = self.state.lock().unwrap();
            let reply = state.answer(&self.method, bytes);
            (reply, state.socket.clone())
        };
        Box::pin(async move {
            match reply {
                Reply::Message(m) => m.map(Response::new),
                Reply::Late(m, delay) => {
                    tokio::time::sleep(delay).await;
                    m.map(Response::new)
                }
                // Handled by the codec: it writes the broken frame itself.
                Reply::Truncated => Ok(Response::new(TRUNCATED_MARKER.to_vec())),
                Reply::Close => {
                    // SAFETY: shutdown(2) on a socket this process owns; the peer then reads
                    // EOF and its writes fail, as when buildkitd goes away.
                    unsafe { libc::shutdown(socket.as_raw_fd(), libc::SHUT_RDWR) };
                    std::future::pending().await
                }
            }
        })
    }
}

/// What the fake's codec turns into a truncated frame (no real reply is these bytes).
const TRUNCATED_MARKER: &[u8] = b"\0fake-gateway: truncate this frame\0";

impl State {
    fn answer(&mut self, method: &str, request: Vec<u8>) -> Reply {
        let step = self.step_of(method, &request);
        self.calls.push(Call {
            step,
            method: method.to_string(),
            request: request.clone(),
        });
        let fault = match (step, self.fault) {
            (Some(step), Some((at, fault))) if step == at && !self.fired => {
                self.fired = true;
                Some(fault)
            }
            _ => None,
        };
        let good = self.good_reply(method, &request);
        let Some(fault) = fault else {
            return Reply::Message(good);
        };
        let step = step.expect("a faulty step");
        match fault {
            Fault::Malformed => Reply::Message(Ok(vec![0xff; 11])),
            Fault::Truncated => Reply::Truncated,
            Fault::WrongType => Reply::Message(Ok(wrong_type_reply(step))),
            Fault::Status => Reply::Message(Err(Status::new(
                Code::Internal,
                format!("fake daemon failed {step:?}"),
            ))),
            Fault::StatusWithDetails => {
                let message = format!("fake daemon failed {step:?} on a vertex");
                let details = RpcStatus {
                    code: Code::Unavailable as i32,
                    message: message.clone(),
                    details: vec![prost_types::Any {
                        type_url: VERTEX_TYPE_URL.to_string(),
                        value: format!(r#"{{"digest":"{FAILED_VERTEX}"}}"#).into_bytes(),
                    }],
                };
                Reply::Message(Err(Status::with_details(
                    Code::Unavailable,
                    message,
                    Bytes::from(details.encode_to_vec()),
                )))
            }
            Fault::Huge => Reply::Message(Ok(match step {
                Step::Ping => pong(&[], HUGE_CAPS).encode_to_vec(),
                Step::ReadDockerfile | Step::ReadDockerfileIgnore | Step::ReadContextIgnore => {
                    gw::ReadFileResponse {
                        data: vec![b'#'; HUGE_REPLY],
                    }
                    .encode_to_vec()
                }
                _ => match good {
                    Ok(bytes) => padded(bytes, HUGE_REPLY),
                    Err(status) => return Reply::Message(Err(status)),
                },
            })),
            Fault::Slow => Reply::Late(good, SLOW_REPLY),
            Fault::Closed => Reply::Close,
        }
    }

    /// Which step of the fixture's flow a request is.
    fn step_of(&self, method: &str, request: &[u8]) -> Option<Step> {
        Some(match method {
            "Ping" => Step::Ping,
            "Inputs" => Step::Inputs,
            "Warn" => Step::Warn,
            "ResolveImageConfig" => Step::ResolveImageConfig,
            "Return" => Step::Return,
            "Solve" => {
                let request = gw::SolveRequest::decode(request).ok()?;
                let local = request
                    .definition
                    .as_ref()
                    .and_then(|d| sources(d).into_iter().next());
                match local.as_deref() {
                    Some("local://dockerfile") => Step::SolveDockerfile,
                    Some("local://context") if is_read(request.definition.as_ref()?) => {
                        Step::SolveContextIgnore
                    }
                    _ => Step::SolveBuild,
                }
            }
            "StatFile" => match gw::StatFileRequest::decode(request).ok()?.path.as_str() {
                "Dockerfile" => Step::StatDockerfile,
                _ => return None,
            },
            "ReadFile" => match gw::ReadFileRequest::decode(request)
                .ok()?
                .file_path
                .as_str()
            {
                "Dockerfile" => Step::ReadDockerfile,
                "Dockerfile.dockerignore" => Step::ReadDockerfileIgnore,
                ".dockerignore" => Step::ReadContextIgnore,
                _ => return None,
            },
            _ => return None,
        })
    }

    /// What a daemon answers for the fixture build.
    fn good_reply(&mut self, method: &str, request: &[u8]) -> Result<Vec<u8>, Status> {
        let invalid = |e: prost::DecodeError| Status::invalid_argument(e.to_string());
        match method {
            "Ping" => {
                let frontend = [
                    "solve.base",
                    "solve.inlinereturn",
                    "resolveimage",
                    "readfile",
                    "readdir",
                    "statfile",
                    "frontend.inputs",
                    "gateway.warnings",
                    "sourcemeta.resolver",
                ];
                let mut pong = pong(&frontend, 0);
                let llb: Vec<_> = dockerfile_llb::llb::caps::CapSet::all().iter().collect();
                pong.llb_caps.resize_with(llb.len(), Default::default);
                for (cap, id) in pong.llb_caps.iter_mut().zip(llb) {
                    cap.id = id.to_string();
                    cap.enabled = true;
                }
                Ok(pong.encode_to_vec())
            }
            "Inputs" => Ok(gw::InputsResponse::default().encode_to_vec()),
            "Solve" => {
                let request = gw::SolveRequest::decode(request).map_err(invalid)?;
                let definition = request
                    .definition
                    .ok_or_else(|| Status::invalid_argument("no definition"))?;
                let files = match sources(&definition).first().map(String::as_str) {
                    Some("local://dockerfile") => {
                        vec![("Dockerfile".to_string(), self.fixture.dockerfile.clone())]
                    }
                    Some("local://context") if is_read(&definition) => vec![(
                        ".dockerignore".to_string(),
                        self.fixture.context_dockerignore.clone(),
                    )],
                    _ => Vec::new(),
                };
                let id = format!("ref-{}", self.refs.len() + 1);
                self.refs.push((id.clone(), files));
                Ok(gw::SolveResponse {
                    result: Some(gw::Result {
                        result: Some(gw::result::Result::Ref(gw::Ref { id, def: None })),
                        ..Default::default()
                    }),
                    ..Default::default()
                }
                .encode_to_vec())
            }
            "StatFile" => {
                let request = gw::StatFileRequest::decode(request).map_err(invalid)?;
                let data = self.file(&request.r#ref, &request.path)?;
                let mut response = gw::StatFileResponse {
                    stat: Some(Default::default()),
                };
                if let Some(stat) = response.stat.as_mut() {
                    stat.path = request.path.clone();
                    stat.mode = 0o644;
                    stat.size = data.len() as i64;
                }
                Ok(response.encode_to_vec())
            }
            "ReadFile" => {
                let request = gw::ReadFileRequest::decode(request).map_err(invalid)?;
                let mut data = self.file(&request.r#ref, &request.file_path)?;
                if let Some(range) = request.range {
                    let start = (range.offset.max(0) as usize).min(data.len());
                    let end = start.saturating_add(range.length.max(0) as usize);
                    data = data[start..end.min(data.len())].to_vec();
                }
                Ok(gw::ReadFileResponse { data }.encode_to_vec())
            }
            "ResolveImageConfig" => {
                let request = gw::ResolveImageConfigRequest::decode(request).map_err(invalid)?;
                let config = serde_json::json!({
                    "architecture": "amd64",
                    "os": "linux",
                    "config": { "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] },
                    "rootfs": { "type": "layers", "diff_ids": [] },
                });
                Ok(gw::ResolveImageConfigResponse {
                    r#ref: request.r#ref,
                    digest:
                        "sha256:0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c"
                            .to_string(),
                    config: config.to_string().into_bytes(),
                }
                .encode_to_vec())
            }
            "Warn" => {
                gw::WarnRequest::decode(request).map_err(invalid)?;
                Ok(gw::WarnResponse {}.encode_to_vec())
            }
            "Return" => {
                gw::ReturnRequest::decode(request).map_err(invalid)?;
                Ok(gw::ReturnResponse {}.encode_to_vec())
            }
            other => Err(Status::unimplemented(format!(
                "fake daemon: unknown method {other}"
            ))),
        }
    }

    /// A file of a ref the fake handed out, with the daemon's errors otherwise.
    fn file(&self, ref_id: &str, path: &str) -> Result<Vec<u8>, Status> {
        let (_, files) = self
            .refs
            .iter()
            .find(|(id, _)| id == ref_id)
            .ok_or_else(|| Status::not_found(format!("no such ref: {ref_id:?}")))?;
        files
            .iter()
            .find(|(name, _)| name == path)
            .map(|(_, data)| data.clone())
            .ok_or_else(|| Status::not_found(format!("open {path}: no such file or directory")))
    }
}

/// The bytes of another message than `step`'s reply: a ReadFileResponse (of a Dockerfile) where
/// a Pong is expected, a Pong (of one cap) elsewhere.
pub fn wrong_type_reply(step: Step) -> Vec<u8> {
    match step {
        Step::Ping => gw::ReadFileResponse {
            data: b"FROM alpine\n".to_vec(),
        }
        .encode_to_vec(),
        _ => pong(&["solve.base"], 0).encode_to_vec(),
    }
}

/// A Pong listing `ids` as enabled frontend caps, then `extra` more (huge replies).
fn pong(ids: &[&str], extra: usize) -> gw::PongResponse {
    let mut pong = gw::PongResponse::default();
    let names = ids
        .iter()
        .map(|s| s.to_string())
        .chain((0..extra).map(|n| format!("moby.buildkit.frontend.fake-gateway.extra-cap.{n:07}")));
    let names: Vec<String> = names.collect();
    pong.frontend_api_caps
        .resize_with(names.len(), Default::default);
    for (cap, id) in pong.frontend_api_caps.iter_mut().zip(names) {
        cap.id = id;
        cap.enabled = true;
    }
    pong
}

/// `message` with an unknown length-delimited field (number 1000) of `size` bytes appended:
/// still a valid message of its type, just too large.
fn padded(mut message: Vec<u8>, size: usize) -> Vec<u8> {
    prost::encoding::encode_key(
        1000,
        prost::encoding::WireType::LengthDelimited,
        &mut message,
    );
    prost::encoding::encode_varint(size as u64, &mut message);
    message.resize(message.len() + size, 0);
    message
}

/// The identifiers of a definition's source ops, in order.
fn sources(definition: &pb::Definition) -> Vec<String> {
    definition
        .def
        .iter()
        .filter_map(|bytes| pb::Op::decode(&bytes[..]).ok())
        .filter_map(|op| match op.op {
            Some(pb::op::Op::Source(source)) => Some(source.identifier),
            _ => None,
        })
        .collect()
}

/// A definition that only reads files (one source op and the terminal op).
fn is_read(definition: &pb::Definition) -> bool {
    definition.def.len() == 2
}

/// Raw message bytes both ways; a reply of [`TRUNCATED_MARKER`] becomes a frame whose length
/// prefix says 1 MiB while 16 bytes follow, then the body ends without trailers.
#[derive(Clone, Copy, Default)]
struct RawCodec;

impl Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> RawCodec {
        RawCodec
    }

    fn decoder(&mut self) -> RawCodec {
        RawCodec
    }
}

impl Encoder for RawCodec {
    type Item = Vec<u8>;
    type Error = Status;

    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for RawCodec {
    type Item = Vec<u8>;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining()).to_vec()))
    }
}

/// The service with truncated replies rewritten: tonic cannot write a broken frame, so the
/// response to a call that asked for one is replaced by a hand-made body.
#[derive(Clone)]
struct Truncating(FakeBridge);

impl NamedService for Truncating {
    const NAME: &'static str = SERVICE;
}

impl tower::Service<http::Request<Body>> for Truncating {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = <FakeBridge as tower::Service<http::Request<Body>>>::Future;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Infallible>> {
        tower::Service::poll_ready(&mut self.0, cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let inner = tower::Service::call(&mut self.0, request);
        Box::pin(async move {
            let response = inner.await?;
            let (parts, body) = response.into_parts();
            let collected = http_body_util::BodyExt::collect(body)
                .await
                .map(|c| (c.trailers().cloned(), c.to_bytes()));
            let (trailers, bytes) = match collected {
                Ok(c) => c,
                Err(_) => return Ok(Status::internal("fake: body").into_http()),
            };
            if bytes.len() == 5 + TRUNCATED_MARKER.len() && &bytes[5..] == TRUNCATED_MARKER {
                let mut frame = vec![0u8];
                frame.extend_from_slice(&(1u32 << 20).to_be_bytes());
                frame.extend_from_slice(&[0x0a; 16]);
                let mut response =
                    http::Response::new(Body::new(http_body_util::Full::new(Bytes::from(frame))));
                *response.headers_mut() = parts.headers;
                return Ok(response);
            }
            // Put the collected body back, trailers (the grpc-status) included.
            let mut frames = vec![Ok::<_, Infallible>(http_body::Frame::data(bytes))];
            if let Some(trailers) = trailers {
                frames.push(Ok(http_body::Frame::trailers(trailers)));
            }
            let body = http_body_util::StreamBody::new(tonic::codegen::tokio_stream::iter(frames));
            Ok(http::Response::from_parts(parts, Body::new(body)))
        })
    }
}

/// The environment BuildKit gives a gateway frontend (frontend/gateway/gateway.go), for the
/// fixture build: its options, session, workers and product.
pub fn frontend_env() -> Vec<(String, String)> {
    let workers = serde_json::json!([{
        "ID": "fakeworker0",
        "Labels": { "org.mobyproject.buildkit.worker.executor": "oci" },
        "Platforms": [{ "architecture": "amd64", "os": "linux" }],
    }]);
    let opts = ["filename=Dockerfile", "image-resolve-mode=default"];
    let mut env: Vec<(String, String)> = opts
        .iter()
        .enumerate()
        .map(|(n, o)| (format!("BUILDKIT_FRONTEND_OPT_{n}"), o.to_string()))
        .collect();
    env.push(("BUILDKIT_SESSION_ID".into(), "fake-session".into()));
    env.push(("BUILDKIT_WORKERS".into(), workers.to_string()));
    env.push(("BUILDKIT_EXPORTEDPRODUCT".into(), "buildkit".into()));
    env
}

/// Runs the real frontend against the fake, misbehaving with `fault` (or not), until it exits.
/// Panics (failing the test) if it has not exited within [`EXIT_DEADLINE`], after killing it.
pub fn run_frontend(fixture: &Fixture, fault: Option<(Step, Fault)>) -> Run {
    let (ours, theirs) = StdUnixStream::pair().expect("socketpair");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let socket = Arc::new(OwnedFd::from(ours.try_clone().expect("dup")));
    let state = Arc::new(Mutex::new(State {
        fixture: fixture.clone(),
        fault,
        fired: false,
        refs: Vec::new(),
        calls: Vec::new(),
        socket,
    }));
    let service = Truncating(FakeBridge {
        state: state.clone(),
    });
    ours.set_nonblocking(true).expect("non-blocking");
    runtime.spawn(async move {
        let stream = tokio::net::UnixStream::from_std(ours).expect("tokio socket");
        let incoming = tonic::codegen::tokio_stream::once(Ok::<_, std::io::Error>(stream));
        let _ = tonic::transport::Server::builder()
            .serve_with_incoming(service, incoming)
            .await;
    });

    let stdin = OwnedFd::from(theirs.try_clone().expect("dup"));
    let stdout = OwnedFd::from(theirs);
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dockerfile-llb"))
        .arg("frontend")
        .env_clear()
        .envs(frontend_env())
        .stdin(Stdio::from(stdin))
        .stdout(Stdio::from(stdout))
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the frontend");
    let mut stderr_pipe = child.stderr.take().expect("stderr");
    let stderr_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr_pipe.read_to_string(&mut text);
        text
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > EXIT_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            let stderr = stderr_reader.join().unwrap_or_default();
            panic!(
                "the frontend did not exit within {} s (killed); fault {fault:?}; stderr:\n{stderr}",
                EXIT_DEADLINE.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = started.elapsed();
    let stderr = stderr_reader.join().unwrap_or_default();
    runtime.shutdown_background();
    let calls = state.lock().unwrap().calls.clone();
    Run {
        status,
        stderr,
        calls,
        elapsed,
    }
}
