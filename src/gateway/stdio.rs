//! The connection to buildkitd: HTTP/2 with prior knowledge over our own stdin (buildkitd -> us) and
//! stdout (us -> buildkitd). buildkitd is the gRPC server; we are the client (frontend/gateway/gateway.go).
//!
//! stdin/stdout are wrapped in tokio's unix pipe types rather than `tokio::io::stdin()`: the latter
//! reads on a blocking thread that keeps the process alive after `Return` (the runtime cannot stop it).

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::{Arc, Mutex};

use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, Join};
use tokio::net::unix::pipe;
use tonic::transport::{Channel, Endpoint, Uri};

/// The stream over fds 0 and 1.
pub(crate) type StdioStream = Join<pipe::Receiver, pipe::Sender>;

/// Opens fds 0 and 1 as non-blocking tokio pipes. Works for pipes (what buildkitd gives us) and for
/// sockets (a socketpair in tests), which is why the unchecked constructors are used.
pub(crate) fn stdio_stream() -> io::Result<StdioStream> {
    let stdin: OwnedFd = io::stdin().as_fd().try_clone_to_owned()?;
    let stdout: OwnedFd = io::stdout().as_fd().try_clone_to_owned()?;
    let reader = pipe::Receiver::from_owned_fd_unchecked(stdin)?;
    let writer = pipe::Sender::from_owned_fd_unchecked(stdout)?;
    Ok(tokio::io::join(reader, writer))
}

/// Builds a gRPC channel over `stream`. The stream is handed out once: tonic may call the connector
/// again after the connection ends, and a second stdio connection does not exist, so that call fails.
pub(crate) async fn channel_over<S>(stream: S) -> Result<Channel, tonic::transport::Error>
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let slot = Arc::new(Mutex::new(Some(TokioIo::new(stream))));
    let connector = tower::service_fn(move |_: Uri| {
        let taken = slot.lock().map(|mut s| s.take()).ok().flatten();
        async move {
            taken.ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotConnected,
                    "the stdio connection to buildkitd is closed",
                )
            })
        }
    });
    // The Go client dials "localhost", so `:authority` is `localhost`; tonic speaks h2c with prior
    // knowledge on an `http://` endpoint.
    Endpoint::from_static("http://localhost")
        .connect_with_connector(connector)
        .await
}
