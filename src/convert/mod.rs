//! Convert: a parsed Dockerfile -> an LLB definition and the image config, with the results of
//! the reference frontend (moby/buildkit frontend/dockerfile/dockerfile2llb, v0.34.2 = 1.28).
//!
//! Two phases, so that the gateway can resolve base images concurrently and tests can answer
//! from a table:
//! 1. [`plan`]: which external images (normalised ref + platform) the selected target needs,
//!    after expanding the global ARGs in FROM lines. Stages the target does not need are skipped.
//! 2. [`convert`]: given each image's digest and config ([`ResolvedImages`]), dispatch every
//!    needed stage once, in order, into a small build graph ([`graph`]), then lower it to LLB.
//!
//! Module map: `stages` (stage table, ARG scoping, target selection, reachability), `dispatch`
//! (one function per instruction), `instruction` (expansion of each instruction's words with the
//! stage env), `image` (config JSON), `lower` (graph -> `crate::llb`).

pub mod args;
mod command;
mod config;
mod context;
mod copy;
pub mod dockerignore;
pub mod env;
mod epoch;
pub mod expose;
mod from;
mod from_checks;
pub mod git_ref;
pub mod graph;
pub mod image;
mod lower;
pub mod named_context;
pub mod offline;
mod outline;
pub mod platform;
pub mod reference;
mod run;
mod stages;
mod state;

use std::collections::{BTreeMap, BTreeSet};

use crate::instructions::Dockerfile;
use crate::proto::pb;
use crate::syntax::{parse_check, CheckConfig};

pub use graph::NetMode;
pub use image::ImageConfig;
pub use named_context::{ContextLoad, ContextRequest, LoadedContext};
pub use outline::{Outline, OutlineArg, OutlineMount};
pub use platform::Platform;

/// What the build request asks for, resolved (frontend opts or CLI flags): the same for every
/// platform the build converts.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildOptions {
    /// `target`: stage to build (case-insensitive); `None` builds the last stage.
    pub target: Option<String>,
    /// `build-arg:NAME=value`.
    pub build_args: BTreeMap<String, String>,
    /// `label:KEY=value`, added to the target image's labels.
    pub labels: BTreeMap<String, String>,
    /// The worker's platform (`BUILDKIT_WORKERS[0].Platforms[0]`).
    pub build_platform: Platform,
    /// Prefix progress names with the platform (more than one platform requested).
    pub multi_platform: bool,
    /// `no-cache`: which stages ignore the cache for RUN/COPY/ADD.
    pub no_cache: NoCache,
    /// `add-hosts`: extra `/etc/hosts` entries for every RUN.
    pub extra_hosts: Vec<ExtraHost>,
    /// `shm-size` in bytes; > 0 adds a `/dev/shm` tmpfs to every RUN.
    pub shm_size: i64,
    /// `ulimit`: (name, soft, hard) for every RUN's container.
    pub ulimits: Vec<(String, i64, i64)>,
    /// `cgroup-parent` of every RUN's container; empty for the daemon's default.
    pub cgroup_parent: String,
    /// `memory`, `memswap`, `cpushares`, `cpuperiod`, `cpuquota`, `cpusetcpus`, `cpusetmems`:
    /// the limits of every RUN's container; `None` when none is set.
    pub linux_resources: Option<pb::LinuxResources>,
    /// `force-network-mode`.
    pub network_mode: NetMode,
    /// `hostname` (or `build-arg:BUILDKIT_SANDBOX_HOSTNAME`) for RUN containers.
    pub hostname: Option<String>,
    /// `image-resolve-mode`: `pull` or `local` go to `image.resolvemode`; `default` is omitted.
    pub image_resolve_mode: crate::llb::ResolveMode,
    /// `BUILDKIT_CACHE_MOUNT_NS`: prefix of cache mount ids.
    pub cache_mount_ns: String,
    /// `BUILDKIT_DOCKERFILE_CHECK`: the client's build-check configuration, which replaces the
    /// Dockerfile's `# check=` directive.
    pub check: Option<CheckConfig>,
    /// `build-arg:BUILDKIT_GIT_ADVICE`: git sources ask for git's advice messages.
    pub git_advice: bool,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            target: None,
            build_args: BTreeMap::new(),
            labels: BTreeMap::new(),
            build_platform: Platform::host(),
            multi_platform: false,
            no_cache: NoCache::None,
            extra_hosts: Vec::new(),
            shm_size: 0,
            ulimits: Vec::new(),
            cgroup_parent: String::new(),
            linux_resources: None,
            network_mode: NetMode::Sandbox,
            hostname: None,
            image_resolve_mode: crate::llb::ResolveMode::Default,
            cache_mount_ns: String::new(),
            check: None,
            git_advice: false,
        }
    }
}

