//! The one binary.
//! - `frontend` (the default with no arguments, and the image's entrypoint): the BuildKit gateway
//!   frontend. It speaks gRPC on stdin/stdout, so nothing else may ever be written to stdout.
//! - `llb`: convert a Dockerfile offline and print the LLB for `buildctl build` (or as JSON).
//! - `check`: parse and convert offline, printing diagnostics rustc-style.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};

use dockerfile_llb::convert::{self, reference, BuildOptions, ConvertOptions, Platform};
use dockerfile_llb::instructions::{self, Dockerfile};
use dockerfile_llb::llb;

#[derive(Parser)]
#[command(
    name = "dockerfile-llb",
    version,
    about = "A BuildKit frontend for Dockerfiles"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run as a BuildKit gateway frontend (the image's entrypoint): LLBBridge gRPC over stdin/stdout.
    Frontend,
    /// Convert a Dockerfile to LLB without BuildKit and print the marshaled pb.Definition
    /// (pipe it to `buildctl build --local context=.`), or a JSON dump with --json.
    ///
    /// Base images are not resolved over the network: each `FROM <image>` becomes an unpinned
    /// `docker-image://` source (no @sha256 digest), and its config is taken as empty (the
    /// platform's os/architecture and the default PATH; no ENV, WORKDIR, USER, SHELL or ONBUILD
    /// from the image), unless `--image-config REF=path.json` supplies that image's config.
    Llb(LlbArgs),
    /// Parse the Dockerfile and convert it offline (like `llb`), printing warnings and errors
    /// rustc-style. Exits 1 if there is an error (`# check=error=true` makes a reported
    /// warning one, as in a build).
    ///
    /// With `--format json`, prints what `docker buildx build --call check,format=json` prints:
    /// the lint result (`frontend.lint`'s result.json) of every stage, or of `--target`; exits
    /// 1 when it has a warning or an error, as `--check` does.
    Check(CheckArgs),
}

#[derive(Args)]
struct CheckArgs {
    #[command(flatten)]
    convert: ConvertArgs,
    /// `text`: rustc-style diagnostics on stderr; `json`: the lint result on stdout.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    format: CheckFormat,
    /// The build context, whose `.dockerignore` CopyIgnoredFile reads (default: the
    /// Dockerfile's directory); `<Dockerfile>.dockerignore` next to the Dockerfile wins.
    #[arg(long, value_name = "DIR")]
    context: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum CheckFormat {
    Text,
    Json,
}

#[derive(Args)]
struct ConvertArgs {
    /// The Dockerfile to read.
    #[arg(short = 'f', long = "file", default_value = "Dockerfile")]
    file: PathBuf,
    /// The stage to build (default: the last one).
    #[arg(long)]
    target: Option<String>,
    /// A build argument, KEY=VALUE (KEY alone takes the value from the environment). Repeatable.
    #[arg(long = "build-arg", value_name = "KEY=VALUE")]
    build_args: Vec<String>,
    /// The target platform, e.g. linux/arm64 (default: this machine's).
    #[arg(long)]
    platform: Option<String>,
    /// The config JSON of base image REF (an OCI image config, as stored in a registry), used
    /// instead of an empty config. REF is normalised like FROM: `busybox` is
    /// `docker.io/library/busybox:latest`. Repeatable.
    #[arg(long = "image-config", value_name = "REF=PATH")]
    image_configs: Vec<String>,
}

#[derive(Args)]
struct LlbArgs {
    #[command(flatten)]
    convert: ConvertArgs,
    /// Print the definition as readable JSON (ops decoded, digests, metadata) instead of protobuf.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Frontend) {
        Command::Frontend => run_frontend(),
        Command::Llb(args) => run_llb(&args),
        Command::Check(args) if args.format == CheckFormat::Json => run_check_json(&args),
        Command::Check(args) => run_check(&args),
    }
}

