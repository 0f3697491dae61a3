//! Shared helpers for end-to-end tests (tests/*.rs with `#![cfg(feature = "e2e")]`).
//!
//! They run against the environment that `scripts/env-up.sh` starts and describes in
//! `$DFLLB_RUN/env.sh` (BUILDKIT_HOST, DFLLB_REGISTRY, DFLLB_BIN, PATH). `scripts/test.sh` sources
//! it before `cargo test --features e2e`; [`env`] needs it sourced, while [`env_sh_var`] (and so
//! [`buildctl`]) reads the file when a variable is not set. Use from a test file with
//! `mod e2e_support;`.
// Each test binary compiles this module anew and uses only some of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

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

/// One variable of the environment scripts/env-up.sh describes: the process environment's value,
/// else the `export KEY='value'` line of `$DFLLB_RUN/env.sh` (`/tmp/dfllb-run` by default), so a
/// test finds it with or without env.sh sourced.
pub fn env_sh_var(key: &str) -> String {
    if let Ok(value) = std::env::var(key) {
        return value;
    }
    env_sh()
        .get(key)
        .cloned()
        .unwrap_or_else(|| panic!("{key} not in env.sh"))
}

/// The `export KEY='value'` lines of `$DFLLB_RUN/env.sh`, read once per test binary.
fn env_sh() -> &'static BTreeMap<String, String> {
    static VARS: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    VARS.get_or_init(|| {
        let run = std::env::var("DFLLB_RUN").unwrap_or_else(|_| "/tmp/dfllb-run".to_string());
        let text = std::fs::read_to_string(Path::new(&run).join("env.sh"))
            .unwrap_or_else(|e| panic!("{run}/env.sh: {e}; run scripts/env-up.sh first"));
        text.lines()
            .filter_map(|line| line.strip_prefix("export ")?.split_once('='))
            .map(|(key, value)| (key.to_string(), value.trim_matches('\'').to_string()))
            .collect()
    })
}

/// `$DFLLB_BIN/buildctl`, talking to `$BUILDKIT_HOST` (both from [`env_sh_var`]).
pub fn buildctl() -> Command {
    let mut cmd = Command::new(Path::new(&env_sh_var("DFLLB_BIN")).join("buildctl"));
    cmd.env("BUILDKIT_HOST", env_sh_var("BUILDKIT_HOST"));
    cmd
}

/// Builds our frontend image and pushes it as myorg/frontend:latest, once per test binary.
/// `DFLLB_FRONTEND_PREBUILT=1` skips the build when scripts/test.sh has just pushed it. The script
/// reads `$DFLLB_RUN/env.sh` itself when the environment variables are not set.
pub fn push_frontend_image() {
    static PUSHED: OnceLock<()> = OnceLock::new();
    PUSHED.get_or_init(|| {
        if std::env::var("DFLLB_FRONTEND_PREBUILT").as_deref() == Ok("1") {
            return;
        }
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/build-frontend-image.sh");
        run_build_frontend_image(Command::new("bash").arg(script));
    });
}

/// Like [`push_frontend_image`], but builds even with `DFLLB_FRONTEND_PREBUILT=1`, running the
/// script itself, as `tests/e2e_gateway_parity.rs` always has.
pub fn build_frontend_image() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        run_build_frontend_image(&mut Command::new(
            env().root.join("scripts/build-frontend-image.sh"),
        ));
    });
}