/// The build checks in force (`newRuleLinter`): the client's configuration, else the
/// Dockerfile's `# check=` directive.
pub fn check_config(
    directives: &crate::syntax::Directives,
    build: &BuildOptions,
) -> Result<CheckConfig, ConvertError> {
    if let Some(check) = &build.check {
        return Ok(check.clone());
    }
    // parser.ParseDirective: the value up to its first space.
    let value = directives
        .check
        .as_ref()
        .map_or("", |d| d.value.split(' ').next().unwrap_or(""));
    parse_check(value).map_err(|e| ConvertError::new(format!("failed to parse check options: {e}")))
}

/// A [`check_config`] error located at the `# check=` directive, for `check`'s text form.
pub fn check_config_error_at_directive(
    e: ConvertError,
    directives: &crate::syntax::Directives,
    source: &[u8],
) -> ConvertError {
    match check_directive_line(directives, source) {
        Some((line, span)) => ConvertError {
            location: Some(ErrorLocation {
                start_line: line,
                end_line: line,
                span: Some(span),
            }),
            ..e
        },
        None => e,
    }
}

/// A [`check_config`] error with the directive's line as our hint after the reference's text,
/// for a build: the reference shows no source there, and a build's output stays the reference's
/// but for the hint (a lint result keeps the reference's error as it is).
pub fn check_config_error_hinted(
    e: ConvertError,
    directives: &crate::syntax::Directives,
    source: &[u8],
) -> ConvertError {
    match check_directive_line(directives, source) {
        Some((line, _)) => ConvertError {
            message: format!("{} (the # check= directive on line {line})", e.message),
            ..e
        },
        None => e,
    }
}

/// The `# check=` directive's line and the span of its value.
fn check_directive_line(
    directives: &crate::syntax::Directives,
    source: &[u8],
) -> Option<(usize, crate::instructions::Span)> {
    let span = directives.check.as_ref()?.value_span;
    Some((
        crate::syntax::LineIndex::new(source).line_of(span.start),
        span,
    ))
}

/// One `add-hosts` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraHost {
    pub host: String,
    pub ip: std::net::IpAddr,
}

/// One conversion: the build's options, the platform it converts for, and what the daemon and
/// the client gave (the context's name and session, the Dockerfile, the LLB caps).
#[derive(Debug, Clone)]
pub struct ConvertOptions {
    pub build: BuildOptions,
    /// `platform`; `None` means "the build platform", and then the image config keeps the base
    /// image's os/arch (the reference's implicit target).
    pub target_platform: Option<Platform>,
    /// `BUILDKIT_SESSION_ID` (or `local-sessionid:context`): `local.session` of the context.
    pub session_id: String,
    /// Local name of the build context (`context`).
    pub context_name: String,
    /// Dockerfile name and bytes, for the source map (`Definition.source`).
    pub filename: String,
    pub source: Vec<u8>,
    /// The LLB of the Dockerfile's own source, recorded in the source map's `SourceInfo`.
    pub source_definition: Option<pb::Definition>,
    /// LLB caps the daemon reports (Ping's `LLBCaps`, enabled ones). Decides what the reference
    /// decides by cap: `exec.meta.setsdefaultpath` on every RUN, MergeOp for `COPY --link`,
    /// no-output read-write bind mounts, the resource limits of RUN. `None`: unknown, as the
    /// reference without caps.
    pub llb_caps: Option<crate::llb::caps::CapSet>,
    /// The answer to the plan's [`Plan::epoch_request`] (`SOURCE_DATE_EPOCH=<stage>`, or
    /// `context` on a context that is not local): the source's time in unix seconds, or `Some(None)` when it has none. `None` is no answer,
    /// and the stage then gives no epoch, as in the reference without a gateway client.
    pub stage_epoch: Option<Option<i64>>,
    /// Convert every stage, not only those the target needs (`AllStages`: the lint subrequest
    /// without a target checks the whole file).
    pub all_stages: bool,
    /// The build context when it is not the client's local `context` directory (dockerui
    /// `MainContext`: a git repository, a download, a frontend input, any of them scoped to
    /// `contextsubdir`), made by the gateway; the inner `None` is an empty context. `None`:
    /// the local context, whose source lowering makes (session, excludes, follow paths).
    pub main_context: Option<Option<crate::llb::Output>>,
    /// The `context:` options (without the prefix), when a client gives them: stage, image and
    /// `--from` names are then looked up there. `None`, as the reference without a gateway
    /// client, looks up nothing.
    pub named_contexts: Option<BTreeMap<String, String>>,
}

