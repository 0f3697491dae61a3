//! Git refs against BuildKit's own Go code (tests/go/text-check `gitref`): for each input,
//! dfgitutil.ParseGitRef's result or error (and whether it took the input for git), and the
//! source op client/llb's `Git(input, "")` makes of it, identifier, attrs and caps, must be ours.
//! Both go through Go's net/url, BuildKit's gitutil and sshutil, so the table is mostly about
//! their corners. Needs `go` (part of the project environment).

mod go_program;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use dockerfile_llb::convert::git_ref::{parse_git_ref, GitRefError};
use dockerfile_llb::llb::Source;
use dockerfile_llb::proto::pb;
use serde_json::{json, Value};

fn checker() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| go_program::build("text-check"))
}

fn go_answers(inputs: &[String]) -> Vec<Value> {
    let mut child = Command::new(checker())
        .arg("gitref")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let lines: Vec<String> = inputs.iter().map(|s| json!(s).to_string()).collect();
    let input = lines.join("\n") + "\n";
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(output.status.success(), "text-check gitref failed");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The same JSON as the checker's, from our port.
fn ours(input: &str) -> Value {
    let (is_git, error, git_ref) = match parse_git_ref(input) {
        Ok(r) => (true, None, Some(r)),
        Err(GitRefError::NotGit(e)) => (false, Some(e), None),
        Err(GitRefError::Invalid(e)) => (true, Some(e), None),
    };
    let git_ref = git_ref.map(|r| {
        json!({
            "Remote": r.remote,
            "ShortName": r.short_name,
            "Ref": r.git_ref,
            "Checksum": r.checksum,
            "SubDir": r.subdir,
            "IndistinguishableFromLocal": r.indistinguishable_from_local,
            "UnencryptedTCP": r.unencrypted_tcp,
            "KeepGitDir": r.keep_git_dir,
            "Submodules": r.submodules,
            "MTime": r.mtime,
            "FetchByCommit": r.fetch_by_commit,
        })
    });
    let out = Source::git(input, "").build();
    let Some(pb::op::Op::Source(src)) = &out.node().op().op else {
        panic!("not a source op")
    };
    json!({
        "isGit": is_git,
        "error": error,
        "ref": git_ref,
        "git": {
            "identifier": src.identifier,
            "attrs": src.attrs,
            "caps": out.node().metadata().caps.keys().collect::<Vec<_>>(),
        },
    })
}

#[test]
fn git_refs_and_git_sources_match_buildkit() {
    let mut inputs: Vec<String> = [
        // https: the `.git` suffix decides, fragments give ref and a cleaned subdir.
        "https://github.com/moby/buildkit.git",
        "https://github.com/moby/buildkit.git#v0.10.1",
        "https://github.com/moby/buildkit.git#v0.10.1:frontend/dockerfile",
        "https://github.com/moby/buildkit.git#:frontend",
        "https://github.com/moby/buildkit.git#main:a/../b",
        "https://github.com/moby/buildkit.git#main:/",
        "https://github.com/moby/buildkit.git#main:../../x/",
        "https://github.com/moby/buildkit.git#refs/pull/1/head:sub:dir",
        "https://github.com/moby/buildkit.git#",
        "https://github.com/moby/buildkit.git#main:sub dir",
        "https://github.com/moby/buildkit.git#%zz",
        "https://github.com/moby/buildkit.git#a%2Fb",
        "https://github.com/moby/buildkit",
        "https://github.com/moby/buildkit.git/",
        "https://github.com/moby/buildkit.git.bak",
        "http://github.com/moby/buildkit.git",
        "HTTPS://GitHub.com/Moby/BuildKit.git",
        // Users, ports, IP literals, escapes.
        "https://user@github.com/moby/buildkit.git",
        "https://user:tok%40en@github.com/moby/buildkit.git",
        "https://us er@github.com/moby/buildkit.git",
        "https://github.com:8443/moby/buildkit.git",
        "https://github.com:/moby/buildkit.git",
        "https://github.com:x/moby/buildkit.git",
        "https://h:1:2/repo.git",
        "ssh://h:1:2/repo.git",
        "https://[::1]:8080/repo.git",
        "https://[fe80::1%25en0]/repo.git",
        "https://[::ffff:1.2.3.4]/repo.git",
        "https://[1.2.3.4]/repo.git",
        "https://[::1/repo.git",
        "https://a[::1]/repo.git",
        "https://[::g]/repo.git",
        "https://[1::2::3]/repo.git",
        "https://[::1]x/repo.git",
        "https://h/a%20b.git",
        "https://h/a%2Fb.git",
        "https://h/%zz.git",
        "https://h/r%C3%A9po.git",
        "https://h/répo.git",
        "https://h/a b.git",
        "https://h b/repo.git",
        "https://h%41/repo.git",
        "https://h\t/repo.git",
        "https://",
        "https:///repo.git",
        "https:repo.git",
        // Queries.
        "https://h/repo.git?",
        "https://h/repo.git?ref=main",
        "https://h/repo.git?ref=main&subdir=docs",
        "https://h/repo.git?tag=v1.0",
        "https://h/repo.git?tag=refs/tags/v1.0",
        "https://h/repo.git?branch=dev",
        "https://h/repo.git?branch=refs/heads/dev",
        "https://h/repo.git?branch=dev&tag=v1",
        "https://h/repo.git?ref=main&tag=v1",
        "https://h/repo.git?ref=refs/heads/dev&branch=dev",
        "https://h/repo.git?tag=v1&branch=",
        "https://h/repo.git#main?ref=main",
        "https://h/repo.git?ref=main#main",
        "https://h/repo.git?ref=dev#main",
        "https://h/repo.git?subdir=a/../b#main:b",
        "https://h/repo.git?subdir=b#main:a/../b",
        "https://h/repo.git?checksum=abc123",
        "https://h/repo.git?commit=abc123#v1",
        "https://h/repo.git?keep-git-dir",
        "https://h/repo.git?keep-git-dir=",
        "https://h/repo.git?keep-git-dir=false",
        "https://h/repo.git?keep-git-dir=maybe",
        "https://h/repo.git?submodules=false",
        "https://h/repo.git?submodules=0&keep-git-dir=1",
        "https://h/repo.git?submodules=x",
        "https://h/repo.git?mtime=commit",
        "https://h/repo.git?mtime=checkout",
        "https://h/repo.git?mtime=now",
        "https://h/repo.git?mtime",
        "https://h/repo.git?fetch-by-commit&checksum=abc",
        "https://h/repo.git?fetch-by-commit=F",
        "https://h/repo.git?fetch-by-commit=nope",
        "https://h/repo.git?ref=",
        "https://h/repo.git?ref=a&ref=b",
        "https://h/repo.git?ref=a&ref=a",
        "https://h/repo.git?foo=bar",
        "https://h/repo.git?ref=a;b",
        "https://h/repo.git?ref=%zz",
        "https://h/repo.git?ref=a+b%2Bc",
        "https://h/repo.git?&&ref=x&",
        // scp-like remotes (ssh).
        "git@github.com:moby/buildkit.git",
        "git@github.com:moby/buildkit.git#v1:sub",
        "git@github.com:moby/buildkit.git?ref=v1&subdir=x",
        "git@github.com:moby/buildkit.git?ref=v1#v2",
        "git@github.com:moby/buildkit.git#v1?ref=v2",
        "git@github.com:moby/buildkit.git?x=%zz",
        "git@github.com:moby/buildkit.git?a;b",
        "git@github.com:moby/buildkit",
        "git@github.com:/abs/path.git",
        "git@github.com:",
        "git@github.com:a\nb.git",
        "user.name@host:repo.git",
        "git@host_name:repo.git",
        "my-user_1@my-host.example:team/repo.git",
        // ssh://, git://, other protocols.
        "ssh://git@github.com/moby/buildkit.git",
        "ssh://git@github.com:2222/moby/buildkit.git#main",
        "ssh://github.com/moby/buildkit",
        "ssh://git@[::1]:2222/repo.git",
        "ssh://h/repo.git?ref=x#y",
        "git://github.com/moby/buildkit.git#v1",
        "git://github.com/moby/buildkit",
        "git:///repo.git",
        "ftp://h/repo.git",
        "Git+ssh://h/repo.git",
        "1ssh://h/r.git",
        "git:repo.git",
        // What reads as a local path, or nearly.
        "github.com/moby/buildkit",
        "github.com/moby/buildkit.git#main:sub",
        "github.com/moby/%zz",
        "github.com/a?keep-git-dir=x",
        "github.com",
        "./repo.git",
        "../repo.git",
        "repo.git",
        "/abs/repo.git",
        "C:\\repo.git",
        "localhost:5000/repo.git",
        "",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Past Go's limit of 10,000 query parameters, `URL.Query` has none at all.
    inputs.push(format!("https://h/repo.git?foo=1{}", "&".repeat(10_000)));
    let theirs = go_answers(&inputs);
    assert_eq!(theirs.len(), inputs.len());
    let mut wrong = Vec::new();
    for (input, theirs) in inputs.iter().zip(&theirs) {
        let ours = ours(input);
        if ours != *theirs {
            wrong.push(format!("{input:?}\n  ours: {ours}\n  Go:   {theirs}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} differ:\n{}",
        wrong.len(),
        inputs.len(),
        wrong.join("\n")
    );
}
