//! Graphs shared by the llb integration tests.

use dockerfile_llb::llb::*;
use dockerfile_llb::proto::pb;

/// The graph of tests/go/llb-check/reference.go, built with our builder: every op type, every
/// mount kind, every map, empty map values included.
pub fn reference_graph() -> Output {
    let amd64 = Platform::new("linux", "amd64");
    let image = Source::image(normalize_image_ref("alpine:3.20").unwrap())
        .platform(amd64.clone())
        .build();
    let local = Source::local("context")
        .session("session-1")
        .shared_key_hint("context")
        .exclude_patterns(&["*.md".to_string(), ".git".to_string()])
        .custom_name("[internal] load build context")
        .build();
    let run = Exec::shell("echo hi > /out/x")
        .root(image.clone())
        .env("A", "1")
        .env("EMPTY", "")
        .cwd("/work")
        .user("app")
        .hostname("builder")
        .mount(
            Mount::bind("/ctx", local.clone())
                .readonly()
                .selector("/sub"),
        )
        .mount(Mount::cache(
            "/root/.cache",
            "go-build",
            CacheSharing::Locked,
        ))
        .mount(Mount::tmpfs("/tmp").size(1 << 20))
        .mount(Mount::bind("/out", None))
        .secret(SecretMount::file("token", "/run/secrets/token").optional(true))
        .secret(SecretMount::env("npmrc", "NPM_TOKEN"))
        .ssh(SshMount::new("default"))
        .network(NetMode::None)
        .security(SecurityMode::Insecure)
        .proxy_env(ProxyEnv {
            http_proxy: "http://proxy:3128".into(),
            no_proxy: "localhost".into(),
            ..ProxyEnv::default()
        })
        .extra_host("db", "10.0.0.2")
        .ulimit("nofile", 1024, 2048)
        .valid_exit_codes(vec![0, 1])
        .custom_name("RUN echo hi > /out/x")
        .description("com.docker.dockerfile.v1.command", "RUN echo hi > /out/x")
        .description("empty", "")
        .ignore_cache(true)
        .progress_group("stage-0", "build", false)
        .platform(amd64)
        .build()
        .unwrap();
    let out = run.mount("/out").unwrap();
    let files = FileOp::new(run.root())
        .mkdir(
            Mkdir::new("/app", 0o755)
                .make_parents(true)
                .owner(Chown::parse("app:staff")),
        )
        .copy(
            Copy::new(local, "/src", "/app/")
                .follow_symlinks(true)
                .dir_contents_only(true)
                .create_dest_path(true)
                .allow_wildcard(true)
                .allow_empty_wildcard(true)
                .include_patterns(vec!["*.go".into()])
                .exclude_patterns(vec!["vendor".into()])
                .mode(CopyMode::Symbolic("u+x".into()))
                .owner(Chown::ids(1000, 1000)),
        )
        .copy(
            Copy::new(out.clone(), "/x", "/app/x")
                .mode(CopyMode::Bits(0o644))
                .attempt_unpack(true)
                .always_replace_existing_dest_paths(true),
        )
        .mkfile(Mkfile::new("/app/config", 0o600, "key=value\n"))
        .rm(Rm::new("/app/tmp")
            .allow_not_found(true)
            .allow_wildcard(true))
        .symlink(Symlink::new("/app/config", "/etc/app.conf"))
        .custom_name("COPY src /app/")
        .build()
        .unwrap();
    let merged = Merge::new(vec![image.clone(), files, out])
        .custom_name("merge")
        .build()
        .unwrap();
    Diff::new(image, merged).custom_name("diff").build()
}

fn amd64() -> Platform {
    Platform::new("linux", "amd64")
}

