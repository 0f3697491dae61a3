//! Subrequests (`requestid` opt): answers that are metadata, not a build (frontend/dockerui/requests.go,
//! frontend/subrequests). buildx re-parses `result.json` with Go structs, so field names, `null`s and
//! empty lists follow the Go encoding exactly; `result.txt` is the table Go's tabwriter prints.
//! Served: `frontend.subrequests.describe` and `frontend.targets`; any other id is "unsupported".

use std::io::Write as _;

use base64::Engine;
use serde::Serialize;

use crate::instructions::Dockerfile;
use crate::proto::moby::buildkit::v1::frontend as gw;

pub(crate) const DESCRIBE: &str = "frontend.subrequests.describe";
pub(crate) const TARGETS: &str = "frontend.targets";
const VERSION: &str = "1.0.0";

/// `subrequests.Request`.
#[derive(Serialize)]
struct Request {
    name: &'static str,
    version: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    description: &'static str,
    opts: Option<Vec<Named>>,
    inputs: Option<Vec<Named>>,
    metadata: Vec<Named>,
    refs: Option<Vec<Named>>,
}

#[derive(Serialize)]
struct Named {
    name: &'static str,
    description: &'static str,
}

fn text_results() -> Vec<Named> {
    vec![
        Named {
            name: "result.json",
            description: "",
        },
        Named {
            name: "result.txt",
            description: "",
        },
    ]
}

/// The requests we serve, in the reference's order (handlers first, describe last).
fn served() -> Vec<Request> {
    vec![
        Request {
            name: TARGETS,
            version: VERSION,
            kind: "rpc",
            description: "List all targets current build supports",
            opts: Some(Vec::new()),
            inputs: None,
            metadata: text_results(),
            refs: None,
        },
        Request {
            name: DESCRIBE,
            version: VERSION,
            kind: "rpc",
            description: "List available subrequest types",
            opts: None,
            inputs: None,
            metadata: text_results(),
            refs: None,
        },
    ]
}

/// `frontend.subrequests.describe`.
pub fn describe() -> gw::Result {
    let requests = served();
    let rows = requests.iter().map(|r| {
        vec![
            r.name.trim_start_matches("frontend.").to_string(),
            r.version.to_string(),
            r.description.to_string(),
        ]
    });
    let table = tabwrite(
        std::iter::once(vec!["NAME".into(), "VERSION".into(), "DESCRIPTION".into()]).chain(rows),
    );
    text_result(to_json_indented(&requests), table)
}

/// `targets.Target`; `omitempty` on every field.
#[derive(Serialize)]
struct Target {
    #[serde(skip_serializing_if = "String::is_empty")]
    name: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    default: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    base: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    platform: String,
    location: Location,
}

/// `pb.Location` as encoding/json writes it: zero fields omitted.
#[derive(Serialize)]
struct Location {
    ranges: Vec<Range>,
}

#[derive(Serialize)]
struct Range {
    start: Line,
    end: Line,
}

#[derive(Serialize)]
struct Line {
    line: usize,
}

#[derive(Serialize)]
struct TargetList {
    targets: Vec<Target>,
    /// `[][]byte`: base64 strings.
    sources: Vec<String>,
}

/// `frontend.targets`: every stage, the last one the default, as written (nothing expanded).
pub fn targets(dockerfile: &Dockerfile, source: &[u8]) -> gw::Result {
    let last = dockerfile.stages.len().saturating_sub(1);
    let targets: Vec<Target> = dockerfile
        .stages
        .iter()
        .enumerate()
        .map(|(i, stage)| Target {
            name: stage.name.clone().unwrap_or_default(),
            default: i == last,
            description: stage.comment.clone().unwrap_or_default(),
            base: stage.from.image.as_str().to_string(),
            platform: stage
                .from
                .platform
                .as_ref()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default(),
            location: Location {
                ranges: vec![Range {
                    start: Line {
                        line: stage.lines.start,
                    },
                    end: Line {
                        line: stage.lines.end,
                    },
                }],
            },
        })
        .collect();
    let rows = targets.iter().map(|t| {
        let name = match (t.name.is_empty(), t.default) {
            (true, true) => "(default)".to_string(),
            (false, true) => format!("{} (default)", t.name),
            _ => t.name.clone(),
        };
        vec![name, t.description.clone()]
    });
    let table = tabwrite(std::iter::once(vec!["TARGET".into(), "DESCRIPTION".into()]).chain(rows));
    let list = TargetList {
        targets,
        sources: vec![base64::engine::general_purpose::STANDARD.encode(source)],
    };
    text_result(to_json_indented(&list), table)
}

