//! The build state of one stage while its instructions are converted (dockerfile2llb's
//! `dispatchState`): its filesystem graph, env, working dir, user, image config and history,
//! and the progress names of its steps. Each instruction family updates it from its own module
//! (`config`, `run`, `copy`); this module holds what they share.
//!
//! Everything here is O(size of what the instruction emits): the stage's env is mutated in place,
//! never rebuilt, and graph nodes are shared `Arc`s.

use std::collections::BTreeSet;

use crate::instructions::Span;
use crate::llb::ProxyEnv;
use crate::proto::pb;

use super::env::{parse_key_value, EnvList};
use super::graph::{Fs, NetMode};
use super::image::ImageConfig;
use super::named_context::{insert_path, PathSet};
use super::outline::OutlineCapture;
use super::platform::Platform;
use crate::go::path::{system_normalize_workdir, to_slash_windows};

/// A stage a command reads (`--from`): its result, whether it is converted yet, and where
/// the paths read from it are recorded.
#[derive(Clone, Default)]
pub(crate) struct SourceStage {
    pub fs: Fs,
    pub dispatched: bool,
    pub paths: PathSet,
}

impl SourceStage {
    /// Records a path read from this stage (a local named context transfers only those).
    pub(crate) fn read(&self, path: String) {
        insert_path(&self.paths, path);
    }
}

/// The build state of one stage while its instructions are dispatched (`dispatchState`).
#[derive(Debug, Clone)]
pub(crate) struct StageState {
    /// Name shown in progress: the stage name, `stage-N`, or empty for a lone stage.
    pub progress_name: String,
    pub fs: Fs,
    /// Env of the LLB state (image env + ENV + ARG values), in `llb.EnvList` order.
    pub env: EnvList,
    pub dir: String,
    pub user: String,
    pub hostname: String,
    pub network: NetMode,
    /// Platform recorded on the LLB state (`None` for a scratch base: the target is used).
    pub state_platform: Option<Platform>,
    /// The stage's platform (`d.platform`).
    pub platform: Platform,
    pub image: ImageConfig,
    /// The base image's config as resolved (`baseImg`, `containerimage.base.config`); none on
    /// scratch. Inherited from a base stage.
    pub base_image: Option<ImageConfig>,
    /// Build-check warnings of this stage's dispatch (not located yet), in order.
    pub warnings: Vec<crate::syntax::Diagnostic>,
    /// ARGs declared in this stage and its base stages, with their values.
    pub build_args: Vec<(String, Option<String>)>,
    pub cmd_index: usize,
    pub cmd_total: usize,
    pub ignore_cache: bool,
    /// Where this stage last set CMD, ENTRYPOINT and HEALTHCHECK (`instructionTracker`: a
    /// second one warns at the first; ENTRYPOINT keeps a CMD set in the stage).
    pub cmd_at: Option<Span>,
    pub entrypoint_at: Option<Span>,
    pub healthcheck_at: Option<Span>,
    /// A WORKDIR was written in this stage or a base stage (`workdirSet`).
    pub workdir_set: bool,
    /// Paths of the build context this stage reads (`ctxPaths`).
    pub context_paths: BTreeSet<String>,
    /// Paths of this stage's result that commands read (`paths`), shared with the stages
    /// built on it.
    pub paths: PathSet,
    /// Prefix progress names with the platform (multi-platform builds).
    pub prefix_platform: bool,
    /// SOURCE_DATE_EPOCH as UnixNano for created files, RFC 3339 for history.
    pub epoch: Option<Epoch>,
    /// The instruction being dispatched is an ONBUILD trigger (`ONBUILD ` in progress names).
    pub onbuild: bool,
    /// The build arguments, secrets and SSH sockets the stage used, for the outline.
    pub outline: OutlineCapture,
}

/// SOURCE_DATE_EPOCH in the two forms the reference writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Epoch {
    pub unix_nanos: i64,
    pub rfc3339: String,
}

/// Settings every RUN shares (`dispatchOpt`).
#[derive(Debug, Clone, Default)]
pub(crate) struct RunDefaults {
    pub proxy_env: Option<ProxyEnv>,
    pub extra_hosts: Vec<(String, String)>,
    /// `/dev/shm` tmpfs size in bytes when > 0.
    pub shm_size: i64,
    /// The build's resource limits, when the daemon has `exec.meta.linux.resources`.
    pub linux_resources: Option<pb::LinuxResources>,
    /// The build's ulimits, when the daemon has `exec.meta.ulimit`.
    pub ulimits: Vec<(String, i64, i64)>,
    /// The build's cgroup parent, when the daemon has `exec.meta.cgroup.parent`.
    pub cgroup_parent: String,
}

