//! The mounts of an exec op: bind, cache and tmpfs filesystems ([`Mount`]), secrets
//! ([`SecretMount`]) and ssh agent sockets ([`SshMount`]), and their `pb.Mount` form.

use crate::proto::pb;

use super::node::Output;

/// How concurrent builds share a cache mount.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CacheSharing {
    #[default]
    Shared,
    Private,
    Locked,
}

/// Whether BuildKit may use a content-based cache key for a mount (`MountContentCache`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ContentCache {
    #[default]
    Default,
    On,
    Off,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum MountKind {
    Bind,
    Cache { id: String, sharing: CacheSharing },
    Tmpfs { size: i64 },
}

/// A filesystem mount of an exec op (bind, cache or tmpfs). Secrets and ssh sockets are
/// [`SecretMount`] and [`SshMount`].
#[derive(Clone, Debug)]
pub struct Mount {
    pub(super) dest: String,
    pub(super) source: Option<Output>,
    pub(super) kind: MountKind,
    pub(super) readonly: bool,
    pub(super) selector: String,
    pub(super) no_output: bool,
    pub(super) content_cache: ContentCache,
}

impl Mount {
    /// Mounts `source` (or an empty directory for `None`) at `dest`, writable.
    pub fn bind(dest: impl Into<String>, source: impl Into<Option<Output>>) -> Mount {
        Mount {
            dest: dest.into(),
            source: source.into(),
            kind: MountKind::Bind,
            readonly: false,
            selector: String::new(),
            no_output: false,
            content_cache: ContentCache::Default,
        }
    }

    /// A persistent cache directory `id` at `dest`; seed it with [`Mount::from`].
    pub fn cache(dest: impl Into<String>, id: impl Into<String>, sharing: CacheSharing) -> Mount {
        Mount {
            kind: MountKind::Cache {
                id: id.into(),
                sharing,
            },
            ..Mount::bind(dest, None)
        }
    }

    /// A tmpfs at `dest`.
    pub fn tmpfs(dest: impl Into<String>) -> Mount {
        Mount {
            kind: MountKind::Tmpfs { size: 0 },
            ..Mount::bind(dest, None)
        }
    }

    /// Limits a tmpfs to `bytes`.
    pub fn size(mut self, bytes: i64) -> Mount {
        if let MountKind::Tmpfs { size } = &mut self.kind {
            *size = bytes;
        }
        self
    }

    /// The initial contents of a cache mount (or the source of a bind mount).
    pub fn from(mut self, source: impl Into<Option<Output>>) -> Mount {
        self.source = source.into();
        self
    }

    /// Mounts read-only; the mount then has no output.
    pub fn readonly(mut self) -> Mount {
        self.readonly = true;
        self
    }

    /// Mounts read-only when `readonly` is true.
    pub fn readonly_if(mut self, readonly: bool) -> Mount {
        self.readonly = readonly;
        self
    }

    /// Mounts only this path of the source.
    pub fn selector(mut self, path: impl Into<String>) -> Mount {
        self.selector = path.into();
        self
    }

    /// Writable, but its changes are thrown away.
    pub fn no_output(mut self) -> Mount {
        self.no_output = true;
        self
    }

    /// Sets the content cache mode.
    pub fn content_cache(mut self, mode: ContentCache) -> Mount {
        self.content_cache = mode;
        self
    }

    pub(super) fn has_output(&self) -> bool {
        self.kind == MountKind::Bind && !self.readonly && !self.no_output
    }
}

/// A secret from the client's session, as a file and/or an environment variable.
#[derive(Clone, Debug)]
pub struct SecretMount {
    pub(super) id: String,
    pub(super) target: Option<String>,
    pub(super) env: Option<String>,
    pub(super) uid: u32,
    pub(super) gid: u32,
    pub(super) mode: u32,
    pub(super) optional: bool,
}

