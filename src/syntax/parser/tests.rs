//! Parser tests: nodes, spans, directives, continuations, heredocs and their errors.

use super::*;

fn dump(src: &str) -> String {
    parse(src.as_bytes(), "Dockerfile").unwrap().dump()
}

#[test]
fn dumps_like_the_reference() {
    assert_eq!(dump("FROM a AS b\n"), "(from \"a\" \"AS\" \"b\")\n");
    assert_eq!(
        dump("COPY --from=x --chown=\"a b\" s d\n"),
        "(copy [\"--from=x\" \"--chown=a b\"] \"s\" \"d\")\n"
    );
    assert!(parse(b"ENV a=b c\n", "Dockerfile").is_err());
    assert_eq!(dump("ENV a b c\n"), "(env \"a\" \"b c\" \"\")\n");
    assert_eq!(dump("ONBUILD RUN [\"x\"]\n"), "(onbuild (run \"x\"))\n");
    assert_eq!(dump("CMD --doit -- [ ]\n"), "(cmd [\"--doit\"])\n");
}

#[test]
fn spans_point_into_the_source() {
    let src = "FROM a\nRUN echo \\\n  # comment\n  hi\n";
    let p = parse(src.as_bytes(), "Dockerfile").unwrap();
    let run = &p.nodes[1];
    assert_eq!(run.original, "RUN echo   hi");
    assert_eq!(&src[run.keyword.span.start..run.keyword.span.end], "RUN");
    let arg = &run.args[0];
    assert_eq!(arg.text, "echo   hi");
    assert_eq!(arg.span.start, src.find("echo").unwrap());
    assert_eq!(arg.span.end, src.find("hi").unwrap() + 2);
    assert_eq!(run.lines, LineRange { start: 2, end: 4 });
}

