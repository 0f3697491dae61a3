//! Errors handed back to BuildKit through `Return`: a `google.rpc.Status` whose details are BuildKit's
//! typed errors. Those travel as `Any` with a `github.com/moby/buildkit/<type>+json` URL and a JSON value
//! (util/grpcerrors/grpcerrors.go `withDetails`), so `buildctl` and `buildx` can show the failing
//! Dockerfile lines (`errdefs.Source`) or fall back for unknown subrequests (`errdefs.Subrequest`).

use std::collections::BTreeMap;

use base64::Engine;
use serde::Serialize;

use crate::proto::google::rpc::Status;
use crate::proto::pb;

const SOURCE_TYPE_URL: &str = "github.com/moby/buildkit/errdefs.Source+json";
const SUBREQUEST_TYPE_URL: &str = "github.com/moby/buildkit/errdefs.Subrequest+json";
const FRONTEND_CAP_TYPE_URL: &str = "github.com/moby/buildkit/errdefs.FrontendCap+json";

/// The Dockerfile an error points into, and where (lines 1-based, as in `pb.Position`).
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorSource {
    pub filename: String,
    pub data: Vec<u8>,
    /// The LLB the Dockerfile was read with (the reference's source map carries it).
    pub definition: Option<pb::Definition>,
    pub ranges: Vec<pb::Range>,
    /// Further places in the same file, each sent as a source detail of its own after the first,
    /// as the reference wraps an error with several locations (clients print one snippet each).
    pub also: Vec<Vec<pb::Range>>,
}

/// A Status with code `code` (never 0: BuildKit reads 0 as success) and optional source details.
pub(crate) fn error_status(
    code: tonic::Code,
    message: String,
    source: Option<&ErrorSource>,
) -> Status {
    let code = match code {
        tonic::Code::Ok => tonic::Code::Unknown,
        c => c,
    };
    Status {
        code: code as i32,
        message,
        details: source.map(source_details).unwrap_or_default(),
    }
}

/// One range per line, character 0: how the reference reports a node's location
/// (`parser.Node.Location`), for errors and warnings alike.
pub(crate) fn line_ranges(first: usize, last: usize) -> Vec<pb::Range> {
    (first..=last.max(first))
        .map(|line| {
            let at = Some(pb::Position {
                line: line as i32,
                character: 0,
            });
            pb::Range { start: at, end: at }
        })
        .collect()
}

/// Whether a failed call's status carries a Dockerfile location (`errdefs.Sources` non-empty).
pub(crate) fn has_source_detail(status: &tonic::Status) -> bool {
    forwarded_details(status)
        .iter()
        .any(|d| d.type_url == SOURCE_TYPE_URL)
}

/// The typed details of a failed RPC (`grpc-status-details-bin` holds an encoded google.rpc.Status).
pub(crate) fn forwarded_details(status: &tonic::Status) -> Vec<prost_types::Any> {
    use prost::Message;
    Status::decode(status.details())
        .map(|s| s.details)
        .unwrap_or_default()
}

/// The error for a `requestid` we do not serve; buildx matches this message or the typed detail to
/// fall back (buildx build/build.go).
pub(crate) fn unsupported_subrequest(id: &str) -> Status {
    let value = serde_json::json!({ "name": id }).to_string();
    Status {
        // Unknown, as the reference: clients print other codes' names before the message.
        code: tonic::Code::Unknown as i32,
        message: format!("unsupported request {id}"),
        details: vec![prost_types::Any {
            type_url: SUBREQUEST_TYPE_URL.to_string(),
            value: value.into_bytes(),
        }],
    }
}

/// The error for a `frontend.caps` entry we lack: code Unimplemented and the typed
/// `errdefs.FrontendCap`, as builder/caps.go returns it.
pub(crate) fn unsupported_frontend_cap(name: &str) -> Status {
    let value = serde_json::json!({ "name": name }).to_string();
    Status {
        code: tonic::Code::Unimplemented as i32,
        message: format!("unsupported frontend capability {name}"),
        details: vec![prost_types::Any {
            type_url: FRONTEND_CAP_TYPE_URL.to_string(),
            value: value.into_bytes(),
        }],
    }
}

/// Go's encoding/json of `errdefs.Source`: protobuf-generated structs with `omitempty` on every field,
/// bytes as standard base64.
#[derive(Serialize)]
struct SourceJson<'a> {
    info: SourceInfoJson<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ranges: Vec<RangeJson>,
}

