//! Convert a Dockerfile to LLB offline, for benchmarks:
//! `convert-llb [--repeat N] <Dockerfile> [out.pb]`.
//!
//! Base images are answered from a synthetic table (a one-layer linux image per reference, the
//! same answer tests/go/bench-convert gives the reference converter), so no registry is needed.
//! Writes the marshalled `pb.Definition` to `out.pb` (or discards it) and prints op count,
//! definition size and timings to stderr: the first conversion's phases, the best of N whole
//! conversions (parse, plan, convert, marshal), and the floor: the best of N times to encode
//! every op of the result once and SHA-256 it, then encode the Definition — what any converter
//! producing this output must at least do (measured with `--repeat` above 1 only, so that a
//! single run's peak RSS is the conversion's). A single run writes the Definition op by op as
//! `dockerfile-llb llb` does, after dropping the graph, so that it is not held twice.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use dockerfile_llb::convert::{
    self, BuildOptions, ConvertOptions, Converted, Platform, ResolvedImage, ResolvedImages,
};
use dockerfile_llb::instructions::parse_dockerfile;
use dockerfile_llb::llb::{encode_op, write_definition, Digest};
use dockerfile_llb::proto::pb;
use prost::Message;

fn main() -> Result<()> {
    let usage = "usage: convert-llb [--repeat N] <Dockerfile> [out.pb]";
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut repeat = 1usize;
    if args.first().map(String::as_str) == Some("--repeat") {
        repeat = args.get(1).context(usage)?.parse().context(usage)?;
        args.drain(..2);
    }
    let path = args.first().context(usage)?.clone();
    let out = args.get(1).cloned();
    let source = std::fs::read(&path).with_context(|| format!("reading {path}"))?;

    let start = Instant::now();
    let df =
        parse_dockerfile(&source, &path).map_err(|d| anyhow::anyhow!("{}", d.render(&source)))?;
    let parsed = start.elapsed();
    let instructions = df.stages.iter().map(|s| s.commands.len() + 1).sum();
    // Given away, as `dockerfile-llb llb` gives it: converting frees it once the stages are
    // dispatched.
    let converted = convert_once(Arc::new(df), &path, &source)?;
    let converted_at = start.elapsed();
    let mut report = Report {
        instructions,
        ops: converted.definition.def.len(),
        definition_bytes: converted.definition.encoded_len(),
        config_bytes: 0,
        parsed,
        converted_at,
        total: Duration::ZERO,
        best: Duration::ZERO,
        floor: Duration::ZERO,
    };
    if repeat == 1 {
        // A single run measures the peak RSS: written as `dockerfile-llb llb` writes it, op by
        // op, the graph dropped first. The config's size, which that command does not
        // serialize, is measured once the definition is written.
        let Converted {
            definition,
            image_config,
            ..
        } = converted;
        let mut sink: Box<dyn std::io::Write> = match &out {
            Some(out) => Box::new(std::io::BufWriter::new(
                std::fs::File::create(out).with_context(|| format!("writing {out}"))?,
            )),
            None => Box::new(std::io::sink()),
        };
        write_definition(definition, &mut sink)?;
        sink.flush()?;
        report.total = start.elapsed();
        report.config_bytes = image_config.to_json().len();
        report.best = report.total;
        report.print();
        return Ok(());
    }
    report.config_bytes = converted.image_config.to_json().len();
    let bytes = converted.definition.encode_to_vec();
    let total = start.elapsed();

    let mut best = total;
    for _ in 1..repeat {
        let start = Instant::now();
        let df = parse_dockerfile(&source, &path).map_err(|d| anyhow::anyhow!("{}", d.message))?;
        let again = convert_once(Arc::new(df), &path, &source)?
            .definition
            .encode_to_vec();
        best = best.min(start.elapsed());
        assert_eq!(again, bytes, "the same input converts to the same bytes");
    }
    report.total = total;
    report.best = best;
    report.floor = floor(&converted.definition, repeat);
    if let Some(out) = out {
        std::fs::write(&out, &bytes).with_context(|| format!("writing {out}"))?;
    }
    report.print();
    Ok(())
}

/// What one run prints: the first conversion's sizes and phases, the best of N, the floor.
struct Report {
    instructions: usize,
    ops: usize,
    definition_bytes: usize,
    config_bytes: usize,
    parsed: Duration,
    converted_at: Duration,
    total: Duration,
    best: Duration,
    floor: Duration,
}

impl Report {
    fn print(&self) {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        eprintln!(
            "instructions={} ops={} definition_bytes={} config_bytes={} parse_ms={:.1} convert_ms={:.1} total_ms={:.1} best_ms={:.2} floor_ms={:.2}",
            self.instructions,
            self.ops,
            self.definition_bytes,
            self.config_bytes,
            ms(self.parsed),
            ms(self.converted_at - self.parsed),
            ms(self.total),
            ms(self.best),
            ms(self.floor),
        );
    }
}

fn convert_once(
    df: Arc<dockerfile_llb::instructions::Dockerfile>,
    path: &str,
    source: &[u8],
) -> Result<Converted> {
    let opts = ConvertOptions {
        build: BuildOptions {
            build_platform: Platform::new("linux", "amd64"),
            ..BuildOptions::default()
        },
        session_id: "bench-session".to_string(),
        filename: path.to_string(),
        source: source.to_vec(),
        // Every cap, as tests/go/bench-convert gives the reference (a current daemon).
        llb_caps: Some(dockerfile_llb::llb::caps::CapSet::all()),
        ..ConvertOptions::default()
    };
    let mut images = ResolvedImages::new();
    // As the gateway does: plan, answer its requests until none is left, then convert.
    let mut plan = convert::plan(df, &opts, &images)?;
    while !plan.requests().is_empty() {
        for r in plan.requests() {
            let config = format!(
                r#"{{"architecture":"{}","os":"{}","config":{{"Env":["PATH=/usr/bin:/bin"]}},"rootfs":{{"type":"layers","diff_ids":["sha256:{}"]}}}}"#,
                r.platform.architecture,
                r.platform.os,
                "0".repeat(64)
            );
            images.insert(
                r,
                ResolvedImage {
                    digest: Some(format!("sha256:{}", "1".repeat(64))),
                    config: config.into_bytes(),
                    reference: None,
                },
            );
        }
        plan = plan.answered(&images)?;
    }
    Ok(plan.convert(&images, &[])?)
}

/// The best of `repeat` times to produce every op's bytes once, hash them, and encode the
/// Definition around them.
fn floor(definition: &pb::Definition, repeat: usize) -> Duration {
    let ops: Vec<pb::Op> = definition
        .def
        .iter()
        .map(|b| pb::Op::decode(&b[..]).expect("our own ops decode"))
        .collect();
    let mut best = Duration::MAX;
    for _ in 0..repeat {
        let start = Instant::now();
        let mut def = Vec::with_capacity(ops.len());
        let mut digests = Vec::with_capacity(ops.len());
        for op in &ops {
            let bytes = encode_op(op);
            digests.push(Digest::of(&bytes));
            def.push(bytes.into());
        }
        let whole = pb::Definition {
            def,
            metadata: definition.metadata.clone(),
            source: definition.source.clone(),
        }
        .encode_to_vec();
        std::hint::black_box((&whole, &digests));
        best = best.min(start.elapsed());
    }
    best
}
