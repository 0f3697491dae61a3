//! Shell glob patterns of `${v#p}`, `${v##p}`, `${v%p}`, `${v%%p}`, `${v/p/r}` and `${v//p/r}`.
//!
//! The reference turns the pattern into a Go regular expression (`*` becomes `.*` or `.*?`, `?`
//! becomes `.`, no bracket expressions) and lets Go's leftmost-first engine pick the match. We
//! run the same three-token language on a small Pike VM with thread priorities, which finds the
//! very match Go finds in O(value × pattern) time: no backtracking, no exponential blow-up.
//! Go quirks kept on purpose: wildcards never match `\n` (Go's `.`), a suffix trim reverses
//! both pattern and value, and `${v//p/r}` expands `$0`/`${0}`/`$$` in `r` like Go's
//! `Regexp.ReplaceAllString` (while `${v/p/r}` inserts `r` as is).

use super::lexer::{Budget, OverBudget};
use crate::go::{is_digit, is_letter};

/// A pattern the reference's regexp compiler refused; `pattern` is the text it was given (for
/// a suffix trim, the reversed pattern, as in the reference's message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PatternError {
    pub(super) pattern: String,
    pub(super) reason: String,
}

/// Why a pattern operation gave no result.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum PatternFailure {
    Invalid(PatternError),
    OverBudget,
}

impl From<PatternError> for PatternFailure {
    fn from(err: PatternError) -> Self {
        PatternFailure::Invalid(err)
    }
}

impl From<OverBudget> for PatternFailure {
    fn from(OverBudget: OverBudget) -> Self {
        PatternFailure::OverBudget
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Literal(char),
    /// `?`: one character other than `\n`.
    AnyChar,
    /// `*`: a run of characters other than `\n`, longest-first when greedy.
    AnyRun,
}

#[derive(Debug)]
struct Pattern {
    tokens: Vec<Token>,
    greedy: bool,
}

/// One entry of the VM's work stack while following a state's epsilon moves.
enum Step {
    Visit(usize),
    Emit(usize),
}

impl Pattern {
    fn compile(pattern: &str, greedy: bool) -> Result<Self, PatternError> {
        let invalid = |reason: String| PatternError {
            pattern: pattern.to_string(),
            reason,
        };
        let mut chars = pattern.chars().peekable();
        // Go's text/scanner drops a byte order mark at the start of what it scans.
        if chars.peek() == Some(&'\u{feff}') {
            chars.next();
        }
        let mut tokens = Vec::new();
        while let Some(c) = chars.next() {
            let token = match c {
                '*' => Token::AnyRun,
                '?' => Token::AnyChar,
                '\\' => {
                    // `\}` and `\/` only protect the delimiters of `${...}`; the backslash is
                    // not part of the pattern.
                    if matches!(chars.peek(), Some('}' | '/')) {
                        continue;
                    }
                    match chars.next() {
                        Some(escaped @ ('*' | '?' | '\\')) => Token::Literal(escaped),
                        other => {
                            let shown = other.unwrap_or(char::REPLACEMENT_CHARACTER);
                            return Err(invalid(format!("invalid escape '\\{shown}'")));
                        }
                    }
                }
                c => Token::Literal(c),
            };
            tokens.push(token);
        }
        Ok(Pattern { tokens, greedy })
    }

