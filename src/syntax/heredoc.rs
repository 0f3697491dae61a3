//! Heredocs (`<<EOF`, `<<-EOF`, `<<"EOF"`, `2<<EOF`) in RUN, COPY and ADD.
//!
//! The reference finds heredoc words by running its shell lexer over the whole instruction line
//! with quotes and escapes kept raw and no variables set, then matches each word against
//! `^(\d*)<<(-?)\s*([^<]*)$`. A delimiter with any quoted part turns expansion of the body off.
//! Both lexings are `syntax::expand`'s, with unset variables left as written, so `$x` and
//! `${x...}` stay in the words and the errors are the reference's.

use serde::Serialize;

use super::expand::{EmptyEnv, Expander};
use super::span::Span;

/// A heredoc attached to an instruction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Heredoc {
    /// The delimiter with quotes removed, e.g. `EOF` for `<<"EOF"`.
    pub name: String,
    /// File descriptor written before `<<` (`2<<EOF`), 0 when absent.
    pub file_descriptor: u32,
    /// False when any part of the delimiter was quoted: the body is then used verbatim.
    pub expand: bool,
    /// `<<-`: leading tabs are stripped from body lines (see [`Heredoc::chomped_content`]).
    pub chomp: bool,
    /// The body exactly as written, every line with its line ending, terminator excluded.
    pub content: String,
    /// Span of the body lines in the source (empty span at the terminator for an empty body).
    pub content_span: Span,
    /// Span of the terminator line.
    pub terminator_span: Span,
}

impl Heredoc {
    /// The body with leading tabs removed from each line when the heredoc is `<<-`.
    pub(crate) fn chomped_content(&self) -> String {
        if self.chomp {
            chomp_leading_tabs(&self.content)
        } else {
            self.content.clone()
        }
    }
}

/// A heredoc start word, before its body has been read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HeredocWord {
    pub name: String,
    pub file_descriptor: u32,
    pub expand: bool,
    pub chomp: bool,
}

/// Removes leading tabs from every line (the `<<-` form).
pub(crate) fn chomp_leading_tabs(content: &str) -> String {
    let mut out = String::with_capacity(content.len());
    for line in content.split_inclusive('\n') {
        out.push_str(line.trim_start_matches('\t'));
    }
    out
}

/// Parses one word as a heredoc start (`[n]<<[-]NAME`). `Ok(None)` when the word is not one.
pub(crate) fn parse_heredoc_word(word: &str) -> Result<Option<HeredocWord>, String> {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    let Some(after) = word[digits..].strip_prefix("<<") else {
        return Ok(None);
    };
    let (chomp, after) = match after.strip_prefix('-') {
        Some(a) => (true, a),
        None => (false, after),
    };
    // `\s*` of Go's regexp: ASCII whitespace except \v.
    let rest = after.trim_start_matches([' ', '\t', '\n', '\r', '\x0c']);
    if rest.contains('<') || rest.is_empty() {
        return Ok(None);
    }
    let fd = word[..digits].parse::<u64>().unwrap_or(0);
    // Always `\`, whatever the file's escape directive, as in the reference.
    let lex = Expander::new('\\').skip_unset(true);
    let cooked = lex
        .expand_words(rest, &EmptyEnv)
        .map_err(|e| e.to_string())?;
    if cooked.len() != 1 {
        return Ok(None);
    }
    let raw = lex
        .raw_quotes(true)
        .expand_words(rest, &EmptyEnv)
        .map_err(|e| e.to_string())?;
    if raw.len() != 1 {
        return Err(format!(
            "internal lexing of heredoc produced inconsistent results: {rest}"
        ));
    }
    let quotes = |s: &str| s.chars().filter(|c| *c == '\'' || *c == '"').count();
    Ok(Some(HeredocWord {
        expand: quotes(&cooked[0]) == quotes(&raw[0]),
        name: cooked[0].clone(),
        chomp,
        file_descriptor: u32::try_from(fd).unwrap_or(u32::MAX),
    }))
}

/// All heredoc start words of an instruction line, in order.
pub(crate) fn heredocs_from_line(line: &str) -> Result<Vec<HeredocWord>, String> {
    // The reference ignores lexing errors here (and then finds no heredoc).
    let words = Expander::new('\\')
        .raw_quotes(true)
        .raw_escapes(true)
        .skip_unset(true)
        .expand_words(line, &EmptyEnv)
        .unwrap_or_default();
    let mut docs = Vec::new();
    for word in words {
        if let Some(doc) = parse_heredoc_word(&word)? {
            docs.push(doc);
        }
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(line: &str) -> Vec<(String, u32, bool, bool)> {
        heredocs_from_line(line)
            .unwrap()
            .into_iter()
            .map(|h| (h.name, h.file_descriptor, h.expand, h.chomp))
            .collect()
    }

    #[test]
    fn finds_heredoc_words() {
        assert_eq!(names("RUN <<EOF"), vec![("EOF".into(), 0, true, false)]);
        assert_eq!(names("RUN cat <<-EOT"), vec![("EOT".into(), 0, true, true)]);
        assert_eq!(
            names("RUN cat << EOF"),
            vec![("EOF".into(), 0, true, false)]
        );
        assert_eq!(
            names(r#"RUN <<"EOF""#),
            vec![("EOF".into(), 0, false, false)]
        );
        assert_eq!(names("RUN <<'E'OF"), vec![("EOF".into(), 0, false, false)]);
        assert_eq!(names("RUN 3<<A cat"), vec![("A".into(), 3, true, false)]);
        assert_eq!(
            names("COPY <<one <<two /dest"),
            vec![
                ("one".into(), 0, true, false),
                ("two".into(), 0, true, false)
            ]
        );
    }

    #[test]
    fn not_heredocs() {
        assert!(names(r#"RUN echo "<<EOF""#).is_empty());
        assert!(names("RUN echo a<<EOF").is_empty());
        assert!(names("RUN echo <<").is_empty());
        assert!(names("RUN echo <<-").is_empty());
        assert!(names("RUN echo <<EOF<<").is_empty());
        // An unterminated quote makes the reference's lexer fail, which it ignores.
        assert!(names("RUN echo 'x <<EOF").is_empty());
    }

    #[test]
    fn chomps_tabs() {
        assert_eq!(chomp_leading_tabs("\t\ta\n\tb\n c\n"), "a\nb\n c\n");
    }
}
