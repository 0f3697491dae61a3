//! The graph: immutable, `Arc`-shared op nodes and the outputs that point into them.
//!
//! A node is built once by one of the op builders (sources, exec, file, merge, diff). At that
//! moment its `pb::Op` is serialized to Go-canonical bytes and hashed, so marshaling a large
//! graph never re-serializes or re-walks anything. Per-op data that is not part of the digest
//! (progress name, cache switches, caps, source locations) travels with the node.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use prost::bytes::Bytes;

use crate::proto::pb;

use super::wire::{encode_exec_op, Digest};
use super::LlbError;

/// One op of the graph, with its bytes and digest computed once at construction.
#[derive(Debug)]
pub struct Node {
    /// The op's bytes only: the message itself (a RUN's whole env, say) is dropped once
    /// encoded, and decoded again on the rare [`Node::op`].
    bytes: Bytes,
    digest: Digest,
    inputs: Vec<Output>,
    /// What the Go client's `Vertex.Inputs()` lists: every output read, once per output
    /// (not once per digest, as `inputs`), in the order its marshal walks them.
    reads: Vec<Output>,
    /// In the form the definition sends, shared with every definition marshalled from it.
    metadata: pb::OpMetadataBytes,
    locations: Vec<SourceLocation>,
}

impl Node {
    /// Seals an op. `inputs` are the outputs named by `op.inputs`, in the same order; `reads`
    /// are the outputs the op reads as the Go client walks them (see [`Node::reads`]).
    pub(crate) fn seal(
        op: pb::Op,
        inputs: Vec<Output>,
        reads: Vec<Output>,
        common: OpCommon,
    ) -> Arc<Node> {
        Node::seal_exec(op, &[], inputs, reads, common)
    }

    /// [`Node::seal`] of an exec op whose environment is `env`, kept out of its `Meta`.
    pub(crate) fn seal_exec(
        mut op: pb::Op,
        env: &[Arc<str>],
        inputs: Vec<Output>,
        reads: Vec<Output>,
        mut common: OpCommon,
    ) -> Arc<Node> {
        op.inputs = inputs.iter().map(Output::to_input).collect();
        // The Go client always sets constraints, even when it has no filter (marshal.go
        // `MarshalConstraints`), so an empty message is part of every op's bytes.
        op.constraints = Some(pb::WorkerConstraints {
            filter: std::mem::take(&mut common.worker_constraints),
        });
        let bytes = encode_exec_op(op, env);
        let digest = Digest::of(&bytes);
        Arc::new(Node {
            bytes: Bytes::from(bytes),
            digest,
            inputs,
            reads,
            metadata: common.metadata.into_pb().into(),
            locations: common.locations,
        })
    }

    /// An op from a definition made elsewhere ([`super::import`]), with its bytes as sent: its
    /// digest is the one that definition names it by.
    pub(crate) fn imported(
        bytes: Vec<u8>,
        inputs: Vec<Output>,
        metadata: pb::OpMetadata,
        locations: Vec<SourceLocation>,
    ) -> Arc<Node> {
        let digest = Digest::of(&bytes);
        Arc::new(Node {
            bytes: Bytes::from(bytes),
            digest,
            reads: inputs.clone(),
            inputs,
            metadata: metadata.into(),
            locations,
        })
    }

    /// The op as sent, decoded from its bytes.
    pub fn op(&self) -> pb::Op {
        use prost::Message;
        pb::Op::decode(&self.bytes[..])
            .expect("a node's bytes are an op this crate encoded or received decoded")
    }

    /// The exact bytes sent in `Definition.def`.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// [`Node::bytes`], shared: for the definition, without a copy.
    pub(crate) fn shared_bytes(&self) -> Bytes {
        self.bytes.clone()
    }

    /// The digest of [`Node::bytes`].
    pub fn digest(&self) -> &Digest {
        &self.digest
    }

    /// The outputs this op reads, in `Op.inputs` order.
    pub fn inputs(&self) -> &[Output] {
        &self.inputs
    }

    /// The outputs the op reads as the Go client's marshal walks them. Two ops with equal
    /// bytes (two stages on one image) are one input, but both are walked: each adds its
    /// metadata and source locations to that digest, the last one's metadata winning.
    pub fn reads(&self) -> &[Output] {
        &self.reads
    }

    /// Data about the op that is not part of its digest (decoded from the form it is kept in).
    pub fn metadata(&self) -> pb::OpMetadata {
        self.metadata.decode()
    }

