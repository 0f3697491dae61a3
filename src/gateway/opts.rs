//! Frontend options: the raw `key=value` record BuildKit hands us (env `BUILDKIT_FRONTEND_OPT_<n>`), then
//! the resolved form the build uses (frontend/dockerui/config.go `init`, attr.go). Unknown keys are
//! ignored, as the reference does.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::convert::reference::normalize_image_name;
use crate::convert::{BuildOptions, ExtraHost, NetMode, NoCache, Platform};
use crate::go::{parse_bool as parse_go_bool, parse_int, parse_uint, quote};
use crate::instructions::mount::csv_fields;
pub use crate::llb::ResolveMode;
use crate::proto::moby::buildkit::v1::frontend::CacheOptionsEntry;
use crate::proto::pb;
use crate::syntax::parse_check;

pub(crate) const DEFAULT_FILENAME: &str = "Dockerfile";
pub(crate) const DEFAULT_LOCAL_DOCKERFILE: &str = "dockerfile";
pub(crate) const DEFAULT_LOCAL_CONTEXT: &str = "context";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OptsError {
    #[error("invalid frontend option {key}={value:?}: {reason}")]
    Invalid {
        key: String,
        value: String,
        reason: String,
    },
    #[error("invalid frontend option platform={value:?}: {reason}")]
    Platform { value: String, reason: String },
    #[error("invalid BUILDKIT_WORKERS: {0}")]
    Workers(String),
    #[error("conflicting config: returning multiple target platforms is not allowed")]
    MultiPlatformConflict,
    /// `attest:*` options, with the reference's texts.
    #[error("{0}")]
    Attest(String),
    /// `build-arg:BUILDKIT_DOCKERFILE_CHECK`, with the reference's text.
    #[error("{0}")]
    Check(String),
    /// A resource option (`memory`, ..., `cpusetmems`), with the reference's text.
    #[error("failed to parse resource limits: {0}")]
    Resources(String),
    /// The `ulimit` option, with the reference's text.
    #[error("failed to parse ulimit: {0}")]
    Ulimit(String),
    /// `build-arg:BUILDKIT_GIT_ADVICE` that `strconv.ParseBool` rejects (frontend 1.27+): it
    /// fails every build in the reference, git sources or not.
    #[error("failed to parse build-arg:BUILDKIT_GIT_ADVICE: strconv.ParseBool: parsing {}: invalid syntax", quote(.0))]
    GitAdvice(String),
}

impl OptsError {
    /// The error text is the reference's own (it returns a plain error, code Unknown), not a
    /// message of ours about an option.
    pub(crate) fn is_reference_text(&self) -> bool {
        matches!(
            self,
            OptsError::Attest(_)
                | OptsError::Check(_)
                | OptsError::Ulimit(_)
                | OptsError::Resources(_)
                | OptsError::GitAdvice(_)
        )
    }
}

fn invalid(key: &str, value: &str, reason: impl Into<String>) -> OptsError {
    OptsError::Invalid {
        key: key.to_string(),
        value: value.to_string(),
        reason: reason.into(),
    }
}

/// The options exactly as written by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrontendOpts(pub BTreeMap<String, String>);

impl FrontendOpts {
    /// Reads `BUILDKIT_FRONTEND_OPT_<n>` variables; each is `key=value`, split on the first `=`.
    pub(crate) fn from_env() -> FrontendOpts {
        FrontendOpts::from_env_vars(
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
        )
    }

    pub(crate) fn from_env_vars(vars: impl IntoIterator<Item = (String, String)>) -> FrontendOpts {
        let mut opts = BTreeMap::new();
        for (name, value) in vars {
            let Some(n) = name.strip_prefix("BUILDKIT_FRONTEND_OPT_") else {
                continue;
            };
            if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let (key, value) = value.split_once('=').unwrap_or((value.as_str(), ""));
            opts.insert(key.to_string(), value.to_string());
        }
        FrontendOpts(opts)
    }

    /// Options given as pairs (tests, and callers that build options themselves).
    #[cfg(test)]
    pub(crate) fn from_pairs(pairs: &[(&str, &str)]) -> FrontendOpts {
        FrontendOpts(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// Every option whose key starts with `prefix`, keyed by the rest.
    pub(crate) fn with_prefix(&self, prefix: &str) -> BTreeMap<String, String> {
        self.0
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix(prefix)?.to_string(), v.clone())))
            .collect()
    }
}

