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

use e2e_support::{compare, env, fixture};
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
        let root = env().root;
        if std::env::var("DFLLB_FRONTEND_PREBUILT").as_deref() != Ok("1") {
            let out = Command::new("bash")
                .arg(root.join("scripts/build-frontend-image.sh"))
                .output()
                .expect("running scripts/build-frontend-image.sh");
            assert!(
                out.status.success(),
                "build-frontend-image.sh failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
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
fn build(route: Route, context: &Path, dockerfile: &Path, args: &[&str], outputs: &[String]) -> Run {
    our_frontend_digest();
    let mut cmd = match route {
        Route::Gateway | Route::SyntaxDirective => {
            let mut cmd = Command::new("buildctl");
            cmd.arg("build").arg("--progress=plain");
            if route == Route::Gateway {
                cmd.args(["--frontend", "gateway.v0", "--opt", "source=myorg/frontend"]);
            } else {
                cmd.args(["--frontend", "dockerfile.v0"]);
            }
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

/// The image config of the single image in an OCI layout directory.
fn image_config(layout: &Path) -> Value {
    let read = |digest: &str| -> Value {
        let (algo, hex) = digest.split_once(':').unwrap();
        serde_json::from_slice(&std::fs::read(layout.join("blobs").join(algo).join(hex)).unwrap())
            .unwrap()
    };
    let index: Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let mut manifest = read(index["manifests"][0]["digest"].as_str().unwrap());
    while manifest.get("manifests").is_some() {
        manifest = read(manifest["manifests"][0]["digest"].as_str().unwrap());
    }
    read(manifest["config"]["digest"].as_str().unwrap())
}

/// The result of building one pattern through every route.
struct Built {
    /// Keeps the layouts until the test ends.
    _work: tempfile::TempDir,
    /// The image config of the reference frontend's build.
    config: Value,
    /// The root filesystem of our frontend's build (route 1), exported by BuildKit.
    rootfs: PathBuf,
}

/// Compares pattern `name` (tests/fixtures/patterns/NAME, built with `args`) with the reference
/// frontend, then builds it through every route and finds each image equal to the reference's.
/// Route 1 is built twice; the second build must be fully cached.
fn build_pattern(name: &str, args: &[&str]) -> Built {
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

    let rootfs = work.path().join("rootfs");
    for route in ROUTES {
        let layout = work.path().join(format!("{route:?}"));
        let mut outputs = vec![format!("type=oci,dest={},tar=false", layout.display())];
        if route == Route::Gateway {
            outputs.push(format!("type=local,dest={}", rootfs.display()));
        }
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
    }

    let again = build(Route::Gateway, &context, &dockerfile, args, &[]);
    assert!(again.success, "{name}: second build failed:\n{}", again.log);
    assert_fully_cached(name, &again.log);

    Built {
        config: image_config(&reference),
        _work: work,
        rootfs,
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
    let built = build_pattern("1-system-builder", &[]);
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
    assert!(env.contains(&"TOOLS_HOME=/opt/tools".to_string()), "{env:?}");
    assert!(env.contains(&"APP_ENV=production".to_string()), "{env:?}");
}

#[test]
fn pattern1_target_system_builder_stops_there() {
    let built = build_pattern("1-system-builder", &["--target", "system_builder"]);
    assert!(built.rootfs.join("opt/tools/bin/greeter").is_file());
    assert!(
        !built.rootfs.join("srv/app").exists(),
        "the application stage was built into the target"
    );
    let config = &built.config["config"];
    assert_eq!(config["Cmd"], json!(["bash"]), "debian's CMD is kept");
    assert!(config.get("User").is_none(), "{config}");
    let env = env_of(&built.config);
    assert!(env.contains(&"TOOLS_HOME=/opt/tools".to_string()), "{env:?}");
    assert!(!env.iter().any(|e| e.starts_with("APP_ENV=")), "{env:?}");
}

#[test]
fn pattern2_python_app_builder_and_slim_final_stage() {
    let built = build_pattern("2-python-app", &[]);
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
    let built = build_pattern("3-numbered-stages", &[]);
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
    let built = build_pattern("4-node-like", &[]);
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
    let built = build_pattern("5-c-scratch", &[]);
    let files: Vec<String> = walk(&built.rootfs);
    assert_eq!(files, ["usr", "usr/local", "usr/local/bin", "usr/local/bin/greeter"]);
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
    let built = build_pattern("5-c-scratch", &["--target", "development"]);
    for path in [
        "usr/src/greeter/greeter.c",
        "usr/src/greeter/greeting.h",
        "usr/src/greeter/greeter",
        "usr/bin/gcc",
    ] {
        assert!(built.rootfs.join(path).exists(), "{path} missing");
    }
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
