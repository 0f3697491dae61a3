//! RUN with its mounts (convert.go `dispatchRun`, convert_runmount.go, convert_secrets.go,
//! convert_ssh.go): the heredoc forms, each `--mount` expanded then interpreted, network and
//! security modes, the progress text with secret env values masked, then the exec op and its
//! history entry.

use std::sync::Arc;

use crate::instructions::{self as ins, Command, MountType};
use crate::syntax::expand::{Env, Expander};
use crate::syntax::heredoc::parse_heredoc_word;

use super::context::{location, report_undefined, step_error, uppercase_cmd, Context};
use super::env::EnvList;
use super::graph::{
    CacheSharing, ExecSpec, FileAction, LineRange, MountKind, MountSpec, NetMode, Op, OpKind,
    OpMeta, SecurityMode, TakeOnce,
};
use super::named_context::insert_path;
use super::platform::Platform;
use super::state::{RunDefaults, SourceStage, StageState};
use super::ConvertError;
use crate::go::path::{clean_path, join_path, system_is_abs};

/// What one RUN executes, expanded.
#[derive(Debug)]
pub(crate) struct RunRequest<'a> {
    pub args: Vec<String>,
    /// Progress text (variables expanded, keyword upper-cased).
    pub display: String,
    /// The instruction as written (`com.docker.dockerfile.v1.command`).
    pub dockerfile_command: String,
    pub location: Option<LineRange>,
    pub mounts: Vec<MountSpec>,
    pub network: Option<NetMode>,
    pub security: SecurityMode,
    /// `RUN --device`: CDI device name and whether it is optional.
    pub cdi_devices: Vec<(String, bool)>,
    pub defaults: &'a RunDefaults,
    pub target: &'a Platform,
}