/// `FROM alpine` / `WORKDIR /app` / `COPY . .` / `RUN make`, roughly as the converter will emit it.
pub fn small_build(dockerfile: &std::sync::Arc<SourceMap>) -> Output {
    let base = Source::image("docker.io/library/alpine:latest")
        .platform(amd64())
        .custom_name("[internal] load metadata for docker.io/library/alpine:latest")
        .location(dockerfile, vec![Range::lines(1, 1)])
        .build();
    let context = Source::local("context")
        .session("sess")
        .shared_key_hint("context")
        .custom_name("[internal] load build context")
        .build();
    let workdir = FileOp::new(base)
        .mkdir(Mkdir::new("/app", 0o755).make_parents(true))
        .custom_name("WORKDIR /app")
        .location(dockerfile, vec![Range::lines(2, 2)])
        .build()
        .unwrap();
    let copied = FileOp::new(workdir)
        .cwd("/app")
        .copy(
            Copy::new(context, "/", ".")
                .follow_symlinks(true)
                .dir_contents_only(true)
                .create_dest_path(true)
                .allow_wildcard(true)
                .allow_empty_wildcard(true),
        )
        .custom_name("COPY . .")
        .description("com.docker.dockerfile.v1.command", "COPY . .")
        .location(dockerfile, vec![Range::lines(3, 3)])
        .build()
        .unwrap();
    Exec::shell("make")
        .root(copied)
        .env(
            "PATH",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        )
        .cwd("/app")
        .platform(amd64())
        .custom_name("RUN make")
        .location(dockerfile, vec![Range::lines(4, 4)])
        .build()
        .unwrap()
        .root()
        .unwrap()
}

pub fn dockerfile() -> std::sync::Arc<SourceMap> {
    SourceMap::new(
        "Dockerfile",
        "Dockerfile",
        "FROM alpine\nWORKDIR /app\nCOPY . .\nRUN make\n",
    )
}

/// The `edgeCases` graph of tests/go/llb-check/reference.go: git and http sources, scratch and
/// read-only roots, no-output and content-cache mounts, relative paths, timestamps, CDI, and
/// one op built twice with different metadata.
pub fn edge_cases_graph() -> Output {
    let arm64 = Platform::new("linux", "arm64");
    let image = Source::image(
        normalize_image_ref(
            "busybox@sha256:0000000000000000000000000000000000000000000000000000000000000000",
        )
        .unwrap(),
    )
    .platform(arm64.clone().with_variant("v8"))
    .layer_limit(2)
    .resolve_mode(ResolveMode::ForcePull)
    .build();
    let git = Source::git("https://github.com/moby/buildkit.git", "v0.26.3:frontend")
        .keep_git_dir()
        .skip_submodules()
        .build();
    let http = Source::http("https://example.com/a.tar.gz")
        .http_filename("a.tgz")
        .http_perm(0o640)
        .http_chown(1000, 0)
        .build();
    let scratch_run = Exec::new(["/true"])
        .mount(Mount::bind("/bin", image.clone()).readonly())
        .mount(Mount::bind("/work", None))
        .cgroup_parent("builds")
        .custom_name("scratch root")
        .platform(Platform::new("linux", "amd64"))
        .build()
        .unwrap();
    let readonly_run = Exec::new(["ls"])
        .root(image.clone())
        .readonly_root(true)
        .mount(Mount::bind("/src", git).no_output())
        .mount(Mount::bind("/dl", http).content_cache(ContentCache::On))
        .mount(
            Mount::cache("/cache", "c1", CacheSharing::Shared)
                .from(image.clone())
                .selector("/var"),
        )
        .secret(SecretMount::file("s", "/s").owner(1, 2).mode(0o440))
        .ssh(
            SshMount::new("agent")
                .target("/ssh.sock")
                .owner(3, 4)
                .mode(0o660)
                .optional(true),
        )
        .cdi_device("vendor.com/gpu=all", true)
        .platform(arm64)
        .build()
        .unwrap();
    let ts = 1_700_000_000 * 1_000_000_000 + 42;
    let files = FileOp::new(scratch_run.mount("/work"))
        .cwd("/w")
        .mkdir(Mkdir::new("sub/dir", 0o700).timestamp(ts))
        .mkfile(Mkfile::new("sub/f", 0o644, Vec::new()).timestamp(ts))
        .copy(
            Copy::new(readonly_run.mount("/dl"), "rel/*.txt", "to/")
                .src_cwd("/from")
                .timestamp(ts)
                .required_paths(vec!["a".into()]),
        )
        .copy(Copy::new(image.clone(), "/etc/passwd", "./p").owner(Chown {
            user: Some(UserRef::Name("nobody".into())),
            group: None,
        }))
        .rm(Rm::new("x"))
        .symlink(Symlink::new("a", "b").timestamp(ts))
        .custom_name("files")
        .build()
        .unwrap();
    let twice = |builder: fn(FileOp) -> FileOp| {
        builder(FileOp::new(files.clone()).mkdir(Mkdir::new("/again", 0o755)))
            .build()
            .unwrap()
    };
    let first = twice(|op| op.custom_name("first").export_cache(true));
    let second = twice(|op| op.ignore_cache(true));
    Merge::new(vec![first, second, readonly_run.root().unwrap()])
        .build()
        .unwrap()
}