    /// [`Node::metadata`] as the definition sends it (cloned, it is shared, not copied).
    pub(crate) fn metadata_bytes(&self) -> &pb::OpMetadataBytes {
        &self.metadata
    }

    /// Where in the user's files this op comes from.
    pub fn locations(&self) -> &[SourceLocation] {
        &self.locations
    }
}

impl Drop for Node {
    /// Frees a chain of nodes with a loop instead of recursion, so dropping the last handle to
    /// a graph of 100,000 chained ops cannot overflow the stack.
    fn drop(&mut self) {
        let mut pending = std::mem::take(&mut self.inputs);
        pending.append(&mut self.reads);
        while let Some(output) = pending.pop() {
            if let Some(mut node) = Arc::into_inner(output.node) {
                pending.append(&mut node.inputs);
                pending.append(&mut node.reads);
            }
        }
    }
}

/// One result of an op: a filesystem that later ops mount, copy from or build on.
///
/// Cheap to clone. "No output" (scratch, an empty filesystem) is `Option<Output>::None`
/// wherever an op accepts it.
#[derive(Clone, Debug)]
pub struct Output {
    node: Arc<Node>,
    index: i64,
}

impl Output {
    pub(crate) fn new(node: Arc<Node>, index: i64) -> Output {
        Output { node, index }
    }

    /// The op producing this output.
    pub fn node(&self) -> &Arc<Node> {
        &self.node
    }

    /// Which output of the op this is.
    pub fn index(&self) -> i64 {
        self.index
    }

    /// The digest of the producing op.
    pub fn digest(&self) -> &Digest {
        self.node.digest()
    }

    /// The `pb::Input` that references this output.
    pub(crate) fn to_input(&self) -> pb::Input {
        pb::Input {
            digest: self.node.digest().to_string(),
            index: self.index,
        }
    }

    /// True when both name the same output of ops with the same bytes.
    pub(crate) fn same_as(&self, other: &Output) -> bool {
        self.index == other.index && self.node.digest() == other.node.digest()
    }

    /// `outputs` without repeats of one output of one node (equal bytes do not count): the
    /// Go client's `seen map[Output]` in `Inputs()`.
    pub(crate) fn distinct(outputs: impl IntoIterator<Item = Output>) -> Vec<Output> {
        let mut out: Vec<Output> = Vec::new();
        for output in outputs {
            if !out
                .iter()
                .any(|o| Arc::ptr_eq(&o.node, &output.node) && o.index == output.index)
            {
                out.push(output);
            }
        }
        out
    }
}

/// A target platform, written on exec ops and image sources.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: String,
    pub os_version: String,
    pub os_features: Vec<String>,
}

impl Platform {
    /// A platform from its OS and architecture, e.g. `Platform::new("linux", "amd64")`.
    pub fn new(os: impl Into<String>, architecture: impl Into<String>) -> Platform {
        Platform {
            os: os.into(),
            architecture: architecture.into(),
            ..Platform::default()
        }
    }

    /// Sets the CPU variant (`v7`, `v8`, ...).
    pub fn with_variant(mut self, variant: impl Into<String>) -> Platform {
        self.variant = variant.into();
        self
    }

    /// Parses `os[(osversion)][/arch[/variant]]` and normalises it the way containerd's
    /// `platforms.Parse` does (`linux/x86_64` → `linux/amd64`, `linux/arm64/v8` keeps `v8`,
    /// `linux/arm` and `linux/armhf` → `linux/arm` with no variant). A lone
    /// architecture gets `linux`; a lone OS gets the architecture of this machine.
    pub fn parse(specifier: &str) -> Result<Platform, LlbError> {
        Platform::parse_with_reason(specifier)
            .map_err(|_| LlbError::InvalidPlatform(specifier.to_string()))
    }

