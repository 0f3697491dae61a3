//! The invalid-Dockerfile corpus: every `tests/invalid/<case>.Dockerfile` must be rejected, and
//! the rendered diagnostic (message, file:line:column, source line, underline, hint) followed by
//! the text BuildKit clients get (`buildkit: <the reference's text>`) must equal
//! `tests/invalid/<case>.expected` exactly. Set `UPDATE_INVALID_CORPUS=1` to rewrite the
//! expected files after a deliberate change, then review the diff.

use std::fs;
use std::path::Path;

use dockerfile_llb::instructions::parse_dockerfile;

#[test]
fn invalid_dockerfiles_are_rejected_with_the_expected_diagnostic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/invalid");
    let update = std::env::var_os("UPDATE_INVALID_CORPUS").is_some();
    let mut cases: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "Dockerfile"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 100, "corpus has only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let source = fs::read(case).unwrap();
        let expected_path = case.with_extension("expected");
        let got = match parse_dockerfile(&source, "Dockerfile") {
            Ok(_) => {
                failures.push(format!("{}: accepted", case.display()));
                continue;
            }
            Err(d) => format!("{}buildkit: {}\n", d.render(&source), d.reference_text()),
        };
        if update {
            fs::write(&expected_path, &got).unwrap();
            continue;
        }
        let want = fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| format!("<missing {}>", expected_path.display()));
        if got != want {
            failures.push(format!(
                "{}:\n--- want\n{want}--- got\n{got}",
                case.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
