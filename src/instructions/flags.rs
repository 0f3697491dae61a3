//! Instruction flags (`--name`, `--name=value`) with the reference's rules (`BFlags`): each
//! instruction declares its flags; unknown flags are errors (with a suggestion); a flag given
//! twice is an error unless it is a list flag (`--mount`, `--exclude`, `--device`); a boolean
//! flag takes no value or `true`/`false`; a string flag needs `=value`.

use serde::Serialize;

use crate::syntax::suggest::search;
use crate::syntax::{Diagnostic, Span, Word};

/// A flag as written, split into name and value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// Name without the leading `--`.
    pub name: String,
    /// Value after `=`, if any (quotes and escapes already removed by the parser).
    pub value: Option<String>,
    /// The whole `--name=value` word.
    pub span: Span,
    /// Span of the value (empty at the end of the word when there is none). Quotes in the
    /// source make the value text shorter than this span.
    pub value_span: Span,
}

impl Flag {
    pub(crate) fn from_word(word: &Word) -> Flag {
        let text = word.text.strip_prefix("--").unwrap_or(&word.text);
        let (name, value) = match text.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (text.to_string(), None),
        };
        // `--name=` occupies 3 + name bytes when written without quotes; clamp for quoted forms.
        let value_start = (word.span.start + 2 + name.len() + 1).min(word.span.end);
        let value_span = if value.is_some() {
            Span::new(value_start, word.span.end)
        } else {
            Span::empty(word.span.end)
        };
        Flag {
            name,
            value,
            span: word.span,
            value_span,
        }
    }

    /// The value as a [`Word`] pointing at its source.
    pub(crate) fn value_word(&self) -> Word {
        Word::new(self.value.clone().unwrap_or_default(), self.value_span)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FlagKind {
    Bool,
    String,
    Strings,
}

/// Flag values after parsing, looked up by name.
#[derive(Debug, Default)]
pub(crate) struct FlagValues {
    used: Vec<(String, Flag)>,
}

impl FlagValues {
    /// The value of a string flag (last one wins; duplicates were rejected).
    pub fn string(&self, name: &str) -> Option<Word> {
        self.used
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, f)| f.value_word())
    }

    /// All values of a list flag, in order.
    pub fn strings(&self, name: &str) -> Vec<Word> {
        self.used
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, f)| f.value_word())
            .collect()
    }

    /// A boolean flag: `None` when absent.
    pub fn bool(&self, name: &str) -> Option<bool> {
        self.used
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, f)| {
                !matches!(
                    f.value.as_deref().map(str::to_ascii_lowercase).as_deref(),
                    Some("false")
                )
            })
    }

    /// Names of the flags given, in order of first use.
    pub(crate) fn used_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for (n, _) in &self.used {
            if !names.contains(n) {
                names.push(n.clone());
            }
        }
        names
    }
}