pub(super) fn convert_run(
    st: &mut StageState,
    cmd: &Command,
    run: &ins::Run,
    sources: &[SourceStage],
    ctx: &Context,
) -> Result<(), ConvertError> {
    let err = |msg: String| step_error(cmd, msg);
    // A command may read any file of the stage.
    insert_path(&st.paths, "/".to_string());
    let mut display = cmd.source_code().to_string();
    let mut args = run.cmd.strings();
    let mut mounts = Vec::new();
    if !run.heredocs.is_empty() {
        if args.len() != 1 || !run.cmd.prepend_shell {
            return Err(err(format!(
                "parsing produced an invalid run command: {args:?}"
            )));
        }
        let single = matches!(parse_heredoc_word(args[0].trim()), Ok(Some(_)));
        let first = &run.heredocs[0];
        if single {
            let data = first.chomped_content();
            if st.image.os != "windows" && data.starts_with("#!") {
                // A script with a shebang: write it to a file and run that file.
                let script = Op::new(
                    OpKind::File {
                        base: None,
                        actions: TakeOnce::new(vec![FileAction::Mkfile {
                            path: join_path("/", &first.name),
                            mode: 0o755,
                            data: data.into_bytes(),
                            owner: None,
                            timestamp: None,
                        }]),
                    },
                    OpMeta {
                        custom_name: Some("[internal] preparing inline document".to_string()),
                        ..OpMeta::default()
                    },
                );
                mounts.push(MountSpec {
                    dest: "/dev/pipes/".to_string(),
                    source: Some(script),
                    selector: "/".to_string(),
                    readonly: true,
                    kind: MountKind::Bind { output: false },
                });
                args = vec![join_path("/dev/pipes/", &first.name)];
            } else {
                args = vec![data];
            }
            display.push_str(&format!(" ({})", summarize_heredoc(&first.content)));
        } else {
            let mut full = args[0].clone();
            for h in &run.heredocs {
                full.push('\n');
                full.push_str(&h.content);
                full.push_str(&h.name);
            }
            args = vec![full];
        }
    }
    if run.cmd.prepend_shell {
        args = st.with_shell(&args);
    }

    let mut masked = Vec::new();
    for (i, raw) in run.mounts.iter().enumerate() {
        let env = &st.env;
        let mut unset = std::collections::BTreeSet::new();
        let m = raw
            .interpret(&mut |v: &str| {
                ctx.expander
                    .expand_word(v, env)
                    .map(|e| {
                        unset.extend(e.unset);
                        e.value
                    })
                    .map_err(|e| e.to_string())
            })
            .map_err(|e| ConvertError::at(e.to_string(), cmd.lines, Some(raw.word.span)))?;
        report_undefined(st, cmd, &unset);
        let source = sources.get(i).cloned().unwrap_or(SourceStage {
            dispatched: true,
            ..SourceStage::default()
        });
        if let Some(spec) = run_mount(st, &m, &source, ctx).map_err(err)? {
            if !m.from.is_empty()
                && !matches!(spec.kind, MountKind::Secret { .. } | MountKind::Ssh { .. })
            {
                source.read(join_path("/", &m.source));
            }
            match &spec.kind {
                MountKind::Secret { id, .. } => st.outline.secret(id, m.required, cmd.lines),
                MountKind::Ssh { id, .. } => {
                    let id = if id.is_empty() { "default" } else { id };
                    st.outline.ssh(id, m.required, cmd.lines);
                }
                _ => {}
            }
            mounts.push(spec);
        }
        if m.mount_type == MountType::Secret {
            if let Some(name) = &m.env {
                masked.push(name.clone());
            }
        }
    }

    // RUN's progress text: variables expanded, quotes and escapes kept (so `\$HOME` and
    // `C:\dir` read as written), unset variables left as written, secret env values masked.
    let shown = if masked.is_empty() {
        display_run(ctx.expander, &display, &st.env)
    } else {
        display_run(
            ctx.expander,
            &display,
            &Masked {
                env: &st.env,
                names: &masked,
            },
        )
    };
    let network = match run.network {
        ins::NetworkMode::Default => None,
        ins::NetworkMode::None => Some(NetMode::None),
        ins::NetworkMode::Host => Some(NetMode::Host),
    };
    let security = match run.security {
        ins::SecurityMode::Sandbox => SecurityMode::Sandbox,
        ins::SecurityMode::Insecure => SecurityMode::Insecure,
    };
    // `RUN --device` is stable since frontend 1.27; a daemon without CDI gets no devices at all,
    // as in the reference (`dispatchRun`), rather than an op it would reject.
    let cdi_devices = if ctx.supports("exec.meta.cdi") {
        run.devices
            .iter()
            .map(|d| (d.name.clone(), !d.required))
            .collect()
    } else {
        Vec::new()
    };
    st.run(RunRequest {
        args,
        display: shown,
        dockerfile_command: cmd.source_code().to_string(),
        location: location(cmd),
        mounts,
        network,
        security,
        cdi_devices,
        defaults: ctx.run_defaults,
        target: ctx.target_platform,
    });
    Ok(())
}

/// The stage's environment with the values of secret env mounts hidden, for progress text.
struct Masked<'a> {
    env: &'a EnvList,
    names: &'a [String],
}

impl Env for Masked<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        if self.names.iter().any(|n| n == name) {
            Some("****")
        } else {
            self.env.get(name)
        }
    }
}

fn display_run(expander: &Expander, text: &str, env: &dyn Env) -> String {
    let lex = expander.raw_quotes(true).raw_escapes(true).skip_unset(true);
    let expanded = lex
        .expand_word(text, env)
        .map(|e| e.value)
        .unwrap_or_else(|_| text.to_string());
    uppercase_cmd(&expanded)
}

/// `summarizeHeredoc`: the first line, `...` when there are more.
fn summarize_heredoc(doc: &str) -> String {
    let doc = doc.trim();
    let normalized = doc.replace("\r\n", "\n");
    let mut lines = normalized.split('\n');
    let first = lines.next().unwrap_or("").to_string();
    if lines.next().is_some() {
        format!("{first}...")
    } else {
        first
    }
}

