#![cfg(feature = "e2e")]
//! End to end on a real BuildKit: the frontend image built by scripts/build-frontend-image.sh, driven by
//! `buildctl` directly (`gateway.v0`) and through the reference frontend's `# syntax=` forwarding.
//! Needs scripts/env-up.sh first; run with `cargo test --features e2e --test e2e_gateway`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The environment scripts/env-up.sh wrote (`export K='V'` lines), over the process environment.
fn env() -> &'static BTreeMap<String, String> {
    static ENV: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let run = std::env::var("DFLLB_RUN").unwrap_or_else(|_| "/tmp/dfllb-run".to_string());
        let text = std::fs::read_to_string(Path::new(&run).join("env.sh"))
            .unwrap_or_else(|e| panic!("{run}/env.sh: {e}; run scripts/env-up.sh first"));
        let mut vars = BTreeMap::new();
        for line in text.lines() {
            let Some((key, value)) = line.strip_prefix("export ").and_then(|l| l.split_once('='))
            else {
                continue;
            };
            vars.insert(key.to_string(), value.trim_matches('\'').to_string());
        }
        for key in ["BUILDKIT_HOST", "DFLLB_REGISTRY", "DFLLB_BIN"] {
            if let Ok(v) = std::env::var(key) {
                vars.insert(key.to_string(), v);
            }
        }
        vars
    })
}

fn buildctl() -> Command {
    let mut cmd = Command::new(Path::new(&env()["DFLLB_BIN"]).join("buildctl"));
    cmd.env("BUILDKIT_HOST", &env()["BUILDKIT_HOST"]);
    cmd
}

/// Builds and pushes the frontend image once per test run.
fn frontend_image() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let root = env!("CARGO_MANIFEST_DIR");
        let out = Command::new(Path::new(root).join("scripts/build-frontend-image.sh"))
            .env("BUILDKIT_HOST", &env()["BUILDKIT_HOST"])
            .env("DFLLB_REGISTRY", &env()["DFLLB_REGISTRY"])
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    env()["DFLLB_BIN"],
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
            .output()
            .expect("running scripts/build-frontend-image.sh");
        assert!(
            out.status.success(),
            "build-frontend-image.sh failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    });
}

/// A context directory holding `files`.
fn context(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    dir
}

struct Build {
    output: Output,
    out_dir: PathBuf,
}

impl Build {
    fn log(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
}

/// `buildctl build` of `ctx` with `frontend_args`, exporting the result to a local directory.
fn build(ctx: &tempfile::TempDir, frontend_args: &[&str]) -> Build {
    frontend_image();
    let out_dir = ctx.path().join("out");
    let output = buildctl()
        .arg("build")
        .args(frontend_args)
        .arg("--local")
        .arg(format!("context={}", ctx.path().display()))
        .arg("--local")
        .arg(format!("dockerfile={}", ctx.path().display()))
        .arg("--output")
        .arg(format!("type=local,dest={}", out_dir.display()))
        .arg("--progress=plain")
        .output()
        .expect("running buildctl");
    Build { output, out_dir }
}

const GATEWAY: &[&str] = &["--frontend", "gateway.v0", "--opt", "source=myorg/frontend"];
const DOCKERFILE_V0: &[&str] = &["--frontend", "dockerfile.v0"];

#[test]
fn gateway_source_builds_a_dockerfile() {
    let ctx = context(&[("Dockerfile", "FROM busybox\n")]);
    let b = build(&ctx, GATEWAY);
    assert!(b.output.status.success(), "buildctl failed:\n{}", b.log());
    assert!(
        b.log()
            .contains("[internal] load build definition from Dockerfile"),
        "{}",
        b.log()
    );
    assert!(
        b.log()
            .contains("[internal] load metadata for docker.io/library/busybox:latest"),
        "{}",
        b.log()
    );
    assert!(
        b.out_dir.join("bin/busybox").exists(),
        "busybox rootfs not exported:\n{}",
        b.log()
    );
}

#[test]
fn lower_case_dockerfile_is_found() {
    let ctx = context(&[("dockerfile", "FROM busybox\n")]);
    let b = build(&ctx, GATEWAY);
    assert!(b.output.status.success(), "buildctl failed:\n{}", b.log());
    assert!(b.out_dir.join("bin/busybox").exists());
}

#[test]
fn syntax_directive_forwards_to_our_frontend() {
    let ctx = context(&[("Dockerfile", "# syntax=myorg/frontend\nFROM busybox\n")]);
    let b = build(&ctx, DOCKERFILE_V0);
    assert!(b.output.status.success(), "buildctl failed:\n{}", b.log());
    // The reference frontend resolved our image, then ran it.
    assert!(b.log().contains("docker.io/myorg/frontend"), "{}", b.log());
    assert!(b.out_dir.join("bin/busybox").exists());
}

#[test]
fn missing_dockerfile_is_reported() {
    let ctx = context(&[("README", "no Dockerfile here\n")]);
    let b = build(&ctx, GATEWAY);
    assert!(!b.output.status.success());
    assert!(b.log().contains("failed to read dockerfile"), "{}", b.log());
}

#[test]
fn dockerfile_error_names_the_line() {
    let ctx = context(&[("Dockerfile", "FROM busybox\nRUNN echo hi\n")]);
    let b = build(&ctx, GATEWAY);
    assert!(!b.output.status.success());
    let log = b.log();
    assert!(log.contains("Dockerfile:2"), "{log}");
    // buildctl prints the lines around the error from the errdefs.Source detail.
    assert!(log.contains("   2 | >>> RUNN echo hi"), "{log}");
}
