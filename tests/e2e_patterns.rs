#![cfg(feature = "e2e")]
//! The end-to-end proof of issue 3 on a real BuildKit: the five multi-stage patterns of
//! tests/fixtures/patterns, each compared with the reference frontend by scripts/compare and built
//! through the three routes a user has to our frontend:
//!
//! 1. `buildctl --frontend gateway.v0 --opt source=myorg/frontend`;
//! 2. `buildctl --frontend dockerfile.v0`, the reference forwarding to us on `# syntax=myorg/frontend`;
//! 3. `docker buildx build` on the environment's builder (remote driver, same buildkitd).
//!
//! Every route's image must be equal (scripts/compare) to the reference frontend's. Routes 2 and 3
//! must show that our frontend ran: BuildKit's progress names the frontend image it loaded by digest
//! (`docker-image://docker.io/myorg/frontend:latest@sha256:…`), and that digest is the image
//! scripts/build-frontend-image.sh pushed, whose entrypoint is our binary.
//!
//! Also: a stage the target does not need is not built, Dockerfile errors name their line through
//! buildctl and buildx, the LLB is byte-identical from one conversion to the next, and a second
//! build is fully cached.
//!
//! Run with `bash scripts/test.sh`, or after `source $DFLLB_RUN/env.sh`:
//! `cargo test --features e2e --test e2e_patterns`. With `DFLLB_FRONTEND_PREBUILT=1` the
//! frontend image already in the registry is used as it is (no release build); it is still checked
//! to be ours.

mod e2e_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use e2e_support::{blob, compare, env, fixture, image_config, manifest};
use serde_json::{json, Value};

const OUR_IMAGE: &str = "docker.io/myorg/frontend:latest";

/// The three ways a user reaches our frontend.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Route {
    /// `buildctl --frontend gateway.v0 --opt source=myorg/frontend`
    Gateway,
    /// `buildctl --frontend dockerfile.v0`: the reference reads `# syntax=myorg/frontend` and forwards.
    SyntaxDirective,
    /// `docker buildx build` with the remote driver on our buildkitd.
    Buildx,
    /// The reference frontend itself (`dockerfile.v0` with `cmdline` set, so it does not forward).
    Reference,
}

const ROUTES: [Route; 3] = [Route::Gateway, Route::SyntaxDirective, Route::Buildx];

/// What one build printed.
struct Run {
    success: bool,
    /// stdout and stderr (buildctl and buildx print their progress on stderr).
    log: String,
}

/// Builds and pushes our frontend image once per test binary; returns its manifest digest.
fn our_frontend_digest() -> &'static str {
    static DIGEST: OnceLock<String> = OnceLock::new();
    DIGEST.get_or_init(|| {
        e2e_support::push_frontend_image();
        let reference = format!("docker://{}/myorg/frontend:latest", env().registry);
        let inspect = skopeo(&["inspect", &reference]);
        let config = skopeo(&["inspect", "--config", &reference]);
        // The image in the registry is ours, not e.g. the reference frontend pushed under our name.
        assert_eq!(
            config["config"]["Entrypoint"],
            json!(["/dockerfile-llb", "frontend"]),
            "{reference} is not our frontend image"
        );
        inspect["Digest"]
            .as_str()
            .expect("skopeo inspect gives a Digest")
            .to_string()
    })
}

