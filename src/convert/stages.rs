//! The stage table (convert.go `toDispatchState` up to dispatch): global ARGs, FROM expansion,
//! stage lookup by name (case-insensitive) or index, implicit stages for `COPY --from=<image>`
//! and `RUN --mount,from=<image>`, target selection, reachability from the target, and the base
//! images to resolve. Then `Build::convert_stages` (in `from`) converts every reachable stage once,
//! in order.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::instructions::{Command, Dockerfile, Instruction, LineRange, Span};
use crate::syntax::expand::Expander;

use super::args::default_args;
use super::env::EnvList;
use super::from_checks;
use super::image::ImageConfig;
use super::named_context::{self, ContextRequest, NamedUse};
use super::outline::ArgInfo;
use super::platform::Platform;
use super::reference::{normalize_image_name, ImageRef};
use super::{ConvertError, ConvertOptions, ErrorLocation, ImageRequest, ResolvedImages};

pub(super) const EMPTY_IMAGE_NAME: &str = "scratch";
pub(super) const SBOM_SCAN_CONTEXT: &str = "BUILDKIT_SBOM_SCAN_CONTEXT";
pub(super) const SBOM_SCAN_STAGE: &str = "BUILDKIT_SBOM_SCAN_STAGE";

/// One stage: from the Dockerfile, or implicit (an image named by `--from`).
#[derive(Debug, Clone)]
pub(crate) struct StageDecl {
    /// Index into `Dockerfile::stages`, `None` for an implicit stage.
    pub df_index: Option<usize>,
    /// Lower-cased `AS` name.
    pub name: Option<String>,
    /// Name in progress lines: the stage name, `stage-N`, or empty for a lone stage.
    pub progress_name: String,
    /// FROM's image after ARG expansion (or the `--from` value).
    pub base_name: String,
    /// Base stage, for `FROM <earlier stage>`.
    pub base: Option<usize>,
    /// `base_name` normalised as an image reference, once asked for ([`StageDecl::parse_base`]).
    base_ref: std::cell::OnceCell<Result<ImageRef, ConvertError>>,
    /// `FROM --platform`, expanded and parsed.
    pub platform: Option<Platform>,
    /// The global ARGs the FROM line read (for the outline).
    pub from_args: BTreeSet<String>,
    /// Stages read by COPY --from / RUN --mount from=, per command: (command index, stage).
    pub deps: Vec<(usize, usize)>,
    /// The base's ONBUILD triggers, run before the stage's own commands, located at its FROM.
    pub triggers: Vec<Command>,
    /// Stages the triggers read: (trigger index, stage).
    pub trigger_deps: Vec<(usize, usize)>,
    /// Whether `triggers` is known (an image base's triggers are, once the image is resolved).
    pub triggers_linked: bool,
    /// Resolve rounds this stage's image was named in before it became reachable. The
    /// reference names the FROM (`prefixCommand`, which counts steps) in every round until the
    /// stage is reachable, so a stage reached only through an ONBUILD trigger shows
    /// `[src 2/2] FROM ...`; we count the same.
    pub unreached_rounds: usize,
    /// Steps counted in progress names (`[stage i/total]`).
    pub cmd_total: usize,
    pub ignore_cache: bool,
    pub lines: LineRange,
    pub span: Span,
    /// FROM line as written (`com.docker.dockerfile.v1.command`); empty for implicit stages.
    pub source_code: String,
    /// Whether the stage's source op records its location (not for RUN mount stages).
    pub located: bool,
    /// The named context that replaces this stage (`context:<stage name>`): its commands are
    /// not converted.
    pub named: Option<NamedUse>,
}