/// The `linuxResources` graph of tests/go/llb-check/reference.go: exec ops with CPU/memory
/// limits, all fields or some, and one op twice with different limits.
pub fn linux_resources_graph() -> Output {
    let image = Source::image(normalize_image_ref("alpine:3.20").unwrap())
        .platform(amd64())
        .build();
    let exec = |args: &[&str], root: Option<Output>| {
        Exec::new(args.iter().copied()).root(root).platform(amd64())
    };
    let all = exec(&["make"], Some(image))
        .linux_resources(pb::LinuxResources {
            memory: 1 << 30,
            memory_swap: -1,
            cpu_shares: u64::MAX,
            cpu_period: 100_000,
            cpu_quota: 50_000,
            cpuset_cpus: "0-3,5".into(),
            cpuset_mems: "0".into(),
        })
        .custom_name("all")
        .build()
        .unwrap();
    let some = exec(&["true"], all.root())
        .linux_resources(pb::LinuxResources {
            memory: 1,
            cpuset_mems: "1".into(),
            ..Default::default()
        })
        .build()
        .unwrap();
    let first = exec(&["ls"], some.root())
        .linux_resources(pb::LinuxResources {
            cpu_shares: 2,
            ..Default::default()
        })
        .custom_name("first")
        .build()
        .unwrap();
    let second = exec(&["ls"], some.root())
        .linux_resources(pb::LinuxResources {
            cpu_quota: 7,
            ..Default::default()
        })
        .build()
        .unwrap();
    Merge::new(vec![first.root().unwrap(), second.root().unwrap()])
        .build()
        .unwrap()
}

/// A small deterministic random generator (xorshift), so random graphs are reproducible.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn bool(&mut self) -> bool {
        self.next() & 1 == 1
    }

    /// Strings that stress the encoding: empty, non-ASCII, longer than 127 bytes.
    pub fn text(&mut self) -> String {
        match self.below(6) {
            0 => String::new(),
            1 => "ü-ß-✓".to_string(),
            2 => "x".repeat(130 + self.below(200)),
            3 => format!("/p/{}", self.next()),
            4 => " spaces and \"quotes\"\n".to_string(),
            _ => format!("v{}", self.below(10)),
        }
    }

    pub fn number(&mut self) -> i64 {
        match self.below(4) {
            0 => 0,
            1 => -1,
            2 => i64::MAX - self.below(10) as i64,
            _ => self.next() as i64,
        }
    }
}

