//! Converting the stages (convert.go `toDispatchState` from dispatch on): each reachable stage
//! once, in order, starting from its FROM (an image, an earlier stage or scratch), then the base
//! image's ONBUILD triggers, then its commands; and the target's final image config.

use std::collections::BTreeSet;

use super::args::proxy_env_from_build_args;
use super::command;
use super::context::Context;
use super::dockerignore::PatternMatcher;
use super::from_checks;
use super::graph::{Fs, LineRange as OpLines, Op, OpKind, OpMeta};
use super::image::ImageConfig;
use super::named_context::{NamedUse, PathSet};
use super::outline::{Outline, OutlineCapture, OutlineStage, OutlineStages};
use super::platform::Platform;
use super::reference::ImageRef;
use super::stages::{Build, StageDecl, EMPTY_IMAGE_NAME, SBOM_SCAN_CONTEXT, SBOM_SCAN_STAGE};
use super::state::{Epoch, RunDefaults, SourceStage, StageState};
use super::{ConvertError, ResolvedImages};
use crate::go::rfc3339_utc;

/// The result of converting the stages: every reachable stage's final state.
pub(crate) struct ConvertedStages {
    pub target: StageState,
    /// SOURCE_DATE_EPOCH as resolved, in unix seconds.
    pub epoch: Option<i64>,
    pub context_paths: BTreeSet<String>,
    pub target_platform: Platform,
    /// The build context placeholder every stage read it through.
    pub main_context: std::sync::Arc<Op>,
    /// What an SBOM scan covers besides the target (`SBOMTargets.Extras`): the context when
    /// the target enables `BUILDKIT_SBOM_SCAN_CONTEXT`, and every other reachable stage that
    /// enables `BUILDKIT_SBOM_SCAN_STAGE`, by stage name.
    pub scan_context: bool,
    pub scan_stages: Vec<(String, Fs)>,
    /// Some stage the scan covers ignores the cache.
    pub scan_ignore_cache: bool,
    /// Build-check warnings of the dispatched stages, in dispatch order, not located yet.
    pub warnings: Vec<crate::syntax::Diagnostic>,
    pub outline: Outline,
}