/// The resolved options of one build.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildOpts {
    /// What the conversion of every platform uses.
    pub build: BuildOptions,
    pub filename: String,
    /// The local the Dockerfile is read from (`dockerfilekey` renames it).
    pub dockerfile_local: String,
    pub context_local: String,
    /// `platform`; empty means the build platform, with the base image's os/arch kept.
    pub target_platforms: Vec<Platform>,
    pub cache_imports: Vec<CacheOptionsEntry>,
    /// `requestid`: a subrequest instead of a build.
    pub request_id: Option<String>,
    pub session_id: String,
    /// `local-sessionid:<name>`: a session other than ours for that local.
    pub local_session_ids: BTreeMap<String, String>,
    /// `attest:sbom`: scan the result with this scanner image.
    pub(crate) sbom: Option<SbomOpts>,
    /// `context:<name>`: named contexts, by name (`NAME` or `NAME::PLATFORM`).
    pub named_contexts: BTreeMap<String, String>,
    /// `sharedkey:localdir:<name>`: the shared key of a local named context.
    pub local_shared_keys: BTreeMap<String, String>,
    /// `input-metadata:<input>`: JSON metadata (the image config) of a frontend input.
    pub input_metadata: BTreeMap<String, String>,
}

/// The SBOM scanner asked for (dockerui `SBOM`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SbomOpts {
    /// The scanner image, normalised (`docker.io/docker/buildkit-syft-scanner:stable-1`).
    pub generator: String,
    /// Every other attribute, passed to the scanner as `BUILDKIT_SCAN_<key>`.
    pub params: BTreeMap<String, String>,
}

/// attestations.Parse then dockerui's SBOM part: `attest:<type>` (or
/// `build-arg:BUILDKIT_ATTEST_<TYPE>`) holds CSV `key=value` fields.
fn parse_sbom(opts: &FrontendOpts) -> Result<Option<SbomOpts>, OptsError> {
    let mut attests = BTreeMap::new();
    for (key, value) in &opts.0 {
        let kind = key
            .strip_prefix("attest:")
            .or_else(|| key.strip_prefix("build-arg:BUILDKIT_ATTEST_"));
        if let Some(kind) = kind {
            attests.insert(kind.to_lowercase(), value.as_str());
        }
    }
    if let Some(kind) = attests
        .keys()
        .find(|k| !matches!(k.as_str(), "sbom" | "provenance"))
    {
        return Err(OptsError::Attest(format!(
            "unknown attestation type {kind:?}"
        )));
    }
    let Some(value) = attests.get("sbom") else {
        return Ok(None);
    };
    let mut attrs = BTreeMap::from([(
        "generator".to_string(),
        "docker/buildkit-syft-scanner:stable-1".to_string(),
    )]);
    if !value.is_empty() {
        let fields = csv_fields(value)
            .map_err(|e| OptsError::Attest(format!("failed to parse sbom: {}", e.message)))?;
        for field in fields {
            let (k, v) = field.split_once('=').unwrap_or((field.as_str(), ""));
            attrs.insert(k.to_string(), v.to_string());
        }
    }
    let generator = attrs.remove("generator").unwrap_or_default();
    if generator.is_empty() {
        return Err(OptsError::Attest(
            "sbom scanner cannot be empty".to_string(),
        ));
    }
    let generator = normalize_image_name(&generator)
        .map_err(|e| OptsError::Attest(format!("failed to parse sbom scanner {generator}: {e}")))?;
    Ok(Some(SbomOpts {
        generator: generator.to_string(),
        params: attrs,
    }))
}

