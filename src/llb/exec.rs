//! Exec ops: run a process on a root filesystem with extra mounts (RUN).
//!
//! Mount numbering follows client/llb/exec.go: bind, cache and tmpfs mounts (the root mount
//! included) are sorted by destination; `Op.inputs` are their distinct sources in that order
//! (-1 for scratch); writable bind mounts get outputs 0, 1, 2, ... and readonly, cache, tmpfs
//! and no-output mounts get -1. Secret and ssh mounts come last, read nothing (-1) and leave
//! `output` at 0 as the Go client does.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::proto::pb;

use super::mount::{mount_to_pb, ContentCache, Mount, MountKind, SecretMount, SshMount};
use super::node::{Node, OpCommon, OpOptions, Output};
use super::LlbError;

/// Network mode of a process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NetMode {
    /// BuildKit's sandboxed network (the default).
    #[default]
    Sandbox,
    /// The host's network (needs the `network.host` entitlement).
    Host,
    /// No network at all.
    None,
}

/// Security mode of a process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SecurityMode {
    #[default]
    Sandbox,
    /// Privileged (needs the `security.insecure` entitlement).
    Insecure,
}

/// Proxy variables: given to the process but kept out of the cache key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxyEnv {
    pub http_proxy: String,
    pub https_proxy: String,
    pub ftp_proxy: String,
    pub no_proxy: String,
    pub all_proxy: String,
}

/// Builder of an exec op. `Exec::shell("make").root(base).cwd("/src").build()?`.
#[derive(Clone, Debug)]
pub struct Exec {
    args: Vec<String>,
    env: Vec<Arc<str>>,
    cwd: String,
    user: String,
    hostname: String,
    cgroup_parent: String,
    root: Option<Output>,
    readonly_root: bool,
    mounts: Vec<Mount>,
    secrets: Vec<SecretMount>,
    ssh: Vec<SshMount>,
    network: NetMode,
    security: SecurityMode,
    proxy_env: Option<ProxyEnv>,
    extra_hosts: Vec<(String, String)>,
    ulimits: Vec<(String, i64, i64)>,
    valid_exit_codes: Option<Vec<i32>>,
    cdi_devices: Vec<(String, bool)>,
    common: OpCommon,
}

impl OpOptions for Exec {
    fn common_mut(&mut self) -> &mut OpCommon {
        &mut self.common
    }
}

