//! The reference frontend's own word-expansion tables (moby/buildkit
//! frontend/dockerfile/shell/envVarTest and wordsTest), run against our expander with the
//! environments the reference's lex_test.go sets up for them.

mod buildkit_module;

use std::path::PathBuf;

use dockerfile_llb::syntax::expand::{expand_word, expand_words, DEFAULT_ESCAPE};

fn table(name: &str) -> String {
    let path = buildkit_module::dir()
        .join("frontend/dockerfile/shell")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("reading {}: {err}", path.display()))
}

/// `envVarTest`: `PLATFORM|input|expected` rows, `A` (all), `U` (Unix) or `W` (Windows,
/// skipped: we implement Unix's case-sensitive names); `error` means the expansion fails.
#[test]
fn env_var_table() {
    // TestShellParser4EnvVars's environment.
    let env = [
        ("PWD", "/home"),
        ("SHELL", "bash"),
        ("KOREAN", "한국어"),
        ("NULL", ""),
    ];
    let text = table("envVarTest");
    let (mut passed, mut skipped_windows) = (0, 0);
    let mut failures = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.trim().split('|').collect();
        assert_eq!(
            fields.len(),
            3,
            "envVarTest:{line_no}: want 3 fields: {line:?}"
        );
        let (platform, input, expected) = (fields[0].trim(), fields[1].trim(), fields[2].trim());
        match platform {
            "A" | "U" => {}
            "W" => {
                skipped_windows += 1;
                continue;
            }
            other => panic!("envVarTest:{line_no}: unknown platform {other:?}"),
        }
        let got = expand_word(input, &env[..], DEFAULT_ESCAPE);
        let ok = match (&got, expected) {
            (Err(_), "error") => true,
            (Ok(expansion), expected) => expected != "error" && expansion.value == expected,
            (Err(_), _) => false,
        };
        if ok {
            passed += 1;
        } else {
            failures.push(format!(
                "envVarTest:{line_no}: {input:?}: want {expected:?}, got {got:?}"
            ));
        }
    }
    eprintln!(
        "envVarTest: {passed} passed, {} failed, {skipped_windows} Windows rows skipped",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(passed, 228, "every A and U row of envVarTest ran");
    assert_eq!(skipped_windows, 2, "the table has two Windows-only rows");
}

/// `wordsTest`: `ENV KEY=VALUE` lines add to the environment; `input|w1,w2,...` rows give
/// the words `ProcessWords` returns (`error` when it fails).
#[test]
fn words_table() {
    let text = table("wordsTest");
    let mut env: Vec<String> = Vec::new();
    let mut passed = 0;
    let mut failures = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        if line.starts_with('#') {
            continue;
        }
        if let Some(entry) = line.strip_prefix("ENV ") {
            env.push(entry.trim_start_matches(' ').to_string());
            continue;
        }
        let fields: Vec<&str> = line.split('|').collect();
        assert_eq!(
            fields.len(),
            2,
            "wordsTest:{line_no}: want exactly one |: {line:?}"
        );
        let input = fields[0].trim();
        let expected: Vec<&str> = fields[1].trim_start_matches(' ').split(',').collect();
        let got = match expand_words(input, &env, DEFAULT_ESCAPE) {
            Ok(words) => words,
            Err(_) => vec!["error".to_string()],
        };
        if got == expected {
            passed += 1;
        } else {
            failures.push(format!(
                "wordsTest:{line_no}: {input:?}: want {expected:?}, got {got:?}"
            ));
        }
    }
    eprintln!("wordsTest: {passed} passed, {} failed", failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(passed, 24, "every row of wordsTest ran");
}

/// `conformance_shell/cases.jsonl`: random words (grammar-built, token soup, pattern
/// operators) with the reference lexer's answers, recorded by `conformance_shell/generate.py`
/// through a small Go program that calls moby/buildkit's `shell.Lex`. Errors must match the
/// reference's message exactly.
#[test]
fn recorded_reference_cases() {
    use dockerfile_llb::syntax::expand::Expander;
    use serde_json::Value;

    // EXPAND_CASES points at a bigger recording for a longer differential run.
    let custom = std::env::var_os("EXPAND_CASES").map(PathBuf::from);
    let path = custom.clone().unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance_shell/cases.jsonl")
    });
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("reading {}: {err}", path.display()));
    let flag = |case: &Value, name: &str| case[name].as_bool().unwrap_or(false);
    let strings = |value: &Value| -> Vec<String> {
        value
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut failures = Vec::new();
    let mut count = 0;
    for (index, line) in text.lines().enumerate() {
        count += 1;
        let case: Value = serde_json::from_str(line).unwrap();
        let word = case["word"].as_str().unwrap();
        let env: Vec<(String, String)> = case["env"]
            .as_array()
            .unwrap()
            .iter()
            .map(|kv| {
                (
                    kv[0].as_str().unwrap().into(),
                    kv[1].as_str().unwrap().into(),
                )
            })
            .collect();
        let escape = if case["escape"] == "`" { '`' } else { '\\' };
        let expander = Expander::new(escape)
            .raw_quotes(flag(&case, "raw_quotes"))
            .raw_escapes(flag(&case, "raw_escapes"))
            .skip_unset(flag(&case, "skip_unset"))
            .skip_quotes(flag(&case, "skip_quotes"));
        let (got, want) = if flag(&case, "words") {
            let got = match expander.expand_words(word, &env) {
                Ok(words) => format!("words {words:?}"),
                Err(err) => format!("error {err}"),
            };
            let want = match case["error"].as_str() {
                Some(message) => format!("error {message}"),
                None => format!("words {:?}", strings(&case["expect_words"])),
            };
            (got, want)
        } else {
            let got = match expander.expand_word(word, &env) {
                Ok(x) => format!(
                    "value {:?} used {:?} unset {:?}",
                    x.value,
                    Vec::from_iter(x.used),
                    Vec::from_iter(x.unset)
                ),
                Err(err) => format!("error {err}"),
            };
            let want = match case["error"].as_str() {
                Some(message) => format!("error {message}"),
                None => format!(
                    "value {:?} used {:?} unset {:?}",
                    case["expect"].as_str().unwrap(),
                    strings(&case["used"]),
                    strings(&case["unset"])
                ),
            };
            (got, want)
        };
        if got != want {
            failures.push(format!(
                "line {}: {word:?}\n  want {want}\n  got  {got}",
                index + 1
            ));
        }
    }
    eprintln!(
        "{}: {} passed, {} failed",
        path.display(),
        count - failures.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    if custom.is_none() {
        assert_eq!(count, 1200, "every recorded case ran");
    }
}