    /// `parse`, failing with containerd's error text (`"linux/" is an invalid component of ...`),
    /// for the converter, which reports it the way the reference does.
    pub(crate) fn parse_with_reason(specifier: &str) -> Result<Platform, String> {
        let q = crate::go::quote;
        let invalid = |what: String| format!("{what}: invalid argument");
        if specifier.contains('*') {
            return Err(invalid(format!(
                "{}: wildcards not yet supported",
                q(specifier)
            )));
        }
        let component_ok = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        };
        let parts: Vec<&str> = specifier.splitn(4, '/').collect();
        let bad_os = || {
            invalid(format!(
                "{} is an invalid OS component of {}: OSAndVersion specifier component must match {}",
                q(parts[0]),
                q(specifier),
                q(r"^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.%-]*)((?:\+[A-Za-z0-9_.%-]+)*)\))?$")
            ))
        };
        // `os(version+feature+...)`, values %-encoded (containerd/platforms v1.0.0-rc.5).
        let (os_part, options) = match parts[0].split_once('(') {
            Some((os, rest)) => (os, rest.strip_suffix(')').ok_or_else(bad_os)?),
            None => (parts[0], ""),
        };
        let option_ok = |s: &str| {
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.%-".contains(c))
        };
        let mut options = options.split('+');
        let os_version = options.next().unwrap_or("");
        let features: Vec<&str> = options.collect();
        if !component_ok(os_part)
            || os_part.contains('.')
            || !option_ok(os_version)
            || features.iter().any(|f| f.is_empty() || !option_ok(f))
        {
            return Err(bad_os());
        }
        // These wrap the URL error, not containerd's ErrInvalidArgument.
        let os_version = crate::go::path_unescape(os_version).map_err(|e| {
            format!(
                "{} has an invalid OS version {}: {e}",
                q(specifier),
                q(os_version)
            )
        })?;
        let mut os_features = Vec::with_capacity(features.len());
        for raw in features {
            let feature = crate::go::path_unescape(raw).map_err(|e| {
                format!(
                    "{} has invalid OS features: invalid os feature {}: {e}",
                    q(specifier),
                    q(raw)
                )
            })?;
            if !feature.is_empty() {
                os_features.push(feature);
            }
        }
        if let Some(part) = parts[1..].iter().find(|p| !component_ok(p)) {
            return Err(invalid(format!(
                "{} is an invalid component of {}: platform specifier component must match {}",
                q(part),
                q(specifier),
                q("^[A-Za-z0-9_.-]+$")
            )));
        }
        let os = normalize_os(os_part);
        let mut platform = Platform {
            os: os.clone(),
            os_version,
            os_features,
            ..Platform::default()
        };
        match parts.len() {
            1 if KNOWN_OSES.contains(&os.as_str()) => {
                platform.architecture = host_arch().to_string();
            }
            1 => {
                let (arch, variant) = normalize_arch(parts[0], "");
                if !KNOWN_ARCHES.contains(&arch.as_str()) {
                    return Err(invalid(format!(
                        "{}: unknown operating system or architecture",
                        q(specifier)
                    )));
                }
                platform.os = "linux".to_string();
                platform.os_version = String::new();
                platform.architecture = arch;
                platform.variant = if platform.architecture == "arm" && variant == "v7" {
                    String::new()
                } else {
                    variant
                };
            }
            2 => {
                let (arch, variant) = normalize_arch(parts[1], "");
                platform.variant = if arch == "arm" && variant == "v7" {
                    String::new()
                } else {
                    variant
                };
                platform.architecture = arch;
            }
            3 => {
                let (arch, variant) = normalize_arch(parts[1], parts[2]);
                platform.variant = if arch == "arm64" && variant.is_empty() {
                    "v8".to_string()
                } else {
                    variant
                };
                platform.architecture = arch;
            }
            _ => {
                return Err(invalid(format!(
                    "{}: cannot parse platform specifier",
                    q(specifier)
                )))
            }
        }
        Ok(platform)
    }

    /// The platform of this machine (containerd `DefaultSpec`, normalised).
    pub fn host() -> Platform {
        Platform::new("linux", host_arch()).normalize()
    }

    /// containerd's `platforms.Normalize`: canonical OS, architecture and variant names, OS
    /// features sorted without duplicates.
    pub fn normalize(mut self) -> Platform {
        self.os = normalize_os(&self.os);
        let (arch, variant) = normalize_arch(&self.architecture, &self.variant);
        self.architecture = arch;
        self.variant = variant;
        self.os_features.sort();
        self.os_features.dedup();
        self
    }

    pub(crate) fn to_pb(&self) -> pb::Platform {
        pb::Platform {
            architecture: self.architecture.clone(),
            os: self.os.clone(),
            variant: self.variant.clone(),
            os_version: self.os_version.clone(),
            os_features: self.os_features.clone(),
        }
    }
}

const KNOWN_OSES: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "windows",
    "zos",
];

