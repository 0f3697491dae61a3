//! Word expansion (`$v`, `${v:-w}`, quotes, escapes) with the reference frontend's rules.
//!
//! In: one word of a Dockerfile instruction (as the parser left it), the escape character of
//! the file (`\`, or `` ` `` with `# escape=``), and the variables in scope. Out: the expanded
//! word, which variables it used and which it found unset (the converter needs both for the
//! ARG-consumption rules and the `UndefinedVar` lint), or an [`ExpandError`] with a byte span
//! inside the word. Mirrors moby/buildkit `frontend/dockerfile/shell` (`lex.go`) at v0.34.2,
//! quirks included; the reference's own tables run in `tests/conformance_shell.rs`.
//!
//! # API
//!
//! - [`expand_word`]`(word, env, escape) -> Result<`[`Expansion`]`, ExpandError>`: one word,
//!   quotes removed (`ProcessWordWithMatches`; used for WORKDIR, USER, COPY paths, ...).
//!   [`Expansion`] has `value`, `used` and `unset` (sorted sets of variable names).
//! - [`expand_words`]`(word, env, escape) -> Result<Vec<String>, ExpandError>`: the same scan,
//!   split into words after substitution (`ProcessWords`; used for EXPOSE, heredoc markers).
//! - [`Expander`] carries the escape character and the reference's switches (`raw_quotes`,
//!   `raw_escapes`, `skip_unset`, `skip_quotes`) for the places that use them: heredoc
//!   detection in the parser, RUN's display name, ADD/COPY `--chmod`-style raw expansion.
//! - [`Env`] is the variable lookup: implemented for `[(String, String)]`, `[(&str, &str)]`
//!   (last entry wins, like the reference's `EnvsFromSlice`), `[String]` of `KEY=VALUE`
//!   entries (image config `Env`; `KEY` alone is set and empty), `BTreeMap` and `HashMap`, and
//!   the `Vec`s of those; [`EmptyEnv`] has no variables. Names are case-sensitive, as on Unix; the reference's Windows
//!   case-insensitivity is not implemented.
//!
//! Unset and empty differ: `${v-w}` gives `w` only when `v` is unset, `${v:-w}` also when it is
//! empty. Patterns (`${v#p}`, `${v%%p}`, `${v/p/r}`, ...) are globs (`*`, `?`, `\` escapes)
//! matched in linear time, see `pattern.rs`.
//!
//! # Tests
//!
//! Unit and property tests in `tests.rs` and `pattern.rs`; the reference's tables, 1500
//! words recorded from the reference lexer, and words around escapes and quoted patterns
//! run through it live (`tests/go/shell-check`) in `tests/conformance_shell.rs` (regenerate
//! or fuzz differentially with `tests/conformance_shell/generate.py`, which needs Go and the
//! BuildKit module); `fuzz/fuzz_targets/expand.rs` (`cd fuzz && cargo +nightly fuzz run
//! expand`).

mod lexer;
mod pattern;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::BuildHasher;
use std::ops::Range;

pub use lexer::{MAX_NESTING, MAX_WORK};

/// The escape character of a Dockerfile without an `# escape=` directive.
pub const DEFAULT_ESCAPE: char = '\\';

/// Variables visible to an expansion.
pub trait Env {
    /// The value of `name`, or `None` when it is unset (which differs from set and empty).
    fn get(&self, name: &str) -> Option<&str>;
}