fn skopeo(args: &[&str]) -> Value {
    let out = Command::new("skopeo")
        .args(args)
        .arg("--tls-verify=false")
        .output()
        .expect("running skopeo");
    assert!(
        out.status.success(),
        "skopeo {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("skopeo prints JSON")
}

/// One build of `dockerfile` (in `context`) through `route`. `outputs` are buildctl `--output`
/// values; buildx takes only the first.
fn build(
    route: Route,
    context: &Path,
    dockerfile: &Path,
    args: &[&str],
    outputs: &[String],
) -> Run {
    our_frontend_digest();
    let mut cmd = match route {
        Route::Gateway | Route::SyntaxDirective | Route::Reference => {
            let mut cmd = Command::new("buildctl");
            cmd.arg("build").arg("--progress=plain");
            match route {
                Route::Gateway => {
                    cmd.args(["--frontend", "gateway.v0", "--opt", "source=myorg/frontend"])
                }
                Route::SyntaxDirective => cmd.args(["--frontend", "dockerfile.v0"]),
                _ => cmd.args([
                    "--frontend",
                    "dockerfile.v0",
                    "--opt",
                    "cmdline=dockerfile.v0",
                ]),
            };
            cmd.arg("--local")
                .arg(format!("context={}", context.display()))
                .arg("--local")
                .arg(format!(
                    "dockerfile={}",
                    dockerfile.parent().unwrap().display()
                ))
                .arg("--opt")
                .arg(format!(
                    "filename={}",
                    dockerfile.file_name().unwrap().to_str().unwrap()
                ));
            for pair in args.chunks(2) {
                match pair {
                    ["--target", t] => cmd.arg("--opt").arg(format!("target={t}")),
                    ["--build-arg", kv] => cmd.arg("--opt").arg(format!("build-arg:{kv}")),
                    _ => panic!("unsupported build arguments {pair:?}"),
                };
            }
            for output in outputs {
                cmd.arg("--output").arg(output);
            }
            cmd
        }
        Route::Buildx => {
            let mut cmd = Command::new("docker");
            // No attestations: they would add manifests to the OCI layout that the reference
            // build does not have.
            cmd.args([
                "buildx",
                "build",
                "--progress=plain",
                "--provenance=false",
                "--sbom=false",
            ])
            .arg("--file")
            .arg(dockerfile)
            .args(args);
            if let Some(output) = outputs.first() {
                cmd.arg("--output").arg(output);
            }
            cmd.arg(context);
            cmd
        }
    };
    let out = cmd.output().expect("running the build client");
    Run {
        success: out.status.success(),
        log: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// The progress line BuildKit prints when it loads our frontend image to run it.
fn assert_our_frontend_ran(route: Route, log: &str) {
    let loaded = format!("docker-image://{OUR_IMAGE}@{}", our_frontend_digest());
    assert!(
        log.lines()
            .any(|l| l.split_whitespace().nth(1) == Some(loaded.as_str())),
        "{route:?}: BuildKit did not load our frontend image ({loaded}):\n{log}"
    );
}

/// Unpacks the image's layers after the first `skip` into `dest` (with tar; the images here
/// delete nothing, so there are no whiteouts to apply).
fn unpack_layers(layout: &Path, skip: usize, dest: &Path) {
    std::fs::create_dir_all(dest).unwrap();
    let layers = manifest(layout)["layers"].as_array().unwrap().clone();
    assert!(
        layers.len() > skip,
        "{} layers, {skip} from the base",
        layers.len()
    );
    for layer in &layers[skip..] {
        let media_type = layer["mediaType"].as_str().unwrap();
        assert!(media_type.ends_with("gzip"), "{media_type}");
        let status = Command::new("tar")
            .arg("-xzf")
            .arg(blob(layout, layer["digest"].as_str().unwrap()))
            .arg("-C")
            .arg(dest)
            .status()
            .expect("running tar");
        assert!(status.success(), "tar failed on {layer}");
    }
}

/// The result of building one pattern through every route.
struct Built {
    /// Keeps the layouts until the test ends.
    _work: tempfile::TempDir,
    /// The image config of the reference frontend's build.
    config: Value,
    /// The files our frontend's build (route 1) added on top of its base image: its layers after
    /// the base image's, unpacked.
    rootfs: PathBuf,
    /// The progress output of each route's build.
    logs: Vec<(Route, String)>,
}

/// Compares pattern `name` (tests/fixtures/patterns/NAME, built with `args`) with the reference
/// frontend, then builds it through every route and finds each image equal to the reference's.
/// Route 1 is built twice; the second build must be fully cached. `base_layers` is the number of
/// layers of the target's base image (0 for scratch): the layers after them are unpacked.
fn build_pattern(name: &str, args: &[&str], base_layers: usize) -> Built {
    let context = fixture(&format!("patterns/{name}"));
    let dockerfile = context.join("Dockerfile");
    let work = tempfile::tempdir().unwrap();
    let cmp_dir = work.path().join("compare");

    let mut compare_args: Vec<String> = vec![
        "--context".into(),
        context.display().to_string(),
        "--out".into(),
        cmp_dir.display().to_string(),
    ];
    compare_args.extend(args.iter().map(|a| a.to_string()));
    let out = compare(&compare_args);
    out.expect_code(0);
    assert!(out.stdout.contains("compare: equal"), "{}", out.stdout);
    let reference = cmp_dir.join("left");

    let mut logs = Vec::new();
    for route in ROUTES {
        let layout = work.path().join(format!("{route:?}"));
        let outputs = [format!("type=oci,dest={},tar=false", layout.display())];
        let run = build(route, &context, &dockerfile, args, &outputs);
        assert!(run.success, "{name}: {route:?} build failed:\n{}", run.log);
        if route != Route::Gateway {
            assert_our_frontend_ran(route, &run.log);
        }
        let same = compare(&[
            "--left-oci",
            reference.to_str().unwrap(),
            "--right-oci",
            layout.to_str().unwrap(),
        ]);
        assert_eq!(
            same.code, 0,
            "{name}: {route:?} differs from the reference frontend:\n{}{}",
            same.stdout, same.stderr
        );
        logs.push((route, run.log));
    }

    let again = build(Route::Gateway, &context, &dockerfile, args, &[]);
    assert!(again.success, "{name}: second build failed:\n{}", again.log);
    assert_fully_cached(name, &again.log);

    let rootfs = work.path().join("rootfs");
    unpack_layers(&work.path().join("Gateway"), base_layers, &rootfs);
    Built {
        config: image_config(&reference),
        _work: work,
        rootfs,
        logs,
    }
}

/// Every Dockerfile step of a build (`[stage n/m] …` vertices) other than FROM is CACHED, and no
/// image layer is pulled or extracted. (FROM vertices only resolve the image: BuildKit reports
/// them DONE, not CACHED, even when nothing is done.)
fn assert_fully_cached(name: &str, log: &str) {
    let mut names = BTreeMap::new();
    let mut cached = std::collections::BTreeSet::new();
    for line in log.lines() {
        let Some((id, rest)) = line.split_once(' ') else {
            continue;
        };
        if !id.starts_with('#') {
            continue;
        }
        if rest == "CACHED" {
            cached.insert(id.to_string());
        } else if rest.starts_with('[') && !names.contains_key(id) {
            names.insert(id.to_string(), rest.to_string());
        }
    }
    let steps: Vec<(&String, &String)> = names
        .iter()
        .filter(|(_, n)| is_dockerfile_step(n) && !n.contains("] FROM "))
        .collect();
    assert!(!steps.is_empty(), "{name}: no Dockerfile steps in:\n{log}");
    for (id, step) in steps {
        assert!(
            cached.contains(id),
            "{name}: second build ran {step} again:\n{log}"
        );
    }
    assert!(
        !log.contains("extracting sha256:"),
        "{name}: second build extracted layers:\n{log}"
    );
}

/// `[stage 2/5] RUN …`, `[3/4] COPY …`: the vertices the Dockerfile's instructions made.
fn is_dockerfile_step(name: &str) -> bool {
    let Some(label) = name
        .strip_prefix('[')
        .and_then(|n| n.split_once(']'))
        .map(|(l, _)| l)
    else {
        return false;
    };
    let count = label.rsplit(' ').next().unwrap();
    count
        .split_once('/')
        .is_some_and(|(a, b)| a.parse::<u32>().is_ok() && b.parse::<u32>().is_ok())
}

fn read(rootfs: &Path, path: &str) -> String {
    std::fs::read_to_string(rootfs.join(path.trim_start_matches('/')))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn env_of(config: &Value) -> Vec<String> {
    config["config"]["Env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn pattern1_system_builder_then_from_system_builder() {
    let built = build_pattern("1-system-builder", &[], 1);
    assert_eq!(
        read(&built.rootfs, "/srv/app/var/greeting.txt"),
        "greeter 1.2.0: hello, production\n"
    );
    assert_eq!(
        read(&built.rootfs, "/srv/app/var/setup.log"),
        "configured for production\n"
    );
    assert!(built.rootfs.join("srv/app/config/app.conf").is_file());
    let config = &built.config["config"];
    assert_eq!(config["WorkingDir"], "/srv/app");
    assert_eq!(config["User"], "app");
    assert_eq!(config["Cmd"], json!(["./bin/start.sh"]));
    let env = env_of(&built.config);
    assert!(
        env.contains(&"TOOLS_HOME=/opt/tools".to_string()),
        "{env:?}"
    );
    assert!(env.contains(&"APP_ENV=production".to_string()), "{env:?}");
}

#[test]
fn pattern1_target_system_builder_stops_there() {
    let built = build_pattern("1-system-builder", &["--target", "system_builder"], 1);
    assert!(built.rootfs.join("opt/tools/bin/greeter").is_file());
    assert!(
        !built.rootfs.join("srv/app").exists(),
        "the application stage was built into the target"
    );
    let config = &built.config["config"];
    assert_eq!(config["Cmd"], json!(["bash"]), "debian's CMD is kept");
    assert!(config.get("User").is_none(), "{config}");
    let env = env_of(&built.config);
    assert!(
        env.contains(&"TOOLS_HOME=/opt/tools".to_string()),
        "{env:?}"
    );
    assert!(!env.iter().any(|e| e.starts_with("APP_ENV=")), "{env:?}");
}

#[test]
fn pattern2_python_app_builder_and_slim_final_stage() {
    let built = build_pattern("2-python-app", &[], 1);
    assert_eq!(read(&built.rootfs, "/app/VERSION"), "0.3.1\n");
    assert_eq!(
        read(&built.rootfs, "/app/INSTALLED"),
        "lib/hello_app/__init__.py\nlib/hello_app/__main__.py\nlib/hello_app/server.py\nbin/hello-app\n"
    );
    assert!(
        !built.rootfs.join("src").exists(),
        "the builder's sources leaked into the final stage"
    );
    let config = &built.config["config"];
    assert_eq!(config["ExposedPorts"], json!({"8000/tcp": {}}));
    assert_eq!(config["Cmd"], json!(["/app/bin/hello-app"]));
    assert_eq!(config["WorkingDir"], "/app");
    assert_eq!(config["User"], "nobody");
    assert!(env_of(&built.config).contains(&"PORT=8000".to_string()));
}

#[test]
fn pattern3_stages_by_number_and_external_image() {
    let built = build_pattern("3-numbered-stages", &[], 1);
    assert_eq!(
        read(&built.rootfs, "/usr/share/dict/words"),
        "apple\nbanana\nfig\nkiwi\npear\n"
    );
    assert_eq!(read(&built.rootfs, "/usr/share/dict/count").trim(), "5");
    assert!(read(&built.rootfs, "/usr/share/dict/words.index").starts_with("+ apple\n"));
    let busybox = built.rootfs.join("usr/local/bin/busybox");
    assert!(busybox.is_file(), "COPY --from=busybox:latest");
    assert_eq!(
        std::fs::read_link(built.rootfs.join("usr/local/bin/wget")).unwrap(),
        Path::new("busybox")
    );
    assert_eq!(
        built.config["config"]["Cmd"],
        json!(["cat", "/usr/share/dict/words"])
    );
}

#[test]
fn pattern4_lower_case_as_glob_and_dist_into_server() {
    let built = build_pattern("4-node-like", &[], 1);
    let html = built.rootfs.join("var/www/html");
    assert_eq!(read(&html, "VERSION"), "1.4.0\n");
    let bundle = read(&html, "app.js");
    assert!(bundle.starts_with("/* src/greet.js */\n"), "{bundle}");
    assert!(bundle.contains("/* src/main.js */\n"), "{bundle}");
    assert!(!bundle.contains("//"), "comments are stripped: {bundle}");
    assert!(html.join("index.html").is_file());
    assert!(!built.rootfs.join("usr/src/app").exists());
    let config = &built.config["config"];
    assert_eq!(config["ExposedPorts"], json!({"8080/tcp": {}}));
    assert_eq!(config["User"], "www");
    assert_eq!(
        config["Cmd"],
        json!(["httpd", "-f", "-v", "-p", "8080", "-h", "/var/www/html"])
    );
}

#[test]
fn pattern5_c_program_in_scratch_runs() {
    let built = build_pattern("5-c-scratch", &[], 0);
    let files: Vec<String> = walk(&built.rootfs);
    assert_eq!(
        files,
        ["usr", "usr/local", "usr/local/bin", "usr/local/bin/greeter"]
    );
    let greeter = built.rootfs.join("usr/local/bin/greeter");
    let out = Command::new(&greeter).output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Hello from scratch, built by a multi-stage Dockerfile!\n"
    );
    let out = Command::new(&greeter).arg("e2e").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "Hello, e2e!\n");
    let config = &built.config["config"];
    assert_eq!(config["Entrypoint"], json!(["/usr/local/bin/greeter"]));
    assert!(config.get("Cmd").is_none(), "{config}");
}

#[test]
fn pattern5_target_development_gives_that_stage() {
    let built = build_pattern("5-c-scratch", &["--target", "development"], 1);
    for path in [
        "usr/src/greeter/greeter.c",
        "usr/src/greeter/greeting.h",
        "usr/src/greeter/greeter",
    ] {
        assert!(built.rootfs.join(path).exists(), "{path} missing");
    }
    let out = Command::new(built.rootfs.join("usr/src/greeter/greeter"))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Hello from scratch, built by a multi-stage Dockerfile!\n"
    );
    let config = &built.config["config"];
    assert_eq!(config["Cmd"], json!(["./greeter"]));
    assert_eq!(config["WorkingDir"], "/usr/src/greeter");
    assert!(config.get("Entrypoint").is_none(), "{config}");
}

/// Paths under `root`, relative, sorted.
fn walk(root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            found.push(
                path.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            );
            if path.is_dir() && !path.is_symlink() {
                pending.push(path);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn stage_the_target_does_not_need_is_not_built() {
    let built = build_pattern("unused-stage", &[], 1);
    assert_eq!(read(&built.rootfs, "/srv/asset.txt"), "asset built\n");
    for (route, log) in &built.logs {
        assert!(
            !log.contains("exit 42") && !log.contains("[broken ") && !log.contains("[lint "),
            "{route:?} built a stage the target does not need:\n{log}"
        );
    }
    // Control: the unused stages really fail when a target needs them.
    let context = fixture("patterns/unused-stage");
    for target in ["broken", "lint"] {
        let run = build(
            Route::Gateway,
            &context,
            &context.join("Dockerfile"),
            &["--target", target],
            &[],
        );
        assert!(!run.success, "--target {target} succeeded:\n{}", run.log);
        assert!(
            run.log
                .contains("did not complete successfully: exit code: 42"),
            "--target {target}:\n{}",
            run.log
        );
    }
}

/// Builds tests/fixtures/patterns/errors/FILE with the reference frontend, then through buildctl
/// (gateway.v0) and buildx with ours: all fail, naming `FILE:LINE` and marking that line in the
/// excerpt BuildKit prints, with `what` in the message.
fn assert_error_names_line(file: &str, line: usize, what: &str) {
    let context = fixture("patterns/errors");
    let dockerfile = context.join(file);
    for route in [Route::Reference, Route::Gateway, Route::Buildx] {
        let run = build(route, &context, &dockerfile, &[], &[]);
        assert!(
            !run.success,
            "{file}: {route:?} build succeeded:\n{}",
            run.log
        );
        let header = format!("{file}:{line}\n");
        let marked = format!("{line:>4} | >>> ");
        assert!(
            run.log.contains(&header) && run.log.contains(&marked),
            "{file}: {route:?} does not name line {line}:\n{}",
            run.log
        );
        let last = run.log.trim_end().lines().last().unwrap_or_default();
        assert!(
            last.contains("failed to solve") && last.contains(what),
            "{file}: {route:?} error does not mention {what}: {last}"
        );
        if route == Route::Buildx {
            assert_our_frontend_ran(route, &run.log);
        }
    }
}

#[test]
fn error_unknown_instruction_names_the_line() {
    assert_error_names_line("unknown-instruction.Dockerfile", 6, "RUNN");
}

#[test]
fn error_copy_from_undefined_stage_names_the_line() {
    assert_error_names_line("undefined-stage.Dockerfile", 6, "bulider");
}

#[test]
fn error_missing_source_file_names_the_line() {
    assert_error_names_line("missing-file.Dockerfile", 5, "\"/missing.txt\": not found");
}

/// `dockerfile-llb llb` run twice (two processes) prints the same bytes, for every pattern.
#[test]
fn llb_is_byte_identical_from_one_conversion_to_the_next() {
    let bin = env!("CARGO_BIN_EXE_dockerfile-llb");
    let cases: [(&str, &[&str]); 8] = [
        ("1-system-builder", &[]),
        ("1-system-builder", &["--target", "system_builder"]),
        ("2-python-app", &[]),
        ("3-numbered-stages", &[]),
        ("4-node-like", &[]),
        ("5-c-scratch", &[]),
        ("5-c-scratch", &["--target", "development"]),
        ("unused-stage", &[]),
    ];
    for (name, args) in cases {
        let dockerfile = fixture(&format!("patterns/{name}")).join("Dockerfile");
        let convert = || {
            let out = Command::new(bin)
                .arg("llb")
                .arg("--file")
                .arg(&dockerfile)
                .args(args)
                .output()
                .expect("running dockerfile-llb llb");
            assert!(
                out.status.success() && !out.stdout.is_empty(),
                "dockerfile-llb llb {name} {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            out.stdout
        };
        let (first, second) = (convert(), convert());
        assert!(
            first == second,
            "{name} {args:?}: two conversions differ ({} and {} bytes)",
            first.len(),
            second.len()
        );
    }
}
