//! Shared helpers for end-to-end tests (tests/*.rs with `#![cfg(feature = "e2e")]`).
//!
//! They run against the environment that `scripts/env-up.sh` starts and describes in
//! `$DFLLB_RUN/env.sh` (BUILDKIT_HOST, DFLLB_REGISTRY, DFLLB_BIN, PATH). `scripts/test.sh` sources
//! it before `cargo test --features e2e`. Use from a test file with `mod e2e_support;`.
// Each test binary compiles this module anew and uses only some of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The side of a comparison that runs BuildKit's built-in Dockerfile frontend.
pub const REFERENCE: &str = "dockerfile.v0";
/// BuildKit's Dockerfile frontend as a gateway image (pushed by scripts/base-images.sh).
pub const REFERENCE_GATEWAY: &str = "gateway:dfllb/reference-frontend";
/// Our frontend, as `# syntax=myorg/frontend` finds it through the docker.io mirror.
pub const OURS: &str = "gateway:myorg/frontend";

/// The running test environment.
#[derive(Debug, Clone)]
pub struct Env {
    /// `unix://…/buildkitd.sock`
    pub buildkit_host: String,
    /// `127.0.0.1:<port>`, the registry that mirrors docker.io.
    pub registry: String,
    /// The repository root (for scripts/ and tests/fixtures/).
    pub root: PathBuf,
}

/// Reads the environment, failing the test with a hint when it is not up.
pub fn env() -> Env {
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!(
                "{name} is not set: run `bash scripts/test.sh`, or `bash scripts/env-up.sh && \
                 source ${{DFLLB_RUN:-/tmp/dfllb-run}}/env.sh` before `cargo test --features e2e`"
            )
        })
    };
    Env {
        buildkit_host: var("BUILDKIT_HOST"),
        registry: var("DFLLB_REGISTRY"),
        root: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
    }
}

/// Builds our frontend image and pushes it as myorg/frontend:latest, once per test binary.
/// `DFLLB_FRONTEND_PREBUILT=1` skips the build when scripts/test.sh has just pushed it. The script
/// reads `$DFLLB_RUN/env.sh` itself when the environment variables are not set.
pub fn push_frontend_image() {
    static PUSHED: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    PUSHED.get_or_init(|| {
        if std::env::var("DFLLB_FRONTEND_PREBUILT").as_deref() == Ok("1") {
            return;
        }
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/build-frontend-image.sh");
        let out = Command::new("bash")
            .arg(script)
            .output()
            .expect("running scripts/build-frontend-image.sh");
        assert!(
            out.status.success(),
            "build-frontend-image.sh failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    });
}

/// A fixture directory under tests/fixtures/.
pub fn fixture(name: &str) -> PathBuf {
    env().root.join("tests/fixtures").join(name)
}

/// What one run of scripts/compare gave.
#[derive(Debug)]
pub struct Outcome {
    /// 0 equal (or exported), 1 different, 2 build failure.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// Panics with the whole output unless the exit code is `code`.
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "scripts/compare exited {} (wanted {code})\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}

/// Runs `scripts/compare ARGS…` (see `scripts/compare --help`).
pub fn compare<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Outcome {
    let root = env().root;
    let out = Command::new("python3")
        .arg(root.join("scripts/compare"))
        .args(args)
        .output()
        .expect("running python3 scripts/compare");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Builds `context` (Dockerfile `file`, default `context/Dockerfile`) with `side` and exports it
/// into `dir`: `dir/oci` (OCI layout), `dir/rootfs` (the filesystem), `dir/config.json`.
pub fn export(side: &str, context: &Path, file: Option<&Path>, dir: &Path) -> Outcome {
    let mut args = vec![
        "--export".into(),
        dir.as_os_str().to_owned(),
        "--left".into(),
        side.into(),
        "--context".into(),
        context.as_os_str().to_owned(),
    ];
    if let Some(file) = file {
        args.push("--file".into());
        args.push(file.as_os_str().to_owned());
    }
    compare(&args)
}