#[derive(Serialize)]
struct SourceInfoJson<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    filename: &'a str,
    #[serde(skip_serializing_if = "String::is_empty")]
    data: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    definition: Option<DefinitionJson<'a>>,
    #[serde(skip_serializing_if = "str::is_empty")]
    language: &'a str,
}

/// `pb.Definition` through encoding/json: the protobuf struct tags, maps in key order.
#[derive(Serialize)]
struct DefinitionJson<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    def: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    metadata: BTreeMap<&'a str, DecodedMetadata>,
    #[serde(rename = "Source", skip_serializing_if = "Option::is_none")]
    source: Option<SourceMapJson<'a>>,
}

#[derive(Serialize)]
struct OpMetadataJson<'a> {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    ignore_cache: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    description: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    export_cache: Option<ExportCacheJson>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    caps: &'a BTreeMap<String, bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    progress_group: Option<ProgressGroupJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    linux_resources: Option<LinuxResourcesJson<'a>>,
}

#[derive(Serialize)]
struct ExportCacheJson {
    #[serde(rename = "Value", skip_serializing_if = "std::ops::Not::not")]
    value: bool,
}

#[derive(Serialize)]
struct ProgressGroupJson<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    id: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    name: &'a str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    weak: bool,
}

/// A definition the caller passed in (a `dockerfile` frontend input) can hold exec ops with limits.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LinuxResourcesJson<'a> {
    #[serde(skip_serializing_if = "is_zero")]
    memory: i64,
    #[serde(skip_serializing_if = "is_zero")]
    memory_swap: i64,
    #[serde(skip_serializing_if = "is_zero")]
    cpu_shares: u64,
    #[serde(skip_serializing_if = "is_zero")]
    cpu_period: u64,
    #[serde(skip_serializing_if = "is_zero")]
    cpu_quota: i64,
    #[serde(skip_serializing_if = "str::is_empty")]
    cpuset_cpus: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    cpuset_mems: &'a str,
}

#[derive(Serialize)]
struct SourceMapJson<'a> {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    locations: BTreeMap<&'a str, LocationsJson>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    infos: Vec<SourceInfoJson<'a>>,
}

#[derive(Serialize)]
struct LocationsJson {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<LocationJson>,
}

#[derive(Serialize)]
struct LocationJson {
    #[serde(rename = "sourceIndex", skip_serializing_if = "is_zero")]
    source_index: i32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ranges: Vec<RangeJson>,
}

#[derive(Serialize)]
struct RangeJson {
    start: PositionJson,
    end: PositionJson,
}

#[derive(Serialize)]
struct PositionJson {
    #[serde(skip_serializing_if = "is_zero")]
    line: i32,
    #[serde(skip_serializing_if = "is_zero")]
    character: i32,
}

fn is_zero<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

fn position(p: Option<&pb::Position>) -> PositionJson {
    PositionJson {
        line: p.map_or(0, |p| p.line),
        character: p.map_or(0, |p| p.character),
    }
}

fn ranges_json(ranges: &[pb::Range]) -> Vec<RangeJson> {
    ranges
        .iter()
        .map(|r| RangeJson {
            start: position(r.start.as_ref()),
            end: position(r.end.as_ref()),
        })
        .collect()
}

fn base64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// An op's metadata, decoded from the bytes the definition keeps, serialized as
/// [`OpMetadataJson`].
struct DecodedMetadata(pb::OpMetadata);

impl Serialize for DecodedMetadata {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        op_metadata_json(&self.0).serialize(serializer)
    }
}

fn op_metadata_json(md: &pb::OpMetadata) -> OpMetadataJson<'_> {
    OpMetadataJson {
        ignore_cache: md.ignore_cache,
        description: &md.description,
        export_cache: md
            .export_cache
            .as_ref()
            .map(|e| ExportCacheJson { value: e.value }),
        caps: &md.caps,
        progress_group: md.progress_group.as_ref().map(|g| ProgressGroupJson {
            id: &g.id,
            name: &g.name,
            weak: g.weak,
        }),
        linux_resources: md.linux_resources.as_ref().map(|r| LinuxResourcesJson {
            memory: r.memory,
            memory_swap: r.memory_swap,
            cpu_shares: r.cpu_shares,
            cpu_period: r.cpu_period,
            cpu_quota: r.cpu_quota,
            cpuset_cpus: &r.cpuset_cpus,
            cpuset_mems: &r.cpuset_mems,
        }),
    }
}