/// One `--mount` (convert_runmount.go `dispatchRunMounts`, convert_secrets.go, convert_ssh.go).
fn run_mount(
    st: &mut StageState,
    m: &ins::Mount,
    from_stage: &SourceStage,
    ctx: &Context,
) -> Result<Option<MountSpec>, String> {
    let mut from = m.from.clone();
    if from.is_empty() && m.mount_type == MountType::Cache {
        from = "scratch".to_string();
    }
    match m.mount_type {
        MountType::Secret => return Ok(Some(secret_mount(m, &st.platform.os)?)),
        MountType::Ssh => return Ok(Some(ssh_mount(m, st)?)),
        _ => {}
    }
    let mut source = if from.is_empty() {
        Some(Arc::clone(ctx.main_context))
    } else {
        if !from_stage.dispatched {
            return Err(format!(
                "cannot mount from stage {from:?} to {:?}, stage needs to be defined before current command",
                m.target
            ));
        }
        from_stage.fs.clone()
    };
    let kind = match m.mount_type {
        MountType::Tmpfs => {
            source = None;
            MountKind::Tmpfs { size: m.size_limit }
        }
        MountType::Cache => {
            let id = if m.cache_id.is_empty() {
                clean_path(&m.target)
            } else {
                m.cache_id.clone()
            };
            let sharing = match m.cache_sharing {
                Some(ins::mount::CacheSharing::Private) => CacheSharing::Private,
                Some(ins::mount::CacheSharing::Locked) => CacheSharing::Locked,
                _ => CacheSharing::Shared,
            };
            MountKind::Cache {
                id: format!("{}/{id}", ctx.cache_mount_ns),
                sharing,
            }
        }
        _ => MountKind::Bind { output: false },
    };
    let mut target = m.target.clone();
    if !clean_path(&m.target).starts_with('/') {
        target = join_path("/", &join_path(&st.dir, &m.target));
    }
    if target == "/" {
        return Err(format!("invalid mount target {target:?}"));
    }
    let src = join_path("/", &m.source);
    let mut selector = String::new();
    if src != "/" {
        selector = src;
    } else if m.uid.is_some() || m.gid.is_some() || m.mode.is_some() {
        let owner = super::graph::Chown {
            user: Some(super::graph::UserRef::Id(m.uid.unwrap_or(0) as u32)),
            group: Some(super::graph::UserRef::Id(m.gid.unwrap_or(0) as u32)),
        };
        source = Some(Op::new(
            OpKind::File {
                base: source,
                actions: TakeOnce::new(vec![FileAction::Mkdir {
                    path: "/cache".to_string(),
                    mode: m.mode.map(|x| x as u32).unwrap_or(0o755),
                    make_parents: false,
                    owner: Some(owner),
                    timestamp: None,
                }]),
            },
            OpMeta {
                custom_name: Some("[internal] setting cache mount permissions".to_string()),
                ..OpMeta::default()
            },
        ));
        selector = "/cache".to_string();
    }
    if m.from.is_empty() && m.mount_type != MountType::Cache && m.mount_type != MountType::Tmpfs {
        st.context_paths.insert(join_path("/", &m.source));
    }
    Ok(Some(MountSpec {
        dest: target,
        source,
        selector,
        readonly: m.read_only,
        kind,
    }))
}