impl BuildOpts {
    pub fn resolve(
        opts: &FrontendOpts,
        session_id: &str,
        workers_json: Option<&str>,
    ) -> Result<BuildOpts, OptsError> {
        let build_platform = default_build_platform(workers_json)?;
        let target_platforms = match opts.get("platform") {
            Some(v) if !v.is_empty() => parse_platforms(v)?,
            _ => Vec::new(),
        };
        let multi_platform = parse_multi_platform(opts, target_platforms.len() > 1)?;
        let dockerfile_local = opts
            .get("dockerfilekey")
            .unwrap_or(DEFAULT_LOCAL_DOCKERFILE);
        let build = BuildOptions {
            target: non_empty(opts.get("target")),
            build_args: opts.with_prefix("build-arg:"),
            labels: opts.with_prefix("label:"),
            build_platform,
            multi_platform,
            no_cache: match opts.get("no-cache") {
                None => NoCache::None,
                Some("") => NoCache::All,
                Some(v) => NoCache::Stages(v.split(',').map(str::to_string).collect()),
            },
            extra_hosts: parse_extra_hosts(opts.get("add-hosts").unwrap_or(""))?,
            shm_size: parse_shm_size(opts.get("shm-size").unwrap_or(""))?,
            // After shm-size and before the network mode, as dockerui's `init` reads them.
            ulimits: parse_ulimits(opts.get("ulimit").unwrap_or(""))?,
            linux_resources: parse_linux_resources(opts)?,
            network_mode: parse_net_mode(opts.get("force-network-mode").unwrap_or(""))?,
            // The build arg wins over the option, as in the reference.
            hostname: non_empty(opts.get("build-arg:BUILDKIT_SANDBOX_HOSTNAME"))
                .or_else(|| non_empty(opts.get("hostname"))),
            image_resolve_mode: parse_resolve_mode(opts.get("image-resolve-mode").unwrap_or(""))?,
            cgroup_parent: opts.get("cgroup-parent").unwrap_or("").to_string(),
            cache_mount_ns: opts
                .get("build-arg:BUILDKIT_CACHE_MOUNT_NS")
                .unwrap_or("")
                .to_string(),
            check: opts
                .get("build-arg:BUILDKIT_DOCKERFILE_CHECK")
                .map(parse_check)
                .transpose()
                .map_err(|e| {
                    OptsError::Check(format!(
                        "failed to parse build-arg:BUILDKIT_DOCKERFILE_CHECK: {e}"
                    ))
                })?,
            git_advice: match opts
                .get("build-arg:BUILDKIT_GIT_ADVICE")
                .filter(|v| !v.is_empty())
            {
                Some(v) => parse_go_bool(v).ok_or_else(|| OptsError::GitAdvice(v.to_string()))?,
                None => false,
            },
        };
        Ok(BuildOpts {
            build,
            filename: opts.get("filename").unwrap_or(DEFAULT_FILENAME).to_string(),
            dockerfile_local: dockerfile_local.to_string(),
            context_local: DEFAULT_LOCAL_CONTEXT.to_string(),
            target_platforms,
            cache_imports: parse_cache_imports(opts)?,
            request_id: non_empty(opts.get("requestid")),
            session_id: session_id.to_string(),
            local_session_ids: opts.with_prefix("local-sessionid:"),
            sbom: parse_sbom(opts)?,
            named_contexts: opts.with_prefix("context:"),
            local_shared_keys: opts.with_prefix("sharedkey:localdir:"),
            input_metadata: opts.with_prefix("input-metadata:"),
        })
    }

    /// The session that owns local `name`.
    pub(crate) fn session_for_local(&self, name: &str) -> &str {
        self.local_session_ids
            .get(name)
            .map(String::as_str)
            .unwrap_or(&self.session_id)
    }

    /// The platforms to build, each converted on its own: `None` is the implicit target (the
    /// build platform, with the base image's os/arch kept in the config).
    pub(crate) fn platforms_to_build(&self) -> Vec<Option<Platform>> {
        if self.target_platforms.is_empty() {
            vec![None]
        } else {
            self.target_platforms.iter().cloned().map(Some).collect()
        }
    }
}

fn non_empty(v: Option<&str>) -> Option<String> {
    v.filter(|s| !s.is_empty()).map(str::to_string)
}

/// The worker list's JSON, as Go's `client.WorkerInfo` marshals it.
#[derive(Deserialize)]
struct WorkerInfo {
    #[serde(rename = "Platforms", default)]
    platforms: Vec<OciPlatform>,
}

#[derive(Deserialize)]
struct OciPlatform {
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    os: String,
    #[serde(default)]
    variant: String,
}

