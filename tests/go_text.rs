//! `dockerfile_llb::go` against Go itself (tests/go/text-check): the Unicode tables are what the
//! generator makes from Go's standard library, and strconv.Quote (over every code point),
//! QuoteRune, time.Duration.String, strconv.ParseBool and strconv.ParseInt/ParseUint (values and
//! error texts) give the same text. Also the `.dockerignore` matcher against moby/patternmatcher,
//! whose syntax check is `filepath.Match`.

mod go_program;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use dockerfile_llb::go;

fn checker() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| go_program::build("text-check"))
}

/// Runs the checker in `mode` with `lines` on stdin; its output lines.
fn go_answers(mode: &str, lines: &[String]) -> Vec<String> {
    let mut child = Command::new(checker())
        .arg(mode)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = lines.join("\n") + "\n";
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(output.status.success(), "text-check {mode} failed");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn unicode_tables_are_what_go_generates() {
    let output = Command::new(checker()).arg("tables").output().unwrap();
    assert!(output.status.success());
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/go/unicode_tables.rs"
    ))
    .unwrap();
    assert!(
        committed == String::from_utf8(output.stdout).unwrap(),
        "src/go/unicode_tables.rs is stale: regenerate it with \
         `(cd tests/go/text-check && go run . tables) > src/go/unicode_tables.rs`"
    );
}

#[test]
fn quote_matches_strconv_on_every_code_point() {
    let chars: Vec<char> = (0..=0x10FFFFu32).filter_map(char::from_u32).collect();
    let mut strings: Vec<String> = chars.chunks(256).map(|c| c.iter().collect()).collect();
    strings.extend(
        [
            "",
            "a\"b\\c",
            "tab\there\n",
            "\u{600}x",
            "\u{e000}",
            "\u{f0000}",
        ]
        .map(String::from),
    );
    let lines: Vec<String> = strings
        .iter()
        .map(|s| serde_json::to_string(s).unwrap())
        .collect();
    let theirs = go_answers("quote", &lines);
    assert_eq!(theirs.len(), strings.len());
    for (s, want) in strings.iter().zip(&theirs) {
        assert_eq!(&go::quote(s), want, "strconv.Quote({s:?})");
    }
}

#[test]
fn unix_time_json_matches_go() {
    // Days around the leap rules (1900, 2000, 2100), the ends of Go's range, and a walk of
    // uneven steps over years 0..=9999; outside that range Go refuses and we give the date.
    let mut secs: Vec<i64> = vec![
        -62_167_219_200,
        253_402_300_799,
        -2_203_977_600,
        -2_203_891_201,
        951_782_400,
        951_868_800,
        4_107_456_000,
        4_107_542_400,
        0,
        -1,
        86_399,
    ];
    let mut s = -62_167_219_200i64;
    while s < 253_402_300_799 {
        secs.push(s);
        s += 7_777_777_777 + s.rem_euclid(86_413);
    }
    let theirs = go_answers(
        "unixjson",
        &secs.iter().map(i64::to_string).collect::<Vec<_>>(),
    );
    assert_eq!(theirs.len(), secs.len());
    for (n, want) in secs.iter().zip(&theirs) {
        assert_eq!(
            &go::rfc3339_utc(*n),
            want,
            "time.Unix({n}, 0).UTC().MarshalJSON()"
        );
    }
}

#[test]
fn duration_and_parse_bool_match_go() {
    let durations: Vec<i64> = vec![
        0,
        1,
        7,
        999,
        1_000,
        1_500,
        999_999,
        1_000_000,
        500_000_000,
        1_000_000_000,
        1_500_000_000,
        30_000_000_000,
        59_999_999_999,
        60_000_000_000,
        90_000_000_000,
        3_599_000_000_000,
        3_600_000_000_000,
        86_400_000_000_001,
        -2_000_000_000,
        i64::MAX,
        i64::MIN,
    ];
    let theirs = go_answers(
        "duration",
        &durations.iter().map(i64::to_string).collect::<Vec<_>>(),
    );
    for (n, want) in durations.iter().zip(&theirs) {
        assert_eq!(&go::duration(*n), want, "time.Duration({n}).String()");
    }
    let bools: Vec<String> = [
        "1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False", "tRUE",
        "yes", "", " true",
    ]
    .map(String::from)
    .to_vec();
    let theirs = go_answers("parsebool", &bools);
    for (s, want) in bools.iter().zip(&theirs) {
        let ours = match go::parse_bool(s) {
            Some(b) => b.to_string(),
            None => "error".to_string(),
        };
        assert_eq!(&ours, want, "strconv.ParseBool({s:?})");
    }
}

