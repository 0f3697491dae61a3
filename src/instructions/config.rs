//! The instructions that set the image config or the stage's environment: CMD, ENTRYPOINT,
//! SHELL, ENV, LABEL, ARG, WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL, HEALTHCHECK, ONBUILD,
//! MAINTAINER. Their typed forms and argument rules.

use std::time::Duration;

use serde::Serialize;

use super::flags::{FlagKind, FlagSpec};
use super::node_parser::{command_line_from, comment_for, NodeParser};
use super::{CommandLine, Diagnostic, Span, Word};
use crate::go::quote as go_quote;
use crate::go::time::parse_duration;
use crate::syntax::suggest::search;

/// The flags HEALTHCHECK takes.
pub(super) const HEALTHCHECK_FLAGS: &FlagSpec = &[
    ("interval", FlagKind::String),
    ("timeout", FlagKind::String),
    ("start-period", FlagKind::String),
    ("start-interval", FlagKind::String),
    ("retries", FlagKind::String),
];

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Cmd {
    pub cmd: CommandLine,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entrypoint {
    /// `ENTRYPOINT []` gives an empty exec-form list (clears the entrypoint).
    pub cmd: CommandLine,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Shell {
    /// The JSON strings (SHELL accepts only the exec form), literal.
    pub shell: Vec<Word>,
}

/// `key=value` (or legacy `key value`) of ENV and LABEL; key and value expanded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyValue {
    pub key: Word,
    pub value: Word,
    /// Legacy `KEY value` form (no `=`).
    pub no_delim: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Env {
    pub pairs: Vec<KeyValue>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Label {
    pub pairs: Vec<KeyValue>,
}

/// One `NAME[=default]` of ARG; name and default expanded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ArgDef {
    pub key: Word,
    pub value: Option<Word>,
    /// Description from a `# NAME description` comment right above.
    pub comment: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Arg {
    pub args: Vec<ArgDef>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Workdir {
    /// Expanded.
    pub path: Word,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct User {
    /// Expanded.
    pub user: Word,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Expose {
    /// `80`, `80/udp`, `8000-8010/tcp`; expanded, then validated by the converter.
    pub ports: Vec<Word>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Volume {
    /// Expanded; never empty strings.
    pub paths: Vec<Word>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StopSignal {
    /// Expanded.
    pub signal: Word,
}

/// HEALTHCHECK, as the image config's `Healthcheck` (literal).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Healthcheck {
    /// `["NONE"]`, `["CMD", args...]` (exec form) or `["CMD-SHELL", "command"]`.
    pub test: Vec<String>,
    /// Zero means "not set" (inherit), as in the image config.
    pub interval: Duration,
    pub timeout: Duration,
    pub start_period: Duration,
    pub start_interval: Duration,
    /// Zero means "not set".
    pub retries: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Onbuild {
    /// The trigger instruction text, `ONBUILD` removed, heredocs appended (literal), stored in
    /// the image config's `OnBuild` list.
    pub expression: String,
    /// The trigger's keyword.
    pub trigger: Word,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Maintainer {
    /// Literal.
    pub name: Word,
}

impl NodeParser<'_> {
    pub(super) fn shell(&self) -> Result<Shell, Diagnostic> {
        self.no_flags()?;
        if self.node.args.is_empty() {
            return Err(Diagnostic::error(
                "SHELL requires at least one argument",
                self.node.keyword.span,
            )
            .with_label("expected a JSON array")
            .with_hint("write e.g. SHELL [\"/bin/sh\", \"-c\"]"));
        }
        if !self.node.json {
            return Err(Diagnostic::error(
                "SHELL requires the arguments to be in JSON form",
                self.args_span(),
            )
            .with_label("not a JSON array of strings")
            .with_hint(format!(
                "write SHELL [{}]",
                self.node.args[0]
                    .text
                    .split_whitespace()
                    .map(go_quote)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        Ok(Shell {
            shell: self.node.args.clone(),
        })
    }

    pub(super) fn kvps(&self) -> Result<Vec<KeyValue>, Diagnostic> {
        self.no_flags()?;
        let args = &self.node.args;
        if args.is_empty() {
            return Err(Diagnostic::error(
                format!("{} requires at least one argument", self.upper),
                self.node.keyword.span,
            )
            .with_label("expected name=value")
            .with_hint(format!("write `{} name=value`", self.upper)));
        }
        let mut out = Vec::new();
        for triple in args.chunks(3) {
            let [key, value, sep] = triple else {
                return Err(Diagnostic::error(
                    format!("Bad input to {}, too many arguments", self.upper),
                    self.args_span(),
                ));
            };
            if key.text.is_empty() {
                return Err(Diagnostic::error(
                    format!("{} names can not be blank", self.upper),
                    key.span.cover(sep.span),
                )
                .with_label("expected a name before `=`"));
            }
            out.push(KeyValue {
                key: key.clone(),
                value: value.clone(),
                no_delim: sep.text.is_empty(),
            });
        }
        Ok(out)
    }

    pub(super) fn arg(&self, warnings: &mut Vec<Diagnostic>) -> Result<Arg, Diagnostic> {
        if self.node.args.is_empty() {
            return Err(Diagnostic::error(
                "ARG requires at least one argument",
                self.node.keyword.span,
            )
            .with_label("expected a name")
            .with_hint("write `ARG NAME` or `ARG NAME=default`"));
        }
        // The reference never parses ARG's flags: accept them, but say so.
        self.warn_ignored_flags(warnings);
        let mut args = Vec::new();
        for w in &self.node.args {
            let (key, value) = match w.text.split_once('=') {
                Some((k, v)) => {
                    if k.is_empty() {
                        return Err(Diagnostic::error("ARG names can not be blank", w.span)
                            .with_label("expected a name before `=`"));
                    }
                    let eq = w.span.start + k.len();
                    (
                        Word::new(k, Span::new(w.span.start, eq.min(w.span.end))),
                        Some(Word::new(
                            v,
                            Span::new((eq + 1).min(w.span.end), w.span.end),
                        )),
                    )
                }
                None => (w.clone(), None),
            };
            let comment = comment_for(&self.node.comments, &key.text);
            args.push(ArgDef {
                key,
                value,
                comment,
            });
        }
        Ok(Arg { args })
    }

    pub(super) fn volume(&self) -> Result<Volume, Diagnostic> {
        self.at_least_one()?;
        self.no_flags()?;
        let mut paths = Vec::new();
        for w in &self.node.args {
            let t = w.text.trim();
            if t.is_empty() {
                return Err(Diagnostic::error(
                    "VOLUME specified can not be an empty string",
                    w.span,
                )
                .with_label("empty path"));
            }
            paths.push(Word::new(t, w.span));
        }
        Ok(Volume { paths })
    }

    pub(super) fn healthcheck(&self) -> Result<Healthcheck, Diagnostic> {
        let args = &self.node.args;
        let Some(kind) = args.first() else {
            return Err(Diagnostic::error(
                "HEALTHCHECK requires at least one argument",
                self.node.keyword.span,
            )
            .with_label("expected NONE or CMD")
            .with_hint(
                "write `HEALTHCHECK NONE` or `HEALTHCHECK [--interval=30s ...] CMD <command>`",
            ));
        };
        let typ = kind.text.to_uppercase();
        if typ == "NONE" {
            if args.len() != 1 {
                return Err(Diagnostic::error(
                    "HEALTHCHECK NONE takes no arguments",
                    Span::new(args[1].span.start, args[args.len() - 1].span.end),
                )
                .with_label("unexpected arguments"));
            }
            return Ok(Healthcheck {
                test: vec!["NONE".into()],
                ..Healthcheck::default()
            });
        }
        let values = self.flags(HEALTHCHECK_FLAGS)?;
        if typ != "CMD" {
            return Err(Diagnostic::error(
                format!("Unknown type {} in HEALTHCHECK (try CMD)", go_quote(&typ)),
                kind.span,
            )
            .with_label("expected NONE or CMD")
            .with_optional_hint(
                search(&typ, &["CMD", "NONE"], false).map(|s| format!("did you mean `{s}`?")),
            ));
        }
        let cmd = command_line_from(&args[1..], self.node.json);
        if cmd.args.is_empty() {
            return Err(Diagnostic::error(
                "Missing command after HEALTHCHECK CMD",
                Span::empty(kind.span.end),
            )
            .with_label("expected a command"));
        }
        let mut test = vec![if self.node.json { "CMD" } else { "CMD-SHELL" }.to_string()];
        test.extend(cmd.strings());
        let duration = |name: &str| -> Result<Duration, Diagnostic> {
            let Some(w) = values.string(name) else {
                return Ok(Duration::ZERO);
            };
            if w.text.is_empty() {
                return Ok(Duration::ZERO);
            }
            // The reference reports time.ParseDuration's error as it is.
            let ns = parse_duration(&w.text).map_err(|e| {
                Diagnostic::error(e, w.span)
                    .with_label("expected a duration")
                    .with_hint(format!(
                        "--{name} takes a duration such as `30s`, `1m30s`, `500ms`"
                    ))
            })?;
            if ns == 0 {
                return Ok(Duration::ZERO);
            }
            if ns < 1_000_000 {
                return Err(Diagnostic::error(
                    format!("Interval {} cannot be less than 1ms", go_quote(name)),
                    w.span,
                )
                .with_label("too short"));
            }
            Ok(Duration::from_nanos(u64::try_from(ns).unwrap_or(u64::MAX)))
        };
        let interval = duration("interval")?;
        let timeout = duration("timeout")?;
        let start_period = duration("start-period")?;
        let start_interval = duration("start-interval")?;
        let retries = match values.string("retries") {
            Some(w) if !w.text.is_empty() => {
                let n: i64 = w.text.parse::<i32>().map(i64::from).map_err(|e| {
                    let why = if matches!(
                        e.kind(),
                        std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow
                    ) {
                        "value out of range"
                    } else {
                        "invalid syntax"
                    };
                    Diagnostic::error(
                        format!("invalid --retries value {}: {why}", go_quote(&w.text)),
                        w.span,
                    )
                    .with_label("expected a whole number")
                })?;
                if n < 0 {
                    return Err(Diagnostic::error(
                        format!("--retries cannot be negative ({n})"),
                        w.span,
                    )
                    .with_label("negative"));
                }
                n
            }
            _ => 0,
        };
        Ok(Healthcheck {
            test,
            interval,
            timeout,
            start_period,
            start_interval,
            retries,
        })
    }

    pub(super) fn onbuild(&self) -> Result<Onbuild, Diagnostic> {
        let Some(child) = &self.node.child else {
            return Err(Diagnostic::error(
                "ONBUILD requires at least one argument",
                self.node.keyword.span,
            )
            .with_label("expected an instruction")
            .with_hint("write e.g. `ONBUILD RUN make`"));
        };
        self.no_flags()?;
        let trigger = child.keyword.text.trim().to_uppercase();
        match trigger.as_str() {
            "ONBUILD" => {
                return Err(Diagnostic::error(
                    "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
                    child.keyword.span,
                )
                .with_label("ONBUILD inside ONBUILD"))
            }
            "MAINTAINER" | "FROM" => {
                return Err(Diagnostic::error(
                    format!("{trigger} isn't allowed as an ONBUILD trigger"),
                    child.keyword.span,
                )
                .with_label("not allowed here"))
            }
            _ => {}
        }
        // `(?i)^\s*ONBUILD\s*` removed from the original line.
        let original = self.node.original.trim_start();
        let original = if original.len() >= 7 && original[..7].eq_ignore_ascii_case("onbuild") {
            original[7..].trim_start()
        } else {
            original
        };
        let mut expression = original.to_string();
        for h in &self.node.heredocs {
            expression.push('\n');
            expression.push_str(&h.content);
            expression.push_str(&h.name);
        }
        Ok(Onbuild {
            expression,
            trigger: child.keyword.clone(),
        })
    }
}
