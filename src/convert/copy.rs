//! COPY and ADD (convert.go `dispatchCopy`): sources expanded with the stage's env, heredoc
//! sources, `--from` stages, URLs and git repositories with their checksums, `--chmod`/`--chown`,
//! `--parents`, `--link` (a MergeOp when the daemon has it), then one FileOp and its history
//! entry.

use std::sync::Arc;

use crate::instructions::{Add, Command, Copy, CopyArgs};
use crate::syntax::expand::Expander;

use super::context::{display_name, location, report_undefined, step_error, word_span, Context};
use super::git_ref::{is_git_source, is_http_source, parse_git_ref, GitRefError};
use super::graph::{
    CopyMode, CopySpec, FileAction, Fs, GitSpec, LineRange, Op, OpKind, OpMeta, ProgressGroup,
    TakeOnce,
};
use super::state::{SourceStage, StageState, StepResult};
use super::ConvertError;
use crate::go::path::{
    clean_path, join_path, keep_trailing, remove_system_drive, system_normalize_path,
    system_normalize_path_os, to_slash_windows,
};
use crate::go::quote;
use crate::llb::{Chown, UserRef};
use crate::syntax::{rules, Diagnostic};

/// COPY. `source` is the filesystem of the stage `--from` names, with whether that stage is
/// already converted; `None` copies from the build context.
pub(super) fn convert_copy(
    st: &mut StageState,
    cmd: &Command,
    c: &Copy,
    source: Option<&SourceStage>,
    ctx: &Context,
) -> Result<(), ConvertError> {
    let err = |msg: String| step_error(cmd, msg);
    let source_stage = source;
    let (source, from_context) = match source {
        Some(SourceStage { fs, dispatched, .. }) => {
            if !dispatched {
                let from = c.from.as_ref().map(|w| w.text.as_str()).unwrap_or_default();
                return Err(err(format!(
                    "cannot copy from stage {from:?}, it needs to be defined before current stage {:?}",
                    ctx.stage_name
                )));
            }
            (fs.clone(), false)
        }
        None => (Some(Arc::clone(ctx.main_context)), true),
    };
    let (req, _) = copy_request(st, cmd, false, &c.args, None, ctx)?;
    let sources = req.sources.clone();
    let ignored = if from_context {
        ignored_sources(st, cmd, false, &c.args, &req.sources, ctx)
    } else {
        Vec::new()
    };
    st.copy(CopyRequest {
        source,
        from_context,
        parents: c.parents,
        link: c.args.link,
        merge_supported: ctx.supports("mergeop"),
        location: location(cmd),
        ..req
    })
    .map_err(err)?;
    if let Some(from) = source_stage {
        for src in &sources {
            from.read(join_path("/", src));
        }
    }
    st.warnings.extend(ignored);
    Ok(())
}

/// ADD: like COPY from the context, plus URL and git sources with `--checksum`,
/// `--keep-git-dir` and `--unpack`.
pub(super) fn convert_add(
    st: &mut StageState,
    cmd: &Command,
    a: &Add,
    ctx: &Context,
) -> Result<(), ConvertError> {
    let err = |msg: String| step_error(cmd, msg);
    // `AddCommand.Expand`: --chown, --chmod, --checksum, then sources and destination.
    let (req, checksum) = copy_request(st, cmd, true, &a.args, a.checksum.as_ref(), ctx)?;
    let ignored = ignored_sources(st, cmd, true, &a.args, &req.sources, ctx);
    st.copy(CopyRequest {
        source: Some(Arc::clone(ctx.main_context)),
        from_context: true,
        unpack: a.unpack,
        checksum: checksum.filter(|c| !c.is_empty()),
        keep_git_dir: a.keep_git_dir,
        git_advice: ctx.git_advice,
        link: a.args.link,
        merge_supported: ctx.supports("mergeop"),
        location: location(cmd),
        ..req
    })
    .map_err(err)?;
    st.warnings.extend(ignored);
    Ok(())
}

