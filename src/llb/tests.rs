//! Unit tests over whole small graphs: index rules, mount numbering, dedup, long chains.

use super::*;
use crate::proto::pb;

fn image() -> Output {
    Source::image("docker.io/library/alpine:3.20")
        .platform(Platform::new("linux", "amd64"))
        .build()
}

fn exec_op(output: &Output) -> pb::ExecOp {
    match &output.node().op().op {
        Some(pb::op::Op::Exec(exec)) => exec.clone(),
        other => panic!("expected an exec op, got {other:?}"),
    }
}

fn file_actions(output: &Output) -> Vec<pb::FileAction> {
    match &output.node().op().op {
        Some(pb::op::Op::File(file)) => file.actions.clone(),
        other => panic!("expected a file op, got {other:?}"),
    }
}

#[test]
fn writable_bind_mounts_are_numbered_in_destination_order() {
    let base = image();
    let context = Source::local("context").build();
    let run = Exec::shell("true")
        .root(base.clone())
        .mount(Mount::bind("/out", None))
        .mount(
            Mount::bind("/ctx", context.clone())
                .readonly()
                .selector("/sub"),
        )
        .mount(Mount::cache("/cache", "go-build", CacheSharing::Locked).from(base.clone()))
        .mount(Mount::tmpfs("/tmp").size(1 << 20))
        .mount(Mount::bind("/a", base.clone()))
        .mount(Mount::bind("/nope", context.clone()).no_output())
        .secret(SecretMount::file("token", "/run/secrets/token"))
        .ssh(SshMount::new("default"))
        .build()
        .unwrap();
    let exec = exec_op(&run.root().unwrap());
    let shape: Vec<(&str, i64, i64, i32)> = exec
        .mounts
        .iter()
        .map(|m| (m.dest.as_str(), m.input, m.output, m.mount_type))
        .collect();
    assert_eq!(
        shape,
        [
            ("/", 0, 0, 0),
            ("/a", 0, 1, 0),
            ("/cache", 0, -1, 3),
            ("/ctx", 1, -1, 0),
            ("/nope", 1, -1, 0),
            ("/out", -1, 2, 0),
            ("/tmp", -1, -1, 4),
            ("/run/secrets/token", -1, 0, 1),
            ("/run/buildkit/ssh_agent.0", -1, 0, 2),
        ]
    );
    // Inputs are the distinct sources in sorted mount order.
    let inputs = &run.node().op().inputs;
    assert_eq!(inputs.len(), 2);
    assert_eq!(inputs[0].digest, base.digest().to_string());
    assert_eq!(inputs[1].digest, context.digest().to_string());
    // Typed results: writable mounts are outputs of the exec, read-only ones their source.
    assert_eq!(run.root().unwrap().index(), 0);
    assert_eq!(run.mount("/a").unwrap().index(), 1);
    assert_eq!(run.mount("/out").unwrap().index(), 2);
    assert!(run.mount("/ctx").unwrap().same_as(&context));
    assert!(run.mount("/cache").is_none());
    assert!(run.mount("/tmp").is_none());
    let meta = exec.meta.unwrap();
    assert!(meta.remove_mount_stubs_recursive);
    assert_eq!(meta.env, ["SSH_AUTH_SOCK=/run/buildkit/ssh_agent.0"]);
    let metadata = run.node().metadata();
    let caps: Vec<&str> = metadata.caps.keys().map(String::as_str).collect();
    assert_eq!(
        caps,
        [
            "exec.meta.base",
            "exec.mount.bind",
            "exec.mount.cache",
            "exec.mount.cache.sharing",
            "exec.mount.secret",
            "exec.mount.selector",
            "exec.mount.ssh",
            "exec.mount.tmpfs",
            "exec.mount.tmpfs.size",
        ]
    );
}

#[test]
fn exec_keeps_platform_and_rejects_bad_input() {
    let run = Exec::new(["echo", "hi"])
        .root(image())
        .platform(Platform::new("linux", "arm64").with_variant("v8"))
        .build()
        .unwrap();
    let platform = run.node().op().platform.clone().unwrap();
    assert_eq!(
        (platform.os.as_str(), platform.architecture.as_str()),
        ("linux", "arm64")
    );
    assert_eq!(
        Exec::new(Vec::<String>::new()).build().unwrap_err(),
        LlbError::ExecWithoutArgs
    );
    assert_eq!(
        Exec::shell("x")
            .mount(Mount::tmpfs("/t").from(image()))
            .build()
            .unwrap_err(),
        LlbError::TmpfsWithSource("/t".into())
    );
    // A read-only root has no output of its own: the result is the root as given.
    let base = image();
    let readonly = Exec::shell("x")
        .root(base.clone())
        .readonly_root(true)
        .build()
        .unwrap();
    assert!(readonly.root().unwrap().same_as(&base));
    assert_eq!(
        exec_op(
            &Exec::shell("x")
                .root(base)
                .readonly_root(true)
                .mount(Mount::bind("/o", None))
                .build()
                .unwrap()
                .mount("/o")
                .unwrap()
        )
        .mounts[0]
            .output,
        -1
    );
}

