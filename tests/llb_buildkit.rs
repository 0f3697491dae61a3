#![cfg(feature = "e2e")]
//! Our LLB, solved by a real BuildKit: a graph with every op type, several mounts and a chained
//! file op is sent with `buildctl build` (LLB on stdin, no frontend) and the exported files are
//! checked. Proves the daemon accepts our caps, index rules and mount numbering, not just parses
//! them. Needs scripts/env-up.sh first; run with `cargo test --features e2e --test llb_buildkit`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use dockerfile_llb::llb::*;

/// BUILDKIT_HOST and DFLLB_BIN from the environment scripts/env-up.sh wrote.
fn env() -> BTreeMap<String, String> {
    let run = std::env::var("DFLLB_RUN").unwrap_or_else(|_| "/tmp/dfllb-run".to_string());
    let text = std::fs::read_to_string(Path::new(&run).join("env.sh"))
        .unwrap_or_else(|e| panic!("{run}/env.sh: {e}; run scripts/env-up.sh first"));
    let mut vars: BTreeMap<String, String> = text
        .lines()
        .filter_map(|line| line.strip_prefix("export ")?.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
        .collect();
    for key in ["BUILDKIT_HOST", "DFLLB_BIN"] {
        if let Ok(value) = std::env::var(key) {
            vars.insert(key.to_string(), value);
        }
    }
    vars
}

/// Solves `definition` and exports the result to `dest`.
fn solve(definition: &Definition, dest: &Path) {
    let env = env();
    let mut child = Command::new(Path::new(&env["DFLLB_BIN"]).join("buildctl"))
        .env("BUILDKIT_HOST", &env["BUILDKIT_HOST"])
        .args(["build", "--progress=plain", "--output"])
        .arg(format!("type=local,dest={}", dest.display()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running buildctl");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&definition.to_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "buildctl build failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn read(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn buildkit_solves_a_graph_with_every_op_type() {
    let amd64 = Platform::new("linux", "amd64");
    let busybox = Source::image("docker.io/library/busybox:latest")
        .platform(amd64.clone())
        .build();
    // A file op on scratch whose actions build on each other (N+k indexes), read-only mounted.
    let config = FileOp::new(None)
        .mkdir(Mkdir::new("/etc/app", 0o755).make_parents(true))
        .mkfile(Mkfile::new("/etc/app/greeting", 0o644, "hello"))
        .copy(Copy::new(
            CopySource::Action(1),
            "/etc/app/greeting",
            "/etc/app/copy",
        ))
        .custom_name("config")
        .build()
        .unwrap();
    let run = Exec::shell(
        "cat /config/etc/app/greeting > /out/from-config && \
         echo cached >> /cache/log && echo tmp > /tmp/x && \
         echo root > /root-file && echo \"$GREETING\" > /out/env",
    )
    .root(busybox.clone())
    .env("GREETING", "hi there")
    .env("PATH", "/bin:/usr/bin")
    .mount(Mount::bind("/config", config).readonly())
    .mount(Mount::bind("/out", None))
    .mount(Mount::cache("/cache", "llb-e2e", CacheSharing::Locked))
    .mount(Mount::tmpfs("/tmp"))
    .platform(amd64)
    .custom_name("run")
    .build()
    .unwrap();
    let out = run.mount("/out").unwrap();
    assert_eq!(out.index(), 1, "root is output 0, /out output 1");
    let files = FileOp::new(None)
        .mkdir(Mkdir::new("/result", 0o755).owner(Chown::ids(1000, 1000)))
        .copy(
            Copy::new(out, "/", "/result/")
                .dir_contents_only(true)
                .create_dest_path(true),
        )
        .copy(Copy::new(run.root(), "/root-file", "/result/root-file"))
        .symlink(Symlink::new("from-config", "/result/link"))
        .mkfile(Mkfile::new("/result/gone", 0o600, "x"))
        .rm(Rm::new("/result/gone"))
        .build()
        .unwrap();
    let extra = FileOp::new(None)
        .mkfile(Mkfile::new("/merged", 0o644, "merged"))
        .build()
        .unwrap();
    let merged = Merge::new(vec![files.clone(), extra]).build().unwrap();
    // Only what the merge added on top of `files`: /merged.
    let diff = Diff::new(files.clone(), merged.clone()).build();
    let head = Merge::new(vec![files, diff]).build().unwrap();

    let dest = tempfile::tempdir().unwrap();
    solve(&Definition::marshal(&head), dest.path());
    let d = dest.path();
    assert_eq!(read(d, "result/from-config"), "hello");
    assert_eq!(read(d, "result/env"), "hi there\n");
    assert_eq!(read(d, "result/root-file"), "root\n");
    assert_eq!(read(d, "merged"), "merged");
    assert_eq!(
        std::fs::read_link(d.join("result/link")).unwrap(),
        Path::new("from-config")
    );
    assert!(!d.join("result/gone").exists());
    assert!(
        !d.join("tmp").exists(),
        "tmpfs and cache mounts are not exported"
    );
}