/// CopyIgnoredFile (`validateCopySourcePath`): the local sources, expanded and cleaned, that
/// the context's `.dockerignore` excludes. Given once the step is known to be valid, as the
/// reference checks them after the step's flags. Nothing is checked when a pattern is a `!`
/// exclusion (a file it keeps inside an excluded directory cannot be told from the patterns),
/// and the context root only when a pattern excludes everything in it.
fn ignored_sources(
    st: &StageState,
    cmd: &Command,
    is_add: bool,
    args: &CopyArgs,
    sources: &[String],
    ctx: &Context,
) -> Vec<Diagnostic> {
    let Some(matcher) = ctx.dockerignore.filter(|m| !m.exclusions()) else {
        return Vec::new();
    };
    let root_ignored = matcher
        .patterns()
        .iter()
        .any(|p| !p.exclusion() && matches!(p.as_str(), "*" | "**" | "**/*"));
    let verb = if is_add { "Add" } else { "Copy" };
    let mut warnings = Vec::new();
    for (word, src) in args.sources.iter().zip(sources) {
        // Only local sources: not a git repository, not a download (dispatchCopy's last branch).
        let remote = is_http_source(src)
            || matches!(parse_git_ref(src), Ok(g) if !g.indistinguishable_from_local);
        if remote {
            continue;
        }
        let src = clean_path(src);
        if matches!(src.as_str(), "." | "/") && !root_ignored {
            continue;
        }
        // A pattern that does not compile only drops the check, as in the reference.
        if matcher.matches_or_parent_matches(&src) == Ok(true) {
            warnings.push(
                Diagnostic::warning(
                    format!(
                        "Attempting to {verb} file {} that is excluded by .dockerignore",
                        crate::go::quote(&src)
                    ),
                    word_span(st, cmd, word.span),
                )
                .with_rule(&rules::COPY_IGNORED_FILE, cmd.span)
                .with_label("excluded by .dockerignore")
                .with_hint("remove the pattern from .dockerignore, or do not copy this path"),
            );
        }
    }
    warnings
}

/// The expanded form of what COPY and ADD share, and ADD's `--checksum`, expanded in the
/// reference's order (`CopyCommand.Expand`, `AddCommand.Expand`, then `ExpandRaw`), which is
/// the order their UndefinedVar warnings come in.
fn copy_request(
    st: &mut StageState,
    cmd: &Command,
    is_add: bool,
    args: &CopyArgs,
    checksum: Option<&crate::instructions::Word>,
    ctx: &Context,
) -> Result<(CopyRequest, Option<String>), ConvertError> {
    let optional = |st: &mut StageState, w: Option<&crate::instructions::Word>| {
        w.map(|w| ctx.word(st, cmd, w)).transpose()
    };
    let chown = optional(st, args.chown.as_ref())?.filter(|s| !s.is_empty());
    let chmod = optional(st, args.chmod.as_ref())?.filter(|s| !s.is_empty());
    let checksum = optional(st, checksum)?;
    let mut srcs = Vec::with_capacity(args.sources.len());
    for s in &args.sources {
        srcs.push(ctx.word(st, cmd, s)?);
    }
    let dest = ctx.word(st, cmd, &args.dest)?;
    // Heredoc bodies expand with `\` as escape and quotes kept (`ExpandRaw`).
    let raw = Expander::new('\\').skip_quotes(true);
    let mut inline = Vec::with_capacity(args.contents.len());
    for c in &args.contents {
        let data = if c.expand {
            let e = raw
                .expand_word(&c.data, &st.env)
                .map_err(|e| ConvertError::at(e.to_string(), cmd.lines, Some(c.span)))?;
            report_undefined(st, cmd, &e.unset);
            e.value
        } else {
            c.data.clone()
        };
        inline.push((c.path.clone(), data));
    }
    let request = CopyRequest {
        is_add,
        sources: srcs,
        contents: inline,
        raw_dest: dest.clone(),
        dest,
        chown,
        chmod,
        excludes: args.excludes.iter().map(|w| w.text.clone()).collect(),
        display: display_name(ctx.expander, cmd.source_code(), &st.env),
        ..CopyRequest::default()
    };
    Ok((request, checksum))
}

/// What a COPY or ADD asks for, expanded.
#[derive(Debug, Clone, Default)]
pub(crate) struct CopyRequest {
    pub is_add: bool,
    pub source: Fs,
    /// True when `source` is the build context (its paths feed `local.followpaths`).
    pub from_context: bool,
    pub sources: Vec<String>,
    /// Heredoc sources: (file name, content).
    pub contents: Vec<(String, String)>,
    /// DEST as written (after expansion), for the history.
    pub raw_dest: String,
    pub dest: String,
    pub chown: Option<String>,
    pub chmod: Option<String>,
    pub excludes: Vec<String>,
    pub parents: bool,
    pub unpack: Option<bool>,
    /// ADD `--checksum` of a URL or git source.
    pub checksum: Option<String>,
    /// ADD `--keep-git-dir`.
    pub keep_git_dir: Option<bool>,
    /// `BUILDKIT_GIT_ADVICE`: git sources get `git.advice`.
    pub git_advice: bool,
    /// `--link`.
    pub link: bool,
    /// The daemon supports MergeOp (the `mergeop` LLB cap), which `--link` needs.
    pub merge_supported: bool,
    /// Progress text (`COPY src dest` with variables expanded).
    pub display: String,
    pub location: Option<LineRange>,
}

