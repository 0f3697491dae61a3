//! The word scanner: one pass over a word that removes quotes and escapes, substitutes
//! variables and, at the same time, splits the result into words. It follows the reference's
//! `shell/lex.go` decision for decision, including its quirks (each one is noted where it is
//! kept), because a Dockerfile must expand the same way under both frontends.

use std::collections::BTreeSet;
use std::ops::Range;

use super::pattern::{self, PatternFailure};
use super::{Env, ExpandErrorKind, Expander};
use crate::go::{is_digit, is_letter};

/// How deep `${...}` may nest. Go's growable stacks have no practical limit; ours are fixed, so
/// absurd nesting is an error instead of a stack overflow. Real Dockerfiles nest two or three.
pub const MAX_NESTING: usize = 64;

/// How much work expanding one word may do, in bytes that substitutions produce plus steps of
/// the pattern matcher. Nested `${v//p/r}` multiply lengths (`${a//?/${a//?/$a}}`), so a short
/// word could otherwise ask for gigabytes and hang the frontend where the reference would run
/// out of memory. Each nesting level counts what it produces, so a word whose value comes near
/// the limit can be refused where the reference would expand it; no real Dockerfile expands one
/// word to megabytes. The cost of a unit depends on the word: fuzzed words that spend it all
/// took 200-370 ms at 16 MiB (release build; 6-11 s under ASan, which a busy machine turned into
/// a 60 s fuzzing timeout); at 4 MiB the same words end in 9-16 ms.
pub const MAX_WORK: usize = 4 << 20;

/// The work left for one word; see [`MAX_WORK`].
pub(super) struct Budget {
    left: usize,
}

/// [`Budget::spend`] found the budget used up.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct OverBudget;

impl Budget {
    pub(super) fn new() -> Self {
        Budget { left: MAX_WORK }
    }

    pub(super) fn spend(&mut self, work: usize) -> Result<(), OverBudget> {
        self.left = self.left.checked_sub(work).ok_or(OverBudget)?;
        Ok(())
    }
}

/// An error before it is tied to the whole word.
pub(super) struct Fault {
    pub(super) span: Range<usize>,
    pub(super) kind: ExpandErrorKind,
}

/// What a successful scan produced.
pub(super) struct Scanned {
    pub(super) value: String,
    pub(super) words: Vec<String>,
    pub(super) used: BTreeSet<String>,
    pub(super) unset: BTreeSet<String>,
}

/// Scans `word` with `options` against `env`.
/// `split` asks for the words as well (`ProcessWords`); without it `words` is empty.
pub(super) fn scan<E: Env + ?Sized>(
    word: &str,
    env: &E,
    options: &Expander,
    split: bool,
) -> Result<Scanned, Fault> {
    let mut scanner = ShellWord {
        word,
        // Go's text/scanner skips a byte order mark at the very start of its input.
        pos: if word.starts_with('\u{feff}') {
            '\u{feff}'.len_utf8()
        } else {
            0
        },
        options: *options,
        raw_escapes: options.raw_escapes,
        env,
        words_buffer: String::new(),
        split,
        depth: 0,
        budget: Budget::new(),
        used: BTreeSet::new(),
        unset: BTreeSet::new(),
    };
    let (value, words) = scanner.process_stop_on(None, options.raw_escapes, false)?;
    Ok(Scanned {
        value,
        words,
        used: scanner.used,
        unset: scanner.unset,
    })
}

struct ShellWord<'w, 'e, E: Env + ?Sized> {
    word: &'w str,
    /// Byte offset of the next character.
    pos: usize,
    options: Expander,
    /// Whether escape characters are kept; `${v#p}`, `${v%p}` and `${v/p/r}` keep them for
    /// the pattern while they are scanned.
    raw_escapes: bool,
    env: &'e E,
    /// The word being built by the splitter. The reference keeps a single buffer per lexer and
    /// clears it whenever a nested `${...}` is scanned, so in word-splitting mode text gathered
    /// before such a substitution in the same word is lost (`a${x:-b}` splits to `["b"]`).
    /// Kept for identical results.
    words_buffer: String,
    /// Whether the words are wanted: most expansions want only the value.
    split: bool,
    depth: usize,
    budget: Budget,
    used: BTreeSet<String>,
    unset: BTreeSet<String>,
}

