//! The `# check=` parser directive (`skip=rule1,rule2;error=true;experimental=all`), as the
//! reference's `linter.ParseLintOptions` reads it, and which rules it lets run (`Linter.Run`).
//! The converter applies it unless the client sent its own linter configuration (the
//! `BUILDKIT_DOCKERFILE_CHECK` build argument); an invalid value fails the build there with
//! "failed to parse check options: ...".

use serde::Serialize;

use super::rules::Rule;
use super::Diagnostic;

/// Which lint rules to skip or enable, and whether warnings fail the build.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CheckConfig {
    pub skip: Vec<String>,
    pub skip_all: bool,
    pub experimental: Vec<String>,
    pub experimental_all: bool,
    /// `error=true`: lint warnings fail the build.
    pub error: bool,
}

impl CheckConfig {
    /// `Linter.Run`'s filter: an experimental rule runs only when enabled, any other unless
    /// skipped.
    pub fn runs(&self, rule: &Rule) -> bool {
        if rule.experimental {
            self.experimental_all || self.experimental.iter().any(|r| r == rule.name)
        } else {
            !(self.skip_all || self.skip.iter().any(|r| r == rule.name))
        }
    }

    /// Keeps the warnings whose rule runs, under this configuration merged with the `# check=`
    /// comment of the instruction each was given for; warnings without a rule (our own notes)
    /// stay.
    pub fn filter(&self, warnings: Vec<Diagnostic>) -> Vec<Diagnostic> {
        warnings
            .into_iter()
            .filter(|w| {
                w.rule.is_none_or(|r| match &w.check_comment {
                    Some(comment) => self.merged(comment).runs(r),
                    None => self.runs(r),
                })
            })
            .collect()
    }

    /// `Linter.WithMergedConfig`: an instruction's comment can only add rules to skip or to
    /// enable; whether warnings fail the build stays the build's decision.
    fn merged(&self, comment: &CheckConfig) -> CheckConfig {
        let union = |a: &[String], b: &[String]| a.iter().chain(b).cloned().collect();
        CheckConfig {
            skip: union(&self.skip, &comment.skip),
            skip_all: self.skip_all || comment.skip_all,
            experimental: union(&self.experimental, &comment.experimental),
            experimental_all: self.experimental_all || comment.experimental_all,
            error: self.error,
        }
    }

    /// `Linter.Error`: with `error=true`, the build fails once a rule has reported. The
    /// reference lists the rules in Go's map order (random); we list them in reporting order.
    pub fn violation(&self, reported: &[&Diagnostic]) -> Option<String> {
        if !self.error {
            return None;
        }
        let mut rules: Vec<&str> = Vec::new();
        for name in reported.iter().filter_map(|w| w.rule.map(|r| r.name)) {
            if !rules.contains(&name) {
                rules.push(name);
            }
        }
        (!rules.is_empty()).then(|| format!("lint violation found for rules: {}", rules.join(", ")))
    }
}

/// `Linter.WithMergedConfigFromComments`: the first comment above an instruction that reads as
/// a `check` directive decides, with its value cut at the first space so that a note can follow
/// (`# check=skip=JSONArgsRecommended // why`); a value that does not parse counts as no
/// comment, silently, where the file's directive would fail the build.
fn comment_check(comments: &[String]) -> Option<CheckConfig> {
    let (_, value) = comments
        .iter()
        .filter_map(|c| super::parser::comment_directive(c))
        .find(|(name, _)| name == "check")?;
    let value = value.split_once(' ').map_or(value.as_str(), |(v, _)| v);
    parse_check(value).ok()
}

/// Puts the warnings given for one instruction under the `# check=` comment above it (the
/// reference merges it into the linter that instruction's checks report to).
pub(crate) fn under_comments(warnings: &mut [Diagnostic], comments: &[String]) {
    if warnings.is_empty() {
        return;
    }
    if let Some(check) = comment_check(comments) {
        for w in warnings {
            w.check_comment = Some(check.clone());
        }
    }
}

