//! moby/patternmatcher (v0.6.1), the two parts the reference uses: `ignorefile.ReadAll` turns a
//! `.dockerignore` file into the context source's `local.excludepatterns` (BOM stripped, `#`
//! comments skipped, each pattern trimmed, cleaned like Go's `filepath.Clean`, with a leading
//! `/` removed and `!` kept), and the `PatternMatcher` the converter builds from those patterns
//! to warn about COPY sources they exclude (CopyIgnoredFile).

use crate::go::path::{clean_path, dir_path, match_path, BadPattern};

/// The exclude patterns of a `.dockerignore` file, in file order.
pub fn exclude_patterns(data: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(data);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut patterns = Vec::new();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        // A comment is a `#` in the first column only, before trimming.
        if line.starts_with('#') {
            continue;
        }
        let mut pattern = line.trim();
        if pattern.is_empty() {
            continue;
        }
        let invert = pattern.starts_with('!');
        if invert {
            pattern = pattern[1..].trim();
        }
        let mut cleaned = if pattern.is_empty() {
            String::new()
        } else {
            clean_path(pattern)
        };
        if cleaned.len() > 1 && cleaned.starts_with('/') {
            cleaned.remove(0);
        }
        patterns.push(if invert {
            format!("!{cleaned}")
        } else {
            cleaned
        });
    }
    patterns
}

/// `patternmatcher.PatternMatcher`.
#[derive(Debug)]
pub struct PatternMatcher {
    patterns: Vec<Pattern>,
    exclusions: bool,
}

/// One pattern: its cleaned text, whether it is a `!` exclusion, and what it compiled to (the
/// reference compiles on first use and fails each use of a pattern that does not compile).
#[derive(Debug)]
pub(crate) struct Pattern {
    cleaned: String,
    exclusion: bool,
    kind: Result<MatchKind, BadPattern>,
}

#[derive(Debug)]
enum MatchKind {
    Exact,
    /// `dir/**`: everything under `dir/` (and whatever starts with `dir/`).
    Prefix,
    /// `**/name`: every path ending so, and `name` itself.
    Suffix,
    Regexp(regex::Regex),
}

impl PatternMatcher {
    /// `patternmatcher.New`: patterns trimmed and cleaned, then `!` read, then each checked
    /// with `filepath.Match` for its syntax. The error fails the build in the reference.
    pub fn new(patterns: &[String]) -> Result<Self, String> {
        let mut matcher = PatternMatcher {
            patterns: Vec::with_capacity(patterns.len()),
            exclusions: false,
        };
        for p in patterns {
            let p = p.trim();
            if p.is_empty() {
                continue;
            }
            let mut p = clean_path(p);
            let exclusion = p.starts_with('!');
            if exclusion {
                if p.len() == 1 {
                    return Err("illegal exclusion pattern: \"!\"".to_string());
                }
                p.remove(0);
                matcher.exclusions = true;
            }
            match_path(&p, ".").map_err(|e| e.to_string())?;
            matcher.patterns.push(Pattern {
                kind: compile(&p),
                cleaned: p,
                exclusion,
            });
        }
        Ok(matcher)
    }

    /// `Exclusions`: whether any pattern is a `!` exclusion.
    pub fn exclusions(&self) -> bool {
        self.exclusions
    }

    pub(crate) fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    /// `MatchesOrParentMatches`: whether the slash path, or one of its parent directories, is
    /// excluded by the last pattern that decides about it.
    pub fn matches_or_parent_matches(&self, file: &str) -> Result<bool, BadPattern> {
        let parent = dir_path(file);
        let parent_dirs: Vec<&str> = parent.split('/').collect();
        let mut matched = false;
        for pattern in &self.patterns {
            // An inclusion cannot change a match, nor an exclusion a non-match.
            if pattern.exclusion != matched {
                continue;
            }
            let mut hit = pattern.matches(file)?;
            if !hit && parent != "." {
                // A parent's failure to compile counts as no match, as in the reference.
                hit = (1..=parent_dirs.len())
                    .any(|n| pattern.matches(&parent_dirs[..n].join("/")) == Ok(true));
            }
            if hit {
                matched = !pattern.exclusion;
            }
        }
        Ok(matched)
    }
}

impl Pattern {
    /// `String`: the cleaned pattern, without its `!`.
    pub(crate) fn as_str(&self) -> &str {
        &self.cleaned
    }

    pub(crate) fn exclusion(&self) -> bool {
        self.exclusion
    }