impl StageState {
    /// COPY / ADD of local paths from `source` (the context or another stage's filesystem).
    pub fn copy(&mut self, req: CopyRequest) -> StepResult {
        let dest = path_relative_to_working_dir(&self.dir, &req.dest, &self.platform.os)?;
        let owner = req
            .chown
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(Chown::parse);
        // A linked layer starts empty, so it has no /etc/passwd or /etc/group to resolve names
        // in: the reference refuses them whatever the daemon supports (frontend 1.28).
        if let (true, Some(by_name), Some(chown)) = (req.link, &owner, &req.chown) {
            let named = |u: &Option<UserRef>| matches!(u, Some(UserRef::Name(n)) if !n.is_empty());
            if named(&by_name.user) || named(&by_name.group) {
                return Err(format!(
                    "--chown={chown}: user and group names can't be resolved when used with --link, use numeric uid[:gid] instead"
                ));
            }
        }
        let mode = match &req.chmod {
            Some(c) => Some(parse_chmod(c)?),
            None => None,
        };
        if req.checksum.is_some() {
            if req.sources.len() != 1 {
                return Err("checksum can't be specified for multiple sources".to_string());
            }
            if !is_http_source(&req.sources[0]) && !is_git_source(&req.sources[0]) {
                return Err("checksum requires HTTP(S) or Git sources".to_string());
            }
        }

        let mut message = String::from(if req.is_add { "ADD" } else { "COPY" });
        if req.parents {
            message.push_str(" --parents");
        }
        if let Some(c) = req.chown.as_deref().filter(|c| !c.is_empty()) {
            message.push_str(&format!(" --chown={c}"));
        }
        if let Some(c) = &req.chmod {
            message.push_str(&format!(" --chmod={c}"));
        }
        let platform = self.platform.clone();
        let name = self.progress_name_for(&req.display, Some(&platform));

        // One file another op makes (a download, an inline document): copied as it is, with no
        // wildcards and no directory contents.
        let single_file = |source: std::sync::Arc<Op>, src: String, attempt_unpack: bool| {
            FileAction::Copy(Box::new(CopySpec {
                source: Some(source),
                src,
                dest: dest.clone(),
                owner: owner.clone(),
                mode: mode.clone(),
                follow_symlink: false,
                dir_copy_contents: false,
                attempt_unpack,
                create_dest_path: true,
                allow_wildcard: false,
                allow_empty_wildcard: false,
                include_patterns: Vec::new(),
                exclude_patterns: req.excludes.clone(),
                required_paths: Vec::new(),
                timestamp: None,
            }))
        };
        let mut actions = Vec::with_capacity(req.sources.len() + req.contents.len());
        // A git source's own keep-git-dir and checksum carry over to the sources after it, as
        // in the reference (it updates its copy config in place).
        let mut keep_git_dir = req.keep_git_dir;
        let mut checksum = req.checksum.clone();
        for src in &req.sources {
            message.push(' ');
            message.push_str(src);
            match parse_git_ref(src) {
                Err(GitRefError::Invalid(e)) => return Err(e),
                Ok(git) if !git.indistinguishable_from_local => {
                    if !req.is_add {
                        return Err("source can't be a git ref for COPY".to_string());
                    }
                    if let (Some(flag), Some(query)) = (keep_git_dir, git.keep_git_dir) {
                        if flag != query {
                            return Err("inconsistent keep-git-dir configuration".to_string());
                        }
                    }
                    keep_git_dir = git.keep_git_dir.or(keep_git_dir);
                    if let Some(c) = checksum.as_ref().filter(|_| !git.checksum.is_empty()) {
                        if *c != git.checksum {
                            return Err(format!(
                                "checksum mismatch {} != {}",
                                quote(c),
                                quote(&git.checksum)
                            ));
                        }
                    }
                    if !git.checksum.is_empty() {
                        checksum = Some(git.checksum.clone());
                    }
                    let source = Op::new(
                        OpKind::Git(Box::new(GitSpec {
                            remote: git.remote,
                            git_ref: git.git_ref,
                            subdir: git.subdir,
                            keep_git_dir: keep_git_dir == Some(true),
                            checksum: checksum.clone(),
                            skip_submodules: git.submodules == Some(false),
                            fetch_by_commit: git.fetch_by_commit,
                            // ADD keeps the checkout's times whatever the URL says.
                            mtime: String::new(),
                            advice: req.git_advice,
                        })),
                        OpMeta {
                            custom_name: Some(name.clone()),
                            ..OpMeta::default()
                        },
                    );
                    actions.push(single_file(source, "/".to_string(), false));
                    continue;
                }
                _ => {}
            }
            if is_http_source(src) {
                if !req.is_add {
                    return Err("source can't be a URL for COPY".to_string());
                }
                // ADD <url>: download to a file named after the URL's path, never unpacked
                // unless --unpack says so. The checksum is parsed here, as the reference does
                // (`digest.Parse`, a located error), not left to the daemon's source resolver.
                if let Some(c) = &checksum {
                    super::reference::parse_digest(c).map_err(|e| e.to_string())?;
                }
                let filename = url_file_name(src);
                let http = Op::new(
                    OpKind::Http {
                        url: src.clone(),
                        filename: filename.clone(),
                        checksum: checksum.clone(),
                    },
                    OpMeta {
                        custom_name: Some(name.clone()),
                        dockerfile_command: Some(String::new()),
                        ..OpMeta::default()
                    },
                );
                actions.push(single_file(
                    http,
                    join_path("/", &filename),
                    req.unpack.unwrap_or(false),
                ));
                continue;
            }
            let (src_path, include_patterns, required_paths) = if req.parents {
                parents_source(src)
            } else {
                (join_path("/", src), Vec::new(), Vec::new())
            };
            actions.push(FileAction::Copy(Box::new(CopySpec {
                source: req.source.clone(),
                src: src_path,
                dest: dest.clone(),
                owner: owner.clone(),
                mode: mode.clone(),
                follow_symlink: true,
                dir_copy_contents: true,
                attempt_unpack: req.unpack.unwrap_or(req.is_add),
                create_dest_path: true,
                allow_wildcard: true,
                allow_empty_wildcard: true,
                include_patterns,
                exclude_patterns: req.excludes.clone(),
                required_paths,
                timestamp: None,
            })));
        }
        for (path, data) in &req.contents {
            message.push_str(&format!(" <<{path}"));
            let inline = Op::new(
                OpKind::File {
                    base: None,
                    actions: TakeOnce::new(vec![FileAction::Mkfile {
                        path: join_path("/", path),
                        mode: 0o644,
                        data: data.clone().into_bytes(),
                        owner: None,
                        timestamp: None,
                    }]),
                },
                OpMeta {
                    custom_name: Some("[internal] preparing inline document".to_string()),
                    ..OpMeta::default()
                },
            );
            actions.push(single_file(inline, join_path("/", path), false));
        }
        message.push(' ');
        message.push_str(&req.raw_dest);

        let meta = OpMeta {
            custom_name: Some(name.clone()),
            dockerfile_command: None,
            ignore_cache: self.ignore_cache,
            location: req.location,
            progress_group: None,
        };
        if req.link && req.merge_supported && req.chmod.is_none() {
            // COPY --link: copy onto scratch and merge the result over the stage, both ops in
            // one progress group; the names reuse this step's index (convert.go dispatchCopy).
            // The reference's group id is random; ours is derived from the step for stable output.
            let id = link_group_id(&self.progress_name, self.cmd_index, &name);
            let copy = Op::new(
                OpKind::File {
                    base: None,
                    actions: TakeOnce::new(actions),
                },
                OpMeta {
                    progress_group: Some(ProgressGroup {
                        id: id.clone(),
                        name: name.clone(),
                        weak: true,
                    }),
                    ..meta.clone()
                },
            );
            let link_name =
                self.progress_name_again(&format!("LINK {}", req.display), Some(&platform));
            let merge_meta = OpMeta {
                custom_name: Some(link_name),
                progress_group: Some(ProgressGroup {
                    id,
                    name,
                    weak: false,
                }),
                ..meta
            };
            self.fs = Some(Op::new(
                OpKind::Merge {
                    inputs: vec![self.fs.clone(), Some(copy)],
                },
                merge_meta,
            ));
        } else {
            self.fs = Some(Op::new(
                OpKind::File {
                    base: self.fs.clone(),
                    actions: TakeOnce::new(actions),
                },
                meta,
            ));
        }
        if req.from_context {
            // ADD leaves out every http(s) source, git repositories included, and no other.
            let remote = |s: &str| s.starts_with("http://") || s.starts_with("https://");
            for src in req.sources.iter().filter(|s| !(req.is_add && remote(s))) {
                self.context_paths.insert(join_path("/", src));
            }
        }
        self.commit(message, true, true);
        Ok(())
    }
}