fn default_build_platform(workers_json: Option<&str>) -> Result<Platform, OptsError> {
    let workers: Vec<WorkerInfo> = match workers_json {
        Some(json) if !json.trim().is_empty() => {
            serde_json::from_str(json).map_err(|e| OptsError::Workers(e.to_string()))?
        }
        _ => Vec::new(),
    };
    let first = workers
        .into_iter()
        .next()
        .and_then(|w| w.platforms.into_iter().next());
    Ok(match first {
        Some(p) => Platform {
            architecture: p.architecture,
            os: p.os,
            variant: p.variant,
            ..Platform::default()
        }
        .normalize(),
        None => Platform::host(),
    })
}

/// A comma list of platforms, each parsed and normalised like containerd's `platforms.Parse`.
pub(crate) fn parse_platforms(value: &str) -> Result<Vec<Platform>, OptsError> {
    value
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let parsed = if p == "local" {
                Ok(Platform::host())
            } else {
                Platform::parse(p)
            };
            parsed
                .map(Platform::normalize)
                .map_err(|e| OptsError::Platform {
                    value: value.to_string(),
                    reason: e.to_string(),
                })
        })
        .collect()
}

fn parse_multi_platform(opts: &FrontendOpts, several_targets: bool) -> Result<bool, OptsError> {
    let (key, value) = match opts.get("build-arg:BUILDKIT_MULTI_PLATFORM") {
        Some(v) if !v.is_empty() => ("build-arg:BUILDKIT_MULTI_PLATFORM", v),
        _ => ("multi-platform", opts.get("multi-platform").unwrap_or("")),
    };
    if value.is_empty() {
        return Ok(several_targets);
    }
    let requested = parse_go_bool(value).ok_or_else(|| invalid(key, value, "not a boolean"))?;
    if !requested && several_targets {
        return Err(OptsError::MultiPlatformConflict);
    }
    Ok(requested)
}

fn parse_resolve_mode(v: &str) -> Result<ResolveMode, OptsError> {
    match v {
        "" | "default" => Ok(ResolveMode::Default),
        "pull" => Ok(ResolveMode::ForcePull),
        "local" => Ok(ResolveMode::PreferLocal),
        _ => Err(invalid(
            "image-resolve-mode",
            v,
            "expected default, pull or local",
        )),
    }
}

fn parse_extra_hosts(v: &str) -> Result<Vec<ExtraHost>, OptsError> {
    v.split(',')
        .filter(|f| !f.is_empty())
        .map(|field| {
            let lower = field.to_lowercase();
            let (host, ip) = lower.split_once('=').ok_or_else(|| {
                invalid("add-hosts", v, format!("invalid key-value pair {field}"))
            })?;
            let ip = ip
                .parse()
                .map_err(|_| invalid("add-hosts", v, format!("failed to parse IP {ip}")))?;
            Ok(ExtraHost {
                host: host.to_string(),
                ip,
            })
        })
        .collect()
}

fn parse_shm_size(v: &str) -> Result<i64, OptsError> {
    if v.is_empty() {
        return Ok(0);
    }
    v.parse()
        .map_err(|_| invalid("shm-size", v, "expected a number of bytes"))
}

