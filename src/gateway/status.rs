//! Errors handed back to BuildKit through `Return`: a `google.rpc.Status` whose details are BuildKit's
//! typed errors. Those travel as `Any` with a `github.com/moby/buildkit/<type>+json` URL and a JSON value
//! (util/grpcerrors/grpcerrors.go `withDetails`), so `buildctl` and `buildx` can show the failing
//! Dockerfile lines (`errdefs.Source`) or fall back for unknown subrequests (`errdefs.Subrequest`).

use base64::Engine;
use serde::Serialize;

use crate::proto::google::rpc::Status;
use crate::proto::pb;

const SOURCE_TYPE_URL: &str = "github.com/moby/buildkit/errdefs.Source+json";
const SUBREQUEST_TYPE_URL: &str = "github.com/moby/buildkit/errdefs.Subrequest+json";

/// The Dockerfile an error points into, and where (lines 1-based, as in `pb.Position`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorSource {
    pub filename: String,
    pub data: Vec<u8>,
    pub ranges: Vec<pb::Range>,
}

/// A Status with code `code` (never 0: BuildKit reads 0 as success) and optional source details.
pub fn error_status(code: tonic::Code, message: String, source: Option<&ErrorSource>) -> Status {
    let code = match code {
        tonic::Code::Ok => tonic::Code::Unknown,
        c => c,
    };
    Status {
        code: code as i32,
        message,
        details: source.map(source_detail).into_iter().collect(),
    }
}

/// The error for a `requestid` we do not serve; buildx matches this message or the typed detail to
/// fall back (buildx build/build.go).
pub fn unsupported_subrequest(id: &str) -> Status {
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
    language: &'static str,
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

fn is_zero(v: &i32) -> bool {
    *v == 0
}

fn position(p: Option<&pb::Position>) -> PositionJson {
    PositionJson {
        line: p.map_or(0, |p| p.line),
        character: p.map_or(0, |p| p.character),
    }
}

fn source_detail(source: &ErrorSource) -> prost_types::Any {
    let json = SourceJson {
        info: SourceInfoJson {
            filename: &source.filename,
            data: base64::engine::general_purpose::STANDARD.encode(&source.data),
            language: "Dockerfile",
        },
        ranges: source
            .ranges
            .iter()
            .map(|r| RangeJson {
                start: position(r.start.as_ref()),
                end: position(r.end.as_ref()),
            })
            .collect(),
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
                "info": {"filename": "Dockerfile", "data": "RlJPTSBidXN5Ym94ClJVTk4geAo=", "language": "Dockerfile"},
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