fn definition_json(def: &pb::Definition) -> DefinitionJson<'_> {
    DefinitionJson {
        def: def.def.iter().map(|op| base64(op)).collect(),
        metadata: def
            .metadata
            .iter()
            .map(|(digest, md)| (digest.as_str(), DecodedMetadata(md.decode())))
            .collect(),
        source: def.source.as_ref().map(|source| SourceMapJson {
            locations: source
                .locations
                .iter()
                .map(|(digest, l)| {
                    let locations = l
                        .locations
                        .iter()
                        .map(|l| LocationJson {
                            source_index: l.source_index,
                            ranges: ranges_json(&l.ranges),
                        })
                        .collect();
                    (digest.as_str(), LocationsJson { locations })
                })
                .collect(),
            infos: source.infos.iter().map(source_info_json).collect(),
        }),
    }
}

fn source_info_json(info: &pb::SourceInfo) -> SourceInfoJson<'_> {
    SourceInfoJson {
        filename: &info.filename,
        data: base64(&info.data),
        definition: info.definition.as_ref().map(definition_json),
        language: &info.language,
    }
}

/// One `errdefs.Source` detail per place the error is at, the first place first.
fn source_details(source: &ErrorSource) -> Vec<prost_types::Any> {
    std::iter::once(&source.ranges)
        .chain(&source.also)
        .map(|ranges| source_detail(source, ranges))
        .collect()
}

fn source_detail(source: &ErrorSource, ranges: &[pb::Range]) -> prost_types::Any {
    let json = SourceJson {
        info: SourceInfoJson {
            filename: &source.filename,
            data: base64(&source.data),
            definition: source.definition.as_ref().map(definition_json),
            language: "Dockerfile",
        },
        ranges: ranges_json(ranges),
    };
    prost_types::Any {
        type_url: SOURCE_TYPE_URL.to_string(),
        // Plain structs of strings and integers always serialise.
        value: serde_json::to_vec(&json).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn source_detail_is_the_errdefs_json() {
        let source = ErrorSource {
            filename: "Dockerfile".to_string(),
            data: b"FROM busybox\nRUNN x\n".to_vec(),
            definition: Some(pb::Definition {
                def: vec![b"op".to_vec().into()],
                metadata: BTreeMap::from([(
                    "sha256:aa".to_string(),
                    pb::OpMetadata {
                        caps: BTreeMap::from([("source.local".to_string(), true)]),
                        ..Default::default()
                    }
                    .into(),
                )]),
                source: None,
            }),
            ranges: vec![pb::Range {
                start: Some(pb::Position {
                    line: 2,
                    character: 0,
                }),
                end: Some(pb::Position {
                    line: 2,
                    character: 6,
                }),
            }],
            also: Vec::new(),
        };
        let status = error_status(
            tonic::Code::InvalidArgument,
            "Dockerfile:2:1: unknown instruction: RUNN".into(),
            Some(&source),
        );
        assert_eq!(status.code, 3);
        assert_eq!(
            status.details[0].type_url,
            "github.com/moby/buildkit/errdefs.Source+json"
        );
        let value: serde_json::Value = serde_json::from_slice(&status.details[0].value).unwrap();
        assert_eq!(
            value,
            serde_json::json!({
                "info": {
                    "filename": "Dockerfile",
                    "data": "RlJPTSBidXN5Ym94ClJVTk4geAo=",
                    "definition": {"def": ["b3A="], "metadata": {"sha256:aa": {"caps": {"source.local": true}}}},
                    "language": "Dockerfile"
                },
                "ranges": [{"start": {"line": 2}, "end": {"line": 2, "character": 6}}]
            })
        );
    }

    #[test]
    fn code_ok_is_never_sent() {
        assert_eq!(
            error_status(tonic::Code::Ok, "x".into(), None).code,
            tonic::Code::Unknown as i32
        );
    }

    #[test]
    fn unsupported_subrequest_names_the_id() {
        let status = unsupported_subrequest("frontend.lint");
        assert_eq!(status.message, "unsupported request frontend.lint");
        assert_eq!(status.details[0].value, br#"{"name":"frontend.lint"}"#);
    }
}