/// Errors of a single instruction's state update; the caller adds the location.
pub(crate) type StepResult<T = ()> = Result<T, String>;

impl StageState {
    /// A stage on an empty or pulled filesystem, before its base image config is applied.
    pub fn new(
        progress_name: String,
        fs: Fs,
        platform: Platform,
        state_platform: Option<Platform>,
        image: ImageConfig,
    ) -> Self {
        StageState {
            progress_name,
            fs,
            env: EnvList::new(),
            dir: "/".to_string(),
            user: String::new(),
            hostname: String::new(),
            network: NetMode::Sandbox,
            state_platform,
            platform,
            image,
            base_image: None,
            warnings: Vec::new(),
            build_args: Vec::new(),
            cmd_index: 0,
            cmd_total: 0,
            ignore_cache: false,
            cmd_at: None,
            entrypoint_at: None,
            healthcheck_at: None,
            workdir_set: false,
            context_paths: BTreeSet::new(),
            paths: PathSet::default(),
            prefix_platform: false,
            epoch: None,
            onbuild: false,
            outline: OutlineCapture::default(),
        }
    }

    /// `prefixCommand`: `[name i/total] text`, counting this step. The index is padded to the
    /// width of the total.
    pub(crate) fn progress_name_for(&mut self, text: &str, platform: Option<&Platform>) -> String {
        if self.cmd_total == 0 {
            return text.to_string();
        }
        self.cmd_index += 1;
        self.progress_name_again(text, platform)
    }

    /// The name of a second op of the step just counted (COPY --link's merge), with its index.
    pub(super) fn progress_name_again(&self, text: &str, platform: Option<&Platform>) -> String {
        if self.cmd_total == 0 {
            return text.to_string();
        }
        let mut out = String::from("[");
        if self.prefix_platform {
            if let Some(p) = platform {
                out.push_str(&p.format_all());
                out.push_str(&self.cross_platform_suffix(p));
                out.push(' ');
            }
        }
        if !self.progress_name.is_empty() {
            out.push_str(&self.progress_name);
            out.push(' ');
        }
        let width = self.cmd_total.to_string().len();
        out.push_str(&format!("{:>width$}/{}] ", self.cmd_index, self.cmd_total));
        if self.onbuild {
            out.push_str("ONBUILD ");
        }
        out.push_str(text);
        out
    }

    /// `formatTargetPlatform`: `->arm64` when the stage's TARGET* args name another platform.
    fn cross_platform_suffix(&self, base: &Platform) -> String {
        let target = if let Some(tp) = self
            .env
            .get("TARGETPLATFORM")
            .and_then(|v| Platform::parse(v).ok())
        {
            tp
        } else {
            let (os, arch, variant) = (
                self.env.get("TARGETOS"),
                self.env.get("TARGETARCH"),
                self.env.get("TARGETVARIANT"),
            );
            if os.is_none() && arch.is_none() && variant.is_none() {
                return String::new();
            }
            let mut p = Platform {
                os: os.unwrap_or_default().to_string(),
                architecture: arch.unwrap_or_default().to_string(),
                variant: variant.unwrap_or_default().to_string(),
                ..Platform::default()
            };
            if p.os.is_empty() {
                p.os = base.os.clone();
            }
            if p.architecture.is_empty() {
                p.architecture = base.architecture.clone();
            }
            p.normalize()
        };
        if target.os == base.os && target.architecture != base.architecture {
            let mut s = format!("->{}", target.architecture);
            if !target.variant.is_empty() {
                s.push('/');
                s.push_str(&target.variant);
            }
            s
        } else if target.os != base.os {
            format!("->{}", target.format_all())
        } else {
            String::new()
        }
    }

    fn history_time(&self) -> Option<String> {
        self.epoch.as_ref().map(|e| e.rfc3339.clone())
    }

    pub(super) fn commit(&mut self, message: String, with_layer: bool, made_llb: bool) {
        let created = self.history_time();
        self.image
            .commit_history(message, with_layer, made_llb, created.as_deref());
    }

    /// The state a stage started from this one begins with. The last such stage (`last`) takes
    /// what [`StageState::retire`] drops instead of copying it: a chain of stages would
    /// otherwise copy every stage's history and environment again.
    pub(crate) fn fork(&mut self, last: bool) -> StageState {
        if !last {
            return self.clone();
        }
        let env = std::mem::take(&mut self.env);
        let image = std::mem::take(&mut self.image);
        let base_image = self.base_image.take();
        let build_args = std::mem::take(&mut self.build_args);
        let context_paths = std::mem::take(&mut self.context_paths);
        StageState {
            env,
            image,
            base_image,
            build_args,
            context_paths,
            ..self.clone()
        }
    }

