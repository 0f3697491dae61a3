//! Subrequests (`requestid` opt): answers that are metadata, not a build (frontend/dockerui/requests.go,
//! frontend/subrequests). buildx re-parses `result.json` with Go structs, so field names, `null`s and
//! empty lists follow the Go encoding exactly; `result.txt` is the table Go's tabwriter prints.
//! Served: `frontend.subrequests.describe`, `frontend.outline` and `frontend.targets`; any other
//! id is "unsupported".

use std::io::Write as _;

use base64::Engine;
use serde::Serialize;

use crate::convert::Outline;
use crate::instructions::{Dockerfile, LineRange};
use crate::proto::moby::buildkit::v1::frontend as gw;

pub(crate) const DESCRIBE: &str = "frontend.subrequests.describe";
pub(crate) const OUTLINE: &str = "frontend.outline";
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
            name: OUTLINE,
            version: VERSION,
            kind: "rpc",
            description: "List all parameters current build target supports",
            opts: Some(vec![Named {
                name: "target",
                description: "Target build stage",
            }]),
            inputs: None,
            metadata: text_results(),
            refs: None,
        },
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
        1,
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
            location: line_location(stage.lines),
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
    let table = tabwrite(
        1,
        std::iter::once(vec!["TARGET".into(), "DESCRIPTION".into()]).chain(rows),
    );
    let list = TargetList {
        targets,
        sources: vec![base64::engine::general_purpose::STANDARD.encode(source)],
    };
    text_result(to_json_indented(&list), table)
}

/// `outline.Outline`; `omitempty` on everything but an entry's name.
#[derive(Serialize)]
struct OutlineJson {
    #[serde(skip_serializing_if = "String::is_empty")]
    name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    args: Vec<ArgJson>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    secrets: Vec<MountJson>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ssh: Vec<MountJson>,
    /// `[][]byte`: base64 strings.
    sources: Vec<String>,
}

#[derive(Serialize)]
struct ArgJson {
    name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    value: String,
    location: Location,
}

#[derive(Serialize)]
struct MountJson {
    name: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    required: bool,
    location: Location,
}

/// `toSourceLocation`: one range per line.
fn line_location(lines: LineRange) -> Location {
    Location {
        ranges: (lines.start..=lines.end)
            .map(|line| Range {
                start: Line { line },
                end: Line { line },
            })
            .collect(),
    }
}

/// `frontend.outline`: the target's name and description, then what it uses, each with where
/// it is defined; the text is `PrintOutline`'s.
pub fn outline(outline: &Outline, source: &[u8]) -> gw::Result {
    let json = OutlineJson {
        name: outline.name.clone(),
        description: outline.description.clone(),
        args: outline
            .args
            .iter()
            .map(|a| ArgJson {
                name: a.name.clone(),
                description: a.description.clone(),
                value: a.value.clone(),
                location: line_location(a.lines),
            })
            .collect(),
        secrets: mounts_json(&outline.secrets),
        ssh: mounts_json(&outline.ssh),
        sources: vec![base64::engine::general_purpose::STANDARD.encode(source)],
    };
    let mut text = String::new();
    if !outline.name.is_empty() || !outline.description.is_empty() {
        let name = match outline.name.as_str() {
            "" => "(default)",
            name => name,
        };
        let mut rows = vec![vec!["TARGET:".to_string(), name.to_string()]];
        if !outline.description.is_empty() {
            rows.push(vec![
                "DESCRIPTION:".to_string(),
                outline.description.clone(),
            ]);
        }
        text.push_str(&tabwrite(1, rows.into_iter()));
        text.push('\n');
    }
    if !outline.args.is_empty() {
        let rows = outline
            .args
            .iter()
            .map(|a| vec![a.name.clone(), a.value.clone(), a.description.clone()]);
        let header = vec!["BUILD ARG".into(), "VALUE".into(), "DESCRIPTION".into()];
        text.push_str(&tabwrite(3, std::iter::once(header).chain(rows)));
        text.push('\n');
    }
    for (title, mounts) in [("SECRET", &outline.secrets), ("SSH", &outline.ssh)] {
        if mounts.is_empty() {
            continue;
        }
        let rows = mounts.iter().map(|m| {
            let required = if m.required { "true" } else { "" };
            vec![m.name.clone(), required.to_string()]
        });
        let header = vec![title.to_string(), "REQUIRED".to_string()];
        text.push_str(&tabwrite(3, std::iter::once(header).chain(rows)));
        text.push('\n');
    }
    text_result(to_json_indented(&json), text)
}

fn mounts_json(mounts: &[crate::convert::OutlineMount]) -> Vec<MountJson> {
    mounts
        .iter()
        .map(|m| MountJson {
            name: m.name.clone(),
            required: m.required,
            location: line_location(m.lines),
        })
        .collect()
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

/// `json.MarshalIndent(v, "", "  ")`.
fn to_json_indented<T: Serialize>(value: &T) -> Vec<u8> {
    crate::go::json::marshal_indent(value)
}

/// Go's `tabwriter.NewWriter(w, 0, 0, padding, ' ', 0)` fed `fmt.Fprintf(w, "%s\t%s\n", ...)`:
/// every cell but a line's last is padded to its column's widest cell plus `padding` spaces. A
/// tab inside a
/// cell (a stage's comment can hold one) starts a new cell, as in Go; the one difference left is
/// that a cell before such a tab is measured in display columns (unicode-width) where Go counts
/// runes, and that Go also ends cells at `\v` and lines at `\f`.
fn tabwrite(padding: usize, rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut table = tabwriter::TabWriter::new(Vec::new())
        .minwidth(0)
        .padding(padding);
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
    fn describe_lists_outline_targets_and_itself() {
        // tests/convert_reference.rs compares the whole result with the reference's.
        let result = describe();
        let json: serde_json::Value = serde_json::from_str(&meta(&result, "result.json")).unwrap();
        assert_eq!(json[0]["name"], "frontend.outline");
        assert_eq!(json[0]["opts"][0]["name"], "target");
        assert_eq!(json[1]["name"], "frontend.targets");
        assert_eq!(json[1]["opts"], serde_json::json!([]));
        assert_eq!(json[2]["opts"], serde_json::Value::Null);
        assert_eq!(
            meta(&result, "result.txt"),
            "NAME                 VERSION DESCRIPTION\n\
             outline              1.0.0   List all parameters current build target supports\n\
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
                1,
                rows.iter()
                    .map(|r| r.iter().map(|c| c.to_string()).collect())
            ),
            "TARGET DESCRIPTION\na      one two three\nbb     \nc      x y\n"
        );
    }
}