/// dockerui `parseLinuxResources`: each option when non-empty, in this order, the first bad one
/// failing the build; `None` when all are unset. Public so that tests/ can hold it against Go's.
pub fn parse_linux_resources(opts: &FrontendOpts) -> Result<Option<pb::LinuxResources>, OptsError> {
    let value = |key: &'static str| opts.get(key).filter(|v| !v.is_empty()).map(|v| (key, v));
    let fail = |key: &str, v: &str, why: String| {
        OptsError::Resources(format!("invalid {key} value: {v}: {why}"))
    };
    let positive_int = |key: &'static str| -> Result<i64, OptsError> {
        let Some((key, v)) = value(key) else {
            return Ok(0);
        };
        match parse_int(v) {
            Err(e) => Err(fail(key, v, e.to_string())),
            Ok(n) if n <= 0 => Err(fail(key, v, "must be > 0".to_string())),
            Ok(n) => Ok(n),
        }
    };
    let positive_uint = |key: &'static str| -> Result<u64, OptsError> {
        let Some((key, v)) = value(key) else {
            return Ok(0);
        };
        match parse_uint(v) {
            Err(e) => Err(fail(key, v, e.to_string())),
            Ok(0) => Err(fail(key, v, "must be > 0".to_string())),
            Ok(n) => Ok(n),
        }
    };
    let cpuset = |key: &'static str| -> Result<String, OptsError> {
        let Some((key, v)) = value(key) else {
            return Ok(String::new());
        };
        validate_cpuset(v).map_err(|why| fail(key, v, why))?;
        Ok(v.to_string())
    };
    let memory = positive_int("memory")?;
    // -1 is "no swap limit", so it cannot share `positive_int`.
    let memory_swap = match value("memswap") {
        None => 0,
        Some((key, v)) => match parse_int(v) {
            Err(e) => return Err(fail(key, v, e.to_string())),
            Ok(n) if n < -1 || n == 0 => {
                return Err(fail(key, v, "must be -1 (unlimited) or > 0".to_string()))
            }
            Ok(n) => n,
        },
    };
    let resources = pb::LinuxResources {
        memory,
        memory_swap,
        cpu_shares: positive_uint("cpushares")?,
        cpu_period: positive_uint("cpuperiod")?,
        cpu_quota: positive_int("cpuquota")?,
        cpuset_cpus: cpuset("cpusetcpus")?,
        cpuset_mems: cpuset("cpusetmems")?,
    };
    Ok((resources != pb::LinuxResources::default()).then_some(resources))
}

/// The largest CPU or memory node util/cpuset accepts.
const MAX_CPUSET_INDEX: i64 = 8192;

/// util/cpuset `Validate`: comma-separated indexes and `lo-hi` ranges, blanks around them
/// allowed, empty elements skipped.
fn validate_cpuset(s: &str) -> Result<(), String> {
    // `strconv.Atoi`, which is ParseInt on 64-bit platforms.
    let index = |s: &str| parse_int(s.trim()).ok();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            None => match index(part) {
                Some(n) if n > MAX_CPUSET_INDEX => {
                    return Err(format!(
                        "cpuset element {} exceeds maximum {MAX_CPUSET_INDEX}",
                        quote(part)
                    ))
                }
                Some(n) if n >= 0 => {}
                _ => return Err(format!("invalid cpuset element {}", quote(part))),
            },
            Some((lo, hi)) => match (index(lo), index(hi)) {
                (Some(lo), Some(hi)) if lo >= 0 && hi >= lo => {
                    if hi > MAX_CPUSET_INDEX {
                        return Err(format!(
                            "cpuset range {} exceeds maximum {MAX_CPUSET_INDEX}",
                            quote(part)
                        ));
                    }
                }
                _ => return Err(format!("invalid cpuset range {}", quote(part))),
            },
        }
    }
    Ok(())
}

fn parse_net_mode(v: &str) -> Result<NetMode, OptsError> {
    match v {
        "" | "sandbox" => Ok(NetMode::Sandbox),
        "host" => Ok(NetMode::Host),
        "none" => Ok(NetMode::None),
        _ => Err(invalid(
            "force-network-mode",
            v,
            "expected none, host or sandbox",
        )),
    }
}