impl StageDecl {
    /// The stage's base as an image reference; parsed once, however many plan steps ask.
    pub(super) fn parse_base(&self) -> Result<&ImageRef, ConvertError> {
        self.base_ref
            .get_or_init(|| {
                normalize_image_name(&self.base_name).map_err(|e| {
                    ConvertError::at(
                        format!("failed to parse stage name {:?}: {e}", self.base_name),
                        self.lines,
                        Some(self.span),
                    )
                })
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// A prepared build: the stage table and everything the target needs.
pub(crate) struct Build<'a> {
    pub df: super::Parsed<'a>,
    pub opts: &'a ConvertOptions,
    pub expander: Expander,
    pub target_platform: Platform,
    pub implicit_target: bool,
    pub global_args: EnvList,
    /// What the outline knows of each global ARG.
    pub outline_args: BTreeMap<String, ArgInfo>,
    /// The build arguments, with SOURCE_DATE_EPOCH as resolved (`epoch`).
    pub build_args: BTreeMap<String, String>,
    /// SOURCE_DATE_EPOCH in unix seconds.
    pub epoch: Option<i64>,
    /// The source stage's op, when SOURCE_DATE_EPOCH names one and it is not answered yet.
    pub epoch_request: Option<super::EpochRequest>,
    pub decls: Vec<StageDecl>,
    /// What source policies turned named contexts into, as the daemon said.
    pub resolved: ResolvedImages,
    pub target: usize,
    pub reachable: Vec<bool>,
    /// Build-check warnings about the stages' FROM lines, not located yet.
    pub warnings: Vec<crate::syntax::Diagnostic>,
}

impl<'a> Build<'a> {
    /// The stage table for `df`. `images` are the base images resolved so far: an image's ONBUILD
    /// triggers can name more stages and images (convert.go re-resolves until nothing is new).
    pub(crate) fn prepare(
        parsed: super::Parsed<'a>,
        opts: &'a ConvertOptions,
        images: &ResolvedImages,
    ) -> Result<Build<'a>, ConvertError> {
        let df: &Dockerfile = &parsed;
        if df.stages.is_empty() {
            return Err(ConvertError::new("dockerfile contains no stages to build"));
        }
        let expander = Expander::new(df.escape_token);
        let implicit_target = opts.target_platform.is_none();
        let target_platform = opts
            .target_platform
            .clone()
            .unwrap_or_else(|| opts.build.build_platform.clone());
        let target_name = match &opts.build.target {
            Some(t) => t.clone(),
            None => df
                .stages
                .last()
                .and_then(|s| s.name.clone())
                .unwrap_or_default(),
        };
        let defaults = default_args(
            &opts.build.build_platform,
            &target_platform,
            &opts.build.build_args,
            &target_name,
        );
        let defaults_only = meta_args(df, &BTreeMap::new(), &expander, defaults.clone())
            .map(|(args, _)| from_checks::invalid_default_args_in_from(df, &expander, &args))
            .unwrap_or_default();
        // These warnings come before any error of the build's own ARGs, as in the reference.
        let after = |mut e: ConvertError| {
            e.warnings = defaults_only.clone();
            e
        };
        let (mut global_args, outline_args) =
            meta_args(df, &opts.build.build_args, &expander, defaults).map_err(after)?;
        let mut build_args = opts.build.build_args.clone();
        let (epoch, epoch_request) = super::epoch::resolve(
            df,
            &mut build_args,
            &mut global_args,
            &expander,
            opts.build.git_advice,
            opts.stage_epoch,
            opts.main_context.as_ref(),
            opts.named_contexts.as_ref(),
        )
        .map_err(after)?;

        let mut build = Build {
            df: parsed.clone(),
            opts,
            expander,
            target_platform,
            implicit_target,
            global_args,
            outline_args,
            build_args,
            epoch,
            epoch_request,
            decls: Vec::with_capacity(df.stages.len()),
            resolved: images.clone(),
            target: 0,
            reachable: Vec::new(),
            warnings: defaults_only,
        };
        // The FROM checks given before an error travel with it, as the reference reports them
        // as it goes.
        match build.link_stages(images) {
            Ok(()) => Ok(build),
            Err(mut e) => {
                e.warnings = std::mem::take(&mut build.warnings);
                Err(e)
            }
        }
    }

    /// The stage table from the FROM lines, the target, the stages each stage reads and
    /// reachability, in rounds as base images' ONBUILD triggers become known.
    fn link_stages(&mut self, images: &ResolvedImages) -> Result<(), ConvertError> {
        self.declare_stages()?;
        self.select_target()?;
        self.link_dependencies()?;
        if self.decls.len() == 1 {
            self.decls[0].progress_name.clear();
        }
        self.mark_reachable();
        let mut round = 0;
        while self.link_triggers(images)? {
            round += 1;
            let before = std::mem::take(&mut self.reachable);
            self.mark_reachable();
            for (i, decl) in self.decls.iter_mut().enumerate() {
                if self.reachable[i] && !before.get(i).copied().unwrap_or(false) {
                    decl.unreached_rounds = round;
                }
            }
        }
        self.check_cycles()
    }

    /// FROM lines: expand with the global args, find base stages, count progress steps.
    fn declare_stages(&mut self) -> Result<(), ConvertError> {
        let df = self.df.clone();
        for (i, st) in df.stages.iter().enumerate() {
            let located = |msg: String| ConvertError::at(msg, st.lines, Some(st.span));
            let base = self
                .expander
                .expand_word(&st.from.image.text, &self.global_args)
                .map_err(|e| located(e.to_string()))?;
            self.warnings.extend(from_checks::undefined_args_in_from(
                &df,
                &self.global_args,
                &base.unset,
                st,
            ));
            let mut from_args = base.used;
            let base = base.value;
            if base.is_empty() {
                return Err(located(format!(
                    "base name ({}) should not be blank",
                    st.from.image.text
                )));
            }
            let platform = match &st.from.platform {
                None => None,
                Some(word) => {
                    let v = self
                        .expander
                        .expand_word(&word.text, &self.global_args)
                        .map_err(|e| {
                            located(format!(
                                "failed to process arguments for platform {}: {e}",
                                word.text
                            ))
                        })?;
                    self.warnings.extend(from_checks::undefined_args_in_from(
                        &df,
                        &self.global_args,
                        &v.unset,
                        st,
                    ));
                    self.warnings.extend(from_checks::platform_checks(
                        &self.global_args,
                        &word.text,
                        &v,
                        st,
                    ));
                    // `wrapSuggestAny`: a misspelt ARG the expression used gets a suggestion.
                    let suggestion = v
                        .unset
                        .iter()
                        .find_map(|name| {
                            let keys: Vec<&str> = self.global_args.keys().collect();
                            crate::syntax::suggest::search(name, &keys, true)
                        })
                        .map(|s| format!(" (did you mean {s}?)"))
                        .unwrap_or_default();
                    if v.value.is_empty() {
                        return Err(located(format!(
                            "empty platform value from expression {}{suggestion}",
                            word.text
                        )));
                    }
                    let p = Platform::parse(&v.value).map_err(|e| {
                        located(format!(
                            "failed to parse platform {}: {e}{suggestion}",
                            word.text
                        ))
                    })?;
                    from_args.extend(v.used);
                    Some(p)
                }
            };
            // `context:<stage name>` replaces the stage, looked up for its platform.
            let named = match (&self.opts.named_contexts, &st.name) {
                (Some(contexts), Some(name)) => {
                    let opt_platform = platform
                        .clone()
                        .or_else(|| self.opts.target_platform.clone());
                    let key_platform = opt_platform.clone().unwrap_or_else(Platform::host);
                    named_context::lookup(contexts, name, &key_platform)
                        .map_err(ConvertError::new)?
                        .map(|found| NamedUse {
                            found,
                            platform: opt_platform,
                            redirects: 0,
                        })
                }
                _ => None,
            };
            let base_stage = self.find_exact(&base).filter(|_| named.is_none());
            let mut cmd_total = usize::from(base != EMPTY_IMAGE_NAME && base_stage.is_none());
            cmd_total += st
                .commands
                .iter()
                .filter(|c| {
                    matches!(
                        c.instruction,
                        Instruction::Add(_)
                            | Instruction::Copy(_)
                            | Instruction::Run(_)
                            | Instruction::Workdir(_)
                    )
                })
                .count();
            self.decls.push(StageDecl {
                df_index: Some(i),
                name: st.name.clone(),
                progress_name: st.name.clone().unwrap_or_else(|| format!("stage-{i}")),
                base_name: base,
                base: base_stage,
                base_ref: Default::default(),
                platform,
                from_args,
                deps: Vec::new(),
                triggers: Vec::new(),
                trigger_deps: Vec::new(),
                triggers_linked: named.is_some(),
                unreached_rounds: 0,
                cmd_total,
                ignore_cache: self
                    .opts
                    .build
                    .no_cache
                    .applies_to(st.name.as_deref().unwrap_or("")),
                lines: st.lines,
                span: st.span,
                source_code: st.original.trim().to_string(),
                located: true,
                named,
            });
        }
        Ok(())
    }

    /// `statesByName[BaseName]`: FROM refers to an earlier stage by its exact (lower-case) name;
    /// a later stage of the same name wins.
    fn find_exact(&self, name: &str) -> Option<usize> {
        self.decls
            .iter()
            .rposition(|d| d.name.as_deref() == Some(name))
    }

    /// `findStateByName`: case-insensitive, the last stage of that name.
    fn find_by_name(&self, name: &str) -> Option<usize> {
        let lower = name.to_lowercase();
        self.decls
            .iter()
            .rposition(|d| d.name.as_deref() == Some(lower.as_str()))
    }

    fn select_target(&mut self) -> Result<(), ConvertError> {
        self.target = match &self.opts.build.target {
            None => self.decls.len() - 1,
            Some(t) => self.find_by_name(t).ok_or_else(|| {
                let names: Vec<&str> = self
                    .decls
                    .iter()
                    .filter_map(|d| d.name.as_deref())
                    .collect();
                let hint = crate::syntax::suggest::search(&t.to_lowercase(), &names, true)
                    .map(|s| format!(" (did you mean {s}?)"))
                    .unwrap_or_default();
                ConvertError::new(format!("target stage {t:?} could not be found{hint}"))
            })?,
        };
        Ok(())
    }

    /// `toCommand`: stages named by COPY --from and RUN --mount from=.
    fn link_dependencies(&mut self) -> Result<(), ConvertError> {
        let stage_count = self.decls.len();
        let df = self.df.clone();
        for s in 0..stage_count {
            let Some(df_index) = self.decls[s].df_index else {
                continue;
            };
            let stage = &df.stages[df_index];
            for (ci, cmd) in stage.commands.iter().enumerate() {
                for from in command_sources(cmd)? {
                    let dep = self.resolve_source(&from, cmd)?;
                    self.decls[s].deps.push((ci, dep));
                }
            }
        }
        Ok(())
    }

    /// `initOnBuildTriggers` for every reachable stage whose triggers are known now: the base
    /// stage's ONBUILD lines, or the resolved base image's `OnBuild`. Their `--from` stages become
    /// dependencies. True when that added any (reachability must then be computed again).
    pub(crate) fn link_triggers(&mut self, images: &ResolvedImages) -> Result<bool, ConvertError> {
        let mut added = false;
        for s in 0..self.decls.len() {
            let decl = &self.decls[s];
            if !self.reachable[s] || decl.triggers_linked {
                continue;
            }
            let expressions: Vec<String> = match decl.base {
                Some(b) => match self.decls[b].df_index {
                    Some(base_df) => self.df.stages[base_df]
                        .commands
                        .iter()
                        .filter_map(|c| match &c.instruction {
                            Instruction::Onbuild(o) => Some(o.expression.clone()),
                            _ => None,
                        })
                        .collect(),
                    None => Vec::new(),
                },
                None if decl.base_name == EMPTY_IMAGE_NAME && decl.named.is_none() => Vec::new(),
                None if self.named_of(decl).is_some() => {
                    let Some(config) = self.named_config(decl, images) else {
                        continue;
                    };
                    config
                        .and_then(|c| ImageConfig::from_json(&c).ok())
                        .map(|img| img.config.on_build)
                        .unwrap_or_default()
                }
                None => {
                    let Ok(reference) = decl.parse_base() else {
                        continue;
                    };
                    let platform = self.base_platform(decl);
                    let Some(resolved) = images.get(&reference.to_string(), &platform) else {
                        continue;
                    };
                    // A config that does not parse is reported when the stage is dispatched.
                    if ImageConfig::may_have_triggers(&resolved.config) {
                        ImageConfig::from_json(&resolved.config)
                            .map(|img| img.config.on_build)
                            .unwrap_or_default()
                    } else {
                        Vec::new()
                    }
                }
            };
            let triggers = self.trigger_commands(decl, expressions)?;
            let mut deps = Vec::new();
            for (ti, trigger) in triggers.iter().enumerate() {
                for from in command_sources(trigger)? {
                    deps.push((ti, self.resolve_source(&from, trigger)?));
                }
            }
            added |= !deps.is_empty();
            let decl = &mut self.decls[s];
            decl.triggers = triggers;
            decl.trigger_deps = deps;
            decl.triggers_linked = true;
        }
        Ok(added)
    }

    /// A `--from` value: a stage index, a stage name, or an image (a new implicit stage).
    fn resolve_source(&mut self, from: &str, cmd: &Command) -> Result<usize, ConvertError> {
        if let Ok(index) = from.parse::<i64>() {
            return usize::try_from(index)
                .ok()
                .filter(|&i| i < self.decls.len())
                .ok_or_else(|| {
                    ConvertError::at(
                        format!("invalid stage index {index}"),
                        cmd.lines,
                        Some(cmd.span),
                    )
                });
        }
        if let Some(i) = self.find_by_name(from) {
            return Ok(i);
        }
        self.decls.push(StageDecl {
            df_index: None,
            name: None,
            progress_name: String::new(),
            base_name: from.to_string(),
            base: None,
            base_ref: Default::default(),
            platform: None,
            from_args: BTreeSet::new(),
            deps: Vec::new(),
            triggers: Vec::new(),
            trigger_deps: Vec::new(),
            triggers_linked: true,
            unreached_rounds: 0,
            cmd_total: 0,
            ignore_cache: false,
            lines: cmd.lines,
            span: cmd.span,
            source_code: String::new(),
            located: matches!(cmd.instruction, Instruction::Copy(_)),
            named: None,
        });
        Ok(self.decls.len() - 1)
    }

    fn check_cycles(&self) -> Result<(), ConvertError> {
        // Iterative DFS over deps (a base is always an earlier stage, so it cannot close a cycle).
        let n = self.decls.len();
        let mut state = vec![0u8; n]; // 0 new, 1 on path, 2 done
        for start in 0..n {
            if state[start] != 0 {
                continue;
            }
            let mut stack = vec![(start, 0usize)];
            state[start] = 1;
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                // A command's dependencies, then its triggers' (those have no command index).
                let from = &self.decls[node];
                let edge = from
                    .deps
                    .get(*next)
                    .map(|&(ci, dep)| (Some(ci), dep))
                    .or_else(|| {
                        let ti = next.checked_sub(from.deps.len())?;
                        from.trigger_deps.get(ti).map(|&(_, dep)| (None, dep))
                    });
                if let Some((ci, dep)) = edge {
                    *next += 1;
                    match state[dep] {
                        1 => {
                            let decl = &self.decls[start];
                            let stage = &self.df.stages[decl.df_index.unwrap_or(0)];
                            let cmd = ci.and_then(|ci| {
                                self.decls[node]
                                    .df_index
                                    .map(|d| &self.df.stages[d].commands[ci])
                            });
                            let lines = cmd.map(|c| c.lines).unwrap_or(stage.lines);
                            // The reference names every command along the path from the first
                            // stage, the closing one first (its `validateCircularDependency`
                            // wraps the error once per command, the last wrap printed first).
                            let also_at = stack[..stack.len() - 1]
                                .iter()
                                .rev()
                                .filter_map(|&(on_path, taken)| {
                                    let decl = &self.decls[on_path];
                                    let &(ci, _) = decl.deps.get(taken.checked_sub(1)?)?;
                                    let c = &self.df.stages[decl.df_index?].commands[ci];
                                    Some(super::ErrorLocation {
                                        start_line: c.lines.start,
                                        end_line: c.lines.end,
                                        span: Some(c.span),
                                    })
                                })
                                .collect();
                            return Err(ConvertError {
                                also_at,
                                ..ConvertError::at(
                                    format!(
                                        "circular dependency detected on stage: {}",
                                        decl.progress_name
                                    ),
                                    lines,
                                    cmd.map(|c| c.span),
                                )
                            });
                        }
                        0 => {
                            state[dep] = 1;
                            stack.push((dep, 0));
                        }
                        _ => {}
                    }
                } else {
                    state[node] = 2;
                    stack.pop();
                }
            }
        }
        Ok(())
    }

    fn mark_reachable(&mut self) {
        if self.opts.all_stages {
            self.reachable = vec![true; self.decls.len()];
            return;
        }
        let mut reachable = vec![false; self.decls.len()];
        let mut stack = vec![self.target];
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut reachable[i], true) {
                continue;
            }
            if let Some(b) = self.decls[i].base {
                stack.push(b);
            }
            stack.extend(self.decls[i].deps.iter().map(|&(_, d)| d));
            stack.extend(self.decls[i].trigger_deps.iter().map(|&(_, d)| d));
        }
        self.reachable = reachable;
    }

    /// The platform an image base is pulled for.
    pub(super) fn base_platform(&self, decl: &StageDecl) -> Platform {
        decl.platform
            .clone()
            .unwrap_or_else(|| self.target_platform.clone())
    }

    fn log_name(&self, reference: &str, platform: &Platform) -> String {
        let mut prefix = String::from("[");
        if self.opts.build.multi_platform {
            prefix.push_str(&platform.format_all());
            prefix.push(' ');
        }
        format!("{prefix}internal] load metadata for {reference}")
    }

    /// The named context that stands for this stage (`context:<stage>`) or for the image its
    /// FROM or `--from` names (`context:<image>`, for the stage's platform).
    pub(crate) fn named_of(&self, decl: &StageDecl) -> Option<NamedUse> {
        let mut named = self.named_lookup(decl)?;
        let redirects = self
            .resolved
            .redirects(&named.found.name_with_platform, &named.platform);
        if let Some(value) = redirects.last() {
            named.found.value = value.clone();
            named.redirects = redirects.len();
        }
        Some(named)
    }

    fn named_lookup(&self, decl: &StageDecl) -> Option<NamedUse> {
        if decl.named.is_some() {
            return decl.named.clone();
        }
        let contexts = self.opts.named_contexts.as_ref()?;
        if decl.base.is_some() || decl.base_name == EMPTY_IMAGE_NAME {
            return None;
        }
        let reference = decl.parse_base().ok()?;
        let platform = self.base_platform(decl);
        let found = named_context::lookup(contexts, &reference.to_string(), &platform).ok()??;
        Some(NamedUse {
            found,
            platform: Some(platform),
            redirects: 0,
        })
    }

    /// The image config a stage's named context gave: `Some(None)` for a context that has
    /// none, `None` while the daemon has not answered.
    pub(super) fn named_config(
        &self,
        decl: &StageDecl,
        images: &ResolvedImages,
    ) -> Option<Option<Vec<u8>>> {
        let named = self.named_of(decl)?;
        let location = ErrorLocation {
            start_line: decl.lines.start,
            end_line: decl.lines.end,
            span: None,
        };
        // A value that does not parse fails the build when the context is loaded.
        let Ok(Some(_)) = named.request(location) else {
            return Some(None);
        };
        let answer = images.context(&named.found.name_with_platform, &named.platform)?;
        Some(match answer {
            named_context::LoadedContext::Image { config, .. }
            | named_context::LoadedContext::OciLayout { config } => Some(config.clone()),
            named_context::LoadedContext::Input { config, .. } => config.clone(),
            named_context::LoadedContext::Local { .. } => None,
        })
    }

    /// Named contexts of the reachable stages that the daemon must load, deduplicated, in
    /// stage order; a value that does not parse fails here, at the stage that names it.
    pub(crate) fn context_requests(&self) -> Result<Vec<ContextRequest>, ConvertError> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for (i, decl) in self.decls.iter().enumerate() {
            if !self.reachable[i] {
                continue;
            }
            let Some(named) = self.named_of(decl) else {
                continue;
            };
            let location = ErrorLocation {
                start_line: decl.lines.start,
                end_line: decl.lines.end,
                span: None,
            };
            let request = named
                .request(location)
                .map_err(|e| ConvertError::at(e, decl.lines, Some(decl.span)))?;
            if let Some(request) = request {
                if seen.insert((request.key.clone(), request.platform.clone())) {
                    out.push(request);
                }
            }
        }
        Ok(out)
    }

    /// Base images of the reachable stages not yet in `resolved`, deduplicated, in stage order.
    pub(crate) fn image_requests(&self, resolved: &ResolvedImages) -> Vec<ImageRequest> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        let mut stage_names: Option<Arc<[String]>> = None;
        for (i, decl) in self.decls.iter().enumerate() {
            if !self.reachable[i] || decl.base.is_some() || decl.base_name == EMPTY_IMAGE_NAME {
                continue;
            }
            if self.named_of(decl).is_some() {
                continue;
            }
            let Ok(r) = decl.parse_base() else {
                continue;
            };
            let platform = self.base_platform(decl);
            let reference = r.to_string();
            if resolved.get(&reference, &platform).is_some() {
                continue;
            }
            if seen.insert((reference.clone(), platform.clone())) {
                let stage_names = stage_names
                    .get_or_insert_with(|| {
                        self.decls.iter().filter_map(|d| d.name.clone()).collect()
                    })
                    .clone();
                out.push(ImageRequest {
                    log_name: self.log_name(&reference, &platform),
                    reference,
                    platform,
                    name: decl.base_name.clone(),
                    location: ErrorLocation {
                        start_line: decl.lines.start,
                        end_line: decl.lines.end,
                        span: None,
                    },
                    stage_names,
                });
            }
        }
        out
    }

    /// ONBUILD trigger expressions as commands located at this stage's FROM.
    fn trigger_commands(
        &self,
        decl: &StageDecl,
        expressions: Vec<String>,
    ) -> Result<Vec<Command>, ConvertError> {
        let mut out = Vec::with_capacity(expressions.len());
        for expr in expressions {
            let located = |msg: String| ConvertError::at(msg, decl.lines, Some(decl.span));
            if expr.trim().is_empty() {
                return Err(located(
                    "onbuild trigger should be a single expression".to_string(),
                ));
            }
            let mut cmd = crate::instructions::parse_trigger(&expr, &self.opts.filename)
                .map_err(|d| located(d.message.clone()))?;
            cmd.lines = decl.lines;
            cmd.span = decl.span;
            out.push(cmd);
        }
        Ok(out)
    }
}