#[test]
fn file_action_chain_uses_n_plus_k_indexes() {
    let base = image();
    let context = Source::local("context").build();
    let other = Source::local("other").build();
    let out = FileOp::new(base.clone())
        .cwd("/app")
        .mkdir(
            Mkdir::new("dir", 0o755)
                .make_parents(true)
                .owner(Chown::parse("app:staff")),
        )
        .copy(Copy::new(context.clone(), "a", "dir/").src_cwd("/"))
        .copy(Copy::new(other.clone(), "/b", "/b"))
        .copy(Copy::new(context.clone(), "c", "."))
        .copy(Copy::new(CopySource::Action(0), "/app/dir", "/copy"))
        .rm(Rm::new("/tmp/x").allow_not_found(true))
        .symlink(Symlink::new("/app", "/link"))
        .mkfile(Mkfile::new("f", 0o1644, "data"))
        .build()
        .unwrap();
    let inputs = &out.node().op().inputs;
    assert_eq!(
        inputs.len(),
        3,
        "base, context and other; context deduplicated"
    );
    assert_eq!(inputs[0].digest, base.digest().to_string());
    let rows: Vec<(i64, i64, i64)> = file_actions(&out)
        .iter()
        .map(|a| (a.input, a.secondary_input, a.output))
        .collect();
    assert_eq!(
        rows,
        [
            (0, -1, -1),
            (3, 1, -1),
            (4, 2, -1),
            (5, 1, -1),
            (6, 3, -1),
            (7, -1, -1),
            (8, -1, -1),
            (9, -1, 0),
        ]
    );
    let actions = file_actions(&out);
    let Some(pb::file_action::Action::Mkdir(mkdir)) = &actions[0].action else {
        panic!("mkdir first")
    };
    assert_eq!(mkdir.path, "/app/dir");
    assert_eq!(mkdir.timestamp, -1);
    let owner = mkdir.owner.clone().unwrap();
    assert_eq!(
        owner.user.unwrap().user,
        Some(pb::user_opt::User::ByName(pb::NamedUserOpt {
            name: "app".into(),
            input: 0
        }))
    );
    let Some(pb::file_action::Action::Copy(copy)) = &actions[1].action else {
        panic!("copy second")
    };
    assert_eq!((copy.src.as_str(), copy.dest.as_str()), ("/a", "/app/dir/"));
    assert_eq!((copy.mode, copy.timestamp), (-1, -1));
    let Some(pb::file_action::Action::Mkfile(mkfile)) = &actions[7].action else {
        panic!("mkfile last")
    };
    assert_eq!((mkfile.path.as_str(), mkfile.mode), ("/app/f", 0o644));
    assert!(out.node().op().platform.is_none());
    assert_eq!(
        out.node().metadata().caps.keys().collect::<Vec<_>>(),
        ["file.base"]
    );
}

#[test]
fn file_op_on_scratch_and_bad_chains() {
    let out = FileOp::new(None)
        .mkfile(Mkfile::new("/f", 0o644, "x").owner(Chown::parse("app")))
        .build()
        .unwrap();
    assert!(out.node().op().inputs.is_empty());
    let actions = file_actions(&out);
    assert_eq!(
        (
            actions[0].input,
            actions[0].secondary_input,
            actions[0].output
        ),
        (-1, -1, 0)
    );
    assert_eq!(
        FileOp::new(None).build().unwrap_err(),
        LlbError::FileOpWithoutActions
    );
    assert_eq!(
        FileOp::new(None)
            .copy(Copy::new(CopySource::Action(0), "/", "/"))
            .build()
            .unwrap_err(),
        LlbError::CopyFromLaterAction { action: 0, from: 0 }
    );
}