impl SecretMount {
    /// Secret `id` as a file at `target` (mode 0400, owner 0:0 by default).
    pub fn file(id: impl Into<String>, target: impl Into<String>) -> SecretMount {
        SecretMount {
            id: id.into(),
            target: Some(target.into()),
            env: None,
            uid: 0,
            gid: 0,
            mode: 0o400,
            optional: false,
        }
    }

    /// Secret `id` as environment variable `name`.
    pub fn env(id: impl Into<String>, name: impl Into<String>) -> SecretMount {
        SecretMount {
            target: None,
            env: Some(name.into()),
            ..SecretMount::file(id, "")
        }
    }

    /// Also exposes the secret as environment variable `name`.
    pub(crate) fn also_env(mut self, name: impl Into<String>) -> SecretMount {
        self.env = Some(name.into());
        self
    }

    /// Owner of the secret file.
    pub fn owner(mut self, uid: u32, gid: u32) -> SecretMount {
        self.uid = uid;
        self.gid = gid;
        self
    }

    /// Permission bits of the secret file.
    pub fn mode(mut self, mode: u32) -> SecretMount {
        self.mode = mode;
        self
    }

    /// Do not fail when the client has no such secret.
    pub fn optional(mut self, optional: bool) -> SecretMount {
        self.optional = optional;
        self
    }
}

/// An ssh agent socket forwarded from the client.
#[derive(Clone, Debug)]
pub struct SshMount {
    pub(super) id: String,
    pub(super) target: Option<String>,
    pub(super) uid: u32,
    pub(super) gid: u32,
    pub(super) mode: u32,
    pub(super) optional: bool,
}

impl SshMount {
    /// Agent `id` (`default` for the usual one), mode 0600; the socket path defaults to
    /// `/run/buildkit/ssh_agent.<n>`.
    pub fn new(id: impl Into<String>) -> SshMount {
        SshMount {
            id: id.into(),
            target: None,
            uid: 0,
            gid: 0,
            mode: 0o600,
            optional: false,
        }
    }

    /// Where the socket appears.
    pub fn target(mut self, path: impl Into<String>) -> SshMount {
        self.target = Some(path.into());
        self
    }

    /// Owner of the socket.
    pub fn owner(mut self, uid: u32, gid: u32) -> SshMount {
        self.uid = uid;
        self.gid = gid;
        self
    }

    /// Permission bits of the socket.
    pub fn mode(mut self, mode: u32) -> SshMount {
        self.mode = mode;
        self
    }

    /// Do not fail when the client forwards no such agent.
    pub fn optional(mut self, optional: bool) -> SshMount {
        self.optional = optional;
        self
    }
}

pub(super) fn mount_to_pb(mount: &Mount, input: i64, output: i64) -> pb::Mount {
    let mut pm = pb::Mount {
        input,
        selector: mount.selector.clone(),
        dest: mount.dest.clone(),
        output,
        readonly: mount.readonly,
        content_cache: match mount.content_cache {
            ContentCache::Default => pb::MountContentCache::Default as i32,
            ContentCache::On => pb::MountContentCache::On as i32,
            ContentCache::Off => pb::MountContentCache::Off as i32,
        },
        ..pb::Mount::default()
    };
    match &mount.kind {
        MountKind::Bind => {}
        MountKind::Cache { id, sharing } => {
            pm.mount_type = pb::MountType::Cache as i32;
            pm.cache_opt = Some(pb::CacheOpt {
                id: id.clone(),
                sharing: match sharing {
                    CacheSharing::Shared => pb::CacheSharingOpt::Shared as i32,
                    CacheSharing::Private => pb::CacheSharingOpt::Private as i32,
                    CacheSharing::Locked => pb::CacheSharingOpt::Locked as i32,
                },
            });
        }
        MountKind::Tmpfs { size } => {
            pm.mount_type = pb::MountType::Tmpfs as i32;
            pm.tmpfs_opt = Some(pb::TmpfsOpt { size: *size });
        }
    }
    pm
}
