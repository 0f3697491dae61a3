//! The instructions that set the image config or the stage's environment (ENV, LABEL, ARG,
//! WORKDIR, USER, VOLUME, STOPSIGNAL, EXPOSE, MAINTAINER, ONBUILD, SHELL, CMD, ENTRYPOINT,
//! HEALTHCHECK): the words the reference expands, with the stage's env at that point, the build
//! checks it gives on them, then the state update and history entry (convert.go `dispatch*`).

use crate::instructions::{self as ins, Command, Word};
use crate::syntax::{rules, Diagnostic, Span};

use super::args::is_non_env_arg;
use super::context::{display_name, location, step_error, word_span, Context};
use super::expose::parse_ports;
use super::graph::{FileAction, LineRange, Op, OpKind, OpMeta, TakeOnce};
use super::image::{Empty, Healthcheck};
use super::outline::ArgInfo;
use super::state::{StageState, StepResult};
use super::ConvertError;
use crate::go;
use crate::go::path::clean_path;
use crate::llb::Chown;

/// ENV.
pub(super) fn env(
    st: &mut StageState,
    cmd: &Command,
    e: &ins::Env,
    ctx: &Context,
) -> Result<(), ConvertError> {
    let word = |st: &mut StageState, w: &Word| ctx.word(st, cmd, w);
    let pairs = expand_pairs(st, &e.pairs, &word)?;
    for (raw, (key, _)) in e.pairs.iter().zip(&pairs) {
        legacy_key_value_warning(st, cmd, raw);
        secret_key_warning(st, cmd, "ENV", key);
    }
    st.env_instruction(&pairs);
    Ok(())
}

/// LABEL.
pub(super) fn label(
    st: &mut StageState,
    cmd: &Command,
    l: &ins::Label,
    ctx: &Context,
) -> Result<(), ConvertError> {
    let word = |st: &mut StageState, w: &Word| ctx.word(st, cmd, w);
    let pairs = expand_pairs(st, &l.pairs, &word)?;
    for raw in &l.pairs {
        legacy_key_value_warning(st, cmd, raw);
    }
    st.label(&pairs);
    Ok(())
}

/// ARG.
pub(super) fn arg(
    st: &mut StageState,
    cmd: &Command,
    a: &ins::Arg,
    ctx: &Context,
) -> Result<(), ConvertError> {
    let word = |st: &mut StageState, w: &Word| ctx.word(st, cmd, w);
    let mut resolved = Vec::with_capacity(a.args.len());
    for def in &a.args {
        secret_key_warning(st, cmd, "ARG", &def.key.text);
        let key = def.key.text.clone();
        // An ARG that only takes the global ARG's value leaves the outline the global one.
        let mut global = false;
        let value = if let Some(v) = ctx.build_args.get(&key) {
            Some(v.clone())
        } else if let Some(default) = &def.value {
            Some(word(st, default)?)
        } else {
            let value = ctx.global_args.get(&key).map(str::to_string);
            global = value.is_some();
            value
        };
        let info = (!global).then(|| ArgInfo {
            name: key.clone(),
            value: value.clone().unwrap_or_default(),
            description: def.comment.clone().unwrap_or_default(),
            lines: cmd.lines,
            at: def.key.span.start,
            deps: Default::default(),
        });
        st.outline.arg(&key, info);
        resolved.push((key, value));
    }
    st.arg_instruction(&resolved);
    Ok(())
}

