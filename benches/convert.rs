//! Criterion benchmark of the converter on the generated multi-stage Dockerfiles of
//! ../shared/bench/gen_dockerfile.py (10 and 40 stages of 100 instructions, chained by FROM and
//! COPY --from). Measures parse + plan + convert + marshal, the work the frontend does per build.

use std::path::Path;
use std::process::Command;

use criterion::{criterion_group, criterion_main, Criterion};
use dockerfile_llb::convert::{self, ConvertOptions, Platform, ResolvedImages};
use dockerfile_llb::instructions::parse_dockerfile;
use prost::Message;

/// The generator's output, or a Rust port of it when python3 or the script is missing.
fn generated(stages: usize, per_stage: usize) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen_dockerfile.py");
    if let Ok(out) = Command::new("python3")
        .arg(&script)
        .arg(stages.to_string())
        .arg(per_stage.to_string())
        .output()
    {
        if out.status.success() {
            return String::from_utf8(out.stdout).expect("generator prints UTF-8");
        }
    }
    let mut lines = vec!["ARG GLOBAL=v1".to_string()];
    for s in 0..stages {
        let base = if s % 10 == 0 {
            "scratch".to_string()
        } else {
            format!("s{}", s - 1)
        };
        lines.push(format!("FROM {base} AS s{s}"));
        lines.push("ARG GLOBAL".to_string());
        for i in 0..per_stage - 2 {
            lines.push(match i % 8 {
                0 => format!("ENV VAR_{s}_{i}=value-{i} PATH=/opt/s{s}/bin:$PATH"),
                1 => format!("WORKDIR /work/s{s}/d{i}"),
                2 => {
                    format!("RUN echo stage {s} step {i} ${{GLOBAL}} > /tmp/f{i} && cat /tmp/f{i}")
                }
                3 => format!("COPY src/file{}.txt /app/s{s}/", i % 20),
                4 if s > 0 => format!("COPY --from=s{} /app /imported/s{s}/{i}", s - 1),
                4 => "COPY src/ /app/".to_string(),
                5 => format!("LABEL org.example.s{s}.l{i}=\"label {i}\""),
                6 => format!("USER {}", 1000 + i % 7),
                _ => format!("RUN [\"/bin/sh\", \"-c\", \"echo exec form {i}\"]"),
            });
        }
    }
    lines.join("\n") + "\n"
}

fn convert_once(source: &[u8]) -> usize {
    let df = parse_dockerfile(source, "Dockerfile").expect("generated Dockerfile parses");
    let opts = ConvertOptions {
        build_platform: Platform::new("linux", "amd64"),
        session_id: "bench".to_string(),
        source: source.to_vec(),
        ..ConvertOptions::default()
    };
    // Every stage starts FROM scratch or an earlier stage: nothing to resolve.
    assert!(convert::plan(&df, &opts, &ResolvedImages::new())
        .expect("plan")
        .is_empty());
    let converted = convert::convert(&df, &opts, &ResolvedImages::new()).expect("convert");
    converted.definition.encode_to_vec().len()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("convert");
    group.sample_size(10);
    for stages in [10, 40] {
        let source = generated(stages, 100);
        group.bench_function(format!("{stages}x100"), |b| {
            b.iter(|| convert_once(source.as_bytes()))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
