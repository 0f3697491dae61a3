//! The converter's own build graph, lowered to LLB (`crate::llb`) once every stage is dispatched.
//!
//! Why not build LLB nodes directly: LLB nodes are sealed with their digest when built, but the
//! build context's source op (`local://context`) carries `local.followpaths`, the set of context
//! paths that *every* dispatched stage copies — known only at the end (the reference patches it
//! in through a mutable output). So dispatch builds these small `Arc` nodes with a
//! [`OpKind::MainContext`] placeholder, and lowering maps each node to LLB exactly once.

use std::sync::Arc;

use crate::llb::ProxyEnv;
use crate::proto::pb;
// Owners of created files are the LLB layer's, parsed with `Chown::parse` (`--chown`, USER);
// RUN's network and security modes, cache mount sharing and progress groups are the LLB
// layer's too.
pub use crate::llb::{CacheSharing, Chown, NetMode, ProgressGroup, SecurityMode, UserRef};

use super::platform::Platform;

/// A filesystem: the first output of an op, or `None` for scratch (empty).
pub(crate) type Fs = Option<Arc<Op>>;

/// One op of the build graph with its progress/description data.
#[derive(Debug)]
pub struct Op {
    pub kind: OpKind,
    pub meta: OpMeta,
}

/// Data carried in `OpMetadata` and the source map, not in the op itself.
#[derive(Debug, Clone, Default)]
pub struct OpMeta {
    /// `llb.customname`: the progress line (`[build 2/4] RUN make`).
    pub custom_name: Option<String>,
    /// `com.docker.dockerfile.v1.command`: the instruction's source text.
    pub dockerfile_command: Option<String>,
    /// `ignore_cache` (the `no-cache` option).
    pub ignore_cache: bool,
    /// 1-based inclusive line range of the instruction in the Dockerfile.
    pub location: Option<LineRange>,
    /// Progress group (COPY --link's copy and merge share one).
    pub progress_group: Option<ProgressGroup>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRange {
    pub start: u32,
    pub end: u32,
}

#[derive(Debug)]
pub enum OpKind {
    /// `docker-image://<ref>` with the platform to pull.
    Image {
        reference: String,
        platform: Platform,
        resolve_mode: crate::llb::ResolveMode,
    },
    /// The build context; its attrs are decided at lowering.
    MainContext,
    /// An `https://` download (ADD <url>).
    Http {
        url: String,
        filename: String,
        checksum: Option<String>,
    },
    /// A git repository (ADD <git ref>, a git named context).
    Git(Box<GitSpec>),
    /// An image from the client's OCI layout store (an `oci-layout://` named context).
    OciLayout {
        reference: String,
        store: String,
        platform: Platform,
    },
    /// A client directory given as a named context; its paths are decided at lowering.
    NamedLocal(Box<super::named_context::NamedLocal>),
    /// LLB made elsewhere (a frontend input), as it came.
    Llb(crate::llb::Output),
    /// Moved out when lowered: its strings go into the op instead of being copied.
    Exec(TakeOnce<Box<ExecSpec>>),
    /// A file op applying `actions` in order on `base`; its output is the last action's result.
    File {
        base: Fs,
        /// Moved out when lowered, as a RUN's spec.
        actions: TakeOnce<Vec<FileAction>>,
    },
    Merge {
        inputs: Vec<Fs>,
    },
}

/// A git source as ADD makes it: `llb.Git(remote, "", …)` with the ref, subdir and switches
/// its URL and flags gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitSpec {
    pub remote: String,
    pub git_ref: String,
    pub subdir: String,
    pub keep_git_dir: bool,
    pub checksum: Option<String>,
    pub skip_submodules: bool,
    pub fetch_by_commit: bool,
    /// `git.mtime` (`checkout` or `commit`), empty when not given.
    pub mtime: String,
    /// `BUILDKIT_GIT_ADVICE`.
    pub advice: bool,
}

impl GitSpec {
    /// `llb.Git(remote, "", …)` with the spec's options.
    pub(crate) fn to_llb(&self) -> crate::llb::GitSource {
        let mut src = crate::llb::Source::git(self.remote.clone(), "")
            .git_ref(self.git_ref.clone())
            .advice(self.advice);
        if self.keep_git_dir {
            src = src.keep_git_dir();
        }
        if let Some(c) = &self.checksum {
            src = src.checksum(c.clone());
        }
        if !self.subdir.is_empty() {
            src = src.subdir(self.subdir.clone());
        }
        if self.skip_submodules {
            src = src.skip_submodules();
        }
        if self.fetch_by_commit {
            src = src.fetch_by_commit();
        }
        if !self.mtime.is_empty() {
            src = src.mtime(self.mtime.clone());
        }
        src
    }
}