impl Default for ConvertOptions {
    fn default() -> Self {
        ConvertOptions {
            build: BuildOptions::default(),
            target_platform: None,
            session_id: String::new(),
            context_name: "context".to_string(),
            filename: "Dockerfile".to_string(),
            source: Vec::new(),
            source_definition: None,
            llb_caps: None,
            stage_epoch: None,
            all_stages: false,
            main_context: None,
            named_contexts: None,
        }
    }
}

/// The `no-cache` option.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum NoCache {
    #[default]
    None,
    /// `no-cache=` (empty): every stage.
    All,
    /// `no-cache=a,b`: these stage names, case-insensitively.
    Stages(BTreeSet<String>),
}

impl NoCache {
    /// `dockerui.Client.IsNoCache` for a stage's name (empty for unnamed stages).
    pub(crate) fn applies_to(&self, stage_name: &str) -> bool {
        match self {
            NoCache::None => false,
            NoCache::All => true,
            NoCache::Stages(names) => names.iter().any(|n| n.eq_ignore_ascii_case(stage_name)),
        }
    }
}

/// An external image the build needs: what to pass to `ResolveImageConfig`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ImageRequest {
    /// Normalised reference, e.g. `docker.io/library/alpine:3.20`.
    pub reference: String,
    pub platform: Platform,
    /// The progress name of the resolve (`[internal] load metadata for docker.io/...`).
    pub log_name: String,
    /// The image as the Dockerfile names it (FROM after ARG expansion, or the `--from` value).
    pub name: String,
    /// The FROM, COPY or RUN that first needs the image.
    pub location: ErrorLocation,
    /// The Dockerfile's stage names, for the "did you mean" of a failed resolve: searched only
    /// then, as the reference does, and shared by every request of one plan.
    pub(crate) stage_names: std::sync::Arc<[String]>,
}

impl ImageRequest {
    /// `suggest.Search` over the stage names and common image names (convert.go
    /// `commonImageNames`, whose missing `/` after `docker.io/library` we keep): the first
    /// candidate closest to `name`, under 3 edits; none when `name` is one of them.
    fn suggestion(&self) -> Option<String> {
        let mut candidates: Vec<String> = self.stage_names.to_vec();
        for repo in [
            "alpine", "busybox", "centos", "debian", "golang", "ubuntu", "fedora",
        ] {
            candidates.push(repo.to_string());
            candidates.push(format!("docker.io/library{repo}"));
            candidates.push(format!("{repo}:latest"));
            candidates.push(format!("docker.io/library{repo}:latest"));
        }
        let candidates: Vec<&str> = candidates.iter().map(String::as_str).collect();
        crate::syntax::suggest::search(&self.name, &candidates, true)
    }