fn secret_mount(m: &ins::Mount, os: &str) -> Result<MountSpec, String> {
    let windows = os == "windows";
    // Windows targets may be written with backslashes (frontend 1.27+).
    let target = if windows {
        m.target.replace('\\', "/")
    } else {
        m.target.clone()
    };
    let mut id = m.cache_id.clone();
    if !m.source.is_empty() {
        id = m.source.clone();
    }
    if id.is_empty() {
        if target.is_empty() {
            return Err("one of source, target required".to_string());
        }
        id = base_name(&target);
    }
    // A drive-relative target such as `C:secret` would land somewhere unexpected.
    if windows && !target.is_empty() && !system_is_abs(&target, os) {
        return Err(format!(
            "secret target {} must be an absolute path with forward slashes on Windows, e.g. --mount=type=secret,id={id},target=C:/path/to/secret",
            crate::go::quote(&target)
        ));
    }
    // Without env= the secret is a file, by default under /run/secrets (Windows has none).
    let mut dest = target;
    if m.env.is_none() && dest.is_empty() {
        if windows {
            return Err(format!(
                "secret target is required on Windows, e.g. --mount=type=secret,id={id},target=C:/path/to/secret"
            ));
        }
        dest = format!("/run/secrets/{}", base_name(&id));
    }
    let (uid, gid, mode) = if m.uid.is_some() || m.gid.is_some() || m.mode.is_some() {
        (
            m.uid.unwrap_or(0) as u32,
            m.gid.unwrap_or(0) as u32,
            m.mode.map(|x| x as u32).unwrap_or(0o400),
        )
    } else {
        (0, 0, 0o400)
    };
    Ok(MountSpec {
        dest,
        source: None,
        selector: String::new(),
        readonly: false,
        kind: MountKind::Secret {
            id,
            env: m.env.clone(),
            uid,
            gid,
            mode,
            optional: !m.required,
        },
    })
}

fn ssh_mount(m: &ins::Mount, st: &StageState) -> Result<MountSpec, String> {
    if !m.source.is_empty() {
        return Err("ssh does not support source".to_string());
    }
    let _ = st;
    let (uid, gid, mode) = if m.uid.is_some() || m.gid.is_some() || m.mode.is_some() {
        (
            m.uid.unwrap_or(0) as u32,
            m.gid.unwrap_or(0) as u32,
            m.mode.map(|x| x as u32).unwrap_or(0o600),
        )
    } else {
        (0, 0, 0o600)
    };
    Ok(MountSpec {
        dest: m.target.clone(),
        source: None,
        selector: String::new(),
        readonly: false,
        kind: MountKind::Ssh {
            id: m.cache_id.clone(),
            uid,
            gid,
            mode,
            optional: !m.required,
        },
    })
}

/// Go `path.Base`.
fn base_name(p: &str) -> String {
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return if p.is_empty() {
            ".".to_string()
        } else {
            "/".to_string()
        };
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}

impl StageState {
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
            env: self.env.snapshot(),
            cwd: self.dir.clone(),
            user: self.user.clone(),
            hostname: self.hostname.clone(),
            extra_hosts: req.defaults.extra_hosts.clone(),
            network: req.network.unwrap_or(self.network),
            security: req.security,
            proxy_env: req.defaults.proxy_env.clone(),
            cdi_devices: req.cdi_devices,
            mounts,
            platform,
            linux_resources: req.defaults.linux_resources.clone(),
            ulimits: req.defaults.ulimits.clone(),
            cgroup_parent: req.defaults.cgroup_parent.clone(),
        };
        let meta = OpMeta {
            custom_name: Some(name),
            dockerfile_command: Some(req.dockerfile_command),
            ignore_cache: self.ignore_cache,
            location: req.location,
            progress_group: None,
        };
        self.fs = Some(Op::new(OpKind::Exec(TakeOnce::new(Box::new(spec))), meta));
        let message = format!("RUN {}", self.run_command_string(&req.args));
        self.commit(message, true, true);
    }
}

#[cfg(test)]
mod tests {
    use super::super::state::test_stage;
    use super::*;

    #[test]
    fn run_history_lists_stage_args() {
        let mut s = test_stage();
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
            cdi_devices: vec![],
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
        let spec = spec.take().unwrap();
        let env = spec.env.to_array();
        assert_eq!(
            env.iter().map(|kv| &**kv).collect::<Vec<_>>(),
            vec![
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "V=1"
            ]
        );
        assert_eq!(spec.cwd, "/");
    }
}
