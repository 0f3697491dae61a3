//! Per-instruction conversion (dockerfile2llb/convert.go `dispatch*`): each function takes the
//! instruction's already-expanded values and updates one stage's build state — its filesystem
//! graph, env, working dir, user — and its image config and history.
//!
//! Everything here is O(size of what the instruction emits): the stage's env is mutated in place,
//! never rebuilt, and graph nodes are shared `Arc`s.

use crate::instructions::Span;
use std::collections::BTreeSet;
use std::sync::Arc;

use crate::llb::{clean_path, Chown, ProxyEnv};

use super::args::is_non_env_arg;
use super::env::{parse_key_value, EnvList};
use super::graph::{
    CopyMode, CopySpec, ExecSpec, FileAction, Fs, LineRange, MountKind, MountSpec, NetMode, Op,
    OpKind, OpMeta, ProgressGroup, SecurityMode,
};
use super::image::{Empty, Healthcheck, ImageConfig};
use super::platform::Platform;
use crate::go;

/// The build state of one stage while its instructions are dispatched (`dispatchState`).
#[derive(Debug, Clone)]
pub struct StageState {
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
    /// Prefix progress names with the platform (multi-platform builds).
    pub prefix_platform: bool,
    /// SOURCE_DATE_EPOCH as UnixNano for created files, RFC 3339 for history.
    pub epoch: Option<Epoch>,
    /// The instruction being dispatched is an ONBUILD trigger (`ONBUILD ` in progress names).
    pub onbuild: bool,
}

/// SOURCE_DATE_EPOCH in the two forms the reference writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Epoch {
    pub unix_nanos: i64,
    pub rfc3339: String,
}

/// Settings every RUN shares (`dispatchOpt`).
#[derive(Debug, Clone, Default)]
pub struct RunDefaults {
    pub proxy_env: Option<ProxyEnv>,
    pub extra_hosts: Vec<(String, String)>,
    /// `/dev/shm` tmpfs size in bytes when > 0.
    pub shm_size: i64,
}

/// What one RUN executes, expanded.
#[derive(Debug)]
pub struct RunRequest<'a> {
    pub args: Vec<String>,
    /// Progress text (variables expanded, keyword upper-cased).
    pub display: String,
    /// The instruction as written (`com.docker.dockerfile.v1.command`).
    pub dockerfile_command: String,
    pub location: Option<LineRange>,
    pub mounts: Vec<MountSpec>,
    pub network: Option<NetMode>,
    pub security: SecurityMode,
    pub defaults: &'a RunDefaults,
    pub target: &'a Platform,
}

