//! Node -> typed instruction, one function per instruction, with the reference's argument and
//! flag rules (`instructions/parse.go`) and our spans, labels and hints on every error.

use super::config::HEALTHCHECK_FLAGS;
use super::copy::{ADD_FLAGS, COPY_FLAGS};
use super::flags::{Flag, FlagSpec};
use super::from::parse_from;
use super::lint::{
    definition_description, from_warnings, lint_node, validate_command_casing, validate_stage_names,
};
use super::node_parser::NodeParser;
use super::*;
use crate::syntax::check::under_comments;
use crate::syntax::suggest::search;
use crate::syntax::{LineIndex, Node};

/// Every instruction and the flags it takes: the names "did you mean" suggests, and the
/// instructions a misplaced flag belongs to.
pub(super) const INSTRUCTIONS: &[(&str, &FlagSpec)] = &[
    ("FROM", from::FLAGS),
    ("RUN", run::FLAGS),
    ("COPY", COPY_FLAGS),
    ("ADD", ADD_FLAGS),
    ("HEALTHCHECK", HEALTHCHECK_FLAGS),
    ("ARG", &[]),
    ("CMD", &[]),
    ("ENTRYPOINT", &[]),
    ("ENV", &[]),
    ("EXPOSE", &[]),
    ("LABEL", &[]),
    ("MAINTAINER", &[]),
    ("ONBUILD", &[]),
    ("SHELL", &[]),
    ("STOPSIGNAL", &[]),
    ("USER", &[]),
    ("VOLUME", &[]),
    ("WORKDIR", &[]),
];

/// Parses a Dockerfile into stages. The error (or each warning) is located in `filename`.
pub fn parse_dockerfile(source: &[u8], filename: &str) -> Result<Dockerfile, Diagnostic> {
    parse_dockerfile_reporting(source, filename).map_err(|f| f.error)
}

/// A Dockerfile that does not parse: the error, the warnings given before it (the reference's
/// linter reports them as it parses, so a client sees them before the failure) and the parser
/// directives, which decide which of those warnings count.
#[derive(Clone, Debug)]
pub struct ParseFailure {
    pub error: Diagnostic,
    pub warnings: Vec<Diagnostic>,
    pub directives: Directives,
}

/// What a parse leaves for the build checks however it ends: the Dockerfile or the error, the
/// warnings given on the way (before the error, if any) and the directives that decide which
/// of them count.
pub struct ParseReport {
    pub dockerfile: Result<Dockerfile, Diagnostic>,
    pub warnings: Vec<Diagnostic>,
    pub directives: Directives,
}

/// [`parse_dockerfile_reporting`] as a [`ParseReport`].
pub fn parse_dockerfile_report(source: &[u8], filename: &str) -> ParseReport {
    match parse_dockerfile_reporting(source, filename) {
        Ok(parsed) => ParseReport {
            warnings: parsed.warnings.clone(),
            directives: parsed.directives.clone(),
            dockerfile: Ok(parsed),
        },
        Err(failure) => ParseReport {
            dockerfile: Err(failure.error),
            warnings: failure.warnings,
            directives: failure.directives,
        },
    }
}

/// [`parse_dockerfile`], keeping the warnings given before an error.
pub fn parse_dockerfile_reporting(
    source: &[u8],
    filename: &str,
) -> Result<Dockerfile, Box<ParseFailure>> {
    let parsed = crate::syntax::parse(source, filename).map_err(|error| {
        Box::new(ParseFailure {
            error,
            warnings: Vec::new(),
            directives: Directives::default(),
        })
    })?;
    // Lines are counted only for a file with a finding to locate.
    let index = std::cell::OnceCell::new();
    let index = || index.get_or_init(|| LineIndex::new(source));
    let locate = |warnings: Vec<Diagnostic>| -> Vec<Diagnostic> {
        warnings
            .into_iter()
            .map(|w| {
                if w.filename.is_empty() {
                    w.locate(filename, source, index())
                } else {
                    w
                }
            })
            .collect()
    };
    let mut warnings = parsed.warnings.clone();
    let (meta_args, stages) = match parse_nodes(&parsed.nodes, &mut warnings) {
        Ok(parts) => parts,
        Err(d) => {
            return Err(Box::new(ParseFailure {
                error: d.locate(filename, source, index()),
                warnings: locate(warnings),
                directives: parsed.directives,
            }))
        }
    };
    Ok(Dockerfile {
        filename: filename.to_string(),
        directives: parsed.directives,
        escape_token: parsed.escape_token,
        meta_args,
        stages,
        warnings: locate(warnings),
    })
}

/// Groups parsed nodes into meta ARGs and stages. Errors and warnings are not located yet.
pub fn parse_nodes(
    nodes: &[Node],
    warnings: &mut Vec<Diagnostic>,
) -> Result<(Vec<MetaArg>, Vec<Stage>), Diagnostic> {
    let mut meta_args = Vec::new();
    let mut stages: Vec<Stage> = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        // `ParseInstructionWithLinter`: the checks of one instruction answer to its own
        // `# check=` comment too.
        let given = warnings.len();
        if node.command() == "from" {
            from_warnings(node, warnings);
            let stage = parse_from(node, INSTRUCTIONS).map_err(|d| d.in_instruction(node.span));
            if let Some(name) = stage.as_ref().ok().and_then(|s| s.name.as_deref()) {
                definition_description(node, "FROM", &[name], warnings);
            }
            under_comments(&mut warnings[given..], &node.comments);
            let mut stage = stage?;
            // Sized once: a long Dockerfile's commands are most of what it holds parsed, and a
            // vector grown by doubling is up to half spare.
            let commands = nodes[i + 1..]
                .iter()
                .take_while(|n| !n.keyword.text.eq_ignore_ascii_case("from"));
            stage.commands.reserve_exact(commands.count());
            stages.push(stage);
            continue;
        }
        let command = parse_command_with_warnings(node, warnings);
        under_comments(&mut warnings[given..], &node.comments);
        let command = command.map_err(|d| d.in_instruction(node.span))?;
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
        all_flags: INSTRUCTIONS,
    };
    lint_node(node, warnings);
    let instruction = match node.command().as_str() {
        "run" => Instruction::Run(Box::new(p.run()?)),
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
        "arg" => {
            let arg = p.arg(warnings)?;
            let keys: Vec<&str> = arg.args.iter().map(|a| a.key.text.as_str()).collect();
            definition_description(node, "ARG", &keys, warnings);
            Instruction::Arg(arg)
        }
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
        "healthcheck" => Instruction::Healthcheck(Box::new(p.healthcheck()?)),
        "onbuild" => Instruction::Onbuild(p.onbuild()?),
        "copy" => Instruction::Copy(Box::new(p.copy()?)),
        "add" => Instruction::Add(Box::new(p.add()?)),
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

fn unknown_instruction(node: &Node) -> Diagnostic {
    let word = &node.keyword.text;
    let diagnostic = Diagnostic::error(format!("unknown instruction: {word}"), node.keyword.span)
        .with_label("not a Dockerfile instruction");
    let mut names: Vec<String> = INSTRUCTIONS.iter().map(|(n, _)| n.to_lowercase()).collect();
    names.sort();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    match search(word, &names, false) {
        Some(s) => diagnostic.with_suggestion(Some(s)),
        None => diagnostic.with_hint("instructions are FROM, RUN, COPY, ADD, ENV, ARG, CMD, ENTRYPOINT, WORKDIR, USER, EXPOSE, VOLUME, LABEL, SHELL, HEALTHCHECK, STOPSIGNAL, ONBUILD, MAINTAINER"),
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
