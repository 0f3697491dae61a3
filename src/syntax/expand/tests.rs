use super::*;
use proptest::prelude::*;

fn env_of(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| n.to_string()).collect()
}

/// (input, environment, expected value, used, unset)
type Case<'a> = (
    &'a str,
    &'a [(&'a str, &'a str)],
    &'a str,
    &'a [&'a str],
    &'a [&'a str],
);

fn check_cases(cases: &[Case<'_>]) {
    for &(input, env, want, used, unset) in cases {
        let got = expand_word(input, &env_of(env), '\\')
            .unwrap_or_else(|err| panic!("{input:?} failed: {err}"));
        assert_eq!(got.value, want, "value of {input:?}");
        assert_eq!(got.used, set(used), "used of {input:?}");
        assert_eq!(got.unset, set(unset), "unset of {input:?}");
    }
}

/// (input, environment, error message)
type ErrorCase<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);

fn check_errors(cases: &[ErrorCase<'_>]) {
    for &(input, env, message) in cases {
        match expand_word(input, &env_of(env), '\\') {
            Ok(got) => panic!(
                "{input:?} expanded to {:?}, want error {message:?}",
                got.value
            ),
            Err(err) => assert_eq!(err.kind.to_string(), message, "error of {input:?}"),
        }
    }
}

const FOO_BAR: &[(&str, &str)] = &[("FOO", "xxx"), ("BAR", "")];

#[test]
fn plain_and_braced_variables() {
    check_cases(&[
        ("x", &[("DUMMY", "d")], "x", &[], &[]),
        ("x ${UNUSED}", &[], "x ", &[], &["UNUSED"]),
        ("x ${FOO}", &[("FOO", "y")], "x y", &["FOO"], &[]),
        ("$FOO/$BAR.", FOO_BAR, "xxx/.", &["BAR", "FOO"], &[]),
        ("$FOO_BAR", FOO_BAR, "", &[], &["FOO_BAR"]),
        ("${FOO}_BAR", FOO_BAR, "xxx_BAR", &["FOO"], &[]),
        ("a$", &[], "a$", &[], &[]),
        ("$.x", &[], "$.x", &[], &[]),
        ("$1x", &[], "x", &[], &["1"]),
        ("$$", &[], "", &[], &["$"]),
        ("$@@", &[], "@", &[], &["@"]),
        ("${#}", &[], "", &[], &["#"]),
        // Names are case-sensitive.
        ("$foo", FOO_BAR, "", &[], &["foo"]),
        // The later of two entries wins, like the reference's EnvsFromSlice.
        ("$A", &[("A", "1"), ("A", "2")], "2", &["A"], &[]),
        // Letters and digits are Go's: Hangul is a letter, a Devanagari vowel sign is not.
        ("$한국", &[("한국", "k")], "k", &["한국"], &[]),
        ("$क\u{93f}", &[("क", "ka")], "ka\u{93f}", &["क"], &[]),
    ]);
}

#[test]
fn default_and_alternative_values() {
    check_cases(&[
        (
            "${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}",
            FOO_BAR,
            "xxx  ccc",
            &["BAR", "FOO"],
            &["BAZ"],
        ),
        (
            "${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}",
            FOO_BAR,
            "xxx bbb ccc",
            &["BAR", "FOO"],
            &["BAZ"],
        ),
        ("${FOO:-}", FOO_BAR, "xxx", &["FOO"], &[]),
        ("${FOO:-}", &[], "", &[], &["FOO"]),
        (
            "${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}",
            FOO_BAR,
            "aaa bbb ",
            &["BAR", "FOO"],
            &["BAZ"],
        ),
        (
            "${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}",
            FOO_BAR,
            "aaa  ",
            &["BAR", "FOO"],
            &["BAZ"],
        ),
        ("${X:-${FOO:-y}}", FOO_BAR, "xxx", &["FOO"], &["X"]),
        ("${X:-'a b'\"$FOO\"}", FOO_BAR, "a bxxx", &["FOO"], &["X"]),
        ("${X:-\\}}", &[], "}", &[], &["X"]),
        (
            "v-${VARIANT:+-${VARIANT}}.tgz",
            &[("VARIANT", "v7")],
            "v--v7.tgz",
            &["VARIANT"],
            &[],
        ),
        (
            "v${VARIANT:+-${VARIANT}}",
            &[("VARIANT", "")],
            "v",
            &["VARIANT"],
            &[],
        ),
        ("v${VARIANT:+-${VARIANT}}", &[], "v", &[], &["VARIANT"]),
    ]);
}

#[test]
fn required_values() {
    check_cases(&[
        ("${FOO?aaa}", FOO_BAR, "xxx", &["FOO"], &[]),
        ("${BAR?bbb}", FOO_BAR, "", &["BAR"], &[]),
        ("${FOO:?aaa}", FOO_BAR, "xxx", &["FOO"], &[]),
    ]);
    check_errors(&[
        ("${BAZ?ccc}", FOO_BAR, "BAZ: ccc"),
        ("${BAR:?bbb}", FOO_BAR, "BAR: bbb"),
        ("${BAZ:?ccc}", FOO_BAR, "BAZ: ccc"),
        ("${BAZ:?}", FOO_BAR, "BAZ: is not allowed to be unset"),
        ("${BAZ?}", FOO_BAR, "BAZ: is not allowed to be unset"),
        ("${BAR:?}", FOO_BAR, "BAR: is not allowed to be empty"),
        // The message is itself expanded.
        (
            "${VAR:?message here$ARG}",
            &[("ARG", "x")],
            "VAR: message herex",
        ),
        (
            "${VAR:?message here$ARG}",
            &[("VAR", ""), ("ARG", "x")],
            "VAR: message herex",
        ),
    ]);
}

#[test]
fn prefix_and_suffix_removal() {
    check_cases(&[
        (
            "${FOO#()[]{\\}^$.\\*\\?|\\\\}",
            &[("FOO", "()[]{}^$.*?|\\x")],
            "x",
            &["FOO"],
            &[],
        ),
        ("${FOO%%\\**}", &[("FOO", "xx**")], "xx", &["FOO"], &[]),
        ("${FOO#*x*y}", &[("FOO", "xxyy")], "y", &["FOO"], &[]),
        ("${FOO#*}", &[("FOO", "xxyy")], "xxyy", &["FOO"], &[]),
        (
            "${FOO#$BAR}",
            &[("FOO", "xxyy"), ("BAR", "x")],
            "xyy",
            &["BAR", "FOO"],
            &[],
        ),
        (
            "${FOO#$BAR}",
            &[("FOO", "xxyy"), ("BAR", "")],
            "xxyy",
            &["BAR", "FOO"],
            &[],
        ),
        ("${FOO#}", &[("FOO", "xxyy")], "xxyy", &["FOO"], &[]),
        ("${FOO##*x}", &[("FOO", "xxyy")], "yy", &["FOO"], &[]),
        ("${FOO##}", &[("FOO", "xxyy")], "xxyy", &["FOO"], &[]),
        ("${FOO#?\\?}", &[("FOO", "???y")], "?y", &["FOO"], &[]),
        (
            "${ABC:-.}${FOO%x}${ABC:-.}",
            &[("FOO", "xxyy")],
            ".xxyy.",
            &["FOO"],
            &["ABC"],
        ),
        ("${FOO%%\\**\\*}", &[("FOO", "a***yy*")], "a", &["FOO"], &[]),
        ("${FOO%}", &[("FOO", "xxyy")], "xxyy", &["FOO"], &[]),
        (
            "${FOO%%$BAR}",
            &[("FOO", "xxyy"), ("BAR", "")],
            "xxyy",
            &["BAR", "FOO"],
            &[],
        ),
        ("${FOO%.*}", &[("FOO", "a.tar.gz")], "a.tar", &["FOO"], &[]),
        ("${FOO%%.*}", &[("FOO", "a.tar.gz")], "a", &["FOO"], &[]),
        ("${FOO#*/}", &[("FOO", "a/b/c")], "b/c", &["FOO"], &[]),
        ("${FOO##*/}", &[("FOO", "a/b/c")], "c", &["FOO"], &[]),
        ("${NOPE#*}", &[], "", &[], &["NOPE"]),
    ]);
    check_errors(&[
        ("${FOO:#}", &[], "unsupported modifier (:#) in substitution"),
        (
            "${FOO:##}",
            &[],
            "unsupported modifier (:#) in substitution",
        ),
        ("${FOO:%}", &[], "unsupported modifier (:%) in substitution"),
        (
            "${FOO:%%}",
            &[],
            "unsupported modifier (:%) in substitution",
        ),
        (
            "${FOO#a\\b}",
            &[],
            "invalid pattern (a\\b) in substitution: invalid escape '\\b'",
        ),
        // A pattern coming from a variable is checked too, even when FOO is unset.
        (
            "${FOO%$P}",
            &[("P", "a\\")],
            "invalid pattern (\\a) in substitution: invalid escape '\\a'",
        ),
    ]);
}

#[test]
fn pattern_replacement() {
    check_cases(&[
        (
            "${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}",
            &[("FOO", "/foo*/*/*.txt"), ("NEEDLE", "\\*/")],
            "/foo.*/*.txt - /foo..*.txt",
            &["FOO", "NEEDLE"],
            &[],
        ),
        (
            "${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}",
            &[("FOO", "/tmp/tmp/bar.txt"), ("NEEDLE", "/tmp")],
            "/tmp/bar.txt - /bar.txt",
            &["FOO", "NEEDLE"],
            &[],
        ),
        (
            "${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}",
            &[
                ("FOO", "/a/foo/b/c.txt"),
                ("NEEDLE", "/?/"),
                ("REPLACEMENT", "/"),
            ],
            "/foo/b/c.txt - /foo/c.txt",
            &["FOO", "NEEDLE", "REPLACEMENT"],
            &[],
        ),
        (
            "${FOO/$NEEDLE/$REPLACEMENT}",
            &[
                ("FOO", "http://google.de"),
                ("NEEDLE", "http://"),
                ("REPLACEMENT", "https://"),
            ],
            "https://google.de",
            &["FOO", "NEEDLE", "REPLACEMENT"],
            &[],
        ),
        (
            "${FOO//\\//\\/}",
            &[("FOO", "/tmp/foo.txt")],
            "\\/tmp\\/foo.txt",
            &["FOO"],
            &[],
        ),
        (
            "${FOO/$BAR/ww}",
            &[("FOO", "xxyy"), ("BAR", "")],
            "wwxxyy",
            &["BAR", "FOO"],
            &[],
        ),
        ("${FOO///}", &[("FOO", "xxyy")], "xxyy", &["FOO"], &[]),
        ("${FOO///}", &[], "", &[], &["FOO"]),
        // `//` expands Go template references in the replacement, `/` does not.
        (
            "${FOO//o/<'$0'>}",
            &[("FOO", "foo")],
            "f<o><o>",
            &["FOO"],
            &[],
        ),
        (
            "${FOO/o/<'$0'>}",
            &[("FOO", "foo")],
            "f<$0>o",
            &["FOO"],
            &[],
        ),
        (
            "${FOO//o/<\\$0>}",
            &[("FOO", "foo")],
            "f<\\o><\\o>",
            &["FOO"],
            &[],
        ),
        // `$$` is the (unset) special parameter `$` before the template sees it.
        (
            "${FOO//o/<$$0>}",
            &[("FOO", "foo")],
            "f<0><0>",
            &["FOO"],
            &["$"],
        ),
    ]);
    check_errors(&[
        (
            "${FOO//ww}",
            &[("FOO", "xxyy")],
            "syntax error: missing '/' in ${}",
        ),
        (
            "${FOO//}",
            &[("FOO", "xxyy")],
            "syntax error: missing '/' in ${}",
        ),
        (
            "${FOO/a\\./b}",
            &[],
            "invalid pattern (a\\.) in substitution: invalid escape '\\.'",
        ),
    ]);
}

#[test]
fn quotes_and_escapes() {
    check_cases(&[
        ("he'll'o", &[], "hello", &[], &[]),
        ("he\\'llo", &[], "he'llo", &[], &[]),
        ("abc\\tdef", &[], "abctdef", &[], &[]),
        ("\"abc\\tdef\"", &[], "abc\\tdef", &[], &[]),
        ("\"abc\\\\tdef\"", &[], "abc\\tdef", &[], &[]),
        ("\"a\\\"b\\$c\"", &[], "a\"b$c", &[], &[]),
        ("'abc\\tdef'", &[], "abc\\tdef", &[], &[]),
        ("hello\\", &[], "hello", &[], &[]),
        ("'$FOO'", FOO_BAR, "$FOO", &[], &[]),
        ("\"'$FOO'\"", FOO_BAR, "'xxx'", &["FOO"], &[]),
        ("\\$FOO", FOO_BAR, "$FOO", &[], &[]),
        ("\\\\$FOO", FOO_BAR, "\\xxx", &["FOO"], &[]),
        ("\u{feff}bom", &[], "bom", &[], &[]),
        ("a\u{feff}", &[], "a\u{feff}", &[], &[]),
        ("cat <<  EOF", &[], "cat <<  EOF", &[], &[]),
    ]);
    check_errors(&[
        (
            "he'llo",
            &[],
            "unexpected end of statement while looking for matching single-quote",
        ),
        (
            "he\\\\'llo",
            &[],
            "unexpected end of statement while looking for matching single-quote",
        ),
        (
            "\"hello",
            &[],
            "unexpected end of statement while looking for matching double-quote",
        ),
        (
            "\"hello\\\"",
            &[],
            "unexpected end of statement while looking for matching double-quote",
        ),
    ]);
}

#[test]
fn backtick_escape() {
    let env = env_of(FOO_BAR);
    for (input, want) in [
        ("a`$FOO", "a$FOO"),
        ("a`b", "ab"),
        ("C:\\path\\$FOO", "C:\\path\\xxx"),
        ("\"`\"`$`x\"", "\"$`x"),
        ("'`'", "`"),
        ("${X:-`}}", "}"),
        ("a`", "a"),
    ] {
        let got = expand_word(input, &env, '`').unwrap();
        assert_eq!(got.value, want, "input {input:?}");
    }
}

#[test]
fn syntax_errors_carry_the_reference_message_and_a_span() {
    let cases: &[(&str, &str, Range<usize>)] = &[
        (
            "he${PWD",
            "unsupported modifier (\u{fffd}) in substitution",
            7..7,
        ),
        ("he${", "syntax error: missing '}'", 2..4),
        ("${}", "syntax error: bad substitution", 0..2),
        ("x${:-a}", "syntax error: bad substitution", 1..3),
        ("${{a}", "syntax error: bad substitution", 0..2),
        ("${a:-b", "syntax error: missing '}'", 0..6),
        ("${a:-'b}", "syntax error: missing '}'", 0..8),
        ("${a:-${}}", "syntax error: bad substitution", 5..7),
        ("${a:-${b:?no}", "syntax error: missing '}'", 0..13),
        (
            "ab${a:=b}",
            "unsupported modifier (:=) in substitution",
            5..9,
        ),
        ("${a.}", "unsupported modifier (.) in substitution", 3..4),
        (
            "${a:YYY}",
            "unsupported modifier (:Y) in substitution",
            3..8,
        ),
        ("${a/b", "syntax error: missing '/' in ${}", 0..5),
        ("${a/b/c", "syntax error: missing '}'", 0..7),
        (
            "x 'y",
            "unexpected end of statement while looking for matching single-quote",
            2..4,
        ),
        ("x${a:?}", "a: is not allowed to be unset", 1..7),
    ];
    for (input, message, span) in cases {
        let err = expand_word(input, &env_of(&[]), '\\').unwrap_err();
        assert_eq!(err.kind.to_string(), *message, "message of {input:?}");
        assert_eq!(err.span, *span, "span of {input:?}");
        assert_eq!(err.offset(), span.start);
        assert_eq!(err.word, *input);
    }
    let err = expand_word("he${PWD", &env_of(&[]), '\\').unwrap_err();
    assert_eq!(
        err.to_string(),
        "failed to process \"he${PWD\": unsupported modifier (\u{fffd}) in substitution"
    );
}

#[test]
fn words_split_after_substitution() {
    let env = vec![
        "space=abc  def".to_string(),
        "leading=  ab c".to_string(),
        "empty=".to_string(),
        "bare".to_string(),
    ];
    let cases: &[(&str, &[&str])] = &[
        ("hello${space}bye", &["helloabc", "defbye"]),
        ("hello\"${space}\"bye", &["helloabc  defbye"]),
        ("hello${leading}def", &["hello", "ab", "cdef"]),
        ("a \"\" b", &["a", "b"]),
        ("a\\ b c", &["a b", "c"]),
        ("  ", &[]),
        ("x$empty y", &["x", "y"]),
        ("${bare-unset}${nope-unset}", &["unset"]),
        ("cat << EOF", &["cat", "<< EOF"]),
        ("a\u{3000}b\u{a0}c", &["a", "b", "c"]),
        // The reference's shared word buffer drops what came before a `${...}` with an
        // operand in the same word.
        ("hello${nope:-x} y", &["x", "y"]),
        ("a b${nope:-x}", &["a", "x"]),
        ("hello\"${nope:-x}\"", &["x"]),
    ];
    for (input, want) in cases {
        let got = expand_words(input, &env, '\\').unwrap();
        assert_eq!(got, *want, "words of {input:?}");
    }
    assert!(expand_words("hello\" there", &env, '\\').is_err());
}

#[test]
fn reference_switches() {
    let env = env_of(FOO_BAR);
    // Heredoc detection in the parser: raw quotes and escapes, unset variables kept.
    let heredoc = Expander::new('\\')
        .raw_quotes(true)
        .raw_escapes(true)
        .skip_unset(true);
    assert_eq!(
        heredoc
            .expand_words("RUN <<'EOF' \"a\\\"b\" $X ${Y:-z}", &env)
            .unwrap(),
        vec!["RUN", "<<'EOF'", "\"a\\\"b\"", "$X", "${Y:-z}"]
    );
    let skip = Expander::new('\\').skip_unset(true);
    for (input, want) in [
        ("$NOPE", "$NOPE"),
        ("${NOPE}", "${NOPE}"),
        ("${NOPE:-$FOO}", "${NOPE:-xxx}"),
        ("${NOPE#a\\*}", "${NOPE#a\\*}"),
        ("${NOPE//a/b}", "${NOPE/a/b}"),
        ("${FOO:-a}", "xxx"),
    ] {
        assert_eq!(
            skip.expand_word(input, &env).unwrap().value,
            want,
            "{input:?}"
        );
    }
    let raw_quotes = Expander::new('\\').raw_quotes(true);
    assert_eq!(
        raw_quotes.expand_word("'a'\"$FOO\"", &env).unwrap().value,
        "'a'\"xxx\""
    );
    let no_quotes = Expander::new('\\').skip_quotes(true);
    assert_eq!(
        no_quotes
            .expand_word("'$FOO' \"$BAR\"", &env)
            .unwrap()
            .value,
        "'xxx' \"\""
    );
    assert_eq!(Expander::default().escape(), '\\');
}

#[test]
fn env_implementations_agree() {
    let pairs = env_of(&[("A", "1"), ("B", ""), ("A", "2")]);
    let strs: Vec<(&str, &str)> = vec![("A", "1"), ("B", ""), ("A", "2")];
    let entries: Vec<String> = vec!["A=1".into(), "B".into(), "A=2".into()];
    let map: BTreeMap<String, String> = [("A", "2"), ("B", "")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let hash: HashMap<String, String> = map.clone().into_iter().collect();
    assert_eq!(EmptyEnv.get("A"), None);
    let envs: [&dyn Env; 5] = [&pairs, &strs, &entries, &map, &hash];
    for env in envs {
        assert_eq!(env.get("A"), Some("2"));
        assert_eq!(env.get("B"), Some(""));
        assert_eq!(env.get("C"), None);
        assert_eq!(env.get("a"), None);
        let got = expand_word("${A}${B-b}${C-c}", &env, '\\').unwrap();
        assert_eq!(got.value, "2c");
    }
    assert_eq!(Env::get(&entries[..], "A=1"), None);
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let depth = 10_000;
    let word = "${a:-".repeat(depth) + &"}".repeat(depth);
    let err = expand_word(&word, &env_of(&[]), '\\').unwrap_err();
    assert_eq!(err.kind, ExpandErrorKind::TooDeep(MAX_NESTING));
    let unterminated = "${a:-".repeat(depth);
    let err = expand_word(&unterminated, &env_of(&[]), '\\').unwrap_err();
    assert_eq!(err.kind, ExpandErrorKind::TooDeep(MAX_NESTING));
    let ok = "${a:-".repeat(MAX_NESTING - 1) + "x" + &"}".repeat(MAX_NESTING - 1);
    assert_eq!(expand_word(&ok, &env_of(&[]), '\\').unwrap().value, "x");
}

#[test]
fn multiplying_substitutions_stop_at_the_work_limit() {
    // Each level puts the next one between all 16 characters of `a`: 16^8 bytes at the top.
    let env = env_of(&[("a", "0123456789abcdef")]);
    let word = "${a//?/".repeat(8) + "$a" + &"}".repeat(8);
    let err = expand_word(&word, &env, '\\').unwrap_err();
    assert_eq!(err.kind, ExpandErrorKind::TooMuchWork(MAX_WORK >> 20));
    // The error names the substitution that went over.
    assert!(word[err.span.start..].starts_with("${a//?/"));
    // Copies of a long value count too: one more 1 MiB copy than the limit holds.
    let big = "x".repeat(1 << 20);
    let env = env_of(&[("b", big.as_str())]);
    let copies = MAX_WORK >> 20;
    let err = expand_words(&"$b ".repeat(copies + 1), &env, '\\').unwrap_err();
    assert_eq!(err.kind, ExpandErrorKind::TooMuchWork(MAX_WORK >> 20));
    assert_eq!(err.span.start, copies * 3);
    // Four levels (1 MiB) are well inside.
    let word = "${a//?/".repeat(4) + "$a" + &"}".repeat(4);
    assert_eq!(
        expand_word(&word, &env_of(&[("a", "0123456789abcdef")]), '\\')
            .unwrap()
            .value
            .len(),
        16usize.pow(5)
    );
}

#[test]
fn deepest_allowed_nesting_fits_a_small_stack() {
    // Each level goes through a double quote as well as `${...}`: the most frames per level.
    let levels = MAX_NESTING - 1;
    let word = "${a:-\"".repeat(levels) + "x" + &"\"}".repeat(levels);
    let run = move || expand_word(&word, &EmptyEnv, '\\').map(|x| x.value);
    // Half of a tokio worker's default stack, in an unoptimised build.
    let handle = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(run)
        .unwrap();
    assert_eq!(handle.join().unwrap().unwrap(), "x");
}

fn arbitrary_env() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::vec(
        ("[A-Ca-c_1]{1,2}", "[ a-c*?/\\\\$'\"{}#%:\\-+\\n]{0,6}"),
        0..5,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// No input makes the expander panic, whatever the escape character and switches.
    #[test]
    fn never_panics(
        word in "(\\PC|[\\\\`$'\"{}:?#%/*+=\\- <\\n]){0,40}",
        env in arbitrary_env(),
        backtick in any::<bool>(),
        switches in any::<[bool; 4]>(),
    ) {
        let escape = if backtick { '`' } else { '\\' };
        let expander = Expander::new(escape)
            .raw_quotes(switches[0])
            .raw_escapes(switches[1])
            .skip_unset(switches[2])
            .skip_quotes(switches[3]);
        match expander.expand_word(&word, &env) {
            Ok(expansion) => {
                // Every name looked up is either set or unset, never both.
                prop_assert!(expansion.used.is_disjoint(&expansion.unset));
            }
            Err(err) => {
                prop_assert!(err.span.start <= err.span.end && err.span.end <= word.len());
                prop_assert!(word.is_char_boundary(err.span.start));
                prop_assert!(word.is_char_boundary(err.span.end));
            }
        }
        let _ = expander.expand_words(&word, &env);
    }

    /// Substitution-heavy words built from the grammar never panic either.
    #[test]
    fn substitutions_never_panic(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("${".to_string()), Just("}".to_string()), Just("$".to_string()),
                Just(":-".to_string()), Just(":+".to_string()), Just(":?".to_string()),
                Just("#".to_string()), Just("##".to_string()), Just("%".to_string()),
                Just("%%".to_string()), Just("/".to_string()), Just("//".to_string()),
                Just("*".to_string()), Just("?".to_string()), Just("\\".to_string()),
                Just("'".to_string()), Just("\"".to_string()), "[A-Ca-c ]{1,3}",
            ],
            0..24,
        ),
        env in arbitrary_env(),
    ) {
        let word: String = parts.concat();
        let _ = expand_word(&word, &env, '\\');
        let _ = expand_words(&word, &env, '\\');
    }

    /// Without `$`, quotes or the escape character a word comes back unchanged (a leading
    /// byte order mark aside, which the reference's scanner drops), and uses no variable.
    #[test]
    fn plain_words_are_unchanged(
        word in "[^$'\"\\\\\u{feff}]{0,60}",
        env in arbitrary_env(),
    ) {
        let got = expand_word(&word, &env, '\\').unwrap();
        prop_assert_eq!(&got.value, &word);
        prop_assert!(got.used.is_empty() && got.unset.is_empty());
        let words = expand_words(&word, &env, '\\').unwrap();
        let want: Vec<&str> = word.split(char::is_whitespace).filter(|w| !w.is_empty()).collect();
        // `<<` keeps the blanks after it in its word; compare only words without it.
        if !word.contains("<<") {
            prop_assert_eq!(words, want);
        }
    }

    /// Single quotes protect anything but a single quote.
    #[test]
    fn single_quotes_are_literal(inner in "[^']{0,40}") {
        let got = expand_word(&format!("'{inner}'"), &env_of(&[("A", "1")]), '\\').unwrap();
        prop_assert_eq!(got.value, inner);
    }

    /// `${v#p}` and `${v%p}` only ever remove a prefix or a suffix, and the longest forms
    /// remove at least as much as the shortest.
    #[test]
    fn trims_remove_prefixes_and_suffixes(
        value in "[ab*?\\n]{0,12}",
        pattern in "(a|b|\\*|\\?|\\\\\\*){0,5}",
    ) {
        let env = vec![("V".to_string(), value.clone()), ("P".to_string(), pattern)];
        let short_prefix = expand_word("${V#$P}", &env, '\\').unwrap().value;
        let long_prefix = expand_word("${V##$P}", &env, '\\').unwrap().value;
        let short_suffix = expand_word("${V%$P}", &env, '\\').unwrap().value;
        let long_suffix = expand_word("${V%%$P}", &env, '\\').unwrap().value;
        prop_assert!(value.ends_with(&short_prefix) && value.ends_with(&long_prefix));
        prop_assert!(long_prefix.len() <= short_prefix.len());
        prop_assert!(value.starts_with(&short_suffix) && value.starts_with(&long_suffix));
        prop_assert!(long_suffix.len() <= short_suffix.len());
    }
}