#[test]
fn windows_is_abs_matches_buildkit() {
    let paths: Vec<String> = [
        "C:/x",
        "c:\\x",
        "C:",
        "C:x",
        "D:/x",
        "d:\\",
        "/x",
        "\\x",
        "x",
        "",
        "//srv/share",
        "\\\\srv\\share",
        "\\/x",
        "ab:/x",
        "C:/",
        "C:\\\\",
        ":/x",
        "C:/a:b",
        "é:/x",
        "aé",
        "é",
    ]
    .map(String::from)
    .to_vec();
    let json: Vec<String> = paths
        .iter()
        .map(|p| serde_json::to_string(p).unwrap())
        .collect();
    let theirs = go_answers("isabs-windows", &json);
    assert_eq!(theirs.len(), paths.len());
    for (p, want) in paths.iter().zip(&theirs) {
        assert_eq!(
            go::path::system_is_abs(p, "windows").to_string(),
            *want,
            "IsAbs({p:?}, windows)"
        );
    }
}

#[test]
fn platforms_parse_normalize_and_format_like_containerd() {
    use dockerfile_llb::convert::Platform;
    let specifiers: Vec<String> = [
        "linux/amd64",
        "linux/arm64",
        "linux/arm64/v8",
        "linux/arm",
        "linux/arm/v7",
        "linux/armhf",
        "x86_64",
        "aarch64",
        "linux",
        "windows",
        "windows(10.0.17763)/amd64",
        "windows(10.0.17763+win32k)/amd64",
        "windows(+win32k+a+win32k)/amd64",
        "windows(10.0%2B1+f%28x%29)/amd64",
        "windows(%zz)/amd64",
        "windows(1+%2)/amd64",
        "windows(1++a)/amd64",
        "windows(1+)/amd64",
        "windows(1)(2)/amd64",
        "linux/",
        "",
        "linux/amd64/v2/x",
        "*",
        "lin.ux/amd64",
        "linux(+)/amd64",
        "darwin(%41)/arm64",
        "windows(10.0.17763+b+a)/amd64/v9",
        "freebsd(13)/386",
        "unknownthing",
    ]
    .map(String::from)
    .to_vec();
    let json: Vec<String> = specifiers
        .iter()
        .map(|p| serde_json::to_string(p).unwrap())
        .collect();
    let theirs = go_answers("platform", &json);
    assert_eq!(theirs.len(), specifiers.len());
    for (s, want) in specifiers.iter().zip(&theirs) {
        let ours = match Platform::parse(s) {
            Err(e) => format!("error {e}"),
            Ok(p) => {
                let n = p.clone().normalize();
                let mut fields = serde_json::Map::new();
                fields.insert("architecture".into(), n.architecture.clone().into());
                fields.insert("os".into(), n.os.clone().into());
                if !n.os_version.is_empty() {
                    fields.insert("os.version".into(), n.os_version.clone().into());
                }
                if let Some(f) = &n.os_features {
                    fields.insert("os.features".into(), f.clone().into());
                }
                if !n.variant.is_empty() {
                    fields.insert("variant".into(), n.variant.clone().into());
                }
                format!("{} {}", serde_json::Value::Object(fields), p.format_all())
            }
        };
        // Go marshals the struct in field order; compare as JSON values.
        let parse = |line: &str| -> (Option<serde_json::Value>, String) {
            match line.strip_prefix("error ") {
                Some(e) => (None, e.to_string()),
                None => {
                    let (j, f) = line.split_once(' ').unwrap();
                    (Some(serde_json::from_str(j).unwrap()), f.to_string())
                }
            }
        };
        assert_eq!(parse(&ours), parse(want), "platforms.Parse({s:?})");
    }
}

#[test]
fn parse_int_and_parse_uint_match_go_values_and_errors() {
    let inputs: Vec<String> = [
        "0",
        "42",
        "+7",
        "-7",
        "-0",
        "007",
        "",
        "+",
        "-",
        "--1",
        "+-1",
        " 1",
        "1 ",
        "1_000",
        "0x10",
        "1e3",
        "1.5",
        "64m",
        "\u{661}",
        "\u{7f}\t\u{a0}x",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "18446744073709551615",
        "18446744073709551616",
        "-18446744073709551616",
        // Go reports the overflow before it reaches the bad character.
        "99999999999999999999x",
        "x99999999999999999999",
        "1844674407370955161x",
    ]
    .map(String::from)
    .to_vec();
    let shown = |r: Result<String, go::NumError>| r.unwrap_or_else(|e| e.to_string());
    let theirs = go_answers("parseint", &inputs);
    assert_eq!(theirs.len(), inputs.len());
    for (s, want) in inputs.iter().zip(&theirs) {
        let ours = shown(go::parse_int(s).map(|n| n.to_string()));
        assert_eq!(&ours, want, "strconv.ParseInt({s:?}, 10, 64)");
    }
    let theirs = go_answers("parseuint", &inputs);
    assert_eq!(theirs.len(), inputs.len());
    for (s, want) in inputs.iter().zip(&theirs) {
        let ours = shown(go::parse_uint(s).map(|n| n.to_string()));
        assert_eq!(&ours, want, "strconv.ParseUint({s:?}, 10, 64)");
    }
}