/// `buildMetaArgs`: the ARGs before the first FROM, each a build-arg or its expanded default,
/// and what the outline knows of each (`allArgs`).
fn meta_args(
    df: &Dockerfile,
    build_args: &BTreeMap<String, String>,
    expander: &Expander,
    mut args: EnvList,
) -> Result<(EnvList, BTreeMap<String, ArgInfo>), ConvertError> {
    let mut infos: BTreeMap<String, ArgInfo> = BTreeMap::new();
    for meta in &df.meta_args {
        for def in &meta.arg.args {
            let key = &def.key.text;
            let mut deps = BTreeSet::new();
            let value = match build_args.get(key) {
                Some(v) => Some(v.clone()),
                None => match &def.value {
                    Some(w) => {
                        let e = expander.expand_word(&w.text, &args).map_err(|e| {
                            ConvertError::at(e.to_string(), meta.lines, Some(w.span))
                        })?;
                        deps = e.used;
                        // `ARG A=$A:x` reads what the earlier A read.
                        if deps.remove(key) {
                            if let Some(old) = infos.get(key) {
                                deps.extend(old.deps.iter().cloned());
                            }
                        }
                        Some(e.value)
                    }
                    None => None,
                },
            };
            if let Some(v) = &value {
                args.add_or_replace(key, v);
            }
            infos.insert(
                key.clone(),
                ArgInfo {
                    name: key.clone(),
                    value: value.unwrap_or_default(),
                    description: def.comment.clone().unwrap_or_default(),
                    lines: meta.lines,
                    at: def.key.span.start,
                    deps,
                },
            );
        }
    }
    Ok((args, infos))
}