#[path = "../../../fuzz/common/expand_input.rs"]
mod expand_input;

#[test]
fn fuzzed_words_that_ran_for_seconds_stop_at_the_work_limit() {
    // From the 1-hour fuzzing run (fuzz/fuzz_targets/expand.rs layout: a flags byte, then the
    // word and NUL-separated variables): at 16 MiB each took 200-370 ms, seconds under ASan.
    for data in [
        &include_bytes!("../../../tests/fixtures/expand-work/timeout-1h-run")[..],
        &include_bytes!("../../../tests/fixtures/expand-work/slow-unit-1h-run")[..],
    ] {
        let (expander, word, env) = expand_input::decode(data).unwrap();
        let err = expander.expand_word(word, &env).unwrap_err();
        assert_eq!(err.kind, ExpandErrorKind::TooMuchWork(MAX_WORK >> 20));
    }
}

#[test]
fn a_literal_word_expands_as_the_lexer_expands_it() {
    // Every word of up to four characters over an alphabet of each kind of character the
    // lexer knows: the shortcut must take only words the lexer leaves as they are.
    let alphabet = [
        'a', ' ', '$', '{', '}', '\\', '`', '\'', '"', '<', '\t', '\u{e9}', '\u{feff}', ':', '-',
    ];
    let env = env_of(&[("a", "x y")]);
    let mut words = vec![String::new()];
    let mut last = vec![String::new()];
    for _ in 0..4 {
        last = last
            .iter()
            .flat_map(|w| alphabet.iter().map(move |c| format!("{w}{c}")))
            .collect();
        words.extend(last.iter().cloned());
    }
    let mut literal = 0;
    for escape in ['\\', '`'] {
        for skip_quotes in [false, true] {
            let expander = Expander::new(escape).skip_quotes(skip_quotes);
            for word in &words {
                let slow =
                    lexer::scan(word, &env, &expander, false).map(|s| (s.value, s.used, s.unset));
                if expander.is_literal(word) {
                    literal += 1;
                    let fast = expander.expand_word(word, &env).unwrap();
                    assert_eq!(
                        slow.ok(),
                        Some((fast.value, fast.used, fast.unset)),
                        "{word:?}"
                    );
                }
            }
        }
    }
    assert!(literal > 10_000, "the shortcut was taken {literal} times");
}