/// What `RUN` executes.
#[derive(Debug)]
pub struct ExecSpec {
    pub root: Fs,
    pub args: Vec<String>,
    /// The stage's environment when the RUN was converted, listed only when it is lowered (a
    /// long stage's RUNs each carry its whole environment, the largest part of their ops), and
    /// dropped then, so that what only earlier RUNs saw is freed as lowering goes.
    pub env: super::env::EnvSnapshot,
    pub cwd: String,
    pub user: String,
    pub hostname: String,
    pub extra_hosts: Vec<(String, String)>,
    pub network: NetMode,
    pub security: SecurityMode,
    pub proxy_env: Option<ProxyEnv>,
    /// CDI devices: name and whether it is optional.
    pub cdi_devices: Vec<(String, bool)>,
    pub mounts: Vec<MountSpec>,
    pub platform: Platform,
    /// CPU/memory limits: op metadata, so a cached result is reused whatever the limits.
    pub linux_resources: Option<pb::LinuxResources>,
    /// (name, soft, hard).
    pub ulimits: Vec<(String, i64, i64)>,
    pub cgroup_parent: String,
}

/// An extra mount of a RUN (`--mount`, the `/dev/shm` tmpfs, heredoc scripts).
#[derive(Debug, Clone)]
pub struct MountSpec {
    pub dest: String,
    pub source: Fs,
    pub selector: String,
    pub readonly: bool,
    pub kind: MountKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountKind {
    /// A bind mount; `output` false means its changes are dropped (`ForceNoOutput`).
    Bind {
        output: bool,
    },
    Cache {
        id: String,
        sharing: CacheSharing,
    },
    Tmpfs {
        size: i64,
    },
    /// A secret file at `dest` (none when `dest` is empty) and/or env var `env`.
    Secret {
        id: String,
        env: Option<String>,
        uid: u32,
        gid: u32,
        mode: u32,
        optional: bool,
    },
    Ssh {
        id: String,
        uid: u32,
        gid: u32,
        mode: u32,
        optional: bool,
    },
}

/// COPY/ADD `--chmod`: an octal mode or a symbolic mode string (`u+x`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyMode {
    Octal(u32),
    Symbolic(String),
}

#[derive(Debug, Clone)]
pub enum FileAction {
    Copy(Box<CopySpec>),
    Mkdir {
        path: String,
        mode: u32,
        make_parents: bool,
        owner: Option<Chown>,
        timestamp: Option<i64>,
    },
    Mkfile {
        path: String,
        mode: u32,
        data: Vec<u8>,
        owner: Option<Chown>,
        timestamp: Option<i64>,
    },
}

/// One copy action: all paths already absolute and normalised as the reference sends them.
#[derive(Debug, Clone)]
pub struct CopySpec {
    pub source: Fs,
    pub src: String,
    pub dest: String,
    pub owner: Option<Chown>,
    pub mode: Option<CopyMode>,
    pub follow_symlink: bool,
    pub dir_copy_contents: bool,
    pub attempt_unpack: bool,
    pub create_dest_path: bool,
    pub allow_wildcard: bool,
    pub allow_empty_wildcard: bool,
    pub include_patterns: Vec<String>,
    pub exclude_patterns: Vec<String>,
    pub required_paths: Vec<String>,
    pub timestamp: Option<i64>,
}

/// A value lowering moves out of the graph instead of keeping it; each node is lowered once.
#[derive(Debug)]
pub struct TakeOnce<T>(std::sync::Mutex<Option<T>>);

impl<T> TakeOnce<T> {
    pub fn new(value: T) -> TakeOnce<T> {
        TakeOnce(std::sync::Mutex::new(Some(value)))
    }

    /// The value, once; `None` if it was taken already.
    pub fn take(&self) -> Option<T> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    /// What `f` reads of the value, while it has not been taken.
    pub fn with<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
        f(self.0.lock().unwrap_or_else(|e| e.into_inner()).as_ref())
    }
}

impl Op {
    pub fn new(kind: OpKind, meta: OpMeta) -> Arc<Op> {
        Arc::new(Op { kind, meta })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chown_parsing_follows_with_user() {
        assert_eq!(
            Chown::parse("1000"),
            Chown {
                user: Some(UserRef::Id(1000)),
                group: None
            }
        );
        assert_eq!(
            Chown::parse("app:root"),
            Chown {
                user: Some(UserRef::Name("app".into())),
                group: Some(UserRef::Id(0))
            }
        );
        assert_eq!(
            Chown::parse("1:staff"),
            Chown {
                user: Some(UserRef::Id(1)),
                group: Some(UserRef::Name("staff".into()))
            }
        );
    }
}
