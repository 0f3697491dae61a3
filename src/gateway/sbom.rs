//! SBOM attestations made the way the reference makes them (frontend/attestations/sbom): the
//! scanner image named by `attest:sbom` runs over each platform's result, with the build context
//! and the stages the Dockerfile asks for (`BUILDKIT_SBOM_SCAN_CONTEXT`/`_STAGE`) mounted beside
//! it, and what it writes to `/run/out/` is attached to the result as a Bundle attestation. The
//! daemon scans only the result when a frontend attaches no SBOM, so without this those extras
//! would be lost.

use serde::Deserialize;

use crate::convert::SbomTargets;
use crate::llb::{self, Exec, FileOp, Mkdir, Mount, OpOptions, Platform, Source};
use crate::proto::moby::buildkit::v1::frontend as gw;

use super::bridge::Bridge;
use super::error::FrontendError;
use super::opts::{ResolveMode, SbomOpts};

const SRC_DIR: &str = "/run/src/";
const OUT_DIR: &str = "/run/out/";
const CORE_NAME: &str = "sbom";
/// in-toto's `PredicateSPDX`.
const SPDX_PREDICATE: &str = "https://spdx.dev/Document";

/// A scanner image, resolved: what to run and with which environment.
pub(crate) struct Scanner {
    image: String,
    args: Vec<String>,
    env: Vec<String>,
    workdir: String,
    params: Vec<(String, String)>,
    /// The build platform (`BuildPlatforms[0]`): the scanner runs there (frontend 1.26).
    platform: Platform,
}

#[derive(Deserialize, Default)]
struct ImageJson {
    #[serde(default)]
    config: ConfigJson,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct ConfigJson {
    #[serde(default)]
    entrypoint: Option<Vec<String>>,
    #[serde(default)]
    cmd: Option<Vec<String>>,
    #[serde(default)]
    env: Option<Vec<String>>,
    #[serde(default)]
    working_dir: String,
}

impl Scanner {
    /// `CreateSBOMScanner`: resolves the scanner's config for the build platform; it must
    /// have an entrypoint or cmd.
    pub(crate) async fn resolve(
        bridge: &Bridge,
        opts: &SbomOpts,
        resolve_mode: ResolveMode,
        build_platform: &crate::convert::Platform,
    ) -> Result<Scanner, FrontendError> {
        let platform = build_platform.to_llb();
        let resolved = bridge
            .resolve_image_config(
                &opts.generator,
                Some(platform.to_pb()),
                resolve_mode.attr(),
                "",
            )
            .await?;
        let image: ImageJson = serde_json::from_slice(&resolved.config).map_err(|e| {
            FrontendError::Convert(format!("invalid image config of {}: {e}", opts.generator))
        })?;
        let config = image.config;
        let args: Vec<String> = config
            .entrypoint
            .unwrap_or_default()
            .into_iter()
            .chain(config.cmd.unwrap_or_default())
            .collect();
        if args.is_empty() {
            return Err(FrontendError::Convert(format!(
                "scanner {} does not have cmd",
                resolved.reference
            )));
        }
        Ok(Scanner {
            image: resolved.reference,
            args,
            env: config.env.unwrap_or_default(),
            workdir: config.working_dir,
            // The reference ranges over a Go map here (random order); we sort.
            params: opts
                .params
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            platform,
        })
    }

