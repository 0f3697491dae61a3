//! Subrequests (`requestid` opt): answers that are metadata, not a build (frontend/dockerui/requests.go,
//! frontend/subrequests). buildx re-parses `result.json` with Go structs, so field names, `null`s and
//! empty lists follow the Go encoding exactly; `result.txt` is the table Go's tabwriter prints.
//! Served: `frontend.subrequests.describe`, `frontend.outline`, `frontend.targets`,
//! `frontend.lint` and `frontend.convertllb` (the last two, as in the reference, not listed by
//! describe: dockerui's describe names only outline, targets and itself); any other id is
//! "unsupported".

use std::io::Write as _;

use base64::Engine;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::convert::{self, BuildOptions, ConvertError, ConvertOptions, Converted, Outline};
use crate::instructions::{parse_dockerfile_report, Dockerfile, LineRange, ParseReport};
use crate::proto::moby::buildkit::v1::frontend as gw;
use crate::proto::pb;
use crate::syntax::Diagnostic;

use super::local_source::DockerfileSource;

pub(crate) const CONVERT_LLB: &str = "frontend.convertllb";
pub(crate) const DESCRIBE: &str = "frontend.subrequests.describe";
pub(crate) const LINT: &str = "frontend.lint";
pub(crate) const OUTLINE: &str = "frontend.outline";
pub(crate) const TARGETS: &str = "frontend.targets";
const VERSION: &str = "1.0.0";
/// `convertllb.SubrequestConvertLLBDefinition.Version`.
const CONVERT_LLB_VERSION: &str = "0.1.0";

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

/// The error that ended a lint's conversion: the reference's text, and the lines it is
/// located at (none for an error the reference does not locate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintError {
    pub message: String,
    pub lines: Option<LineRange>,
}

/// What a lint (`DockerfileLint`) found: the build checks reported, in order, and the error
/// that ended the conversion, which is a finding, not a failure of the request.
#[derive(Debug, Default)]
pub struct Lint {
    pub warnings: Vec<Diagnostic>,
    pub error: Option<LintError>,
}

impl Lint {
    /// The lint up to the conversion: the Dockerfile to convert with the parser's checks in
    /// force, or the findings of one that does not get that far (checks that do not parse,
    /// known before anything else, or the parse error after the warnings given before it).
    pub fn parse(
        dockerfile: &DockerfileSource,
        build: &BuildOptions,
    ) -> Result<(Dockerfile, Lint), Lint> {
        let ParseReport {
            dockerfile: parsed,
            warnings: early,
            directives,
        } = parse_dockerfile_report(&dockerfile.data, &dockerfile.filename);
        let check = match convert::check_config(&directives, build) {
            Ok(check) => check,
            Err(e) => return Err(Lint::default().ended(e)),
        };
        let mut lint = Lint {
            warnings: check.filter(early),
            error: None,
        };
        match parsed {
            Ok(parsed) => Ok((parsed, lint)),
            Err(d) => {
                lint.error = Some(LintError {
                    message: d.reference_text(),
                    lines: Some(d.instruction_lines.unwrap_or_else(|| d.lines())),
                });
                Err(lint)
            }
        }
    }

    /// The conversion the lint makes of `options`: for the build platform (the reference's
    /// lint is given no target platform), of every stage unless a target is asked for.
    pub fn options(mut options: ConvertOptions) -> ConvertOptions {
        options.target_platform = None;
        options.build.multi_platform = false;
        options.all_stages = options.build.target.is_none();
        options
    }

    /// The conversion's checks, and its error.
    pub fn converted(mut self, result: Result<Converted, ConvertError>) -> Lint {
        match result {
            Ok(converted) => {
                self.warnings.extend(converted.warnings);
                self
            }
            Err(e) => self.ended(e),
        }
    }

