//! Node -> typed instruction, one function per instruction, with the reference's argument and
//! flag rules (`instructions/parse.go`) and our spans, labels and hints on every error.

use std::time::Duration;

use super::duration::parse_go_duration;
use super::flags::{parse_flags, Flag, FlagKind, FlagValues};
use super::mount::{check_mount_syntax, parse_device};
use super::*;
use crate::go::quote as go_quote;
use crate::syntax::heredoc::parse_heredoc_word;
use crate::syntax::rules;
use crate::syntax::suggest::search;
use crate::syntax::{LineIndex, Node};

/// All instruction names, for "did you mean" suggestions.
const INSTRUCTIONS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// Parses a Dockerfile into stages. The error (or each warning) is located in `filename`.
pub fn parse_dockerfile(source: &[u8], filename: &str) -> Result<Dockerfile, Diagnostic> {
    let parsed = crate::syntax::parse(source, filename)?;
    let index = LineIndex::new(source);
    let mut warnings = parsed.warnings.clone();
    let (meta_args, stages) = parse_nodes(&parsed.nodes, &mut warnings)
        .map_err(|d| d.locate(filename, source, &index))?;
    let warnings = warnings
        .into_iter()
        .map(|w| {
            if w.filename.is_empty() {
                w.locate(filename, source, &index)
            } else {
                w
            }
        })
        .collect();
    Ok(Dockerfile {
        filename: filename.to_string(),
        directives: parsed.directives,
        escape_token: parsed.escape_token,
        meta_args,
        stages,
        warnings,
    })
}

/// Groups parsed nodes into meta ARGs and stages. Errors and warnings are not located yet.
pub fn parse_nodes(
    nodes: &[Node],
    warnings: &mut Vec<Diagnostic>,
) -> Result<(Vec<MetaArg>, Vec<Stage>), Diagnostic> {
    let mut meta_args = Vec::new();
    let mut stages: Vec<Stage> = Vec::new();
    for node in nodes {
        if node.command() == "from" {
            let stage = parse_from(node).map_err(|d| d.in_instruction(node.span))?;
            from_warnings(node, &stage, warnings);
            stages.push(stage);
            continue;
        }
        let command =
            parse_command_with_warnings(node, warnings).map_err(|d| d.in_instruction(node.span))?;
        match (stages.last_mut(), command.instruction) {
            (Some(stage), instruction) => stage.commands.push(Command {
                instruction,
                ..command
            }),
            (None, Instruction::Arg(arg)) => meta_args.push(MetaArg {
                arg,
                span: command.span,
                lines: command.lines,
                original: command.original,
            }),
            (None, instruction) => {
                return Err(Diagnostic::error(
                    "no build stage in current context",
                    command.keyword.span,
                )
                .with_label(format!("{} before the first FROM", instruction.name()))
                .with_hint(
                    "only ARG may come before the first FROM; start a stage with `FROM <image>`",
                ))
            }
        }
    }
    validate_stage_names(&stages, warnings);
    validate_command_casing(&stages, warnings);
    Ok((meta_args, stages))
}

/// Parses one instruction node (not FROM) into a [`Command`].
pub fn parse_command(node: &Node) -> Result<Command, Diagnostic> {
    parse_command_with_warnings(node, &mut Vec::new())
}

fn parse_command_with_warnings(
    node: &Node,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Command, Diagnostic> {
    let flags: Vec<Flag> = node.flags.iter().map(Flag::from_word).collect();
    let p = NodeParser {
        node,
        flags: &flags,
        upper: node.keyword.text.to_ascii_uppercase(),
    };
    lint_node(node, warnings);
    let instruction = match node.command().as_str() {
        "run" => Instruction::Run(p.run()?),
        "cmd" => Instruction::Cmd(Cmd {
            cmd: {
                p.no_flags()?;
                p.command_line(false)
            },
        }),
        "entrypoint" => Instruction::Entrypoint(Entrypoint {
            cmd: {
                p.no_flags()?;
                p.command_line(true)
            },
        }),
        "shell" => Instruction::Shell(p.shell()?),
        "env" => Instruction::Env(Env { pairs: p.kvps()? }),
        "label" => Instruction::Label(Label { pairs: p.kvps()? }),
        "arg" => Instruction::Arg(p.arg(warnings)?),
        "workdir" => Instruction::Workdir(Workdir {
            path: p.exactly_one_then_flags()?,
        }),
        "user" => Instruction::User(User {
            user: p.exactly_one_then_flags()?,
        }),
        "maintainer" => Instruction::Maintainer(Maintainer {
            name: p.exactly_one_then_flags()?,
        }),
        "stopsignal" => {
            let signal = p.exactly_one()?;
            // The reference never parses STOPSIGNAL's flags: accept them, but say so.
            p.warn_ignored_flags(warnings);
            Instruction::StopSignal(StopSignal { signal })
        }
        "expose" => {
            p.at_least_one()?;
            p.no_flags()?;
            Instruction::Expose(Expose {
                ports: node.args.clone(),
            })
        }
        "volume" => Instruction::Volume(p.volume()?),
        "healthcheck" => Instruction::Healthcheck(p.healthcheck()?),
        "onbuild" => Instruction::Onbuild(p.onbuild()?),
        "copy" => Instruction::Copy(p.copy()?),
        "add" => Instruction::Add(p.add()?),
        "from" => {
            return Err(Diagnostic::error(
                "FROM cannot be used here",
                node.keyword.span,
            ))
        }
        _ => return Err(unknown_instruction(node)),
    };
    Ok(Command {
        instruction,
        keyword: node.keyword.clone(),
        flags,
        span: node.span,
        lines: node.lines,
        original: node.original.clone(),
        comments: node.comments.clone(),
    })
}

/// Warnings the reference's linter gives for accepted instructions.
fn lint_node(node: &Node, warnings: &mut Vec<Diagnostic>) {
    let command = node.command();
    match command.as_str() {
        "maintainer" => warnings.push(
            Diagnostic::warning(
                "Maintainer instruction is deprecated in favor of using label",
                node.keyword.span,
            )
            .with_rule(&rules::MAINTAINER_DEPRECATED, node.span)
            .with_label("deprecated")
                .with_hint(
                    "use `LABEL org.opencontainers.image.authors=\"...\"` instead (MaintainerDeprecated)",
                ),
        ),
        "run" | "cmd" | "entrypoint" => {
            // `CMD ['a']` is not JSON (single quotes), so it silently becomes a shell command.
            if let [only] = node.args.as_slice() {
                let t = only.text.trim();
                if !node.json && t.starts_with('[') && t.ends_with(']') {
                    warnings.push(
                        Diagnostic::warning(
                            format!(
                                "{} arguments look like a JSON array but are not valid JSON; they run as a shell command",
                                node.keyword.text.to_uppercase()
                            ),
                            only.span,
                        )
                        .with_label("not valid JSON")
                        .with_hint("in exec form use double quotes and commas: [\"executable\", \"arg\"]"),
                    );
                }
            }
        }
        _ => {}
    }
}

fn unknown_instruction(node: &Node) -> Diagnostic {
    let word = &node.keyword.text;
    let diagnostic = Diagnostic::error(format!("unknown instruction: {word}"), node.keyword.span)
        .with_label("not a Dockerfile instruction");
    let names: Vec<String> = INSTRUCTIONS.iter().map(|n| n.to_lowercase()).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    match search(word, &names, false) {
        Some(s) => diagnostic.with_suggestion(Some(s)),
        None => diagnostic.with_hint("instructions are FROM, RUN, COPY, ADD, ENV, ARG, CMD, ENTRYPOINT, WORKDIR, USER, EXPOSE, VOLUME, LABEL, SHELL, HEALTHCHECK, STOPSIGNAL, ONBUILD, MAINTAINER"),
    }
}

/// `^[a-z][a-z0-9-_.]*$`
fn valid_stage_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-' | '_' | '.'))
}

