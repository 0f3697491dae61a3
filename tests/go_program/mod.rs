//! Builds the Go programs under tests/go/ that check our output against BuildKit's own Go code
//! (tests/go/convert-check, tests/go/llb-check, tests/go/gateway-check, tests/go/text-check,
//! tests/go/shell-check, tests/go/parser-check),
//! shared by the test files that run them. They are packages of one Go module, tests/go/go.mod.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds the Go program in `tests/go/<name>` to `<CARGO_TARGET_TMPDIR>/<name>` and returns its
/// path. Callers keep the result in a `OnceLock` so each test run builds it once.
pub fn build(name: &str) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/go")
        .join(name);
    let binary = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let status = Command::new("go")
        .args(["build", "-o"])
        .arg(&binary)
        .arg(".")
        .current_dir(&source)
        .env("GOFLAGS", "-mod=mod")
        .status()
        .expect("`go` must be installed: it is part of the project environment");
    assert!(status.success(), "building tests/go/{name} failed");
    binary
}
