//! Lowering: the converter's build graph -> `crate::llb` nodes -> `pb::Definition`.
//!
//! Each graph node becomes exactly one LLB node (memoised by identity, post-order, iterative so
//! long chains cannot overflow the stack). The build context placeholder becomes
//! `local://context` with the reference's attrs: session, `.dockerignore` excludes,
//! `local.followpaths` of every context path the dispatched stages read, shared key hint;
//! a context the gateway made (git, HTTP, a frontend input) is used as it is.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use crate::go::path::clean_path;
use crate::llb::{self, OpOptions};

use super::from::ConvertedStages;
use super::graph::{CopyMode, FileAction, Fs, MountKind, MountSpec, Op, OpKind, OpMeta};
use super::{ConvertError, ConvertOptions, Converted, SbomTargets};

pub(crate) fn lower(
    mut d: ConvertedStages,
    opts: &ConvertOptions,
    excludes: &[String],
) -> Result<Converted, ConvertError> {
    let source_map = match &opts.source_definition {
        Some(def) => llb::SourceMap::with_definition(
            opts.filename.clone(),
            "Dockerfile",
            opts.source.clone(),
            def.clone(),
        ),
        None => llb::SourceMap::new(opts.filename.clone(), "Dockerfile", opts.source.clone()),
    };
    let mut lowering = Lowering {
        opts,
        excludes,
        source_map,
        follow_paths: follow_paths(&d.context_paths),
        done: HashMap::new(),
    };
    let head = match &d.target.fs {
        Some(op) => lowering.lower(op)?,
        None => None,
    };
    // The scanner's extras, lowered with the same memo so they share the target's nodes.
    let mut extras = BTreeMap::new();
    if d.scan_context {
        extras.insert("context".to_string(), lowering.lower(&d.main_context)?);
    }
    for (name, fs) in &d.scan_stages {
        let out = match fs {
            Some(op) => lowering.lower(op)?,
            None => None,
        };
        extras.insert(name.clone(), out);
    }
    // Everything is lowered: the build graph goes before the definition is collected, so that
    // the two are never held at once (the ops' bytes live on in the nodes).
    drop(lowering);
    d.target.fs = None;
    d.scan_stages = Vec::new();
    let definition = llb::Definition::marshal_opt(head.as_ref()).into_pb();
    // Lines are counted only for a conversion with warnings to locate.
    let index = std::cell::OnceCell::new();
    let warnings = d
        .warnings
        .into_iter()
        .map(|w| {
            let index = index.get_or_init(|| crate::syntax::LineIndex::new(&opts.source));
            w.locate(&opts.filename, &opts.source, index)
        })
        .collect();
    Ok(Converted {
        warnings,
        outline: d.outline,
        definition,
        base_image_config: d.target.base_image.as_ref().map(|img| img.to_json()),
        image_config: d.target.image,
        platform: d.target_platform,
        epoch: d.epoch,
        sbom: SbomTargets {
            core: head,
            extras,
            ignore_cache: d.scan_ignore_cache,
        },
    })
}

/// `normalizeContextPaths`: relative, sorted; none at all when the whole context is used.
fn follow_paths(paths: &BTreeSet<String>) -> Vec<String> {
    if paths.contains("/") {
        return Vec::new();
    }
    let mut out: Vec<String> = paths
        .iter()
        .map(|p| clean_path(p.trim_start_matches('/')))
        .collect();
    out.sort();
    out.dedup();
    out
}

struct Lowering<'a> {
    opts: &'a ConvertOptions,
    /// The context's `.dockerignore` patterns.
    excludes: &'a [String],
    source_map: Arc<llb::SourceMap>,
    follow_paths: Vec<String>,
    /// Graph node -> its LLB output (`None` for an op whose result is empty).
    done: HashMap<*const Op, Option<llb::Output>>,
}

