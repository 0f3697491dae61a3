//! Parser directives (`# syntax=`, `# escape=`, `# check=`) at the top of a Dockerfile, and the
//! `# syntax=` detection BuildKit's dockerui runs before choosing a frontend.

/// Recognises parser directives at the top of the file.
#[derive(Default)]
pub(super) struct DirectiveParser {
    done: bool,
    seen: Vec<String>,
}

/// `\s` of Go's regexp syntax.
fn is_re_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c')
}

impl DirectiveParser {
    /// Matches `^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` after `comment` and any
    /// `unicode.IsSpace` (frontend 1.21; `char::is_whitespace` is the same set); returns the
    /// name, the value and the value's byte range in `line`.
    fn match_line(line: &str, comment: &str) -> Option<(String, String, usize, usize)> {
        let rest = line.strip_prefix(comment)?;
        let name_start = line.len() - rest.trim_start_matches(char::is_whitespace).len();
        let after = &line[name_start..];
        let name_len = after
            .char_indices()
            .take_while(|(i, c)| {
                if *i == 0 {
                    c.is_ascii_alphabetic()
                } else {
                    c.is_ascii_alphanumeric()
                }
            })
            .count();
        if name_len == 0 {
            return None;
        }
        let name = &after[..name_len];
        let after = after[name_len..].trim_start_matches(is_re_space);
        let after = after.strip_prefix('=')?;
        let value_start = line.len() - after.trim_start_matches(is_re_space).len();
        let value = line[value_start..].trim_end_matches(is_re_space);
        if value.is_empty() {
            return None;
        }
        Some((
            name.to_ascii_lowercase(),
            value.to_string(),
            value_start,
            value_start + value.len(),
        ))
    }

    pub(super) fn parse_line(
        &mut self,
        line: &str,
    ) -> Result<Option<(String, String, usize, usize)>, String> {
        if self.done {
            return Ok(None);
        }
        let Some(m) = Self::match_line(line, "#") else {
            self.done = true;
            return Ok(None);
        };
        if !matches!(m.0.as_str(), "syntax" | "escape" | "check") {
            self.done = true;
            return Ok(None);
        }
        if self.seen.contains(&m.0) {
            return Err(m.0);
        }
        self.seen.push(m.0.clone());
        Ok(Some(m))
    }
}

/// A comment above an instruction read as a parser directive, as
/// `Linter.WithMergedConfigFromComments` reads it (a `DirectiveParser` whose comment marker is
/// empty, since the parser already took the `#` off): its lower-cased name and its value.
pub(crate) fn comment_directive(comment: &str) -> Option<(String, String)> {
    DirectiveParser::match_line(comment, "").map(|(name, value, _, _)| (name, value))
}

/// A `syntax` directive: the frontend image to forward the build to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxDirective {
    /// The image: the value's first word.
    pub reference: String,
    /// The whole value (`cmdline` for the frontend forwarded to).
    pub cmdline: String,
    /// The directive's line (1-based).
    pub line: usize,
}

/// `parser.DetectSyntax`: `# syntax=` among the leading directives, else `// syntax=`, else a
/// JSON document's `"syntax"` string; a BOM and a `#!` first line are skipped. It looks at the
/// bytes only, so it works on files that are not Dockerfiles.
pub fn detect_syntax(data: &[u8]) -> Option<SyntaxDirective> {
    let data = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    let (data, first_line) = match data.split(|&b| b == b'\n').next() {
        Some(first) if first.starts_with(b"#!") => (&data[(first.len() + 1).min(data.len())..], 1),
        _ => (data, 0),
    };
    for comment in ["#", "//"] {
        for (i, line) in data.split(|&b| b == b'\n').enumerate() {
            let line = String::from_utf8_lossy(line);
            let line = line.strip_suffix('\r').unwrap_or(&line);
            match DirectiveParser::match_line(line, comment) {
                Some((name, value, _, _)) if name == "syntax" => {
                    let reference = value.split(' ').next().unwrap_or_default().to_string();
                    return Some(SyntaxDirective {
                        reference,
                        cmdline: value,
                        line: first_line + i + 1,
                    });
                }
                Some((name, _, _, _)) if matches!(name.as_str(), "escape" | "check") => {}
                _ => break,
            }
        }
    }
    let json: serde_json::Value = serde_json::from_slice(data).ok()?;
    let value = json.as_object()?.get("syntax")?.as_str()?;
    Some(SyntaxDirective {
        reference: value.to_string(),
        cmdline: value.to_string(),
        line: first_line,
    })
}