impl Env for [(String, String)] {
    fn get(&self, name: &str) -> Option<&str> {
        self.iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

impl Env for [(&str, &str)] {
    fn get(&self, name: &str) -> Option<&str> {
        self.iter()
            .rev()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| *value)
    }
}

/// `KEY=VALUE` entries as in an image config's `Env`.
impl Env for [String] {
    fn get(&self, name: &str) -> Option<&str> {
        self.iter().rev().find_map(|entry| {
            let (key, value) = entry.split_once('=').unwrap_or((entry, ""));
            (key == name).then_some(value)
        })
    }
}

impl Env for Vec<(String, String)> {
    fn get(&self, name: &str) -> Option<&str> {
        Env::get(self.as_slice(), name)
    }
}

impl Env for Vec<(&str, &str)> {
    fn get(&self, name: &str) -> Option<&str> {
        Env::get(self.as_slice(), name)
    }
}

impl Env for Vec<String> {
    fn get(&self, name: &str) -> Option<&str> {
        Env::get(self.as_slice(), name)
    }
}

impl Env for BTreeMap<String, String> {
    fn get(&self, name: &str) -> Option<&str> {
        BTreeMap::get(self, name).map(String::as_str)
    }
}

impl<S: BuildHasher> Env for HashMap<String, String, S> {
    fn get(&self, name: &str) -> Option<&str> {
        HashMap::get(self, name).map(String::as_str)
    }
}

/// No variables at all, as the parser uses when it looks for heredoc markers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct EmptyEnv;

impl Env for EmptyEnv {
    fn get(&self, _name: &str) -> Option<&str> {
        None
    }
}

impl<T: Env + ?Sized> Env for &T {
    fn get(&self, name: &str) -> Option<&str> {
        (**self).get(name)
    }
}

/// The result of expanding one word.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expansion {
    /// The expanded word, quotes and escapes removed.
    pub value: String,
    /// Variables the word referenced that were set (possibly empty).
    pub used: BTreeSet<String>,
    /// Variables the word referenced that were unset.
    pub unset: BTreeSet<String>,
}

/// A word that could not be expanded. Displays like the reference's error:
/// `failed to process "he${PWD": syntax error: missing '}'`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failed to process {}: {kind}", crate::go::Quoted(.word))]
pub struct ExpandError {
    /// The word as given.
    pub word: String,
    /// Byte range inside `word` of the construct that failed (from its `$`, quote or modifier
    /// up to where scanning stopped).
    pub span: Range<usize>,
    pub kind: ExpandErrorKind,
}

impl ExpandError {
    /// Byte offset inside the word where the failing construct starts.
    #[cfg(test)]
    pub(crate) fn offset(&self) -> usize {
        self.span.start
    }
}

/// What went wrong; the messages are the reference's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpandErrorKind {
    #[error("unexpected end of statement while looking for matching single-quote")]
    UnterminatedSingleQuote,
    #[error("unexpected end of statement while looking for matching double-quote")]
    UnterminatedDoubleQuote,
    /// `${v` or `${v:-w` without the closing brace.
    #[error("syntax error: missing '}}'")]
    MissingBrace,
    /// `${v/p` without the `/` before the replacement.
    #[error("syntax error: missing '/' in ${{}}")]
    MissingSlash,
    /// `${}`, `${:...}`, `${{...}`.
    #[error("syntax error: bad substitution")]
    BadSubstitution,
    /// `${v:=w}`, `${v:#p}`, `${v.}`, ...; holds the modifier as written.
    #[error("unsupported modifier ({0}) in substitution")]
    UnsupportedModifier(String),
    /// `${v?msg}` with `v` unset, or `${v:?msg}` with `v` unset or empty.
    #[error("{name}: {message}")]
    Required { name: String, message: String },
    /// A pattern with an escape other than `\*`, `\?`, `\\`, `\}` or `\/`.
    #[error("invalid pattern ({pattern}) in substitution: {reason}")]
    InvalidPattern { pattern: String, reason: String },
    /// More than [`MAX_NESTING`] nested `${...}` (our limit; the reference has none).
    #[error("substitutions nested more than {0} deep")]
    TooDeep(usize),
    /// More than [`MAX_WORK`] bytes produced or matched (our limit; the reference has none and
    /// runs out of memory instead); holds the limit in MiB.
    #[error("expanding the word takes more than {0} MiB of work")]
    TooMuchWork(usize),
}