    /// A failed resolve as the reference reports it: `NAME: <why>`, located at the instruction
    /// that needs the image, with a "did you mean" for a misspelt stage name.
    pub(crate) fn resolve_error(&self, why: &str) -> ConvertError {
        let hint = self
            .suggestion()
            .map(|s| format!(" (did you mean {s}?)"))
            .unwrap_or_default();
        ConvertError {
            message: format!("{}: {why}{hint}", self.name),
            location: Some(self.location),
            also_at: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

/// `SOURCE_DATE_EPOCH=<stage>`: the source op of the stage's one ADD, whose time the gateway
/// asks BuildKit for (ResolveSourceMeta) before the base images are resolved, as the reference
/// does in toDispatchState.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochRequest {
    pub source: pb::SourceOp,
    /// `[internal] resolve SOURCE_DATE_EPOCH source stage <name>`.
    pub log_name: String,
}

/// What ResolveImageConfig said about one image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvedImage {
    /// Manifest digest; the source op is pinned `ref@digest` when present.
    pub digest: Option<String>,
    /// The image config JSON.
    pub config: Vec<u8>,
    /// The reference the resolver actually used, when a source policy rewrote it.
    pub reference: Option<String>,
}

/// Answers for the requests of [`plan`]: images keyed by (reference, platform), named
/// contexts by (`context:` key, platform).
#[derive(Debug, Clone, Default)]
pub struct ResolvedImages {
    images: BTreeMap<(String, Platform), ResolvedImage>,
    contexts: BTreeMap<(String, Option<Platform>), LoadedContext>,
    /// Values a source policy turned a named context's image into (`ResolveToNonImageError`),
    /// in order: the context is that value now.
    redirects: BTreeMap<(String, Option<Platform>), Vec<String>>,
}

impl ResolvedImages {
    pub fn new() -> Self {
        ResolvedImages::default()
    }

    pub fn insert(&mut self, request: &ImageRequest, image: ResolvedImage) {
        self.images
            .insert((request.reference.clone(), request.platform.clone()), image);
    }

    pub fn get(&self, reference: &str, platform: &Platform) -> Option<&ResolvedImage> {
        self.images.get(&(reference.to_string(), platform.clone()))
    }

    pub fn insert_context(&mut self, request: &ContextRequest, loaded: LoadedContext) {
        self.contexts
            .insert((request.key.clone(), request.platform.clone()), loaded);
    }

    pub fn context(&self, key: &str, platform: &Option<Platform>) -> Option<&LoadedContext> {
        self.contexts.get(&(key.to_string(), platform.clone()))
    }

    /// The daemon's source policy made the named context's image `value` (`local:x`, ...).
    pub fn insert_redirect(&mut self, request: &ContextRequest, value: String) {
        self.redirects
            .entry((request.key.clone(), request.platform.clone()))
            .or_default()
            .push(value);
    }

    pub(crate) fn redirects(&self, key: &str, platform: &Option<Platform>) -> &[String] {
        self.redirects
            .get(&(key.to_string(), platform.clone()))
            .map_or(&[], Vec::as_slice)
    }
}

/// The conversion result.
#[derive(Debug, Clone)]
pub struct Converted {
    /// The marshalled LLB, terminal op last, with metadata and source map.
    pub definition: pb::Definition,
    /// The target stage's image config (`containerimage.config` is `image_config.to_json()`).
    pub image_config: ImageConfig,
    /// The platform the target was built for (for multi-platform result maps).
    pub platform: Platform,
    /// The target's base image config as resolved (`containerimage.base.config`), none on
    /// scratch.
    pub base_image_config: Option<Vec<u8>>,
    /// SOURCE_DATE_EPOCH as resolved (unix seconds): the exporter's `source.date.epoch`.
    pub epoch: Option<i64>,
    /// What an SBOM scan of the result covers.
    pub sbom: SbomTargets,
    /// Build-check warnings given while dispatching (LegacyKeyValueFormat), located.
    pub warnings: Vec<crate::syntax::Diagnostic>,
    /// What the target uses that a client may pass (the `frontend.outline` subrequest).
    pub outline: Outline,
}

/// What an SBOM scanner is given (dockerfile2llb `SBOMTargets`): the target's result, and by name
/// the build context and the stages that ask to be scanned too (`BUILDKIT_SBOM_SCAN_CONTEXT`,
/// `BUILDKIT_SBOM_SCAN_STAGE`). `None` is an empty (scratch) result.
#[derive(Debug, Clone)]
pub struct SbomTargets {
    pub core: Option<crate::llb::Output>,
    /// In name order (the reference's map order is random, and so is its mount order).
    pub extras: BTreeMap<String, Option<crate::llb::Output>>,
    pub ignore_cache: bool,
}

/// A conversion error, located in the Dockerfile when it comes from an instruction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConvertError {
    pub message: String,
    pub location: Option<ErrorLocation>,
    /// Further places the error is at, each shown as a source snippet of its own after the first
    /// (the reference's `parser.LocationError` with several `Locations`: the commands along a
    /// dependency cycle).
    pub also_at: Vec<ErrorLocation>,
    /// Build-check warnings reported before the error, located: the reference sends them as
    /// they happen, so a client sees them before the failure.
    pub warnings: Vec<crate::syntax::Diagnostic>,
}