/// The flags one instruction declares: name and kind.
pub(crate) type FlagSpec = [(&'static str, FlagKind)];

/// Checks `flags` against the declared `spec` for `instruction` (upper case, for messages).
/// `all` is every instruction with its flags, to name the instruction a misplaced flag belongs to.
pub(crate) fn parse_flags(
    flags: &[Flag],
    spec: &FlagSpec,
    instruction: &str,
    all: &[(&str, &FlagSpec)],
) -> Result<FlagValues, Diagnostic> {
    let mut values = FlagValues::default();
    for flag in flags {
        let Some((_, kind)) = spec.iter().find(|(n, _)| *n == flag.name) else {
            return Err(unknown_flag(flag, spec, instruction, all));
        };
        if *kind != FlagKind::Strings && values.used.iter().any(|(n, _)| *n == flag.name) {
            return Err(Diagnostic::error(
                format!("duplicate flag specified: --{}", flag.name),
                flag.span,
            )
            .with_label("given a second time")
            .with_hint(format!("`--{}` may be given only once", flag.name)));
        }
        match kind {
            FlagKind::Bool => match flag.value.as_deref() {
                Some("") => {
                    return Err(missing_value(flag).with_hint(format!(
                        "write `--{}` or `--{}=false`",
                        flag.name, flag.name
                    )))
                }
                None => {}
                Some(v) if v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false") => {}
                Some(v) => {
                    return Err(Diagnostic::error(
                        format!("expecting boolean value for flag --{}, not: {v}", flag.name),
                        flag.value_span,
                    )
                    .with_label("expected `true` or `false`"))
                }
            },
            FlagKind::String | FlagKind::Strings => {
                if flag.value.is_none() {
                    return Err(
                        missing_value(flag).with_hint(format!("write `--{}=<value>`", flag.name))
                    );
                }
            }
        }
        values.used.push((flag.name.clone(), flag.clone()));
    }
    Ok(values)
}

fn missing_value(flag: &Flag) -> Diagnostic {
    Diagnostic::error(
        format!("missing a value on flag: --{}", flag.name),
        flag.span,
    )
    .with_label("expected `=value`")
}

fn unknown_flag(
    flag: &Flag,
    spec: &FlagSpec,
    instruction: &str,
    all: &[(&str, &FlagSpec)],
) -> Diagnostic {
    let names: Vec<&str> = spec.iter().map(|(n, _)| *n).collect();
    let owners: Vec<&str> = all
        .iter()
        .filter(|(_, flags)| flags.iter().any(|(n, _)| *n == flag.name))
        .map(|(owner, _)| *owner)
        .collect();
    let diagnostic = Diagnostic::error(format!("unknown flag: --{}", flag.name), flag.span)
        .with_label(format!("not a flag of {instruction}"));
    if let Some(s) = search(&flag.name, &names, true) {
        let hint = format!("did you mean `--{s}`?");
        return diagnostic.with_suggestion(Some(s)).with_hint(hint);
    }
    let hint = match owners.as_slice() {
        [_, ..] => format!(
            "`--{}` is a flag of {}, not of {instruction}",
            flag.name,
            owners.join(" and ")
        ),
        [] if names.is_empty() => format!("{instruction} takes no flags"),
        [] => format!(
            "{instruction} accepts {}",
            names
                .iter()
                .map(|n| format!("`--{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    diagnostic.with_hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(text: &str) -> Flag {
        Flag::from_word(&Word::new(text, Span::new(0, text.len())))
    }

    const SPEC: &FlagSpec = &[
        ("from", FlagKind::String),
        ("link", FlagKind::Bool),
        ("exclude", FlagKind::Strings),
    ];

    const ALL: &[(&str, &FlagSpec)] = &[
        ("COPY", SPEC),
        (
            "ADD",
            &[("checksum", FlagKind::String), ("link", FlagKind::Bool)],
        ),
    ];

    fn err(flags: &[&str]) -> String {
        let flags: Vec<Flag> = flags.iter().map(|f| flag(f)).collect();
        let d = parse_flags(&flags, SPEC, "COPY", ALL).unwrap_err();
        format!("{} / {}", d.message, d.hint.clone().unwrap_or_default())
    }

    #[test]
    fn flag_rules() {
        let table: &[(&[&str], &str)] = &[
            (
                &["--form=a"],
                "unknown flag: --form / did you mean `--from`?",
            ),
            (
                &["--checksum=x"],
                "unknown flag: --checksum / `--checksum` is a flag of ADD, not of COPY",
            ),
            (
                &["--zzz"],
                "unknown flag: --zzz / COPY accepts `--from`, `--link`, `--exclude`",
            ),
            (
                &["--from=a", "--from=b"],
                "duplicate flag specified: --from / `--from` may be given only once",
            ),
            (
                &["--from"],
                "missing a value on flag: --from / write `--from=<value>`",
            ),
            (
                &["--link="],
                "missing a value on flag: --link / write `--link` or `--link=false`",
            ),
            (
                &["--link=yes"],
                "expecting boolean value for flag --link, not: yes / ",
            ),
        ];
        for (flags, want) in table {
            assert_eq!(err(flags), *want, "{flags:?}");
        }
    }

    #[test]
    fn values() {
        let flags: Vec<Flag> = ["--exclude=a", "--link=FALSE", "--exclude=b", "--from=x"]
            .iter()
            .map(|f| flag(f))
            .collect();
        let v = parse_flags(&flags, SPEC, "COPY", ALL).unwrap();
        assert_eq!(v.bool("link"), Some(false));
        assert_eq!(v.string("from").unwrap().text, "x");
        let ex: Vec<String> = v.strings("exclude").into_iter().map(|w| w.text).collect();
        assert_eq!(ex, vec!["a", "b"]);
        assert_eq!(v.used_names(), vec!["exclude", "link", "from"]);
        assert_eq!(flag("--from=x").value_span, Span::new(7, 8));
    }
}
