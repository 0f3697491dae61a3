#!/usr/bin/env python3
"""Prints the size of OCI image archives: layer count, compressed and unpacked bytes.

Usage: oci-size.py NAME=archive.tar [NAME=archive.tar ...]
skopeo (scripts/install-tools.sh installs it) reads each archive's manifest: the layers' digests
and compressed sizes. The unpacked size is counted here, reading those layer blobs inside the tar."""
import gzip
import io
import json
import subprocess
import sys
import tarfile
import zlib


def skopeo(*args):
    try:
        out = subprocess.run(["skopeo", *args], check=True, stdout=subprocess.PIPE, text=True)
    except FileNotFoundError:
        sys.exit("oci-size.py needs skopeo (scripts/install-tools.sh installs it)")
    except subprocess.CalledProcessError as e:
        sys.exit(f"skopeo {' '.join(args)} failed with exit code {e.returncode}")
    return json.loads(out.stdout)


def layers(tar, path):
    """(digest, compressed size) of each layer of the archive's image."""
    ref = f"oci-archive:{path}"
    manifest = skopeo("inspect", "--raw", ref)
    if "layers" in manifest:
        return [(layer["digest"], layer["size"]) for layer in manifest["layers"]]
    # An image index (several platforms, or buildx's attestation manifests next to the image):
    # skopeo picks the image of the first real platform; its layer list has digests only, and a
    # blob's size is the size its descriptor gives.
    platforms = [m["platform"] for m in manifest.get("manifests", []) if "platform" in m]
    platform = next((p for p in platforms if p.get("os", "unknown") != "unknown"), {})
    choose = []
    for key, flag in (("os", "--override-os"), ("architecture", "--override-arch"),
                      ("variant", "--override-variant")):
        if platform.get(key):
            choose += [flag, platform[key]]
    image = skopeo(*choose, "inspect", ref)
    return [(digest, tar.getmember(blob_path(digest)).size) for digest in image["Layers"]]


def blob_path(digest):
    algo, hexd = digest.split(":", 1)
    return f"blobs/{algo}/{hexd}"


def unpacked_size(data):
    # Layers are gzip (or plain) tars; count the bytes of regular files in them.
    try:
        data = gzip.decompress(data)
    except (OSError, zlib.error):
        pass
    with tarfile.open(fileobj=io.BytesIO(data)) as layer:
        return sum(m.size for m in layer.getmembers() if m.isfile())


def describe(path):
    with tarfile.open(path) as tar:
        image_layers = layers(tar, path)
        packed = sum(size for _, size in image_layers)
        unpacked = sum(unpacked_size(tar.extractfile(blob_path(digest)).read())
                       for digest, _ in image_layers)
    return len(image_layers), packed, unpacked


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