/// Errors of a single instruction; the caller adds the location.
pub type DispatchResult<T = ()> = Result<T, String>;

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
            prefix_platform: false,
            epoch: None,
            onbuild: false,
        }
    }

    /// `prefixCommand`: `[name i/total] text`, counting this step. The index is padded to the
    /// width of the total.
    pub fn progress_name_for(&mut self, text: &str, platform: Option<&Platform>) -> String {
        if self.cmd_total == 0 {
            return text.to_string();
        }
        self.cmd_index += 1;
        self.progress_name_again(text, platform)
    }

    /// The name of a second op of the step just counted (COPY --link's merge), with its index.
    fn progress_name_again(&self, text: &str, platform: Option<&Platform>) -> String {
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

    fn commit(&mut self, message: String, with_layer: bool, made_llb: bool) {
        let created = self.history_time();
        self.image
            .commit_history(message, with_layer, made_llb, created.as_deref());
    }

    /// The platform ops of this stage run on: the state's, else the build's target.
    pub fn exec_platform(&self, target: &Platform) -> Platform {
        self.state_platform
            .clone()
            .unwrap_or_else(|| target.clone())
    }

    /// Apply the base image's config to the state, as toDispatchState does before dispatching.
    pub fn apply_base_config(&mut self) {
        if self.image.env_value("PATH").is_none() && self.platform.os != "windows" {
            let path = format!("PATH={}", super::image::default_path_env(&self.platform.os));
            self.image.config.env.push(path);
        }
        for entry in self.image.config.env.clone() {
            let (k, v) = parse_key_value(&entry);
            self.env.add_or_replace(k, v);
        }
        if !self.image.config.working_dir.is_empty() {
            let wd = self.image.config.working_dir.clone();
            self.set_workdir(&wd);
        }
        if !self.image.config.user.is_empty() {
            self.user = self.image.config.user.clone();
        }
    }

    /// `dispatchWorkdir` without the commit: update the config and state dir.
    fn set_workdir(&mut self, path: &str) -> String {
        let wd = normalize_path(&self.image.config.working_dir, path, false);
        self.image.config.working_dir = wd.clone();
        self.dir = wd.clone();
        wd
    }

    /// WORKDIR: set the dir and create it (owned by the current USER) unless it is `/`.
    pub fn workdir(&mut self, path: &str, display: &str, location: Option<LineRange>) {
        let wd = self.set_workdir(path);
        let with_layer = wd != "/";
        if with_layer {
            let owner =
                (!self.image.config.user.is_empty()).then(|| Chown::parse(&self.image.config.user));
            let platform = self.platform.clone();
            let name = self.progress_name_for(display, Some(&platform));
            let action = FileAction::Mkdir {
                path: clean_path(&wd),
                mode: 0o755,
                make_parents: true,
                owner,
                timestamp: self.epoch.as_ref().map(|e| e.unix_nanos),
            };
            let meta = OpMeta {
                custom_name: Some(name),
                dockerfile_command: None,
                location,
                ..OpMeta::default()
            };
            self.fs = Some(Op::new(
                OpKind::File {
                    base: self.fs.clone(),
                    actions: vec![action],
                },
                meta,
            ));
        }
        self.commit(format!("WORKDIR {wd}"), with_layer, false);
    }

    /// ENV: set each pair in the state env and the image config.
    pub fn env_instruction(&mut self, pairs: &[(String, String)]) {
        let mut message = String::from("ENV");
        for (k, v) in pairs {
            message.push_str(&format!(" {k}={v}"));
            self.env.add_or_replace(k, v);
            self.image.add_env(k, v);
        }
        self.commit(message, false, false);
    }

    /// ARG: give each arg its value (build-arg, then global, then expanded default) and export
    /// it to the state env. `values` are already resolved by the caller.
    pub fn arg_instruction(&mut self, args: &[(String, Option<String>)]) {
        let mut parts = Vec::with_capacity(args.len());
        for (key, value) in args {
            if let Some(v) = value {
                if !is_non_env_arg(key) {
                    self.env.add_or_replace(key, v);
                }
            }
            self.build_args.push((key.clone(), value.clone()));
            parts.push(match value {
                Some(v) => format!("{key}={v}"),
                None => key.clone(),
            });
        }
        self.commit(format!("ARG {}", parts.join(" ")), false, false);
    }

    /// `withShell`: the stage's SHELL (or the OS default) plus the command line joined by spaces.
    pub fn with_shell(&self, args: &[String]) -> Vec<String> {
        let mut shell = if self.image.config.shell.is_empty() {
            default_shell(&self.image.os)
        } else {
            self.image.config.shell.clone()
        };
        shell.push(args.join(" "));
        shell
    }

    /// `runCommandString`: `|N K=V ... args` listing this stage's ARGs, as in the history.
    fn run_command_string(&self, args: &[String]) -> String {
        let mut build_env: Vec<(String, String)> = Vec::new();
        for (key, value) in &self.build_args {
            let v = self
                .env
                .get(key)
                .map(str::to_string)
                .unwrap_or_else(|| value.clone().unwrap_or_default());
            if let Some(slot) = build_env.iter_mut().find(|(k, _)| k == key) {
                slot.1 = v;
            } else {
                build_env.push((key.clone(), v));
            }
        }
        let mut parts: Vec<String> = Vec::with_capacity(build_env.len() + args.len() + 1);
        if !build_env.is_empty() {
            parts.push(format!("|{}", build_env.len()));
            parts.extend(build_env.into_iter().map(|(k, v)| format!("{k}={v}")));
        }
        parts.extend(args.iter().cloned());
        parts.join(" ")
    }

    /// RUN: execute `args` (already shell-wrapped if needed) on the stage's filesystem.
    pub fn run(&mut self, req: RunRequest) {
        let platform = self.exec_platform(req.target);
        let name = self.progress_name_for(&req.display, Some(&platform));
        // SSH sockets without a target are numbered, and SSH_AUTH_SOCK set, by the LLB layer.
        let mut mounts = req.mounts;
        if req.defaults.shm_size > 0 {
            mounts.push(MountSpec {
                dest: "/dev/shm".to_string(),
                source: None,
                selector: String::new(),
                readonly: false,
                kind: MountKind::Tmpfs {
                    size: req.defaults.shm_size,
                },
            });
        }
        let spec = ExecSpec {
            root: self.fs.clone(),
            args: req.args.clone(),
            env: self.env.to_array(),
            cwd: self.dir.clone(),
            user: self.user.clone(),
            hostname: self.hostname.clone(),
            extra_hosts: req.defaults.extra_hosts.clone(),
            network: req.network.unwrap_or(self.network),
            security: req.security,
            proxy_env: req.defaults.proxy_env.clone(),
            mounts,
            platform,
        };
        let meta = OpMeta {
            custom_name: Some(name),
            dockerfile_command: Some(req.dockerfile_command),
            ignore_cache: self.ignore_cache,
            location: req.location,
            progress_group: None,
        };
        self.fs = Some(Op::new(OpKind::Exec(Box::new(spec)), meta));
        let message = format!("RUN {}", self.run_command_string(&req.args));
        self.commit(message, true, true);
    }

    /// USER.
    pub fn user_instruction(&mut self, user: &str) {
        self.user = user.to_string();
        self.image.config.user = user.to_string();
        self.commit(format!("USER {user}"), false, false);
    }

    /// CMD (args already shell-wrapped for the shell form).
    pub fn cmd(&mut self, args: Vec<String>) {
        self.commit(format!("CMD {}", go::quote_list(&args)), false, false);
        self.image.config.cmd = args;
        self.image.config.args_escaped = true;
    }

    /// ENTRYPOINT: also drops an inherited CMD unless this stage set one.
    pub fn entrypoint(&mut self, args: Vec<String>) {
        self.commit(
            format!("ENTRYPOINT {}", go::quote_list(&args)),
            false,
            false,
        );
        self.image.config.entrypoint = args;
        if self.cmd_at.is_none() {
            self.image.config.cmd = Vec::new();
        }
    }

    /// HEALTHCHECK; the history prints the Go struct with `%q`.
    pub fn healthcheck(&mut self, hc: Healthcheck) {
        let message = format!(
            "HEALTHCHECK &{{{} {} {} {} {} {}}}",
            go::quote_list(&hc.test),
            go::quote(&go::duration(hc.interval)),
            go::quote(&go::duration(hc.timeout)),
            go::quote(&go::duration(hc.start_period)),
            go::quote(&go::duration(hc.start_interval)),
            go::quote_rune(hc.retries),
        );
        self.image.config.healthcheck = Some(hc);
        self.commit(message, false, false);
    }

    /// EXPOSE with ports already parsed to `port/proto`.
    pub fn expose(&mut self, ports: Vec<String>) {
        for p in &ports {
            self.image.config.exposed_ports.insert(p.clone(), Empty);
        }
        self.commit(format!("EXPOSE {}", go::list(&ports)), false, false);
    }

    /// LABEL.
    pub fn label(&mut self, pairs: &[(String, String)]) {
        let mut message = String::from("LABEL");
        for (k, v) in pairs {
            self.image.config.labels.insert(k.clone(), v.clone());
            message.push_str(&format!(" {k}={v}"));
        }
        self.commit(message, false, false);
    }

    /// VOLUME.
    pub fn volume(&mut self, volumes: Vec<String>) -> DispatchResult {
        for v in &volumes {
            if v.is_empty() {
                return Err("VOLUME specified can not be an empty string".to_string());
            }
            self.image.config.volumes.insert(v.clone(), Empty);
        }
        self.commit(format!("VOLUME {}", go::list(&volumes)), false, false);
        Ok(())
    }

    /// STOPSIGNAL.
    pub fn stop_signal(&mut self, signal: &str) -> DispatchResult {
        super::expose::validate_signal(signal)?;
        self.image.config.stop_signal = signal.to_string();
        self.commit(format!("STOPSIGNAL {signal}"), false, false);
        Ok(())
    }

    /// SHELL.
    pub fn shell(&mut self, shell: Vec<String>) {
        self.commit(format!("SHELL {}", go::list(&shell)), false, false);
        self.image.config.shell = shell;
    }

    /// MAINTAINER.
    pub fn maintainer(&mut self, name: &str) {
        self.image.author = name.to_string();
        self.commit(format!("MAINTAINER {name}"), false, false);
    }

    /// ONBUILD: recorded for images built FROM this one; no history entry.
    pub fn onbuild(&mut self, expression: &str) {
        self.image.config.on_build.push(expression.to_string());
    }

    /// COPY / ADD of local paths from `source` (the context or another stage's filesystem).
    pub fn copy(&mut self, req: CopyRequest) -> DispatchResult {
        let dest = path_relative_to_working_dir(&self.dir, &req.dest);
        let mode = match &req.chmod {
            Some(c) => Some(parse_chmod(c)?),
            None => None,
        };
        let owner = req
            .chown
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(Chown::parse);

        let mut message = String::from(if req.is_add { "ADD" } else { "COPY" });
        if req.parents {
            message.push_str(" --parents");
        }
        if let Some(c) = req.chown.as_deref().filter(|c| !c.is_empty()) {
            message.push_str(&format!(" --chown={c}"));
        }
        if let Some(c) = &req.chmod {
            message.push_str(&format!(" --chmod={c}"));
        }
        let platform = self.platform.clone();
        let name = self.progress_name_for(&req.display, Some(&platform));

        let mut actions = Vec::with_capacity(req.sources.len() + req.contents.len());
        for src in &req.sources {
            message.push(' ');
            message.push_str(src);
            if req.is_add && is_http_source(src) {
                // ADD <url>: download to a file named after the URL's path, never unpacked
                // unless --unpack says so.
                let filename = url_file_name(src);
                let http = Op::new(
                    OpKind::Http {
                        url: src.clone(),
                        filename: filename.clone(),
                        checksum: req.checksum.clone(),
                    },
                    OpMeta {
                        custom_name: Some(name.clone()),
                        dockerfile_command: Some(String::new()),
                        ..OpMeta::default()
                    },
                );
                actions.push(FileAction::Copy(Box::new(CopySpec {
                    source: Some(http),
                    src: clean_path(&join_path("/", &filename)),
                    dest: dest.clone(),
                    owner: owner.clone(),
                    mode: mode.clone(),
                    follow_symlink: false,
                    dir_copy_contents: false,
                    attempt_unpack: req.unpack.unwrap_or(false),
                    create_dest_path: true,
                    allow_wildcard: false,
                    allow_empty_wildcard: false,
                    include_patterns: Vec::new(),
                    exclude_patterns: req.excludes.clone(),
                    required_paths: Vec::new(),
                    timestamp: None,
                })));
                continue;
            }
            let (src_path, include_patterns, required_paths) = if req.parents {
                parents_source(src)
            } else {
                (clean_path(&join_path("/", src)), Vec::new(), Vec::new())
            };
            actions.push(FileAction::Copy(Box::new(CopySpec {
                source: req.source.clone(),
                src: src_path,
                dest: dest.clone(),
                owner: owner.clone(),
                mode: mode.clone(),
                follow_symlink: true,
                dir_copy_contents: true,
                attempt_unpack: req.unpack.unwrap_or(req.is_add),
                create_dest_path: true,
                allow_wildcard: true,
                allow_empty_wildcard: true,
                include_patterns,
                exclude_patterns: req.excludes.clone(),
                required_paths,
                timestamp: None,
            })));
        }
        for (path, data) in &req.contents {
            message.push_str(&format!(" <<{path}"));
            let inline = Op::new(
                OpKind::File {
                    base: None,
                    actions: vec![FileAction::Mkfile {
                        path: clean_path(&join_path("/", path)),
                        mode: 0o644,
                        data: data.clone().into_bytes(),
                        owner: None,
                        timestamp: None,
                    }],
                },
                OpMeta {
                    custom_name: Some("[internal] preparing inline document".to_string()),
                    ..OpMeta::default()
                },
            );
            actions.push(FileAction::Copy(Box::new(CopySpec {
                source: Some(inline),
                src: clean_path(&join_path("/", path)),
                dest: dest.clone(),
                owner: owner.clone(),
                mode: mode.clone(),
                follow_symlink: false,
                dir_copy_contents: false,
                attempt_unpack: false,
                create_dest_path: true,
                allow_wildcard: false,
                allow_empty_wildcard: false,
                include_patterns: Vec::new(),
                exclude_patterns: req.excludes.clone(),
                required_paths: Vec::new(),
                timestamp: None,
            })));
        }
        message.push(' ');
        message.push_str(&req.raw_dest);

        let meta = OpMeta {
            custom_name: Some(name.clone()),
            dockerfile_command: None,
            ignore_cache: self.ignore_cache,
            location: req.location,
            progress_group: None,
        };
        if req.link && req.merge_supported && req.chmod.is_none() {
            // COPY --link: copy onto scratch and merge the result over the stage, both ops in
            // one progress group; the names reuse this step's index (convert.go dispatchCopy).
            // The reference's group id is random; ours is derived from the step for stable output.
            let id = link_group_id(&self.progress_name, self.cmd_index, &name);
            let copy = Op::new(
                OpKind::File {
                    base: None,
                    actions,
                },
                OpMeta {
                    progress_group: Some(ProgressGroup {
                        id: id.clone(),
                        name: name.clone(),
                        weak: true,
                    }),
                    ..meta.clone()
                },
            );
            let link_name =
                self.progress_name_again(&format!("LINK {}", req.display), Some(&platform));
            let merge_meta = OpMeta {
                custom_name: Some(link_name),
                progress_group: Some(ProgressGroup {
                    id,
                    name,
                    weak: false,
                }),
                ..meta
            };
            self.fs = Some(Op::new(
                OpKind::Merge {
                    inputs: vec![self.fs.clone(), Some(copy)],
                },
                merge_meta,
            ));
        } else {
            self.fs = Some(Op::new(
                OpKind::File {
                    base: self.fs.clone(),
                    actions,
                },
                meta,
            ));
        }
        if req.from_context {
            for src in req
                .sources
                .iter()
                .filter(|s| !(req.is_add && is_http_source(s)))
            {
                self.context_paths.insert(join_path("/", src));
            }
        }
        self.commit(message, true, true);
        Ok(())
    }
}

