//! End-to-end conversion tests: Dockerfile text -> plan -> (table of resolved images) ->
//! convert, snapshotting the LLB (as readable JSON) and the image config.

use std::collections::BTreeMap;

use dockerfile_llb::convert::{
    self, BuildOptions, ConvertOptions, Converted, ImageRequest, NoCache, Platform, ResolvedImage,
    ResolvedImages,
};
use dockerfile_llb::instructions::parse_dockerfile;
use dockerfile_llb::proto::pb;
use prost::Message;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

fn options(source: &str) -> ConvertOptions {
    ConvertOptions {
        build: BuildOptions {
            build_platform: Platform::new("linux", "amd64"),
            ..BuildOptions::default()
        },
        session_id: "test-session".to_string(),
        source: source.as_bytes().to_vec(),
        ..ConvertOptions::default()
    }
}

/// A base image config as a registry would serve it: one layer, PATH and a CMD.
fn image_config(reference: &str, platform: &Platform) -> Vec<u8> {
    let mut env =
        vec!["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string()];
    let mut cmd = vec!["sh".to_string()];
    let mut workdir = "";
    if reference.contains("python") {
        env.push("LANG=C.UTF-8".to_string());
        env.push("PYTHON_VERSION=3.12.7".to_string());
        cmd = vec!["python3".to_string()];
    }
    if reference.contains("node") {
        env.push("NODE_VERSION=20.18.0".to_string());
        cmd = vec!["node".to_string()];
    }
    if reference.contains("nginx") {
        cmd = vec![
            "nginx".to_string(),
            "-g".to_string(),
            "daemon off;".to_string(),
        ];
        workdir = "/usr/share/nginx/html";
    }
    serde_json::to_vec(&json!({
        "architecture": platform.architecture,
        "os": platform.os,
        "created": "2024-10-01T00:00:00Z",
        "config": { "Env": env, "Cmd": cmd, "WorkingDir": workdir },
        "rootfs": { "type": "layers", "diff_ids": [format!("sha256:{}", hex(reference.as_bytes()))] },
        "history": [{ "created_by": "base layer" }]
    }))
    .unwrap()
}

fn hex(data: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(data);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn resolve(requests: &[ImageRequest]) -> ResolvedImages {
    let mut images = ResolvedImages::new();
    for r in requests {
        images.insert(
            r,
            ResolvedImage {
                digest: Some(format!(
                    "sha256:{}",
                    hex(format!("manifest of {}", r.reference).as_bytes())
                )),
                config: image_config(&r.reference, &r.platform),
                reference: None,
            },
        );
    }
    images
}

fn build(source: &str, opts: ConvertOptions) -> (Vec<ImageRequest>, Converted) {
    let df = parse_dockerfile(source.as_bytes(), "Dockerfile")
        .unwrap_or_else(|d| panic!("parse: {}", d.message));
    let requests = convert::plan(&df, &opts, &ResolvedImages::new())
        .unwrap_or_else(|e| panic!("plan: {e}"))
        .requests()
        .to_vec();
    let images = resolve(&requests);
    let converted =
        convert::convert(&df, &opts, &images).unwrap_or_else(|e| panic!("convert: {e}"));
    (requests, converted)
}

/// The LLB as readable JSON, in definition order, ops named by digest prefix.
fn dump(def: &pb::Definition) -> Value {
    let short = |d: &str| d.trim_start_matches("sha256:")[..12].to_string();
    let mut ops = Vec::new();
    for bytes in &def.def {
        let op = pb::Op::decode(&bytes[..]).unwrap();
        let digest = format!("sha256:{}", hex(bytes));
        let mut v = json!({ "digest": short(&digest) });
        if !op.inputs.is_empty() {
            v["inputs"] = json!(op
                .inputs
                .iter()
                .map(|i| format!("{}:{}", short(&i.digest), i.index))
                .collect::<Vec<_>>());
        }
        if let Some(p) = &op.platform {
            v["platform"] = json!(format!(
                "{}/{}{}",
                p.os,
                p.architecture,
                if p.variant.is_empty() {
                    String::new()
                } else {
                    format!("/{}", p.variant)
                }
            ));
        }
        match &op.op {
            Some(pb::op::Op::Source(s)) => {
                v["source"] = json!({ "identifier": s.identifier, "attrs": s.attrs })
            }
            Some(pb::op::Op::Exec(e)) => {
                let meta = e.meta.clone().unwrap_or_default();
                let mounts: Vec<Value> = e
                    .mounts
                    .iter()
                    .map(|m| {
                        let mut mv =
                            json!({ "dest": m.dest, "input": m.input, "output": m.output });
                        if m.readonly {
                            mv["readonly"] = json!(true);
                        }
                        if !m.selector.is_empty() {
                            mv["selector"] = json!(m.selector);
                        }
                        if m.mount_type != 0 {
                            mv["type"] = json!(m.mount_type);
                        }
                        if let Some(c) = &m.cache_opt {
                            mv["cache"] = json!({ "id": c.id, "sharing": c.sharing });
                        }
                        mv
                    })
                    .collect();
                v["exec"] = json!({
                    "args": meta.args, "env": meta.env, "cwd": meta.cwd, "user": meta.user,
                    "network": e.network, "mounts": mounts,
                });
            }
            Some(pb::op::Op::File(f)) => {
                let actions: Vec<Value> = f
                    .actions
                    .iter()
                    .map(|a| {
                        let mut av = json!({ "input": a.input, "secondaryInput": a.secondary_input, "output": a.output });
                        match &a.action {
                            Some(pb::file_action::Action::Copy(c)) => {
                                av["copy"] = json!({
                                    "src": c.src, "dest": c.dest, "mode": c.mode, "owner": format!("{:?}", c.owner),
                                    "followSymlink": c.follow_symlink, "dirCopyContents": c.dir_copy_contents,
                                    "createDestPath": c.create_dest_path, "allowWildcard": c.allow_wildcard,
                                    "allowEmptyWildcard": c.allow_empty_wildcard, "unpack": c.attempt_unpack_docker_compatibility,
                                    "timestamp": c.timestamp,
                                })
                            }
                            Some(pb::file_action::Action::Mkdir(m)) => {
                                av["mkdir"] = json!({ "path": m.path, "mode": format!("{:o}", m.mode), "makeParents": m.make_parents, "owner": format!("{:?}", m.owner) })
                            }
                            Some(pb::file_action::Action::Mkfile(m)) => {
                                av["mkfile"] = json!({ "path": m.path, "mode": format!("{:o}", m.mode), "data": String::from_utf8_lossy(&m.data) })
                            }
                            other => av["other"] = json!(format!("{other:?}")),
                        }
                        av
                    })
                    .collect();
                v["file"] = json!(actions);
            }
            Some(pb::op::Op::Merge(m)) => {
                v["merge"] = json!(m.inputs.iter().map(|i| i.input).collect::<Vec<_>>())
            }
            None => v["terminal"] = json!(true),
            other => v["other"] = json!(format!("{other:?}")),
        }
        if let Some(md) = def.metadata.get(&digest).map(pb::OpMetadataBytes::decode) {
            let mut mv = json!({});
            if md.ignore_cache {
                mv["ignoreCache"] = json!(true);
            }
            if !md.description.is_empty() {
                mv["description"] = json!(md.description);
            }
            if !md.caps.is_empty() {
                mv["caps"] = json!(md.caps.keys().collect::<Vec<_>>());
            }
            v["metadata"] = mv;
        }
        // Ops without a location have an empty entry, as in the Go client's source maps.
        if let Some(locs) = def
            .source
            .as_ref()
            .and_then(|s| s.locations.get(&digest))
            .filter(|l| !l.locations.is_empty())
        {
            let lines: Vec<String> = locs
                .locations
                .iter()
                .flat_map(|l| l.ranges.iter())
                .map(|r| {
                    format!(
                        "{}-{}",
                        r.start.unwrap_or_default().line,
                        r.end.unwrap_or_default().line
                    )
                })
                .collect();
            v["lines"] = json!(lines);
        }
        ops.push(v);
    }
    json!(ops)
}

fn config_json(c: &Converted) -> Value {
    serde_json::from_slice(&c.image_config.to_json()).unwrap()
}

fn snapshot(name: &str, source: &str, opts: ConvertOptions) {
    let (requests, converted) = build(source, opts);
    let reqs: Vec<Value> = requests
        .iter()
        .map(|r| json!({ "ref": r.reference, "platform": r.platform.format(), "log": r.log_name }))
        .collect();
    insta::assert_json_snapshot!(format!("{name}__plan"), reqs);
    insta::assert_json_snapshot!(format!("{name}__llb"), dump(&converted.definition));
    insta::assert_json_snapshot!(format!("{name}__config"), config_json(&converted));
}

const SYSTEM_BUILDER: &str = r#"FROM debian:bookworm-slim AS system_builder
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update && apt-get install -y --no-install-recommends build-essential
WORKDIR /build

FROM system_builder
ENV APP_HOME=/app
WORKDIR $APP_HOME
COPY . .
RUN make -C $APP_HOME
"#;

#[test]
fn pattern1_stage_reused_as_base_with_target() {
    let mut opts = options(SYSTEM_BUILDER);
    opts.build.target = Some("system_builder".to_string());
    snapshot("pattern1_target_system_builder", SYSTEM_BUILDER, opts);
    snapshot("pattern1_full", SYSTEM_BUILDER, options(SYSTEM_BUILDER));
}

const PYTHON_APP: &str = r#"FROM python:3.12-slim AS backend-builder
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir --prefix=/app/deps -r requirements.txt
COPY src/ ./src/

FROM python:3.12-slim
COPY --from=backend-builder /app /app
ENV PYTHONPATH=/app/deps/lib/python3.12/site-packages
EXPOSE 8000
CMD ["python", "-m", "src.server"]
"#;

#[test]
fn pattern2_python_builder_and_slim_final() {
    snapshot("pattern2_python", PYTHON_APP, options(PYTHON_APP));
}

const COPY_FROM_INDEX_AND_IMAGE: &str = r#"FROM golang:1.23 AS build
WORKDIR /src
COPY main.go .
RUN go build -o /out/app main.go

FROM alpine:3.20
COPY --from=0 /out/app /usr/local/bin/app
COPY --from=nginx:1.27 /etc/nginx/nginx.conf /etc/nginx/nginx.conf
ENTRYPOINT ["/usr/local/bin/app"]
"#;

#[test]
fn pattern3_copy_from_index_and_external_image() {
    snapshot(
        "pattern3_copy_from",
        COPY_FROM_INDEX_AND_IMAGE,
        options(COPY_FROM_INDEX_AND_IMAGE),
    );
}

const NODE_APP: &str = r#"from node:20-alpine as build
workdir /app
copy package*.json ./
run npm ci
copy . .
run npm run build

from nginx:alpine as server
copy --from=build /app/dist /usr/share/nginx/html
expose 80
"#;

#[test]
fn pattern4_lowercase_and_package_json_glob() {
    snapshot("pattern4_node", NODE_APP, options(NODE_APP));
}

const C_PROGRAM: &str = r#"FROM gcc:14 AS dev
WORKDIR /src
COPY hello.c .
RUN gcc -static -O2 -o hello hello.c

FROM scratch AS release
COPY --from=dev /src/hello /hello
ENTRYPOINT ["/hello"]
"#;

#[test]
fn pattern5_c_program_into_scratch_and_dev_target() {
    snapshot("pattern5_release", C_PROGRAM, options(C_PROGRAM));
    let mut opts = options(C_PROGRAM);
    opts.build.target = Some("DEV".to_string());
    snapshot("pattern5_target_dev", C_PROGRAM, opts);
}

#[test]
fn stage_not_needed_by_target_is_not_in_the_graph() {
    let src = "FROM alpine AS unused\nRUN echo never\n\nFROM busybox AS wanted\nRUN echo built\n";
    let (requests, converted) = build(src, options(src));
    assert_eq!(requests.len(), 1, "only busybox is resolved: {requests:?}");
    assert_eq!(requests[0].reference, "docker.io/library/busybox:latest");
    let text = serde_json::to_string(&dump(&converted.definition)).unwrap();
    assert!(text.contains("echo built"));
    assert!(!text.contains("echo never"));
    assert!(!text.contains("alpine"));
}

#[test]
fn identical_input_gives_identical_definitions() {
    let a = build(PYTHON_APP, options(PYTHON_APP)).1;
    let b = build(PYTHON_APP, options(PYTHON_APP)).1;
    assert_eq!(a.definition.encode_to_vec(), b.definition.encode_to_vec());
    assert_eq!(a.image_config.to_json(), b.image_config.to_json());
}

#[test]
fn independent_stages_are_independent_branches() {
    let src = "FROM alpine AS a\nRUN echo a > /a\nFROM alpine AS b\nRUN echo b > /b\nFROM scratch\nCOPY --from=a /a /a\nCOPY --from=b /b /b\n";
    let (_, converted) = build(src, options(src));
    let ops = dump(&converted.definition);
    let execs: Vec<&Value> = ops
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o.get("exec").is_some())
        .collect();
    assert_eq!(execs.len(), 2);
    // Both RUNs read the same alpine source op, not each other.
    assert_eq!(execs[0]["inputs"], execs[1]["inputs"]);
}

#[test]
fn no_cache_marks_run_and_copy_of_named_stages() {
    let src = "FROM alpine AS a\nRUN echo a\nCOPY x /x\nFROM a AS b\nRUN echo b\n";
    let mut opts = options(src);
    opts.build.no_cache = NoCache::Stages(["B".to_string()].into_iter().collect());
    let (_, converted) = build(src, opts);
    let ops = dump(&converted.definition);
    let ignored: Vec<String> = ops
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["metadata"]["ignoreCache"] == json!(true))
        .map(|o| {
            o["metadata"]["description"]["llb.customname"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ignored, vec!["[b 1/1] RUN echo b"]);
}

#[test]
fn global_args_in_from_and_build_args() {
    let src = "ARG VERSION=3.19\nARG BASE=alpine:${VERSION}\nFROM ${BASE}\nARG VERSION\nRUN echo $VERSION\n";
    let mut opts = options(src);
    let (requests, converted) = build(src, opts.clone());
    assert_eq!(requests[0].reference, "docker.io/library/alpine:3.19");
    let hist: Vec<String> = converted
        .image_config
        .history
        .iter()
        .map(|h| h.created_by.clone())
        .collect();
    assert_eq!(
        hist.last().unwrap(),
        "RUN |1 VERSION=3.19 /bin/sh -c echo $VERSION # buildkit"
    );
    opts.build.build_args = BTreeMap::from([("VERSION".to_string(), "3.20".to_string())]);
    let (requests, _) = build(src, opts);
    assert_eq!(requests[0].reference, "docker.io/library/alpine:3.20");
}

#[test]
fn errors_are_located() {
    let src = "FROM alpine\nCOPY --from=$X /a /b\n";
    let df = parse_dockerfile(src.as_bytes(), "Dockerfile").unwrap();
    let err = convert::plan(&df, &options(src), &ResolvedImages::new())
        .err()
        .expect("an error");
    assert!(
        err.message
            .contains("variable expansion is not supported for --from"),
        "{err}"
    );
    assert_eq!(err.location.unwrap().start_line, 2);

    let src = "FROM alpine AS a\nFROM a\n";
    let df = parse_dockerfile(src.as_bytes(), "Dockerfile").unwrap();
    let mut opts = options(src);
    opts.build.target = Some("nope".to_string());
    let err = convert::plan(&df, &opts, &ResolvedImages::new())
        .err()
        .expect("an error");
    assert_eq!(err.message, "target stage \"nope\" could not be found");
}
