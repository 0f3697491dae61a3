//! `.dockerignore` files become the context source's `local.excludepatterns`, parsed like
//! moby/patternmatcher `ignorefile.ReadAll`: BOM stripped, `#` comments skipped, each pattern trimmed,
//! cleaned like Go's `filepath.Clean`, with a leading `/` removed and `!` kept.

use crate::go::path::clean_path;

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
