//! The `# check=` directive and the `BUILDKIT_DOCKERFILE_CHECK` build argument, offline: which
//! rules report, and `error=true` failing the conversion after reporting. The cases are the
//! reference's own (frontend/dockerfile/dockerfile_lint_test.go `testRuleCheckOption`); the same
//! Dockerfiles run through a daemon in the upstream suite.

use std::collections::BTreeMap;

use dockerfile_llb::convert::{self, BuildOptions, ConvertOptions, Platform};
use dockerfile_llb::instructions::{parse_dockerfile, parse_dockerfile_reporting};
use dockerfile_llb::syntax::parse_check;

const CASING: &str = "FROM scratch as base\ncopy Dockerfile .\n";

/// What a build reports: the rules of the warnings in order, and the error, if any.
fn report(text: &str, check_arg: Option<&str>) -> (Vec<&'static str>, Option<String>) {
    let df = parse_dockerfile(text.as_bytes(), "Dockerfile").expect("parses");
    let opts = ConvertOptions {
        build: BuildOptions {
            build_platform: Platform::new("linux", "amd64"),
            check: check_arg.map(|v| parse_check(v).expect("valid check value")),
            ..BuildOptions::default()
        },
        target_platform: Some(Platform::new("linux", "amd64")),
        source: text.as_bytes().to_vec(),
        ..ConvertOptions::default()
    };
    let check = match convert::check_config(&df.directives, &opts.build) {
        Ok(check) => check,
        Err(e) => return (Vec::new(), Some(e.message)),
    };
    let mut rules: Vec<&'static str> = check
        .filter(df.warnings.clone())
        .iter()
        .filter_map(|w| w.rule.map(|r| r.name))
        .collect();
    let names = |ws: &[dockerfile_llb::syntax::Diagnostic]| -> Vec<&'static str> {
        ws.iter().filter_map(|w| w.rule.map(|r| r.name)).collect()
    };
    match convert::offline::convert_offline(&df, &opts, &BTreeMap::new()) {
        Ok(converted) => {
            rules.extend(names(&converted.warnings));
            (rules, None)
        }
        Err(e) => {
            rules.extend(names(&e.warnings));
            (rules, Some(e.message))
        }
    }
}

#[test]
fn without_a_directive_every_rule_reports() {
    let (rules, error) = report(CASING, None);
    assert_eq!(rules, vec!["FromAsCasing", "ConsistentInstructionCasing"]);
    assert_eq!(error, None);
}

#[test]
fn skip_all_silences_every_rule_even_with_error() {
    for directive in ["#check=skip=all\n", "#check=skip=all;error=true\n"] {
        assert_eq!(
            report(&format!("{directive}{CASING}"), None),
            (vec![], None)
        );
    }
}

#[test]
fn skipping_both_rules_leaves_nothing_to_fail_on() {
    for directive in [
        "#check=skip=ConsistentInstructionCasing,FromAsCasing\n",
        "#check=skip=ConsistentInstructionCasing,FromAsCasing;error=true\n",
    ] {
        assert_eq!(
            report(&format!("{directive}{CASING}"), None),
            (vec![], None)
        );
    }
}

#[test]
fn a_rule_left_running_reports_and_error_true_fails_after_it() {
    let text = format!("#check=skip=ConsistentInstructionCasing\n{CASING}");
    assert_eq!(report(&text, None), (vec!["FromAsCasing"], None));
    let text = format!("#check=skip=ConsistentInstructionCasing;error=true\n{CASING}");
    assert_eq!(
        report(&text, None),
        (
            vec!["FromAsCasing"],
            Some("lint violation found for rules: FromAsCasing".to_string())
        )
    );
}

#[test]
fn the_build_argument_replaces_the_directive() {
    let text = format!("#check=skip=all\n{CASING}");
    assert_eq!(
        report(&text, Some("skip=ConsistentInstructionCasing;error=true")),
        (
            vec!["FromAsCasing"],
            Some("lint violation found for rules: FromAsCasing".to_string())
        )
    );
    let text = format!("#check=error=true\n{CASING}");
    assert_eq!(report(&text, Some("skip=all")), (vec![], None));
}

#[test]
fn warnings_given_while_converting_count_for_error_true() {
    // JSONArgsRecommended comes from the converter, not the parser.
    let text = "# check=error=true\nFROM scratch\nCMD echo hi\n";
    assert_eq!(
        report(text, None),
        (
            vec!["JSONArgsRecommended"],
            Some("lint violation found for rules: JSONArgsRecommended".to_string())
        )
    );
}

#[test]
fn warnings_before_a_conversion_error_are_kept() {
    let text = "FROM scratch\nCMD echo hi\nCOPY --from=nope /a /b\nSTOPSIGNAL bogus\n";
    let (rules, error) = report(text, None);
    assert_eq!(rules, vec!["JSONArgsRecommended"]);
    assert!(error.is_some());
}