const KNOWN_ARCHES: &[&str] = &[
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "ppc64",
    "ppc64le",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

fn normalize_os(os: &str) -> String {
    let os = os.to_ascii_lowercase();
    if os == "macos" {
        "darwin".to_string()
    } else {
        os
    }
}

/// containerd's `normalizeArch` (platforms/database.go).
fn normalize_arch(arch: &str, variant: &str) -> (String, String) {
    let arch = arch.to_ascii_lowercase();
    let variant = variant.to_ascii_lowercase();
    match arch.as_str() {
        "i386" => ("386".into(), String::new()),
        "x86_64" | "x86-64" | "amd64" => {
            let variant = if variant == "v1" {
                String::new()
            } else {
                variant
            };
            ("amd64".into(), variant)
        }
        "aarch64" | "arm64" => {
            let variant = match variant.as_str() {
                "8" | "v8" | "v8.0" => String::new(),
                "9" | "9.0" | "v9.0" => "v9".into(),
                _ => variant,
            };
            ("arm64".into(), variant)
        }
        "armhf" => ("arm".into(), "v7".into()),
        "armel" => ("arm".into(), "v6".into()),
        "arm" => {
            let variant = match variant.as_str() {
                "" | "7" => "v7".into(),
                "5" | "6" | "8" => format!("v{variant}"),
                _ => variant,
            };
            ("arm".into(), variant)
        }
        _ => (arch, variant),
    }
}

/// The Go name of this machine's architecture.
fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if !self.variant.is_empty() {
            write!(f, "/{}", self.variant)?;
        }
        Ok(())
    }
}

/// Per-op data that is not part of the digest (`pb.OpMetadata`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpMetadata {
    pub ignore_cache: bool,
    /// `llb.customname`, `com.docker.dockerfile.v1.command`, or any other key.
    pub description: BTreeMap<String, String>,
    pub export_cache: Option<bool>,
    /// LLB capability IDs the op needs; the daemon refuses unknown ones.
    pub caps: BTreeSet<String>,
    pub progress_group: Option<ProgressGroup>,
    /// CPU/memory limits of an exec op's container (`Exec::linux_resources`).
    pub linux_resources: Option<pb::LinuxResources>,
}

/// Groups vertexes in progress output.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProgressGroup {
    pub id: String,
    pub name: String,
    pub weak: bool,
}

impl OpMetadata {
    /// The wire form, built once when the op is sealed.
    pub(crate) fn into_pb(self) -> pb::OpMetadata {
        pb::OpMetadata {
            ignore_cache: self.ignore_cache,
            description: self.description,
            export_cache: self.export_cache.map(|value| pb::ExportCache { value }),
            caps: self.caps.into_iter().map(|cap| (cap, true)).collect(),
            progress_group: self.progress_group.map(|group| pb::ProgressGroup {
                id: group.id,
                name: group.name,
                weak: group.weak,
            }),
            linux_resources: self.linux_resources,
        }
    }
}

/// A file the graph was built from (a Dockerfile), shared by the locations that point into it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SourceMap {
    pub filename: String,
    pub language: String,
    pub data: Vec<u8>,
    /// The LLB that produced the file (e.g. the build context it was read from), if known.
    pub definition: Option<pb::Definition>,
}

impl SourceMap {
    /// A source file, e.g. `SourceMap::new("Dockerfile", "Dockerfile", bytes)`.
    pub fn new(
        filename: impl Into<String>,
        language: impl Into<String>,
        data: impl Into<Vec<u8>>,
    ) -> Arc<SourceMap> {
        Arc::new(SourceMap {
            filename: filename.into(),
            language: language.into(),
            data: data.into(),
            definition: None,
        })
    }

    /// A source file together with the LLB definition it was read from.
    pub fn with_definition(
        filename: impl Into<String>,
        language: impl Into<String>,
        data: impl Into<Vec<u8>>,
        definition: pb::Definition,
    ) -> Arc<SourceMap> {
        Arc::new(SourceMap {
            filename: filename.into(),
            language: language.into(),
            data: data.into(),
            definition: Some(definition),
        })
    }
}

/// A line and character position; lines are 1-based as BuildKit expects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    pub line: i32,
    pub character: i32,
}

/// A range in a source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Range {
    pub start: Position,
    pub end: Position,
}

impl Range {
    /// Whole lines `start..=end` (characters 0), as the Dockerfile frontend reports them.
    pub fn lines(start: i32, end: i32) -> Range {
        Range {
            start: Position {
                line: start,
                character: 0,
            },
            end: Position {
                line: end,
                character: 0,
            },
        }
    }

    pub(crate) fn to_pb(self) -> pb::Range {
        let position = |p: Position| pb::Position {
            line: p.line,
            character: p.character,
        };
        pb::Range {
            start: Some(position(self.start)),
            end: Some(position(self.end)),
        }
    }
}

