//! The one binary. `dockerfile-llb frontend` (also the default with no arguments) is the BuildKit
//! gateway frontend: it speaks gRPC on stdin/stdout, so nothing else may ever be written to stdout.

use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

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
}

fn main() -> ExitCode {
    init_tracing();
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
    }
}

fn run_frontend() -> anyhow::Result<ExitCode> {
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

/// Logs go to stderr (buildkitd's log when we run as a frontend); stdout carries HTTP/2 frames.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("DFLLB_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
}