    /// The conversion failed: the checks given before, then the error.
    pub fn ended(mut self, e: ConvertError) -> Lint {
        self.warnings.extend(e.warnings);
        self.error = Some(LintError {
            message: e.message,
            lines: e.location.map(|l| LineRange {
                start: l.start_line,
                end: l.end_line,
            }),
        });
        self
    }
}

/// `frontend.lint` (`lint.LintResults.ToResult`): the build checks reported, located in the
/// Dockerfile (its only source), and the error that ended the conversion. result.txt is
/// `PrintLintViolations`: each warning, ordered by line, with the Dockerfile's lines around it;
/// result.statuscode is 1 when there is a warning or an error.
pub fn lint(dockerfile: &DockerfileSource, found: &Lint) -> gw::Result {
    let error = found.error.as_ref();
    let reported: Vec<(&Diagnostic, &crate::syntax::rules::Rule)> = found
        .warnings
        .iter()
        .filter_map(|w| Some((w, w.rule?)))
        .collect();
    let ranges = |lines: Option<LineRange>| -> Value {
        let mut location = Map::new();
        if let Some(lines) = lines {
            location.insert(
                "ranges".into(),
                (lines.start..=lines.end)
                    .map(|line| json!({"start": {"line": line}, "end": {"line": line}}))
                    .collect(),
            );
        }
        Value::Object(location)
    };
    let warnings_json: Vec<Value> = reported
        .iter()
        .map(|(w, rule)| {
            let mut entry = Map::new();
            entry.insert("ruleName".into(), rule.name.into());
            insert_nonempty(&mut entry, "description", rule.description);
            insert_nonempty(&mut entry, "url", rule.url);
            insert_nonempty(&mut entry, "detail", &w.message);
            entry.insert("location".into(), ranges(w.instruction_lines));
            Value::Object(entry)
        })
        .collect();
    let mut results = Map::new();
    // A nil slice when nothing was reported.
    results.insert(
        "warnings".into(),
        if warnings_json.is_empty() {
            Value::Null
        } else {
            Value::Array(warnings_json)
        },
    );
    results.insert(
        "sources".into(),
        json!([source_info_json(&pb::SourceInfo {
            filename: dockerfile.filename.clone(),
            data: dockerfile.data.clone(),
            // None offline (`dockerfile-llb check`), where no LLB read the Dockerfile.
            definition: (dockerfile.definition != pb::Definition::default())
                .then(|| dockerfile.definition.clone()),
            language: "Dockerfile".to_string(),
        })]),
    );
    if let Some(error) = error {
        // One range per line: `mergeLocations` joins overlapping ranges only.
        results.insert(
            "buildError".into(),
            json!({"message": error.message, "location": ranges(error.lines)}),
        );
    }

    let mut text = Vec::new();
    // With Go's sort.Slice, whose order of warnings on one line is what the text shows.
    let mut sorted = reported.clone();
    crate::go::sort::sort_slice(&mut sorted, |(a, ra), (b, rb)| {
        match (a.instruction_lines, b.instruction_lines) {
            (None, None) => ra.name < rb.name,
            (None, Some(_)) => true,
            (Some(_), None) => false,
            (Some(x), Some(y)) => x.start < y.start,
        }
    });
    for (w, rule) in sorted {
        text.extend_from_slice(format!("\nWARNING: {}", rule.name).as_bytes());
        if !rule.url.is_empty() {
            text.extend_from_slice(format!(" - {}", rule.url).as_bytes());
        }
        text.extend_from_slice(format!("\n{}\n", w.message).as_bytes());
        if let Some(lines) = w.instruction_lines {
            print_source(&mut text, &dockerfile.filename, &dockerfile.data, lines);
        }
    }
    let status = if reported.is_empty() && error.is_none() {
        "0"
    } else {
        "1"
    };
    let mut result = gw::Result::default();
    result.metadata.insert(
        "result.json".to_string(),
        to_json_indented(&Value::Object(results)),
    );
    result.metadata.insert("result.txt".to_string(), text);
    result
        .metadata
        .insert("result.statuscode".to_string(), status.as_bytes().to_vec());
    result
        .metadata
        .insert("version".to_string(), VERSION.as_bytes().to_vec());
    result
}

