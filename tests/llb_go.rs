//! Checks our LLB against BuildKit's own Go code: the Go client must build the same ops (same
//! digests, same metadata) for the same graph, BuildKit's Go types must re-marshal every op to
//! our exact bytes, and `buildctl debug dump-llb` must parse our definitions.
//! Needs `go` (part of the project environment) and the tools of scripts/install-tools.sh.

mod go_program;
mod llb_support;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use dockerfile_llb::llb::{Definition, Digest, Source, SourceMap};
use dockerfile_llb::proto::pb;
use prost::Message;

/// Builds tests/go/llb-check once per test run.
fn checker() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| go_program::build("llb-check"))
}

fn run(program: &Path, args: &[&str], stdin: &[u8]) -> (bool, Vec<u8>, String) {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.success(),
        output.stdout,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn ops_by_digest(def: &pb::Definition) -> BTreeMap<String, Vec<u8>> {
    def.def
        .iter()
        .map(|op| (Digest::of(op).to_string(), op.to_vec()))
        .collect()
}

/// Compares our marshaling of `ours` with the Go client's for reference graph `name`.
fn assert_same_as_go(name: &str, ours: &dockerfile_llb::llb::Output) {
    let (ok, stdout, stderr) = run(checker(), &["reference", name], b"");
    assert!(ok, "llb-check reference {name} failed: {stderr}");
    let go = pb::Definition::decode(&stdout[..]).unwrap();
    let ours = Definition::marshal(ours);
    let ours = ours.to_pb();

    let go_ops = ops_by_digest(&go);
    let our_ops = ops_by_digest(ours);
    let decoded = |ops: &BTreeMap<String, Vec<u8>>| -> Vec<pb::Op> {
        ops.values()
            .map(|b| pb::Op::decode(&b[..]).unwrap())
            .collect()
    };
    for digest in go_ops.keys() {
        assert!(
            our_ops.contains_key(digest),
            "{name}: Go has op {digest} that we do not build.\nGo:\n{:#?}\nours:\n{:#?}",
            pb::Op::decode(&go_ops[digest][..]).unwrap(),
            decoded(&our_ops)
        );
    }
    assert_eq!(our_ops, go_ops, "{name}: we build ops Go does not");
    // Same terminal op (so the same head), and the same metadata for every op.
    assert_eq!(ours.def.last(), go.def.last());
    pretty_assertions::assert_eq!(ours.metadata, go.metadata);
}

#[test]
fn go_client_builds_the_same_ops_and_metadata() {
    assert_same_as_go("all-ops", &llb_support::reference_graph());
    assert_same_as_go("edge-cases", &llb_support::edge_cases_graph());
    assert_same_as_go("linux-resources", &llb_support::linux_resources_graph());
    assert_same_as_go("git-sources", &llb_support::git_sources_graph());
}

/// The `def` and `metadata` fields of an encoded Definition, raw and in order: all of it but the
/// source map, where Go adds an empty location list per op.
fn ops_and_metadata(mut bytes: &[u8]) -> Vec<(u32, Vec<u8>)> {
    let mut fields = Vec::new();
    while !bytes.is_empty() {
        let (tag, wire_type) = prost::encoding::decode_key(&mut bytes).unwrap();
        assert_eq!(wire_type, prost::encoding::WireType::LengthDelimited);
        let len = prost::encoding::decode_varint(&mut bytes).unwrap() as usize;
        let (body, rest) = bytes.split_at(len);
        if tag != 3 {
            fields.push((tag, body.to_vec()));
        }
        bytes = rest;
    }
    fields
}

#[test]
fn exec_limits_are_written_as_go_writes_them() {
    // Byte for byte: the limits are metadata, which the comparison above only decodes.
    let (ok, go, stderr) = run(checker(), &["reference", "linux-resources"], b"");
    assert!(ok, "llb-check reference linux-resources failed: {stderr}");
    let ours = Definition::marshal(&llb_support::linux_resources_graph()).to_bytes();
    assert_eq!(ops_and_metadata(&ours), ops_and_metadata(&go));
}

#[test]
fn buildkit_re_marshals_every_op_to_our_bytes() {
    let graphs = [
        llb_support::reference_graph(),
        llb_support::edge_cases_graph(),
        llb_support::linux_resources_graph(),
        llb_support::git_sources_graph(),
        // Source maps, locations and several ops per file.
        llb_support::small_build(&llb_support::dockerfile()),
        // A source map that carries the definition the Dockerfile was read from.
        llb_support::small_build(&SourceMap::with_definition(
            "Dockerfile",
            "Dockerfile",
            "FROM alpine\n",
            Definition::marshal(&Source::local("dockerfile").session("s").build()).into_pb(),
        )),
    ];
    for head in graphs {
        let def = Definition::marshal(&head);
        let (ok, stdout, stderr) = run(checker(), &["check"], &def.to_bytes());
        let report = String::from_utf8_lossy(&stdout);
        assert!(ok, "llb-check found problems:\n{report}{stderr}");
        assert_eq!(report.trim(), format!("ok {} ops", def.to_pb().def.len()));
    }
}

#[test]
fn random_graphs_are_go_canonical() {
    for seed in 1..=5 {
        let def = Definition::marshal(&llb_support::random_graph(seed, 300));
        let (ok, stdout, stderr) = run(checker(), &["check"], &def.to_bytes());
        let report = String::from_utf8_lossy(&stdout);
        assert!(
            ok,
            "seed {seed}: llb-check found problems:\n{report}{stderr}"
        );
        // Built again from the same seed: the very same bytes.
        let again = Definition::marshal(&llb_support::random_graph(seed, 300));
        assert_eq!(def.to_bytes(), again.to_bytes(), "seed {seed}");
    }
}

#[test]
fn the_checker_notices_non_canonical_bytes() {
    // The same source op with its empty attr value dropped, as prost would write it.
    let op = pb::Op {
        op: Some(pb::op::Op::Source(pb::SourceOp {
            identifier: "local://context".into(),
            attrs: BTreeMap::from([("local.differ".to_string(), String::new())]),
        })),
        constraints: Some(pb::WorkerConstraints::default()),
        ..pb::Op::default()
    };
    let prost_bytes = op.encode_to_vec();
    let terminal = pb::Op {
        inputs: vec![pb::Input {
            digest: Digest::of(&prost_bytes).to_string(),
            index: 0,
        }],
        ..pb::Op::default()
    }
    .encode_to_vec();
    let def = pb::Definition {
        def: vec![prost_bytes.into(), terminal.into()],
        ..pb::Definition::default()
    };
    let (ok, stdout, _) = run(checker(), &["check"], &def.encode_to_vec());
    assert!(!ok);
    assert!(String::from_utf8_lossy(&stdout).contains("bytes differ from Go's"));
}

#[test]
fn buildctl_parses_our_definition() {
    let buildctl = std::env::var_os("HOME")
        .map(|home| Path::new(&home).join(".cache/dockerfile-llb/bin/buildctl"))
        .filter(|path| path.exists())
        .expect("buildctl missing: run scripts/install-tools.sh");
    let def = Definition::marshal(&llb_support::reference_graph());
    let (ok, stdout, stderr) = run(&buildctl, &["debug", "dump-llb"], &def.to_bytes());
    assert!(ok, "buildctl debug dump-llb failed: {stderr}");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), def.to_pb().def.len());
    let digests: Vec<&str> = lines
        .iter()
        .map(|l| l["Digest"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = def
        .to_pb()
        .def
        .iter()
        .map(|op| Digest::of(op).to_string())
        .collect();
    assert_eq!(digests, expected);
    assert_eq!(
        lines[lines.len() - 2]["OpMetadata"]["description"]["llb.customname"],
        "diff"
    );
}