impl Lowering<'_> {
    /// Lower `root` and everything it reads, inputs first.
    fn lower(&mut self, root: &Arc<Op>) -> Result<Option<llb::Output>, ConvertError> {
        let mut stack: Vec<(Arc<Op>, bool)> = vec![(Arc::clone(root), false)];
        while let Some((op, inputs_ready)) = stack.pop() {
            let key = Arc::as_ptr(&op);
            if self.done.contains_key(&key) {
                continue;
            }
            if !inputs_ready {
                stack.push((Arc::clone(&op), true));
                for input in inputs(&op) {
                    if !self.done.contains_key(&Arc::as_ptr(&input)) {
                        stack.push((input, false));
                    }
                }
                continue;
            }
            let output = self.build(&op)?;
            self.done.insert(key, output);
        }
        Ok(self.done.get(&Arc::as_ptr(root)).cloned().flatten())
    }

    fn fs(&self, fs: &Fs) -> Option<llb::Output> {
        fs.as_ref()
            .and_then(|op| self.done.get(&Arc::as_ptr(op)).cloned().flatten())
    }

    fn common<T: OpOptions>(&self, mut b: T, meta: &OpMeta) -> T {
        if let Some(name) = &meta.custom_name {
            b = b.custom_name(name.clone());
        }
        if let Some(cmd) = &meta.dockerfile_command {
            b = b.description("com.docker.dockerfile.v1.command", cmd.clone());
        }
        if meta.ignore_cache {
            b = b.ignore_cache(true);
        }
        if let Some(pg) = &meta.progress_group {
            b = b.progress_group(pg.id.clone(), pg.name.clone(), pg.weak);
        }
        if let Some(loc) = meta.location {
            // One range per line, as the reference's parser.Node.Location (toRanges).
            // Line 0 stands for a location without ranges.
            let ranges = if loc.start == 0 {
                Vec::new()
            } else {
                let end = loc.end.max(loc.start);
                (loc.start..=end)
                    .map(|l| llb::Range::lines(l as i32, l as i32))
                    .collect()
            };
            b = b.location(&self.source_map, ranges);
        }
        b
    }

    fn build(&self, op: &Op) -> Result<Option<llb::Output>, ConvertError> {
        let llb_err = |e: llb::LlbError| ConvertError::new(e.to_string());
        Ok(match &op.kind {
            OpKind::Image {
                reference,
                platform,
                resolve_mode,
            } => {
                let src = llb::Source::image(reference.clone())
                    .platform(platform.to_llb())
                    .resolve_mode(*resolve_mode);
                Some(self.common(src, &op.meta).build())
            }
            OpKind::MainContext if self.opts.main_context.is_some() => {
                self.opts.main_context.clone().flatten()
            }
            OpKind::MainContext => {
                let opts = self.opts;
                let mut src = llb::Source::local(opts.context_name.clone());
                if !opts.session_id.is_empty() {
                    src = src.session(opts.session_id.clone());
                }
                if !self.excludes.is_empty() {
                    src = src.exclude_patterns(self.excludes);
                }
                if !self.follow_paths.is_empty() {
                    src = src.follow_paths(&self.follow_paths);
                }
                src = src
                    .shared_key_hint(opts.context_name.clone())
                    .custom_name("[internal] load build context");
                Some(src.build())
            }
            OpKind::OciLayout {
                reference,
                store,
                platform,
            } => {
                let mut attrs = BTreeMap::new();
                attrs.insert("oci.session".to_string(), self.opts.session_id.clone());
                attrs.insert("oci.store".to_string(), store.clone());
                let src = llb::Source::raw(format!("oci-layout://{reference}"), attrs)
                    .platform(platform.to_llb())
                    .cap("source.ocilayout");
                Some(self.common(src, &op.meta).build())
            }
            OpKind::NamedLocal(local) => {
                let mut src = llb::Source::local(local.name.clone());
                if !local.session.is_empty() {
                    src = src.session(local.session.clone());
                }
                src = src.shared_key_hint(local.shared_key.clone());
                if !local.excludes.is_empty() {
                    src = src.exclude_patterns(&local.excludes);
                }
                let paths = local
                    .paths
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone();
                let follow = follow_paths(&paths);
                if !follow.is_empty() {
                    src = src.follow_paths(&follow);
                }
                Some(self.common(src, &op.meta).build())
            }
            OpKind::Llb(out) => Some(out.clone()),
            OpKind::Http {
                url,
                filename,
                checksum,
            } => {
                let mut src = llb::Source::http(url.clone()).http_filename(filename.clone());
                if let Some(c) = checksum {
                    src = src.checksum(c.clone());
                }
                Some(self.common(src, &op.meta).build())
            }
            OpKind::Git(git) => Some(self.common(git.to_llb(), &op.meta).build()),
            OpKind::Exec(spec) => {
                let spec = spec
                    .take()
                    .ok_or_else(|| ConvertError::new("internal error: a RUN was lowered twice"))?;
                // The strings are the stage's own, shared: encoded from where they are.
                let mut env = spec.env.to_array();
                if let Some(caps) = &self.opts.llb_caps {
                    // With known caps the Go client either declares that the daemon defaults
                    // PATH, or sets it itself (client/llb ExecOp.Marshal).
                    if !caps.contains("exec.meta.setsdefaultpath")
                        && spec.platform.os != "windows"
                        && !env.iter().any(|e| e.starts_with("PATH="))
                    {
                        env.push(
                            format!("PATH={}", super::image::default_path_env(&spec.platform.os))
                                .into(),
                        );
                    }
                }
                let spec = *spec;
                let mut e = llb::Exec::new(spec.args)
                    .root(self.fs(&spec.root))
                    .env_list(env)
                    .cwd(spec.cwd)
                    .user(spec.user)
                    .network(spec.network)
                    .security(spec.security)
                    .platform(spec.platform.into_llb());
                if !spec.hostname.is_empty() {
                    e = e.hostname(spec.hostname);
                }
                if let Some(p) = spec.proxy_env {
                    e = e.proxy_env(p);
                }
                for (host, ip) in spec.extra_hosts {
                    e = e.extra_host(host, ip);
                }
                for (name, soft, hard) in spec.ulimits {
                    e = e.ulimit(name, soft, hard);
                }
                if !spec.cgroup_parent.is_empty() {
                    e = e.cgroup_parent(spec.cgroup_parent);
                }
                for (name, optional) in spec.cdi_devices {
                    e = e.cdi_device(name, optional);
                }
                for m in &spec.mounts {
                    e = self.mount(e, m);
                }
                if let Some(resources) = spec.linux_resources {
                    e = e.linux_resources(resources);
                }
                if self
                    .opts
                    .llb_caps
                    .as_ref()
                    .is_some_and(|c| c.contains("exec.meta.setsdefaultpath"))
                {
                    e = e.cap("exec.meta.setsdefaultpath");
                }
                let e = self.common(e, &op.meta);
                e.build().map_err(llb_err)?.root()
            }
            OpKind::File { base, actions } => {
                let actions = actions.take().ok_or_else(|| {
                    ConvertError::new("internal error: a file op was lowered twice")
                })?;
                let mut f = llb::FileOp::new(self.fs(base));
                for a in actions {
                    f = match a {
                        FileAction::Copy(c) => {
                            let c = *c;
                            let mut copy = llb::Copy::new(
                                llb::CopySource::Output(self.fs(&c.source)),
                                c.src,
                                c.dest,
                            )
                            .owner_opt(c.owner)
                            .follow_symlinks(c.follow_symlink)
                            .dir_contents_only(c.dir_copy_contents)
                            .attempt_unpack(c.attempt_unpack)
                            .create_dest_path(c.create_dest_path)
                            .allow_wildcard(c.allow_wildcard)
                            .allow_empty_wildcard(c.allow_empty_wildcard)
                            .include_patterns(c.include_patterns)
                            .exclude_patterns(c.exclude_patterns)
                            .required_paths(c.required_paths);
                            if let Some(mode) = c.mode {
                                copy = copy.mode(match mode {
                                    CopyMode::Octal(m) => llb::CopyMode::Bits(m),
                                    CopyMode::Symbolic(s) => llb::CopyMode::Symbolic(s),
                                });
                            }
                            if let Some(ts) = c.timestamp {
                                copy = copy.timestamp(ts);
                            }
                            f.copy(copy)
                        }
                        FileAction::Mkdir {
                            path,
                            mode,
                            make_parents,
                            owner,
                            timestamp,
                        } => {
                            let mut m = llb::Mkdir::new(path, mode)
                                .make_parents(make_parents)
                                .owner_opt(owner);
                            if let Some(ts) = timestamp {
                                m = m.timestamp(ts);
                            }
                            f.mkdir(m)
                        }
                        FileAction::Mkfile {
                            path,
                            mode,
                            data,
                            owner,
                            timestamp,
                        } => {
                            let mut m = llb::Mkfile::new(path, mode, data).owner_opt(owner);
                            if let Some(ts) = timestamp {
                                m = m.timestamp(ts);
                            }
                            f.mkfile(m)
                        }
                    };
                }
                let f = self.common(f, &op.meta);
                Some(f.build().map_err(llb_err)?)
            }
            OpKind::Merge { inputs } => {
                // Scratch inputs drop out; one input left is that input (client/llb `Merge`).
                let m = self.common(
                    llb::Merge::filtered(inputs.iter().map(|i| self.fs(i))),
                    &op.meta,
                );
                m.finish()
            }
        })
    }

    fn mount(&self, e: llb::Exec, m: &MountSpec) -> llb::Exec {
        let source = self.fs(&m.source);
        match &m.kind {
            MountKind::Bind { output } => {
                let mut mount = llb::Mount::bind(m.dest.clone(), source).readonly_if(m.readonly);
                if !m.selector.is_empty() {
                    mount = mount.selector(m.selector.clone());
                }
                // Without the cap the reference keeps the changes as an (unused) output.
                let no_output_cap = self
                    .opts
                    .llb_caps
                    .as_ref()
                    .is_none_or(|c| c.contains("exec.mount.bind.readwrite-nooutput"));
                if !m.readonly && !output && no_output_cap {
                    mount = mount.no_output();
                }
                e.mount(mount)
            }
            MountKind::Cache { id, sharing } => {
                let mut mount = llb::Mount::cache(m.dest.clone(), id.clone(), *sharing)
                    .from(source)
                    .readonly_if(m.readonly);
                if !m.selector.is_empty() {
                    mount = mount.selector(m.selector.clone());
                }
                e.mount(mount)
            }
            MountKind::Tmpfs { size } => e.mount(llb::Mount::tmpfs(m.dest.clone()).size(*size)),
            MountKind::Secret {
                id,
                env,
                uid,
                gid,
                mode,
                optional,
            } => {
                let mut s = match (m.dest.is_empty(), env) {
                    (true, Some(name)) => llb::SecretMount::env(id.clone(), name.clone()),
                    (false, Some(name)) => {
                        llb::SecretMount::file(id.clone(), m.dest.clone()).also_env(name.clone())
                    }
                    (_, None) => llb::SecretMount::file(id.clone(), m.dest.clone()),
                };
                s = s.owner(*uid, *gid).mode(*mode).optional(*optional);
                e.secret(s)
            }
            MountKind::Ssh {
                id,
                uid,
                gid,
                mode,
                optional,
            } => {
                let mut s = llb::SshMount::new(id.clone())
                    .owner(*uid, *gid)
                    .mode(*mode)
                    .optional(*optional);
                if !m.dest.is_empty() {
                    s = s.target(m.dest.clone());
                }
                e.ssh(s)
            }
        }
    }
}

fn inputs(op: &Op) -> Vec<Arc<Op>> {
    let ops = |fs: Vec<&Fs>| fs.into_iter().flatten().cloned().collect();
    match &op.kind {
        OpKind::Image { .. }
        | OpKind::MainContext
        | OpKind::Http { .. }
        | OpKind::Git(_)
        | OpKind::OciLayout { .. }
        | OpKind::NamedLocal(_)
        | OpKind::Llb(_) => Vec::new(),
        // A RUN is read before it is lowered, so its spec is still there.
        OpKind::Exec(spec) => spec.with(|spec| {
            spec.map_or_else(Vec::new, |spec| {
                ops(std::iter::once(&spec.root)
                    .chain(spec.mounts.iter().map(|m| &m.source))
                    .collect())
            })
        }),
        OpKind::File { base, actions } => actions.with(|actions| {
            ops(std::iter::once(base)
                .chain(actions.into_iter().flatten().filter_map(|a| match a {
                    FileAction::Copy(c) => Some(&c.source),
                    _ => None,
                }))
                .collect())
        }),
        OpKind::Merge { inputs } => ops(inputs.iter().collect()),
    }
}
