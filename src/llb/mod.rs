//! A typed builder for BuildKit LLB: ops, deterministic marshaling, digests.
//!
//! In: op builders ([`Source`], [`Exec`], [`FileOp`], [`Merge`], [`Diff`]) chained through
//! [`Output`]s, which are cheap `Arc` handles to immutable nodes. Out: a [`Definition`] whose op
//! bytes are exactly what BuildKit's Go client would write, so digests agree with BuildKit's.
//! This layer knows LLB, not Dockerfiles.
//!
//! How it maps to the Go client (client/llb), whose output it reproduces byte for byte
//! (tests/llb_go.rs compares both on reference graphs, digest by digest, metadata included):
//! - `llb.Image/Local/Git/HTTP` → [`Source::image`] (give it a [`normalize_image_ref`]'d
//!   reference), [`Source::local`], [`Source::git`] (a [`GitSource`], whose methods are the
//!   `GitOption`s), [`Source::http`], [`Source::raw`]; then
//!   `.build()` → [`Output`]. Scratch is `None` wherever an `impl Into<Option<Output>>` is taken.
//! - `State.Run` → [`Exec`] (`.root()`, `.mount(`[`Mount`]`)`, `.secret()`, `.ssh()`, ...);
//!   `.build()?` → [`ExecOutputs`] with `.root()` and `.mount(dest)`.
//! - `State.File(llb.Mkdir(..).Copy(..))` → [`FileOp::new`]`(base).mkdir(..).copy(..).build()?`;
//!   [`CopySource::Action`] copies from an earlier action of the same op.
//! - `llb.Merge/Diff` → [`Merge`] / [`Diff`] (`.finish()` gives the Go helpers' shortcuts).
//! - `llb.WithCustomName`, `WithDescription`, `IgnoreCache`, `ProgressGroup`, platforms and
//!   source locations → the [`OpOptions`] trait, on every builder.
//! - `State` (env, dir, user, platform defaults) → [`State`], with `.exec(args)` and `.file()`.
//! - `State.Marshal` → [`Definition::marshal`]; then `.into_pb()`, `.to_bytes()`, `.to_json()`.
//! - The caps the Go client declares per op are added by the builders; others via
//!   [`OpOptions::cap`].
//!
//! ```
//! use dockerfile_llb::llb::{Copy, Definition, Exec, FileOp, OpOptions, Platform, Source};
//! let platform = Platform::new("linux", "amd64");
//! let base = Source::image("docker.io/library/alpine:3.20").platform(platform.clone()).build();
//! let context = Source::local("context").build();
//! let copied = FileOp::new(base)
//!     .copy(Copy::new(context, "/", "/src/").create_dest_path(true))
//!     .custom_name("COPY . /src/")
//!     .build()?;
//! let run = Exec::shell("make -C /src").root(copied).platform(platform).build()?;
//! let definition = Definition::marshal(&run.root().expect("a writable root has an output"));
//! assert_eq!(definition.to_pb().def.len(), 5);
//! # Ok::<(), dockerfile_llb::llb::LlbError>(())
//! ```

pub mod caps;
mod definition;
mod exec;
mod file;
pub(crate) mod git_url;
mod import;
mod json;
mod merge;
mod mount;
mod node;
mod source;
mod wire;

pub use definition::{write_definition, Definition};
pub use exec::{Exec, ExecOutputs, NetMode, ProxyEnv, SecurityMode};
pub use file::{Chown, Copy, CopyMode, CopySource, FileOp, Mkdir, Mkfile, Rm, Symlink, UserRef};
pub use import::import;
pub use merge::{Diff, Merge};
pub use mount::{CacheSharing, ContentCache, Mount, SecretMount, SshMount};
pub use node::{
    Node, OpMetadata, OpOptions, Output, Platform, Position, ProgressGroup, Range, SourceLocation,
    SourceMap,
};
pub use source::{normalize_image_ref, GitSource, ResolveMode, Source};
pub use wire::{encode_op, Digest};

/// Graphs the builders refuse to seal.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LlbError {
    #[error("exec op: expected at least one argument, got none")]
    ExecWithoutArgs,
    #[error("exec op: expected a working directory, got an empty one")]
    ExecWithoutCwd,
    #[error("exec op: tmpfs mount at {0} cannot have a source; tmpfs starts empty")]
    TmpfsWithSource(String),
    #[error("file op: expected at least one action, got none")]
    FileOpWithoutActions,
    #[error("file op: action {action} copies from action {from}, expected an earlier action")]
    CopyFromLaterAction { action: usize, from: usize },
    #[error("invalid platform {0:?}: expected os[/arch[/variant]], e.g. linux/arm64")]
    InvalidPlatform(String),
    #[error("merge op: expected at least two inputs, got {0}")]
    MergeNeedsTwoInputs(usize),
    /// A definition [`import`] refuses, in the Go client's words.
    #[error("{0}")]
    InvalidDefinition(String),
}

#[cfg(test)]
mod tests;