/// The words found so far in one scan; the word in progress lives in `ShellWord::words_buffer`.
/// When the words are not wanted (`split` off) it records nothing.
struct WordList {
    words: Vec<String>,
    in_word: bool,
    split: bool,
}

impl WordList {
    fn new(split: bool) -> WordList {
        WordList {
            words: Vec::new(),
            in_word: false,
            split,
        }
    }

    /// A character from unquoted text or a substitution: whitespace separates words.
    fn add_char(&mut self, buffer: &mut String, ch: char) {
        if !self.split {
            return;
        }
        if ch.is_whitespace() {
            // Whitespace while `in_word` with an empty buffer (after `""`, or after the shared
            // buffer was cleared) neither ends a word nor resets `in_word`, as in the reference.
            if self.in_word && !buffer.is_empty() {
                self.words.push(std::mem::take(buffer));
                self.in_word = false;
            }
        } else {
            self.add_raw_char(buffer, ch);
        }
    }

    fn add_raw_char(&mut self, buffer: &mut String, ch: char) {
        if !self.split {
            return;
        }
        buffer.push(ch);
        self.in_word = true;
    }

    fn add_string(&mut self, buffer: &mut String, text: &str) {
        if !self.split {
            return;
        }
        for ch in text.chars() {
            self.add_char(buffer, ch);
        }
    }

    /// Quoted text (and a heredoc marker) is taken whole, whitespace included.
    fn add_raw_string(&mut self, buffer: &mut String, text: &str) {
        if !self.split {
            return;
        }
        buffer.push_str(text);
        self.in_word = true;
    }

    fn finish(mut self, buffer: &mut String) -> Vec<String> {
        if !buffer.is_empty() {
            self.words.push(std::mem::take(buffer));
        }
        self.words
    }
}

fn is_special_param(ch: char) -> bool {
    matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0')
}

impl<E: Env + ?Sized> ShellWord<'_, '_, E> {
    /// Where the text from `pos` stops being plain: the next `$`, `<`, quote, escape or
    /// `stop` (all ASCII, so a byte search finds them and ends on a character boundary).
    fn plain_run_end(&self, stop: Option<char>) -> usize {
        let escape = self.options.escape;
        self.word[self.pos..]
            .find(|c: char| matches!(c, '$' | '<' | '\'' | '"') || c == escape || Some(c) == stop)
            .map_or(self.word.len(), |i| self.pos + i)
    }

    fn peek(&self) -> Option<char> {
        self.word[self.pos..].chars().next()
    }

    fn next(&mut self) -> Option<char> {
        let ch = self.peek()?;
        self.pos += ch.len_utf8();
        Some(ch)
    }

    fn fault(&self, start: usize, kind: ExpandErrorKind) -> Fault {
        Fault {
            span: start..self.pos,
            kind,
        }
    }

    /// The reference reports any failure inside `${...}` that ran into the end of the word as
    /// the missing delimiter, whatever the inner error was.
    fn at_end_means(&self, fault: Fault, start: usize, kind: ExpandErrorKind) -> Fault {
        if self.peek().is_none() {
            self.fault(start, kind)
        } else {
            fault
        }
    }

    /// Scans until `stop` (consumed) or, without `stop`, the end of the word. Returns the
    /// expanded text and its split into words.
    ///
    /// `preserve_pattern_escapes` is set for a pattern operand (`${v#p}`, `${v%p}` and the
    /// pattern of `${v/p/r}`): the pattern is parsed again by `pattern.rs`, so an escape that
    /// is literal inside quotes must reach it doubled to stay literal there.
    fn process_stop_on(
        &mut self,
        stop: Option<char>,
        raw_escapes: bool,
        preserve_pattern_escapes: bool,
    ) -> Result<(String, Vec<String>), Fault> {
        if self.depth == MAX_NESTING {
            return Err(self.fault(self.pos, ExpandErrorKind::TooDeep(MAX_NESTING)));
        }
        self.depth += 1;
        let saved = std::mem::replace(&mut self.raw_escapes, raw_escapes);
        let scanned = self.scan_until(stop, preserve_pattern_escapes);
        self.raw_escapes = saved;
        self.depth -= 1;
        scanned
    }