    /// Leftmost-first match in `text[from..]` as (start, end) character indexes; with
    /// `anchored` the match must start at `from`. Each thread step is charged to `budget`.
    fn find(
        &self,
        text: &[char],
        from: usize,
        anchored: bool,
        budget: &mut Budget,
    ) -> Result<Option<(usize, usize)>, OverBudget> {
        let accept = self.tokens.len();
        // Threads in priority order: (state, start of their match).
        let mut current: Vec<(usize, usize)> = Vec::new();
        let mut next: Vec<(usize, usize)> = Vec::new();
        let mut seen = vec![usize::MAX; accept + 1];
        let mut stack = Vec::new();
        let mut matched = None;
        let mut pos = from;
        loop {
            if matched.is_none() && (!anchored || pos == from) {
                // A new attempt starting here has the lowest priority.
                self.add_thread(&mut current, &mut seen, &mut stack, pos, 0, pos);
            }
            if current.is_empty() {
                break;
            }
            budget.spend(current.len())?;
            let c = text.get(pos).copied();
            for &(state, start) in &current {
                if state == accept {
                    // Leftmost-first: lower-priority threads are cut off.
                    matched = Some((start, pos));
                    break;
                }
                let Some(c) = c else { continue };
                let target = match self.tokens[state] {
                    Token::Literal(l) if l == c => state + 1,
                    Token::AnyChar if c != '\n' => state + 1,
                    Token::AnyRun if c != '\n' => state,
                    _ => continue,
                };
                self.add_thread(&mut next, &mut seen, &mut stack, pos + 1, target, start);
            }
            if c.is_none() {
                break;
            }
            std::mem::swap(&mut current, &mut next);
            next.clear();
            pos += 1;
        }
        Ok(matched)
    }

    /// Adds `state` and what it reaches without consuming input, in priority order, skipping
    /// states already on the list for position `generation`.
    fn add_thread(
        &self,
        list: &mut Vec<(usize, usize)>,
        seen: &mut [usize],
        stack: &mut Vec<Step>,
        generation: usize,
        state: usize,
        start: usize,
    ) {
        stack.push(Step::Visit(state));
        while let Some(step) = stack.pop() {
            match step {
                Step::Emit(s) => list.push((s, start)),
                Step::Visit(s) => {
                    if seen[s] == generation {
                        continue;
                    }
                    seen[s] = generation;
                    if self.tokens.get(s) == Some(&Token::AnyRun) {
                        if self.greedy {
                            list.push((s, start));
                            stack.push(Step::Visit(s + 1));
                        } else {
                            stack.push(Step::Emit(s));
                            stack.push(Step::Visit(s + 1));
                        }
                    } else {
                        list.push((s, start));
                    }
                }
            }
        }
    }
}

/// `${v#p}` (shortest) and `${v##p}` (longest): drop the matched prefix.
pub(super) fn trim_prefix(
    pattern: &str,
    value: &str,
    greedy: bool,
    budget: &mut Budget,
) -> Result<String, PatternFailure> {
    let pattern = Pattern::compile(pattern, greedy)?;
    let chars: Vec<char> = value.chars().collect();
    Ok(match pattern.find(&chars, 0, true, budget)? {
        Some((_, end)) => chars[end..].iter().collect(),
        None => value.to_string(),
    })
}

/// `${v%p}` (shortest) and `${v%%p}` (longest). Like the reference, reverses pattern (keeping
/// `\x` pairs in order) and value, and trims a prefix.
pub(super) fn trim_suffix(
    pattern: &str,
    value: &str,
    greedy: bool,
    budget: &mut Budget,
) -> Result<String, PatternFailure> {
    let reversed_value: String = value.chars().rev().collect();
    let trimmed = trim_prefix(&reverse_pattern(pattern), &reversed_value, greedy, budget)?;
    Ok(trimmed.chars().rev().collect())
}

/// Reverses a pattern but keeps each backslash before the character it escapes.
fn reverse_pattern(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = chars.clone();
    let len = chars.len();
    let mut i = 0;
    while i < len {
        let mirror = len - 1 - i;
        if chars[i] == '\\' && i + 1 < len {
            out[mirror - 1] = '\\';
            out[mirror] = chars[i + 1];
            i += 2;
        } else {
            out[mirror] = chars[i];
            i += 1;
        }
    }
    out.into_iter().collect()
}

/// `${v/p/r}`: the first (leftmost) match is replaced by `replacement` taken literally.
pub(super) fn replace_first(
    pattern: &str,
    value: &str,
    replacement: &str,
    budget: &mut Budget,
) -> Result<String, PatternFailure> {
    let pattern = Pattern::compile(pattern, true)?;
    let chars: Vec<char> = value.chars().collect();
    Ok(match pattern.find(&chars, 0, false, budget)? {
        Some((start, end)) => {
            let mut out: String = chars[..start].iter().collect();
            out.push_str(replacement);
            out.extend(&chars[end..]);
            out
        }
        None => value.to_string(),
    })
}

/// `${v//p/r}`: every match is replaced, with Go's `ReplaceAllString` rules: an empty match
/// right after a match is not replaced, the search always moves on by at least one character,
/// and `replacement` is a Go regexp template.
pub(super) fn replace_all(
    pattern: &str,
    value: &str,
    replacement: &str,
    budget: &mut Budget,
) -> Result<String, PatternFailure> {
    let pattern = Pattern::compile(pattern, true)?;
    let chars: Vec<char> = value.chars().collect();
    let mut out = String::new();
    let mut last_end = 0;
    let mut search = 0;
    while search <= chars.len() {
        let Some((start, end)) = pattern.find(&chars, search, false, budget)? else {
            break;
        };
        out.extend(&chars[last_end..start]);
        if end > last_end || start == 0 {
            let matched: String = chars[start..end].iter().collect();
            let before = out.len();
            expand_template(replacement, &matched, &mut out);
            // The replacements are what multiplies lengths: charged as they are made.
            budget.spend(out.len() - before)?;
        }
        last_end = end;
        search = if end > search { end } else { search + 1 };
    }
    out.extend(&chars[last_end..]);
    Ok(out)
}

/// Go's `Regexp.Expand` for a regexp without groups: `$$` is `$`, `$0`/`${0}` the match, any
/// other `$name`/`${name}` nothing, and a `$` not followed by a name stays.
fn expand_template(template: &str, matched: &str, out: &mut String) {
    let mut rest = template;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        rest = &rest[dollar + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
            continue;
        }
        match template_reference(rest) {
            Some((name, after)) => {
                if name == "0" {
                    out.push_str(matched);
                }
                rest = after;
            }
            None => out.push('$'),
        }
    }
    out.push_str(rest);
}