/// The file name ADD gives a download: `path.Base` of the URL's path, else `__unnamed__`.
pub(crate) fn url_file_name(src: &str) -> String {
    let Ok(u) = crate::go::url::parse(src) else {
        return "__unnamed__".to_string();
    };
    let trimmed = u.path.trim_end_matches('/');
    match trimmed.rsplit('/').next().unwrap_or("") {
        "" | "." => "__unnamed__".to_string(),
        base => base.to_string(),
    }
}

/// A stable progress-group id for a `COPY --link` step.
fn link_group_id(stage: &str, index: usize, name: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{stage}\0{index}\0{name}").as_bytes());
    digest
        .iter()
        .take(13)
        .map(|b| format!("{b:02x}"))
        .collect::<String>()[..25]
        .to_string()
}

/// `--chmod`: octal up to 07777, else a symbolic mode (dchapes-mode syntax).
fn parse_chmod(c: &str) -> StepResult<CopyMode> {
    let non_octal = || {
        format!("invalid chmod parameter: '{c}'. it should be octal string and between 0 and 07777")
    };
    // dchapes/mode reads a value that starts with a digit as octal, so "64a" or "8" fail as
    // numbers, and the reference reports those with the octal message too.
    if c.starts_with(|ch: char| ch.is_ascii_digit()) {
        let v = u32::from_str_radix(c, 8).map_err(|_| non_octal())?;
        if v > 0o7777 {
            return Err(non_octal());
        }
        return Ok(CopyMode::Octal(v));
    }
    if valid_symbolic_mode(c) {
        Ok(CopyMode::Symbolic(c.to_string()))
    } else {
        Err(format!("invalid chmod parameter: '{c}'"))
    }
}

