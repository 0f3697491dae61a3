//! `State`: a filesystem plus the process defaults that later ops inherit (env, working dir,
//! user, platform, network...), like the Go client's `llb.State`. Immutable and cheap to clone;
//! every setter returns a new state. It only carries LLB concepts: what a Dockerfile
//! instruction means is the converter's business.

use super::exec::{Exec, NetMode, SecurityMode};
use super::file::FileOp;
use super::node::{OpOptions, Output, Platform};
use crate::go::path::clean_path;

/// A root filesystem (`None`: scratch) with defaults for the processes run on it.
#[derive(Clone, Debug)]
pub struct State {
    output: Option<Output>,
    env: Vec<(String, String)>,
    dir: String,
    user: String,
    hostname: String,
    platform: Option<Platform>,
    network: NetMode,
    security: SecurityMode,
    extra_hosts: Vec<(String, String)>,
    ulimits: Vec<(String, i64, i64)>,
    cgroup_parent: String,
}

impl Default for State {
    fn default() -> State {
        State::scratch()
    }
}

impl State {
    /// An empty filesystem in `/`.
    pub fn scratch() -> State {
        State {
            output: None,
            env: Vec::new(),
            dir: "/".to_string(),
            user: String::new(),
            hostname: String::new(),
            platform: None,
            network: NetMode::Sandbox,
            security: SecurityMode::Sandbox,
            extra_hosts: Vec::new(),
            ulimits: Vec::new(),
            cgroup_parent: String::new(),
        }
    }

    /// A state on `output` (`None`: scratch) with default settings.
    pub fn new(output: impl Into<Option<Output>>) -> State {
        State::scratch().with_output(output)
    }

    /// The same settings on another filesystem (Go's `WithOutput`).
    pub fn with_output(mut self, output: impl Into<Option<Output>>) -> State {
        self.output = output.into();
        self
    }

    /// The filesystem (`None`: scratch).
    pub fn output(&self) -> Option<&Output> {
        self.output.as_ref()
    }

    /// The filesystem, by value.
    pub fn into_output(self) -> Option<Output> {
        self.output
    }

    /// Sets `key` to `value`. A replaced variable moves to the end, as in Go's `EnvList`.
    pub fn add_env(mut self, key: impl Into<String>, value: impl Into<String>) -> State {
        let key = key.into();
        self.env.retain(|(k, _)| *k != key);
        self.env.push((key, value.into()));
        self
    }

    /// Removes `key`.
    pub fn del_env(mut self, key: &str) -> State {
        self.env.retain(|(k, _)| k != key);
        self
    }

