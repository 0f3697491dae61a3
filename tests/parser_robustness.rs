//! Property test: the parser never panics on any byte sequence. Inputs are random bytes and
//! Dockerfiles built from fragments that stress the tricky parts (escapes, quotes, heredocs,
//! continuations, JSON, flags, directives, BOM, CR, invalid UTF-8), then mutated. For each
//! input the result must be a Dockerfile whose spans lie in the input, or a diagnostic with a
//! valid location that renders. `PARSER_ROBUSTNESS_CASES` sets the number of inputs
//! (scripts/fuzz-short.sh raises it when cargo-fuzz is not available).

use dockerfile_llb::instructions::parse_dockerfile;

/// xorshift64*: deterministic, so a failure reproduces from the printed case number.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a [u8]]) -> &'a [u8] {
        items[self.below(items.len())]
    }
}

const FRAGMENTS: &[&[u8]] = &[
    b"FROM ",
    b"from ",
    b"RUN ",
    b"COPY ",
    b"ADD ",
    b"ENV ",
    b"ARG ",
    b"LABEL ",
    b"CMD ",
    b"ENTRYPOINT ",
    b"SHELL ",
    b"HEALTHCHECK ",
    b"ONBUILD ",
    b"EXPOSE ",
    b"VOLUME ",
    b"WORKDIR ",
    b"USER ",
    b"STOPSIGNAL ",
    b"MAINTAINER ",
    b"alpine",
    b" AS ",
    b"build",
    b"--platform=",
    b"--mount=type=cache,target=/x",
    b"--from=",
    b"--chmod=755",
    b"--link",
    b"--",
    b"--network=",
    b"--interval=1s",
    b"--retries=3",
    b"NONE",
    b"CMD",
    b"\\",
    b"`",
    b"\\\n",
    b"`\n",
    b"\n",
    b"\r\n",
    b"\r",
    b"\t",
    b" ",
    b"  ",
    b"#",
    b"# comment\n",
    b"# escape=`\n",
    b"# syntax=x\n",
    b"# check=skip=all\n",
    b"\"",
    b"'",
    b"[",
    b"]",
    b",",
    b"[\"a\", \"b\"]",
    b"[\"a\", 1]",
    b"=",
    b"a=b",
    b"$x",
    b"${x:-y}",
    b"<<EOF",
    b"<<-EOF",
    b"<<'EOF'",
    b"2<<EOF",
    b"EOF\n",
    b"\tEOF\n",
    b"<<",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xc3",
    b"\xe2\x82",
    b"\xc3\xa9",
    b"\x00",
    b"\x0b",
    b"\x0c",
    b"\xc2\xa0",
    b"\xc2\x85",
    b"{",
    b"}",
    b"\\u00",
    b"-",
    b"0",
    b"99999999999",
];

fn generate(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    match rng.below(4) {
        0 => {
            let n = rng.below(200);
            out.extend((0..n).map(|_| rng.next() as u8));
        }
        _ => {
            let n = 1 + rng.below(40);
            for _ in 0..n {
                out.extend_from_slice(rng.pick(FRAGMENTS));
            }
            // Mutations: flip, insert or delete a few bytes.
            for _ in 0..rng.below(4) {
                if out.is_empty() {
                    break;
                }
                let at = rng.below(out.len());
                match rng.below(3) {
                    0 => out[at] ^= 1 << rng.below(8),
                    1 => out.insert(at, rng.next() as u8),
                    _ => {
                        out.remove(at);
                    }
                }
            }
        }
    }
    out
}

fn check(input: &[u8], case: usize) {
    match parse_dockerfile(input, "Dockerfile") {
        Ok(df) => {
            let spans = df
                .stages
                .iter()
                .flat_map(|s| std::iter::once(s.span).chain(s.commands.iter().map(|c| c.span)))
                .chain(df.meta_args.iter().map(|m| m.span));
            for span in spans {
                assert!(
                    span.start <= span.end && span.end <= input.len(),
                    "case {case}: span {span:?} outside input {input:?}"
                );
            }
        }
        Err(d) => {
            assert!(
                d.span.start <= d.span.end && d.span.end <= input.len(),
                "case {case}: diagnostic span {:?} outside input {input:?}",
                d.span
            );
            assert!(
                d.start.line >= 1 && d.start.column >= 1,
                "case {case}: {d:?}"
            );
            assert!(!d.render(input).is_empty());
        }
    }
}