/// Parses a `check` directive value (or `BUILDKIT_DOCKERFILE_CHECK`).
pub fn parse_check(value: &str) -> Result<CheckConfig, String> {
    let value = value.trim();
    let mut config = CheckConfig::default();
    if value.is_empty() {
        return Ok(config);
    }
    // At most three `;`-separated parts; a further `;` stays inside the third value.
    for part in value.splitn(3, ';') {
        let Some((key, v)) = part.split_once('=') else {
            return Err(format!("invalid check option {}", crate::go::quote(part)));
        };
        let v = v.trim();
        let list =
            |v: &str| -> Vec<String> { v.split(',').map(|r| r.trim().to_string()).collect() };
        match key.trim() {
            "skip" if v == "all" => config.skip_all = true,
            "skip" => config.skip = list(v),
            "experimental" if v == "all" => config.experimental_all = true,
            "experimental" => config.experimental = list(v),
            "error" => {
                config.error = match v {
                    "1" | "t" | "T" | "TRUE" | "true" | "True" => true,
                    "0" | "f" | "F" | "FALSE" | "false" | "False" => false,
                    _ => {
                        return Err(format!(
                            "failed to parse check option {}: strconv.ParseBool: parsing {}: invalid syntax",
                            crate::go::quote(part),
                            crate::go::quote(v)
                        ))
                    }
                }
            }
            other => {
                return Err(format!(
                    "invalid check option {}",
                    crate::go::quote(other)
                ))
            }
        }
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::rules;
    use crate::syntax::Span;

    #[test]
    fn rules_run_unless_skipped_and_experimental_ones_only_when_enabled() {
        let experimental = Rule {
            experimental: true,
            ..rules::STAGE_NAME_CASING
        };
        let none = CheckConfig::default();
        assert!(none.runs(&rules::STAGE_NAME_CASING) && !none.runs(&experimental));
        let skip = parse_check("skip=StageNameCasing").unwrap();
        assert!(!skip.runs(&rules::STAGE_NAME_CASING) && skip.runs(&rules::FROM_AS_CASING));
        assert!(!parse_check("skip=all")
            .unwrap()
            .runs(&rules::FROM_AS_CASING));
        assert!(parse_check("experimental=StageNameCasing")
            .unwrap()
            .runs(&experimental));
        assert!(parse_check("experimental=all;skip=all")
            .unwrap()
            .runs(&experimental));
    }

    #[test]
    fn error_names_each_reported_rule_once() {
        let w = |rule: &'static Rule| {
            Diagnostic::warning("x", Span::empty(0)).with_rule(rule, Span::empty(0))
        };
        let (a, b, c) = (
            w(&rules::STAGE_NAME_CASING),
            w(&rules::FROM_AS_CASING),
            w(&rules::STAGE_NAME_CASING),
        );
        let on = parse_check("error=true").unwrap();
        assert_eq!(
            on.violation(&[&a, &b, &c]).as_deref(),
            Some("lint violation found for rules: StageNameCasing, FromAsCasing")
        );
        assert_eq!(on.violation(&[]), None);
        assert_eq!(CheckConfig::default().violation(&[&a]), None);
    }

    #[test]
    fn check_options() {
        let c = parse_check(" skip=JSONArgsRecommended, StageNameCasing ;error=true").unwrap();
        assert_eq!(c.skip, vec!["JSONArgsRecommended", "StageNameCasing"]);
        assert!(c.error && !c.skip_all);
        assert!(parse_check("skip=all").unwrap().skip_all);
        assert!(
            parse_check("experimental=all;error=0")
                .unwrap()
                .experimental_all
        );
        assert_eq!(parse_check("").unwrap(), CheckConfig::default());
        // A fourth part stays in the third value, as with Go's SplitN(.., 3).
        let c = parse_check("error=false;skip=a;experimental=b;skip=c").unwrap();
        assert_eq!(c.experimental, vec!["b;skip=c"]);
        assert_eq!(
            parse_check("foo").unwrap_err(),
            "invalid check option \"foo\""
        );
        assert_eq!(
            parse_check("foo=1").unwrap_err(),
            "invalid check option \"foo\""
        );
        assert_eq!(
            parse_check("error=maybe").unwrap_err(),
            "failed to parse check option \"error=maybe\": strconv.ParseBool: parsing \"maybe\": invalid syntax"
        );
    }
}