    /// The value of `key`, if set.
    pub fn get_env(&self, key: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The environment as `(key, value)` pairs, in order.
    pub fn env(&self) -> &[(String, String)] {
        &self.env
    }

    /// The environment as `KEY=value` strings, in order (what an exec op receives).
    pub fn env_list(&self) -> Vec<String> {
        self.env.iter().map(|(k, v)| format!("{k}={v}")).collect()
    }

    /// Changes the working directory; a relative `dir` is joined to the current one.
    pub fn dir(mut self, dir: &str) -> State {
        self.dir = if dir.starts_with('/') {
            dir.to_string()
        } else {
            clean_path(&format!("{}/{}", self.dir, dir))
        };
        self
    }

    /// The working directory.
    pub fn get_dir(&self) -> &str {
        &self.dir
    }

    /// Sets the user processes run as.
    pub fn user(mut self, user: impl Into<String>) -> State {
        self.user = user.into();
        self
    }

    /// The user processes run as.
    pub fn get_user(&self) -> &str {
        &self.user
    }

    /// Sets the hostname.
    pub fn hostname(mut self, hostname: impl Into<String>) -> State {
        self.hostname = hostname.into();
        self
    }

    /// Sets the platform processes run on.
    pub fn platform(mut self, platform: Platform) -> State {
        self.platform = Some(platform);
        self
    }

    /// The platform, if set.
    pub fn get_platform(&self) -> Option<&Platform> {
        self.platform.as_ref()
    }

    /// Sets the network mode.
    pub fn network(mut self, mode: NetMode) -> State {
        self.network = mode;
        self
    }

    /// Sets the security mode.
    pub fn security(mut self, mode: SecurityMode) -> State {
        self.security = mode;
        self
    }

    /// Adds an `/etc/hosts` entry.
    pub fn extra_host(mut self, host: impl Into<String>, ip: impl Into<String>) -> State {
        self.extra_hosts.push((host.into(), ip.into()));
        self
    }

    /// Adds a ulimit.
    pub fn ulimit(mut self, name: impl Into<String>, soft: i64, hard: i64) -> State {
        self.ulimits.push((name.into(), soft, hard));
        self
    }

    /// Sets the cgroup parent.
    pub fn cgroup_parent(mut self, parent: impl Into<String>) -> State {
        self.cgroup_parent = parent.into();
        self
    }

    /// An exec of `args` on this state: root, env, working dir, user, hostname, platform,
    /// network, security, hosts and ulimits are filled in; add mounts and metadata, then
    /// `build()` and continue with `state.with_output(outputs.root())`.
    pub fn exec<I, S>(&self, args: I) -> Exec
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut exec = Exec::new(args)
            .root(self.output.clone())
            .env_list(self.env_list())
            .cwd(self.dir.clone())
            .user(self.user.clone())
            .hostname(self.hostname.clone())
            .cgroup_parent(self.cgroup_parent.clone())
            .network(self.network)
            .security(self.security)
            .platform_opt(self.platform.clone());
        for (host, ip) in &self.extra_hosts {
            exec = exec.extra_host(host.clone(), ip.clone());
        }
        for (name, soft, hard) in &self.ulimits {
            exec = exec.ulimit(name.clone(), *soft, *hard);
        }
        exec
    }

    /// A file op on this state, resolving relative paths against its working directory.
    pub fn file(&self) -> FileOp {
        FileOp::new(self.output.clone()).cwd(self.dir.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llb::{Mkdir, Source};

    #[test]
    fn env_replacement_moves_the_key_last_like_go() {
        let state = State::scratch()
            .add_env("A", "1")
            .add_env("B", "2")
            .add_env("A", "3");
        assert_eq!(state.env_list(), ["B=2", "A=3"]);
        assert_eq!(state.get_env("A"), Some("3"));
        assert_eq!(state.del_env("B").env_list(), ["A=3"]);
    }

    #[test]
    fn relative_dirs_join_the_current_one() {
        let state = State::scratch().dir("app").dir("../src/./x");
        assert_eq!(state.get_dir(), "/src/x");
        assert_eq!(state.dir("/abs").get_dir(), "/abs");
    }

    #[test]
    fn exec_and_file_inherit_the_state() {
        let base = Source::image("docker.io/library/alpine:latest").build();
        let state = State::new(base)
            .add_env("PATH", "/bin")
            .dir("/work")
            .user("app")
            .platform(Platform::new("linux", "amd64"));
        let run = state.exec(["make"]).build().unwrap();
        let op = run.node().op();
        let Some(crate::proto::pb::op::Op::Exec(exec)) = &op.op else {
            panic!("exec expected")
        };
        let meta = exec.meta.as_ref().unwrap();
        assert_eq!(meta.env, ["PATH=/bin"]);
        assert_eq!((meta.cwd.as_str(), meta.user.as_str()), ("/work", "app"));
        assert!(op.platform.is_some());
        let next = state.clone().with_output(run.root());
        let made = next.file().mkdir(Mkdir::new("sub", 0o755)).build().unwrap();
        let Some(crate::proto::pb::op::Op::File(file)) = &made.node().op().op else {
            panic!("file expected")
        };
        let Some(crate::proto::pb::file_action::Action::Mkdir(mkdir)) = &file.actions[0].action
        else {
            panic!("mkdir expected")
        };
        assert_eq!(mkdir.path, "/work/sub");
    }
}
