//! COPY and ADD: sources (paths, URLs, heredocs), destination and flags. The arguments both
//! share are one [`CopyArgs`]; each instruction adds its own flags.

use serde::Serialize;

use super::flags::{FlagKind, FlagSpec, FlagValues};
use super::node_parser::NodeParser;
use super::{Diagnostic, Span, Word};
use crate::syntax::heredoc::parse_heredoc_word;

/// The flags COPY and ADD both take.
const SHARED_FLAGS: [(&str, FlagKind); 4] = [
    ("chown", FlagKind::String),
    ("chmod", FlagKind::String),
    ("link", FlagKind::Bool),
    ("exclude", FlagKind::Strings),
];

/// The flags COPY takes.
pub(super) const COPY_FLAGS: &FlagSpec = &[
    SHARED_FLAGS[0],
    ("from", FlagKind::String),
    SHARED_FLAGS[1],
    SHARED_FLAGS[2],
    SHARED_FLAGS[3],
    ("parents", FlagKind::Bool),
];

/// The flags ADD takes.
pub(super) const ADD_FLAGS: &FlagSpec = &[
    SHARED_FLAGS[0],
    SHARED_FLAGS[1],
    SHARED_FLAGS[2],
    ("keep-git-dir", FlagKind::Bool),
    ("checksum", FlagKind::String),
    ("unpack", FlagKind::Bool),
    SHARED_FLAGS[3],
];

/// A COPY/ADD source given inline as a heredoc.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceContent {
    /// The heredoc name, used as the file name.
    pub path: String,
    /// The body, tabs already removed for `<<-`.
    pub data: String,
    /// Expand variables in `data` (the delimiter was unquoted).
    pub expand: bool,
    pub span: Span,
}

/// What COPY and ADD share: sources, destination and the shared flags.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CopyArgs {
    /// Source paths (expanded).
    pub sources: Vec<Word>,
    /// Heredoc sources.
    pub contents: Vec<SourceContent>,
    /// Destination (expanded).
    pub dest: Word,
    /// `--chown` (expanded).
    pub chown: Option<Word>,
    /// `--chmod`, octal or symbolic (expanded).
    pub chmod: Option<Word>,
    pub link: bool,
    /// `--exclude` patterns.
    pub excludes: Vec<Word>,
    /// Arguments were in JSON form.
    pub json: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Copy {
    #[serde(flatten)]
    pub args: CopyArgs,
    /// `--from`: stage name, index or image.
    pub from: Option<Word>,
    pub parents: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Add {
    #[serde(flatten)]
    pub args: CopyArgs,
    /// `--keep-git-dir`, `None` when not given.
    pub keep_git_dir: Option<bool>,
    /// `--checksum` (expanded).
    pub checksum: Option<Word>,
    /// `--unpack`, `None` when not given.
    pub unpack: Option<bool>,
}

impl NodeParser<'_> {
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

    /// The arguments and flags COPY and ADD share, with the flag values of `spec`.
    fn copy_args(&self, spec: &FlagSpec) -> Result<(CopyArgs, FlagValues), Diagnostic> {
        if self.node.args.len() < 2 {
            return Err(self.no_destination());
        }
        let values = self.flags(spec)?;
        let (sources, contents, dest) = self.sources_and_dest()?;
        let args = CopyArgs {
            sources,
            contents,
            dest,
            chown: values.string("chown"),
            chmod: values.string("chmod"),
            link: values.bool("link").unwrap_or(false),
            excludes: values.strings("exclude"),
            json: self.node.json,
        };
        Ok((args, values))
    }

    pub(super) fn copy(&self) -> Result<Copy, Diagnostic> {
        let (args, values) = self.copy_args(COPY_FLAGS)?;
        Ok(Copy {
            args,
            from: values.string("from"),
            parents: values.bool("parents").unwrap_or(false),
        })
    }

    pub(super) fn add(&self) -> Result<Add, Diagnostic> {
        let (args, values) = self.copy_args(ADD_FLAGS)?;
        Ok(Add {
            args,
            keep_git_dir: values.bool("keep-git-dir"),
            checksum: values.string("checksum"),
            unpack: values.bool("unpack"),
        })
    }
}