/// `[ugoa]*[+-=]([rwxXst]*|[ugo])` clauses separated by commas.
fn valid_symbolic_mode(s: &str) -> bool {
    !s.is_empty()
        && s.split(',').all(|clause| {
            let rest = clause.trim_start_matches(['u', 'g', 'o', 'a']);
            if rest.is_empty() {
                return false;
            }
            let mut chars = rest.chars().peekable();
            let mut any_op = false;
            while let Some(op) = chars.next() {
                if !matches!(op, '+' | '-' | '=') {
                    return false;
                }
                any_op = true;
                while let Some(&c) = chars.peek() {
                    if matches!(c, 'r' | 'w' | 'x' | 'X' | 's' | 't' | 'u' | 'g' | 'o') {
                        chars.next();
                    } else {
                        break;
                    }
                }
            }
            any_op
        })
}

/// `COPY --parents`: the part before `/./` is the copied root, the rest an include pattern.
fn parents_source(src: &str) -> (String, Vec<String>, Vec<String>) {
    let (root, pattern) = match src.split_once("/./") {
        Some((parent, pattern)) => (parent.to_string(), pattern.to_string()),
        None => ("/".to_string(), src.to_string()),
    };
    let pattern = system_normalize_path("/", &pattern, false);
    let required = if !contains_wildcards(&root) && !contains_wildcards(&pattern) {
        vec![join_path("/", &format!("{root}/{pattern}"))]
    } else {
        Vec::new()
    };
    let root = clean_path(&system_normalize_path("/", &root, false));
    (
        root,
        vec![pattern.trim_start_matches('/').to_string()],
        required,
    )
}

fn contains_wildcards(name: &str) -> bool {
    let b = name.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'*' | b'?' | b'[' => return true,
            b'\\' => i += 1,
            _ => {}
        }
        i += 1;
    }
    false
}

/// `pathRelativeToWorkingDir` then the LLB client's `normalizePath(dir, dest, true)`: the COPY
/// destination as sent (cleaned, absolute, trailing slash kept).
/// On Windows a `C:` drive is removed first and backslashes are separators.
pub(crate) fn path_relative_to_working_dir(
    dir: &str,
    dest: &str,
    os: &str,
) -> Result<String, String> {
    if os == "windows" {
        let p = remove_system_drive(&to_slash_windows(dest), true)
            .map_err(|e| format!("removing drive letter: {e}"))?;
        let (base, d) = if p.starts_with('/') {
            ("/", p.as_str())
        } else if p.is_empty() || p == "." {
            (dir, "./")
        } else {
            (dir, p.as_str())
        };
        let p = system_normalize_path_os(base, d, os, true)?;
        return Ok(keep_trailing(&p, clean_path(&p)));
    }
    Ok(path_relative_to_working_dir_linux(dir, dest))
}