fn insert_nonempty(map: &mut Map<String, Value>, key: &str, value: &str) {
    if !value.is_empty() {
        map.insert(key.into(), value.into());
    }
}

/// `errdefs.Source.Print`: `file:line`, then the lines around `lines` (two more on each side
/// when it is more than one line, four when it is one, as the file allows), those of `lines`
/// marked `>>>`.
fn print_source(out: &mut Vec<u8>, filename: &str, data: &[u8], lines: LineRange) {
    let all: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    let (mut start, mut end) = (lines.start, lines.end.max(lines.start));
    if start > all.len() || start < 1 {
        return;
    }
    end = end.min(all.len());
    let pad = if end == start { 4 } else { 2 };
    let first = start;
    // The reference's loop: each round may widen both ends and counts one more besides.
    let mut p = 0;
    while p < pad {
        if start > 1 {
            start -= 1;
            p += 1;
        }
        if end != all.len() {
            end += 1;
            p += 1;
        }
        p += 1;
    }
    out.extend_from_slice(format!("{filename}:{first}\n--------------------\n").as_bytes());
    for (i, line) in all.iter().enumerate().take(end).skip(start - 1) {
        let number = i + 1;
        let marker = if (lines.start..=lines.end).contains(&number) {
            ">>>"
        } else {
            "   "
        };
        out.extend_from_slice(format!(" {number:3} | {marker} ").as_bytes());
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    out.extend_from_slice(b"--------------------\n");
}

/// `frontend.convertllb` (`convertllb.Result.ToResult`): the target's definition, each op
/// through protojson under its digest, the metadata as llb.OpMetadata's encoding/json, the
/// source map through protojson; `json.MarshalIndent` of that, and the version. No result.txt.
pub fn convert_llb(definition: &pb::Definition) -> Result<gw::Result, String> {
    let mut ops = std::collections::BTreeMap::new();
    for op in &definition.def {
        let digest = crate::llb::Digest::of(op).to_string();
        ops.insert(digest, crate::proto::protojson::marshal("pb.Op", op)?);
    }
    let source = match &definition.source {
        Some(source) => {
            use prost::Message as _;
            crate::proto::protojson::marshal("pb.Source", &source.encode_to_vec())?
        }
        None => Value::Object(Map::new()),
    };
    let result = json!({
        "def": ops.into_iter().collect::<Map<_, _>>(),
        "metadata": definition
            .metadata
            .iter()
            .map(|(k, m)| (k.clone(), op_metadata_json(&m.decode())))
            .collect::<Map<_, _>>(),
        "source": source,
    });
    let mut out = gw::Result::default();
    out.metadata
        .insert("result.json".to_string(), to_json_indented(&result));
    out.metadata.insert(
        "version".to_string(),
        CONVERT_LLB_VERSION.as_bytes().to_vec(),
    );
    Ok(out)
}

/// `pb.SourceInfo` as encoding/json writes the generated struct: zero fields left out, bytes in
/// base64, maps by key.
fn source_info_json(info: &pb::SourceInfo) -> Value {
    let mut out = Map::new();
    insert_nonempty(&mut out, "filename", &info.filename);
    if !info.data.is_empty() {
        out.insert("data".into(), base64_json(&info.data));
    }
    if let Some(def) = &info.definition {
        let mut d = Map::new();
        if !def.def.is_empty() {
            d.insert(
                "def".into(),
                def.def.iter().map(|op| base64_json(op)).collect(),
            );
        }
        if !def.metadata.is_empty() {
            d.insert(
                "metadata".into(),
                def.metadata
                    .iter()
                    .map(|(k, m)| (k.clone(), op_metadata_json(&m.decode())))
                    .collect::<Map<_, _>>()
                    .into(),
            );
        }
        if let Some(source) = &def.source {
            let mut s = Map::new();
            if !source.locations.is_empty() {
                let locations: Map<String, Value> = source
                    .locations
                    .iter()
                    .map(|(k, l)| {
                        let mut ls = Map::new();
                        if !l.locations.is_empty() {
                            ls.insert(
                                "locations".into(),
                                l.locations.iter().map(location_json).collect(),
                            );
                        }
                        (k.clone(), Value::Object(ls))
                    })
                    .collect();
                s.insert("locations".into(), locations.into());
            }
            if !source.infos.is_empty() {
                s.insert(
                    "infos".into(),
                    source.infos.iter().map(source_info_json).collect(),
                );
            }
            d.insert("Source".into(), Value::Object(s));
        }
        out.insert("definition".into(), Value::Object(d));
    }
    insert_nonempty(&mut out, "language", &info.language);
    Value::Object(out)
}

fn op_metadata_json(m: &pb::OpMetadata) -> Value {
    let mut out = Map::new();
    if m.ignore_cache {
        out.insert("ignore_cache".into(), true.into());
    }
    if !m.description.is_empty() {
        out.insert("description".into(), json!(m.description));
    }
    if let Some(e) = &m.export_cache {
        out.insert(
            "export_cache".into(),
            if e.value {
                json!({"Value": true})
            } else {
                json!({})
            },
        );
    }
    if !m.caps.is_empty() {
        out.insert("caps".into(), json!(m.caps));
    }
    if let Some(g) = &m.progress_group {
        let mut group = Map::new();
        insert_nonempty(&mut group, "id", &g.id);
        insert_nonempty(&mut group, "name", &g.name);
        if g.weak {
            group.insert("weak".into(), true.into());
        }
        out.insert("progress_group".into(), Value::Object(group));
    }
    if let Some(r) = &m.linux_resources {
        let mut res = Map::new();
        for (key, value, set) in [
            ("memory", Value::from(r.memory), r.memory != 0),
            ("memorySwap", r.memory_swap.into(), r.memory_swap != 0),
            ("cpuShares", r.cpu_shares.into(), r.cpu_shares != 0),
            ("cpuPeriod", r.cpu_period.into(), r.cpu_period != 0),
            ("cpuQuota", r.cpu_quota.into(), r.cpu_quota != 0),
        ] {
            if set {
                res.insert(key.into(), value);
            }
        }
        insert_nonempty(&mut res, "cpusetCpus", &r.cpuset_cpus);
        insert_nonempty(&mut res, "cpusetMems", &r.cpuset_mems);
        out.insert("linux_resources".into(), Value::Object(res));
    }
    Value::Object(out)
}

fn location_json(l: &pb::Location) -> Value {
    let mut out = Map::new();
    if l.source_index != 0 {
        out.insert("sourceIndex".into(), l.source_index.into());
    }
    if !l.ranges.is_empty() {
        let position = |p: &Option<pb::Position>| {
            p.as_ref().map(|p| {
                let mut pos = Map::new();
                if p.line != 0 {
                    pos.insert("line".into(), p.line.into());
                }
                if p.character != 0 {
                    pos.insert("character".into(), p.character.into());
                }
                Value::Object(pos)
            })
        };
        let ranges = l.ranges.iter().map(|r| {
            let mut range = Map::new();
            if let Some(start) = position(&r.start) {
                range.insert("start".into(), start);
            }
            if let Some(end) = position(&r.end) {
                range.insert("end".into(), end);
            }
            Value::Object(range)
        });
        out.insert("ranges".into(), ranges.collect());
    }
    Value::Object(out)
}

fn base64_json(data: &[u8]) -> Value {
    base64::engine::general_purpose::STANDARD
        .encode(data)
        .into()
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