/// WORKDIR.
pub(super) fn workdir(
    st: &mut StageState,
    cmd: &Command,
    w: &ins::Workdir,
    ctx: &Context,
) -> Result<(), ConvertError> {
    let word = |st: &mut StageState, w: &Word| ctx.word(st, cmd, w);
    let path = word(st, &w.path)?;
    if !st.workdir_set && !crate::go::path::system_is_abs(&path, &st.platform.os) {
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
    st.workdir(&path, &display, location(cmd))
        .map_err(|e| step_error(cmd, e))?;
    Ok(())
}

/// USER.
pub(super) fn user(
    st: &mut StageState,
    cmd: &Command,
    u: &ins::User,
    ctx: &Context,
) -> Result<(), ConvertError> {
    let word = |st: &mut StageState, w: &Word| ctx.word(st, cmd, w);
    let user = word(st, &u.user)?;
    st.user_instruction(&user);
    Ok(())
}

/// VOLUME.
pub(super) fn volume(
    st: &mut StageState,
    cmd: &Command,
    v: &ins::Volume,
    ctx: &Context,
) -> Result<(), ConvertError> {
    let err = |msg: String| step_error(cmd, msg);
    let word = |st: &mut StageState, w: &Word| ctx.word(st, cmd, w);
    let mut paths = Vec::with_capacity(v.paths.len());
    for p in &v.paths {
        paths.push(word(st, p)?);
    }
    st.volume(paths).map_err(err)?;
    Ok(())
}

/// STOPSIGNAL.
pub(super) fn stop_signal(
    st: &mut StageState,
    cmd: &Command,
    s: &ins::StopSignal,
    ctx: &Context,
) -> Result<(), ConvertError> {
    let err = |msg: String| step_error(cmd, msg);
    let word = |st: &mut StageState, w: &Word| ctx.word(st, cmd, w);
    let signal = word(st, &s.signal)?;
    st.stop_signal(&signal).map_err(err)?;
    Ok(())
}

/// EXPOSE.
pub(super) fn expose(
    st: &mut StageState,
    cmd: &Command,
    e: &ins::Expose,
    ctx: &Context,
) -> Result<(), ConvertError> {
    let err = |msg: String| step_error(cmd, msg);
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
    Ok(())
}

/// MAINTAINER.
pub(super) fn maintainer(
    st: &mut StageState,
    _cmd: &Command,
    m: &ins::Maintainer,
    _ctx: &Context,
) -> Result<(), ConvertError> {
    st.maintainer(&m.name.text);
    Ok(())
}

/// ONBUILD.
pub(super) fn onbuild(
    st: &mut StageState,
    _cmd: &Command,
    o: &ins::Onbuild,
    _ctx: &Context,
) -> Result<(), ConvertError> {
    st.onbuild(&o.expression);
    Ok(())
}

/// SHELL.
pub(super) fn shell(
    st: &mut StageState,
    _cmd: &Command,
    s: &ins::Shell,
    _ctx: &Context,
) -> Result<(), ConvertError> {
    st.shell(s.shell.iter().map(|w| w.text.clone()).collect());
    Ok(())
}

/// CMD.
pub(super) fn cmd(
    st: &mut StageState,
    cmd: &Command,
    c: &ins::Cmd,
    _ctx: &Context,
) -> Result<(), ConvertError> {
    used_once(st, cmd, |st| &mut st.cmd_at);
    json_args_recommended(st, cmd, &c.cmd);
    let args = command_line(st, &c.cmd);
    st.cmd(args);
    Ok(())
}

/// ENTRYPOINT.
pub(super) fn entrypoint(
    st: &mut StageState,
    cmd: &Command,
    e: &ins::Entrypoint,
    _ctx: &Context,
) -> Result<(), ConvertError> {
    used_once(st, cmd, |st| &mut st.entrypoint_at);
    json_args_recommended(st, cmd, &e.cmd);
    let args = command_line(st, &e.cmd);
    st.entrypoint(args);
    Ok(())
}

/// HEALTHCHECK.
pub(super) fn healthcheck(
    st: &mut StageState,
    cmd: &Command,
    h: &ins::Healthcheck,
    _ctx: &Context,
) -> Result<(), ConvertError> {
    used_once(st, cmd, |st| &mut st.healthcheck_at);
    st.healthcheck(image_healthcheck(h));
    Ok(())
}

fn expand_pairs(
    st: &mut StageState,
    pairs: &[ins::KeyValue],
    word: &dyn Fn(&mut StageState, &Word) -> Result<String, ConvertError>,
) -> Result<Vec<(String, String)>, ConvertError> {
    // Every pair is expanded before any is set: `ENV A=1 B=$A` sees the old A.
    pairs
        .iter()
        .map(|p| Ok((word(st, &p.key)?, word(st, &p.value)?)))
        .collect()
}

fn command_line(st: &StageState, cmd: &ins::CommandLine) -> Vec<String> {
    let args = cmd.strings();
    if cmd.prepend_shell {
        st.with_shell(&args)
    } else {
        args
    }
}

fn image_healthcheck(h: &ins::Healthcheck) -> Healthcheck {
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
    // The allow-list grew `file` and `version` in frontend 1.22.
    if !has(&SECRET) || has(&["public", "file", "version"]) {
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

impl StageState {
    /// WORKDIR: set the dir and create it (owned by the current USER) unless it is `/`.
    pub fn workdir(
        &mut self,
        path: &str,
        display: &str,
        location: Option<LineRange>,
    ) -> Result<(), String> {
        let wd = self.set_workdir(path)?;
        let with_layer = wd != "/";
        if with_layer {
            let owner =
                (!self.image.config.user.is_empty()).then(|| Chown::parse(&self.image.config.user));
            let platform = self.platform.clone();
            let name = self.progress_name_for(display, Some(&platform));
            let action = FileAction::Mkdir {
                path: clean_path(&wd),
                mode: 0o755,
                make_parents: true,
                owner,
                timestamp: self.epoch.as_ref().map(|e| e.unix_nanos),
            };
            let meta = OpMeta {
                custom_name: Some(name),
                dockerfile_command: None,
                location,
                ..OpMeta::default()
            };
            self.fs = Some(Op::new(
                OpKind::File {
                    base: self.fs.clone(),
                    actions: TakeOnce::new(vec![action]),
                },
                meta,
            ));
        }
        self.commit(format!("WORKDIR {wd}"), with_layer, false);
        Ok(())
    }

    /// ENV: set each pair in the state env and the image config.
    pub(crate) fn env_instruction(&mut self, pairs: &[(String, String)]) {
        let mut message = String::from("ENV");
        for (k, v) in pairs {
            message.push_str(&format!(" {k}={v}"));
            self.env.add_or_replace(k, v);
            self.image.add_env(k, v);
        }
        self.commit(message, false, false);
    }

    /// ARG: give each arg its value (build-arg, then global, then expanded default) and export
    /// it to the state env. `values` are already resolved by the caller.
    pub(crate) fn arg_instruction(&mut self, args: &[(String, Option<String>)]) {
        let mut parts = Vec::with_capacity(args.len());
        for (key, value) in args {
            if let Some(v) = value {
                if !is_non_env_arg(key) {
                    self.env.add_or_replace(key, v);
                }
            }
            self.build_args.push((key.clone(), value.clone()));
            parts.push(match value {
                Some(v) => format!("{key}={v}"),
                None => key.clone(),
            });
        }
        self.commit(format!("ARG {}", parts.join(" ")), false, false);
    }

    /// USER.
    pub(crate) fn user_instruction(&mut self, user: &str) {
        self.user = user.to_string();
        self.image.config.user = user.to_string();
        self.commit(format!("USER {user}"), false, false);
    }

    /// CMD (args already shell-wrapped for the shell form).
    pub fn cmd(&mut self, args: Vec<String>) {
        self.commit(format!("CMD {}", go::quote_list(&args)), false, false);
        self.image.config.cmd = args;
        self.image.config.args_escaped = true;
    }

    /// ENTRYPOINT: also drops an inherited CMD unless this stage set one.
    pub fn entrypoint(&mut self, args: Vec<String>) {
        self.commit(
            format!("ENTRYPOINT {}", go::quote_list(&args)),
            false,
            false,
        );
        self.image.config.entrypoint = args;
        if self.cmd_at.is_none() {
            self.image.config.cmd = Vec::new();
        }
    }

    /// HEALTHCHECK; the history prints the Go struct value with `%+v` (frontend 1.24+).
    pub fn healthcheck(&mut self, hc: Healthcheck) {
        let message = format!(
            "HEALTHCHECK {{Test:{} Interval:{} Timeout:{} StartPeriod:{} StartInterval:{} Retries:{}}}",
            go::list(&hc.test),
            go::duration(hc.interval),
            go::duration(hc.timeout),
            go::duration(hc.start_period),
            go::duration(hc.start_interval),
            hc.retries,
        );
        self.image.config.healthcheck = Some(hc);
        self.commit(message, false, false);
    }

    /// EXPOSE with ports already parsed to `port/proto`.
    pub fn expose(&mut self, ports: Vec<String>) {
        for p in &ports {
            self.image.config.exposed_ports.insert(p.clone(), Empty);
        }
        self.commit(format!("EXPOSE {}", go::list(&ports)), false, false);
    }

    /// LABEL.
    pub fn label(&mut self, pairs: &[(String, String)]) {
        let mut message = String::from("LABEL");
        for (k, v) in pairs {
            self.image.config.labels.insert(k.clone(), v.clone());
            message.push_str(&format!(" {k}={v}"));
        }
        self.commit(message, false, false);
    }

    /// VOLUME.
    pub(crate) fn volume(&mut self, volumes: Vec<String>) -> StepResult {
        for v in &volumes {
            if v.is_empty() {
                return Err("VOLUME specified can not be an empty string".to_string());
            }
            self.image.config.volumes.insert(v.clone(), Empty);
        }
        self.commit(format!("VOLUME {}", go::list(&volumes)), false, false);
        Ok(())
    }

    /// STOPSIGNAL.
    pub(crate) fn stop_signal(&mut self, signal: &str) -> StepResult {
        super::expose::validate_signal(signal)?;
        self.image.config.stop_signal = signal.to_string();
        self.commit(format!("STOPSIGNAL {signal}"), false, false);
        Ok(())
    }

    /// SHELL.
    pub fn shell(&mut self, shell: Vec<String>) {
        self.commit(format!("SHELL {}", go::list(&shell)), false, false);
        self.image.config.shell = shell;
    }

    /// MAINTAINER.
    pub(crate) fn maintainer(&mut self, name: &str) {
        self.image.author = name.to_string();
        self.commit(format!("MAINTAINER {name}"), false, false);
    }

    /// ONBUILD: recorded for images built FROM this one; no history entry.
    pub fn onbuild(&mut self, expression: &str) {
        self.image.config.on_build.push(expression.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::super::state::test_stage;
    use super::*;
    use crate::convert::image::Healthcheck;

    #[test]
    fn workdir_is_relative_to_previous_and_owned_by_user() {
        let mut s = test_stage();
        s.user_instruction("app");
        s.workdir("/app", "WORKDIR /app", None).unwrap();
        s.workdir("src", "WORKDIR src", None).unwrap();
        assert_eq!(s.image.config.working_dir, "/app/src");
        assert_eq!(s.dir, "/app/src");
        let Some(op) = &s.fs else { panic!() };
        let OpKind::File { actions, base } = &op.kind else {
            panic!()
        };
        assert!(base.is_some());
        let actions = actions.take().unwrap();
        let FileAction::Mkdir {
            path,
            owner,
            make_parents,
            ..
        } = &actions[0]
        else {
            panic!()
        };
        assert_eq!(path, "/app/src");
        assert!(*make_parents);
        assert_eq!(
            owner.as_ref().unwrap().user,
            Some(super::super::graph::UserRef::Name("app".into()))
        );
        let wd: Vec<_> = s
            .image
            .history
            .iter()
            .map(|h| h.created_by.as_str())
            .collect();
        assert_eq!(wd, vec!["USER app", "WORKDIR /app", "WORKDIR /app/src"]);
        s.workdir("/", "WORKDIR /", None).unwrap();
        assert!(s.image.history.last().unwrap().empty_layer);
    }

    #[test]
    fn entrypoint_resets_inherited_cmd_only() {
        let mut s = test_stage();
        s.image.config.cmd = vec!["inherited".into()];
        s.entrypoint(vec!["/app".into()]);
        assert!(s.image.config.cmd.is_empty());
        s.cmd(vec!["--help".into()]);
        // The dispatcher records where the stage set CMD (convert/instruction.rs `used_once`).
        s.cmd_at = Some(Span::default());
        s.entrypoint(vec!["/bin/app".into()]);
        assert_eq!(s.image.config.cmd, vec!["--help"]);
        assert_eq!(s.image.history[1].created_by, r#"CMD ["--help"]"#);
        assert!(s.image.config.args_escaped);
    }

    #[test]
    fn healthcheck_history_matches_go_struct_quoting() {
        let mut s = test_stage();
        s.healthcheck(Healthcheck {
            test: vec!["CMD-SHELL".into(), "curl -f http://localhost/".into()],
            interval: 30_000_000_000,
            timeout: 3_000_000_000,
            retries: 3,
            ..Healthcheck::default()
        });
        assert_eq!(
            s.image.history[0].created_by,
            "HEALTHCHECK {Test:[CMD-SHELL curl -f http://localhost/] Interval:30s Timeout:3s \
             StartPeriod:0s StartInterval:0s Retries:3}"
        );
    }
}