fn path_relative_to_working_dir_linux(dir: &str, dest: &str) -> String {
    let p = if dest.starts_with('/') {
        dest.to_string()
    } else {
        let d = if dest.is_empty() || dest == "." {
            "./"
        } else {
            dest
        };
        system_normalize_path(dir, d, true)
    };
    keep_trailing(&p, clean_path(&p))
}

#[cfg(test)]
mod tests {
    use super::super::state::test_stage;
    use super::*;

    #[test]
    fn copy_dest_semantics() {
        assert_eq!(path_relative_to_working_dir_linux("/app", "./"), "/app/");
        assert_eq!(path_relative_to_working_dir_linux("/app", "."), "/app/");
        assert_eq!(path_relative_to_working_dir_linux("/app", ""), "/app/");
        assert_eq!(path_relative_to_working_dir_linux("/app", "x"), "/app/x");
        assert_eq!(path_relative_to_working_dir_linux("/app", "x/"), "/app/x/");
        assert_eq!(
            path_relative_to_working_dir_linux("/app", "/abs//y/"),
            "/abs/y/"
        );
        assert_eq!(path_relative_to_working_dir_linux("/", "."), "/");
        assert_eq!(
            path_relative_to_working_dir_linux("/app", "x/."),
            "/app/x/."
        );
    }

    #[test]
    fn copy_builds_one_file_op_with_reference_flags() {
        let mut s = test_stage();
        s.dir = "/app".into();
        s.cmd_total = 1;
        s.copy(CopyRequest {
            sources: vec!["package*.json".into()],
            raw_dest: "./".into(),
            dest: "./".into(),
            chown: Some("node:node".into()),
            from_context: true,
            display: "COPY --chown=node:node package*.json ./".into(),
            ..CopyRequest::default()
        })
        .unwrap();
        let Some(op) = &s.fs else { panic!() };
        assert_eq!(
            op.meta.custom_name.as_deref(),
            Some("[build 1/1] COPY --chown=node:node package*.json ./")
        );
        let OpKind::File { actions, .. } = &op.kind else {
            panic!()
        };
        let actions = actions.take().unwrap();
        let FileAction::Copy(c) = &actions[0] else {
            panic!()
        };
        assert_eq!(
            (c.src.as_str(), c.dest.as_str()),
            ("/package*.json", "/app/")
        );
        assert!(
            c.allow_wildcard
                && c.allow_empty_wildcard
                && c.dir_copy_contents
                && c.follow_symlink
                && c.create_dest_path
        );
        assert!(!c.attempt_unpack);
        assert_eq!(
            s.image.history[0].created_by,
            "COPY --chown=node:node package*.json ./ # buildkit"
        );
        assert!(s.context_paths.contains("/package*.json"));
    }

    #[test]
    fn add_url_file_names() {
        assert_eq!(
            url_file_name("https://example.com/pkg/app.tar.gz?x=1#frag"),
            "app.tar.gz"
        );
        assert_eq!(url_file_name("https://example.com/"), "__unnamed__");
        assert_eq!(url_file_name("https://example.com"), "__unnamed__");
        assert_eq!(url_file_name("http://h/dir/"), "dir");
        assert_eq!(url_file_name("https://h/a%20b.txt"), "a b.txt");
        assert_eq!(url_file_name("https://h:x/a"), "__unnamed__");
        assert!(is_http_source("https://example.com/a"));
        assert!(!is_http_source("https://github.com/moby/buildkit.git"));
        assert!(!is_http_source("./local"));
    }

    #[test]
    fn chmod_forms() {
        assert_eq!(parse_chmod("755").unwrap(), CopyMode::Octal(0o755));
        assert_eq!(
            parse_chmod("u+x,g-w").unwrap(),
            CopyMode::Symbolic("u+x,g-w".into())
        );
        assert!(parse_chmod("99999").is_err());
        assert!(parse_chmod("8").is_err());
        assert!(parse_chmod("bogus").is_err());
        for numeric in ["64a", "8", "10000"] {
            assert_eq!(
                parse_chmod(numeric).unwrap_err(),
                format!("invalid chmod parameter: '{numeric}'. it should be octal string and between 0 and 07777")
            );
        }
    }
}
