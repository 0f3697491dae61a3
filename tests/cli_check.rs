//! `dockerfile-llb check` as a user runs it, offline: `--format json` prints the lint result
//! buildx prints for `--call check,format=json` (the same `frontend.lint` answer the gateway
//! gives, checked against the reference in tests/convert_reference.rs and through buildx in
//! scripts/check-corpus.sh), with buildx's exit status: 1 when there is a warning or an error;
//! the text form exits 1 on an error only, `error=true` making a reported warning one.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_dockerfile-llb");

/// Runs `check` on a context holding `files`, with `args` after `check`.
fn check(files: &[(&str, &str)], args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    Command::new(BIN)
        .arg("check")
        .args(args)
        .current_dir(dir.path())
        .output()
        .unwrap()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn rules(result: &Value) -> Vec<&str> {
    result["warnings"]
        .as_array()
        .map(|ws| ws.iter().map(|w| w["ruleName"].as_str().unwrap()).collect())
        .unwrap_or_default()
}

const CASING: &str = "FROM scratch as base\ncopy Dockerfile .\n";

#[test]
fn json_without_findings_has_null_warnings_and_exits_0() {
    let out = check(
        &[("Dockerfile", "FROM scratch\nCOPY Dockerfile /\n")],
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0));
    let result = json_of(&out);
    assert_eq!(result["warnings"], Value::Null);
    assert!(result.get("buildError").is_none());
    // The Dockerfile is the one source, as a build names it, with no definition offline.
    assert_eq!(
        result["sources"],
        json!([{
            "filename": "Dockerfile",
            "data": "RlJPTSBzY3JhdGNoCkNPUFkgRG9ja2VyZmlsZSAvCg==",
            "language": "Dockerfile"
        }])
    );
}

#[test]
fn json_lists_the_warnings_as_the_reference_and_exits_1() {
    let out = check(&[("Dockerfile", CASING)], &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let result = json_of(&out);
    assert_eq!(
        rules(&result),
        ["FromAsCasing", "ConsistentInstructionCasing"]
    );
    assert_eq!(
        result["warnings"][0],
        json!({
            "ruleName": "FromAsCasing",
            "description": "The 'as' keyword should match the case of the 'from' keyword",
            "url": "https://docs.docker.com/go/dockerfile/rule/from-as-casing/",
            "detail": "'as' and 'FROM' keywords' casing do not match",
            "location": {"ranges": [{"start": {"line": 1}, "end": {"line": 1}}]}
        })
    );
    // The text form reports the same warnings and succeeds: only an error fails a build.
    let out = check(&[("Dockerfile", CASING)], &[]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("'as' and 'FROM' keywords' casing do not match"),
        "{stderr}"
    );
}

#[test]
fn error_true_is_a_build_error_in_json_and_fails_the_text_form() {
    let text = format!("# check=error=true\n{CASING}");
    let out = check(&[("Dockerfile", &text)], &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let result = json_of(&out);
    assert_eq!(rules(&result).len(), 2);
    let message = result["buildError"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("lint violation found for rules: "),
        "{message}"
    );
    assert_eq!(result["buildError"]["location"], json!({}));
    let out = check(&[("Dockerfile", &text)], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lint violation found for rules"));
}

#[test]
fn skipped_rules_leave_nothing_and_exit_0() {
    let text = format!("# check=skip=all;error=true\n{CASING}");
    for format in ["json", "text"] {
        let out = check(&[("Dockerfile", &text)], &["--format", format]);
        assert_eq!(out.status.code(), Some(0), "{format}");
    }
    // The build argument replaces the directive, as BUILDKIT_DOCKERFILE_CHECK does.
    let out = check(
        &[("Dockerfile", &text)],
        &[
            "--format",
            "json",
            "--build-arg",
            "BUILDKIT_DOCKERFILE_CHECK=skip=ConsistentInstructionCasing",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(rules(&json_of(&out)), ["FromAsCasing"]);
}

#[test]
fn json_reports_a_parse_error_as_the_lint_result_does() {
    let out = check(
        &[("Dockerfile", "FROM scratch AS BadStageName\nBADCMD\n")],
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1));
    let result = json_of(&out);
    assert_eq!(rules(&result), ["StageNameCasing"]);
    assert_eq!(
        result["buildError"],
        json!({
            "message": "dockerfile parse error on line 2: unknown instruction: BADCMD",
            "location": {"ranges": [{"start": {"line": 2}, "end": {"line": 2}}]}
        })
    );
}

#[test]
fn copy_ignored_file_reads_the_context_dockerignore() {
    let files = [
        ("Dockerfile", "FROM scratch\nCOPY app.txt /\n"),
        ("app.txt", "x"),
        (".dockerignore", "*.txt\n"),
    ];
    let out = check(&files, &["--format", "json"]);
    assert_eq!(rules(&json_of(&out)), ["CopyIgnoredFile"]);
    // A Dockerfile elsewhere: the context is given, or `<Dockerfile>.dockerignore` wins.
    let files = [
        ("sub/Dockerfile", "FROM scratch\nCOPY app.txt /\n"),
        ("app.txt", "x"),
        (".dockerignore", "*.txt\n"),
    ];
    let out = check(&files, &["--format", "json", "-f", "sub/Dockerfile"]);
    assert_eq!(rules(&json_of(&out)), Vec::<&str>::new());
    let out = check(
        &files,
        &["--format", "json", "-f", "sub/Dockerfile", "--context", "."],
    );
    assert_eq!(rules(&json_of(&out)), ["CopyIgnoredFile"]);
    let files = [
        ("Dockerfile", "FROM scratch\nCOPY app.txt /\n"),
        ("Dockerfile.dockerignore", "\n"),
        (".dockerignore", "*.txt\n"),
    ];
    let out = check(&files, &["--format", "json"]);
    assert_eq!(rules(&json_of(&out)), Vec::<&str>::new());
}

#[test]
fn the_corpus_cases_without_images_give_the_expected_rules() {
    // A few cases of tests/checks/corpus, whose reference results scripts/check-corpus.sh
    // compares through buildx; offline, the same rules come out.
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/checks/corpus");
    for (case, want) in [
        (
            "secrets-used-in-arg-or-env",
            vec!["SecretsUsedInArgOrEnv"; 8],
        ),
        (
            "multiple-instructions",
            vec!["MultipleInstructionsDisallowed"; 3],
        ),
        ("expose-proto-casing", vec!["ExposeProtoCasing"; 2]),
        ("casing-all-upper", vec![]),
    ] {
        let text = std::fs::read_to_string(corpus.join(case).join("Dockerfile")).unwrap();
        let out = check(&[("Dockerfile", &text)], &["--format", "json"]);
        assert_eq!(rules(&json_of(&out)), want, "{case}");
        assert_eq!(
            out.status.code(),
            Some(if want.is_empty() { 0 } else { 1 }),
            "{case}"
        );
    }
}

#[test]
fn a_bad_check_directive_is_located_in_text_and_unlocated_in_json() {
    let files = [("Dockerfile", "# check=error=maybe\nFROM scratch\n")];
    let text = check(&files, &[]);
    assert_eq!(text.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&text.stderr);
    assert!(
        stderr.starts_with(
            "error: failed to parse check options: failed to parse check option \"error=maybe\": \
             strconv.ParseBool: parsing \"maybe\": invalid syntax\n --> Dockerfile:1:9\n"
        ),
        "{stderr}"
    );
    // The lint result is the reference's: the error has no location there.
    let json = check(&files, &["--format", "json"]);
    let result = json_of(&json);
    assert_eq!(result["buildError"]["location"], json!({}), "{result}");
}