    /// The scan of one platform's result: its `/run/out/` mount, to solve.
    pub(crate) fn scan(
        &self,
        platform_id: &str,
        targets: &SbomTargets,
    ) -> Result<llb::Definition, FrontendError> {
        let platform = self.platform.clone();
        let mut env: Vec<(String, String)> = self
            .env
            .iter()
            .map(|e| {
                let (k, v) = e.split_once('=').unwrap_or((e, ""));
                (k.to_string(), v.to_string())
            })
            .collect();
        env.push(("BUILDKIT_SCAN_DESTINATION".into(), OUT_DIR.into()));
        env.push((
            "BUILDKIT_SCAN_SOURCE".into(),
            format!("{SRC_DIR}core/{CORE_NAME}"),
        ));
        if !targets.extras.is_empty() {
            env.push((
                "BUILDKIT_SCAN_SOURCE_EXTRAS".into(),
                format!("{SRC_DIR}extras"),
            ));
        }
        for (k, v) in &self.params {
            env.push((format!("BUILDKIT_SCAN_{k}"), v.clone()));
        }
        let reference = llb::normalize_image_ref(&self.image).unwrap_or_else(|| self.image.clone());
        let image = Source::image(reference).platform(platform.clone()).build();
        let tmp = if platform.os == "windows" {
            // `scannerTmpMount`: Windows has no tmpfs, so the image's own /tmp (made when
            // missing), with the scan's changes thrown away.
            let made = FileOp::new(image.clone())
                .mkdir(Mkdir::new("/tmp", 0o777).make_parents(true))
                .platform(platform.clone())
                .build()
                .map_err(|e| FrontendError::Convert(format!("sbom scanner: {e}")))?;
            Mount::bind("/tmp", made).selector("/tmp").no_output()
        } else {
            Mount::tmpfs("/tmp")
        };
        let mut exec = Exec::new(self.args.clone())
            .root(image)
            .cwd(crate::go::path::clean_path(&format!("/{}", self.workdir)))
            .platform(platform)
            .custom_name(format!(
                "[{platform_id}] generating sbom using {}",
                self.image
            ))
            .mount(tmp)
            .mount(
                Mount::bind(format!("{SRC_DIR}core/{CORE_NAME}"), targets.core.clone()).readonly(),
            );
        for (k, v) in env {
            exec = exec.env(k, v);
        }
        for (name, extra) in &targets.extras {
            exec = exec.mount(
                Mount::bind(format!("{SRC_DIR}extras/{CORE_NAME}-{name}"), extra.clone())
                    .readonly(),
            );
        }
        exec = exec.mount(Mount::bind(OUT_DIR, None));
        if targets.ignore_cache {
            exec = exec.ignore_cache(true);
        }
        let outputs = exec
            .build()
            .map_err(|e| FrontendError::Convert(format!("sbom scanner: {e}")))?;
        Ok(llb::Definition::marshal_opt(
            outputs.mount(OUT_DIR).as_ref(),
        ))
    }
}

/// The attestation for a solved scan (`result.Attestation` through `AttestationToPB`).
pub fn attestation(ref_id: String) -> gw::Attestation {
    gw::Attestation {
        kind: gw::AttestationKind::Bundle as i32,
        metadata: [("reason", "sbom"), ("sbom-core", CORE_NAME)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
            .collect(),
        r#ref: Some(gw::Ref {
            id: ref_id,
            def: None,
        }),
        path: String::new(),
        in_toto_predicate_type: SPDX_PREDICATE.to_string(),
        in_toto_subjects: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn the_scan_mounts_the_result_and_the_extras() {
        let scanner = Scanner {
            image: "docker.io/library/scanner:latest".into(),
            args: vec!["sh".into(), "/scan.sh".into()],
            env: vec!["PATH=/bin".into()],
            workdir: String::new(),
            params: vec![("MODE".into(), "fast".into())],
            platform: Platform::parse("linux/arm64").unwrap(),
        };
        let core = Source::image("docker.io/library/busybox:latest").build();
        let stage = Source::image("docker.io/library/alpine:latest").build();
        let targets = SbomTargets {
            core: Some(core),
            extras: BTreeMap::from([
                ("build".to_string(), Some(stage)),
                ("context".to_string(), None),
            ]),
            ignore_cache: false,
        };
        let json = scanner
            .scan("linux/amd64", &targets)
            .unwrap()
            .to_json()
            .to_string();
        for want in [
            "BUILDKIT_SCAN_DESTINATION=/run/out/",
            "BUILDKIT_SCAN_SOURCE=/run/src/core/sbom",
            "BUILDKIT_SCAN_SOURCE_EXTRAS=/run/src/extras",
            "BUILDKIT_SCAN_MODE=fast",
            "/run/src/extras/sbom-build",
            "/run/src/extras/sbom-context",
            "[linux/amd64] generating sbom using docker.io/library/scanner:latest",
            // The scanner runs on the build platform, whatever the result's platform.
            r#""architecture":"arm64""#,
        ] {
            assert!(json.contains(want), "{want} missing in {json}");
        }
        let without = SbomTargets {
            extras: BTreeMap::new(),
            ..targets
        };
        let json = scanner
            .scan("linux/amd64", &without)
            .unwrap()
            .to_json()
            .to_string();
        assert!(!json.contains("BUILDKIT_SCAN_SOURCE_EXTRAS"), "{json}");
    }

    #[test]
    fn a_windows_scanner_mounts_its_own_tmp_not_a_tmpfs() {
        let scan = |platform: &str| {
            let scanner = Scanner {
                image: "docker.io/library/scanner:latest".into(),
                args: vec!["scan".into()],
                env: Vec::new(),
                workdir: String::new(),
                params: Vec::new(),
                platform: Platform::parse(platform).unwrap(),
            };
            let targets = SbomTargets {
                core: Some(Source::image("docker.io/library/busybox:latest").build()),
                extras: BTreeMap::new(),
                ignore_cache: false,
            };
            scanner.scan("p", &targets).unwrap().into_pb()
        };
        let ops = |def: &crate::proto::pb::Definition| -> Vec<crate::proto::pb::Op> {
            use prost::Message;
            def.def
                .iter()
                .map(|b| crate::proto::pb::Op::decode(&b[..]).unwrap())
                .collect()
        };
        let exec_of = |ops: &[crate::proto::pb::Op]| {
            ops.iter()
                .find_map(|op| match &op.op {
                    Some(crate::proto::pb::op::Op::Exec(e)) => Some(e.clone()),
                    _ => None,
                })
                .unwrap()
        };
        let linux = ops(&scan("linux/amd64"));
        let tmp = exec_of(&linux)
            .mounts
            .into_iter()
            .find(|m| m.dest == "/tmp")
            .unwrap();
        assert_eq!(tmp.mount_type, crate::proto::pb::MountType::Tmpfs as i32);

        let windows = ops(&scan("windows/amd64"));
        let mkdir = windows
            .iter()
            .find_map(|op| match &op.op {
                Some(crate::proto::pb::op::Op::File(f)) => Some(f.clone()),
                _ => None,
            })
            .expect("a file op makes /tmp");
        let Some(crate::proto::pb::file_action::Action::Mkdir(made)) = &mkdir.actions[0].action
        else {
            panic!("not a mkdir: {mkdir:?}");
        };
        assert_eq!(
            (made.path.as_str(), made.mode, made.make_parents),
            ("/tmp", 0o777, true)
        );
        let tmp = exec_of(&windows)
            .mounts
            .into_iter()
            .find(|m| m.dest == "/tmp")
            .unwrap();
        assert_eq!(tmp.mount_type, crate::proto::pb::MountType::Bind as i32);
        assert_eq!(
            (tmp.selector.as_str(), tmp.output, tmp.readonly),
            ("/tmp", -1, false)
        );
        assert!(tmp.input >= 0, "the made /tmp is the mount's input");
    }
}