impl Build<'_> {
    /// Dispatch every reachable stage once, in declaration order.
    pub(crate) fn convert_stages(
        self,
        images: &ResolvedImages,
        dockerignore: Option<&PatternMatcher>,
    ) -> Result<ConvertedStages, ConvertError> {
        let opts = self.opts;
        let main_context = Op::new(OpKind::MainContext, OpMeta::default());
        let supports = |cap: &str| opts.llb_caps.as_ref().is_some_and(|c| c.contains(cap));
        let run_defaults = RunDefaults {
            proxy_env: proxy_env_from_build_args(&opts.build.build_args),
            extra_hosts: opts
                .build
                .extra_hosts
                .iter()
                .map(|h| (h.host.clone(), h.ip.to_string()))
                .collect(),
            shm_size: opts.build.shm_size,
            // dispatchRun gives the limits only to a daemon that knows the cap; an older one
            // would refuse the op for the cap the Go client then declares.
            linux_resources: opts
                .llb_caps
                .as_ref()
                .is_some_and(|caps| caps.contains("exec.meta.linux.resources"))
                .then(|| opts.build.linux_resources.clone())
                .flatten(),
            ulimits: if supports("exec.meta.ulimit") {
                opts.build.ulimits.clone()
            } else {
                Vec::new()
            },
            cgroup_parent: if supports("exec.meta.cgroup.parent") {
                opts.build.cgroup_parent.clone()
            } else {
                String::new()
            },
        };
        let epoch = self.epoch.map(epoch_of);
        let mut done: Vec<Option<StageState>> = vec![None; self.decls.len()];
        let mut scan = vec![[false; 2]; self.decls.len()];
        let mut warnings = self.warnings.clone();
        let mut context_paths = BTreeSet::new();

        // Base images are resolved before any stage is dispatched, in the rounds the reference
        // resolves them in (`resolveStages`; within a round its order is random, ours is the
        // stages'), and each resolve checks the image's platform. Implicit stages
        // (`--from=<image>`) are just their image.
        let mut bases: Vec<Option<StageState>> = vec![None; self.decls.len()];
        let mut order: Vec<usize> = (0..self.decls.len())
            .filter(|&i| self.reachable[i] && self.decls[i].base.is_none())
            .collect();
        order.sort_by_key(|&i| self.decls[i].unreached_rounds);
        for i in order {
            let (st, warning) = self
                .base_state(&self.decls[i], images)
                .map_err(|e| with_warnings(e, &warnings, &[]))?;
            warnings.extend(warning);
            // Implicit stages are their image; a stage a named context replaces, that context.
            if self.decls[i].df_index.is_none() || self.decls[i].named.is_some() {
                done[i] = Some(st);
            } else {
                bases[i] = Some(st);
            }
        }
        // The last stage that starts from each stage (`FROM <stage>`): after it, what is left
        // to read of that stage is its result, never its config, env or history.
        let mut last_fork: Vec<Option<usize>> = vec![None; self.decls.len()];
        for (i, decl) in self.decls.iter().enumerate() {
            if let Some(b) = decl.base.filter(|_| self.reachable[i]) {
                last_fork[b] = Some(i);
            }
        }
        for i in 0..self.decls.len() {
            if !self.reachable[i] || self.decls[i].df_index.is_none() || done[i].is_some() {
                continue;
            }
            let decl = &self.decls[i];
            let mut st = match decl.base {
                Some(b) => {
                    let base = done[b].as_mut().ok_or_else(|| {
                        ConvertError::at(
                            format!("stage {} is not dispatched", decl.base_name),
                            decl.lines,
                            Some(decl.span),
                        )
                    })?;
                    // After its last fork a stage is retired: this fork may take what that drops.
                    let last = b != self.target && last_fork[b] == Some(i);
                    let mut st = base.fork(last);
                    st.image.config.on_build.clear();
                    st.progress_name = decl.progress_name.clone();
                    st.cmd_index = 0;
                    (st.cmd_at, st.entrypoint_at, st.healthcheck_at) = (None, None, None);
                    st.context_paths.clear();
                    st
                }
                None => bases[i]
                    .take()
                    .ok_or_else(|| ConvertError::new("base image was not resolved"))?,
            };
            st.outline = self.initial_outline(i);
            st.cmd_total = decl.cmd_total;
            st.ignore_cache = decl.ignore_cache;
            st.prefix_platform = opts.build.multi_platform;
            st.epoch = epoch.clone();
            st.apply_base_config()
                .map_err(|e| ConvertError::at(e, decl.lines, Some(decl.span)))?;
            if let Some(hostname) = &opts.build.hostname {
                st.hostname = hostname.clone();
            }
            st.network = opts.build.network_mode;

            // ONBUILD triggers of the base (image config, or the base stage's ONBUILD lines) run
            // first (convert.go `initOnBuildTriggers`), located at this stage's FROM.
            let triggers = &decl.triggers;
            st.image.config.on_build.clear();
            st.cmd_total += triggers.len();

            if let Some(df_index) = decl.df_index {
                let stage = &self.df.stages[df_index];
                let ctx = Context {
                    expander: &self.expander,
                    global_args: &self.global_args,
                    build_args: &self.build_args,
                    run_defaults: &run_defaults,
                    target_platform: &self.target_platform,
                    main_context: &main_context,
                    stage_name: &decl.progress_name,
                    cache_mount_ns: &opts.build.cache_mount_ns,
                    llb_caps: opts.llb_caps,
                    dockerignore,
                    git_advice: opts.build.git_advice,
                };
                for (ti, trigger) in triggers.iter().enumerate() {
                    let sources = sources_of(&decl.trigger_deps, ti, &done);
                    st.onbuild = true;
                    command::convert_command(&mut st, trigger, &sources, &ctx)
                        .map_err(|e| with_warnings(e, &warnings, &st.warnings))?;
                    st.onbuild = false;
                }
                for (ci, cmd) in stage.commands.iter().enumerate() {
                    let sources = sources_of(&decl.deps, ci, &done);
                    command::convert_command(&mut st, cmd, &sources, &ctx)
                        .map_err(|e| with_warnings(e, &warnings, &st.warnings))?;
                }
            }
            context_paths.extend(st.context_paths.iter().cloned());
            warnings.append(&mut st.warnings);
            scan[i] = [SBOM_SCAN_CONTEXT, SBOM_SCAN_STAGE].map(|arg| self.scan_enabled(&st, arg));
            done[i] = Some(st);
            // A chain of stages would otherwise hold every stage's config, each a copy of the
            // one before it plus its own instructions.
            for k in [Some(i), decl.base].into_iter().flatten() {
                if k != self.target && last_fork[k].is_none_or(|last| last <= i) {
                    if let Some(st) = done[k].as_mut() {
                        st.retire();
                    }
                }
            }
        }

        let mut scan_stages = Vec::new();
        let mut scan_ignore_cache = false;
        for (i, st) in done.iter().enumerate() {
            if let Some(st) = st.as_ref().filter(|_| i != self.target && scan[i][1]) {
                scan_stages.push((st.progress_name.clone(), st.fs.clone()));
                scan_ignore_cache |= st.ignore_cache;
            }
        }
        let outline = self.outline(&done);
        let mut target = done[self.target]
            .take()
            .ok_or_else(|| ConvertError::new("target stage was not dispatched"))?;
        scan_ignore_cache |= target.ignore_cache;
        // The whole target is used, whatever its stages read of it.
        super::named_context::insert_path(&target.paths, "/".to_string());
        self.finish_image(&mut target);
        Ok(ConvertedStages {
            target,
            epoch: self.epoch,
            context_paths,
            target_platform: self.target_platform,
            main_context,
            scan_context: scan[self.target][0],
            scan_stages,
            scan_ignore_cache,
            warnings,
            outline,
        })
    }

    /// What a stage's outline starts from (`addState`): the global ARGs, and those read by its
    /// FROM line and by its base stages' (the base's capture is taken before the base is
    /// dispatched, so its own ARGs are found through the base stage itself).
    fn initial_outline(&self, i: usize) -> OutlineCapture {
        let mut used = BTreeSet::new();
        let mut at = Some(i);
        while let Some(d) = at {
            used.extend(self.decls[d].from_args.iter().cloned());
            at = self.decls[d].base;
        }
        OutlineCapture::new(self.outline_args.clone(), used)
    }

    /// The target's outline from what each dispatched stage used.
    fn outline(&self, done: &[Option<StageState>]) -> Outline {
        let stages = self
            .decls
            .iter()
            .zip(done)
            .map(|(decl, st)| {
                let mut deps: Vec<usize> = Vec::new();
                for &(_, d) in decl.trigger_deps.iter().chain(&decl.deps) {
                    if !deps.contains(&d) {
                        deps.push(d);
                    }
                }
                OutlineStage {
                    capture: st.as_ref().map(|s| &s.outline),
                    base: decl.base,
                    deps,
                }
            })
            .collect();
        let stage = self.decls[self.target].df_index.map(|d| &self.df.stages[d]);
        OutlineStages(stages).outline(
            self.target,
            stage.and_then(|s| s.name.clone()).unwrap_or_default(),
            stage.and_then(|s| s.comment.clone()).unwrap_or_default(),
        )
    }

    /// `isEnabledForStage` of an SBOM scan arg: the global value, then the stage's own (or
    /// inherited) ARG with a value; `true`/`false`, or a comma list of stage names.
    fn scan_enabled(&self, st: &StageState, arg: &str) -> bool {
        let enabled = |value: &str| match crate::go::parse_bool(value) {
            Some(b) => b,
            None => value.split(',').any(|s| s == st.progress_name),
        };
        let mut on = self.global_args.get(arg).is_some_and(enabled);
        for (key, value) in &st.build_args {
            if let Some(value) = value.as_deref().filter(|_| key == arg) {
                on = enabled(value);
            }
        }
        on
    }

    /// A stage on an external image or scratch, with the image's config (`resolveReachableStages`),
    /// and the InvalidBaseImagePlatform warning of its image.
    fn base_state(
        &self,
        decl: &StageDecl,
        images: &ResolvedImages,
    ) -> Result<(StageState, Option<crate::syntax::Diagnostic>), ConvertError> {
        if let Some(named) = self.named_of(decl) {
            return Ok((self.named_state(decl, &named, images)?, None));
        }
        if decl.base_name == EMPTY_IMAGE_NAME {
            let p = self.target_platform.clone();
            let mut st = StageState::new(
                decl.progress_name.clone(),
                None,
                p.clone(),
                None,
                ImageConfig::empty(&p),
            );
            st.cmd_total = decl.cmd_total;
            return Ok((st, None));
        }
        let located = |msg: String| ConvertError::at(msg, decl.lines, Some(decl.span));
        let mut reference = decl.parse_base()?.clone();
        // The reference normalises the name of a stage it did not resolve in the first round,
        // and a later round's check names it so.
        let name = match (decl.unreached_rounds, decl.df_index) {
            (1.., Some(_)) => reference.to_string(),
            _ => decl.base_name.clone(),
        };
        let mut platform = self.base_platform(decl);
        let resolved = images
            .get(&reference.to_string(), &platform)
            .ok_or_else(|| located(format!("{}: base image was not resolved", decl.base_name)))?;
        if let Some(r) = &resolved.reference {
            if *r != reference.to_string() {
                reference = ImageRef::parse_normalized(r)
                    .map_err(|e| located(format!("failed to parse ref {r:?}: {e}")))?;
            }
        }
        let mut img = ImageConfig::from_json(&resolved.config)
            .map_err(|e| located(format!("failed to parse image config: {e}")))?;
        let base_image = img.clone();
        img.created = None;
        if decl.platform.is_none() && self.implicit_target {
            platform = auto_detect_platform(&img, &platform, &self.opts.build.build_platform);
        }
        if let Some(d) = &resolved.digest {
            reference = reference
                .with_digest(d)
                .map_err(|e| located(e.to_string()))?;
        }
        let pinned = reference.to_string();
        let is_scratch = img.rootfs.diff_ids.as_ref().is_none_or(|d| d.is_empty())
            && img.history.iter().all(|h| h.empty_layer);
        let warning = (!is_scratch)
            .then(|| {
                from_checks::base_image_platform(&name, &platform, &img, decl.span, decl.located)
            })
            .flatten();
        let mut st = StageState::new(
            decl.progress_name.clone(),
            None,
            platform.clone(),
            None,
            img,
        );
        st.base_image = Some(base_image);
        st.cmd_total = decl.cmd_total;
        st.cmd_index = decl.unreached_rounds;
        st.prefix_platform = self.opts.build.multi_platform;
        if !is_scratch {
            let name = st.progress_name_for(&format!("FROM {pinned}"), Some(&platform));
            let meta = OpMeta {
                custom_name: Some(name),
                dockerfile_command: Some(decl.source_code.clone()),
                // A stage made up for a RUN mount has no location in the reference (only
                // COPY --from records one): an empty range list.
                location: Some(if decl.located {
                    OpLines {
                        start: decl.lines.start as u32,
                        end: decl.lines.end as u32,
                    }
                } else {
                    OpLines { start: 0, end: 0 }
                }),
                ..OpMeta::default()
            };
            let kind = OpKind::Image {
                reference: pinned,
                platform: platform.clone(),
                resolve_mode: self.opts.build.image_resolve_mode,
            };
            st.fs = Some(Op::new(kind, meta));
            st.state_platform = Some(platform.normalize());
        }
        Ok((st, warning))
    }

    /// A stage on a named context (`resolveBaseImage`): the stage the context replaces, with
    /// the context's image config if it has one; or a stage whose FROM image (or `--from`
    /// image) the context stands for, on the context with its config or an empty image's.
    fn named_state(
        &self,
        decl: &StageDecl,
        named: &NamedUse,
        images: &ResolvedImages,
    ) -> Result<StageState, ConvertError> {
        let located = |msg: String| ConvertError::at(msg, decl.lines, Some(decl.span));
        let answer = images.context(&named.found.name_with_platform, &named.platform);
        let paths = PathSet::default();
        let loaded = named
            .load(
                answer,
                &self.target_platform,
                self.opts.build.git_advice,
                &paths,
            )
            .map_err(located)?;
        let config = match &loaded.config {
            Some(json) => Some(
                ImageConfig::from_json(json)
                    .map_err(|e| located(format!("failed to parse image config: {e}")))?,
            ),
            None => None,
        };
        let has_image = config.is_some();
        let mut st = if decl.named.is_some() {
            // Its own commands are not converted; the stages built on it start from its image.
            let platform = config
                .as_ref()
                .filter(|c| !c.os.is_empty() && !c.architecture.is_empty())
                .map(ImageConfig::platform)
                .or_else(|| decl.platform.clone())
                .unwrap_or_else(|| self.target_platform.clone());
            let mut img = config.unwrap_or_default();
            img.created = None;
            let state_platform = has_image.then(|| platform.clone().normalize());
            StageState::new(
                decl.progress_name.clone(),
                loaded.fs,
                platform,
                state_platform,
                img,
            )
        } else {
            let platform = self.base_platform(decl);
            let mut img = config.unwrap_or_else(|| ImageConfig::empty(&platform));
            if loaded.drops_created {
                img.created = None;
            }
            let base_image = img.clone();
            img.created = None;
            let mut st = StageState::new(
                decl.progress_name.clone(),
                loaded.fs,
                platform.clone(),
                Some(platform.normalize()),
                img,
            );
            st.base_image = Some(base_image);
            st
        };
        st.paths = paths;
        st.cmd_total = decl.cmd_total;
        // The reference counts the FROM step only in rounds the stage was not reachable in.
        st.cmd_index = decl.unreached_rounds;
        st.prefix_platform = self.opts.build.multi_platform;
        Ok(st)
    }

    /// Labels from the request, and the target platform in the config when it was explicit.
    fn finish_image(&self, target: &mut StageState) {
        for (k, v) in &self.opts.build.labels {
            target.image.config.labels.insert(k.clone(), v.clone());
        }
        if !self.implicit_target {
            let tp = &self.target_platform;
            let same = tp.os == target.image.os && tp.architecture == target.image.architecture;
            target.image.os = tp.os.clone();
            target.image.architecture = tp.architecture.clone();
            if !tp.variant.is_empty() || !same {
                target.image.variant = tp.variant.clone();
            }
            if !tp.os_version.is_empty() || !same {
                target.image.os_version = tp.os_version.clone();
            }
            if tp.os_features.is_some() {
                target.image.os_features = tp.os_features.clone();
            }
        }
        let p = target.image.platform().normalize();
        target.image.os = p.os;
        target.image.architecture = p.architecture;
        target.image.variant = p.variant;
    }
}