fn command_sources(cmd: &Command) -> Result<Vec<String>, ConvertError> {
    match &cmd.instruction {
        Instruction::Copy(c) => match &c.from {
            None => Ok(Vec::new()),
            Some(from) => {
                // The reference refuses anything that expansion would change.
                let literal = Expander::default()
                    .expand_word(&from.text, &EnvList::new())
                    .map(|e| e.value == from.text)
                    .unwrap_or(false);
                if !literal {
                    return Err(ConvertError::at(
                        "variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround",
                        cmd.lines,
                        Some(from.span),
                    ));
                }
                Ok(vec![from.text.clone()])
            }
        },
        Instruction::Run(r) => {
            let mut out = Vec::with_capacity(r.mounts.len());
            for m in &r.mounts {
                // Planned from the value as written, like the reference (which cannot know
                // `type=$TYPE` before expansion and so treats every mount as a possible source).
                out.push(if m.from.is_empty() {
                    EMPTY_IMAGE_NAME.to_string()
                } else {
                    m.from.clone()
                });
            }
            Ok(out)
        }
        _ => Ok(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instructions::parse_dockerfile;

    #[test]
    fn image_request_names_its_instruction_and_suggests_a_stage() {
        let src = "FROM busybox AS builder\nRUN true\n\nFROM busybox\nCOPY --from=bulider /a /a\n";
        let df = parse_dockerfile(src.as_bytes(), "Dockerfile").unwrap();
        let opts = ConvertOptions::default();
        let build = Build::prepare((&df).into(), &opts, &ResolvedImages::new()).unwrap();
        let requests = build.image_requests(&ResolvedImages::new());
        // `builder` is unreachable (the COPY names `bulider`): busybox is needed by line 4.
        let busybox = &requests[0];
        assert_eq!(
            (busybox.name.as_str(), busybox.location.start_line),
            ("busybox", 4)
        );
        assert_eq!(
            busybox.suggestion(),
            None,
            "an exact common name is no typo"
        );
        let typo = &requests[1];
        assert_eq!(typo.reference, "docker.io/library/bulider:latest");
        assert_eq!(typo.location.start_line, 5);
        assert_eq!(
            typo.resolve_error("not found").message,
            "bulider: not found (did you mean builder?)"
        );
    }
}