/// What a COPY or ADD asks for, expanded.
#[derive(Debug, Clone, Default)]
pub struct CopyRequest {
    pub is_add: bool,
    pub source: Fs,
    /// True when `source` is the build context (its paths feed `local.followpaths`).
    pub from_context: bool,
    pub sources: Vec<String>,
    /// Heredoc sources: (file name, content).
    pub contents: Vec<(String, String)>,
    /// DEST as written (after expansion), for the history.
    pub raw_dest: String,
    pub dest: String,
    pub chown: Option<String>,
    pub chmod: Option<String>,
    pub excludes: Vec<String>,
    pub parents: bool,
    pub unpack: Option<bool>,
    /// ADD `--checksum` of a URL source.
    pub checksum: Option<String>,
    /// `--link`.
    pub link: bool,
    /// The daemon supports MergeOp (the `mergeop` LLB cap), which `--link` needs.
    pub merge_supported: bool,
    /// Progress text (`COPY src dest` with variables expanded).
    pub display: String,
    pub location: Option<LineRange>,
}

/// `isHTTPSource`: an http(s) URL that is not a git repository (those end in `.git`).
pub fn is_http_source(src: &str) -> bool {
    (src.starts_with("http://") || src.starts_with("https://")) && !url_path(src).ends_with(".git")
}

