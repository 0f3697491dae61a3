#!/usr/bin/env python3
"""Dockerfile shapes for scripts/bench-vs-reference.sh (issue 12), printed to stdout.

  gen_shapes.py one-stage N     one stage of N instructions, ENV/RUN/COPY/WORKDIR in turn
  gen_shapes.py chain S N       S stages, each FROM the previous one, N instructions each
(the multi-stage shape is benches/gen_dockerfile.py)."""
import sys


def instruction(i, stage):
    kind = i % 4
    if kind == 0:
        return f"ENV VAR_{stage}_{i}=value-{i}"
    if kind == 1:
        return f"RUN echo step {i} $VAR_{stage}_{i - 1} > /tmp/f{i}"
    if kind == 2:
        return f"COPY src/file{i % 50}.txt /app/{stage}/"
    return f"WORKDIR /work/{stage}/{i}"


def one_stage(n):
    print("FROM busybox")
    for i in range(n):
        print(instruction(i, 0))


def chain(stages, n):
    for s in range(stages):
        print("FROM busybox AS s0" if s == 0 else f"FROM s{s - 1} AS s{s}")
        for i in range(n):
            print(instruction(i, s))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "one-stage":
        one_stage(int(sys.argv[2]))
    elif len(sys.argv) == 4 and sys.argv[1] == "chain":
        chain(int(sys.argv[2]), int(sys.argv[3]))
    else:
        sys.exit(__doc__)