/// The reference's `shell.Lex`: an escape character and switches, reusable for many words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expander {
    escape: char,
    raw_quotes: bool,
    raw_escapes: bool,
    skip_unset: bool,
    skip_quotes: bool,
}

impl Default for Expander {
    fn default() -> Self {
        Expander::new(DEFAULT_ESCAPE)
    }
}

impl Expander {
    /// Expands with `escape` as the escape character, quotes processed, unset variables empty.
    pub fn new(escape: char) -> Self {
        Expander {
            escape,
            raw_quotes: false,
            raw_escapes: false,
            skip_unset: false,
            skip_quotes: false,
        }
    }

    pub fn escape(&self) -> char {
        self.escape
    }

    /// Keep quote characters in the output (`RawQuotes`).
    pub fn raw_quotes(mut self, on: bool) -> Self {
        self.raw_quotes = on;
        self
    }

    /// Keep escape characters in the output (`RawEscapes`).
    pub fn raw_escapes(mut self, on: bool) -> Self {
        self.raw_escapes = on;
        self
    }

    /// Leave references to unset variables as written, `${v:-w}` included (`SkipUnsetEnv`).
    pub fn skip_unset(mut self, on: bool) -> Self {
        self.skip_unset = on;
        self
    }

    /// Treat quotes as ordinary characters (`SkipProcessQuotes`).
    pub fn skip_quotes(mut self, on: bool) -> Self {
        self.skip_quotes = on;
        self
    }

    /// Expands `word` into one string (`ProcessWordWithMatches`).
    pub fn expand_word<E: Env + ?Sized>(
        &self,
        word: &str,
        env: &E,
    ) -> Result<Expansion, ExpandError> {
        if self.is_literal(word) {
            return Ok(Expansion {
                value: word.to_string(),
                used: BTreeSet::new(),
                unset: BTreeSet::new(),
            });
        }
        let scanned = lexer::scan(word, env, self, false).map_err(|fault| error(word, fault))?;
        Ok(Expansion {
            value: scanned.value,
            used: scanned.used,
            unset: scanned.unset,
        })
    }

    /// Whether `word` expands to itself: nothing in it that the lexer treats specially (a
    /// variable, a quote, an escape, a heredoc's `<`, a leading byte order mark), the case of
    /// most words of a Dockerfile, which then cost one copy.
    fn is_literal(&self, word: &str) -> bool {
        !word.starts_with('\u{feff}')
            && !word
                .chars()
                .any(|c| matches!(c, '$' | '\'' | '"' | '<') || c == self.escape)
    }

    /// Expands `word` and splits the result into words (`ProcessWords`): unquoted whitespace,
    /// including whitespace coming from variable values, separates words; quoted text and
    /// escaped characters do not.
    pub fn expand_words<E: Env + ?Sized>(
        &self,
        word: &str,
        env: &E,
    ) -> Result<Vec<String>, ExpandError> {
        let scanned = lexer::scan(word, env, self, true).map_err(|fault| error(word, fault))?;
        Ok(scanned.words)
    }
}

fn error(word: &str, fault: lexer::Fault) -> ExpandError {
    ExpandError {
        word: word.to_string(),
        span: fault.span,
        kind: fault.kind,
    }
}

/// Expands one word with escape character `escape`. See [`Expander::expand_word`].
pub fn expand_word<E: Env + ?Sized>(
    word: &str,
    env: &E,
    escape: char,
) -> Result<Expansion, ExpandError> {
    Expander::new(escape).expand_word(word, env)
}

/// Expands and splits into words with escape character `escape`. See
/// [`Expander::expand_words`].
pub fn expand_words<E: Env + ?Sized>(
    word: &str,
    env: &E,
    escape: char,
) -> Result<Vec<String>, ExpandError> {
    Expander::new(escape).expand_words(word, env)
}

#[cfg(test)]
mod tests;