/// Where an error is: the instruction's lines and, when known, the byte span of the word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ErrorLocation {
    /// 1-based, inclusive.
    pub start_line: usize,
    pub end_line: usize,
    /// Byte offsets in the Dockerfile of the offending word or instruction.
    pub span: Option<crate::instructions::Span>,
}

impl ConvertError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        ConvertError {
            message: message.into(),
            location: None,
            also_at: Vec::new(),
            warnings: Vec::new(),
        }
    }

    pub(crate) fn at(
        message: impl Into<String>,
        lines: crate::instructions::LineRange,
        span: Option<crate::instructions::Span>,
    ) -> Self {
        ConvertError {
            message: message.into(),
            location: Some(ErrorLocation {
                start_line: lines.start,
                end_line: lines.end,
                span,
            }),
            also_at: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// The error as a diagnostic in the Dockerfile `source` (named `filename`), when the
    /// converter located it.
    pub fn diagnostic(&self, filename: &str, source: &[u8]) -> Option<crate::syntax::Diagnostic> {
        let location = self.location?;
        let index = crate::syntax::LineIndex::new(source);
        let span = location
            .span
            .unwrap_or_else(|| index.line_span(source, location.start_line));
        Some(
            crate::syntax::Diagnostic::error(self.message.clone(), span)
                .locate(filename, source, &index),
        )
    }
}

/// The Dockerfile a plan reads: borrowed, or shared so that converting can free it once the
/// stages are dispatched, before the definition is lowered and marshalled (the caller gives up
/// its `Arc`; `dockerfile-llb llb` and the benchmark do). A long Dockerfile's commands are a
/// megabyte or more of what that peak would otherwise hold.
#[derive(Clone)]
pub enum Parsed<'a> {
    Borrowed(&'a Dockerfile),
    Shared(std::sync::Arc<Dockerfile>),
}

impl std::ops::Deref for Parsed<'_> {
    type Target = Dockerfile;

    fn deref(&self) -> &Dockerfile {
        match self {
            Parsed::Borrowed(df) => df,
            Parsed::Shared(df) => df,
        }
    }
}

impl<'a> From<&'a Dockerfile> for Parsed<'a> {
    fn from(df: &'a Dockerfile) -> Parsed<'a> {
        Parsed::Borrowed(df)
    }
}

impl From<std::sync::Arc<Dockerfile>> for Parsed<'_> {
    fn from(df: std::sync::Arc<Dockerfile>) -> Self {
        Parsed::Shared(df)
    }
}

/// Phase 1: the stage table and the external images the selected target needs that are not in
/// `resolved` yet ([`Plan::requests`]). Call it again with what was resolved until it asks for
/// nothing: a base image's ONBUILD triggers can name more images and stages (`COPY --from`), as
/// in the reference's resolve loop. The last plan is then converted.
pub fn plan<'a>(
    df: impl Into<Parsed<'a>>,
    opts: &'a ConvertOptions,
    resolved: &ResolvedImages,
) -> Result<Plan<'a>, ConvertError> {
    let df = df.into();
    let check = check_config(&df.directives, &opts.build)?;
    let build = stages::Build::prepare(df, opts, resolved).map_err(|mut e| {
        let index = crate::syntax::LineIndex::new(&opts.source);
        e.warnings = check
            .filter(std::mem::take(&mut e.warnings))
            .into_iter()
            .map(|w| w.locate(&opts.filename, &opts.source, &index))
            .collect();
        e
    })?;
    Plan::with_requests(build, check, resolved)
}

/// Whether a plan of `df` can have an [`Plan::epoch_request`]: false when SOURCE_DATE_EPOCH is
/// neither a build argument nor a global ARG, and the gateway need not plan before it answers one.
pub fn epoch_may_be_requested(df: &Dockerfile, opts: &ConvertOptions) -> bool {
    epoch::may_be_requested(df, &opts.build.build_args)
}

/// A prepared build: the stage table of one target on one platform.
pub struct Plan<'a> {
    build: stages::Build<'a>,
    requests: Vec<ImageRequest>,
    context_requests: Vec<ContextRequest>,
    check: CheckConfig,
}

