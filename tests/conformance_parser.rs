//! The reference parser's own test data (frontend/dockerfile/parser of the pinned BuildKit, read
//! from the Go module cache):
//! every `testfiles` case must dump exactly like its `result` file, every `testfiles-negative`
//! case must be rejected (by the file-format parser or the instructions layer).

mod buildkit_module;
mod go_program;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use dockerfile_llb::instructions::parse_dockerfile;
use dockerfile_llb::syntax;

fn data_dir() -> PathBuf {
    buildkit_module::dir().join("frontend/dockerfile/parser")
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
/// (tests/conformance/differential.json, produced by running the pinned BuildKit's
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

/// Our typed instructions in the line format of tests/go/parser-check (`typed`).
fn typed_lines(df: &dockerfile_llb::instructions::Dockerfile) -> Vec<String> {
    use dockerfile_llb::instructions::{
        Arg, Instruction, KeyValue, NetworkMode, SecurityMode, SourceContent, Word,
    };
    use serde_json::{json, Value};
    fn j(v: Value) -> String {
        serde_json::to_string(&v).unwrap()
    }
    fn words(ws: &[Word]) -> Value {
        json!(ws.iter().map(|w| w.text.clone()).collect::<Vec<_>>())
    }
    fn opt(w: &Option<Word>) -> String {
        w.as_ref().map(|w| w.text.clone()).unwrap_or_default()
    }
    fn kvs(pairs: &[KeyValue]) -> Value {
        json!(pairs
            .iter()
            .map(|p| json!({"Key": p.key.text, "Value": p.value.text, "NoDelim": p.no_delim}))
            .collect::<Vec<_>>())
    }
    fn contents(cs: &[SourceContent]) -> Value {
        json!(cs
            .iter()
            .map(|c| json!({"Path": c.path, "Data": c.data, "Expand": c.expand}))
            .collect::<Vec<_>>())
    }
    fn arg_line(a: &Arg) -> String {
        let mut s = "ARG".to_string();
        for d in &a.args {
            let v = d
                .value
                .as_ref()
                .map(|v| v.text.clone())
                .unwrap_or("<nil>".into());
            s.push(' ');
            s.push_str(&j(json!([d.key.text, v])));
        }
        s
    }
    let mut out: Vec<String> = df
        .meta_args
        .iter()
        .map(|m| format!("META {}", arg_line(&m.arg)))
        .collect();
    for st in &df.stages {
        out.push(format!(
            "STAGE {}",
            j(json!([
                st.name.clone().unwrap_or_default(),
                st.from.image.text,
                opt(&st.from.platform)
            ]))
        ));
        for c in &st.commands {
            let line = match &c.instruction {
                Instruction::Run(r) => {
                    let files: Vec<Value> = r
                        .heredocs
                        .iter()
                        .map(|h| json!([h.name, h.content, h.chomp]))
                        .collect();
                    let network = match r.network {
                        NetworkMode::Default => "default",
                        NetworkMode::None => "none",
                        NetworkMode::Host => "host",
                    };
                    let security = match r.security {
                        SecurityMode::Sandbox => "sandbox",
                        SecurityMode::Insecure => "insecure",
                    };
                    let mut used = r.flags_used.clone();
                    used.sort();
                    format!(
                        "RUN {} {} {} {} {}",
                        j(words(&r.cmd.args)),
                        r.cmd.prepend_shell,
                        j(json!(files)),
                        j(json!([network, security])),
                        j(json!(used))
                    )
                }
                Instruction::Cmd(x) => {
                    format!("CMD {} {}", j(words(&x.cmd.args)), x.cmd.prepend_shell)
                }
                Instruction::Entrypoint(x) => {
                    format!(
                        "ENTRYPOINT {} {}",
                        j(words(&x.cmd.args)),
                        x.cmd.prepend_shell
                    )
                }
                Instruction::Shell(x) => format!("SHELL {}", j(words(&x.shell))),
                Instruction::Env(x) => format!("ENV {}", j(kvs(&x.pairs))),
                Instruction::Label(x) => format!("LABEL {}", j(kvs(&x.pairs))),
                Instruction::Arg(a) => arg_line(a),
                Instruction::Workdir(x) => format!("WORKDIR {}", j(json!(x.path.text))),
                Instruction::User(x) => format!("USER {}", j(json!(x.user.text))),
                Instruction::Expose(x) => {
                    // The reference sorts the ports; order carries no meaning.
                    let mut ports: Vec<String> = x.ports.iter().map(|w| w.text.clone()).collect();
                    ports.sort();
                    format!("EXPOSE {}", j(json!(ports)))
                }
                Instruction::Volume(x) => format!("VOLUME {}", j(words(&x.paths))),
                Instruction::StopSignal(x) => format!("STOPSIGNAL {}", j(json!(x.signal.text))),
                Instruction::Healthcheck(h) => format!(
                    "HEALTHCHECK {} {}",
                    j(json!(h.test)),
                    j(json!([
                        h.interval.as_nanos() as i64,
                        h.timeout.as_nanos() as i64,
                        h.start_period.as_nanos() as i64,
                        h.start_interval.as_nanos() as i64,
                        h.retries
                    ]))
                ),
                Instruction::Onbuild(o) => format!("ONBUILD {}", j(json!(o.expression))),
                Instruction::Maintainer(m) => format!("MAINTAINER {}", j(json!(m.name.text))),
                Instruction::Copy(c) => format!(
                    "COPY {} {} {} {} {} {}",
                    j(words(&c.args.sources)),
                    j(contents(&c.args.contents)),
                    j(json!(c.args.dest.text)),
                    j(json!([
                        opt(&c.from),
                        opt(&c.args.chown),
                        opt(&c.args.chmod)
                    ])),
                    j(json!([c.args.link, c.parents])),
                    j(words(&c.args.excludes))
                ),
                Instruction::Add(a) => format!(
                    "ADD {} {} {} {} {} {} {}",
                    j(words(&a.args.sources)),
                    j(contents(&a.args.contents)),
                    j(json!(a.args.dest.text)),
                    j(json!([
                        opt(&a.args.chown),
                        opt(&a.args.chmod),
                        opt(&a.checksum)
                    ])),
                    a.args.link,
                    j(json!([a.keep_git_dir, a.unpack])),
                    j(words(&a.args.excludes))
                ),
            };
            out.push(line);
        }
    }
    out
}

/// Accepted generated Dockerfiles with the reference's typed instructions recorded
/// (tests/conformance/differential_typed.json): our typed layer must give the same values.
#[test]
fn typed_instructions_match_the_reference() {
    #[derive(serde::Deserialize)]
    struct Case {
        input: String,
        typed: Vec<String>,
    }
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/differential_typed.json");
    let cases: Vec<Case> = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    assert!(cases.len() >= 1000);
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        match parse_dockerfile(case.input.as_bytes(), "Dockerfile") {
            Ok(df) => {
                let ours = typed_lines(&df);
                if ours != case.typed {
                    failures.push(format!(
                        "case {i} {:?}:\n--- reference\n{}\n--- ours\n{}",
                        case.input,
                        case.typed.join("\n"),
                        ours.join("\n")
                    ));
                }
            }
            Err(e) => failures.push(format!("case {i} {:?}: we reject: {e}", case.input)),
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

/// Heredoc detection runs the shell lexer over the whole line (raw quotes and escapes, unset
/// variables kept) and again over each delimiter: lines whose other words hold escapes in
/// quotes, quoted patterns or modifiers the lexer only accepts with unset variables kept,
/// parsed by tests/go/parser-check (the pinned reference's parser) and by us.
#[test]
fn heredoc_detection_matches_the_reference_parser() {
    let inputs = [
        "FROM a\nRUN echo ${x:=y} <<EOF\nhi\nEOF\n",
        "FROM a\nRUN echo ${x:?} ${y:.} <<EOF\nhi\nEOF\n",
        "FROM a\nRUN echo ${\u{b2}} <<EOF\nhi\nEOF\n",
        "FROM a\nRUN cat <<\"C:\\hello\" /x\nhi\nC:\\hello\n",
        "FROM a\nCOPY <<\"E\\OF\" <<E\\OF2 /dst/\na\nE\\OF\nb\nEOF2\n",
        "FROM a\nRUN <<'EOF' \"C:\\dir\\x\" cat\nbody\nEOF\n",
        "FROM a\nRUN echo \"${x#'a\\b'}\" <<EOF\nx\nEOF\n",
        "FROM a\nRUN echo ${x/\"\\q\"/'\\r'} <<-\"EOF\"\n\tx\n\tEOF\n",
        "FROM a\nRUN echo \\$HOME \"a\\\"\" \"\\q\" <<EOF\nx\nEOF\n",
        "FROM a\nRUN echo \"\\\" <<EOF\nx\nEOF\n",
    ];
    let binary = go_program::build("parser-check");
    let mut child = Command::new(binary)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("running parser-check");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(&inputs).unwrap().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "parser-check failed");
    let answers: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answers.len(), inputs.len());
    let mut failures = Vec::new();
    for (input, answer) in inputs.iter().zip(&answers) {
        let theirs = format!(
            "parsed {} dump {:?} accepted {} typed {:?}",
            answer["parsed"],
            answer["dump"].as_str().unwrap_or(""),
            answer["accepted"],
            answer["typed"]
                .as_array()
                .map(|t| t.iter().map(|l| l.as_str().unwrap()).collect::<Vec<_>>())
                .unwrap_or_default()
        );
        let parsed = syntax::parse(input.as_bytes(), "Dockerfile");
        let typed = parse_dockerfile(input.as_bytes(), "Dockerfile");
        let ours = format!(
            "parsed {} dump {:?} accepted {} typed {:?}",
            parsed.is_ok(),
            parsed.as_ref().map(|p| p.dump()).unwrap_or_default(),
            typed.is_ok(),
            typed.as_ref().map(typed_lines).unwrap_or_default()
        );
        if ours != theirs {
            failures.push(format!(
                "{input:?}\n  reference {theirs}\n  ours      {ours}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Spans are exact: for every keyword, and every argument word kept verbatim (not JSON-decoded,
/// not joined across continuation lines, not dequoted flags), the source bytes under the span
/// are the word's text.
#[test]
fn word_spans_cover_their_source_text() {
    let mut checked = 0;
    for case in cases("testfiles") {
        let source = fs::read(case.join("Dockerfile")).unwrap();
        let parsed = syntax::parse(&source, "Dockerfile").unwrap();
        let mut nodes: Vec<&syntax::Node> = parsed.nodes.iter().collect();
        while let Some(node) = nodes.pop() {
            if let Some(child) = &node.child {
                nodes.push(child);
            }
            let mut words = vec![&node.keyword];
            if !node.json && node.lines.start == node.lines.end {
                words.extend(node.args.iter().filter(|w| !w.text.is_empty()));
            }
            for w in words {
                let under = String::from_utf8_lossy(&source[w.span.start..w.span.end]);
                assert_eq!(under, w.text, "{}: {:?}", case.display(), node.original);
                checked += 1;
            }
            // Exec-form strings: the span holds the JSON literal of the text.
            if node.json && node.command() != "healthcheck" {
                for w in &node.args {
                    let literal = std::str::from_utf8(&source[w.span.start..w.span.end]).unwrap();
                    let decoded: String = serde_json::from_str(literal)
                        .unwrap_or_else(|e| panic!("{}: {literal:?}: {e}", case.display()));
                    assert_eq!(decoded, w.text, "{}", case.display());
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 500, "only {checked} words checked");
}