/// The path part of a URL (no scheme, host, query or fragment).
fn url_path(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    rest.find('/').map_or("", |i| &rest[i..])
}

/// The file name ADD gives a download: the URL path's last element, else `__unnamed__`.
pub fn url_file_name(url: &str) -> String {
    let path = url_path(url);
    let trimmed = path.trim_end_matches('/');
    let base = trimmed.rsplit('/').next().unwrap_or("");
    if base.is_empty() || base == "." {
        "__unnamed__".to_string()
    } else {
        base.to_string()
    }
}

/// A stable progress-group id for a `COPY --link` step.
fn link_group_id(stage: &str, index: usize, name: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{stage}\0{index}\0{name}").as_bytes());
    digest
        .iter()
        .take(13)
        .map(|b| format!("{b:02x}"))
        .collect::<String>()[..25]
        .to_string()
}

/// `defaultShell`.
pub fn default_shell(os: &str) -> Vec<String> {
    if os == "windows" {
        vec!["cmd".into(), "/S".into(), "/C".into()]
    } else {
        vec!["/bin/sh".into(), "-c".into()]
    }
}

/// `--chmod`: octal up to 07777, else a symbolic mode (dchapes-mode syntax).
fn parse_chmod(c: &str) -> DispatchResult<CopyMode> {
    let non_octal = || {
        format!("invalid chmod parameter: '{c}'. it should be octal string and between 0 and 07777")
    };
    // dchapes/mode reads a value that starts with a digit as octal, so "64a" or "8" fail as
    // numbers, and the reference reports those with the octal message too.
    if c.starts_with(|ch: char| ch.is_ascii_digit()) {
        let v = u32::from_str_radix(c, 8).map_err(|_| non_octal())?;
        if v > 0o7777 {
            return Err(non_octal());
        }
        return Ok(CopyMode::Octal(v));
    }
    if valid_symbolic_mode(c) {
        Ok(CopyMode::Symbolic(c.to_string()))
    } else {
        Err(format!("invalid chmod parameter: '{c}'"))
    }
}