impl<'a> Plan<'a> {
    /// The images still to resolve before [`Plan::convert`].
    pub fn requests(&self) -> &[ImageRequest] {
        &self.requests
    }

    /// The named contexts still to load before [`Plan::convert`].
    pub fn context_requests(&self) -> &[ContextRequest] {
        &self.context_requests
    }

    /// This plan given the answers to its requests (`images` holds the earlier answers too),
    /// as [`plan`] would make it with them. Planning again from the start gives the same stage
    /// table unless an answer can change it: a named context (its answer may redirect a stage)
    /// or a base image whose ONBUILD triggers name a stage or an image (more stages, another
    /// round of reachability). Only then, or when linking the triggers fails, is the plan made
    /// again, so that its errors and warnings are the ones [`plan`] gives.
    pub fn answered(self, images: &ResolvedImages) -> Result<Plan<'a>, ConvertError> {
        let Plan {
            mut build,
            context_requests,
            check,
            ..
        } = self;
        if !context_requests.is_empty() || !matches!(build.link_triggers(images), Ok(false)) {
            return plan(build.df, build.opts, images);
        }
        build.resolved = images.clone();
        Plan::with_requests(build, check, images)
    }

    /// The plan of `build`, asking for the images and named contexts `resolved` has no answer for.
    fn with_requests(
        build: stages::Build<'a>,
        check: CheckConfig,
        resolved: &ResolvedImages,
    ) -> Result<Plan<'a>, ConvertError> {
        let requests = build.image_requests(resolved);
        let context_requests = build
            .context_requests()?
            .into_iter()
            .filter(|r| resolved.context(&r.key, &r.platform).is_none())
            .collect();
        Ok(Plan {
            build,
            requests,
            context_requests,
            check,
        })
    }

    /// The SOURCE_DATE_EPOCH source to resolve when [`ConvertOptions::stage_epoch`] has no
    /// answer yet; the images of this plan assume no epoch, so plan again with the answer.
    pub fn epoch_request(&self) -> Option<&EpochRequest> {
        self.build.epoch_request.as_ref()
    }

    /// Phase 2: the LLB definition and image config of the selected target, given each image's
    /// digest and config. `excludes` are the context's `.dockerignore` patterns, which the
    /// reference reads after resolving the images (`local.excludepatterns`).
    pub fn convert(
        self,
        images: &ResolvedImages,
        excludes: &[String],
    ) -> Result<Converted, ConvertError> {
        let (opts, check) = (self.build.opts, self.check);
        // The parser's checks count too: the reference runs them in the same linter.
        let parsed = check.filter(self.build.df.warnings.clone());
        let locate = |warnings: Vec<crate::syntax::Diagnostic>| {
            let index = crate::syntax::LineIndex::new(&opts.source);
            check
                .filter(warnings)
                .into_iter()
                .map(|w| w.locate(&opts.filename, &opts.source, &index))
                .collect::<Vec<_>>()
        };
        // Built before any stage is dispatched, and only when there are patterns
        // (`dispatchStages`); patterns it refuses fail the build.
        let dockerignore = match excludes {
            [] => None,
            patterns => {
                Some(
                    dockerignore::PatternMatcher::new(patterns).map_err(|e| ConvertError {
                        warnings: locate(self.build.warnings.clone()),
                        ..ConvertError::new(e)
                    })?,
                )
            }
        };
        let stages = self
            .build
            .convert_stages(images, dockerignore.as_ref())
            .map_err(|mut e| {
                e.warnings = locate(std::mem::take(&mut e.warnings));
                e
            })?;
        let mut converted = lower::lower(stages, opts, excludes)?;
        converted.warnings = check.filter(converted.warnings);
        let reported: Vec<_> = parsed.iter().chain(&converted.warnings).collect();
        if let Some(message) = check.violation(&reported) {
            return Err(ConvertError {
                warnings: converted.warnings,
                ..ConvertError::new(message)
            });
        }
        Ok(converted)
    }
}

/// Both phases, for a build whose images are all in `images` and whose context has no
/// `.dockerignore` patterns.
pub fn convert(
    df: &Dockerfile,
    opts: &ConvertOptions,
    images: &ResolvedImages,
) -> Result<Converted, ConvertError> {
    plan(df, opts, images)?.convert(images, &[])
}
