//! The pinned BuildKit release's source in the Go module cache (`scripts/versions.env`), whose
//! test data the conformance tests read: the reference parser's testfiles and the shell
//! expansion tables. Downloaded with `go mod download` when the cache lacks it, so a clone
//! needs nothing beside it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// `<GOMODCACHE>/github.com/moby/buildkit@<pin>`.
pub fn dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let versions = std::fs::read_to_string(root.join("scripts/versions.env"))
            .expect("scripts/versions.env names the pinned releases");
        let version = versions
            .lines()
            .find_map(|l| l.strip_prefix("BUILDKIT_VERSION="))
            .expect("versions.env has BUILDKIT_VERSION")
            .trim()
            .to_string();
        let module = format!("github.com/moby/buildkit@{version}");
        let output = Command::new("go")
            .args(["mod", "download", "-json", &module])
            .current_dir(std::env::temp_dir())
            .env("GOFLAGS", "-mod=mod")
            .output()
            .expect("`go` must be installed: it is part of the project environment");
        assert!(
            output.status.success(),
            "go mod download {module}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let info: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        PathBuf::from(
            info["Dir"]
                .as_str()
                .expect("go mod download -json gives Dir"),
        )
    })
}