    fn scan_until(
        &mut self,
        stop: Option<char>,
        preserve_pattern_escapes: bool,
    ) -> Result<(String, Vec<String>), Fault> {
        let mut result = String::new();
        self.words_buffer.clear();
        let mut words = WordList::new(self.split);
        let quotes = !self.options.skip_quotes;
        while let Some(ch) = self.peek() {
            if Some(ch) == stop {
                self.next();
                return Ok((result, words.finish(&mut self.words_buffer)));
            }
            match ch {
                '$' => {
                    let value = self.process_dollar()?;
                    result.push_str(&value);
                    words.add_string(&mut self.words_buffer, &value);
                }
                '<' => {
                    let text = self.process_possible_heredoc();
                    result.push_str(&text);
                    words.add_raw_string(&mut self.words_buffer, &text);
                }
                '\'' if quotes => {
                    let text = self.process_single_quote(preserve_pattern_escapes)?;
                    result.push_str(&text);
                    words.add_raw_string(&mut self.words_buffer, &text);
                }
                '"' if quotes => {
                    let text = self.process_double_quote(preserve_pattern_escapes)?;
                    result.push_str(&text);
                    words.add_raw_string(&mut self.words_buffer, &text);
                }
                _ => {
                    self.next();
                    if ch == self.options.escape {
                        if self.raw_escapes {
                            words.add_raw_char(&mut self.words_buffer, ch);
                            result.push(ch);
                        }
                        // An escape at the very end of the word is dropped.
                        let Some(escaped) = self.next() else { break };
                        words.add_raw_char(&mut self.words_buffer, escaped);
                        result.push(escaped);
                    } else {
                        // The plain text up to the next character this loop treats
                        // specially, at once.
                        let run = &self.word[self.pos - ch.len_utf8()..self.plain_run_end(stop)];
                        self.pos += run.len() - ch.len_utf8();
                        words.add_string(&mut self.words_buffer, run);
                        result.push_str(run);
                    }
                }
            }
        }
        if let Some(stop) = stop {
            let kind = if stop == '/' {
                ExpandErrorKind::MissingSlash
            } else {
                ExpandErrorKind::MissingBrace
            };
            return Err(self.fault(self.pos, kind));
        }
        Ok((result, words.finish(&mut self.words_buffer)))
    }

    /// `'...'`: everything literal up to the next single quote; nothing escapes it.
    fn process_single_quote(&mut self, preserve_pattern_escapes: bool) -> Result<String, Fault> {
        let start = self.pos;
        self.next();
        let mut text = String::new();
        if self.options.raw_quotes {
            text.push('\'');
        }
        loop {
            match self.next() {
                None => return Err(self.fault(start, ExpandErrorKind::UnterminatedSingleQuote)),
                Some('\'') => {
                    if self.options.raw_quotes {
                        text.push('\'');
                    }
                    return Ok(text);
                }
                Some(ch) => {
                    if preserve_pattern_escapes && ch == self.options.escape {
                        text.push(ch);
                    }
                    text.push(ch);
                }
            }
        }
    }

    /// `"..."`: substitutions happen; the escape character escapes only `"`, `$` and itself
    /// and is kept literally before anything else.
    fn process_double_quote(&mut self, preserve_pattern_escapes: bool) -> Result<String, Fault> {
        let start = self.pos;
        self.next();
        let mut text = String::new();
        if self.options.raw_quotes {
            text.push('"');
        }
        loop {
            match self.peek() {
                None => return Err(self.fault(start, ExpandErrorKind::UnterminatedDoubleQuote)),
                Some('"') => {
                    self.next();
                    if self.options.raw_quotes {
                        text.push('"');
                    }
                    return Ok(text);
                }
                Some('$') => {
                    let value = self.process_dollar()?;
                    text.push_str(&value);
                }
                Some(ch) if ch != self.options.escape => {
                    // Plain quoted text up to the next quote, `$` or escape, at once.
                    let escape = self.options.escape;
                    let end = self.word[self.pos..]
                        .find(['"', '$', escape])
                        .map_or(self.word.len(), |i| self.pos + i);
                    text.push_str(&self.word[self.pos..end]);
                    self.pos = end;
                }
                Some(_) => {
                    let mut ch = self.next().unwrap_or_default();
                    if ch == self.options.escape {
                        match self.peek() {
                            // The loop then reports the missing closing quote.
                            None => continue,
                            Some(next)
                                if next == '"' || next == '$' || next == self.options.escape =>
                            {
                                if self.raw_escapes {
                                    text.push(ch);
                                }
                                ch = next;
                                self.next();
                            }
                            // Raw escapes are read again (a pattern, a word lexed once
                            // more), so a literal escape is doubled to stay literal. With
                            // raw quotes as well, outside a pattern, the quoted text is
                            // given back as written (RUN's progress name).
                            Some(_) => {
                                if self.raw_escapes
                                    && (!self.options.raw_quotes || preserve_pattern_escapes)
                                {
                                    text.push(ch);
                                }
                            }
                        }
                    }
                    text.push(ch);
                }
            }
        }
    }