    fn matches(&self, path: &str) -> Result<bool, BadPattern> {
        Ok(match self.kind.as_ref().map_err(|e| *e)? {
            MatchKind::Exact => path == self.cleaned,
            MatchKind::Prefix => path.starts_with(&self.cleaned[..self.cleaned.len() - 2]),
            MatchKind::Suffix => {
                let suffix = &self.cleaned[2..];
                path.ends_with(suffix) || suffix.strip_prefix('/') == Some(path)
            }
            MatchKind::Regexp(re) => re.is_match(path),
        })
    }
}

/// `Pattern.compile` with the Linux separator: `**` runs over directories, `*` and `?` stay in
/// one, `.+()|{}$` are literal, `\x` escapes, brackets pass through to the regexp. Patterns
/// that need no regexp are compared as text. Go's regexp syntax is RE2's, which the `regex`
/// crate follows; where they differ (the crate reads `[[`, `&&`, `--` and `~~` in brackets as
/// nested classes and set operations), a pattern that uses them matches differently or fails
/// to compile.
fn compile(pattern: &str) -> Result<MatchKind, BadPattern> {
    let mut re = String::from("^");
    let mut kind = KindSoFar::Exact;
    // Go's text/scanner, which drops a byte order mark at the start.
    let mut chars = pattern
        .strip_prefix('\u{feff}')
        .unwrap_or(pattern)
        .chars()
        .peekable();
    let mut first = true;
    while let Some(c) = chars.next() {
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                // `**/` is read as `**`.
                if chars.peek() == Some(&'/') {
                    chars.next();
                }
                if chars.peek().is_none() {
                    // A trailing `**` takes everything, as in .gitignore.
                    if kind == KindSoFar::Exact {
                        kind = KindSoFar::Prefix;
                    } else {
                        re.push_str(".*");
                        kind = KindSoFar::Regexp;
                    }
                } else {
                    // Any number of directories, none included.
                    re.push_str("(.*/)?");
                    kind = KindSoFar::Regexp;
                }
                if first {
                    kind = KindSoFar::Suffix;
                }
            }
            '*' => {
                re.push_str("[^/]*");
                kind = KindSoFar::Regexp;
            }
            '?' => {
                re.push_str("[^/]");
                kind = KindSoFar::Regexp;
            }
            '.' | '+' | '(' | ')' | '|' | '{' | '}' | '$' => {
                re.push('\\');
                re.push(c);
            }
            '\\' => match chars.next() {
                Some(escaped) => {
                    // Go's Perl classes and word boundaries are ASCII; spelt out, they need
                    // none of the crate's Unicode tables (and work inside brackets too).
                    match escaped {
                        'd' => re.push_str("[0-9]"),
                        'D' => re.push_str("[^0-9]"),
                        'w' => re.push_str("[0-9A-Za-z_]"),
                        'W' => re.push_str("[^0-9A-Za-z_]"),
                        's' => re.push_str("[\\t\\n\\f\\r ]"),
                        'S' => re.push_str("[^\\t\\n\\f\\r ]"),
                        'b' => re.push_str("(?-u:\\b)"),
                        'B' => re.push_str("(?-u:\\B)"),
                        _ => {
                            re.push('\\');
                            re.push(escaped);
                        }
                    }
                    kind = KindSoFar::Regexp;
                }
                None => re.push('\\'),
            },
            '[' | ']' => {
                re.push(c);
                kind = KindSoFar::Regexp;
            }
            c => re.push(c),
        }
        first = false;
    }
    Ok(match kind {
        KindSoFar::Exact => MatchKind::Exact,
        KindSoFar::Prefix => MatchKind::Prefix,
        KindSoFar::Suffix => MatchKind::Suffix,
        KindSoFar::Regexp => {
            re.push('$');
            MatchKind::Regexp(regex::Regex::new(&re).map_err(|_| BadPattern)?)
        }
    })
}

/// The match type `compile` has settled on so far.
#[derive(PartialEq, Eq)]
enum KindSoFar {
    Exact,
    Prefix,
    Suffix,
    Regexp,
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn patterns_are_trimmed_cleaned_and_relative() {
        let file = "\u{feff}# comment\n  node_modules/  \r\n/build//out/../dist\n\n!  /keep/./me\n  # not a comment\n*.log";
        assert_eq!(
            exclude_patterns(file.as_bytes()),
            [
                "node_modules",
                "build/dist",
                "!keep/me",
                "# not a comment",
                "*.log"
            ]
        );
    }

    #[test]
    fn clean_path_matches_go() {
        assert_eq!(clean_path("a/../../b"), "../b");
        assert_eq!(clean_path("/../a"), "/a");
        assert_eq!(clean_path("./"), ".");
        assert_eq!(clean_path("/"), "/");
    }
}