fn run_frontend() -> anyhow::Result<ExitCode> {
    // BuildKit gives us pipes; a terminal means a person ran the binary by hand.
    if std::io::stdin().is_terminal() {
        bail!(
            "`frontend` speaks gRPC with buildkitd on stdin/stdout and is started by BuildKit \
             (`# syntax=myorg/frontend`); see `dockerfile-llb --help` for the offline commands"
        );
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let outcome = runtime.block_on(dockerfile_llb::gateway::serve());
    // Do not wait for the connection task: buildkitd waits for us to exit after Return.
    runtime.shutdown_background();
    outcome.context("talking to buildkitd")?;
    Ok(ExitCode::SUCCESS)
}

/// A Dockerfile read from disk and parsed, with the options to convert it offline.
struct OfflineBuild {
    filename: String,
    source: Vec<u8>,
    options: ConvertOptions,
    image_configs: BTreeMap<String, Vec<u8>>,
}

impl OfflineBuild {
    fn load(args: &ConvertArgs) -> anyhow::Result<OfflineBuild> {
        let source = std::fs::read(&args.file)
            .with_context(|| format!("reading {}", args.file.display()))?;
        let filename = args.file.display().to_string();
        let target_platform = match &args.platform {
            Some(p) => Some(Platform::parse(p)?.normalize()),
            None => None,
        };
        let build_args = parse_build_args(&args.build_args)?;
        let check =
            match build_args.get("BUILDKIT_DOCKERFILE_CHECK") {
                Some(v) => Some(dockerfile_llb::syntax::parse_check(v).map_err(|e| {
                    anyhow::anyhow!("failed to parse BUILDKIT_DOCKERFILE_CHECK: {e}")
                })?),
                None => None,
            };
        let options = ConvertOptions {
            build: BuildOptions {
                check,
                target: args.target.clone(),
                build_args,
                build_platform: Platform::host(),
                ..BuildOptions::default()
            },
            target_platform,
            filename: filename.clone(),
            source: source.clone(),
            // The LLB a current daemon (the pinned BuildKit) would get through the gateway.
            llb_caps: Some(dockerfile_llb::llb::caps::CapSet::all()),
            ..ConvertOptions::default()
        };
        Ok(OfflineBuild {
            filename,
            source,
            options,
            image_configs: read_image_configs(&args.image_configs)?,
        })
    }

    /// Parse errors come back rendered, ready to print.
    fn parse(&self) -> Result<Dockerfile, String> {
        instructions::parse_dockerfile(&self.source, &self.filename)
            .map_err(|d| d.render(&self.source))
    }

    /// Conversion errors come back rendered, after the warnings reported before them when
    /// `with_warnings`.
    fn convert<'a>(
        &'a self,
        parsed: impl Into<convert::Parsed<'a>>,
        with_warnings: bool,
    ) -> Result<convert::Converted, String> {
        convert::offline::convert_offline(parsed, &self.options, &self.image_configs)
            .map_err(|e| self.render_error(e, with_warnings))
    }

    /// The context's exclude patterns: `<Dockerfile>.dockerignore`, else `<context>/.dockerignore`
    /// (the context defaulting to the Dockerfile's directory), as dockerui reads them.
    fn excludes(
        &self,
        dockerfile: &std::path::Path,
        context: Option<&std::path::Path>,
    ) -> Vec<String> {
        let mut own = dockerfile.as_os_str().to_owned();
        own.push(".dockerignore");
        let context = context
            .map(std::path::Path::to_path_buf)
            .unwrap_or_else(|| {
                dockerfile
                    .parent()
                    .map(std::path::Path::to_path_buf)
                    .unwrap_or_default()
            });
        let read = std::fs::read(PathBuf::from(own))
            .or_else(|_| std::fs::read(context.join(".dockerignore")))
            .unwrap_or_default();
        convert::dockerignore::exclude_patterns(&read)
    }

    fn render_error(&self, e: convert::ConvertError, with_warnings: bool) -> String {
        let mut out = String::new();
        if with_warnings {
            for warning in &e.warnings {
                out.push_str(&warning.render(&self.source));
            }
        }
        match e.diagnostic(&self.filename, &self.source) {
            Some(d) => out.push_str(&d.render(&self.source)),
            None => out.push_str(&format!("error: {}\n", e.message)),
        }
        out
    }
}

