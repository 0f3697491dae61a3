//! From a typed instruction to a [`StageState`] update: expand the words the reference expands,
//! with the stage's env at that point (convert.go `dispatch`), build the progress text, then call
//! the matching `dispatch` function. Errors are located at the instruction.

use crate::syntax::{rules, Diagnostic, Span};
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::instructions::{self as ins, Command, Instruction, MountType, Word};
use crate::llb::clean_path;
use crate::syntax::expand::{Env, Expander};
use crate::syntax::heredoc::parse_heredoc_word;

use super::dispatch::{join_path, CopyRequest, RunDefaults, StageState};
use super::env::EnvList;
use super::expose::parse_ports;
use super::graph::{
    CacheSharing, FileAction, Fs, LineRange, MountKind, MountSpec, NetMode, Op, OpKind, OpMeta,
    SecurityMode,
};
use super::image::Healthcheck;
use super::platform::Platform;
use super::ConvertError;

/// What every instruction of a build may need besides its stage.
pub(crate) struct Context<'a> {
    pub expander: &'a Expander,
    pub global_args: &'a EnvList,
    pub build_args: &'a BTreeMap<String, String>,
    pub run_defaults: &'a RunDefaults,
    pub target_platform: &'a Platform,
    pub main_context: &'a Arc<Op>,
    pub stage_name: &'a str,
    pub cache_mount_ns: &'a str,
    /// LLB caps of the daemon; `None` when unknown.
    pub llb_caps: Option<&'a std::collections::BTreeSet<String>>,
}

impl Context<'_> {
    /// Whether the daemon has an LLB cap (unknown caps count as missing, as the reference
    /// does without a cap set).
    pub fn supports(&self, cap: &str) -> bool {
        self.llb_caps.is_some_and(|caps| caps.contains(cap))
    }
}

impl Env for EnvList {
    fn get(&self, name: &str) -> Option<&str> {
        EnvList::get(self, name)
    }
}