fn text_result(json: Vec<u8>, text: String) -> gw::Result {
    let mut result = gw::Result::default();
    result.metadata.insert("result.json".to_string(), json);
    result
        .metadata
        .insert("result.txt".to_string(), text.into_bytes());
    result
        .metadata
        .insert("version".to_string(), VERSION.as_bytes().to_vec());
    result
}

/// `json.MarshalIndent(v, "", "  ")`. These plain structs always serialise.
fn to_json_indented<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec_pretty(value).unwrap_or_default()
}

/// Go's `tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)` fed `fmt.Fprintf(w, "%s\t%s\n", ...)`: every
/// cell but a line's last is padded to its column's widest cell plus one space. A tab inside a
/// cell (a stage's comment can hold one) starts a new cell, as in Go; the one difference left is
/// that a cell before such a tab is measured in display columns (unicode-width) where Go counts
/// runes, and that Go also ends cells at `\v` and lines at `\f`.
fn tabwrite(rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut table = tabwriter::TabWriter::new(Vec::new()).minwidth(0).padding(1);
    for row in rows {
        // Writing into a Vec cannot fail.
        let _ = writeln!(table, "{}", row.join("\t"));
    }
    String::from_utf8(table.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn meta(result: &gw::Result, key: &str) -> String {
        String::from_utf8(result.metadata[key].clone()).unwrap()
    }

    #[test]
    fn describe_lists_targets_and_itself() {
        let result = describe();
        let json: serde_json::Value = serde_json::from_str(&meta(&result, "result.json")).unwrap();
        assert_eq!(json[0]["name"], "frontend.targets");
        assert_eq!(json[0]["opts"], serde_json::json!([]));
        assert_eq!(json[1]["opts"], serde_json::Value::Null);
        assert_eq!(
            json[1]["metadata"][1],
            serde_json::json!({"name": "result.txt", "description": ""})
        );
        assert_eq!(
            meta(&result, "result.txt"),
            "NAME                 VERSION DESCRIPTION\n\
             targets              1.0.0   List all targets current build supports\n\
             subrequests.describe 1.0.0   List available subrequest types\n"
        );
        assert_eq!(meta(&result, "version"), "1.0.0");
        assert!(result.result.is_none());
    }

    #[test]
    fn targets_lists_every_stage_last_is_default() {
        let text = "FROM busybox AS base\n# build compiles the app\nFROM --platform=$BUILDPLATFORM base AS build\nFROM scratch\n";
        let parsed = crate::instructions::parse_dockerfile(text.as_bytes(), "Dockerfile").unwrap();
        let result = targets(&parsed, text.as_bytes());
        let json: serde_json::Value = serde_json::from_str(&meta(&result, "result.json")).unwrap();
        assert_eq!(
            json["targets"],
            serde_json::json!([
                {"name": "base", "base": "busybox", "location": {"ranges": [{"start": {"line": 1}, "end": {"line": 1}}]}},
                {"name": "build", "description": "compiles the app", "base": "base", "platform": "$BUILDPLATFORM",
                 "location": {"ranges": [{"start": {"line": 3}, "end": {"line": 3}}]}},
                {"default": true, "base": "scratch", "location": {"ranges": [{"start": {"line": 4}, "end": {"line": 4}}]}}
            ])
        );
        assert_eq!(
            json["sources"][0],
            base64::engine::general_purpose::STANDARD.encode(text)
        );
        assert_eq!(
            meta(&result, "result.txt"),
            "TARGET    DESCRIPTION\nbase      \nbuild     compiles the app\n(default) \n"
        );
    }

    #[test]
    fn a_tab_in_a_description_is_a_cell_as_in_go() {
        // What Go's tabwriter prints for these rows (checked against Go 1.26).
        let rows = [
            ["TARGET", "DESCRIPTION"],
            ["a", "one\ttwo\tthree"],
            ["bb", ""],
            ["c", "x\ty"],
        ];
        assert_eq!(
            tabwrite(
                rows.iter()
                    .map(|r| r.iter().map(|c| c.to_string()).collect())
            ),
            "TARGET DESCRIPTION\na      one two three\nbb     \nc      x y\n"
        );
    }
}