#[test]
fn parser_never_panics_on_arbitrary_bytes() {
    let cases: usize = std::env::var("PARSER_ROBUSTNESS_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for case in 0..cases {
        let input = generate(&mut rng);
        let result = std::panic::catch_unwind(|| check(&input, case));
        assert!(result.is_ok(), "case {case} panicked on input {input:?}");
    }
}

#[test]
fn every_prefix_of_a_rich_dockerfile_parses_or_fails_cleanly() {
    let src: &[u8] = b"\xef\xbb\xbf# syntax=docker/dockerfile:1\n# escape=\\\nARG V=1\nFROM --platform=$BUILDPLATFORM alpine:$V AS build\nRUN --mount=type=cache,target=/root/.cache \\\n    # comment\n    echo \"a b\" 'c' \\\n\n    done\nCOPY <<EOF <<-'END' /dst/\nhello $V\nEOF\n\tbye\n\tEND\nENV A=1 B=\"x y\" C\\ D=2\nHEALTHCHECK --interval=30s CMD [\"curl\", \"-f\", \"http://x\"]\nONBUILD RUN <<X\nmake\nX\nCMD [\"a\"]\n";
    for end in 0..=src.len() {
        check(&src[..end], end);
    }
}

/// `ONBUILD ONBUILD ...` nests one parse level per word; a line may hold thousands of them.
#[test]
fn deeply_nested_onbuild_does_not_overflow_the_stack() {
    let line = format!("FROM a\n{}RUN x\n", "ONBUILD ".repeat(8000));
    let err = parse_dockerfile(line.as_bytes(), "Dockerfile").unwrap_err();
    assert_eq!(
        err.message,
        "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"
    );
}

/// Nested JSON arrays recurse in a naive parser; Go's decoder gives up past 10000 levels
/// (the reference then treats the text as a shell-form command).
#[test]
fn deeply_nested_json_does_not_overflow_the_stack() {
    let deep = format!("FROM a\nCMD {}{}\n", "[".repeat(20000), "]".repeat(20000));
    let df = parse_dockerfile(deep.as_bytes(), "Dockerfile").unwrap();
    let cmd = &df.stages[0].commands[0];
    assert_eq!(cmd.name(), "CMD");
    let nested = format!(
        "FROM a\nCMD [\"a\", {}{}]\n",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let err = parse_dockerfile(nested.as_bytes(), "Dockerfile").unwrap_err();
    assert!(err
        .message
        .contains("arrays must be comprised of strings only"));
}

/// Variable references nest in the heredoc word lexer.
#[test]
fn deeply_nested_substitutions_do_not_overflow_the_stack() {
    let deep = format!(
        "FROM a\nRUN <<EOF {}x{}\nhi\nEOF\n",
        "${a:-".repeat(10000),
        "}".repeat(10000)
    );
    let result = std::panic::catch_unwind(|| parse_dockerfile(deep.as_bytes(), "Dockerfile"));
    assert!(result.is_ok());
}

/// Found by the fuzzer: "did you mean" suggestions for a 50 KB unknown keyword used to run a
/// quadratic edit distance against every instruction name.
#[test]
fn huge_unknown_keyword_is_reported_quickly() {
    let src = format!("FROM a\nRUN{} x\n", "x".repeat(60_000));
    let start = std::time::Instant::now();
    let err = parse_dockerfile(src.as_bytes(), "Dockerfile").unwrap_err();
    assert!(err.message.starts_with("unknown instruction"));
    assert!(!err.render(src.as_bytes()).is_empty());
    assert!(
        start.elapsed() < std::time::Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
}