/// Runs `cmd` (scripts/build-frontend-image.sh), failing the test with its stderr if it fails.
fn run_build_frontend_image(cmd: &mut Command) {
    let out = cmd
        .output()
        .expect("running scripts/build-frontend-image.sh");
    assert!(
        out.status.success(),
        "build-frontend-image.sh failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
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

/// A context directory holding `files` (paths relative to it, parent directories created).
pub fn context(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    dir
}

/// `buildctl` arguments for our frontend image as a gateway frontend.
pub const GATEWAY: &[&str] = &["--frontend", "gateway.v0", "--opt", "source=myorg/frontend"];
/// `buildctl` arguments for BuildKit's built-in Dockerfile frontend.
pub const DOCKERFILE_V0: &[&str] = &["--frontend", "dockerfile.v0"];

/// What one `buildctl build` ([`build`], [`build_exporting`]) gave.
pub struct Build {
    pub output: Output,
    /// Where the result was exported.
    pub out_dir: PathBuf,
}

impl Build {
    /// buildctl's stderr: its progress and errors.
    pub fn log(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    pub fn assert_ok(&self) {
        assert!(
            self.output.status.success(),
            "buildctl failed:\n{}",
            self.log()
        );
    }

    /// The image config of an `oci` export ([`Export::Oci`]).
    pub fn image_config(&self) -> serde_json::Value {
        image_config(&self.out_dir)
    }
}

/// What [`build_exporting`] exports.
pub enum Export {
    /// The root filesystem, into a directory.
    Rootfs,
    /// An OCI layout directory, to read the image config.
    Oci,
}

/// `buildctl build` of `ctx` with `frontend_args`, exporting the rootfs to a local directory.
pub fn build(ctx: &tempfile::TempDir, frontend_args: &[&str]) -> Build {
    build_exporting(ctx, frontend_args, Export::Rootfs)
}

/// `buildctl build` of `ctx` with `frontend_args` (our frontend image pushed first), exporting
/// `export` to `ctx/out`, with plain progress.
pub fn build_exporting(ctx: &tempfile::TempDir, frontend_args: &[&str], export: Export) -> Build {
    push_frontend_image();
    let out_dir = ctx.path().join("out");
    let output_spec = match export {
        Export::Rootfs => format!("type=local,dest={}", out_dir.display()),
        Export::Oci => format!("type=oci,tar=false,dest={}", out_dir.display()),
    };
    let output = build_command(ctx, frontend_args)
        .arg("--output")
        .arg(output_spec)
        .arg("--progress=plain")
        .output()
        .expect("running buildctl");
    Build { output, out_dir }
}

/// `buildctl build` of `ctx` (as context and Dockerfile local) with `frontend_args`.
pub fn build_command(ctx: &tempfile::TempDir, frontend_args: &[&str]) -> Command {
    let mut cmd = buildctl();
    cmd.arg("build")
        .args(frontend_args)
        .arg("--local")
        .arg(format!("context={}", ctx.path().display()))
        .arg("--local")
        .arg(format!("dockerfile={}", ctx.path().display()));
    cmd
}

/// `buildctl build` of `ctx` with `frontend_args` and `requestid=request` (our frontend image
/// pushed first); buildctl prints the subrequest's `result.txt` on stdout, which this returns.
pub fn subrequest_text(ctx: &tempfile::TempDir, frontend_args: &[&str], request: &str) -> String {
    push_frontend_image();
    let requestid = format!("requestid={request}");
    let output = build_command(ctx, &[frontend_args, &["--opt", &requestid]].concat())
        .output()
        .expect("running buildctl");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The file of blob `digest` (`algo:hex`) in an OCI layout directory.
pub fn blob(layout: &Path, digest: &str) -> PathBuf {
    let (algo, hex) = digest.split_once(':').unwrap();
    layout.join("blobs").join(algo).join(hex)
}

/// The manifest of the single image in an OCI layout directory.
pub fn manifest(layout: &Path) -> serde_json::Value {
    let read = |path: PathBuf| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let mut manifest = read(layout.join("index.json"));
    while let Some(first) = manifest.get("manifests") {
        manifest = read(blob(layout, first[0]["digest"].as_str().unwrap()));
    }
    manifest
}

/// The image config of the single image in an OCI layout directory.
pub fn image_config(layout: &Path) -> serde_json::Value {
    let digest = manifest(layout)["config"]["digest"].clone();
    serde_json::from_slice(&std::fs::read(blob(layout, digest.as_str().unwrap())).unwrap()).unwrap()
}

/// `buildctl build` of `ctx` with `frontend_args` and `--progress=rawjson` (our frontend image
/// pushed first): the output and its stderr, the JSON status log.
pub fn rawjson_build(
    ctx: &tempfile::TempDir,
    frontend_args: &[&str],
) -> (std::process::Output, String) {
    push_frontend_image();
    let output = build_command(ctx, frontend_args)
        .arg("--progress=rawjson")
        .output()
        .expect("running buildctl");
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, log)
}

/// The build-check warnings of a `buildctl build --progress=rawjson` log (its stderr), in order,
/// as the status messages carry them.
pub fn rawjson_warnings(log: &str) -> Vec<serde_json::Value> {
    log.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .flat_map(|status| status["warnings"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// A rawjson warning's `short` text (base64 in the JSON).
pub fn warning_short(warning: &serde_json::Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(warning["short"].as_str().unwrap_or_default())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}