/// Ranges of one source file that produced an op.
#[derive(Clone, Debug)]
pub struct SourceLocation {
    pub source: Arc<SourceMap>,
    pub ranges: Vec<Range>,
}

/// What every op builder carries besides the op itself.
#[derive(Clone, Debug, Default)]
pub struct OpCommon {
    pub(crate) metadata: OpMetadata,
    pub(crate) platform: Option<Platform>,
    pub(crate) worker_constraints: Vec<String>,
    pub(crate) locations: Vec<SourceLocation>,
}

/// Options shared by every op builder: progress name, descriptions, cache switches, caps,
/// platform, worker constraints and source locations.
pub trait OpOptions: Sized {
    /// The builder's common part.
    fn common_mut(&mut self) -> &mut OpCommon;

    /// The name shown in progress output (`llb.customname`).
    fn custom_name(self, name: impl Into<String>) -> Self {
        self.description("llb.customname", name)
    }

    /// Any description key, e.g. `com.docker.dockerfile.v1.command`.
    fn description(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.common_mut()
            .metadata
            .description
            .insert(key.into(), value.into());
        self
    }

    /// Never reuse a cached result of this op.
    fn ignore_cache(mut self, ignore: bool) -> Self {
        self.common_mut().metadata.ignore_cache = ignore;
        self
    }

    /// Sets `export_cache`.
    fn export_cache(mut self, export: bool) -> Self {
        self.common_mut().metadata.export_cache = Some(export);
        self
    }

    /// Puts the op in a progress group.
    fn progress_group(
        mut self,
        id: impl Into<String>,
        name: impl Into<String>,
        weak: bool,
    ) -> Self {
        self.common_mut().metadata.progress_group = Some(ProgressGroup {
            id: id.into(),
            name: name.into(),
            weak,
        });
        self
    }

    /// Declares an LLB capability the op needs (the builders add the usual ones themselves).
    fn cap(mut self, cap: impl Into<String>) -> Self {
        self.common_mut().metadata.caps.insert(cap.into());
        self
    }

    /// The platform; only exec ops and image sources write it into the op.
    fn platform(mut self, platform: Platform) -> Self {
        self.common_mut().platform = Some(platform);
        self
    }

    /// The platform if any (convenient when forwarding an optional one).
    fn platform_opt(mut self, platform: Option<Platform>) -> Self {
        self.common_mut().platform = platform;
        self
    }

    /// Adds a worker constraint filter.
    fn worker_constraint(mut self, filter: impl Into<String>) -> Self {
        self.common_mut().worker_constraints.push(filter.into());
        self
    }

    /// Records where in `source` this op comes from.
    fn location(mut self, source: &Arc<SourceMap>, ranges: Vec<Range>) -> Self {
        self.common_mut().locations.push(SourceLocation {
            source: Arc::clone(source),
            ranges,
        });
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_parse_like_containerd() {
        let cases = [
            ("linux/amd64", "linux", "amd64", ""),
            ("linux/x86_64", "linux", "amd64", ""),
            ("linux/arm64", "linux", "arm64", ""),
            ("linux/arm64/v8", "linux", "arm64", "v8"),
            ("linux/aarch64/8", "linux", "arm64", "v8"),
            ("linux/arm", "linux", "arm", ""),
            ("linux/arm/7", "linux", "arm", "v7"),
            ("linux/armhf", "linux", "arm", ""),
            ("Linux/arm/v6", "linux", "arm", "v6"),
            ("arm64", "linux", "arm64", ""),
            ("windows(10.0.17763)/amd64", "windows", "amd64", ""),
        ];
        for (input, os, arch, variant) in cases {
            let p = Platform::parse(input).unwrap();
            assert_eq!(
                (p.os.as_str(), p.architecture.as_str(), p.variant.as_str()),
                (os, arch, variant),
                "{input}"
            );
        }
        assert_eq!(
            Platform::parse("windows(10.0.17763)/amd64")
                .unwrap()
                .os_version,
            "10.0.17763"
        );
        assert!(Platform::parse("linux/amd64/v2/x").is_err());
        assert!(Platform::parse("linux/*").is_err());
        assert!(Platform::parse("nonsense").is_err());
        assert!(Platform::parse("").is_err());
        let normalized = Platform::new("linux", "aarch64")
            .with_variant("v8")
            .normalize();
        assert_eq!(
            (
                normalized.architecture.as_str(),
                normalized.variant.as_str()
            ),
            ("arm64", "")
        );
        assert_eq!(
            Platform::parse("linux/arm/v7").unwrap().to_string(),
            "linux/arm/v7"
        );
    }
}