/// A hint for words that look like an inline comment.
fn inline_comment_hint(node: &Node) -> Option<String> {
    node.args.iter().find(|w| w.text.starts_with('#')).map(|_| {
        format!(
            "`#` starts a comment only at the beginning of a line: `{}` has extra words",
            node.original.trim()
        )
    })
}

/// Warnings the reference's linter gives while parsing a FROM: StageNameCasing, FromAsCasing.
fn from_warnings(node: &Node, stage: &Stage, warnings: &mut Vec<Diagnostic>) {
    if let Some(written) = &stage.from.name {
        if written.text != written.text.to_lowercase() {
            warnings.push(
                Diagnostic::warning(
                    format!("Stage name '{}' should be lowercase", written.text),
                    written.span,
                )
                .with_rule(&rules::STAGE_NAME_CASING, node.span)
                .with_label(format!("used as `{}`", written.text.to_lowercase()))
                .with_hint("stage names are case-insensitive and stored lower-cased"),
            );
        }
    }
    // `doesFromCaseMatchAsCase`: only when FROM itself is all lower or all upper case.
    if let (Some(as_word), [_, _, _]) = (&stage.from.as_keyword, node.args.as_slice()) {
        let from = &node.keyword.text;
        let lower = *from == from.to_lowercase();
        let upper = *from == from.to_uppercase();
        let matches = if lower {
            as_word.text == as_word.text.to_lowercase()
        } else {
            as_word.text == as_word.text.to_uppercase()
        };
        if (lower || upper) && !matches {
            warnings.push(
                Diagnostic::warning(
                    format!(
                        "'{}' and '{from}' keywords' casing do not match",
                        as_word.text
                    ),
                    as_word.span,
                )
                .with_rule(&rules::FROM_AS_CASING, node.span)
                .with_label(format!(
                    "`{from}` is written in {} case",
                    if lower { "lower" } else { "upper" }
                )),
            );
        }
    }
}

/// `validateStageNames`, after every stage is parsed as in the reference: ReservedStageName and
/// DuplicateStageName (the last stage of a name wins in --target, FROM and --from).
fn validate_stage_names(stages: &[Stage], warnings: &mut Vec<Diagnostic>) {
    for (i, stage) in stages.iter().enumerate() {
        let Some(name) = &stage.name else { continue };
        let span = stage
            .from
            .name
            .as_ref()
            .map(|w| w.span)
            .unwrap_or(stage.span);
        if matches!(name.as_str(), "context" | "scratch") {
            warnings.push(
                Diagnostic::warning(
                    format!(
                        "Stage name should not use the same name as reserved stage {}",
                        go_quote(name)
                    ),
                    span,
                )
                .with_rule(&rules::RESERVED_STAGE_NAME, stage.span)
                .with_label("a reserved name"),
            );
        }
        if let Some(first) = stages[..i].iter().find(|s| s.name.as_ref() == Some(name)) {
            warnings.push(
                Diagnostic::warning(
                    format!(
                        "Duplicate stage name {}, stage names should be unique",
                        go_quote(name)
                    ),
                    span,
                )
                .with_rule(&rules::DUPLICATE_STAGE_NAME, stage.span)
                .with_label("already used by an earlier stage")
                .with_hint(format!(
                    "stage `{name}` is first defined on line {}; a later stage of the same name replaces it",
                    first.lines.start
                )),
            );
        }
    }
}