/// `[ugoa]*[+-=]([rwxXst]*|[ugo])` clauses separated by commas.
fn valid_symbolic_mode(s: &str) -> bool {
    !s.is_empty()
        && s.split(',').all(|clause| {
            let rest = clause.trim_start_matches(['u', 'g', 'o', 'a']);
            if rest.is_empty() {
                return false;
            }
            let mut chars = rest.chars().peekable();
            let mut any_op = false;
            while let Some(op) = chars.next() {
                if !matches!(op, '+' | '-' | '=') {
                    return false;
                }
                any_op = true;
                while let Some(&c) = chars.peek() {
                    if matches!(c, 'r' | 'w' | 'x' | 'X' | 's' | 't' | 'u' | 'g' | 'o') {
                        chars.next();
                    } else {
                        break;
                    }
                }
            }
            any_op
        })
}

/// `COPY --parents`: the part before `/./` is the copied root, the rest an include pattern.
fn parents_source(src: &str) -> (String, Vec<String>, Vec<String>) {
    let (root, pattern) = match src.split_once("/./") {
        Some((parent, pattern)) => (parent.to_string(), pattern.to_string()),
        None => ("/".to_string(), src.to_string()),
    };
    let pattern = normalize_path("/", &pattern, false);
    let required = if !contains_wildcards(&root) && !contains_wildcards(&pattern) {
        vec![clean_path(&join_path("/", &format!("{root}/{pattern}")))]
    } else {
        Vec::new()
    };
    let root = clean_path(&normalize_path("/", &root, false));
    (
        root,
        vec![pattern.trim_start_matches('/').to_string()],
        required,
    )
}