    /// Once no later stage starts from this one, keeps only what the rest of the conversion
    /// reads of it: its result and the paths read of it (`COPY --from`, `RUN --mount`), its
    /// progress name, cache switch and outline capture.
    pub(crate) fn retire(&mut self) {
        self.env = EnvList::new();
        self.image = ImageConfig::default();
        self.base_image = None;
        self.build_args = Vec::new();
        self.context_paths = BTreeSet::new();
    }

    /// The platform ops of this stage run on: the state's, else the build's target.
    pub(crate) fn exec_platform(&self, target: &Platform) -> Platform {
        self.state_platform
            .clone()
            .unwrap_or_else(|| target.clone())
    }

    /// Apply the base image's config to the state, as toDispatchState does before dispatching.
    /// The error is a working directory the stage's OS refuses (`normalizing workdir: …`).
    pub(crate) fn apply_base_config(&mut self) -> Result<(), String> {
        if self.image.env_value("PATH").is_none() && self.platform.os != "windows" {
            let path = format!("PATH={}", super::image::default_path_env(&self.platform.os));
            self.image.config.env.push(path);
        }
        // Setting each entry again in order gives the same list when it holds exactly these
        // entries already, as a stage started from another stage does: skipping that saves a
        // string per inherited variable per stage.
        if !self.env.lists(&self.image.config.env) {
            for entry in &self.image.config.env {
                let (k, v) = parse_key_value(entry);
                self.env.add_or_replace(k, v);
            }
        }
        if !self.image.config.working_dir.is_empty() {
            let wd = self.image.config.working_dir.clone();
            self.set_workdir(&wd)?;
        }
        if !self.image.config.user.is_empty() {
            self.user = self.image.config.user.clone();
        }
        Ok(())
    }

    /// `dispatchWorkdir` without the commit: update the config and state dir.
    /// The config keeps the OS's separators (backslashes on Windows), the state slashes.
    pub(super) fn set_workdir(&mut self, path: &str) -> Result<String, String> {
        let config =
            system_normalize_workdir(&self.image.config.working_dir, path, &self.platform.os)
                .map_err(|e| format!("normalizing workdir: {e}"))?;
        let wd = if self.platform.os == "windows" {
            to_slash_windows(&config)
        } else {
            config.clone()
        };
        self.image.config.working_dir = config;
        self.dir = wd.clone();
        Ok(wd)
    }

    /// `withShell`: the stage's SHELL (or the OS default) plus the command line joined by spaces.
    pub(crate) fn with_shell(&self, args: &[String]) -> Vec<String> {
        let mut shell = if self.image.config.shell.is_empty() {
            default_shell(&self.image.os)
        } else {
            self.image.config.shell.clone()
        };
        shell.push(args.join(" "));
        shell
    }
}

/// `defaultShell`.
pub(crate) fn default_shell(os: &str) -> Vec<String> {
    if os == "windows" {
        vec!["cmd".into(), "/S".into(), "/C".into()]
    } else {
        vec!["/bin/sh".into(), "-c".into()]
    }
}

/// A stage for unit tests: linux/amd64 on an empty base, base config applied.
#[cfg(test)]
pub(super) fn test_stage() -> StageState {
    let p = Platform::new("linux", "amd64");
    let mut s = StageState::new(
        "build".into(),
        None,
        p.clone(),
        None,
        ImageConfig::empty(&p),
    );
    s.apply_base_config().expect("a linux stage's workdir");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_names_pad_to_total_width() {
        let mut s = test_stage();
        s.cmd_total = 12;
        assert_eq!(
            s.progress_name_for("RUN make", None),
            "[build  1/12] RUN make"
        );
        s.progress_name = String::new();
        s.cmd_total = 3;
        s.cmd_index = 1;
        assert_eq!(s.progress_name_for("COPY a b", None), "[2/3] COPY a b");
        s.cmd_total = 0;
        assert_eq!(s.progress_name_for("FROM x", None), "FROM x");
    }

    /// Issue 11: COPY --link named its merge by decrementing `cmd_index` and counting again.
    /// The second op of a step now borrows the state immutably, so it cannot move the count.
    #[test]
    fn cmd_index_is_not_decremented_for_the_second_op_of_a_step() {
        let mut s = test_stage();
        s.cmd_total = 3;
        assert_eq!(
            s.progress_name_for("COPY a b", None),
            "[build 1/3] COPY a b"
        );
        assert_eq!(
            s.progress_name_again("LINK COPY a b", None),
            "[build 1/3] LINK COPY a b"
        );
        assert_eq!(s.progress_name_for("RUN x", None), "[build 2/3] RUN x");
    }
}