/// `validateCommandCasing`: every instruction keyword (FROM included) should be all lower or all
/// upper case like the majority of those that are.
fn validate_command_casing(stages: &[Stage], warnings: &mut Vec<Diagnostic>) {
    let keywords = || {
        stages.iter().flat_map(|stage| {
            std::iter::once((&stage.from.keyword, stage.span))
                .chain(stage.commands.iter().map(|c| (&c.keyword, c.span)))
        })
    };
    let (mut lower, mut upper) = (0, 0);
    for (keyword, _) in keywords() {
        if keyword.text == keyword.text.to_lowercase() {
            lower += 1;
        } else if keyword.text == keyword.text.to_uppercase() {
            upper += 1;
        }
    }
    let majority_lower = lower > upper;
    for (keyword, at) in keywords() {
        let text = &keyword.text;
        let casing = if majority_lower && *text != text.to_lowercase() {
            "lowercase"
        } else if !majority_lower && *text != text.to_uppercase() {
            "uppercase"
        } else {
            continue;
        };
        warnings.push(
            Diagnostic::warning(
                format!(
                    "Command '{text}' should match the case of the command majority ({casing})"
                ),
                keyword.span,
            )
            .with_rule(&rules::CONSISTENT_INSTRUCTION_CASING, at),
        );
    }
}

fn parse_from(node: &Node) -> Result<Stage, Diagnostic> {
    let args = &node.args;
    let (name, name_word, as_word) = match args.len() {
        3 if args[1].text.eq_ignore_ascii_case("as") => {
            let lower = args[2].text.to_lowercase();
            if !valid_stage_name(&lower) {
                return Err(Diagnostic::error(
                    format!(
                        "invalid name for build stage: {}, name can't start with a number or contain symbols",
                        go_quote(&args[2].text)
                    ),
                    args[2].span,
                )
                .with_label("invalid stage name")
                .with_hint("stage names start with a letter and use only letters, digits, `-`, `_` and `.`"));
            }
            (Some(lower), Some(args[2].clone()), Some(args[1].clone()))
        }
        1 => (None, None, None),
        n => {
            let span = if n == 0 {
                Span::empty(node.keyword.span.end)
            } else if n > 3 || n == 2 {
                Span::new(args[1.min(n - 1)].span.start, args[n - 1].span.end)
            } else {
                args[1].span
            };
            let label = match n {
                0 => "expected an image name",
                2 if args[1].text.eq_ignore_ascii_case("as") => "expected a stage name after AS",
                3 => "expected `AS`",
                _ => "unexpected words",
            };
            let hint = inline_comment_hint(node)
                .unwrap_or_else(|| "write `FROM <image>` or `FROM <image> AS <name>`".to_string());
            return Err(
                Diagnostic::error("FROM requires either one or three arguments", span)
                    .with_label(label)
                    .with_hint(hint),
            );
        }
    };
    let flags: Vec<Flag> = node.flags.iter().map(Flag::from_word).collect();
    let values = parse_flags(&flags, &[("platform", FlagKind::String)], "FROM")?;
    let comment = name.as_ref().and_then(|n| comment_for(&node.comments, n));
    Ok(Stage {
        name,
        from: From {
            keyword: node.keyword.clone(),
            image: args[0].clone(),
            platform: values.string("platform"),
            name: name_word,
            as_keyword: as_word,
        },
        commands: Vec::new(),
        span: node.span,
        lines: node.lines,
        original: node.original.trim().to_string(),
        comment,
    })
}

/// The reference's `getComment`: a comment line `NAME description` describes NAME.
fn comment_for(comments: &[String], name: &str) -> Option<String> {
    if name.is_empty() {
        return None;
    }
    comments
        .iter()
        .find_map(|c| c.strip_prefix(&format!("{name} ")).map(str::to_string))
}

struct NodeParser<'a> {
    node: &'a Node,
    flags: &'a [Flag],
    upper: String,
}