#[test]
fn merge_and_diff_index_their_inputs() {
    let a = image();
    let b = Source::local("b").build();
    let merged = Merge::new(vec![a.clone(), b.clone(), a.clone()])
        .build()
        .unwrap();
    let Some(pb::op::Op::Merge(merge)) = &merged.node().op().op else {
        panic!("merge")
    };
    assert_eq!(
        merge.inputs.iter().map(|i| i.input).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    assert_eq!(merged.node().op().inputs.len(), 3);
    assert!(merged.node().op().platform.is_none());
    assert_eq!(
        Merge::new(vec![a.clone()]).build().unwrap_err(),
        LlbError::MergeNeedsTwoInputs(1)
    );
    // The Go helpers' identities: no op for merges of fewer than two non-scratch inputs, or
    // for a diff from scratch.
    assert!(Merge::filtered([None, None]).finish().is_none());
    assert!(Merge::filtered([None, Some(a.clone())])
        .finish()
        .unwrap()
        .same_as(&a));
    assert!(Merge::filtered([Some(a.clone()), None, Some(b.clone())])
        .finish()
        .unwrap()
        .same_as(&Merge::new(vec![a.clone(), b.clone()]).build().unwrap()));
    assert!(Diff::new(None, b.clone()).finish().unwrap().same_as(&b));
    let diff = Diff::new(None, b).build();
    let Some(pb::op::Op::Diff(d)) = &diff.node().op().op else {
        panic!("diff")
    };
    assert_eq!((d.lower.unwrap().input, d.upper.unwrap().input), (-1, 0));
}

#[test]
fn shared_subgraphs_are_listed_once_with_merged_metadata() {
    let base = image();
    // Two separately built but identical ops: one digest, metadata merged.
    let left = FileOp::new(base.clone())
        .mkdir(Mkdir::new("/x", 0o755))
        .custom_name("left")
        .build()
        .unwrap();
    let right = FileOp::new(base.clone())
        .mkdir(Mkdir::new("/x", 0o755))
        .ignore_cache(true)
        .build()
        .unwrap();
    assert_eq!(left.digest(), right.digest());
    let merged = Merge::new(vec![left.clone(), right, base.clone()])
        .build()
        .unwrap();
    let def = Definition::marshal(&merged);
    let pb = def.to_pb();
    assert_eq!(pb.def.len(), 4, "image, mkdir, merge, terminal");
    let md = pb.metadata[left.digest().as_str()].decode();
    assert!(md.ignore_cache);
    assert_eq!(md.description["llb.customname"], "left");
    // Post-order: every input appears before its reader.
    assert_eq!(&pb.def[0][..], base.node().bytes());
    assert_eq!(&pb.def[1][..], left.node().bytes());
    assert_eq!(&pb.def[2][..], merged.node().bytes());
    assert_eq!(def.head().as_ref(), Some(merged.digest()));
    let terminal = pb.metadata[Digest::of(&pb.def[3]).as_str()].decode();
    assert_eq!(
        terminal.caps.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "constraints",
            "meta.description",
            "meta.ignorecache",
            "platform"
        ]
    );
}

#[test]
fn a_long_chain_marshals_without_recursion() {
    let mut head = image();
    for i in 0..100_000 {
        head = FileOp::new(head)
            .mkdir(Mkdir::new(format!("/d{i}"), 0o755))
            .build()
            .unwrap();
    }
    let def = Definition::marshal(&head);
    assert_eq!(def.to_pb().def.len(), 100_002);
    assert_eq!(def.head().as_ref(), Some(head.digest()));
    // Dropping a long chain of Arcs must not overflow the stack either.
    drop(def);
    drop(head);
}

#[test]
fn source_locations_are_grouped_by_digest_and_file() {
    let dockerfile = SourceMap::new("Dockerfile", "Dockerfile", "FROM alpine\nRUN true\n");
    let same_file_again = SourceMap::new("Dockerfile", "Dockerfile", "FROM alpine\nRUN true\n");
    let context = Definition::marshal(&Source::local("dockerfile").build()).into_pb();
    let other_file =
        SourceMap::with_definition("Dockerfile.b", "Dockerfile", "FROM x", context.clone());
    let base = Source::image("docker.io/library/alpine:latest")
        .location(&dockerfile, vec![Range::lines(1, 1)])
        .build();
    let run = Exec::shell("true")
        .root(base.clone())
        .location(&same_file_again, vec![Range::lines(2, 2)])
        .location(&other_file, vec![Range::lines(1, 1), Range::lines(1, 1)])
        .build()
        .unwrap();
    let def = Definition::marshal(&run.root().unwrap());
    let source = def.to_pb().source.clone().unwrap();
    assert_eq!(source.infos.len(), 2);
    assert_eq!(source.infos[0].filename, "Dockerfile");
    assert_eq!(source.infos[1].definition.as_ref(), Some(&context));
    let run_locations = &source.locations[run.node().digest().as_str()].locations;
    assert_eq!(run_locations[0].source_index, 0);
    assert_eq!(run_locations[0].ranges[0].start.unwrap().line, 2);
    assert_eq!(run_locations[1].source_index, 1);
    assert_eq!(run_locations[1].ranges.len(), 2);
    assert!(source.locations.contains_key(base.digest().as_str()));
}

#[test]
fn a_definition_written_op_by_op_is_its_encoding() {
    use prost::Message;
    let dockerfile = SourceMap::new("Dockerfile", "Dockerfile", "FROM alpine\nRUN true\n");
    let run = Exec::shell("true")
        .root(image())
        .location(&dockerfile, vec![Range::lines(2, 2)])
        .ignore_cache(true)
        .build()
        .unwrap();
    let def = Definition::marshal(&run.root().unwrap()).into_pb();
    assert!(def.def.len() > 1 && !def.metadata.is_empty() && def.source.is_some());
    let mut written = Vec::new();
    write_definition(def.clone(), &mut written).unwrap();
    assert_eq!(written, def.encode_to_vec());
}

#[test]
fn graphs_can_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Output>();
    send_sync::<Definition>();
    let head = image();
    let marshaled = std::thread::spawn(move || Definition::marshal(&head))
        .join()
        .unwrap();
    assert_eq!(marshaled.to_pb().def.len(), 2);
}
