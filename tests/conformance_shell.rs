//! The reference frontend's own word-expansion tables (moby/buildkit
//! frontend/dockerfile/shell/envVarTest and wordsTest), run against our expander with the
//! environments the reference's lex_test.go sets up for them.

mod buildkit_module;
mod go_program;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use dockerfile_llb::syntax::expand::{expand_word, expand_words, Expander, DEFAULT_ESCAPE};
use serde_json::{json, Value};

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

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|s| s.as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Our answer to a request in tests/go/shell-check's form (absent switches are off), written
/// so that it can be compared with the reference's as one string.
fn our_answer(request: &Value) -> String {
    let flag = |name: &str| request[name].as_bool().unwrap_or(false);
    let word = request["word"].as_str().unwrap();
    let env: Vec<(String, String)> = request["env"]
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
    let escape = if request["escape"] == "`" { '`' } else { '\\' };
    let expander = Expander::new(escape)
        .raw_quotes(flag("raw_quotes"))
        .raw_escapes(flag("raw_escapes"))
        .skip_unset(flag("skip_unset"))
        .skip_quotes(flag("skip_quotes"));
    if flag("words") {
        match expander.expand_words(word, &env) {
            Ok(words) => format!("words {words:?}"),
            Err(err) => format!("error {err}"),
        }
    } else {
        match expander.expand_word(word, &env) {
            Ok(x) => value_answer(&x.value, &Vec::from_iter(x.used), &Vec::from_iter(x.unset)),
            Err(err) => format!("error {err}"),
        }
    }
}

fn value_answer(value: &str, used: &[String], unset: &[String]) -> String {
    format!("value {value:?} used {used:?} unset {unset:?}")
}