impl NodeParser<'_> {
    fn after_keyword(&self) -> Span {
        Span::empty(self.node.keyword.span.end)
    }

    fn args_span(&self) -> Span {
        match (self.node.args.first(), self.node.args.last()) {
            (Some(a), Some(b)) => a.span.cover(b.span),
            _ => self.after_keyword(),
        }
    }

    fn at_least_one(&self) -> Result<(), Diagnostic> {
        if self.node.args.is_empty() && self.node.child.is_none() {
            return Err(Diagnostic::error(
                format!("{} requires at least one argument", self.upper),
                self.node.keyword.span,
            )
            .with_label("expected at least one argument"));
        }
        Ok(())
    }

    fn exactly_one(&self) -> Result<Word, Diagnostic> {
        match self.node.args.as_slice() {
            [one] => Ok(one.clone()),
            _ => Err(Diagnostic::error(
                format!("{} requires exactly one argument", self.upper),
                self.node.keyword.span,
            )
            .with_label("expected one argument")),
        }
    }

    fn exactly_one_then_flags(&self) -> Result<Word, Diagnostic> {
        let w = self.exactly_one()?;
        self.no_flags()?;
        Ok(w)
    }

    fn no_flags(&self) -> Result<(), Diagnostic> {
        parse_flags(self.flags, &[], &self.upper).map(|_| ())
    }

    fn warn_ignored_flags(&self, warnings: &mut Vec<Diagnostic>) {
        for f in self.flags {
            warnings.push(
                Diagnostic::warning(
                    format!("flag --{} is ignored by {}", f.name, self.upper),
                    f.span,
                )
                .with_label("ignored")
                .with_hint(format!("{} takes no flags; remove it", self.upper)),
            );
        }
    }

    fn flags(&self, spec: &[(&str, FlagKind)]) -> Result<FlagValues, Diagnostic> {
        parse_flags(self.flags, spec, &self.upper)
    }

    /// The reference's `handleJSONArgs` + `ShellDependantCmdLine`.
    fn command_line(&self, empty_as_nil: bool) -> CommandLine {
        let _ = empty_as_nil; // an empty list is represented the same way either way
        command_line_from(&self.node.args, self.node.json)
    }

    fn run(&self) -> Result<Run, Diagnostic> {
        let values = self.flags(&[
            ("mount", FlagKind::Strings),
            ("network", FlagKind::String),
            ("security", FlagKind::String),
            ("device", FlagKind::Strings),
        ])?;
        let cmd = self.command_line(false);
        let mut devices = Vec::new();
        for w in values.strings("device") {
            devices.push(parse_device(&w.text).map_err(|e| {
                Diagnostic::error(e.message, w.span)
                    .with_label("invalid --device value")
                    .with_optional_hint(e.hint)
                    .with_suggestion(e.suggestion)
            })?);
        }
        let mounts = values.strings("mount");
        for w in &mounts {
            check_mount_syntax(&w.text).map_err(|e| {
                Diagnostic::error(e.message, w.span)
                    .with_label("invalid --mount value")
                    .with_optional_hint(e.hint)
                    .with_suggestion(e.suggestion)
            })?;
        }
        let network = match values.string("network") {
            None => NetworkMode::Default,
            Some(w) => match w.text.as_str() {
                "default" => NetworkMode::Default,
                "none" => NetworkMode::None,
                "host" => NetworkMode::Host,
                other => {
                    return Err(Diagnostic::error(
                        format!("invalid network mode {}", go_quote(other)),
                        w.span,
                    )
                    .with_label("expected default, none or host")
                    .with_optional_hint(
                        search(other, &["default", "none", "host"], true)
                            .map(|s| format!("did you mean `{s}`?")),
                    ))
                }
            },
        };
        let security = match values.string("security") {
            None => SecurityMode::Sandbox,
            Some(w) => match w.text.as_str() {
                "sandbox" => SecurityMode::Sandbox,
                "insecure" => SecurityMode::Insecure,
                other => {
                    return Err(Diagnostic::error(
                        format!("security {} is not valid", go_quote(other)),
                        w.span,
                    )
                    .with_label("expected sandbox or insecure")
                    .with_optional_hint(
                        search(other, &["sandbox", "insecure"], true)
                            .map(|s| format!("did you mean `{s}`?")),
                    ))
                }
            },
        };
        Ok(Run {
            cmd,
            heredocs: self.node.heredocs.clone(),
            mounts,
            network,
            security,
            devices,
            flags_used: values.used_names(),
        })
    }

    fn shell(&self) -> Result<Shell, Diagnostic> {
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

    fn kvps(&self) -> Result<Vec<KeyValue>, Diagnostic> {
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

    fn arg(&self, warnings: &mut Vec<Diagnostic>) -> Result<Arg, Diagnostic> {
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

    fn volume(&self) -> Result<Volume, Diagnostic> {
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

    fn healthcheck(&self) -> Result<Healthcheck, Diagnostic> {
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
        let values = self.flags(&[
            ("interval", FlagKind::String),
            ("timeout", FlagKind::String),
            ("start-period", FlagKind::String),
            ("start-interval", FlagKind::String),
            ("retries", FlagKind::String),
        ])?;
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
            let ns = parse_go_duration(&w.text).map_err(|e| {
                let why = e.strip_prefix("time: ").unwrap_or(&e);
                Diagnostic::error(format!("invalid --{name} duration: {why}"), w.span)
                    .with_label("expected a duration")
                    .with_hint("durations look like `30s`, `1m30s`, `500ms`")
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

    fn onbuild(&self) -> Result<Onbuild, Diagnostic> {
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

    fn no_destination(&self) -> Diagnostic {
        let span = self.args_span();
        Diagnostic::error(
            format!(
                "{} requires at least two arguments, but only one was provided. Destination could not be determined",
                self.upper
            ),
            span,
        )
        .with_label("expected a source and a destination")
        .with_hint(format!("write `{} <source>... <destination>`", self.upper))
    }

    /// Splits arguments into sources, heredoc contents and destination.
    fn sources_and_dest(&self) -> Result<(Vec<Word>, Vec<SourceContent>, Word), Diagnostic> {
        let args = &self.node.args;
        let (dest, srcs) = args.split_last().ok_or_else(|| self.no_destination())?;
        if matches!(parse_heredoc_word(&dest.text), Ok(Some(_))) {
            return Err(Diagnostic::error(
                format!("{} cannot accept a heredoc as a destination", self.upper),
                dest.span,
            )
            .with_label("heredoc used as destination")
            .with_hint("put the destination path last, after the heredoc"));
        }
        let mut sources = Vec::new();
        let mut contents = Vec::new();
        for src in srcs {
            match parse_heredoc_word(&src.text) {
                Ok(Some(h)) => {
                    let body = self.node.heredocs.iter().find(|d| d.name == h.name);
                    let mut data = body.map(|b| b.content.clone()).unwrap_or_default();
                    if h.chomp {
                        data = crate::syntax::heredoc::chomp_leading_tabs(&data);
                    }
                    contents.push(SourceContent {
                        path: h.name,
                        data,
                        expand: h.expand,
                        span: body.map(|b| b.content_span).unwrap_or(src.span),
                    });
                }
                _ => sources.push(src.clone()),
            }
        }
        Ok((sources, contents, dest.clone()))
    }

    fn copy(&self) -> Result<Copy, Diagnostic> {
        if self.node.args.len() < 2 {
            return Err(self.no_destination());
        }
        let values = self.flags(&[
            ("chown", FlagKind::String),
            ("from", FlagKind::String),
            ("chmod", FlagKind::String),
            ("link", FlagKind::Bool),
            ("exclude", FlagKind::Strings),
            ("parents", FlagKind::Bool),
        ])?;
        let (sources, contents, dest) = self.sources_and_dest()?;
        Ok(Copy {
            sources,
            contents,
            dest,
            from: values.string("from"),
            chown: values.string("chown"),
            chmod: values.string("chmod"),
            link: values.bool("link").unwrap_or(false),
            parents: values.bool("parents").unwrap_or(false),
            excludes: values.strings("exclude"),
            json: self.node.json,
        })
    }

    fn add(&self) -> Result<Add, Diagnostic> {
        if self.node.args.len() < 2 {
            return Err(self.no_destination());
        }
        let values = self.flags(&[
            ("chown", FlagKind::String),
            ("chmod", FlagKind::String),
            ("link", FlagKind::Bool),
            ("keep-git-dir", FlagKind::Bool),
            ("checksum", FlagKind::String),
            ("unpack", FlagKind::Bool),
            ("exclude", FlagKind::Strings),
        ])?;
        let (sources, contents, dest) = self.sources_and_dest()?;
        Ok(Add {
            sources,
            contents,
            dest,
            chown: values.string("chown"),
            chmod: values.string("chmod"),
            link: values.bool("link").unwrap_or(false),
            keep_git_dir: values.bool("keep-git-dir"),
            checksum: values.string("checksum"),
            unpack: values.bool("unpack"),
            excludes: values.strings("exclude"),
            json: self.node.json,
        })
    }
}

/// `handleJSONArgs`: exec form keeps the strings; shell form joins the words with spaces
/// (there is at most one).
fn command_line_from(args: &[Word], json: bool) -> CommandLine {
    if json {
        return CommandLine {
            args: args.to_vec(),
            prepend_shell: false,
        };
    }
    let args = match (args.first(), args.last()) {
        (Some(first), Some(last)) => vec![Word::new(
            args.iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            first.span.cover(last.span),
        )],
        _ => Vec::new(),
    };
    CommandLine {
        args,
        prepend_shell: true,
    }
}

/// Parses a single instruction given as text, e.g. an ONBUILD trigger from a base image's
/// config (`RUN make`), as the reference re-parses triggers.
pub fn parse_trigger(expression: &str, filename: &str) -> Result<Command, Diagnostic> {
    let source = expression.as_bytes();
    let parsed = crate::syntax::parse(source, filename)?;
    let index = LineIndex::new(source);
    // The reference re-parses a trigger as a file and wants exactly one instruction in it.
    let [node] = parsed.nodes.as_slice() else {
        return Err(Diagnostic::error(
            "onbuild trigger should be a single expression",
            Span::empty(0),
        )
        .locate(filename, source, &index));
    };
    parse_command(node).map_err(|d| d.locate(filename, source, &index))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Result<Dockerfile, Diagnostic> {
        parse_dockerfile(src.as_bytes(), "Dockerfile")
    }

    fn err(src: &str) -> String {
        let d = parse(src).unwrap_err();
        format!("{}:{}: {}", d.start.line, d.start.column, d.message)
    }

    #[test]
    fn stages_and_meta_args() {
        let df = parse("ARG V=1\nFROM --platform=$BUILDPLATFORM alpine:$V AS Build\nRUN make\nFROM scratch\nCOPY --from=build /a /b\n").unwrap();
        assert_eq!(df.meta_args.len(), 1);
        assert_eq!(df.meta_args[0].arg.args[0].key.text, "V");
        assert_eq!(
            df.meta_args[0].arg.args[0].value.as_ref().unwrap().text,
            "1"
        );
        assert_eq!(df.stages.len(), 2);
        let s = &df.stages[0];
        assert_eq!(s.name.as_deref(), Some("build"));
        assert_eq!(s.from.image.text, "alpine:$V");
        assert_eq!(s.from.platform.as_ref().unwrap().text, "$BUILDPLATFORM");
        assert_eq!(s.commands[0].name(), "RUN");
        assert_eq!(s.commands[0].source_code(), "RUN make");
        let Instruction::Copy(c) = &df.stages[1].commands[0].instruction else {
            panic!("not a copy")
        };
        assert_eq!(c.from.as_ref().unwrap().text, "build");
        assert_eq!(c.sources[0].text, "/a");
        assert_eq!(c.dest.text, "/b");
    }

    #[test]
    fn errors_with_locations() {
        let table = [
            ("FROM a\nCOPPY . /x\n", "2:1: unknown instruction: COPPY"),
            ("RUN x\n", "1:1: no build stage in current context"),
            ("FROM a AS 1x\n", "1:11: invalid name for build stage: \"1x\", name can't start with a number or contain symbols"),
            ("FROM python:3.9 AS builder #name\n", "1:17: FROM requires either one or three arguments"),
            ("FROM a\nCOPY --form=x a b\n", "2:6: unknown flag: --form"),
            ("FROM a\nCOPY a\n", "2:6: COPY requires at least two arguments, but only one was provided. Destination could not be determined"),
            ("FROM a\nSHELL /bin/sh -c\n", "2:7: SHELL requires the arguments to be in JSON form"),
            ("FROM a\nONBUILD ONBUILD RUN x\n", "2:9: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"),
            ("FROM a\nONBUILD FROM b\n", "2:9: FROM isn't allowed as an ONBUILD trigger"),
            ("FROM a\nHEALTHCHECK --interval=10 CMD x\n", "2:24: invalid --interval duration: missing unit in duration \"10\""),
            ("FROM a\nHEALTHCHECK --timeout=1us CMD x\n", "2:23: Interval \"timeout\" cannot be less than 1ms"),
            ("FROM a\nHEALTHCHECK --retries=-1 CMD x\n", "2:23: --retries cannot be negative (-1)"),
            ("FROM a\nHEALTHCHECK CMD\n", "2:16: Missing command after HEALTHCHECK CMD"),
            ("FROM a\nHEALTHCHECK NONE x\n", "2:18: HEALTHCHECK NONE takes no arguments"),
            ("FROM a\nRUN --network=hots x\n", "2:15: invalid network mode \"hots\""),
            ("FROM a\nRUN --mount=type=cache,from=$X,target=/x x\n", "2:13: 'from' doesn't support variable expansion, define alias stage instead"),
            ("FROM a\nCOPY <<EOF <<EOF2\nx\nEOF\ny\nEOF2\n", "2:12: COPY cannot accept a heredoc as a destination"),
            ("FROM a\nENV =x\n", "2:5: ENV names can not be blank"),
            ("FROM a\nWORKDIR\n", "2:1: WORKDIR requires exactly one argument"),
            ("FROM a\nVOLUME [\"\"]\n", "2:9: VOLUME specified can not be an empty string"),
        ];
        for (src, want) in table {
            assert_eq!(err(src), want, "{src:?}");
        }
    }

    #[test]
    fn inline_comment_hint() {
        let d = parse("FROM python:3.9 AS builder #name\n").unwrap_err();
        assert_eq!(
            d.hint.as_deref(),
            Some("`#` starts a comment only at the beginning of a line: `FROM python:3.9 AS builder #name` has extra words")
        );
    }

    #[test]
    fn command_forms() {
        let df = parse("FROM a\nRUN [\"echo\", \"hi\"]\nCMD echo hi\nENTRYPOINT []\nHEALTHCHECK --interval=1m30s --retries=3 CMD curl -f x\n").unwrap();
        let cmds = &df.stages[0].commands;
        let Instruction::Run(r) = &cmds[0].instruction else {
            panic!()
        };
        assert!(r.cmd.is_exec_form());
        assert_eq!(r.cmd.strings(), vec!["echo", "hi"]);
        let Instruction::Cmd(c) = &cmds[1].instruction else {
            panic!()
        };
        assert_eq!(
            c.cmd,
            CommandLine {
                args: vec![Word::new("echo hi", Span::new(30, 37))],
                prepend_shell: true
            }
        );
        let Instruction::Entrypoint(e) = &cmds[2].instruction else {
            panic!()
        };
        assert!(e.cmd.is_exec_form() && e.cmd.args.is_empty());
        let Instruction::Healthcheck(h) = &cmds[3].instruction else {
            panic!()
        };
        assert_eq!(h.test, vec!["CMD-SHELL", "curl -f x"]);
        assert_eq!(h.interval, Duration::from_secs(90));
        assert_eq!(h.retries, 3);
    }

    #[test]
    fn heredoc_sources_and_onbuild() {
        let df = parse(
            "FROM a\nCOPY <<-\"A\" <<B /dst/\n\tx $y\n\tA\nz\nB\nONBUILD RUN <<EOF\necho\nEOF\n",
        )
        .unwrap();
        let cmds = &df.stages[0].commands;
        let Instruction::Copy(c) = &cmds[0].instruction else {
            panic!()
        };
        assert_eq!(c.contents.len(), 2);
        assert_eq!(
            (
                c.contents[0].path.as_str(),
                c.contents[0].data.as_str(),
                c.contents[0].expand
            ),
            ("A", "x $y\n", false)
        );
        assert_eq!(
            (c.contents[1].data.as_str(), c.contents[1].expand),
            ("z\n", true)
        );
        let Instruction::Onbuild(o) = &cmds[1].instruction else {
            panic!()
        };
        assert_eq!(o.expression, "RUN <<EOF\necho\nEOF");
        let t = parse_trigger(&o.expression, "onbuild").unwrap();
        let Instruction::Run(r) = &t.instruction else {
            panic!()
        };
        assert_eq!(r.heredocs[0].content, "echo\n");
    }

    #[test]
    fn env_label_arg_forms() {
        let df = parse("FROM a\nENV A=1 B=\"x y\"\nENV C legacy value\nLABEL a.b=c\nARG X Y=2\n")
            .unwrap();
        let cmds = &df.stages[0].commands;
        let Instruction::Env(e) = &cmds[0].instruction else {
            panic!()
        };
        assert_eq!(e.pairs[1].value.text, "\"x y\"");
        let Instruction::Env(e) = &cmds[1].instruction else {
            panic!()
        };
        assert_eq!(
            (
                e.pairs[0].key.text.as_str(),
                e.pairs[0].value.text.as_str(),
                e.pairs[0].no_delim
            ),
            ("C", "legacy value", true)
        );
        let Instruction::Arg(a) = &cmds[3].instruction else {
            panic!()
        };
        assert_eq!(a.args.len(), 2);
        assert!(a.args[0].value.is_none());
    }

    #[test]
    fn comments_describe_args_and_stages() {
        let df = parse("# foo sets foo\nARG foo=bar\n\n# base defines first stage\nFROM busybox AS base\n# this is irrelevant\nARG foo\n# bar defines bar\n# baz is something else\nARG bar baz=123\n").unwrap();
        assert_eq!(df.stages[0].comment.as_deref(), Some("defines first stage"));
        assert_eq!(
            df.meta_args[0].arg.args[0].comment.as_deref(),
            Some("sets foo")
        );
        let cmds = &df.stages[0].commands;
        let Instruction::Arg(a) = &cmds[0].instruction else {
            panic!()
        };
        assert_eq!(a.args[0].comment, None);
        let Instruction::Arg(a) = &cmds[1].instruction else {
            panic!()
        };
        assert_eq!(a.args[0].comment.as_deref(), Some("defines bar"));
        assert_eq!(a.args[1].comment.as_deref(), Some("is something else"));
    }

    #[test]
    fn stage_names_are_lower_cased() {
        for (written, name) in [
            ("STAGE_NAME", "stage_name"),
            ("StageName", "stagename"),
            ("St4g3N4m3", "st4g3n4m3"),
            ("a.b-c_d", "a.b-c_d"),
        ] {
            let df = parse(&format!("FROM a AS {written}\n")).unwrap();
            assert_eq!(df.stages[0].name.as_deref(), Some(name));
            assert_eq!(df.stages[0].from.name.as_ref().unwrap().text, written);
        }
        for bad in ["-x", "x$y", "_a", "é"] {
            assert!(parse(&format!("FROM a AS {bad}\n")).is_err(), "{bad}");
        }
    }

    #[test]
    fn json_form_fallbacks() {
        // (instruction, exec form?, resulting strings)
        let table: &[(&str, bool, &[&str])] = &[
            ("RUN [\"ls\", \"/\"]", true, &["ls", "/"]),
            ("RUN ['ls', '/']", false, &["['ls', '/']"]),
            ("RUN [\"ls\" \"/\"]", false, &["[\"ls\" \"/\"]"]),
            ("RUN [\"ls\", \"/\"", false, &["[\"ls\", \"/\""]),
            ("CMD [ ]", true, &[]),
            (
                "CMD [\"a\"] # not a comment",
                false,
                &["[\"a\"] # not a comment"],
            ),
            ("ENTRYPOINT [\"a\\u0041\\n\"]", true, &["aA\n"]),
            ("CMD echo \"$HOME\"", false, &["echo \"$HOME\""]),
        ];
        for (line, exec, want) in table {
            let df = parse(&format!("FROM a\n{line}\n")).unwrap();
            let cl = match &df.stages[0].commands[0].instruction {
                Instruction::Run(r) => r.cmd.clone(),
                Instruction::Cmd(c) => c.cmd.clone(),
                Instruction::Entrypoint(e) => e.cmd.clone(),
                other => panic!("{other:?}"),
            };
            assert_eq!(cl.is_exec_form(), *exec, "{line}");
            assert_eq!(
                cl.strings(),
                want.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                "{line}"
            );
        }
        let df =
            parse("FROM a\nCOPY [\"a b\", \"/c d/\"]\nVOLUME /a /b\nVOLUME [\"/c\"]\n").unwrap();
        let Instruction::Copy(c) = &df.stages[0].commands[0].instruction else {
            panic!()
        };
        assert_eq!(
            (c.sources[0].text.as_str(), c.dest.text.as_str(), c.json),
            ("a b", "/c d/", true)
        );
        let Instruction::Volume(v) = &df.stages[0].commands[1].instruction else {
            panic!()
        };
        assert_eq!(v.paths.len(), 2);
        assert!(err("FROM a\nCMD [\"echo\", 1]\n")
            .ends_with("arrays must be comprised of strings only"));
    }

    #[test]
    fn run_flags() {
        let df = parse("FROM a\nRUN --mount=type=tmpfs,target=/foo/ --network=none --security=insecure --device=gpu,required --mount=type=secret,id=s echo hello\n").unwrap();
        let Instruction::Run(r) = &df.stages[0].commands[0].instruction else {
            panic!()
        };
        assert_eq!(r.flags_used, vec!["mount", "network", "security", "device"]);
        assert_eq!(r.mounts.len(), 2);
        assert_eq!(r.network, NetworkMode::None);
        assert_eq!(r.security, SecurityMode::Insecure);
        assert_eq!(
            r.devices,
            vec![Device {
                name: "gpu".into(),
                required: true
            }]
        );
        assert_eq!(r.cmd.strings(), vec!["echo hello"]);
        let src = "FROM a\nRUN --mount=type=tmpfs,target=/foo/ echo hello\n";
        let df = parse(src).unwrap();
        let Instruction::Run(r) = &df.stages[0].commands[0].instruction else {
            panic!()
        };
        let m = &r.mounts[0];
        assert_eq!(&src[m.span.start..m.span.end], "type=tmpfs,target=/foo/");
        let mount = parse_mount(&m.text, &mut |v: &str| Ok(v.to_string())).unwrap();
        assert_eq!(mount.mount_type, MountType::Tmpfs);
    }

    #[test]
    fn copy_add_flags() {
        let df = parse("FROM a\nCOPY --link --parents --exclude=*.md --exclude=x --chmod=u+rwx,g=rx --chown=1:1 a b\nADD --checksum=sha256:abc --keep-git-dir=false --unpack=true --link=false https://x/y.tar /z\n").unwrap();
        let Instruction::Copy(c) = &df.stages[0].commands[0].instruction else {
            panic!()
        };
        assert!(c.link && c.parents);
        assert_eq!(
            c.excludes
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>(),
            vec!["*.md", "x"]
        );
        assert_eq!(c.chmod.as_ref().unwrap().text, "u+rwx,g=rx");
        let Instruction::Add(a) = &df.stages[0].commands[1].instruction else {
            panic!()
        };
        assert_eq!(a.checksum.as_ref().unwrap().text, "sha256:abc");
        assert_eq!(
            (a.keep_git_dir, a.unpack, a.link),
            (Some(false), Some(true), false)
        );
        assert!(err("FROM a\nADD --parents a b\n").ends_with("unknown flag: --parents"));
        assert!(err("FROM a\nCOPY --checksum=x a b\n").ends_with("unknown flag: --checksum"));
        assert!(
            err("FROM a\nCOPY --link --link a b\n").ends_with("duplicate flag specified: --link")
        );
        // `--` ends the flags.
        let df = parse("FROM a\nCOPY -- --weird /dst\n").unwrap();
        let Instruction::Copy(c) = &df.stages[0].commands[0].instruction else {
            panic!()
        };
        assert_eq!(c.sources[0].text, "--weird");
    }

    #[test]
    fn flags_ignored_where_the_reference_ignores_them() {
        let df =
            parse("FROM a\nARG --x=1 A\nSTOPSIGNAL --y SIGKILL\nHEALTHCHECK --whatever NONE\n")
                .unwrap();
        assert_eq!(df.warnings.len(), 2);
        assert_eq!(df.warnings[0].message, "flag --x is ignored by ARG");
        assert_eq!(
            (df.warnings[0].start.line, df.warnings[0].start.column),
            (2, 5)
        );
        assert!(err("FROM a\nMAINTAINER --boo joe@example.com\n").ends_with("unknown flag: --boo"));
        assert!(err("FROM a\nEXPOSE --x 80\n").ends_with("unknown flag: --x"));
    }

    #[test]
    fn expose_user_workdir_stopsignal() {
        let df = parse("FROM a\nEXPOSE 80 443/tcp 8000-8010/udp $P\nUSER app:app\nWORKDIR /a b\nSTOPSIGNAL SIGTERM\nMAINTAINER Me <me@x>\n").unwrap();
        let cmds = &df.stages[0].commands;
        let Instruction::Expose(e) = &cmds[0].instruction else {
            panic!()
        };
        assert_eq!(e.ports.len(), 4);
        let Instruction::Workdir(w) = &cmds[2].instruction else {
            panic!()
        };
        assert_eq!(w.path.text, "/a b");
        let Instruction::Maintainer(m) = &cmds[4].instruction else {
            panic!()
        };
        assert_eq!(m.name.text, "Me <me@x>");
    }

    #[test]
    fn errors_carry_the_reference_text() {
        let table = [
            ("FROM scratch\nFNTRYPOINT [\"x\"]\n", "dockerfile parse error on line 2: unknown instruction: FNTRYPOINT (did you mean ENTRYPOINT?)"),
            ("FROM scratch\ncoppy a b\n", "dockerfile parse error on line 2: unknown instruction: coppy (did you mean copy?)"),
            ("FROM a\nRUN --mont=type=cache,target=/x \\\n  true\n", "dockerfile parse error on line 2: unknown flag: --mont (did you mean mount?)"),
            // A multi-line instruction is reported at its first line, as the reference does.
            ("FROM a\nRUN \\\n  --mount=type=cache,from=$X,target=/x x\n", "dockerfile parse error on line 2: 'from' doesn't support variable expansion, define alias stage instead"),
            ("", "file with no instructions"),
        ];
        for (src, want) in table {
            let d = parse(src).unwrap_err();
            assert_eq!(d.reference_text(), want, "{src:?}");
        }
        // Mount keys and types are checked after expansion, not when parsing.
        assert!(parse("FROM a\nARG T=cache\nRUN --mount=type=$T,target=/x x\n").is_ok());
    }

    #[test]
    fn a_trigger_must_be_one_instruction() {
        assert!(parse_trigger("RUN make", "Dockerfile").is_ok());
        for two in ["RUN a\nRUN b", "# comment only\n"] {
            let d = parse_trigger(two, "Dockerfile").unwrap_err();
            assert!(
                [
                    "onbuild trigger should be a single expression",
                    "file with no instructions"
                ]
                .contains(&d.message.as_str()),
                "{two:?}: {}",
                d.message
            );
        }
    }

    #[test]
    fn stage_name_and_casing_checks() {
        let df = parse("From scratch as context\nFROM scratch AS b\nrun true\nRUN true\n").unwrap();
        let got: Vec<(usize, &str, &str)> = df
            .warnings
            .iter()
            .map(|w| (w.start.line, w.rule.unwrap().name, w.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    1,
                    "ReservedStageName",
                    "Stage name should not use the same name as reserved stage \"context\""
                ),
                (
                    1,
                    "ConsistentInstructionCasing",
                    "Command 'From' should match the case of the command majority (uppercase)"
                ),
                (
                    3,
                    "ConsistentInstructionCasing",
                    "Command 'run' should match the case of the command majority (uppercase)"
                ),
            ]
        );
    }

    #[test]
    fn duplicate_stage_names_warn() {
        let df = parse("FROM a AS x\nFROM b AS X\n").unwrap();
        assert_eq!(df.stages.len(), 2);
        let w = &df.warnings[df.warnings.len() - 1];
        assert_eq!(
            (w.start.line, w.message.as_str()),
            (
                2,
                "Duplicate stage name \"x\", stage names should be unique"
            )
        );
    }

    #[test]
    fn lint_warnings() {
        let df =
            parse("FROM a AS Build\nMAINTAINER me\nENV A b\nCMD ['a']\nRUN [\"ok\"]\n").unwrap();
        let got: Vec<String> = df
            .warnings
            .iter()
            .map(|w| format!("{}:{}: {}", w.start.line, w.start.column, w.message))
            .collect();
        assert_eq!(
            got,
            vec![
                "1:11: Stage name 'Build' should be lowercase",
                "2:1: Maintainer instruction is deprecated in favor of using label",
                "4:5: CMD arguments look like a JSON array but are not valid JSON; they run as a shell command",
            ]
        );
    }
}
