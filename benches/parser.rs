//! Parser throughput: a 10,000-instruction Dockerfile and a 1 MiB heredoc, parsed all the way
//! to typed instructions (`instructions::parse_dockerfile`).
//!
//!   cargo bench --bench parser

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dockerfile_llb::instructions::parse_dockerfile;

/// 10,000 instructions of every common kind, with flags, continuations, JSON and comments.
fn many_instructions() -> Vec<u8> {
    let mut s =
        String::from("# syntax=docker/dockerfile:1\nARG BASE=alpine:3.20\nFROM $BASE AS build\n");
    let mut n = 1;
    while n < 10_000 {
        let line = match n % 10 {
            0 => format!("RUN --mount=type=cache,target=/root/.cache/{n} \\\n    make -j4 target{n} && \\\n    echo done {n}\n"),
            1 => format!("COPY --chown=1000:1000 --chmod=644 src/{n} /app/src/{n}\n"),
            2 => format!("ENV VAR{n}=\"value {n}\" OTHER{n}=x\n"),
            3 => format!("LABEL org.example.n{n}=\"{n}\"\n"),
            4 => format!("# step {n}\nWORKDIR /app/{n}\n"),
            5 => format!("ARG A{n}=default{n}\n"),
            6 => format!("CMD [\"/app/bin\", \"--n\", \"{n}\"]\n"),
            7 => format!("EXPOSE {}/tcp\n", 1000 + n % 5000),
            8 => format!("HEALTHCHECK --interval=30s --retries=3 CMD curl -f http://localhost:{n}/\n"),
            _ => format!("USER user{n}\n"),
        };
        s.push_str(&line);
        n += 1;
    }
    s.into_bytes()
}

/// One COPY with a 1 MiB heredoc body.
fn big_heredoc() -> Vec<u8> {
    let mut s = String::from("FROM scratch\nCOPY <<EOF /big.txt\n");
    let line = "the quick brown fox jumps over the lazy dog 0123456789 $HOME ${X:-y}\n";
    while s.len() < (1 << 20) {
        s.push_str(line);
    }
    s.push_str("EOF\n");
    s.into_bytes()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_dockerfile");
    for (name, input) in [
        ("10k_instructions", many_instructions()),
        ("1mib_heredoc", big_heredoc()),
    ] {
        let df = parse_dockerfile(&input, "Dockerfile").expect("benchmark input parses");
        assert!(!df.stages.is_empty());
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| parse_dockerfile(std::hint::black_box(&input), "Dockerfile"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