/// `parseUlimits`: comma-separated (CSV) `name=soft[:hard]`, each as go-units `ParseUlimit`.
pub fn parse_ulimits(value: &str) -> Result<Vec<(String, i64, i64)>, OptsError> {
    const NAMES: [&str; 15] = [
        "core",
        "cpu",
        "data",
        "fsize",
        "locks",
        "memlock",
        "msgqueue",
        "nice",
        "nofile",
        "nproc",
        "rss",
        "rtprio",
        "rttime",
        "sigpending",
        "stack",
    ];
    if value.is_empty() {
        return Ok(Vec::new());
    }
    let fields = crate::instructions::mount::csv_fields(value)
        .map_err(|e| OptsError::Ulimit(e.to_string()))?;
    let mut out = Vec::with_capacity(fields.len());
    for field in fields {
        let fail = |m: String| OptsError::Ulimit(m);
        let (name, limits) = field
            .split_once('=')
            .ok_or_else(|| fail(format!("invalid ulimit argument: {field}")))?;
        if !NAMES.contains(&name) {
            return Err(fail(format!("invalid ulimit type: {name}")));
        }
        let number = |s: &str| parse_int(s).map_err(|e| fail(e.to_string()));
        let (soft, hard) = match limits.split(':').collect::<Vec<_>>()[..] {
            [soft] => {
                let soft = number(soft)?;
                (soft, soft)
            }
            // The hard limit is read first, as go-units does.
            [soft, hard] => {
                let hard = number(hard)?;
                (number(soft)?, hard)
            }
            _ => {
                return Err(fail(format!(
                "too many limit value arguments - {limits}, can only have up to two, `soft[:hard]`"
            )))
            }
        };
        if hard != -1 {
            if soft == -1 {
                return Err(fail(format!(
                    "ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: {hard}"
                )));
            }
            if soft > hard {
                return Err(fail(format!(
                    "ulimit soft limit must be less than or equal to hard limit: {soft} > {hard}"
                )));
            }
        }
        out.push((name.to_string(), soft, hard));
    }
    Ok(out)
}

/// The controlapi JSON form; Go's decoder matches field names case-insensitively.
#[derive(Deserialize)]
struct CacheImportJson {
    #[serde(rename = "Type", alias = "type", default)]
    kind: String,
    #[serde(rename = "Attrs", alias = "attrs", default)]
    attrs: BTreeMap<String, String>,
}

