//! The reference parser's own test data (../shared/conformance/buildkit-parser/parser):
//! every `testfiles` case must dump exactly like its `result` file, every `testfiles-negative`
//! case must be rejected (by the file-format parser or the instructions layer).

use std::fs;
use std::path::{Path, PathBuf};

use dockerfile_llb::instructions::parse_dockerfile;
use dockerfile_llb::syntax;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/buildkit-parser/parser")
}

fn cases(sub: &str) -> Vec<PathBuf> {
    let dir = data_dir().join(sub);
    let mut out: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

#[test]
fn testfiles_dump_like_the_reference() {
    let cases = cases("testfiles");
    assert!(cases.len() >= 30, "conformance data missing");
    let mut failures = Vec::new();
    for case in &cases {
        let source = fs::read(case.join("Dockerfile")).unwrap();
        let want = fs::read_to_string(case.join("result")).unwrap();
        match syntax::parse(&source, "Dockerfile") {
            Ok(parsed) => {
                let got = parsed.dump();
                // The reference's result files end with or without a final newline.
                if got.trim_end() != want.trim_end().replace("\r\n", "\n") {
                    failures.push(format!(
                        "{}:\n--- want\n{}\n--- got\n{}",
                        case.display(),
                        want.trim_end(),
                        got.trim_end()
                    ));
                }
            }
            Err(e) => failures.push(format!("{}: {}", case.display(), e)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn testfiles_negative_are_rejected() {
    let cases = cases("testfiles-negative");
    assert!(cases.len() >= 4);
    for case in cases {
        let source = fs::read(case.join("Dockerfile")).unwrap();
        let err = parse_dockerfile(&source, "Dockerfile")
            .err()
            .unwrap_or_else(|| panic!("{} was accepted", case.display()));
        assert!(
            err.start.line >= 1,
            "{}: no location: {err}",
            case.display()
        );
    }
}

#[test]
fn testfile_line_numbers() {
    let source = fs::read(data_dir().join("testfile-line/Dockerfile")).unwrap();
    let parsed = syntax::parse(&source, "Dockerfile").unwrap();
    // Line ranges as the reference's TestParseLineNumbers expects (StartLine, EndLine).
    let lines: Vec<(usize, usize)> = parsed
        .nodes
        .iter()
        .map(|n| (n.lines.start, n.lines.end))
        .collect();
    assert_eq!(lines, vec![(5, 5), (11, 12), (17, 31)]);
}

/// Randomly generated tricky Dockerfiles with the reference's answers recorded
/// (tests/conformance/differential.json, produced by running BuildKit v0.26.3's
/// `parser.Parse` and `instructions.Parse` on each input): we must parse exactly the inputs
/// it parses, to the same dump, and accept exactly the ones it accepts.
#[test]
fn differential_cases_match_the_reference() {
    #[derive(serde::Deserialize)]
    struct Case {
        input: String,
        parsed: bool,
        #[serde(default)]
        dump: String,
        accepted: bool,
        #[serde(default)]
        error: String,
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/differential.json");
    let cases: Vec<Case> = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    assert!(cases.len() >= 500);
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let ours = syntax::parse(case.input.as_bytes(), "Dockerfile");
        match (&ours, case.parsed) {
            (Ok(p), true) if p.dump() != case.dump => failures.push(format!(
                "case {i} {:?}: dump differs\n--- reference\n{}--- ours\n{}",
                case.input,
                case.dump,
                p.dump()
            )),
            (Ok(_), false) => failures.push(format!(
                "case {i} {:?}: reference parser rejects ({}), we parse",
                case.input, case.error
            )),
            (Err(e), true) => failures.push(format!(
                "case {i} {:?}: reference parser accepts, we reject: {e}",
                case.input
            )),
            _ => {}
        }
        let accepted = parse_dockerfile(case.input.as_bytes(), "Dockerfile");
        if accepted.is_ok() != case.accepted && ours.is_ok() == case.parsed {
            failures.push(format!(
                "case {i} {:?}: reference {} ({}), ours {:?}",
                case.input,
                if case.accepted { "accepts" } else { "rejects" },
                case.error,
                accepted.err().map(|e| e.message.clone())
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