#[test]
fn an_invalid_directive_fails_with_the_reference_text() {
    assert_eq!(
        report(&format!("#check=bogus\n{CASING}"), None)
            .1
            .as_deref(),
        Some("failed to parse check options: invalid check option \"bogus\"")
    );
    assert_eq!(
        report(&format!("#check=error=maybe\n{CASING}"), None).1.as_deref(),
        Some("failed to parse check options: failed to parse check option \"error=maybe\": strconv.ParseBool: parsing \"maybe\": invalid syntax")
    );
}

#[test]
fn warnings_before_a_from_error_are_kept() {
    // testUndeclaredArg: the misspelt ARG warns, then the empty platform fails the build.
    let text = "\nFROM --platform=$BULIDPLATFORM scratch\nCOPY Dockerfile .\n";
    assert_eq!(
        report(text, None),
        (
            vec!["UndefinedArgInFrom"],
            Some(
                "empty platform value from expression $BULIDPLATFORM (did you mean BUILDPLATFORM?)"
                    .to_string()
            )
        )
    );
}

#[test]
fn casing_warnings_of_a_from_that_does_not_parse_come_before_its_error() {
    // The reference checks the words' casing before FROM's arguments, so a client sees both
    // warnings, under the checks in force, then the parse error.
    let text = "FROM alpine AS base\nFROM alpine as Base!\n";
    let failure = parse_dockerfile_reporting(text.as_bytes(), "Dockerfile").unwrap_err();
    let rules = |check: &str| -> Vec<(&'static str, usize)> {
        parse_check(check)
            .unwrap()
            .filter(failure.warnings.clone())
            .iter()
            .map(|w| (w.rule.unwrap().name, w.instruction_lines.unwrap().start))
            .collect()
    };
    assert_eq!(
        rules(""),
        [("StageNameCasing", 2), ("FromAsCasing", 2)],
        "{:?}",
        failure.warnings
    );
    assert_eq!(rules("skip=FromAsCasing"), [("StageNameCasing", 2)]);
    assert_eq!(
        failure.error.reference_text(),
        "dockerfile parse error on line 2: invalid name for build stage: \"Base!\", name can't start with a number or contain symbols"
    );
}

#[test]
fn undefined_variables_warn_unless_an_arg_declares_them() {
    // testUnmatchedVars: a declared ARG without a value is defined; a misspelt one gets a
    // suggestion from the stage's env.
    let text = "FROM scratch\nARG foo\nENV bar=$foo\nCOPY $bar$baz /x\nENV PATH=$PAHT:/bin\n";
    let df = parse_dockerfile(text.as_bytes(), "Dockerfile").unwrap();
    let opts = ConvertOptions {
        build: BuildOptions {
            build_platform: Platform::new("linux", "amd64"),
            ..BuildOptions::default()
        },
        target_platform: Some(Platform::new("linux", "amd64")),
        source: text.as_bytes().to_vec(),
        ..ConvertOptions::default()
    };
    let converted = convert::offline::convert_offline(&df, &opts, &BTreeMap::new()).unwrap();
    let found: Vec<(String, usize)> = converted
        .warnings
        .iter()
        .filter(|w| w.rule.map(|r| r.name) == Some("UndefinedVar"))
        .map(|w| (w.message.clone(), w.start.line))
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "Usage of undefined variable '$baz' (did you mean $bar?)".to_string(),
                4
            ),
            (
                "Usage of undefined variable '$PAHT' (did you mean $PATH?)".to_string(),
                5
            ),
        ]
    );
}

/// The directive's value ends at its first space (parser.ParseDirective cuts it there), so
/// spaces around `=` leave a key without a value: found by tests/checks/corpus/check-spaces.
#[test]
fn a_directive_value_ends_at_its_first_space() {
    let text = format!("# check = skip = FromAsCasing ; error = true\n{CASING}");
    assert_eq!(
        report(&text, None),
        (
            vec![],
            Some("failed to parse check options: invalid check option \"skip\"".to_string())
        )
    );
    // The rest of the line after a space is ignored.
    let text = format!("# check=skip=FromAsCasing,ConsistentInstructionCasing and more\n{CASING}");
    assert_eq!(report(&text, None), (vec![], None));
}

#[test]
fn a_bad_directive_in_a_build_keeps_the_reference_text_then_names_its_line() {
    let text = format!("# syntax=myorg/frontend\n#check=bogus\n{CASING}");
    let df = parse_dockerfile(text.as_bytes(), "Dockerfile").unwrap();
    let e = convert::check_config(&df.directives, &BuildOptions::default()).unwrap_err();
    let hinted = convert::check_config_error_hinted(e, &df.directives, text.as_bytes());
    assert_eq!(
        hinted.message,
        "failed to parse check options: invalid check option \"bogus\" (the # check= directive on line 2)"
    );
    assert_eq!(
        hinted.location, None,
        "a build shows no snippet there, as the reference"
    );
}