/// Patterns and paths for the moby/patternmatcher comparison: every kind of match the
/// reference's compiler makes (exact, `dir/**` prefix, `**/x` suffix, regexp), escapes, bracket
/// expressions (as Go's regexp reads them), what `filepath.Match` refuses, what only the regexp
/// compiler refuses, exclusions, and paths with parents, roots, wildcards and non-ASCII.
const PATTERNS: [&str; 55] = [
    "a", "a/b", "b", "*", "**", "**/*", "/*", "*/", "./*", "*.txt", "a/**", "**/b", "**/a/**",
    "a/**/b", "a*b", "?", "a?", "[ab]", "[^a]", "[a-c]*", "d[!x]", "\\*", "a\\", "x*a\\", "[", "]",
    "a]", "[]a]", "x*[", "x*a\\q", "\\d", "a.b", "a+b", "(a)", "{a}", "a|b", "a$", "^a", "é?",
    "**x", "x**", ".*", "!a", "!", "!a/b", " a ", "a/../c", "!./a", "\\w?", "[é]?", "\\s*", "a\\b",
    "[\\d]?", "[^\\w]*", "\\pL",
];
const PATHS: [&str; 26] = [
    "a",
    "a/b",
    "a/b/c",
    "b",
    "c",
    "x.txt",
    "dir/x.txt",
    ".",
    "/",
    "ab",
    "aXb",
    "a b",
    "é1",
    "d!",
    "dx",
    "*",
    "a.b",
    "axb",
    "1",
    "c/a/b",
    "a/c",
    "(a)",
    "{a}",
    "a$",
    "xya\\q",
    "x/a",
];

#[test]
fn dockerignore_matcher_matches_moby_patternmatcher() {
    use dockerfile_llb::convert::dockerignore::PatternMatcher;
    // Each pattern alone and each ordered pair: later patterns see earlier results.
    let mut cases: Vec<Vec<String>> = PATTERNS.iter().map(|p| vec![p.to_string()]).collect();
    for a in PATTERNS {
        for b in PATTERNS {
            cases.push(vec![a.to_string(), b.to_string()]);
        }
    }
    let lines: Vec<String> = cases
        .iter()
        .map(|patterns| serde_json::json!({ "patterns": patterns, "paths": PATHS }).to_string())
        .collect();
    let theirs = go_answers("patternmatcher", &lines);
    assert_eq!(theirs.len(), cases.len());
    for (patterns, want) in cases.iter().zip(&theirs) {
        let ours = match PatternMatcher::new(patterns) {
            Err(e) => serde_json::json!({ "error": e }),
            Ok(m) => {
                let matches: Vec<&str> = PATHS
                    .iter()
                    .map(|p| match m.matches_or_parent_matches(p) {
                        Ok(true) => "true",
                        Ok(false) => "false",
                        Err(_) => "error",
                    })
                    .collect();
                serde_json::json!({ "exclusions": m.exclusions(), "matches": matches })
            }
        };
        let want: serde_json::Value = serde_json::from_str(want).unwrap();
        assert_eq!(ours, want, "patterns {patterns:?} on {PATHS:?}");
    }
}

#[test]
fn sort_slice_leaves_equal_elements_where_go_does() {
    use dockerfile_llb::go::sort::sort_slice;
    // Lengths around the insertion-sort, ninther and shifting thresholds; few distinct values
    // (many ties), runs, reversed and sawtooth inputs; a deterministic generator.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |m: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % m) as i64
    };
    let mut inputs: Vec<Vec<i64>> = Vec::new();
    for len in [0, 1, 2, 11, 12, 13, 20, 49, 50, 51, 64, 100, 257, 1000] {
        for distinct in [1, 2, 3, 7, 1000] {
            inputs.push((0..len).map(|_| next(distinct)).collect());
        }
        let len = len as i64;
        inputs.push((0..len).collect());
        inputs.push((0..len).rev().collect());
        inputs.push((0..len).map(|i| i % 5).collect());
        inputs.push((0..len).map(|i| (len - i) / 3).collect());
        inputs.push(
            (0..len)
                .map(|i| if i % 2 == 0 { i } else { len - i })
                .collect(),
        );
    }
    let lines: Vec<String> = inputs
        .iter()
        .map(|keys| serde_json::to_string(keys).unwrap())
        .collect();
    let go = go_answers("sort", &lines);
    for (keys, want) in inputs.iter().zip(go) {
        let mut order: Vec<usize> = (0..keys.len()).collect();
        sort_slice(&mut order, |&a, &b| keys[a] < keys[b]);
        assert_eq!(serde_json::to_string(&order).unwrap(), want, "{keys:?}");
    }
}