/// The name after a template `$` (`name` or `{name}`) and the text after it.
fn template_reference(text: &str) -> Option<(&str, &str)> {
    let (braced, body) = match text.strip_prefix('{') {
        Some(body) => (true, body),
        None => (false, text),
    };
    let name_len = body
        .char_indices()
        .find(|&(_, c)| !(is_letter(c) || is_digit(c) || c == '_'))
        .map_or(body.len(), |(i, _)| i);
    if name_len == 0 {
        return None;
    }
    let (name, after) = body.split_at(name_len);
    if braced {
        let after = after.strip_prefix('}')?;
        return Some((name, after));
    }
    Some((name, after))
}

#[cfg(test)]
mod tests {
    use super::super::lexer::MAX_WORK;
    use super::*;

    // The operations with a fresh budget each, shadowing the glob import.
    fn trim_prefix(pattern: &str, value: &str, greedy: bool) -> Result<String, PatternFailure> {
        super::trim_prefix(pattern, value, greedy, &mut Budget::new())
    }

    fn trim_suffix(pattern: &str, value: &str, greedy: bool) -> Result<String, PatternFailure> {
        super::trim_suffix(pattern, value, greedy, &mut Budget::new())
    }

    fn replace_first(pattern: &str, value: &str, with: &str) -> Result<String, PatternFailure> {
        super::replace_first(pattern, value, with, &mut Budget::new())
    }

    fn replace_all(pattern: &str, value: &str, with: &str) -> Result<String, PatternFailure> {
        super::replace_all(pattern, value, with, &mut Budget::new())
    }

    #[test]
    fn compile_rejects_bad_escapes_like_the_reference() {
        for (pattern, reason) in [
            ("\\", "invalid escape '\\\u{fffd}'"),
            ("\\x", "invalid escape '\\x'"),
            ("\\\\\\", "invalid escape '\\\u{fffd}'"),
            ("a\\.", "invalid escape '\\.'"),
        ] {
            let err = Pattern::compile(pattern, true).unwrap_err();
            assert_eq!(err.reason, reason, "pattern {pattern:?}");
            assert_eq!(err.pattern, pattern);
        }
    }

