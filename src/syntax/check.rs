//! The `# check=` parser directive (`skip=rule1,rule2;error=true;experimental=all`), as the
//! reference's `linter.ParseLintOptions` reads it. The converter applies it unless the client
//! sent its own linter configuration (the `BUILDKIT_DOCKERFILE_CHECK` build argument); an
//! invalid value fails the build there with "failed to parse check options: ...".

use serde::Serialize;

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