impl Exec {
    /// Runs `args` (argv) on a scratch root in `/`.
    pub fn new<I, S>(args: I) -> Exec
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Exec {
            args: args.into_iter().map(Into::into).collect(),
            env: Vec::new(),
            cwd: "/".to_string(),
            user: String::new(),
            hostname: String::new(),
            cgroup_parent: String::new(),
            root: None,
            readonly_root: false,
            mounts: Vec::new(),
            secrets: Vec::new(),
            ssh: Vec::new(),
            network: NetMode::Sandbox,
            security: SecurityMode::Sandbox,
            proxy_env: None,
            extra_hosts: Vec::new(),
            ulimits: Vec::new(),
            valid_exit_codes: None,
            cdi_devices: Vec::new(),
            common: OpCommon::default(),
        }
    }

    /// Runs `command` with `/bin/sh -c`.
    pub fn shell(command: impl Into<String>) -> Exec {
        Exec::new(["/bin/sh".to_string(), "-c".to_string(), command.into()])
    }

    /// The root filesystem (`None` is scratch).
    pub fn root(mut self, root: impl Into<Option<Output>>) -> Exec {
        self.root = root.into();
        self
    }

    /// Mounts the root read-only; the op then has no root output.
    pub fn readonly_root(mut self, readonly: bool) -> Exec {
        self.readonly_root = readonly;
        self
    }

    /// Adds `KEY=value` to the environment.
    pub fn env(mut self, key: impl AsRef<str>, value: impl AsRef<str>) -> Exec {
        self.env
            .push(format!("{}={}", key.as_ref(), value.as_ref()).into());
        self
    }

    /// Replaces the environment with these `KEY=value` entries, in order.
    pub(crate) fn env_list(mut self, env: Vec<Arc<str>>) -> Exec {
        self.env = env;
        self
    }

    /// Working directory (default `/`).
    pub fn cwd(mut self, dir: impl Into<String>) -> Exec {
        self.cwd = dir.into();
        self
    }

    /// User (`name`, `uid`, `uid:gid`, ...); empty means the image default.
    pub fn user(mut self, user: impl Into<String>) -> Exec {
        self.user = user.into();
        self
    }

    /// Hostname of the container.
    pub fn hostname(mut self, hostname: impl Into<String>) -> Exec {
        self.hostname = hostname.into();
        self
    }

    /// cgroup parent of the container.
    pub fn cgroup_parent(mut self, parent: impl Into<String>) -> Exec {
        self.cgroup_parent = parent.into();
        self
    }

    /// Adds a bind, cache or tmpfs mount.
    pub fn mount(mut self, mount: Mount) -> Exec {
        self.mounts.push(mount);
        self
    }

    /// Adds a secret.
    pub fn secret(mut self, secret: SecretMount) -> Exec {
        self.secrets.push(secret);
        self
    }

    /// Adds an ssh agent socket.
    pub fn ssh(mut self, ssh: SshMount) -> Exec {
        self.ssh.push(ssh);
        self
    }

    /// Network mode.
    pub fn network(mut self, mode: NetMode) -> Exec {
        self.network = mode;
        self
    }

    /// Security mode.
    pub fn security(mut self, mode: SecurityMode) -> Exec {
        self.security = mode;
        self
    }

    /// Proxy variables (not part of the cache key).
    pub fn proxy_env(mut self, proxy: ProxyEnv) -> Exec {
        self.proxy_env = Some(proxy);
        self
    }

    /// Adds an `/etc/hosts` entry.
    pub fn extra_host(mut self, host: impl Into<String>, ip: impl Into<String>) -> Exec {
        self.extra_hosts.push((host.into(), ip.into()));
        self
    }

    /// Adds a ulimit (`nofile`, `nproc`, ...).
    pub fn ulimit(mut self, name: impl Into<String>, soft: i64, hard: i64) -> Exec {
        self.ulimits.push((name.into(), soft, hard));
        self
    }

    /// Exit codes that count as success (default: only 0).
    pub fn valid_exit_codes(mut self, codes: Vec<i32>) -> Exec {
        self.valid_exit_codes = Some(codes);
        self
    }

    /// Adds a CDI device.
    pub fn cdi_device(mut self, name: impl Into<String>, optional: bool) -> Exec {
        self.cdi_devices.push((name.into(), optional));
        self
    }

    /// CPU/memory limits of the container. They go into the op's metadata, so they do not
    /// change its digest (client/llb `WithLinuxResources`).
    pub fn linux_resources(mut self, resources: pb::LinuxResources) -> Exec {
        self.common.metadata.linux_resources = Some(resources);
        self
    }

    /// Seals the op.
    pub fn build(mut self) -> Result<ExecOutputs, LlbError> {
        if self.args.is_empty() {
            return Err(LlbError::ExecWithoutArgs);
        }
        if self.cwd.is_empty() {
            return Err(LlbError::ExecWithoutCwd);
        }
        if let Some(tmpfs) = self
            .mounts
            .iter()
            .find(|m| matches!(m.kind, MountKind::Tmpfs { .. }) && m.source.is_some())
        {
            return Err(LlbError::TmpfsWithSource(tmpfs.dest.clone()));
        }
        let root = Mount::bind("/", self.root.take()).readonly_if(self.readonly_root);
        let mut mounts = std::mem::take(&mut self.mounts);
        mounts.push(root);
        // Stable, so mounts with the same destination keep the order they were added in
        // (Go's sort is unstable there; such graphs are invalid anyway).
        mounts.sort_by(|a, b| a.dest.cmp(&b.dest));
        self.add_caps(&mounts);
        self.default_ssh_targets();

        let mut inputs: Vec<Output> = Vec::new();
        let mut pb_mounts = Vec::with_capacity(mounts.len() + self.secrets.len() + self.ssh.len());
        let mut next_output = 0;
        let mut output_of_mount = Vec::with_capacity(mounts.len());
        for mount in &mounts {
            let input = match &mount.source {
                Some(source) => input_index(&mut inputs, source),
                None => -1,
            };
            let output = if mount.has_output() {
                next_output += 1;
                next_output - 1
            } else {
                -1
            };
            output_of_mount.push(output);
            pb_mounts.push(mount_to_pb(mount, input, output));
        }
        let mut secretenv = Vec::new();
        for secret in &self.secrets {
            if let Some(name) = &secret.env {
                secretenv.push(pb::SecretEnv {
                    id: secret.id.clone(),
                    name: name.clone(),
                    optional: secret.optional,
                });
            }
            if let Some(target) = &secret.target {
                pb_mounts.push(pb::Mount {
                    input: -1,
                    dest: target.clone(),
                    mount_type: pb::MountType::Secret as i32,
                    secret_opt: Some(pb::SecretOpt {
                        id: secret.id.clone(),
                        uid: secret.uid,
                        gid: secret.gid,
                        mode: secret.mode,
                        optional: secret.optional,
                    }),
                    ..pb::Mount::default()
                });
            }
        }
        for ssh in &self.ssh {
            pb_mounts.push(pb::Mount {
                input: -1,
                dest: ssh.target.clone().unwrap_or_default(),
                mount_type: pb::MountType::Ssh as i32,
                ssh_opt: Some(pb::SshOpt {
                    id: ssh.id.clone(),
                    uid: ssh.uid,
                    gid: ssh.gid,
                    mode: ssh.mode,
                    optional: ssh.optional,
                }),
                ..pb::Mount::default()
            });
        }

        let exec = pb::ExecOp {
            meta: Some(self.meta()),
            mounts: pb_mounts,
            network: match self.network {
                NetMode::Sandbox => pb::NetMode::Unset as i32,
                NetMode::Host => pb::NetMode::Host as i32,
                NetMode::None => pb::NetMode::None as i32,
            },
            security: match self.security {
                SecurityMode::Sandbox => pb::SecurityMode::Sandbox as i32,
                SecurityMode::Insecure => pb::SecurityMode::Insecure as i32,
            },
            secretenv,
            cdi_devices: self
                .cdi_devices
                .iter()
                .map(|(name, optional)| pb::CdiDevice {
                    name: name.clone(),
                    optional: *optional,
                })
                .collect(),
        };
        let op = pb::Op {
            op: Some(pb::op::Op::Exec(exec)),
            platform: self.common.platform.as_ref().map(|p| p.to_pb()),
            ..pb::Op::default()
        };
        // `ExecOp.Inputs`: the mounts' sources in destination order.
        let reads = Output::distinct(mounts.iter().filter_map(|m| m.source.clone()));
        let env = std::mem::take(&mut self.env);
        let node = Node::seal_exec(op, &env, inputs, reads, self.common);
        let mut outputs = BTreeMap::new();
        for (mount, output) in mounts.into_iter().zip(output_of_mount) {
            let result = if output >= 0 {
                Some(Output::new(Arc::clone(&node), output))
            } else if mount.readonly {
                // A read-only mount leaves its source untouched: the "result" is the source.
                mount.source
            } else {
                None
            };
            outputs.insert(mount.dest, result);
        }
        Ok(ExecOutputs { node, outputs })
    }

    /// The meta of the op being sealed: args and env move into it (they can be a whole long
    /// stage's environment, on every RUN).
    fn meta(&mut self) -> pb::Meta {
        pb::Meta {
            args: std::mem::take(&mut self.args),
            // Given beside the op (Node::seal_exec): shared, not copied.
            env: Vec::new(),
            cwd: self.cwd.clone(),
            user: self.user.clone(),
            proxy_env: self.proxy_env.as_ref().map(|p| pb::ProxyEnv {
                http_proxy: p.http_proxy.clone(),
                https_proxy: p.https_proxy.clone(),
                ftp_proxy: p.ftp_proxy.clone(),
                no_proxy: p.no_proxy.clone(),
                all_proxy: p.all_proxy.clone(),
            }),
            extra_hosts: self
                .extra_hosts
                .iter()
                .map(|(host, ip)| pb::HostIp {
                    host: host.clone(),
                    ip: ip.clone(),
                })
                .collect(),
            hostname: self.hostname.clone(),
            ulimit: self
                .ulimits
                .iter()
                .map(|(name, soft, hard)| pb::Ulimit {
                    name: name.clone(),
                    soft: *soft,
                    hard: *hard,
                })
                .collect(),
            cgroup_parent: self.cgroup_parent.clone(),
            // The Go client always asks for recursive removal of mount stubs.
            remove_mount_stubs_recursive: true,
            valid_exit_codes: self.valid_exit_codes.clone().unwrap_or_default(),
        }
    }

    /// ssh sockets without a path get `/run/buildkit/ssh_agent.<n>`, and the first one is
    /// announced in `SSH_AUTH_SOCK` unless the environment already sets it (exec.go).
    fn default_ssh_targets(&mut self) {
        for (i, ssh) in self.ssh.iter_mut().enumerate() {
            if ssh.target.as_deref().unwrap_or("").is_empty() {
                ssh.target = Some(format!("/run/buildkit/ssh_agent.{i}"));
            }
        }
        if let Some(first) = self.ssh.first().and_then(|s| s.target.clone()) {
            if !self.env.iter().any(|e| e.starts_with("SSH_AUTH_SOCK=")) {
                self.env.push(format!("SSH_AUTH_SOCK={first}").into());
            }
        }
    }

    fn add_caps(&mut self, mounts: &[Mount]) {
        let mut caps = vec!["exec.meta.base"];
        if self.network != NetMode::Sandbox {
            caps.push("exec.meta.network");
        }
        if self.security != SecurityMode::Sandbox {
            caps.push("exec.meta.security");
        }
        if self.proxy_env.is_some() {
            caps.push("exec.meta.proxyenv");
        }
        if !self.ulimits.is_empty() {
            caps.push("exec.meta.ulimit");
        }
        if self.valid_exit_codes.is_some() {
            caps.push("exec.validexitcode");
        }
        for mount in mounts {
            if !mount.selector.is_empty() {
                caps.push("exec.mount.selector");
            }
            match &mount.kind {
                MountKind::Cache { .. } => {
                    caps.extend(["exec.mount.cache", "exec.mount.cache.sharing"]);
                }
                MountKind::Tmpfs { size } => {
                    caps.push("exec.mount.tmpfs");
                    if *size > 0 {
                        caps.push("exec.mount.tmpfs.size");
                    }
                }
                MountKind::Bind if mount.source.is_some() => caps.push("exec.mount.bind"),
                MountKind::Bind => {}
            }
            if mount.content_cache != ContentCache::Default {
                caps.push("exec.mount.cache.content");
            }
        }
        if !self.secrets.is_empty() {
            caps.push("exec.mount.secret");
            if self.secrets.iter().any(|s| s.env.is_some()) {
                caps.push("exec.secretenv");
            }
        }
        if !self.ssh.is_empty() {
            caps.push("exec.mount.ssh");
        }
        if !self.cdi_devices.is_empty() {
            caps.push("exec.meta.cdi");
        }
        let metadata = &mut self.common.metadata;
        if metadata.linux_resources.is_some() {
            caps.push("exec.meta.linux.resources");
        }
        metadata.caps.extend(caps.into_iter().map(String::from));
    }
}

/// The index of `output` in `inputs`, adding it if no equal input is there yet.
pub(crate) fn input_index(inputs: &mut Vec<Output>, output: &Output) -> i64 {
    match inputs.iter().position(|known| known.same_as(output)) {
        Some(i) => i as i64,
        None => {
            inputs.push(output.clone());
            inputs.len() as i64 - 1
        }
    }
}

/// The sealed exec op and the result of each of its mounts.
#[derive(Clone, Debug)]
pub struct ExecOutputs {
    node: Arc<Node>,
    outputs: BTreeMap<String, Option<Output>>,
}

impl ExecOutputs {
    /// The root filesystem after the process ran (for a read-only root: the root as given).
    pub fn root(&self) -> Option<Output> {
        self.mount("/")
    }

    /// The result of the mount at `dest`: the changed filesystem for a writable bind mount,
    /// the source for a read-only one, `None` for scratch, cache, tmpfs and no-output mounts.
    pub fn mount(&self, dest: &str) -> Option<Output> {
        self.outputs.get(dest).cloned().flatten()
    }

    /// The exec op itself.
    pub fn node(&self) -> &Arc<Node> {
        &self.node
    }
}