    #[test]
    fn compile_tokens() {
        let p = Pattern::compile("a*?\\*\\?\\\\\\}\\/.", true).unwrap();
        use Token::*;
        assert_eq!(
            p.tokens,
            vec![
                Literal('a'),
                AnyRun,
                AnyChar,
                Literal('*'),
                Literal('?'),
                Literal('\\'),
                Literal('}'),
                Literal('/'),
                Literal('.')
            ]
        );
        // A byte order mark opening the pattern is dropped, as Go's scanner does.
        let p = Pattern::compile("\u{feff}x\u{feff}", true).unwrap();
        assert_eq!(p.tokens, vec![Literal('x'), Literal('\u{feff}')]);
    }

    #[test]
    fn reverse_pattern_keeps_escapes() {
        for (pattern, want) in [
            ("a\\*c", "c\\*a"),
            ("\\\\\\ab", "b\\a\\\\"),
            ("ab\\", "\\ba"),
            ("👽\\🚀🖖", "🖖\\🚀👽"),
            ("\\\\b", "b\\\\"),
            ("", ""),
        ] {
            assert_eq!(reverse_pattern(pattern), want, "pattern {pattern:?}");
        }
    }

    #[test]
    fn prefix_and_suffix_trims() {
        let cases = [
            // (pattern, value, greedy, prefix result, suffix result)
            ("*x", "axbxc", false, "bxc", "axbxc"),
            ("*x", "axbxc", true, "c", "axbxc"),
            ("x*", "xaxbx", false, "axbx", "xaxb"),
            ("x*", "xaxbx", true, "", ""),
            ("?", "abc", false, "bc", "ab"),
            ("*x*y", "xxyy", false, "y", "x"),
            ("*", "xxyy", false, "xxyy", "xxyy"),
            ("*", "xxyy", true, "", ""),
            ("", "xxyy", true, "xxyy", "xxyy"),
            ("\\**", "**ab", false, "*ab", "*"),
            // Go's `.` never matches a newline.
            ("*", "a\nb", true, "\nb", "a\n"),
            ("?", "\nb", true, "\nb", "\n"),
        ];
        for (pattern, value, greedy, prefix, suffix) in cases {
            assert_eq!(
                trim_prefix(pattern, value, greedy).unwrap(),
                prefix,
                "prefix {pattern:?} {value:?} greedy={greedy}"
            );
            assert_eq!(
                trim_suffix(pattern, value, greedy).unwrap(),
                suffix,
                "suffix {pattern:?} {value:?} greedy={greedy}"
            );
        }
    }

    #[test]
    fn suffix_trim_reports_the_reversed_pattern() {
        // `\\\ab` reversed is `b\a\\`, whose `\a` is not a valid escape.
        let Err(PatternFailure::Invalid(err)) = trim_suffix("\\\\\\ab", "x", false) else {
            panic!("the pattern is invalid");
        };
        assert_eq!(err.pattern, "b\\a\\\\");
        assert!(trim_prefix("\\\\\\ab", "x", false).is_err());
    }

    #[test]
    fn replacements() {
        let cases = [
            // (pattern, value, replacement, first, all)
            ("\\*/", "/foo*/*/*.txt", ".", "/foo.*/*.txt", "/foo..*.txt"),
            ("/tmp", "/tmp/tmp/bar.txt", "", "/tmp/bar.txt", "/bar.txt"),
            ("/?/", "/a/foo/b/c.txt", "/", "/foo/b/c.txt", "/foo/c.txt"),
            ("", "xxyy", "ww", "wwxxyy", "wwxwwxwwywwyww"),
            ("x*", "axxbx", "-", "a-", "a-"),
            ("x", "axbx", "[$0]", "a[$0]bx", "a[x]b[x]"),
            ("x", "axbx", "${0}$$0$1$x$", "a${0}$$0$1$x$bx", "ax$0$bx$0$"),
            ("b*", "abc\nbd", "_", "a_\nbd", "a_\n_"),
            ("q", "abc", "_", "abc", "abc"),
        ];
        for (pattern, value, replacement, first, all) in cases {
            assert_eq!(
                replace_first(pattern, value, replacement).unwrap(),
                first,
                "first {pattern:?} {value:?} {replacement:?}"
            );
            assert_eq!(
                replace_all(pattern, value, replacement).unwrap(),
                all,
                "all {pattern:?} {value:?} {replacement:?}"
            );
        }
    }