/// A random graph of `n` ops of every kind with random fields, chained and shared at random.
pub fn random_graph(seed: u64, n: usize) -> Output {
    let mut rng = Rng::new(seed);
    let mut outputs: Vec<Output> = vec![Source::image("docker.io/library/alpine:latest").build()];
    for _ in 0..n {
        let pick = |rng: &mut Rng, outputs: &[Output]| outputs[rng.below(outputs.len())].clone();
        let next = match rng.below(6) {
            0 => {
                let mut attrs = std::collections::BTreeMap::new();
                for _ in 0..rng.below(4) {
                    attrs.insert(rng.text(), rng.text());
                }
                Source::raw(format!("local://{}", rng.text()), attrs)
                    .description(rng.text(), rng.text())
                    .build()
            }
            1 => {
                let mut exec = Exec::new([rng.text(), rng.text()])
                    .root(pick(&mut rng, &outputs))
                    .env(rng.text(), rng.text())
                    .cwd(format!("/{}", rng.text()))
                    .user(rng.text())
                    .ulimit(rng.text(), rng.number(), rng.number())
                    .platform(Platform::new(rng.text(), rng.text()));
                for _ in 0..rng.below(4) {
                    let dest = format!("/m{}", rng.below(8));
                    exec = exec.mount(match rng.below(3) {
                        0 => Mount::bind(dest, Some(pick(&mut rng, &outputs)))
                            .readonly_if(rng.bool())
                            .selector(rng.text()),
                        1 => Mount::cache(dest, rng.text(), CacheSharing::Private),
                        _ => Mount::tmpfs(dest).size(rng.number()),
                    });
                }
                if rng.bool() {
                    exec = exec.secret(SecretMount::file(rng.text(), "/s").mode(rng.next() as u32));
                }
                let outputs = exec.build().unwrap();
                outputs.root().unwrap()
            }
            2 | 3 => {
                let mut file = FileOp::new(Some(pick(&mut rng, &outputs)));
                for k in 0..1 + rng.below(4) {
                    file = match rng.below(5) {
                        0 => file.copy(
                            Copy::new(
                                if k > 0 && rng.bool() {
                                    CopySource::Action(rng.below(k))
                                } else {
                                    CopySource::Output(Some(pick(&mut rng, &outputs)))
                                },
                                rng.text(),
                                rng.text(),
                            )
                            .timestamp(rng.number())
                            .include_patterns(vec![rng.text(), rng.text()])
                            .mode(CopyMode::Bits(rng.next() as u32 & 0o7777))
                            .owner(Chown::parse(&rng.text())),
                        ),
                        1 => file.mkdir(Mkdir::new(rng.text(), 0o755).make_parents(rng.bool())),
                        2 => file.mkfile(Mkfile::new(rng.text(), 0o600, rng.text())),
                        3 => file.rm(Rm::new(rng.text()).allow_wildcard(rng.bool())),
                        _ => file.symlink(Symlink::new(rng.text(), rng.text())),
                    };
                }
                file.ignore_cache(rng.bool()).build().unwrap()
            }
            4 => Merge::new(vec![pick(&mut rng, &outputs), pick(&mut rng, &outputs)])
                .build()
                .unwrap(),
            _ => Diff::new(pick(&mut rng, &outputs), pick(&mut rng, &outputs)).build(),
        };
        outputs.push(next);
    }
    // Make everything reachable from the head.
    let mut head = outputs.pop().unwrap();
    for chunk in outputs.chunks(50) {
        let mut inputs = chunk.to_vec();
        inputs.push(head);
        head = Merge::new(inputs).build().unwrap();
    }
    head
}

/// The `gitSources` graph of tests/go/llb-check/reference.go: git sources with every option and
/// several URL forms.
pub fn git_sources_graph() -> Output {
    let sources = [
        Source::git("https://github.com/moby/buildkit.git", "main:a/../b")
            .auth_token_secret("tok")
            .mtime_commit()
            .git_ref("v1")
            .build(),
        Source::git("git@github.com:moby/buildkit.git", "")
            .known_ssh_host("github.com ssh-ed25519 AAAA\n")
            .known_ssh_host("other ssh-rsa BBBB")
            .mount_ssh_sock("agent")
            .auth_header_secret("hdr")
            .build(),
        Source::git("ssh://git@github.com:2222/moby/buildkit.git", ":/sub")
            .checksum("abc")
            .fetch_by_commit()
            .advice(true)
            .custom_name("ssh")
            .build(),
        Source::git("github.com/moby/buildkit", "v2:")
            .subdir("x/y")
            .skip_submodules()
            .build(),
        Source::git("https://h:x/repo.git", "v3")
            .keep_git_dir()
            .build(),
    ];
    Merge::new(sources.to_vec()).build().unwrap()
}