/// Dispatch one command. `sources` are the filesystems of the stages its `--from`s name, in
/// order, each with whether that stage is already dispatched.
pub(crate) fn dispatch(
    st: &mut StageState,
    cmd: &Command,
    sources: &[(Fs, bool)],
    ctx: &Context,
) -> Result<(), ConvertError> {
    let err = |msg: String| ConvertError::at(msg, cmd.lines, Some(cmd.span));
    let word = |st: &StageState, w: &Word| -> Result<String, ConvertError> {
        ctx.expander
            .expand_word(&w.text, &st.env)
            .map(|e| e.value)
            .map_err(|e| ConvertError::at(e.to_string(), cmd.lines, Some(w.span)))
    };
    let location = Some(LineRange {
        start: cmd.lines.start as u32,
        end: cmd.lines.end as u32,
    });
    match &cmd.instruction {
        Instruction::Env(e) => {
            let pairs = expand_pairs(st, &e.pairs, &word)?;
            for (raw, (key, _)) in e.pairs.iter().zip(&pairs) {
                legacy_key_value_warning(st, cmd, raw);
                secret_key_warning(st, cmd, "ENV", key);
            }
            st.env_instruction(&pairs);
        }
        Instruction::Label(l) => {
            let pairs = expand_pairs(st, &l.pairs, &word)?;
            for raw in &l.pairs {
                legacy_key_value_warning(st, cmd, raw);
            }
            st.label(&pairs);
        }
        Instruction::Arg(a) => {
            let mut resolved = Vec::with_capacity(a.args.len());
            for def in &a.args {
                secret_key_warning(st, cmd, "ARG", &def.key.text);
                let key = def.key.text.clone();
                let value = if let Some(v) = ctx.build_args.get(&key) {
                    Some(v.clone())
                } else if let Some(default) = &def.value {
                    Some(word(st, default)?)
                } else {
                    ctx.global_args.get(&key).map(str::to_string)
                };
                resolved.push((key, value));
            }
            st.arg_instruction(&resolved);
        }
        Instruction::Workdir(w) => {
            let path = word(st, &w.path)?;
            if !st.workdir_set && !is_abs(&path, &st.platform.os) {
                st.warnings.push(
                    Diagnostic::warning(
                        format!(
                            "Relative workdir {} can have unexpected results if the base image changes",
                            crate::go::quote(&path)
                        ),
                        word_span(st, cmd, w.path.span),
                    )
                    .with_rule(&rules::WORKDIR_RELATIVE_PATH, cmd.span),
                );
            }
            st.workdir_set = true;
            let display = display_name(ctx.expander, cmd.source_code(), &st.env);
            st.workdir(&path, &display, location);
        }
        Instruction::User(u) => {
            let user = word(st, &u.user)?;
            st.user_instruction(&user);
        }
        Instruction::Volume(v) => {
            let mut paths = Vec::with_capacity(v.paths.len());
            for p in &v.paths {
                paths.push(word(st, p)?);
            }
            st.volume(paths).map_err(err)?;
        }
        Instruction::StopSignal(s) => {
            let signal = word(st, &s.signal)?;
            st.stop_signal(&signal).map_err(err)?;
        }
        Instruction::Expose(e) => {
            let mut ports = Vec::new();
            // The reference sorts the words as written, before expansion (parseExpose).
            let mut words: Vec<&Word> = e.ports.iter().collect();
            words.sort_by(|a, b| a.text.cmp(&b.text));
            for p in words {
                let words = ctx
                    .expander
                    .expand_words(&p.text, &st.env)
                    .map_err(|x| ConvertError::at(x.to_string(), cmd.lines, Some(p.span)))?;
                ports.extend(words);
            }
            for port in &ports {
                for (rule, message) in super::expose::port_warnings(port) {
                    st.warnings
                        .push(Diagnostic::warning(message, cmd.span).with_rule(rule, cmd.span));
                }
            }
            let ports = parse_ports(&ports).map_err(err)?;
            st.expose(ports);
        }
        Instruction::Maintainer(m) => st.maintainer(&m.name.text),
        Instruction::Onbuild(o) => st.onbuild(&o.expression),
        Instruction::Shell(s) => st.shell(s.shell.iter().map(|w| w.text.clone()).collect()),
        Instruction::Cmd(c) => {
            used_once(st, cmd, |st| &mut st.cmd_at);
            json_args_recommended(st, cmd, &c.cmd);
            let args = command_line(st, &c.cmd);
            st.cmd(args);
        }
        Instruction::Entrypoint(e) => {
            used_once(st, cmd, |st| &mut st.entrypoint_at);
            json_args_recommended(st, cmd, &e.cmd);
            let args = command_line(st, &e.cmd);
            st.entrypoint(args);
        }
        Instruction::Healthcheck(h) => {
            used_once(st, cmd, |st| &mut st.healthcheck_at);
            st.healthcheck(healthcheck(h));
        }
        Instruction::Run(r) => dispatch_run(st, cmd, r, sources, ctx, location)?,
        Instruction::Copy(c) => {
            let (source, from_context) = match sources.first() {
                Some((fs, dispatched)) => {
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
            let req = copy_request(
                st,
                cmd,
                false,
                &c.sources,
                &c.contents,
                &c.dest,
                c.chown.as_ref(),
                c.chmod.as_ref(),
                &c.excludes,
                &word,
                ctx,
            )?;
            st.copy(CopyRequest {
                source,
                from_context,
                parents: c.parents,
                link: c.link,
                merge_supported: ctx.supports("mergeop"),
                location,
                ..req
            })
            .map_err(err)?;
        }
        Instruction::Add(a) => {
            let req = copy_request(
                st,
                cmd,
                true,
                &a.sources,
                &a.contents,
                &a.dest,
                a.chown.as_ref(),
                a.chmod.as_ref(),
                &a.excludes,
                &word,
                ctx,
            )?;
            // Sources are classified after expansion (`ADD ${LINK} /x`), as in the reference.
            for t in &req.sources {
                let git = t.starts_with("git@")
                    || t.starts_with("git://")
                    || (t.contains("://")
                        && !super::dispatch::is_http_source(t)
                        && t.starts_with("http"));
                if git {
                    return Err(err(format!(
                        "ADD from a git repository is not supported yet: {t}"
                    )));
                }
            }
            let checksum = a
                .checksum
                .as_ref()
                .map(|w| word(st, w))
                .transpose()?
                .filter(|c| !c.is_empty());
            if checksum.is_some() {
                if req.sources.len() != 1 {
                    return Err(err(
                        "checksum can't be specified for multiple sources".to_string()
                    ));
                }
                if !super::dispatch::is_http_source(&req.sources[0]) {
                    return Err(err("checksum requires HTTP(S) or Git sources".to_string()));
                }
            }
            st.copy(CopyRequest {
                source: Some(Arc::clone(ctx.main_context)),
                from_context: true,
                unpack: a.unpack,
                checksum,
                link: a.link,
                merge_supported: ctx.supports("mergeop"),
                location,
                ..req
            })
            .map_err(err)?;
        }
    }
    Ok(())
}

type WordFn<'w> = dyn Fn(&StageState, &Word) -> Result<String, ConvertError> + 'w;

fn expand_pairs(
    st: &StageState,
    pairs: &[ins::KeyValue],
    word: &WordFn,
) -> Result<Vec<(String, String)>, ConvertError> {
    // Every pair is expanded before any is set: `ENV A=1 B=$A` sees the old A.
    pairs
        .iter()
        .map(|p| Ok((word(st, &p.key)?, word(st, &p.value)?)))
        .collect()
}

/// `processCmdEnv` + `uppercaseCmd`: the instruction text with variables expanded (left as
/// written when expansion fails), keyword upper-cased.
fn display_name(expander: &Expander, text: &str, env: &dyn Env) -> String {
    let expanded = expander
        .expand_word(text, env)
        .map(|e| e.value)
        .unwrap_or_else(|_| text.to_string());
    uppercase_cmd(&expanded)
}

fn uppercase_cmd(s: &str) -> String {
    match s.split_once(' ') {
        Some((first, rest)) => format!("{} {rest}", first.to_uppercase()),
        None => s.to_uppercase(),
    }
}

fn command_line(st: &StageState, cmd: &ins::CommandLine) -> Vec<String> {
    let args = cmd.strings();
    if cmd.prepend_shell {
        st.with_shell(&args)
    } else {
        args
    }
}

fn healthcheck(h: &ins::Healthcheck) -> Healthcheck {
    let ns = |d: std::time::Duration| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX);
    Healthcheck {
        test: h.test.clone(),
        interval: ns(h.interval),
        timeout: ns(h.timeout),
        start_period: ns(h.start_period),
        start_interval: ns(h.start_interval),
        retries: h.retries,
    }
}

#[allow(clippy::too_many_arguments)]
fn copy_request(
    st: &StageState,
    cmd: &Command,
    is_add: bool,
    sources: &[Word],
    contents: &[ins::SourceContent],
    dest: &Word,
    chown: Option<&Word>,
    chmod: Option<&Word>,
    excludes: &[Word],
    word: &WordFn,
    ctx: &Context,
) -> Result<CopyRequest, ConvertError> {
    let mut srcs = Vec::with_capacity(sources.len());
    for s in sources {
        srcs.push(word(st, s)?);
    }
    let dest = word(st, dest)?;
    let chown = chown
        .map(|w| word(st, w))
        .transpose()?
        .filter(|s| !s.is_empty());
    let chmod = chmod
        .map(|w| word(st, w))
        .transpose()?
        .filter(|s| !s.is_empty());
    // Heredoc bodies expand with `\` as escape and quotes kept (`ExpandRaw`).
    let raw = Expander::new('\\').skip_quotes(true);
    let mut inline = Vec::with_capacity(contents.len());
    for c in contents {
        let data = if c.expand {
            raw.expand_word(&c.data, &st.env)
                .map_err(|e| ConvertError::at(e.to_string(), cmd.lines, Some(c.span)))?
                .value
        } else {
            c.data.clone()
        };
        inline.push((c.path.clone(), data));
    }
    Ok(CopyRequest {
        is_add,
        sources: srcs,
        contents: inline,
        raw_dest: dest.clone(),
        dest,
        chown,
        chmod,
        excludes: excludes.iter().map(|w| w.text.clone()).collect(),
        display: display_name(ctx.expander, cmd.source_code(), &st.env),
        ..CopyRequest::default()
    })
}

fn dispatch_run(
    st: &mut StageState,
    cmd: &Command,
    run: &ins::Run,
    sources: &[(Fs, bool)],
    ctx: &Context,
    location: Option<LineRange>,
) -> Result<(), ConvertError> {
    let err = |msg: String| ConvertError::at(msg, cmd.lines, Some(cmd.span));
    let mut display = cmd.source_code().to_string();
    let mut args = run.cmd.strings();
    let mut mounts = Vec::new();
    if !run.heredocs.is_empty() {
        if args.len() != 1 || !run.cmd.prepend_shell {
            return Err(err(format!(
                "parsing produced an invalid run command: {args:?}"
            )));
        }
        let single = matches!(parse_heredoc_word(args[0].trim()), Ok(Some(_)));
        let first = &run.heredocs[0];
        if single {
            let data = first.chomped_content();
            if st.image.os != "windows" && first.content.starts_with("#!") {
                // A script with a shebang: write it to a file and run that file.
                let script = Op::new(
                    OpKind::File {
                        base: None,
                        actions: vec![FileAction::Mkfile {
                            path: clean_path(&join_path("/", &first.name)),
                            mode: 0o755,
                            data: data.into_bytes(),
                            owner: None,
                            timestamp: None,
                        }],
                    },
                    OpMeta {
                        custom_name: Some("[internal] preparing inline document".to_string()),
                        ..OpMeta::default()
                    },
                );
                mounts.push(MountSpec {
                    dest: "/dev/pipes/".to_string(),
                    source: Some(script),
                    selector: "/".to_string(),
                    readonly: true,
                    kind: MountKind::Bind { output: false },
                });
                args = vec![join_path("/dev/pipes/", &first.name)];
            } else {
                args = vec![data];
            }
            display.push_str(&format!(" ({})", summarize_heredoc(&first.content)));
        } else {
            let mut full = args[0].clone();
            for h in &run.heredocs {
                full.push('\n');
                full.push_str(&h.content);
                full.push_str(&h.name);
            }
            args = vec![full];
        }
    }
    if run.cmd.prepend_shell {
        args = st.with_shell(&args);
    }

    let mut masked = Vec::new();
    for (i, raw) in run.mounts.iter().enumerate() {
        let env = st.env.clone();
        let m = crate::instructions::parse_mount(&raw.text, &mut |v: &str| {
            ctx.expander
                .expand_word(v, &env)
                .map(|e| e.value)
                .map_err(|e| e.to_string())
        })
        .map_err(|e| ConvertError::at(e.to_string(), cmd.lines, Some(raw.span)))?;
        let source = sources.get(i).cloned().unwrap_or((None, true));
        if let Some(spec) = run_mount(st, &m, source, ctx).map_err(err)? {
            mounts.push(spec);
        }
        if m.mount_type == MountType::Secret {
            if let Some(name) = &m.env {
                masked.push(name.clone());
            }
        }
    }

    // RUN's progress text: variables expanded, quotes kept, unset variables left as written,
    // secret env values masked.
    let shown = if masked.is_empty() {
        display_run(ctx.expander, &display, &st.env)
    } else {
        let mut env = st.env.clone();
        for name in &masked {
            env.add_or_replace(name, "****");
        }
        display_run(ctx.expander, &display, &env)
    };
    let network = match run.network {
        ins::NetworkMode::Default => None,
        ins::NetworkMode::None => Some(NetMode::None),
        ins::NetworkMode::Host => Some(NetMode::Host),
    };
    let security = match run.security {
        ins::SecurityMode::Sandbox => SecurityMode::Sandbox,
        ins::SecurityMode::Insecure => SecurityMode::Insecure,
    };
    // The stable reference parses --device and refuses it where the daemon could run it
    // (convert_norundevice.go); only its labs channel builds it.
    if !run.devices.is_empty() && ctx.supports("exec.meta.cdi") {
        return Err(err(
            "device feature is only supported in Dockerfile frontend 1.14.0-labs or later"
                .to_string(),
        ));
    }
    st.run(super::dispatch::RunRequest {
        args,
        display: shown,
        dockerfile_command: cmd.source_code().to_string(),
        location,
        mounts,
        network,
        security,
        defaults: ctx.run_defaults,
        target: ctx.target_platform,
    });
    Ok(())
}

/// `validateUsedOnce`: a second CMD, ENTRYPOINT or HEALTHCHECK in a stage warns at the earlier
/// one, which is the one that does not count.
fn used_once(st: &mut StageState, cmd: &Command, slot: fn(&mut StageState) -> &mut Option<Span>) {
    if let Some(earlier) = slot(st).replace(cmd.span) {
        st.warnings.push(
            Diagnostic::warning(
                format!(
                    "Multiple {} instructions should not be used in the same stage because only the last one will be used",
                    cmd.keyword.text
                ),
                earlier,
            )
            .with_rule(&rules::MULTIPLE_INSTRUCTIONS_DISALLOWED, earlier),
        );
    }
}

/// JSONArgsRecommended: CMD or ENTRYPOINT in shell form with no SHELL set.
fn json_args_recommended(st: &mut StageState, cmd: &Command, line: &ins::CommandLine) {
    if line.prepend_shell && st.image.config.shell.is_empty() {
        st.warnings.push(
            Diagnostic::warning(
                format!(
                    "JSON arguments recommended for {} to prevent unintended behavior related to OS signals",
                    cmd.keyword.text
                ),
                cmd.span,
            )
            .with_rule(&rules::JSON_ARGS_RECOMMENDED, cmd.span),
        );
    }
}

/// Where a warning about a word points: the word, except in an ONBUILD trigger, whose words are
/// in the trigger's text and not in the Dockerfile (the trigger is located at the FROM).
fn word_span(st: &StageState, cmd: &Command, word: Span) -> Span {
    if st.onbuild {
        cmd.span
    } else {
        word
    }
}

/// `system.IsAbs` for the stage's OS.
fn is_abs(path: &str, os: &str) -> bool {
    if os != "windows" {
        return path.starts_with('/');
    }
    let b = path.as_bytes();
    path.starts_with(['/', '\\'])
        || (b.len() >= 3
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && matches!(b[2], b'/' | b'\\'))
}

/// LegacyKeyValueFormat, given at dispatch like the reference's (so only for stages the target
/// needs): one per `KEY value` pair.
fn legacy_key_value_warning(st: &mut StageState, cmd: &Command, pair: &ins::KeyValue) {
    if !pair.no_delim {
        return;
    }
    let name = &cmd.keyword.text;
    st.warnings.push(
        Diagnostic::warning(
            format!(
                "\"{name} key=value\" should be used instead of legacy \"{name} key value\" format"
            ),
            word_span(st, cmd, pair.key.span.cover(pair.value.span)),
        )
        .with_rule(&rules::LEGACY_KEY_VALUE_FORMAT, cmd.span)
        .with_label("legacy key value form")
        .with_hint(format!(
            "write `{name} {}={}`",
            pair.key.text, pair.value.text
        )),
    );
}

/// SecretsUsedInArgOrEnv (`validateNoSecretKey`): a name with a `_`-separated word such as
/// `password`, `token` or `key` (case-insensitive), unless one of its words is `public`.
fn secret_key_warning(st: &mut StageState, cmd: &Command, instruction: &str, key: &str) {
    const SECRET: [&str; 10] = [
        "apikey",
        "auth",
        "credential",
        "credentials",
        "key",
        "password",
        "pword",
        "passwd",
        "secret",
        "token",
    ];
    let has = |words: &[&str]| {
        key.split('_')
            .any(|w| words.iter().any(|t| w.eq_ignore_ascii_case(t)))
    };
    if !has(&SECRET) || has(&["public"]) {
        return;
    }
    st.warnings.push(
        Diagnostic::warning(
            format!(
                "Do not use ARG or ENV instructions for sensitive data ({instruction} {})",
                crate::go::quote(key)
            ),
            cmd.span,
        )
        .with_rule(&rules::SECRETS_USED_IN_ARG_OR_ENV, cmd.span)
        .with_hint("use a secret mount (RUN --mount=type=secret) or a build secret instead"),
    );
}

fn display_run(expander: &Expander, text: &str, env: &EnvList) -> String {
    let lex = expander.raw_quotes(true).skip_unset(true);
    let expanded = lex
        .expand_word(text, env)
        .map(|e| e.value)
        .unwrap_or_else(|_| text.to_string());
    uppercase_cmd(&expanded)
}

/// `summarizeHeredoc`: the first line, `...` when there are more.
fn summarize_heredoc(doc: &str) -> String {
    let doc = doc.trim();
    let normalized = doc.replace("\r\n", "\n");
    let mut lines = normalized.split('\n');
    let first = lines.next().unwrap_or("").to_string();
    if lines.next().is_some() {
        format!("{first}...")
    } else {
        first
    }
}

/// One `--mount` (convert_runmount.go `dispatchRunMounts`, convert_secrets.go, convert_ssh.go).
fn run_mount(
    st: &mut StageState,
    m: &ins::Mount,
    (source_fs, dispatched): (Fs, bool),
    ctx: &Context,
) -> Result<Option<MountSpec>, String> {
    let mut from = m.from.clone();
    if from.is_empty() && m.mount_type == MountType::Cache {
        from = "scratch".to_string();
    }
    match m.mount_type {
        MountType::Secret => return Ok(Some(secret_mount(m)?)),
        MountType::Ssh => return Ok(Some(ssh_mount(m, st)?)),
        _ => {}
    }
    let mut source = if from.is_empty() {
        Some(Arc::clone(ctx.main_context))
    } else {
        if !dispatched {
            return Err(format!(
                "cannot mount from stage {from:?} to {:?}, stage needs to be defined before current command",
                m.target
            ));
        }
        source_fs
    };
    let kind = match m.mount_type {
        MountType::Tmpfs => {
            source = None;
            MountKind::Tmpfs { size: m.size_limit }
        }
        MountType::Cache => {
            let id = if m.cache_id.is_empty() {
                clean_path(&m.target)
            } else {
                m.cache_id.clone()
            };
            let sharing = match m.cache_sharing {
                Some(ins::mount::CacheSharing::Private) => CacheSharing::Private,
                Some(ins::mount::CacheSharing::Locked) => CacheSharing::Locked,
                _ => CacheSharing::Shared,
            };
            MountKind::Cache {
                id: format!("{}/{id}", ctx.cache_mount_ns),
                sharing,
            }
        }
        _ => MountKind::Bind { output: false },
    };
    let mut target = m.target.clone();
    if !clean_path(&m.target).starts_with('/') {
        target = join_path("/", &join_path(&st.dir, &m.target));
    }
    if target == "/" {
        return Err(format!("invalid mount target {target:?}"));
    }
    let src = join_path("/", &m.source);
    let mut selector = String::new();
    if src != "/" {
        selector = src;
    } else if m.uid.is_some() || m.gid.is_some() || m.mode.is_some() {
        let owner = super::graph::Chown {
            user: Some(super::graph::UserRef::Id(m.uid.unwrap_or(0) as u32)),
            group: Some(super::graph::UserRef::Id(m.gid.unwrap_or(0) as u32)),
        };
        source = Some(Op::new(
            OpKind::File {
                base: source,
                actions: vec![FileAction::Mkdir {
                    path: "/cache".to_string(),
                    mode: m.mode.map(|x| x as u32).unwrap_or(0o755),
                    make_parents: false,
                    owner: Some(owner),
                    timestamp: None,
                }],
            },
            OpMeta {
                custom_name: Some("[internal] setting cache mount permissions".to_string()),
                ..OpMeta::default()
            },
        ));
        selector = "/cache".to_string();
    }
    if m.from.is_empty() && m.mount_type != MountType::Cache && m.mount_type != MountType::Tmpfs {
        st.context_paths.insert(join_path("/", &m.source));
    }
    Ok(Some(MountSpec {
        dest: target,
        source,
        selector,
        readonly: m.read_only,
        kind,
    }))
}

fn secret_mount(m: &ins::Mount) -> Result<MountSpec, String> {
    let mut id = m.cache_id.clone();
    if !m.source.is_empty() {
        id = m.source.clone();
    }
    if id.is_empty() {
        if m.target.is_empty() {
            return Err("one of source, target required".to_string());
        }
        id = base_name(&m.target);
    }
    // Without env= the secret is a file, by default under /run/secrets.
    let mut dest = m.target.clone();
    if m.env.is_none() && dest.is_empty() {
        dest = format!("/run/secrets/{}", base_name(&id));
    }
    let (uid, gid, mode) = if m.uid.is_some() || m.gid.is_some() || m.mode.is_some() {
        (
            m.uid.unwrap_or(0) as u32,
            m.gid.unwrap_or(0) as u32,
            m.mode.map(|x| x as u32).unwrap_or(0o400),
        )
    } else {
        (0, 0, 0o400)
    };
    Ok(MountSpec {
        dest,
        source: None,
        selector: String::new(),
        readonly: false,
        kind: MountKind::Secret {
            id,
            env: m.env.clone(),
            uid,
            gid,
            mode,
            optional: !m.required,
        },
    })
}

fn ssh_mount(m: &ins::Mount, st: &StageState) -> Result<MountSpec, String> {
    if !m.source.is_empty() {
        return Err("ssh does not support source".to_string());
    }
    let _ = st;
    let (uid, gid, mode) = if m.uid.is_some() || m.gid.is_some() || m.mode.is_some() {
        (
            m.uid.unwrap_or(0) as u32,
            m.gid.unwrap_or(0) as u32,
            m.mode.map(|x| x as u32).unwrap_or(0o600),
        )
    } else {
        (0, 0, 0o600)
    };
    Ok(MountSpec {
        dest: m.target.clone(),
        source: None,
        selector: String::new(),
        readonly: false,
        kind: MountKind::Ssh {
            id: m.cache_id.clone(),
            uid,
            gid,
            mode,
            optional: !m.required,
        },
    })
}

/// Go `path.Base`.
fn base_name(p: &str) -> String {
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return if p.is_empty() {
            ".".to_string()
        } else {
            "/".to_string()
        };
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}
