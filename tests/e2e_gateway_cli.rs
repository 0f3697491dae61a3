#![cfg(feature = "e2e")]
//! The CLI end to end: `dockerfile-llb check` on good and bad Dockerfiles, and
//! `dockerfile-llb llb | buildctl build` on a real BuildKit (scripts/env-up.sh first).

mod e2e_support;

use std::io::Write;
use std::process::{Command, Stdio};

use e2e_support::{buildctl, context};

const BIN: &str = env!("CARGO_BIN_EXE_dockerfile-llb");

#[test]
fn check_accepts_a_good_dockerfile() {
    let dir = context(&[(
        "Dockerfile",
        "FROM busybox AS base\nRUN echo hi\nFROM base\nCOPY --from=base /etc/passwd /p\n",
    )]);
    let out = Command::new(BIN)
        .arg("check")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn check_renders_errors_rustc_style_and_fails() {
    let dir = context(&[("Dockerfile", "FROM busybox\nRUNN echo hi\n")]);
    let out = Command::new(BIN)
        .args(["check", "-f", "Dockerfile"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error: unknown instruction"), "{stderr}");
    assert!(stderr.contains("--> Dockerfile:2:1"), "{stderr}");
    assert!(stderr.contains("2 | RUNN echo hi"), "{stderr}");
}

#[test]
fn llb_json_shows_an_unpinned_base_unless_a_config_is_given() {
    let dir = context(&[("Dockerfile", "FROM busybox\nRUN echo hi\n")]);
    let out = Command::new(BIN)
        .args(["llb", "--json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("docker-image://docker.io/library/busybox:latest\""),
        "{text}"
    );

    // A supplied config reaches the RUN's environment.
    let config = r#"{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin","FROM_CONFIG=1"]},"rootfs":{"type":"layers","diff_ids":["sha256:0000000000000000000000000000000000000000000000000000000000000000"]}}"#;
    std::fs::write(dir.path().join("busybox.json"), config).unwrap();
    let out = Command::new(BIN)
        .args(["llb", "--json", "--image-config", "busybox=busybox.json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("FROM_CONFIG=1"));
}

#[test]
fn llb_output_builds_with_buildctl() {
    let dir = context(&[("Dockerfile", "FROM busybox\nRUN echo built > /result\n")]);
    let llb = Command::new(BIN)
        .args(["llb", "--platform", "linux/amd64"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        llb.status.success(),
        "{}",
        String::from_utf8_lossy(&llb.stderr)
    );
    let out_dir = dir.path().join("out");
    let mut buildctl = buildctl()
        .args(["build", "--progress=plain", "--local"])
        .arg(format!("context={}", dir.path().display()))
        .arg("--output")
        .arg(format!("type=local,dest={}", out_dir.display()))
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    buildctl
        .stdin
        .take()
        .unwrap()
        .write_all(&llb.stdout)
        .unwrap();
    let out = buildctl.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(out_dir.join("result")).unwrap(),
        "built\n"
    );
}