fn run_llb(args: &LlbArgs) -> anyhow::Result<ExitCode> {
    let build = OfflineBuild::load(&args.convert)?;
    let converted = match build
        .parse()
        // Given away: converting frees the parsed file before the definition is marshalled.
        .and_then(|parsed| build.convert(std::sync::Arc::new(parsed), false))
    {
        Ok(converted) => converted,
        Err(rendered) => {
            eprint!("{rendered}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let written = if args.json {
        let json = llb::Definition::from_pb(converted.definition).to_json();
        let mut text = serde_json::to_vec_pretty(&json)?;
        text.push(b'\n');
        stdout.write_all(&text)
    } else {
        // The graph itself is no longer needed: only the ops' bytes, written as they go.
        let definition = converted.definition;
        drop(converted.sbom);
        llb::write_definition(definition, &mut stdout)
    };
    match written.and_then(|()| stdout.flush()) {
        // `dockerfile-llb llb --json | head` closing the pipe early is not an error.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// `check --format json`: the `frontend.lint` subrequest's answer, made offline the way the
/// gateway makes it (`subrequests::Lint`), and the exit status buildx gives it.
fn run_check_json(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    use dockerfile_llb::gateway::local_source::DockerfileSource;
    use dockerfile_llb::gateway::subrequests::{self, Lint};
    let build = OfflineBuild::load(&args.convert)?;
    let excludes = build.excludes(&args.convert.file, args.context.as_deref());
    // Offline there is no LLB that read the Dockerfile: the source has no definition.
    // Named as a build names it: the file's name, as read from the `dockerfile` local.
    let filename = args.convert.file.file_name().map_or_else(
        || build.filename.clone(),
        |n| n.to_string_lossy().into_owned(),
    );
    let source = DockerfileSource {
        filename,
        data: build.source.clone(),
        dockerignore: None,
        definition: Default::default(),
    };
    let found = match Lint::parse(&source, &build.options.build) {
        Err(found) => found,
        Ok((parsed, found)) => {
            let options = Lint::options(build.options.clone());
            found.converted(convert::offline::convert_offline_excluding(
                &parsed,
                &options,
                &build.image_configs,
                &excludes,
            ))
        }
    };
    let result = subrequests::lint(&source, &found);
    let mut out = result.metadata["result.json"].clone();
    out.push(b'\n');
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(&out).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
        _ => {}
    }
    // buildx exits with result.statuscode: 1 when there is a warning or an error.
    Ok(if result.metadata["result.statuscode"] == b"0" {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn run_check(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let build = OfflineBuild::load(&args.convert)?;
    let excludes = build.excludes(&args.convert.file, args.context.as_deref());
    let parsed = match instructions::parse_dockerfile_reporting(&build.source, &build.filename) {
        Ok(parsed) => parsed,
        Err(failure) => {
            // The warnings given before the error come first, as a build shows them.
            if let Ok(check) = convert::check_config(&failure.directives, &build.options.build) {
                for warning in check.filter(failure.warnings) {
                    eprint!("{}", warning.render(&build.source));
                }
            }
            eprint!("{}", failure.error.render(&build.source));
            return Ok(ExitCode::FAILURE);
        }
    };
    let check = match convert::check_config(&parsed.directives, &build.options.build) {
        Ok(check) => check,
        Err(e) => {
            let e = convert::check_config_error_at_directive(e, &parsed.directives, &build.source);
            eprint!("{}", build.render_error(e, false));
            return Ok(ExitCode::FAILURE);
        }
    };
    let parse_warnings = check.filter(parsed.warnings.clone());
    for warning in &parse_warnings {
        eprint!("{}", warning.render(&build.source));
    }
    let converted = match convert::offline::convert_offline_excluding(
        &parsed,
        &build.options,
        &build.image_configs,
        &excludes,
    ) {
        Ok(converted) => converted,
        Err(e) => {
            eprint!("{}", build.render_error(e, true));
            return Ok(ExitCode::FAILURE);
        }
    };
    for warning in &converted.warnings {
        eprint!("{}", warning.render(&build.source));
    }
    eprintln!(
        "{}: ok ({} warning(s))",
        build.filename,
        parse_warnings.len() + converted.warnings.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// `KEY=VALUE`, or `KEY` alone to take the value from the environment (as `docker build` does).
fn parse_build_args(args: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for arg in args {
        match arg.split_once('=') {
            Some((key, value)) => {
                out.insert(key.to_string(), value.to_string());
            }
            None => {
                if let Ok(value) = std::env::var(arg) {
                    out.insert(arg.clone(), value);
                }
            }
        }
    }
    Ok(out)
}

/// `REF=PATH` pairs, keyed by the normalised reference that `plan` asks for.
fn read_image_configs(args: &[String]) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
    let mut out = BTreeMap::new();
    for arg in args {
        let Some((image, path)) = arg.split_once('=') else {
            bail!("--image-config {arg:?}: expected REF=PATH");
        };
        let normalized = reference::normalize_image_name(image)
            .with_context(|| format!("--image-config {arg:?}: invalid image reference"))?;
        let config =
            std::fs::read(path).with_context(|| format!("--image-config: reading {path}"))?;
        serde_json::from_slice::<serde_json::Value>(&config)
            .with_context(|| format!("--image-config: {path} is not JSON"))?;
        out.insert(normalized.to_string(), config);
    }
    Ok(out)
}