    /// `<<` (heredoc marker) and the blanks after it stay together as one word.
    fn process_possible_heredoc(&mut self) -> String {
        self.next();
        if self.peek() != Some('<') {
            return "<".to_string();
        }
        self.next();
        let mut text = "<<".to_string();
        while let Some(blank @ (' ' | '\t' | '\r')) = self.peek() {
            text.push(blank);
            self.next();
        }
        text
    }

    /// A variable name: letters, digits and `_`; or a run of digits (positional parameter);
    /// or one special parameter character.
    fn process_name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.peek() {
            if name.is_empty() && is_digit(ch) {
                while let Some(digit) = self.peek().filter(|&c| is_digit(c)) {
                    self.next();
                    name.push(digit);
                }
                return name;
            }
            if name.is_empty() && is_special_param(ch) {
                self.next();
                return ch.to_string();
            }
            if !is_letter(ch) && !is_digit(ch) && ch != '_' {
                break;
            }
            self.next();
            name.push(ch);
        }
        name
    }

    /// Looks a variable up and remembers whether it was set.
    fn lookup(&mut self, name: &str) -> Option<String> {
        match self.env.get(name) {
            Some(value) => {
                self.used.insert(name.to_string());
                Some(value.to_string())
            }
            None => {
                self.unset.insert(name.to_string());
                None
            }
        }
    }

    /// A substitution; what it produces is charged to the budget.
    fn process_dollar(&mut self) -> Result<String, Fault> {
        let start = self.pos;
        let value = self.substitute()?;
        self.budget.spend(value.len()).map_err(|OverBudget| {
            self.fault(start, ExpandErrorKind::TooMuchWork(MAX_WORK >> 20))
        })?;
        Ok(value)
    }

    fn substitute(&mut self) -> Result<String, Fault> {
        let start = self.pos;
        self.next();
        if self.peek() != Some('{') {
            let name = self.process_name();
            if name.is_empty() {
                return Ok("$".to_string());
            }
            return Ok(match self.lookup(&name) {
                Some(value) => value,
                None if self.options.skip_unset => format!("${name}"),
                None => String::new(),
            });
        }
        self.next();
        match self.peek() {
            None => return Err(self.fault(start, ExpandErrorKind::MissingBrace)),
            // Not consumed: an enclosing `${...}` must see where the reference stopped.
            Some('{' | '}' | ':') => {
                return Err(self.fault(start, ExpandErrorKind::BadSubstitution))
            }
            Some(_) => {}
        }
        let name = self.process_name();
        let modifier_at = self.pos;
        let first = self.next();
        // Go prints the end of input as U+FFFD in "unsupported modifier (...)".
        let mut shown = first.unwrap_or(char::REPLACEMENT_CHARACTER).to_string();
        match first {
            Some('}') => Ok(match self.lookup(&name) {
                Some(value) => value,
                None if self.options.skip_unset => format!("${{{name}}}"),
                None => String::new(),
            }),
            Some(':' | '+' | '-' | '?' | '#' | '%') => {
                let null_is_unset = first == Some(':');
                let op = if null_is_unset {
                    let op = self.next();
                    shown.push(op.unwrap_or(char::REPLACEMENT_CHARACTER));
                    op
                } else {
                    first
                };
                self.process_modifier(start, modifier_at, name, op, null_is_unset, shown)
            }
            Some('/') => self.process_replace(start, name),
            _ => Err(self.fault(modifier_at, ExpandErrorKind::UnsupportedModifier(shown))),
        }
    }

    /// `${name-w}`, `${name+w}`, `${name?w}`, `${name#p}`, `${name%p}` and their `:` forms
    /// (`null_is_unset`). The operand is scanned before the modifier is checked, as in the
    /// reference, so `${v:x'}` reports the quote, not the modifier.
    fn process_modifier(
        &mut self,
        start: usize,
        modifier_at: usize,
        name: String,
        op: Option<char>,
        null_is_unset: bool,
        shown: String,
    ) -> Result<String, Fault> {
        let pattern_op = matches!(op, Some('#' | '%'));
        if null_is_unset && pattern_op {
            return Err(self.fault(modifier_at, ExpandErrorKind::UnsupportedModifier(shown)));
        }
        let (word, _) = self
            .process_stop_on(Some('}'), pattern_op, pattern_op)
            .map_err(|fault| self.at_end_means(fault, start, ExpandErrorKind::MissingBrace))?;
        let value = self.lookup(&name);
        if self.options.skip_unset && value.is_none() {
            return Ok(format!("${{{name}{shown}{word}}}"));
        }
        let empty_counts_as_unset = |value: &Option<String>| match value {
            None => true,
            Some(v) => null_is_unset && v.is_empty(),
        };
        match op {
            Some('-') => Ok(if empty_counts_as_unset(&value) {
                word
            } else {
                value.unwrap_or_default()
            }),
            Some('+') => Ok(if empty_counts_as_unset(&value) {
                String::new()
            } else {
                word
            }),
            Some('?') => {
                let default_message = match &value {
                    None => "is not allowed to be unset",
                    Some(v) if null_is_unset && v.is_empty() => "is not allowed to be empty",
                    Some(v) => return Ok(v.clone()),
                };
                let message = if word.is_empty() {
                    default_message.to_string()
                } else {
                    word
                };
                Err(self.fault(start, ExpandErrorKind::Required { name, message }))
            }
            Some(op @ ('%' | '#')) => {
                // `%%`/`##` ask for the longest match.
                let (greedy, pattern) = match word.strip_prefix(op) {
                    Some(rest) => (true, rest),
                    None => (false, word.as_str()),
                };
                let value = value.unwrap_or_default();
                let trimmed = if op == '%' {
                    pattern::trim_suffix(pattern, &value, greedy, &mut self.budget)
                } else {
                    pattern::trim_prefix(pattern, &value, greedy, &mut self.budget)
                };
                trimmed.map_err(|err| self.pattern_fault(start, err))
            }
            _ => Err(self.fault(modifier_at, ExpandErrorKind::UnsupportedModifier(shown))),
        }
    }

    /// `${name/pattern/replacement}` and `${name//pattern/replacement}`.
    fn process_replace(&mut self, start: usize, name: String) -> Result<String, Fault> {
        let all = self.peek() == Some('/');
        if all {
            self.next();
        }
        let (pattern, _) = self
            .process_stop_on(Some('/'), true, true)
            .map_err(|fault| self.at_end_means(fault, start, ExpandErrorKind::MissingSlash))?;
        let (replacement, _) = self
            .process_stop_on(Some('}'), true, false)
            .map_err(|fault| self.at_end_means(fault, start, ExpandErrorKind::MissingBrace))?;
        let value = self.lookup(&name);
        if self.options.skip_unset && value.is_none() {
            // The reference writes a single `/` back even for `//`.
            return Ok(format!("${{{name}/{pattern}/{replacement}}}"));
        }
        let value = value.unwrap_or_default();
        let replaced = if all {
            pattern::replace_all(&pattern, &value, &replacement, &mut self.budget)
        } else {
            pattern::replace_first(&pattern, &value, &replacement, &mut self.budget)
        };
        replaced.map_err(|err| self.pattern_fault(start, err))
    }

    fn pattern_fault(&self, start: usize, failure: PatternFailure) -> Fault {
        let kind = match failure {
            PatternFailure::Invalid(err) => ExpandErrorKind::InvalidPattern {
                pattern: err.pattern,
                reason: err.reason,
            },
            PatternFailure::OverBudget => ExpandErrorKind::TooMuchWork(MAX_WORK >> 20),
        };
        self.fault(start, kind)
    }
}
