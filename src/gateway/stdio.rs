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
    // The unchecked constructors take the fds as they are, and buildkitd hands us blocking
    // pipes: tokio reads until WouldBlock, so a blocking read would stall the one-thread
    // runtime for good once the pipe is drained (a build hung so, waiting on its own read).
    set_nonblocking(&stdin)?;
    set_nonblocking(&stdout)?;
    let reader = pipe::Receiver::from_owned_fd_unchecked(stdin)?;
    let writer = pipe::Sender::from_owned_fd_unchecked(stdout)?;
    Ok(tokio::io::join(reader, writer))
}

fn set_nonblocking(fd: &OwnedFd) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let raw = fd.as_raw_fd();
    // SAFETY: fcntl on a descriptor we own, with flag arguments only.
    let flags = unsafe { libc::fcntl(raw, libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: as above.
    if unsafe { libc::fcntl(raw, libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use std::os::fd::{AsRawFd, FromRawFd};

    use super::*;

    #[test]
    fn pipes_are_made_non_blocking() {
        let mut fds = [0; 2];
        // SAFETY: pipe(2) fills the two descriptors, which the OwnedFds then own.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        for fd in [&read, &write] {
            set_nonblocking(fd).unwrap();
            // SAFETY: fcntl on a descriptor the test owns.
            let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
            assert_ne!(flags & libc::O_NONBLOCK, 0);
        }
        // A read of the empty pipe now returns WouldBlock instead of waiting forever.
        let mut buf = [0u8; 1];
        // SAFETY: reading into a live buffer of the given length.
        let n = unsafe { libc::read(read.as_raw_fd(), buf.as_mut_ptr().cast(), 1) };
        assert_eq!(n, -1);
        assert_eq!(io::Error::last_os_error().kind(), io::ErrorKind::WouldBlock);
    }
}
