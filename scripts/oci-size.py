#!/usr/bin/env python3
"""Prints the size of OCI image archives: layer count, compressed and unpacked bytes.

Usage: oci-size.py NAME=archive.tar [NAME=archive.tar ...]
Reads index.json -> manifest -> layers inside each tar; nothing is extracted to disk."""
import gzip
import json
import sys
import tarfile
import zlib


def blob(tar, digest):
    algo, hexd = digest.split(":", 1)
    return tar.extractfile(f"blobs/{algo}/{hexd}").read()


def unpacked_size(data):
    # Layers are gzip (or plain) tars; count the bytes of regular files in them.
    try:
        data = gzip.decompress(data)
    except (OSError, zlib.error):
        pass
    import io
    with tarfile.open(fileobj=io.BytesIO(data)) as layer:
        return sum(m.size for m in layer.getmembers() if m.isfile())


def describe(path):
    with tarfile.open(path) as tar:
        index = json.loads(tar.extractfile("index.json").read())
        manifest = json.loads(blob(tar, index["manifests"][0]["digest"]))
        layers = manifest["layers"]
        packed = sum(layer["size"] for layer in layers)
        unpacked = sum(unpacked_size(blob(tar, layer["digest"])) for layer in layers)
    return len(layers), packed, unpacked


def human(n):
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{n} B"
        n /= 1024


def main(args):
    rows = [(name, *describe(path)) for name, path in (a.split("=", 1) for a in args)]
    print(f"{'image':<14} {'layers':>6} {'compressed':>12} {'unpacked':>12}")
    for name, count, packed, unpacked in rows:
        print(f"{name:<14} {count:>6} {human(packed):>12} {human(unpacked):>12}")
    if len(rows) == 2 and rows[1][3]:
        print(f"\n{rows[0][0]} is {rows[0][3] / rows[1][3]:.0f}x the unpacked size of {rows[1][0]}.")


if __name__ == "__main__":
    main(sys.argv[1:])