    #[test]
    fn empty_matches_after_a_match_are_not_replaced() {
        // `*` matches the empty string before the newline right after matching "ab".
        assert_eq!(replace_all("*", "ab\ncd", "-").unwrap(), "-\n-");
        assert_eq!(replace_all("", "ab", "-").unwrap(), "-a-b-");
        assert_eq!(replace_all("a*", "baaac", "-").unwrap(), "b-");
    }

    /// Perl-style backtracking: alternatives tried in priority order, first success wins.
    /// Exponential, but the definition of the leftmost-first match Go's regexp finds.
    fn backtrack(p: &Pattern, text: &[char], token: usize, pos: usize) -> Option<usize> {
        let Some(&current) = p.tokens.get(token) else {
            return Some(pos);
        };
        let fits = |c: Option<&char>| c.is_some_and(|&c| c != '\n');
        match current {
            Token::Literal(l) if text.get(pos) == Some(&l) => {
                backtrack(p, text, token + 1, pos + 1)
            }
            Token::AnyChar if fits(text.get(pos)) => backtrack(p, text, token + 1, pos + 1),
            Token::AnyRun => {
                let longest = text[pos..].iter().take_while(|&&c| c != '\n').count();
                let mut lengths: Vec<usize> = (0..=longest).collect();
                if p.greedy {
                    lengths.reverse();
                }
                lengths
                    .into_iter()
                    .find_map(|len| backtrack(p, text, token + 1, pos + len))
            }
            _ => None,
        }
    }

    fn naive_find(
        p: &Pattern,
        text: &[char],
        from: usize,
        anchored: bool,
    ) -> Option<(usize, usize)> {
        let last_start = if anchored { from } else { text.len() };
        (from..=last_start).find_map(|start| backtrack(p, text, 0, start).map(|end| (start, end)))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 3000, ..Default::default() })]

        /// The Pike VM finds exactly the match a backtracking engine would.
        #[test]
        fn vm_agrees_with_backtracking(
            pattern in "(a|b|\\*|\\?|\\\\\\*){0,6}",
            text in "[ab\n*]{0,10}",
            greedy: bool,
            anchored: bool,
            from_seed: usize,
        ) {
            let p = Pattern::compile(&pattern, greedy).unwrap();
            let chars: Vec<char> = text.chars().collect();
            let from = from_seed % (chars.len() + 1);
            proptest::prop_assert_eq!(
                p.find(&chars, from, anchored, &mut Budget::new()).unwrap(),
                naive_find(&p, &chars, from, anchored),
                "pattern {:?} text {:?} from {}", pattern, text, from
            );
        }
    }

    #[test]
    fn pathological_patterns_stay_linear() {
        let value = "a".repeat(4000);
        let pattern = "*a".repeat(200) + "b";
        assert_eq!(trim_prefix(&pattern, &value, true).unwrap(), value);
        assert_eq!(trim_suffix(&pattern, &value, false).unwrap(), value);
        assert_eq!(replace_all(&pattern, &value, "x").unwrap(), value);
    }

    #[test]
    fn replacements_stop_at_the_budget() {
        // An empty pattern puts the replacement between all characters: 1 MiB x 1 KiB.
        let value = "v".repeat(1 << 20);
        let replacement = "r".repeat(1 << 10);
        assert_eq!(
            replace_all("", &value, &replacement),
            Err(PatternFailure::OverBudget)
        );
        let mut budget = Budget::new();
        let small = super::replace_all("", "ab", "-", &mut budget).unwrap();
        assert_eq!(small, "-a-b-");
        // Matcher steps and the three replacements were charged.
        assert!(budget.spend(MAX_WORK - 3).is_err());
    }
}
