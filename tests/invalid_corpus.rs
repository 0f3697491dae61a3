//! The invalid-Dockerfile corpus, one test per case (`cargo test --test invalid_corpus -- <case>`
//! runs one): every `tests/invalid/<case>.Dockerfile` must be rejected, and the rendered
//! diagnostic (message, file:line:column, source line, underline, hint) followed by the text
//! BuildKit clients get (`buildkit: <the reference's text>`) must equal
//! `tests/invalid/<case>.expected` exactly. Set `UPDATE_INVALID_CORPUS=1` to rewrite the
//! expected files after a deliberate change, then review the diff.

use std::fs;
use std::path::{Path, PathBuf};

use dockerfile_llb::instructions::parse_dockerfile;
use libtest_mimic::{Arguments, Failed, Trial};

fn check(case: &Path) -> Result<(), Failed> {
    let source = fs::read(case).map_err(|e| format!("{}: {e}", case.display()))?;
    let got = match parse_dockerfile(&source, "Dockerfile") {
        Ok(_) => return Err("accepted".into()),
        Err(d) => format!("{}buildkit: {}\n", d.render(&source), d.reference_text()),
    };
    let expected_path = case.with_extension("expected");
    if std::env::var_os("UPDATE_INVALID_CORPUS").is_some() {
        return fs::write(&expected_path, &got).map_err(|e| e.to_string().into());
    }
    let want = fs::read_to_string(&expected_path)
        .unwrap_or_else(|_| format!("<missing {}>", expected_path.display()));
    if got == want {
        Ok(())
    } else {
        Err(format!("--- want\n{want}--- got\n{got}").into())
    }
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/invalid");
    let mut cases: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("tests/invalid")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "Dockerfile"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 100, "corpus has only {} cases", cases.len());
    let trials = cases
        .into_iter()
        .map(|case| {
            let name = case
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            Trial::test(name, move || check(&case))
        })
        .collect();
    libtest_mimic::run(&Arguments::from_args(), trials).exit();
}