fn contains_wildcards(name: &str) -> bool {
    let b = name.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'*' | b'?' | b'[' => return true,
            b'\\' => i += 1,
            _ => {}
        }
        i += 1;
    }
    false
}

/// Go `path.Join` of two parts.
pub fn join_path(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => String::new(),
        (true, false) => clean_path(b),
        (false, true) => clean_path(a),
        (false, false) => clean_path(&format!("{a}/{b}")),
    }
}

/// util/system `NormalizePath` for Linux: absolute paths are kept as written, relative ones
/// joined (and cleaned) onto `parent`; `keep_slash` keeps a trailing `/` or `/.`.
pub fn normalize_path(parent: &str, new_path: &str, keep_slash: bool) -> String {
    let parent = if parent.is_empty() { "/" } else { parent };
    let parent = if parent.starts_with('/') {
        parent.to_string()
    } else {
        join_path("/", parent)
    };
    let orig = new_path;
    let mut p = if new_path.is_empty() {
        parent.clone()
    } else {
        new_path.to_string()
    };
    if !p.starts_with('/') {
        p = join_path(&parent, &p);
    }
    if keep_slash {
        p = keep_trailing(orig, p);
    }
    p
}

fn keep_trailing(orig: &str, mut p: String) -> String {
    if orig.ends_with('/') && !p.ends_with('/') {
        p.push('/');
    } else if orig.ends_with("/.") {
        if p != "/" {
            p.push('/');
        }
        p.push('.');
    }
    p
}