#[test]
fn syntax_is_detected_like_the_reference() {
    let found = |src: &str| detect_syntax(src.as_bytes()).map(|d| (d.reference, d.cmdline, d.line));
    let some = |r: &str, c: &str, l: usize| Some((r.to_string(), c.to_string(), l));
    assert_eq!(
        found("#syntax=foobar\nfrom alpine"),
        some("foobar", "foobar", 1)
    );
    assert_eq!(
        found("\u{feff}# escape=`\n# syntax = a/b:1 --x y \r\nFROM x\n"),
        some("a/b:1", "a/b:1 --x y", 2)
    );
    assert_eq!(found("#!/usr/bin/env x\n# syntax=s\n"), some("s", "s", 2));
    assert_eq!(found("// syntax=c/d\n{}"), some("c/d", "c/d", 1));
    assert_eq!(found(r#"{"syntax": "j/k"}"#), some("j/k", "j/k", 0));
    // Only leading directives count.
    assert_eq!(found("FROM x\n# syntax=late\n"), None);
    assert_eq!(found("# comment\n# syntax=late\n"), None);
    assert_eq!(found("FROM x\n"), None);
}

#[test]
fn directives_and_escape() {
    let src = "# syntax=foo/bar\n# escape=`\nFROM a\nRUN a `\n b\n";
    let p = parse(src.as_bytes(), "Dockerfile").unwrap();
    assert_eq!(p.directives.syntax.as_ref().unwrap().value, "foo/bar");
    assert_eq!(p.escape_token, '`');
    assert_eq!(p.nodes[1].args[0].text, "a  b");
    let err = parse(b"# escape=`\n# escape=\\\nFROM a\n", "Dockerfile").unwrap_err();
    assert_eq!(err.message, "only one escape parser directive can be used");
    assert_eq!((err.start.line, err.start.column), (2, 1));
}

#[test]
fn heredocs_are_read() {
    let src = "FROM a\nRUN <<EOF cat <<-'END'\nhello $x\nEOF\n\tbye\n\tEND\nRUN b\n";
    let p = parse(src.as_bytes(), "Dockerfile").unwrap();
    let run = &p.nodes[1];
    assert_eq!(run.heredocs.len(), 2);
    assert_eq!(run.heredocs[0].content, "hello $x\n");
    assert!(run.heredocs[0].expand);
    assert_eq!(run.heredocs[1].chomped_content(), "bye\n");
    assert!(!run.heredocs[1].expand);
    assert_eq!(run.lines, LineRange { start: 2, end: 6 });
    assert_eq!(p.nodes[2].lines.start, 7);
    let err = parse(b"FROM a\nRUN <<EOF\nx\n", "Dockerfile").unwrap_err();
    assert_eq!(err.message, "unterminated heredoc");
    assert_eq!((err.start.line, err.start.column), (2, 5));
}

#[test]
fn invalid_utf8_in_comments_is_accepted() {
    let p = parse(b"# caf\xe9\nFROM a\n  # \xff\xfe\nRUN x\n", "Dockerfile").unwrap();
    assert_eq!(p.nodes.len(), 2);
    assert_eq!(p.nodes[1].keyword.span, Span::new(21, 24));
}

#[test]
fn invalid_utf8_is_an_error() {
    let err = parse(b"FROM a\nRUN \xff\n", "Dockerfile").unwrap_err();
    assert_eq!((err.start.line, err.start.column), (2, 5));
    assert!(err.message.contains("UTF-8"));
}

/// The reference's TestParseExtractsHeredoc cases: (instruction line(s), expected heredocs as
/// (name, content, expand, chomp, fd)).
#[test]
fn heredoc_table() {
    type H = (&'static str, &'static str, bool, bool, u32);
    let table: &[(&str, &[H])] = &[
        ("RUN ls\n", &[]),
        ("USER <<INVALID\nINVALID\n", &[]),
        ("RUN <<EMPTY\nEMPTY\n", &[("EMPTY", "", true, false, 0)]),
        ("RUN 3<<EMPTY2\nEMPTY2\n", &[("EMPTY2", "", true, false, 3)]),
        ("RUN \"<<NOHEREDOC\"\n", &[]),
        (
            "RUN <<INDENT\n\tfoo\n\tbar\nINDENT\n",
            &[("INDENT", "\tfoo\n\tbar\n", true, false, 0)],
        ),
        (
            "RUN <<-UNINDENT\n\tbaz\n\tquux\nUNINDENT\n",
            &[("UNINDENT", "\tbaz\n\tquux\n", true, true, 0)],
        ),
        (
            "RUN <<-UNINDENT2\n\tbaz\n\tquux\n\tUNINDENT2\n",
            &[("UNINDENT2", "\tbaz\n\tquux\n", true, true, 0)],
        ),
        (
            "RUN <<-'NOEXPAND'\n\tdon't expand $NAME\nNOEXPAND\n",
            &[("NOEXPAND", "\tdon't expand $NAME\n", false, true, 0)],
        ),
        (
            "RUN <<COMMENT\n# internal comment\necho x # trailing\nCOMMENT\n",
            &[(
                "COMMENT",
                "# internal comment\necho x # trailing\n",
                true,
                false,
                0,
            )],
        ),
        (
            "RUN --mount=type=cache,target=/foo <<MOUNT\necho hello\nMOUNT\n",
            &[("MOUNT", "echo hello\n", true, false, 0)],
        ),
        (
            "COPY <<FILE1 <<FILE2 /dest\ncontent 1\nFILE1\ncontent 2\nFILE2\n",
            &[
                ("FILE1", "content 1\n", true, false, 0),
                ("FILE2", "content 2\n", true, false, 0),
            ],
        ),
        (
            "COPY <<X <<Y /dest\nY\nX\nX\nY\n",
            &[("X", "Y\n", true, false, 0), ("Y", "X\n", true, false, 0)],
        ),
        (
            "RUN <<COMPLEX python3\nprint('hello world')\nCOMPLEX\n",
            &[("COMPLEX", "print('hello world')\n", true, false, 0)],
        ),
        (
            "COPY <<file.txt /dest\nhello world\nfile.txt\n",
            &[("file.txt", "hello world\n", true, false, 0)],
        ),
        (
            "RUN <<eo'f'\necho foo\neof\n",
            &[("eof", "echo foo\n", false, false, 0)],
        ),
        (
            "RUN <<eo\\'f\necho foo\neo'f\n",
            &[("eo'f", "echo foo\n", true, false, 0)],
        ),
        (
            "RUN <<'e'o\\'f\necho foo\neo'f\n",
            &[("eo'f", "echo foo\n", false, false, 0)],
        ),
        (
            "RUN <<'one two'\necho bar\none two\n",
            &[("one two", "echo bar\n", false, false, 0)],
        ),
        ("RUN <<$EOF\n$EOF\n", &[("$EOF", "", true, false, 0)]),
        ("RUN <<  EOF\nEOF\n", &[("EOF", "", true, false, 0)]),
        ("RUN <<  EOF  > foo\nEOF\n", &[("EOF", "", true, false, 0)]),
        ("RUN << -EOF\n-EOF\n", &[("-EOF", "", true, false, 0)]),
        ("RUN [\"<<EOF\"]\n", &[]),
        ("RUN ['<<EOF']\n", &[]),
        (
            "ONBUILD COPY <<A /a\nx\nA\n",
            &[("A", "x\n", true, false, 0)],
        ),
    ];
    for (src, want) in table {
        let full = format!("FROM a\n{src}RUN after\n");
        let p = parse(full.as_bytes(), "Dockerfile").unwrap_or_else(|e| panic!("{src:?}: {e}"));
        let got: Vec<H> = p.nodes[1]
            .heredocs
            .iter()
            .map(|h| {
                let name: &'static str = Box::leak(h.name.clone().into_boxed_str());
                let content: &'static str = Box::leak(h.content.clone().into_boxed_str());
                (name, content, h.expand, h.chomp, h.file_descriptor)
            })
            .collect();
        assert_eq!(&got, want, "{src:?}");
        if !want.is_empty() {
            assert_eq!(p.nodes.len(), 3, "{src:?}");
        }
    }
}

#[test]
fn heredoc_words() {
    for w in [
        "<<EOF",
        "<<'EOF'",
        "<<\"EOF\"",
        "<<-EOF",
        "<<-'EOF'",
        "<<-\"EOF\"",
        "<<EO\"F\"",
        "<< EOF",
        "<<- EOF",
    ] {
        let h = super::super::heredoc::parse_heredoc_word(w)
            .unwrap()
            .unwrap();
        assert_eq!(h.name, "EOF", "{w}");
    }
    for w in ["<<'EOF", "<<\"EOF", "<<EOF'", "<<EOF\""] {
        assert!(super::super::heredoc::parse_heredoc_word(w).is_err(), "{w}");
    }
    for w in ["", "EOF", "<<", "<<-", "<EOF", "<<<EOF", "<<EOF sh"] {
        assert_eq!(
            super::super::heredoc::parse_heredoc_word(w).unwrap(),
            None,
            "{w}"
        );
    }
}

#[test]
fn empty_continuation_lines_warn() {
    let src = "FROM a\nRUN valid \\\n    continuation\nRUN something \\\n\n    following \\\n\n    more\nRUN non-indented \\\n# comment\n   after\n";
    let p = parse(src.as_bytes(), "Dockerfile").unwrap();
    assert_eq!(p.warnings.len(), 1);
    assert_eq!(p.warnings[0].start.line, 5);
    assert_eq!(p.nodes[2].original, "RUN something     following     more");
    assert_eq!(p.nodes[3].original, "RUN non-indented    after");
}

#[test]
fn parse_words_table() {
    let table: &[(&str, &[&str])] = &[
        ("foo", &["foo"]),
        ("foo bar", &["foo", "bar"]),
        ("foo\\ bar", &["foo\\ bar"]),
        ("foo=bar", &["foo=bar"]),
        ("foo bar 'abc xyz'", &["foo", "bar", "'abc xyz'"]),
        ("foo bar \"abc xyz\"", &["foo", "bar", "\"abc xyz\""]),
        ("àöû", &["àöû"]),
        ("föo bàr \"âbc xÿz\"", &["föo", "bàr", "\"âbc xÿz\""]),
    ];
    for (input, want) in table {
        let p = parse(format!("ARG {input}\n").as_bytes(), "Dockerfile").unwrap();
        let got: Vec<&str> = p.nodes[0].args.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(&got, want, "{input}");
        for w in &p.nodes[0].args {
            assert_eq!(
                &format!("ARG {input}\n")[w.span.start..w.span.end],
                w.text,
                "{input}"
            );
        }
    }
}

#[test]
fn long_lines_are_rejected_like_the_reference() {
    let src = format!("FROM a\nLABEL x={}\n", "a".repeat(65536));
    let err = parse(src.as_bytes(), "Dockerfile").unwrap_err();
    assert_eq!(
        err.message,
        "dockerfile line greater than max allowed size of 65535"
    );
    assert_eq!(err.start.line, 2);
    let ok = format!("FROM a\nLABEL x={}\n", "a".repeat(65536 - 9));
    assert!(parse(ok.as_bytes(), "Dockerfile").is_ok());
}

/// Deliberate divergence: the reference mangles non-ASCII bytes in flag values.
#[test]
fn non_ascii_flag_values_stay_intact() {
    let p = parse(
        "FROM a\nCOPY --chown=josé --\"x=é\" a b\n".as_bytes(),
        "Dockerfile",
    )
    .unwrap();
    let flags: Vec<&str> = p.nodes[1].flags.iter().map(|f| f.text.as_str()).collect();
    assert_eq!(flags, vec!["--chown=josé", "--x=é"]);
}

#[test]
fn go_quoting() {
    assert_eq!(
        go_quote("a\"b\\c\n\u{1}é\u{a0}"),
        "\"a\\\"b\\\\c\\n\\x01é\\u00a0\""
    );
}
