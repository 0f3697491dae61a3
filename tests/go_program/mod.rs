//! Builds the Go programs under tests/ that check our output against BuildKit's own Go code
//! (tests/convert_go_oracle, tests/go-llb-check, tests/go-gateway-check, tests/go-text-check),
//! shared by the test files that run them.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds the Go program in `tests/<dir>` to `<CARGO_TARGET_TMPDIR>/<dir>` and returns its path.
/// Callers keep the result in a `OnceLock` so each test run builds it once.
pub fn build(dir: &str) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(dir);
    let binary = Path::new(env!("CARGO_TARGET_TMPDIR")).join(dir);
    let status = Command::new("go")
        .args(["build", "-o"])
        .arg(&binary)
        .arg(".")
        .current_dir(&source)
        .env("GOFLAGS", "-mod=mod")
        .status()
        .expect("`go` must be installed: it is part of the project environment");
    assert!(status.success(), "building tests/{dir} failed");
    binary
}
