#![cfg(feature = "e2e")]
//! The test infrastructure itself, end to end: a multi-stage C build with the reference
//! frontend, its binary run, and scripts/compare on equal and on changed Dockerfiles.

mod e2e_support;

use e2e_support::{compare, export, fixture, REFERENCE, REFERENCE_GATEWAY};
use std::process::Command;

#[test]
fn hello_c_binary_from_scratch_image_runs() {
    let dir = tempfile::tempdir().unwrap();
    export(REFERENCE, &fixture("hello-c"), None, dir.path()).expect_code(0);
    let out = Command::new(dir.path().join("rootfs/hello"))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "hello from a multi-stage build\n"
    );
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("config.json")).unwrap()).unwrap();
    assert_eq!(
        config["config"]["Entrypoint"],
        serde_json::json!(["/hello"])
    );
}

#[test]
fn reference_equals_reference_run_as_gateway() {
    let ctx = fixture("hello-c");
    let ctx = ctx.to_str().unwrap();
    let out = compare(&[
        "--context",
        ctx,
        "--left",
        REFERENCE,
        "--right",
        REFERENCE_GATEWAY,
    ]);
    out.expect_code(0);
    assert!(out.stdout.contains("equal"), "{}", out.stdout);
}

#[test]
fn changed_dockerfile_is_reported() {
    let ctx = fixture("hello-c");
    let changed = ctx.join("Dockerfile.changed");
    let ctx = ctx.to_str().unwrap();
    let out = compare(&[
        "--context",
        ctx,
        "--right",
        REFERENCE,
        "--right-file",
        changed.to_str().unwrap(),
    ]);
    out.expect_code(1);
    assert!(out.stdout.contains("config.Entrypoint"), "{}", out.stdout);
    assert!(
        out.stdout.contains(r#"["/hello", "--changed"]"#),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("/hello: sha256 differ"),
        "{}",
        out.stdout
    );
}