/// `conformance_shell/cases.jsonl`: random words (grammar-built, token soup, pattern
/// operators, quoted patterns) with the reference lexer's answers, recorded by
/// `conformance_shell/generate.py` through tests/go/shell-check, which calls the pinned
/// moby/buildkit's `shell.Lex`. Errors must match the reference's message exactly.
#[test]
fn recorded_reference_cases() {
    // EXPAND_CASES points at a bigger recording for a longer differential run.
    let custom = std::env::var_os("EXPAND_CASES").map(PathBuf::from);
    let path = custom.clone().unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance_shell/cases.jsonl")
    });
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("reading {}: {err}", path.display()));
    let mut failures = Vec::new();
    let mut count = 0;
    for (index, line) in text.lines().enumerate() {
        count += 1;
        let case: Value = serde_json::from_str(line).unwrap();
        let want = match case["error"].as_str() {
            Some(message) => format!("error {message}"),
            None if case["words"].as_bool().unwrap_or(false) => {
                format!("words {:?}", strings(&case["expect_words"]))
            }
            None => value_answer(
                case["expect"].as_str().unwrap(),
                &strings(&case["used"]),
                &strings(&case["unset"]),
            ),
        };
        let got = our_answer(&case);
        if got != want {
            failures.push(format!(
                "line {}: {:?}\n  want {want}\n  got  {got}",
                index + 1,
                case["word"]
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
        assert_eq!(count, RECORDED_CASES, "every recorded case ran");
    }
}

/// Three generators of 400 words each, and 300 quoted patterns.
const RECORDED_CASES: usize = 1500;

/// Words around the escape character, in and out of quotes and patterns, run through
/// tests/go/shell-check (the pinned reference's lexer) and ours, with each combination of
/// switches the converter and parser use: none (ENV, COPY, WORKDIR, ...), raw quotes and
/// escapes with unset variables kept (RUN's progress name, heredoc detection), unset kept
/// alone and with raw quotes (a heredoc delimiter's two lexings); words and one string.
#[test]
fn escapes_match_the_reference_lexer() {
    // (escape, environment, words): the cases the reference's lex_test.go added in 1.28
    // (TestProcessWordRawEscapes, TestProcessWordRawQuotesPatternEscapes, the
    // `${FOO#"a\b"}` and `${FOO#'a\b'}` rows of TestProcessWithMatches), then ours.
    type Variables = &'static [(&'static str, &'static str)];
    let groups: &[(char, Variables, &[&str])] = &[
        (
            '\\',
            &[("FOO", "bar")],
            &[
                r#"C:\hello\world"#,
                r#""C:\hello\world""#,
                r#""a\"b" "a\\b" "\$FOO""#,
                r#"\$FOO $FOO a\ b 'x\y'"#,
            ],
        ),
        (
            '`',
            &[("FOO", "bar")],
            &["C:\\hello `$FOO $FOO", "\"a`tb\" \"a`\"b\""],
        ),
        (
            '\\',
            &[("FOO", r"a\bc"), ("BAR", "ok")],
            &[
                r#"$BAR ${FOO#"a\b"}"#,
                r#"$BAR ${FOO#'a\b'}"#,
                r#"$BAR ${FOO/"a\b"/x}"#,
                r#"${FOO#"a\b"}"#,
                r#"${FOO#'a\b'}"#,
                // Ours from here.
                r#"${FOO%'\bc'}"#,
                r#"${FOO%%'\'*}"#,
                r#"${FOO##*'\'}"#,
                r#"${FOO#'a\\b'}"#,
                r#"${FOO#"a\\b"}"#,
                r#"${FOO#a\\b}"#,
                r#"${FOO#a\b}"#,
                r#"${FOO/'a\'/'x\y'}"#,
                r#"${FOO//"\b"/"\\"}"#,
                r#"${FOO/'\b'/"\q"}"#,
                r#"${FOO/#'a\'/-}"#,
                r#""${FOO#'a\b'}""#,
                r#"${FOO#"${BAR%'k'}\b"}"#,
                r#"${FOO#${BAR:+'a\b'}}"#,
                r#"${FOO:-'a\b'} ${NOPE:-"C:\x"} ${FOO+'\'}"#,
                r#"${NOPE#'a\b'} ${NOPE%"a\b"} ${NOPE/'a\b'/'c\d'} ${NOPE//"\x"/"\y"}"#,
                r#"'${FOO#\'}'"#,
            ],
        ),
        (
            '\\',
            &[("HOME", "/root"), ("WIN", r"C:\hello")],
            &[
                r#"echo \$HOME"#,
                r#"echo "\$HOME" '\$HOME' \\$HOME"#,
                r#"C:\hello\world"#,
                r#"C:\\hello\\world $WIN "$WIN\x""#,
                r#"dir "C:\Program Files\app" 'C:\temp\'"#,
                r#"powershell -Command "Write-Host \"hi\" \q""#,
                r#"echo "\x\$HOME\\\"" a\ b"#,
                r#"echo "tab\	" "\ " "\'""#,
                r#"printf '%s\n' "a\nb""#,
                r#"RUN <<'EOF' "C:\dir\x" cat"#,
                r#"COPY <<"E\OF" <<E\OF2 /dst"#,
                r#"echo "a\"#,
                r#""\"#,
                r#"echo 'a\"#,
                r#"echo a\"#,
                r#"echo "${WIN}\""#,
            ],
        ),
        (
            '`',
            &[("FOO", "a`bc"), ("WIN", r"C:\hello")],
            &[
                "${FOO#'a`b'}",
                "${FOO#\"a`b\"}",
                "${FOO/'`b'/x}",
                "\"C:\\x `$FOO\" `$WIN",
                "\"a``b\" \"a`\\b\"",
            ],
        ),
    ];
    let switches: &[&[&str]] = &[
        &[],
        &["raw_quotes", "raw_escapes"],
        &["raw_quotes", "raw_escapes", "skip_unset"],
        &["skip_unset"],
        &["raw_quotes", "skip_unset"],
        &["raw_escapes"],
    ];
    let mut requests = Vec::new();
    for (escape, env, words) in groups {
        for word in *words {
            for on in switches {
                for words_mode in [false, true] {
                    let mut request = json!({
                        "word": word,
                        "env": env,
                        "escape": escape.to_string(),
                        "words": words_mode,
                    });
                    for name in *on {
                        request[*name] = json!(true);
                    }
                    requests.push(request);
                }
            }
        }
    }
    let answers = shell_check(&requests);
    assert_eq!(answers.len(), requests.len(), "one answer per request");
    let mut failures = Vec::new();
    for (request, answer) in requests.iter().zip(&answers) {
        let want = if answer["is_err"].as_bool().unwrap() {
            format!("error {}", answer["err"].as_str().unwrap())
        } else if request["words"].as_bool().unwrap() {
            format!("words {:?}", strings(&answer["words"]))
        } else {
            value_answer(
                answer["value"].as_str().unwrap(),
                &strings(&answer["used"]),
                &strings(&answer["unset"]),
            )
        };
        let got = our_answer(request);
        if got != want {
            failures.push(format!("{request}\n  reference {want}\n  ours      {got}"));
        }
    }
    eprintln!(
        "{} requests, {} differ from the reference",
        requests.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Answers `requests` with tests/go/shell-check, one JSON line each way.
fn shell_check(requests: &[Value]) -> Vec<Value> {
    let binary = go_program::build("shell-check");
    let mut child = Command::new(binary)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("running shell-check");
    let mut input = String::new();
    for request in requests {
        input.push_str(&request.to_string());
        input.push('\n');
    }
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "shell-check failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}