/// `--from` values of a command as written: COPY's, and every RUN mount's (`scratch` if none).
/// The sources of command `index` from a dependency list: each stage's result, and whether it
/// was dispatched already (stages run in declaration order).
fn sources_of(
    deps: &[(usize, usize)],
    index: usize,
    done: &[Option<StageState>],
) -> Vec<SourceStage> {
    deps.iter()
        .filter(|(c, _)| *c == index)
        .map(|&(_, d)| match &done[d] {
            Some(s) => SourceStage {
                fs: s.fs.clone(),
                dispatched: true,
                paths: std::sync::Arc::clone(&s.paths),
            },
            None => SourceStage::default(),
        })
        .collect()
}

/// `autoDetectPlatform`: keep the target unless the image is for another platform the workers run.
fn auto_detect_platform(img: &ImageConfig, target: &Platform, build: &Platform) -> Platform {
    if target.os == img.os && target.architecture == img.architecture {
        return target.clone();
    }
    if build.os == img.os && build.architecture == img.architecture {
        return build.clone();
    }
    target.clone()
}

/// An error of a command, with the warnings reported before it (earlier stages', then this
/// stage's), not located yet.
fn with_warnings(
    mut error: ConvertError,
    earlier: &[crate::syntax::Diagnostic],
    stage: &[crate::syntax::Diagnostic],
) -> ConvertError {
    error.warnings = earlier.iter().chain(stage).cloned().collect();
    error
}

fn epoch_of(seconds: i64) -> Epoch {
    Epoch {
        unix_nanos: seconds.saturating_mul(1_000_000_000),
        rfc3339: rfc3339_utc(seconds),
    }
}