/// `pathRelativeToWorkingDir` then the LLB client's `normalizePath(dir, dest, true)`: the COPY
/// destination as sent (cleaned, absolute, trailing slash kept).
pub fn path_relative_to_working_dir(dir: &str, dest: &str) -> String {
    let p = if dest.starts_with('/') {
        dest.to_string()
    } else {
        let d = if dest.is_empty() || dest == "." {
            "./"
        } else {
            dest
        };
        normalize_path(dir, d, true)
    };
    keep_trailing(&p, clean_path(&p))
}

/// Share a stage's final filesystem with a dependent (`FROM <stage>` / `COPY --from`).
pub fn fs_of(stage: &StageState) -> Fs {
    stage.fs.as_ref().map(Arc::clone)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage() -> StageState {
        let p = Platform::new("linux", "amd64");
        let mut s = StageState::new(
            "build".into(),
            None,
            p.clone(),
            None,
            ImageConfig::empty(&p),
        );
        s.apply_base_config();
        s
    }

    #[test]
    fn progress_names_pad_to_total_width() {
        let mut s = stage();
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

    #[test]
    fn run_history_lists_stage_args() {
        let mut s = stage();
        s.arg_instruction(&[("V".into(), Some("1".into())), ("U".into(), None)]);
        let args = s.with_shell(&["make".to_string()]);
        let target = Platform::new("linux", "amd64");
        s.run(RunRequest {
            args,
            display: "RUN make".into(),
            dockerfile_command: "RUN make".into(),
            location: None,
            mounts: vec![],
            network: None,
            security: SecurityMode::Sandbox,
            defaults: &RunDefaults::default(),
            target: &target,
        });
        let h = s.image.history.last().unwrap();
        assert_eq!(h.created_by, "RUN |2 V=1 U= /bin/sh -c make # buildkit");
        assert!(!h.empty_layer);
        let Some(op) = &s.fs else { panic!("no exec") };
        let OpKind::Exec(spec) = &op.kind else {
            panic!("not exec")
        };
        assert_eq!(
            spec.env,
            vec![
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "V=1"
            ]
        );
        assert_eq!(spec.cwd, "/");
    }

    #[test]
    fn workdir_is_relative_to_previous_and_owned_by_user() {
        let mut s = stage();
        s.user_instruction("app");
        s.workdir("/app", "WORKDIR /app", None);
        s.workdir("src", "WORKDIR src", None);
        assert_eq!(s.image.config.working_dir, "/app/src");
        assert_eq!(s.dir, "/app/src");
        let Some(op) = &s.fs else { panic!() };
        let OpKind::File { actions, base } = &op.kind else {
            panic!()
        };
        assert!(base.is_some());
        let FileAction::Mkdir {
            path,
            owner,
            make_parents,
            ..
        } = &actions[0]
        else {
            panic!()
        };
        assert_eq!(path, "/app/src");
        assert!(*make_parents);
        assert_eq!(
            owner.as_ref().unwrap().user,
            Some(super::super::graph::UserRef::Name("app".into()))
        );
        let wd: Vec<_> = s
            .image
            .history
            .iter()
            .map(|h| h.created_by.as_str())
            .collect();
        assert_eq!(wd, vec!["USER app", "WORKDIR /app", "WORKDIR /app/src"]);
        s.workdir("/", "WORKDIR /", None);
        assert!(s.image.history.last().unwrap().empty_layer);
    }

    #[test]
    fn entrypoint_resets_inherited_cmd_only() {
        let mut s = stage();
        s.image.config.cmd = vec!["inherited".into()];
        s.entrypoint(vec!["/app".into()]);
        assert!(s.image.config.cmd.is_empty());
        s.cmd(vec!["--help".into()]);
        // The dispatcher records where the stage set CMD (convert/instruction.rs `used_once`).
        s.cmd_at = Some(Span::default());
        s.entrypoint(vec!["/bin/app".into()]);
        assert_eq!(s.image.config.cmd, vec!["--help"]);
        assert_eq!(s.image.history[1].created_by, r#"CMD ["--help"]"#);
        assert!(s.image.config.args_escaped);
    }

    #[test]
    fn healthcheck_history_matches_go_struct_quoting() {
        let mut s = stage();
        s.healthcheck(Healthcheck {
            test: vec!["CMD-SHELL".into(), "curl -f http://localhost/".into()],
            interval: 30_000_000_000,
            timeout: 3_000_000_000,
            retries: 3,
            ..Healthcheck::default()
        });
        assert_eq!(
            s.image.history[0].created_by,
            r#"HEALTHCHECK &{["CMD-SHELL" "curl -f http://localhost/"] "30s" "3s" "0s" "0s" '\x03'}"#
        );
    }

    #[test]
    fn copy_dest_semantics() {
        assert_eq!(path_relative_to_working_dir("/app", "./"), "/app/");
        assert_eq!(path_relative_to_working_dir("/app", "."), "/app/");
        assert_eq!(path_relative_to_working_dir("/app", ""), "/app/");
        assert_eq!(path_relative_to_working_dir("/app", "x"), "/app/x");
        assert_eq!(path_relative_to_working_dir("/app", "x/"), "/app/x/");
        assert_eq!(path_relative_to_working_dir("/app", "/abs//y/"), "/abs/y/");
        assert_eq!(path_relative_to_working_dir("/", "."), "/");
        assert_eq!(path_relative_to_working_dir("/app", "x/."), "/app/x/.");
    }

    #[test]
    fn copy_builds_one_file_op_with_reference_flags() {
        let mut s = stage();
        s.dir = "/app".into();
        s.cmd_total = 1;
        s.copy(CopyRequest {
            sources: vec!["package*.json".into()],
            raw_dest: "./".into(),
            dest: "./".into(),
            chown: Some("node:node".into()),
            from_context: true,
            display: "COPY --chown=node:node package*.json ./".into(),
            ..CopyRequest::default()
        })
        .unwrap();
        let Some(op) = &s.fs else { panic!() };
        assert_eq!(
            op.meta.custom_name.as_deref(),
            Some("[build 1/1] COPY --chown=node:node package*.json ./")
        );
        let OpKind::File { actions, .. } = &op.kind else {
            panic!()
        };
        let FileAction::Copy(c) = &actions[0] else {
            panic!()
        };
        assert_eq!(
            (c.src.as_str(), c.dest.as_str()),
            ("/package*.json", "/app/")
        );
        assert!(
            c.allow_wildcard
                && c.allow_empty_wildcard
                && c.dir_copy_contents
                && c.follow_symlink
                && c.create_dest_path
        );
        assert!(!c.attempt_unpack);
        assert_eq!(
            s.image.history[0].created_by,
            "COPY --chown=node:node package*.json ./ # buildkit"
        );
        assert!(s.context_paths.contains("/package*.json"));
    }

    #[test]
    fn add_url_file_names() {
        assert_eq!(
            url_file_name("https://example.com/pkg/app.tar.gz?x=1#frag"),
            "app.tar.gz"
        );
        assert_eq!(url_file_name("https://example.com/"), "__unnamed__");
        assert_eq!(url_file_name("https://example.com"), "__unnamed__");
        assert_eq!(url_file_name("http://h/dir/"), "dir");
        assert!(is_http_source("https://example.com/a"));
        assert!(!is_http_source("https://github.com/moby/buildkit.git"));
        assert!(!is_http_source("./local"));
    }

    #[test]
    fn chmod_forms() {
        assert_eq!(parse_chmod("755").unwrap(), CopyMode::Octal(0o755));
        assert_eq!(
            parse_chmod("u+x,g-w").unwrap(),
            CopyMode::Symbolic("u+x,g-w".into())
        );
        assert!(parse_chmod("99999").is_err());
        assert!(parse_chmod("8").is_err());
        assert!(parse_chmod("bogus").is_err());
        for numeric in ["64a", "8", "10000"] {
            assert_eq!(
                parse_chmod(numeric).unwrap_err(),
                format!("invalid chmod parameter: '{numeric}'. it should be octal string and between 0 and 07777")
            );
        }
    }

    #[test]
    fn go_path_helpers() {
        assert_eq!(clean_path("/a/../b/./c/"), "/b/c");
        assert_eq!(clean_path("/.."), "/");
        assert_eq!(join_path("/", "src/"), "/src");
        assert_eq!(join_path("/", "."), "/");
        assert_eq!(normalize_path("/app", "../x", false), "/x");
        assert_eq!(
            normalize_path("/app", "/keep//as/is", false),
            "/keep//as/is"
        );
    }
}