fn parse_cache_imports(opts: &FrontendOpts) -> Result<Vec<CacheOptionsEntry>, OptsError> {
    let mut out = Vec::new();
    if let Some(json) = opts.get("cache-imports").filter(|v| !v.is_empty()) {
        let entries: Vec<CacheImportJson> = serde_json::from_str(json)
            .map_err(|e| invalid("cache-imports", json, e.to_string()))?;
        out.extend(entries.into_iter().map(|e| CacheOptionsEntry {
            r#type: e.kind,
            attrs: e.attrs,
        }));
    }
    // The legacy comma list of registry refs.
    if let Some(refs) = opts.get("cache-from").filter(|v| !v.is_empty()) {
        out.extend(refs.split(',').map(|r| CacheOptionsEntry {
            r#type: "registry".to_string(),
            attrs: BTreeMap::from([("ref".to_string(), r.to_string())]),
        }));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn opts(pairs: &[&str]) -> FrontendOpts {
        FrontendOpts::from_env_vars(
            pairs
                .iter()
                .enumerate()
                .map(|(i, p)| (format!("BUILDKIT_FRONTEND_OPT_{i}"), p.to_string())),
        )
    }

    const WORKERS: &str = r#"[{"ID":"w1","Labels":{},"Platforms":[{"architecture":"amd64","os":"linux"},{"architecture":"386","os":"linux"}]}]"#;

    #[test]
    fn env_values_split_on_first_equals_and_ignore_other_vars() {
        let o = FrontendOpts::from_env_vars([
            (
                "BUILDKIT_FRONTEND_OPT_0".to_string(),
                "build-arg:A=b=c".to_string(),
            ),
            (
                "BUILDKIT_FRONTEND_OPT_1".to_string(),
                "no-cache=".to_string(),
            ),
            ("BUILDKIT_SESSION_ID".to_string(), "s".to_string()),
            ("BUILDKIT_FRONTEND_OPT_X".to_string(), "x=y".to_string()),
        ]);
        assert_eq!(o.get("build-arg:A"), Some("b=c"));
        assert_eq!(o.get("no-cache"), Some(""));
        assert_eq!(o.0.len(), 2);
    }

    #[test]
    fn defaults_come_from_the_first_worker() {
        let b = BuildOpts::resolve(&opts(&[]), "sess", Some(WORKERS)).unwrap();
        assert_eq!(b.filename, "Dockerfile");
        assert_eq!(b.dockerfile_local, "dockerfile");
        assert_eq!(b.build.build_platform.format(), "linux/amd64");
        assert_eq!(b.platforms_to_build(), [None]);
        assert!(!b.build.multi_platform);
        assert_eq!(b.build.no_cache, NoCache::None);
    }

    #[test]
    fn build_options_are_resolved() {
        let o = opts(&[
            "filename=sub/Dockerfile.dev",
            "target=final",
            "build-arg:HTTP_PROXY=http://p",
            "label:org.example=1",
            "platform=linux/arm64/v8,linux/arm/7",
            "no-cache=Base,final",
            "add-hosts=MyHost=10.0.0.1,other=::1",
            "shm-size=1048576",
            "force-network-mode=none",
            "image-resolve-mode=pull",
            r#"cache-imports=[{"Type":"registry","Attrs":{"ref":"r/c"}}]"#,
            "cache-from=r/old",
            "requestid=frontend.outline",
            "build-arg:SOURCE_DATE_EPOCH=1700000000",
            "local-sessionid:context=other",
            "hostname=from-opt",
            "build-arg:BUILDKIT_SANDBOX_HOSTNAME=from-arg",
            "memswap=-1",
        ]);
        let b = BuildOpts::resolve(&o, "sess", Some(WORKERS)).unwrap();
        assert_eq!(b.filename, "sub/Dockerfile.dev");
        assert_eq!(b.build.target.as_deref(), Some("final"));
        assert_eq!(b.build.build_args["HTTP_PROXY"], "http://p");
        assert_eq!(b.build.labels["org.example"], "1");
        let platforms: Vec<String> = b.target_platforms.iter().map(Platform::format).collect();
        assert_eq!(platforms, ["linux/arm64", "linux/arm/v7"]);
        assert!(b.build.multi_platform);
        assert!(b.build.no_cache.applies_to("base"));
        assert!(!b.build.no_cache.applies_to("other"));
        assert_eq!(b.build.extra_hosts[0].host, "myhost");
        assert_eq!(
            b.build.extra_hosts[1].ip,
            "::1".parse::<std::net::IpAddr>().unwrap()
        );
        assert_eq!(b.build.shm_size, 1_048_576);
        assert_eq!(b.build.network_mode, NetMode::None);
        assert_eq!(b.build.image_resolve_mode, ResolveMode::ForcePull);
        let refs: Vec<&str> = b
            .cache_imports
            .iter()
            .map(|c| c.attrs["ref"].as_str())
            .collect();
        assert_eq!(refs, ["r/c", "r/old"]);
        assert_eq!(b.request_id.as_deref(), Some("frontend.outline"));
        assert_eq!(b.build.build_args["SOURCE_DATE_EPOCH"], "1700000000");
        assert_eq!(b.session_for_local("context"), "other");
        assert_eq!(b.session_for_local("dockerfile"), "sess");
        assert_eq!(b.build.hostname.as_deref(), Some("from-arg"));
        assert_eq!(
            b.build.linux_resources,
            Some(pb::LinuxResources {
                memory_swap: -1,
                ..Default::default()
            })
        );
    }

    #[test]
    fn no_cache_without_value_means_every_stage() {
        let b = BuildOpts::resolve(&opts(&["no-cache="]), "s", None).unwrap();
        assert!(b.build.no_cache.applies_to("anything"));
    }

    #[test]
    fn bad_values_name_the_option() {
        let err = BuildOpts::resolve(&opts(&["shm-size=64m"]), "s", None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid frontend option shm-size=\"64m\": expected a number of bytes"
        );
        let err = BuildOpts::resolve(&opts(&["add-hosts=h=notanip"]), "s", None).unwrap_err();
        assert!(
            err.to_string().contains("failed to parse IP notanip"),
            "{err}"
        );
        let err = BuildOpts::resolve(
            &opts(&["platform=linux/amd64,linux/arm64", "multi-platform=false"]),
            "s",
            None,
        )
        .unwrap_err();
        assert_eq!(err, OptsError::MultiPlatformConflict);
    }

    #[test]
    fn platforms_are_normalised() {
        let f = |s: &str| {
            parse_platforms(s)
                .unwrap()
                .iter()
                .map(Platform::format)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            f("linux/x86_64, linux/armhf"),
            ["linux/amd64", "linux/arm/v7"]
        );
        assert!(matches!(
            parse_platforms("linux/amd64/v2/x"),
            Err(OptsError::Platform { .. })
        ));
    }
}
